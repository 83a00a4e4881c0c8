package pgxpkg

import (
	"context"

	"github.com/gorasp/rasp/pgxguard"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

func open(ctx context.Context, dsn string) {
	pgxpool.New(ctx, dsn) // want `pgxpool.New opens pgx without a tracer, so the SQL guard never sees its statements: parse the config, set the config's ConnConfig.Tracer to pgxguard.NewTracer\(\), and open it with NewWithConfig`
	pgx.Connect(ctx, dsn) // want `pgx.Connect opens pgx without a tracer`

	guarded, _ := pgxpool.ParseConfig(dsn)
	guarded.ConnConfig.Tracer = pgxguard.NewTracer()
	pgxpool.NewWithConfig(ctx, guarded)

	bare, _ := pgxpool.ParseConfig(dsn)
	pgxpool.NewWithConfig(ctx, bare) // want `pgxpool.NewWithConfig with a config whose tracer is not pgxguard's`

	other, _ := pgx.ParseConfig(dsn)
	other.Tracer = logTracer{}
	pgx.ConnectConfig(ctx, other) // want `pgx.ConnectConfig with a config whose tracer is not pgxguard's`

	direct, _ := pgx.ParseConfig(dsn)
	direct.Tracer = pgxguard.NewTracer()
	pgx.ConnectConfig(ctx, direct)
}

type logTracer struct{}

func (logTracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data any) context.Context {
	return ctx
}
