package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/gorasp/rasp"
	"github.com/rs/zerolog"
)

// The tour sends every request twice, to the demo with the guard off and
// to the demo in protect mode, and measures what each attack did in each:
// rows and passwords in the answer, files created or served, commands
// run, rows deleted, hits on an internal service, dials refused by the
// loopback fence. Nothing in the table is written in advance: an effect is
// shown only when it was measured in this run.

// step is one scripted request of the tour.
type step struct {
	method string
	target string     // path and query, already encoded
	form   url.Values // POST form body, if any
	json   string     // POST JSON body, if any

	// An attack must have an effect with the guard off (effect) and be
	// refused in protect mode with no effect; a legitimate request (no
	// effect) must succeed with byte-identical answers in both modes and
	// contain want.
	effect probe
	want   string
	// notYet, on an attack, says why this build does not stop it: the
	// tour shows the row and does not count it. Delete the field once a
	// change stops the attack; the tour then holds the build to it.
	notYet string
}

func (s step) attack() bool { return s.effect != nil }

// probe measures one attack in one run: it is called before the request
// and returns the function called after it with the answer, which says
// what the attack did, and whether it did anything.
type probe func(e *tourEnv) func(status int, body string) (string, bool)

// tourSteps is the script: legitimate requests and attacks on every sink.
// svc gives the addresses of the loopback services the SSRF rows aim at.
func tourSteps(svc *services) []step {
	q := url.QueryEscape
	form := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	steps := []step{
		{method: "GET", target: "/search?title=" + q("Dune"), want: "Children of Dune"},
		{method: "GET", target: "/search?title=" + q("' UNION SELECT id, username, password, 1 FROM users--"), effect: passwordsInAnswer},
		{method: "GET", target: "/book?id=3", want: "The Left Hand of Darkness"},
		{method: "GET", target: "/book?id=" + q("0 OR 1=1"), effect: allBooksInAnswer},
		{method: "GET", target: "/books?sort=year", want: "Neuromancer"},
		{method: "GET", target: "/books?sort=" + q("json_extract('{}', (SELECT password FROM users WHERE username='admin'))"), effect: passwordsInAnswer},
		{method: "POST", target: "/review", form: form("book_id", "5", "author", "casey", "body", "Cyberspace, before the web."), want: "Review saved"},
		{method: "GET", target: "/reviews?book_id=5", want: "Cyberspace"},
		{method: "POST", target: "/review", form: form("book_id", "5", "author", "eve", "body", "x'), (5, 'eve', (SELECT password FROM users WHERE username='admin'))--"), effect: passwordStored},
		{method: "POST", target: "/login", form: form("username", "alice", "password", "wonderland"), want: "Welcome back, alice"},
		{method: "POST", target: "/login", form: form("username", "admin'--", "password", "anything"), effect: loggedInAsAdmin},
		{method: "GET", target: "/api/books?author=" + q("Ursula K. Le Guin"), want: "Earthsea"},
		{method: "GET", target: "/api/books?author=" + q("' OR '1'='1"), effect: allBooksInAnswer},
		{method: "POST", target: "/api/books", json: `{"author": "William Gibson"}`, want: "Neuromancer"},
		{method: "POST", target: "/api/books", json: `{"author": "x' UNION SELECT 1, username, password, 1 FROM users--"}`, effect: passwordsInAnswer},
		{method: "GET", target: "/wordcount?file=intro.txt", want: "intro.txt"},
		{method: "GET", target: "/wordcount?file=" + q("intro.txt; id"), effect: ranID},
		{method: "GET", target: "/wordcount?file=" + q("$(touch ../pwned)"), effect: fileCreated("pwned", "ran touch: created")},
		{method: "GET", target: "/wordcount?file=" + q("--files0-from=/etc/passwd"), effect: firstLineServed("/etc/passwd")},
		{method: "GET", target: "/download?name=shipping.txt", want: "We ship"},
		{method: "GET", target: "/download?name=" + q("../secret.txt"), effect: fileServed(func(e *tourEnv) string { return filepath.Join(e.app.dir, "secret.txt") })},
		{method: "GET", target: "/download?name=" + q("../../../../../../etc/passwd"), effect: fileServed(func(*tourEnv) string { return "/etc/passwd" })},
		{method: "POST", target: "/notes", form: form("name", "reading-list.txt", "text", "Dune, then Neuromancer."), want: "Saved 23 bytes"},
		{method: "POST", target: "/notes", form: form("name", "../pwned-note.txt", "text", "written outside notes/"), effect: fileCreated("pwned-note.txt", "wrote outside notes/:")},
	}
	if svc.cdn != "" {
		steps = append(steps, step{method: "GET", target: "/cover?url=" + q("http://"+svc.cdn+"/cover.png"), want: "PNG"})
	}
	steps = append(steps,
		step{method: "GET", target: "/cover?url=" + q("http://"+svc.internal+"/admin/credentials"), effect: internalServiceHit},
		step{method: "GET", target: "/cover?url=" + q("http://"+metadataAddr+"/latest/meta-data/iam/security-credentials/"), effect: fenceRefused(metadataAddr)},
		step{method: "POST", target: "/review/delete", form: form("id", "2"), want: "Deleted 1 review(s)."},
		step{method: "POST", target: "/review/delete", form: form("id", "0 OR 1=1"), effect: reviewsDeleted},
		step{method: "GET", target: "/stock?id=1", want: "Dune"},
		// db.Query without the request's context: checked through the
		// handler goroutine's request scope.
		step{method: "GET", target: "/stock?id=" + q("0 OR 1=1"), effect: allBooksInAnswer},
		step{method: "GET", target: "/restock?id=" + q("0 OR 1=1"), effect: allBooksInAnswer,
			notYet: "db.Query on a goroutine the handler started, without the request's context: a blind spot, counted on /debug/rasp"},
	)
	return steps
}

