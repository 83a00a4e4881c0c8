package driver_test

import (
	"context"
	"database/sql/driver"
	"fmt"
	"io"
)

// printDriver is a database/sql driver that prints each statement it runs
// and returns no rows.
type printDriver struct{}

func (printDriver) Open(string) (driver.Conn, error) { return printConn{}, nil }

type printConn struct{}

func (printConn) Prepare(q string) (driver.Stmt, error) { return printStmt(q), nil }
func (printConn) Close() error                          { return nil }
func (printConn) Begin() (driver.Tx, error)             { return printTx{}, nil }

func (printConn) ExecContext(_ context.Context, q string, _ []driver.NamedValue) (driver.Result, error) {
	fmt.Println("ran:", q)
	return driver.RowsAffected(0), nil
}

func (printConn) QueryContext(_ context.Context, q string, _ []driver.NamedValue) (driver.Rows, error) {
	fmt.Println("ran:", q)
	return printRows{}, nil
}

type printStmt string

func (printStmt) Close() error  { return nil }
func (printStmt) NumInput() int { return -1 }

func (s printStmt) Exec([]driver.Value) (driver.Result, error) {
	fmt.Println("ran:", string(s))
	return driver.RowsAffected(0), nil
}

func (s printStmt) Query([]driver.Value) (driver.Rows, error) {
	fmt.Println("ran:", string(s))
	return printRows{}, nil
}

type printTx struct{}

func (printTx) Commit() error   { return nil }
func (printTx) Rollback() error { return nil }

type printRows struct{}

func (printRows) Columns() []string         { return nil }
func (printRows) Close() error              { return nil }
func (printRows) Next([]driver.Value) error { return io.EOF }

// printConnector is a driver.Connector for printDriver, as drivers that
// take their configuration in code provide.
type printConnector struct{}

func (printConnector) Connect(context.Context) (driver.Conn, error) { return printConn{}, nil }
func (printConnector) Driver() driver.Driver                        { return printDriver{} }
