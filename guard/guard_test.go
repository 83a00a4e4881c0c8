package guard_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/guard"
	"github.com/gorasp/rasp/internal/testlog"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

var finding = rasp.Finding{
	Kind:   rasp.KindSQLInjection,
	Input:  taint.Input{Source: taint.SourceQuery, Key: "id", Value: "1 OR 1=1"},
	Target: "SELECT * FROM t WHERE id = 1 OR 1=1",
	Start:  27, End: 35,
	Reason: "input adds OR in WHERE",
}

func agent(m rasp.Mode, opts ...rasp.Option) (*rasp.Agent, *testlog.Buffer) {
	buf := new(testlog.Buffer)
	return rasp.New(append([]rasp.Option{rasp.WithMode(m), rasp.WithLogger(zerolog.New(buf)), rasp.WithSyncHooks()}, opts...)...), buf
}

func inputs(a *rasp.Agent) context.Context {
	return taint.NewContext(rasp.NewContext(context.Background(), a), finding.Input)
}

func detail(ev rasp.Event, key string) string {
	for _, d := range ev.Details {
		if d.Key == key {
			return d.Value
		}
	}
	return ""
}

func TestDecideWith(t *testing.T) {
	a, buf := agent(rasp.ModeProtect)
	err := guard.DecideWith(inputs(a), a, rasp.SinkSQL, "query", finding, rasp.Detail{Key: "clause", Value: "where"})
	var be *rasp.BlockedError
	if !errors.As(err, &be) || !errors.Is(err, rasp.ErrBlocked) {
		t.Fatalf("protect: err = %v, want a *rasp.BlockedError", err)
	}
	if be.Event.Mode != rasp.ModeProtect || !be.Event.Blocked || be.Event.Sink != rasp.SinkSQL || detail(be.Event, "clause") != "where" {
		t.Fatalf("event = %+v", be.Event)
	}
	if !strings.Contains(buf.String(), `"clause":"where"`) {
		t.Fatalf("event not written with its details: %s", buf)
	}
	st := a.Stats().Sinks[rasp.SinkSQL]
	if st.Findings != 1 || st.Blocks != 1 {
		t.Fatalf("stats = %+v", st)
	}
}

// TestDecideIn: the mode the guard read when the call began decides, not
// the agent's mode at report time.
func TestDecideIn(t *testing.T) {
	a, _ := agent(rasp.ModeProtect)
	if err := guard.DecideIn(inputs(a), a, rasp.ModeMonitor, rasp.SinkSQL, "query", finding); err != nil {
		t.Fatalf("decided in monitor: %v", err)
	}
	if st := a.Stats().Sinks[rasp.SinkSQL]; st.Findings != 1 || st.Blocks != 0 {
		t.Fatalf("stats = %+v", st)
	}
	if err := guard.DecideIn(inputs(a), a, 0, rasp.SinkSQL, "query", finding); !errors.Is(err, rasp.ErrBlocked) {
		t.Fatalf("invalid mode reads the agent's (protect): %v", err)
	}
}

func TestFault(t *testing.T) {
	limit := errors.New("work limit reached")
	for _, closed := range []bool{false, true} {
		for name, report := range map[string]func(a *rasp.Agent) error{
			"Fault": func(a *rasp.Agent) error {
				return guard.Fault(context.Background(), a, rasp.SinkSQL, "query", limit)
			},
			"FaultWith": func(a *rasp.Agent) error {
				return guard.FaultWith(context.Background(), a, rasp.SinkSQL, "query", finding, limit)
			},
			"FaultIn": func(a *rasp.Agent) error {
				return guard.FaultIn(context.Background(), a, rasp.ModeProtect, rasp.SinkSQL, "query", finding, limit)
			},
		} {
			t.Run(name+"/closed="+strconv.FormatBool(closed), func(t *testing.T) {
				var evs []rasp.Event
				a, _ := agent(rasp.ModeProtect, rasp.WithFailClosed(closed),
					rasp.WithHook(func(_ context.Context, ev rasp.Event) { evs = append(evs, ev) }))
				err := report(a)
				if errors.Is(err, rasp.ErrBlocked) != closed {
					t.Fatalf("err = %v, want blocked %v", err, closed)
				}
				if len(evs) != 1 || evs[0].Finding.Kind != rasp.KindInternalFault || evs[0].Fault != "work limit reached" {
					t.Fatalf("events = %+v", evs)
				}
				if name != "Fault" && evs[0].Finding.Input != finding.Input {
					t.Fatalf("the finding so far is lost: %+v", evs[0].Finding)
				}
				if a.Stats().Sinks[rasp.SinkSQL].Faults != 1 {
					t.Fatal("fault not counted")
				}
			})
		}
	}
}

