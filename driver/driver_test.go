package driver

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/sqlguard"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

// quoteAnalyzer is a stand-in for sqlguard in the plumbing tests: an input
// that holds a quote and occurs verbatim in the statement is an injection.
// It keeps these tests about the wrapper, whatever sqlguard decides.
func quoteAnalyzer(_ sqlguard.Dialect, q string, inputs []taint.Input) sqlguard.Result {
	for _, in := range inputs {
		if !strings.Contains(in.Value, "'") {
			continue
		}
		if i := strings.Index(q, in.Value); i >= 0 {
			return sqlguard.Result{Injection: true, Finding: rasp.Finding{
				Kind: rasp.KindSQLInjection, Input: in, Target: q,
				Start: i, End: i + len(in.Value), Reason: "input holds a quote",
			}}
		}
	}
	return sqlguard.Result{}
}

func withAnalyzer(f func(sqlguard.Dialect, string, []taint.Input) sqlguard.Result) Option {
	return optionFunc(func(c *config) { c.analyze = f })
}

// recorder collects an agent's events.
type recorder struct {
	mu  sync.Mutex
	evs []rasp.Event
}

func (r *recorder) hook(_ context.Context, ev rasp.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, ev)
	r.mu.Unlock()
}

func (r *recorder) events() []rasp.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]rasp.Event(nil), r.evs...)
}

var driverSeq atomic.Int64

// env is one fake database behind the wrapper.
type env struct {
	db    *sql.DB
	log   *fakeLog
	agent *rasp.Agent
	rec   *recorder
	logs  *bytes.Buffer
	name  string // registered driver name
}

