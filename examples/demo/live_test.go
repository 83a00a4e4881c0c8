package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorasp/rasp"
)

var update = flag.Bool("update", false, "rewrite testdata/live.png from the browser test")

func TestWantsHTML(t *testing.T) {
	for _, tt := range []struct {
		accept string
		want   bool
	}{
		{"", false},
		{"*/*", false},
		{"application/json", false},
		{"text/html", true},
		{"text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8", true}, // a browser
		{"application/json, text/html;q=0.5", false},
		{"text/html;q=0.5, application/json;q=0.9", false},
		{"application/json;q=0.1, text/html", true},
		{"text/html;q=0", false},
		{"text/html;q=x", true}, // a malformed q keeps 1
		{";;;,", false},
	} {
		if got := wantsHTML(tt.accept); got != tt.want {
			t.Errorf("wantsHTML(%q) = %v, want %v", tt.accept, got, tt.want)
		}
	}
}

func (d *demo) getAccept(t *testing.T, target, accept string) (string, string) {
	t.Helper()
	req, err := http.NewRequest("GET", d.srv.URL+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	resp, err := d.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.Get("Content-Type"), string(b)
}

// scriptAttack is an injection whose input holds markup: the page must
// show it as text.
const scriptAttack = "' UNION SELECT 1, '<script>alert(1)</script>', 3, 4--"

// TestLivePageHTML checks the page a browser gets: decisions newest first
// with the input marked inside the escaped target, counts per sink and
// kind, the blind spot with its call site, and the mode.
func TestLivePageHTML(t *testing.T) {
	d := startDemo(t, rasp.ModeProtect, nil)
	d.get(t, "/book?id="+url.QueryEscape("0 OR 1=1"))
	d.get(t, "/search?title="+url.QueryEscape(scriptAttack))
	d.get(t, "/restock?id=1") // a query on a goroutine the handler started, without the request's context
	ctype, body := d.getAccept(t, "/debug/rasp", "text/html,application/xhtml+xml,*/*;q=0.8")
	if !strings.HasPrefix(ctype, "text/html") {
		t.Fatalf("Content-Type %q, want HTML", ctype)
	}
	if strings.Contains(body, "<script") {
		t.Errorf("the page holds a raw <script>:\n%s", body)
	}
	escaped := `&lt;script&gt;alert(1)&lt;/script&gt;`
	if !strings.Contains(body, "<mark>&#39; UNION SELECT 1, &#39;"+escaped) {
		t.Errorf("the UNION input is not marked, escaped, in its target:\n%s", body)
	}
	if !strings.Contains(body, "WHERE id = <mark>0 OR 1=1</mark>") {
		t.Errorf("the id input is not marked in its target:\n%s", body)
	}
	// Newest first: the search came after the book request.
	if i, j := strings.Index(body, escaped), strings.Index(body, "<mark>0 OR 1=1"); i < 0 || j < 0 || i > j {
		t.Errorf("decisions not newest first (search at %d, book at %d)", i, j)
	}
	if n := strings.Count(body, `class="decision"`); n != 2 {
		t.Errorf("%d decision rows, want 2", n)
	}
	for _, want := range []string{
		`id="mode">protect<`,
		"<td>sql</td><td>sql_injection</td><td>2</td>",
		`<span class="blocked">blocked</span>`,
		"demo/app.go:", // the blind spot's call site
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	if !regexp.MustCompile(`<td>sql</td><td>\d+</td><td>2</td><td>2</td><td>0</td><td>1</td><td>[0-9.]+ %</td>`).MatchString(body) {
		t.Errorf("sql sink row lacks 2 findings, 2 blocks and 1 call without context:\n%s", body)
	}
}

// TestLivePageJSON checks that tools still get JSON, with the Stats fields
// and the recent decisions.
func TestLivePageJSON(t *testing.T) {
	d := startDemo(t, rasp.ModeProtect, nil)
	d.get(t, "/book?id="+url.QueryEscape("0 OR 1=1"))
	d.get(t, "/search?title="+url.QueryEscape(scriptAttack))
	for _, accept := range []string{"application/json", "*/*", ""} {
		ctype, body := d.getAccept(t, "/debug/rasp", accept)
		if ctype != "application/json" {
			t.Fatalf("Accept %q: Content-Type %q", accept, ctype)
		}
		var got struct {
			Mode   string `json:"mode"`
			Sinks  map[string]rasp.SinkStats
			Kinds  []kindCount
			Recent []recentJSON
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		if got.Mode != "protect" || got.Sinks["sql"].Blocks != 2 || len(got.Kinds) != 1 || got.Kinds[0].Count != 2 {
			t.Errorf("Accept %q: %+v", accept, got)
		}
		if len(got.Recent) != 2 || got.Recent[0].Key != "title" || got.Recent[1].Key != "id" || got.Recent[0].Source != "query" {
			t.Errorf("recent decisions not newest first: %+v", got.Recent)
		}
		r := got.Recent[0]
		if r.Target[r.Start:r.End] != scriptAttack {
			t.Errorf("span [%d,%d) of %q is not the input", r.Start, r.End, r.Target)
		}
	}
}

// TestDecisionsRing checks the live page's memory bound: the ring keeps
// the newest recentLimit events and counts the rest as dropped.
func TestDecisionsRing(t *testing.T) {
	d := newDecisions()
	for i := range recentLimit + 7 {
		d.hook(context.Background(), rasp.Event{Sink: "sql", Finding: rasp.Finding{Kind: "sql_injection", Start: i}})
	}
	recent, counts, total, dropped := d.snapshot()
	if len(recent) != recentLimit || total != recentLimit+7 || dropped != 7 {
		t.Fatalf("len %d, total %d, dropped %d", len(recent), total, dropped)
	}
	for i, ev := range recent {
		if want := recentLimit + 6 - i; ev.Finding.Start != want {
			t.Fatalf("recent[%d] is event %d, want %d", i, ev.Finding.Start, want)
		}
	}
	if len(counts) != 1 || counts[0].Count != recentLimit+7 {
		t.Errorf("counts %+v", counts)
	}
}

// TestNewLiveRowSpan checks that a span outside the target marks nothing.
func TestNewLiveRowSpan(t *testing.T) {
	for _, f := range []rasp.Finding{
		{Target: "abc", Start: -1, End: -1},
		{Target: "abc", Start: 1, End: 9},
		{Target: "abc", Start: 2, End: 1},
	} {
		r := newLiveRow(rasp.Event{Finding: f})
		if r.Marked || r.Before != "abc" {
			t.Errorf("%+v: %+v", f, r)
		}
	}
	r := newLiveRow(rasp.Event{Finding: rasp.Finding{Target: "abcd", Start: 1, End: 3}})
	if !r.Marked || r.Before+"|"+r.Input+"|"+r.After != "a|bc|d" {
		t.Errorf("%+v", r)
	}
}

// chromiumFlags start a headless Chromium that stays on loopback and
// keeps no state between runs (a fresh profile is added per run).
var chromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--hide-scrollbars",
}

// chromium returns a Chromium that starts, or skips the test when there
// is none, unless RASP_REQUIRE_CHROMIUM=1 (CI sets it) makes that a
// failure.
func chromium(t *testing.T) string {
	t.Helper()
	var why string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		p, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		out, err := runChromium(t, p, "--dump-dom", "data:text/html,<p>ready</p>")
		if err == nil && strings.Contains(out, "<p>ready</p>") {
			return p
		}
		why = p + " does not start: " + errString(err)
	}
	if why == "" {
		why = "no chromium on PATH (apt-get install chromium)"
	}
	if os.Getenv("RASP_REQUIRE_CHROMIUM") == "1" {
		t.Fatalf("Chromium is required (RASP_REQUIRE_CHROMIUM=1): %s", why)
	}
	t.Skipf("browser test skipped: %s; set RASP_REQUIRE_CHROMIUM=1 to make this a failure", why)
	return ""
}

func errString(err error) string {
	if err == nil {
		return "unexpected output"
	}
	return err.Error()
}

// runChromium runs one headless Chromium with a fresh profile and returns
// its standard output.
func runChromium(t *testing.T, path string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	all := append(append([]string{}, chromiumFlags...), "--user-data-dir="+t.TempDir())
	cmd := exec.CommandContext(ctx, path, append(all, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		return stdout.String(), &chromiumError{err, stderr.String()}
	}
	return stdout.String(), nil
}

type chromiumError struct {
	err    error
	stderr string
}

func (e *chromiumError) Error() string {
	s := e.stderr
	if len(s) > 2000 {
		s = s[len(s)-2000:]
	}
	return e.err.Error() + ": " + s
}

// TestLivePageInBrowser runs the tour, then loads /debug/rasp of its
// protect server in a real headless Chromium: the browser's own Accept
// header must get the HTML page, with one row per decision of the tour.
// It takes a screenshot each time; -update keeps it as testdata/live.png.
func TestLivePageInBrowser(t *testing.T) {
	browser := chromium(t)
	tour, err := startTour()
	if err != nil {
		t.Fatal(err)
	}
	defer tour.Close()
	rows, err := tour.run()
	if err != nil {
		t.Fatal(err)
	}
	blocked := 0
	for _, r := range rows {
		if r.ok && r.verdict == "stopped" {
			blocked++
		}
	}
	page := tour.protect.base + "/debug/rasp"
	dom, err := runChromium(t, browser, "--dump-dom", page)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(dom, `class="decision"`); n < blocked || blocked == 0 {
		t.Errorf("%d decision rows in the browser, want at least one per stopped attack (%d):\n%s", n, blocked, dom)
	}
	for _, want := range []string{
		"<title>rasp live: protect</title>",
		`id="mode">protect<`,
		"<td>sql</td><td>sql_injection</td>",
		"<td>exec</td><td>shell_injection</td>",
		"<td>fs</td><td>path_traversal</td>",
		"<td>http</td><td>ssrf</td>",
		"wc -w <mark>intro.txt; id</mark>",
		"<code>/etc/passwd</code><br><small>input: <code>../../../../../../etc/passwd</code>", // joined: not verbatim
		"demo/app.go:", // the context-less handler's blind spot
	} {
		if !strings.Contains(dom, want) {
			t.Errorf("the browser's page lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("page as the browser built it:\n%s", dom)
	}

	shot := filepath.Join(t.TempDir(), "live.png")
	if _, err := runChromium(t, browser, "--window-size=1200,1000", "--screenshot="+shot, page); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(shot)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1200 || b.Dy() != 1000 {
		t.Errorf("screenshot is %v", b)
	}
	if *update {
		const maxPNG = 200 << 10
		if len(data) > maxPNG {
			t.Fatalf("screenshot is %d bytes, over %d", len(data), maxPNG)
		}
		if err := os.WriteFile(filepath.Join("testdata", "live.png"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
