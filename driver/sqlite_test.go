package driver_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	raspdriver "github.com/gorasp/rasp/driver"
	"github.com/gorasp/rasp/internal/testlog"
	"github.com/gorasp/rasp/taint"
	"github.com/mattn/go-sqlite3"
	"github.com/rs/zerolog"
)

// openSQLite opens one in-memory SQLite database through the wrapped
// driver (dialect detected) and seeds it.
func openSQLite(t *testing.T, mode rasp.Mode) (*sql.DB, *rasp.Agent, *testlog.Buffer) {
	t.Helper()
	name := fmt.Sprintf("rasp-sqlite3-%d", seq.Add(1))
	raspdriver.Register(name, &sqlite3.SQLiteDriver{})
	return seedSQLite(t, name, mode)
}

func seedSQLite(t *testing.T, driverName string, mode rasp.Mode) (*sql.DB, *rasp.Agent, *testlog.Buffer) {
	t.Helper()
	db, err := sql.Open(driverName, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // one in-memory database
	t.Cleanup(func() { db.Close() })
	for _, q := range []string{
		"CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL)",
		"INSERT INTO users (name, role) VALUES ('alice', 'admin'), ('bob', 'user'), ('carol', 'user')",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	logs := &testlog.Buffer{}
	a := rasp.New(rasp.WithMode(mode), rasp.WithLogger(zerolog.New(logs)))
	return db, a, logs
}

func request(a *rasp.Agent, key, value string) context.Context {
	return taint.NewContext(rasp.NewContext(context.Background(), a),
		taint.Input{Source: taint.SourceQuery, Key: key, Value: value},
		taint.Input{Source: taint.SourceHeader, Key: "User-Agent", Value: "Mozilla/5.0"})
}

func countUsers(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM users").Scan(&n); err != nil {
		t.Fatalf("users table: %v", err)
	}
	return n
}

func TestSQLiteBlockedDropTableLeavesTable(t *testing.T) {
	db, a, logs := openSQLite(t, rasp.ModeProtect)
	input := "bob'; DROP TABLE users; --"
	q := "DELETE FROM users WHERE name = '" + input + "'"
	_, err := db.ExecContext(request(a, "name", input), q)
	if !errors.Is(err, rasp.ErrBlocked) {
		t.Fatalf("err = %v, want rasp.ErrBlocked", err)
	}
	if errors.Is(err, driver.ErrBadConn) {
		t.Fatal("blocked error matches driver.ErrBadConn")
	}
	if n := countUsers(t, db); n != 3 {
		t.Fatalf("%d users left, want all 3", n)
	}
	out := logs.String()
	for _, want := range []string{`"blocked":true`, `"sink":"sql"`, `"operation":"exec"`, `"driver":"sqlite3"`, `"dialect":"sqlite"`, `DROP TABLE users`} {
		if !strings.Contains(out, want) {
			t.Errorf("event lacks %s:\n%s", want, out)
		}
	}
}

func TestSQLiteUnwrappedDropTableRuns(t *testing.T) {
	// The control: the same statement through the plain driver drops the
	// table, so the test above proves the block.
	db, _, _ := seedSQLite(t, "sqlite3", rasp.ModeProtect)
	input := "bob'; DROP TABLE users; --"
	if _, err := db.Exec("DELETE FROM users WHERE name = '" + input + "'"); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("SELECT count(*) FROM users").Scan(new(int)); err == nil {
		t.Fatal("the users table survived the unguarded statement")
	}
}

// sqliteAttacks are statements built by concatenation, each with the input
// that breaks out of its slot.
var sqliteAttacks = []struct {
	name, input string
	build       func(string) string
}{
	{"string tautology", "x' OR '1'='1", func(in string) string { return "SELECT id, name FROM users WHERE name = '" + in + "'" }},
	{"comment truncation", "alice'--", func(in string) string { return "SELECT id FROM users WHERE name = '" + in + "' AND role = 'user'" }},
	{"union", "x' UNION SELECT id, role FROM users --", func(in string) string { return "SELECT id, name FROM users WHERE name = '" + in + "'" }},
	{"numeric tautology", "1 OR 1=1", func(in string) string { return "SELECT id, name FROM users WHERE id = " + in }},
	{"stacked update", "1; UPDATE users SET role = 'admin'", func(in string) string { return "SELECT id FROM users WHERE id = " + in }},
	{"identifier breakout", `name" FROM users --`, func(in string) string { return `SELECT "` + in + `" FROM users` }},
	{"order by subquery", "(SELECT role FROM users LIMIT 1)", func(in string) string { return "SELECT id FROM users ORDER BY " + in }},
}

func TestSQLiteAttacks(t *testing.T) {
	for _, mode := range []rasp.Mode{rasp.ModeProtect, rasp.ModeMonitor} {
		for _, tt := range sqliteAttacks {
			t.Run(mode.String()+"/"+tt.name, func(t *testing.T) {
				db, a, logs := openSQLite(t, mode)
				q := tt.build(tt.input)
				rows, err := db.QueryContext(request(a, "q", tt.input), q)
				if mode == rasp.ModeProtect {
					if !errors.Is(err, rasp.ErrBlocked) {
						t.Fatalf("%s: err = %v, want blocked", q, err)
					}
				} else {
					if err != nil {
						t.Fatalf("monitor: %v", err)
					}
					rows.Close()
				}
				if !strings.Contains(logs.String(), `"kind":"sql_injection"`) {
					t.Fatalf("no event for %s:\n%s", q, logs)
				}
				if n := countUsers(t, db); n != 3 {
					t.Fatalf("users = %d", n)
				}
			})
		}
	}
}

// benign statements embed an input inside a literal or as a plain value.
var sqliteBenign = []struct {
	name, input string
	q           string
	args        []any
}{
	{"parameterized", "x' OR '1'='1", "SELECT id, name, role FROM users WHERE name = ?", []any{"x' OR '1'='1"}},
	{"parameterized hit", "alice", "SELECT id, name, role FROM users WHERE name = ?", []any{"alice"}},
	{"inlined in literal", "alice", "SELECT id, name, role FROM users WHERE name = 'alice'", nil},
	{"escaped quote in literal", "o'brien", "SELECT id, name FROM users WHERE name = 'o''brien'", nil},
	{"inlined number", "2", "SELECT id, name FROM users WHERE id = 2", nil},
	{"inlined order column", "name", "SELECT id, name FROM users ORDER BY name", nil},
	{"like pattern", "ar", "SELECT id FROM users WHERE name LIKE '%ar%' ORDER BY id", nil},
	{"input not in statement", "zzz", "SELECT count(*) FROM users", nil},
}

func dump(rows *sql.Rows, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	types, _ := rows.ColumnTypes()
	var b strings.Builder
	for i, c := range cols {
		fmt.Fprintf(&b, "%s:%s ", c, types[i].DatabaseTypeName())
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "scan: " + err.Error()
		}
		fmt.Fprintf(&b, "\n%v", vals)
	}
	if err := rows.Err(); err != nil {
		b.WriteString("\nerr: " + err.Error())
	}
	return b.String()
}

