package bench

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Placement recipes put context-free payloads into realistic sink
// templates. Each placement is labelled from the syntax of the template's
// language (does the payload leave the literal or word it was placed in?),
// never from the list it came from; a placement whose label depends on a
// setting the template does not fix is skipped.

// Templates of the SQL placements; %s is the payload.
const (
	sqlStrTemplate = "SELECT id, name FROM users WHERE name = '%s' AND active = 1"
	sqlNumTemplate = "SELECT id, name FROM users WHERE id = %s AND active = 1"
	shWordTemplate = "ping -c 1 %s"
	fsBase         = "/srv/app/files"
)

// sqlLongTemplate puts the literal past the first 4 KiB, where
// go-libddwaf truncates the strings it hands the WAF.
var sqlLongTemplate = "SELECT id, name FROM users WHERE " + strings.Repeat("(id <> 0) AND ", 320) + "name = '%s' AND active = 1"

// Payload is one context-free input with its corpus position.
type Payload struct {
	ID    string // corpus file and index
	Value string
}

// LoadPayloads reads the SQL, command and path payload lists and the
// benign inputs, keeping at most max of each list (an even stride over the
// list, so every source is represented; max <= 0 keeps all).
func LoadPayloads(dir string, max int) (sql, cmd, fs, benign []Payload, err error) {
	var pl struct {
		Payloads []struct {
			Payload string `json:"payload"`
		} `json:"payloads"`
	}
	if err = readJSON(dir, "normalized/sqli_payloads.json", &pl); err != nil {
		return
	}
	for i, p := range pl.Payloads {
		sql = append(sql, Payload{fmt.Sprintf("normalized/sqli_payloads.json#%d", i), p.Payload})
	}
	pl.Payloads = nil
	if err = readJSON(dir, "normalized/cmdi_payloads.json", &pl); err != nil {
		return
	}
	for i, p := range pl.Payloads {
		cmd = append(cmd, Payload{fmt.Sprintf("normalized/cmdi_payloads.json#%d", i), p.Payload})
	}
	var bi struct {
		Inputs []struct {
			Input string `json:"input"`
		} `json:"inputs"`
	}
	if err = readJSON(dir, "normalized/benign_inputs.json", &bi); err != nil {
		return
	}
	for i, p := range bi.Inputs {
		benign = append(benign, Payload{fmt.Sprintf("normalized/benign_inputs.json#%d", i), p.Input})
	}
	for _, name := range []string{"directory_traversal.txt", "deep_traversal.txt", "traversals-8-deep-exotic-encoding.txt"} {
		rel := "swisskyrepo-PayloadsAllTheThings/Directory_Traversal/Intruder/" + name
		var lines []string
		lines, err = readLines(filepath.Join(dir, rel))
		if err != nil {
			return
		}
		for i, l := range lines {
			if l != "" {
				fs = append(fs, Payload{fmt.Sprintf("%s#%d", rel, i), strings.ReplaceAll(l, "{FILE}", "etc/passwd")})
			}
		}
	}
	return sample(sql, max), sample(cmd, max), sample(fs, max), sample(benign, max), nil
}

func readLines(name string) ([]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		out = append(out, strings.TrimRight(sc.Text(), "\r"))
	}
	return out, sc.Err()
}

func sample(p []Payload, max int) []Payload {
	if max <= 0 || len(p) <= max {
		return p
	}
	out := make([]Payload, max)
	for i := range out {
		out[i] = p[i*len(p)/max]
	}
	return out
}

// Placements builds the syntax-labelled cases: SQL payloads and benign
// inputs raw in a quoted string and in a numeric position, and escaped in
// the string, per dialect; command payloads and benign inputs as a bare
// shell word, single-quoted, and as one argv element; path payloads
// appended to a base directory.
func Placements(sqlP, cmdP, fsP, benign []Payload) []Case {
	var out []Case
	add := func(c Case, ok bool) {
		if ok {
			out = append(out, c)
		}
	}
	sqlSet := append(append([]Payload(nil), sqlP...), benign...)
	for _, d := range Dialects {
		for i, p := range sqlSet {
			if strings.ContainsRune(p.Value, 0) {
				// SQLite's C API ends a statement at a NUL byte and
				// PostgreSQL refuses one: the label is the engine's call.
				continue
			}
			if i%10 == 0 {
				add(sqlLong(d, p))
			}
			add(sqlString(d, p))
			add(sqlEscaped(d, p))
			add(sqlNumber(d, p))
		}
	}
	cmdSet := append(append([]Payload(nil), cmdP...), benign...)
	for _, p := range cmdSet {
		add(shellWord(p))
		add(shellQuoted(p))
		add(execArg(p))
	}
	for _, p := range append(append([]Payload(nil), fsP...), benign...) {
		add(fsConcat(p))
	}
	return out
}

