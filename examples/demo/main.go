// Command demo is a small bookshop written the way vulnerable Go web
// applications are really written, guarded by rasp.
//
// It builds SQL with fmt.Sprintf and +, runs a shell command built from a
// file name, reads and writes files through filepath.Join(dir, name), and
// fetches the URL a client gives, on SQLite through the wrapped go-sqlite3
// driver, seeded on start in a temporary directory. By default it runs in
// protect mode on 127.0.0.1:8080:
//
//	go run ./demo                       # from examples/
//	go run ./demo -mode monitor -addr 127.0.0.1:9090
//	go run ./demo -tour                 # make demo: every request with rasp off and in protect, side by side
//	go run ./demo -posture 10s          # a posture event (the /debug/rasp counters) every 10 s
//
// The index page links the bookshop's endpoints with plain links and
// forms, so people and crawling scanners find them:
//
//	GET  /search?title=      title in a string literal
//	GET  /book?id=           id where a number belongs
//	GET  /books?sort=        ORDER BY column
//	POST /review             book_id, author, body pasted into an INSERT
//	POST /login              username, password in a WHERE clause
//	GET  /api/books?author=  JSON API (also POST {"author": "..."})
//	GET  /wordcount?file=    sh -c "wc -w " + file
//	GET  /download?name=     filepath.Join(docsDir, name)
//	GET  /debug/rasp         the live page: HTML for a browser, JSON otherwise
//
// The tour also uses endpoints the index does not link (so that a
// crawling scanner's run stays as it was):
//
//	POST /review/delete      id pasted into a DELETE
//	POST /notes              name, text: fsguard.WriteFile(filepath.Join(notesDir, name))
//	GET  /cover?url=         fetches the URL through ssrfguard.Transport
//	GET  /stock?id=          id in a WHERE, run with db.Query: no request context
//
// # Threat model
//
// Every endpoint above except /reviews and /debug/rasp is vulnerable on
// purpose; each such line carries a //raspvet:ignore comment. What rasp
// stops here:
//   - SQL injection in every clause the demo builds: the guarded driver
//     blocks a statement whose syntax a request input changed;
//   - shell injection: execguard blocks a script in which an input is more
//     than one plain word;
//   - path traversal, reading or writing: fsguard blocks a path that an
//     input leads outside the directory the application joined it to;
//   - request forgery: ssrfguard refuses a fetch whose destination an input
//     chose when it is internal (loopback, the metadata address), and lets
//     through the image host the demo allows (127.0.0.2).
//
// What it does not stop (see the README): inputs the application transforms
// before the sink, second-order injection (a stored review used later in
// SQL), calls made without the request's context (/stock, which the live
// page lists as a blind spot), and, in this build, an option that is one
// plain word of a script (/wordcount?file=--files0-from=/etc/passwd). The
// tour shows the last two as "not protected yet".
//
// No mode of the demo sends a packet off the machine: its outgoing client
// dials loopback IP addresses only (fence.go), resolves no name over the
// network, and uses no proxy, so with rasp off the metadata request ends
// in "dial refused by the demo's loopback fence".
//
// # Modes
//
// The -mode flag wins over RASP_MODE; an invalid value of either is an
// error at start. protect answers 403 to a request in which a sink was
// blocked; monitor lets the call run and writes the event; off checks
// nothing. Events go to stderr as JSON, or human-readable when stderr is a
// terminal, and the last 100 decisions are on /debug/rasp.
//
// # Concurrency
//
// The server handles requests concurrently. The SQLite database uses one
// connection, so statements run one at a time.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gorasp/rasp"
	"github.com/rs/zerolog"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is what the command line and environment select.
type config struct {
	mode    rasp.Mode
	addr    string
	tour    bool
	posture time.Duration // interval of the posture event; 0 disables it
}

// parseConfig reads the flags and RASP_MODE. The flag wins over the
// environment; protect is the default.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	modeFlag := fs.String("mode", "", "rasp mode: off, monitor or protect (default protect, or RASP_MODE)")
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	tour := fs.Bool("tour", false, "start on a free 127.0.0.1 port, run scripted requests, print a table and exit")
	posture := fs.Duration("posture", time.Minute, "write a posture event (the counters of /debug/rasp) this often; 0 disables it")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg := config{mode: rasp.ModeProtect, addr: *addr, tour: *tour, posture: *posture}
	src := ""
	switch {
	case *modeFlag != "":
		src = *modeFlag
	case getenv("RASP_MODE") != "":
		src = getenv("RASP_MODE")
	}
	if src != "" {
		m, err := rasp.ParseMode(src)
		if err != nil {
			return config{}, err
		}
		cfg.mode = m
	}
	return cfg, nil
}

// run is the command: it serves until ctx is done, or runs the tour.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "demo:", err)
		return 2
	}
	if cfg.tour {
		return runTour(stdout, stderr)
	}
	// Through the agent's bounded queue: a stderr nobody reads drops events
	// (counted in /debug/rasp) instead of stalling every SQL request.
	rec := newDecisions()
	agent := rasp.New(rasp.WithMode(cfg.mode), rasp.WithLogWriter(eventWriter(stderr)), rasp.WithHook(rec.hook))
	dir, err := os.MkdirTemp("", "rasp-demo-")
	if err != nil {
		fmt.Fprintln(stderr, "demo:", err)
		return 1
	}
	//raspvet:ignore shutdown: removes the temporary directory created above
	defer os.RemoveAll(dir)
	a, err := newApp(agent, rec, dir)
	if err != nil {
		fmt.Fprintln(stderr, "demo:", err)
		return 1
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		fmt.Fprintln(stderr, "demo:", err)
		return 1
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "rasp demo (%s mode) listening on %s\nTry:\n%s", cfg.mode, base, curlLines(base))
	srv := &http.Server{Handler: a.handler(), ReadHeaderTimeout: 10 * time.Second}
	reported := make(chan struct{})
	go func() {
		// One event per interval, and a last one at shutdown.
		agent.ReportEvery(ctx, cfg.posture)
		close(reported)
	}()
	drained := make(chan struct{})
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut) // lets requests in flight finish
		close(drained)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(stderr, "demo:", err)
		return 1
	}
	<-drained
	<-reported
	flush, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = agent.Flush(flush) // the last events, unless stderr is stuck
	return 0
}

// eventWriter is where the JSON events go: w, made human-readable when w
// is a terminal.
func eventWriter(w io.Writer) io.Writer {
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
		}
	}
	return w
}
