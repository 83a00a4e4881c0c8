package pgxguard_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/pgxguard"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
)

// requestContext returns the context the middleware of a gives a typical
// API request: path segments, a query, a JSON-less GET with the usual
// headers.
func requestContext(b *testing.B, a *rasp.Agent) context.Context {
	b.Helper()
	var ctx context.Context
	h := a.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { ctx = r.Context() }))
	r := httptest.NewRequest("GET", "/api/items/2?fields=name&sort=id", nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36")
	r.Header.Set("Accept", "application/json")
	r.Header.Set("Accept-Language", "en-GB,en;q=0.9")
	r.Header.Set("Referer", "https://example.com/items")
	h.ServeHTTP(httptest.NewRecorder(), r)
	return ctx
}

// BenchmarkPoolQueryRow is a parameterized pool.QueryRow on the server
// of RASP_PG_DSN, with no tracer and with the guard (protect mode, the
// inputs of a typical request), paired in one run:
//
//	go test -run='^$' -bench=PoolQueryRow -count=6 -benchtime=2000x ./
func BenchmarkPoolQueryRow(b *testing.B) {
	dsn := schemaDSN(b, serviceDSN(b))
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	ctx := requestContext(b, a)
	for _, bc := range []struct {
		name   string
		tracer pgx.QueryTracer
	}{
		{"tracer=none", nil},
		{"tracer=pgxguard", pgxguard.NewTracer()},
	} {
		pool := newPool(b, dsn, bc.tracer, pgx.QueryExecModeCacheStatement, 1)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var name string
			for b.Loop() {
				if err := pool.QueryRow(ctx, "SELECT name FROM items WHERE id = $1", 2).Scan(&name); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTraceQueryStart is the tracer's own cost per statement, without
// the server.
func BenchmarkTraceQueryStart(b *testing.B) {
	for _, mode := range []rasp.Mode{rasp.ModeOff, rasp.ModeProtect} {
		a := rasp.New(rasp.WithMode(mode), rasp.WithLogger(zerolog.Nop()))
		ctx := requestContext(b, a)
		tr := pgxguard.NewTracer()
		data := pgx.TraceQueryStartData{SQL: "SELECT name FROM items WHERE id = $1", Args: []any{2}}
		b.Run("mode="+mode.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tr.TraceQueryStart(ctx, nil, data)
			}
		})
	}
}