func index(s []int, i int) int { return s[i] }

func TestRecover(t *testing.T) {
	for _, closed := range []bool{false, true} {
		a, buf := agent(rasp.ModeProtect, rasp.WithFailClosed(closed))
		check := func() (err error) {
			defer guard.Recover(context.Background(), a, rasp.SinkExec, "command", &err)
			_ = index(nil, 3) // a bug in a check
			return nil
		}
		err := check()
		if errors.Is(err, rasp.ErrBlocked) != closed {
			t.Errorf("closed=%v: %v", closed, err)
		}
		if !strings.Contains(buf.String(), "panic: runtime error: index out of range [3] with length 0") {
			t.Errorf("panic not reported: %s", buf.String())
		}
	}
}

func TestPartialOutsideMiddleware(t *testing.T) {
	a, _ := agent(rasp.ModeProtect)
	if err := guard.Partial(inputs(a), a, rasp.SinkSQL, "query"); err != nil {
		t.Fatalf("outside the middleware: %v", err)
	}
}

// TestPartialCall: a call the adapter inspected only in part is blocked
// in protect mode when the guard's check found nothing.
func TestPartialCall(t *testing.T) {
	a, _ := agent(rasp.ModeProtect)
	call := guard.StartCall(context.Background(), a, rasp.Request{Method: "gRPC", Path: "/s.S/M", Route: "/s.S/M"})
	defer call.End()
	call.MarkPartial()
	err := guard.Partial(call.Context(), a, rasp.SinkSQL, "query")
	var be *rasp.BlockedError
	if !errors.As(err, &be) || be.Event.Finding.Kind != rasp.KindPartialInspection || detail(be.Event, "limit") != "depth" {
		t.Fatalf("err = %v", err)
	}
	if !call.Blocked() || call.Sent() {
		t.Fatal("the call is not blocked")
	}
}

func TestStartCall(t *testing.T) {
	a, _ := agent(rasp.ModeProtect)
	call := guard.StartCall(context.Background(), a, rasp.Request{Method: "gRPC", Path: "/s.S/M", Route: "/s.S/M"})
	if !call.Add(taint.SourceMessage, "q", "x' OR 1=1") {
		t.Fatal("Add refused the first input")
	}
	if got, ok := guard.ContextAgent(call.Context()); !ok || got != a {
		t.Fatalf("ContextAgent = %p, %v; want the call's agent", got, ok)
	}
	if got := taint.FromContext(rasp.RequestContext(context.Background(), rasp.SinkSQL)); len(got) != 1 || got[0].Value != "x' OR 1=1" {
		t.Fatalf("bound goroutine sees %v, want the call's input", got)
	}
	err := guard.DecideWith(call.Context(), a, rasp.SinkSQL, "query", finding)
	var be *rasp.BlockedError
	if !errors.As(err, &be) || be.Event.Request.Route != "/s.S/M" || !call.Blocked() {
		t.Fatalf("err = %v, blocked %v", err, call.Blocked())
	}
	call.End()
	if got := taint.FromContext(rasp.RequestContext(context.Background(), rasp.SinkSQL)); got != nil {
		t.Fatalf("after End the goroutine still sees %v", got)
	}
}

func TestContextAgent(t *testing.T) {
	a, _ := agent(rasp.ModeMonitor)
	if got, ok := guard.ContextAgent(rasp.NewContext(context.Background(), a)); !ok || got != a {
		t.Fatalf("ContextAgent = %p, %v; want %p", got, ok, a)
	}
	if got, ok := guard.ContextAgent(context.Background()); ok || got != nil {
		t.Fatalf("a context without agent: %p, %v", got, ok)
	}
	//lint:ignore SA1012 a nil context is what some callers pass
	if _, ok := guard.ContextAgent(nil); ok {
		t.Fatal("nil context has an agent")
	}
}

func TestBeginCounts(t *testing.T) {
	a, _ := agent(rasp.ModeMonitor)
	for range 200 {
		guard.Begin(a, "ldap").End()
	}
	st := a.Stats().Sinks["ldap"]
	if st.Checks != 200 || st.Time <= 0 {
		t.Fatalf("stats = %+v, want 200 checks, some of them timed", st)
	}
}

// A guard of another module calls BlindSpot from its own frame; skip
// leaves out the guard's frames above it. Each records the line of its
// call below the runtime.Caller line.
var guardLine, appLine int

