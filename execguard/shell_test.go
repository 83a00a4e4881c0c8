package execguard

import (
	"context"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

func q(v string) taint.Input { return taint.Input{Source: taint.SourceQuery, Key: "q", Value: v} }

// shellCases are scripts built around one input, with the verdict the
// syntax gives. kind is the expected Finding.Kind when want is true (empty
// means shell injection).
var shellCases = []struct {
	name   string
	script string
	input  string
	want   bool
	kind   string
}{
	// Single quotes.
	{"squote plain", "convert 'photo.png' out.png", "photo.png", false, ""},
	{"squote spaces", "grep -r 'hello world' .", "hello world", false, ""},
	{"squote metachar", "echo 'a; rm -rf / && $(id) `id` | x > y'", "a; rm -rf / && $(id) `id` | x > y", false, ""},
	{"squote dquote inside", `echo 'say "hi"'`, `say "hi"`, false, ""},
	{"squote break", "echo ''; id; echo ''", "'; id; echo '", true, ""},
	{"squote unicode", "echo 'héllo wörld ✓'", "héllo wörld ✓", false, ""},
	{"dollar squote", "echo $'a\\nb'", "a\\nb", true, ""},
	{"dollar squote plain", "echo $'abc'", "abc", false, ""},
	// Quoted values written with the single-quote escaping idiom (each "'"
	// written '\'') and inputs that only re-quote their own text: one
	// literal argument word either way.
	{"idiom quote or", `echo ''\'' || whoami'`, "' || whoami", false, ""},
	{"idiom quote semicolon", `echo ''\''; id; '\'''`, "'; id; '", false, ""},
	{"idiom inside text", `echo 'Hello, '\'' || whoami, welcome!'`, "' || whoami", false, ""},
	{"idiom quoted word", `echo ''\''quoted'\'''`, "'quoted'", false, ""},
	{"idiom subst text", `echo ''\''$(id)'`, "'$(id)", false, ""},
	{"self-quoted mixed", `echo 'x'"y"''`, `x'"y"'`, false, ""},
	{"self-quoted dquote", `echo 'a'"b c"'d'`, `a'"b c"'d`, false, ""},
	{"quotes split words", `echo 'x' 'y'`, `x' 'y`, true, ""},
	{"quotes end and operator", `echo ''; id; ''`, "'; id; '", true, ""},
	{"quotes make subst", `echo ''$(id)''`, "'$(id)'", true, ""},
	{"quotes make glob", `echo ''*''`, "'*'", true, ""},
	{"quotes make tilde", `echo ''~root''`, "'~root'", true, ""},
	{"quotes make brace", `echo ''{a,b}''`, "'{a,b}'", true, ""},
	{"quote swallows hard-coded", `echo '; rm x; echo 'it'\''s'`, "'", true, ""},
	{"quotes end and start commands", `echo 'a'; rm x; echo 'b'\''c'`, "a'; rm x; echo 'b", true, ""},
	{"quote swallows after literal quote", `echo \''; rm x; echo \'`, "'", true, ""},
	{"idiom dquote part", `echo "a"''\''b'`, "'b", false, ""},
	{"self-quoted into sh -c", `sh -c 'ls '"x; id"''`, `'"x; id"'`, true, ""},
	{"self-quoted into eval", `eval 'ls '"x; id"''`, `'"x; id"'`, true, ""},
	{"self-quoted under wrapper", `sudo sh -c 'ls '"x; id"''`, `'"x; id"'`, true, ""},
	{"self-quoted search phrase", `grep -r "exact phrase" docs`, `"exact phrase"`, false, ""},
	{"control byte in literal word", "echo a\frm", "a\frm", true, ""},
	{"idiom command word", `''\''/tmp/evil' x`, "'/tmp/evil", true, ""},
	{"idiom cmd word quotes", `''\''x'; id`, "'x", true, ""},
	{"idiom nested sh -c", `sh -c 'ls '\''a'\'' x; id'`, "x; id", true, ""},
	{"idiom nested sh -c quote", `sh -c ''\''; id; '\'''`, "'; id; '", true, ""},
	{"idiom eval", `eval 'echo '\''a'\''; id'`, "; id", true, ""},
	// Double quotes.
	{"dquote plain", `echo "hello world"`, "hello world", false, ""},
	{"dquote single inside", `echo "it's"`, "it's", false, ""},
	{"dquote semicolon", `echo "a;b|c&d"`, "a;b|c&d", false, ""},
	{"dquote cmdsubst", `echo "$(id)"`, "$(id)", true, ""},
	{"dquote backquote", "echo \"`id`\"", "`id`", true, ""},
	{"dquote var", `echo "${HOME}"`, "${HOME}", true, ""},
	{"dquote close", `echo "a"; id; echo ""`, `a"; id; echo "`, true, ""},
	{"dquote backslash", `echo "a\"b"`, `a\"b`, true, ""},
	{"dquote bang", `echo "whatever!"`, "whatever!", false, ""},
	// Unquoted.
	{"unquoted word", "ls -l reports", "reports", false, ""},
	{"unquoted semicolon", "ls x; id", "x; id", true, ""},
	{"unquoted newline", "ls x\nid", "x\nid", true, ""},
	{"unquoted pipe", "ls | id", "| id", true, ""},
	{"unquoted and", "ls && id", "&& id", true, ""},
	{"unquoted redirect", "ls > /tmp/x", "> /tmp/x", true, ""},
	{"unquoted cmdsubst", "ls $(id)", "$(id)", true, ""},
	{"unquoted backquote", "ls `id`", "`id`", true, ""},
	{"unquoted var", "ls $HOME", "$HOME", true, ""},
	{"unquoted glob star", "ls *.txt", "*.txt", true, ""},
	{"unquoted glob q", "ls a?c", "a?c", true, ""},
	{"unquoted glob class", "ls [ab]", "[ab]", true, ""},
	{"unquoted brace", "echo {a,b}", "{a,b}", true, ""},
	{"unquoted tilde", "ls ~/.ssh", "~/.ssh", true, ""},
	{"unquoted tilde user", "ls ~root", "root", true, ""},
	{"unquoted tilde hard-coded", "ls ~/docs", "docs", false, ""},
	{"unquoted word split", "ls a b", "a b", true, ""},
	{"unquoted backslash", `ls a\ b`, `a\ b`, true, ""},
	{"unquoted comma in braces", "echo {a,b}", "a,b", true, ""},
	{"unquoted comma", "echo a,b", "a,b", false, ""},
	{"unquoted process subst", "diff <(ls) <(id)", "id", true, rasp.KindCommandInjection},
	{"process subst injected", "diff a <(id)", "<(id)", true, ""},
	{"unquoted dash word", "ls - x", "-", false, ""},
	{"unquoted email", "mail john.doe@acme.com", "john.doe@acme.com", false, ""},
	{"unquoted url", "curl https://example.com/a/b", "https://example.com/a/b", false, ""},
	{"unquoted ip", "ping -c 1 10.0.0.1", "10.0.0.1", false, ""},
	{"ping payload", "ping -c 1 10.0.0.1;id", "10.0.0.1;id", true, ""},
	// Comments, here-documents, arithmetic, names.
	{"comment", "ls # note about x", "note about x", false, ""},
	{"comment newline", "ls # a\nid", "a\nid", true, ""},
	{"heredoc text", "cat <<EOF\nhello world\nEOF", "hello world", false, ""},
	{"heredoc expansion", "cat <<EOF\n$(id)\nEOF", "$(id)", true, ""},
	{"heredoc end", "cat <<EOF\nx\nEOF\nid\nEOF", "x\nEOF\nid", true, ""},
	{"heredoc quoted", "cat <<'EOF'\n$(id)\nEOF", "$(id)", false, ""},
	{"arith number", "echo $((1 + 42))", "42", false, ""},
	{"arith name", "echo $((1 + abc))", "abc", true, ""},
	{"param name", "echo ${abc}", "abc", true, ""},
	{"short param name", "echo $abc", "abc", true, ""},
	{"assign name", "abc=1 ls", "abc", true, ""},
	{"func name", "abc() { ls; }", "abc", true, ""},
	{"param default word", "echo ${x:-hello}", "hello", false, ""},
	{"fd number", "ls 2>/dev/null", "2", false, ""},
	// Executable rule in scripts.
	{"cmd word path", "/tmp/evil -x", "/tmp/evil", true, rasp.KindCommandInjection},
	{"cmd word relative path", "../bin/ls", "../bin/ls", true, rasp.KindCommandInjection},
	{"cmd word bare name", "git log", "git", true, rasp.KindCommandInjection},
	{"cmd word whole script", "uname", "uname", true, rasp.KindCommandInjection},
	{"cmd word no-op", "make -k || true", "true", false, ""},
	{"cmd word no-op colon", "rm -f x.lock || :", ":", false, ""},
	{"cmd word inside name", "convert a b", "c", false, ""},
	{"cmd word shell", "bash -x", "bash", true, rasp.KindCommandInjection},
	{"quoted cmd word path", "'/tmp/evil' -x", "/tmp/evil", true, rasp.KindCommandInjection},
	{"nested sh -c", "sh -c 'ls x; id'", "x; id", true, ""},
	{"nested sh -c benign", "sh -c 'ls report.txt'", "report.txt", false, ""},
	{"python inline", `python3 -c 'print(1)'`, "print(1)", true, rasp.KindCommandInjection},
	{"eval", "eval 'ls; id'", "ls; id", true, ""},
	{"dangerous assign", "PATH=/tmp/x ls", "/tmp/x", true, rasp.KindCommandInjection},
	{"harmless assign", "LANG=fr ls", "fr", false, ""},
	{"export dangerous", "export LD_PRELOAD=/tmp/x.so; ls", "/tmp/x.so", true, rasp.KindCommandInjection},
	{"quoted dangerous value", `GIT_SSH_COMMAND="ssh -i $HOME/k -o x" git fetch`, "ssh -i", true, rasp.KindCommandInjection},
	// The argv rules apply to every simple command of a script.
	{"option in script", "git log --output=/tmp/x", "--output=/tmp/x", true, rasp.KindCommandInjection},
	{"option in script squoted", "curl '-o/tmp/x' http://h/", "-o/tmp/x", true, rasp.KindCommandInjection},
	{"option in script dquoted", `tar cf a.tar "--checkpoint-action=exec=sh x.sh" f`, "--checkpoint-action=exec=sh x.sh", true, rasp.KindCommandInjection},
	{"option in script padded nbsp", "git log --output=/tmp/x", "\u00a0--output=/tmp/x", true, rasp.KindCommandInjection},
	{"break padded ideographic space", "echo ''; id; echo ''", "'; id; echo '\u3000", true, ""},
	{"padded unicode harmless", "grep -r 'hello' .", "\u00a0hello\u3000", false, ""},
	{"option in script second command", "cd /srv && find . -name x -delete", "-delete", true, rasp.KindCommandInjection},
	{"option in script ssh", "ssh '-oProxyCommand=sh x.sh' h", "-oProxyCommand=sh x.sh", true, rasp.KindCommandInjection},
	{"option value in script", "grep -rn -e --quiet src", "--quiet", false, ""},
	{"option value in script quoted", `git commit -m "-reverted typo"`, "-reverted typo", false, ""},
	{"option after -- in script", "git log -- --output=/tmp/x", "--output=/tmp/x", false, ""},
	{"code in script", "sqlite3 app.db '.shell uname'", ".shell uname", true, rasp.KindCommandInjection},
	{"code in script git -c", "git -c 'core.pager=sh x.sh' log", "sh x.sh", true, rasp.KindCommandInjection},
	{"unquoted url glob", "curl -s http://h/p?a=1", "http://h/p?a=1", true, ""},
	{"quoted url", "curl -s 'http://h/p?a=1'", "http://h/p?a=1", false, ""},
	// A "$" that starts no expansion is literal in double quotes.
	{"dquote literal dollar", `echo "Price: R$ 20,00"`, "Price: R$ 20,00", false, ""},
	{"dquote trailing dollar", `echo "Total: 5$"`, "Total: 5$", false, ""},
	{"dquote dollar punct", `echo "a$%b $/ $, $."`, "a$%b $/ $, $.", false, ""},
	{"dquote dollar name", `echo "a$HOME"`, "a$HOME", true, ""},
	{"dquote dollar joins script name", `echo "5$HOME"`, "5$", true, ""},
	{"dquote dollar digit", `echo "x$1"`, "x$1", true, ""},
	{"dquote dollar special", `echo "x$$ $? $#"`, "x$$ $? $#", true, ""},
	{"dquote dollar brace", `echo "x${a}"`, "x${a}", true, ""},
	{"dquote dollar bracket", `echo "x$[1+1]"`, "x$[1+1]", true, ""},
	{"hdoc literal dollar", "cat <<EOF\nPrice: R$ 20\nEOF\n", "Price: R$ 20", false, ""},
	// Parse failures.
	{"breaks parse", "ls `", "`", true, ""},
	{"unclosed quote from input", `echo "abc`, `"abc`, true, ""},
	{"blank input", "ls -l", " ", false, ""},
	{"empty input", "ls", "", false, ""},
	{"absent input", "ls -l", "zzz", false, ""},
}

func TestCheckShell(t *testing.T) {
	for _, tc := range shellCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, got := CheckShell(tc.script, []taint.Input{q(tc.input)})
			if got != tc.want {
				t.Fatalf("CheckShell(%q, %q) = %v (%+v), want %v", tc.script, tc.input, got, f, tc.want)
			}
			if !got {
				return
			}
			kind := tc.kind
			if kind == "" {
				kind = rasp.KindShellInjection
			}
			if f.Kind != kind {
				t.Errorf("kind %q, want %q (%s)", f.Kind, kind, f.Reason)
			}
			if f.Target != tc.script {
				t.Errorf("target %q, want the script", f.Target)
			}
			if f.Start >= 0 && f.Target[f.Start:f.End] != tc.input && strings.TrimSpace(f.Target[f.Start:f.End]) != strings.TrimSpace(tc.input) {
				t.Errorf("span [%d,%d) = %q, want the input", f.Start, f.End, f.Target[f.Start:f.End])
			}
			if f.Reason == "" || f.Input.Value != tc.input {
				t.Errorf("finding %+v lacks reason or input", f)
			}
		})
	}
}

