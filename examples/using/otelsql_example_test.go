package using_test

import (
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/XSAM/otelsql"
	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/driver"
	"github.com/gorasp/rasp/sqlguard"
	"github.com/mattn/go-sqlite3"
	"github.com/rs/zerolog"
)

// Example_otelsql: otelsql and rasp both wrap the driver, in either order.
//
//   - rasp inside otelsql: wrap the real driver with rasp first and hand
//     that to otelsql. rasp detects the dialect from the real driver, and a
//     blocked statement appears in otelsql's span as an error.
//   - rasp outside otelsql: rasp sees otelsql's wrapper type, not the
//     real driver, so it cannot detect the dialect: pass driver.WithDialect.
//
// Either way the handler passes the request context.
func Example_otelsql() {
	agent := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(io.Discard)))

	// rasp inside otelsql.
	inside := otelsql.WrapDriver(driver.Wrap(&sqlite3.SQLiteDriver{}, driver.WithAgent(agent)))
	sql.Register("sqlite3-rasp-otel", inside)

	// rasp outside otelsql: the dialect must be named.
	driver.Register("sqlite3-otel-rasp", otelsql.WrapDriver(&sqlite3.SQLiteDriver{}),
		driver.WithAgent(agent), driver.WithDialect(sqlguard.DialectSQLite))

	for _, name := range []string{"sqlite3-rasp-otel", "sqlite3-otel-rasp"} {
		file, cleanup := tempDB()
		db, err := sql.Open(name, file)
		if err != nil {
			panic(err)
		}
		if _, err := db.Exec("CREATE TABLE books (title TEXT); INSERT INTO books VALUES ('Dune'), ('Emma')"); err != nil {
			panic(err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /books", func(w http.ResponseWriter, r *http.Request) {
			var n int
			err := db.QueryRowContext(r.Context(), "SELECT count(*) FROM books WHERE title = '"+r.FormValue("title")+"'").Scan(&n)
			if err != nil {
				http.Error(w, "query failed", http.StatusInternalServerError)
				return
			}
			fmt.Fprint(w, n)
		})
		fmt.Println(strings.TrimPrefix(name, "sqlite3-") + ":")
		try(agent.Middleware(mux), "/books", "title", "Dune")
		try(agent.Middleware(mux), "/books", "title", "x' OR 'a'='a")
		db.Close()
		cleanup()
	}
	// Output:
	// rasp-otel:
	// title="Dune": 200 1
	// title="x' OR 'a'='a": 403 Forbidden
	// otel-rasp:
	// title="Dune": 200 1
	// title="x' OR 'a'='a": 403 Forbidden
}
