package sqlguard

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
)

// Work limits. An attacker chooses both the inputs and, through them, how
// often they occur in a statement; MaxWork bounds what one check costs.
const (
	// MaxWork bounds the units of work of one check, all of it: one unit
	// per byte searched for inputs (per input when each is searched on its
	// own, once when the request's [taint.Matcher] searches them all), per
	// token scanned or covered by an occurrence, occurrenceCost per
	// occurrence, and one per byte re-scanned by the balance test. 1<<24
	// units are well under a second (TestAnalyzeWorkLimit), far beyond what
	// an application's statements need (a 4 MiB bulk statement with its
	// inputs in it a million times) but small enough to bound a hostile
	// one. A check that reaches it is an injection: see [Analyze].
	MaxWork = 1 << 24
	// occurrenceCost is the work charged per occurrence for the search
	// of its tokens (a binary search over at most a few million tokens).
	occurrenceCost = 8
	// directSearch is the most bytes searched one input at a time
	// (inputs × statement length); past it, one pass of the request's
	// [taint.Matcher] finds every occurrence of every input.
	directSearch = 1 << 18
)

// Check reports whether any input changes the syntax of statement under the
// lexical rules of d, and if so the first offending input and the byte span
// of its occurrence. An invalid Dialect (such as the zero one) is judged
// under every engine's rules. Check is pure, safe for concurrent use and
// never panics. A check that reaches [MaxWork] with input present reports
// an injection: what was not judged is not cleared.
func Check(d Dialect, statement string, inputs []taint.Input) (rasp.Finding, bool) {
	r := Analyze(d, statement, inputs)
	return r.Finding, r.Injection
}

// Result is the full answer of [Analyze].
type Result struct {
	// Finding is the injection when Injection is set; when only
	// Incomplete is set it names the input whose check was cut short.
	Finding    rasp.Finding
	Injection  bool
	Incomplete bool // the check stopped before judging every occurrence
	// Occurs is set when some input occurs in the statement (verbatim or
	// trimmed); a statement in which none does was not shaped by them.
	Occurs bool
}

// Analyze is [Check] with more of the answer: Incomplete is set when the
// check stopped before every occurrence of every input was judged, because
// [MaxWork] was reached (then Injection is set too, with a reason that says
// so: in ModeProtect such a statement is refused) or because of an internal
// error (then Injection is not set, and the caller's fail-open or
// fail-closed setting applies). Occurs tells whether any input occurs at
// all.
func Analyze(d Dialect, statement string, inputs []taint.Input) Result {
	return analyzeWith(d, statement, inputs, nil)
}

// AnalyzeMatcher is [Analyze] over the inputs of m, sharing m's one-pass
// search with every other check of the request (see
// [taint.MatcherFromContext]).
func AnalyzeMatcher(d Dialect, statement string, m *taint.Matcher) Result {
	return analyzeWith(d, statement, m.Inputs(), m)
}

func analyzeWith(d Dialect, statement string, inputs []taint.Input, m *taint.Matcher) Result {
	if len(inputs) == 0 {
		return Result{}
	}
	if len(inputs)*len(statement) > directSearch {
		if m == nil {
			m = taint.NewMatcher(inputs)
		}
		return analyzeSafe(d, statement, inputs, m, 0, nil, nil)
	}
	// Fast path: the common case is a parameterized statement in which no
	// input occurs, run again and again. The set of its bytes and pairs of
	// bytes (remembered for a statement seen before, see [statementBytes],
	// or made in one pass when many inputs meet a short statement) rules
	// out nearly every input by a few table lookups; without it, one byte
	// scan per input for its least common byte (see [rareByte]) does. A
	// substring search runs only for the inputs left. No allocation.
	known := statementBytes(statement)
	var set *byteSet
	if known != nil {
		set = &known.set
	} else if len(inputs) >= 4 && len(statement) <= 16*len(inputs) {
		local := byteSetOf(statement)
		set = &local
	}
	if set != nil {
		for i := range inputs {
			v := inputs[i].Value
			if v == "" {
				continue
			}
			t := ""
			if taint.Padded(v) {
				t = taint.Trimmed(v) // most texts have none: no call
			}
			if set.holds(coreOf(v, t)) && occursIn(statement, v, t) {
				return analyzeSafe(d, statement, inputs, nil, i, set, known)
			}
		}
		return Result{}
	}
	for i := range inputs {
		if v := inputs[i].Value; v != "" && occurs(statement, v) {
			return analyzeSafe(d, statement, inputs, nil, i, nil, nil)
		}
	}
	return Result{}
}

