package execguard

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// sameParse parses script in both variants and reports whether the two
// parses agree: both fail, or both build the same tree.
func sameParse(t *testing.T, script string) bool {
	t.Helper()
	fp, errp := parse(script, variantPOSIX)
	fb, errb := parse(script, variantBash)
	if (errp == nil) != (errb == nil) {
		return false
	}
	return errp != nil || reflect.DeepEqual(fp, fb)
}

var variantScripts = []struct {
	script string
	same   bool
}{
	{`convert 'holiday photo.png' -resize 640x480 "out_alice_42.png" && echo done >> /var/log/convert.log`, true},
	{`ls -la /tmp | grep x; echo "$HOME" > out 2>&1`, true},
	{"cat <<EOF\nhello $USER\nEOF\n", true},
	{`timeout 5 ping -c 1 example.com`, true},
	{`echo delete selected locals`, true},
	{`a=1 b=2 env`, true},
	{`echo $'a\nb'`, false},
	{`echo $"msg"`, false},
	{`echo a |& cat`, false},
	{`echo a &> /dev/null`, false},
	{`cat <<< word`, false},
	{`a+=b`, false},
	{`[[ -f x ]]`, false},
	{`echo ]]`, false},
	{`]] x`, false},
	{`a=(1 2)`, false},
	{`echo $((1+2))`, false},
	{`echo "$(date +%F)" $(id -un) done`, true},
	{`echo $(ls | wc -l; pwd)`, true},
	{`echo $( (ls) )`, false},
	{`echo $$(ls)`, false},
	{`echo $(ls @(a|b))`, false},
	{`echo $(local x)`, false},
	{`echo ${x/a/b}`, false},
	{`diff <(ls a) <(ls b)`, false},
	{`ls @(a|b)`, false},
	{`f() { echo; }`, false},
	{`let x=1`, false},
	{`function f`, false},
	{`declare -x A=1`, false},
	{`local a=1`, false},
	{`export A=1; env`, false},
	{`readonly A`, false},
	{`typeset A`, false},
	{`nameref A`, false},
	{`time ls`, false},
	{`coproc cat`, false},
	{`select x in a b; do :; done`, false},
	{"ti\x00me ls", false},
	{"ti\\\nme ls", false},
	{"case x in a) ;& esac", false},
	{"e\x80port A=1", false},
	{"caf\xc3\xa9 -l", true},
}

// TestSameInVariants checks the scan against the parser on hand-picked
// scripts (one per construct it excludes) and on random scripts built from
// shell tokens: whenever the scan says the variants agree, the parser
// builds the same tree in both.
func TestSameInVariants(t *testing.T) {
	for _, tc := range variantScripts {
		if got := sameInVariants(tc.script); got != tc.same {
			t.Errorf("sameInVariants(%q) = %v, want %v", tc.script, got, tc.same)
		}
		if tc.same && !sameParse(t, tc.script) {
			t.Errorf("%q: parses differ between POSIX and Bash", tc.script)
		}
	}
	// Scripts on which the parsers differ must be excluded by the scan.
	differ := 0
	for _, tc := range variantScripts {
		if !sameParse(t, tc.script) {
			differ++
		}
	}
	if differ < 20 {
		t.Errorf("only %d of the excluded scripts parse differently: the table no longer exercises the variants", differ)
	}
	tokens := []string{" ", " ", " ", "\n", ";", "&", "&&", "|", "||", "<", ">", ">>", "<<", "2>", "<>", ">|", "'",
		`"`, "`", "$", "$x", "!", "#", "=", "+", "-", "*", "?", "@", "~", ":", ",", ".", "/", "\\", "\x00", "\r",
		"(", ")", "$(", "[", "]", "{", "}", "echo", "ls", "a", "x=1", "if", "then", "fi", "for", "in", "do", "done",
		"case", "esac", "while", "time", "local", "export", "let", "select", "function", "EOF", "\t"}
	rng := rand.New(rand.NewPCG(1, 2))
	checked := 0
	for range 60000 {
		s := randomScript(rng, tokens, 14, "")
		if !sameInVariants(s) {
			continue
		}
		checked++
		if !sameParse(t, s) {
			t.Fatalf("%q: the scan says the variants agree, the parses differ", s)
		}
	}
	if checked < 5000 {
		t.Fatalf("only %d random scripts passed the scan", checked)
	}
}

// randomScript joins 1 to max tokens drawn from tokens, each followed by sep.
func randomScript(rng *rand.Rand, tokens []string, max int, sep string) string {
	var b strings.Builder
	for range 1 + rng.IntN(max) {
		b.WriteString(tokens[rng.IntN(len(tokens))])
		b.WriteString(sep)
	}
	return b.String()
}

func FuzzSameInVariants(f *testing.F) {
	for _, tc := range variantScripts {
		f.Add(tc.script)
	}
	for _, tc := range shellCases {
		f.Add(tc.script)
	}
	f.Fuzz(func(t *testing.T, script string) {
		if len(script) > 4096 || !sameInVariants(script) {
			return
		}
		if !sameParse(t, script) {
			t.Fatalf("%q: the scan says the variants agree, the parses differ", script)
		}
	})
}