// TestFastPathAgrees checks the shortcut against the parser on the tables:
// whatever the shortcut clears, the parser clears too.
func TestGlobReason(t *testing.T) {
	f, ok := CheckShell("curl -s http://h/p?a=1", []taint.Input{q("http://h/p?a=1")})
	if !ok || f.Reason != reasonGlob {
		t.Fatalf("unquoted URL: %v %q, want the glob reason", ok, f.Reason)
	}
}

func TestFastPathAgrees(t *testing.T) {
	for _, tc := range shellCases {
		in := []taint.Input{q(tc.input)}
		if fastHarmless(tc.script, in) {
			if h, ok, _ := defaultGuard.checkShellSlow(tc.script, in, newWork(), false); ok {
				t.Errorf("%s: shortcut cleared %q in %q, parser found %+v", tc.name, tc.input, tc.script, h)
			}
		}
	}
	// The shortcut must take the common benign shapes.
	for _, c := range []struct{ script, input string }{
		{"convert 'in put.png' -resize 100x100 out.png", "in put.png"},
		{`grep -c "hello world" /var/log/app.log`, "hello world"},
		{"ls -l reports/2024 | wc -l", "reports/2024"},
		{"ping -c 1 example.com 2>&1", "example.com"},
		{`convert 'in put.png' out.png && echo "$(date) done" >> /var/log/convert.log`, "in put.png"},
	} {
		if !fastHarmless(c.script, []taint.Input{q(c.input)}) {
			t.Errorf("shortcut did not clear %q in %q", c.input, c.script)
		}
	}
}

