package driver_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorasp/rasp"
	raspdriver "github.com/gorasp/rasp/driver"
	"github.com/gorasp/rasp/sqlguard"
	"github.com/mattn/go-sqlite3"
	"github.com/ngrok/sqlmw"
	"github.com/rs/zerolog"
)

// The benchmarks compare, on SQLite in memory, a primary-key SELECT
// through database/sql with three drivers: go-sqlite3 unwrapped, wrapped by
// sqlmw with its NullInterceptor, and wrapped by rasp. The request context
// holds the agent and 10 inputs.

var registerBench = sync.OnceFunc(func() {
	sql.Register("bench-sqlmw", sqlmw.Driver(&sqlite3.SQLiteDriver{}, sqlmw.NullInterceptor{}))
	raspdriver.Register("bench-rasp", &sqlite3.SQLiteDriver{})
})

func openBench(b *testing.B, name string) *sql.DB {
	b.Helper()
	registerBench()
	db, err := sql.Open(name, ":memory:")
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	b.Cleanup(func() { db.Close() })
	seed(b, db)
	return db
}

// seed creates and fills the benchmarks' users table.
func seed(b *testing.B, db *sql.DB) {
	b.Helper()
	// Setup runs with a ModeOff agent: no blind-spot warnings.
	ctx := rasp.NewContext(context.Background(), rasp.New(rasp.WithMode(rasp.ModeOff), rasp.WithLogger(zerolog.Nop())))
	if _, err := db.ExecContext(ctx, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL)"); err != nil {
		b.Fatal(err)
	}
	// The inlined variant looks users up by name: index it, so both
	// variants are single-row index lookups.
	if _, err := db.ExecContext(ctx, "CREATE UNIQUE INDEX users_name ON users (name)"); err != nil {
		b.Fatal(err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		if _, err := tx.ExecContext(ctx, "INSERT INTO users (id, name, email) VALUES (?, ?, ?)", i, fmt.Sprintf("user%d", i), fmt.Sprintf("user%d@example.com", i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

type benchQuery struct {
	name string
	q    string
	args []any
}

var benchQueries = []benchQuery{
	{"param", "SELECT id, name, email FROM users WHERE id = ?", []any{42}},
	{"inlined", "SELECT id, name, email FROM users WHERE name = 'user42'", nil},
}

func selectOne(b *testing.B, ctx context.Context, db *sql.DB, bq benchQuery) {
	var id int
	var name, email string
	if err := db.QueryRowContext(ctx, bq.q, bq.args...).Scan(&id, &name, &email); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPKSelect runs each driver on its own; use it with benchstat.
func BenchmarkPKSelect(b *testing.B) {
	for _, bq := range benchQueries {
		for _, drv := range []struct {
			name, driver string
			mode         rasp.Mode
		}{
			{"unwrapped", "sqlite3", rasp.ModeProtect},
			{"sqlmw", "bench-sqlmw", rasp.ModeProtect},
			{"rasp", "bench-rasp", rasp.ModeProtect},
			{"rasp-off", "bench-rasp", rasp.ModeOff},
		} {
			b.Run(bq.name+"/"+drv.name, func(b *testing.B) {
				db := openBench(b, drv.driver)
				ctx := raspdriver.BenchCtx(drv.mode)
				b.ReportAllocs()
				for b.Loop() {
					selectOne(b, ctx, db, bq)
				}
			})
		}
	}
}

// BenchmarkPKSelectInterleaved runs the drivers in alternating rounds, so
// that drift of the machine hits all of them alike, and reports the median
// of the per-round differences: rasp-over-sqlmw-ns/op is rasp's own cost,
// sqlmw-over-unwrapped-ns/op sqlmw's, off-over-sqlmw-ns/op rasp's in
// ModeOff, and sqlmw-over-sqlmw-ns/op, between two databases that both run
// sqlmw, the noise floor of the others.
//
// Rounds are short (20 queries, about 100 µs): on a loaded machine a round
// the scheduler interrupts is an outlier the median leaves out, and long
// rounds were nearly all interrupted (with 200 queries, two identical
// databases differed by up to ±250 ns; with 20, by ±30). Every variant
// drives the same SQLite connection (see [sharedConn]): two in-memory
// databases with the same rows differ by some tens of ns per query on
// their own, the same way in every run.
func BenchmarkPKSelectInterleaved(b *testing.B) {
	const perRound = 20
	for _, bq := range benchQueries {
		b.Run(bq.name, func(b *testing.B) {
			dsn := openShared(b)
			// unwrapped, sqlmw, rasp, rasp in ModeOff, sqlmw again.
			drivers := []string{"bench-shared", "bench-shared-sqlmw", "bench-shared-rasp", "bench-shared-rasp", "bench-shared-sqlmw"}
			protect, off := raspdriver.BenchCtx(rasp.ModeProtect), raspdriver.BenchCtx(rasp.ModeOff)
			ctxs := []context.Context{protect, protect, protect, off, protect}
			dbs := make([]*sql.DB, len(drivers))
			for k, name := range drivers {
				dbs[k] = openSharedDB(b, name, dsn)
				selectOne(b, ctxs[k], dbs[k], bq) // warm: each pool holds its conn
			}
			rounds := make([][]float64, len(dbs))
			round := 0
			for b.Loop() {
				for k := range dbs {
					j := (k + round) % len(dbs) // rotate who goes first
					start := time.Now()
					for range perRound {
						selectOne(b, ctxs[j], dbs[j], bq)
					}
					rounds[j] = append(rounds[j], float64(time.Since(start).Nanoseconds())/perRound)
				}
				round++
			}
			diff := func(x, y []float64) float64 {
				d := make([]float64, len(x))
				for i := range x {
					d[i] = x[i] - y[i]
				}
				return median(d)
			}
			b.ReportMetric(median(rounds[0]), "unwrapped-ns/op")
			b.ReportMetric(diff(rounds[1], rounds[0]), "sqlmw-over-unwrapped-ns/op")
			b.ReportMetric(diff(rounds[2], rounds[1]), "rasp-over-sqlmw-ns/op")
			b.ReportMetric(diff(rounds[3], rounds[1]), "off-over-sqlmw-ns/op")
			b.ReportMetric(diff(rounds[4], rounds[1]), "sqlmw-over-sqlmw-ns/op")
			b.ReportMetric(median(rounds[2])/median(rounds[0]), "rasp/unwrapped")
		})
	}
}

// sharedConn is the one SQLite connection every database of
// [BenchmarkPKSelectInterleaved] opens: database/sql and the wrappers are
// what differ between them, never the database. Its Close is left to the
// benchmark's cleanup. The databases take turns, one query at a time.
type sharedConn struct{ *sqlite3.SQLiteConn }

func (sharedConn) Close() error { return nil }

// sharedDriver opens the sharedConn its name is registered under.
type sharedDriver struct{}

var sharedConns sync.Map // name -> *sqlite3.SQLiteConn

func (sharedDriver) Open(name string) (driver.Conn, error) {
	c, ok := sharedConns.Load(name)
	if !ok {
		return nil, fmt.Errorf("no shared connection %q", name)
	}
	return sharedConn{c.(*sqlite3.SQLiteConn)}, nil
}

var registerShared = sync.OnceFunc(func() {
	sql.Register("bench-shared", sharedDriver{})
	sql.Register("bench-shared-sqlmw", sqlmw.Driver(sharedDriver{}, sqlmw.NullInterceptor{}))
	raspdriver.Register("bench-shared-rasp", sharedDriver{}, raspdriver.WithDialect(sqlguard.DialectSQLite))
})

var sharedSeq atomic.Int64

// openShared opens a SQLite connection to a new in-memory database with
// the benchmark's table, for the databases openSharedDB opens, and returns
// its name.
func openShared(b *testing.B) string {
	b.Helper()
	registerShared()
	c, err := (&sqlite3.SQLiteDriver{}).Open(":memory:")
	if err != nil {
		b.Fatal(err)
	}
	name := fmt.Sprintf("shared-%d", sharedSeq.Add(1))
	sharedConns.Store(name, c.(*sqlite3.SQLiteConn))
	b.Cleanup(func() {
		sharedConns.Delete(name)
		c.Close()
	})
	seed(b, openSharedDB(b, "bench-shared", name))
	return name
}

// openSharedDB opens name's shared connection through driverName.
func openSharedDB(b *testing.B, driverName, name string) *sql.DB {
	b.Helper()
	db, err := sql.Open(driverName, name)
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	b.Cleanup(func() { db.Close() }) // runs before the connection's own Close
	return db
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	s := slices.Clone(x)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
