package rasp

import (
	"context"
	"fmt"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"

	"github.com/gorasp/rasp/internal/testlog"
	"github.com/gorasp/rasp/taint"
	"github.com/petermattis/goid"
	"github.com/rs/zerolog"
)

// TestGoidMatchesRuntime: the fast goroutine id agrees with the runtime's
// own, on many goroutines (the start-up self-check samples two).
func TestGoidMatchesRuntime(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan string, 256)
	for range 256 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if g, s := goid.Get(), stackGoid(); g != s || g <= 0 {
				errs <- fmt.Sprintf("goid.Get() = %d, runtime.Stack says %d", g, s)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	checkGoid()
	if goidSlow.Load() {
		t.Error("self-check chose the slow path on a runtime goid supports")
	}
}

// TestScopeTableFull: more goroutines bound at once than the table holds
// in their probe windows go to the overflow map, and each still finds its
// own binding and only its own.
func TestScopeTableFull(t *testing.T) {
	a := New(WithLogger(zerolog.Nop()))
	const n = scopeSlots + 512
	var bound, release sync.WaitGroup
	bound.Add(n)
	release.Add(1)
	errs := make(chan string, n)
	var done sync.WaitGroup
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			want := fmt.Sprint("rid-", i)
			ctx := taint.NewContext(context.Background(), taint.Input{Source: "query", Key: "rid", Value: want})
			tok := bindScope(ctx, a, false)
			bound.Done()
			release.Wait()
			got := taint.FromContext(RequestContext(context.Background(), SinkSQL))
			if len(got) != 1 || got[0].Value != want {
				errs <- fmt.Sprintf("goroutine %d saw %v", i, got)
			}
			tok.unbind()
			if boundHere() != nil {
				errs <- fmt.Sprintf("goroutine %d still bound", i)
			}
		}()
	}
	bound.Wait()
	if overflowN.Load() == 0 {
		t.Error("no binding overflowed: the test does not reach the overflow map")
	}
	release.Done()
	done.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n := overflowN.Load(); n != 0 {
		t.Errorf("%d bindings left in overflow", n)
	}
}

// TestNestedBinding: a goroutine bound again (nested middleware) sees the
// inner request, and the outer one once the inner unbinds.
func TestNestedBinding(t *testing.T) {
	a := New(WithLogger(zerolog.Nop()))
	outer := taint.NewContext(context.Background(), taint.Input{Value: "rid-outer"})
	inner := taint.NewContext(context.Background(), taint.Input{Value: "rid-inner"})
	t1 := bindScope(outer, a, true)
	t2 := bindScope(inner, a, false)
	if got := RequestContext(context.Background(), SinkSQL); got != inner {
		t.Error("nested binding not in force")
	}
	t2.unbind()
	if b := boundHere(); b == nil || b.ctx != outer || !b.off {
		t.Error("outer binding not restored")
	}
	t1.unbind()
	if boundHere() != nil {
		t.Error("still bound")
	}
}

func TestFuncPackage(t *testing.T) {
	for fn, want := range map[string]string{
		"main.main":                          "main",
		"main.(*srv).handle.func1":           "main",
		"github.com/a/b.F":                   "github.com/a/b",
		"github.com/a/b.(*T).M":              "github.com/a/b",
		"github.com/a/b/c.F[...]":            "github.com/a/b/c",
		"github.com/a/b.F[github.com/x/y.T]": "github.com/a/b",
		"database/sql.(*DB).Query":           "database/sql",
		// The linker escapes dots in the last element of a path.
		"gopkg.in/yaml%2ev3.Unmarshal": "gopkg.in/yaml%2ev3",
		"runtime.goexit":               "runtime",
	} {
		if got := funcPackage(fn); got != want {
			t.Errorf("funcPackage(%q) = %q, want %q", fn, got, want)
		}
	}
}

