package execguard

import (
	"slices"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
	"mvdan.cc/sh/v3/syntax"
)

// checkSpan fails when a finding's span is not the input in its target.
func checkSpan(t *testing.T, f rasp.Finding, input string) {
	t.Helper()
	if f.Kind == "" || f.Reason == "" {
		t.Fatalf("finding without kind or reason: %+v", f)
	}
	if f.Start == -1 && f.End == -1 {
		return
	}
	if f.Start < 0 || f.End < f.Start || f.End > len(f.Target) {
		t.Fatalf("span [%d,%d) outside target of %d bytes", f.Start, f.End, len(f.Target))
	}
	if span := f.Target[f.Start:f.End]; span != input && span != strings.TrimSpace(input) {
		t.Fatalf("span %q is not the input %q", span, input)
	}
}

// deepSeeds are shapes that recurse in the parser; the limits stop them
// before parsing.
func deepSeeds() []string {
	return []string{
		strings.Repeat("$(", 10000) + strings.Repeat(")", 10000),
		strings.Repeat("(", 10000),
		strings.Repeat("{ ", 10000),
		"[[ " + strings.Repeat("a && ", 20000) + "a ]]",
		"echo $((" + strings.Repeat("1?", 20000) + "1" + strings.Repeat(":1", 20000) + "))",
		strings.Repeat("a|", 1<<19),
		"echo '" + strings.Repeat("x", 1<<20) + "'",
	}
}

// limitSeeds are the deep shapes at the nesting limit, small enough for
// the fuzzer to mutate quickly (megabyte seeds stall it; they run in
// TestDeepAndHugeScripts instead).
func limitSeeds() []string {
	var out []string
	for _, n := range []int{MaxNesting - 1, MaxNesting, MaxNesting + 1} {
		out = append(out,
			strings.Repeat("$(", n)+"a"+strings.Repeat(")", n),
			strings.Repeat("(", n)+"a"+strings.Repeat(")", n),
			strings.Repeat("{ ", n)+"a"+strings.Repeat(";}", n),
			"echo "+strings.Repeat("`", n)+"a")
	}
	return out
}

func FuzzCheckShell(f *testing.F) {
	for _, tc := range shellCases {
		f.Add(tc.script, tc.input)
	}
	for _, s := range limitSeeds() {
		f.Add(s, "a")
		f.Add(s, "x")
	}
	f.Fuzz(func(t *testing.T, script, input string) {
		in := []taint.Input{q(input)}
		if fd, ok := CheckShell(script, in); ok {
			if fd.Target != script {
				t.Fatalf("target is not the script")
			}
			checkSpan(t, fd, input)
		}
		// What the shortcut clears, the parser clears; what it flags, the
		// parser flags with the same hit; what it calls well formed parses.
		if len(script) <= maxFastLen {
			fh, v := fastCheck(script, in)
			switch h, ok, _ := defaultGuard.checkShellSlow(script, in, newWork(), false); v {
			case fastClear:
				if ok {
					t.Fatalf("shortcut cleared %q in %q; parser: %s", input, script, h.reason)
				}
			case fastFlag:
				if !ok || h != fh {
					t.Fatalf("shortcut flagged %q in %q as %+v; parser: %v %+v", input, script, fh, ok, h)
				}
			}
			checkWellFormed(t, script)
		}
		// Single-quoted, an input without "'" never changes the syntax
		// (where it occurs only there, not also by chance in the
		// hard-coded text), unless the script is over the parse limits,
		// which count nesting without regard to quoting, or the input
		// holds U+0080, where the parser ends the script (see the package
		// documentation): the quote is then never closed.
		// An input whose value is an option is the option rule's, which
		// applies inside scripts too.
		option := isOption(input) || isOption(strings.TrimSpace(input))
		ends := strings.Contains(input, "\u0080")
		quoted := "echo '" + input + "' done"
		// The argv rules also look for the value trimmed of blanks (" echo "
		// names the program echo).
		trimmed := strings.TrimSpace(input)
		once := strings.Index(quoted, input) == strings.LastIndex(quoted, input) &&
			strings.Index(quoted, trimmed) == strings.LastIndex(quoted, trimmed)
		if fd, ok := CheckShell(quoted, in); ok && once && !option && !strings.Contains(input, "'") && checkable(input) && !overLimits(quoted) && !ends {
			t.Fatalf("single-quoted input flagged in %q: %s", quoted, fd.Reason)
		}
		// Inside a script, an input that is an option of a command is the
		// option rule's (issue 16); as the value of an option that takes
		// one it is data.
		if !strings.Contains(input, "'") && checkable(input) {
			opt := "grep '" + input + "' notes.txt"
			// The word's value is the input, blanks included: " -x" is
			// not an option.
			if _, ok := CheckShell(opt, in); isOption(input) && !ok {
				t.Fatalf("option in a script not flagged: %q", opt)
			}
			val := "grep --regexp '" + input + "' notes.txt"
			once := strings.Index(val, input) == strings.LastIndex(val, input) &&
				strings.Index(val, trimmed) == strings.LastIndex(val, trimmed)
			if fd, ok := CheckShell(val, in); ok && once && !overLimits(val) && !ends {
				t.Fatalf("option value in a script flagged in %q: %s", val, fd.Reason)
			}
		}
		// Written with the escaping idiom (each "'" as '\''), any input is
		// one literal argument and never a finding.
		// (Where the input also occurs across the hard-coded blanks around
		// the word, that occurrence is syntax.)
		idiom := "echo '" + strings.ReplaceAll(input, "'", `'\''`) + "' done"
		if fd, ok := CheckShell(idiom, in); ok && !option && checkable(input) && !strings.ContainsRune(input, 0) && !overLimits(idiom) && !ends &&
			withinWord(idiom, input, len("echo "), len(idiom)-len(" done")) && withinWord(idiom, trimmed, len("echo "), len(idiom)-len(" done")) {
			t.Fatalf("input quoted with the idiom flagged in %q: %s", idiom, fd.Reason)
		}
	})
}

