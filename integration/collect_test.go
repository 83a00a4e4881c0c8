package integration

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/internal/testlog"
	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"
)

// The collection tests serve handlers that parse requests themselves, as
// applications do, behind the middleware in protect mode on a real server
// (127.0.0.1), with three routers. Each attack reaches SQL through an input
// the middleware once missed (a key, a body under another media type, a
// gzip body, a raw path segment, padding); each must get 403, and benign
// requests of the same shapes must get 200.

// collectDB opens an in-memory SQLite database through the wrapped driver,
// with three users.
func collectDB(t *testing.T) *sql.DB {
	t.Helper()
	dsn := "file:" + uniqueName("collect") + "?mode=memory&cache=shared"
	plain := mustOpen(t, "sqlite3", dsn) // set up unguarded; keeps the database alive
	for _, q := range []string{
		"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, secret TEXT)",
		"INSERT INTO users (name, secret) VALUES ('alice', 's1'), ('bob', 's2'), ('carol', 's3')",
	} {
		if _, err := plain.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return mustOpen(t, "rasp-sqlite3", dsn)
}

// app is the vulnerable application: every handler builds SQL from what
// it parsed.
type app struct{ db *sql.DB }

// query runs q for the request and answers the number of rows.
func (a app) query(w http.ResponseWriter, r *http.Request, q string) {
	rows, err := a.db.QueryContext(r.Context(), q)
	if err != nil {
		if errors.Is(err, rasp.ErrBlocked) {
			return // the middleware answers 403
		}
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	fmt.Fprintf(w, "%d rows", n)
}

// where turns names and values into a WHERE clause, names as columns.
func where(m map[string][]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var conds []string
	for _, k := range keys {
		if len(m[k]) > 0 {
			conds = append(conds, k+" = '"+m[k][0]+"'")
		}
	}
	if len(conds) == 0 {
		return "1 = 0"
	}
	return strings.Join(conds, " AND ")
}

func (a app) byName(w http.ResponseWriter, r *http.Request, name string) {
	a.query(w, r, "SELECT id FROM users WHERE name = '"+name+"'")
}

// firstString finds the first string leaf of a decoded JSON value.
func firstString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case []any:
		for _, e := range v {
			if s, ok := firstString(e); ok {
				return s, true
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s, ok := firstString(v[k]); ok {
				return s, true
			}
		}
	}
	return "", false
}

// routes are the application's handlers, by pattern; {id} is a path
// parameter read through param.
func (a app) routes(param func(*http.Request) string) map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"/filter": func(w http.ResponseWriter, r *http.Request) { // query keys as columns
			a.query(w, r, "SELECT id FROM users WHERE "+where(r.URL.Query()))
		},
		"/form": func(w http.ResponseWriter, r *http.Request) { // form keys and values
			_ = r.ParseForm()
			a.query(w, r, "SELECT id FROM users WHERE "+where(r.PostForm))
		},
		"/multipart": func(w http.ResponseWriter, r *http.Request) { // field names and values
			if err := r.ParseMultipartForm(32 << 20); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			a.query(w, r, "SELECT id FROM users WHERE "+where(r.MultipartForm.Value))
		},
		"/header": func(w http.ResponseWriter, r *http.Request) { // header names
			for name := range r.Header {
				if strings.Contains(name, "'") {
					a.byName(w, r, name)
					return
				}
			}
			a.byName(w, r, r.Header.Get("X-Name"))
		},
		"/cookie": func(w http.ResponseWriter, r *http.Request) { // cookie names
			for _, c := range r.Cookies() {
				a.byName(w, r, c.Name)
				return
			}
		},
		"/json": func(w http.ResponseWriter, r *http.Request) { // JSON whatever the media type
			body, _ := io.ReadAll(r.Body)
			var v any
			if err := json.Unmarshal(body, &v); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			if m, ok := v.(map[string]any); ok && m["by"] == "keys" {
				cols := map[string][]string{}
				for k, x := range m {
					if k != "by" {
						cols[k] = []string{fmt.Sprint(x)}
					}
				}
				a.query(w, r, "SELECT id FROM users WHERE "+where(cols))
				return
			}
			s, _ := firstString(v)
			a.byName(w, r, s)
		},
		"/encoded": func(w http.ResponseWriter, r *http.Request) { // gzip or deflate JSON
			var rd io.Reader = r.Body
			var err error
			switch r.Header.Get("Content-Encoding") {
			case "gzip":
				rd, err = gzip.NewReader(r.Body)
			case "deflate":
				rd, err = zlib.NewReader(r.Body)
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			var v struct{ Name string }
			if err := json.NewDecoder(rd).Decode(&v); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			a.byName(w, r, v.Name)
		},
		"/search": func(w http.ResponseWriter, r *http.Request) { // one parameter among many
			a.byName(w, r, r.URL.Query().Get("q"))
		},
		"/trimmed": func(w http.ResponseWriter, r *http.Request) { // a value trimmed as applications do
			a.byName(w, r, strings.TrimSpace(r.URL.Query().Get("who")))
		},
		"/upload": func(w http.ResponseWriter, r *http.Request) { // one part among many, or a file
			if err := r.ParseMultipartForm(4 << 20); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			a.byName(w, r, r.FormValue("q"))
		},
		"/users/{id}": func(w http.ResponseWriter, r *http.Request) { // a path parameter
			a.byName(w, r, param(r))
		},
	}
}

