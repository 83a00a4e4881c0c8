package execguard

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
)

// CheckArgv reports whether a request input changes what an argument vector
// runs: it chooses the executable, supplies an option name, a variable of
// the env wrapper, interpreter code, or changes the syntax of a shell script
// that argv runs (sh -c SCRIPT and its variants). The finding's Target is
// argv joined by single spaces and its span is in that string. See the
// package documentation for the grammar.
func CheckArgv(argv []string, inputs []taint.Input) (rasp.Finding, bool) {
	return defaultGuard.CheckArgv(argv, inputs)
}

// CheckArgv is [CheckArgv] with the guard's configuration.
func (g *Guard) CheckArgv(argv []string, inputs []taint.Input) (f rasp.Finding, found bool) {
	defer noPanic(&f, &found)
	h, ok, _ := g.checkArgvAt(argv, inputs, work{})
	if !ok {
		return rasp.Finding{}, false
	}
	return h.argvFinding(argv), true
}

func (h hit) argvFinding(argv []string) rasp.Finding {
	target := strings.Join(argv, " ")
	f := h.finding(target)
	if h.elem < 0 || h.elem >= len(argv) || h.s < 0 {
		f.Start, f.End = -1, -1
		return f
	}
	off := 0
	for i := 0; i < h.elem; i++ {
		off += len(argv[i]) + 1
	}
	f.Start, f.End = off+h.s, off+h.e
	return f
}

// progName is the name a program is known by: the last path element,
// lower-cased, without ".exe" and without a version suffix (python3.12 is
// python, perl5.36 is perl).
func progName(s string) string {
	s = strings.TrimSpace(s)
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' || s[i] == '\\' {
			s = s[i+1:]
			break
		}
	}
	s = strings.ToLower(s)
	s = strings.TrimSuffix(s, ".exe")
	i := len(s)
	for i > 0 && (s[i-1] >= '0' && s[i-1] <= '9' || s[i-1] == '.') {
		i--
	}
	return s[:i]
}

// shells run a script given with -c, or read from the file named by their
// first operand. Version suffixes are stripped first, so "ksh" covers ksh93.
var shells = map[string]bool{
	"sh": true, "bash": true, "dash": true, "ash": true, "ksh": true, "mksh": true, "rksh": true,
	"lksh": true, "pdksh": true, "zsh": true, "yash": true, "posh": true, "rbash": true,
}

// inlineSpec describes how an interpreter takes code on its command line.
type inlineSpec struct {
	inline  string   // short options whose value is code (-c, -e ...)
	withArg string   // short options that take a value (consumed, not code)
	long    []string // long options whose value is code (--eval)
	longArg []string // long options that take a separate value
	// first reports that the first operand is code when no inline option
	// was given (awk's program).
	first bool
	// rest reports that everything after the inline option is code
	// (PowerShell -Command, cmd /c).
	rest bool
	// fold compares option names case-insensitively and also accepts a "/"
	// prefix (PowerShell, cmd).
	fold bool
	// module is the short option naming a module to run in place of a
	// script (python -m); it ends the options like a script operand.
	module byte
	// flags are the short options that take no value. When the rest of a
	// group after an inline option is made only of them (fish -ci CODE),
	// both that rest and the next element are checked as code: getopt
	// reads the rest as the option's value, while users (and some
	// versions) mean more options followed by the code.
	flags string
}

