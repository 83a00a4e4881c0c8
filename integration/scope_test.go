package integration

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/execguard"
	"github.com/jinzhu/gorm"
)

// Item is the jinzhu/gorm v1 model of the sample application.
type Item struct {
	ID    int
	Name  string
	Price int
}

// ctxlessApp is a sample application that never passes the request's
// context: database/sql without a context, a transaction's statements,
// execguard.Command and jinzhu/gorm v1 (which has no context API). Every
// query is built by concatenation, so every handler is injectable.
type ctxlessApp struct {
	db      *sql.DB
	gdb     *gorm.DB
	command func(name string, arg ...string) *exec.Cmd // execguard.Command, or exec.Command unwrapped
	marker  string                                     // a command that ran an injected "touch" creates it
}

func (app *ctxlessApp) routes() *http.ServeMux {
	mux := http.NewServeMux()
	fail := func(w http.ResponseWriter, err error) {
		// The middleware answers 403 for a blocked call whatever is written.
		http.Error(w, "error: "+err.Error(), http.StatusInternalServerError)
	}
	mux.HandleFunc("GET /query", func(w http.ResponseWriter, r *http.Request) {
		rows, err := app.db.Query("SELECT name, price FROM items WHERE name = '" + r.URL.Query().Get("name") + "' ORDER BY id")
		if err != nil {
			fail(w, err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			var price int
			if err := rows.Scan(&name, &price); err != nil {
				fail(w, err)
				return
			}
			fmt.Fprintf(w, "%s=%d\n", name, price)
		}
	})
	mux.HandleFunc("GET /count", func(w http.ResponseWriter, r *http.Request) {
		var n int
		if err := app.db.QueryRow("SELECT count(*) FROM items WHERE price > " + r.URL.Query().Get("min")).Scan(&n); err != nil {
			fail(w, err)
			return
		}
		fmt.Fprintf(w, "%d\n", n)
	})
	mux.HandleFunc("POST /rename", func(w http.ResponseWriter, r *http.Request) {
		tx, err := app.db.BeginTx(r.Context(), nil)
		if err != nil {
			fail(w, err)
			return
		}
		defer tx.Rollback()
		// database/sql runs a Tx's context-less Exec with context.Background().
		res, err := tx.Exec("UPDATE items SET name = '" + r.FormValue("name") + "' WHERE id = 1")
		if err != nil {
			fail(w, err)
			return
		}
		if err := tx.Commit(); err != nil {
			fail(w, err)
			return
		}
		n, _ := res.RowsAffected()
		fmt.Fprintf(w, "renamed %d\n", n)
	})
	mux.HandleFunc("GET /ping", func(w http.ResponseWriter, r *http.Request) {
		out, err := app.command("sh", "-c", "echo pong "+r.URL.Query().Get("host")).Output()
		if err != nil {
			fail(w, err)
			return
		}
		_, _ = w.Write(out)
	})
	mux.HandleFunc("GET /gorm/raw", func(w http.ResponseWriter, r *http.Request) {
		var items []Item
		if err := app.gdb.Raw("SELECT * FROM items WHERE name = '" + r.URL.Query().Get("name") + "'").Scan(&items).Error; err != nil {
			fail(w, err)
			return
		}
		for _, it := range items {
			fmt.Fprintf(w, "%d %s %d\n", it.ID, it.Name, it.Price)
		}
	})
	mux.HandleFunc("GET /gorm/where", func(w http.ResponseWriter, r *http.Request) {
		var items []Item
		if err := app.gdb.Where("name = '" + r.URL.Query().Get("name") + "'").Order("id").Find(&items).Error; err != nil {
			fail(w, err)
			return
		}
		for _, it := range items {
			fmt.Fprintf(w, "%d %s %d\n", it.ID, it.Name, it.Price)
		}
	})
	return mux
}

// newCtxlessApp opens the sample application on a fresh SQLite file
// through driverName: "sqlite3" is the unwrapped application (os/exec
// too), any other name a guarded one.
func newCtxlessApp(t *testing.T, driverName string) *ctxlessApp {
	t.Helper()
	dir := t.TempDir()
	db := mustOpen(t, driverName, "file:"+filepath.Join(dir, "app.db")+"?_busy_timeout=5000")
	gdb, err := gorm.Open("sqlite3", db)
	if err != nil {
		t.Fatal(err)
	}
	gdb.LogMode(false)
	for _, q := range []string{
		"CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL)",
		"INSERT INTO items (id, name, price) VALUES (1, 'apple', 3), (2, 'pear', 5), (3, 'plum', 8)",
		"CREATE TABLE secrets (token TEXT)",
		"INSERT INTO secrets VALUES ('s3cr3t')",
	} {
		if _, err := db.ExecContext(quiet, q); err != nil {
			t.Fatal(err)
		}
	}
	app := &ctxlessApp{db: db, gdb: gdb, command: execguard.Command, marker: filepath.Join(dir, "pwned")}
	if driverName == "sqlite3" {
		app.command = exec.Command
	}
	return app
}

// snapshot renders the application's tables.
func (app *ctxlessApp) snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{"SELECT id, name, price FROM items ORDER BY id", "SELECT token FROM secrets"} {
		b.WriteString(dumpRows(app.db.QueryContext(quiet, q)))
	}
	return b.String()
}