// router serves the application with one router behind agent's middleware.
type router struct {
	name string
	new  func(a app, agent *rasp.Agent) http.Handler
}

var routers = []router{
	{"net/http", func(a app, agent *rasp.Agent) http.Handler {
		mux := http.NewServeMux()
		for p, h := range a.routes(func(r *http.Request) string { return r.PathValue("id") }) {
			mux.HandleFunc(p, h)
		}
		return agent.Middleware(mux)
	}},
	{"chi", func(a app, agent *rasp.Agent) http.Handler {
		r := chi.NewRouter()
		r.Use(agent.Middleware)
		for p, h := range a.routes(func(r *http.Request) string { return chi.URLParam(r, "id") }) {
			r.HandleFunc(p, h)
		}
		return r
	}},
	{"echo", func(a app, agent *rasp.Agent) http.Handler {
		e := echo.New()
		e.HideBanner = true
		e.Use(echo.WrapMiddleware(agent.Middleware))
		for p, h := range a.routes(nil) {
			p = strings.ReplaceAll(p, "{id}", ":id")
			if p == "/users/:id" {
				e.Any(p, func(c echo.Context) error {
					a.byName(c.Response(), c.Request(), c.Param("id"))
					return nil
				})
				continue
			}
			e.Any(p, echo.WrapHandler(h))
		}
		return e
	}},
}

// collectCase is one request, and the status it must get.
type collectCase struct {
	name   string
	method string
	path   string // with the query; sent as is
	ctype  string
	header map[string]string
	body   func() []byte
	want   int
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func zl(b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

// multipartOf writes fields (name, value pairs) and, when size > 0, a file
// part of size bytes; it returns the media type and the body.
func multipartOf(boundary bool, size int, fields ...string) (string, []byte) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = mw.WriteField(fields[i], fields[i+1])
	}
	if size > 0 {
		fw, _ := mw.CreateFormFile("file", "data.bin")
		_, _ = fw.Write(bytes.Repeat([]byte("0123456789abcdef"), size/16))
	}
	_ = mw.Close()
	if !boundary {
		return "multipart/form-data", b.Bytes()
	}
	return mw.FormDataContentType(), b.Bytes()
}

func fixed(b []byte) func() []byte { return func() []byte { return b } }

