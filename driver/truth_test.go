package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/sqlguard"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

// scriptDriver is a driver whose ExecContext runs exec: a slow statement,
// a connection that went bad.
type scriptDriver struct {
	exec func(ctx context.Context, q string) (driver.Result, error)
}

func (d *scriptDriver) Open(string) (driver.Conn, error) { return &scriptConn{d: d}, nil }

type scriptConn struct{ d *scriptDriver }

func (c *scriptConn) Prepare(q string) (driver.Stmt, error) { return &fakeStmt{q: q}, nil }
func (c *scriptConn) Close() error                          { return nil }
func (c *scriptConn) Begin() (driver.Tx, error)             { return fakeTx{}, nil }
func (c *scriptConn) ExecContext(ctx context.Context, q string, _ []driver.NamedValue) (driver.Result, error) {
	return c.d.exec(ctx, q)
}

var _ driver.ExecerContext = (*scriptConn)(nil)

func scriptDB(t *testing.T, a *rasp.Agent, exec func(context.Context, string) (driver.Result, error)) *sql.DB {
	t.Helper()
	name := fmt.Sprintf("rasp-script-%d", driverSeq.Add(1))
	Register(name, &scriptDriver{exec: exec}, WithAgent(a), WithDialect(sqlguard.DialectSQLite), withAnalyzer(quoteAnalyzer))
	db, err := sql.Open(name, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func attackCtx(a *rasp.Agent) context.Context {
	return taint.NewContext(rasp.NewContext(context.Background(), a),
		taint.Input{Source: taint.SourceForm, Key: "name", Value: attackInput})
}

// TestModeSwitchDuringCall switches the agent to protect while a monitored
// statement runs: the statement ran, so its event must not say blocked,
// and no block is counted.
func TestModeSwitchDuringCall(t *testing.T) {
	rec := &recorder{}
	a := rasp.New(rasp.WithMode(rasp.ModeMonitor), rasp.WithLogger(zerolog.Nop()), rasp.WithSyncHooks(), rasp.WithHook(rec.hook))
	running, release := make(chan struct{}), make(chan struct{})
	db := scriptDB(t, a, func(context.Context, string) (driver.Result, error) {
		close(running)
		<-release
		return driver.RowsAffected(1), nil
	})
	errc := make(chan error, 1)
	go func() {
		_, err := db.ExecContext(attackCtx(a), "SELECT * FROM t WHERE name = '"+attackInput+"'")
		errc <- err
	}()
	<-running
	a.SetMode(rasp.ModeProtect)
	close(release)
	if err := <-errc; err != nil {
		t.Fatalf("the statement ran, yet the call failed: %v", err)
	}
	evs := rec.events()
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1", len(evs))
	}
	if evs[0].Blocked || evs[0].Mode != rasp.ModeMonitor {
		t.Errorf("event blocked=%v mode=%v for a statement that ran in monitor", evs[0].Blocked, evs[0].Mode)
	}
	if b := a.Stats().Sinks[rasp.SinkSQL].Blocks; b != 0 {
		t.Errorf("%d blocks counted for a statement that ran", b)
	}
}

// TestBadConnRetriesDecideOnce: database/sql runs a call again on another
// connection after driver.ErrBadConn; the call is still one decision.
func TestBadConnRetriesDecideOnce(t *testing.T) {
	for _, bad := range []int{1, 2, 10} {
		t.Run(fmt.Sprintf("bad=%d", bad), func(t *testing.T) {
			rec := &recorder{}
			a := rasp.New(rasp.WithMode(rasp.ModeMonitor), rasp.WithLogger(zerolog.Nop()), rasp.WithSyncHooks(), rasp.WithHook(rec.hook))
			var attempts atomic.Int32
			db := scriptDB(t, a, func(context.Context, string) (driver.Result, error) {
				if int(attempts.Add(1)) <= bad {
					return nil, driver.ErrBadConn
				}
				return driver.RowsAffected(1), nil
			})
			_, err := db.ExecContext(attackCtx(a), "SELECT * FROM t WHERE name = '"+attackInput+"'")
			if attempts.Load() < 2 {
				t.Fatalf("%d attempts: database/sql did not retry", attempts.Load())
			}
			if bad < int(attempts.Load()) && err != nil {
				t.Fatalf("err %v after a good attempt", err)
			}
			if n := len(rec.events()); n != 1 {
				t.Errorf("%d events for one call of %d attempts, want 1", n, attempts.Load())
			}
			if f := a.Stats().Sinks[rasp.SinkSQL].Findings; f != 1 {
				t.Errorf("%d findings counted, want 1", f)
			}
			// The next call of the same statement is a decision of its own.
			attempts.Store(int32(bad))
			if _, err := db.ExecContext(attackCtx(a), "SELECT * FROM t WHERE name = '"+attackInput+"'"); err != nil {
				t.Fatal(err)
			}
			if n := len(rec.events()); n != 2 {
				t.Errorf("%d events after a second call, want 2", n)
			}
		})
	}
}

// TestProtectNotRetried: a blocked call is refused once; its error is no
// ErrBadConn, so database/sql does not try again.
func TestProtectNotRetried(t *testing.T) {
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	var attempts atomic.Int32
	db := scriptDB(t, a, func(context.Context, string) (driver.Result, error) {
		attempts.Add(1)
		return nil, driver.ErrBadConn
	})
	_, err := db.ExecContext(attackCtx(a), "SELECT * FROM t WHERE name = '"+attackInput+"'")
	if !errors.Is(err, rasp.ErrBlocked) || attempts.Load() != 0 {
		t.Fatalf("err %v after %d attempts, want blocked before any", err, attempts.Load())
	}
	if b := a.Stats().Sinks[rasp.SinkSQL].Blocks; b != 1 {
		t.Errorf("%d blocks, want 1", b)
	}
}
