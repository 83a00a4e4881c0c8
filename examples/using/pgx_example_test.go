package using_test

import (
	"database/sql"
	"net/http"
	"os"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/driver"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Example_pgxStdlib: pgx's database/sql driver takes its configuration
// through a connector; wrap the connector and open it with sql.OpenDB. The
// dialect (PostgreSQL) is detected from the pgx stdlib type. For pgx's
// native API (pgx.Conn, pgxpool) use the pgxguard module's tracer instead.
// It needs a server, so it is compiled but not run.
func Example_pgxStdlib() {
	agent := rasp.New(rasp.WithMode(rasp.ModeProtect))
	cfg, err := pgx.ParseConfig(os.Getenv("DATABASE_URL"))
	if err != nil {
		panic(err)
	}
	db := sql.OpenDB(driver.WrapConnector(stdlib.GetConnector(*cfg), driver.WithAgent(agent)))
	defer db.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /books", func(w http.ResponseWriter, r *http.Request) {
		rows, err := db.QueryContext(r.Context(), "SELECT title FROM books WHERE author = $1", r.FormValue("author"))
		if err != nil {
			http.Error(w, "query failed", http.StatusInternalServerError)
			return
		}
		defer rows.Close()
		// ...
	})
	_ = http.ListenAndServe("127.0.0.1:8080", agent.Middleware(mux))
}
