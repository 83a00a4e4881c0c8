package main

import (
	"testing"

	"github.com/gorasp/rasp/sqlguard"
)

// TestLeaves checks the syntax labels on hand-written placements.
func TestLeaves(t *testing.T) {
	byName := map[string]template{}
	for _, tp := range templates {
		byName[tp.name] = tp
	}
	for _, c := range []struct {
		d       sqlguard.Dialect
		tmpl    string
		payload string
		want    bool
	}{
		{sqlguard.DialectSQLite, "string", "alice", false},
		{sqlguard.DialectSQLite, "string", "x' OR '1'='1", true},
		{sqlguard.DialectPostgres, "string", `x\' OR 1=1 --`, true},
		{sqlguard.DialectMySQL, "string", `x\' OR 1=1 -- `, true}, // breaks out without NO_BACKSLASH_ESCAPES
		{sqlguard.DialectMySQL, "double-quoted", "it's", false},
		{sqlguard.DialectMySQL, "like", "50%", false},
		{sqlguard.DialectPostgres, "number", "42", false},
		{sqlguard.DialectPostgres, "number", "-42", false},
		{sqlguard.DialectPostgres, "number", "1 OR 1=1", true},
		{sqlguard.DialectPostgres, "number", "id", true}, // id = id
		{sqlguard.DialectPostgres, "number", "CURRENT_USER", true},
		{sqlguard.DialectSQLite, "number", "1/*", true},
		{sqlguard.DialectSQLite, "limit", "10", false},
		{sqlguard.DialectMySQL, "in", "1, 2, 3", false},
		{sqlguard.DialectMySQL, "in", "1) OR (1", true},
		{sqlguard.DialectMySQL, "order-by", "name DESC, id", false},
		{sqlguard.DialectMySQL, "order-by", "(SELECT 1)", true},
		{sqlguard.DialectMySQL, "number", "1 2", true},
	} {
		tp := byName[c.tmpl]
		q := tp.pre + c.payload + tp.post
		if got := leaves(c.d, tp, q, len(tp.pre), len(tp.pre)+len(c.payload)); got != c.want {
			t.Errorf("%v %s %q: leaves = %v, want %v", c.d, c.tmpl, q, got, c.want)
		}
	}
}

func TestEscape(t *testing.T) {
	if got := escape(sqlguard.DialectMySQL, `a'b\c`, '\''); got != `a''b\\c` {
		t.Errorf("mysql: %q", got)
	}
	if got := escape(sqlguard.DialectPostgres, `a'b\c`, '\''); got != `a''b\c` {
		t.Errorf("postgres: %q", got)
	}
	if got := backslashEscape(`a'b"c\`); got != `a\'b\"c\\` {
		t.Errorf("backslash: %q", got)
	}
}
