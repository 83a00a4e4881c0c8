package execguard

import (
	"strings"
	"unicode/utf8"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
)

// Verdicts of the shortcut taken before parsing.
const (
	fastUnknown = iota // parse and apply the full rules
	fastClear          // no input changes the script's syntax
	fastFlag           // the returned hit is what the full rules report
)

// fastCheck is a conservative shortcut taken before parsing. It reports
// fastClear only when the script is plainly structured (simple commands of
// words, quotes, pipes, lists and redirections; no substitutions but plain
// commands in "$(...)" (see [plainSubst]), no expansions in braces,
// here-documents, groups, escapes or comments) and every occurrence of
// every input is the inside of an argument word of an ordinary program,
// obeying the rules of its quoting, outside any substitution and its word.
//
// It reports fastFlag, with the hit, when such a script is also well
// formed (see [wellFormed]: it parses) and the first occurrence, in the
// order the full rules visit them, that is not plainly harmless holds an
// unquoted blank, newline or operator: in the parsed script no literal text
// holds that byte, so the region rules report exactly this occurrence as
// spanning shell syntax. Anything else, or any doubt, is fastUnknown. A
// fuzz target checks both answers against the full rules.
//
// An occurrence that is literal text of one argument word by the region
// rules, but is not plainly harmless (it names the program, supplies an
// option, or sits in the arguments of a program whose grammar is
// modelled), is left to the argv rules, which the shortcut then applies
// to the commands read off the bytes (see [lexer]) when the script is well
// formed, exactly as the full rules apply them after the region rules.
//
// It exists because one parse costs a microsecond or more, while this scan
// costs a few hundred nanoseconds.
func fastCheck(script string, inputs []taint.Input) (hit, int) {
	n := maxScripts
	return defaultGuard.fastCheck(script, inputs, work{left: &n})
}

// fastCheck is the shortcut with the guard's configuration and the check's
// budget, which the argv rules of the commands it reads may spend.
func (g *Guard) fastCheck(script string, inputs []taint.Input, w work) (hit, int) {
	if len(script) > maxFastLen {
		return hit{}, fastUnknown
	}
	var buf [256]uint8
	var info []uint8
	if len(script) <= len(buf) {
		info = buf[:len(script)]
	} else {
		info = make([]uint8, len(script))
	}
	if !scanSimple(script, info) {
		return hit{}, fastUnknown
	}
	var lx lexer
	var lex *lexer // lx, read on the first occurrence left to the argv rules
	for _, in := range inputs {
		v := in.Value
		if !checkable(v) {
			continue
		}
		if taint.Padded(v) && strings.TrimSpace(v) != v {
			// The argv rules also look for the value trimmed of white
			// space, which may occur where the value does not.
			return hit{}, fastUnknown
		}
		for off := 0; off <= len(script)-len(v); {
			i := strings.Index(script[off:], v)
			if i < 0 {
				break
			}
			s := off + i
			if !fastOccurrence(script, info, s, s+len(v), v) {
				if inSubst(info, s, s+len(v)) {
					// The substitution's own script is the parser's.
					return hit{}, fastUnknown
				}
				if spansSyntax(script, info, s, s+len(v)) && wellFormed(script) {
					return hit{kind: rasp.KindShellInjection, in: in, elem: -1, s: s, e: s + len(v),
						rule: "shell", reason: reasonSpans}, fastFlag
				}
				if lex == nil {
					if !wellFormed(script) {
						return hit{}, fastUnknown
					}
					lex = &lx
					if !lex.lex(script) {
						return hit{}, fastUnknown
					}
				}
				if !lex.argOccurrence(script, s, s+len(v), v) {
					return hit{}, fastUnknown
				}
			}
			off = s + 1
		}
	}
	if lex != nil {
		return g.checkCalls(lex, script, inputs, w)
	}
	// The argv rules of the commands an input occurs in also look for
	// inputs whose fields start a command line ("b\vc" or "b  c" for the
	// words b c), which need not occur themselves.
	for _, in := range inputs {
		if f, ok := firstField(in.Value); ok && wholeWord(script, info, f) {
			return hit{}, fastUnknown
		}
	}
	return hit{}, fastClear
}