func collectCases() []collectCase {
	const attack = "x' OR '1'='1"
	q := url.QueryEscape
	var pad512, pad600 strings.Builder
	for i := range 600 {
		if i < 512 {
			fmt.Fprintf(&pad512, "p%d=v&", i)
		}
		fmt.Fprintf(&pad600, "p%d=value%d&", i, i)
	}
	var parts []string
	for i := range 256 {
		parts = append(parts, fmt.Sprintf("f%d", i), "v")
	}
	mpPadded, mpPaddedBody := multipartOf(true, 0, append(parts, "q", attack)...)
	mpKeys, mpKeysBody := multipartOf(true, 0, "id > 0 OR id", "3")
	mpNoBoundary, _ := multipartOf(false, 0)
	upload, uploadBody := multipartOf(true, 2<<20, "q", "alice")
	deep := strings.Repeat("[", 128) + `{"name":"` + attack + `"}` + strings.Repeat("]", 128)

	return []collectCase{
		// 1. Keys are inputs.
		{name: "query key as column", method: "GET", path: "/filter?" + q("id > 0 OR id") + "=3", want: 403},
		{name: "form key as column", method: "POST", path: "/form", ctype: "application/x-www-form-urlencoded",
			body: fixed([]byte(q("id > 0 OR id") + "=3")), want: 403},
		{name: "multipart field name as column", method: "POST", path: "/multipart", ctype: mpKeys, body: fixed(mpKeysBody), want: 403},
		{name: "header name", method: "GET", path: "/header", header: map[string]string{"X'or'1'like'1": "x"}, want: 403},
		{name: "cookie name", method: "GET", path: "/cookie", header: map[string]string{"Cookie": "x'or'1'like'1=v"}, want: 403},
		{name: "JSON key as column", method: "POST", path: "/json", ctype: "application/json",
			body: fixed([]byte(`{"by":"keys","id > 0 OR id":3}`)), want: 403},
		// An input the application trims of white space, Unicode white
		// space included, is matched as the statement holds it.
		{name: "value trimmed of no-break spaces", method: "GET", path: "/trimmed?who=%C2%A0" + q(attack) + "%E3%80%80", want: 403},
		{name: "benign value trimmed of no-break spaces", method: "GET", path: "/trimmed?who=%C2%A0alice%C2%A0", want: 200},
		// 2. The declared type does not decide the parser.
		{name: "JSON sent as a form", method: "POST", path: "/json", ctype: "application/x-www-form-urlencoded",
			body: fixed([]byte(`{"name":"` + attack + `"}`)), want: 403},
		{name: "JSON sent as multipart without boundary", method: "POST", path: "/json", ctype: mpNoBoundary,
			body: fixed([]byte(`{"name":"` + attack + `"}`)), want: 403},
		// 3. A top-level JSON scalar.
		{name: "JSON string as text", method: "POST", path: "/json", ctype: "text/plain",
			body: fixed([]byte(`"` + attack + ` --"`)), want: 403},
		// 4. Content-Encoding.
		{name: "gzip body", method: "POST", path: "/encoded", ctype: "application/json", header: map[string]string{"Content-Encoding": "gzip"},
			body: fixed(gz([]byte(`{"name":"` + attack + `"}`))), want: 403},
		{name: "deflate body", method: "POST", path: "/encoded", ctype: "application/json", header: map[string]string{"Content-Encoding": "deflate"},
			body: fixed(zl([]byte(`{"name":"` + attack + `"}`))), want: 403},
		{name: "gzip declared, plain body", method: "POST", path: "/json", ctype: "application/json", header: map[string]string{"Content-Encoding": "gzip"},
			body: fixed([]byte(`{"name":"` + attack + `"}`)), want: 403},
		// 5. Raw path segments (chi and echo hand them over escaped).
		{name: "raw path segment", method: "GET", path: "/users/x'OR'%31'='1", want: 403},
		{name: "decoded path segment", method: "GET", path: "/users/x'%20OR%20'1'='1", want: 403},
		// 6. Padding.
		{name: "512 filler parameters", method: "GET", path: "/search?" + pad512.String() + "q=" + q(attack), want: 403},
		{name: "8192 filler bytes in the value", method: "GET", path: "/search?q=" + strings.Repeat("a", 8192) + q(attack), want: 403},
		{name: "256 filler parts", method: "POST", path: "/upload", ctype: mpPadded, body: fixed(mpPaddedBody), want: 403},
		{name: "128 levels of JSON", method: "POST", path: "/json", ctype: "application/json", body: fixed([]byte(deep)), want: 403},
		// Benign requests of the same shapes.
		{name: "benign 600 parameters", method: "GET", path: "/search?" + pad600.String() + "q=alice", want: 200},
		{name: "benign 2 MiB upload", method: "POST", path: "/upload", ctype: upload, body: fixed(uploadBody), want: 200},
		{name: "benign gzip body", method: "POST", path: "/encoded", ctype: "application/json", header: map[string]string{"Content-Encoding": "gzip"},
			body: fixed(gz([]byte(`{"name":"bob"}`))), want: 200},
		{name: "benign JSON as text", method: "POST", path: "/json", ctype: "text/plain", body: fixed([]byte(`"carol"`)), want: 200},
		{name: "benign path", method: "GET", path: "/users/carol", want: 200},
		{name: "benign keys", method: "GET", path: "/filter?name=alice", want: 200},
	}
}

