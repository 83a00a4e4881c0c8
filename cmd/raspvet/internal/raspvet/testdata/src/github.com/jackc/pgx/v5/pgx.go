// Package pgx is a stub of the PostgreSQL driver's native interface.
package pgx

import "context"

type QueryTracer interface {
	TraceQueryStart(ctx context.Context, conn *Conn, data any) context.Context
}

type ConnConfig struct {
	Tracer QueryTracer
}

type Rows interface{ Close() }

type Row interface{ Scan(dest ...any) error }

type CommandTag struct{}

type Conn struct{}

func (c *Conn) Query(ctx context.Context, sql string, args ...any) (Rows, error) { return nil, nil }
func (c *Conn) QueryRow(ctx context.Context, sql string, args ...any) Row        { return nil }
func (c *Conn) Exec(ctx context.Context, sql string, args ...any) (CommandTag, error) {
	return CommandTag{}, nil
}

type Tx interface {
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) Row
	Exec(ctx context.Context, sql string, args ...any) (CommandTag, error)
}

func Connect(ctx context.Context, connString string) (*Conn, error)     { return nil, nil }
func ConnectConfig(ctx context.Context, cfg *ConnConfig) (*Conn, error) { return nil, nil }
func ParseConfig(connString string) (*ConnConfig, error)                { return nil, nil }
