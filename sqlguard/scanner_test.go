package sqlguard

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorasp/rasp/taint"
)

var update = flag.Bool("update", false, "rewrite testdata/<dialect>/*.txt golden files")

type elt struct {
	tok Token
	lit string
}

var scanCases = []struct {
	d    Dialect
	src  string
	want []elt
}{
	{my, `'a\'b' "c""d" #x` + "\n1", []elt{{STRING, `'a\'b'`}, {SPACE, " "}, {STRING, `"c""d"`}, {SPACE, " "}, {COMMENT, "#x\n"}, {NUMBER, "1"}}},
	{my | NoBackslashEscapes, `'a\' c'`, []elt{{STRING, `'a\'`}, {SPACE, " "}, {IDENT, "c"}, {ILLEGAL, "'"}}},
	{my | ANSIQuotes, `"a" 'b'`, []elt{{QIDENT, `"a"`}, {SPACE, " "}, {STRING, `'b'`}}},
	{my, "1--1 -- c", []elt{{NUMBER, "1"}, {OP, "-"}, {OP, "-"}, {NUMBER, "1"}, {SPACE, " "}, {COMMENT, "-- c"}}},
	{my, "/*!50000 UNION */ /*M!1 x */ /* c */", []elt{{EXECOPEN, "/*!50000"}, {SPACE, " "}, {IDENT, "UNION"}, {SPACE, " "}, {EXECCLOSE, "*/"}, {SPACE, " "}, {EXECOPEN, "/*M!1"}, {SPACE, " "}, {IDENT, "x"}, {SPACE, " "}, {EXECCLOSE, "*/"}, {SPACE, " "}, {COMMENT, "/* c */"}}},
	{my, "`a``b` @v @@global.x ? 0x1F 1abc X'0A' N'n' _utf8'u'", []elt{{QIDENT, "`a``b`"}, {SPACE, " "}, {PARAM, "@v"}, {SPACE, " "}, {PARAM, "@@global.x"}, {SPACE, " "}, {PARAM, "?"}, {SPACE, " "}, {NUMBER, "0x1F"}, {SPACE, " "}, {IDENT, "1abc"}, {SPACE, " "}, {BLOB, "X'0A'"}, {SPACE, " "}, {STRING, "N'n'"}, {SPACE, " "}, {IDENT, "_utf8"}, {STRING, "'u'"}}},
	{my, "a<=>b:=c", []elt{{IDENT, "a"}, {OP, "<=>"}, {IDENT, "b"}, {OP, ":="}, {IDENT, "c"}}},
	{lite, `'a\' [x y] "q" ?12 :n @n $n --c`, []elt{{STRING, `'a\'`}, {SPACE, " "}, {QIDENT, "[x y]"}, {SPACE, " "}, {QIDENT, `"q"`}, {SPACE, " "}, {PARAM, "?12"}, {SPACE, " "}, {PARAM, ":n"}, {SPACE, " "}, {PARAM, "@n"}, {SPACE, " "}, {PARAM, "$n"}, {SPACE, " "}, {COMMENT, "--c"}}},
	{lite, "1/* open", []elt{{NUMBER, "1"}, {COMMENT, "/* open"}}},
	{lite, "x'ab' 12a 1_000", []elt{{BLOB, "x'ab'"}, {SPACE, " "}, {ILLEGAL, "12a"}, {SPACE, " "}, {NUMBER, "1_000"}}},
	{pg, `E'a\'b' 'c\' U&'d' $$e$$ $t$f$$t$ $1 x::int`, []elt{{STRING, `E'a\'b'`}, {SPACE, " "}, {STRING, `'c\'`}, {SPACE, " "}, {STRING, "U&'d'"}, {SPACE, " "}, {STRING, "$$e$$"}, {SPACE, " "}, {STRING, "$t$f$$t$"}, {SPACE, " "}, {PARAM, "$1"}, {SPACE, " "}, {IDENT, "x"}, {OP, "::"}, {IDENT, "int"}}},
	{pg, "/* a /* b */ c */+--x", []elt{{COMMENT, "/* a /* b */ c */"}, {OP, "+"}, {COMMENT, "--x"}}},
	{pg | PostgresLegacyStrings, `'a\'b'`, []elt{{STRING, `'a\'b'`}}},
	{pg, "a #- b @> c ?| d", []elt{{IDENT, "a"}, {SPACE, " "}, {OP, "#-"}, {SPACE, " "}, {IDENT, "b"}, {SPACE, " "}, {OP, "@>"}, {SPACE, " "}, {IDENT, "c"}, {SPACE, " "}, {OP, "?|"}, {SPACE, " "}, {IDENT, "d"}}},
	{pg, "'open", []elt{{ILLEGAL, "'open"}}},
	{lite, "1,'a\x00',2", []elt{{NUMBER, "1"}, {COMMA, ","}, {ILLEGAL, "'a"}, {COMMENT, "\x00',2"}}},
	{my, "x'41''a' --\r,\n#\r,", []elt{{BLOB, "x'41'"}, {STRING, "'a'"}, {SPACE, " "}, {COMMENT, "--\r,\n"}, {COMMENT, "#\r,"}}},
	{pg, "--\r,", []elt{{COMMENT, "--\r"}, {COMMA, ","}}},
	{my, "(a,b);\x00", []elt{{LPAREN, "("}, {IDENT, "a"}, {COMMA, ","}, {IDENT, "b"}, {RPAREN, ")"}, {SEMI, ";"}, {ILLEGAL, "\x00"}}},
}