// FuzzFastCheckInputs holds the shortcut to the full rules with several
// inputs, whose occurrences the full rules visit region rules first, then
// command by command: what it clears they clear, what it flags they flag
// with the same hit.
func FuzzFastCheckInputs(f *testing.F) {
	f.Add("convert 'holiday photo.png' -resize 640x480 out.png && echo done", "convert", "640x480", "out")
	f.Add("ls -l x; grep -e --verbose dir", "--verbose", "x", "-l")
	f.Add("curl -o/tmp/x http://h/ | tee log", "http://h/", "-o/tmp/x", "log")
	f.Add("a b c; b c a", "b c", "a", "c")
	f.Add(`convert 'holiday photo.png' -resize 640x480 "out_alice_42.png" && echo "$(date) done" >> /var/log/convert.log`, "holiday photo.png", "alice", "42")
	f.Add(`echo "$(ls -1 | wc -l) files in $(pwd)" a; b "c$(id -un)"`, "files", "a; b", "c")
	f.Add(`x "$(a=b c 2>&1 &)" "$()" y`, "y", "c", "b")
	f.Add(`convert 'holiday photo.png' -resize 640x480 "out_alice_42.png" && echo $(date) done >> /var/log/convert.log`, "holiday photo.png", "alice", "42")
	f.Add(`$(which ls) -l $(pwd)/x > $(date +%F).log; y`, "x", "ls", "y")
	for _, tc := range shellCases {
		f.Add(tc.script, tc.input, "a", "-")
	}
	f.Fuzz(func(t *testing.T, script, v1, v2, v3 string) {
		if len(script) > maxFastLen {
			return
		}
		in := []taint.Input{q(v1), q(v2), q(v3)}
		fh, v := fastCheck(script, in)
		h, ok, _ := defaultGuard.checkShellSlow(script, in, newWork(), false)
		switch {
		case v == fastClear && ok:
			t.Fatalf("shortcut cleared %q %q %q in %q; parser: %+v", v1, v2, v3, script, h)
		case v == fastFlag && (!ok || h != fh):
			t.Fatalf("shortcut flagged %q %q %q in %q as %+v; parser: %v %+v", v1, v2, v3, script, fh, ok, h)
		}
	})
}

// newWork returns a fresh budget, for calling checkShellSlow directly.
func newWork() work {
	n := maxScripts
	return work{left: &n}
}

// checkWellFormed fails when wellFormed accepts a plainly structured script
// that the POSIX parser refuses.
func checkWellFormed(t *testing.T, script string) {
	t.Helper()
	info := make([]uint8, len(script))
	if !scanSimple(script, info) || !wellFormed(script) {
		return
	}
	f, err := parse(script, variantPOSIX)
	if err != nil {
		t.Fatalf("wellFormed(%q), but the POSIX parser refuses it: %v", script, err)
	}
	checkLex(t, script, f)
}

