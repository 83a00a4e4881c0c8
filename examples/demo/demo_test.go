package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorasp/rasp"
	"github.com/rs/zerolog"
)

// demo is one running demo server for a test.
type demo struct {
	app    *app
	srv    *httptest.Server
	log    *syncBuffer
	events *eventLog
	dir    string
}

// startDemo runs the demo in mode on 127.0.0.1, with events written as
// JSON to a buffer. wrap, if not nil, wraps the whole handler (outside the
// agent's middleware).
func startDemo(t *testing.T, mode rasp.Mode, wrap func(http.Handler) http.Handler) *demo {
	t.Helper()
	d := &demo{log: &syncBuffer{}, events: &eventLog{}, dir: t.TempDir()}
	rec := newDecisions()
	agent := rasp.New(rasp.WithMode(mode),
		rasp.WithLogger(zerolog.New(d.log).With().Timestamp().Logger()),
		rasp.WithSyncHooks(), rasp.WithHook(d.events.hook), rasp.WithHook(rec.hook))
	a, err := newApp(agent, rec, filepath.Join(d.dir, "app"))
	if err != nil {
		t.Fatal(err)
	}
	d.app = a
	h := a.handler()
	if wrap != nil {
		h = wrap(h)
	}
	d.srv = httptest.NewServer(h)
	t.Cleanup(func() {
		d.srv.Close()
		a.Close()
	})
	return d
}