// wholeWord reports whether f may be the value of a word of a plainly
// structured script that [scanSimple] recorded in info: whether it occurs
// with no separator inside and a separator (a blank, an operator, a quote)
// or an end of the script on each side.
func wholeWord(script string, info []uint8, f string) bool {
	for off := 0; off <= len(script)-len(f); {
		i := strings.Index(script[off:], f)
		if i < 0 {
			return false
		}
		s, e := off+i, off+i+len(f)
		if (s == 0 || info[s-1]&fbSep != 0) && (e == len(script) || info[e]&fbSep != 0) && !sepIn(info, s, e) {
			return true
		}
		off = s + 1
	}
	return false
}

// sepIn reports whether a byte of [s,e) is a separator.
func sepIn(info []uint8, s, e int) bool {
	for j := s; j < e; j++ {
		if info[j]&fbSep != 0 {
			return true
		}
	}
	return false
}

// fastHarmless reports whether fastCheck clears the script.
func fastHarmless(script string, inputs []taint.Input) bool {
	_, v := fastCheck(script, inputs)
	return v == fastClear
}

// inSubst reports whether [s,e) holds a byte of a command substitution.
func inSubst(info []uint8, s, e int) bool {
	for j := s; j < e; j++ {
		if info[j]&fbSubst != 0 {
			return true
		}
	}
	return false
}

// spansSyntax reports whether [s,e) holds an unquoted blank, newline or
// operator byte, which no literal text of a plainly structured script
// holds.
func spansSyntax(script string, info []uint8, s, e int) bool {
	for j := s; j < e; j++ {
		if info[j]&fbQuoteMask == 0 && strings.IndexByte(" \t\n;&|<>", script[j]) >= 0 {
			return true
		}
	}
	return false
}

// wellFormed reports whether a script that scanSimple accepted is a list
// the POSIX grammar accepts: pipelines of simple commands joined by ";",
// "&", "&&", "||", "|" and newlines, none empty where a command is needed,
// each command starting with a word that is not a reserved word or
// builtin of [keywords], and each redirection operator one of < > >> <> >|
// <& >& followed by a word. The fuzz target checks that what it accepts
// parses.
func wellFormed(s string) bool {
	const (
		optCmd  = iota // a command may follow (start, after ; & or newline)
		needCmd        // a command must follow (after | && ||)
		inCmd          // inside a command
		needArg        // a redirection's word must follow
	)
	if strings.Contains(s, "\u0080") {
		// mvdan.cc/sh reads U+0080 (utf8.RuneSelf, its end-of-input
		// sentinel) as the end of the script: what follows is not parsed.
		return false
	}
	st := optCmd
	for i := 0; i < len(s); {
		b := s[i]
		switch {
		case b == ' ' || b == '\t':
			i++
		case b == '\n':
			if st == needArg {
				return false
			}
			if st == inCmd {
				st = optCmd
			}
			i++
		case b == '&' && i+1 < len(s) && s[i+1] == '&', b == '|':
			if st != inCmd {
				return false
			}
			st = needCmd
			i++
			if i < len(s) && (b == '&' || s[i] == '|') {
				i++
			}
		case b == ';' || b == '&':
			if st != inCmd {
				return false
			}
			st = optCmd
			i++
		case b == '<' || b == '>':
			if st != inCmd {
				return false
			}
			j := i + 1
			for j < len(s) && strings.IndexByte("<>&|", s[j]) >= 0 {
				j++
			}
			switch s[i:j] {
			case "<", ">", ">>", "<>", ">|", "<&", ">&":
			default:
				return false
			}
			st, i = needArg, j
		default:
			j := wordEnd(s, i)
			if st == optCmd || st == needCmd {
				if w := s[i:j]; keywords[w] {
					return false
				}
			}
			st, i = inCmd, j
		}
	}
	return st == optCmd || st == inCmd
}

// wordEnd returns the end of the word of a plainly structured script that
// starts at i: the first unquoted blank, newline or operator byte outside
// a command substitution (which [plainSubst] ends at its first ")").
func wordEnd(s string, i int) int {
	for ; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', ';', '&', '|', '<', '>':
			return i
		case '\'', '"':
			q := s[i]
			i++
			for i < len(s) && s[i] != q {
				i++
			}
		case '$':
			if i+1 < len(s) && s[i+1] == '(' {
				for i < len(s) && s[i] != ')' {
					i++
				}
			}
		}
	}
	return i
}