// interpreters maps a program name to the way it takes inline code.
var interpreters = map[string]inlineSpec{
	// python(1): -c command, -m module; -W arg, -X opt, -Q arg
	"python": {inline: "c", withArg: "WXQ", module: 'm'},
	// pypy(1): as python
	"pypy": {inline: "c", withArg: "WXQ", module: 'm'},
	// perlrun(1): -e/-E commandline; -I -M -m -x -C -d -D take a value
	"perl": {inline: "eE", withArg: "IMmxCdD"},
	// ruby(1): -e command; -I -r -C -E -F -K -T -W take a value
	"ruby": {inline: "e", withArg: "IrCEFKTW"},
	// irb(1): -I path, -r library
	"irb": {inline: "", withArg: "Ir"},
	// node(1): -e/--eval, -p/--print script; -r/--require, --import, --loader
	"node": {inline: "ep", withArg: "r", long: []string{"--eval", "--print"}, longArg: []string{"--require", "--import", "--loader"}},
	// as node
	"nodejs": {inline: "ep", withArg: "r", long: []string{"--eval", "--print"}, longArg: []string{"--require", "--import", "--loader"}},
	// bun --help: -e/--eval, -p/--print
	"bun": {inline: "ep", long: []string{"--eval", "--print"}},
	// deno eval CODE
	"deno": {long: []string{"eval"}},
	// php(1): -r code, -B/-R/-E code; -d -c -f -z take a value
	"php": {inline: "rBRE", withArg: "dcfz"},
	// lua(1): -e stat; -l name
	"lua": {inline: "e", withArg: "l"},
	// luajit -h: -e chunk; -l name, -j cmd
	"luajit": {inline: "e", withArg: "lj"},
	// Rscript --help: -e expr
	"rscript": {inline: "e"},
	// osascript(1): -e statement
	"osascript": {inline: "e"},
	// tclsh(1): tclsh ?fileName arg ...?
	"tclsh": {},
	// POSIX awk: awk [-F sepstring] [-v assignment]... program [argument...]; system() runs a shell
	"awk": {inline: "", withArg: "Fvf", long: []string{"--source"}, longArg: []string{"--file", "--assign", "--field-separator"}, first: true},
	// gawk(1): -e/--source program-text, -f/--file, -v/--assign, -F/--field-separator
	"gawk": {inline: "e", withArg: "Fvf", long: []string{"--source"}, longArg: []string{"--file", "--assign", "--field-separator"}, first: true},
	// mawk(1): mawk [-F value] [-v var=value] [--] program-text [file ...]
	"mawk": {withArg: "Fvf", first: true},
	// as POSIX awk
	"nawk": {withArg: "Fvf", first: true},
	// fish(1): -c and -C (--init-command) take code; its quoting differs
	// from sh's ("\'" inside '...'), so fish code gets the inline-code
	// rule, not the shell rules.
	"fish":       {inline: "cC", withArg: "pdfDo", flags: "hPilNnv", long: []string{"--command", "--init-command"}, longArg: []string{"--profile", "--profile-startup", "--debug", "--debug-output", "--features", "--debug-stack-frames"}},
	"pwsh":       {long: []string{"-command", "-c", "-commandwithargs", "-cwa", "-encodedcommand", "-e", "-ec"}, longArg: []string{"-file", "-f", "-executionpolicy", "-ex", "-configurationname"}, rest: true, fold: true},
	"powershell": {long: []string{"-command", "-c", "-commandwithargs", "-cwa", "-encodedcommand", "-e", "-ec"}, longArg: []string{"-file", "-f", "-executionpolicy", "-ex", "-configurationname"}, rest: true, fold: true},
	"cmd":        {long: []string{"/c", "/k", "/r"}, rest: true, fold: true},
}

// wrappers run the command that follows their own options.
// The value lists the short options that take a separate value; a long
// option with a value is written --opt=value, or listed in wrapperLongArg.
var wrappers = map[string]string{
	"env":     "uCS",        // env(1): env [OPTION]... [-] [NAME=VALUE]... [COMMAND [ARG]...]; -u NAME, -C DIR, -S STRING
	"nice":    "n",          // nice(1): nice [OPTION] [COMMAND [ARG]...]; -n N
	"nohup":   "",           // nohup(1): nohup COMMAND [ARG]...
	"timeout": "sk",         // timeout(1): timeout [OPTION] DURATION COMMAND [ARG]...; -s SIGNAL, -k DURATION
	"stdbuf":  "ioe",        // stdbuf(1): stdbuf OPTION... COMMAND; -i MODE, -o MODE, -e MODE
	"setsid":  "",           // setsid(1): setsid [options] program [arguments]
	"sudo":    "ugCDpRrtTU", // sudo(8): -u user, -g group, -C num, -D directory, -p prompt, -R directory, -r role, -t type, -T timeout, -U user (-h takes its host attached)
	"doas":    "uC",         // doas(1): doas [-u user] command [args]; -C config
	"xargs":   "adEILnPs",   // xargs(1): -a file, -d delim, -E eof, -I replace, -L max-lines, -n max-args, -P max-procs, -s max-chars (-l, -i, -e take theirs attached)
	"chrt":    "",           // chrt(1): chrt [options] priority command [argument...]
	"ionice":  "cnp",        // ionice(1): -c class, -n level, -p PID
	"taskset": "",           // taskset(1): taskset [options] mask command [argument...]
	"time":    "fo",         // time(1): -f FORMAT, -o FILE
	"command": "",           // POSIX command: command [-p] command_name [argument...]
	"exec":    "a",          // bash(1): exec [-cl] [-a name] [command [arguments]]
	"builtin": "",           // bash(1): builtin shell-builtin [arguments]
	"nsenter": "tSG",        // nsenter(1): -t pid, -S uid, -G gid
	"chroot":  "",           // chroot(8): chroot [OPTION] NEWROOT [COMMAND [ARG]...]
	"flock":   "wE",         // flock(1): flock [options] file command [arguments]; -w secs, -E number
	"unshare": "",           // unshare(1): unshare [options] [program [arguments]]
	"strace":  "eoOpsSuE",   // strace(1): -e expr, -o file, -O overhead, -p pid, -s strsize, -S sortby, -u username, -E var
	"busybox": "",           // busybox(1): busybox APPLET [arguments...]
}