func (d *demo) get(t *testing.T, target string) (int, string) {
	t.Helper()
	resp, err := d.srv.Client().Get(d.srv.URL + target)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// logEvents decodes the decision events of the JSON event log.
func (d *demo) logEvents(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(d.log.String()))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("event log line is not JSON: %v: %s", err, sc.Text())
		}
		if m["message"] == "rasp decision" {
			out = append(out, m)
		}
	}
	return out
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     string
		want    config
		wantErr bool
	}{
		{name: "defaults", want: config{mode: rasp.ModeProtect, addr: "127.0.0.1:8080", posture: time.Minute}},
		{name: "env", env: "monitor", want: config{mode: rasp.ModeMonitor, addr: "127.0.0.1:8080", posture: time.Minute}},
		{name: "flag wins over env", args: []string{"-mode", "off"}, env: "monitor", want: config{mode: rasp.ModeOff, addr: "127.0.0.1:8080", posture: time.Minute}},
		{name: "flag", args: []string{"-mode=Protect", "-addr", "127.0.0.1:9", "-posture", "0"}, want: config{mode: rasp.ModeProtect, addr: "127.0.0.1:9"}},
		{name: "tour", args: []string{"-tour"}, want: config{mode: rasp.ModeProtect, addr: "127.0.0.1:8080", tour: true, posture: time.Minute}},
		{name: "invalid flag value", args: []string{"-mode", "block"}, wantErr: true},
		{name: "invalid env value", env: "strict", wantErr: true},
		{name: "valid flag hides invalid env", args: []string{"-mode", "monitor"}, env: "strict", want: config{mode: rasp.ModeMonitor, addr: "127.0.0.1:8080", posture: time.Minute}},
		{name: "unknown flag", args: []string{"-port", "1"}, wantErr: true},
		{name: "stray argument", args: []string{"serve"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "RASP_MODE" {
					return tt.env
				}
				return ""
			}
			got, err := parseConfig(tt.args, getenv, io.Discard)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRunRejectsInvalidMode(t *testing.T) {
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"-mode", "nope"}, func(string) string { return "" }, io.Discard, &stderr)
	if code != 2 {
		t.Errorf("exit status %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "invalid mode") {
		t.Errorf("stderr %q does not explain the error", stderr.String())
	}
}

// TestTour is make demo: every attack worked off and was blocked in
// protect, every legitimate request got the same answer in both, exit
// status 0.
func TestTour(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runTour(&out, &errb); code != 0 {
		t.Fatalf("tour exit status %d\n%s\n%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"RASP OFF", "RASP PROTECT", "sql_injection in WHERE", "shell_injection", "path_traversal",
		"ssrf to link-local", "ran id: uid=", "served passwd", "deleted ", "dial refused by the demo's loopback fence",
		"identical", "stopped", "not protected yet", "PASS"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("tour output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestTourMonitor sends the tour's attacks to the demo in monitor mode:
// each one is reported and still does what it does with the guard off,
// and the legitimate requests raise no event.
func TestTourMonitor(t *testing.T) {
	svc, err := startServices()
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	e, err := startEnv(rasp.ModeMonitor, svc)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, s := range tourSteps(svc) {
		o, err := e.send(s)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case !s.attack():
			if o.status/100 != 2 || o.decision != "allowed" {
				t.Errorf("%s: %d %s", s.label(), o.status, o.decision)
			}
		case s.notYet != "":
		case !o.happened || o.decision != "reported" || o.status == http.StatusForbidden:
			t.Errorf("%s: %d %s, effect %q (%v)", s.label(), o.status, o.decision, o.effect, o.happened)
		}
	}
}

// TestTourFailsWithoutProtection runs the tour with a monitor server in
// the protect column: every attack then passes, and the tour must say
// FAIL for each one the build claims to stop, and exit 1.
func TestTourFailsWithoutProtection(t *testing.T) {
	svc, err := startServices()
	if err != nil {
		t.Fatal(err)
	}
	tour := &tourSession{svc: svc}
	if tour.off, err = startEnv(rasp.ModeOff, svc); err != nil {
		t.Fatal(err)
	}
	if tour.protect, err = startEnv(rasp.ModeMonitor, svc); err != nil {
		t.Fatal(err)
	}
	defer tour.Close()
	rows, err := tour.run()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if want := !r.step.attack() || r.step.notYet != ""; r.ok != want {
			t.Errorf("%s: ok = %v (%s %s), want %v", r.step.label(), r.ok, r.verdict, r.note, want)
		}
	}
	var out bytes.Buffer
	if code := printTable(&out, rows); code != 1 {
		t.Errorf("exit status %d, want 1:\n%s", code, out.String())
	}
}

// TestJudge checks the tour's verdicts on outcomes it did not measure:
// the tour must fail whenever an attack was not refused, left an effect,
// or did nothing to begin with, and whenever the modes answer a
// legitimate request differently.
func TestJudge(t *testing.T) {
	attack := step{effect: allBooksInAnswer}
	gap := step{effect: allBooksInAnswer, notYet: "no context"}
	legit := step{want: "Dune"}
	worked := outcome{status: 200, decision: "allowed", effect: "returned 6 of 6 books", happened: true}
	refused := outcome{status: 403, decision: "blocked", effect: "returned 0 of 6 books"}
	page := outcome{status: 200, body: "<p>Dune</p>", decision: "allowed"}
	tests := []struct {
		name         string
		s            step
		off, protect outcome
		ok           bool
		verdict      string
	}{
		{"attack stopped", attack, worked, refused, true, "stopped"},
		{"attack through", attack, worked, worked, false, "FAIL"},
		{"403 but effect", attack, worked, outcome{status: 403, decision: "blocked", happened: true}, false, "FAIL"},
		{"403 without block", attack, worked, outcome{status: 403, decision: "allowed"}, false, "FAIL"},
		{"reported only", attack, worked, outcome{status: 200, decision: "reported"}, false, "FAIL"},
		{"no effect off", attack, refused, refused, false, "FAIL"},
		{"gap open", gap, worked, worked, true, "not protected yet"},
		{"gap closed", gap, worked, refused, true, "now stopped"},
		{"gap no effect off", gap, refused, worked, false, "FAIL"},
		{"legit identical", legit, page, page, true, "identical"},
		{"legit differs", legit, page, outcome{status: 200, body: "<p>Dune </p>", decision: "allowed"}, false, "FAIL"},
		{"legit refused", legit, page, outcome{status: 403, body: page.body, decision: "blocked"}, false, "FAIL"},
		{"legit reported", legit, page, outcome{status: 200, body: page.body, decision: "reported"}, false, "FAIL"},
		{"legit wrong answer", step{want: "Neuromancer"}, page, page, false, "FAIL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := judge(tt.s, tt.off, tt.protect)
			if r.ok != tt.ok || r.verdict != tt.verdict {
				t.Errorf("got ok=%v %q (%s), want ok=%v %q", r.ok, r.verdict, r.note, tt.ok, tt.verdict)
			}
		})
	}
}

// TestSQLPositiveControl shows the demo really is injectable: in off mode
// a UNION in the title search leaks the admin password; in protect mode
// the same request is refused.
func TestSQLPositiveControl(t *testing.T) {
	attack := "/search?title=" + url.QueryEscape("zzz' UNION SELECT id, username, password, 1 FROM users--")
	for _, tt := range []struct {
		mode   rasp.Mode
		status int
		leak   bool
	}{
		{rasp.ModeOff, 200, true},
		{rasp.ModeMonitor, 200, true},
		{rasp.ModeProtect, 403, false},
	} {
		t.Run(tt.mode.String(), func(t *testing.T) {
			d := startDemo(t, tt.mode, nil)
			status, body := d.get(t, attack)
			if status != tt.status {
				t.Errorf("status %d, want %d", status, tt.status)
			}
			if leak := strings.Contains(body, adminPassword); leak != tt.leak {
				t.Errorf("admin password leaked = %v, want %v", leak, tt.leak)
			}
		})
	}
}

// TestIndexLinksEveryEndpoint checks that the index page reaches every
// route with a plain link or form, so a crawler finds them all.
func TestIndexLinksEveryEndpoint(t *testing.T) {
	d := startDemo(t, rasp.ModeProtect, nil)
	_, body := d.get(t, "/")
	if strings.Contains(body, "<script") {
		t.Error("index page uses a script")
	}
	targets := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?:href|action)="(/[^"?]*)`).FindAllStringSubmatch(body, -1) {
		targets[m[1]] = true
	}
	for _, p := range []string{"/search", "/book", "/books", "/reviews", "/review", "/login", "/api/books", "/wordcount", "/download", "/debug/rasp"} {
		if !targets[p] {
			t.Errorf("index page does not link %s (found %v)", p, targets)
		}
	}
}

func TestDebugRasp(t *testing.T) {
	d := startDemo(t, rasp.ModeProtect, nil)
	d.get(t, "/book?id="+url.QueryEscape("1 OR 1=1"))
	d.get(t, "/book?id=1")
	status, body := d.get(t, "/debug/rasp")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	var st struct {
		Mode  string `json:"mode"`
		Sinks map[string]struct {
			Checks    uint64 `json:"checks"`
			NoContext uint64 `json:"no_context"`
			Blocks    uint64 `json:"blocks"`
		} `json:"sinks"`
		BlindSpots []any `json:"blind_spots"`
	}
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if st.Mode != "protect" {
		t.Errorf("mode %q", st.Mode)
	}
	if s := st.Sinks["sql"]; s.Checks < 2 || s.Blocks != 1 {
		t.Errorf("sql counters %+v, want at least 2 checks and 1 block", s)
	}
	// Every handler passes its request's context and seeding uses its own
	// handle: the demo has no blind spot.
	for sink, s := range st.Sinks {
		if s.NoContext != 0 {
			t.Errorf("%s: %d calls without a request context", sink, s.NoContext)
		}
	}
	if len(st.BlindSpots) != 0 {
		t.Errorf("blind spots: %v", st.BlindSpots)
	}
}

// TestConcurrentRequests serves legitimate and attack requests at once:
// no legitimate request is refused and no attack gets through.
func TestConcurrentRequests(t *testing.T) {
	d := startDemo(t, rasp.ModeProtect, nil)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for range 10 {
				if i%2 == 0 {
					resp, err := d.srv.Client().Get(d.srv.URL + "/search?title=Dune")
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
					if resp.StatusCode != 200 {
						t.Errorf("legitimate search: %d", resp.StatusCode)
					}
				} else {
					resp, err := d.srv.Client().Get(d.srv.URL + "/search?title=" + url.QueryEscape("x' OR 1=1--"))
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
					if resp.StatusCode != 403 {
						t.Errorf("attack: %d", resp.StatusCode)
					}
				}
			}
		})
	}
	wg.Wait()
}

// TestRunServes starts the command as go run ./demo -addr would: it prints
// where it listens and curl lines, serves, writes JSON events to stderr,
// and stops when its context is done.
func TestRunServes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, func(k string) string {
			if k == "RASP_MODE" {
				return "monitor" // the flag is absent: the environment selects
			}
			return ""
		}, stdout, stderr)
	}()
	var base string
	listening := regexp.MustCompile(`listening on (http://\S+)`)
	for deadline := time.Now().Add(10 * time.Second); base == ""; {
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("demo did not start: %q %q", stdout.String(), stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	out := stdout.String()
	for _, want := range []string{"(monitor mode)", "curl '" + base + "/search?title=Dune'", "/debug/rasp"} {
		if !strings.Contains(out, want) {
			t.Errorf("start-up output lacks %q:\n%s", want, out)
		}
	}
	resp, err := http.Get(base + "/book?id=" + url.QueryEscape("1 OR 1=1"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("monitor mode answered %d", resp.StatusCode)
	}
	// Events are written by the agent's queue, after the response: wait
	// for the line.
	var ev map[string]any
	for deadline := time.Now().Add(10 * time.Second); ev == nil && time.Now().Before(deadline); {
		for line := range strings.Lines(stderr.String()) {
			var m map[string]any
			if err := json.Unmarshal([]byte(line), &m); err != nil {
				if !strings.HasSuffix(line, "\n") {
					break // a line still being written
				}
				t.Fatalf("stderr line is not JSON: %q", line)
			}
			if m["kind"] == rasp.KindSQLInjection {
				ev = m
			}
		}
		if ev == nil {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if ev == nil || ev["blocked"] != false || ev["input_key"] != "id" {
		t.Errorf("no monitor sql_injection event for id on stderr: %s", stderr.String())
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit status %d", code)
		}
		if !strings.Contains(stderr.String(), `"kind":"posture"`) {
			t.Errorf("no posture event at shutdown: %s", stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("demo did not stop")
	}
}
