package integration

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/gorasp/rasp"
	raspdriver "github.com/gorasp/rasp/driver"
	"github.com/gorasp/rasp/internal/testlog"
	"github.com/gorasp/rasp/taint"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/lib/pq"
	"github.com/mattn/go-sqlite3"
	"github.com/rs/zerolog"
)

// The wrapped drivers, registered once, dialect detected from their types.
func init() {
	raspdriver.Register("rasp-sqlite3", &sqlite3.SQLiteDriver{})
	raspdriver.Register("rasp-pgx", stdlib.GetDefaultDriver())
	raspdriver.Register("rasp-pq", &pq.Driver{})
	raspdriver.Register("rasp-mysql", &mysql.MySQLDriver{})
}

// serviceDSN returns the DSN in env, or skips (fails under
// RASP_REQUIRE_SERVICES=1) when it is unset.
func serviceDSN(t testing.TB, env string) string {
	t.Helper()
	dsn := os.Getenv(env)
	if dsn == "" {
		if os.Getenv("RASP_REQUIRE_SERVICES") == "1" {
			t.Fatalf("%s not set and RASP_REQUIRE_SERVICES=1: start servers with scripts/services.sh", env)
		}
		t.Skipf("%s not set: start servers with scripts/services.sh", env)
	}
	return dsn
}

func uniqueName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}

// backend is one database engine reached through a plain and a wrapped
// driver, both on the same, freshly created database.
type backend struct {
	name    string
	driver  string // the "driver" detail of its events: the name its package registers
	plain   *sql.DB
	wrapped *sql.DB
	// ph returns the n-th (1-based) placeholder.
	ph func(n int) string
	// stacked reports whether the plain driver runs two statements in one
	// Exec.
	stacked bool
}

// rebind turns ? placeholders into the backend's.
func (b *backend) rebind(q string) string {
	var out strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			out.WriteString(b.ph(n))
			continue
		}
		out.WriteRune(r)
	}
	return out.String()
}

func qmark(int) string    { return "?" }
func dollar(n int) string { return fmt.Sprintf("$%d", n) }
func mustOpen(t testing.TB, driverName, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// quiet is a context for setup statements: a ModeOff agent, so setup
// writes no blind-spot warnings.
var quiet = rasp.NewContext(context.Background(), rasp.New(rasp.WithMode(rasp.ModeOff), rasp.WithLogger(zerolog.Nop())))

func sqliteBackend(t testing.TB) *backend {
	dsn := "file:" + filepath.Join(t.TempDir(), "test.db") + "?_busy_timeout=5000&_journal_mode=WAL"
	b := &backend{name: "sqlite", driver: "sqlite3", plain: mustOpen(t, "sqlite3", dsn), wrapped: mustOpen(t, "rasp-sqlite3", dsn), ph: qmark, stacked: true}
	return b
}

func postgresBackend(t testing.TB, driverName string) *backend {
	dsn := pgSchemaDSN(t, "rasp_drv")
	plainName := "pgx"
	if driverName == "rasp-pq" {
		plainName = "postgres"
	}
	return &backend{name: driverName, driver: plainName, plain: mustOpen(t, plainName, dsn), wrapped: mustOpen(t, driverName, dsn), ph: dollar, stacked: driverName == "rasp-pq"}
}

// pgSchemaDSN creates a schema of its own for the test in the PostgreSQL
// server of RASP_PG_DSN, dropped when the test ends, and returns a DSN
// whose search_path is that schema.
func pgSchemaDSN(t testing.TB, prefix string) string {
	base := serviceDSN(t, "RASP_PG_DSN")
	admin := mustOpen(t, "pgx", base)
	schema := uniqueName(prefix)
	if _, err := admin.ExecContext(quiet, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.ExecContext(quiet, "DROP SCHEMA "+schema+" CASCADE") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func mysqlBackend(t testing.TB) *backend {
	base := serviceDSN(t, "RASP_MYSQL_DSN")
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		t.Fatal(err)
	}
	admin := mustOpen(t, "mysql", base)
	dbname := uniqueName("rasp_drv")
	if _, err := admin.ExecContext(quiet, "CREATE DATABASE "+dbname); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.ExecContext(quiet, "DROP DATABASE "+dbname) })
	cfg.DBName = dbname
	cfg.MultiStatements = true // stacked statements run: the attack below is real
	dsn := cfg.FormatDSN()
	return &backend{name: "mysql", driver: "mysql", plain: mustOpen(t, "mysql", dsn), wrapped: mustOpen(t, "rasp-mysql", dsn), ph: qmark, stacked: true}
}

