package rasp

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

var update = flag.Bool("update", false, "rewrite testdata/event.golden")

// requestCtx returns the context the middleware would give a handler for r.
func requestCtx(t *testing.T, a *Agent, r *http.Request) context.Context {
	t.Helper()
	var ctx context.Context
	a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx = r.Context()
	})).ServeHTTP(httptest.NewRecorder(), r)
	return ctx
}

func TestEventGolden(t *testing.T) {
	var buf bytes.Buffer
	a := New(WithMode(ModeProtect), WithLogger(zerolog.New(&buf)))
	mux := http.NewServeMux()
	mux.HandleFunc("POST /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		in := taint.FromContext(r.Context())
		var name taint.Input
		for _, i := range in {
			if i.Key == "name" {
				name = i
			}
		}
		target := "SELECT * FROM users WHERE name = '" + name.Value + "' AND pass = 'hunter2-secret'"
		start := strings.Index(target, name.Value)
		_ = a.decideIn(r.Context(), 0, SinkSQL, "query", Finding{
			Kind: KindSQLInjection, Input: name, Target: target,
			Start: start, End: start + len(name.Value),
			Reason: "input ends a string literal",
		}, []Detail{{"statement", "select"}, {"clause", "where"}, {"driver", "sqlite3"}})
	})
	r := httptest.NewRequest(http.MethodPost, "/users/7", strings.NewReader("name=x%27+OR+%271%27%3D%271&password=hunter2-secret"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	a.Middleware(mux).ServeHTTP(rec, r)
	if rec.Code != http.StatusForbidden {
		t.Errorf("status %d", rec.Code)
	}
	golden := filepath.Join("testdata", "event.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("event differs from %s (go test -run TestEventGolden -update)\ngot:  %s\nwant: %s", golden, buf.Bytes(), want)
	}
}

func TestRedaction(t *testing.T) {
	pw := taint.Input{Source: taint.SourceForm, Key: "password", Value: "s3cr3t'--"}
	user := taint.Input{Source: taint.SourceForm, Key: "user", Value: "x' OR 1=1"}
	tests := []struct {
		name       string
		opts       []Option
		inputs     []taint.Input
		f          Finding
		wantValue  string
		wantTarget string
		wantSpan   [2]int
	}{
		{
			name:   "offending input redacted with its span",
			inputs: []taint.Input{pw},
			f: Finding{Kind: KindSQLInjection, Input: pw,
				Target: "SELECT 1 FROM u WHERE p = 's3cr3t'--'", Start: 27, End: 36},
			wantValue:  "*'--",
			wantTarget: "SELECT 1 FROM u WHERE p = '*'--'",
			wantSpan:   [2]int{27, 31},
		},
		{
			name:   "login bypass in a password shows its skeleton",
			inputs: []taint.Input{{Source: taint.SourceForm, Key: "password", Value: "' OR ''='"}},
			f: Finding{Kind: KindSQLInjection, Input: taint.Input{Source: taint.SourceForm, Key: "password", Value: "' OR ''='"},
				Target: "SELECT id FROM u WHERE pw = '' OR ''=''", Start: 29, End: 38, Skeleton: "' OR ''='"},
			wantValue:  "' OR ''='",
			wantTarget: "SELECT id FROM u WHERE pw = '' OR ''=''",
			wantSpan:   [2]int{29, 38},
		},
		{
			name:   "the guard's skeleton replaces the span",
			inputs: []taint.Input{pw},
			f: Finding{Kind: KindSQLInjection, Input: pw,
				Target: "SELECT 1 FROM u WHERE p = 's3cr3t' OR 1=1 --'", Start: 27, End: 44, Skeleton: "*' OR *=* --"},
			wantValue:  "*' OR *=* --",
			wantTarget: "SELECT 1 FROM u WHERE p = '*' OR *=* --'",
			wantSpan:   [2]int{27, 39},
		},
		{
			name:   "author is not a secret",
			inputs: []taint.Input{{Source: taint.SourceQuery, Key: "author", Value: "x' OR 1=1"}},
			f: Finding{Kind: KindSQLInjection, Input: taint.Input{Source: taint.SourceQuery, Key: "author", Value: "x' OR 1=1"},
				Target: "a = 'x' OR 1=1'", Start: 5, End: 14},
			wantValue:  "x' OR 1=1",
			wantTarget: "a = 'x' OR 1=1'",
			wantSpan:   [2]int{5, 14},
		},
		{
			name:   "another redacted input masked, span moved",
			inputs: []taint.Input{pw, user},
			f: Finding{Kind: KindSQLInjection, Input: user,
				Target: "SELECT 1 FROM u WHERE p = 's3cr3t'--' AND u = 'x' OR 1=1'", Start: 48, End: 57},
			wantValue:  "x' OR 1=1",
			wantTarget: "SELECT 1 FROM u WHERE p = '[redacted]' AND u = 'x' OR 1=1'",
			wantSpan:   [2]int{49, 58},
		},
		{
			name:   "redacted value occurring twice, no span",
			inputs: []taint.Input{pw},
			f: Finding{Kind: KindSQLInjection, Input: pw,
				Target: "s3cr3t'-- s3cr3t'--", Start: -1, End: -1},
			wantValue:  "*'--",
			wantTarget: "[redacted] [redacted]",
			wantSpan:   [2]int{-1, -1},
		},
		{
			name:   "authorization header",
			inputs: []taint.Input{{Source: taint.SourceHeader, Key: "Authorization", Value: "Bearer abc"}},
			f: Finding{Kind: KindShellInjection, Input: taint.Input{Source: taint.SourceHeader, Key: "Authorization", Value: "Bearer abc"},
				Target: "curl -H Bearer abc", Start: 8, End: 18},
			wantValue:  "* *",
			wantTarget: "curl -H * *",
			wantSpan:   [2]int{8, 11},
		},
		{
			name:   "custom rule redacting nothing",
			opts:   []Option{WithRedaction(nil)},
			inputs: []taint.Input{pw},
			f: Finding{Kind: KindSQLInjection, Input: pw,
				Target: "p = 's3cr3t'--'", Start: 5, End: 14},
			wantValue:  "s3cr3t'--",
			wantTarget: "p = 's3cr3t'--'",
			wantSpan:   [2]int{5, 14},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, buf := testAgent(t, ModeProtect, tc.opts...)
			ctx := taint.NewContext(context.Background(), tc.inputs...)
			err := a.Decide(ctx, SinkSQL, "query", tc.f)
			var be *BlockedError
			if !errors.As(err, &be) {
				t.Fatalf("Decide = %v", err)
			}
			f := be.Event.Finding
			if f.Input.Value != tc.wantValue || f.Target != tc.wantTarget || f.Start != tc.wantSpan[0] || f.End != tc.wantSpan[1] {
				t.Errorf("got value %q target %q span %d,%d\nwant value %q target %q span %v",
					f.Input.Value, f.Target, f.Start, f.End, tc.wantValue, tc.wantTarget, tc.wantSpan)
			}
			if f.Start >= 0 && f.Input.Value != tc.f.Input.Value && f.Target[f.Start:f.End] != f.Input.Value {
				t.Errorf("span %d,%d does not cover the skeleton %q in %q", f.Start, f.End, f.Input.Value, f.Target)
			}
			if tc.opts == nil && (strings.Contains(buf.String(), "s3cr3t") || strings.Contains(buf.String(), "abc")) {
				t.Errorf("secret in the log: %s", buf.String())
			}
		})
	}
}

