package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/gorasp/rasp"
	"github.com/rs/zerolog"
)

// step is one scripted request of the tour.
type step struct {
	method string
	target string     // path and query, already encoded
	form   url.Values // POST form body, if any
	json   string     // POST JSON body, if any
	attack bool       // must be blocked (403); else must succeed (2xx)
	want   string     // a legitimate answer must contain this
}

// tourSteps is the script: legitimate requests and attacks on every
// endpoint. marker is a file the shell attack tries to create.
func tourSteps(marker string) []step {
	q := url.QueryEscape
	return []step{
		{method: "GET", target: "/", want: "Bookshop"},
		{method: "GET", target: "/search?title=" + q("Dune"), want: "Children of Dune"},
		{method: "GET", target: "/search?title=" + q("' UNION SELECT id, username, password, 1 FROM users--"), attack: true},
		{method: "GET", target: "/book?id=3", want: "The Left Hand of Darkness"},
		{method: "GET", target: "/book?id=" + q("0 OR 1=1"), attack: true},
		{method: "GET", target: "/books?sort=year", want: "Neuromancer"},
		{method: "GET", target: "/books?sort=" + q("(SELECT password FROM users WHERE username='admin')"), attack: true},
		{method: "POST", target: "/review", form: url.Values{"book_id": {"5"}, "author": {"casey"}, "body": {"Cyberspace, before the web."}}, want: "Review saved"},
		{method: "POST", target: "/review", form: url.Values{"book_id": {"5"}, "author": {"eve"}, "body": {"x'), (5, 'eve', (SELECT password FROM users WHERE username='admin'))--"}}, attack: true},
		{method: "GET", target: "/reviews?book_id=5", want: "Cyberspace"},
		{method: "POST", target: "/login", form: url.Values{"username": {"alice"}, "password": {"wonderland"}}, want: "Welcome back, alice"},
		{method: "POST", target: "/login", form: url.Values{"username": {"admin'--"}, "password": {"anything"}}, attack: true},
		{method: "GET", target: "/api/books?author=" + q("Ursula K. Le Guin"), want: "Earthsea"},
		{method: "GET", target: "/api/books?author=" + q("' OR '1'='1"), attack: true},
		{method: "POST", target: "/api/books", json: `{"author": "William Gibson"}`, want: "Neuromancer"},
		{method: "POST", target: "/api/books", json: `{"author": "x' UNION SELECT 1, username, password, 1 FROM users--"}`, attack: true},
		{method: "GET", target: "/wordcount?file=intro.txt", want: "intro.txt"},
		{method: "GET", target: "/wordcount?file=" + q("intro.txt; touch "+marker), attack: true},
		{method: "GET", target: "/wordcount?file=" + q("$(touch "+marker+")"), attack: true},
		{method: "GET", target: "/download?name=shipping.txt", want: "We ship"},
		{method: "GET", target: "/download?name=" + q("../secret.txt"), attack: true},
		{method: "GET", target: "/download?name=" + q("../../../../../../etc/passwd"), attack: true},
		{method: "GET", target: "/debug/rasp", want: `"sinks"`},
	}
}

// label is how a step is shown in the table: decoded, on one line, cut.
func (s step) label() string {
	t := s.target
	if u, err := url.QueryUnescape(t); err == nil {
		t = u
	}
	l := s.method + " " + t
	switch {
	case s.form != nil:
		var parts []string
		for _, k := range sortedKeys(s.form) {
			parts = append(parts, k+"="+s.form.Get(k))
		}
		l += " " + strings.Join(parts, "&")
	case s.json != "":
		l += " " + s.json
	}
	const max = 72
	if len(l) > max {
		l = l[:max-3] + "..."
	}
	return l
}

func sortedKeys(v url.Values) []string {
	return slices.Sorted(maps.Keys(v))
}

// eventLog collects the events of the tour in order.
type eventLog struct {
	mu     sync.Mutex
	events []rasp.Event
}

func (l *eventLog) hook(_ context.Context, ev rasp.Event) {
	l.mu.Lock()
	l.events = append(l.events, ev)
	l.mu.Unlock()
}

// since returns the events recorded after the first n.
func (l *eventLog) since(n int) ([]rasp.Event, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]rasp.Event(nil), l.events[n:]...), len(l.events)
}

// tourResult is the outcome of one step.
type tourResult struct {
	step     step
	status   int
	body     string
	decision string // allowed, reported, blocked
	kinds    string
	ok       bool
}

