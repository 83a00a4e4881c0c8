package rasp_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/guard"
	"github.com/gorasp/rasp/sqlguard"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

// fullCheck is the driver's check of statement against every input of a
// request: one pass of a matcher for many inputs, else input by input.
func fullCheck(d sqlguard.Dialect, stmt string, inputs []taint.Input) sqlguard.Result {
	if len(inputs) > 16 || len(stmt) > 4<<10 {
		return sqlguard.AnalyzeMatcher(d, stmt, taint.NewMatcher(inputs))
	}
	return sqlguard.Analyze(d, stmt, inputs)
}

// valueIn is the driver's test of whether a statement holds a value of the
// request (it is then not remembered as the application's own).
func valueIn(stmt string, inputs []taint.Input) bool {
	if len(inputs) > 64 || len(stmt) > 4<<10 {
		return true
	}
	return slices.ContainsFunc(inputs, func(in taint.Input) bool {
		return !in.IsKey && in.Value != "" && strings.Contains(stmt, in.Value)
	})
}

// TestForTargetDecidesAsFull holds the first guarded call's inputs
// (taint.ForTarget) to the full collection on varied requests and
// statements: every input that occurs in the statement is there, in the
// collection's order; the SQL check of the statement, the driver's memory
// test and the partial inspection flag come out as they do with every
// input; and the same statement asked again gets the same slice.
func TestForTargetDecidesAsFull(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"1", "42", "users", "x' OR '1'='1", "1 OR 1=1", " name ", "a%27b", "%2527", "b+c", "id",
		"orders", "q", "{\"q\":\"v' --\"}", "é\u00a0", "SELECT", "--", "%zz", "", "x'", "'a'"}
	pick := func() string { return pieces[rng.IntN(len(pieces))] }
	agents := []*rasp.Agent{
		rasp.New(rasp.WithMode(rasp.ModeMonitor), rasp.WithLogger(zerolog.Nop())),
		rasp.New(rasp.WithMode(rasp.ModeMonitor), rasp.WithLogger(zerolog.Nop()), rasp.WithInputLimits(12, 0)),
		rasp.New(rasp.WithMode(rasp.ModeMonitor), rasp.WithLogger(zerolog.Nop()), rasp.WithBodyLimit(64)),
	}
	filtered, filteredBody := 0, 0
	for n := range 3000 {
		var path, query strings.Builder
		for range rng.IntN(4) {
			path.WriteString("/" + url.PathEscape(pick()))
		}
		params := rng.IntN(8)
		if rng.IntN(8) == 0 {
			params = 20 + rng.IntN(40) // past the driver's bounds on inputs
		}
		for i := range params {
			if i > 0 {
				query.WriteByte('&')
			}
			query.WriteString(url.QueryEscape(pick()) + "=" + url.QueryEscape(pick()))
			if rng.IntN(3) == 0 {
				query.WriteString(pick()) // raw, maybe not decodable
			}
		}
		var body, ctype string
		switch rng.IntN(6) {
		case 0:
			var doc strings.Builder
			doc.WriteString(`{"items":[`)
			for i := range rng.IntN(40) {
				if i > 0 {
					doc.WriteByte(',')
				}
				fmt.Fprintf(&doc, `{%q:%q,"n":%d}`, pick(), pick(), i)
			}
			doc.WriteString(`],"owner":` + strconv.Quote(pick()) + `}`)
			body, ctype = doc.String(), "application/json"
		case 1:
			body, ctype = url.QueryEscape(pick())+"="+url.QueryEscape(pick())+"&q="+url.QueryEscape(pick()), "application/x-www-form-urlencoded"
		case 2:
			body, ctype = strconv.Quote(pick()), "text/plain"
		}
		read := rng.IntN(4) // 0 all, 1 by a JSON decoder, 2 a part, 3 nothing
		readBody := func(r *http.Request) {
			switch read {
			case 0:
				io.ReadAll(r.Body)
			case 1:
				json.NewDecoder(r.Body).Decode(new(any))
			case 2:
				io.ReadFull(r.Body, make([]byte, len(body)/2))
			}
		}
		method := http.MethodGet
		if body != "" {
			method = http.MethodPost
		}
		r := httptest.NewRequest(method, "/", strings.NewReader(body))
		if body == "" {
			r.Body = http.NoBody
		}
		r.Header.Set("Content-Type", ctype)
		r.URL.RawPath, r.URL.RawQuery = path.String()+"/", query.String()
		if p, err := url.PathUnescape(r.URL.RawPath); err == nil {
			r.URL.Path = p
		} else {
			r.URL.RawPath = ""
		}
		for range rng.IntN(4) {
			r.Header.Add("X-"+strings.Repeat("a", 1+rng.IntN(3)), pick())
		}
		if rng.IntN(3) == 0 {
			r.Header.Set("Cookie", "c="+url.QueryEscape(pick()))
		}
		stmt := "SELECT * FROM t WHERE a = '" + pick() + "' AND b = " + pick() + " " + pick()
		stmt2 := "SELECT " + pick() + " FROM u WHERE x = '" + pick() + "'"
		a := agents[n%len(agents)]
		var sub, again, sub2, again2, full []taint.Input
		var partialFirst, called bool
		h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			called = true
			readBody(r)
			sub = taint.ForTarget(r.Context(), stmt)
			partialFirst = guard.PartialInspection(r.Context())
			again = taint.ForTarget(r.Context(), stmt)
			sub2 = taint.ForTarget(r.Context(), stmt2)
			again2 = taint.ForTarget(r.Context(), stmt)
			// The handler changes its URL and headers in place before
			// its next guarded call: the inputs stay those of the first.
			for k := range r.Header {
				r.Header.Del(k)
				break
			}
			r.Header.Set("X-Late", "late")
			r.URL.RawQuery, r.URL.Path, r.URL.RawPath = "late=1", "/late", ""
			full = taint.FromContext(r.Context())
		}))
		route := func(h http.Handler) http.Handler {
			if n%5 != 0 {
				return h
			}
			mux := http.NewServeMux()
			mux.Handle("/{a}/users/", h)
			mux.Handle("/", h)
			return mux
		}
		h = route(h)
		pristine := r.Clone(r.Context()) // the handler changes r's URL in place
		h.ServeHTTP(httptest.NewRecorder(), r)
		if !called {
			continue // the mux redirected an unclean path
		}
		if sub == nil || len(again) != len(sub) || len(again2) != len(sub) || len(sub) > 0 && (&again[0] != &sub[0] || &again2[0] != &sub[0]) {
			t.Fatalf("%v: ForTarget answered %p then %p, and %p after another statement", r.URL, sub, again, again2)
		}
		if len(sub) < len(full) {
			filtered++
			if body != "" {
				filteredBody++
			}
		}
		for _, c := range []struct {
			stmt string
			sub  []taint.Input
		}{{stmt, sub}, {stmt2, sub2}} {
			stmt, sub := c.stmt, c.sub
			for _, in := range full {
				tr := strings.TrimSpace(in.Value)
				if (strings.Contains(stmt, in.Value) || tr != "" && strings.Contains(stmt, tr)) && !slices.Contains(sub, in) {
					t.Fatalf("%v: %+v occurs in %q and is not in %v", r.URL, in, stmt, sub)
				}
			}
			notHeader := func(in taint.Input) bool { return in.Source != taint.SourceHeader }
			if !isSubsequence(filterInputs(sub, notHeader), filterInputs(full, notHeader)) {
				t.Fatalf("%v: %v is not a subsequence of %v", r.URL, sub, full)
			}
			for _, d := range []sqlguard.Dialect{sqlguard.DialectMySQL, sqlguard.DialectPostgres} {
				got, want := sqlguard.Analyze(d, stmt, sub), fullCheck(d, stmt, full)
				if got.Injection != want.Injection || got.Incomplete != want.Incomplete || got.Occurs != want.Occurs ||
					(got.Finding.Input.Source != taint.SourceHeader && want.Finding.Input.Source != taint.SourceHeader && got.Finding != want.Finding) {
					t.Fatalf("%v %q:\n got %+v\nwant %+v", r.URL, stmt, got, want)
				}
			}
			if valueIn(stmt, sub) != valueIn(stmt, full) {
				t.Fatalf("%v %q: a value occurs %v with %v, %v with all %v", r.URL, stmt, valueIn(stmt, sub), sub, valueIn(stmt, full), full)
			}
		}
		r = pristine
		r.Body = io.NopCloser(strings.NewReader(body))
		if wantPartial, want := partialOf(a, r, readBody, route); partialFirst != wantPartial || !sameInputs(full, want) {
			t.Fatalf("%v: partial %v at the first call, %v in full; inputs %v after changes to the request, %v before",
				r.URL, partialFirst, wantPartial, full, want)
		}
	}
	if filtered < 1000 || filteredBody < 200 {
		t.Fatalf("only %d of 3000 first calls (%d with a body) got fewer inputs than the request has", filtered, filteredBody)
	}
}