func TestHooks(t *testing.T) {
	t.Run("sync", func(t *testing.T) {
		var got []Event
		a, _ := testAgent(t, ModeMonitor, WithSyncHooks(), WithHook(func(ctx context.Context, ev Event) {
			if ctx.Value(ctxMarker{}) != "request" {
				t.Error("a synchronous hook gets the deciding context")
			}
			got = append(got, ev)
		}))
		ctx := context.WithValue(context.Background(), ctxMarker{}, "request")
		if err := a.Decide(ctx, SinkSQL, "query", sqlFinding); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Finding.Kind != KindSQLInjection || got[0].Mode != ModeMonitor || got[0].Blocked {
			t.Errorf("hook got %+v", got)
		}
	})
	t.Run("async", func(t *testing.T) {
		ch := make(chan Event, 1)
		a, _ := testAgent(t, ModeProtect, WithAsyncHooks(4), WithHook(func(_ context.Context, ev Event) { ch <- ev }))
		if err := a.Decide(context.Background(), SinkExec, "command", sqlFinding); !errors.Is(err, ErrBlocked) {
			t.Fatal(err)
		}
		select {
		case ev := <-ch:
			if !ev.Blocked || ev.Sink != SinkExec {
				t.Errorf("hook got %+v", ev)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("async hook did not run")
		}
	})
	t.Run("async queue full", func(t *testing.T) {
		release := make(chan struct{})
		a, _ := testAgent(t, ModeMonitor, WithAsyncHooks(1), WithHook(func(context.Context, Event) { <-release }))
		for range 5 {
			_ = a.Decide(context.Background(), SinkSQL, "query", sqlFinding)
		}
		close(release)
		if d := a.Stats().HookDrops; d < 3 {
			t.Errorf("HookDrops = %d, want at least 3 of 5 with a queue of 1", d)
		}
	})
}

type ctxMarker struct{}

// TestPanickingHook serves a real request whose hook panics: the server
// survives, the client gets its 403, and the panic is reported.
func TestPanickingHook(t *testing.T) {
	var calls atomic.Int32
	a, buf := testAgent(t, ModeProtect,
		WithHook(func(context.Context, Event) { calls.Add(1); panic("hook bug") }),
		WithHook(func(context.Context, Event) { calls.Add(1) }))
	srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = a.Decide(r.Context(), SinkSQL, "query", sqlFinding)
		_, _ = w.Write([]byte("ok"))
	})))
	t.Cleanup(srv.Close)
	for range 2 {
		resp, err := srv.Client().Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("status %d, want 403", resp.StatusCode)
		}
	}
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 4 || a.Stats().HookPanics != 2 {
		t.Errorf("hook calls %d, panics %d; want 4 and 2", calls.Load(), a.Stats().HookPanics)
	}
	if !strings.Contains(buf.String(), "hook panic: hook bug") {
		t.Errorf("panic not reported: %s", buf.String())
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		env     string
		want    Mode
		wantErr bool
	}{
		{"", ModeMonitor, false},
		{"off", ModeOff, false},
		{" Protect ", ModeProtect, false},
		{"monitor", ModeMonitor, false},
		{"block", ModeMonitor, true},
		{"1", ModeMonitor, true},
	}
	for _, tc := range tests {
		t.Run(tc.env, func(t *testing.T) {
			var buf bytes.Buffer
			a, err := fromEnv(tc.env, WithLogger(zerolog.New(&buf)))
			if a.Mode() != tc.want || (err != nil) != tc.wantErr {
				t.Errorf("mode %v, err %v; want %v, error %v", a.Mode(), err, tc.want, tc.wantErr)
			}
			logged := strings.Contains(buf.String(), `"level":"error"`) &&
				strings.Contains(buf.String(), `"setting":"RASP_MODE"`) &&
				strings.Contains(buf.String(), `"fallback":"monitor"`)
			if logged != tc.wantErr {
				t.Errorf("error event written = %v, want %v: %s", logged, tc.wantErr, buf.String())
			}
		})
	}
}