func TestLimits(t *testing.T) {
	deep := strings.Repeat("$(", MaxNesting+1) + "x" + strings.Repeat(")", MaxNesting+1)
	huge := "echo '" + strings.Repeat("a", MaxScriptLen) + "'"
	tests := []struct {
		name    string
		script  string
		input   string
		want    bool
		wantErr error
	}{
		{"deep with input", deep, "x", true, nil},
		{"deep without input", deep, "zzz", false, errLimit},
		{"huge with input", huge, "aaaa", true, nil},
		{"huge without input", huge, "zzz", false, errLimit},
		{"at depth limit", strings.Repeat("(", MaxNesting) + "ls x" + strings.Repeat(")", MaxNesting), "x", false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, got, err := defaultGuard.checkShell(tc.script, []taint.Input{q(tc.input)}, newWork(), false)
			if got != tc.want || err != tc.wantErr {
				t.Fatalf("got %v, %v (%+v), want %v, %v", got, err, h, tc.want, tc.wantErr)
			}
		})
	}
}

func TestIncomplete(t *testing.T) {
	// Broken without the input: the check cannot finish.
	_, got, err := defaultGuard.checkShell(`echo "abc`, []taint.Input{q("abc")}, newWork(), false)
	if got || err != errIncomplete {
		t.Fatalf("got %v, %v; want no finding and errIncomplete", got, err)
	}
}

