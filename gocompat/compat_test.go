// Package gocompat is an application module on the oldest Go release rasp
// supports (its go line is 1.25.0): `make test` builds and runs it under that
// release and the newest, so adopting rasp never forces an application's go
// line up.
package gocompat

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/driver"
	"github.com/gorasp/rasp/execguard"
	"github.com/gorasp/rasp/fsguard"
	"github.com/mattn/go-sqlite3"
	"github.com/rs/zerolog"
)

var runs atomic.Int32

// TestProtectsOnOldestGo wires every guard into one application and checks
// that each blocks an attack and serves a legitimate request.
func TestProtectsOnOldestGo(t *testing.T) {
	agent := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(io.Discard)))
	// A name per run: database/sql keeps registrations for the process
	// (go test -count=N).
	name := fmt.Sprintf("sqlite3-gocompat-%d", runs.Add(1))
	driver.Register(name, &sqlite3.SQLiteDriver{}, driver.WithAgent(agent))
	db, err := sql.Open(name, filepath.Join(t.TempDir(), "app.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), "CREATE TABLE books (title TEXT); INSERT INTO books VALUES ('Dune'), ('Emma')"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("A"), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := fsguard.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /books", func(w http.ResponseWriter, r *http.Request) {
		var n int
		err := db.QueryRowContext(r.Context(), "SELECT count(*) FROM books WHERE title = '"+r.FormValue("title")+"'").Scan(&n)
		if err != nil {
			http.Error(w, "error", http.StatusInternalServerError)
			return
		}
		io.WriteString(w, "found")
	})
	mux.HandleFunc("GET /echo", func(w http.ResponseWriter, r *http.Request) {
		out, err := execguard.CommandContext(r.Context(), "sh", "-c", "echo "+r.FormValue("msg")).Output()
		if err != nil {
			http.Error(w, "error", http.StatusInternalServerError)
			return
		}
		w.Write(out)
	})
	mux.HandleFunc("GET /file", func(w http.ResponseWriter, r *http.Request) {
		b, err := root.ReadFile(r.Context(), r.FormValue("name"))
		if err != nil {
			http.Error(w, "error", http.StatusNotFound)
			return
		}
		w.Write(b)
	})
	srv := httptest.NewServer(agent.Middleware(mux))
	defer srv.Close()

	for _, tc := range []struct {
		path string
		want int
	}{
		{"/books?title=Dune", http.StatusOK},
		{"/books?title=" + url.QueryEscape("x' OR '1'='1"), http.StatusForbidden},
		{"/echo?msg=hello", http.StatusOK},
		{"/echo?msg=" + url.QueryEscape("hi; id"), http.StatusForbidden},
		{"/file?name=a.txt", http.StatusOK},
		{"/file?name=" + url.QueryEscape("../a.txt"), http.StatusForbidden},
	} {
		resp, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s = %d, want %d", tc.path, resp.StatusCode, tc.want)
		}
	}
	if s := agent.Stats(); s.Sinks[rasp.SinkSQL].Blocks != 1 || s.Sinks[rasp.SinkExec].Blocks != 1 || s.Sinks[rasp.SinkFS].Blocks != 1 {
		t.Errorf("blocks per sink = %+v, want one each", s.Sinks)
	}
}
