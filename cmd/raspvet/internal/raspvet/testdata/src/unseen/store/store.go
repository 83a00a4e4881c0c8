// Package store has no handlers: its calls are the lower class here, and
// its facts carry them to the handlers of package unseen.
package store

import (
	"database/sql"
	"os/exec"
)

type Store struct{ db *sql.DB }

func (s *Store) Rename(table string) { // want Rename:`queryParams\(\[0\]\)` Rename:`unseenCalls\(\(\*sql.DB\).Exec without a context \(store.go:13\)\)`
	s.db.Exec("ALTER TABLE " + table + " RENAME TO old")
}

func Convert(name string) error { // want Convert:`unseenCalls\(exec.Command \(store.go:21\)\)`
	return run("convert", name)
}

func run(name string, args ...string) error {
	return exec.Command(name, args...).Run()
}

// Count's text is constant: nothing is hidden from a guard.
func (s *Store) Count() {
	s.db.Exec("SELECT count(*) FROM t")
}

var dbName = "app"

// Open's text comes from configuration, not from its caller: its call is
// not the caller's concern.
func Open(db *sql.DB) {
	db.Exec("CREATE DATABASE IF NOT EXISTS " + dbName)
}
