package driver_test

import (
	"database/sql"
	"net/http"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/driver"
	"github.com/mattn/go-sqlite3"
)

// The README's quick start: a handler that builds SQL from a query
// parameter, on the wrapped SQLite driver, behind the agent's middleware in
// protect mode. It starts a server, so it is compiled but not run.
func Example_quickStart() {
	agent := rasp.New(rasp.WithMode(rasp.ModeProtect)) // events: JSON on stderr
	driver.Register("sqlite3-rasp", &sqlite3.SQLiteDriver{}, driver.WithAgent(agent))
	db, _ := sql.Open("sqlite3-rasp", "app.db")

	mux := http.NewServeMux()
	mux.HandleFunc("GET /books", func(w http.ResponseWriter, r *http.Request) {
		// The request context carries the request's inputs to the query.
		rows, err := db.QueryContext(r.Context(),
			"SELECT title FROM books WHERE title = '"+r.FormValue("title")+"'")
		if err != nil { // errors.Is(err, rasp.ErrBlocked) for an injection; the client gets 403
			return
		}
		defer rows.Close()
		// ...
	})
	http.ListenAndServe("127.0.0.1:8080", agent.Middleware(mux))
}