func TestDedup(t *testing.T) {
	const interval = 100 * time.Millisecond
	var hooked atomic.Int32
	a, buf := testAgent(t, ModeMonitor, WithDedup(interval), WithHook(func(context.Context, Event) { hooked.Add(1) }))
	ctx := context.Background()
	for range 3 {
		_ = a.Decide(ctx, SinkSQL, "query", sqlFinding)
	}
	other := sqlFinding
	other.Input.Key = "other"
	_ = a.Decide(ctx, SinkSQL, "query", other)
	if n := len(buf.Events(t)); n != 2 {
		t.Fatalf("%d events within the interval, want 2 (one per key)", n)
	}
	time.Sleep(interval + 20*time.Millisecond)
	_ = a.Decide(ctx, SinkSQL, "query", sqlFinding)
	ev := buf.Events(t)
	if len(ev) != 3 || ev[2]["repeated"] != float64(2) {
		t.Errorf("events %v, want a third with repeated=2", ev)
	}
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if hooked.Load() != 5 || a.Stats().Sinks[SinkSQL].Findings != 5 {
		t.Errorf("hooks %d, findings %d: de-duplication must not touch them", hooked.Load(), a.Stats().Sinks[SinkSQL].Findings)
	}
}

func TestExceptions(t *testing.T) {
	a, buf := testAgent(t, ModeProtect,
		WithException(Exception{Route: "GET /search", Source: taint.SourceQuery, Key: "q", Sink: SinkSQL}),
		WithException(Exception{Route: "/legacy/*", Key: "id"}))
	tests := []struct {
		pattern, path, key, sink string
		wantBlocked              bool
	}{
		{"GET /search", "/search", "q", SinkSQL, false},
		{"GET /search", "/search", "q", SinkExec, true},
		{"GET /search", "/search", "other", SinkSQL, true},
		{"GET /find", "/find", "q", SinkSQL, true},
		{"", "/legacy/a", "id", SinkFS, false},
		{"", "/legacy/a/b", "id", SinkFS, true},
	}
	for _, tc := range tests {
		mux := http.NewServeMux()
		var err error
		pattern := tc.pattern
		if pattern == "" {
			pattern = "/"
		}
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if tc.pattern == "" {
				r.Pattern = "" // as without a ServeMux
			}
			f := sqlFinding
			f.Input.Key = tc.key
			err = a.Decide(r.Context(), tc.sink, "op", f)
		})
		a.Middleware(mux).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, tc.path, nil))
		if got := errors.Is(err, ErrBlocked); got != tc.wantBlocked {
			t.Errorf("%+v: blocked %v", tc, got)
		}
	}
	if n := len(buf.Events(t)); n != 4 {
		t.Errorf("%d events, want 4 (excepted findings write none)", n)
	}
	if s := a.Stats(); s.Sinks[SinkSQL].Exceptions != 1 || s.Sinks[SinkFS].Exceptions != 1 {
		t.Errorf("exception counters %+v", s.Sinks)
	}
}