func newEnv(t *testing.T, kind connKind, mode rasp.Mode, opts ...Option) *env {
	t.Helper()
	e := &env{log: &fakeLog{}, rec: &recorder{}, logs: &bytes.Buffer{}}
	e.agent = rasp.New(rasp.WithMode(mode), rasp.WithLogger(zerolog.New(&syncWriter{w: e.logs})), rasp.WithSyncHooks(), rasp.WithHook(e.rec.hook))
	name := fmt.Sprintf("rasp-fake-%d", driverSeq.Add(1))
	opts = append([]Option{WithDialect(sqlguard.DialectSQLite), withAnalyzer(quoteAnalyzer)}, opts...)
	Register(name, &fakeDriver{kind: kind, log: e.log}, opts...)
	db, err := sql.Open(name, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db = db
	e.name = name
	return e
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// reqCtx is the context of one request: its agent and its inputs.
func (e *env) reqCtx(inputs ...taint.Input) context.Context {
	return taint.NewContext(rasp.NewContext(context.Background(), e.agent), inputs...)
}

// callPath is one way a statement reaches the driver through database/sql.
type callPath struct {
	name string
	run  func(ctx context.Context, db *sql.DB, q string, args ...any) error
}

func closeRows(rows *sql.Rows, err error) error {
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

func inTx(ctx context.Context, db *sql.DB, f func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func onConn(ctx context.Context, db *sql.DB, f func(*sql.Conn) error) error {
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return f(c)
}

func execStmt(ctx context.Context, st *sql.Stmt, err error, args ...any) error {
	if err != nil {
		return err
	}
	defer st.Close()
	_, err = st.ExecContext(ctx, args...)
	return err
}

var callPaths = []callPath{
	{"DB.ExecContext", func(ctx context.Context, db *sql.DB, q string, args ...any) error {
		_, err := db.ExecContext(ctx, q, args...)
		return err
	}},
	{"DB.QueryContext", func(ctx context.Context, db *sql.DB, q string, args ...any) error {
		return closeRows(db.QueryContext(ctx, q, args...))
	}},
	{"DB.QueryRowContext", func(ctx context.Context, db *sql.DB, q string, args ...any) error {
		var a, b any
		return db.QueryRowContext(ctx, q, args...).Scan(&a, &b)
	}},
	{"DB.PrepareContext", func(ctx context.Context, db *sql.DB, q string, args ...any) error {
		st, err := db.PrepareContext(ctx, q)
		return execStmt(ctx, st, err, args...)
	}},
	{"Tx.ExecContext", func(ctx context.Context, db *sql.DB, q string, args ...any) error {
		return inTx(ctx, db, func(tx *sql.Tx) error { _, err := tx.ExecContext(ctx, q, args...); return err })
	}},
	{"Tx.QueryContext", func(ctx context.Context, db *sql.DB, q string, args ...any) error {
		return inTx(ctx, db, func(tx *sql.Tx) error { return closeRows(tx.QueryContext(ctx, q, args...)) })
	}},
	{"Tx.PrepareContext", func(ctx context.Context, db *sql.DB, q string, args ...any) error {
		return inTx(ctx, db, func(tx *sql.Tx) error {
			st, err := tx.PrepareContext(ctx, q)
			return execStmt(ctx, st, err, args...)
		})
	}},
	{"Conn.ExecContext", func(ctx context.Context, db *sql.DB, q string, args ...any) error {
		return onConn(ctx, db, func(c *sql.Conn) error { _, err := c.ExecContext(ctx, q, args...); return err })
	}},
	{"Conn.QueryContext", func(ctx context.Context, db *sql.DB, q string, args ...any) error {
		return onConn(ctx, db, func(c *sql.Conn) error { return closeRows(c.QueryContext(ctx, q, args...)) })
	}},
	{"Conn.PrepareContext", func(ctx context.Context, db *sql.DB, q string, args ...any) error {
		return onConn(ctx, db, func(c *sql.Conn) error {
			st, err := c.PrepareContext(ctx, q)
			return execStmt(ctx, st, err, args...)
		})
	}},
}

var connKinds = []connKind{ctxConnKind, legacyConnKind, bareConnKind, skipConnKind}

const attackInput = "x' OR '1'='1"

var attackStmt = "SELECT a, b FROM t WHERE name = '" + attackInput + "' AND c = ?"

func TestProtectBlocksEveryPath(t *testing.T) {
	for _, kind := range connKinds {
		for _, p := range callPaths {
			for _, withArgs := range []bool{false, true} {
				t.Run(fmt.Sprintf("%v/%s/args=%v", kind, p.name, withArgs), func(t *testing.T) {
					t.Parallel()
					e := newEnv(t, kind, rasp.ModeProtect)
					ctx := e.reqCtx(taint.Input{Source: taint.SourceQuery, Key: "name", Value: attackInput})
					var args []any
					if withArgs {
						args = []any{int64(7)}
					}
					err := p.run(ctx, e.db, attackStmt, args...)
					if !errors.Is(err, rasp.ErrBlocked) {
						t.Fatalf("err = %v, want rasp.ErrBlocked", err)
					}
					if errors.Is(err, driver.ErrBadConn) {
						t.Fatal("blocked error matches driver.ErrBadConn: database/sql would retry it")
					}
					var be *rasp.BlockedError
					if !errors.As(err, &be) || be.Event.Sink != rasp.SinkSQL {
						t.Fatalf("err = %#v, want *rasp.BlockedError at sink sql", err)
					}
					if e.log.reached(attackStmt) {
						t.Fatal("blocked statement reached the driver")
					}
					evs := e.rec.events()
					if len(evs) != 1 || !evs[0].Blocked {
						t.Fatalf("events = %+v, want one blocked event", evs)
					}
				})
			}
		}
	}
}

func TestMonitorRunsAndReportsOnce(t *testing.T) {
	for _, kind := range connKinds {
		for _, p := range callPaths {
			for _, withArgs := range []bool{false, true} {
				t.Run(fmt.Sprintf("%v/%s/args=%v", kind, p.name, withArgs), func(t *testing.T) {
					t.Parallel()
					e := newEnv(t, kind, rasp.ModeMonitor)
					ctx := e.reqCtx(taint.Input{Source: taint.SourceQuery, Key: "name", Value: attackInput})
					var args []any
					if withArgs {
						args = []any{int64(7)}
					}
					if err := p.run(ctx, e.db, attackStmt, args...); err != nil {
						t.Fatalf("monitor: %v", err)
					}
					if !e.log.reached(attackStmt) {
						t.Fatal("monitored statement did not reach the driver")
					}
					evs := e.rec.events()
					if len(evs) != 1 {
						t.Fatalf("got %d events, want exactly 1: %+v", len(evs), evs)
					}
					ev := evs[0]
					if ev.Blocked || ev.Mode != rasp.ModeMonitor || ev.Finding.Input.Key != "name" || ev.Finding.Target != attackStmt {
						t.Fatalf("event = %+v", ev)
					}
					wantOp, wantPath := calledOp(p.name), ""
					switch {
					case kind == bareConnKind && wantOp == opQuery:
						// sqlmw answers ErrSkip for such a conn before the
						// interceptor sees the query: only the prepare is seen.
						wantOp = opPrepare
					case wantOp != opPrepare && (kind == bareConnKind || kind == skipConnKind && withArgs):
						wantPath = opPrepare
					}
					if ev.Operation != wantOp || detail(ev, "driver_path") != wantPath {
						t.Fatalf("operation %q, driver_path %q; want %q, %q (what the application called, then the driver's path)",
							ev.Operation, detail(ev, "driver_path"), wantOp, wantPath)
					}
					if detail(ev, "driver") != e.name || detail(ev, "dialect") != "sqlite" {
						t.Fatalf("details = %+v", ev.Details)
					}
				})
			}
		}
	}
}

// calledOp is the operation a call path's name says the application called.
func calledOp(path string) string {
	switch {
	case strings.Contains(path, "Prepare"):
		return opPrepare
	case strings.Contains(path, "Exec"):
		return opExec
	}
	return opQuery
}

func detail(ev rasp.Event, key string) string {
	for _, d := range ev.Details {
		if d.Key == key {
			return d.Value
		}
	}
	return ""
}

func TestBoundArgumentsAreNeverScanned(t *testing.T) {
	for _, kind := range connKinds {
		for _, p := range callPaths {
			t.Run(fmt.Sprintf("%v/%s", kind, p.name), func(t *testing.T) {
				t.Parallel()
				e := newEnv(t, kind, rasp.ModeProtect)
				ctx := e.reqCtx(taint.Input{Source: taint.SourceQuery, Key: "name", Value: attackInput})
				const q = "SELECT a, b FROM t WHERE name = ?"
				if err := p.run(ctx, e.db, q, attackInput); err != nil {
					t.Fatalf("parameterized statement: %v", err)
				}
				if !e.log.reached(q) {
					t.Fatal("statement did not reach the driver")
				}
				if evs := e.rec.events(); len(evs) != 0 {
					t.Fatalf("events = %+v, want none", evs)
				}
				if st := e.agent.Stats().Sinks[rasp.SinkSQL]; st.Checks == 0 || st.NoContext != 0 {
					t.Fatalf("stats = %+v, want checks and no blind spot", st)
				}
			})
		}
	}
}

func TestQueryRowPassesResultsThrough(t *testing.T) {
	e := newEnv(t, ctxConnKind, rasp.ModeProtect)
	ctx := e.reqCtx(taint.Input{Source: taint.SourceQuery, Key: "name", Value: attackInput})
	var q, arg string
	if err := e.db.QueryRowContext(ctx, "SELECT ?", attackInput).Scan(&q, &arg); err != nil {
		t.Fatal(err)
	}
	if q != "SELECT ?" || arg != attackInput {
		t.Fatalf("row = %q, %q", q, arg)
	}
}

func TestModeOff(t *testing.T) {
	e := newEnv(t, ctxConnKind, rasp.ModeOff)
	ctx := e.reqCtx(taint.Input{Source: taint.SourceQuery, Key: "name", Value: attackInput})
	for _, p := range callPaths {
		if err := p.run(ctx, e.db, attackStmt); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		if err := p.run(context.Background(), e.db, attackStmt); err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
	}
	if !e.log.reached(attackStmt) {
		t.Fatal("statement did not run")
	}
	st := e.agent.Stats().Sinks[rasp.SinkSQL]
	if st.Checks != 0 || st.Findings != 0 || st.NoContext != 0 || len(e.rec.events()) != 0 || e.logs.Len() != 0 {
		t.Fatalf("ModeOff did work: %+v, log %q", st, e.logs)
	}
}

func TestSetModeAtRunTime(t *testing.T) {
	e := newEnv(t, ctxConnKind, rasp.ModeMonitor)
	ctx := e.reqCtx(taint.Input{Source: taint.SourceQuery, Key: "name", Value: attackInput})
	if _, err := e.db.ExecContext(ctx, attackStmt); err != nil {
		t.Fatalf("monitor: %v", err)
	}
	e.agent.SetMode(rasp.ModeProtect)
	if _, err := e.db.ExecContext(ctx, attackStmt); !errors.Is(err, rasp.ErrBlocked) {
		t.Fatalf("protect: %v", err)
	}
}

func TestBeginTxOptions(t *testing.T) {
	tests := []struct {
		name    string
		kind    connKind
		opts    sql.TxOptions
		wantErr error
	}{
		{"context/serializable", ctxConnKind, sql.TxOptions{Isolation: sql.LevelSerializable}, nil},
		{"context/read-only", ctxConnKind, sql.TxOptions{ReadOnly: true}, nil},
		{"legacy/default", legacyConnKind, sql.TxOptions{}, nil},
		{"legacy/serializable", legacyConnKind, sql.TxOptions{Isolation: sql.LevelSerializable}, errIsolation},
		{"legacy/read-only", legacyConnKind, sql.TxOptions{ReadOnly: true}, errReadOnly},
		{"bare/read-only", bareConnKind, sql.TxOptions{ReadOnly: true}, errReadOnly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.kind, rasp.ModeProtect)
			tx, err := e.db.BeginTx(e.reqCtx(), &tt.opts)
			if tt.wantErr != nil {
				if err == nil || err.Error() != tt.wantErr.Error() {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			e.log.mu.Lock()
			got := e.log.txs[len(e.log.txs)-1]
			e.log.mu.Unlock()
			if tt.kind == ctxConnKind && (got.ReadOnly != tt.opts.ReadOnly || got.Isolation != driver.IsolationLevel(tt.opts.Isolation)) {
				t.Fatalf("driver got %+v, want %+v", got, tt.opts)
			}
		})
	}
}

func TestBeginTxMatchesUnwrapped(t *testing.T) {
	log := &fakeLog{}
	name := fmt.Sprintf("rasp-fake-raw-%d", driverSeq.Add(1))
	sql.Register(name, &fakeDriver{kind: legacyConnKind, log: log})
	raw, err := sql.Open(name, "")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	e := newEnv(t, legacyConnKind, rasp.ModeProtect)
	for _, opts := range []sql.TxOptions{{Isolation: sql.LevelSerializable}, {ReadOnly: true}} {
		_, werr := e.db.BeginTx(context.Background(), &opts)
		_, rerr := raw.BeginTx(context.Background(), &opts)
		if werr == nil || rerr == nil || werr.Error() != rerr.Error() {
			t.Fatalf("%+v: wrapped %v, unwrapped %v", opts, werr, rerr)
		}
	}
}

func TestInternalFaults(t *testing.T) {
	panicky := func(sqlguard.Dialect, string, []taint.Input) sqlguard.Result { panic(errFakePanic) }
	incomplete := func(_ sqlguard.Dialect, q string, in []taint.Input) sqlguard.Result {
		return sqlguard.Result{Incomplete: true, Finding: rasp.Finding{Input: in[0], Target: q, Start: -1, End: -1}}
	}
	tests := []struct {
		name        string
		analyze     func(sqlguard.Dialect, string, []taint.Input) sqlguard.Result
		failClosed  bool
		wantBlocked bool
	}{
		{"panic/fail-open", panicky, false, false},
		{"panic/fail-closed", panicky, true, true},
		{"incomplete/fail-open", incomplete, false, false},
		{"incomplete/fail-closed", incomplete, true, true},
	}
	for _, tt := range tests {
		for _, p := range callPaths {
			t.Run(tt.name+"/"+p.name, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t, ctxConnKind, rasp.ModeProtect, withAnalyzer(tt.analyze))
				e.agent = rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithFailClosed(tt.failClosed),
					rasp.WithLogger(zerolog.New(&syncWriter{w: e.logs})), rasp.WithSyncHooks(), rasp.WithHook(e.rec.hook))
				ctx := e.reqCtx(taint.Input{Source: taint.SourceQuery, Key: "name", Value: attackInput})
				err := p.run(ctx, e.db, attackStmt)
				if got := errors.Is(err, rasp.ErrBlocked); got != tt.wantBlocked {
					t.Fatalf("blocked = %v (err %v), want %v", got, err, tt.wantBlocked)
				}
				if !tt.wantBlocked && err != nil {
					t.Fatal(err)
				}
				if e.log.reached(attackStmt) == tt.wantBlocked {
					t.Fatalf("reached = %v with blocked = %v", !tt.wantBlocked, tt.wantBlocked)
				}
				evs := e.rec.events()
				if len(evs) != 1 || evs[0].Finding.Kind != rasp.KindInternalFault || evs[0].Fault == "" {
					t.Fatalf("events = %+v, want one internal fault", evs)
				}
				if e.agent.Stats().Sinks[rasp.SinkSQL].Faults != 1 {
					t.Fatalf("faults = %d", e.agent.Stats().Sinks[rasp.SinkSQL].Faults)
				}
			})
		}
	}
}

func TestBareConnExecDoesNotPanic(t *testing.T) {
	// sqlmw's own Exec fallback type-asserts driver.Execer on a conn that
	// has neither Execer nor ExecerContext; the wrapper must answer ErrSkip
	// so database/sql prepares the statement instead.
	e := newEnv(t, bareConnKind, rasp.ModeMonitor)
	res, err := e.db.ExecContext(e.reqCtx(), "DELETE FROM t WHERE id = ?", 1)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("rows affected = %d, %v", n, err)
	}
}

