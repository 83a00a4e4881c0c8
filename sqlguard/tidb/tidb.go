// Package tidb names the kind of MySQL statements in rasp's events with the
// TiDB parser (github.com/pingcap/tidb/pkg/parser), the MySQL grammar
// reference. Import it for its side effect, once, in a program on MySQL or
// MariaDB:
//
//	import _ "github.com/gorasp/rasp/sqlguard/tidb"
//
// Without it, [sqlguard.Classify] names MySQL statement kinds from the
// scanner's tokens, which agree with TiDB's on rasp's differential tests;
// detection is the same either way. It is a package of its own because the
// parser adds about 14 MB to a binary, with zap and lumberjack, and because
// it imports TiDB's test_driver, which sets TiDB's global AST hooks
// (ast.NewValueExpr and friends) for the whole program: a program that uses
// TiDB with another driver must not import this package.
package tidb

import (
	"strings"
	"sync"

	"github.com/gorasp/rasp/sqlguard"
	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	// The TiDB parser needs a driver for literal values; test_driver is its
	// small one.
	_ "github.com/pingcap/tidb/pkg/parser/test_driver"
)

func init() { sqlguard.SetMySQLStatementKinder(Kind) }

// parsers holds TiDB parsers: a Parser keeps scratch state and is not safe
// for concurrent use, and the statements it returns belong to it until its
// next Parse, so a parser goes back to the pool only after its AST is no
// longer needed.
var parsers = sync.Pool{New: func() any { return parser.New() }}

// Kind parses statement with the TiDB parser and returns the lower-case
// label of the statement that holds byte start ("select", "insert", ...),
// or "" when it does not parse. It never panics.
func Kind(statement string, start int) (kind string) {
	defer func() {
		if recover() != nil {
			kind = ""
		}
	}()
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