// occurs reports whether v (not empty), or v trimmed of white space, occurs
// in statement.
func occurs(statement, v string) bool {
	return occursIn(statement, v, taint.Trimmed(v))
}

// occursIn is occurs with t, the trimmed text of v (see [trimmed]).
func occursIn(statement, v, t string) bool {
	if strings.IndexByte(statement, rareOf(coreOf(v, t))) < 0 {
		// a byte of the trimmed text, which both texts contain
		return false
	}
	if len(v) <= len(statement) && strings.Contains(statement, v) {
		return true
	}
	return t != "" && len(t) <= len(statement) && strings.Contains(statement, t)
}

// core returns v's trimmed text (see [trimmed]), or v when it has none:
// a text that v and its trimmed text both contain.
func core(v string) string { return coreOf(v, taint.Trimmed(v)) }

// coreOf is core of v with t, its trimmed text.
func coreOf(v, t string) string {
	if t != "" {
		return t
	}
	return v
}

// rareByte returns the least common byte, in SQL statements, of five
// bytes spread over v's trimmed text (see [trimmed]), or over v when it has
// none. Both v and its trimmed text contain that byte, so a statement
// without it contains neither: one byte scan rules out an input, where a
// substring search that starts at a common byte (the M of Mozilla in FROM)
// stops and compares at every one of them. A few table lookups, whatever
// the length of v, which is not empty.
func rareByte(v string) byte { return rareOf(core(v)) }

// rareOf is rareByte of the text whose core (see [core]) is v.
func rareOf(v string) byte {
	n := len(v)
	smp := [5]byte{v[0], v[n-1], v[n/2], v[n/4], v[n-1-n/4]}
	best := smp[0]
	for _, c := range smp[1:] {
		if sqlCommon[c] < sqlCommon[best] {
			best = c
		}
	}
	return best
}

// sqlCommon ranks bytes by how common they are in SQL statements (higher
// is more common): white space and the punctuation of most statements,
// then the lower-case letters of identifiers and the upper-case ones of
// keywords, digits, and last rare punctuation, control bytes and bytes of
// multi-byte UTF-8 sequences. The ranking only orders the work: any byte
// of the input gives the same answer.
var sqlCommon = func() (t [256]uint8) {
	set := func(s string, v uint8) {
		for i := 0; i < len(s); i++ {
			t[s[i]] = v
		}
	}
	set("!\"#%&+-/:;<>@[\\]^`{|}~", 1)
	set("0123456789", 2)
	set("bfgjkqvwxyzBGJKQVXYZ", 3)
	set("hlpHIPU", 4)
	set("cdmuCDLMW", 5)
	set("aeinorstAENORST", 6)
	set("$'()*,.=?_", 7)
	set(" \t\n\r\f\v", 8)
	return t
}()

// analyzeSafe is analyze behind a recover. Neither the value nor the
// trimmed text of inputs before from occurs in statement; set, when not
// nil, is the set of statement's bytes, and known, when not nil, the
// remembered statement equal to statement (see [statementBytes]).
func analyzeSafe(d Dialect, statement string, inputs []taint.Input, m *taint.Matcher, from int, set *byteSet, known *statementSet) (r Result) {
	defer func() {
		// The scanner never panics by design; this keeps the promise if
		// a bug says otherwise, and reports the check as cut short.
		if p := recover(); p != nil {
			r = Result{Incomplete: true, Occurs: true, Finding: finding(inputs[0], statement, -1, -1, "internal error in the SQL scanner")}
		}
	}()
	return analyze(d, statement, inputs, m, from, set, known)
}

