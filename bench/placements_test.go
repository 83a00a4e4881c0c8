package bench

import (
	"strings"
	"testing"
)

func TestLiteralEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		s           string
		backslashes bool
		want        int
	}{
		{"plain", "'abc' x", false, 4},
		{"doubled quote stays", "'a''b' x", false, 5},
		{"backslash is a byte", `'a\' x`, false, 3},
		{"backslash escapes", `'a\'b' x`, true, 5},
		{"escaped backslash", `'a\\' x`, true, 4},
		{"never closes", "'abc", false, 4},
		{"trailing backslash never closes", `'ab\'`, true, 5},
		{"double quotes", `"a""b" x`, false, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := literalEnd(tt.s, 0, tt.backslashes); got != tt.want {
				t.Errorf("literalEnd(%q, %v) = %d, want %d", tt.s, tt.backslashes, got, tt.want)
			}
		})
	}
}

func TestPlacementLabels(t *testing.T) {
	t.Parallel()
	type place func(Payload) (Case, bool)
	sqlStr := func(d string) place { return func(p Payload) (Case, bool) { return sqlString(d, p) } }
	sqlNum := func(d string) place { return func(p Payload) (Case, bool) { return sqlNumber(d, p) } }
	sqlEsc := func(d string) place { return func(p Payload) (Case, bool) { return sqlEscaped(d, p) } }
	tests := []struct {
		name    string
		place   place
		payload string
		ok      bool // placed at all
		want    bool
	}{
		{"string: word stays", sqlStr("sqlite"), "alice", true, false},
		{"string: quote breaks out", sqlStr("sqlite"), "x' OR 1=1 --", true, true},
		{"string: doubled quote stays", sqlStr("postgresql"), "O''Brien", true, false},
		{"string: backslash harmless in postgres", sqlStr("postgresql"), `C:\dir`, true, false},
		{"string: mysql label depends on mode", sqlStr("mysql"), `abc\`, false, false},
		{"string: mysql quote breaks out in both modes", sqlStr("mysql"), "a' OR 'b", true, true},
		{"escaped: mysql", sqlEsc("mysql"), `a\' OR 1=1 --`, true, false},
		{"escaped: nothing to escape", sqlEsc("sqlite"), "plain", false, false},
		{"number: digits", sqlNum("sqlite"), "42", true, false},
		{"number: decimal", sqlNum("mysql"), "4.5", true, false},
		{"number: expression", sqlNum("sqlite"), "1 OR 1=1", true, true},
		{"number: comment", sqlNum("sqlite"), "1--", true, true},
		{"number: lone word left out", sqlNum("sqlite"), "admin", false, false},
		{"number: signed left out", sqlNum("sqlite"), "-1", false, false},
		{"number: one quoted token left out", sqlNum("sqlite"), "'&&'", false, false},
		{"number: quote breaks out", sqlNum("sqlite"), "'a' OR 'b'", true, true},
		{"shell: separator", shellWord, "x; id", true, true},
		{"shell: substitution", shellWord, "$(id)", true, true},
		{"shell: plain host", shellWord, "example.com", true, false},
		{"shell: space left out", shellWord, "a b", false, false},
		{"shell: leading dash left out", shellWord, "-f", false, false},
		{"shell quoted: benign", shellQuoted, "x'; id #", true, false},
		{"argv element: benign", execArg, "x; id", true, false},
		{"path: traversal leaves base", fsConcat, "../../etc/passwd", true, true},
		{"path: stays inside", fsConcat, "a/../b.txt", true, false},
		{"path: encoded dots are bytes", fsConcat, "%2e%2e/%2e%2e/etc/passwd", true, false},
		{"path: absolute input appended stays", fsConcat, "/etc/passwd", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, ok := tt.place(Payload{ID: "t#0", Value: tt.payload})
			if ok != tt.ok {
				t.Fatalf("placed = %v, want %v", ok, tt.ok)
			}
			if ok && c.Want != tt.want {
				t.Errorf("label = %v, want %v (target %q)", c.Want, tt.want, c.Target)
			}
			if ok && c.Label != LabelSyntax {
				t.Errorf("Label = %q, want %q", c.Label, LabelSyntax)
			}
		})
	}
}

func TestSQLLongPutsLiteralPast4KiB(t *testing.T) {
	t.Parallel()
	c, ok := sqlLong("sqlite", Payload{ID: "t#0", Value: "x' OR 1=1 --"})
	if !ok || !c.Want {
		t.Fatalf("sqlLong = %+v, %v; want an injection", c.Want, ok)
	}
	if i := strings.Index(c.Target, "x' OR"); i < 4096 {
		t.Errorf("payload at byte %d, want past 4096", i)
	}
}

func TestParseFlatYAML(t *testing.T) {
	t.Parallel()
	in := "{\n  post: {\n    blank: \"\",\n    name: \"a \\\"b\\\"; c\",\n    other: \"x\\\\y\"\n  }\n}"
	got := parseFlatYAML(in)
	want := map[string]string{"blank": "", "name": `a "b"; c`, "other": `x\y`}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestSample(t *testing.T) {
	t.Parallel()
	var p []Payload
	for i := range 10 {
		p = append(p, Payload{Value: string(rune('a' + i))})
	}
	got := sample(p, 5)
	var s strings.Builder
	for _, q := range got {
		s.WriteString(q.Value)
	}
	if s.String() != "acegi" {
		t.Errorf("sample = %q, want an even stride %q", s.String(), "acegi")
	}
	if len(sample(p, 0)) != 10 || len(sample(p, 20)) != 10 {
		t.Error("sample must keep all when max <= 0 or max >= len")
	}
}