func TestSinkMode(t *testing.T) {
	a, _ := testAgent(t, ModeMonitor, WithSinkMode(SinkSQL, ModeProtect), WithSinkMode(SinkFS, ModeOff))
	ctx := context.Background()
	if err := a.Decide(ctx, SinkSQL, "query", sqlFinding); !errors.Is(err, ErrBlocked) {
		t.Errorf("sql: %v, want blocked", err)
	}
	if err := a.Decide(ctx, SinkExec, "command", sqlFinding); err != nil {
		t.Errorf("exec: %v, want monitor", err)
	}
	if err := a.Decide(ctx, SinkFS, "open", sqlFinding); err != nil || a.Stats().Sinks[SinkFS].Findings != 0 {
		t.Errorf("fs: %v, want off", err)
	}
	a.SetMode(ModeOff)
	if a.ModeFor(SinkSQL) != ModeProtect || a.ModeFor(SinkExec) != ModeOff {
		t.Error("SetMode must not change overrides")
	}
}

func TestFault(t *testing.T) {
	limit := errors.New("work limit reached")
	tests := []struct {
		name        string
		mode        Mode
		closed      bool
		wantBlocked bool
	}{
		{"open protect", ModeProtect, false, false},
		{"closed protect", ModeProtect, true, true},
		{"closed monitor", ModeMonitor, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, buf := testAgent(t, tc.mode, WithFailClosed(tc.closed))
			err := a.faultIn(context.Background(), 0, SinkSQL, "query", sqlFinding, limit, nil)
			if errors.Is(err, ErrBlocked) != tc.wantBlocked {
				t.Errorf("faultIn = %v", err)
			}
			ev := buf.Events(t)
			if len(ev) != 1 || ev[0]["kind"] != KindInternalFault || ev[0]["fault"] != "work limit reached" || ev[0]["level"] != "error" {
				t.Errorf("events %v", ev)
			}
			if a.Stats().Sinks[SinkSQL].Faults != 1 {
				t.Error("fault not counted")
			}
		})
	}
}

func TestDecideOffAllocs(t *testing.T) {
	a := New(WithMode(ModeOff), WithLogger(zerolog.Nop()))
	ctx := taint.NewContext(NewContext(context.Background(), a), sqlFinding.Input)
	if n := testing.AllocsPerRun(100, func() {
		if FromContext(ctx).ModeFor(SinkSQL) != ModeOff {
			t.Fatal("mode")
		}
		_ = a.Decide(ctx, SinkSQL, "query", sqlFinding)
	}); n != 0 {
		t.Errorf("ModeOff decision: %v allocs, want 0", n)
	}
}