func finding(in taint.Input, stmt string, s, e int, reason string) rasp.Finding {
	return rasp.Finding{Kind: rasp.KindSQLInjection, Input: in, Target: stmt, Start: s, End: e, Reason: reason}
}

// maxModes is the number of lexing modes a check may need: SQLite, two
// PostgreSQL modes and four MySQL combinations (for an invalid Dialect,
// all of them).
const maxModes = 7

type work struct {
	stmt    string
	modes   [maxModes]lexMode
	n       int
	toks    [maxModes][]token // the buffers tokenize fills
	view    [maxModes][]token // the tokens of each mode: toks[i] or a remembered statement's
	ok      [maxModes]bool
	known   *statementSet // the remembered statement equal to stmt, or nil
	done    [maxModes]bool
	scratch []token
	occs    []occ
	budget  int
	depth   int // nesting of code bodies being judged (judgeBody)
}

var workPool = sync.Pool{New: func() any { return new(work) }}

// maxPooledTokens caps the token buffers kept in the pool, so one huge
// statement does not pin its memory forever.
const maxPooledTokens = 1 << 16

func (w *work) release() {
	for i := range w.toks {
		if cap(w.toks[i]) > maxPooledTokens {
			w.toks[i] = nil
		}
		w.toks[i] = w.toks[i][:0]
		w.view[i] = nil
		w.done[i] = false
	}
	if cap(w.scratch) > maxPooledTokens {
		w.scratch = nil
	}
	if cap(w.occs) > maxPooledTokens {
		w.occs = nil
	}
	w.stmt = ""
	w.known = nil
	w.depth = 0
	workPool.Put(w)
}

// setModes lists the lexing modes under which an occurrence must be
// harmless. MySQL's NO_BACKSLASH_ESCAPES and ANSI_QUOTES only matter when
// the statement has a backslash or a double quote, so the combinations
// that cannot lex differently are skipped. set, when not nil, is the set
// of stmt's bytes, which says so without a scan.
func (w *work) setModes(d Dialect, stmt string, set *byteSet) {
	w.n = 0
	switch d.Engine() {
	case DialectSQLite:
		w.add(lexMode{engine: DialectSQLite})
	case DialectPostgres:
		w.add(lexMode{engine: DialectPostgres, backslash: d&PostgresLegacyStrings != 0})
	case DialectMySQL:
		w.mysqlModes(d, stmt, set)
	default:
		// Unknown engine: harmless only if harmless everywhere.
		w.add(lexMode{engine: DialectSQLite})
		w.add(lexMode{engine: DialectPostgres})
		w.add(lexMode{engine: DialectPostgres, backslash: true})
		w.mysqlModes(DialectMySQL, stmt, set)
	}
}

func (w *work) add(m lexMode) { w.modes[w.n] = m; w.n++ }

// mysqlModes adds the MySQL modes of setModes.
func (w *work) mysqlModes(d Dialect, stmt string, set *byteSet) {
	has := func(c byte) bool {
		if set != nil {
			return set.bytes[c>>6]&(1<<(c&63)) != 0
		}
		return strings.IndexByte(stmt, c) >= 0
	}
	bs, nb := [2]bool{true, false}, 1
	switch {
	case d&NoBackslashEscapes != 0:
		bs[0] = false
	case d&BackslashEscapes != 0:
	case has('\\'):
		nb = 2
	}
	aq, na := [2]bool{false, true}, 1
	switch {
	case d&ANSIQuotes != 0:
		aq[0] = true
	case d&NoANSIQuotes != 0:
	case has('"'):
		na = 2
	}
	for _, b := range bs[:nb] {
		for _, a := range aq[:na] {
			w.add(lexMode{engine: DialectMySQL, backslash: b, ansi: a})
		}
	}
}

