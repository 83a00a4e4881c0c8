package pgxguard_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/internal/testlog"
	"github.com/gorasp/rasp/pgxguard"
	"github.com/gorasp/rasp/sqlguard"
	"github.com/gorasp/rasp/taint"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
)

// newAgent returns an agent in mode whose events are written to the
// returned buffer and handed to the returned slice.
func newAgent(t testing.TB, mode rasp.Mode) (*rasp.Agent, *testlog.Buffer) {
	t.Helper()
	logs := &testlog.Buffer{}
	return rasp.New(rasp.WithMode(mode), rasp.WithLogger(zerolog.New(logs))), logs
}

// request returns the context of a request carrying one query input.
func request(a *rasp.Agent, value string) context.Context {
	ctx := rasp.NewContext(context.Background(), a)
	return taint.NewContext(ctx, taint.Input{Source: taint.SourceQuery, Key: "q", Value: value})
}

const (
	payload  = "zz' OR 'k'='k"
	template = "SELECT id FROM items WHERE name = '%s'"
)

func attack(v string) string { return strings.Replace(template, "%s", v, 1) }

func blockedErr(t *testing.T, ctx context.Context) *rasp.BlockedError {
	t.Helper()
	select {
	case <-ctx.Done():
	default:
		t.Fatal("context of a refused call is not done")
	}
	err := ctx.Err()
	if !errors.Is(err, rasp.ErrBlocked) {
		t.Fatalf("Err() = %v, want a match for rasp.ErrBlocked", err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Err() = %v matches a context error", err)
	}
	var be *rasp.BlockedError
	if !errors.As(err, &be) {
		t.Fatalf("Err() = %T, want *rasp.BlockedError", err)
	}
	return be
}

func detail(ev rasp.Event, key string) string {
	for _, d := range ev.Details {
		if d.Key == key {
			return d.Value
		}
	}
	return ""
}

func TestProtectRefusesEachHook(t *testing.T) {
	bad := attack(payload)
	good := "SELECT id FROM items WHERE name = $1"
	hooks := []struct {
		name, op string
		run      func(tr *pgxguard.Tracer, ctx context.Context) context.Context
	}{
		{"query", "query", func(tr *pgxguard.Tracer, ctx context.Context) context.Context {
			return tr.TraceQueryStart(ctx, nil, pgx.TraceQueryStartData{SQL: bad})
		}},
		{"prepare", "prepare", func(tr *pgxguard.Tracer, ctx context.Context) context.Context {
			return tr.TracePrepareStart(ctx, nil, pgx.TracePrepareStartData{Name: "s1", SQL: bad})
		}},
		{"batch", "batch", func(tr *pgxguard.Tracer, ctx context.Context) context.Context {
			b := &pgx.Batch{}
			b.Queue(good, "x")
			b.Queue(bad)
			b.Queue(good, "y")
			return tr.TraceBatchStart(ctx, nil, pgx.TraceBatchStartData{Batch: b})
		}},
	}
	for _, h := range hooks {
		t.Run(h.name, func(t *testing.T) {
			t.Parallel()
			a, _ := newAgent(t, rasp.ModeProtect)
			ctx := h.run(pgxguard.NewTracer(), request(a, payload))
			be := blockedErr(t, ctx)
			ev := be.Event
			if ev.Operation != h.op || ev.Sink != rasp.SinkSQL || !ev.Blocked {
				t.Fatalf("event op=%q sink=%q blocked=%v, want %q sql true", ev.Operation, ev.Sink, ev.Blocked, h.op)
			}
			if ev.Finding.Target != bad {
				t.Fatalf("target = %q, want the refused statement %q", ev.Finding.Target, bad)
			}
			if got := detail(ev, "driver"); got != "pgx" {
				t.Fatalf("driver detail = %q, want pgx", got)
			}
			if got := a.Stats().Sinks[rasp.SinkSQL].Blocks; got != 1 {
				t.Fatalf("blocks = %d, want 1", got)
			}
		})
	}
}

func TestBenignAndMonitorRun(t *testing.T) {
	for _, mode := range []rasp.Mode{rasp.ModeMonitor, rasp.ModeProtect} {
		t.Run(mode.String(), func(t *testing.T) {
			a, logs := newAgent(t, mode)
			tr := pgxguard.NewTracer()
			// The same value bound as an argument, or quoted by the
			// application inside a literal, is harmless.
			for _, sql := range []string{"SELECT id FROM items WHERE name = $1", attack("zz")} {
				ctx := tr.TraceQueryStart(request(a, "zz"), nil, pgx.TraceQueryStartData{SQL: sql, Args: []any{"zz"}})
				if ctx.Err() != nil {
					t.Fatalf("%q: benign call refused: %v", sql, ctx.Err())
				}
			}
			if logs.String() != "" {
				t.Fatalf("benign calls wrote events: %s", logs)
			}
			ctx := tr.TraceQueryStart(request(a, payload), nil, pgx.TraceQueryStartData{SQL: attack(payload)})
			if blocked := ctx.Err() != nil; blocked != (mode == rasp.ModeProtect) {
				t.Fatalf("blocked = %v in %v", blocked, mode)
			}
			if n := len(logs.Events(t)); n != 1 {
				t.Fatalf("%d events, want 1", n)
			}
		})
	}
}

// pgx's statement cache runs Prepare on a miss with the context
// TraceQueryStart returned: that is still one call and one decision.
func TestOneDecisionAcrossCacheMissPrepare(t *testing.T) {
	for _, mode := range []rasp.Mode{rasp.ModeMonitor, rasp.ModeProtect} {
		t.Run(mode.String(), func(t *testing.T) {
			a, logs := newAgent(t, mode)
			tr := pgxguard.NewTracer()
			ctx := tr.TraceQueryStart(request(a, payload), nil, pgx.TraceQueryStartData{SQL: attack(payload)})
			ctx = tr.TracePrepareStart(ctx, nil, pgx.TracePrepareStartData{Name: "stmtcache_1", SQL: attack(payload)})
			if n := len(logs.Events(t)); n != 1 {
				t.Fatalf("%d events for one call, want 1", n)
			}
			st := a.Stats().Sinks[rasp.SinkSQL]
			if st.Checks != 1 || st.Findings != 1 {
				t.Fatalf("checks=%d findings=%d, want 1 and 1", st.Checks, st.Findings)
			}
			if (ctx.Err() != nil) != (mode == rasp.ModeProtect) {
				t.Fatalf("prepare context Err = %v in %v", ctx.Err(), mode)
			}
			// An explicit Prepare is a call of its own.
			tr.TracePrepareStart(request(a, payload), nil, pgx.TracePrepareStartData{Name: "p", SQL: attack(payload)})
			if n := len(logs.Events(t)); n != 2 {
				t.Fatalf("%d events after an explicit Prepare, want 2", n)
			}
		})
	}
}

func TestModeOffLeavesContext(t *testing.T) {
	a, logs := newAgent(t, rasp.ModeOff)
	ctx := request(a, payload)
	if got := pgxguard.NewTracer().TraceQueryStart(ctx, nil, pgx.TraceQueryStartData{SQL: attack(payload)}); got != ctx {
		t.Fatal("ModeOff returned another context")
	}
	if logs.String() != "" || a.Stats().Sinks[rasp.SinkSQL].Checks != 0 {
		t.Fatal("ModeOff checked or wrote an event")
	}
}

func TestWithAgentUsedWithoutContextAgent(t *testing.T) {
	mine, _ := newAgent(t, rasp.ModeProtect)
	tr := pgxguard.NewTracer(pgxguard.WithAgent(mine), pgxguard.WithAgent(nil))
	ctx := taint.NewContext(context.Background(), taint.Input{Source: taint.SourceQuery, Key: "q", Value: payload})
	blockedErr(t, tr.TraceQueryStart(ctx, nil, pgx.TraceQueryStartData{SQL: attack(payload)}))
	if mine.Stats().Sinks[rasp.SinkSQL].Blocks != 1 {
		t.Fatal("the WithAgent agent did not decide")
	}
	// The request's agent wins over WithAgent.
	theirs, _ := newAgent(t, rasp.ModeMonitor)
	if ctx := tr.TraceQueryStart(request(theirs, payload), nil, pgx.TraceQueryStartData{SQL: attack(payload)}); ctx.Err() != nil {
		t.Fatalf("the context's monitor agent was not used: %v", ctx.Err())
	}
	if theirs.Stats().Sinks[rasp.SinkSQL].Findings != 1 {
		t.Fatal("the context's agent saw no finding")
	}
}

func TestBlindSpotNamesCallSite(t *testing.T) {
	a, logs := newAgent(t, rasp.ModeProtect)
	tr := pgxguard.NewTracer()
	ctx := rasp.NewContext(context.Background(), a) // an agent, no request
	for range 3 {
		if c := tr.TraceQueryStart(ctx, nil, pgx.TraceQueryStartData{SQL: attack(payload)}); c.Err() != nil {
			t.Fatalf("a call without request inputs was refused: %v", c.Err())
		}
	}
	st := a.Stats()
	if got := st.Sinks[rasp.SinkSQL].NoContext; got != 3 {
		t.Fatalf("no_context = %d, want 3", got)
	}
	if len(st.BlindSpots) != 1 || !strings.Contains(st.BlindSpots[0].Site, "tracer_test.go:") {
		t.Fatalf("blind spots = %+v, want one site in tracer_test.go", st.BlindSpots)
	}
	if !strings.Contains(logs.String(), "tracer_test.go:") {
		t.Fatalf("blind-spot warning does not name the call site: %s", logs)
	}
}

func TestCopyFromChecksNames(t *testing.T) {
	a, _ := newAgent(t, rasp.ModeProtect)
	tr := pgxguard.NewTracer()
	var seen rasp.Event
	hooked := rasp.New(rasp.WithMode(rasp.ModeMonitor), rasp.WithLogger(zerolog.Nop()),
		rasp.WithHook(func(_ context.Context, ev rasp.Event) { seen = ev }), rasp.WithSyncHooks())
	// pgx quotes the names: a name from the request stays one identifier.
	for _, name := range []string{"items", `it"ems`, "items; DROP TABLE items"} {
		ctx := tr.TraceCopyFromStart(request(a, name), nil, pgx.TraceCopyFromStartData{
			TableName: pgx.Identifier{"public", name}, ColumnNames: []string{"id", name},
		})
		if ctx.Err() != nil {
			t.Fatalf("CopyFrom into %q refused: %v", name, ctx.Err())
		}
	}
	if got := a.Stats().Sinks[rasp.SinkSQL].Checks; got != 3 {
		t.Fatalf("checks = %d, want 3: CopyFrom names must be checked", got)
	}
	// An input that coincides with the text pgx writes around the names
	// (the quotes it adds, the COPY keyword) is no finding.
	for _, v := range []string{`items" ( "id`, `y "`, `" ) from stdin binary;`} {
		ctx := tr.TraceCopyFromStart(request(hooked, v), nil, pgx.TraceCopyFromStartData{
			TableName: pgx.Identifier{"items"}, ColumnNames: []string{"id"},
		})
		if ctx.Err() != nil || seen.Operation != "" {
			t.Fatalf("input %q: a coincidence with pgx's COPY text was reported: %+v", v, seen)
		}
	}
}

// A check that reaches sqlguard's work limit with input in the statement
// is a finding: refused in protect mode whatever the fail-open setting,
// since what was not judged must not run.
func TestWorkLimitRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("a 4 MiB statement")
	}
	sql := "SELECT " + strings.Repeat("k,", sqlguard.MaxWork/8) + "1"
	for _, closed := range []bool{false, true} {
		logs := &testlog.Buffer{}
		a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(logs)), rasp.WithFailClosed(closed))
		ctx := pgxguard.NewTracer().TraceQueryStart(request(a, "k"), nil, pgx.TraceQueryStartData{SQL: sql})
		if !errors.Is(context.Cause(ctx), rasp.ErrBlocked) && !errors.Is(ctx.Err(), rasp.ErrBlocked) {
			t.Fatalf("failClosed=%v: Err = %v, want the block", closed, ctx.Err())
		}
		if !strings.Contains(logs.String(), "work limit") {
			t.Fatalf("failClosed=%v: the event does not name the work limit: %.300s", closed, logs)
		}
	}
}