func TestExecContextErrSkipIsBare(t *testing.T) {
	i := &interceptor{analyze: quoteAnalyzer, dialect: sqlguard.DialectSQLite}
	conn := &ctxConn{fakeConn: fakeConn{log: &fakeLog{}}, skipArgs: true}
	args := []driver.NamedValue{{Ordinal: 1, Value: int64(1)}}
	ctx := rasp.NewContext(context.Background(), rasp.New(rasp.WithLogger(zerolog.Nop())))
	if _, err := i.ConnExecContext(ctx, conn, "SELECT ?", args); err != driver.ErrSkip {
		t.Fatalf("exec err = %v, want driver.ErrSkip itself", err)
	}
	if _, _, err := i.ConnQueryContext(ctx, conn, "SELECT ?", args); err != driver.ErrSkip {
		t.Fatalf("query err = %v, want driver.ErrSkip itself", err)
	}
}

func TestWithAgent(t *testing.T) {
	var buf bytes.Buffer
	opt := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(&buf)))
	e := newEnv(t, ctxConnKind, rasp.ModeMonitor, WithAgent(opt))
	in := taint.Input{Source: taint.SourceQuery, Key: "name", Value: attackInput}
	// No agent in the context: the WithAgent agent (protect) decides.
	if _, err := e.db.ExecContext(taint.NewContext(context.Background(), in), attackStmt); !errors.Is(err, rasp.ErrBlocked) {
		t.Fatalf("WithAgent agent not used: %v", err)
	}
	// The context's agent (monitor) wins over the option.
	if _, err := e.db.ExecContext(e.reqCtx(in), attackStmt); err != nil {
		t.Fatalf("context agent not used: %v", err)
	}
}

