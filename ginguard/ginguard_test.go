package ginguard_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/driver"
	"github.com/gorasp/rasp/ginguard"
	"github.com/gorasp/rasp/taint"
	"github.com/mattn/go-sqlite3"
	"github.com/rs/zerolog"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode)
	driver.Register("sqlite3-ginguard", &sqlite3.SQLiteDriver{})
	rasp.SetDefault(rasp.New(rasp.WithLogger(zerolog.Nop())))
	os.Exit(m.Run())
}

var dbSeq atomic.Int64

type app struct {
	db     *sql.DB
	mu     sync.Mutex
	events []rasp.Event
}

// newApp serves a gin engine on 127.0.0.1 whose handlers splice path
// parameters into SQL and, on error, answer 500 with the error: the
// handler that ignores what a block means.
func newApp(t *testing.T, mode rasp.Mode) (*app, *httptest.Server) {
	t.Helper()
	db, err := sql.Open("sqlite3-ginguard", fmt.Sprintf("file:gin%d?mode=memory&cache=shared", dbSeq.Add(1)))
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
	r := gin.New()
	r.Use(ginguard.Middleware(ginguard.WithAgent(a)))
	r.DELETE("/notes/:id", func(c *gin.Context) {
		res, err := db.ExecContext(c.Request.Context(), "DELETE FROM notes WHERE id = "+c.Param("id"))
		if err != nil {
			c.String(http.StatusInternalServerError, "delete failed: %v", err)
			return
		}
		n, _ := res.RowsAffected()
		c.String(http.StatusOK, "deleted %d", n)
	})
	r.GET("/titles/*title", func(c *gin.Context) {
		var id int
		title := strings.TrimPrefix(c.Param("title"), "/")
		err := db.QueryRowContext(c.Request.Context(), "SELECT id FROM notes WHERE title = '"+title+"'").Scan(&id)
		if err != nil {
			c.String(http.StatusInternalServerError, "lookup failed: %v", err)
			return
		}
		c.String(http.StatusOK, "%d", id)
	})
	r.GET("/inputs/*title", func(c *gin.Context) {
		var b strings.Builder
		for _, in := range taint.FromContext(c.Request.Context()) {
			fmt.Fprintf(&b, "ctx %s %s=%s\n", in.Source, in.Key, in.Value)
		}
		for _, in := range taint.FromContext(rasp.RequestContext(context.Background(), rasp.SinkSQL)) {
			fmt.Fprintf(&b, "scope %s %s=%s\n", in.Source, in.Key, in.Value)
		}
		// The route the events carry, read back through an event.
		_ = a.Decide(c.Request.Context(), rasp.SinkSQL, "query", rasp.Finding{Kind: rasp.KindSQLInjection})
		ap.mu.Lock()
		fmt.Fprintf(&b, "route=%s\n", ap.events[len(ap.events)-1].Request.Route)
		ap.mu.Unlock()
		c.String(http.StatusOK, b.String())
	})
	srv := httptest.NewServer(r)
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

func TestBlockedInsideGinChain(t *testing.T) {
	ap, srv := newApp(t, rasp.ModeProtect)
	if code, body := do(t, "DELETE", srv.URL+"/notes/2"); code != 200 || body != "deleted 1" {
		t.Fatalf("benign DELETE = %d %q", code, body)
	}
	code, body := do(t, "DELETE", srv.URL+"/notes/0%20OR%201=1")
	if code != http.StatusForbidden || strings.Contains(body, "delete failed") || strings.Contains(body, "rasp:") {
		t.Fatalf("attack = %d %q; want 403 without the handler's error text", code, body)
	}
	if n := ap.count(t); n != 2 {
		t.Fatalf("%d notes left, want 2", n)
	}
	ap.mu.Lock()
	defer ap.mu.Unlock()
	if len(ap.events) != 1 || ap.events[0].Request.Route != "/notes/:id" || !ap.events[0].Blocked {
		t.Fatalf("events = %+v; want one blocked event on route /notes/:id", ap.events)
	}
}

func TestCatchAllParamIsAnInput(t *testing.T) {
	ap, srv := newApp(t, rasp.ModeMonitor)
	if code, body := do(t, "GET", srv.URL+"/titles/taxes"); code != 200 || body != "2" {
		t.Fatalf("benign GET = %d %q", code, body)
	}
	// The parameter holds the segments and their slashes in one value, as
	// the handler uses it; the goroutine scope sees it too.
	code, body := do(t, "GET", srv.URL+"/inputs/a/../b")
	if code != 200 || !strings.Contains(body, "ctx path title=/a/../b\n") || !strings.Contains(body, "scope path title=/a/../b\n") {
		t.Fatalf("inputs = %d %q; want the catch-all parameter title=/a/../b in the context and the scope", code, body)
	}
	if !strings.Contains(body, "route=/inputs/*title") {
		t.Errorf("inputs = %q; want route /inputs/*title", body)
	}
	_ = ap
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
