package sqlguard

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gorasp/rasp/taint"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	// TiDB's literal driver, which the package under test no longer
	// imports (see package sqlguard/tidb).
	_ "github.com/pingcap/tidb/pkg/parser/test_driver"
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

// TestTiDBRoles checks the role rules against the TiDB parser's AST, the
// MySQL grammar reference: in random comparisons, IN lists and BETWEEN
// tests over columns in several spellings, literals, parameters and
// expressions, an input that is one operand is flagged exactly when the
// AST has it as a column whose counterpart is a column too.
func TestTiDBRoles(t *testing.T) {
	if testing.Short() {
		t.Skip("parses thousands of statements")
	}
	type operand struct {
		text   string
		simple bool // one name or literal: a candidate input
	}
	operands := []operand{
		{"qty", true}, {"d.qty", true}, {"`qty`", true}, {"`d`.`lot`", true}, {"lot", true},
		{"5", true}, {"'x'", true}, {"NULL", false}, {"?", false}, {"qty + 1", false}, {"ABS(lot)", false}, {"-qty", false},
	}
	isCol := func(e ast.ExprNode) bool { _, ok := e.(*ast.ColumnNameExpr); return ok }
	p := parser.New()
	r := rand.New(rand.NewPCG(7, 8))
	checked := 0
	for n := 0; n < 3000; n++ {
		pick := func() operand { return operands[r.IntN(len(operands))] }
		ops := []operand{pick(), pick(), pick()}
		var where string
		shape := r.IntN(4)
		switch shape {
		case 0:
			where = ops[0].text + " " + []string{"=", "<>", "<=", ">=", "<=>", "!="}[r.IntN(6)] + " " + ops[1].text
		case 1:
			where = ops[0].text + " IN (" + ops[1].text + ", " + ops[2].text + ")"
		case 2:
			where = ops[0].text + " NOT IN (" + ops[1].text + ")"
		case 3:
			where = ops[0].text + " BETWEEN " + ops[1].text + " AND " + ops[2].text
		}
		q := "SELECT * FROM d WHERE " + where + " LIMIT 3"
		x := r.IntN(3)
		if shape == 0 || shape == 2 {
			x = r.IntN(2)
		}
		in := ops[x].text
		if !ops[x].simple || strings.Count(q, in) != 1 {
			continue // one occurrence, of one operand
		}
		stmts, _, err := p.Parse(q, "", "")
		if err != nil || len(stmts) != 1 {
			continue
		}
		w := stmts[0].(*ast.SelectStmt).Where
		var nodes []ast.ExprNode // operands in statement order
		switch e := w.(type) {
		case *ast.BinaryOperationExpr:
			nodes = []ast.ExprNode{e.L, e.R}
		case *ast.PatternInExpr:
			nodes = append([]ast.ExprNode{e.Expr}, e.List...)
		case *ast.BetweenExpr:
			nodes = []ast.ExprNode{e.Expr, e.Left, e.Right}
		default:
			t.Fatalf("%q: unexpected %T", q, w)
		}
		want := false
		if isCol(nodes[x]) {
			if x == 0 {
				for _, o := range nodes[1:] {
					want = want || isCol(o)
				}
			} else {
				want = isCol(nodes[0])
			}
		}
		checked++
		if _, got := Check(my|NoANSIQuotes, q, []taint.Input{{Value: in}}); got != want {
			t.Errorf("%q with input %q: flagged %v, TiDB's AST says %v", q, in, got, want)
		}
	}
	t.Logf("%d statements checked against TiDB's AST", checked)
}
