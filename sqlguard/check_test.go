package sqlguard

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
)

const (
	lite = DialectSQLite
	my   = DialectMySQL
	pg   = DialectPostgres
)

type checkCase struct {
	name    string
	dialect Dialect
	query   string
	input   string
	want    bool
}

var checkCases = []checkCase{
	// Rule 1: harmless shapes.
	{"string body", my, "SELECT * FROM t WHERE name = 'alice'", "alice", false},
	{"string body with spaces", pg, "SELECT * FROM t WHERE name = 'union was a great select'", "union was a great select", false},
	{"doubled quote escaped", lite, "SELECT * FROM t WHERE name = 'it''s'", "it", false},
	{"mysql backslash-escaped input", my, `SELECT * FROM t WHERE name = 'O\'Reilly'`, `O\'Reilly`, true}, // NO_BACKSLASH_ESCAPES breaks it out
	{"mysql pinned backslash", my | BackslashEscapes, `SELECT * FROM t WHERE name = 'O\'Reilly'`, `O\'Reilly`, false},
	{"in list", my, "SELECT * FROM t WHERE id IN (1, 2, 3)", "1, 2, 3", false},
	{"order by list", pg, "SELECT * FROM t ORDER BY title DESC, id", "title DESC, id", false},
	{"qualified order", lite, "SELECT * FROM t ORDER BY t.title ASC", "t.title ASC", false},
	{"negative number", my, "SELECT * FROM t WHERE id = -1", "-1", false},
	{"float", pg, "SELECT * FROM t WHERE price > 3.14", "3.14", false},
	{"exponent", lite, "SELECT * FROM t WHERE x = 1e3", "1e3", false},
	{"string list", pg, "SELECT * FROM t WHERE s IN ('a', 'b')", "'a', 'b'", false},
	{"quoted identifier body", pg, `SELECT "my col" FROM t`, "my col", false},
	{"comment body", pg, "SELECT 1 /* note: hello */", "note: hello", false},
	{"blob body", lite, "SELECT X'DEADBEEF'", "DEADBEEF", false},
	{"dollar body", pg, "SELECT $$it's a string$$", "it's a string", false},
	{"E string escaped", pg, `SELECT E'a\'b'`, `a\'b`, false},

	// Rule 2: breaking out.
	{"classic or", my, "SELECT * FROM t WHERE name = 'x' OR 'a'='a'", "x' OR 'a'='a", true},
	{"admin comment", my, "SELECT * FROM u WHERE user = 'admin'-- ' AND pass = 'x'", "admin'-- ", true},
	{"numeric or", lite, "SELECT * FROM t WHERE id = 1 OR 1=1", "1 OR 1=1", true},
	{"subquery", pg, "SELECT * FROM t WHERE id = (SELECT 1)", "(SELECT 1)", true},
	{"stacked", pg, "SELECT * FROM t WHERE id = 1; DROP TABLE t", "1; DROP TABLE t", true},
	{"sqlite open comment", lite, "SELECT * FROM t WHERE id = 1/* AND owner = 5", "1/*", true},
	{"identifier continuation", my, "SELECT * FROM t_x UNION SELECT password FROM users", "x UNION SELECT password FROM users", true},
	{"function call", my, "SELECT * FROM t WHERE id = SLEEP(5)", "SLEEP(5)", true},
	{"backtick breakout", my, "SELECT `a` FROM t WHERE 1 UNION SELECT 2", "a` FROM t WHERE 1 UNION SELECT 2", true},
	{"mysql hash comment", my, "SELECT * FROM t WHERE id = 1 # AND owner = 5", "1 #", true},
	{"mysql dash needs space", my, "SELECT * FROM t WHERE id = 1--1", "1--1", true},
	{"mysql executable comment", my, "SELECT * FROM t WHERE id = 1 /*!50000 UNION SELECT 2 */", "/*!50000 UNION", true},
	{"mariadb executable comment", my, "SELECT * FROM t WHERE id = 1 /*M!100000 OR 1 */", "M!100000 OR", true},
	{"double quoted string breakout", my, `SELECT * FROM t WHERE x = "a" OR "b"`, `a" OR "b`, true},
	{"dollar breakout", pg, "SELECT $$a$$ || current_setting('x') || $$b$$", "a$$ || current_setting('x') || $$b", true},
	{"pg standard string", pg, `SELECT * FROM t WHERE a = 'x\' OR 1=1 --'`, `x\' OR 1=1 --`, true},
	{"pg legacy strings", pg | PostgresLegacyStrings, `SELECT * FROM t WHERE a = 'x\' OR 1=1 --'`, `x\' OR 1=1 --`, false},
	{"pg nested comment", pg, "SELECT 1 /* a /* b */ c */ , 2", "b */ c", true},
	{"sqlite bracket breakout", lite, "SELECT [a] FROM t UNION SELECT 1", "a] FROM t UNION SELECT 1", true},
	{"sqlite NUL truncates", lite, "SELECT * FROM t WHERE id = 1\x00 AND owner = 5", "1\x00", true},
	{"sqlite NUL alone", lite, "SELECT * FROM t WHERE id = \x00 AND owner = 5", "\x00", true},
	{"sqlite no-space dash comment", lite, "SELECT * FROM t WHERE id = 1--x", "1--x", true},
	{"mysql trailing backslash escapes quote", my, `SELECT * FROM t WHERE a = 'x\' AND b = 'y'`, `x\`, true},
	{"lone quote probe", my, "SELECT * FROM t WHERE name = '''", "'", true},
	{"lone quote equals template", my, "SELECT * FROM t WHERE name = 'abc'", "'", false},
	{"quote comment split", lite, "UPDATE t SET bio = ''--' WHERE id = 5", "'--", true},
	{"quote semicolon", pg, "SELECT * FROM t WHERE a = ''; DELETE FROM t; --'", "';", true},
	{"unbalanced paren", pg, "SELECT * FROM t WHERE id IN (1))", ")", true},
	{"template comment opener", my, "SELECT 1 -- note", "--", false},
	{"quotes around an operator", lite, "SELECT * FROM t WHERE name = ''/'' AND owner = 5", "'/'", true},
	{"quotes around a space", my, "SELECT * FROM t WHERE name = '' '' AND owner = 5", "' '", true},
	{"input quotes meet template quote", pg, "SELECT * FROM t WHERE name LIKE '%''%''%'", "'%'", false},
	{"string prefix letter", pg, `SELECT E'
' || 'E'`, "E", false},
	{"single comment token", my, "SELECT * FROM t ORDER BY id -- x LIMIT 10", "-- x", true},
	{"template separator", pg, "SELECT 1; SELECT 2", ";", false},

	// Rule 3: value-slot tautologies.
	{"self comparison", lite, "SELECT * FROM t WHERE id = id", "id", true},
	{"self comparison quoted", pg, `SELECT * FROM t WHERE "id" = "id"`, `"id"`, true},
	{"join condition", pg, "SELECT * FROM a JOIN b ON a.id = id", "id", true}, // column compared with column; the driver's Memory clears the app's own
	{"current_user", pg, "SELECT * FROM t WHERE owner = CURRENT_USER", "CURRENT_USER", true},
	{"user in value slot", my, "SELECT * FROM t WHERE owner = user", "user", true},
	{"user as column", my, "SELECT user FROM t", "user", false},

	// Roles: a column reference compared with a column reference, in
	// any spelling.
	{"sqlite double-quote fallback names a column", lite, `SELECT * FROM parcels WHERE courier = "courier"`, "courier", true},
	{"sqlite double-quote fallback is a string", lite, `SELECT * FROM parcels WHERE courier = "dana"`, "dana", false},
	{"mysql ansi quotes name a column", my, `SELECT * FROM parcels WHERE courier = "courier"`, "courier", true},
	{"mysql double-quoted keyword", my, `SELECT * FROM lots WHERE label = "select" AND owner = 5`, "select", false},
	{"mysql no ansi quotes pinned", my | NoANSIQuotes, `SELECT * FROM parcels WHERE courier = "courier"`, "courier", false},
	{"postgres quoted text no column has", pg, `SELECT * FROM invoices WHERE id = "' OR 1=1 -- "`, "' OR 1=1 -- ", false},
	{"sqlite quoted symbol", lite, `SELECT * FROM invoices WHERE id = "&" AND owner = 5`, `"&"`, false},
	{"postgres quoted column named elsewhere", pg, `SELECT "pay day" FROM invoices WHERE id = "pay day"`, "pay day", true},
	{"postgres quoted column", pg, `SELECT * FROM invoices WHERE payer = "payer"`, "payer", true},
	{"mysql backtick column", my, "SELECT * FROM invoices WHERE payer = `payer`", "payer", true},
	{"sqlite bracket column", lite, "SELECT * FROM invoices WHERE payer = [payer]", "payer", true},
	{"qualified column", pg, "SELECT * FROM invoices WHERE payer = invoices.payer", "invoices.payer", true},
	{"qualifier of a join column", lite, "SELECT * FROM r JOIN depots ON depots.id = r.id", "depots", false},
	{"name completing a qualifier", lite, "SELECT * FROM invoices WHERE payer = invoices.payer", "payer", true},
	{"column on the left", my, "SELECT * FROM invoices WHERE payee <> payer AND id = 4", "payee", true},
	{"in list of one column", my, "SELECT * FROM tickets WHERE state IN (state)", "state", true},
	{"in list with a column", pg, "SELECT * FROM tickets WHERE state IN ('open', state)", "'open', state", true},
	{"in list member column", lite, "SELECT * FROM tickets WHERE state NOT IN ('open', state)", "state", true},
	{"tested expression of a column list", lite, "SELECT * FROM tickets WHERE state IN (prior, 'x')", "state", true},
	{"between own bounds", lite, "SELECT * FROM bins WHERE units BETWEEN units AND units", "units", true},
	{"between upper bound", pg, "SELECT * FROM bins WHERE units BETWEEN 1 AND units", "units", true},
	{"keyword that names a column", pg, "SELECT * FROM jobs WHERE kind = truncate", "truncate", true},
	{"reserved word is no column", lite, "SELECT * FROM jobs WHERE kind = select", "select", false},
	{"date function is a value", my, "SELECT * FROM jobs WHERE due = CURRENT_DATE", "CURRENT_DATE", false},
	{"column against a parameter", pg, "SELECT * FROM posts WHERE title = $1", "title", false},
	{"column against a literal", lite, "SELECT * FROM posts WHERE title = 'x' AND heading = ?", "heading", false},
	{"tested expression of a literal list", my, "SELECT * FROM shelves WHERE shelf IN (1, 2)", "shelf", false},
	{"between parameters", pg, "SELECT * FROM ladder WHERE rank BETWEEN $1 AND $2", "rank", false},
	{"assignment", lite, "UPDATE bins SET units = units WHERE id = ?", "units", false},
	{"duplicate key assignment", my, "INSERT INTO bins (id, units) VALUES (?, ?) ON DUPLICATE KEY UPDATE units = units", "units", false},
	{"arithmetic operand", pg, "SELECT * FROM bins WHERE units = units + 1", "units", false},
	{"function argument", my, "SELECT * FROM bins WHERE units = ABS(units)", "units", false},
	// Roles: one table where one belongs.
	{"from list", my, "SELECT title FROM posts, accounts WHERE id = 1", "posts, accounts", true},
	{"join list", pg, "SELECT * FROM a JOIN b, secrets ON a.id = b.id", "b, secrets", true},
	{"update list", my, "UPDATE carts, wallets SET total = 0 WHERE carts.id = 3", "carts, wallets", true},
	{"insert column list", lite, "INSERT INTO carts (total, owner) VALUES (1, 2)", "total, owner", false},
	{"one table", pg, "SELECT * FROM posts WHERE id = 1", "posts", false},
	// Roles: dollar-quoted code bodies.
	{"do body breakout", pg, "DO $$BEGIN RAISE NOTICE 'a'; PERFORM pg_sleep(1); --'; END$$", "a'; PERFORM pg_sleep(1); --", true},
	{"do body string", pg, "DO $$BEGIN RAISE NOTICE 'hello there'; END$$", "hello there", false},
	{"do language body", pg, "DO LANGUAGE plpgsql $x$BEGIN RAISE NOTICE 'a' || 'b'; END$x$", "a' || 'b", true},
	{"function body string", pg, "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $fn$ BEGIN RETURN length('q r'); END $fn$", "q r", false},
	{"function body code", pg, "CREATE FUNCTION f() RETURNS int AS $fn$ BEGIN RETURN length('q') + (SELECT 1); END $fn$ LANGUAGE plpgsql", "q') + (SELECT 1", true},
	{"plain dollar string", pg, "SELECT $$a'; SELECT pg_sleep(1); --$$", "a'; SELECT pg_sleep(1); --", false},
	// Niladic functions by dialect.
	{"user column in sqlite", lite, "SELECT id, user FROM logins", "user", false},
	{"user column in mysql", my, "SELECT id, user FROM logins", "user", false},
	{"user function in postgres", pg, "SELECT id, user FROM logins", "user", true},
	{"current_user in mysql", my, "SELECT * FROM logins WHERE login = CURRENT_USER", "CURRENT_USER", true},
	{"session_user is a column in mysql", my, "SELECT id, session_user FROM logins", "session_user", false},

	// Rule 4: harmless otherwise.
	{"partial keyword", my, "SELECT * FROM t WHERE a IS NULL", "IS N", false},
	{"number and partial ident", my, "SELECT * FROM t WHERE a = 1 LIMIT 1", "1 LI", false},
	{"keyword", pg, "INSERT INTO t VALUES (1)", " VALUES ", false},
	{"sqlite placeholder header", lite, "SELECT * FROM t WHERE id = ?1", "?1", false},
	{"json key", pg, "UPDATE t SET stock = stock - $1 WHERE id = $2", "stock", false},
	{"two plain words", my, "SELECT a b FROM t", "a b", true},
	{"non-reserved keyword", my, "SET GLOBAL max_connections = 1000", "GLOBAL max_connections", true},
	{"variable and words", my, "SELECT * FROM t WHERE id = @v local", "@v local", true},
	{"dotted name", my, "SELECT * FROM master..xp_cmdshell", "master..xp_cmdshell", false},
	{"null literal list", pg, "SELECT * FROM t WHERE a IN (NULL, 1)", "NULL, 1", false},
	{"trailing comma", pg, "SELECT id, username, email FROM users", "username,", false},
	{"qualifier fragment", pg, "SELECT v.user_id FROM v", ".user_id", false},
	{"qualifier fragment before", lite, "SELECT v.user_id FROM v", "v.", false},
	{"trimmed input", my, "INSERT INTO t VALUES ('x'); DROP TABLE t; -- ')", "x'); DROP TABLE t; --   ", true},
	{"input trimmed of unicode space", my, "INSERT INTO t VALUES ('x'); DROP TABLE t; -- ')", "\u00a0x'); DROP TABLE t; --\u3000", true},
	{"input trimmed of a leading next line", pg, "SELECT * FROM t WHERE a = '' OR 1=1 --'", "\u0085' OR 1=1 --", true},
	{"input trimmed of unicode space harmless", lite, "SELECT * FROM t WHERE a = 'plain words'", "\u2003plain words\u2003", false},
	{"parenthesis with number", pg, "SELECT * FROM t WHERE id IN (1)", "1)", true},
	{"pg16 hex integer", pg, "SELECT * FROM t WHERE id = 0x1F", "0x1F", false},
	{"sqlite digit separator", lite, "SELECT * FROM t WHERE id = 1_000", "1_000", false},
	{"input in no place", pg, "SELECT 1", "nothing", false},
	{"padded input longer than statement", lite, "1;1", "   1;1   ", true},
	{"empty input", pg, "SELECT 1", "", false},
}

func TestCheck(t *testing.T) {
	for _, c := range checkCases {
		t.Run(c.dialect.String()+"/"+c.name, func(t *testing.T) {
			t.Parallel()
			in := []taint.Input{{Source: taint.SourceQuery, Key: "q", Value: c.input}}
			f, got := Check(c.dialect, c.query, in)
			if got != c.want {
				t.Fatalf("Check(%v, %q, %q) = %v (%s), want %v", c.dialect, c.query, c.input, got, f.Reason, c.want)
			}
			if !got {
				return
			}
			if f.Kind != rasp.KindSQLInjection || f.Target != c.query || f.Input != in[0] {
				t.Errorf("finding = %+v", f)
			}
			if f.Start < 0 || f.End > len(c.query) || c.query[f.Start:f.End] != c.input && c.query[f.Start:f.End] != strings.TrimSpace(c.input) || f.Reason == "" {
				t.Errorf("span [%d,%d) does not hold the input; reason %q", f.Start, f.End, f.Reason)
			}
		})
	}
}

// TestCheckMySQLModes shows that an unpinned MySQL dialect is harmless only
// when every NO_BACKSLASH_ESCAPES x ANSI_QUOTES combination is.
func TestCheckMySQLModes(t *testing.T) {
	q := `SELECT * FROM t WHERE a = 'x\' OR 1=1 -- '`
	in := []taint.Input{{Value: `x\' OR 1=1 -- `}}
	for _, c := range []struct {
		d    Dialect
		want bool
	}{
		{my, true},
		{my | BackslashEscapes, false},
		{my | NoBackslashEscapes, true},
		{my | BackslashEscapes | NoANSIQuotes, false},
	} {
		if _, got := Check(c.d, q, in); got != c.want {
			t.Errorf("%v: got %v, want %v", c.d, got, c.want)
		}
	}
	q = `SELECT * FROM t WHERE a = "b" OR "c"`
	in = []taint.Input{{Value: `b" OR "c`}}
	for _, d := range []Dialect{my, my | ANSIQuotes, my | NoANSIQuotes} {
		if _, got := Check(d, q, in); !got {
			t.Errorf("%v: breakout of \"..\" not flagged", d)
		}
	}
	// Inside "..", harmless both as a string and as an identifier.
	if _, got := Check(my, `SELECT "it's fine" FROM t`, []taint.Input{{Value: "it's fine"}}); got {
		t.Error(`input inside ".." flagged`)
	}
}

func TestCheckFirstInput(t *testing.T) {
	q := "SELECT * FROM t WHERE a = 'x' AND id = 1 OR 1=1"
	ins := []taint.Input{{Key: "benign", Value: "x"}, {Key: "absent", Value: "zzz"}, {Key: "bad", Value: "1 OR 1=1"}}
	f, ok := Check(pg, q, ins)
	if !ok || f.Input.Key != "bad" || q[f.Start:f.End] != "1 OR 1=1" {
		t.Fatalf("got %v %+v", ok, f)
	}
}

func TestAnalyzeEveryOccurrence(t *testing.T) {
	// The payload repeated, escaped, far more often than any old cap in a
	// note column, then once unescaped in a value slot: the last one is
	// judged.
	payload := "0 OR 7=7"
	note := strings.Repeat(payload+" ", 70000)
	q := "UPDATE parcels SET note = '" + note + "' WHERE depot = " + payload
	r := Analyze(lite, q, []taint.Input{{Key: "note", Value: note}, {Key: "depot", Value: payload}})
	if !r.Injection || r.Incomplete || q[r.Finding.Start:r.Finding.End] != payload || r.Finding.Start < len(note) {
		t.Fatalf("got %+v", r.Finding)
	}
}

func TestAnalyzeWorkLimit(t *testing.T) {
	// A statement in which one input occurs so often that judging every
	// occurrence exceeds MaxWork: what is not judged is not cleared.
	q := "SELECT " + strings.Repeat("k,", MaxWork/occurrenceCost) + "k FROM t"
	for _, m := range []*taint.Matcher{nil, taint.NewMatcher([]taint.Input{{Value: "k"}})} {
		r := analyzeSafe(pg, q, []taint.Input{{Value: "k"}}, m, 0, nil, nil)
		if !r.Injection || !r.Incomplete || r.Finding.Reason != reasonLimit {
			t.Fatalf("matcher %v: got %+v", m != nil, r.Finding)
		}
	}
}

func TestAnalyzeNearMisses(t *testing.T) {
	// 512 inputs that nearly occur everywhere in a 4 MiB statement: one
	// pass finds that none does, far within the work limit.
	if testing.Short() {
		t.Skip("4 MiB statement")
	}
	q := "SELECT '" + strings.Repeat("a", 4<<20) + "'"
	var ins []taint.Input
	for i := 0; i < 512; i++ {
		ins = append(ins, taint.Input{Value: strings.Repeat("a", 64+i) + "b"})
	}
	start := time.Now()
	r := Analyze(pg, q, ins)
	if r.Injection || r.Incomplete || r.Occurs {
		t.Fatalf("got %+v", r)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("4 MiB with 512 near misses: %v", d)
	}
}

func TestAnalyzeInvalidDialect(t *testing.T) {
	// The zero Dialect is judged under every engine's rules.
	if _, ok := Check(0, "SELECT [a] FROM t UNION SELECT 1", []taint.Input{{Value: "a] FROM t UNION SELECT 1"}}); !ok {
		t.Error("zero dialect missed a SQLite-only breakout")
	}
	if _, ok := Check(0, "SELECT 'abc'", []taint.Input{{Value: "abc"}}); ok {
		t.Error("zero dialect flagged a plain string body")
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		d            Dialect
		q, in        string
		kind, clause string
	}{
		{my, "SELECT * FROM t WHERE id = 1 OR 1=1", "1 OR 1=1", "select", "where"},
		{pg, "SELECT * FROM t WHERE id = 1 OR 1=1", "1 OR 1=1", "select", "where"},
		{lite, "SELECT * FROM t ORDER BY (SELECT 1)", "(SELECT 1)", "select", "order by"},
		{my, "UPDATE t SET a = 'x', admin = 1 WHERE id = 2", "x', admin = 1", "update", "set"},
		{pg, "INSERT INTO t (a) VALUES ('x'), ('y')", "x'), ('y", "insert", "values"},
		{my, "DELETE FROM t WHERE id = 1 OR 1=1", "1 OR 1=1", "delete", "where"},
		{lite, "SELECT * FROM t LIMIT 1 UNION SELECT 2", "1 UNION SELECT 2", "select", "limit"},
		{my, "SELECT * FROM t WHERE a IN (SELECT b FROM u WHERE c = 1 OR 1)", "1 OR 1", "select", "where"},
		{pg, "SELECT a FROM t GROUP BY a HAVING 1=1", "1=1", "select", "having"},
	} {
		i := strings.Index(c.q, c.in)
		k, cl := Classify(c.d, c.q, i, i+len(c.in))
		if k != c.kind || cl != c.clause {
			t.Errorf("Classify(%v, %q) = %q, %q; want %q, %q", c.d, c.q, k, cl, c.kind, c.clause)
		}
	}
	if k, cl := Classify(my, "", 5, 3); k != "" || cl != "" {
		t.Errorf("empty statement: %q %q", k, cl)
	}
}

func TestParseDialect(t *testing.T) {
	for name, want := range map[string]Dialect{"sqlite": lite, "sqlite3": lite, "mysql": my, "mariadb": my, "postgres": pg, "postgresql": pg, "pgx": pg, " MySQL ": my} {
		if d, err := ParseDialect(name); err != nil || d != want {
			t.Errorf("ParseDialect(%q) = %v, %v", name, d, err)
		}
	}
	if _, err := ParseDialect("oracle"); err == nil {
		t.Error("oracle accepted")
	}
	if s := (my | NoBackslashEscapes | ANSIQuotes).String(); s != "mysql|NoBackslashEscapes|ANSIQuotes" {
		t.Errorf("String = %q", s)
	}
}

func TestNoOccurrenceAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	q := strings.Repeat("SELECT id, name FROM users WHERE id = ? ", 5)[:200]
	ins := fiveInputs()
	if n := testing.AllocsPerRun(100, func() { Check(my, q, ins) }); n != 0 {
		t.Errorf("no-occurrence path allocates %v times", n)
	}
}

