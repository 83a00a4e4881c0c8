package rasp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

// A handler that builds SQL by concatenation, behind the middleware in
// protect mode. The check is written by hand here; the guarded driver
// (package driver) makes it for every statement.
func Example() {
	agent := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(os.Stdout)))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /books", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		title := r.URL.Query().Get("title")
		stmt := "SELECT id FROM books WHERE title = '" + title + "'"
		for _, in := range taint.FromContext(ctx) {
			start := strings.Index(stmt, in.Value)
			if in.Source != taint.SourceQuery || start < 0 || !strings.Contains(in.Value, "'") {
				continue
			}
			err := rasp.FromContext(ctx).Decide(ctx, rasp.SinkSQL, "query", rasp.Finding{
				Kind: rasp.KindSQLInjection, Input: in, Target: stmt,
				Start: start, End: start + len(in.Value),
				Reason: "input ends a string literal",
			})
			if err != nil {
				http.Error(w, "query failed", http.StatusInternalServerError)
				return
			}
		}
		fmt.Fprintln(w, "ran:", stmt)
	})
	handler := agent.Middleware(mux)

	for _, title := range []string{"Dune", "x' OR '1'='1"} {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/books?title="+strings.ReplaceAll(title, " ", "+"), nil))
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	// Output:
	// 200 ran: SELECT id FROM books WHERE title = 'Dune'
	// {"level":"warn","component":"rasp","kind":"sql_injection","mode":"protect","blocked":true,"sink":"sql","operation":"query","input_source":"query","input_key":"title","input_value":"x' OR '1'='1","target":"SELECT id FROM books WHERE title = 'x' OR '1'='1'","span_start":36,"span_end":48,"reason":"input ends a string literal","request_method":"GET","request_path":"/books","request_route":"GET /books","remote_addr":"192.0.2.1:1234","message":"rasp decision"}
	// 403 Forbidden
}

func ExampleAgent_Middleware() {
	agent := rasp.New(rasp.WithLogger(zerolog.Nop())) // monitor
	handler := agent.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var doc any
		_ = json.NewDecoder(r.Body).Decode(&doc) // the body's inputs are what the handler read
		for _, in := range taint.FromContext(r.Context()) {
			if in.Source != taint.SourceHeader && in.Source != taint.SourceBody {
				kind := "value"
				if in.IsKey {
					kind = "key"
				}
				fmt.Printf("%-6s %-5s %-12q %q\n", in.Source, kind, in.Key, in.Value)
			}
		}
		fmt.Fprintln(w, "ok")
	}))

	r := httptest.NewRequest(http.MethodPost, "/users/42?sort=name%2527", strings.NewReader(`{"user":{"name":"O'Brien","tags":["a"]}}`))
	r.Header.Set("Content-Type", "application/json")
	r.AddCookie(&http.Cookie{Name: "theme", Value: "dark"})
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, r)
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output:
	// path   value ""           "users"
	// path   value ""           "42"
	// query  key   ""           "sort"
	// query  value "sort"       "name%27"
	// query  value "sort"       "name'"
	// cookie key   ""           "theme"
	// cookie value "theme"      "dark"
	// json   key   ""           "user"
	// json   key   "user"       "name"
	// json   value "user.name"  "O'Brien"
	// json   key   "user"       "tags"
	// json   value "user.tags.0" "a"
	// 200 ok
}

// A guard called without the request's context (here context.Background(),
// as db.Query or execguard.Command pass) finds the request through the
// handler's goroutine; a goroutine the handler starts finds none.
func ExampleRequestContext() {
	agent := rasp.New(rasp.WithLogger(zerolog.Nop()))
	h := agent.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := rasp.RequestContext(context.Background(), rasp.SinkSQL)
		for _, in := range taint.FromContext(ctx) {
			if in.Source == taint.SourceQuery && !in.IsKey {
				fmt.Printf("handler goroutine: %s=%s\n", in.Key, in.Value)
			}
		}
		done := make(chan int)
		go func() { done <- len(taint.FromContext(rasp.RequestContext(context.Background(), rasp.SinkSQL))) }()
		fmt.Println("inputs seen by a goroutine it started:", <-done)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/books?title=Dune", nil))
	fmt.Println("scoped:", agent.Stats().Sinks[rasp.SinkSQL].Scoped)
	// Output:
	// handler goroutine: title=Dune
	// inputs seen by a goroutine it started: 0
	// scoped: 1
}

// ExampleSetRoute names the route a router matched, so that events carry
// it as request_route.
func ExampleSetRoute() {
	a := rasp.New(rasp.WithMode(rasp.ModeMonitor), rasp.WithLogger(zerolog.Nop()),
		rasp.WithHook(func(_ context.Context, ev rasp.Event) { fmt.Println(ev.Request.Route) }), rasp.WithSyncHooks())
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rasp.SetRoute(r.Context(), "/users/:id") // what a router middleware does
		_ = a.Decide(r.Context(), rasp.SinkSQL, "query", rasp.Finding{Kind: rasp.KindSQLInjection})
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/users/7", nil))
	// Output: /users/:id
}
