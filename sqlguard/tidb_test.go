package sqlguard

import (
	"math/rand/v2"
	"testing"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
)

// TestTiDBColumns checks the MySQL lexer against the TiDB parser, the
// MySQL grammar reference: for random SELECT lists that TiDB parses, the
// number of fields must be the scanner's prediction, in every
// NO_BACKSLASH_ESCAPES x ANSI_QUOTES combination. Forms where TiDB and
// MariaDB disagree (/*T! and /*M! comments) are left to the MariaDB test in
// the integration module.
func TestTiDBColumns(t *testing.T) {
	if testing.Short() {
		t.Skip("parses thousands of statements")
	}
	frags := []string{"1", "'a'", "','", ",", "-- ", "--", "-- ,\n", "#", "# ,\n", "/*", "*/", "/*! ,1 */", "/*!50000 ,2 */",
		"/* , */", "\n", " ", "'", `"`, `","`, `"x"`, `\`, `'\''`, `'\\'`, "`a`", "`,`", "x'41'",
		"_utf8mb4'a'", "N'n'", "-", "@a", "@@version", "'a''b'", `"a""b"`, "(", ")", "0x1", "1e1"}
	for i, m := range []struct {
		mode mysql.SQLMode
		d    Dialect
	}{
		{0, my | BackslashEscapes | NoANSIQuotes},
		{mysql.ModeNoBackslashEscapes, my | NoBackslashEscapes | NoANSIQuotes},
		{mysql.ModeANSIQuotes, my | BackslashEscapes | ANSIQuotes},
		{mysql.ModeNoBackslashEscapes | mysql.ModeANSIQuotes, my | NoBackslashEscapes | ANSIQuotes},
	} {
		p := parser.New()
		p.SetSQLMode(m.mode)
		r := rand.New(rand.NewPCG(uint64(i), 5))
		accepted := 0
		for n := 0; n < 4000; n++ {
			q := "SELECT 0"
			for j := r.IntN(7); j >= 0; j-- {
				q += frags[r.IntN(len(frags))]
			}
			stmts, _, err := p.Parse(q, "", "")
			if err != nil || len(stmts) != 1 {
				continue
			}
			sel, ok := stmts[0].(*ast.SelectStmt)
			if !ok || sel.Fields == nil {
				continue
			}
			accepted++
			want, lexes := columns(m.d, q)
			if !lexes || len(sel.Fields.Fields) != want {
				t.Errorf("%v %q: TiDB parses %d fields; scanner predicts %d (lexes: %v)", m.d, q, len(sel.Fields.Fields), want, lexes)
			}
		}
		t.Logf("%v: %d of 4000 statements parsed by TiDB, all as predicted", m.d, accepted)
	}
}
