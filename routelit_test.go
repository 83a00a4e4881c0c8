package rasp

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/gorasp/rasp/taint"
)

func TestWithoutRouteLiterals(t *testing.T) {
	seg := func(v string) taint.Input { return taint.Input{Source: taint.SourcePath, Value: v} }
	q := taint.Input{Source: taint.SourceQuery, Key: "echo", Value: "echo"}
	for _, c := range []struct {
		name, pattern, path string
		in                  []string // path segment values collected
		want                []string // those kept
	}{
		{"literal route", "GET /echo", "/echo", []string{"echo"}, nil},
		{"literal and wildcard", "GET /users/{id}", "/users/7", []string{"users", "7"}, []string{"7"}},
		{"wildcard equals a literal", "/run/{cmd}", "/run/run", []string{"run", "run"}, []string{"run", "run"}},
		{"host pattern", "example.com/ping", "/ping", []string{"ping"}, nil},
		{"rest wildcard", "GET /files/{path...}", "/files/a/files", []string{"files", "a", "files"}, []string{"files", "a", "files"}},
		{"subtree", "/static/", "/static/x", []string{"static", "x"}, []string{"x"}},
		{"chi param", "/books/{id}/reviews", "/books/3/reviews", []string{"books", "3", "reviews"}, []string{"3"}},
		{"httprouter param", "/books/:id", "/books/books", []string{"books", "books"}, []string{"books", "books"}},
		{"escaped segment", "GET /a/{x}", "/a/%61", []string{"a", "%61", "a"}, []string{"a", "%61", "a"}}, // "a" also fills the wildcard, decoded
		{"escaped literal", "GET /b/{x}", "/b/%61", []string{"b", "%61", "a"}, []string{"%61", "a"}},
		{"no route", "", "/echo", []string{"echo"}, []string{"echo"}},
		{"route shorter than path", "/ping", "/ping/ping", []string{"ping", "ping"}, []string{"ping", "ping"}},
	} {
		var inputs []taint.Input
		for _, v := range c.in {
			inputs = append(inputs, seg(v))
		}
		inputs = append(inputs, q)
		got := withoutRouteLiterals(inputs, c.pattern, c.path)
		var kept []string
		for _, in := range got {
			if in.Source == taint.SourcePath {
				kept = append(kept, in.Value)
			}
		}
		if !slices.Equal(kept, c.want) || got[len(got)-1] != q {
			t.Errorf("%s: kept %q, want %q (query input kept: %v)", c.name, kept, c.want, got[len(got)-1] == q)
		}
	}
}

// TestRouteLiteralsThroughMiddleware: behind a ServeMux, the segments of
// the matched pattern's literal parts are not inputs; wildcard segments
// are, even when they equal a literal elsewhere.
func TestRouteLiteralsThroughMiddleware(t *testing.T) {
	a := New(WithMode(ModeMonitor))
	mux := http.NewServeMux()
	var got []string
	mux.HandleFunc("GET /run/{cmd}/now", func(w http.ResponseWriter, r *http.Request) {
		got = got[:0]
		for _, in := range taint.FromContext(r.Context()) {
			if in.Source == taint.SourcePath {
				got = append(got, in.Value)
			}
		}
	})
	h := a.Middleware(mux)
	for _, c := range []struct {
		path string
		want []string
	}{
		{"/run/id/now", []string{"id"}},
		{"/run/run/now", []string{"run", "run"}}, // "run" fills the wildcard: kept
		{"/run/now/now", []string{"now", "now"}},
	} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, c.path, nil))
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: path inputs %q, want %q", c.path, got, c.want)
		}
	}
}