// backends lists the engines; each subtest opens its own database.
var backends = []struct {
	name string
	open func(testing.TB) *backend
}{
	{"sqlite", sqliteBackend},
	{"postgres-pgx", func(t testing.TB) *backend { return postgresBackend(t, "rasp-pgx") }},
	{"postgres-pq", func(t testing.TB) *backend { return postgresBackend(t, "rasp-pq") }},
	{"mariadb", mysqlBackend},
}

// eachBackend runs f in a parallel subtest per backend, on a freshly
// seeded database.
func eachBackend(t *testing.T, f func(t *testing.T, b *backend)) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			b := be.open(t)
			seed(t, b)
			f(t, b)
		})
	}
}

func seed(t testing.TB, b *backend) {
	t.Helper()
	for _, q := range []string{
		"CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(64) NOT NULL, role VARCHAR(16) NOT NULL, score INTEGER NOT NULL)",
		"INSERT INTO users (id, name, role, score) VALUES (1, 'alice', 'admin', 90), (2, 'bob', 'user', 75), (3, 'carol', 'user', 82), (4, 'o''brien', 'user', 60)",
	} {
		if _, err := b.plain.ExecContext(quiet, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func userCount(t testing.TB, b *backend) int {
	t.Helper()
	var n int
	if err := b.plain.QueryRowContext(quiet, "SELECT count(*) FROM users").Scan(&n); err != nil {
		t.Fatalf("users table: %v", err)
	}
	return n
}

func newAgent(mode rasp.Mode) (*rasp.Agent, *testlog.Buffer) {
	buf := &testlog.Buffer{}
	return rasp.New(rasp.WithMode(mode), rasp.WithLogger(zerolog.New(buf))), buf
}

// reqCtx is one request's context: its agent and inputs.
func reqCtx(a *rasp.Agent, key, value string) context.Context {
	return taint.NewContext(rasp.NewContext(context.Background(), a),
		taint.Input{Source: taint.SourceQuery, Key: key, Value: value},
		taint.Input{Source: taint.SourceHeader, Key: "User-Agent", Value: "integration-test/1.0"},
		taint.Input{Source: taint.SourcePath, Value: "users"})
}

// dumpRows renders a result set, for comparing wrapped and plain drivers.
func dumpRows(rows *sql.Rows, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	types, _ := rows.ColumnTypes()
	var out strings.Builder
	for i, c := range cols {
		fmt.Fprintf(&out, "%s:%s ", c, types[i].DatabaseTypeName())
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "scan error: " + err.Error()
		}
		out.WriteString("\n")
		for _, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&out, "%v|", v)
		}
	}
	if err := rows.Err(); err != nil {
		out.WriteString("\nerr: " + err.Error())
	}
	return out.String()
}

// benignCases are statements where the input stays data: bound, or inlined
// inside a literal or as a single value.
var benignCases = []struct {
	name, input, q string
	args           []any
}{
	{"bound quote", "x' OR '1'='1", "SELECT id, name FROM users WHERE name = ? ORDER BY id", []any{"x' OR '1'='1"}},
	{"bound hit", "alice", "SELECT id, name, role, score FROM users WHERE name = ?", []any{"alice"}},
	{"bound two", "user", "SELECT id FROM users WHERE role = ? AND score > ? ORDER BY id", []any{"user", 70}},
	{"inlined literal", "carol", "SELECT id, name FROM users WHERE name = 'carol'", nil},
	{"inlined escaped quote", "o'brien", "SELECT id, score FROM users WHERE name = 'o''brien'", nil},
	{"inlined number", "2", "SELECT name FROM users WHERE id = 2", nil},
	{"inlined order column", "score", "SELECT name FROM users ORDER BY score DESC", nil},
	{"inlined like", "ar", "SELECT name FROM users WHERE name LIKE '%ar%' ORDER BY name", nil},
	{"input is a table name", "users", "SELECT count(*) FROM users", nil},
	{"aggregate", "none", "SELECT role, count(*), max(score) FROM users GROUP BY role ORDER BY role", nil},
	{"no rows", "zed", "SELECT id FROM users WHERE name = 'zed'", nil},
	{"syntax error passes through", "zed", "SELEC id FROM users", nil},
}

