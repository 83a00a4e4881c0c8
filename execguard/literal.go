package execguard

import (
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// litWord is an argument word of a simple command whose value is fixed
// text: all its parts are literal after quote removal. Such a word stays
// one argument whatever quotes and escapes it is written with, so an input
// that lies inside it can have changed only that argument's value (see
// [litWord.forgiven] for what else must hold).
type litWord struct {
	start, end int    // source span of the word
	value      string // the word's value after quote removal
	// srcOf is the source offset of each byte of value.
	srcOf []int
	// delims are the word's quoting bytes: quote characters and escaping
	// backslashes, each with the source span of the text it quotes.
	delims []delim
	// quotes are the word's quoted parts, in order.
	quotes []quotePart
	// data reports that the command is an ordinary program, not a shell
	// keyword, builtin, wrapper, shell or interpreter that may run the
	// word as code.
	data bool
}

// quotePart is a quoted part of a literal word: its delimiters' offsets
// and its quote character.
type quotePart struct {
	l, r int
	q    byte
}

// argWord is an argument word of a simple command whose parts are all
// quotes or literals, kept for [litWord] analysis on demand.
type argWord struct {
	start, end int
	w          *syntax.Word
	prog       string // the command's name, "" when not literal
}

// literalParts reports whether w is made only of literal, single-quoted
// and double-quoted literal parts, without allocating: a cheap filter
// before [literalWord]. Such words hold no other word, so their spans
// never nest.
func literalParts(w *syntax.Word) bool {
	for _, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.Lit, *syntax.SglQuoted:
		case *syntax.DblQuoted:
			for _, in := range p.Parts {
				if _, ok := in.(*syntax.Lit); !ok {
					return false
				}
			}
		default:
			return false
		}
	}
	return len(w.Parts) > 0
}

// delim is one quoting byte of a literal word and the content it quotes:
// for a quote character, the text between the pair; for a backslash, the
// byte it escapes.
type delim struct {
	at         int
	cStart, cE int
	esc        bool // a backslash
}

// literalWord returns the word's literal form when every part of w is
// literal after quote removal: '...' (not $'...'), "..." holding only
// literal text (not $"..."), and unquoted text with no glob ("*", "?",
// "["), brace, "~", "$", backquote or control byte unless escaped, and no
// escaped newline. Anything else (an expansion, a substitution, an extended glob)
// returns false.
func literalWord(w *syntax.Word, src string) (litWord, bool) {
	if w == nil || len(w.Parts) == 0 {
		return litWord{}, false
	}
	lw := litWord{start: int(w.Pos().Offset()), end: int(w.End().Offset())}
	if lw.start < 0 || lw.end > len(src) || lw.start >= lw.end {
		return litWord{}, false
	}
	var val []byte
	add := func(off int) {
		val = append(val, src[off])
		lw.srcOf = append(lw.srcOf, off)
	}
	for _, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.SglQuoted:
			if p.Dollar || !p.Right.IsValid() || p.Right.IsRecovered() {
				return litWord{}, false
			}
			l, r := int(p.Left.Offset()), int(p.Right.Offset())
			if l < lw.start || r >= lw.end || l >= r {
				return litWord{}, false
			}
			for j := l + 1; j < r; j++ {
				add(j)
			}
			lw.delims = append(lw.delims, delim{l, l + 1, r, false}, delim{r, l + 1, r, false})
			lw.quotes = append(lw.quotes, quotePart{l, r, '\''})
		case *syntax.DblQuoted:
			if p.Dollar || !p.Right.IsValid() || p.Right.IsRecovered() {
				return litWord{}, false
			}
			l, r := int(p.Left.Offset()), int(p.Right.Offset())
			if l < lw.start || r >= lw.end || l >= r || src[l] != '"' || src[r] != '"' {
				return litWord{}, false
			}
			for _, in := range p.Parts {
				if _, ok := in.(*syntax.Lit); !ok {
					return litWord{}, false
				}
			}
			// POSIX 2.2.3: inside double quotes a backslash escapes only
			// "$", "`", `"`, "\" and newline; before other bytes it is
			// literal. An unescaped "$" or "`" is left to the parser's
			// judgement only when it formed a Lit, which is refused here.
			for j := l + 1; j < r; j++ {
				switch b := src[j]; {
				case b == '\\' && j+1 < r && strings.IndexByte("$`\"\\", src[j+1]) >= 0:
					lw.delims = append(lw.delims, delim{j, j + 1, j + 2, true})
					j++
					add(j)
				case b == '\\' && j+1 < r && src[j+1] == '\n':
					return litWord{}, false
				case b == '$' || b == '`' || b == '"':
					return litWord{}, false
				default:
					add(j)
				}
			}
			lw.delims = append(lw.delims, delim{l, l + 1, r, false}, delim{r, l + 1, r, false})
			lw.quotes = append(lw.quotes, quotePart{l, r, '"'})
		case *syntax.Lit:
			s, e := int(p.ValuePos.Offset()), int(p.ValueEnd.Offset())
			if s < lw.start || e > lw.end || s >= e {
				return litWord{}, false
			}
			for j := s; j < e; j++ {
				switch b := src[j]; {
				case b == '\\':
					if j+1 >= e || src[j+1] == '\n' || src[j+1] == '\r' {
						return litWord{}, false
					}
					lw.delims = append(lw.delims, delim{j, j + 1, j + 2, true})
					j++
					add(j)
				case b < 0x20 || b == 0x7f || strings.IndexByte("*?[]{}~$`'\" ;&|<>()", b) >= 0:
					// Control bytes: some shells split on \r, \f or \v.
					return litWord{}, false
				default:
					add(j)
				}
			}
		default:
			return litWord{}, false
		}
	}
	lw.value = string(val)
	slices.SortFunc(lw.delims, func(a, b delim) int { return a.at - b.at })
	return lw, true
}

