package noctx

import (
	"context"
	"database/sql"
	"net/http"
)

type store struct {
	*sql.DB
}

const byID = "SELECT name FROM users WHERE id = ?"

var countUsers = "SELECT count(*) FROM users"

// handler's table comes from its configuration: no note on SQL text built
// from request data gets in the way of the rule.
func handler(db *sql.DB, s store, table string) http.HandlerFunc { // want handler:`queryParams\(\[2\]\)`
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.FormValue("id")
		db.Query("SELECT name FROM "+table+" WHERE id = ?", id) // want `\(\*sql.DB\).Query has no context, so the SQL guard cannot see the request's inputs: use QueryContext`
		db.QueryRow("SELECT count(*) FROM " + table)            // want `\(\*sql.DB\).QueryRow has no context`
		db.Exec("DELETE FROM "+table+" WHERE id = ?", id)       // want `\(\*sql.DB\).Exec has no context`
		stmt, _ := db.Prepare("SELECT name FROM " + table)      // want `\(\*sql.DB\).Prepare has no context`
		tx, _ := db.BeginTx(r.Context(), nil)
		tx.Exec("UPDATE "+table+" SET seen = 1 WHERE id = ?", id) // want `\(\*sql.Tx\).Exec has no context`
		s.Query(table)                                            // want `\(\*sql.DB\).Query has no context`

		// Constant text carries no request input, and a statement's text
		// was checked where it was prepared.
		db.Query("SELECT name FROM users WHERE id = ?", id)
		db.QueryRow(byID, id)
		db.QueryRow(countUsers)
		q := "SELECT name FROM users"
		if id != "" {
			q += " WHERE id = ?"
		}
		db.Query(q, id)
		stmt.Query(id)
		stmt.Exec()
		db.QueryContext(r.Context(), "SELECT 1")

		rename(db, table)
		purge(db, table)
		lookup(r.Context(), db, table)
		go audit(db, table)
		go func() {
			db.Exec("INSERT INTO audit VALUES ('" + table + "')") // want `^note: \(\*sql.DB\).Exec has no context on a goroutine a handler starts`
		}()
	}
}

// rename is a helper a handler calls with no context in scope: the fix
// adds one and passes the handler's.
func rename(db *sql.DB, table string) { // want rename:`queryParams\(\[1\]\)`
	db.Exec("ALTER TABLE " + table + " RENAME TO old") // want `\(\*sql.DB\).Exec has no context, so the SQL guard cannot see the request's inputs: use ExecContext; rename has no context in scope: its callers must pass theirs`
	db.Exec("ALTER TABLE old RENAME TO " + table)      // want `rename has no context in scope`
}

func lookup(ctx context.Context, db *sql.DB, q string) { // want lookup:`queryParams\(\[2\]\)`
	db.QueryRow(q) // want `\(\*sql.DB\).QueryRow has no context, so the SQL guard cannot see the request's inputs: use QueryRowContext$`
}

func audit(db *sql.DB, table string) { // want audit:`queryParams\(\[1\]\)`
	db.Exec("INSERT INTO audit VALUES ('" + table + "')") // want `^note: \(\*sql.DB\).Exec has no context on a goroutine a handler starts`
}

// migrate is reached from no handler: start-up code is left out.
func migrate(db *sql.DB, table string) { // want migrate:`queryParams\(\[1\]\)`
	db.Exec("CREATE TABLE t (id INTEGER)")
	db.Exec("DROP TABLE " + table)
}
