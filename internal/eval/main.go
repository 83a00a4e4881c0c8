// Command eval measures sqlguard on the external corpora: detection and
// false-positive rates per dialect and per source.
//
//	go run ./internal/eval -corpora ../shared/corpora [-v]
//
// Three parts:
//
//  1. Contextual cases (normalized/sqli_contextual_cases.json): each peer's
//     own query, input and verdict; agreement is reported per source and
//     dialect, and -v lists every disagreement.
//  2. Payload placements: every payload of normalized/sqli_payloads.json is
//     placed unescaped into statement templates (string, number, LIKE,
//     ORDER BY, LIMIT, IN, INSERT, UPDATE and, for MySQL, "..") and each
//     placement is labelled from the syntax alone: does the payload leave
//     its literal or value slot? The label comes from the token structure
//     of the slot (one literal spanning exactly the template's quotes; or
//     one value, or a list for IN and ORDER BY, aligned with the slot), not
//     from the checker's rule. Attacks should all be flagged, and placements
//     that stay in their slot never.
//  3. Benign inputs (normalized/benign_inputs.json, CRS negative values) and
//     every payload placed escaped by the dialect's own quoting into the
//     string templates: every detection is a false positive.
//
// The by-rule column counts, apart from the attacks, payloads made only of
// quote, comment and punctuation characters that alone open a comment or a
// statement in a value slot ("--", ";" after "id = "): sqlguard's rule judges
// such inputs by the balance test only, because the same text is the
// template's own in "SELECT 1 -- note"; it shows how many the balance test
// still catches. SQLite payloads holding a NUL are counted apart too: no
// SQLite literal can hold one (the engine stops reading at a NUL).
//
// The corpora are read in place and never copied.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gorasp/rasp/sqlguard"
	"github.com/gorasp/rasp/taint"
	"github.com/pingcap/tidb/pkg/parser"
)

func main() {
	corpora := flag.String("corpora", "../shared/corpora", "directory of the external corpora")
	verbose := flag.Bool("v", false, "list disagreements and misses")
	flag.Parse()
	if err := run(*corpora, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "eval:", err)
		os.Exit(1)
	}
}