func TestDialectRequired(t *testing.T) {
	d := Wrap(&fakeDriver{log: &fakeLog{}})
	if _, err := d.Open(""); err == nil || !strings.Contains(err.Error(), "WithDialect") {
		t.Fatalf("Open err = %v, want one naming WithDialect", err)
	}
	name := fmt.Sprintf("rasp-fake-nodialect-%d", driverSeq.Add(1))
	sql.Register(name, d)
	if _, err := sql.Open(name, ""); err == nil || !strings.Contains(err.Error(), "WithDialect") {
		t.Fatalf("sql.Open err = %v, want one naming WithDialect", err)
	}
	c := WrapConnector(&fakeConnector{d: &fakeCtxDriver{fakeDriver{log: &fakeLog{}}}})
	if _, err := c.Connect(context.Background()); err == nil || !strings.Contains(err.Error(), "WithDialect") {
		t.Fatalf("Connect err = %v, want one naming WithDialect", err)
	}
	if _, err := sql.OpenDB(c).Exec("SELECT 1"); err == nil || !strings.Contains(err.Error(), "WithDialect") {
		t.Fatalf("OpenDB err = %v", err)
	}
	if _, err := Wrap(nil).Open(""); err == nil {
		t.Fatal("Wrap(nil) opened")
	}
	if _, err := WrapConnector(nil).Connect(context.Background()); err == nil {
		t.Fatal("WrapConnector(nil) connected")
	}
}

