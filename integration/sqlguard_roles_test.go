package integration

// Role cases checked on the real engines: each evil value below really
// widens or rewires its statement on the engine (the row count or a
// session setting shows it), the benign value does not, and sqlguard flags
// the evil value only. Run with -count=1 against fresh servers
// (scripts/services.sh start).

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"

	"github.com/gorasp/rasp/sqlguard"
	"github.com/gorasp/rasp/taint"
)

// roleEngine is one engine with a pinned connection and two seeded
// tables: {{T}} (id, keeper, zone, stock; 3 rows) and {{U}} (id; 4 rows).
type roleEngine struct {
	name string
	d    sqlguard.Dialect
	c    *sql.Conn
	t, u string // table names
}

func roleEngines(t *testing.T) []roleEngine {
	t.Helper()
	var out []roleEngine
	lite, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	lite.SetMaxOpenConns(1)
	t.Cleanup(func() { lite.Close() })
	out = append(out, roleEngine{name: "sqlite", d: sqlguard.DialectSQLite, c: sgConn(t, lite)})
	if os.Getenv("RASP_PG_DSN") != "" || os.Getenv("RASP_REQUIRE_SERVICES") == "1" {
		pg := sgOpen(t, "pgx", pgSchemaDSN(t, "rasp_roles"))
		out = append(out, roleEngine{name: "postgres", d: sqlguard.DialectPostgres, c: sgConn(t, pg)})
	}
	if os.Getenv("RASP_MYSQL_DSN") != "" || os.Getenv("RASP_REQUIRE_SERVICES") == "1" {
		my := sgOpen(t, "mysql", serviceDSN(t, "RASP_MYSQL_DSN"))
		c := sgConn(t, my)
		db := uniqSG("roles")
		mustExec(t, c, "CREATE DATABASE "+db)
		t.Cleanup(func() { c.ExecContext(context.Background(), "DROP DATABASE "+db) })
		mustExec(t, c, "USE "+db)
		out = append(out, roleEngine{name: "mariadb", d: sqlguard.DialectMySQL, c: c})
	}
	for i := range out {
		e := &out[i]
		e.t, e.u = uniqSG("depots"), uniqSG("routes")
		mustExec(t, e.c, "CREATE TABLE "+e.t+" (id int, keeper varchar(20), zone varchar(20), stock int)")
		mustExec(t, e.c, "INSERT INTO "+e.t+" VALUES (1, 'kim', 'north', 5), (2, 'lee', 'south', 7), (3, 'max', 'east', 9)")
		mustExec(t, e.c, "CREATE TABLE "+e.u+" (id int)")
		mustExec(t, e.c, "INSERT INTO "+e.u+" VALUES (1), (2), (3), (4)")
	}
	return out
}

func (e roleEngine) expand(s string) string {
	return strings.NewReplacer("{{T}}", e.t, "{{U}}", e.u).Replace(s)
}

func (e roleEngine) count(t *testing.T, q string) (int, error) {
	t.Helper()
	var n int
	err := e.c.QueryRowContext(context.Background(), q).Scan(&n)
	return n, err
}

type roleCase struct {
	name    string
	engines string // names of the engines it applies to, space-separated
	sqlMode string // MariaDB session sql_mode for the case
	tmpl    string // %s is the input
	benign  string // "" when the slot takes no benign value on this engine
	nBenign int
	evil    string
	nEvil   int
}

var roleCases = []roleCase{
	// 1. A column reference where a value belongs, in any spelling.
	{"bare column", "sqlite postgres mariadb", "", "SELECT count(*) FROM {{T}} WHERE stock = %s", "5", 1, "stock", 3},
	{"qualified column", "sqlite postgres mariadb", "", "SELECT count(*) FROM {{T}} WHERE stock = %s", "5", 1, "{{T}}.stock", 3},
	{"double-quoted column", "sqlite postgres", "", "SELECT count(*) FROM {{T}} WHERE stock = %s", "5", 1, `"stock"`, 3},
	{"backtick column", "sqlite mariadb", "", "SELECT count(*) FROM {{T}} WHERE stock = %s", "5", 1, "`stock`", 3},
	{"bracket column", "sqlite", "", "SELECT count(*) FROM {{T}} WHERE stock = %s", "5", 1, "[stock]", 3},
	{"in list", "sqlite postgres mariadb", "", "SELECT count(*) FROM {{T}} WHERE stock IN (%s)", "5, 7", 2, "5, stock", 3},
	{"between bound", "sqlite postgres mariadb", "", "SELECT count(*) FROM {{T}} WHERE stock BETWEEN 0 AND %s", "6", 1, "stock", 3},
	// 2. The double-quote fallback: the application quotes a value with
	// "..", and the engine reads a column name as the column.
	{"sqlite fallback", "sqlite", "", `SELECT count(*) FROM {{T}} WHERE keeper = "%s"`, "kim", 1, "keeper", 3},
	// (MariaDB has no fallback: under ANSI_QUOTES "kim" is an unknown
	// column, so the slot takes no benign value.)
	{"mariadb ansi quotes", "mariadb", "ANSI_QUOTES", `SELECT count(*) FROM {{T}} WHERE keeper = "%s"`, "", 0, "keeper", 3},
	// 3. A second table through the FROM list: a cross join.
	{"from list", "sqlite postgres mariadb", "", "SELECT count(*) FROM %s WHERE {{T}}.id = 1", "{{T}}", 1, "{{T}}, {{U}}", 4},
	// (PostgreSQL and MariaDB reject a comma list before ON.)
	{"join list", "sqlite", "", "SELECT count(*) FROM {{U}} r JOIN %s ON {{T}}.id = r.id WHERE r.id = 1", "{{T}}", 1, "{{T}}, {{U}}", 4},
}