// forgiven reports whether the occurrence [s,e) of v, which the region
// rules found crossing quoting bytes, lies inside the literal word lw
// without changing anything but that word's value. One of two things must
// hold:
//
//   - The occurrence quotes only itself: every quote character inside it
//     quotes text inside it (the input x'"y"' placed in single quotes),
//     and it holds no escaping backslash (a\ b from the input a\ b joins
//     what the input's author wrote as two words). Hard-coded text keeps
//     the quoting of the script's own delimiters. The word's value then
//     differs from the input, so this holds only for arguments of an
//     ordinary program (lw.data): a shell, eval or interpreter would run
//     a value in which the argv rules no longer find the input.
//   - The occurrence is the input as the shell sees it: the word's value
//     holds v as bytes whose source lies inside the occurrence or whose
//     source is separated from it only by quoting bytes. This is the
//     single-quote escaping idiom (each "'" written as quote, backslash,
//     quote, quote): the input's quote is the script's escaped one, and
//     the occurrence starts at the quote the idiom reopens.
//
// In both cases the text checked (the occurrence, or the occurrence with
// the quoting bytes around the value bytes) must begin and end in the same
// quoting (unquoted, in '...' or in "..."), so that the hard-coded text
// after it is quoted as the text before it left it. An occurrence whose own
// quote takes in hard-coded text (a quote that swallows a hard-coded
// "; rm x; echo") fails that, since the swallowed text is neither part of
// the occurrence nor of v in the value.
func (lw *litWord) forgiven(s, e int, v string) bool {
	if s < lw.start || e > lw.end || len(v) == 0 {
		return false
	}
	if lw.data && lw.selfQuoted(s, e) && lw.stateAt(s) == lw.stateAt(e) {
		return true
	}
	// The value bytes of a match cover the content bytes of [s,e), so a
	// match starts at most len(v) value bytes before the first value byte
	// at or after s.
	idx, _ := slices.BinarySearch(lw.srcOf, s)
	for i := max(0, idx-len(v)); i <= idx && i+len(v) <= len(lw.value); i++ {
		if lw.value[i:i+len(v)] == v && lw.spans(i, i+len(v), s, e) {
			return true
		}
	}
	return false
}

// selfQuoted reports whether every quoting byte inside [s,e) is a quote
// character that quotes text inside [s,e).
func (lw *litWord) selfQuoted(s, e int) bool {
	k, _ := slices.BinarySearchFunc(lw.delims, s, func(d delim, s int) int { return d.at - s })
	for ; k < len(lw.delims) && lw.delims[k].at < e; k++ {
		if d := lw.delims[k]; d.esc || d.cStart < s || d.cE > e {
			return false
		}
	}
	return true
}

// maxSlack bounds the quoting bytes spans widens over on each side. The
// escaping idiom needs three (quote, backslash, quote before an escaped
// quote); the bound keeps a long run of quotes from costing its length
// for each occurrence.
const maxSlack = 8

// spans reports whether value bytes [i,j) account for every content byte
// of the source span [s,e): their source, widened over quoting bytes on
// both sides, covers [s,e), and can be widened so that it begins and ends
// in the same quoting.
func (lw *litWord) spans(i, j, s, e int) bool {
	lo, hi := lw.srcOf[i], lw.srcOf[j-1]+1
	var left, right uint8 // quoting states seen at the candidate ends
	for n := 0; ; n++ {
		if lo <= s {
			left |= stateBit(lw.stateAt(lo))
		}
		if n == maxSlack || lo == lw.start || !lw.isDelim(lo-1) {
			break
		}
		lo--
	}
	for n := 0; ; n++ {
		if hi >= e {
			right |= stateBit(lw.stateAt(hi))
		}
		if n == maxSlack || hi == lw.end || !lw.isDelim(hi) {
			break
		}
		hi++
	}
	return left&right != 0
}

func stateBit(q byte) uint8 {
	switch q {
	case '\'':
		return 2
	case '"':
		return 4
	}
	return 1
}

// stateAt returns the quoting in force just before the byte at off: the
// quote character of the part that off is inside, or 0 when unquoted.
func (lw *litWord) stateAt(off int) byte {
	// The parts are in order and disjoint: find the last one opened
	// before off.
	k, _ := slices.BinarySearchFunc(lw.quotes, off, func(q quotePart, off int) int {
		if q.l < off {
			return -1
		}
		return 1
	})
	if k > 0 && off <= lw.quotes[k-1].r {
		return lw.quotes[k-1].q
	}
	return 0
}

func (lw *litWord) isDelim(off int) bool {
	_, ok := slices.BinarySearchFunc(lw.delims, off, func(d delim, off int) int { return d.at - off })
	return ok
}
