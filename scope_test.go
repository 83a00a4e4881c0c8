package rasp_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/fsguard"
	"github.com/gorasp/rasp/guard"
	"github.com/gorasp/rasp/internal/testlog"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

// ownInputs reports why ctx does not carry the inputs of exactly the
// request whose "rid" query value is want, or "" when it does.
func ownInputs(ctx context.Context, want string) string {
	inputs := taint.FromContext(ctx)
	seen := false
	for _, in := range inputs {
		if in.Value == want {
			seen = true
		} else if strings.HasPrefix(in.Value, "rid-") {
			return fmt.Sprintf("saw %s=%q of another request", in.Key, in.Value)
		}
	}
	if !seen {
		return fmt.Sprintf("own input %q missing from %d inputs", want, len(inputs))
	}
	return ""
}

// scopeHandler checks, several times with yields between, what a guard
// called without a context would see, and answers 200 "ok" or 500 with
// what went wrong. bound says whether the handler's goroutine is expected
// to be bound to its request.
func scopeHandler(bound bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		want := r.URL.Query().Get("rid")
		for i := range 4 {
			if i > 0 {
				runtime.Gosched()
			}
			ctx := rasp.RequestContext(context.Background(), rasp.SinkSQL)
			if bound {
				if msg := ownInputs(ctx, want); msg != "" {
					http.Error(w, msg, http.StatusInternalServerError)
					return
				}
			} else if in := taint.FromContext(ctx); in != nil {
				http.Error(w, fmt.Sprintf("unbound goroutine saw %d inputs", len(in)), http.StatusInternalServerError)
				return
			}
		}
		// A goroutine the handler starts is not the request's.
		done := make(chan []taint.Input)
		go func() { done <- taint.FromContext(rasp.RequestContext(context.Background(), rasp.SinkSQL)) }()
		if in := <-done; in != nil {
			http.Error(w, fmt.Sprintf("spawned goroutine saw %d inputs", len(in)), http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, "ok "+r.Proto)
	})
}

// hammer sends n requests from workers in parallel, each with its own rid,
// and fails the test on any answer other than 200 "ok <proto>".
func hammer(t *testing.T, c *http.Client, base, proto string, n int) {
	t.Helper()
	const workers = 48
	var wg sync.WaitGroup
	errs := make(chan string, n)
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				rid := fmt.Sprintf("rid-%d-%d", i, time.Now().UnixNano())
				resp, err := c.Get(base + "/q?rid=" + url.QueryEscape(rid))
				if err != nil {
					errs <- err.Error()
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || string(b) != "ok "+proto {
					errs <- fmt.Sprintf("%s: %d %s", rid, resp.StatusCode, b)
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	bad := 0
	for e := range errs {
		if bad++; bad <= 5 {
			t.Error(e)
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d requests failed", bad, n)
	}
}

// TestScopeIsolation: thousands of parallel requests, on every transport
// net/http serves, each see through the goroutine scope their own inputs
// and never another request's; goroutines a handler starts see none.
func TestScopeIsolation(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 300
	}
	a := rasp.New(rasp.WithMode(rasp.ModeMonitor), rasp.WithLogger(zerolog.Nop()))
	t.Run("http1-keepalive", func(t *testing.T) {
		srv := httptest.NewServer(a.Middleware(scopeHandler(true)))
		defer srv.Close()
		// Few connections, many requests each: one server goroutine serves
		// request after request.
		c := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 8, MaxIdleConnsPerHost: 8}}
		hammer(t, c, srv.URL, "HTTP/1.1", n)
	})
	t.Run("h2c", func(t *testing.T) {
		srv := httptest.NewUnstartedServer(a.Middleware(scopeHandler(true)))
		srv.Config.Protocols = new(http.Protocols)
		srv.Config.Protocols.SetHTTP1(true)
		srv.Config.Protocols.SetUnencryptedHTTP2(true)
		srv.Start()
		defer srv.Close()
		tr := &http.Transport{Protocols: new(http.Protocols)}
		tr.Protocols.SetUnencryptedHTTP2(true)
		hammer(t, &http.Client{Transport: tr}, srv.URL, "HTTP/2.0", n)
	})
	t.Run("h2-tls", func(t *testing.T) {
		srv := httptest.NewUnstartedServer(a.Middleware(scopeHandler(true)))
		srv.EnableHTTP2 = true
		srv.StartTLS()
		defer srv.Close()
		hammer(t, srv.Client(), srv.URL, "HTTP/2.0", n)
	})
	// http.TimeoutHandler runs its handler on a goroutine of its own.
	// Inside it, the middleware binds that goroutine: protected.
	t.Run("timeout-handler-outside", func(t *testing.T) {
		srv := httptest.NewServer(http.TimeoutHandler(a.Middleware(scopeHandler(true)), 10*time.Second, "timeout"))
		defer srv.Close()
		hammer(t, srv.Client(), srv.URL, "HTTP/1.1", n/2)
	})
	// Outside it, the handler's goroutine is one the request started:
	// blind, and never another request's.
	t.Run("timeout-handler-inside", func(t *testing.T) {
		srv := httptest.NewServer(a.Middleware(http.TimeoutHandler(scopeHandler(false), 10*time.Second, "timeout")))
		defer srv.Close()
		hammer(t, srv.Client(), srv.URL, "HTTP/1.1", n/2)
	})
	// Middleware on both sides: the inner one binds the new goroutine to
	// the request the outer one collected.
	t.Run("timeout-handler-between", func(t *testing.T) {
		srv := httptest.NewServer(a.Middleware(http.TimeoutHandler(a.Middleware(scopeHandler(true)), 10*time.Second, "timeout")))
		defer srv.Close()
		hammer(t, srv.Client(), srv.URL, "HTTP/1.1", n/2)
	})
	if st := a.Stats().Sinks[rasp.SinkSQL]; st.Scoped == 0 {
		t.Errorf("scoped = 0 after scoped lookups: %+v", st)
	}
}

