package driver_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/gorasp/rasp"
	raspdriver "github.com/gorasp/rasp/driver"
	"github.com/gorasp/rasp/sqlguard"
	"github.com/rs/zerolog"
)

// contextless are the database/sql calls that run a statement with a
// context that carries no request: the methods without a context, and a
// transaction's, which database/sql runs with context.Background() however
// the transaction was begun.
var contextless = []struct {
	name string
	run  func(r *http.Request, db *sql.DB, q string) error
}{
	{"DB.Query", func(_ *http.Request, db *sql.DB, q string) error {
		rows, err := db.Query(q, int64(7))
		if err == nil {
			rows.Close()
		}
		return err
	}},
	{"DB.QueryRow", func(_ *http.Request, db *sql.DB, q string) error {
		var a, b any
		if err := db.QueryRow(q, int64(7)).Scan(&a, &b); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		return nil
	}},
	{"DB.Exec", func(_ *http.Request, db *sql.DB, q string) error {
		_, err := db.Exec(q, int64(7))
		return err
	}},
	{"Tx.Exec in BeginTx(r.Context())", func(r *http.Request, db *sql.DB, q string) error {
		tx, err := db.BeginTx(r.Context(), nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		_, err = tx.Exec(q, int64(7))
		return err
	}},
	{"DB.ExecContext(Background)", func(_ *http.Request, db *sql.DB, q string) error {
		_, err := db.ExecContext(context.Background(), q, int64(7))
		return err
	}},
}

// TestContextlessCallsInHandler: on a handler's goroutine every such call
// is checked against the request, for every kind of driver: an attack is
// blocked before it reaches the driver and the client gets 403; the
// benign statement runs.
func TestContextlessCallsInHandler(t *testing.T) {
	for _, kind := range raspdriver.ConnKinds {
		for _, c := range contextless {
			t.Run(fmt.Sprintf("%v/%s", kind, c.name), func(t *testing.T) {
				t.Parallel()
				a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
				d, reached := raspdriver.NewFakeDriver(kind)
				name := fmt.Sprintf("rasp-fake-scope-%d", seq.Add(1))
				raspdriver.Register(name, d, raspdriver.WithDialect(sqlguard.DialectSQLite), raspdriver.WithAnalyzer(raspdriver.QuoteAnalyzer))
				db, err := sql.Open(name, "")
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				var callErr error
				h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					q := "SELECT a, b FROM t WHERE name = '" + r.URL.Query().Get("name") + "' AND c = ?"
					callErr = c.run(r, db, q)
				}))
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/?name="+url.QueryEscape(raspdriver.AttackInput), nil))
				if !errors.Is(callErr, rasp.ErrBlocked) || rec.Code != http.StatusForbidden {
					t.Fatalf("attack: err %v, status %d; want blocked and 403", callErr, rec.Code)
				}
				if reached(raspdriver.AttackStmt) {
					t.Fatal("the blocked statement reached the driver")
				}
				rec = httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/?name=alice", nil))
				if callErr != nil || rec.Code != http.StatusOK {
					t.Fatalf("benign: err %v, status %d", callErr, rec.Code)
				}
				if !reached("SELECT a, b FROM t WHERE name = 'alice' AND c = ?") {
					t.Fatal("the benign statement did not reach the driver")
				}
				st := a.Stats().Sinks[rasp.SinkSQL]
				if st.Blocks != 1 || st.Scoped == 0 || st.NoContext != 0 {
					t.Errorf("stats %+v, want 1 block, scoped checks, no blind spot", st)
				}
			})
		}
	}
}
