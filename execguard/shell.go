package execguard

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
	"mvdan.cc/sh/v3/syntax"
)

// Limits checked with a byte scan before a script is parsed. The parser of
// mvdan.cc/sh has no limits of its own and recurses once per nesting level
// (and once per operand of some binary operators), so a deep or huge script
// grows the goroutine stack until the runtime kills the process, which no
// recover can catch. Measured with v3.13.1, the version go.mod requires:
// 2,000 nested "(" take about 8 MB of stack and 50,000 "a && " inside [[ ]]
// about 33 MB, so these limits keep one parse under about 10 MB of stack
// and a few milliseconds.
const (
	// MaxScriptLen is the longest script parsed, in bytes. Scripts built
	// from request values are a few hundred bytes; 64 KiB leaves room for
	// generated ones.
	MaxScriptLen = 64 << 10
	// MaxNesting is the deepest nesting of "(", "{", "$(", "${" and
	// backquotes parsed (counted without regard to quoting, so it may
	// over-count).
	MaxNesting = 64
	// maxShellDepth bounds scripts inside scripts (sh -c 'sh -c "..."'),
	// each of which is parsed in turn.
	maxShellDepth = 4
	// maxScripts bounds the scripts one check parses: a script of many
	// "eval X" or "sh -c X" commands would otherwise cost a parse each.
	maxScripts = 32
)

// work is the budget of one check: the nesting depth of the script being
// checked, and the scripts left to parse, shared by every nested check. The
// zero work gets its counter from the first checkShell, on that call's
// stack, so that a check allocates nothing for it.
type work struct {
	depth int
	left  *int
	// trimmed: the inputs already hold the values trimmed of white space
	// ([withTrimmed]).
	trimmed bool
}

func (w work) next() work { return work{depth: w.depth + 1, left: w.left, trimmed: w.trimmed} }

// spend takes one script from the budget.
func (w work) spend() bool {
	if *w.left <= 0 {
		return false
	}
	*w.left--
	return true
}

// errIncomplete reports a check that could not finish: the script does not
// parse in any variant even without the request's inputs, or the parser
// failed. It becomes a fault (fail-open or fail-closed), never a finding.
var errIncomplete = errors.New("execguard: script cannot be parsed with or without the request's inputs")

// errLimit reports a script over [MaxScriptLen] or [MaxNesting] in which no
// input occurs.
var errLimit = errors.New("execguard: script over the parse limits")

// hit is a finding before it is placed in a target: the offending input and
// its span in the text that was checked (a script, or one argv element).
type hit struct {
	kind   string
	in     taint.Input
	elem   int // argv element, or -1 for a script
	s, e   int // byte span in the script or element; -1, -1 when not verbatim
	reason string
	rule   string
}

// context classes of a literal region of a parsed script.
type qctx uint8

const (
	ctxUnquoted     qctx = iota // literal part of an unquoted word
	ctxDouble                   // inside "..."
	ctxSingle                   // inside '...'
	ctxDollarSingle             // inside $'...' (Bash)
	ctxComment                  // inside a # comment
	ctxHdoc                     // here-document body with expansions
	ctxHdocQuoted               // here-document body without expansions
	ctxArith                    // arithmetic expression
)

// region is a span of a script in which request text can sit without
// changing the script's syntax, provided the text obeys the rules of ctx.
// Text anywhere else (operators, names, the quotes themselves) is syntax.
type region struct {
	start, end int
	ctx        qctx
	wordStart  int  // start of the enclosing word, -1 if none
	braces     bool // the enclosing literal holds a '{' (Bash brace expansion)
}

// call is one simple command of a script, with the literal value of each
// word where the word's value is its source text verbatim.
type call struct {
	args []string
	offs []int // script offset of args[i]'s value, -1 when not verbatim
	// assigns are the NAME=value prefixes of the command.
	assigns []assign
	// expr is the parsed command, for the literal-word analysis that
	// [checkRegions] does on demand.
	expr *syntax.CallExpr
	// pending: args, offs and assigns are not filled in yet (see
	// [collector.fill]); the region rules, which most findings come from,
	// need only expr.
	pending bool
}

type assign struct {
	name     string
	value    string
	valueOff int // -1 when not verbatim
}

type parsed struct {
	regions []region
	calls   []call
}

// Parser variants: POSIX, Bash, and Bash recovering from missing tokens
// (an unclosed quote or parenthesis), used only on scripts that parse in
// no variant even without the request's inputs.
const (
	variantPOSIX = iota
	variantBash
	variantRecover
)

// maxRecovered bounds the missing tokens the recovering parser invents.
const maxRecovered = 8

// pooledParser is a reusable parser with the reader it parses from: a
// Parser resets its state at the start of each Parse, so one value serves
// any number of parses, one at a time.
type pooledParser struct {
	p *syntax.Parser
	r strings.Reader
}

var parserPools = [3]sync.Pool{
	{New: func() any {
		return &pooledParser{p: syntax.NewParser(syntax.Variant(syntax.LangPOSIX), syntax.KeepComments(true))}
	}},
	{New: func() any {
		return &pooledParser{p: syntax.NewParser(syntax.Variant(syntax.LangBash), syntax.KeepComments(true))}
	}},
	{New: func() any {
		return &pooledParser{p: syntax.NewParser(syntax.Variant(syntax.LangBash), syntax.KeepComments(true), syntax.RecoverErrors(maxRecovered))}
	}},
}

