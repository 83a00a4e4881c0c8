package sqlguard

import "github.com/gorasp/rasp/taint"

// Roles: what slot of the grammar an occurrence fills. One whole name, or
// a list of names and literals, adds no grammar, but it can still change
// what a statement means: a column reference compared with a column turns
// a filter into a tautology, and a second table in a FROM list adds a
// cross join. The rules below read the slot from the tokens around the
// occurrence; they are the same in the three dialects, whose grammars
// agree on comparisons, IN, BETWEEN and the FROM list.

const (
	reasonColumns = "input is a column reference compared with a column reference"
	reasonTables  = "input adds a table to a FROM, JOIN or UPDATE list"
	reasonBody    = "input breaks out inside a dollar-quoted code body: "
)

// isName reports whether t is one part of a column reference: an
// identifier that is no keyword, or a terminated quoted identifier.
func (w *work) isName(t token) bool {
	switch t.tok() {
	case IDENT:
		return !isKeyword(w.stmt[t.pos:t.end])
	case QIDENT:
		return t.close > 0
	}
	return false
}

func (w *work) isDot(t token) bool { return t.tok() == OP && w.stmt[t.pos:t.end] == "." }

// chainAround returns the first and last token of the qualified name
// (a.b.c) that token k is part of.
func (w *work) chainAround(toks []token, k int) (lo, hi int) {
	lo, hi = k, k
	for {
		d := significant(toks, lo, -1)
		if d < 0 || !w.isDot(toks[d]) {
			break
		}
		n := significant(toks, d, -1)
		if n < 0 || !w.isName(toks[n]) {
			break
		}
		lo = n
	}
	for {
		d := significant(toks, hi, +1)
		if d < 0 || !w.isDot(toks[d]) {
			break
		}
		n := significant(toks, d, +1)
		if n < 0 || !w.isName(toks[n]) {
			break
		}
		hi = n
	}
	return lo, hi
}

// columnAt reports whether the significant token next to k in direction
// dir ends (dir -1) or starts (dir +1) a column reference that is a whole
// operand, and returns its far end.
func (w *work) columnAt(toks []token, k, dir int) (int, bool) {
	n := significant(toks, k, dir)
	if n < 0 || !w.isName(toks[n]) {
		return -1, false
	}
	lo, hi := w.chainAround(toks, n)
	if dir < 0 {
		return lo, !w.continues(toks, lo, -1)
	}
	return hi, !w.continues(toks, hi, +1)
}

// continues reports whether the operand that ends (dir +1) or starts
// (dir -1) at token k goes on past it: an operator, or on the right a
// parenthesis (a function call).
func (w *work) continues(toks []token, k, dir int) bool {
	n := significant(toks, k, dir)
	if n < 0 {
		return false
	}
	t := toks[n]
	if t.tok() == OP {
		return !w.comparison(t)
	}
	return dir > 0 && t.tok() == LPAREN
}

// assignment reports whether token k lies in a SET list (UPDATE ... SET,
// MySQL's SET statement and ON DUPLICATE KEY UPDATE, PRAGMA), where a = b
// assigns rather than compares: the nearest clause word before k at the
// same parenthesis depth decides.
func (w *work) assignment(toks []token, k int) bool {
	depth := 0
	for n := k - 1; n >= 0; n-- {
		w.budget--
		t := toks[n]
		switch t.tok() {
		case RPAREN:
			depth++
		case LPAREN:
			if depth == 0 {
				return false
			}
			depth--
		case SEMI:
			return false
		case IDENT:
			if depth > 0 {
				continue
			}
			l := w.stmt[t.pos:t.end]
			switch {
			case wordIs(l, "SET"), wordIs(l, "PRAGMA"):
				return true
			case wordIs(l, "UPDATE"):
				p := significant(toks, n, -1)
				return p >= 0 && wordIs(w.stmt[toks[p].pos:toks[p].end], "KEY")
			case wordIs(l, "WHERE"), wordIs(l, "ON"), wordIs(l, "HAVING"), wordIs(l, "WHEN"), wordIs(l, "AND"),
				wordIs(l, "OR"), wordIs(l, "NOT"), wordIs(l, "CASE"), wordIs(l, "SELECT"), wordIs(l, "CHECK"):
				return false
			}
		}
		if w.budget <= 0 {
			return false
		}
	}
	return false
}