func TestScan(t *testing.T) {
	for _, c := range scanCases {
		var s Scanner
		s.Init(c.src, c.d)
		var got []elt
		for {
			_, tok, lit := s.Scan()
			if tok == EOF {
				break
			}
			got = append(got, elt{tok, lit})
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%v %q:\n got %v\nwant %v", c.d, c.src, got, c.want)
		}
	}
}

// dump renders the tokens of src, one per line.
func dump(d Dialect, src string) string {
	var b strings.Builder
	var s Scanner
	s.Init(src, d)
	for {
		pos, tok, lit := s.Scan()
		if tok == EOF {
			break
		}
		if tok != SPACE {
			fmt.Fprintf(&b, "  %3d %-9s %q\n", pos, tok, lit)
		}
	}
	return b.String()
}

// TestGolden renders every table case as query, input, verdict and token
// dump into testdata/<dialect>/cases.txt; go test -update rewrites them.
func TestGolden(t *testing.T) {
	byDialect := map[string]*strings.Builder{}
	for _, c := range checkCases {
		name := c.dialect.Engine().String()
		b := byDialect[name]
		if b == nil {
			b = &strings.Builder{}
			byDialect[name] = b
		}
		f, inj := Check(c.dialect, c.query, []taint.Input{{Value: c.input}})
		fmt.Fprintf(b, "# %s (%v)\nquery: %q\ninput: %q\ninjection: %v\n", c.name, c.dialect, c.query, c.input, inj)
		if inj {
			fmt.Fprintf(b, "reason: %s\n", f.Reason)
		}
		b.WriteString(dump(c.dialect, c.query))
		b.WriteString("\n")
	}
	for name, b := range byDialect {
		path := filepath.Join("testdata", name, "cases.txt")
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if string(want) != b.String() {
			t.Errorf("%s differs from the current output; run go test ./sqlguard -update and review the diff", path)
		}
	}
}

func TestScanReuse(t *testing.T) {
	var s Scanner
	s.Init("'open", pg)
	for {
		if _, tok, _ := s.Scan(); tok == EOF {
			break
		}
	}
	if s.ErrorCount != 1 {
		t.Fatalf("ErrorCount = %d", s.ErrorCount)
	}
	s.Init("SELECT 1", pg)
	if pos, tok, lit := s.Scan(); pos != 0 || tok != IDENT || lit != "SELECT" || s.ErrorCount != 0 {
		t.Fatalf("after Init: %d %v %q %d", pos, tok, lit, s.ErrorCount)
	}
	if Token(99).String() != "Token(?)" || STRING.String() != "STRING" {
		t.Error("Token.String")
	}
}