// metadataAddr is the cloud metadata service's address. The demo's fence
// refuses it, so even in off mode no packet is sent to it.
const metadataAddr = "169.254.169.254:80"

// passwordsInAnswer counts the users whose password is in the answer.
func passwordsInAnswer(*tourEnv) func(int, string) (string, bool) {
	return func(_ int, body string) (string, bool) {
		var n int
		var admin string
		for _, u := range seedUsers {
			if strings.Contains(body, u[1]) {
				n++
				if u[0] == "admin" {
					admin = u[1]
				}
			}
		}
		msg := fmt.Sprintf("returned %d password(s)", n)
		if admin != "" {
			msg += " (admin's: " + admin + ")"
		}
		return msg, n > 0
	}
}

// allBooksInAnswer counts the book titles in the answer; the attack worked
// when the answer holds every book of the shop.
func allBooksInAnswer(*tourEnv) func(int, string) (string, bool) {
	return func(_ int, body string) (string, bool) {
		n := 0
		for _, b := range seedBooks {
			if strings.Contains(body, b.Title) {
				n++
			}
		}
		return fmt.Sprintf("returned %d of %d books", n, len(seedBooks)), n == len(seedBooks)
	}
}

// loggedInAsAdmin reports a session opened as admin.
func loggedInAsAdmin(*tourEnv) func(int, string) (string, bool) {
	return func(_ int, body string) (string, bool) {
		if strings.Contains(body, "Welcome back, admin.") {
			return "logged in as admin without its password", true
		}
		return "no session", false
	}
}

// passwordStored counts the reviews holding the admin password, before
// and after.
func passwordStored(e *tourEnv) func(int, string) (string, bool) {
	count := func() int {
		var n int
		if err := e.app.inspect.QueryRow("SELECT count(*) FROM reviews WHERE author = ? OR body = ?", adminPassword, adminPassword).Scan(&n); err != nil {
			return -1
		}
		return n
	}
	before := count()
	return func(int, string) (string, bool) {
		n := count() - before
		return fmt.Sprintf("stored the admin password in %d public review(s)", n), n > 0
	}
}

