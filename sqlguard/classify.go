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
// comes from the TiDB parser's AST when the statement parses and is at most
// 160 bytes (maxTiDBBytes); otherwise, and for the clause, both come from the dialect's own
// scanner. Unknown parts are "". Classify costs a parse (for MySQL about
// 100 ns per byte): call it only on flagged statements.
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
			w := lowerWord(lit)
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
				switch prevWord {
				case "order":
					clauses[depth] = "order by"
				case "group":
					clauses[depth] = "group by"
				case "partition":
					clauses[depth] = "partition by"
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
	if d.Engine() == DialectMySQL && len(statement) <= maxTiDBBytes {
		if k := tidbKind(statement, start); k != "" && k != "other" {
			kind = k
		}
	}
	return kind, clause
}

// maxTiDBBytes bounds the statements handed to the TiDB parser: it costs
// about 100 ns per byte (14 µs for 200 bytes, 98 µs for 1 KiB, measured by
// BenchmarkCheck's flagged-1KB-classify before this bound), and the statement's size is the attacker's choice.
// At this size a flagged check, classification included, stays within
// 20 µs; longer statements are classified from the scanner's tokens alone,
// which agree with TiDB's statement kind on the differential tests.
const maxTiDBBytes = 160 // see Classify

// classWords are the words Classify looks for, in lower case.
var classWords = [...]string{"select", "insert", "update", "delete", "replace", "with", "create", "drop", "alter", "call",
	"show", "explain", "pragma", "truncate", "merge", "upsert", "from", "where", "having", "limit", "offset", "values",
	"set", "on", "using", "returning", "into", "join", "window", "fetch", "by", "order", "group", "partition"}

// classByUpper maps the upper case of each of classWords to it.
var classByUpper = func() map[string]string {
	m := make(map[string]string, len(classWords))
	for _, w := range classWords {
		m[strings.ToUpper(w)] = w
	}
	return m
}()

// lowerWord returns the lower-case constant for lit if it is one of
// classWords, else "" (no allocation).
func lowerWord(lit string) string {
	var buf [32]byte
	u, ok := upper(&buf, lit)
	if !ok {
		return ""
	}
	return classByUpper[string(u)]
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