func TestCollectRealServer(t *testing.T) {
	cases := collectCases()
	for _, rt := range routers {
		t.Run(rt.name, func(t *testing.T) {
			agent := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
			srv := httptest.NewServer(rt.new(app{db: collectDB(t)}, agent))
			t.Cleanup(srv.Close)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					var body io.Reader
					if tc.body != nil {
						body = bytes.NewReader(tc.body())
					}
					req, err := http.NewRequestWithContext(context.Background(), tc.method, srv.URL, body)
					if err != nil {
						t.Fatal(err)
					}
					req.URL.Opaque = tc.path // sent exactly as written
					if i := strings.IndexByte(tc.path, '?'); i >= 0 {
						req.URL.Opaque, req.URL.RawQuery = tc.path[:i], tc.path[i+1:]
					}
					if tc.ctype != "" {
						req.Header.Set("Content-Type", tc.ctype)
					}
					for k, v := range tc.header {
						req.Header[k] = []string{v} // as written, not canonicalised
					}
					resp, err := srv.Client().Do(req)
					if err != nil {
						t.Fatal(err)
					}
					got, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != tc.want {
						t.Errorf("status %d (%.80q), want %d", resp.StatusCode, got, tc.want)
					}
				})
			}
		})
	}
}

// TestCollectPartialRealServer sends a benign JSON body longer than the
// agent's body limit to a handler that reads it and runs a guarded query:
// blocked in protect mode by default, run with WithPartialClosed(false),
// reported either way with the limit reached.
func TestCollectPartialRealServer(t *testing.T) {
	body := `{"pad":"` + strings.Repeat("p", 4<<10) + `","name":"alice"}`
	for _, tc := range []struct {
		name   string
		opts   []rasp.Option
		status int
	}{
		{"default blocks", nil, http.StatusForbidden},
		{"opted out", []rasp.Option{rasp.WithPartialClosed(false)}, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			buf := &testlog.Buffer{}
			agent := rasp.New(append([]rasp.Option{rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(buf)), rasp.WithBodyLimit(1 << 10)}, tc.opts...)...)
			srv := httptest.NewServer(routers[0].new(app{db: collectDB(t)}, agent))
			t.Cleanup(srv.Close)
			resp, err := srv.Client().Post(srv.URL+"/json", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("status %d (%q), want %d", resp.StatusCode, got, tc.status)
			}
			ev := buf.Events(t)
			if len(ev) != 1 || ev[0]["kind"] != rasp.KindPartialInspection {
				t.Fatalf("events %v", ev)
			}
			if d, _ := ev[0]["details"].(map[string]any); d["limit"] != "body" {
				t.Errorf("details %v", ev[0]["details"])
			}
		})
	}
}

// TestPartialRequestDoesNotClearStatement sends an attack placed past the
// input cap first (the middleware inspects that request in part and, by
// default, refuses its guarded call), then the same attack in a plain
// parameter: the statement the first request built was never judged
// clean, so the second must be refused too, and so on every time.
func TestPartialRequestDoesNotClearStatement(t *testing.T) {
	const attack = "z' OR 'a'='a"
	var pad strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&pad, "f%d=w&", i)
	}
	agent := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()), rasp.WithInputLimits(64, 0))
	srv := httptest.NewServer(agent.Middleware(app{db: collectDB(t)}.routes(nil)["/search"]))
	t.Cleanup(srv.Close)
	get := func(query string) int {
		t.Helper()
		resp, err := srv.Client().Get(srv.URL + "/search?" + query)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for round := range 3 {
		if got := get(pad.String() + "q=" + url.QueryEscape(attack)); got != http.StatusForbidden {
			t.Fatalf("round %d: padded attack: status %d, want 403", round, got)
		}
		if got := get("q=" + url.QueryEscape(attack)); got != http.StatusForbidden {
			t.Fatalf("round %d: plain attack after a padded one: status %d, want 403", round, got)
		}
	}
	if got := get("q=alice"); got != http.StatusOK {
		t.Fatalf("benign: status %d, want 200", got)
	}
}
