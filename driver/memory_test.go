package driver_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	raspdriver "github.com/gorasp/rasp/driver"
	"github.com/gorasp/rasp/internal/testlog"
	"github.com/gorasp/rasp/sqlguard"
	"github.com/mattn/go-sqlite3"
	"github.com/rs/zerolog"
)

// openMemoryDB registers a rasp driver of its own over SQLite, named after
// prefix, and opens one in-memory database on one connection through it.
func openMemoryDB(t *testing.T, prefix string) *sql.DB {
	t.Helper()
	name := fmt.Sprintf("%s-%d", prefix, seq.Add(1))
	raspdriver.Register(name, &sqlite3.SQLiteDriver{})
	db, err := sql.Open(name, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// blogApp is a small programming blog on SQLite behind the middleware:
// every endpoint binds its values, except /legacy, which concatenates.
func blogApp(t *testing.T) (http.Handler, *testlog.Buffer) {
	t.Helper()
	db := openMemoryDB(t, "rasp-blog")
	for _, q := range []string{
		"CREATE TABLE writers (id INTEGER PRIMARY KEY, handle TEXT NOT NULL)",
		"CREATE TABLE entries (id INTEGER PRIMARY KEY, writer_id INTEGER NOT NULL, heading TEXT NOT NULL, label TEXT NOT NULL)",
		"INSERT INTO writers (handle) VALUES ('ada'), ('linus')",
		"INSERT INTO entries (writer_id, heading, label) VALUES (1, 'Goroutines', 'go'), (2, 'Joins', 'sql'), (1, 'Indexes', 'sql')",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	logs := &testlog.Buffer{}
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(logs)))
	one := func(w http.ResponseWriter, r *http.Request, q string, args ...any) {
		var s string
		err := db.QueryRowContext(r.Context(), q, args...).Scan(&s)
		switch {
		case errors.Is(err, rasp.ErrBlocked):
			http.Error(w, "blocked", http.StatusForbidden)
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			http.Error(w, err.Error(), http.StatusInternalServerError)
		default:
			fmt.Fprint(w, s)
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/count", func(w http.ResponseWriter, r *http.Request) {
		one(w, r, "SELECT COUNT(*) FROM entries WHERE label = ?", r.FormValue("label"))
	})
	mux.HandleFunc("/search", func(w http.ResponseWriter, r *http.Request) {
		one(w, r, "SELECT heading FROM entries WHERE heading LIKE ? || '%' AND ? = '' ORDER BY id LIMIT 1", r.FormValue("q"), r.FormValue("skip"))
	})
	mux.HandleFunc("/by", func(w http.ResponseWriter, r *http.Request) {
		one(w, r, "SELECT e.heading FROM entries e JOIN writers w ON w.id = e.writer_id WHERE w.handle = ? ORDER BY e.id LIMIT 1", r.FormValue("handle"))
	})
	mux.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) {
		one(w, r, "SELECT 1 WHERE ? <> ''", r.FormValue("x"))
	})
	mux.HandleFunc("/legacy", func(w http.ResponseWriter, r *http.Request) {
		one(w, r, "SELECT heading FROM entries WHERE id = "+r.FormValue("id"))
	})
	return a.Middleware(mux), logs
}

func get(t *testing.T, h http.Handler, path string, q url.Values, ua string) int {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, path+"?"+q.Encode(), nil)
	r.Header.Set("User-Agent", ua)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

// TestMemoryClearsOwnStatements runs a parameterized app whose inputs equal
// fragments of its own SQL: after one ordinary request per endpoint, none
// is blocked; the concatenating endpoint still is.
func TestMemoryClearsOwnStatements(t *testing.T) {
	h, logs := blogApp(t)
	ordinary := []struct {
		path string
		q    url.Values
	}{
		{"/count", url.Values{"label": {"go"}}},
		{"/search", url.Values{"q": {"Go"}, "skip": {"x"}}},
		{"/by", url.Values{"handle": {"ada"}}},
		{"/ping", url.Values{"x": {"y"}}},
		{"/legacy", url.Values{"id": {"2"}}},
	}
	for _, c := range ordinary {
		if code := get(t, h, c.path, c.q, "curl/8.5"); code != http.StatusOK {
			t.Fatalf("ordinary %s: %d\n%s", c.path, code, logs.String())
		}
	}
	coincide := []struct {
		path string
		q    url.Values
		ua   string
	}{
		{"/count", url.Values{"label": {"COUNT(*)"}}, "curl/8.5"},
		{"/count", url.Values{"label": {"FROM entries"}}, "curl/8.5"},
		{"/search", url.Values{"q": {"? = ''"}, "skip": {""}}, "curl/8.5"},
		{"/search", url.Values{"q": {"LIKE ? || '%'"}}, "ORDER BY id LIMIT 1"},
		{"/by", url.Values{"handle": {"w.id = e.writer_id"}}, "curl/8.5"},
		{"/by", url.Values{"handle": {"e.writer_id"}}, "curl/8.5"},
		{"/ping", url.Values{"x": {"SELECT 1"}}, "SELECT 1 WHERE"},
	}
	for _, c := range coincide {
		if code := get(t, h, c.path, c.q, c.ua); code != http.StatusOK {
			t.Errorf("%s %v (User-Agent %q): %d", c.path, c.q, c.ua, code)
		}
	}
	if t.Failed() {
		t.Log(logs.String())
	}
	for _, id := range []string{"2 OR 1=1", "id", "2 UNION SELECT handle FROM writers"} {
		if code := get(t, h, "/legacy", url.Values{"id": {id}}, "curl/8.5"); code != http.StatusForbidden {
			t.Errorf("/legacy?id=%s: %d, want 403", id, code)
		}
	}
}