func fiveInputs() []taint.Input {
	return []taint.Input{
		{Source: taint.SourceQuery, Key: "q", Value: "hello world"},
		{Source: taint.SourceQuery, Key: "page", Value: "2x"},
		{Source: taint.SourceHeader, Key: "User-Agent", Value: "Mozilla/5.0 (X11; Linux x86_64)"},
		{Source: taint.SourceCookie, Key: "sid", Value: "0123456789abcdef"},
		{Source: taint.SourceJSON, Key: "title", Value: "A title"},
	}
}

// TestManyInputs checks that the one-pass search gives the verdicts and
// spans of the per-input search.
func TestManyInputs(t *testing.T) {
	for _, c := range checkCases {
		var ins []taint.Input
		for i := 0; i < 20; i++ {
			ins = append(ins, taint.Input{Key: "decoy", Value: "zz" + strings.Repeat("q", i)})
		}
		ins = append(ins, taint.Input{Key: "x", Value: c.input}, taint.Input{Key: "sub", Value: "SELECT"}, taint.Input{Key: "x2", Value: " " + c.input})
		many := analyzeSafe(c.dialect, c.query, ins, taint.NewMatcher(ins), 0, nil, nil)
		few := analyzeSafe(c.dialect, c.query, ins, nil, 0, nil, nil)
		if many.Injection != few.Injection || many.Finding.Start != few.Finding.Start || many.Finding.Input != few.Finding.Input {
			t.Errorf("%s: many %+v, few %+v", c.name, many, few)
		}
	}
}