func TestFramePackages(t *testing.T) {
	for _, tc := range []struct {
		pkg, file       string
		std, own, dblib bool
	}{
		{pkg: "database/sql", std: true},
		{pkg: "net/http", std: true},
		{pkg: "main"},
		{pkg: "github.com/gorasp/rasp", file: "/r/stats.go", own: true},
		{pkg: "github.com/gorasp/rasp/driver", file: "/r/driver/conn.go", own: true},
		{pkg: "github.com/gorasp/rasp/fsguard/os", file: "/r/fsguard/os/os.go", own: true},
		{pkg: "github.com/gorasp/rasp_test", file: "/r/scope_test.go"},
		{pkg: "github.com/gorasp/rasp/driver", file: "/r/driver/driver_test.go"},
		{pkg: "github.com/gorasp/rasp/integration", file: "/r/integration/h.go"},
		{pkg: "github.com/gorasp/raspberry"},
		{pkg: "github.com/jinzhu/gorm", dblib: true},
		{pkg: "gorm.io/driver/sqlite", dblib: true},
		{pkg: "github.com/jmoiron/sqlx", dblib: true},
		{pkg: "github.com/jmoiron/sqlxtra"},
		{pkg: "github.com/jackc/pgx/v5/pgxpool", dblib: true},
	} {
		if got := stdlib(tc.pkg); got != tc.std {
			t.Errorf("stdlib(%q) = %v", tc.pkg, got)
		}
		if got := raspOwn(tc.pkg, tc.file); got != tc.own {
			t.Errorf("raspOwn(%q, %q) = %v", tc.pkg, tc.file, got)
		}
		if got := dbLibrary(tc.pkg); got != tc.dblib {
			t.Errorf("dbLibrary(%q) = %v", tc.pkg, got)
		}
	}
}

// blindLine is one application line reached by two stacks.
func blindLine(a *Agent) { a.blindSpot(SinkSQL, "query", 0) }
func viaOne(a *Agent)    { blindLine(a) }
func viaTwo(a *Agent)    { blindLine(a) }

// TestBlindSpotKeyedByLine: two stacks through one application line are
// one call site, warned about once.
func TestBlindSpotKeyedByLine(t *testing.T) {
	logs := &testlog.Buffer{}
	a := New(WithLogger(zerolog.New(logs)))
	for range 3 {
		viaOne(a)
		viaTwo(a)
	}
	st := a.Stats()
	if len(st.BlindSpots) != 1 || st.BlindSpots[0].Count != 6 {
		t.Fatalf("blind spots = %+v, want one site counted 6 times", st.BlindSpots)
	}
	if n := strings.Count(logs.String(), `"kind":"blind_spot"`); n != 1 {
		t.Errorf("%d warnings, want 1", n)
	}
}

// BenchmarkScope measures what the goroutine scope adds: binding and
// unbinding a request (per request, in the middleware), and a guard's
// lookup when its context has no inputs, with a request bound and with
// none (the blind-spot path's first step).
func BenchmarkScope(b *testing.B) {
	a := New(WithLogger(zerolog.Nop()))
	ctx := taint.NewContext(context.Background(), taint.Input{Value: "rid-1"})
	bg := context.Background()
	b.Run("bind+unbind", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bindScope(ctx, a, false).unbind()
		}
	})
	b.Run("lookup/bound", func(b *testing.B) {
		tok := bindScope(ctx, a, false)
		defer tok.unbind()
		b.ReportAllocs()
		for b.Loop() {
			if RequestContext(bg, SinkSQL) != ctx {
				b.Fatal("not bound")
			}
		}
	})
	b.Run("lookup/unbound", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if RequestContext(bg, SinkSQL) != bg {
				b.Fatal("bound")
			}
		}
	})
	b.Run("lookup/with-inputs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if RequestContext(ctx, SinkSQL) != ctx {
				b.Fatal("replaced")
			}
		}
	})
	// The rejected candidate: binding by profiler labels, which goroutines
	// started later inherit (reading them back needs a linkname into the
	// runtime, not measured here).
	b.Run("candidate/pprof-labels-bind", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels("rasp.request", "1")))
			pprof.SetGoroutineLabels(bg)
		}
	})
	b.Run("blindspot/seen-stack", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			blindLine(a)
		}
	})
}