// parse parses script in variant v. A parser panic is turned into an
// error.
func parse(script string, v int) (f *syntax.File, err error) {
	script = validUTF8(script)
	pp := parserPools[v].Get().(*pooledParser)
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, errIncomplete
			return // a parser that panicked is not reused
		}
		pp.r.Reset("")
		parserPools[v].Put(pp)
	}()
	pp.r.Reset(script)
	return pp.p.Parse(&pp.r, "")
}

// validUTF8 replaces each byte of an invalid UTF-8 sequence with "x". The
// parser rejects invalid UTF-8, while shells read such bytes as word
// characters like any other non-ASCII byte; one byte for one keeps every
// offset.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := []byte(s)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			b[i] = 'x'
		}
		i += n
	}
	return string(b)
}

// overLimits reports whether script is longer than [MaxScriptLen] or nests
// deeper than [MaxNesting], with one pass over its bytes.
func overLimits(script string) bool {
	if len(script) > MaxScriptLen {
		return true
	}
	// The depth is at most the number of openers: count them first (a
	// vectorised count) and scan only when there are enough.
	if len(script) <= MaxNesting || strings.Count(script, "(")+strings.Count(script, "{")+strings.Count(script, "`") <= MaxNesting {
		return false
	}
	depth := 0
	for i := 0; i < len(script); i++ {
		switch script[i] {
		case '(', '{', '`':
			depth++
			if depth > MaxNesting {
				return true
			}
		case ')', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return false
}

// occurs reports whether any input with a checkable value occurs in s, as
// sent or trimmed of white space ([trimmedIn]).
func occurs(s string, inputs []taint.Input) bool {
	if len(inputs) >= minSetInputs && len(s) <= setBytesPerInput*len(inputs) {
		return occursSet(s, inputs)
	}
	// A value whose last byte is nowhere in s cannot occur in it: one
	// vectorised byte search rejects most absent values at once, where
	// strings.Contains searches for the first byte and compares at each
	// match, which costs most when a value starts with a letter the text
	// is full of. A value of one byte needs no other search.
	for i := range inputs {
		v := inputs[i].Value
		n := len(v)
		if n == 0 {
			continue
		}
		if n > len(s) || strings.IndexByte(s, v[n-1]) < 0 || n > 1 && !strings.Contains(s, v) {
			if taint.Padded(v) && trimmedIn(s, v) {
				return true
			}
			continue
		}
		if checkable(v) {
			return true
		}
	}
	return false
}

// trimmedIn reports whether v trimmed of white space, as strings.TrimSpace
// trims it, is other than v and occurs in s: applications trim values
// before they use them.
func trimmedIn(s, v string) bool {
	t := taint.Trimmed(v)
	return t != "" && strings.Contains(s, t) && checkable(t)
}

// When to look values up in the classes of s's bytes ([occursSet]) rather
// than search s once per value (the loop in [occurs]): the classes cost
// about one cycle per byte of s (32 ns of CPU for a 100-byte script on a
// loaded 2.8 GHz Xeon), one vectorised search of the same script about
// 8 ns. Measured with BenchmarkCheckShell: at five values the searches
// are still 5 % faster (absent), the set 5 % faster where the values'
// end bytes occur (absent-shared-bytes); from eight values on the set
// wins outright (absent-many, 21 values: 16 % less CPU than the [256]bool
// set it replaced). Requests carry their headers and cookies as inputs,
// so 10 to 30 values is common.
const (
	minSetInputs     = 8
	setBytesPerInput = 16
)

// trimClasses are the classes of the bytes [taint.Padded] looks for: a
// value whose end bytes have none of them is its own trimmed text.
var trimClasses = func() (c uint64) {
	for b := range 256 {
		if taint.Padded(string([]byte{byte(b)})) {
			c |= byteClass[b]
		}
	}
	return c
}()

// byteClass maps each byte to one bit of a 64-bit set. The bytes of shell
// scripts and request values have a bit each (lower-case letters, digits,
// blank, "-", ".", "/", "_", "="); upper-case letters go two to a bit,
// rarer punctuation a few to a bit, and all non-ASCII bytes to one.
var byteClass = func() (t [256]uint64) {
	bit := uint64(1 << 63) // what no other group names
	for b := range t {
		t[b] = bit
	}
	next := uint(0)
	group := func(bytes string) {
		for i := 0; i < len(bytes); i++ {
			t[bytes[i]] = 1 << next
		}
		next++
	}
	for c := byte('a'); c <= 'z'; c++ {
		group(string(c))
	}
	for c := byte('0'); c <= '9'; c++ {
		group(string(c))
	}
	for c := byte('A'); c <= 'Z'; c += 2 {
		group(string([]byte{c, c + 1}))
	}
	for _, g := range []string{" ", "-", ".", "/", "_", "=", `'"`, "&|;", "<>", "$`\\", "()[]{}", ":,", "\t\n\r"} {
		group(g)
	}
	for b := 0x80; b < 0x100; b++ {
		t[b] = 1 << next
	}
	return t
}()

// classesOf returns the set of the classes of s's bytes.
func classesOf(s string) uint64 {
	var c0, c1, c2, c3 uint64
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := s[i : i+8]
		c0 |= byteClass[w[0]] | byteClass[w[4]]
		c1 |= byteClass[w[1]] | byteClass[w[5]]
		c2 |= byteClass[w[2]] | byteClass[w[6]]
		c3 |= byteClass[w[3]] | byteClass[w[7]]
	}
	for ; i < len(s); i++ {
		c0 |= byteClass[s[i]]
	}
	return c0 | c1 | c2 | c3
}

// occursSet is occurs for many values in a short text: one pass over s
// records the classes of the bytes it holds, and a value with a byte of
// another class cannot occur in it. Its first, middle and last bytes are
// looked up first, then the rest, which rejects most absent values with a
// few lookups and no search.
func occursSet(s string, inputs []taint.Input) bool {
	set := classesOf(s)
next:
	for k := range inputs {
		v := inputs[k].Value
		n := len(v)
		if n == 0 {
			continue
		}
		// ends: the classes of the end bytes, where trimming starts.
		ends := byteClass[v[0]] | byteClass[v[n-1]]
		if n > len(s) || (ends|byteClass[v[n/2]])&^set != 0 {
			if ends&trimClasses != 0 && trimmedIn(s, v) {
				return true
			}
			continue
		}
		for j := 1; j < n-1; j++ {
			if byteClass[v[j]]&^set != 0 {
				if ends&trimClasses != 0 && trimmedIn(s, v) {
					return true
				}
				continue next
			}
		}
		if strings.Contains(s, v) && checkable(v) || ends&trimClasses != 0 && trimmedIn(s, v) {
			return true
		}
	}
	return false
}

// checkable reports whether v is worth looking for: empty values and values
// made only of blanks can only move hard-coded words apart, never add text.
func checkable(v string) bool {
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case ' ', '\t', '\n':
		default:
			return true
		}
	}
	return false
}