// TestInLiteralAllocs keeps the one-input-in-a-literal path within its
// allocation budget (at most 2) in every dialect.
func TestInLiteralAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	q := `SELECT id, name FROM users WHERE name = 'hello world' AND note = "a\\b" ORDER BY id LIMIT 10`
	ins := fiveInputs()
	for _, d := range []Dialect{lite, my, pg} {
		Check(d, q, ins) // warm the pool
		if n := testing.AllocsPerRun(200, func() { Check(d, q, ins) }); n > 2 {
			t.Errorf("%v: %v allocations, want at most 2", d, n)
		}
	}
}

// TestCheckConcurrent runs the table from many goroutines at once: Check
// shares only pooled scratch space, which the race detector watches.
func TestCheckConcurrent(t *testing.T) {
	done := make(chan string, 8)
	for g := 0; g < 8; g++ {
		go func() {
			for i := 0; i < 20; i++ {
				for _, c := range checkCases {
					if _, got := Check(c.dialect, c.query, []taint.Input{{Value: c.input}}); got != c.want {
						done <- c.name
						return
					}
				}
			}
			done <- ""
		}()
	}
	for g := 0; g < 8; g++ {
		if name := <-done; name != "" {
			t.Errorf("%s: verdict differs under concurrency", name)
		}
	}
}