func placed(recipe string, p Payload, sink, bucket, target string, want bool) Case {
	return Case{
		ID: p.ID + " in " + recipe, Label: LabelSyntax, Sink: sink, Bucket: bucket,
		Target: target, Inputs: query(p.Value), Want: want,
	}
}

// sqlString places p raw between single quotes. The label is whether the
// literal that opens before p closes anywhere but at the template's own
// closing quote. MySQL lexes strings differently with NO_BACKSLASH_ESCAPES;
// a placement whose label depends on that mode is skipped.
func sqlString(d string, p Payload) (Case, bool) {
	if p.Value == "" {
		return Case{}, false
	}
	stmt := fmt.Sprintf(sqlStrTemplate, p.Value)
	open := strings.IndexByte(sqlStrTemplate, '\'')
	want := literalEnd(stmt, open, false) != open+1+len(p.Value)
	if d == "mysql" {
		if alt := literalEnd(stmt, open, true) != open+1+len(p.Value); alt != want {
			return Case{}, false
		}
	}
	return placed("sql/string/"+d, p, SinkSQL, d, stmt, want), true
}

// sqlLong is [sqlString] with the literal placed after 4 KiB of filter.
func sqlLong(d string, p Payload) (Case, bool) {
	c, ok := sqlString(d, p)
	if !ok {
		return c, false
	}
	c.ID = p.ID + " in sql/long/" + d
	c.Bucket = d + ">4KiB"
	c.Target = strings.Replace(sqlLongTemplate, "%s", p.Value, 1)
	return c, true
}

