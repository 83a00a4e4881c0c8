package driver_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gorasp/rasp"
	raspdriver "github.com/gorasp/rasp/driver"
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
	return db
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
// ModeOff.
func BenchmarkPKSelectInterleaved(b *testing.B) {
	const perRound = 200
	for _, bq := range benchQueries {
		b.Run(bq.name, func(b *testing.B) {
			dbs := []*sql.DB{openBench(b, "sqlite3"), openBench(b, "bench-sqlmw"), openBench(b, "bench-rasp"), openBench(b, "bench-rasp")}
			ctxs := []context.Context{raspdriver.BenchCtx(rasp.ModeProtect), raspdriver.BenchCtx(rasp.ModeProtect), raspdriver.BenchCtx(rasp.ModeProtect), raspdriver.BenchCtx(rasp.ModeOff)}
			var rounds [4][]float64
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
			b.ReportMetric(median(rounds[2])/median(rounds[0]), "rasp/unwrapped")
		})
	}
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