// partialOf is whether r, served by a under route with a handler that
// reads its body with readBody and asks for every input first, was
// inspected in part, and those inputs.
func partialOf(a *rasp.Agent, r *http.Request, readBody func(*http.Request), route func(http.Handler) http.Handler) (bool, []taint.Input) {
	var p bool
	var in []taint.Input
	route(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		readBody(r)
		in = taint.FromContext(r.Context())
		p = guard.PartialInspection(r.Context())
	}))).ServeHTTP(httptest.NewRecorder(), r)
	return p, in
}

// sameInputs reports whether a and b hold the same inputs, in any order.
func sameInputs(a, b []taint.Input) bool {
	key := func(in taint.Input) string { return fmt.Sprintf("%q %q %q %v", in.Source, in.Key, in.Value, in.IsKey) }
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i := range a {
		ka[i] = key(a[i])
	}
	for i := range b {
		kb[i] = key(b[i])
	}
	slices.Sort(ka)
	slices.Sort(kb)
	return slices.Equal(ka, kb)
}

func filterInputs(in []taint.Input, keep func(taint.Input) bool) []taint.Input {
	var out []taint.Input
	for _, x := range in {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

func isSubsequence(sub, of []taint.Input) bool {
	for _, x := range of {
		if len(sub) > 0 && sub[0] == x {
			sub = sub[1:]
		}
	}
	return len(sub) == 0
}