func TestSQLiteBenignMatchesUnwrapped(t *testing.T) {
	wrapped, a, logs := openSQLite(t, rasp.ModeProtect)
	plain, _, _ := seedSQLite(t, "sqlite3", rasp.ModeProtect)
	for _, tt := range sqliteBenign {
		t.Run(tt.name, func(t *testing.T) {
			ctx := request(a, "q", tt.input)
			got := dump(wrapped.QueryContext(ctx, tt.q, tt.args...))
			want := dump(plain.QueryContext(context.Background(), tt.q, tt.args...))
			if got != want {
				t.Fatalf("wrapped:\n%s\nunwrapped:\n%s", got, want)
			}
		})
	}
	if logs.String() != "" {
		t.Fatalf("benign traffic wrote events:\n%s", logs)
	}
	// Errors pass through unchanged.
	ctx := request(a, "q", "nothing")
	_, werr := wrapped.ExecContext(ctx, "INSERT INTO nosuch VALUES (1)")
	_, perr := plain.Exec("INSERT INTO nosuch VALUES (1)")
	if werr == nil || perr == nil || werr.Error() != perr.Error() {
		t.Fatalf("errors differ: wrapped %v, unwrapped %v", werr, perr)
	}
	var se sqlite3.Error
	if !errors.As(werr, &se) {
		t.Fatalf("wrapped error %T is not a sqlite3.Error", werr)
	}
	// Results pass through.
	res, err := wrapped.ExecContext(ctx, "INSERT INTO users (name, role) VALUES (?, ?)", "dave", "user")
	if err != nil {
		t.Fatal(err)
	}
	if id, err := res.LastInsertId(); err != nil || id != 4 {
		t.Fatalf("last insert id = %d, %v", id, err)
	}
}