// CheckShell reports whether a request input changes the syntax of a shell
// script, as run by sh -c or bash -c: the first offending input, with its
// span in the script, as a [rasp.Finding] of kind
// [rasp.KindShellInjection] (or [rasp.KindCommandInjection] when the input
// names the program a command of the script runs, or lands in a dangerous
// variable's value or in interpreter code). The argv rules, the option
// rule included, apply to every simple command of the script, with its
// words after quote removal as the argv. See the package documentation for
// the rules.
func CheckShell(script string, inputs []taint.Input) (rasp.Finding, bool) {
	if occurs(script, inputs) {
		return defaultGuard.checkShellPure(script, inputs)
	}
	return rasp.Finding{}, false
}

// CheckShell is [CheckShell] with the guard's configuration.
func (g *Guard) CheckShell(script string, inputs []taint.Input) (rasp.Finding, bool) {
	// The common case, no input in the script, is this search alone: the
	// limits matter only for faults.
	if occurs(script, inputs) {
		return g.checkShellPure(script, inputs)
	}
	return rasp.Finding{}, false
}

// checkShellPure is CheckShell once an input occurs in the script.
func (g *Guard) checkShellPure(script string, inputs []taint.Input) (f rasp.Finding, found bool) {
	defer noPanic(&f, &found)
	h, ok, _ := g.checkOccurring(script, withTrimmed(script, inputs), work{trimmed: true}, false)
	if !ok {
		return rasp.Finding{}, false
	}
	h.in = untrimmed(h.in, inputs)
	return h.finding(script), true
}

// noPanic keeps a panic inside the pure checks from reaching the caller:
// the check reports no finding. The guards run the checks under
// [github.com/gorasp/rasp/guard.Recover] instead, which reports the panic
// as a fault.
func noPanic(f *rasp.Finding, found *bool) {
	if recover() != nil {
		*f, *found = rasp.Finding{}, false
	}
}

func (h hit) finding(target string) rasp.Finding {
	return rasp.Finding{Kind: h.kind, Input: h.in, Target: target, Start: h.s, End: h.e, Reason: h.reason}
}

// checkShell is the core of CheckShell. zsh adds zsh's extra unquoted
// metacharacters. The error reports an incomplete check (no finding).
func (g *Guard) checkShell(script string, inputs []taint.Input, w work, zsh bool) (h hit, found bool, err error) {
	if !w.trimmed {
		all := withTrimmed(script, inputs)
		w.trimmed = true
		if len(all) > len(inputs) {
			defer func() { h.in = untrimmed(h.in, inputs) }()
		}
		inputs = all
	}
	if !occurs(script, inputs) {
		if overLimits(script) {
			return hit{}, false, errLimit
		}
		return hit{}, false, nil
	}
	return g.checkOccurring(script, inputs, w, zsh)
}

// withTrimmed returns inputs followed, for each value with white space at
// either end that script does not hold as sent, by a copy holding the
// value as strings.TrimSpace leaves it: applications trim values before
// they build a script, and the script then holds only the trimmed text. (A
// script that holds the value as sent was built from it, and its shorter
// trimmed text would only add coincidences.) It returns inputs itself when
// there is no such value.
func withTrimmed(script string, inputs []taint.Input) []taint.Input {
	if !blankEnds(inputs) {
		return inputs
	}
	out := inputs[:len(inputs):len(inputs)]
	for _, in := range inputs {
		if !taint.Padded(in.Value) || strings.Contains(script, in.Value) {
			continue
		}
		if t := taint.Trimmed(in.Value); t != "" {
			in.Value = t
			out = append(out, in)
		}
	}
	return out
}

// untrimmed returns the input of inputs that in is the trimmed copy of
// ([withTrimmed]), or in itself: events name the input as it was sent.
func untrimmed(in taint.Input, inputs []taint.Input) taint.Input {
	for _, o := range inputs {
		if o == in {
			return in
		}
	}
	for _, o := range inputs {
		if o.Source == in.Source && o.Key == in.Key && o.IsKey == in.IsKey && taint.Trimmed(o.Value) == in.Value {
			return o
		}
	}
	return in
}

