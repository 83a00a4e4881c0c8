package tidb_test

import (
	"testing"

	"github.com/gorasp/rasp/sqlguard"
	"github.com/gorasp/rasp/sqlguard/tidb"
)

func TestKind(t *testing.T) {
	for _, c := range []struct {
		q     string
		start int
		want  string
	}{
		{"SELECT * FROM t WHERE a = 'x'", 20, "select"},
		{"INSERT INTO t VALUES ('x')", 20, "insert"},
		{"DELETE FROM t WHERE id = 1; UPDATE t SET a = 1", 40, "update"},
		{"SELEC nonsense", 3, ""},
	} {
		if got := tidb.Kind(c.q, c.start); got != c.want {
			t.Errorf("Kind(%q, %d) = %q, want %q", c.q, c.start, got, c.want)
		}
	}
}

// TestClassifyUsesTiDB: with the package imported, Classify names a MySQL
// statement's kind from TiDB's parse, where the scanner's tokens name none
// (SET is no word the scanner classifies).
func TestClassifyUsesTiDB(t *testing.T) {
	q := "SET @a = 'x'"
	if k, _ := sqlguard.Classify(sqlguard.DialectMySQL, q, 9, 12); k != "set" {
		t.Errorf("Classify(%q) kind = %q, want TiDB's \"set\"", q, k)
	}
	sqlguard.SetMySQLStatementKinder(nil)
	defer sqlguard.SetMySQLStatementKinder(tidb.Kind)
	if k, _ := sqlguard.Classify(sqlguard.DialectMySQL, q, 9, 12); k == "set" {
		t.Errorf("without TiDB, Classify(%q) kind = %q: the test cannot tell the two apart", q, k)
	}
}
