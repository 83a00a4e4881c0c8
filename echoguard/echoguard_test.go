package echoguard_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/driver"
	"github.com/gorasp/rasp/echoguard"
	"github.com/gorasp/rasp/taint"
	"github.com/labstack/echo/v4"
	"github.com/mattn/go-sqlite3"
	"github.com/rs/zerolog"
)

func TestMain(m *testing.M) {
	driver.Register("sqlite3-echoguard", &sqlite3.SQLiteDriver{})
	rasp.SetDefault(rasp.New(rasp.WithLogger(zerolog.Nop())))
	os.Exit(m.Run())
}

var dbSeq atomic.Int64

type app struct {
	db     *sql.DB
	mu     sync.Mutex
	events []rasp.Event
	logs   syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// newApp serves an echo app on 127.0.0.1 whose handlers splice path
// parameters into SQL: /notes/:id returns the query error for echo's error
// handler to answer, /titles/:title writes it as a 500 itself.
func newApp(t *testing.T, mode rasp.Mode) (*app, *httptest.Server) {
	t.Helper()
	db, err := sql.Open("sqlite3-echoguard", fmt.Sprintf("file:echo%d?mode=memory&cache=shared", dbSeq.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, q := range []string{
		`CREATE TABLE notes (id INTEGER, title TEXT)`,
		`INSERT INTO notes VALUES (1, 'groceries'), (2, 'taxes'), (3, 'travel')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	ap := &app{db: db}
	a := rasp.New(rasp.WithMode(mode), rasp.WithLogger(zerolog.Nop()), rasp.WithSyncHooks(), rasp.WithHook(func(_ context.Context, ev rasp.Event) {
		ap.mu.Lock()
		ap.events = append(ap.events, ev)
		ap.mu.Unlock()
	}))
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Use(echoguard.Middleware(echoguard.WithAgent(a)))
	e.DELETE("/notes/:id", func(c echo.Context) error {
		res, err := db.ExecContext(c.Request().Context(), "DELETE FROM notes WHERE id = "+c.Param("id"))
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		return c.String(http.StatusOK, fmt.Sprintf("deleted %d", n))
	})
	e.GET("/titles/:title", func(c echo.Context) error {
		var id int
		err := db.QueryRowContext(c.Request().Context(), "SELECT id FROM notes WHERE title = '"+c.Param("title")+"'").Scan(&id)
		if err != nil {
			return c.String(http.StatusInternalServerError, "lookup failed: "+err.Error())
		}
		return c.String(http.StatusOK, fmt.Sprint(id))
	})
	e.GET("/inputs/*", func(c echo.Context) error {
		var b strings.Builder
		for _, in := range taint.FromContext(c.Request().Context()) {
			fmt.Fprintf(&b, "ctx %s %s=%s\n", in.Source, in.Key, in.Value)
		}
		for _, in := range taint.FromContext(rasp.RequestContext(context.Background(), rasp.SinkSQL)) {
			fmt.Fprintf(&b, "scope %s %s=%s\n", in.Source, in.Key, in.Value)
		}
		_ = a.Decide(c.Request().Context(), rasp.SinkSQL, "query", rasp.Finding{Kind: rasp.KindSQLInjection})
		ap.mu.Lock()
		fmt.Fprintf(&b, "route=%s\n", ap.events[len(ap.events)-1].Request.Route)
		ap.mu.Unlock()
		return c.String(http.StatusOK, b.String())
	})
	// A second answer on top of the 403 shows in these logs.
	e.Logger.SetOutput(&ap.logs)
	srv := httptest.NewUnstartedServer(e)
	srv.Config.ErrorLog = log.New(&ap.logs, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return ap, srv
}

func (ap *app) count(t *testing.T) int {
	t.Helper()
	var n int
	if err := ap.db.QueryRow(`SELECT count(*) FROM notes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func do(t *testing.T, method, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestBlockedInsideEchoChain(t *testing.T) {
	for _, tc := range []struct{ name, method, ok, attack, route string }{
		{"error returned to echo", "DELETE", "/notes/2", "/notes/0%20OR%201=1", "/notes/:id"},
		{"500 written by the handler", "GET", "/titles/taxes", "/titles/x'%20OR%20'1'='1", "/titles/:title"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ap, srv := newApp(t, rasp.ModeProtect)
			if code, body := do(t, tc.method, srv.URL+tc.ok); code != 200 {
				t.Fatalf("benign %s = %d %q", tc.ok, code, body)
			}
			before := ap.count(t)
			code, body := do(t, tc.method, srv.URL+tc.attack)
			if code != http.StatusForbidden || body != "Forbidden\n" {
				t.Fatalf("attack = %d %q; want 403 Forbidden alone", code, body)
			}
			if l := ap.logs.String(); l != "" {
				t.Errorf("server logs %q: something answered after the 403", l)
			}
			if n := ap.count(t); n != before {
				t.Fatalf("%d notes left, want %d", n, before)
			}
			ap.mu.Lock()
			defer ap.mu.Unlock()
			if len(ap.events) != 1 || ap.events[0].Request.Route != tc.route || !ap.events[0].Blocked {
				t.Fatalf("events = %+v; want one blocked event on route %s", ap.events, tc.route)
			}
		})
	}
}

func TestWildcardParamIsAnInput(t *testing.T) {
	_, srv := newApp(t, rasp.ModeMonitor)
	code, body := do(t, "GET", srv.URL+"/inputs/a/../b")
	if code != 200 || !strings.Contains(body, "ctx path *=a/../b\n") || !strings.Contains(body, "scope path *=a/../b\n") {
		t.Fatalf("inputs = %d %q; want the wildcard parameter *=a/../b in the context and the scope", code, body)
	}
	if !strings.Contains(body, "route=/inputs/*") {
		t.Errorf("inputs = %q; want route /inputs/*", body)
	}
}

func TestMonitorServes(t *testing.T) {
	ap, srv := newApp(t, rasp.ModeMonitor)
	if code, _ := do(t, "DELETE", srv.URL+"/notes/0%20OR%201=1"); code != 200 {
		t.Fatalf("monitor: %d, want 200", code)
	}
	if n := ap.count(t); n != 0 {
		t.Fatalf("monitor: %d notes left, want 0 (the attack ran)", n)
	}
}