// checkOccurring is checkShell once an input occurs in the script.
func (g *Guard) checkOccurring(script string, inputs []taint.Input, w work, zsh bool) (h hit, found bool, err error) {
	if overLimits(script) {
		in, s, e := firstOccurrence(script, inputs)
		return hit{kind: rasp.KindShellInjection, in: in, elem: -1, s: s, e: e, rule: "limit",
			reason: "script with request input exceeds the parse limits (length or nesting)"}, true, nil
	}
	var left int // the budget of a top-level check, on this frame
	if w.left == nil {
		left = maxScripts
		w.left = &left
	}
	if w.depth > maxShellDepth || !w.spend() {
		return hit{}, false, errIncomplete
	}
	if !zsh {
		switch h, v := g.fastCheck(script, inputs, w); v {
		case fastClear:
			return hit{}, false, nil
		case fastFlag:
			return h, true, nil
		}
	}
	return g.checkShellSlow(script, inputs, w, zsh)
}

// checkShellSlow parses the script in both variants (once when they
// provably agree) and applies the rules.
func (g *Guard) checkShellSlow(script string, inputs []taint.Input, w work, zsh bool) (h hit, found bool, err error) {
	col := collectors.Get().(*collector)
	defer col.release()
	usable := 0
	for v := range 2 {
		f, perr := parse(script, v)
		if perr != nil {
			if in, ok := breaksParse(script, inputs, v); ok {
				s, e := firstIndex(script, in.Value)
				return hit{kind: rasp.KindShellInjection, in: in, elem: -1, s: s, e: e, rule: "syntax",
					reason: "input makes the script fail to parse"}, true, nil
			}
			continue // the script does not parse in this variant even without input
		}
		usable++
		p := col.collect(f, script)
		if h, ok := checkRegions(script, p.regions, p.calls, inputs, zsh, &col.words); ok {
			return h, true, nil
		}
		col.fill(inputs)
		for i := range p.calls {
			c := &p.calls[i]
			if c.pending {
				continue // no input occurs in it
			}
			for _, a := range c.assigns {
				if h, ok := g.checkAssign(a.name, a.value, inputs); ok {
					if a.valueOff >= 0 && h.s >= 0 {
						h.s, h.e = h.s+a.valueOff, h.e+a.valueOff
					} else {
						h.s, h.e = -1, -1
					}
					h.elem = -1
					return h, true, nil
				}
			}
			if len(c.args) == 0 || c.offs[0] < 0 && c.args[0] == "" {
				continue
			}
			h, ok, cerr := g.checkArgvAt(c.args, inputs, w)
			if ok {
				// A span past its element (an input whose fields are
				// several words) is not verbatim in the script.
				if h.elem >= 0 && h.elem < len(c.offs) && c.offs[h.elem] >= 0 && h.s >= 0 && h.e <= len(c.args[h.elem]) {
					h.s, h.e = h.s+c.offs[h.elem], h.e+c.offs[h.elem]
				} else {
					h.s, h.e = -1, -1
				}
				h.elem = -1
				return h, true, nil
			}
			if cerr != nil && err == nil {
				err = cerr
			}
		}
		// One parse stands for both variants when they provably agree
		// (asked only now: most findings come from the first parse). A
		// script that fails to parse is taken through both, so that the
		// input that breaks it is looked for in each.
		if v == variantPOSIX && sameInVariants(script) {
			break
		}
	}
	if usable == 0 {
		// Broken with or without the inputs: parse what can be parsed, and
		// report an input that sits in syntax there; an input that looks
		// harmless in a broken script leaves the check incomplete.
		if f, perr := parse(script, variantRecover); perr == nil {
			p := col.collect(f, script)
			if h, ok := checkRegions(script, p.regions, nil, inputs, zsh, &col.words); ok {
				return h, true, nil
			}
		}
		return hit{}, false, errIncomplete
	}
	return hit{}, false, err
}

// breaksParse reports which input, once replaced by harmless letters of the
// same length, lets the script parse in variant v.
func breaksParse(script string, inputs []taint.Input, v int) (taint.Input, bool) {
	tried := 0
	for _, in := range inputs {
		if !checkable(in.Value) || !strings.Contains(script, in.Value) {
			continue
		}
		if tried++; tried > 16 {
			break // bound the re-parses; a script with this many inputs is checked for the first 16
		}
		neutral := strings.ReplaceAll(script, in.Value, strings.Repeat("x", len(in.Value)))
		if _, err := parse(neutral, v); err == nil {
			return in, true
		}
	}
	return taint.Input{}, false
}

func firstIndex(s, v string) (int, int) {
	i := strings.Index(s, v)
	if i < 0 {
		return -1, -1
	}
	return i, i + len(v)
}

func firstOccurrence(s string, inputs []taint.Input) (taint.Input, int, int) {
	for _, in := range inputs {
		if checkable(in.Value) {
			if i, e := firstIndex(s, in.Value); i >= 0 {
				return in, i, e
			}
		}
	}
	return taint.Input{}, -1, -1
}

// checkRegions checks every occurrence of every input against the literal
// regions of one parse.
//
// An occurrence that crosses quoting bytes is still harmless when it lies
// inside one literal argument word and changes only its value (see
// [litWord.forgiven]); zsh scripts get no such allowance, since zsh
// expands more in unquoted text than the literal-word test models.
func checkRegions(script string, regions []region, calls []call, inputs []taint.Input, zsh bool, words *[]argWord) (h hit, found bool) {
	lits := wordCache{calls: calls, words: (*words)[:0]}
	h, found = lits.check(script, regions, inputs, zsh)
	*words = lits.words[:0] // kept for the next check
	return h, found
}

