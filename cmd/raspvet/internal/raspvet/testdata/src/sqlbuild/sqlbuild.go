package sqlbuild

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"sqlbuild/store"
)

type api struct{ db *sql.DB }

func (a *api) search(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.URL.Query().Get("name")
	a.db.QueryContext(ctx, "SELECT * FROM t WHERE name = '"+name+"'") // want `note: SQL text built from request data: the SQL guard checks it at run time, but bound parameters are better`

	q := fmt.Sprintf("SELECT * FROM t WHERE name = '%s'", name)
	a.db.QueryContext(ctx, q) // want `note: SQL text built from request data`

	var sb strings.Builder
	sb.WriteString("SELECT * FROM t WHERE name = '")
	sb.WriteString(name)
	sb.WriteString("'")
	a.db.ExecContext(ctx, sb.String()) // want `note: SQL text built from request data`

	var buf bytes.Buffer
	fmt.Fprintf(&buf, "SELECT * FROM t WHERE name = '%s'", name)
	a.db.QueryRowContext(ctx, buf.String()) // want `note: SQL text built from request data`

	var req struct{ Sort string }
	json.NewDecoder(r.Body).Decode(&req)
	a.db.QueryContext(ctx, "SELECT * FROM t ORDER BY "+req.Sort) // want `note: SQL text built from request data`

	for _, col := range r.URL.Query()["col"] {
		a.db.QueryContext(ctx, "SELECT "+col+" FROM t") // want `note: SQL text built from request data`
	}

	a.db.Query("SELECT * FROM t WHERE name = '" + name + "'") // want `\(\*sql.DB\).Query has no context` `note: SQL text built from request data`
}

func (a *api) safe(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.URL.Query().Get("name")
	a.db.QueryContext(ctx, "SELECT * FROM t WHERE name = ?", name)

	id, _ := strconv.Atoi(r.FormValue("id"))
	a.db.QueryContext(ctx, fmt.Sprintf("SELECT * FROM t WHERE id = %d", id))
	a.db.QueryContext(ctx, "SELECT * FROM t LIMIT "+strconv.Itoa(len(name)))

	order := "name"
	if r.FormValue("desc") != "" {
		order = "name DESC"
	}
	a.db.QueryContext(ctx, "SELECT * FROM t ORDER BY "+order)
}

func (a *api) queryBooks(ctx context.Context, q string) { // want queryBooks:`queryParams\(\[1\]\)`
	a.db.QueryContext(ctx, q)
}

func (a *api) byTitle(ctx context.Context, title string) { // want byTitle:`queryParams\(\[1\]\)`
	a.queryBooks(ctx, "SELECT * FROM books WHERE title = '"+title+"'")
}

func (a *api) login(ctx context.Context, user, pass string) { // want login:`queryParams\(\[1 2\]\)`
	a.db.QueryContext(ctx, "SELECT 1 FROM users WHERE name = '"+user+"' AND pass = '"+pass+"'")
}

func (a *api) helpers(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	title := r.FormValue("title")
	a.queryBooks(ctx, "SELECT * FROM books WHERE title = '"+title+"'") // want `note: SQL text built from request data reaches a query through queryBooks`
	a.byTitle(ctx, title)                                              // want `note: SQL text built from request data reaches a query through byTitle`
	a.login(ctx, r.FormValue("user"), r.FormValue("pass"))             // want `note: SQL text built from request data reaches a query through login`
	store.Find(ctx, a.db, "title = '"+title+"'")                       // want `note: SQL text built from request data reaches a query through Find`
	store.ByID(ctx, a.db, title)
	a.queryBooks(ctx, "SELECT * FROM books")
	n, _ := strconv.Atoi(r.FormValue("n"))
	a.queryBooks(ctx, fmt.Sprintf("SELECT * FROM books LIMIT %d", n))
}