// clauseWord returns the nearest clause keyword before token k at the same
// parenthesis depth, upper case, or "" inside parentheses or when none.
func (w *work) clauseWord(toks []token, k int) string {
	depth := 0
	for n := k - 1; n >= 0 && w.budget > 0; n-- {
		w.budget--
		t := toks[n]
		switch t.tok() {
		case RPAREN:
			depth++
		case LPAREN:
			if depth == 0 {
				return ""
			}
			depth--
		case SEMI:
			return ""
		case IDENT:
			if depth > 0 {
				continue
			}
			l := w.stmt[t.pos:t.end]
			for _, c := range [...]string{"FROM", "JOIN", "UPDATE", "INTO", "WHERE", "SELECT", "SET", "ON", "USING",
				"ORDER", "GROUP", "HAVING", "VALUES", "LIMIT", "RETURNING", "WINDOW", "BY"} {
				if wordIs(l, c) {
					return c
				}
			}
		}
	}
	return ""
}

func (w *work) word(toks []token, n int, kw string) bool {
	return n >= 0 && toks[n].tok() == IDENT && wordIs(w.stmt[toks[n].pos:toks[n].end], kw)
}

// columnRole judges the column reference toks[lo..hi] an occurrence
// supplies: an injection when its counterpart is a column reference too,
// as the other side of a comparison, the tested expression of IN (...) or
// BETWEEN, or (for a tested expression) a member or bound.
func (w *work) columnRole(toks []token, lo, hi int) string {
	prev := significant(toks, lo, -1)
	next := significant(toks, hi, +1)
	// The other side of a comparison.
	if prev >= 0 && w.comparison(toks[prev]) && !w.continues(toks, hi, +1) {
		if clo, ok := w.columnAt(toks, prev, -1); ok && !w.assignment(toks, clo) {
			return reasonColumns
		}
	}
	if next >= 0 && w.comparison(toks[next]) && !w.continues(toks, lo, -1) && !w.assignment(toks, lo) {
		if _, ok := w.columnAt(toks, next, +1); ok {
			return reasonColumns
		}
	}
	// A member of IN (...): find the list's parenthesis.
	if prev >= 0 && (toks[prev].tok() == COMMA || toks[prev].tok() == LPAREN) && next >= 0 && (toks[next].tok() == COMMA || toks[next].tok() == RPAREN) {
		depth := 0
		for n := prev; n >= 0 && w.budget > 0; n-- {
			w.budget--
			switch toks[n].tok() {
			case RPAREN:
				depth++
			case LPAREN:
				if depth > 0 {
					depth--
					continue
				}
				in := significant(toks, n, -1)
				if w.word(toks, in, "IN") {
					at := in
					if p := significant(toks, in, -1); w.word(toks, p, "NOT") {
						at = p
					}
					if _, ok := w.columnAt(toks, at, -1); ok {
						return reasonColumns
					}
				}
				n = -1 // stop
			}
		}
	}
	// A bound of BETWEEN: X BETWEEN lo AND hi.
	if w.word(toks, prev, "BETWEEN") || w.word(toks, prev, "AND") && w.betweenAnd(toks, prev) >= 0 {
		b := prev
		if w.word(toks, prev, "AND") {
			b = w.betweenAnd(toks, prev)
		}
		at := b
		if p := significant(toks, b, -1); w.word(toks, p, "NOT") {
			at = p
		}
		if _, ok := w.columnAt(toks, at, -1); ok {
			return reasonColumns
		}
	}
	// The tested expression, with a column among the members or bounds.
	if w.continues(toks, lo, -1) {
		return ""
	}
	k := next
	if w.word(toks, k, "NOT") {
		k = significant(toks, k, +1)
	}
	switch {
	case w.word(toks, k, "IN"):
		p := significant(toks, k, +1)
		if p < 0 || toks[p].tok() != LPAREN {
			return ""
		}
		// each member that is exactly a column reference
		for n := p; n >= 0 && toks[n].tok() != RPAREN && w.budget > 0; {
			w.budget--
			if end, ok := w.columnAt(toks, n, +1); ok {
				if f := significant(toks, end, +1); f >= 0 && (toks[f].tok() == COMMA || toks[f].tok() == RPAREN) {
					return reasonColumns
				}
			}
			// next member: skip to the comma at this depth
			depth := 0
			n = significant(toks, n, +1)
			for n >= 0 && w.budget > 0 {
				w.budget--
				t := toks[n].tok()
				if t == LPAREN {
					depth++
				} else if t == RPAREN {
					if depth == 0 {
						break
					}
					depth--
				} else if t == COMMA && depth == 0 {
					break
				}
				n = significant(toks, n, +1)
			}
		}
	case w.word(toks, k, "BETWEEN"):
		if end, ok := w.columnAt(toks, k, +1); ok {
			if a := significant(toks, end, +1); w.word(toks, a, "AND") {
				return reasonColumns
			}
		}
		// the upper bound, after the AND at this depth
		depth := 0
		for n := significant(toks, k, +1); n >= 0 && w.budget > 0; n = significant(toks, n, +1) {
			w.budget--
			switch toks[n].tok() {
			case LPAREN:
				depth++
				continue
			case RPAREN:
				if depth == 0 {
					return ""
				}
				depth--
				continue
			case SEMI:
				return ""
			}
			if depth == 0 && w.word(toks, n, "AND") {
				if _, ok := w.columnAt(toks, n, +1); ok {
					return reasonColumns
				}
				break
			}
		}
	}
	return ""
}

