package noctx

import "database/sql"

// setup is start-up code that calls the helper a handler also calls.
func setup(db *sql.DB) {
	purge(db, "sessions")
}

func purge(db *sql.DB, table string) { // want purge:`queryParams\(\[1\]\)`
	db.Exec("DELETE FROM " + table) // want `purge has no context in scope: its callers must pass theirs`
}