func TestDecideNopLoggerAllocs(t *testing.T) {
	a := New(WithMode(ModeMonitor), WithLogger(zerolog.Nop()))
	r := httptest.NewRequest(http.MethodGet, "/?id=1+OR+1=1", nil)
	r.Header.Set("Authorization", "Bearer x")
	ctx := requestCtx(t, a, r)
	f := sqlFinding
	f.Input.Key = "Password" // a redacted key: redaction is skipped when no one sees the event
	if n := testing.AllocsPerRun(100, func() {
		if err := a.Decide(ctx, SinkSQL, "query", f); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("monitor decision with logging disabled: %v allocs, want 0", n)
	}
	if a.Stats().Sinks[SinkSQL].Findings == 0 {
		t.Error("findings not counted")
	}
}

func TestSetModeConcurrent(t *testing.T) {
	a, _ := testAgent(t, ModeMonitor)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 1000 {
			a.SetMode([]Mode{ModeOff, ModeMonitor, ModeProtect}[i%3])
		}
	}()
	for range 1000 {
		if m := a.Mode(); !m.valid() {
			t.Fatalf("mode %v", m)
		}
	}
	<-done
	a.SetMode(ModeProtect)
	a.SetMode(Mode(42))
	if a.Mode() != ModeProtect {
		t.Errorf("an invalid mode changed the agent: %v", a.Mode())
	}
}

func TestDefaultRedactByWord(t *testing.T) {
	for _, tc := range []struct {
		src  taint.Source
		key  string
		want bool
	}{
		{taint.SourceForm, "password", true},
		{taint.SourceForm, "Password", true},
		{taint.SourceForm, "new_password", true},
		{taint.SourceForm, "newpassword", true},
		{taint.SourceForm, "passwd", true},
		{taint.SourceForm, "user-pass", true},
		{taint.SourceJSON, "authToken", true},
		{taint.SourceJSON, "auth_token", true},
		{taint.SourceHeader, "Authorization", true},
		{taint.SourceHeader, "Proxy-Authorization", true},
		{taint.SourceHeader, "X-Auth-Token", true},
		{taint.SourceHeader, "X-Api-Key", true},
		{taint.SourceJSON, "APIKey", true},
		{taint.SourceJSON, "api_key", true},
		{taint.SourceJSON, "apikey", true},
		{taint.SourceJSON, "privateKey", true},
		{taint.SourceForm, "client_secret", true},
		{taint.SourceForm, "accesstoken", true},
		{taint.SourceHeader, "Cookie", true},
		{taint.SourceCookie, "theme", true},
		{taint.SourceQuery, "session_id", true},
		{taint.SourceQuery, "author", false},
		{taint.SourceQuery, "authors", false},
		{taint.SourceQuery, "compass", false},
		{taint.SourceQuery, "passenger", false},
		{taint.SourceQuery, "keyword", false},
		{taint.SourceQuery, "sort_key", false},
		{taint.SourceQuery, "q", false},
		{taint.SourceQuery, "", false},
		{taint.SourceHeader, "User-Agent", false},
	} {
		if got := DefaultRedact(taint.Input{Source: tc.src, Key: tc.key}); got != tc.want {
			t.Errorf("DefaultRedact(%s %q) = %v, want %v", tc.src, tc.key, got, tc.want)
		}
	}
}

// TestRedactedWordsAgree keeps the three lists of sensitive words in step:
// the code, WithRedaction's doc and the README.
func TestRedactedWordsAgree(t *testing.T) {
	for _, file := range []string{"options.go", "README.md"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		i := strings.Index(text, "sensitive words:")
		if i < 0 {
			t.Fatalf("%s lists no sensitive words", file)
		}
		var words, pairs []string
		for _, m := range regexp.MustCompile("`([a-z_]+)`").FindAllStringSubmatch(strings.SplitN(text[i:], "(the last five", 2)[0], -1) {
			w := m[1]
			if strings.Contains(w, "_") {
				pairs = append(pairs, w)
			} else {
				words = append(words, w)
			}
		}
		if !slices.Equal(words, sensitiveWords) {
			t.Errorf("%s lists %v, the code %v", file, words, sensitiveWords)
		}
		var code []string
		for _, p := range sensitivePairs {
			code = append(code, p[0]+"_"+p[1])
		}
		if !slices.Equal(pairs, code) {
			t.Errorf("%s lists pairs %v, the code %v", file, pairs, code)
		}
	}
}
