// Package sqlx is a stub of the database/sql extension.
package sqlx

import (
	"context"
	"database/sql"
)

type DB struct{ *sql.DB }

type Tx struct{ *sql.Tx }

type Rows struct{ *sql.Rows }

func (db *DB) Select(dest any, query string, args ...any) error { return nil }
func (db *DB) Get(dest any, query string, args ...any) error    { return nil }
func (db *DB) SelectContext(ctx context.Context, dest any, query string, args ...any) error {
	return nil
}
func (db *DB) GetContext(ctx context.Context, dest any, query string, args ...any) error { return nil }
func (db *DB) Queryx(query string, args ...any) (*Rows, error)                           { return nil, nil }
func (db *DB) QueryxContext(ctx context.Context, query string, args ...any) (*Rows, error) {
	return nil, nil
}
func (db *DB) MustExec(query string, args ...any) sql.Result       { return nil }
func (db *DB) NamedExec(query string, arg any) (sql.Result, error) { return nil, nil }
func (tx *Tx) Select(dest any, query string, args ...any) error    { return nil }
func (tx *Tx) Get(dest any, query string, args ...any) error       { return nil }

func Open(driverName, dataSourceName string) (*DB, error)    { return nil, nil }
func Connect(driverName, dataSourceName string) (*DB, error) { return nil, nil }
func ConnectContext(ctx context.Context, driverName, dataSourceName string) (*DB, error) {
	return nil, nil
}