func TestDriverBenignMatchesUnwrapped(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *backend) {
		a, logs := newAgent(rasp.ModeProtect)
		for _, tc := range benignCases {
			t.Run(tc.name, func(t *testing.T) {
				q := b.rebind(tc.q)
				got := dumpRows(b.wrapped.QueryContext(reqCtx(a, "q", tc.input), q, tc.args...))
				want := dumpRows(b.plain.QueryContext(context.Background(), q, tc.args...))
				if got != want {
					t.Fatalf("%s\nwrapped:\n%s\nunwrapped:\n%s", q, got, want)
				}
				if strings.HasPrefix(got, "error: rasp") {
					t.Fatalf("blocked: %s", got)
				}
			})
		}
		if s := logs.String(); strings.Contains(s, "sql_injection") {
			t.Fatalf("benign traffic reported:\n%s", s)
		}
		// Exec results and transactions pass through.
		ctx := reqCtx(a, "name", "dave")
		tx, err := b.wrapped.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := tx.ExecContext(ctx, b.rebind("UPDATE users SET score = score + 1 WHERE role = ?"), "user")
		if err != nil {
			t.Fatal(err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 3 {
			t.Fatalf("rows affected = %d, %v", n, err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		var sum int
		if err := b.wrapped.QueryRowContext(ctx, "SELECT sum(score) FROM users").Scan(&sum); err != nil || sum != 307 {
			t.Fatalf("sum after rollback = %d, %v", sum, err)
		}
	})
}

// attackCases are statements built by concatenation with an input that
// leaves its slot.
var attackCases = []struct {
	name, input string
	build       func(in string) string
	exec        bool
}{
	{"string tautology", "nobody' OR '1'='1", func(in string) string { return "SELECT id, name FROM users WHERE name = '" + in + "'" }, false},
	{"comment truncation", "alice' -- ", func(in string) string {
		return "SELECT id FROM users WHERE name = '" + in + "' AND role = 'user'"
	}, false},
	{"union", "x' UNION SELECT id, role FROM users -- ", func(in string) string { return "SELECT id, name FROM users WHERE name = '" + in + "'" }, false},
	{"numeric tautology", "0 OR 1=1", func(in string) string { return "SELECT id, name FROM users WHERE id = " + in }, false},
	{"order by subquery", "(SELECT CASE WHEN 1=1 THEN name ELSE role END)", func(in string) string { return "SELECT id FROM users ORDER BY " + in }, false},
	{"update widened", "1 OR 1=1", func(in string) string { return "UPDATE users SET role = 'admin' WHERE id = " + in }, true},
	{"stacked drop", "bob'; DROP TABLE users; -- ", func(in string) string { return "DELETE FROM users WHERE name = '" + in + "'" }, true},
}

func runAttack(ctx context.Context, db *sql.DB, q string, exec bool) error {
	if exec {
		_, err := db.ExecContext(ctx, q)
		return err
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	return errors.Join(rows.Err(), rows.Close())
}

func TestDriverAttacksBlockedInProtect(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *backend) {
		a, logs := newAgent(rasp.ModeProtect)
		for _, tc := range attackCases {
			t.Run(tc.name, func(t *testing.T) {
				q := tc.build(tc.input)
				err := runAttack(reqCtx(a, "q", tc.input), b.wrapped, q, tc.exec)
				if !errors.Is(err, rasp.ErrBlocked) {
					t.Fatalf("%s: err = %v, want blocked", q, err)
				}
				if errors.Is(err, driver.ErrBadConn) {
					t.Fatal("blocked error matches driver.ErrBadConn")
				}
				if n := userCount(t, b); n != 4 {
					t.Fatalf("%d users after a blocked statement, want 4", n)
				}
				var admins int
				if err := b.plain.QueryRowContext(quiet, "SELECT count(*) FROM users WHERE role = 'admin'").Scan(&admins); err != nil || admins != 1 {
					t.Fatalf("admins = %d, %v", admins, err)
				}
			})
		}
		out := logs.String()
		if n := strings.Count(out, `"blocked":true`); n != len(attackCases) {
			t.Fatalf("%d blocked events, want %d:\n%s", n, len(attackCases), out)
		}
		if !strings.Contains(out, `"driver":"`+b.driver+`"`) || !strings.Contains(out, `"dialect":"`) {
			t.Fatalf("events lack driver %q or dialect:\n%s", b.driver, out)
		}
	})
}

func TestDriverAttacksRunInMonitor(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *backend) {
		a, logs := newAgent(rasp.ModeMonitor)
		for _, tc := range attackCases {
			if tc.name == "stacked drop" {
				continue // below, on its own
			}
			t.Run(tc.name, func(t *testing.T) {
				q := tc.build(tc.input)
				before := strings.Count(logs.String(), `"kind":"sql_injection"`)
				got := runAttack(reqCtx(a, "q", tc.input), b.wrapped, q, tc.exec)
				want := runAttack(quiet, b.plain, q, tc.exec)
				if (got == nil) != (want == nil) {
					t.Fatalf("monitor changed the outcome: wrapped %v, unwrapped %v", got, want)
				}
				if after := strings.Count(logs.String(), `"kind":"sql_injection"`); after != before+1 {
					t.Fatalf("%d new events, want 1", after-before)
				}
			})
		}
		// In monitor the stacked statement really runs where the driver
		// allows it: the event is the only defence.
		in := "bob'; DROP TABLE users; -- "
		err := runAttack(reqCtx(a, "q", in), b.wrapped, "DELETE FROM users WHERE name = '"+in+"'", true)
		if b.stacked && err != nil {
			t.Fatalf("stacked statement: %v", err)
		}
		if !strings.Contains(logs.String(), "DROP TABLE users") {
			t.Fatalf("no event for the stacked statement:\n%s", logs)
		}
	})
}