func TestWithDialectPins(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want sqlguard.Dialect
	}{
		{"engine", []Option{WithDialect(sqlguard.DialectMySQL)}, sqlguard.DialectMySQL},
		{"engine+pin", []Option{WithDialect(sqlguard.DialectMySQL | sqlguard.NoBackslashEscapes)}, sqlguard.DialectMySQL | sqlguard.NoBackslashEscapes},
		{"pin after engine", []Option{WithDialect(sqlguard.DialectMySQL), WithDialect(sqlguard.ANSIQuotes)}, sqlguard.DialectMySQL | sqlguard.ANSIQuotes},
		{"last engine wins", []Option{WithDialect(sqlguard.DialectMySQL), WithDialect(sqlguard.DialectPostgres)}, sqlguard.DialectPostgres},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			intr, err := newInterceptor(newConfig(tt.opts...), &fakeDriver{})
			if err != nil {
				t.Fatal(err)
			}
			if intr.dialect != tt.want {
				t.Fatalf("dialect = %v, want %v", intr.dialect, tt.want)
			}
		})
	}
	if _, err := newInterceptor(newConfig(WithDialect(sqlguard.ANSIQuotes)), &fakeDriver{}); err == nil {
		t.Fatal("pins alone on an unknown driver: want the WithDialect error")
	}
}