// betweenAnd returns the index of the BETWEEN whose AND is token and, or
// -1. The lower bound between them is an expression without AND, OR,
// comparison or comma at its own depth (MySQL's bit_expr, PostgreSQL's
// b_expr, SQLite's expr short of AND), so the walk back stops there.
func (w *work) betweenAnd(toks []token, and int) int {
	depth := 0
	for n := and - 1; n >= 0 && w.budget > 0; n-- {
		w.budget--
		t := toks[n]
		switch t.tok() {
		case RPAREN:
			depth++
		case LPAREN:
			if depth == 0 {
				return -1
			}
			depth--
		case SEMI, COMMA:
			if depth == 0 {
				return -1
			}
		case OP:
			if depth == 0 && w.comparison(t) {
				return -1
			}
		case IDENT:
			if depth > 0 {
				continue
			}
			if w.word(toks, n, "BETWEEN") {
				return n
			}
			if isKeyword(w.stmt[t.pos:t.end]) && !w.word(toks, n, "NULL") && !w.word(toks, n, "TRUE") && !w.word(toks, n, "FALSE") {
				return -1 // AND, OR, WHERE, ...
			}
		}
	}
	return -1
}

// suppliedColumn reports whether the name token t (toks[k]) that an input
// supplies counts as a column reference. A bare identifier does. A quoted
// one does when the statement names it elsewhere, or, where the quotes
// always make an identifier (PostgreSQL "..", backticks, brackets), when
// its body is shaped like a plain name: "&" or "' OR 1=1 -- " can be a
// column's name only in a schema nobody has, and judging them as columns
// would flag every stray quoted value.
func (w *work) suppliedColumn(toks []token, k int, t token, m lexMode) bool {
	if t.tok() == IDENT {
		return columnWord(m.engine, w.stmt[t.pos:t.end])
	}
	if t.tok() != QIDENT || t.close == 0 {
		return false
	}
	body := w.stmt[t.pos+t.open : t.end-t.close]
	if w.fallbackQuoted(t, m) {
		return w.mentioned(toks, k, body)
	}
	return plainName(body) || w.mentioned(toks, k, body)
}

// plainName reports whether s is shaped like an unquoted identifier:
// letters, digits, _ and $, not starting with a digit or $.
func plainName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' || s[0] == '$' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c == '$' || c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z' || c >= 0x80) {
			return false
		}
	}
	return true
}

// fallbackQuoted reports whether t is a double-quoted identifier that the
// engine may read as a string (SQLite's fallback when no column has that
// name; MySQL under ANSI_QUOTES is a plain identifier, but the same
// application text is a string without it).
func (w *work) fallbackQuoted(t token, m lexMode) bool {
	return t.tok() == QIDENT && w.stmt[t.pos] == '"' && (m.engine == DialectSQLite || m.engine == DialectMySQL)
}