func (lits *wordCache) check(script string, regions []region, inputs []taint.Input, zsh bool) (hit, bool) {
	for _, in := range inputs {
		v := in.Value
		if !checkable(v) {
			continue
		}
		cls := classify(v)
		for off := 0; off <= len(script)-len(v); {
			i := strings.Index(script[off:], v)
			if i < 0 {
				break
			}
			s := off + i
			e := s + len(v)
			if reason := regionVerdict(script, regions, s, e, v, cls, zsh); reason != "" && (zsh || !lits.forgiven(script, s, e, v)) {
				return hit{kind: rasp.KindShellInjection, in: in, elem: -1, s: s, e: e, rule: "shell", reason: reason}, true
			}
			off = s + 1
		}
	}
	return hit{}, false
}

// progWord returns the literal value of a call's first word.
func progWord(c call, src string) string {
	if !c.pending {
		return c.args[0]
	}
	v, _ := wordValue(c.expr.Args[0], src)
	return v
}

// wordCache holds the argument words of one parse, gathered and analysed
// only when an occurrence fails the region rules (so that benign scripts
// pay nothing), each word analysed once however many occurrences it holds.
type wordCache struct {
	calls    []call
	words    []argWord // sorted, once gathered
	gathered bool
	lits     []*litWord // analysis of words[i], once done
	done     []bool
}

// forgiven reports whether the occurrence [s,e) of v lies inside one
// literal argument word and changes only its value.
func (c *wordCache) forgiven(script string, s, e int, v string) bool {
	if !c.gathered {
		c.gathered = true
		for _, cl := range c.calls {
			if cl.expr == nil {
				continue
			}
			for i, w := range cl.expr.Args {
				if i > 0 && literalParts(w) {
					c.words = append(c.words, argWord{start: int(w.Pos().Offset()), end: int(w.End().Offset()), w: w, prog: progWord(cl, script)})
				}
			}
		}
		slices.SortFunc(c.words, func(a, b argWord) int { return a.start - b.start })
	}
	words := c.words
	i, _ := slices.BinarySearchFunc(words, s, func(w argWord, s int) int {
		if w.end <= s {
			return -1
		}
		if w.start > s {
			return 1
		}
		return 0
	})
	if i >= len(words) || s < words[i].start || e > words[i].end {
		return false
	}
	if c.lits == nil {
		c.lits, c.done = make([]*litWord, len(words)), make([]bool, len(words))
	}
	lw := c.lits[i]
	if !c.done[i] {
		c.done[i] = true
		if l, ok := literalWord(words[i].w, script); ok {
			// A word re-quoted by an input reaches the program with a
			// value that no longer holds the input verbatim, so the argv
			// rules cannot follow it into code (sh -c, eval, python -c);
			// that allowance is kept to programs that take data.
			l.data = words[i].prog != "" && !specialWord(words[i].prog)
			lw = &l
		}
		c.lits[i] = lw
	}
	return lw != nil && lw.forgiven(s, e, v)
}

// charClass bits: which metacharacters a value holds.
type charClass uint32

const (
	hasBlank charClass = 1 << iota
	hasNewline
	hasSingle
	hasDouble
	hasBackslash
	hasDollar
	hasBackquote
	hasGlob
	hasBrace
	hasOperator // ; & | < > ( )
	hasTilde
	hasComma
	hasDotDot
	hasHash
	hasEqual
	hasCaret
	hasPercent
	nonDigit // anything but 0-9
)

func classify(v string) charClass {
	var c charClass
	for i := 0; i < len(v); i++ {
		b := v[i]
		if b < '0' || b > '9' {
			c |= nonDigit
		}
		switch b {
		case ' ', '\t', '\r', '\f', '\v':
			c |= hasBlank
		case '\n':
			c |= hasNewline
		case '\'':
			c |= hasSingle
		case '"':
			c |= hasDouble
		case '\\':
			c |= hasBackslash
		case '$':
			c |= hasDollar
		case '`':
			c |= hasBackquote
		case '*', '?', '[', ']':
			c |= hasGlob
		case '{', '}':
			c |= hasBrace
		case ';', '&', '|', '<', '>', '(', ')':
			c |= hasOperator
		case '~':
			c |= hasTilde
		case ',':
			c |= hasComma
		case '.':
			if i+1 < len(v) && v[i+1] == '.' {
				c |= hasDotDot
			}
		case '#':
			c |= hasHash
		case '=':
			c |= hasEqual
		case '^':
			c |= hasCaret
		case '%':
			c |= hasPercent
		}
	}
	return c
}

const reasonSpans = "input spans shell syntax, not only literal text of one word"

// reasonGlob is the reason for an unquoted "*", "?", "[" or "]": the shell
// replaces the word with matching file names (POSIX 2.13), so a URL such as
// http://h/p?a=1 must be single-quoted in the script.
const reasonGlob = "input adds a glob character (*, ?, [ or ]) to an unquoted word, which the shell expands to file names; single-quote the value in the script"