// reviewsDeleted counts the reviews before and after.
func reviewsDeleted(e *tourEnv) func(int, string) (string, bool) {
	count := func() int {
		var n int
		if err := e.app.inspect.QueryRow("SELECT count(*) FROM reviews").Scan(&n); err != nil {
			return -1
		}
		return n
	}
	before := count()
	return func(int, string) (string, bool) {
		after := count()
		return fmt.Sprintf("deleted %d of %d reviews", before-after, before), after < before
	}
}

// uidLine is what id(1) prints first.
var uidLine = regexp.MustCompile(`uid=\d+\([^)]*\)`)

// ranID reports id's output in the answer.
func ranID(*tourEnv) func(int, string) (string, bool) {
	return func(_ int, body string) (string, bool) {
		if m := uidLine.FindString(body); m != "" {
			return "ran id: " + m, true
		}
		return "id did not run", false
	}
}

// fileCreated reports a file, relative to the app's directory, that was
// absent before the request and is present after it.
func fileCreated(rel, what string) probe {
	return func(e *tourEnv) func(int, string) (string, bool) {
		path := filepath.Join(e.app.dir, rel)
		//raspvet:ignore the tour checks its own marker file, no request data
		_, err := os.Stat(path)
		existed := err == nil
		return func(int, string) (string, bool) {
			//raspvet:ignore the tour checks its own marker file, no request data
			fi, err := os.Stat(path)
			if err != nil || existed {
				return "no " + rel, false
			}
			if fi.Size() == 0 {
				return what + " " + rel, true
			}
			return fmt.Sprintf("%s %s (%d bytes)", what, rel, fi.Size()), true
		}
	}
}

// fileServed reports an answer holding the whole file at path, which lies
// outside the documents directory.
func fileServed(path func(*tourEnv) string) probe {
	return func(e *tourEnv) func(int, string) (string, bool) {
		p := path(e)
		//raspvet:ignore the tour reads the file it expects to see leaked, no request data
		data, err := os.ReadFile(p)
		return func(_ int, body string) (string, bool) {
			if err != nil || len(data) == 0 || !strings.Contains(body, string(data)) {
				return "nothing served", false
			}
			first, _, _ := strings.Cut(string(data), "\n")
			return fmt.Sprintf("served %s (%d bytes): %s", filepath.Base(p), len(data), cut(first, 40)), true
		}
	}
}

// firstLineServed reports an answer holding the first line of the file at
// path: wc names the file list it could not open in its error.
func firstLineServed(path string) probe {
	return func(*tourEnv) func(int, string) (string, bool) {
		//raspvet:ignore the tour reads the file it expects to see leaked, no request data
		data, err := os.ReadFile(path)
		first, _, _ := strings.Cut(string(data), "\n")
		return func(_ int, body string) (string, bool) {
			if err != nil || first == "" || !strings.Contains(body, first) {
				return "nothing of " + path + " served", false
			}
			return fmt.Sprintf("served %s's first line: %s", filepath.Base(path), cut(first, 40)), true
		}
	}
}

// internalServiceHit counts the requests the internal service received.
func internalServiceHit(e *tourEnv) func(int, string) (string, bool) {
	before := e.svc.internalHits.Load()
	return func(_ int, body string) (string, bool) {
		n := e.svc.internalHits.Load() - before
		if n == 0 {
			return "internal service not reached", false
		}
		leaked := ""
		if strings.Contains(body, internalSecret) {
			leaked = ", its token in the answer"
		}
		return fmt.Sprintf("reached the internal service on 127.0.0.1 (%d hit%s)", n, leaked), true
	}
}

// fenceRefused counts the dials to addr that the loopback fence refused:
// the request that would have left the machine.
func fenceRefused(addr string) probe {
	return func(e *tourEnv) func(int, string) (string, bool) {
		before := e.app.fence.refusals(addr)
		return func(int, string) (string, bool) {
			if e.app.fence.refusals(addr) == before {
				return "no dial to " + addr, false
			}
			return "dialed " + addr + ": dial refused by the demo's loopback fence", true
		}
	}
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
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
		for _, k := range slices.Sorted(maps.Keys(s.form)) {
			parts = append(parts, k+"="+s.form.Get(k))
		}
		l += " " + strings.Join(parts, "&")
	case s.json != "":
		l += " " + s.json
	}
	return cut(l, 64)
}

