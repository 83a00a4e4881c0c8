package sqlguard

import (
	"strings"
	"testing"

	"github.com/gorasp/rasp/taint"
)

// fuzzDialects are the lexing variants a fuzz byte selects.
var fuzzDialects = []Dialect{
	lite, pg, pg | PostgresLegacyStrings, my,
	my | NoBackslashEscapes | NoANSIQuotes, my | NoBackslashEscapes | ANSIQuotes,
	my | BackslashEscapes | NoANSIQuotes, my | BackslashEscapes | ANSIQuotes,
}

func FuzzScan(f *testing.F) {
	for _, c := range scanCases {
		f.Add(c.src, uint8(0))
	}
	for i, c := range checkCases {
		f.Add(c.query, uint8(i))
	}
	f.Fuzz(func(t *testing.T, src string, which uint8) {
		d := fuzzDialects[int(which)%len(fuzzDialects)]
		var s Scanner
		s.Init(src, d)
		next := 0
		for n := 0; ; n++ {
			pos, tok, lit := s.Scan()
			if tok == EOF {
				if pos != len(src) || lit != "" {
					t.Fatalf("EOF at %d with %q, len %d", pos, lit, len(src))
				}
				break
			}
			if pos != next || lit == "" || src[pos:pos+len(lit)] != lit {
				t.Fatalf("%v: token %d %v %q at %d, want it at %d", d, n, tok, lit, pos, next)
			}
			next = pos + len(lit)
			if n > len(src) {
				t.Fatal("more tokens than bytes")
			}
		}
	})
}

// escape quotes v for a '...' literal the way the dialect's own escaping
// does: quotes doubled, and for MySQL backslashes doubled too.
func escape(d Dialect, v string) string {
	v = strings.ReplaceAll(v, "'", "''")
	if d.Engine() == DialectMySQL || d&PostgresLegacyStrings != 0 {
		v = strings.ReplaceAll(v, `\`, `\\`)
	}
	return v
}

func FuzzCheck(f *testing.F) {
	for i, c := range checkCases {
		f.Add(c.input, uint8(i))
	}
	f.Add(`x\`, uint8(3))
	f.Add(`\'`, uint8(3))
	f.Add(`'--`, uint8(0))
	f.Fuzz(func(t *testing.T, v string, which uint8) {
		d := fuzzDialects[int(which)%len(fuzzDialects)]
		if d == lite && strings.IndexByte(v, 0) >= 0 {
			// SQLite stops reading at a NUL: no escaping keeps a literal
			// holding one whole, and the check rightly flags it.
			if _, bad := Check(d, "SELECT '"+escape(d, v)+"'", []taint.Input{{Value: v}}); !bad && strings.Contains(escape(d, v), v) {
				t.Fatalf("NUL-cut literal with %q not flagged", v)
			}
			return
		}
		const pre, post = "SELECT * FROM t WHERE a = '", "' AND b = 1"
		q := pre + escape(d, v) + post
		bodyStart, bodyEnd := len(pre), len(q)-len(post)
		// Only the escaped placement is under test: skip inputs whose text
		// (or trimmed text) also coincides with template text outside the
		// literal.
		for _, x := range []string{v, taint.Trimmed(v)} {
			for off := 0; x != "" && off <= len(q)-len(x); {
				k := strings.Index(q[off:], x)
				if k < 0 {
					break
				}
				if s := off + k; s < bodyStart || s+len(x) > bodyEnd {
					t.Skip()
				}
				off += k + 1
			}
		}
		r := Analyze(d, q, []taint.Input{{Value: v}})
		if r.Injection {
			t.Fatalf("%v: escaped input %q flagged in %q: %s", d, v, q, r.Finding.Reason)
		}
	})
}