// TestShortStatementFilter checks the fast path for many inputs against a
// short statement (the statement's byte set rules inputs out): with
// decoys added, every case keeps its verdict.
func TestShortStatementFilter(t *testing.T) {
	for _, c := range checkCases {
		ins := []taint.Input{{Value: "zq"}, {Value: " padded "}, {Value: "\t"}, {Value: c.input}, {Value: "9x"}, {Value: "QQ"}}
		_, alone := Check(c.dialect, c.query, []taint.Input{{Value: c.input}})
		if _, got := Check(c.dialect, c.query, ins); got != alone {
			t.Errorf("%s: %v with decoys, %v alone", c.name, got, alone)
		}
	}
}

// TestDirectSearchMatchesMatcher holds the direct search, which checks a
// request's few inputs one at a time, to the one-pass matcher that takes
// over past directSearch: the same input in the same statement gets the
// same answer, trimmed of white space (Unicode white space included) as
// an application's strings.TrimSpace would trim it.
func TestDirectSearchMatchesMatcher(t *testing.T) {
	values := []string{
		"x' OR '1'='1", " x' OR '1'='1", "x' OR '1'='1\t", "\u00a0x' OR '1'='1", "x' OR '1'='1\u3000",
		"\u0085x' OR '1'='1\u2029", "\u00e9t\u00e9", " \u00e9t\u00e9\u00a0", "plain", "\u2003plain\u2003",
	}
	for _, d := range []Dialect{lite, my, pg} {
		for _, v := range values {
			for _, q := range []string{
				"SELECT * FROM t WHERE a = '" + strings.TrimSpace(v) + "'",
				"SELECT * FROM t WHERE a = '" + escape(d, strings.TrimSpace(v)) + "' AND b = 1",
			} {
				one := []taint.Input{{Source: taint.SourceQuery, Key: "q", Value: v}}
				many := append([]taint.Input(nil), one...)
				for i := 0; len(many)*len(q) <= directSearch; i++ {
					many = append(many, taint.Input{Source: taint.SourceHeader, Key: "h", Value: fmt.Sprintf("\x01absent-%d", i)})
				}
				direct, matched := Analyze(d, q, one), Analyze(d, q, many)
				if direct.Injection != matched.Injection || direct.Occurs != matched.Occurs {
					t.Errorf("%v %q in %q: direct %+v, matcher %+v", d, v, q, direct, matched)
				}
			}
		}
	}
}