var wrapperLongArg = map[string]bool{
	"--unset": true, "--chdir": true, "--split-string": true, "--adjustment": true, "--signal": true,
	"--kill-after": true, "--input": true, "--output": true, "--error": true, "--user": true,
	"--group": true, "--arg-file": true, "--delimiter": true, "--max-args": true, "--max-procs": true,
	"--replace": true, "--max-chars": true, "--max-lines": true, "--eof": true,
}

// positional wrappers take operands before the command: timeout DURATION,
// chroot NEWROOT, taskset MASK, flock FILE.
var positional = map[string]int{"timeout": 1, "chroot": 1, "taskset": 1, "flock": 1}

// checkArgvAt applies the argv grammar. The hit's elem and span are in argv
// coordinates.
func (g *Guard) checkArgvAt(argv []string, inputs []taint.Input, w work) (hit, bool, error) {
	c := argvCheck{g: g, inputs: inputs, w: w}
	return c.run(argv)
}

// argvCheck carries one argv check's state through the grammar.
type argvCheck struct {
	g      *Guard
	inputs []taint.Input
	w      work
	execs  int // find -exec commands being checked, one inside the other
	// absent: no input occurs in any element of the argv being run, nor
	// trimmed of white space, nor as the first field of several (see
	// run): a script that is one element (or part of one) can then only be
	// over the parse limits, and the executable and option rules, which
	// look for an input in an element, cannot fire.
	absent bool
	// exhaustive turns absent and the other shortcuts of run off,
	// for the tests that hold them to the rules they skip.
	exhaustive bool
}

// checkShell is [Guard.checkShell] for a script taken from the argv: one
// element or part of one when elem, else words joined.
func (c *argvCheck) checkShell(script string, zsh, elem bool) (hit, bool, error) {
	if c.absent && elem {
		if overLimits(script) {
			return hit{}, false, errLimit
		}
		return hit{}, false, nil
	}
	return c.g.checkShell(script, c.inputs, c.w.next(), zsh)
}

func (c *argvCheck) run(argv []string) (hit, bool, error) {
	inputs := c.inputs
	if len(argv) == 0 || len(inputs) == 0 {
		return hit{}, false, nil
	}
	found, long := false, false
	for _, a := range argv {
		if occurs(a, inputs) {
			found = true
			break
		}
		long = long || len(a) > MaxNesting
	}
	if !found {
		found = startsFields(argv, inputs, c.exhaustive)
	}
	if !found && !long {
		// Without an occurrence no rule can fire; only a script over the
		// parse limits is still reported, as a fault.
		return hit{}, false, nil
	}
	// A find -exec command runs a part of the argv: its own answer holds
	// only while it is checked.
	defer func(absent bool) { c.absent = absent }(c.absent)
	c.absent = !found && !c.exhaustive
	// Each wrapper moves i forward, so the loop ends.
	for i := 0; i < len(argv); {
		if c.absent {
			// The executable rule needs an input in argv[i] or its
			// fields in argv[i:].
		} else if h, ok := checkExecutable(argv, i, inputs); ok {
			return h, true, nil
		}
		name := progName(argv[i])
		if name == "busybox" && i+1 < len(argv) {
			i++
			continue
		}
		if _, ok := wrappers[name]; ok {
			next, h, found := c.wrapper(argv, i, name)
			if found {
				return h, true, nil
			}
			if next <= i || next >= len(argv) {
				return hit{}, false, nil
			}
			i = next
			continue
		}
		if shells[name] {
			return c.shell(argv, i, name)
		}
		if name == "eval" || name == "." || name == "source" || name == "trap" {
			return c.builtin(argv, i, name)
		}
		if name == "ssh" {
			return c.ssh(argv, i)
		}
		if name == "su" || name == "runuser" {
			return c.su(argv, i)
		}
		spec, interp := interpreters[name]
		if !interp && strings.HasPrefix(name, "python") {
			spec, interp = interpreters["python"], true
		}
		if interp {
			h, ok := c.interpreter(argv, i, spec)
			return h, ok, nil
		}
		return c.options(argv, i+1, programs[name])
	}
	return hit{}, false, nil
}

