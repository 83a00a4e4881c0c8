package sqlguard

import (
	"strings"
	"sync"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	// The TiDB parser needs a driver for literal values; test_driver is
	// its small one. Importing it sets TiDB's global AST hooks (ast.NewValueExpr
	// and friends) for the whole program.
	_ "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// parsers holds TiDB parsers: a Parser keeps scratch state and is not safe
// for concurrent use, and the statements it returns belong to it until its
// next Parse, so a parser goes back to the pool only after its AST is no
// longer needed.
var parsers = sync.Pool{New: func() any { return parser.New() }}

// Classify names the statement kind ("select", "insert", "update",
// "delete", ...) and the clause ("select", "from", "where", "order by",
// "limit", "values", "set", ...) of the statement span [start, end) lies
// in, for the event of a flagged statement. For MySQL the statement kind
// comes from the TiDB parser's AST when the statement parses; otherwise
// both come from the dialect's own scanner. Unknown parts are "".
// Classify costs a parse: call it only on flagged statements.
func Classify(d Dialect, statement string, start, end int) (kind, clause string) {
	defer func() {
		if recover() != nil {
			kind, clause = "", ""
		}
	}()
	if start < 0 {
		start = 0
	}
	if start > len(statement) {
		start = len(statement)
	}
	var s Scanner
	s.Init(statement, d)
	var (
		depth = 0
		// clauses[depth] is the last clause keyword seen at that
		// parenthesis depth
		clauses  = make([]string, 1, 8)
		kinds    = make([]string, 1, 8)
		prevWord string
	)
	for {
		pos, tok, lit := s.Scan()
		if tok == EOF || pos >= start {
			break
		}
		switch tok {
		case SEMI:
			depth = 0
			clauses, kinds = clauses[:1], kinds[:1]
			clauses[0], kinds[0] = "", ""
		case LPAREN:
			depth++
			clauses = append(clauses, "")
			kinds = append(kinds, "")
		case RPAREN:
			if depth > 0 {
				depth--
				clauses, kinds = clauses[:depth+1], kinds[:depth+1]
			}
		case IDENT:
			w := strings.ToLower(lit)
			switch w {
			case "select", "insert", "update", "delete", "replace", "with", "create", "drop", "alter", "call", "show", "explain", "pragma", "truncate", "merge", "upsert":
				if kinds[depth] == "" || kinds[depth] == "with" && w != "with" {
					kinds[depth] = w
				}
				if w == "select" {
					clauses[depth] = "select"
				}
				if w == "update" && clauses[depth] == "" {
					clauses[depth] = "update"
				}
			case "from", "where", "having", "limit", "offset", "values", "set", "on", "using", "returning", "into", "join", "window", "fetch":
				clauses[depth] = w
			case "by":
				if prevWord == "order" || prevWord == "group" || prevWord == "partition" {
					clauses[depth] = prevWord + " by"
				}
			}
			prevWord = w
			continue
		}
		if tok != SPACE && tok != COMMENT {
			prevWord = ""
		}
	}
	for k := depth; k >= 0 && clause == ""; k-- {
		clause = clauses[k]
	}
	kind = kinds[0]
	for k := 1; k <= depth && kind == ""; k++ {
		kind = kinds[k]
	}
	if kind == "with" {
		kind = "select"
	}
	if d.Engine() == DialectMySQL {
		if k := tidbKind(statement, start); k != "" && k != "other" {
			kind = k
		}
	}
	return kind, clause
}

// tidbKind parses statement with the TiDB parser and returns the lower-case
// label of the statement that begins at or before offset start, or "" when
// the statement does not parse.
func tidbKind(statement string, start int) string {
	p := parsers.Get().(*parser.Parser)
	defer parsers.Put(p)
	stmts, _, err := p.Parse(statement, "", "")
	if err != nil || len(stmts) == 0 {
		return ""
	}
	st := stmts[0]
	for _, s := range stmts[1:] {
		if s.OriginTextPosition() <= start {
			st = s
		}
	}
	return strings.ToLower(ast.GetStmtLabel(st))
}