// tokens returns the tokens of the statement under mode i, and whether it
// lexes, tokenizing it on first use: for a remembered statement (see
// [statementBytes]), once per process, not once per check.
func (w *work) tokens(i int) ([]token, bool) {
	if !w.done[i] {
		w.done[i] = true
		if c := w.known.tokens(w.modes[i]); c != nil {
			// the tokens of an equal text under the same mode
			w.view[i], w.ok[i] = c.toks, c.ok
			w.budget -= len(c.toks)
			return w.view[i], w.ok[i]
		}
		if est := tokenEstimate(w.stmt); cap(w.toks[i]) < est {
			// one allocation for most statements instead of a chain of
			// doublings (statements average well over 8 bytes a token)
			w.toks[i] = make([]token, 0, est)
		}
		w.toks[i], w.ok[i] = tokenize(w.toks[i][:0], w.stmt, w.modes[i])
		w.view[i] = w.toks[i]
		w.budget -= len(w.toks[i])
		w.known.keepTokens(w.modes[i], w.toks[i], w.ok[i])
	}
	return w.view[i], w.ok[i]
}

// occ is one occurrence to judge: input index, whether of the trimmed
// text, and its span.
type occ struct {
	in      int32
	trimmed bool
	s, e    int32
}

func analyze(d Dialect, stmt string, inputs []taint.Input, m *taint.Matcher, from int, set *byteSet, known *statementSet) Result {
	w := workPool.Get().(*work)
	defer w.release()
	w.stmt = stmt
	w.known = known
	w.budget = MaxWork
	w.setModes(d, stmt, set)
	res := Result{Occurs: true}
	if m != nil {
		// One pass for every input; the occurrences are judged input by
		// input (value, then trimmed text), each in statement order, as
		// the direct search does, so both report the same first finding.
		w.budget -= len(stmt)
		occs := w.occs[:0]
		cut := -1
		m.Find(stmt, func(o taint.Occurrence) bool {
			if w.budget -= occurrenceCost; w.budget <= 0 {
				cut = o.Input
				return false
			}
			occs = append(occs, occ{int32(o.Input), o.Trimmed, int32(o.Start), int32(o.End)})
			return true
		})
		w.occs = occs
		if cut >= 0 {
			return w.limit(inputs[cut], -1, -1)
		}
		if len(occs) == 0 {
			return Result{}
		}
		slices.SortFunc(occs, func(a, b occ) int {
			if c := cmp.Compare(a.in, b.in); c != 0 {
				return c
			}
			if a.trimmed != b.trimmed {
				if a.trimmed {
					return 1
				}
				return -1
			}
			return cmp.Compare(a.s, b.s)
		})
		for _, o := range occs {
			in := inputs[o.in]
			v := in.Value
			if o.trimmed {
				v = taint.Trimmed(v)
			}
			if stop, r := w.visit(in, v, int(o.s)); stop {
				return r
			}
		}
		return res
	}
	for k := range inputs {
		v := inputs[k].Value
		if v == "" {
			continue
		}
		t := ""
		if taint.Padded(v) {
			t = taint.Trimmed(v) // most texts have none: no call
		}
		// With the statement's bytes at hand, the inputs after from are
		// ruled out by them before any substring search: a request's few
		// occurring inputs are searched for their every occurrence, the
		// others cost a few lookups.
		if k < from || k > from && set != nil && !set.holds(coreOf(v, t)) {
			// known not to occur: the search is skipped, not its cost,
			// so MaxWork ends a check where it always did
			if len(v) <= len(stmt) {
				w.budget -= len(stmt)
			}
			if t != "" && len(t) <= len(stmt) {
				w.budget -= len(stmt)
			}
			continue
		}
		for _, v := range [2]string{v, t} {
			if v == "" || len(v) > len(stmt) {
				continue
			}
			w.budget -= len(stmt)
			for off := 0; off <= len(stmt)-len(v); {
				j := strings.Index(stmt[off:], v)
				if j < 0 {
					break
				}
				off += j + 1
				w.budget -= occurrenceCost
				if stop, r := w.visit(inputs[k], v, off-1); stop {
					return r
				}
			}
		}
	}
	return res
}

// reasonLimit is the reason of a check stopped by MaxWork.
const reasonLimit = "work limit reached before every occurrence of the input was judged"