// maxFastLen bounds the scripts the shortcut scans.
const maxFastLen = 4096

// Per-byte facts recorded by scanSimple.
const (
	fbQuoteMask uint8 = 3  // 0 unquoted, 1 single, 2 double
	fbSep       uint8 = 4  // blank, operator or quote character: not word text
	fbArg       uint8 = 8  // inside an argument word of an ordinary program
	fbSubst     uint8 = 16 // inside a command substitution (see plainSubst)
)

// scanSimple records, for each byte, its quoting and whether it belongs to
// an argument word of an ordinary program. It returns false on any
// construct it does not model.
func scanSimple(s string, info []uint8) bool {
	if !readAsIs(s) {
		return false
	}
	const (
		unq = iota
		sq
		dq
	)
	state := unq
	inWord := false
	words := 0         // words begun in the current simple command
	special := false   // the command's first word is not an ordinary program
	firstStart := -1   // start of the command's first word
	wordStart := 0     // start of the current word
	wordPlain := false // the current word has no quote, '$' or '='
	wordSubst := false // the current word holds a substitution (see plainSubst)
	endWord := func(end int) {
		if !inWord {
			return
		}
		inWord = false
		if words == 1 {
			special = !wordPlain || specialWord(s[firstStart:end])
		}
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		// Text that changes no state: the common case, kept out of the
		// switch below.
		var arg uint8
		if words >= 2 && !special && !wordSubst {
			arg = fbArg
		}
		switch {
		case state == sq && plainText[b]&textSingle != 0:
			info[i] = 1 | arg
			continue
		case state == dq && plainText[b]&textDouble != 0:
			info[i] = 2 | arg
			continue
		case state == unq && inWord && plainText[b]&textUnquoted != 0:
			info[i] = arg
			continue
		}
		if b < 0x20 && b != '\t' && b != '\n' {
			return false
		}
		switch state {
		case sq:
			if b == '\'' {
				if !wordEnds(s, i+1) {
					return false // a word of several parts: see below
				}
				state = unq
				info[i] = fbSep
				continue
			}
			info[i] = 1
		case dq:
			switch b {
			case '"':
				if !wordEnds(s, i+1) {
					return false
				}
				state = unq
				info[i] = fbSep
				continue
			case '\\', '`':
				return false
			case '$':
				if i+1 < len(s) && s[i+1] == '(' {
					if i > 0 && s[i-1] == '$' {
						return false // "$$" and then "(" (see plainSubst)
					}
					end, ok := markSubst(s, info, i, wordStart, 2)
					if !ok {
						return false
					}
					wordSubst = true
					i = end
					continue
				}
				// A byte of invalid UTF-8 after "$" is read as a name
				// byte by the parser (see validUTF8): not modelled here.
				// Nor is Bash's arithmetic "$[...]".
				if i+1 < len(s) && (s[i+1] == '{' || s[i+1] == '[' || s[i+1] >= 0x80) {
					return false
				}
			}
			info[i] = 2
		default:
			switch b {
			case ' ', '\t':
				endWord(i)
				info[i] = fbSep
				continue
			case '\n', ';', '|':
				if b == '|' && i+1 < len(s) && s[i+1] == '&' {
					return false // |& is Bash only
				}
				endWord(i)
				words, special, firstStart = 0, false, -1
				info[i] = fbSep
				continue
			case '&':
				if i+1 < len(s) && s[i+1] == '>' {
					return false // &> is Bash only
				}
				endWord(i)
				words, special, firstStart = 0, false, -1
				info[i] = fbSep
				continue
			case '<', '>':
				if strings.HasPrefix(s[i:], "<<") || strings.HasPrefix(s[i:], "<(") || strings.HasPrefix(s[i:], ">(") {
					return false
				}
				if inWord && !allDigits(s[wordStart:i]) {
					endWord(i)
				}
				if inWord { // an fd number such as 2>
					inWord = false
					if words == 1 {
						return false
					}
				}
				if words == 0 {
					return false // redirection before the command name
				}
				info[i] = fbSep
				for i+1 < len(s) && strings.IndexByte("<>&|", s[i+1]) >= 0 {
					i++
					info[i] = fbSep
				}
				continue
			case '(', ')', '{', '}', '`', '\\':
				return false
			case '#':
				if !inWord {
					return false
				}
			case '$':
				if i+1 < len(s) && (strings.IndexByte("{['\"", s[i+1]) >= 0 || s[i+1] >= 0x80) {
					return false
				}
				if i+1 < len(s) && s[i+1] == '(' && i > 0 && s[i-1] == '$' {
					return false // "$$" and then "(" (see plainSubst)
				}
			}
			if !inWord {
				inWord = true
				words++
				wordStart = i
				wordPlain = true
				wordSubst = false
				if words == 1 {
					firstStart = i
				}
			} else if b == '\'' || b == '"' {
				// A quote inside a word (a'b'c, x"y"): the word's value is
				// not a substring of the script, and the parser's rules,
				// which read values (a program path, an option name), could
				// see an input there that no occurrence shows. Only words
				// that are wholly quoted or wholly unquoted are modelled.
				return false
			}
			switch b {
			case '\'':
				state = sq
				wordPlain = false
				info[i] = fbSep
				continue
			case '"':
				state = dq
				wordPlain = false
				info[i] = fbSep
				continue
			case '$':
				wordPlain = false
				if i+1 < len(s) && s[i+1] == '(' {
					end, ok := markSubst(s, info, i, wordStart, 0)
					if !ok {
						return false
					}
					wordSubst = true
					i = end
					continue
				}
			case '=':
				wordPlain = false
			}
			info[i] = 0
		}
		if words >= 2 && !special && !wordSubst {
			info[i] |= fbArg
		}
	}
	return state == unq
}

