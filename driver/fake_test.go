package driver

// A fake database/sql driver with selectable optional interfaces, modelled
// on database/sql's fakedb_test.go: it records every statement that reaches
// it, so tests can prove a blocked statement never did.

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"reflect"
	"sync"
)

// connKind selects the optional interfaces a fake conn offers.
type connKind int

const (
	ctxConnKind    connKind = iota // ConnPrepareContext, ConnBeginTx, ExecerContext, QueryerContext; stmts with the context interfaces
	legacyConnKind                 // Execer and Queryer only; legacy stmts
	bareConnKind                   // Prepare, Close, Begin only; legacy stmts
	skipConnKind                   // context interfaces, but Exec and Query with arguments answer ErrSkip (like go-sql-driver/mysql)
)

func (k connKind) String() string {
	return [...]string{"context", "legacy", "bare", "skip"}[k]
}

// fakeLog records what reached the driver.
type fakeLog struct {
	mu    sync.Mutex
	stmts []string // statements executed, queried or prepared
	txs   []driver.TxOptions
}

func (l *fakeLog) add(s string) {
	l.mu.Lock()
	l.stmts = append(l.stmts, s)
	l.mu.Unlock()
}

func (l *fakeLog) reached(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, x := range l.stmts {
		if x == s {
			return true
		}
	}
	return false
}

// fakeDriver has no DriverContext; fakeCtxDriver adds it.
type fakeDriver struct {
	kind connKind
	log  *fakeLog
}

func (d *fakeDriver) Open(string) (driver.Conn, error) {
	base := fakeConn{log: d.log, ctxStmts: d.kind == ctxConnKind || d.kind == skipConnKind}
	switch d.kind {
	case ctxConnKind:
		return &ctxConn{fakeConn: base}, nil
	case skipConnKind:
		return &ctxConn{fakeConn: base, skipArgs: true}, nil
	case legacyConnKind:
		return &legacyConn{fakeConn: base}, nil
	}
	return &base, nil
}

type fakeCtxDriver struct{ fakeDriver }

func (d *fakeCtxDriver) OpenConnector(name string) (driver.Connector, error) {
	return &fakeConnector{d: d}, nil
}

type fakeConnector struct{ d *fakeCtxDriver }

func (c *fakeConnector) Connect(context.Context) (driver.Conn, error) { return c.d.Open("") }
func (c *fakeConnector) Driver() driver.Driver                        { return c.d }

// fakeConn is the bare conn: Prepare, Close, Begin.
type fakeConn struct {
	log      *fakeLog
	ctxStmts bool
}

func (c *fakeConn) Prepare(q string) (driver.Stmt, error) {
	c.log.add(q)
	if c.ctxStmts {
		return &ctxStmt{fakeStmt{q: q}}, nil
	}
	return &fakeStmt{q: q}, nil
}

func (c *fakeConn) Close() error { return nil }

func (c *fakeConn) Begin() (driver.Tx, error) {
	c.log.mu.Lock()
	c.log.txs = append(c.log.txs, driver.TxOptions{})
	c.log.mu.Unlock()
	return fakeTx{}, nil
}

type legacyConn struct{ fakeConn }

// legacyConn offers the pre-context interfaces on purpose.
var (
	//lint:ignore SA1019 the legacy interface is what this fake tests
	_ driver.Execer = (*legacyConn)(nil)
	//lint:ignore SA1019 the legacy interface is what this fake tests
	_ driver.Queryer = (*legacyConn)(nil)
)

func (c *legacyConn) Exec(q string, args []driver.Value) (driver.Result, error) {
	c.log.add(q)
	return driver.RowsAffected(1), nil
}

func (c *legacyConn) Query(q string, args []driver.Value) (driver.Rows, error) {
	c.log.add(q)
	return newRows(q, args), nil
}

type ctxConn struct {
	fakeConn
	skipArgs bool
}

var (
	_ driver.ConnPrepareContext = (*ctxConn)(nil)
	_ driver.ConnBeginTx        = (*ctxConn)(nil)
	_ driver.ExecerContext      = (*ctxConn)(nil)
	_ driver.QueryerContext     = (*ctxConn)(nil)
)

func (c *ctxConn) PrepareContext(_ context.Context, q string) (driver.Stmt, error) {
	return c.Prepare(q)
}

func (c *ctxConn) BeginTx(_ context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.log.mu.Lock()
	c.log.txs = append(c.log.txs, opts)
	c.log.mu.Unlock()
	return fakeTx{}, nil
}

func (c *ctxConn) ExecContext(_ context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	if c.skipArgs && len(args) > 0 {
		return nil, driver.ErrSkip
	}
	c.log.add(q)
	return driver.RowsAffected(1), nil
}

func (c *ctxConn) QueryContext(_ context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	if c.skipArgs && len(args) > 0 {
		return nil, driver.ErrSkip
	}
	c.log.add(q)
	return newRows(q, namedValues(args)), nil
}

func namedValues(nv []driver.NamedValue) []driver.Value {
	v := make([]driver.Value, len(nv))
	for i, a := range nv {
		v[i] = a.Value
	}
	return v
}

type fakeTx struct{}

func (fakeTx) Commit() error   { return nil }
func (fakeTx) Rollback() error { return nil }

// fakeStmt is a legacy stmt; its statement was recorded at prepare.
type fakeStmt struct{ q string }

func (s *fakeStmt) Close() error  { return nil }
func (s *fakeStmt) NumInput() int { return -1 }

func (s *fakeStmt) Exec(args []driver.Value) (driver.Result, error) {
	return driver.RowsAffected(1), nil
}

func (s *fakeStmt) Query(args []driver.Value) (driver.Rows, error) {
	return newRows(s.q, args), nil
}

type ctxStmt struct{ fakeStmt }

func (s *ctxStmt) ExecContext(_ context.Context, args []driver.NamedValue) (driver.Result, error) {
	return driver.RowsAffected(1), nil
}

func (s *ctxStmt) QueryContext(_ context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return newRows(s.q, namedValues(args)), nil
}

// fakeRows returns one row: the statement and its first argument.
type fakeRows struct {
	q    string
	arg  driver.Value
	done bool
}

func newRows(q string, args []driver.Value) *fakeRows {
	r := &fakeRows{q: q}
	if len(args) > 0 {
		r.arg = args[0]
	}
	return r
}

func (r *fakeRows) Columns() []string { return []string{"statement", "arg"} }
func (r *fakeRows) Close() error      { return nil }

func (r *fakeRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	r.done = true
	dest[0] = r.q
	dest[1] = r.arg
	return nil
}

var errFakePanic = errors.New("fake analyzer panic")

// reflectImplements reports whether v implements the interface ptr points
// to (a typed nil pointer to an interface type).
func reflectImplements(v any, ptr any) bool {
	return reflect.TypeOf(v).Implements(reflect.TypeOf(ptr).Elem())
}
