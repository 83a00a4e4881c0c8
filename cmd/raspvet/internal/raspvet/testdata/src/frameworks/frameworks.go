package frameworks

import (
	"context"
	"database/sql"
	"net/http"
	"os/exec"

	"github.com/gin-gonic/gin"
	"github.com/go-chi/chi/v5"
	"github.com/gorilla/mux"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jmoiron/sqlx"
	"github.com/julienschmidt/httprouter"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"frameworks/pb"
)

type app struct {
	db   *sql.DB
	gdb  *gorm.DB
	xdb  *sqlx.DB
	pool *pgxpool.Pool
	conn *pgx.Conn
}

func (a *app) chiHandler(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	a.db.QueryContext(r.Context(), "SELECT * FROM t WHERE id = '"+id+"'") // want `note: SQL text built from request data`
	a.db.QueryContext(r.Context(), "SELECT * FROM t WHERE id = ?", id)
}

func (a *app) muxHandler(w http.ResponseWriter, r *http.Request) {
	vars := mux.Vars(r)
	a.xdb.SelectContext(r.Context(), nil, "SELECT * FROM t WHERE id = "+vars["id"]) // want `note: SQL text built from request data`
}

func (a *app) ginHandler(c *gin.Context) {
	name := c.Param("name")
	var out []string
	a.gdb.Raw("SELECT * FROM t WHERE name = '" + name + "'").Scan(&out) // want `note: SQL text built from request data`
	a.gdb.Where("name = '" + c.Query("q") + "'").Find(&out)             // want `note: SQL text built from request data`
	a.gdb.Order(c.DefaultQuery("sort", "id")).Find(&out)                // want `note: SQL text built from request data`
	a.gdb.Exec("DELETE FROM t WHERE name = '" + c.PostForm("n") + "'")  // want `note: SQL text built from request data`
	a.gdb.First(&out, c.Query("id"))                                    // want `note: SQL text built from request data`
	a.gdb.First(&out, "id = ?", c.Query("id"))
	a.gdb.Where("name = ?", name).Find(&out)
	a.gdb.Where(map[string]any{"name": name}).Find(&out)
	a.gdb.Where(&struct{ Name string }{name}).Find(&out)
	a.gdb.WithContext(c).Find(&out) // want `\*gin.Context used as a context.Context: unless the engine sets ContextWithFallback`
	a.gdb.WithContext(c.Request.Context()).Find(&out)
	exec.Command("convert", name).Run() // want `exec.Command runs`
}

func (a *app) echoHandler(c echo.Context) error {
	var out []string
	a.xdb.Select(&out, "SELECT * FROM t WHERE q = '"+c.QueryParam("q")+"'") // want `note: SQL text built from request data` `\(\*sqlx.DB\).Select has no context, so the SQL guard cannot see the request's inputs: use SelectContext`
	a.xdb.Get(&out, "SELECT * FROM t WHERE id = $1", c.Param("id"))
	a.xdb.Queryx("SELECT * FROM t WHERE f = '" + c.FormValue("f") + "'") // want `note: SQL text built from request data` `\(\*sqlx.DB\).Queryx has no context`
	exec.Command("ls", c.Param("dir")).Run()                             // want `exec.Command runs`
	return nil
}

func (a *app) routerHandler(w http.ResponseWriter, r *http.Request, ps httprouter.Params) {
	id := ps.ByName("id")
	a.pool.Query(r.Context(), "SELECT * FROM t WHERE id = '"+id+"'") // want `note: SQL text built from request data`
	a.pool.QueryRow(r.Context(), "SELECT * FROM t WHERE id = $1", id)
	tx, _ := a.pool.Begin(r.Context())
	tx.Exec(r.Context(), "UPDATE t SET seen = true WHERE id = '"+id+"'") // want `note: SQL text built from request data`
}

type server struct{ a *app }

// Get is a gRPC method: its request message is request data.
func (s *server) Get(ctx context.Context, in *pb.GetRequest) (*pb.GetReply, error) {
	s.a.conn.Exec(ctx, "DELETE FROM t WHERE name = '"+in.GetName()+"'") // want `note: SQL text built from request data`
	s.a.conn.Exec(ctx, "DELETE FROM t WHERE name = $1", in.Name)
	exec.Command("ls", in.Name).Run() // want `exec.Command runs`
	return &pb.GetReply{}, nil
}

func (s *server) Old(ctx context.Context, in *pb.OldRequest) (*pb.GetReply, error) {
	s.a.db.QueryContext(ctx, "SELECT * FROM t WHERE name = '"+in.Name+"'") // want `note: SQL text built from request data`
	return nil, nil
}

// notHandler has a request message but no context: not a gRPC method.
func notHandler(in *pb.GetRequest) {
	exec.Command("ls", in.Name).Run()
}