// markSubst records the command substitution "$(" at s[i], in the word
// that starts at wordStart and in quoting q (0 unquoted, 2 double), and
// returns the index of its ")", when it is one scanSimple models (see
// [plainSubst]). Neither the substitution nor its word is argument text:
// no occurrence there is cleared, and the word's value is not its source.
func markSubst(s string, info []uint8, i, wordStart int, q uint8) (int, bool) {
	end, ok := plainSubst(s, i)
	if !ok {
		return 0, false
	}
	for j := i; j <= end; j++ {
		info[j] = q | fbSep | fbSubst
	}
	for j := wordStart; j < i; j++ {
		info[j] &^= fbArg
	}
	return end, true
}

// plainSubst returns the index of the ")" that closes the command
// substitution "$(" at s[i], when the substitution is one scanSimple
// models: a plainly structured script of unquoted words without "$",
// quotes, backslashes, parentheses, braces, brackets, "#", newlines,
// control bytes or bytes of U+0080 and above, which [wellFormed] accepts
// and on which the POSIX and Bash parsers agree ([sameInVariants]). So the
// script parses in both variants exactly when it does with the
// substitution replaced by plain text, and its "(" changes nothing the
// variants read differently; the first ")" is its end, as [wordEnd] has
// it. "$(date +%F)" and "$(id -un)" are such substitutions; the "$(" of
// "$$(" is none (the parser reads "$$" and then "(").
func plainSubst(s string, i int) (int, bool) {
	for j := i + 2; j < len(s); j++ {
		b := s[j]
		if b == ')' {
			c := s[i+2 : j]
			return j, wellFormed(c) && sameInVariants(c)
		}
		if substText[b] == 0 {
			return 0, false
		}
	}
	return 0, false
}

// substText marks the bytes a substitution that [plainSubst] models may
// hold.
var substText = func() (t [256]uint8) {
	for b := 0x20; b < 0x80; b++ {
		if !strings.ContainsRune("\"'\\`$(){}[]#\x7f", rune(b)) {
			t[b] = 1
		}
	}
	t['\t'] = 1
	return t
}()

// readAsIs reports whether the parser reads s byte for byte: s is valid
// UTF-8 (the parser reads each invalid byte as "x", see [validUTF8], which
// can spell a reserved word: "e\x8dport") and holds neither U+0080 nor
// U+0081, the runes mvdan.cc/sh's lexer uses for the end of the input and
// for an escaped newline (it ends the script at the first, and drops the
// second at the start of a word).
func readAsIs(s string) bool {
	for i := 0; ; i++ {
		j := strings.IndexByte(s[i:], 0xc2) // the first byte of U+0080 and U+0081
		if j < 0 {
			break
		}
		if i += j; i+1 < len(s) && (s[i+1] == 0x80 || s[i+1] == 0x81) {
			return false
		}
	}
	return utf8.ValidString(s)
}