// limit is the result of a check stopped by MaxWork: an injection, since
// the occurrences not judged are not cleared.
func (w *work) limit(in taint.Input, s, e int) Result {
	return Result{Finding: finding(in, w.stmt, s, e, reasonLimit), Injection: true, Incomplete: true, Occurs: true}
}

// visit judges the occurrence of v (an input's text) at s under every
// lexing mode. It returns stop with the final result when the check is
// over: an injection, or the work budget exhausted.
func (w *work) visit(in taint.Input, v string, s int) (bool, Result) {
	e := s + len(v)
	if w.budget <= 0 {
		return true, w.limit(in, s, e)
	}
	punct := punctOnly(v)
	for m := 0; m < w.n; m++ {
		toks, ok := w.tokens(m)
		if reason := w.judge(toks, ok, w.modes[m], s, e, punct); reason != "" {
			if in.IsKey && reason == reasonColumns {
				// A parameter's name that is one column reference of the
				// application's own comparison (?feed_id=1 beside ON
				// f.id = e.feed_id): an API names its parameters after
				// its columns. A key that supplies more than a name is
				// judged by the other rules.
				continue
			}
			return true, Result{Finding: finding(in, w.stmt, s, e, reason), Injection: true, Occurs: true}
		}
		if w.budget <= 0 {
			return true, w.limit(in, s, e)
		}
	}
	return false, Result{}
}

// punctOnly reports whether v is made only of quote, comment, punctuation
// and space characters: such an input is judged by the balance test (and
// by whether it both ends a token and opens a comment or a new statement),
// so a lone ' or -- that merely equals the template's own is no finding.
func punctOnly(v string) bool {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\'', '"', '`', '[', ']', '$', '\\', '-', '/', '*', '#', ';', ',', '(', ')', '.', ' ', '\t', '\n', '\r', '\f', '\v':
		default:
			return false
		}
	}
	return true
}

func delimited(t Token) bool {
	return t == STRING || t == BLOB || t == QIDENT || t == COMMENT || t == ILLEGAL
}

// Reasons, one short sentence each.
const (
	reasonDelimiter  = "input covers the delimiter of a literal, quoted identifier or comment"
	reasonEscape     = "input ends in a backslash that escapes the closing quote of its literal"
	reasonComment    = "input opens or closes a comment"
	reasonSeparator  = "input contains a statement separator"
	reasonTokens     = "input spans several tokens including a keyword, operator, function or parenthesis"
	reasonValues     = "input spans several values that do not form a list"
	reasonBalance    = "input leaves a literal or comment unterminated or parentheses unbalanced"
	reasonTautology  = "input is an identifier compared with itself"
	reasonNiladic    = "input is a session function standing for a value"
	reasonPunctSplit = "input ends a literal, or ends a token and starts a comment or a new statement"
)