func TestDriverConcurrentRequests(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *backend) {
		a, _ := newAgent(rasp.ModeProtect)
		const workers, rounds = 8, 15
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Go(func() {
				for r := range rounds {
					key := fmt.Sprintf("w%d", w)
					attack := fmt.Sprintf("w%d' OR '%d'='%d", w, r, r)
					ctx := reqCtx(a, key, attack)
					_, err := b.wrapped.QueryContext(ctx, "SELECT id FROM users WHERE name = '"+attack+"'")
					var blocked *rasp.BlockedError
					if !errors.As(err, &blocked) || blocked.Event.Finding.Input.Key != key {
						errs <- fmt.Errorf("worker %d round %d: %v", w, r, err)
						return
					}
					// Benign with this request's inputs, bound value.
					var name string
					if err := b.wrapped.QueryRowContext(ctx, b.rebind("SELECT name FROM users WHERE id = ?"), 1+r%4).Scan(&name); err != nil {
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
		if st := a.Stats().Sinks[rasp.SinkSQL]; st.Blocks != workers*rounds {
			t.Fatalf("blocks = %d, want %d", st.Blocks, workers*rounds)
		}
	})
}

func TestDriverBlindSpots(t *testing.T) {
	eachBackend(t, func(t *testing.T, b *backend) {
		a, logs := newAgent(rasp.ModeProtect)
		ctx := rasp.NewContext(context.Background(), a) // agent, no inputs
		for range 3 {
			var n int
			if err := b.wrapped.QueryRowContext(ctx, b.rebind("SELECT count(*) FROM users WHERE score > ?"), 1).Scan(&n); err != nil {
				t.Fatal(err)
			}
		}
		if got := a.Stats().Sinks[rasp.SinkSQL].NoContext; got != 3 {
			t.Fatalf("no_context = %d, want 3 (one per call)", got)
		}
		if !strings.Contains(logs.String(), "driver_test.go:") {
			t.Fatalf("warning does not name the call site:\n%s", logs)
		}
	})
}

func TestDriverWrapConnector(t *testing.T) {
	t.Run("pgx", func(t *testing.T) {
		dsn := serviceDSN(t, "RASP_PG_DSN")
		c, err := stdlib.GetDefaultDriver().(driver.DriverContext).OpenConnector(dsn)
		if err != nil {
			t.Fatal(err)
		}
		checkConnector(t, raspdriver.WrapConnector(c), "pgx")
	})
	t.Run("mysql", func(t *testing.T) {
		cfg, err := mysql.ParseDSN(serviceDSN(t, "RASP_MYSQL_DSN"))
		if err != nil {
			t.Fatal(err)
		}
		c, err := mysql.NewConnector(cfg)
		if err != nil {
			t.Fatal(err)
		}
		checkConnector(t, raspdriver.WrapConnector(c), "mysql")
	})
	t.Run("pq", func(t *testing.T) {
		c, err := pq.NewConnector(serviceDSN(t, "RASP_PG_DSN"))
		if err != nil {
			t.Fatal(err)
		}
		checkConnector(t, raspdriver.WrapConnector(c), "postgres")
	})
}

// checkConnector checks that c serves a benign query and blocks an attack
// whose event names the driver wantDriver.
func checkConnector(t *testing.T, c driver.Connector, wantDriver string) {
	t.Helper()
	db := sql.OpenDB(c)
	defer db.Close()
	a, _ := newAgent(rasp.ModeProtect)
	in := "1 OR 1=1"
	var n int
	if err := db.QueryRowContext(reqCtx(a, "id", "1"), "SELECT 1 + 1").Scan(&n); err != nil || n != 2 {
		t.Fatalf("benign: %d, %v", n, err)
	}
	err := db.QueryRowContext(reqCtx(a, "id", in), "SELECT 1 WHERE 1 = "+in).Scan(&n)
	var be *rasp.BlockedError
	if !errors.As(err, &be) {
		t.Fatalf("attack: %v", err)
	}
	if got := eventDetail(be.Event, "driver"); got != wantDriver {
		t.Fatalf("driver detail = %q, want %q (details %+v)", got, wantDriver, be.Event.Details)
	}
}

func eventDetail(ev rasp.Event, key string) string {
	for _, d := range ev.Details {
		if d.Key == key {
			return d.Value
		}
	}
	return ""
}
