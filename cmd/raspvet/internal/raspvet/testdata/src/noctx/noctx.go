package noctx

import (
	"context"
	"database/sql"
	"net/http"
)

type store struct {
	*sql.DB
}

func handler(db *sql.DB, s store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.FormValue("id")
		db.Query("SELECT name FROM users WHERE id = ?", id)          // want `\(\*sql.DB\).Query has no context, so the SQL guard cannot see the request's inputs: use QueryContext`
		db.QueryRow("SELECT count(*) FROM users")                    // want `\(\*sql.DB\).QueryRow has no context`
		db.Exec("DELETE FROM sessions WHERE id = ?", id)             // want `\(\*sql.DB\).Exec has no context`
		stmt, _ := db.Prepare("SELECT name FROM users WHERE id = ?") // want `\(\*sql.DB\).Prepare has no context`
		stmt.Query(id)                                               // want `\(\*sql.Stmt\).Query has no context`
		stmt.Exec()                                                  // want `\(\*sql.Stmt\).Exec has no context`
		tx, _ := db.BeginTx(r.Context(), nil)
		tx.Exec("UPDATE users SET seen = 1 WHERE id = ?", id) // want `\(\*sql.Tx\).Exec has no context`
		s.Query("SELECT 1")                                   // want `\(\*sql.DB\).Query has no context`
		db.QueryContext(r.Context(), "SELECT 1")
		conn, _ := db.Conn(r.Context())
		conn.QueryRowContext(r.Context(), "SELECT 1")
	}
}

func migrate(db *sql.DB, table string) { // want migrate:`queryParams\(\[1\]\)`
	db.Exec("CREATE TABLE t (id INTEGER)")
	db.Exec("DROP TABLE " + table) // want `\(\*sql.DB\).Exec has no context`
	stmt, _ := db.Prepare("SELECT 1")
	stmt.Exec()
}

func lookup(ctx context.Context, db *sql.DB, q string) { // want lookup:`queryParams\(\[2\]\)`
	db.QueryRow(q) // want `\(\*sql.DB\).QueryRow has no context`
}
