package sqlguard

import (
	"strings"
	"sync/atomic"
)

// A StatementKinder names the kind of the statement of a MySQL text that
// holds byte start ("select", "insert", "update", ...), from a full parse,
// or returns "" when it cannot.
type StatementKinder func(statement string, start int) string

// mysqlKinder is the parser [Classify] asks for the kind of short MySQL
// statements; nil until [SetMySQLStatementKinder] installs one.
var mysqlKinder atomic.Pointer[StatementKinder]

// SetMySQLStatementKinder makes [Classify] name the kind of MySQL statements
// of at most 160 bytes with k, a parser of the full grammar; nil goes back
// to the scanner's tokens. Importing github.com/gorasp/rasp/sqlguard/tidb
// installs the TiDB parser's: it is kept out of this package so that
// programs that use no MySQL pay nothing for it (about 14 MB of binary and
// TiDB's global AST hooks). It only names kinds in events: the check is
// the same with or without it. It is safe to call at any time; call it at
// start-up.
func SetMySQLStatementKinder(k StatementKinder) {
	if k == nil {
		mysqlKinder.Store(nil)
		return
	}
	mysqlKinder.Store(&k)
}

// Classify names the statement kind ("select", "insert", "update",
// "delete", ...) and the clause ("select", "from", "where", "order by",
// "limit", "values", "set", ...) of the statement span [start, end) lies
// in, for the event of a flagged statement. For MySQL the statement kind
// comes from the parser [SetMySQLStatementKinder] installed (the TiDB
// parser's AST, with github.com/gorasp/rasp/sqlguard/tidb imported) when
// the statement parses and is at most 160 bytes (maxTiDBBytes); otherwise,
// and for the clause, both come from the dialect's own scanner. Unknown
// parts are "". Classify may cost a parse (TiDB: about 100 ns per byte):
// call it only on flagged statements.
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
		if kp := mysqlKinder.Load(); kp != nil {
			if k := (*kp)(statement, start); k != "" && k != "other" {
				kind = k
			}
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