// runTour starts the demo in protect mode on a free 127.0.0.1 port, runs
// the script, prints the table, and returns 0 only if every attack was
// blocked with nothing run or read, and every legitimate request
// succeeded.
func runTour(stdout, stderr io.Writer) int {
	dir, err := os.MkdirTemp("", "rasp-tour-")
	if err != nil {
		fmt.Fprintln(stderr, "tour:", err)
		return 1
	}
	//raspvet:ignore shutdown: removes the temporary directory created above
	defer os.RemoveAll(dir)
	var logBuf syncBuffer
	events := &eventLog{}
	agent := rasp.New(rasp.WithMode(rasp.ModeProtect),
		rasp.WithLogger(zerolog.New(&logBuf).With().Timestamp().Logger()),
		// The tour reads each request's events as soon as it answered; the
		// hook only appends to memory, so it may run in the deciding call.
		rasp.WithSyncHooks(), rasp.WithHook(events.hook))
	a, err := newApp(agent, dir)
	if err != nil {
		fmt.Fprintln(stderr, "tour:", err)
		return 1
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(stderr, "tour:", err)
		return 1
	}
	srv := &http.Server{Handler: a.handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	marker := filepath.Join(dir, "pwned")
	results, err := tour(base, tourSteps(marker), events)
	if err != nil {
		fmt.Fprintln(stderr, "tour:", err)
		return 1
	}
	fmt.Fprintf(stdout, "rasp demo tour: %s mode, %s\n\n", agent.Mode(), base)
	code := printTable(stdout, results)

	// Side effects: the attacks must not have run or read anything.
	//raspvet:ignore the tour checks its own marker file, no request data
	if _, err := os.Stat(marker); err == nil {
		fmt.Fprintf(stdout, "FAIL: the shell attack ran (%s exists)\n", marker)
		code = 1
	} else {
		fmt.Fprintln(stdout, "shell: the injected command never ran (no marker file)")
	}
	fileLeak, sqlLeak := false, false
	for _, r := range results {
		if strings.Contains(r.body, strings.TrimSpace(secretText)) || strings.Contains(r.body, "root:x:0:0") {
			fileLeak = true
		}
		if strings.Contains(r.body, adminPassword) {
			sqlLeak = true
		}
	}
	if fileLeak {
		fmt.Fprintln(stdout, "FAIL: a file outside the documents directory was served")
		code = 1
	} else {
		fmt.Fprintln(stdout, "files: nothing outside the documents directory was served")
	}
	stored, err := storedLeak(a)
	switch {
	case err != nil:
		fmt.Fprintln(stdout, "FAIL: checking the reviews:", err)
		code = 1
	case sqlLeak || stored:
		fmt.Fprintln(stdout, "FAIL: the admin password left the users table")
		code = 1
	default:
		fmt.Fprintln(stdout, "sql: the admin password never left the users table (no answer, no review holds it)")
	}
	if line := firstBlockedEvent(logBuf.String()); line != "" {
		fmt.Fprintf(stdout, "\nOne event, as written to the log:\n%s\n", line)
	}
	if code == 0 {
		fmt.Fprintln(stdout, "\nPASS: every attack was blocked and every legitimate request succeeded.")
	} else {
		fmt.Fprintln(stdout, "\nFAIL: see the rows marked FAIL above.")
	}
	return code
}

// tour sends the steps in order and records each answer with the events
// its request produced.
func tour(base string, steps []step, events *eventLog) ([]tourResult, error) {
	client := &http.Client{Timeout: 15 * time.Second}
	var out []tourResult
	seen := 0
	for _, s := range steps {
		var body io.Reader
		ctype := ""
		switch {
		case s.form != nil:
			body, ctype = strings.NewReader(s.form.Encode()), "application/x-www-form-urlencoded"
		case s.json != "":
			body, ctype = strings.NewReader(s.json), "application/json"
		}
		req, err := http.NewRequest(s.method, base+s.target, body)
		if err != nil {
			return nil, err
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		var evs []rasp.Event
		evs, seen = events.since(seen)
		r := tourResult{step: s, status: resp.StatusCode, body: string(b), decision: "allowed", kinds: "-"}
		var kinds []string
		for _, ev := range evs {
			if r.decision == "allowed" {
				r.decision = "reported"
			}
			if ev.Blocked {
				r.decision = "blocked"
			}
			if !slices.Contains(kinds, ev.Finding.Kind) {
				kinds = append(kinds, ev.Finding.Kind)
			}
		}
		if len(kinds) > 0 {
			r.kinds = strings.Join(kinds, ",")
		}
		if s.attack {
			r.ok = r.status == http.StatusForbidden && r.decision == "blocked"
		} else {
			r.ok = r.status/100 == 2 && strings.Contains(r.body, s.want) && r.decision == "allowed"
		}
		out = append(out, r)
	}
	return out, nil
}

// printTable writes the results and returns 0 when all are as expected.
func printTable(w io.Writer, results []tourResult) int {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tREQUEST\tEXPECT\tSTATUS\tDECISION\tEVENT\tRESULT")
	code := 0
	legit, attacks := 0, 0
	for i, r := range results {
		expect := "allow"
		if r.step.attack {
			expect = "block"
			attacks++
		} else {
			legit++
		}
		mark := "ok"
		if !r.ok {
			mark = "FAIL"
			code = 1
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", i+1, r.step.label(), expect, r.status, r.decision, r.kinds, mark)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d legitimate requests, %d attacks\n", legit, attacks)
	return code
}

// storedLeak reports whether a review holds the admin password, which
// only an injected statement could have put there.
func storedLeak(a *app) (bool, error) {
	var n int
	err := a.db.QueryRowContext(context.Background(), "SELECT count(*) FROM reviews WHERE author = ? OR body = ?", adminPassword, adminPassword).Scan(&n)
	return n > 0, err
}

// firstBlockedEvent returns the first JSON line of the log that records a
// block.
func firstBlockedEvent(log string) string {
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if l := sc.Text(); strings.Contains(l, `"blocked":true`) {
			return l
		}
	}
	return ""
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