// startsFields reports whether the first field of an input made of
// several fields is an element of argv, where [fieldsPrefix] may find it.
// all turns the first-byte shortcut off.
func startsFields(argv []string, inputs []taint.Input, all bool) bool {
	// The first bytes of the elements: a field equal to one starts with
	// one of them, which rules out most values at their first byte.
	var starts [4]uint64
	for _, a := range argv {
		if a != "" {
			starts[a[0]>>6] |= 1 << (a[0] & 63)
		}
	}
	for i := range inputs {
		v := inputs[i].Value
		j := 0
		for j < len(v) && blank[v[j]] {
			j++
		}
		if !all && (j == len(v) || v[j] < utf8.RuneSelf && starts[v[j]>>6]&(1<<(v[j]&63)) == 0) {
			continue // no field, or a first field that starts no element (a non-ASCII byte may be white space: see firstField)
		}
		f, ok := firstField(v)
		if !ok {
			continue // one field at most
		}
		for _, a := range argv {
			if a == f {
				return true
			}
		}
	}
	return false
}

// firstField returns the first of several fields of v, as strings.Fields
// splits them; ok is false when v has fewer than two. ASCII is scanned
// byte by byte (the common case, and the hot path of [CheckArgv] when no
// input occurs); other text falls back to unicode.IsSpace.
func firstField(v string) (string, bool) {
	i := 0
	for i < len(v) && v[i] < utf8.RuneSelf && asciiSpace[v[i]] {
		i++
	}
	for j := i; j < len(v); j++ {
		b := v[j]
		if b >= utf8.RuneSelf {
			w := strings.TrimLeftFunc(v, unicode.IsSpace)
			k := strings.IndexFunc(w, unicode.IsSpace)
			if k <= 0 || strings.TrimSpace(w[k:]) == "" {
				return "", false
			}
			return w[:k], true
		}
		if asciiSpace[b] {
			if strings.TrimSpace(v[j:]) == "" {
				return "", false // trailing blanks only
			}
			return v[i:j], j > i
		}
	}
	return "", false
}

// asciiSpace holds the ASCII bytes unicode.IsSpace reports.
var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// blankEnds reports whether some value is [taint.Padded], the values
// [trimmedIn] looks for trimmed.
func blankEnds(inputs []taint.Input) bool {
	for i := range inputs {
		if taint.Padded(inputs[i].Value) {
			return true
		}
	}
	return false
}

// blank holds the ASCII bytes strings.TrimSpace removes.
var blank = [256]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// covers returns the span of an occurrence of v (or v without surrounding
// blanks) that covers all of s but blanks.
func covers(s, v string) (int, int, bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, 0, false
	}
	for _, w := range [2]string{v, strings.TrimSpace(v)} {
		if w == "" {
			continue
		}
		if i := strings.Index(s, w); i >= 0 && strings.TrimSpace(s[:i]) == "" && strings.TrimSpace(s[i+len(w):]) == "" {
			return i, i + len(w), true
		}
	}
	return 0, 0, false
}

