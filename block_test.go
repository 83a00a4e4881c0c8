package rasp

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type row struct{ name string }

// TestPanicAfterBlock serves a handler that, like many, dereferences the
// nil result of its refused query: the client still gets its 403, and the
// panic is in an event.
func TestPanicAfterBlock(t *testing.T) {
	a, buf := testAgent(t, ModeProtect, WithBlockResponse(BlockText))
	srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var res *row
		if err := a.Decide(r.Context(), SinkSQL, "query", sqlFinding); err == nil {
			res = &row{"alice"}
		}
		_, _ = io.WriteString(w, res.name) // nil dereference once blocked
	})))
	t.Cleanup(srv.Close)
	resp, err := srv.Client().Get(srv.URL + "/?id=1+OR+1=1")
	if err != nil {
		t.Fatalf("the client got no answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || string(body) != "Forbidden\n" {
		t.Fatalf("got %d %q, want 403", resp.StatusCode, body)
	}
	evs := buf.Events(t)
	if len(evs) != 2 {
		t.Fatalf("%d events, want the block and the panic: %v", len(evs), evs)
	}
	p := evs[1]
	if p["kind"] != KindHandlerPanic || p["level"] != "error" || p["blocked"] != true ||
		!strings.Contains(p["fault"].(string), "nil pointer dereference") || p["request_path"] != "/" {
		t.Errorf("panic event %v", p)
	}
}

// TestPanicWithoutBlock: a handler's own panic is net/http's business, as
// without rasp (the connection is cut).
func TestPanicWithoutBlock(t *testing.T) {
	a, _ := testAgent(t, ModeProtect)
	srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("handler bug")
	})))
	t.Cleanup(srv.Close)
	resp, err := srv.Client().Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got %d, want the connection cut", resp.StatusCode)
	}
}

func TestBlockNegotiate(t *testing.T) {
	for _, tc := range []struct {
		accept string
		want   BlockResponse
	}{
		{"", BlockText},
		{"*/*", BlockText},
		{"application/json", BlockJSON},
		{"application/problem+json", BlockJSON},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", BlockHTML},
		{"text/html;q=0.1, application/json", BlockJSON},
		{"text/plain;q=0.5, text/html;q=0.4", BlockText},
		{"application/json;q=0, text/html", BlockHTML},
		{"garbage;;;, application/json", BlockJSON},
	} {
		if got := negotiate(tc.accept); got != tc.want {
			t.Errorf("negotiate(%q) = %v, want %v", tc.accept, got, tc.want)
		}
	}
}

// blockedGet serves one blocked request with opts and returns the answer.
func blockedGet(t *testing.T, accept string, opts ...Option) (*http.Response, string) {
	t.Helper()
	a, _ := testAgent(t, ModeProtect, opts...)
	srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "/admin")
		if err := a.Decide(r.Context(), SinkSQL, "query", sqlFinding); !errors.Is(err, ErrBlocked) {
			t.Errorf("Decide = %v", err)
		}
		w.WriteHeader(http.StatusFound)
	})))
	t.Cleanup(srv.Close)
	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

func TestBlockResponseFollowsAccept(t *testing.T) {
	for _, tc := range []struct {
		accept, wantCT, wantBody string
	}{
		{"", "text/plain; charset=utf-8", "Forbidden\n"},
		{"application/json", "application/json", `{"error":"forbidden"}` + "\n"},
		{"text/html,*/*;q=0.8", "text/html; charset=utf-8", blockHTML},
	} {
		resp, body := blockedGet(t, tc.accept)
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Content-Type") != tc.wantCT || body != tc.wantBody {
			t.Errorf("Accept %q: %d %q %q", tc.accept, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if resp.Header.Get("Vary") != "Accept" || resp.Header.Get("Location") != "" {
			t.Errorf("Accept %q: headers %v", tc.accept, resp.Header)
		}
	}
	// A fixed answer ignores Accept.
	if resp, body := blockedGet(t, "text/html", WithBlockResponse(BlockJSON)); resp.Header.Get("Content-Type") != "application/json" || !strings.Contains(body, "forbidden") {
		t.Errorf("BlockJSON with Accept text/html: %q %q", resp.Header.Get("Content-Type"), body)
	}
}

func TestBlockHandler(t *testing.T) {
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !Blocked(r.Context()) {
			t.Error("the block handler's request is not marked blocked")
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "request refused, incident "+r.URL.Path)
	})
	resp, body := blockedGet(t, "", WithBlockHandler(page))
	if resp.StatusCode != http.StatusForbidden || body != "request refused, incident /" || resp.Header.Get("Location") != "" {
		t.Errorf("got %d %q %v", resp.StatusCode, body, resp.Header)
	}
	teapot := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	if resp, _ := blockedGet(t, "", WithBlockHandler(teapot)); resp.StatusCode != http.StatusTeapot {
		t.Errorf("status %d, want the handler's own", resp.StatusCode)
	}
	broken := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Half", "done")
		panic("page bug")
	})
	resp, body = blockedGet(t, "", WithBlockHandler(broken))
	if resp.StatusCode != http.StatusForbidden || body != "Forbidden\n" || resp.Header.Get("X-Half") != "" {
		t.Errorf("a panicking block handler: %d %q %v", resp.StatusCode, body, resp.Header)
	}
}