// checkLex fails when the commands the lexer reads off a plainly
// structured script are not the parser's: the same commands with the same
// spans, the same argv where the lexer gives a value, an assignment only
// where it refuses the first word, and the region of each argument word it
// reads.
func checkLex(t *testing.T, script string, f *syntax.File) {
	t.Helper()
	var l lexer
	if !l.lex(script) {
		return // over the lexer's bounds
	}
	col := collectors.Get().(*collector)
	defer col.release()
	p := col.collect(f, script)
	var calls []lexCall
	for _, c := range l.calls[:l.nc] {
		if c.start >= 0 {
			calls = append(calls, c)
		}
	}
	if len(p.calls) != len(calls) {
		t.Fatalf("%q: lexer reads %d commands, parser %d", script, len(calls), len(p.calls))
	}
	for i, pc := range p.calls {
		c := calls[i]
		if pc.expr == nil {
			t.Fatalf("%q: command %d is no simple command for the parser", script, i)
		}
		if s, e := int(pc.expr.Pos().Offset()), int(pc.expr.End().Offset()); s != int(c.start) || e != int(c.stop) {
			t.Fatalf("%q: command %d spans [%d,%d), lexer [%d,%d)", script, i, s, e, c.start, c.stop)
		}
		var args []int
		for k := c.first; k < c.end; k++ {
			if l.words[k].role == roleArg {
				args = append(args, int(k))
			}
		}
		full := col.callOf(pc.expr, script)
		if len(full.assigns) > 0 {
			v, off, ok := l.value(script, args[0])
			if ok && !(off == int(l.words[args[0]].start) && strings.IndexByte(v, '=') >= 0) {
				t.Fatalf("%q: command %d starts with an assignment the lexer takes for a word", script, i)
			}
			continue // the shortcut leaves such commands to the parser
		}
		if len(full.args) != len(args) {
			t.Fatalf("%q: command %d has %d words, lexer %d", script, i, len(full.args), len(args))
		}
		for j, k := range args {
			v, off, ok := l.value(script, k)
			if !ok {
				continue
			}
			if v != full.args[j] || off != full.offs[j] {
				t.Fatalf("%q: word %d of command %d is %q at %d, lexer %q at %d", script, j, i, full.args[j], full.offs[j], v, off)
			}
			if r := l.region(script, k); r.end > r.start && !slices.Contains(p.regions, r) {
				t.Fatalf("%q: lexer's region %+v of word %q is not the parser's %+v", script, r, v, p.regions)
			}
		}
	}
}

func FuzzWellFormed(f *testing.F) {
	for _, tc := range wellFormedCases {
		f.Add(tc.script)
	}
	for _, tc := range shellCases {
		f.Add(tc.script)
	}
	f.Fuzz(func(t *testing.T, script string) {
		if len(script) <= maxFastLen {
			checkWellFormed(t, script)
		}
	})
}

// withinWord reports whether every occurrence of v in s lies in [from,to).
func withinWord(s, v string, from, to int) bool {
	for off := 0; off <= len(s)-len(v); {
		i := strings.Index(s[off:], v)
		if i < 0 {
			return true
		}
		if off+i < from || off+i+len(v) > to {
			return false
		}
		off += i + 1
	}
	return true
}

func FuzzCheckArgv(f *testing.F) {
	for _, tc := range argvCases {
		a := append(append([]string{}, tc.argv...), "", "", "", "")
		f.Add(a[0], a[1], a[2], a[3], tc.input)
	}
	for _, s := range limitSeeds() {
		f.Add("sh", "-c", s, "", "a")
	}
	f.Fuzz(func(t *testing.T, a0, a1, a2, a3, input string) {
		argv := []string{a0, a1, a2, a3}
		in := []taint.Input{q(input)}
		if fd, ok := CheckArgv(argv, in); ok {
			if fd.Target != strings.Join(argv, " ") {
				t.Fatalf("target is not argv joined")
			}
			checkSpan(t, fd, input)
		}
		if !checkable(input) {
			return
		}
		// The value of an option that takes one is data, whatever it
		// holds, where it occurs nowhere else (issue 16).
		val := []string{"grep", "--regexp", input, "notes.txt"}
		elsewhere := false
		for _, a := range []string{"grep", "--regexp", "notes.txt"} {
			elsewhere = elsewhere || strings.Contains(a, input) || strings.Contains(a, strings.TrimSpace(input))
		}
		if fd, ok := CheckArgv(val, in); ok && !elsewhere {
			t.Fatalf("option value flagged in %q: %s", val, fd.Reason)
		}
		// The same input as the operand of a program that runs it as code
		// (sqlite3 FILENAME SQL) is flagged unless it is a plain word; one
		// that starts with "-" is read as an option (sqlite3 rejects those
		// it does not know).
		code := []string{"sqlite3", "app.db", input}
		if _, ok := CheckArgv(code, in); !ok && !plainWord(input) && input[0] != '-' {
			t.Fatalf("code operand not flagged: %q", code)
		}
		// An input whose fields start the command line chooses the
		// program.
		if fields := strings.Fields(input); len(fields) >= 2 {
			if _, ok := CheckArgv(append(fields, "x"), in); !ok {
				t.Fatalf("program chosen by %q not flagged", input)
			}
		}
	})
}