// checkExecutable applies the executable rule to argv[i]: an input that
// chooses the program, as argv[i] itself (up to surrounding blanks) or as
// the start of the command line (its fields equal argv[i], argv[i+1], ...).
func checkExecutable(argv []string, i int, inputs []taint.Input) (hit, bool) {
	name := argv[i]
	for _, in := range inputs {
		if !checkable(in.Value) {
			continue
		}
		if n := fieldsPrefix(in.Value, argv[i:]); n >= 2 {
			h := hit{kind: rasp.KindCommandInjection, in: in, elem: i, s: 0, e: len(strings.Join(argv[i:i+n], " ")), rule: "executable",
				reason: "input supplies the program and its arguments (the start of the command line)"}
			if strings.Join(argv[i:i+n], " ") != strings.TrimSpace(in.Value) {
				h.s, h.e = -1, -1 // the input spaces its fields otherwise
			}
			return h, true
		}
		s, e, ok := covers(name, in.Value)
		if !ok {
			continue
		}
		h := hit{kind: rasp.KindCommandInjection, in: in, elem: i, s: s, e: e, rule: "executable",
			reason: "input names the program to run"}
		p := progName(name)
		slash := strings.ContainsRune(strings.TrimSpace(in.Value), '/')
		if !slash && noOps[p] && p == strings.TrimSpace(name) {
			continue // choosing a program that does nothing gains nothing
		}
		if slash {
			h.reason = "input supplies the path of the program to run"
		} else if _, ok := interpreters[p]; ok || shells[p] || strings.HasPrefix(p, "python") {
			h.reason = "input names the shell or interpreter to run"
		}
		return h, true
	}
	return hit{}, false
}

// noOps are the programs whose only effect is their exit status (POSIX
// true, false and the ":" special built-in): an input that names one, as
// the common value "true" beside a script's "|| true" does, chooses
// nothing that runs.
var noOps = map[string]bool{"true": true, "false": true, ":": true}

// fieldsPrefix returns how many elements of argv, from the first, equal
// the fields of v (split at white space as strings.Fields does), when
// they all do and there are at least two; else 0.
func fieldsPrefix(v string, argv []string) int {
	if len(argv) < 2 || !strings.HasPrefix(strings.TrimLeftFunc(v, unicode.IsSpace), argv[0]) {
		return 0 // the common answer, without splitting
	}
	n := 0
	for f := range strings.FieldsSeq(v) {
		if n >= len(argv) || argv[n] != f {
			return 0
		}
		n++
	}
	if n < 2 {
		return 0
	}
	return n
}

