package driver_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gorasp/rasp"
	raspdriver "github.com/gorasp/rasp/driver"
	"github.com/gorasp/rasp/internal/testlog"
	"github.com/gorasp/rasp/sqlguard"
	"github.com/rs/zerolog"
)

var seq atomic.Int64

// openFake registers a wrapped fake driver of kind and opens it, with an
// agent in mode writing to the returned buffer.
func openFake(t *testing.T, kind raspdriver.ConnKind, mode rasp.Mode) (*sql.DB, *rasp.Agent, *testlog.Buffer) {
	t.Helper()
	logs := &testlog.Buffer{}
	a := rasp.New(rasp.WithMode(mode), rasp.WithLogger(zerolog.New(logs)))
	d, _ := raspdriver.NewFakeDriver(kind)
	name := fmt.Sprintf("rasp-fake-ext-%d", seq.Add(1))
	raspdriver.Register(name, d, raspdriver.WithDialect(sqlguard.DialectSQLite), raspdriver.WithAnalyzer(raspdriver.QuoteAnalyzer))
	db, err := sql.Open(name, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, a, logs
}

func TestBlindSpotsCountedOncePerCall(t *testing.T) {
	for _, kind := range raspdriver.ConnKinds {
		for _, p := range raspdriver.CallPaths {
			for _, withArgs := range []bool{false, true} {
				t.Run(fmt.Sprintf("%v/%s/args=%v", kind, p.Name(), withArgs), func(t *testing.T) {
					t.Parallel()
					db, a, logs := openFake(t, kind, rasp.ModeProtect)
					var args []any
					if withArgs {
						args = []any{int64(7)}
					}
					// The agent rides in the context, the inputs do not.
					ctx := rasp.NewContext(context.Background(), a)
					const calls = 3
					for range calls {
						if err := p.Run(ctx, db, raspdriver.AttackStmt, args...); err != nil {
							t.Fatal(err)
						}
					}
					st := a.Stats()
					if got := st.Sinks[rasp.SinkSQL].NoContext; got != calls {
						t.Fatalf("no_context = %d, want %d", got, calls)
					}
					if st.Sinks[rasp.SinkSQL].Checks != 0 {
						t.Fatalf("checks = %d, want 0", st.Sinks[rasp.SinkSQL].Checks)
					}
					if len(st.BlindSpots) == 0 {
						t.Fatal("no blind-spot site recorded")
					}
					for _, s := range st.BlindSpots {
						if !strings.Contains(s.Site, "_test.go:") {
							t.Fatalf("blind spot site %q is not in the test's code", s.Site)
						}
					}
					if n := strings.Count(logs.String(), `"kind":"blind_spot"`); n < 1 || n > calls {
						t.Fatalf("%d blind-spot warnings", n)
					}
				})
			}
		}
	}
}

func TestBlindSpotWarnsOncePerCallSite(t *testing.T) {
	db, a, logs := openFake(t, raspdriver.ConnKinds[0], rasp.ModeMonitor)
	ctx := rasp.NewContext(context.Background(), a)
	for range 5 {
		if _, err := db.ExecContext(ctx, "DELETE FROM t"); err != nil { // one call site
			t.Fatal(err)
		}
	}
	out := logs.String()
	if n := strings.Count(out, `"kind":"blind_spot"`); n != 1 {
		t.Fatalf("%d warnings for one call site, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "blindspot_test.go:") {
		t.Fatalf("warning does not name the call site:\n%s", out)
	}
	if got := a.Stats().Sinks[rasp.SinkSQL].NoContext; got != 5 {
		t.Fatalf("no_context = %d, want 5", got)
	}
}
