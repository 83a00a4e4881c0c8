package sqlguard

import (
	"testing"

	"github.com/gorasp/rasp/taint"
)

// TestKeyNamingAColumn: a query parameter's name that equals a column of
// the application's own join or comparison is no finding; the same text
// as a value still is, and a key that supplies operators still is.
func TestKeyNamingAColumn(t *testing.T) {
	stmt := "SELECT e.id FROM entries e INNER JOIN feeds f ON f.id=e.feed_id WHERE e.feed_id=$1"
	key := taint.Input{Source: taint.SourceQuery, Key: "", Value: "feed_id", IsKey: true}
	for _, d := range []Dialect{DialectPostgres, DialectMySQL, DialectSQLite} {
		if r := Analyze(d, stmt, []taint.Input{key}); r.Injection {
			t.Errorf("%v: key %q flagged: %s", d, key.Value, r.Finding.Reason)
		}
		val := taint.Input{Source: taint.SourceQuery, Key: "col", Value: "owner_id"}
		if r := Analyze(d, "SELECT * FROM orders WHERE owner_id = owner_id", []taint.Input{val}); !r.Injection {
			t.Errorf("%v: value column compared with column not flagged", d)
		}
		multi := taint.Input{Source: taint.SourceQuery, Value: "id > 0 OR id", IsKey: true}
		if r := Analyze(d, "SELECT * FROM t WHERE id > 0 OR id = 3", []taint.Input{multi}); !r.Injection {
			t.Errorf("%v: key supplying operators not flagged", d)
		}
	}
}