// isOption reports whether a starts with "-" or "--" and a letter.
func isOption(a string) bool {
	if len(a) < 2 || a[0] != '-' {
		return false
	}
	c := a[1]
	if c == '-' {
		if len(a) < 3 {
			return false
		}
		c = a[2]
	}
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// optionHit applies the option rule to one element: an input that supplies
// the whole option name, up to "=" or the end.
func optionHit(argv []string, j int, inputs []taint.Input) (hit, bool) {
	a := argv[j]
	if !isOption(a) {
		return hit{}, false
	}
	nameEnd := len(a)
	if k := strings.IndexByte(a, '='); k >= 0 {
		nameEnd = k
	}
	for _, in := range inputs {
		v := in.Value
		if !checkable(v) || !strings.HasPrefix(a, v) && !strings.HasPrefix(a, strings.TrimSpace(v)) {
			continue
		}
		w := v
		if !strings.HasPrefix(a, v) {
			w = strings.TrimSpace(v)
		}
		if len(w) >= nameEnd {
			return hit{kind: rasp.KindCommandInjection, in: in, elem: j, s: 0, e: len(w), rule: "option",
				reason: "input supplies an option name"}, true
		}
	}
	return hit{}, false
}

func (c *argvCheck) optionHit(argv []string, j int) (hit, bool) {
	if c.absent {
		return hit{}, false
	}
	return optionHit(argv, j, c.inputs)
}

// checkOptions applies the option rule to argv[from:to] up to "--".
func (c *argvCheck) checkOptions(argv []string, from, to int) (hit, bool) {
	for j := from; j < to && j < len(argv); j++ {
		if argv[j] == "--" {
			return hit{}, false
		}
		if h, ok := c.optionHit(argv, j); ok {
			return h, true
		}
	}
	return hit{}, false
}

// wrapper skips the options (and VAR=value words, and positional operands)
// of wrapper argv[i] and returns the index of the wrapped command.
func (c *argvCheck) wrapper(argv []string, i int, name string) (int, hit, bool) {
	g, inputs := c.g, c.inputs
	withArg := wrappers[name]
	j := i + 1
	for j < len(argv) {
		a := argv[j]
		if h, ok := c.optionHit(argv, j); ok {
			return 0, h, true
		}
		if a == "--" {
			j++
			break
		}
		if len(a) > 1 && a[0] == '-' {
			if strings.HasPrefix(a, "--") {
				if !strings.Contains(a, "=") && wrapperLongArg[a] {
					if a == "--split-string" && j+1 < len(argv) {
						if h, ok := inlineHit(argv, j+1, 0, inputs, "input in env -S command line"); ok {
							return 0, h, true
						}
					}
					j++
				} else if strings.HasPrefix(a, "--split-string=") {
					if h, ok := inlineHit(argv, j, len("--split-string="), inputs, "input in env -S command line"); ok {
						return 0, h, true
					}
				}
				j++
				continue
			}
			for k := 1; k < len(a); k++ {
				if strings.IndexByte(withArg, a[k]) >= 0 {
					if name == "env" && a[k] == 'S' {
						if k+1 < len(a) {
							if h, ok := inlineHit(argv, j, k+1, inputs, "input in env -S command line"); ok {
								return 0, h, true
							}
						} else if j+1 < len(argv) {
							if h, ok := inlineHit(argv, j+1, 0, inputs, "input in env -S command line"); ok {
								return 0, h, true
							}
						}
					}
					if k == len(a)-1 {
						j++ // value in the next element
					}
					break
				}
			}
			j++
			continue
		}
		if (name == "env" || name == "sudo" || name == "doas") && strings.Contains(a, "=") && !strings.HasPrefix(a, "=") {
			if h, ok := g.checkEnvWord(a, inputs); ok {
				h.elem = j
				return 0, h, true
			}
			j++
			continue
		}
		break
	}
	j += positional[name]
	return j, hit{}, false
}

// shellLongArg are shell options whose value is the next element.
var shellLongArg = map[string]bool{"--rcfile": true, "--init-file": true}

// shell applies the shell grammar to argv[i]: options (bundles included)
// until the first operand or "--"; with -c the operand is the script and
// later words are $0 $1 ...; without it the operand names the script file.
func (c *argvCheck) shell(argv []string, i int, name string) (hit, bool, error) {
	inputs, zsh := c.inputs, name == "zsh"
	// The Korn shells' -T takes a value (mksh(1)).
	argOpts := "oO"
	if strings.Contains(name, "ksh") {
		argOpts = "oOT"
	}
	cflag := false
	j := i + 1
	for j < len(argv) {
		a := argv[j]
		if h, ok := c.optionHit(argv, j); ok {
			return h, true, nil
		}
		if a == "--" || a == "-" {
			j++
			break
		}
		if strings.HasPrefix(a, "--") {
			if shellLongArg[a] {
				j++
			}
			j++
			continue
		}
		if len(a) > 1 && (a[0] == '-' || a[0] == '+') {
			skip := 0
			for k := 1; k < len(a); k++ {
				if a[k] == 'c' {
					cflag = true
				} else if strings.IndexByte(argOpts, a[k]) >= 0 {
					skip++
				}
			}
			j += 1 + skip
			continue
		}
		break
	}
	if j >= len(argv) {
		return hit{}, false, nil
	}
	if !cflag {
		// The operand names a script file the shell reads and runs.
		for _, in := range inputs {
			if !checkable(in.Value) {
				continue
			}
			if s, e, ok := covers(argv[j], in.Value); ok {
				return hit{kind: rasp.KindCommandInjection, in: in, elem: j, s: s, e: e, rule: "script-file",
					reason: "input names the script file a shell runs"}, true, nil
			}
		}
		return hit{}, false, nil
	}
	h, ok, err := c.checkShell(argv[j], zsh, true)
	if ok {
		h.elem = j
		return h, true, nil
	}
	return hit{}, false, err
}

// builtin handles the shell builtins that run their arguments: eval and
// trap run code, source and . run a file.
func (c *argvCheck) builtin(argv []string, i int, name string) (hit, bool, error) {
	inputs := c.inputs
	if i+1 >= len(argv) {
		return hit{}, false, nil
	}
	switch name {
	case "eval":
		if i+2 == len(argv) {
			h, ok, err := c.checkShell(argv[i+1], false, true)
			if ok {
				h.elem = i + 1
			}
			return h, ok, err
		}
		script := strings.Join(argv[i+1:], " ")
		h, ok, err := c.checkShell(script, false, false)
		if ok {
			h.elem, h.s, h.e = i+1, -1, -1
		}
		return h, ok, err
	case "trap":
		h, ok, err := c.checkShell(argv[i+1], false, true)
		if ok {
			h.elem = i + 1
		}
		return h, ok, err
	default: // . and source
		for _, in := range inputs {
			if !checkable(in.Value) {
				continue
			}
			if s, e, ok := covers(argv[i+1], in.Value); ok {
				return hit{kind: rasp.KindCommandInjection, in: in, elem: i + 1, s: s, e: e, rule: "script-file",
					reason: "input names the file a shell sources"}, true, nil
			}
		}
	}
	return hit{}, false, nil
}

// plainWord reports whether v is made only of letters, digits and "._-/"
// (bytes of multi-byte UTF-8 characters count as letters).
func plainWord(v string) bool {
	for i := 0; i < len(v); i++ {
		b := v[i]
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b >= 0x80:
		case b == '.', b == '_', b == '-', b == '/':
		default:
			return false
		}
	}
	return true
}

