package driver

// Helpers that look through sqlmw's adapter to the driver's own conn.

import (
	"context"
	"database/sql/driver"
	"reflect"
	"runtime"
	"strings"
)

func implementsBeginTx(c driver.Conn) bool {
	_, ok := c.(driver.ConnBeginTx)
	return ok
}

// parentConn returns the driver's own conn from inside sqlmw's adapter
// (wrappedParentConn, a struct embedding driver.Conn), and false when c is
// not such an adapter.
func parentConn(c any) (driver.Conn, bool) {
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Struct || v.NumField() != 1 {
		return nil, false
	}
	f := v.Field(0)
	if f.Kind() != reflect.Interface || !f.CanInterface() || f.IsNil() {
		return nil, false
	}
	p, ok := f.Interface().(driver.Conn)
	return p, ok
}

// canExec reports whether the conn under sqlmw's adapter can run a
// statement directly.
func canExec(conn driver.ExecerContext) bool {
	p, ok := parentConn(conn)
	if !ok {
		return true
	}
	switch p.(type) {
	//lint:ignore SA1019 database/sql and sqlmw still honour the legacy interface
	case driver.ExecerContext, driver.Execer:
		return true
	}
	return false
}

// execContext runs conn.ExecContext. Should sqlmw's legacy fallback still
// fail its driver.Execer assertion, the panic becomes driver.ErrSkip, the
// answer database/sql expects from such a conn.
func execContext(ctx context.Context, conn driver.ExecerContext, query string, args []driver.NamedValue) (res driver.Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			if te, ok := r.(*runtime.TypeAssertionError); ok && strings.Contains(te.Error(), "driver.Execer") {
				res, err = nil, driver.ErrSkip
				return
			}
			panic(r)
		}
	}()
	return conn.ExecContext(ctx, query, args)
}
