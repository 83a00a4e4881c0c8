package bench

import (
	"strings"
	"testing"
)

// FuzzPlacementLabels checks the syntax labeller against its own
// escaping: a value escaped by a dialect's quoting rules never leaves its
// literal (in MySQL, with and without backslash escapes); a single-quoted
// shell value and an argv element are benign; a path label agrees with
// where the cleaned path lies.
func FuzzPlacementLabels(f *testing.F) {
	for _, s := range []string{"alice", "x' OR 1=1 --", "O''Brien", `abc\`, `a\' OR 1=1 --`, "1 OR 1=1", "$(id)", "../../etc/passwd", "%2e%2e/x", "'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		p := Payload{ID: "fuzz#0", Value: v}
		for _, d := range Dialects {
			c, ok := sqlEscaped(d, p)
			if !ok {
				continue
			}
			if c.Want {
				t.Fatalf("%s: escaped %q labelled an injection", d, v)
			}
			if d == "mysql" {
				open := strings.IndexByte(c.Target, '\'')
				esc := strings.ReplaceAll(strings.ReplaceAll(v, "'", "''"), `\`, `\\`)
				if literalEnd(c.Target, open, false) != open+1+len(esc) {
					t.Fatalf("mysql NO_BACKSLASH_ESCAPES: escaped %q leaves its literal", v)
				}
			}
		}
		if c, ok := shellQuoted(p); ok && c.Want {
			t.Fatalf("quoted %q labelled an injection", v)
		}
		if c, ok := execArg(p); ok && c.Want {
			t.Fatalf("argv element %q labelled an injection", v)
		}
		if c, ok := fsConcat(p); ok && c.Want && !strings.Contains(v, "..") {
			t.Fatalf("path %q without .. labelled as leaving the base", v)
		}
	})
}
