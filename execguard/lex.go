package execguard

import (
	"strings"

	"github.com/gorasp/rasp/taint"
)

// The argv rules without a parse. In a script that [scanSimple] and
// [wellFormed] accept, every word is wholly quoted or wholly unquoted, with
// no backslash, substitution or brace, so the simple commands and their
// words can be read off the bytes: this is what lets the shortcut decide
// an input that names a program or supplies an option, which the region
// rules alone cannot. A fuzz target holds these commands to the parser's.

// lexWord is one word of a plainly structured script: its source span,
// quotes included, and what it is.
type lexWord struct {
	start, end int32
	role       uint8
}

const (
	roleArg      uint8 = iota // an element of the command's argv
	roleRedirect              // the word a redirection operator takes
	roleFd                    // the fd number of a redirection (2>)
)

// lexCall is one simple command: words[first:end] are its words (argv
// and redirections), and [start, stop) is the span of its argv in the
// script, as the parser's CallExpr has it (redirections after the last
// argument are the statement's, not the command's).
type lexCall struct {
	first, end  int32
	start, stop int32
}

// lexer holds the words and commands of one script, on the stack of
// the check that needs them (counts, not slices of its own arrays, so that
// it stays there).
type lexer struct {
	words  [maxLexWords]lexWord
	calls  [maxLexCalls]lexCall
	nw, nc int
}

// Bounds of the scripts the shortcut reads commands from; longer ones are
// left to the parser.
const (
	maxLexWords = 64
	maxLexCalls = 16
)

// lex splits a script that scanSimple and wellFormed accept into its
// commands and words. It reports false when the script has more words or
// commands than the lexer holds.
func (l *lexer) lex(s string) bool {
	if len(s) > maxFastLen {
		return false // offsets are int32
	}
	l.nw, l.nc = 0, 0
	cur := lexCall{first: 0, start: -1}
	endCall := func() bool {
		cur.end = int32(l.nw)
		if cur.end > cur.first {
			if l.nc == maxLexCalls {
				return false
			}
			l.calls[l.nc] = cur
			l.nc++
		}
		cur = lexCall{first: int32(l.nw), start: -1}
		return true
	}
	redirect := false // the next word is a redirection's
	for i := 0; i < len(s); {
		switch b := s[i]; b {
		case ' ', '\t':
			i++
		case '\n', ';', '&', '|':
			if !endCall() {
				return false
			}
			i++
		case '<', '>':
			for i < len(s) && strings.IndexByte("<>&|", s[i]) >= 0 {
				i++
			}
			redirect = true
		default:
			j := wordEnd(s, i)
			if s[i] != '\'' && strings.Contains(s[i:j], "$(") {
				// A command substitution (see plainSubst): its commands
				// are the parser's, and its word's value is not its text.
				return false
			}
			role := roleArg
			switch {
			case redirect:
				role, redirect = roleRedirect, false
			case j < len(s) && (s[j] == '<' || s[j] == '>') && allDigits(s[i:j]):
				role = roleFd
			}
			if l.nw == maxLexWords {
				return false
			}
			l.words[l.nw] = lexWord{start: int32(i), end: int32(j), role: role}
			l.nw++
			if role == roleArg {
				if cur.start < 0 {
					cur.start = int32(i)
				}
				cur.stop = int32(j)
			}
			i = j
		}
	}
	return endCall()
}

// wordAt returns the index of the word whose text, inside its quotes,
// holds [s,e), or -1.
func (l *lexer) wordAt(script string, s, e int) int {
	for k, w := range l.words[:l.nw] {
		if int(w.start) > s {
			break
		}
		cs, ce := int(w.start), int(w.end)
		if q := script[cs]; q == '\'' || q == '"' {
			cs, ce = cs+1, ce-1
		}
		if cs <= s && e <= ce {
			return k
		}
	}
	return -1
}