// sqlEscaped places p between single quotes escaped the way the dialect's
// own quoting requires: a quote doubled and, for MySQL, a backslash
// doubled. It is benign by construction; the label is still computed.
func sqlEscaped(d string, p Payload) (Case, bool) {
	if p.Value == "" || !strings.ContainsAny(p.Value, `'\`) {
		return Case{}, false // identical to the raw placement
	}
	v := strings.ReplaceAll(p.Value, "'", "''")
	if d == "mysql" {
		v = strings.ReplaceAll(v, `\`, `\\`)
	}
	stmt := fmt.Sprintf(sqlStrTemplate, v)
	open := strings.IndexByte(sqlStrTemplate, '\'')
	want := literalEnd(stmt, open, d == "mysql") != open+1+len(v)
	return placed("sql/escaped/"+d, p, SinkSQL, d, stmt, want), true
}

// literalEnd returns the offset of the quote that closes the quoted
// token opened by the quote s[open], or len(s) when it never closes. A
// doubled quote stands for one quote (SQL-92, all three dialects); with
// backslashes a backslash escapes the next byte (MySQL without
// NO_BACKSLASH_ESCAPES).
func literalEnd(s string, open int, backslashes bool) int {
	q := s[open]
	for i := open + 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if backslashes {
				i++
			}
		case q:
			if i+1 < len(s) && s[i+1] == q {
				i++
				continue
			}
			return i
		}
	}
	return len(s)
}

// sqlNumber places p where a number is expected. A number literal is
// benign; a payload holding any byte that cannot be part of a number or
// identifier token (space, operator, quote, parenthesis, comment opener)
// makes more than one token and is an injection. A single word (an
// identifier or keyword), a signed number or one whole quoted token is
// left out: whether a column name, a unary minus or a string where a
// number was expected "changes the query" is a policy, not syntax.
func sqlNumber(d string, p Payload) (Case, bool) {
	v := strings.TrimSpace(p.Value)
	if v == "" {
		return Case{}, false
	}
	var want bool
	switch {
	case isNumber(v):
		want = false
	case isQuoted(v):
		return Case{}, false
	case strings.IndexFunc(v, func(r rune) bool { return !isWordRune(r) }) >= 0:
		if (v[0] == '-' || v[0] == '+') && isNumber(v[1:]) {
			return Case{}, false
		}
		want = true
	default:
		return Case{}, false
	}
	return placed("sql/number/"+d, p, SinkSQL, d, fmt.Sprintf(sqlNumTemplate, p.Value), want), true
}

// isQuoted reports whether v is one whole quoted token: it opens with a
// quote that closes at its last byte, with or without backslash escapes.
func isQuoted(v string) bool {
	if len(v) < 2 || (v[0] != '\'' && v[0] != '"') {
		return false
	}
	return literalEnd(v, 0, false) == len(v)-1 && literalEnd(v, 0, true) == len(v)-1
}

func isWordRune(r rune) bool {
	return r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80
}

func isNumber(s string) bool {
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// shellWord places p as a bare word of `ping -c 1 %s` run by sh -c.
// POSIX shell syntax (XCU 2.2, 2.3, 2.6): a payload with a control or
// redirection operator byte (; & | < >), a parenthesis, a command or
// parameter substitution ($ `) or a newline changes the command and is an
// injection; a payload of bytes that are never special in a word is
// benign; anything else (spaces, quotes, globs, a leading dash) only
// splits or reshapes the arguments and is left out.
func shellWord(p Payload) (Case, bool) {
	v := p.Value
	if v == "" {
		return Case{}, false
	}
	var want bool
	switch {
	case strings.ContainsAny(v, `'"\`):
		// Quotes and backslashes re-quote the operators that follow them;
		// whether the command changes is not decidable from the bytes.
		return Case{}, false
	case strings.ContainsAny(v, ";&|<>()$`\n"):
		want = true
	case strings.IndexFunc(v, func(r rune) bool { return !isPlainShellRune(r) }) < 0 && v[0] != '-':
		want = false
	default:
		return Case{}, false
	}
	return placed("shell/word", p, SinkShell, "word", fmt.Sprintf(shWordTemplate, v), want), true
}

func isPlainShellRune(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune("._,:/@%+-", r)
}

// shellQuoted places p single-quoted, each quote written '\” (POSIX:
// nothing is special between single quotes). Benign by construction,
// but for a value opening with a dash (left out).
func shellQuoted(p Payload) (Case, bool) {
	if p.Value == "" || p.Value[0] == '-' || strings.ContainsRune(p.Value, 0) {
		// Quote removal leaves a leading dash: ping reads '-Infinity' as
		// its options (-I nfinity), so such a value is not benign there
		// (left out, as in execArg).
		return Case{}, false
	}
	q := "'" + strings.ReplaceAll(p.Value, "'", `'\''`) + "'"
	return placed("shell/quoted", p, SinkShell, "quoted", fmt.Sprintf(shWordTemplate, q), false), true
}

// execArg passes p as one argv element of ping, with no shell: benign,
// except that a leading dash may be read as an option (left out).
func execArg(p Payload) (Case, bool) {
	if p.Value == "" || p.Value[0] == '-' || strings.ContainsRune(p.Value, 0) {
		return Case{}, false
	}
	argv := []string{"ping", "-c", "1", p.Value}
	c := placed("exec/arg", p, SinkExec, "arg", strings.Join(argv, " "), false)
	c.Argv = argv
	return c, true
}

// fsConcat appends p to a base directory, as base + "/" + p. The label is
// whether the path, cleaned lexically (the kernel resolves ".." the same
// way when no symlink intervenes), leaves the base. Percent-encodings and
// backslashes are ordinary bytes in a POSIX path.
func fsConcat(p Payload) (Case, bool) {
	if p.Value == "" || strings.ContainsRune(p.Value, 0) {
		return Case{}, false
	}
	target := fsBase + "/" + p.Value
	clean := path.Clean(target)
	want := clean != fsBase && !strings.HasPrefix(clean, fsBase+"/")
	return placed("fs/concat", p, SinkFS, "concat", target, want), true
}
