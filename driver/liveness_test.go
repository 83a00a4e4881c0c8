package driver

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/sqlguard"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

// livenessPool is the connection pool of the liveness tests: a few stuck
// events would take every connection.
const livenessPool = 4

// poolDB opens the fake driver behind a, with a pool of livenessPool.
func poolDB(t *testing.T, a *rasp.Agent) *sql.DB {
	t.Helper()
	name := fmt.Sprintf("rasp-live-%d", driverSeq.Add(1))
	Register(name, &fakeDriver{kind: ctxConnKind, log: &fakeLog{}},
		WithAgent(a), WithDialect(sqlguard.DialectSQLite), withAnalyzer(quoteAnalyzer))
	db, err := sql.Open(name, "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(livenessPool)
	t.Cleanup(func() { db.Close() })
	return db
}

// serveAll runs attacks attack statements and benign benign ones, eight at
// a time, and fails the test unless every one returned within limit.
func serveAll(t *testing.T, a *rasp.Agent, db *sql.DB, attacks, benign int, limit time.Duration) {
	t.Helper()
	payload := taint.Input{Source: taint.SourceQuery, Key: "name", Value: "x' OR 'a'='a"}
	ctx := taint.NewContext(rasp.NewContext(context.Background(), a), payload)
	jobs := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	served := 0
	for range 8 {
		wg.Go(func() {
			for q := range jobs {
				if _, err := db.ExecContext(ctx, q); err != nil {
					t.Errorf("%s: %v", q, err)
					continue
				}
				mu.Lock()
				served++
				mu.Unlock()
			}
		})
	}
	done := make(chan struct{})
	go func() {
		for i := range attacks + benign {
			if i < benign {
				jobs <- fmt.Sprintf("SELECT %d", i)
			}
			if i < attacks {
				jobs <- "SELECT * FROM users WHERE name = '" + payload.Value + "'"
			}
		}
		close(jobs)
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(limit):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("%d of %d statements served in %v: the event path stalls the pool", served, attacks+benign, limit)
	}
}

// stuckPipe returns the write end of a pipe that nobody reads: writes block
// once its buffer is full. Closing the read end releases them.
func stuckPipe(t *testing.T) *os.File {
	w, _ := stuckPipeEnds(t)
	return w
}

func stuckPipeEnds(t *testing.T) (w, r *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return w, r
}

// TestStderrNeverRead is the demo with its stderr on a pipe nobody reads:
// every statement is still served, and the lost lines are counted.
func TestStderrNeverRead(t *testing.T) {
	saved := os.Stderr
	os.Stderr = stuckPipe(t)
	a := rasp.New(rasp.WithMode(rasp.ModeMonitor))
	os.Stderr = saved
	serveAll(t, a, poolDB(t, a), 1500, 20, 30*time.Second)
	st := a.Stats()
	if st.Sinks[rasp.SinkSQL].Findings != 1500 {
		t.Errorf("findings %d, want 1500", st.Sinks[rasp.SinkSQL].Findings)
	}
	if st.LogDrops == 0 {
		t.Error("LogDrops = 0 with a sink that never reads")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := a.Flush(ctx); err == nil {
		t.Error("Flush returned nil with a sink that never reads")
	}
}

// TestLogWriterNeverRead: WithLogWriter gets the same queue.
func TestLogWriterNeverRead(t *testing.T) {
	a := rasp.New(rasp.WithMode(rasp.ModeMonitor), rasp.WithLogWriter(stuckPipe(t)))
	serveAll(t, a, poolDB(t, a), 1500, 20, 30*time.Second)
	if a.Stats().LogDrops == 0 {
		t.Error("LogDrops = 0 with a sink that never reads")
	}
}

// TestHookBlocksForever: a hook that never returns delays no statement by
// default; the events it cannot take are counted.
func TestHookBlocksForever(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	a := rasp.New(rasp.WithMode(rasp.ModeMonitor), rasp.WithLogger(zerolog.Nop()),
		rasp.WithHook(func(context.Context, rasp.Event) { <-release }))
	serveAll(t, a, poolDB(t, a), 1500, 20, 30*time.Second)
	if d := a.Stats().HookDrops; d == 0 || d > 1500 {
		t.Errorf("HookDrops = %d, want between 1 and 1500", d)
	}
}

// TestSynchronousSinksCost shows what WithLogger, WithSlog and WithSyncHooks cost
// when their sink blocks: livenessPool stuck events hold the whole pool,
// and a benign statement waits with them. Their docs say so.
func TestSynchronousSinksCost(t *testing.T) {
	for name, opt := range map[string]func(t *testing.T, release chan struct{}) rasp.Option{
		"WithLogger": func(t *testing.T, release chan struct{}) rasp.Option {
			w, r := stuckPipeEnds(t)
			go func() { <-release; r.Close() }()
			return rasp.WithLogger(zerolog.New(w))
		},
		"WithSlog": func(t *testing.T, release chan struct{}) rasp.Option {
			w, r := stuckPipeEnds(t)
			go func() { <-release; r.Close() }()
			return rasp.WithSlog(slog.New(slog.NewJSONHandler(w, nil)))
		},
		"WithSyncHooks": func(_ *testing.T, release chan struct{}) rasp.Option {
			return rasp.WithHook(func(context.Context, rasp.Event) { <-release })
		},
	} {
		t.Run(name, func(t *testing.T) {
			release := make(chan struct{})
			opts := []rasp.Option{rasp.WithMode(rasp.ModeMonitor), rasp.WithLogger(zerolog.Nop()), rasp.WithSyncHooks(), opt(t, release)}
			a := rasp.New(opts...)
			db := poolDB(t, a)
			payload := taint.Input{Source: taint.SourceQuery, Key: "name", Value: "x' OR 'a'='a"}
			ctx := taint.NewContext(rasp.NewContext(context.Background(), a), payload)
			attack := "SELECT * FROM users WHERE name = '" + payload.Value + "' AND note = '" + string(make([]byte, 16<<10)) + "'"
			var wg sync.WaitGroup
			// A pipe's buffer takes a few events; enough of them fill it and
			// then hold every connection.
			for range 64 {
				wg.Go(func() { _, _ = db.ExecContext(ctx, attack) })
			}
			// Wait until every connection is held and calls queue for one.
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				if s := db.Stats(); s.InUse == livenessPool && s.WaitCount > 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("pool never filled: %+v", db.Stats())
				}
			}
			benign := make(chan error, 1)
			go func() {
				_, err := db.ExecContext(ctx, "SELECT 1")
				benign <- err
			}()
			select {
			case err := <-benign:
				t.Errorf("benign statement served (%v) while the sink blocked: the synchronous cost is gone, update the docs", err)
				benign <- err
			case <-time.After(300 * time.Millisecond):
			}
			close(release)
			wg.Wait()
			<-benign
		})
	}
}