// value returns what the parser gives as the value of word k and its
// offset (see [wordValue]); ok is false for a word whose value is not its
// text, one with a "$" (an expansion or, in double quotes, text the
// parser splits).
func (l *lexer) value(script string, k int) (v string, off int, ok bool) {
	s, e := int(l.words[k].start), int(l.words[k].end)
	t := script[s:e]
	if strings.IndexByte(t, '$') >= 0 {
		return "", -1, false
	}
	if q := t[0]; q == '\'' || q == '"' {
		return t[1 : len(t)-1], s + 1, true
	}
	return t, s, true
}

// region returns the literal region the parser records for word k, an
// argument word.
func (l *lexer) region(script string, k int) region {
	s, e := int(l.words[k].start), int(l.words[k].end)
	switch script[s] {
	case '\'':
		return region{start: s + 1, end: e - 1, ctx: ctxSingle, wordStart: -1}
	case '"':
		return region{start: s + 1, end: e - 1, ctx: ctxDouble, wordStart: -1}
	}
	return region{start: s, end: e, ctx: ctxUnquoted, wordStart: s}
}

// argOccurrence reports whether the occurrence [s,e) of v lies in one
// argument word whose value is its text and is literal text there by the
// region rules: the full rules then leave it to the argv rules.
func (l *lexer) argOccurrence(script string, s, e int, v string) bool {
	k := l.wordAt(script, s, e)
	if k < 0 || l.words[k].role != roleArg {
		return false
	}
	if _, _, ok := l.value(script, k); !ok || l.assignment(script, k) {
		return false
	}
	r := l.region(script, k)
	return regionVerdict(script, []region{r}, s, e, v, classify(v), false) == ""
}

// assignment reports whether word k may be a NAME=value prefix of its
// command, whose name the parser does not record as literal text: it and
// every word of the command before it are unquoted and hold a "=".
func (l *lexer) assignment(script string, k int) bool {
	for _, c := range l.calls[:l.nc] {
		if int(c.first) > k || k >= int(c.end) {
			continue
		}
		for j := int(c.first); j <= k; j++ {
			w := l.words[j]
			if w.role != roleArg {
				continue
			}
			if t := script[w.start:w.end]; t[0] == '\'' || t[0] == '"' || strings.IndexByte(t, '=') < 0 {
				return false
			}
		}
		return true
	}
	return false
}

// checkCalls applies the argv rules to the commands whose source holds an
// input, in order, as [Guard.checkShellSlow] does after the region rules
// found nothing. It reports fastUnknown for any command it cannot read
// exactly as the parser does (an assignment, an expansion) or whose
// program takes scripts, code or commands (see [specialWord]), whose
// rules the parser's path applies.
func (g *Guard) checkCalls(l *lexer, script string, inputs []taint.Input, w work) (hit, int) {
	var args [maxLexWords]string
	var offs [maxLexWords]int
	for _, c := range l.calls[:l.nc] {
		if c.start < 0 {
			continue // redirections only: no argv
		}
		if src := script[c.start:c.stop]; !occurs(src, inputs) {
			continue
		}
		n := 0
		for k := c.first; k < c.end; k++ {
			if l.words[k].role != roleArg {
				continue
			}
			v, off, ok := l.value(script, int(k))
			if !ok || n == 0 && off == int(l.words[k].start) && strings.IndexByte(v, '=') >= 0 {
				return hit{}, fastUnknown
			}
			args[n], offs[n] = v, off
			n++
		}
		argv := args[:n]
		if specialWord(argv[0]) {
			return hit{}, fastUnknown
		}
		h, ok, err := g.checkArgvAt(argv, inputs, w)
		if err != nil {
			return hit{}, fastUnknown
		}
		if ok {
			if h.elem >= 0 && h.elem < n && h.s >= 0 && h.e <= len(argv[h.elem]) {
				h.s, h.e = h.s+offs[h.elem], h.e+offs[h.elem]
			} else {
				h.s, h.e = -1, -1
			}
			h.elem = -1
			return h, fastFlag
		}
	}
	if !sameInVariants(script) {
		return hit{}, fastUnknown // the Bash parse may differ
	}
	return hit{}, fastClear
}