// judge decides one occurrence [s, e) under one lexing mode; it returns a
// reason for an injection or "".
func (w *work) judge(toks []token, ok bool, m lexMode, s, e int, punct bool) string {
	if !ok {
		// The balance test: the statement does not lex or balance; does
		// it with this occurrence replaced by a plain literal?
		w.budget -= len(w.stmt)
		fixed := w.stmt[:s] + "1" + w.stmt[e:]
		var good bool
		w.scratch, good = tokenize(w.scratch[:0], fixed, m)
		if good {
			return reasonBalance
		}
	}
	// Token offsets are int32: a statement that is tokenized is shorter
	// than MaxWork (see visit).
	s32, e32 := int32(s), int32(e)
	i, hi := 0, len(toks) // the first token that ends after s
	for i < hi {
		mid := int(uint(i+hi) >> 1)
		if toks[mid].end > s32 {
			hi = mid
		} else {
			i = mid + 1
		}
	}
	j := i
	for j < len(toks) && toks[j].pos < e32 {
		j++
	}
	cov := toks[i:j] // tokens the occurrence touches
	w.budget -= len(cov)

	var (
		nonSpace, whole, strong int
		first                   = -1
		allWhole                = true
		delimHit, commentHit    bool
		semi                    bool
	)
	for k := range cov {
		t := &cov[k]
		if t.tok() == SPACE {
			continue
		}
		nonSpace++
		if first < 0 {
			first = k
		}
		isWhole := t.pos >= s32 && t.end <= e32
		if !isWhole {
			allWhole = false
		}
		switch t.tok() {
		case EXECOPEN, EXECCLOSE:
			commentHit = true
		case SEMI:
			semi = true
		}
		if delimited(t.tok()) && t.open > 0 {
			lo, hi := max(s32, t.pos), min(e32, t.end)
			if lo < t.pos+t.open || t.close > 0 && hi > t.end-t.close {
				if t.tok() == COMMENT {
					commentHit = true
				} else if !isWhole {
					// a whole literal is a value; only a part of one
					// with its delimiter is a break-out
					delimHit = true
				}
			}
		}
		if isWhole && t.tok() != COMMA { // commas are punctuation
			whole++
			if w.strongToken(toks, i+k, *t) {
				strong++
			}
		}
	}

	if punct {
		if nonSpace >= 2 && (commentHit || semi || delimHit) {
			return reasonPunctSplit
		}
		return ""
	}

	// 1. Harmless shapes.
	if nonSpace == 1 {
		t := cov[first]
		if delimited(t.tok()) && t.tok() != ILLEGAL && s32 >= t.pos+t.open && e32 <= t.end-t.close && (t.close > 0 || t.tok() == COMMENT) {
			if t.esc && escapesQuote(w.stmt, t, e) {
				return reasonEscape
			}
			if t.tok() == COMMENT && (strings.Contains(w.stmt[s:e], "*/") || strings.Contains(w.stmt[s:e], "/*")) {
				return reasonComment
			}
			if t.tok() == QIDENT && s32 == t.pos+t.open && e32 == t.end-t.close {
				// the whole name of a quoted identifier: a column
				// reference, judged by its role
				return w.valueSlot(toks, i+first, t, m)
			}
			if t.tok() == STRING && m.engine == DialectPostgres && w.stmt[t.pos] == '$' && w.codeBody(toks, i+first) {
				return w.judgeBody(t, m, s, e)
			}
			return ""
		}
	}
	if nonSpace > 0 && allWhole && w.listShape(cov) {
		// A lone identifier is a list of one, but rule 3 still applies.
		if whole == 1 && nonSpace == 1 {
			return w.valueSlot(toks, i+first, cov[first], m)
		}
		return w.namesRole(toks, i, cov, m)
	}

	// 2. Injection.
	switch {
	case delimHit && (nonSpace >= 2 || !ok):
		// A lone literal touched at one delimiter, in a statement that
		// lexes, is still one literal: the input supplied a quote the
		// template balances (LIKE '%' + '%'' + ...), not a break-out; a
		// real break-out touches what follows the literal too.
		return w.named(reasonDelimiter, toks, i, cov, s, e)
	case commentHit:
		return reasonComment
	case semi:
		return reasonSeparator
	case whole >= 2 && strong > 0:
		return w.named(reasonTokens, toks, i, cov, s, e)
	case whole >= 2:
		// Between the rules: identifiers and literals only, and not a
		// list. Most such texts are syntax errors or add an alias, but
		// non-reserved keywords carry grammar in places (SET GLOBAL x,
		// AT TIME ZONE): security wins.
		return reasonValues
	}

	// 3. Value-slot tautologies.
	if whole == 1 && nonSpace == 1 {
		t := cov[first]
		if r := w.valueSlot(toks, i+first, t, m); r != "" {
			return r
		}
	}
	// 4. Harmless otherwise.
	return ""
}