// regionVerdict returns why the occurrence [s,e) of v changes the script's
// syntax, or "" when it stays literal text of its context.
func regionVerdict(script string, regions []region, s, e int, v string, cls charClass, zsh bool) string {
	i, _ := slices.BinarySearchFunc(regions, s, func(r region, s int) int {
		if r.end <= s {
			return -1
		}
		if r.start > s {
			return 1
		}
		return 0
	})
	if i >= len(regions) || regions[i].start > s || regions[i].end < e {
		return reasonSpans
	}
	r := regions[i]
	switch r.ctx {
	case ctxSingle:
		if cls&hasSingle != 0 {
			return "input closes a single-quoted string"
		}
	case ctxDollarSingle:
		if cls&(hasSingle|hasBackslash) != 0 {
			return "input escapes a $'...' string"
		}
	case ctxDouble:
		if cls&(hasDollar|hasBackquote|hasDouble|hasBackslash) != 0 && escapes(script, s, e, "$`\"", "$`\"\\\n") {
			return "input adds an expansion, escape or quote inside a double-quoted string"
		}
	case ctxComment:
		if cls&(hasNewline) != 0 || strings.ContainsRune(v, '\r') {
			return "input ends a comment"
		}
	case ctxHdoc:
		if cls&hasNewline != 0 || cls&(hasDollar|hasBackquote|hasBackslash) != 0 && escapes(script, s, e, "$`", "$`\\\n") {
			return "input adds an expansion or line to a here-document"
		}
	case ctxHdocQuoted:
		if cls&hasNewline != 0 {
			return "input adds a line to a here-document"
		}
	case ctxArith:
		if cls&nonDigit != 0 {
			return "input in an arithmetic expression is not a number"
		}
	case ctxUnquoted:
		const bad = hasBlank | hasNewline | hasSingle | hasDouble | hasBackslash | hasDollar |
			hasBackquote | hasGlob | hasBrace | hasOperator
		if cls&bad == hasGlob {
			// The common case of a URL with "?" or a pattern with "*":
			// say what the shell does and how the application quotes it.
			return reasonGlob
		}
		if cls&bad != 0 {
			return "input adds shell metacharacters to an unquoted word"
		}
		if r.braces && cls&(hasComma|hasDotDot) != 0 {
			return "input adds to a brace expansion"
		}
		if cls&hasTilde != 0 {
			for j := s; j < e; j++ {
				if script[j] == '~' && (j == r.wordStart || j > 0 && (script[j-1] == '=' || script[j-1] == ':')) {
					return "input adds a tilde expansion"
				}
			}
		}
		if t := s - 1; t >= r.start && script[t] == '~' && (t == r.wordStart || t > 0 && (script[t-1] == '=' || script[t-1] == ':')) {
			return "input names the user of a tilde expansion"
		}
		if zsh {
			if cls&(hasHash|hasCaret) != 0 || cls&hasEqual != 0 && v[0] == '=' && s == r.wordStart {
				return "input adds zsh glob or expansion syntax to an unquoted word"
			}
		}
	}
	return ""
}

// escapes reports whether the occurrence [s,e) adds an expansion, escape
// or quote to a double-quoted string or a here-document: a byte of forbid
// that no backslash before it escapes, or a backslash that escapes a byte
// of special (POSIX 2.2.3: inside double quotes a backslash escapes only
// "$", "`", `"`, "\" and newline; before any other byte it is literal).
// A backslash of the script just before the occurrence counts, so that a
// value quoted with its own escapes is literal text.
func escapes(script string, s, e int, forbid, special string) bool {
	esc := false // the previous byte is an escaping backslash
	for j := s - 1; j >= 0 && script[j] == '\\'; j-- {
		esc = !esc
	}
	for j := s; j < e; j++ {
		b := script[j]
		switch {
		case esc:
			esc = false
		case b == '\\':
			if j+1 >= len(script) || strings.IndexByte(special, script[j+1]) >= 0 {
				return true
			}
		case strings.IndexByte(forbid, b) >= 0:
			if b == '$' && !expansionAt(script, j+1) {
				continue // a literal "$" (POSIX 2.6: "$" followed by a character that starts no expansion)
			}
			return true
		}
	}
	return false
}

// expansionAt reports whether the byte at i, after a "$", starts an
// expansion inside double quotes or a here-document: a name, a digit, a
// special parameter (POSIX 2.5.2: @ * # ? - $ !), "{", "(", Bash's "$[",
// or the flags of zsh's $~name, $=name, $^name and $+name. Other bytes,
// the end of the script and non-ASCII bytes (taken as name bytes, which
// errs towards a finding) are decided here: "R$ 20" and "5$" stay literal.
func expansionAt(script string, i int) bool {
	if i >= len(script) {
		return false
	}
	b := script[i]
	return isNameByte(b) || b >= 0x80 || strings.IndexByte("{([@*#?-$!~=^+", b) >= 0
}

// frame is one node on the walk's path, with the context it passes down,
// computed once when it is pushed so that a deep tree costs linear time.
type frame struct {
	n      syntax.Node
	arith  bool // inside an arithmetic expression
	dquote bool // inside double quotes, in the same command
}

// collector walks parsed scripts. Its buffers (regions, calls, the walk's
// stack and the words of each call) are reused from one parse to the next,
// so a check allocates them once; what one collect returns is valid until
// the next collect or release.
type collector struct {
	p     parsed
	stack []frame
	src   string
	strs  []string // backing store of the calls' args
	ints  []int    // backing store of the calls' offs
	words []argWord
	visit func(syntax.Node) bool
}

var collectors = sync.Pool{New: func() any {
	c := &collector{}
	c.visit = c.node
	return c
}}

