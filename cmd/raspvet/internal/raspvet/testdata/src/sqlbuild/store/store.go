// Package store runs the queries of package sqlbuild.
package store

import (
	"context"
	"database/sql"
)

// Find returns the rows of t that match where.
func Find(ctx context.Context, db *sql.DB, where string) (*sql.Rows, error) {
	return db.QueryContext(ctx, "SELECT * FROM t WHERE "+where)
}

// ByID returns the row of t with the given id.
func ByID(ctx context.Context, db *sql.DB, id string) *sql.Row {
	return db.QueryRowContext(ctx, "SELECT * FROM t WHERE id = ?", id)
}
