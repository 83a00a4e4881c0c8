package rasp

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/gorasp/rasp/taint"
)

func TestSetRoute(t *testing.T) {
	var (
		mu     sync.Mutex
		routes []string
	)
	hook := WithHook(func(_ context.Context, ev Event) {
		mu.Lock()
		routes = append(routes, ev.Request.Route)
		mu.Unlock()
	})
	finding := Finding{Kind: KindSQLInjection, Input: taint.Input{Source: taint.SourcePath, Value: "7"}}
	pattern := "/orders/{id}"
	for _, tc := range []struct {
		name string
		set  func(context.Context)
		want string
	}{
		{"none: the ServeMux pattern", func(context.Context) {}, "GET /orders/{id}"},
		{"SetRoute", func(ctx context.Context) { SetRoute(ctx, "/orders/:id") }, "/orders/:id"},
		{"SetRouteFunc read at event time", func(ctx context.Context) {
			SetRouteFunc(ctx, func() string { return pattern })
			pattern = "/orders/{id}/lines" // the router matched further
		}, "/orders/{id}/lines"},
		{"SetRouteFunc panics", func(ctx context.Context) { SetRouteFunc(ctx, func() string { panic("router bug") }) }, ""},
		{"last call wins", func(ctx context.Context) {
			SetRoute(ctx, "/a")
			SetRoute(ctx, "/b")
		}, "/b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			routes = nil
			a, _ := testAgent(t, ModeMonitor, hook, WithSyncHooks())
			mux := http.NewServeMux()
			mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
				tc.set(r.Context())
				_ = a.Decide(r.Context(), SinkSQL, "query", finding)
			})
			a.Middleware(mux).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/orders/7", nil))
			if len(routes) != 1 || routes[0] != tc.want {
				t.Fatalf("routes = %q, want [%q]", routes, tc.want)
			}
		})
	}
	SetRoute(context.Background(), "/outside") // no request: nothing to do, no panic
}

func TestSetRouteException(t *testing.T) {
	a, _ := testAgent(t, ModeProtect, WithException(Exception{Route: "/admin/:page", Sink: SinkSQL}))
	var err error
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetRoute(r.Context(), "/admin/:page")
		err = a.Decide(r.Context(), SinkSQL, "query", Finding{Kind: KindSQLInjection})
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/admin/x", nil))
	if err != nil {
		t.Fatalf("excepted route blocked: %v", err)
	}
}

func TestCallScope(t *testing.T) {
	a, _ := testAgent(t, ModeProtect)
	call := a.startCall(context.Background(), Request{Method: "gRPC", Path: "/s.S/M", Route: "/s.S/M"})
	call.Add(taint.SourceMessage, "q", "x' OR 1=1")
	if got := taint.FromContext(call.Context()); len(got) != 1 {
		t.Fatalf("Context carries %v, want the call's input", got)
	}
	if got := taint.FromContext(RequestContext(context.Background(), SinkSQL)); len(got) != 1 || got[0].Value != "x' OR 1=1" {
		t.Fatalf("bound goroutine sees %v, want the call's input", got)
	}
	call.Add(taint.SourceMessage, "q2", "second")
	ctx := call.Context()
	if got := taint.FromContext(RequestContext(context.Background(), SinkSQL)); len(got) != 2 {
		t.Fatalf("after a second message the bound goroutine sees %v, want both inputs", got)
	}
	if err := a.Decide(ctx, SinkSQL, "query", Finding{Kind: KindSQLInjection}); err == nil || !call.Blocked() || !Blocked(ctx) {
		t.Fatalf("Decide = %v, Blocked = %v; want blocked", err, call.Blocked())
	}
	if call.Sent() {
		t.Fatalf("Sent after a block = true, want false")
	}
	call.End()
	if got := taint.FromContext(RequestContext(context.Background(), SinkSQL)); got != nil {
		t.Fatalf("after End the goroutine sees %v", got)
	}
	if call.Add(taint.SourceMessage, "late", "v") {
		t.Fatalf("Add after End accepted an input")
	}
}
