package rasp_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"expvar"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/driver"
	"github.com/mattn/go-sqlite3"
	"github.com/rs/zerolog"
)

// searchApp is a handler that pastes the q parameter into a literal on a wrapped
// SQLite driver, and the agent that guards it.
func searchApp(name string, opts ...rasp.Option) (http.Handler, *rasp.Agent, func()) {
	agent := rasp.New(append([]rasp.Option{rasp.WithLogger(zerolog.New(io.Discard))}, opts...)...)
	driver.Register(name, &sqlite3.SQLiteDriver{}, driver.WithAgent(agent))
	dir, _ := os.MkdirTemp("", "example")
	db, _ := sql.Open(name, filepath.Join(dir, "app.db"))
	_, _ = db.ExecContext(context.Background(), "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('tea'), ('coffee')")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /search", func(w http.ResponseWriter, r *http.Request) {
		var n int
		err := db.QueryRowContext(r.Context(), "SELECT count(*) FROM notes WHERE body = '"+r.FormValue("q")+"'").Scan(&n)
		if err != nil {
			http.Error(w, "bad search", http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, n)
	})
	return agent.Middleware(mux), agent, func() { db.Close(); os.RemoveAll(dir) }
}

func get(h http.Handler, q string) int {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/search?q="+url.QueryEscape(q), nil))
	return rec.Code
}

// ExampleWithException: a finding on a route whose input is trusted by
// design (an internal admin tool) is silenced for that route, source, key
// and sink only; the exception is counted. Keep exceptions this narrow:
// every other route and input stays checked.
func ExampleWithException() {
	h, agent, done := searchApp("sqlite3-example-exception",
		rasp.WithMode(rasp.ModeProtect),
		rasp.WithException(rasp.Exception{Route: "GET /search", Source: "query", Key: "q", Sink: rasp.SinkSQL}))
	defer done()
	fmt.Println(get(h, "tea' OR body = 'coffee"))
	fmt.Println("exceptions:", agent.Stats().Sinks[rasp.SinkSQL].Exceptions)
	// Output:
	// 200
	// exceptions: 1
}

// ExampleAgent_Stats: the posture counters per sink. In monitor mode a
// finding is counted and the statement runs.
func ExampleAgent_Stats() {
	h, agent, done := searchApp("sqlite3-example-stats")
	defer done()
	get(h, "tea")
	get(h, "x' OR '1'='1")
	s := agent.Stats().Sinks[rasp.SinkSQL]
	fmt.Printf("checks=%d findings=%d blocks=%d\n", s.Checks, s.Findings, s.Blocks)
	// Output:
	// checks=2 findings=1 blocks=0
}

// ExampleAgent_PublishExpvar: the counters as the expvar variable
// "rasp", served by expvar's handler at /debug/vars.
func ExampleAgent_PublishExpvar() {
	h, agent, done := searchApp("sqlite3-example-expvar")
	defer done()
	agent.PublishExpvar("rasp")
	get(h, "tea")
	var st rasp.Stats
	_ = json.Unmarshal([]byte(expvar.Get("rasp").String()), &st)
	fmt.Println("sql checks:", st.Sinks[rasp.SinkSQL].Checks)
	// Output:
	// sql checks: 1
}
