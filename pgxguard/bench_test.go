package pgxguard_test

import (
	"context"
	"fmt"
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
// of RASP_PG_DSN, with the guard (protect mode, the inputs of a typical
// request) and without. Both run on one connection, whose tracer is
// switched on and off between calls: two pools would be served by two
// server processes, and on a shared machine one of them is often
// scheduled worse than the other for a whole run. Off, the tracer returns
// the context at once, which is what pgx costs with no tracer (a third
// pool without any tracer is timed too, as none-ns/op). Each iteration is
// one call in each state, in rotating order, each call timed on its own,
// so that load on the machine hits all states alike. It reports the
// median call time in each state, the guard's extra time per call (the
// median of the guarded call's time less the unguarded one's of the same
// iteration, overhead-ns/op; less the call's without a tracer,
// over-none-ns/op) and that extra time as a share of the median unguarded
// call (overhead-%). Medians, not means: on a
// shared machine a few calls wait for a CPU for milliseconds, and one such
// wait outweighs thousands of calls.
//
//	go test -run='^$' -bench=PoolQueryRow -count=6 -benchtime=3000x ./
func BenchmarkPoolQueryRow(b *testing.B) { benchPoolQueryRow(b, 0) }

// BenchmarkPoolQueryRowDeep is BenchmarkPoolQueryRow with the calls made
// 24 frames down, as a handler's are below net/http's server, routers
// and middleware.
func BenchmarkPoolQueryRowDeep(b *testing.B) { benchPoolQueryRow(b, 24) }

// deep runs f depth frames below its caller.
//
//go:noinline
func deep(depth int, f func()) {
	if depth > 0 {
		deep(depth-1, f)
		return
	}
	f()
}

func benchPoolQueryRow(b *testing.B, depth int) {
	dsn := schemaDSN(b, serviceDSN(b))
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	ctx := requestContext(b, a)
	sw := &switchTracer{guard: pgxguard.NewTracer()}
	none := newPool(b, dsn, nil, pgx.QueryExecModeCacheStatement, 1)
	pool := newPool(b, dsn, sw, pgx.QueryExecModeCacheStatement, 1)
	var name string
	call := func(p *pgxpool.Pool) float64 {
		var d time.Duration
		deep(depth, func() {
			start := time.Now()
			if err := p.QueryRow(ctx, "SELECT name FROM items WHERE id = $1", 2).Scan(&name); err != nil {
				b.Fatal(err)
			}
			d = time.Since(start)
		})
		return float64(d.Nanoseconds())
	}
	stages := [3]func() float64{
		func() float64 { return call(none) },
		func() float64 { sw.on = false; return call(pool) },
		func() float64 { sw.on = true; return call(pool) },
	}
	for range 20 {
		for _, s := range stages {
			s() // prepare on both connections, warm up, before timing
		}
	}
	var t [3][]float64
	n := 0
	for b.Loop() {
		for k := range stages {
			j := (k + n) % len(stages)
			t[j] = append(t[j], stages[j]())
		}
		n++
	}
	// The guard's extra time: the median of the differences within each
	// iteration, whose calls ran at most two calls apart, so that a
	// change of load between iterations cancels out.
	diff := func(x, y []float64) float64 {
		d := make([]float64, len(x))
		for i := range x {
			d[i] = x[i] - y[i]
		}
		return median(d)
	}
	off, extra := median(t[1]), diff(t[2], t[1])
	b.ReportMetric(median(t[0]), "none-ns/op")
	b.ReportMetric(off, "unguarded-ns/op")
	b.ReportMetric(median(t[2]), "guarded-ns/op")
	b.ReportMetric(extra, "overhead-ns/op")
	b.ReportMetric(diff(t[2], t[0]), "over-none-ns/op")
	b.ReportMetric(100*extra/off, "overhead-%")
}

// switchTracer runs the guard's query hooks when on; the benchmark's
// goroutine is the only one that calls or switches it.
type switchTracer struct {
	guard *pgxguard.Tracer
	on    bool
}

func (s *switchTracer) TraceQueryStart(ctx context.Context, c *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if s.on {
		return s.guard.TraceQueryStart(ctx, c, d)
	}
	return ctx
}

func (s *switchTracer) TraceQueryEnd(ctx context.Context, c *pgx.Conn, d pgx.TraceQueryEndData) {
	if s.on {
		s.guard.TraceQueryEnd(ctx, c, d)
	}
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	s := slices.Clone(x)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
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

// BenchmarkTraceQueryStartInPool is the tracer's own cost per statement
// (protect mode, the inputs of a typical request) with the stack of a real
// call: the hook is timed from within a pool.QueryRow, made at the
// application's depth (a handler's is some 24 frames below net/http's
// server, routers and middleware). Needs RASP_PG_DSN.
func BenchmarkTraceQueryStartInPool(b *testing.B) {
	dsn := schemaDSN(b, serviceDSN(b))
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	ctx := requestContext(b, a)
	for _, depth := range []int{0, 24} {
		b.Run(fmt.Sprintf("depth=%d", depth), func(b *testing.B) {
			in := &inHook{guard: pgxguard.NewTracer()}
			pool := newPool(b, dsn, in, pgx.QueryExecModeCacheStatement, 1)
			var name string
			query := func() {
				if err := pool.QueryRow(ctx, "SELECT name FROM items WHERE id = $1", 2).Scan(&name); err != nil {
					b.Fatal(err)
				}
			}
			query() // prepare before timing
			in.run = func(c *pgx.Conn, d pgx.TraceQueryStartData) {
				b.ReportAllocs()
				for b.Loop() {
					in.guard.TraceQueryStart(ctx, c, d)
				}
			}
			deep(depth, query)
		})
	}
}

// inHook hands the arguments of its next TraceQueryStart to run.
type inHook struct {
	guard *pgxguard.Tracer
	run   func(*pgx.Conn, pgx.TraceQueryStartData)
}

func (h *inHook) TraceQueryStart(ctx context.Context, c *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if run := h.run; run != nil {
		h.run = nil
		run(c, d)
	}
	return ctx
}

func (h *inHook) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