// inlineHit applies the inline-code rule to argv[j][from:]: an input there
// is command injection unless it is a plain word.
func inlineHit(argv []string, j, from int, inputs []taint.Input, reason string) (hit, bool) {
	code := argv[j][from:]
	for _, in := range inputs {
		v := in.Value
		if !checkable(v) || plainWord(v) {
			continue
		}
		if k := strings.Index(code, v); k >= 0 {
			return hit{kind: rasp.KindCommandInjection, in: in, elem: j, s: from + k, e: from + k + len(v), rule: "inline",
				reason: reason}, true
		}
	}
	return hit{}, false
}

// interpreter applies the inline-code grammar of an interpreter.
func (c *argvCheck) interpreter(argv []string, i int, spec inlineSpec) (hit, bool) {
	inputs := c.inputs
	const reason = "input in interpreter inline code"
	j := i + 1
	codeGiven := false
	eq := func(a, b string) bool {
		if spec.fold {
			return strings.EqualFold(a, b)
		}
		return a == b
	}
	inlineRest := func(from int) (hit, bool) {
		for k := from; k < len(argv); k++ {
			if h, ok := inlineHit(argv, k, 0, inputs, reason); ok {
				return h, true
			}
			if !spec.rest {
				break
			}
		}
		return hit{}, false
	}
	for j < len(argv) {
		a := argv[j]
		if h, ok := c.optionHit(argv, j); ok {
			return h, true
		}
		if a == "--" {
			j++
			break
		}
		name, val, hasVal := strings.Cut(a, "=")
		if spec.fold && strings.HasPrefix(name, "/") {
			name = "-" + name[1:]
		}
		if spec.fold && strings.HasPrefix(name, "--") {
			name = name[1:]
		}
		matched := false
		for _, l := range spec.long {
			if l[0] == '/' {
				l = "-" + l[1:]
			}
			if eq(name, l) {
				matched = true
				codeGiven = true
				if hasVal {
					if h, ok := inlineHit(argv, j, len(a)-len(val), inputs, reason); ok {
						return h, true
					}
					if spec.rest {
						return inlineRest(j + 1)
					}
					j++
				} else {
					if h, ok := inlineRest(j + 1); ok {
						return h, true
					}
					if spec.rest {
						return hit{}, false
					}
					j += 2
				}
				break
			}
		}
		if matched {
			continue
		}
		for _, l := range spec.longArg {
			if eq(name, l) {
				matched = true
				if !hasVal {
					j++
				}
				j++
				break
			}
		}
		if matched {
			continue
		}
		if len(a) > 1 && a[0] == '-' && a[1] != '-' && !spec.fold {
			stop := false
			for k := 1; k < len(a) && !stop; k++ {
				switch {
				case strings.IndexByte(spec.inline, a[k]) >= 0:
					codeGiven = true
					if k+1 < len(a) {
						if h, ok := inlineHit(argv, j, k+1, inputs, reason); ok {
							return h, true
						}
						if spec.flags != "" && onlyOf(a[k+1:], spec.flags) && j+1 < len(argv) {
							if h, ok := inlineHit(argv, j+1, 0, inputs, reason); ok {
								return h, true
							}
							j++
						}
					} else if j+1 < len(argv) {
						if h, ok := inlineHit(argv, j+1, 0, inputs, reason); ok {
							return h, true
						}
						j++
					}
					stop = true
				case spec.module != 0 && a[k] == spec.module:
					// The module runs like a script: the rest is its data.
					if k+1 < len(a) {
						return c.scriptOperand(argv, j, k+1, "input names the module an interpreter runs")
					}
					if j+1 < len(argv) {
						return c.scriptOperand(argv, j+1, 0, "input names the module an interpreter runs")
					}
					return hit{}, false
				case strings.IndexByte(spec.withArg, a[k]) >= 0:
					if k+1 == len(a) {
						j++
					}
					stop = true
				}
			}
			j++
			continue
		}
		if strings.HasPrefix(a, "-") {
			j++
			continue
		}
		break
	}
	if codeGiven {
		return c.checkOptions(argv, j, len(argv))
	}
	if j >= len(argv) {
		return hit{}, false
	}
	if spec.first {
		if h, ok := inlineHit(argv, j, 0, inputs, reason); ok {
			return h, true
		}
		return c.checkOptions(argv, j+1, len(argv))
	}
	return c.scriptOperand(argv, j, 0, "input names the script an interpreter runs")
}