func load(path string, v any) error {
	//raspvet:ignore a command-line tool reading the operator's corpus files, no request involved
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// tally counts one (dialect, source) row.
type tally struct {
	attacks, detected int
	benign, fps       int
	// punctuation-only payloads that, alone in a value slot, open a
	// comment or a statement: sqlguard's rule judges them by the balance
	// test only, because the same text is the template's own in
	// "SELECT 1 -- note"; counted apart, not as attacks
	design, designDetected int
}

type table map[string]map[string]*tally // dialect -> source -> tally

func (t table) get(d, src string) *tally {
	if t[d] == nil {
		t[d] = map[string]*tally{}
	}
	if t[d][src] == nil {
		t[d][src] = &tally{}
	}
	return t[d][src]
}

func pct(a, b int) string {
	if b == 0 {
		return "    -  "
	}
	return fmt.Sprintf("%6.2f%%", 100*float64(a)/float64(b))
}

func (t table) print(title, attackCol, benignCol string) {
	fmt.Printf("\n## %s\n\n", title)
	fmt.Printf("%-34s %-44s %9s %9s %8s %9s %6s %8s %8s\n", "dialect", "source", attackCol, "detected", "rate", benignCol, "FP", "FP rate", "by-rule")
	var ds []string
	for d := range t {
		ds = append(ds, d)
	}
	sort.Strings(ds)
	for _, d := range ds {
		var srcs []string
		for s := range t[d] {
			srcs = append(srcs, s)
		}
		sort.Strings(srcs)
		for _, s := range srcs {
			x := t[d][s]
			design := "-"
			if x.design > 0 {
				design = fmt.Sprintf("%d/%d", x.designDetected, x.design)
			}
			fmt.Printf("%-34s %-44s %9d %9d %8s %9d %6d %8s %8s\n", d, s, x.attacks, x.detected, pct(x.detected, x.attacks), x.benign, x.fps, pct(x.fps, x.benign), design)
		}
	}
}

func run(dir string, verbose bool) error {
	if err := contextual(dir, verbose); err != nil {
		return err
	}
	return placements(dir, verbose)
}

// dialects evaluated, by the corpus's names.
var dialectByName = map[string]sqlguard.Dialect{
	"mysql":      sqlguard.DialectMySQL,
	"postgresql": sqlguard.DialectPostgres,
	"sqlite":     sqlguard.DialectSQLite,
	// "generic" has no engine: the zero Dialect is judged under every
	// engine's rules, the most conservative reading.
	"generic": 0,
}

func contextual(dir string, verbose bool) error {
	var f struct {
		Cases []struct {
			Source   string   `json:"source"`
			Dialects []string `json:"dialects"`
			Query    string   `json:"query"`
			Input    string   `json:"input"`
			Expected bool     `json:"expected_injection"`
			Note     string   `json:"note"`
		} `json:"cases"`
	}
	if err := load(filepath.Join(dir, "normalized", "sqli_contextual_cases.json"), &f); err != nil {
		return err
	}
	t := table{}
	skipped := 0
	var disagree []string
	for _, c := range f.Cases {
		src := c.Source
		if i := strings.IndexByte(src, ':'); i >= 0 {
			src = src[:i]
		}
		for _, dn := range c.Dialects {
			d, ok := dialectByName[dn]
			if !ok {
				skipped++
				continue
			}
			fd, got := sqlguard.Check(d, c.Query, []taint.Input{{Source: taint.SourceQuery, Key: "q", Value: c.Input}})
			x := t.get(dn, src)
			if c.Expected {
				x.attacks++
				if got {
					x.detected++
				}
			} else {
				x.benign++
				if got {
					x.fps++
				}
			}
			if got != c.Expected {
				why := fd.Reason
				if !got {
					why = "not flagged"
				}
				disagree = append(disagree, fmt.Sprintf("  %-10s peer=%-5v ours=%-5v %s\n      query %q\n      input %q (%s)", dn, c.Expected, got, c.Source, c.Query, c.Input, why))
			}
		}
	}
	t.print("Contextual cases (agreement with each peer's own labels)", "attacks", "benign")
	fmt.Printf("\n%d case x dialect pairs skipped (clickhouse). %d disagreements", skipped, len(disagree))
	if verbose {
		fmt.Println(":")
		for _, s := range disagree {
			fmt.Println(s)
		}
	} else {
		fmt.Println(" (-v lists them).")
	}
	return nil
}

// slotKind says how a template's slot is labelled.
type slotKind int

const (
	slotString slotKind = iota // inside a quoted literal
	slotValue                  // one value
	slotList                   // a comma list (IN, ORDER BY)
)

type template struct {
	name string
	pre  string
	post string
	kind slotKind
	// for slotString: bytes between the opening quote and the slot, and
	// between the slot and the closing quote
	lead, trail int
	mysqlOnly   bool
}

var templates = []template{
	{name: "string", pre: "SELECT * FROM items WHERE name = '", post: "' AND owner = 5", kind: slotString},
	{name: "string-end", pre: "SELECT * FROM items WHERE name = '", post: "'", kind: slotString},
	{name: "like", pre: "SELECT * FROM items WHERE name LIKE '%", post: "%' ORDER BY id", kind: slotString, lead: 1, trail: 1},
	{name: "insert", pre: "INSERT INTO items (name, qty) VALUES ('", post: "', 1)", kind: slotString},
	{name: "update", pre: "UPDATE items SET name = '", post: "' WHERE id = 5", kind: slotString},
	{name: "double-quoted", pre: `SELECT * FROM items WHERE name = "`, post: `" AND owner = 5`, kind: slotString, mysqlOnly: true},
	{name: "number", pre: "SELECT * FROM items WHERE id = ", post: " AND owner = 5", kind: slotValue},
	{name: "number-end", pre: "SELECT * FROM items WHERE id = ", post: "", kind: slotValue},
	{name: "limit", pre: "SELECT * FROM items ORDER BY id LIMIT ", post: "", kind: slotValue},
	{name: "in", pre: "SELECT * FROM items WHERE id IN (", post: ") AND owner = 5", kind: slotList},
	{name: "order-by", pre: "SELECT * FROM items ORDER BY ", post: " LIMIT 10", kind: slotList},
}

type tok struct {
	pos int
	tok sqlguard.Token
	lit string
}

func scan(d sqlguard.Dialect, q string) ([]tok, bool) {
	var s sqlguard.Scanner
	s.Init(q, d)
	var out []tok
	depth := 0
	bad := false
	for {
		pos, t, lit := s.Scan()
		if t == sqlguard.EOF {
			break
		}
		switch t {
		case sqlguard.LPAREN:
			depth++
		case sqlguard.RPAREN:
			depth--
			bad = bad || depth < 0
		case sqlguard.EXECOPEN:
			bad = true // executable comments are code that hides as comment
		}
		out = append(out, tok{pos, t, lit})
	}
	return out, s.ErrorCount == 0 && depth == 0 && !bad
}

// lexModes are the pinned variants a placement is labelled under: a
// placement stays in its slot only if it does under every one of them,
// as sqlguard's unpinned MySQL dialect assumes.
func lexModes(d sqlguard.Dialect) []sqlguard.Dialect {
	if d.Engine() != sqlguard.DialectMySQL || d != d.Engine() {
		return []sqlguard.Dialect{d}
	}
	return []sqlguard.Dialect{
		d | sqlguard.BackslashEscapes | sqlguard.NoANSIQuotes, d | sqlguard.BackslashEscapes | sqlguard.ANSIQuotes,
		d | sqlguard.NoBackslashEscapes | sqlguard.NoANSIQuotes, d | sqlguard.NoBackslashEscapes | sqlguard.ANSIQuotes,
	}
}

func upperIs(lit string, ws ...string) bool {
	for _, w := range ws {
		if strings.EqualFold(lit, w) {
			return true
		}
	}
	return false
}

// leaves labels a placement from the syntax: true when the payload at
// [s, e) of q does not stay in its slot.
func leaves(d sqlguard.Dialect, tp template, q string, s, e int) bool {
	for _, m := range lexModes(d) {
		toks, ok := scan(m, q)
		if !ok {
			return true
		}
		if tp.kind == slotString {
			litStart, litEnd := s-tp.lead-1, e+tp.trail+1
			found := false
			for _, t := range toks {
				if t.pos == litStart && t.pos+len(t.lit) == litEnd && (t.tok == sqlguard.STRING || t.tok == sqlguard.QIDENT) {
					found = true
				}
			}
			if !found {
				return true
			}
			continue
		}
		// Value and list slots: the tokens touching [s, e) must not cross
		// its edges and must form one value (a list for list slots).
		var in []tok
		for _, t := range toks {
			te := t.pos + len(t.lit)
			if te <= s || t.pos >= e {
				continue
			}
			if t.pos < s || te > e {
				if t.tok != sqlguard.SPACE {
					return true
				}
				continue
			}
			if t.tok != sqlguard.SPACE {
				in = append(in, t)
			}
		}
		if !valueShape(in, tp.kind == slotList, strings.HasPrefix(tp.name, "number") || tp.name == "in", m) {
			return true
		}
	}
	return false
}

// valueShape reports whether ts is one value (or, for a list slot, a comma
// list of values). In the templates that compare the column id with the
// slot (id = %s, id IN (%s)), a column reference there compares a column
// with a column and leaves the slot's meaning.
func valueShape(ts []tok, list, compared bool, d sqlguard.Dialect) bool {
	if len(ts) == 0 {
		return true // an empty slot adds nothing
	}
	if len(ts) == 1 {
		// One token adds no grammar: it is a value, or a syntax error
		// (an operator or keyword alone). A comment or separator is the
		// exception: it ends the slot's statement text.
		switch t := ts[0]; t.tok {
		case sqlguard.COMMENT, sqlguard.SEMI, sqlguard.EXECOPEN, sqlguard.EXECCLOSE:
			return false
		case sqlguard.IDENT, sqlguard.QIDENT:
			if t.tok == sqlguard.IDENT && niladic(d, t.lit) || compared && columnRef(t, d) {
				return false
			}
		}
		return true
	}
	// Several tokens stay in the slot only as one signed number, or as a
	// list in a list slot: items are one value (a sign before a number
	// allowed) or a dotted name with an optional ASC or DESC, separated by
	// commas. Commas at the slot's edges are punctuation, not grammar.
	for len(ts) > 0 && ts[0].tok == sqlguard.COMMA {
		ts = ts[1:]
	}
	for len(ts) > 0 && ts[len(ts)-1].tok == sqlguard.COMMA {
		ts = ts[:len(ts)-1]
	}
	if len(ts) <= 1 {
		return valueShape(ts, list, compared, d)
	}
	if len(ts) == 2 && ts[0].tok == sqlguard.OP && (ts[0].lit == "-" || ts[0].lit == "+") && ts[1].tok == sqlguard.NUMBER {
		return true
	}
	if !list {
		return false
	}
	k := 0
	for {
		if k >= len(ts) {
			return false
		}
		t := ts[k]
		switch {
		case t.tok == sqlguard.OP && (t.lit == "-" || t.lit == "+") && k+1 < len(ts) && ts[k+1].tok == sqlguard.NUMBER:
			k += 2
		case t.tok == sqlguard.IDENT && niladic(d, t.lit):
			return false
		case compared && (t.tok == sqlguard.IDENT || t.tok == sqlguard.QIDENT) &&
			(columnRef(t, d) || k+1 < len(ts) && ts[k+1].tok == sqlguard.OP && ts[k+1].lit == "."):
			return false // a column in the list id is tested against
		case t.tok == sqlguard.IDENT && reserved[strings.ToUpper(t.lit)] && !upperIs(t.lit, "NULL", "TRUE", "FALSE"):
			return false
		case t.tok == sqlguard.NUMBER || t.tok == sqlguard.STRING || t.tok == sqlguard.BLOB || t.tok == sqlguard.PARAM ||
			t.tok == sqlguard.IDENT || t.tok == sqlguard.QIDENT:
			k++
			for k+1 < len(ts) && ts[k].tok == sqlguard.OP && ts[k].lit == "." && (ts[k+1].tok == sqlguard.IDENT || ts[k+1].tok == sqlguard.QIDENT) {
				k += 2
			}
			if k < len(ts) && ts[k].tok == sqlguard.IDENT && upperIs(ts[k].lit, "ASC", "DESC") {
				k++
			}
		default:
			return false
		}
		if k == len(ts) {
			return true
		}
		if ts[k].tok != sqlguard.COMMA {
			return false
		}
		k++
	}
}

// niladic reports whether lit is a session function the engine calls
// without parentheses (PostgreSQL 15 and MariaDB 10.11 asked: SQLite has
// none, and bare USER or SESSION_USER are column names in MariaDB).
func niladic(d sqlguard.Dialect, lit string) bool {
	switch d.Engine() {
	case sqlguard.DialectPostgres:
		return upperIs(lit, "CURRENT_USER", "SESSION_USER", "USER", "CURRENT_ROLE", "SYSTEM_USER", "CURRENT_SCHEMA", "CURRENT_CATALOG")
	case sqlguard.DialectMySQL:
		return upperIs(lit, "CURRENT_USER", "CURRENT_ROLE")
	}
	return false
}

// notColumn lists, per engine, the words that cannot name a column
// unquoted: SELECT w FROM (SELECT 1 AS w) s WHERE w = w fails for them on
// SQLite 3, PostgreSQL 15 and MariaDB 10.11 (the engines' answer, asked
// for each reserved word of the three).
var notColumn = map[sqlguard.Dialect]map[string]bool{
	sqlguard.DialectSQLite: words(
		"ADD", "ALL", "ALTER", "AND", "AS", "BETWEEN", "CASE", "CAST", "CHECK", "COLLATE", "COMMIT",
		"CONSTRAINT", "CREATE", "DEFAULT", "DELETE", "DISTINCT", "DROP", "ELSE", "ESCAPE", "EXCEPT",
		"EXISTS", "FOREIGN", "FROM", "GROUP", "HAVING", "IN", "INDEX", "INSERT", "INTERSECT", "INTO", "IS",
		"ISNULL", "JOIN", "LIMIT", "NOT", "NOTNULL", "NULL", "ON", "OR", "ORDER", "PRIMARY", "RAISE",
		"REFERENCES", "RETURNING", "SELECT", "SET", "TABLE", "THEN", "TO", "UNION", "UNIQUE", "UPDATE",
		"USING", "VALUES", "WHEN", "WHERE",
	),
	sqlguard.DialectPostgres: words(
		"ALL", "ANALYZE", "AND", "ANY", "ARRAY", "AS", "ASC", "BINARY", "BOTH", "CASE", "CAST", "CHECK",
		"COLLATE", "COLUMN", "CONSTRAINT", "CREATE", "CROSS", "DEFAULT", "DESC", "DISTINCT", "DO", "ELSE",
		"END", "EXCEPT", "FETCH", "FOR", "FOREIGN", "FROM", "FULL", "GRANT", "GROUP", "HAVING", "ILIKE",
		"IN", "INNER", "INTERSECT", "INTO", "IS", "ISNULL", "JOIN", "LATERAL", "LEADING", "LEFT", "LIKE",
		"LIMIT", "NATURAL", "NOT", "NOTNULL", "OFFSET", "ON", "OR", "ORDER", "OUTER", "OVERLAPS", "PRIMARY",
		"REFERENCES", "RETURNING", "RIGHT", "SELECT", "SIMILAR", "SOME", "TABLE", "THEN", "TO", "TRAILING",
		"UNION", "UNIQUE", "USING", "VARIADIC", "WHEN", "WHERE", "WINDOW", "WITH",
	),
	sqlguard.DialectMySQL: words(
		"ADD", "ALL", "ALTER", "ANALYZE", "AND", "AS", "ASC", "BETWEEN", "BINARY", "BOTH", "BY", "CALL",
		"CASCADE", "CASE", "CHECK", "COLLATE", "COLUMN", "CONSTRAINT", "CONVERT", "CREATE", "CROSS",
		"CURRENT_DATE", "CURRENT_ROLE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "CURRENT_USER", "DATABASES",
		"DECLARE", "DEFAULT", "DELETE", "DESC", "DESCRIBE", "DISTINCT", "DISTINCTROW", "DIV", "DROP",
		"EACH", "ELSE", "ELSEIF", "EXCEPT", "EXISTS", "EXPLAIN", "FALSE", "FETCH", "FOR", "FOREIGN", "FROM",
		"GRANT", "GROUP", "HAVING", "HIGH_PRIORITY", "IF", "IGNORE", "IN", "INDEX", "INNER", "INSERT",
		"INTERSECT", "INTERVAL", "INTO", "IS", "ITERATE", "JOIN", "KILL", "LEADING", "LEAVE", "LEFT",
		"LIKE", "LIMIT", "LOAD", "LOCALTIME", "LOCALTIMESTAMP", "LOCK", "LOOP", "MATCH", "MOD", "NATURAL",
		"NOT", "NULL", "OFFSET", "ON", "OR", "ORDER", "OUTER", "OUTFILE", "OVER", "PRIMARY", "PROCEDURE",
		"READ", "RECURSIVE", "REFERENCES", "REGEXP", "RELEASE", "RENAME", "REPEAT", "REPLACE", "RESIGNAL",
		"RETURN", "RETURNING", "REVOKE", "RIGHT", "RLIKE", "ROWS", "SELECT", "SET", "SHOW", "SIGNAL",
		"SQL_CALC_FOUND_ROWS", "STRAIGHT_JOIN", "TABLE", "THEN", "TO", "TRAILING", "TRIGGER", "TRUE",
		"UNION", "UNIQUE", "UNLOCK", "UPDATE", "USE", "USING", "VALUES", "WHEN", "WHERE", "WHILE", "WITH",
		"WRITE", "XOR",
	),
}

func words(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// columnRef reports whether the lone name t is a column reference: a bare
// identifier the engine takes as a column name (no literal, value function
// or reserved word), or a quoted one naming a column of the templates'
// table (id, name, owner, qty) or, where the quotes always make an
// identifier, shaped like a plain name.
func columnRef(t tok, d sqlguard.Dialect) bool {
	if t.tok == sqlguard.IDENT {
		return !notColumn[d.Engine()][strings.ToUpper(t.lit)] && !niladic(d, t.lit) &&
			!upperIs(t.lit, "NULL", "TRUE", "FALSE", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "LOCALTIME", "LOCALTIMESTAMP")
	}
	if t.tok != sqlguard.QIDENT || len(t.lit) < 2 {
		return false
	}
	body := t.lit[1 : len(t.lit)-1]
	if upperIs(body, "id", "name", "owner", "qty") {
		return true
	}
	if t.lit[0] == '"' && d.Engine() != sqlguard.DialectPostgres {
		return false // SQLite reads it as a string; MySQL has it only under ANSI_QUOTES
	}
	for i, c := range body {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return body != ""
}

var reserved = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range parser.Keywords {
		if k.Reserved {
			m[strings.ToUpper(k.Word)] = true
		}
	}
	return m
}()

// escape quotes v for a '...' (or MySQL "...") literal the dialect's own
// way: the quote doubled, and backslashes doubled where they escape.
func escape(d sqlguard.Dialect, v string, q byte) string {
	v = strings.ReplaceAll(v, string(q), string(q)+string(q))
	if d.Engine() == sqlguard.DialectMySQL && d&sqlguard.NoBackslashEscapes == 0 {
		v = strings.ReplaceAll(v, `\`, `\\`)
	}
	return v
}

// backslashEscape is the escaping of MySQL client libraries
// (mysql_real_escape_string): safe only while NO_BACKSLASH_ESCAPES is off.
func backslashEscape(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`, `"`, `\"`)
	return r.Replace(v)
}

type evalDialect struct {
	name string
	d    sqlguard.Dialect
	esc  func(v string, q byte) string
}

func placements(dir string, verbose bool) error {
	var pf struct {
		Payloads []struct {
			Payload string   `json:"payload"`
			Sources []string `json:"sources"`
		} `json:"payloads"`
	}
	if err := load(filepath.Join(dir, "normalized", "sqli_payloads.json"), &pf); err != nil {
		return err
	}
	var bf struct {
		Inputs []struct {
			Source string `json:"source"`
			Input  string `json:"input"`
		} `json:"inputs"`
	}
	if err := load(filepath.Join(dir, "normalized", "benign_inputs.json"), &bf); err != nil {
		return err
	}
	var cf struct {
		Values []struct {
			Value string `json:"value"`
		} `json:"values"`
	}
	if err := load(filepath.Join(dir, "coreruleset-coreruleset", "crs_negative_values_likely_benign.json"), &cf); err != nil {
		return err
	}
	dialects := []evalDialect{
		{"sqlite", sqlguard.DialectSQLite, nil},
		{"postgres", sqlguard.DialectPostgres, nil},
		{"mysql", sqlguard.DialectMySQL, nil},
		// mysql_real_escape_string is safe only with backslash escapes on
		// and ANSI_QUOTES off (under ANSI_QUOTES "\"" ends an identifier).
		{"mysql|BackslashEscapes|NoANSIQuotes", sqlguard.DialectMySQL | sqlguard.BackslashEscapes | sqlguard.NoANSIQuotes, func(v string, q byte) string { return backslashEscape(v) }},
	}
	raw := table{}
	esc := table{}
	var misses, fps []string
	for _, ed := range dialects {
		d := ed.d
		if ed.esc == nil {
			ed.esc = func(v string, q byte) string { return escape(d, v, q) }
		}
		for _, p := range pf.Payloads {
			src := p.Sources[0]
			if i := strings.IndexByte(src, ':'); i >= 0 {
				src = src[:i]
			}
			for _, tp := range templates {
				if tp.mysqlOnly && d.Engine() != sqlguard.DialectMySQL {
					continue
				}
				if d&sqlguard.BackslashEscapes == 0 || tp.kind == slotString {
					// unescaped placement, labelled from the syntax
					if d&sqlguard.BackslashEscapes == 0 {
						q := tp.pre + p.Payload + tp.post
						s, e := len(tp.pre), len(tp.pre)+len(p.Payload)
						attack := leaves(d, tp, q, s, e)
						f, got := sqlguard.Check(d, q, []taint.Input{{Value: p.Payload}})
						x := raw.get(ed.name, src)
						if attack && tp.kind != slotString && punctOnly(p.Payload) && !got {
							x.design++
						} else if attack && tp.kind != slotString && punctOnly(p.Payload) {
							x.design++
							x.designDetected++
						} else if attack {
							x.attacks++
							if got {
								x.detected++
							} else if verbose {
								misses = append(misses, fmt.Sprintf("  miss %-8s %-13s %q", ed.name, tp.name, q))
							}
						} else {
							x.benign++
							if got {
								x.fps++
								if verbose {
									fps = append(fps, fmt.Sprintf("  FP   %-8s %-13s %q: %s", ed.name, tp.name, q, f.Reason))
								}
							}
						}
					}
				}
				if tp.kind == slotString {
					quote := tp.pre[len(tp.pre)-1-tp.lead]
					q := tp.pre + ed.esc(p.Payload, quote) + tp.post
					f, got := sqlguard.Check(d, q, []taint.Input{{Value: p.Payload}})
					x := esc.get(ed.name, "payloads escaped: "+src)
					if d.Engine() == sqlguard.DialectSQLite && strings.IndexByte(p.Payload, 0) >= 0 {
						// No SQLite literal can hold a NUL: the engine stops
						// reading there, so no escaping keeps the literal
						// whole. Counted apart (every one is flagged by the
						// balance rule), not as escaped placements.
						x = esc.get(ed.name, "payloads with NUL (unescapable)")
					}
					x.benign++
					if got {
						x.fps++
						if verbose {
							fps = append(fps, fmt.Sprintf("  FP   %-8s %-13s escaped %q: %s", ed.name, tp.name, q, f.Reason))
						}
					}
				}
			}
		}
		benign := func(src, v string) {
			for _, tp := range templates {
				if tp.kind != slotString || tp.mysqlOnly && d.Engine() != sqlguard.DialectMySQL {
					continue
				}
				quote := tp.pre[len(tp.pre)-1-tp.lead]
				q := tp.pre + ed.esc(v, quote) + tp.post
				f, got := sqlguard.Check(d, q, []taint.Input{{Value: v}})
				x := esc.get(ed.name, src)
				x.benign++
				if got {
					x.fps++
					if verbose {
						fps = append(fps, fmt.Sprintf("  FP   %-8s %-13s benign %q: %s", ed.name, tp.name, q, f.Reason))
					}
				}
			}
		}
		for _, b := range bf.Inputs {
			src := b.Source
			if i := strings.IndexByte(src, ':'); i >= 0 {
				src = src[:i]
			}
			benign(src, b.Input)
		}
		for _, v := range cf.Values {
			benign("coreruleset negative values", v.Value)
		}
	}
	raw.print("Payloads placed unescaped, labelled from the syntax (attack = leaves its slot)", "attacks", "in-slot")
	esc.print("Benign inputs and payloads placed escaped in string literals (every detection is a FP)", "-", "placed")
	if verbose {
		fmt.Printf("\n%d misses, %d false positives:\n", len(misses), len(fps))
		for _, s := range misses {
			fmt.Println(s)
		}
		for _, s := range fps {
			fmt.Println(s)
		}
	}
	return nil
}

// punctOnly mirrors sqlguard's class of inputs made only of quote, comment,
// punctuation and space characters.
func punctOnly(v string) bool {
	return strings.Trim(v, "'\"`[]$\\-/*#;,(). \t\n\r\f\v") == ""
}
