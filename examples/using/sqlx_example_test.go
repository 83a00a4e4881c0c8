package using_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/driver"
	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3"
	"github.com/rs/zerolog"
)

// Example_sqlx: sqlx learns the bind style from the driver name, and a
// wrapped driver has a name of its own: tell sqlx with BindDriver
// (sqlx.DOLLAR for PostgreSQL drivers, sqlx.QUESTION for SQLite and MySQL),
// open through the wrapped name, and pass the request context to the
// *Context methods.
func Example_sqlx() {
	agent := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(io.Discard)))
	driver.Register("sqlite3-rasp-sqlx", &sqlite3.SQLiteDriver{}, driver.WithAgent(agent))
	sqlx.BindDriver("sqlite3-rasp-sqlx", sqlx.QUESTION)

	file, cleanup := tempDB()
	defer cleanup()
	db := sqlx.MustOpen("sqlite3-rasp-sqlx", file)
	defer db.Close()
	db.MustExec("CREATE TABLE books (title TEXT, author TEXT); INSERT INTO books VALUES ('Dune', 'Herbert'), ('Emma', 'Austen')")

	mux := http.NewServeMux()
	mux.HandleFunc("GET /books", func(w http.ResponseWriter, r *http.Request) {
		var titles []string
		err := db.SelectContext(r.Context(), &titles,
			"SELECT title FROM books WHERE author = '"+r.FormValue("author")+"' ORDER BY title")
		if err != nil {
			http.Error(w, "query failed", http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, strings.Join(titles, ","))
	})
	try(agent.Middleware(mux), "/books", "author", "Austen")
	try(agent.Middleware(mux), "/books", "author", "x' OR '1'='1")
	// Output:
	// author="Austen": 200 Emma
	// author="x' OR '1'='1": 403 Forbidden
}