// onlyOf reports whether every byte of s is in set.
func onlyOf(s, set string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(set, s[i]) < 0 {
			return false
		}
	}
	return true
}

// scriptOperand applies the script-file rule to argv[j][from:], the script
// or module an interpreter runs, and the option rule to the elements after
// it, which are the script's own arguments.
func (c *argvCheck) scriptOperand(argv []string, j, from int, reason string) (hit, bool) {
	for _, in := range c.inputs {
		if !checkable(in.Value) {
			continue
		}
		if s, e, ok := covers(argv[j][from:], in.Value); ok {
			return hit{kind: rasp.KindCommandInjection, in: in, elem: j, s: from + s, e: from + e, rule: "script-file",
				reason: reason}, true
		}
	}
	return c.checkOptions(argv, j+1, len(argv))
}

// sshArg are the ssh(1) options that take a value.
const sshArg = "BbcDEeFIiJLlmOopQRSWw"

// ssh applies the shell rules to the command ssh runs: the elements after
// the destination, joined by spaces, are a script for the remote shell.
func (c *argvCheck) ssh(argv []string, i int) (hit, bool, error) {
	j := i + 1
	for j < len(argv) {
		a := argv[j]
		if h, ok := c.optionHit(argv, j); ok {
			return h, true, nil
		}
		if a == "--" {
			j++
			break
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		for k := 1; k < len(a); k++ {
			if strings.IndexByte(sshArg, a[k]) >= 0 {
				vj, vfrom := j, k+1
				if k == len(a)-1 {
					j++ // the value is the next element
					vj, vfrom = j, 0
				}
				if a[k] == 'o' && vj < len(argv) {
					if h, ok := configHit(argv, vj, vfrom, sshSpec.keys, c.inputs); ok {
						return h, true, nil
					}
				}
				break
			}
		}
		j++
	}
	j++ // the destination
	if j >= len(argv) {
		return hit{}, false, nil
	}
	return c.script(argv, j, strings.Join(argv[j:], " "), false)
}

// su applies the shell rules to the script of su -c and runuser -c.
func (c *argvCheck) su(argv []string, i int) (hit, bool, error) {
	for j := i + 1; j < len(argv); j++ {
		a := argv[j]
		if a == "--" {
			break
		}
		if h, ok := c.optionHit(argv, j); ok {
			return h, true, nil
		}
		switch {
		case a == "-c" || a == "--command" || a == "--session-command":
			if j+1 < len(argv) {
				return c.script(argv, j+1, argv[j+1], false)
			}
		case strings.HasPrefix(a, "--command="):
			h, ok, err := c.checkShell(a[len("--command="):], false, true)
			if ok {
				h.elem = j
				if h.s >= 0 {
					h.s, h.e = h.s+len("--command="), h.e+len("--command=")
				}
			}
			return h, ok, err
		}
	}
	return hit{}, false, nil
}

// script checks a script made of argv[j:] (joined) or of argv[j] alone;
// the span is kept only in the second case.
func (c *argvCheck) script(argv []string, j int, script string, zsh bool) (hit, bool, error) {
	h, ok, err := c.checkShell(script, zsh, script == argv[j])
	if !ok {
		return hit{}, false, err
	}
	h.elem = j
	if script != argv[j] {
		h.s, h.e = -1, -1
	}
	return h, true, nil
}
