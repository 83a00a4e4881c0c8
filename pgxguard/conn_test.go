package pgxguard_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/pgxguard"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
)

// Every call is one check, in every exec mode, on a statement-cache miss
// (the Prepare pgx runs within the call) and a hit alike, with and
// without a query rewriter.
func TestOneCheckPerCallOnServer(t *testing.T) {
	dsn := schemaDSN(t, serviceDSN(t))
	for _, mode := range execModes {
		t.Run(mode.String(), func(t *testing.T) {
			a, _ := newAgent(t, rasp.ModeMonitor)
			pool := newPool(t, dsn, pgxguard.NewTracer(), mode, 1)
			calls := 0
			for _, v := range []string{"apple", "pear", "apple"} { // the second apple: a cache hit
				ctx := request(a, v)
				var id int
				if err := pool.QueryRow(ctx, "SELECT id FROM items WHERE name = '"+v+"' AND id > $1", 0).Scan(&id); err != nil {
					t.Fatal(err)
				}
				if err := drain(pool.Query(ctx, "SELECT id FROM items WHERE name = '"+v+"' AND id > @min", pgx.NamedArgs{"min": 0})); err != nil {
					t.Fatal(err)
				}
				if _, err := pool.Exec(ctx, updateBuilt(v), 0); err != nil {
					t.Fatal(err)
				}
				calls += 3
			}
			if st := a.Stats().Sinks[rasp.SinkSQL]; st.Checks != uint64(calls) || st.Findings != 0 {
				t.Fatalf("checks=%d findings=%d for %d benign calls, want one check per call", st.Checks, st.Findings, calls)
			}
		})
	}
}

// A Prepare the application runs while the rows of a call it let run are
// open is decided on its own: only the Prepare of the call's statement
// with the call's inputs is the one pgx runs within the call.
func TestPrepareWithinOpenRowsIsDecided(t *testing.T) {
	dsn := schemaDSN(t, serviceDSN(t))
	a, _ := newAgent(t, rasp.ModeProtect)
	conn := connectTraced(t, dsn)
	ctx := request(a, payload)
	if err := drain(conn.Query(ctx, "SELECT id FROM items WHERE id > $1", 0)); err != nil {
		t.Fatal(err)
	}
	// A statement-cache hit: pgx runs no Prepare within this call.
	rows, err := conn.Query(ctx, "SELECT id FROM items WHERE id > $1", 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Prepare(ctx, "p", attack(payload))
	rows.Close()
	if st := a.Stats().Sinks[rasp.SinkSQL]; st.Blocks != 1 || err == nil {
		t.Fatalf("Prepare of an attack with rows open: err=%v, blocks=%d, want refused", err, st.Blocks)
	}
	if _, err := conn.Prepare(ctx, "p", attack(payload)); !errors.Is(err, rasp.ErrBlocked) {
		t.Fatalf("Prepare of an attack after the rows: %v", err)
	}
}

// The clean path of the hook, on a pool's connection from within a pgx
// call, allocates nothing.
func TestCleanHookAllocatesNothing(t *testing.T) {
	dsn := schemaDSN(t, serviceDSN(t))
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	var ctx context.Context
	a.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { ctx = r.Context() })).
		ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/api/items/2?fields=name&sort=id", nil))
	in := &inHook{guard: pgxguard.NewTracer()}
	pool := newPool(t, dsn, in, pgx.QueryExecModeCacheStatement, 1)
	var name string
	query := func() {
		if err := pool.QueryRow(ctx, "SELECT name FROM items WHERE id = $1", 2).Scan(&name); err != nil {
			t.Fatal(err)
		}
	}
	query() // a first call records the connection
	var allocs float64
	replaced := false
	in.run = func(c *pgx.Conn, d pgx.TraceQueryStartData) {
		// No t.Fatal here: it would leave the pool's connection held.
		allocs = testing.AllocsPerRun(100, func() {
			got := in.guard.TraceQueryStart(ctx, c, d)
			in.guard.TraceQueryEnd(got, c, pgx.TraceQueryEndData{})
			replaced = replaced || got != ctx
		})
	}
	query()
	if allocs != 0 || replaced {
		t.Fatalf("%v allocations per clean call (context replaced: %v)", allocs, replaced)
	}
	if st := a.Stats().Sinks[rasp.SinkSQL]; st.Checks == 0 || st.Blocks != 0 {
		t.Fatalf("stats %+v: the calls were not checked clean", st)
	}
}
