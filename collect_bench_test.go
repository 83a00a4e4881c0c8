package rasp_test

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	raspdriver "github.com/gorasp/rasp/driver"
	"github.com/gorasp/rasp/sqlguard"
	"github.com/rs/zerolog"
)

// nullDriver answers every query with no rows at once, so that a benchmark
// measures the guard and not an engine.
type nullDriver struct{}

func (nullDriver) Open(string) (driver.Conn, error) { return nullConn{}, nil }

type nullConn struct{}

func (nullConn) Prepare(string) (driver.Stmt, error) { return nil, driver.ErrSkip }
func (nullConn) Close() error                        { return nil }
func (nullConn) Begin() (driver.Tx, error)           { return nil, driver.ErrSkip }
func (nullConn) QueryContext(context.Context, string, []driver.NamedValue) (driver.Rows, error) {
	return nullRows{}, nil
}

type nullRows struct{}

func (nullRows) Columns() []string         { return []string{"id"} }
func (nullRows) Close() error              { return nil }
func (nullRows) Next([]driver.Value) error { return io.EOF }

func init() {
	sql.Register("bench-null", nullDriver{})
	raspdriver.Register("rasp-bench-null", nullDriver{}, raspdriver.WithDialect(sqlguard.DialectPostgres))
}

func benchDB(b *testing.B, name string) *sql.DB {
	db, err := sql.Open(name, "")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// get10 is a GET with 10 query parameters and 10 headers.
func get10() *http.Request {
	var q []string
	for i := range 10 {
		q = append(q, fmt.Sprintf("param%d=value+%d", i, i))
	}
	r := httptest.NewRequest(http.MethodGet, "/api/users/42/orders?"+strings.Join(q, "&"), nil)
	for i, h := range []string{"User-Agent", "Accept", "Accept-Language", "Accept-Encoding", "Referer",
		"X-Request-Id", "X-Forwarded-For", "Authorization", "Cookie", "Cache-Control"} {
		r.Header.Set(h, fmt.Sprintf("header value %d", i))
	}
	return r
}

// json2k is a 2 KiB JSON document of small objects.
func json2k() []byte {
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < 2<<10-80; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"item %d","tags":["a","b"]}`, i, i)
	}
	b.WriteString(`],"owner":"alice"}`)
	return b.Bytes()
}

// BenchmarkCollect measures the middleware on the shapes the collection
// issue sets targets for, each against the same handler bare and unguarded
// in the same run (guard=none): a GET that reaches no sink, a GET that runs
// one guarded query, and a 2 KiB JSON POST whose handler decodes the body
// and runs one guarded query.
func BenchmarkCollect(b *testing.B) {
	agent := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	body := json2k()
	type shape struct {
		name    string
		req     func() *http.Request
		handler func(db *sql.DB) http.Handler
	}
	run := func(db *sql.DB, w http.ResponseWriter, r *http.Request, name string) {
		rows, err := db.QueryContext(r.Context(), "SELECT id FROM users WHERE name = '"+name+"'")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		rows.Close()
	}
	shapes := []shape{
		{"get10-nosink", get10, func(*sql.DB) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
		}},
		{"get10-sql", get10, func(db *sql.DB) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				run(db, w, r, r.URL.Query().Get("param3"))
			})
		}},
		// Two statements: the second asks for every input.
		{"get10-sql2", get10, func(db *sql.DB) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				run(db, w, r, r.URL.Query().Get("param3"))
				run(db, w, r, r.URL.Query().Get("param4"))
			})
		}},
		{"json2k-sql", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/api/items", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			return r
		}, func(db *sql.DB) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var doc struct{ Owner string }
				if err := json.NewDecoder(r.Body).Decode(&doc); err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				run(db, w, r, doc.Owner)
			})
		}},
	}
	for _, s := range shapes {
		for _, guard := range []string{"none", "rasp"} {
			b.Run(s.name+"/guard="+guard, func(b *testing.B) {
				var h http.Handler
				if guard == "none" {
					h = s.handler(benchDB(b, "bench-null"))
				} else {
					h = agent.Middleware(s.handler(benchDB(b, "rasp-bench-null")))
				}
				proto := s.req()
				rd := bytes.NewReader(body)
				w := httptest.NewRecorder()
				b.ReportAllocs()
				for b.Loop() {
					r := proto
					if proto.Method == http.MethodPost {
						rd.Reset(body)
						r = new(http.Request)
						*r = *proto
						r.Body = io.NopCloser(rd)
					}
					h.ServeHTTP(w, r)
				}
			})
		}
	}
}