// optionalRows lists the optional interfaces a driver.Rows may have.
var optionalRows = []reflect.Type{
	reflect.TypeFor[driver.RowsColumnTypeDatabaseTypeName](),
	reflect.TypeFor[driver.RowsColumnTypeLength](),
	reflect.TypeFor[driver.RowsColumnTypeNullable](),
	reflect.TypeFor[driver.RowsColumnTypePrecisionScale](),
	reflect.TypeFor[driver.RowsColumnTypeScanType](),
	reflect.TypeFor[driver.RowsNextResultSet](),
}

func TestSQLiteRowsInterfaceParity(t *testing.T) {
	wrapped, a, _ := openSQLite(t, rasp.ModeProtect)
	plain, _, _ := seedSQLite(t, "sqlite3", rasp.ModeProtect)
	rowsOf := func(db *sql.DB, ctx context.Context) driver.Rows {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var rows driver.Rows
		err = c.Raw(func(dc any) error {
			var err error
			rows, err = dc.(driver.QueryerContext).QueryContext(ctx, "SELECT id, name FROM users", nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	w := rowsOf(wrapped, request(a, "q", "x"))
	p := rowsOf(plain, context.Background())
	defer w.Close()
	defer p.Close()
	for _, it := range optionalRows {
		if reflect.TypeOf(w).Implements(it) != reflect.TypeOf(p).Implements(it) {
			t.Errorf("%v: wrapped %v, unwrapped %v", it, reflect.TypeOf(w).Implements(it), reflect.TypeOf(p).Implements(it))
		}
	}
}

func TestSQLitePreparedOnceCheckedAtPrepare(t *testing.T) {
	db, a, logs := openSQLite(t, rasp.ModeMonitor)
	input := "x' OR '1'='1"
	st, err := db.PrepareContext(request(a, "q", input), "SELECT id FROM users WHERE name = '"+input+"'")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for range 3 {
		if err := closeAll(st.QueryContext(request(a, "q", input))); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(logs.String(), `"kind":"sql_injection"`); n != 1 {
		t.Fatalf("%d events, want 1 (at prepare)", n)
	}
	if !strings.Contains(logs.String(), `"operation":"prepare"`) {
		t.Fatalf("event not at prepare:\n%s", logs)
	}
}

func closeAll(rows *sql.Rows, err error) error {
	if err != nil {
		return err
	}
	for rows.Next() {
	}
	return errors.Join(rows.Err(), rows.Close())
}

func TestSQLiteDetectedDialect(t *testing.T) {
	// Register without WithDialect: the go-sqlite3 type is recognised.
	db, a, _ := openSQLite(t, rasp.ModeProtect)
	if err := db.PingContext(request(a, "q", "x")); err != nil {
		t.Fatal(err)
	}
	c := raspdriver.WrapConnector(&sqliteConnector{})
	db2 := sql.OpenDB(c)
	defer db2.Close()
	if err := db2.Ping(); err != nil {
		t.Fatalf("WrapConnector over a sqlite3 connector: %v", err)
	}
}

// sqliteConnector is a connector whose driver is go-sqlite3's.
type sqliteConnector struct{}

func (sqliteConnector) Connect(context.Context) (driver.Conn, error) {
	return (&sqlite3.SQLiteDriver{}).Open(":memory:")
}

func (sqliteConnector) Driver() driver.Driver { return &sqlite3.SQLiteDriver{} }