// TestScopeEndsWithHandler: the binding is gone once the handler returned,
// normally, by panic, or by http.ErrAbortHandler.
func TestScopeEndsWithHandler(t *testing.T) {
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	for _, tc := range []struct {
		name  string
		panic any
	}{{"return", nil}, {"panic", "handler failed"}, {"abort", http.ErrAbortHandler}} {
		t.Run(tc.name, func(t *testing.T) {
			var inside []taint.Input
			h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				inside = taint.FromContext(rasp.RequestContext(context.Background(), rasp.SinkExec))
				if tc.panic != nil {
					panic(tc.panic)
				}
			}))
			func() {
				defer func() {
					if r := recover(); r != tc.panic {
						t.Errorf("recovered %v, want %v", r, tc.panic)
					}
				}()
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x?rid=rid-1", nil))
			}()
			if len(inside) == 0 {
				t.Fatal("the handler's goroutine was not bound")
			}
			if in := taint.FromContext(rasp.RequestContext(context.Background(), rasp.SinkExec)); in != nil {
				t.Fatalf("after the handler, the goroutine still sees %d inputs", len(in))
			}
		})
	}
}

// TestRequestContextPrefersContext: a context with inputs is used as it
// is, and a call outside any request gets its own context back.
func TestRequestContextPrefersContext(t *testing.T) {
	a := rasp.New(rasp.WithMode(rasp.ModeMonitor), rasp.WithLogger(zerolog.Nop()))
	own := taint.NewContext(context.Background(), taint.Input{Source: "query", Key: "q", Value: "rid-own"})
	bg := context.Background()
	if got := rasp.RequestContext(bg, rasp.SinkSQL); got != bg {
		t.Fatal("outside a request, RequestContext changed the context")
	}
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if got := rasp.RequestContext(own, rasp.SinkSQL); got != own {
			t.Error("a context with inputs was replaced by the goroutine's request")
		}
		if got := rasp.RequestContext(r.Context(), rasp.SinkSQL); got != r.Context() {
			t.Error("the request's own context was replaced")
		}
		//lint:ignore SA1012 a nil context is what some callers pass, and it must resolve
		if msg := ownInputs(rasp.RequestContext(nil, rasp.SinkSQL), "rid-2"); msg != "" {
			t.Error(msg)
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x?rid=rid-2", nil))
	if st := a.Stats().Sinks[rasp.SinkSQL]; st.Scoped != 1 {
		t.Errorf("scoped = %d, want 1 (only the nil context was resolved by the goroutine)", st.Scoped)
	}
}

// TestModeOnMidRequest: a request that began while the agent was off is
// not a blind spot when the mode turns on before it ends, whether the call
// passes the request's context or none.
func TestModeOnMidRequest(t *testing.T) {
	logs := &testlog.Buffer{}
	a := rasp.New(rasp.WithMode(rasp.ModeOff), rasp.WithLogger(zerolog.New(logs)))
	dir := t.TempDir()
	name := filepath.Join(dir, "f.txt")
	if err := os.WriteFile(name, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.SetMode(rasp.ModeProtect)
		if _, err := fsguard.Stat(r.Context(), name); err != nil {
			t.Error(err)
		}
		if _, err := fsguard.Stat(context.Background(), name); err != nil {
			t.Error(err)
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x?f=../../etc/passwd", nil))
	if st := a.Stats().Sinks[rasp.SinkFS]; st.NoContext != 0 || len(a.Stats().BlindSpots) != 0 {
		t.Errorf("request begun in off: no_context = %d, sites %v; want none", st.NoContext, a.Stats().BlindSpots)
	}
	// The next request, begun in protect, is checked through the scope.
	rec := httptest.NewRecorder()
	a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := fsguard.Stat(context.Background(), r.URL.Query().Get("f"))
		if !errors.Is(err, rasp.ErrBlocked) {
			t.Errorf("scoped Stat = %v, want blocked", err)
		}
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/x?f=../../etc/passwd", nil))
	if rec.Code != http.StatusForbidden {
		t.Errorf("status %d, want 403", rec.Code)
	}
	if st := a.Stats().Sinks[rasp.SinkFS]; st.Scoped != 1 || st.Blocks != 1 {
		t.Errorf("scoped = %d, blocks = %d; want 1 and 1", st.Scoped, st.Blocks)
	}
}

// TestBlindSpotSpawnedGoroutine: in a goroutine the handler started, a context-less call stays a blind spot.
func TestBlindSpotSpawnedGoroutine(t *testing.T) {
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		done := make(chan error)
		go func() {
			// A worker's own context: the agent, no request.
			_, err := fsguard.Stat(rasp.NewContext(context.Background(), a), r.URL.Query().Get("f"))
			done <- err
		}()
		if err := <-done; err == nil || errors.Is(err, rasp.ErrBlocked) {
			t.Errorf("spawned Stat = %v, want the os error of an unchecked call", err)
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x?f=../../nonexistent", nil))
	st := a.Stats()
	if s := st.Sinks[rasp.SinkFS]; s.NoContext != 1 || s.Scoped != 0 {
		t.Errorf("no_context = %d, scoped = %d; want 1 and 0", s.NoContext, s.Scoped)
	}
	if len(st.BlindSpots) != 1 || !strings.Contains(st.BlindSpots[0].Site, "scope_test.go:") {
		t.Errorf("blind spots %+v, want this file's line", st.BlindSpots)
	}
}

// TestPostureCountsScoped: the posture event says how many checks found
// their request through the goroutine rather than the context.
func TestPostureCountsScoped(t *testing.T) {
	logs := &testlog.Buffer{}
	a := rasp.New(rasp.WithMode(rasp.ModeMonitor), rasp.WithLogger(zerolog.New(logs)))
	a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, ctx := range []context.Context{context.Background(), context.TODO(), r.Context()} {
			rctx := rasp.RequestContext(ctx, rasp.SinkSQL)
			if taint.FromContext(rctx) != nil {
				guard.Begin(rasp.FromContext(rctx), rasp.SinkSQL).End()
			}
		}
	})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x?q=1", nil))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a.ReportEvery(ctx, time.Minute)
	for _, ev := range logs.Events(t) {
		if ev["message"] != "rasp posture" {
			continue
		}
		sql, _ := ev["sql"].(map[string]any)
		if sql["checks"] != float64(3) || sql["scoped"] != float64(2) || sql["no_context"] != float64(0) {
			t.Fatalf("posture sql = %v, want 3 checks, 2 scoped, 0 no_context", sql)
		}
		return
	}
	t.Fatalf("no posture event in %s", logs)
}