func TestWrapConnector(t *testing.T) {
	log := &fakeLog{}
	rec := &recorder{}
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()), rasp.WithSyncHooks(), rasp.WithHook(rec.hook))
	c := WrapConnector(&fakeConnector{d: &fakeCtxDriver{fakeDriver{kind: ctxConnKind, log: log}}},
		WithDialect(sqlguard.DialectSQLite), withAnalyzer(quoteAnalyzer))
	db := sql.OpenDB(c)
	defer db.Close()
	ctx := taint.NewContext(rasp.NewContext(context.Background(), a), taint.Input{Source: taint.SourceForm, Key: "q", Value: attackInput})
	if _, err := db.ExecContext(ctx, attackStmt); !errors.Is(err, rasp.ErrBlocked) {
		t.Fatalf("err = %v", err)
	}
	if log.reached(attackStmt) {
		t.Fatal("blocked statement reached the driver")
	}
	if _, err := db.ExecContext(ctx, "SELECT 1"); err != nil || !log.reached("SELECT 1") {
		t.Fatalf("benign: %v", err)
	}
	if ev := rec.events(); len(ev) != 1 || detail(ev[0], "driver") != "*driver.fakeCtxDriver" {
		t.Fatalf("events = %+v", ev)
	}
	// The connector's driver opens by name through the wrapper.
	conn, err := db.Driver().Open("")
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
}