// release drops the references to the last parse and returns c to the
// pool.
func (c *collector) release() {
	clear(c.p.calls[:cap(c.p.calls)])
	clear(c.strs[:cap(c.strs)])
	clear(c.stack[:cap(c.stack)])
	clear(c.words[:cap(c.words)])
	c.p.calls, c.strs, c.stack, c.src, c.words = c.p.calls[:0], c.strs[:0], c.stack[:0], "", c.words[:0]
	collectors.Put(c)
}

// collect walks a parsed script and returns its literal regions, sorted,
// and its simple commands.
func (c *collector) collect(f *syntax.File, src string) parsed {
	c.p.regions, c.p.calls = c.p.regions[:0], c.p.calls[:0]
	c.stack, c.strs, c.ints = c.stack[:0], c.strs[:0], c.ints[:0]
	c.src = src
	walk(f, c.visit)
	slices.SortFunc(c.p.regions, func(a, b region) int { return a.start - b.start })
	c.p.regions = mergeAdjacent(c.p.regions)
	return c.p
}

// mergeAdjacent joins regions of a double-quoted string or here-document
// body that touch: the parser ends a literal at each "$", so "R$ 20" is
// three literals, all text of the one string. Regions that touch with no
// byte between them belong to the same quoted part, since any other part
// (an expansion, a quote) takes bytes of its own.
func mergeAdjacent(rs []region) []region {
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && out[n-1].end == r.start && out[n-1].ctx == r.ctx &&
			(r.ctx == ctxDouble || r.ctx == ctxHdoc || r.ctx == ctxHdocQuoted) {
			out[n-1].end = r.end
			continue
		}
		out = append(out, r)
	}
	return out
}

// node is the walk's visitor. One type switch records what the node holds
// and the context it passes down to its children, pushed on the stack so
// that a deep tree costs linear time.
func (c *collector) node(n syntax.Node) bool {
	if n == nil {
		c.stack = c.stack[:len(c.stack)-1]
		return true
	}
	p, stack, src := &c.p, c.stack, c.src
	var f frame
	if len(stack) > 0 {
		f = stack[len(stack)-1]
	}
	parent := f.n
	f.n = n
	switch n := n.(type) {
	case *syntax.Lit:
		addLit(p, stack, n, src)
	case *syntax.SglQuoted:
		ctx := ctxSingle
		if n.Dollar {
			ctx = ctxDollarSingle
		}
		if len(stack) > 0 && stack[len(stack)-1].arith || n.Right.IsRecovered() || !n.Right.IsValid() {
			break // an unclosed quote is no literal region
		}
		start := int(n.Left.Offset()) + 1
		if n.Dollar {
			start++
		}
		p.regions = append(p.regions, region{start: start, end: int(n.Right.Offset()), ctx: ctx, wordStart: -1})
	case *syntax.Comment:
		s := int(n.Hash.Offset()) + 1
		p.regions = append(p.regions, region{start: s, end: s + len(n.Text), ctx: ctxComment, wordStart: -1})
	case *syntax.CallExpr:
		p.calls = append(p.calls, call{expr: n, pending: true})
	case *syntax.DeclClause: // export NAME=value, declare, local...
		cl := call{}
		for _, a := range n.Args {
			if a.Name != nil && a.Value != nil {
				v, off := rawValue(a.Value, src)
				cl.assigns = append(cl.assigns, assign{name: a.Name.Value, value: v, valueOff: off})
			}
		}
		p.calls = append(p.calls, cl)
	case *syntax.Stmt, *syntax.CmdSubst, *syntax.ProcSubst:
		f.arith, f.dquote = false, false
	case *syntax.ArithmExp, *syntax.ArithmCmd, *syntax.LetClause, *syntax.CStyleLoop,
		*syntax.BinaryArithm, *syntax.UnaryArithm, *syntax.ParenArithm:
		f.arith = true
	case *syntax.DblQuoted:
		f.dquote = true
	case *syntax.Word:
		// ${a[i]} and ${a:i:j} are arithmetic; ${a:-word} is a word.
		if pe, ok := parent.(*syntax.ParamExp); ok {
			w := syntax.ArithmExpr(n)
			if pe.Index == w || pe.Slice != nil && (pe.Slice.Offset == w || pe.Slice.Length == w) {
				f.arith = true
			}
		}
	}
	c.stack = append(stack, f)
	return true
}

func addLit(p *parsed, stack []frame, n *syntax.Lit, src string) {
	if len(stack) == 0 {
		return
	}
	s, e := int(n.ValuePos.Offset()), int(n.ValueEnd.Offset())
	if e <= s || e > len(src) {
		return
	}
	top := stack[len(stack)-1]
	add := func(c qctx, ws int) {
		p.regions = append(p.regions, region{start: s, end: e, ctx: c, wordStart: ws,
			braces: c == ctxUnquoted && strings.IndexByte(src[s:e], '{') >= 0})
	}
	switch parent := top.n.(type) {
	case *syntax.DblQuoted:
		if top.arith {
			add(ctxArith, -1)
			return
		}
		add(ctxDouble, -1)
	case *syntax.Word:
		if top.arith {
			add(ctxArith, -1)
			return
		}
		if len(stack) >= 2 {
			if r, ok := stack[len(stack)-2].n.(*syntax.Redirect); ok && r.Hdoc == parent {
				if quotedDelim(r.Word) {
					add(ctxHdocQuoted, -1)
				} else {
					add(ctxHdoc, -1)
				}
				return
			}
		}
		if top.dquote { // a word inside "${x:-word}" keeps the double quotes' rules
			add(ctxDouble, -1)
			return
		}
		add(ctxUnquoted, int(parent.Pos().Offset()))
	case *syntax.Redirect:
		if parent.N == n { // the fd number of 2>
			add(ctxArith, -1)
		}
	case *syntax.ArithmExp, *syntax.ArithmCmd, *syntax.BinaryArithm, *syntax.UnaryArithm, *syntax.ParenArithm:
		add(ctxArith, -1)
	}
	// Anything else (a parameter, variable or function name, an extended
	// glob pattern, a declare keyword) is syntax: no region.
}

