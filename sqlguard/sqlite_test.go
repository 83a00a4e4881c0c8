package sqlguard

import (
	"database/sql"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gorasp/rasp/taint"
	_ "github.com/mattn/go-sqlite3"
)

// The confirm tests below check the scanner against the SQLite that
// go-sqlite3 embeds: the engine, not a hand-written expectation, says where
// literals and comments end.

func openSQLite(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

// litAlphabet is the characters that matter to SQLite's literal and comment
// rules, plus some plain ones.
const litAlphabet = `a1 '"\-/*[]` + "`\n\t;#$:?@xX(),."

func randString(r *rand.Rand, alphabet string, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteByte(alphabet[r.IntN(len(alphabet))])
	}
	return b.String()
}

// TestSQLiteLiteralRoundTrip: SELECT '<escaped content>' returns one column
// holding exactly the content, and the scanner sees one STRING token there.
func TestSQLiteLiteralRoundTrip(t *testing.T) {
	db := openSQLite(t)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 500; i++ {
		content := randString(r, litAlphabet, r.IntN(12))
		lit := "'" + escape(lite, content) + "'"
		q := "SELECT " + lit
		var got string
		if err := db.QueryRow(q).Scan(&got); err != nil || got != content {
			t.Fatalf("%q: engine %q, %v", q, got, err)
		}
		var s Scanner
		s.Init(q, lite)
		s.Scan()
		s.Scan()
		if pos, tok, l := s.Scan(); pos != 7 || tok != STRING || l != lit {
			t.Fatalf("%q: scanner %d %v %q", q, pos, tok, l)
		}
		// The literal's body is harmless; the escaped content never flags.
		if f, bad := Check(lite, q, []taint.Input{{Value: content}}); bad && f.Start >= 8 && f.End <= len(q)-1 {
			t.Fatalf("%q: escaped content %q flagged: %s", q, content, f.Reason)
		}
	}
}

// columns counts the result columns the scanner predicts for SELECT
// statements: commas at parenthesis depth 0, plus one. ok is false when the
// statement does not lex.
func columns(d Dialect, q string) (n int, ok bool) {
	var s Scanner
	s.Init(q, d)
	depth := 0
	n = 1
	for {
		_, tok, _ := s.Scan()
		switch tok {
		case EOF:
			return n, s.ErrorCount == 0 && depth == 0
		case LPAREN:
			depth++
		case RPAREN:
			depth--
		case COMMA:
			if depth == 0 {
				n++
			}
		}
	}
}

// TestSQLiteColumns builds random SELECT lists from fragments that open and
// close literals and comments; whenever SQLite accepts one, the number of
// result columns must be the one the scanner predicts, and the scanner must
// not call a statement SQLite runs unterminated.
func TestSQLiteColumns(t *testing.T) {
	db := openSQLite(t)
	frags := []string{"1", "'a'", "','", ",", "--", "/*", "*/", "\n", " ", "'", `"x"`, "[x]", "`x`", "-", "x'41'", "'a''b'", "/* , */", "-- ,\n", `'\'`, "2", "||", "?1", "$a", "e", "1e", "0x1",
		"\r", "\t", "\f", "\v", "[", "]", "`", `"`, "x", "X", "(", ")", "?", ":a", "@a", "#a", "$a::b", "$a(x)", ".", "1.", ".5", "1e+2", "1_0", "->", "->>", "==", "!=", "<>", "!", "&", "~", "%", "\x00", "é", "::", "--\r,", "x'41''a'"}
	r := rand.New(rand.NewPCG(3, 4))
	accepted := 0
	for i := 0; i < 30000; i++ {
		q := "SELECT 0"
		for j := r.IntN(8); j >= 0; j-- {
			q += frags[r.IntN(len(frags))]
		}
		want, ok := columns(lite, q)
		rows, err := db.Query(q)
		if err != nil {
			continue
		}
		cols, _ := rows.Columns()
		rows.Close()
		accepted++
		if !ok || len(cols) != want {
			t.Errorf("%q: SQLite returns %d columns; scanner predicts %d (lexes: %v)", q, len(cols), want, ok)
		}
	}
	t.Logf("%d of 30000 statements accepted by SQLite, all with the predicted columns", accepted)
	if accepted < 3000 {
		t.Fatalf("only %d statements accepted: the generator is too weak", accepted)
	}
}

// TestSQLiteTruncation: the injected comment opener of "1/*" makes SQLite
// drop the rest of the statement, as the scanner predicts, and the check
// flags it.
func TestSQLiteTruncation(t *testing.T) {
	db := openSQLite(t)
	if _, err := db.Exec("CREATE TABLE t (id INTEGER, owner INTEGER); INSERT INTO t VALUES (1, 5), (1, 6)"); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		return n
	}
	tmpl := "SELECT count(*) FROM t WHERE id = %s AND owner = 5"
	safe := strings.Replace(tmpl, "%s", "1", 1)
	evil := strings.Replace(tmpl, "%s", "1/*", 1)
	if count(safe) != 1 || count(evil) != 2 {
		t.Fatalf("truncation did not happen in the engine: %d %d", count(safe), count(evil))
	}
	if _, bad := Check(lite, evil, []taint.Input{{Value: "1/*"}}); !bad {
		t.Error("1/* not flagged")
	}
	if _, bad := Check(lite, safe, []taint.Input{{Value: "1"}}); bad {
		t.Error("1 flagged")
	}
}