func TestConcurrentRequestsNeverMixInputs(t *testing.T) {
	e := newEnv(t, ctxConnKind, rasp.ModeProtect)
	const workers, rounds = 16, 50
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				key := fmt.Sprintf("w%d", w)
				val := fmt.Sprintf("v%d' OR '%d'='%d", w, r, r)
				ctx := e.reqCtx(taint.Input{Source: taint.SourceQuery, Key: key, Value: val})
				attack := "SELECT a, b FROM t WHERE name = '" + val + "'"
				_, err := e.db.ExecContext(ctx, attack)
				var be *rasp.BlockedError
				if !errors.As(err, &be) || be.Event.Finding.Input.Key != key || be.Event.Finding.Input.Value != val {
					errs <- fmt.Errorf("worker %d round %d: %v", w, r, err)
					return
				}
				// Another worker's attack text with this worker's inputs is
				// benign here.
				other := fmt.Sprintf("SELECT 1 WHERE 'v%d'' OR ''1''=''1' = 'x'", (w+1)%workers)
				if _, err := e.db.ExecContext(ctx, other); err != nil {
					errs <- fmt.Errorf("worker %d benign: %v", w, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(e.rec.events()); n != workers*rounds {
		t.Fatalf("%d events, want %d", n, workers*rounds)
	}
}

// TestSqlmwDeviations pins the sqlmw behaviours the package doc lists, so
// a change in sqlmw shows up here.
func TestSqlmwDeviations(t *testing.T) {
	e := newEnv(t, bareConnKind, rasp.ModeProtect)
	log := &fakeLog{}
	name := fmt.Sprintf("rasp-fake-raw-%d", driverSeq.Add(1))
	sql.Register(name, &fakeDriver{kind: bareConnKind, log: log})
	raw, err := sql.Open(name, "")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()

	// Ping: the bare conn has no Pinger; both succeed.
	if werr, rerr := e.db.Ping(), raw.Ping(); werr != nil || rerr != nil {
		t.Fatalf("ping: wrapped %v, unwrapped %v", werr, rerr)
	}
	// Conn.Raw hands out sqlmw's wrapper, which advertises interfaces the
	// driver's conn lacks.
	c, err := e.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Raw(func(dc any) error {
		if _, ok := dc.(*fakeConn); ok {
			return errors.New("Raw returned the driver's conn: update the package doc")
		}
		for _, iface := range []any{(*driver.Pinger)(nil), (*driver.SessionResetter)(nil), (*driver.Validator)(nil), (*driver.ExecerContext)(nil)} {
			if !reflectImplements(dc, iface) {
				return fmt.Errorf("sqlmw's conn no longer advertises %T: update the package doc", iface)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The wrapped driver always advertises DriverContext.
	if _, ok := e.db.Driver().(driver.DriverContext); !ok {
		t.Fatal("wrapped driver lacks DriverContext: update the package doc")
	}
}

func TestDriverContextDriver(t *testing.T) {
	// A driver with DriverContext opens through its own connector.
	log := &fakeLog{}
	rec := &recorder{}
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()), rasp.WithSyncHooks(), rasp.WithHook(rec.hook))
	name := fmt.Sprintf("rasp-fake-dc-%d", driverSeq.Add(1))
	Register(name, &fakeCtxDriver{fakeDriver{kind: ctxConnKind, log: log}}, WithDialect(sqlguard.DialectSQLite), withAnalyzer(quoteAnalyzer))
	db, err := sql.Open(name, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := taint.NewContext(rasp.NewContext(context.Background(), a), taint.Input{Source: taint.SourceQuery, Key: "name", Value: attackInput})
	for _, p := range callPaths {
		if err := p.run(ctx, db, attackStmt); !errors.Is(err, rasp.ErrBlocked) {
			t.Fatalf("%s: %v", p.name, err)
		}
		if err := p.run(ctx, db, "SELECT 1"); err != nil {
			t.Fatalf("%s benign: %v", p.name, err)
		}
	}
	if log.reached(attackStmt) || !log.reached("SELECT 1") {
		t.Fatal("wrong statements reached the driver")
	}
	if n := len(rec.events()); n != len(callPaths) {
		t.Fatalf("%d events, want %d", n, len(callPaths))
	}
}

func TestRegisterDuplicatePanics(t *testing.T) {
	name := fmt.Sprintf("rasp-fake-dup-%d", driverSeq.Add(1))
	Register(name, &fakeDriver{log: &fakeLog{}}, WithDialect(sqlguard.DialectSQLite))
	for _, d := range []driver.Driver{&fakeDriver{log: &fakeLog{}}, nil} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q, %v) did not panic", name, d)
				}
			}()
			Register(name, d, WithDialect(sqlguard.DialectSQLite))
		}()
	}
}
