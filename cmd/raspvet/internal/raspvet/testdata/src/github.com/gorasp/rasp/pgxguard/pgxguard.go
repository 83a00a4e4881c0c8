// Package pgxguard is a stub of the guard with the same API.
package pgxguard

import (
	"context"

	"github.com/jackc/pgx/v5"
)

type Tracer struct{}

func (*Tracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data any) context.Context {
	return ctx
}

type Option interface{ apply() }

func NewTracer(opts ...Option) *Tracer { return &Tracer{} }