func thirdPartyGuard(a *rasp.Agent, skip int) {
	_, _, guardLine, _ = runtime.Caller(0)
	guard.BlindSpot(a, "ldap", "search", skip)
}

func appCall(a *rasp.Agent, skip int) {
	_, _, appLine, _ = runtime.Caller(0)
	thirdPartyGuard(a, skip)
}

func TestBlindSpotSkip(t *testing.T) {
	for _, skip := range []int{0, 1} {
		a, _ := agent(rasp.ModeMonitor)
		appCall(a, skip)
		want := "guard_test.go:" + strconv.Itoa(guardLine+1)
		if skip == 1 {
			want = "guard_test.go:" + strconv.Itoa(appLine+1)
		}
		st := a.Stats()
		if len(st.BlindSpots) != 1 || !strings.HasSuffix(st.BlindSpots[0].Site, want) || st.Sinks["ldap"].NoContext != 1 {
			t.Errorf("skip %d: sites %+v, want one at %s", skip, st.BlindSpots, want)
		}
	}
}

// TestNoAllocs: with logging disabled and no hook, the calls a guard makes
// on every check allocate nothing.
func TestNoAllocs(t *testing.T) {
	a := rasp.New(rasp.WithMode(rasp.ModeMonitor), rasp.WithLogger(zerolog.Nop()))
	ctx := inputs(a)
	if n := testing.AllocsPerRun(200, func() {
		sp := guard.Begin(a, rasp.SinkSQL)
		sp.End()
		_ = guard.Partial(ctx, a, rasp.SinkSQL, "query")
		_, _ = guard.ContextAgent(ctx)
		_ = guard.DecideIn(ctx, a, rasp.ModeMonitor, rasp.SinkSQL, "query", finding)
	}); n != 0 {
		t.Fatalf("%v allocations per check", n)
	}
}

// served returns the context the middleware of a gives the handler of a
// GET of target.
func served(a *rasp.Agent, target string) context.Context {
	var ctx context.Context
	a.Middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { ctx = r.Context() })).
		ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, target, nil))
	return ctx
}

// TestPartialInspection: PartialInspection answers what Partial acts on,
// and reports, counts and blocks nothing itself.
func TestPartialInspection(t *testing.T) {
	a, buf := agent(rasp.ModeProtect, rasp.WithInputLimits(2, 0))
	var hooked int
	a2, buf2 := agent(rasp.ModeProtect, rasp.WithHook(func(context.Context, rasp.Event) { hooked++ }))
	call := guard.StartCall(context.Background(), a, rasp.Request{Method: "gRPC", Path: "/s.S/M", Route: "/s.S/M"})
	defer call.End()
	call.Add(taint.SourceBody, "id", "1")
	partCall := guard.StartCall(context.Background(), a2, rasp.Request{Method: "gRPC", Path: "/s.S/M", Route: "/s.S/M"})
	partCall.MarkPartial()
	for _, tc := range []struct {
		name string
		a    *rasp.Agent
		ctx  context.Context
		want bool
	}{
		{"outside the middleware", a, inputs(a), false},
		{"no context", a, nil, false},
		{"request within the caps", a2, served(a2, "/items?id=1&sort=name"), false},
		{"request past the input cap", a, served(a, "/items?id=1&sort=name&page=2"), true},
		{"call", a, call.Context(), false},
		{"call marked partial", a2, partCall.Context(), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.a.Stats()
			logged := len(buf.String()) + len(buf2.String())
			for range 3 {
				if got := guard.PartialInspection(tc.ctx); got != tc.want {
					t.Fatalf("PartialInspection = %v, want %v", got, tc.want)
				}
			}
			after := tc.a.Stats()
			if after.Sinks[rasp.SinkSQL] != before.Sinks[rasp.SinkSQL] || len(buf.String())+len(buf2.String()) != logged || hooked != 0 {
				t.Fatalf("PartialInspection had an effect: stats %+v -> %+v, log %d -> %d bytes, %d hook calls",
					before.Sinks[rasp.SinkSQL], after.Sinks[rasp.SinkSQL], logged, len(buf.String())+len(buf2.String()), hooked)
			}
			if tc.ctx != nil && rasp.Blocked(tc.ctx) {
				t.Fatal("PartialInspection blocked the request")
			}
			err := guard.Partial(tc.ctx, tc.a, rasp.SinkSQL, "query")
			if got := err != nil; got != tc.want {
				t.Fatalf("Partial = %v, PartialInspection = %v", err, tc.want)
			}
		})
	}
	partCall.End()
}
