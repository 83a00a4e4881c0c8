// Package pgxpool is a stub of the PostgreSQL driver's connection pool.
package pgxpool

import (
	"context"

	"github.com/jackc/pgx/v5"
)

type Config struct {
	ConnConfig *pgx.ConnConfig
}

type Pool struct{}

func (p *Pool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) { return nil, nil }
func (p *Pool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row        { return nil }
func (p *Pool) Exec(ctx context.Context, sql string, args ...any) (pgx.CommandTag, error) {
	return pgx.CommandTag{}, nil
}
func (p *Pool) Begin(ctx context.Context) (pgx.Tx, error) { return nil, nil }

func New(ctx context.Context, connString string) (*Pool, error)     { return nil, nil }
func NewWithConfig(ctx context.Context, cfg *Config) (*Pool, error) { return nil, nil }
func ParseConfig(connString string) (*Config, error)                { return nil, nil }