// plainText classifies the bytes that scanSimple records without changing
// its state: in single quotes, in double quotes, inside an unquoted word.
var plainText = func() (t [256]uint8) {
	for b := range 256 {
		if b < 0x20 && b != '\t' && b != '\n' {
			continue
		}
		if b != '\'' {
			t[b] |= textSingle
		}
		if !strings.ContainsRune("\"\\`$", rune(b)) {
			t[b] |= textDouble
		}
		if !strings.ContainsRune(" \t\n;|&<>(){}`\\#$'\"=", rune(b)) {
			t[b] |= textUnquoted
		}
	}
	return t
}()

const (
	textSingle uint8 = 1 << iota
	textDouble
	textUnquoted
)

// wordEnds reports whether a word of s ends at i: at the end of s or
// before a blank or an operator.
func wordEnds(s string, i int) bool {
	return i >= len(s) || strings.IndexByte(" \t\n;|&<>", s[i]) >= 0
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// specialWord reports whether a command's first word makes its arguments
// more than data: shell keywords and builtins that take names, code or
// files, wrappers, shells and interpreters.
func specialWord(w string) bool {
	p := progName(w)
	return specialNames[p] || p != w && keywords[w] || strings.HasPrefix(p, "python")
}

// specialNames is the union of the names specialWord looks for, built once
// so that a word costs one lookup.
var specialNames = func() map[string]bool {
	m := map[string]bool{"busybox": true, "find": true, "ssh": true, "su": true, "runuser": true, "watch": true}
	for k := range keywords {
		m[k] = true
	}
	for k := range wrappers {
		m[k] = true
	}
	for k := range interpreters {
		m[k] = true
	}
	for k := range shells {
		m[k] = true
	}
	// Programs that run an argument or read code from their operands.
	for k, p := range programs {
		if len(p.code) > 0 || len(p.config) > 0 || len(p.exec) > 0 || p.codeOperand > 0 || p.sub != nil {
			m[k] = true
		}
	}
	return m
}()

var keywords = map[string]bool{
	"if": true, "then": true, "else": true, "elif": true, "fi": true, "do": true, "done": true,
	"while": true, "until": true, "for": true, "case": true, "esac": true, "in": true, "select": true,
	"function": true, "time": true, "coproc": true, "!": true, "[[": true, "]]": true, "[": true,
	"test": true, "eval": true, "exec": true, "command": true, "builtin": true, "source": true, ".": true,
	"trap": true, "let": true, "export": true, "declare": true, "local": true, "readonly": true,
	"typeset": true, "read": true, "unset": true, "printf": true, "alias": true, "unalias": true,
	"set": true, "shopt": true, "mapfile": true, "readarray": true, "getopts": true, "enable": true,
	"hash": true, "type": true, "fc": true, "bind": true, "complete": true, "compgen": true,
	"nameref": true, "integer": true, "autoload": true, "emulate": true, "zmodload": true,
}

// fastOccurrence reports whether the occurrence [s,e) of v is plainly
// harmless according to the facts scanSimple recorded.
func fastOccurrence(script string, info []uint8, s, e int, v string) bool {
	if v[0] == '-' {
		return false // may supply an option name: leave it to the full rules
	}
	q := info[s] & fbQuoteMask
	for j := s; j < e; j++ {
		if info[j]&fbSep != 0 || info[j]&fbArg == 0 || info[j]&fbQuoteMask != q {
			return false
		}
	}
	// "$name" followed by the input would extend the name. Bytes of
	// invalid UTF-8 count as name bytes (see validUTF8); any non-ASCII
	// byte is taken as one, which errs towards the full rules.
	j := s - 1
	for j >= 0 && (isNameByte(script[j]) || script[j] >= 0x80) {
		j--
	}
	if j >= 0 && script[j] == '$' {
		return false
	}
	switch q {
	case 0:
		if !plainWord(v) || s > 0 && script[s-1] == '~' {
			return false
		}
	case 1:
		return !strings.Contains(v, "'")
	case 2:
		return !strings.ContainsAny(v, "$`\"\\")
	}
	return true
}

func isNameByte(b byte) bool {
	return b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}