// mentioned reports whether the statement names name as an identifier
// anywhere other than in token skip, bare or quoted, ignoring case for bare
// names.
func (w *work) mentioned(toks []token, skip int, name string) bool {
	for n, t := range toks {
		w.budget--
		if n == skip {
			continue
		}
		switch t.tok() {
		case IDENT:
			if len(name) == int(t.end-t.pos) && wordFold(w.stmt[t.pos:t.end], name) && !isKeyword(name) {
				return true
			}
		case QIDENT:
			if t.close > 0 && w.stmt[t.pos+t.open:t.end-t.close] == name {
				return true
			}
		}
	}
	return false
}

func wordFold(a, b string) bool {
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// namesRole judges an occurrence that is wholly a list of names and
// literals (cov, from token index base): each column reference in it by
// its role, and a comma in a table list.
func (w *work) namesRole(toks []token, base int, cov []token, m lexMode) string {
	comma := false
	for k := 0; k < len(cov); k++ {
		t := cov[k]
		if t.tok() == COMMA {
			comma = true
		}
		if t.tok() != IDENT && t.tok() != QIDENT {
			continue
		}
		lo, hi := w.chainAround(toks, base+k)
		if hi-base >= len(cov) {
			// the input supplies only qualifiers (a table or schema
			// name): a name where a name belongs
			break
		}
		if f := significant(toks, hi, +1); f >= 0 && toks[f].tok() == LPAREN {
			continue // a function name
		}
		if !w.suppliedColumn(toks, hi, toks[hi], m) {
			continue
		}
		if r := w.columnRole(toks, lo, hi); r != "" {
			return r
		}
		if hi-base > k {
			k = hi - base
		}
	}
	if comma {
		switch w.clauseWord(toks, base) {
		case "FROM", "JOIN", "UPDATE", "INTO":
			return reasonTables
		}
	}
	return ""
}

// codeBody reports whether the dollar-quoted string toks[k] is PL/pgSQL
// (or another language's) source: the body of DO, or the AS of CREATE
// FUNCTION or CREATE PROCEDURE. Such a body is code when it runs.
func (w *work) codeBody(toks []token, k int) bool {
	p := significant(toks, k, -1)
	if p >= 0 && w.word(toks, p, "DO") {
		return true
	}
	if p >= 0 && toks[p].tok() == IDENT && !w.word(toks, p, "AS") {
		// DO LANGUAGE plpgsql $$...$$
		if q := significant(toks, p, -1); w.word(toks, q, "LANGUAGE") {
			return w.word(toks, significant(toks, q, -1), "DO")
		}
		return false
	}
	if !w.word(toks, p, "AS") {
		return false
	}
	// CREATE [OR REPLACE] FUNCTION|PROCEDURE in this statement
	for n := p - 1; n >= 0 && toks[n].tok() != SEMI && w.budget > 0; n-- {
		w.budget--
		if w.word(toks, n, "FUNCTION") || w.word(toks, n, "PROCEDURE") {
			return true
		}
	}
	return false
}

// maxBodyDepth bounds how deep code bodies nested in code bodies are
// judged: each level is strictly shorter, but one check stays small.
const maxBodyDepth = 4

// judgeBody judges the occurrence [s, e) inside the code body t (a dollar
// quote) by lexing the body as PostgreSQL code: an input that breaks out
// of a string within the body runs as code.
func (w *work) judgeBody(t token, m lexMode, s, e int) string {
	if w.depth >= maxBodyDepth {
		return reasonBody + "too deeply nested"
	}
	body := w.stmt[t.pos+t.open : t.end-t.close]
	in := taint.Input{Value: w.stmt[s:e]}
	sub := workPool.Get().(*work)
	defer sub.release()
	sub.stmt = body
	sub.budget = w.budget
	sub.depth = w.depth + 1
	sub.n = 1
	sub.modes[0] = m
	at := s - int(t.pos+t.open)
	_, r := sub.visit(in, in.Value, at)
	w.budget = sub.budget
	if r.Injection {
		return reasonBody + r.Finding.Reason
	}
	return ""
}
