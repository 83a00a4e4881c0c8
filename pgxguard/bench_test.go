package pgxguard_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/pgxguard"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
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
// of RASP_PG_DSN through a pool with no tracer and through one with the
// guard (protect mode, the inputs of a typical request), paired: each
// iteration runs both, in alternating order, so both see the same load.
// It reports the median time of each and the guard's overhead in percent:
//
//	go test -run='^$' -bench=PoolQueryRow -count=6 -benchtime=3000x ./
func BenchmarkPoolQueryRow(b *testing.B) {
	dsn := schemaDSN(b, serviceDSN(b))
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	ctx := requestContext(b, a)
	plain := newPool(b, dsn, nil, pgx.QueryExecModeCacheStatement, 1)
	guarded := newPool(b, dsn, pgxguard.NewTracer(), pgx.QueryExecModeCacheStatement, 1)
	var name string
	query := func(p *pgxpool.Pool) time.Duration {
		start := time.Now()
		if err := p.QueryRow(ctx, "SELECT name FROM items WHERE id = $1", 2).Scan(&name); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	query(plain) // prepare on both connections before timing
	query(guarded)
	// Medians, not means: on a shared machine a few calls wait for a CPU
	// for milliseconds, and one such wait outweighs thousands of calls.
	var tPlain, tGuarded []time.Duration
	n := 0
	for b.Loop() {
		if n%2 == 0 {
			tPlain = append(tPlain, query(plain))
			tGuarded = append(tGuarded, query(guarded))
		} else {
			tGuarded = append(tGuarded, query(guarded))
			tPlain = append(tPlain, query(plain))
		}
		n++
	}
	mp, mg := median(tPlain), median(tGuarded)
	b.ReportMetric(mp, "none-ns/op")
	b.ReportMetric(mg, "guarded-ns/op")
	b.ReportMetric(100*(mg/mp-1), "overhead-%")
}

func median(d []time.Duration) float64 {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return float64(d[len(d)/2].Nanoseconds())
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
	// A call without request inputs: a blind spot, counted at its call site.
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	ctx := rasp.NewContext(context.Background(), a)
	tr := pgxguard.NewTracer()
	data := pgx.TraceQueryStartData{SQL: "SELECT name FROM items WHERE id = $1", Args: []any{2}}
	b.Run("blind", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tr.TraceQueryStart(ctx, nil, data)
		}
	})
}