// quotedDelim reports whether a here-document delimiter is quoted, which
// turns off expansions in the body.
func quotedDelim(w *syntax.Word) bool {
	if w == nil {
		return false
	}
	for _, part := range w.Parts {
		switch part := part.(type) {
		case *syntax.SglQuoted, *syntax.DblQuoted:
			return true
		case *syntax.Lit:
			if strings.ContainsRune(part.Value, '\\') {
				return true
			}
		}
	}
	return false
}

// callOf extracts the literal words of a simple command: the value and
// offset of each word whose value is verbatim source text, the value alone
// (offset -1) of other literal words ("it"\'s is it's), and "" with -1
// for words with expansions.
func (col *collector) callOf(c *syntax.CallExpr, src string) call {
	n := len(c.Args)
	if len(col.strs)+n > cap(col.strs) {
		col.strs = make([]string, 0, max(2*cap(col.strs), n, 16))
	}
	if len(col.ints)+n > cap(col.ints) {
		col.ints = make([]int, 0, max(2*cap(col.ints), n, 16))
	}
	ls, li := len(col.strs), len(col.ints)
	col.strs, col.ints = col.strs[:ls+n], col.ints[:li+n]
	out := call{args: col.strs[ls : ls+n : ls+n], offs: col.ints[li : li+n : li+n], expr: c}
	for i, w := range c.Args {
		out.args[i], out.offs[i] = wordValue(w, src)
	}
	for _, a := range c.Assigns {
		if a.Name == nil {
			continue
		}
		as := assign{name: a.Name.Value, valueOff: -1}
		if a.Value != nil {
			as.value, as.valueOff = rawValue(a.Value, src)
		}
		out.assigns = append(out.assigns, as)
	}
	return out
}

// wordValue returns a word's literal value and its offset in src when the
// value is verbatim source text, the value alone (offset -1) for other
// literal words, and "", -1 for words with expansions.
func wordValue(w *syntax.Word, src string) (string, int) {
	v, off := verbatim(w, src)
	if off < 0 {
		if lw, ok := literalWord(w, src); ok {
			v = lw.value
		}
	}
	return v, off
}

// fill completes the pending calls of the last collect.
// Only commands whose source holds an input are filled: the input of any
// other command did not flow into it (its words may equal an input only
// through the script's own quoting), so the argv rules, which cost a word
// analysis per word, run only where an input occurs. The rest stay pending
// and are skipped.
func (col *collector) fill(inputs []taint.Input) {
	for i := range col.p.calls {
		c := &col.p.calls[i]
		if !c.pending {
			continue
		}
		s, e := int(c.expr.Pos().Offset()), int(c.expr.End().Offset())
		if s < 0 || e > len(col.src) || s > e {
			s, e = 0, len(col.src)
		}
		if src := col.src[s:e]; occurs(src, inputs) {
			*c = col.callOf(c.expr, col.src)
		}
	}
}

// rawValue returns the source text of an assigned value and its offset:
// an input anywhere in it, quoted or not, ends up in the variable.
func rawValue(w *syntax.Word, src string) (string, int) {
	s, e := int(w.Pos().Offset()), int(w.End().Offset())
	if s < 0 || e > len(src) || s > e {
		return "", -1
	}
	return src[s:e], s
}

// verbatim returns a word's value and its offset in src when the value is
// exactly a substring of src: a plain literal without backslashes, or one
// single- or double-quoted literal. Otherwise it returns "", -1.
func verbatim(w *syntax.Word, src string) (string, int) {
	if w == nil || len(w.Parts) != 1 {
		return "", -1
	}
	switch p := w.Parts[0].(type) {
	case *syntax.Lit:
		s, e := int(p.ValuePos.Offset()), int(p.ValueEnd.Offset())
		if e > len(src) || s > e {
			return "", -1
		}
		if t := src[s:e]; !strings.ContainsRune(t, '\\') {
			return t, s
		}
	case *syntax.SglQuoted:
		// Sliced from src, not p.Value: the parser saw invalid UTF-8
		// replaced (see validUTF8).
		s, e := int(p.Left.Offset())+1, int(p.Right.Offset())
		if !p.Dollar && p.Right.IsValid() && !p.Right.IsRecovered() && s <= e && e <= len(src) {
			return src[s:e], s
		}
	case *syntax.DblQuoted:
		if p.Dollar {
			return "", -1
		}
		switch len(p.Parts) {
		case 0:
			return "", int(p.Left.Offset()) + 1
		case 1:
			if l, ok := p.Parts[0].(*syntax.Lit); ok {
				s, e := int(l.ValuePos.Offset()), int(l.ValueEnd.Offset())
				if e <= len(src) && s <= e && !strings.ContainsRune(src[s:e], '\\') {
					return src[s:e], s
				}
			}
		}
	}
	return "", -1
}