// TestMemoryFirstRunJudged shows what the memory does not clear: the first
// execution of a statement in which an input coincides with its text.
func TestMemoryFirstRunJudged(t *testing.T) {
	h, _ := blogApp(t)
	if code := get(t, h, "/count", url.Values{"label": {"COUNT(*)"}}, "curl/8.5"); code != http.StatusForbidden {
		t.Fatalf("first run with a coinciding input: %d, want 403 (the memory is empty)", code)
	}
	get(t, h, "/count", url.Values{"label": {"go"}}, "curl/8.5")
	if code := get(t, h, "/count", url.Values{"label": {"COUNT(*)"}}, "curl/8.5"); code != http.StatusOK {
		t.Fatalf("after an ordinary run: %d, want 200", code)
	}
}

// TestWorkLimitBlocks: a statement whose check reaches sqlguard.MaxWork
// with input in it is refused in protect mode with the default fail-open
// setting; what was not judged does not run.
func TestWorkLimitBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("a 4 MiB statement")
	}
	db, a, logs := openSQLite(t, rasp.ModeProtect)
	q := "SELECT " + strings.Repeat("k,", sqlguard.MaxWork/8) + "1"
	_, err := db.QueryContext(request(a, "k", "k"), q)
	if !errors.Is(err, rasp.ErrBlocked) {
		t.Fatalf("err = %v, want rasp.ErrBlocked", err)
	}
	if !strings.Contains(logs.String(), "work limit") {
		t.Fatalf("event does not name the work limit:\n%.500s", logs.String())
	}
}

// TestMemoryKnownStatement: a statement the memory knows is decided
// without a new check, exactly as the check's clearing decides it: counted
// as a check, cleared for a request inspected in full, and refused in
// protect mode for a request inspected only in part (a value past the cap
// may be in it unseen).
func TestMemoryKnownStatement(t *testing.T) {
	db := openMemoryDB(t, "rasp-known")
	off := rasp.NewContext(context.Background(), rasp.New(rasp.WithMode(rasp.ModeOff), rasp.WithLogger(zerolog.Nop())))
	if _, err := db.ExecContext(off, "CREATE TABLE shelves (id INTEGER PRIMARY KEY, tag TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	logs := &testlog.Buffer{}
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(logs)), rasp.WithInputLimits(8, 0))
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		err := db.QueryRowContext(r.Context(), "SELECT COUNT(*) FROM shelves WHERE tag = ?", r.FormValue("tag")).Scan(&n)
		switch {
		case errors.Is(err, rasp.ErrBlocked):
			http.Error(w, "blocked", http.StatusForbidden)
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	padded := url.Values{"tag": {"tag = ?"}}
	for i := range 20 {
		padded.Set(fmt.Sprintf("p%d", i), "x")
	}
	for i, c := range []struct {
		q    url.Values
		want int
	}{
		{url.Values{"tag": {"go"}}, http.StatusOK},       // checked, clean: remembered
		{url.Values{"tag": {"COUNT(*)"}}, http.StatusOK}, // known: the coincidence is cleared
		{padded, http.StatusForbidden},                   // known, but inspected in part
		{url.Values{"tag": {"FROM shelves"}}, http.StatusOK},
	} {
		if code := get(t, h, "/", c.q, "curl/8.5"); code != c.want {
			t.Fatalf("request %d (%v): %d, want %d\n%s", i, c.q, code, c.want, logs.String())
		}
	}
	if got := a.Stats().Sinks[rasp.SinkSQL].Checks; got != 4 {
		t.Errorf("%d checks counted, want 4", got)
	}
	ev := logs.Events(t)
	if len(ev) != 1 || ev[0]["kind"] != rasp.KindPartialInspection {
		t.Errorf("events %v, want the one partial inspection", ev)
	}
}