// named makes reason specific to the occurrence [s, e): the kind of
// literal whose delimiter it covers, and the first keyword, operator or
// function it adds after it ("input closes a string literal and adds OR").
// cov are the tokens the occurrence touches, from toks[i]. It runs only on
// findings.
func (w *work) named(reason string, toks []token, i int, cov []token, s, e int) string {
	what, after := "", int32(s)
	s32, e32 := int32(s), int32(e)
	for _, t := range cov {
		if !delimited(t.tok()) || t.open == 0 || t.tok() == ILLEGAL {
			continue
		}
		kind := map[Token]string{STRING: "a string literal", BLOB: "a blob literal", QIDENT: "a quoted identifier", COMMENT: "a comment"}[t.tok()]
		switch {
		case t.close > 0 && s32 <= t.end-t.close && e32 >= t.end:
			what, after = "closes "+kind, t.end
		case s32 <= t.pos && e32 >= t.pos+t.open:
			what, after = "opens "+kind, t.pos
		default:
			continue
		}
		break
	}
	added := ""
	for k, t := range cov {
		if t.pos < after || t.pos < s32 || t.end > e32 || t.tok() == SPACE {
			continue
		}
		if w.strongToken(toks, i+k, t) {
			// A word (OR, UNION, SLEEP) says more than punctuation: the
			// first one wins, else the first operator or parenthesis.
			text := w.stmt[t.pos:t.end]
			word := text[0]|0x20 >= 'a' && text[0]|0x20 <= 'z'
			if added == "" || word {
				added = strings.ToUpper(text)
				if len(added) > 24 {
					added = added[:24] + "..."
				}
			}
			if word {
				break
			}
		}
	}
	switch {
	case what != "" && added != "":
		return "input " + what + " and adds " + added
	case what != "":
		return "input " + what
	case added != "":
		return "input spans several tokens and adds " + added
	}
	return reason
}

// escapesQuote reports whether the body of the literal t, cut at e, ends
// in an odd run of backslashes that escapes the literal's quote at e.
func escapesQuote(src string, t token, e int) bool {
	if e >= int(t.end-t.close) {
		// the escaped byte would be the closing quote itself: impossible
		// in a terminated literal, but keep the check total.
		return false
	}
	q := src[t.pos+t.open-1]
	if src[e] != q {
		return false
	}
	n := 0
	for k := e - 1; k >= int(t.pos+t.open) && src[k] == '\\'; k-- {
		n++
	}
	return n%2 == 1
}

// strongToken reports whether a wholly covered token carries grammar: a
// keyword, operator, function name, parenthesis, comment or stray byte.
func (w *work) strongToken(toks []token, k int, t token) bool {
	switch t.tok() {
	case OP:
		// a dot joins names (t.col, db..t); it adds no grammar
		return w.stmt[t.pos:t.end] != "."
	case LPAREN, RPAREN, SEMI, COMMENT, EXECOPEN, EXECCLOSE, ILLEGAL:
		return true
	case IDENT:
		lit := w.stmt[t.pos:t.end]
		if wordIs(lit, "NULL") || wordIs(lit, "TRUE") || wordIs(lit, "FALSE") {
			return false // literals
		}
		if isKeyword(lit) {
			return true
		}
		// a function name: an identifier followed by (
		for n := k + 1; n < len(toks); n++ {
			if toks[n].tok() == SPACE || toks[n].tok() == COMMENT {
				continue
			}
			return toks[n].tok() == LPAREN
		}
	}
	return false
}