func TestNoOccurrenceAllocs(t *testing.T) {
	script := "convert 'photo.png' -resize 100x100 -quality 85 out.png && echo done >> /var/log/convert.log"
	inputs := []taint.Input{q("alice"), q("42"), q("report.pdf"), q("fr-FR"), q("search words")}
	if n := testing.AllocsPerRun(100, func() { CheckShell(script, inputs) }); n != 0 {
		t.Errorf("CheckShell with no occurrence allocates %v times", n)
	}
	argv := []string{"convert", "photo.png", "-resize", "100x100", "out.png"}
	if n := testing.AllocsPerRun(100, func() { CheckArgv(argv, inputs) }); n != 0 {
		t.Errorf("CheckArgv with no occurrence allocates %v times", n)
	}
}

// TestGuardAllocs checks that the guard costs no allocation in ModeOff and
// when no input occurs in the command.
func TestGuardAllocs(t *testing.T) {
	argv := []string{"sh", "-c", "convert 'photo.png' out.png"}
	for _, mode := range []rasp.Mode{rasp.ModeOff, rasp.ModeProtect} {
		a := rasp.New(rasp.WithMode(mode), rasp.WithLogger(zerolog.Nop()))
		ctx := taint.NewContext(rasp.NewContext(context.Background(), a), q("alice"), q("42"))
		if n := testing.AllocsPerRun(100, func() {
			if err := defaultGuard.check(ctx, opCommand, argv, "", nil, ""); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%v: the check allocates %v times", mode, n)
		}
	}
}

var wellFormedCases = []struct {
	script string
	want   bool
}{
	{"ls", true},
	{"ls -l; echo hi & cat x | wc -l && true || false", true},
	{"ls\n\necho 'a b' \"c d\"\n", true},
	{"ls > out 2>&1 < in >> log <> rw >| clob", true},
	{"ls &&\n echo", true},
	{"a=1 ls", true},
	{"'if' x", true},
	{"", true},
	{"ls;", true},
	{"ls &", true},
	{"; ls", false},
	{"ls ; ; ls", false},
	{"ls & ; ls", false},
	{"ls |", false},
	{"ls &&", false},
	{"ls ||", false},
	{"| ls", false},
	{"ls >", false},
	{"ls > ; x", false},
	{"ls >& |x", false},
	{"ls ;; x", false},
	{"if true", false},
	{"then ls", false},
	{"ls; fi", false},
	{"! ls", false},
	// Command substitutions (see plainSubst).
	{`echo "$(date +%F) done" >> /var/log/app.log`, true},
	{`echo "$(ls | wc -l)" "$(id -un)"`, true},
	{`echo "$()" "$( )" x`, true},
	{`echo "$(cat x 2>/dev/null)"`, true},
	{`echo $(date +%F) done; x$(id -un)y`, true},
	{`$(which ls) -l > $(date +%F).log`, true},
	{`echo "$(date)" |`, false},
	{`echo $(date) |`, false},
	{`"$(date)" && ; x`, false},
}

// TestPlainSubst: the substitutions the shortcut models are the plainly
// structured ones, quoted or not, and the scripts holding them parse in
// both variants.
func TestPlainSubst(t *testing.T) {
	for _, tc := range []struct {
		subst string
		want  bool
	}{
		{"$(date)", true},
		{"$(date +%F)", true},
		{"$(id -un)", true},
		{"$(ls -1 | wc -l)", true},
		{"$(cat x 2>/dev/null; true)", true},
		{"$(sleep 1 &)", true},
		{"$()", true},
		{"$(a=b c)", true},
		{"$(a |)", false},
		{"$(;)", false},
		{"$(a; ; b)", false},
		{"$(if x)", false},
		{"$(! x)", false},
		{"$(time x)", false},
		{"$(echo local)", false}, // a word Bash reserves
		{"$(a $b)", false},
		{"$(a 'b')", false},
		{"$(a (b))", false},
		{"$((1+2))", false},
		{"$(a # b)", false},
		{"$(a[1]=x)", false},
		{"$(a {b,c})", false},
		{"$(a\nb)", false},
		{"$(a\\)", false},
		{"$(a `b`)", false},
		{"$(a <<x)", false},
		{"$(a <<<x)", false},
		{"$(a &>x)", false},
		{"$(a |& b)", false},
		{"$(a \u00e9)", false},
		{"$(a", false},
		{"$$(a)", false},
	} {
		for _, script := range []string{`echo "at ` + tc.subst + `" x`, `echo at` + tc.subst + ` x`} {
			info := make([]uint8, len(script))
			if got := scanSimple(script, info); got != tc.want {
				t.Errorf("scanSimple(%q) = %v, want %v", script, got, tc.want)
				continue
			}
			if !tc.want {
				continue
			}
			if !wellFormed(script) {
				t.Errorf("wellFormed(%q) = false", script)
			}
			for v := range 2 {
				if _, err := parse(script, v); err != nil {
					t.Errorf("%q: variant %d: %v", script, v, err)
				}
			}
			// The word of the substitution is no argument text, the
			// substitution is marked, and the next word is argument text.
			for j := len("echo "); j < len(script)-2; j++ {
				if info[j]&fbArg != 0 || j >= strings.Index(script, "$(") && j <= strings.LastIndex(script, ")") && info[j]&fbSubst == 0 {
					t.Errorf("%q: byte %d (%q) is marked %b", script, j, script[j], info[j])
				}
			}
			if info[len(script)-1]&fbArg == 0 {
				t.Errorf("%q: the word after the substitution's is not argument text", script)
			}
			var l lexer
			if l.lex(script) {
				t.Errorf("%q: the lexer reads a script with a substitution", script)
			}
		}
	}
}

func TestWellFormed(t *testing.T) {
	for _, tc := range wellFormedCases {
		info := make([]uint8, len(tc.script))
		if !scanSimple(tc.script, info) {
			t.Errorf("scanSimple(%q) = false: the case does not test wellFormed", tc.script)
			continue
		}
		if got := wellFormed(tc.script); got != tc.want {
			t.Errorf("wellFormed(%q) = %v, want %v", tc.script, got, tc.want)
		}
		checkWellFormed(t, tc.script)
	}
}

// TestFastFlag: the shortcut reports, without parsing, the finding the
// full rules report for an input that spans an unquoted operator of a
// plainly structured script, and leaves anything less certain to them.
func TestFastFlag(t *testing.T) {
	tests := []struct {
		script, input string
		want          int
	}{
		{"ping -c 1 example.com; cat /etc/passwd", "example.com; cat /etc/passwd", fastFlag},
		{"ls -l -r -t", "-r -t", fastFlag},
		{"ls; echo hello", "echo hello", fastFlag},
		{"cat 'a; b'", "a; b", fastClear},
		{"echo x |", "x |", fastUnknown},      // does not parse
		{"ls $(id)", "ls $(id)", fastUnknown}, // not plainly structured
		{"a=1; b", "1; b", fastFlag},
		// Read off the bytes: the argv rules of ordinary programs.
		{"convert in.png out.png", "convert", fastFlag},
		{"ls -l; /tmp/evil x", "/tmp/evil", fastFlag},
		{"curl -o/tmp/x http://h/", "-o/tmp/x", fastFlag},
		{"wc '--files0-from=/etc/passwd'", "--files0-from=/etc/passwd", fastFlag},
		{`grep -rn -e --verbose dir`, "--verbose", fastClear},
		{"ls -la | true", "true", fastClear},
		{"tar -cf a.tar --checkpoint-action=exec=id x", "--checkpoint-action=exec=id", fastUnknown}, // runs code
		{"sqlite3 db .shell", ".shell", fastUnknown},                                                // runs code: the parser's path
		{"sh -c ls", "ls", fastUnknown},                                                             // a shell
		{"PATH=/x ls", "ls", fastUnknown},                                                           // an assignment
		{"0&A0=", "0", fastUnknown},                                                                 // the name of an assignment is syntax
		{"ls -l; A=-x B=-y ls", "-y", fastUnknown},
		{"ls --color=auto -l", "--color=auto", fastFlag},
		{"ls $HOME -x", "-x", fastUnknown},             // an expansion
		{"ls x > -o", "-o", fastUnknown},               // a redirection's word
		{"ls \u0080; convert", "convert", fastUnknown}, // not parsed past U+0080
		// Command substitutions (see plainSubst).
		{`convert 'a b.png' out.png && echo "$(date) done" >> log`, "a b.png", fastClear},
		{`echo "$(date)"; cat x; ls`, "x; ls", fastFlag},
		{`echo "at $(date)"`, "at", fastUnknown},                     // in the substitution's word
		{`echo "$(cat notes.txt)"`, "notes.txt", fastUnknown},        // in the substitution
		{`echo "$(id -un)"; convert in.png`, "convert", fastUnknown}, // the argv rules: the parser's path
		{`echo "$(cat "x")" y`, "y", fastUnknown},                    // not modelled
		{`convert 'a b.png' $(date +%F).png`, "a b.png", fastClear},
		{`echo $(date); cat x; ls`, "x; ls", fastFlag},
		{`echo x$(date) y`, "x", fastUnknown},
		{`ls $(cat notes.txt) x`, "notes.txt", fastUnknown},
		{`echo $$(id)`, "id", fastUnknown},
		{`0 "$[0]"`, "]", fastUnknown}, // Bash's arithmetic
		{`echo $[a]`, "a", fastUnknown},
		// An input whose fields start a command line, occurring or not.
		{"b c", "b\vc", fastUnknown},
		{"ls 'holiday photo.png'", "holiday photo.png", fastClear},
		// Bytes the parser does not read as they are.
		{"e\x8dport A0", "0", fastUnknown},
		{"ls \u0081", "\u0081", fastUnknown},
		{"ls x\u0080y", "y", fastUnknown},
		{"ls \u00e9t\u00e9", "\u00e9t\u00e9", fastClear},
	}
	for _, tc := range tests {
		in := []taint.Input{q(tc.input)}
		h, v := fastCheck(tc.script, in)
		if v != tc.want {
			t.Errorf("fastCheck(%q, %q) = %d, want %d", tc.script, tc.input, v, tc.want)
			continue
		}
		full, ok, _ := defaultGuard.checkShellSlow(tc.script, in, newWork(), false)
		if v == fastFlag && (!ok || full != h) || v == fastClear && ok {
			t.Errorf("%q: shortcut %d %+v, full rules %v %+v", tc.script, v, h, ok, full)
		}
	}
}

// occursLinear is the plain definition of occurs: some checkable value is
// a substring of s.
func occursLinear(s string, inputs []taint.Input) bool {
	for _, in := range inputs {
		if strings.Contains(s, in.Value) && checkable(in.Value) {
			return true
		}
		if t := strings.TrimSpace(in.Value); t != "" && strings.Contains(s, t) && checkable(t) {
			return true // the value as an application trims it
		}
	}
	return false
}

// manyInputs pads inputs to the count at which occurs switches to the
// byte set, with values that cannot occur in s (a NUL byte ends each).
func manyInputs(inputs ...string) []taint.Input {
	var in []taint.Input
	for _, v := range inputs {
		in = append(in, q(v))
	}
	for len(in) < minSetInputs {
		in = append(in, q(strings.Repeat("z", len(in))+"\x00"))
	}
	return in
}

func TestOccursSet(t *testing.T) {
	script := `convert 'holiday photo.png' -resize 640x480 "out_alice_42.png"`
	for _, tc := range []struct {
		v    string
		want bool
	}{
		{"photo", true}, {"c", true}, {`"`, true}, {script, true}, {"x4", true},
		{"photos", false}, {"q", false}, {"", false}, {"  ", false}, {script + "x", false},
		{"640x400", false}, {"p g", false},
		// Trimmed of white space as strings.TrimSpace trims it.
		{script + " ", true}, {"\u00a0photo", true}, {"photo\u3000\t", true}, {" 640x400 ", false},
		{"\u00a0", false}, {"\u2003q", false},
	} {
		in := manyInputs(tc.v)
		if got := occursSet(script, in); got != tc.want || occursLinear(script, in) != tc.want {
			t.Errorf("occursSet(%q) = %v, want %v", tc.v, got, tc.want)
		}
		if got := occurs(script, in); got != tc.want {
			t.Errorf("occurs(%q) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func FuzzOccursSet(f *testing.F) {
	f.Add("echo hello world", "lo w", "x")
	f.Add("a", "a", " ")
	f.Add("convert 'holiday photo.png' -resize 640x480", "HOLIDAY", "640x400")
	f.Add("echo \u00e9t\u00e9 \x80\xff", "\xff", "t\u00e9 ")
	f.Add("ls -l\t/tmp\n", "l\t/", "A")
	f.Add("git log --output=/tmp/o", "\u00a0--output=/tmp/o", " zz\u3000")
	f.Fuzz(func(t *testing.T, s, v1, v2 string) {
		in := manyInputs(v1, v2)
		if got, want := occursSet(s, in), occursLinear(s, in); got != want {
			t.Fatalf("occursSet(%q, %q, %q) = %v, want %v", s, v1, v2, got, want)
		}
		few := in[:2]
		if got, want := occurs(s, few), occursLinear(s, few); got != want {
			t.Fatalf("occurs(%q, %q, %q) = %v, want %v", s, v1, v2, got, want)
		}
	})
}