// eventLog collects the events of one run in order.
type eventLog struct {
	mu     sync.Mutex
	events []rasp.Event
}

func (l *eventLog) hook(_ context.Context, ev rasp.Event) {
	l.mu.Lock()
	l.events = append(l.events, ev)
	l.mu.Unlock()
}

func (l *eventLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.events)
}

// since returns the events recorded after the first n.
func (l *eventLog) since(n int) ([]rasp.Event, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]rasp.Event(nil), l.events[n:]...), len(l.events)
}

// internalSecret is what the internal service answers: the prize of a
// request forgery.
const internalSecret = "internal-admin-token=7f3a-never-leaves-the-host"

// services are the loopback servers the SSRF rows aim at: an internal
// service that only the host itself should reach, on 127.0.0.1, and the
// image host the demo allows, on cdnHost.
type services struct {
	internal, cdn string // host:port; cdn is "" when cdnHost cannot be bound
	internalHits  atomic.Int64
	servers       []*http.Server
}

func startServices() (*services, error) {
	svc := &services{}
	serve := func(host string, h http.HandlerFunc) (string, error) {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return "", err
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
		svc.servers = append(svc.servers, srv)
		go srv.Serve(ln)
		return ln.Addr().String(), nil
	}
	var err error
	svc.internal, err = serve("127.0.0.1", func(w http.ResponseWriter, _ *http.Request) {
		svc.internalHits.Add(1)
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, internalSecret+"\n")
	})
	if err != nil {
		return nil, err
	}
	cover := coverPNG()
	// Linux routes all of 127.0.0.0/8 to loopback; elsewhere the legitimate
	// cover row is left out.
	svc.cdn, _ = serve(cdnHost, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(cover)
	})
	return svc, nil
}

func (s *services) Close() {
	for _, srv := range s.servers {
		srv.Close()
	}
}