// listShape reports whether cov (all wholly covered) is a list of items
// separated by commas, where an item is a literal (a number with an
// optional sign, a string, NULL, TRUE, FALSE, a placeholder) or a possibly
// qualified identifier with an optional ASC or DESC.
func (w *work) listShape(cov []token) bool {
	k := 0
	skip := func() {
		for k < len(cov) && cov[k].tok() == SPACE {
			k++
		}
	}
	lit := func(t token) string { return w.stmt[t.pos:t.end] }
	for {
		skip()
		if k >= len(cov) {
			return false
		}
		t := cov[k]
		switch {
		case t.tok() == OP && (lit(t) == "-" || lit(t) == "+"):
			k++
			skip()
			if k >= len(cov) || cov[k].tok() != NUMBER {
				return false
			}
			k++
		case t.tok() == NUMBER || t.tok() == STRING || t.tok() == BLOB || t.tok() == PARAM:
			k++
		case t.tok() == IDENT && (wordIs(lit(t), "NULL") || wordIs(lit(t), "TRUE") || wordIs(lit(t), "FALSE")):
			k++
		case t.tok() == IDENT && !isKeyword(lit(t)) || t.tok() == QIDENT || t.tok() == OP && lit(t) == "." && k+1 < len(cov) && (cov[k+1].tok() == IDENT || cov[k+1].tok() == QIDENT):
			// a possibly qualified name, or a fragment of one (".user_id",
			// "v."): dots join names, they add no grammar
			if t.tok() == OP {
				k++
			}
			k++
			for k < len(cov) && cov[k].tok() == OP && lit(cov[k]) == "." {
				k++
				if k < len(cov) && (cov[k].tok() == IDENT || cov[k].tok() == QIDENT) {
					k++
				}
			}
			skip()
			if k < len(cov) && cov[k].tok() == IDENT && (wordIs(lit(cov[k]), "ASC") || wordIs(lit(cov[k]), "DESC")) {
				k++
			}
		default:
			return false
		}
		skip()
		if k >= len(cov) {
			return true
		}
		if cov[k].tok() != COMMA {
			return false
		}
		k++
	}
}

// valueSlot applies rule 3 to a lone wholly covered token: a session
// function standing for a value, or a column reference by its role.
func (w *work) valueSlot(toks []token, k int, t token, m lexMode) string {
	if t.tok() != IDENT && t.tok() != QIDENT {
		return ""
	}
	lit := w.stmt[t.pos:t.end]
	prev := significant(toks, k, -1)
	if t.tok() == IDENT && niladic(m.engine, lit) && prev >= 0 {
		p := toks[prev]
		pl := w.stmt[p.pos:p.end]
		if p.tok() == OP && pl != "." || p.tok() == LPAREN || p.tok() == COMMA ||
			p.tok() == IDENT && (wordIs(pl, "IS") || wordIs(pl, "LIKE") || wordIs(pl, "IN") || wordIs(pl, "VALUES") ||
				wordIs(pl, "THEN") || wordIs(pl, "ELSE") || wordIs(pl, "WHEN") || wordIs(pl, "AND") || wordIs(pl, "OR") ||
				wordIs(pl, "NOT") || wordIs(pl, "BETWEEN")) {
			return reasonNiladic
		}
	}
	if !w.suppliedColumn(toks, k, t, m) {
		return ""
	}
	lo, hi := w.chainAround(toks, k)
	if hi != k {
		return "" // a qualifier only: a name where a name belongs
	}
	if f := significant(toks, hi, +1); f >= 0 && toks[f].tok() == LPAREN {
		return "" // a function name
	}
	return w.columnRole(toks, lo, hi)
}

func (w *work) comparison(t token) bool {
	l := w.stmt[t.pos:t.end]
	switch t.tok() {
	case OP:
		switch l {
		case "=", "==", "<>", "!=", "<=>", "<=", ">=":
			return true
		}
	case IDENT:
		return wordIs(l, "IS") || wordIs(l, "LIKE") || wordIs(l, "GLOB") || wordIs(l, "ILIKE")
	}
	return false
}

// significant returns the index of the nearest token from k in direction
// dir that is neither space nor comment, or -1.
func significant(toks []token, k, dir int) int {
	for n := k + dir; n >= 0 && n < len(toks); n += dir {
		if toks[n].tok() != SPACE && toks[n].tok() != COMMENT {
			return n
		}
	}
	return -1
}

// tokenEstimate sizes a token buffer for stmt in one allocation for most
// statements. Short statements average well over 8 bytes a token. For long
// ones (bulk INSERTs, long OR chains, IN lists) the count of spaces and
// commas, two SIMD scans, predicts the count closely (a token and its
// separator each), where a fixed ratio either wastes tens of megabytes on
// a bulk INSERT of long values or regrows on a chain of short tokens;
// tokenize doubles a buffer that is still short.
func tokenEstimate(stmt string) int {
	n := len(stmt)
	if n <= 4<<10 {
		return n/8 + 16
	}
	return min(n, 2*(strings.Count(stmt, " ")+strings.Count(stmt, ","))+n/32) + 16
}