type appRequest struct {
	method, path string
	form         url.Values
}

func (q appRequest) do(t *testing.T, base string) (int, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if q.method == http.MethodPost {
		resp, err = http.PostForm(base+q.path, q.form)
	} else {
		resp, err = http.Get(base + q.path + "?" + q.form.Encode())
	}
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

func get(path string, kv ...string) appRequest {
	return appRequest{method: http.MethodGet, path: path, form: values(kv...)}
}

func post(path string, kv ...string) appRequest {
	return appRequest{method: http.MethodPost, path: path, form: values(kv...)}
}

func values(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// TestContextlessAppBenign: with rasp around the router and the driver in
// protect mode, every benign request of the sample application answers
// exactly what the unwrapped application answers, and is checked through
// the goroutine scope.
func TestContextlessAppBenign(t *testing.T) {
	a, logs := newAgent(rasp.ModeProtect)
	guarded := newCtxlessApp(t, "rasp-sqlite3")
	plain := newCtxlessApp(t, "sqlite3")
	gs := httptest.NewServer(a.Middleware(guarded.routes()))
	defer gs.Close()
	ps := httptest.NewServer(plain.routes())
	defer ps.Close()
	for _, q := range []appRequest{
		get("/query", "name", "pear"),
		get("/query", "name", "apple pie"),
		get("/count", "min", "4"),
		post("/rename", "name", "green apple"),
		post("/rename", "name", "Granny Smith -- green"),
		get("/ping", "host", "example.org"),
		get("/gorm/raw", "name", "plum"),
		get("/gorm/where", "name", "pear"),
		get("/gorm/where", "name", "nothing"),
	} {
		gc, gb := q.do(t, gs.URL)
		pc, pb := q.do(t, ps.URL)
		if gc != pc || gb != pb {
			t.Errorf("%s %s %v: guarded %d %q, unwrapped %d %q", q.method, q.path, q.form, gc, gb, pc, pb)
		}
	}
	if g, p := guarded.snapshot(t), plain.snapshot(t); g != p {
		t.Errorf("databases differ:\nguarded\n%s\nunwrapped\n%s", g, p)
	}
	st := a.Stats()
	for _, sink := range []string{rasp.SinkSQL, rasp.SinkExec} {
		s := st.Sinks[sink]
		if s.Scoped == 0 || s.NoContext != 0 || s.Findings != 0 {
			t.Errorf("%s: %+v, want scoped checks, no blind spot, no finding", sink, s)
		}
	}
	if strings.Contains(logs.String(), "blind_spot") {
		t.Errorf("blind-spot warnings for handler calls:\n%s", logs)
	}
}

// TestContextlessAppAttacks: each injection into a handler that passes no
// context is refused with 403 in protect mode; the database is unchanged
// and no injected command ran.
func TestContextlessAppAttacks(t *testing.T) {
	a, _ := newAgent(rasp.ModeProtect)
	app := newCtxlessApp(t, "rasp-sqlite3")
	srv := httptest.NewServer(a.Middleware(app.routes()))
	defer srv.Close()
	before := app.snapshot(t)
	attacks := []appRequest{
		get("/query", "name", "x' UNION SELECT token, 0 FROM secrets --"),
		get("/query", "name", "x' OR '1'='1"),
		get("/count", "min", "0 OR 1=1"),
		post("/rename", "name", "z', price = 0 WHERE 1=1 --"),
		post("/rename", "name", "z'; DELETE FROM items; --"),
		get("/ping", "host", "example.org; touch "+app.marker),
		get("/ping", "host", "$(touch "+app.marker+")"),
		get("/gorm/raw", "name", "x' UNION SELECT 9, token, 0 FROM secrets --"),
		get("/gorm/where", "name", "x' OR '1'='1"),
	}
	for _, q := range attacks {
		code, body := q.do(t, srv.URL)
		if code != http.StatusForbidden {
			t.Errorf("%s %s %v: %d %q, want 403", q.method, q.path, q.form, code, body)
		}
		if strings.Contains(body, "s3cr3t") {
			t.Errorf("%s %v leaked the secret: %q", q.path, q.form, body)
		}
	}
	if after := app.snapshot(t); after != before {
		t.Errorf("database changed:\nbefore\n%s\nafter\n%s", before, after)
	}
	if _, err := os.Stat(app.marker); !os.IsNotExist(err) {
		t.Errorf("an injected command ran: %s exists (%v)", app.marker, err)
	}
	st := a.Stats()
	sql, exec := st.Sinks[rasp.SinkSQL], st.Sinks[rasp.SinkExec]
	if sql.Blocks != 7 || exec.Blocks != 2 {
		t.Errorf("blocks: sql %d, exec %d; want 7 and 2", sql.Blocks, exec.Blocks)
	}
	if sql.Scoped < sql.Blocks || exec.Scoped < exec.Blocks || sql.NoContext != 0 {
		t.Errorf("sql %+v, exec %+v: blocks must come from scoped checks", sql, exec)
	}
}

// TestContextlessBlindSpotSite: outside a request the same calls are blind
// spots, reported at this file's lines, never inside gorm or sqlmw, once
// per line.
func TestContextlessBlindSpotSite(t *testing.T) {
	a, logs := newAgent(rasp.ModeMonitor)
	rasp.SetDefault(a)
	app := newCtxlessApp(t, "rasp-sqlite3")
	for range 3 {
		var items []Item
		if err := app.gdb.Where("name = 'pear'").Find(&items).Error; err != nil {
			t.Fatal(err)
		}
		if err := app.gdb.Raw("SELECT * FROM items").Scan(&items).Error; err != nil {
			t.Fatal(err)
		}
	}
	// gorm v2 without a request context: its statements pass through
	// gorm's callbacks and ConnPool before database/sql.
	g2 := gormBackends[0].open(t).WithContext(context.Background())
	for range 3 {
		var accounts []Account
		if err := g2.Where("role = ?", "user").Find(&accounts).Error; err != nil {
			t.Fatal(err)
		}
	}
	st := a.Stats()
	here := 0
	for _, s := range st.BlindSpots {
		switch {
		case strings.Contains(s.Site, "integration/scope_test.go:"):
			here++
			if s.Count != 3 {
				t.Errorf("site %s counted %d, want 3", s.Site, s.Count)
			}
		case strings.Contains(s.Site, "integration/gorm_test.go:"):
			// gorm.Open's own first statement, at the application's line.
		default:
			t.Errorf("site %s is not a line of the application", s.Site)
		}
	}
	if here != 3 {
		t.Errorf("blind spots %+v, want the 3 gorm lines of this test", st.BlindSpots)
	}
	if n := strings.Count(logs.String(), `"kind":"blind_spot"`); n != len(st.BlindSpots) {
		t.Errorf("%d warnings for %d call sites, want one per line:\n%s", n, len(st.BlindSpots), logs)
	}
}