// coverPNG is the image the cover host serves: a small drawn cover.
func coverPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 24, 32))
	for y := range 32 {
		for x := range 24 {
			c := color.RGBA{0x2b, 0x4a, 0x6f, 0xff}
			if y > 8 && y < 14 && x > 3 && x < 20 {
				c = color.RGBA{0xf2, 0xc1, 0x4e, 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

// tourEnv is one demo server of the tour.
type tourEnv struct {
	mode   rasp.Mode
	app    *app
	svc    *services
	events *eventLog
	log    *syncBuffer
	srv    *http.Server
	base   string
	dir    string
	client *http.Client
}

// startEnv starts the demo in mode on a free 127.0.0.1 port, in a
// temporary directory of its own.
func startEnv(mode rasp.Mode, svc *services) (*tourEnv, error) {
	dir, err := os.MkdirTemp("", "rasp-tour-"+mode.String()+"-")
	if err != nil {
		return nil, err
	}
	e := &tourEnv{mode: mode, svc: svc, events: &eventLog{}, log: &syncBuffer{}, dir: dir,
		client: &http.Client{Timeout: 15 * time.Second}}
	rec := newDecisions()
	agent := rasp.New(rasp.WithMode(mode),
		rasp.WithLogger(zerolog.New(e.log).With().Timestamp().Logger()),
		// The tour reads each request's events as soon as it answered; the
		// hooks only append to memory, so they may run in the deciding call.
		rasp.WithSyncHooks(), rasp.WithHook(e.events.hook), rasp.WithHook(rec.hook))
	if e.app, err = newApp(agent, rec, dir); err != nil {
		//raspvet:ignore removes the temporary directory created above
		os.RemoveAll(dir)
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.app.Close()
		//raspvet:ignore removes the temporary directory created above
		os.RemoveAll(dir)
		return nil, err
	}
	e.srv = &http.Server{Handler: e.app.handler(), ReadHeaderTimeout: 10 * time.Second}
	go e.srv.Serve(ln)
	e.base = "http://" + ln.Addr().String()
	return e, nil
}

func (e *tourEnv) Close() {
	e.srv.Close()
	e.app.Close()
	//raspvet:ignore shutdown: removes the temporary directory startEnv created
	os.RemoveAll(e.dir)
}

// outcome is the answer to one step in one run, and what it did.
type outcome struct {
	status   int
	body     string
	decision string   // allowed, reported, blocked
	events   []string // "kind in clause" of each event
	effect   string   // for an attack: what it did, or failed to do
	happened bool
}

// send runs one step against e.
func (e *tourEnv) send(s step) (outcome, error) {
	var body io.Reader
	ctype := ""
	switch {
	case s.form != nil:
		body, ctype = strings.NewReader(s.form.Encode()), "application/x-www-form-urlencoded"
	case s.json != "":
		body, ctype = strings.NewReader(s.json), "application/json"
	}
	req, err := http.NewRequest(s.method, e.base+s.target, body)
	if err != nil {
		return outcome{}, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	var after func(int, string) (string, bool)
	if s.effect != nil {
		after = s.effect(e)
	}
	seen := e.events.len()
	resp, err := e.client.Do(req)
	if err != nil {
		return outcome{}, err
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return outcome{}, err
	}
	o := outcome{status: resp.StatusCode, body: string(b), decision: "allowed"}
	evs, _ := e.events.since(seen)
	for _, ev := range evs {
		if o.decision == "allowed" {
			o.decision = "reported"
		}
		if ev.Blocked {
			o.decision = "blocked"
		}
		d := ev.Finding.Kind
		for _, det := range ev.Details {
			switch {
			case det.Key == "clause":
				d += " in " + strings.ToUpper(det.Value)
			case ev.Sink == rasp.SinkHTTP && det.Key == "range":
				d += " to " + det.Value
			}
		}
		if !slices.Contains(o.events, d) {
			o.events = append(o.events, d)
		}
	}
	if after != nil {
		o.effect, o.happened = after(o.status, o.body)
	}
	return o, nil
}

// row is one line of the side-by-side table.
type row struct {
	step          step
	off, protect  outcome
	ok            bool   // as the build claims
	verdict, note string // the RESULT column, and why it failed
}

// judge decides a row: an attack must have worked with the guard off and
// been refused (403, a blocking event, no effect) in protect; a
// legitimate request must succeed in both with byte-identical answers. A
// notYet attack is shown as it is and not held against the build.
func judge(s step, off, protect outcome) row {
	r := row{step: s, off: off, protect: protect}
	stopped := protect.status == http.StatusForbidden && protect.decision == "blocked" && !protect.happened
	switch {
	case !s.attack():
		switch {
		case off.status/100 != 2 || protect.status/100 != 2:
			r.verdict, r.note = "FAIL", fmt.Sprintf("status %d off, %d protect", off.status, protect.status)
		case off.body != protect.body:
			r.verdict, r.note = "FAIL", "answers differ between the modes"
		case !strings.Contains(off.body, s.want):
			r.verdict, r.note = "FAIL", fmt.Sprintf("answer lacks %q", s.want)
		case protect.decision != "allowed":
			r.verdict, r.note = "FAIL", "protect reported a legitimate request"
		default:
			r.verdict, r.ok = "identical", true
		}
	case !off.happened:
		r.verdict, r.note = "FAIL", "the attack did nothing with the guard off: "+off.effect
	case s.notYet != "":
		r.ok = true
		if stopped {
			r.verdict, r.note = "now stopped", "drop notYet from this step"
		} else {
			r.verdict, r.note = "not protected yet", s.notYet
		}
	case stopped:
		r.verdict, r.ok = "stopped", true
	case protect.happened:
		r.verdict, r.note = "FAIL", "protect let it through: "+protect.effect
	default:
		r.verdict, r.note = "FAIL", fmt.Sprintf("protect answered %d, %s", protect.status, protect.decision)
	}
	return r
}

// column is what one run shows in the table.
func column(s step, o outcome) string {
	if !s.attack() {
		return fmt.Sprintf("%d, %d bytes", o.status, len(o.body))
	}
	if o.happened {
		return o.effect
	}
	c := strconv.Itoa(o.status)
	if len(o.events) > 0 {
		c += ", " + o.decision + ": " + strings.Join(o.events, ", ")
	}
	return c
}

// tourSession is the two demo servers and the services, for one tour.
type tourSession struct {
	svc          *services
	off, protect *tourEnv
}

func startTour() (*tourSession, error) {
	svc, err := startServices()
	if err != nil {
		return nil, err
	}
	t := &tourSession{svc: svc}
	if t.off, err = startEnv(rasp.ModeOff, svc); err != nil {
		svc.Close()
		return nil, err
	}
	if t.protect, err = startEnv(rasp.ModeProtect, svc); err != nil {
		t.off.Close()
		svc.Close()
		return nil, err
	}
	return t, nil
}

func (t *tourSession) Close() {
	t.off.Close()
	t.protect.Close()
	t.svc.Close()
}

// run sends every step to both servers, off first, and judges each pair.
func (t *tourSession) run() ([]row, error) {
	var rows []row
	for _, s := range tourSteps(t.svc) {
		off, err := t.off.send(s)
		if err != nil {
			return nil, err
		}
		protect, err := t.protect.send(s)
		if err != nil {
			return nil, err
		}
		rows = append(rows, judge(s, off, protect))
	}
	return rows, nil
}

// runTour is make demo: it prints the side-by-side table and returns 0
// only if every attack worked with the guard off and was refused in
// protect mode, and every legitimate request got the same answer in both.
func runTour(stdout, stderr io.Writer) int {
	t, err := startTour()
	if err != nil {
		fmt.Fprintln(stderr, "tour:", err)
		return 1
	}
	defer t.Close()
	rows, err := t.run()
	if err != nil {
		fmt.Fprintln(stderr, "tour:", err)
		return 1
	}
	fmt.Fprintf(stdout, "rasp demo tour: each request sent to the demo with rasp off (%s) and in protect mode (%s)\n\n", t.off.base, t.protect.base)
	code := printTable(stdout, rows)
	if line := firstBlockedEvent(t.protect.log.String()); line != "" {
		fmt.Fprintf(stdout, "\nOne event of the protect run (the log has it on one line):\n%s\n", indentJSON(line))
	}
	if code == 0 {
		fmt.Fprintln(stdout, "\nPASS: every attack worked with rasp off and was stopped in protect mode; every legitimate request got the same answer in both.")
	} else {
		fmt.Fprintln(stdout, "\nFAIL: see the rows marked FAIL above.")
	}
	return code
}

// indentJSON returns the JSON object line indented for reading, or line
// as it is when it is not JSON.
func indentJSON(line string) string {
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(line), "", "  "); err != nil {
		return line
	}
	return b.String()
}

// printTable writes the rows and returns 0 when every row is as the build
// claims.
func printTable(w io.Writer, rows []row) int {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tREQUEST\tRASP OFF\tRASP PROTECT\tRESULT")
	code := 0
	var legit, attacks, stopped int
	var gaps, notes []string
	for i, r := range rows {
		if r.step.attack() {
			attacks++
			if r.verdict == "stopped" {
				stopped++
			}
		} else {
			legit++
		}
		if !r.ok {
			code = 1
		}
		if r.note != "" {
			notes = append(notes, fmt.Sprintf("  #%d %s: %s", i+1, r.verdict, r.note))
		}
		if r.step.notYet != "" {
			gaps = append(gaps, strconv.Itoa(i+1))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", i+1, r.step.label(), column(r.step, r.off), column(r.step, r.protect), r.verdict)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d legitimate requests, %d attacks: %d stopped", legit, attacks, stopped)
	if len(gaps) > 0 {
		fmt.Fprintf(w, ", known gaps (not counted): #%s", strings.Join(gaps, ", #"))
	}
	fmt.Fprintln(w)
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	return code
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