// TestDeepAndHugeScripts runs the parser-killing shapes through the checks:
// they must return (the limits keep the stack bounded) and, with an input
// in them, be findings.
func TestDeepAndHugeScripts(t *testing.T) {
	for _, s := range deepSeeds() {
		f, ok := CheckShell(s, []taint.Input{q("a")})
		if strings.Contains(s, "a") && !ok {
			t.Errorf("script of %d bytes with input: no finding", len(s))
		}
		if ok && f.Kind != rasp.KindShellInjection {
			t.Errorf("kind %q", f.Kind)
		}
		CheckArgv([]string{"bash", "-c", s}, []taint.Input{q("zzz")})
	}
}

// FuzzFirstField holds firstField to strings.Fields.
func FuzzFirstField(f *testing.F) {
	for _, s := range []string{"", "a", "a b", "  a  b ", "a\u00a0b", "\u2003a b", "a \u0085", "ab\tc d", "a "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		fields := strings.Fields(v)
		got, ok := firstField(v)
		if want := len(fields) >= 2; ok != want || ok && got != fields[0] {
			t.Fatalf("firstField(%q) = %q, %v; fields %q", v, got, ok, fields)
		}
	})
}

// FuzzArgvShortcuts holds the shortcuts of an argv check where no input
// occurs (no executable or option rule, a script element checked for the
// limits only, the first-byte test of startsFields, cmd.Path searched
// first) to the rules they skip: same finding, same span, same fault.
func FuzzArgvShortcuts(f *testing.F) {
	long := "convert 'holiday photo.png' -resize 640x480 \"out_alice_42.png\" && echo done >> /var/log/convert.log"
	for _, tc := range argvCases {
		a := append(append([]string{}, tc.argv...), "", "", "", "")
		f.Add(a[0], a[1], a[2], a[3], tc.input, "x")
	}
	for _, s := range limitSeeds() {
		f.Add("sh", "-c", s, "", "a", "zzz")
	}
	for _, v := range []string{"\u00a0sh", "sh\u3000", " -c", "-c ", "convert 'holiday", "sh -c", "\u00a0-c", "bob", "640x480 \"out"} {
		f.Add("sh", "-c", long, "", v, "report.pdf")
		f.Add("find", ".", "-exec", "sh -c "+long, v, "de-DE")
		f.Add("su", "-c", long, "root", v, "7777")
		f.Add("eval", long, "", "", v, "x y")
		f.Add("env", "--command="+long, "-i", "sh", v, "sh")
	}
	f.Fuzz(func(t *testing.T, a0, a1, a2, a3, v1, v2 string) {
		argv := []string{a0, a1, a2, a3}
		for len(argv) > 1 && argv[len(argv)-1] == "" {
			argv = argv[:len(argv)-1]
		}
		in := []taint.Input{q(v1), q(v2)}
		fast := argvCheck{g: defaultGuard, inputs: in}
		slow := argvCheck{g: defaultGuard, inputs: in, exhaustive: true}
		h1, ok1, err1 := fast.run(argv)
		h2, ok2, err2 := slow.run(argv)
		if ok1 != ok2 || h1 != h2 || err1 != err2 {
			t.Fatalf("%q %q: shortcuts %v %+v %v, rules %v %+v %v", argv, []string{v1, v2}, ok1, h1, err1, ok2, h2, err2)
		}
		for _, p := range argv {
			h1, ok1 := pathHit(p, in)
			h2, ok2 := checkExecutable([]string{p}, 0, in)
			if ok1 != ok2 || h1 != h2 {
				t.Fatalf("path %q %q: %v %+v, rule %v %+v", p, []string{v1, v2}, ok1, h1, ok2, h2)
			}
		}
		if a, b := startsFields(argv, in, false), startsFields(argv, in, true); a != b {
			t.Fatalf("startsFields(%q, %q) = %v, without the shortcut %v", argv, []string{v1, v2}, a, b)
		}
	})
}
