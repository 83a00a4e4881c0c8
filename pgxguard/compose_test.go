package pgxguard_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"sync"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/pgxguard"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/rs/zerolog"
)

// recorder stands for another tracer (logging, OpenTelemetry): it records
// the context it was handed and the error each call ended with.
type recorder struct {
	mu      sync.Mutex
	started []error // ctx.Err() at TraceQueryStart
	ended   []error // data.Err at TraceQueryEnd
}

func (r *recorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.started = append(r.started, ctx.Err())
	// A tracer that derives its own context, as span-starting ones do.
	ctx, cancel := context.WithCancel(ctx)
	_ = cancel
	return ctx
}

// TracePrepareStart derives a context, as TraceQueryStart does.
func (r *recorder) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	_ = cancel
	return ctx
}

func (r *recorder) TracePrepareEnd(context.Context, *pgx.Conn, pgx.TracePrepareEndData) {}

func (r *recorder) TraceQueryEnd(_ context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ended = append(r.ended, data.Err)
}

func TestMultitracerComposition(t *testing.T) {
	dsn := schemaDSN(t, serviceDSN(t))
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	for _, guardFirst := range []bool{true, false} {
		rec := &recorder{}
		tracers := []pgx.QueryTracer{rec, pgxguard.NewTracer()}
		if guardFirst {
			tracers = []pgx.QueryTracer{pgxguard.NewTracer(), rec}
		}
		pool := newPool(t, dsn, multitracer.New(tracers...), pgx.QueryExecModeCacheStatement, 1)
		v := tautology(unique("t"))
		err := drain(pool.Query(request(a, v), selectBuilt(v), 0))
		if !errors.Is(err, rasp.ErrBlocked) {
			t.Fatalf("guardFirst=%v: err = %v, want blocked", guardFirst, err)
		}
		var n int
		if err := pool.QueryRow(request(a, "pear"), "SELECT count(*) FROM items WHERE name = $1", "pear").Scan(&n); err != nil || n != 1 {
			t.Fatalf("guardFirst=%v: benign query: n=%d err=%v", guardFirst, n, err)
		}
		rec.mu.Lock()
		if len(rec.ended) != 2 || !errors.Is(rec.ended[0], rasp.ErrBlocked) || rec.ended[1] != nil {
			t.Errorf("guardFirst=%v: the other tracer saw ends %v, want [blocked, nil]", guardFirst, rec.ended)
		}
		// Placed after the guard, the other tracer is handed the refusing
		// context, and a context it derives from it is refused too.
		if guardFirst && !errors.Is(rec.started[0], rasp.ErrBlocked) {
			t.Errorf("the tracer after the guard got a live context: %v", rec.started[0])
		}
		rec.mu.Unlock()
	}
}

// pgx's database/sql driver answers every error that is safe to retry,
// as a refusal is, with driver.ErrBadConn, so database/sql retries it and
// then reports ErrBadConn, not rasp.ErrBlocked. The package doc says to
// use package driver there; this pins the behaviour it describes.
func TestStdlibTurnsRefusalIntoBadConn(t *testing.T) {
	dsn := schemaDSN(t, serviceDSN(t))
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Tracer = pgxguard.NewTracer()
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	v := tautology(unique("s"))
	_, err = db.QueryContext(request(a, v), "SELECT id FROM items WHERE name = '"+v+"'")
	if err == nil {
		t.Fatal("refused statement ran through stdlib")
	}
	if errors.Is(err, rasp.ErrBlocked) {
		t.Skip("pgx's stdlib now keeps the refusal; update the package doc")
	}
	if !errors.Is(err, driver.ErrBadConn) {
		t.Fatalf("err = %v, want driver.ErrBadConn", err)
	}
	if got := a.Stats().Sinks[rasp.SinkSQL].Blocks; got < 2 {
		t.Fatalf("blocks = %d: database/sql did not retry the refusal (%v)", got, err)
	}
	t.Logf("database/sql: %v after %d refusals", err, a.Stats().Sinks[rasp.SinkSQL].Blocks)
}