func TestSQLGuardRolesOnEngines(t *testing.T) {
	for _, e := range roleEngines(t) {
		t.Run(e.name, func(t *testing.T) {
			for _, c := range roleCases {
				if !strings.Contains(" "+c.engines+" ", " "+e.name+" ") {
					continue
				}
				t.Run(c.name, func(t *testing.T) {
					if e.name == "mariadb" {
						mustExec(t, e.c, "SET SESSION sql_mode = '"+c.sqlMode+"'")
						defer mustExec(t, e.c, "SET SESSION sql_mode = DEFAULT")
					}
					tmpl := e.expand(c.tmpl)
					for _, v := range []struct {
						in   string
						n    int
						evil bool
					}{{e.expand(c.benign), c.nBenign, false}, {e.expand(c.evil), c.nEvil, true}} {
						if v.in == "" {
							continue
						}
						q := strings.Replace(tmpl, "%s", v.in, 1)
						n, err := e.count(t, q)
						if err != nil {
							t.Fatalf("%q: %v", q, err)
						}
						if n != v.n {
							t.Errorf("%q: %d rows, want %d", q, n, v.n)
						}
						_, flagged := sqlguard.Check(e.d, q, []taint.Input{{Source: taint.SourceQuery, Key: "v", Value: v.in}})
						if flagged != v.evil {
							t.Errorf("%q with input %q: flagged %v, want %v", q, v.in, flagged, v.evil)
						}
					}
				})
			}
		})
	}
}

// TestSQLGuardCodeBodyPostgres: an input that breaks out of a string
// inside a DO body runs as PL/pgSQL (it sets a second setting here), and
// is flagged; a benign one is not.
func TestSQLGuardCodeBodyPostgres(t *testing.T) {
	db := sgOpen(t, "pgx", serviceDSN(t, "RASP_PG_DSN"))
	c := sgConn(t, db)
	pg := sqlguard.DialectPostgres
	tmpl := "DO $$BEGIN PERFORM set_config('rasp.note', '%s', false); END$$"
	setting := func(name string) string {
		var v sql.NullString
		if err := c.QueryRowContext(context.Background(), "SELECT current_setting($1, true)", name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v.String
	}
	for _, v := range []struct {
		in   string
		evil bool
	}{
		{"hello there", false},
		{"a', false); PERFORM set_config('rasp.owned', 'yes', false); PERFORM set_config('rasp.note', 'b", true},
	} {
		q := strings.Replace(tmpl, "%s", v.in, 1)
		mustExec(t, c, q)
		if got := setting("rasp.owned") == "yes"; got != v.evil {
			t.Errorf("%q: second setting made %v, want %v", v.in, got, v.evil)
		}
		if _, flagged := sqlguard.Check(pg, q, []taint.Input{{Value: v.in}}); flagged != v.evil {
			t.Errorf("%q: flagged %v, want %v", v.in, flagged, v.evil)
		}
	}
}

// TestSQLGuardNiladicOnEngines checks which bare words are session
// functions on each engine: the input "user" standing for a value is
// flagged only where bare user is the function.
func TestSQLGuardNiladicOnEngines(t *testing.T) {
	for _, e := range roleEngines(t) {
		t.Run(e.name, func(t *testing.T) {
			for _, w := range []string{"user", "current_user", "session_user", "current_role"} {
				// The engine's own answer: does the bare word evaluate
				// with no table in scope?
				_, err := e.count(t, "SELECT count(*) FROM (SELECT 1 AS one) s WHERE "+w+" IS NOT NULL")
				function := err == nil
				q := "SELECT id, " + w + " FROM {{T}}"
				_, flagged := sqlguard.Check(e.d, e.expand(q), []taint.Input{{Value: w}})
				if flagged != function {
					t.Errorf("%s: bare %s is a function: %v (%v); sqlguard flags it as a value: %v", e.name, w, function, err, flagged)
				}
			}
		})
	}
}
