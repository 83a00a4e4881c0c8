package taint

import (
	"cmp"
	"context"
	"math/bits"
	"slices"
	"strings"
	"sync"
)

// Occurrence is one verbatim occurrence of an input's text in a target.
type Occurrence struct {
	Input      int  // index of the input in [Matcher.Inputs]
	Start, End int  // byte span in the target
	Trimmed    bool // the occurrence is of the value trimmed of white space
}

// Matcher finds every occurrence of every input of a request in a target
// (an SQL statement, a command line, a path) in one pass, whatever the
// number of inputs: the cost is linear in the target plus the occurrences
// reported, and building it is linear in the total length of the inputs.
// It searches each non-empty value and, when the value has leading or
// trailing white space, the value trimmed of it (applications commonly trim
// input before use).
//
// It is an Aho-Corasick automaton (Aho and Corasick, CACM 18(6), 1975),
// built on first use: a request whose guards never need it pays nothing
// but the small struct. The library packages cloudflare/ahocorasick and
// friends report which patterns occur but not where, and a guard needs
// every position. A long text is searched by its shortest prefix of at
// least [prefixDepth] bytes that no other text starts with, when that
// leaves [minRest] bytes or more, and each occurrence of that prefix is
// compared with the rest of the text: the automaton of 10,000 inputs of
// 47 bytes is then a fifth of the size. A search whose comparisons come to
// more than a small multiple of the target's length continues with the
// automaton of the whole texts, built then, so the cost stays linear
// whatever the inputs and the target.
//
// A Matcher is safe for concurrent use.
type Matcher struct {
	inputs []Input
	once   sync.Once
	a      *automaton // long texts by a prefix
	// full searches every text whole; built only for a search whose
	// comparisons of a's prefixes cost too much (see [verifyBudget]).
	fullOnce sync.Once
	full     *automaton
}

// NewMatcher returns a Matcher for inputs. The slice is kept, not copied:
// it must not be modified while the Matcher is in use.
func NewMatcher(inputs []Input) *Matcher {
	return &Matcher{inputs: inputs}
}

// Inputs returns the inputs m searches for.
func (m *Matcher) Inputs() []Input {
	if m == nil {
		return nil
	}
	return m.inputs
}

// Find calls yield for every occurrence of every input in text, in order
// of their end offset (for one end, longer texts first), until yield
// returns false. Overlapping occurrences are all reported.
func (m *Matcher) Find(text string, yield func(Occurrence) bool) {
	if m == nil || len(m.inputs) == 0 {
		return
	}
	m.once.Do(m.build)
	from := m.a.find(text, 0, yield)
	if from < 0 {
		return
	}
	// Every occurrence that ends at from or before is reported: the
	// automaton of the whole texts reports the others.
	m.fullOnce.Do(func() {
		m.full = &automaton{texts: m.a.texts, refs: m.a.refs}
		m.full.build(false)
	})
	m.full.find(text, from, yield)
}

// MatcherFromContext returns the Matcher of the inputs ctx carries, one
// per context, shared by every guard of the request and built on its first
// use, or nil when ctx carries no inputs.
func MatcherFromContext(ctx context.Context) *Matcher {
	if s := from(ctx); s != nil {
		return &s.matcher
	}
	return nil
}

// prefixDepth is the shortest prefix by which a text is searched (see
// [Matcher]): a text of at most that many bytes is searched whole, and so
// is one that shares all but its last few bytes (see [minRest]) with
// another text.
const prefixDepth = 8

// minRest is the shortest rest of a text that is worth searching it by a
// prefix: a shorter one costs a comparison and saves little.
const minRest = 8

// verifyBudget bounds the work one search of a target of n bytes spends
// on texts found by a prefix (candidateCost a prefix found, plus a unit a
// byte compared, plus pendingCost a text found): past it the automaton of
// the whole texts takes over. The bytes compared at one position are
// bounded by the inputs' total length, so a search costs at most a few
// nanoseconds a byte more than with that automaton alone.
func verifyBudget(n int) int { return 2*n + 4096 }

// candidateCost is the work charged for an occurrence of a prefix: its
// lookup and comparison, however short (a byte scanned costs a unit).
// pendingCost is charged for an occurrence so found, kept until the
// search reaches its end: it bounds the memory they take.
const (
	candidateCost = 16
	pendingCost   = 16
)

// needleRef is a searched text: input index, and whether it is trimmed.
type needleRef struct {
	in      int32
	trimmed bool
	n       int32 // length of the text
	d       int32 // length of the prefix by which a prefix automaton searches it
}

// automaton is the goto/fail machine in compact form. Nodes are numbered
// breadth-first, so the children of node u are the nodes first[u] to
// first[u+1]-1, in increasing order of lbl (the byte on the edge into a
// node), and every node's failure link points to a smaller number. The
// first nDense nodes (the shallowest, where a search spends nearly all its
// steps) also have a full transition row over the byte classes, failure
// links folded in.
type automaton struct {
	class   [256]byte // byte -> class; 0 for bytes no text contains
	nc      int32     // number of classes
	dense   []int32   // dense[u*nc+c], u < nDense
	nDense  int32
	first   []int32
	lbl     []byte
	fail    []int32
	rep     []int32 // the node itself if it has output, else its nearest suffix node with output, or -1
	outNode []int32 // nodes with output, in increasing order, once per output
	out     []int32 // out[k] indexes into refs: an output of node outNode[k]
	texts   []string
	refs    []needleRef // refs[k] describes texts[k]
	// prefix is set when some text is searched by a prefix, refs[k].d
	// bytes, shorter than it: an output of that text is a candidate to
	// compare with the rest of the text.
	prefix bool
	maxLen int // the length of the longest text
	// root[b] is set when the root reads b into the root: no text starts
	// with b, and the search skips such bytes in a tight loop.
	root [256]bool
}

// denseBudget bounds the dense rows, in entries: a few per byte of input
// text, so the table stays within a small multiple of the inputs' size
// while covering the shallow nodes a search visits most.
func denseBudget(textBytes int) int { return 2*textBytes + 512 }

func (m *Matcher) build() {
	a := new(automaton)
	// one text per input for most inputs; trimmed texts may add some
	a.texts = make([]string, 0, len(m.inputs))
	a.refs = make([]needleRef, 0, len(m.inputs))
	for i, in := range m.inputs {
		v := in.Value
		if v == "" {
			continue
		}
		a.texts = append(a.texts, v)
		a.refs = append(a.refs, needleRef{in: int32(i), n: int32(len(v))})
		if t := Trimmed(v); t != "" {
			a.texts = append(a.texts, t)
			a.refs = append(a.refs, needleRef{in: int32(i), trimmed: true, n: int32(len(t))})
		}
	}
	a.build(true)
	m.a = a
}

// build makes the automaton of a.texts, each by a prefix when prefix is
// set (see [Matcher]; refs[k].d is then set), else whole. With the texts
// sorted, the trie is built breadth-first, one depth at a time: at depth d
// the texts still longer than d are visited in sorted order, so parents
// come in increasing number and each parent's children are consecutive and
// in increasing byte order. Linear in the total length, plus the sort.
func (a *automaton) build(prefix bool) {
	texts := a.texts
	// The texts still longer than the depth, in sorted order, with the
	// node of their prefix so far: compacted at every depth, so the scan
	// reads them in sequence. The bytes searched of each, n from off in
	// pre, are copied in that order: pointer-free and read in sequence.
	type text struct {
		off, n int32
		node   int32
		i      int32
	}
	// Sorted by their first 8 bytes, a pointer-free key (no write
	// barriers, no chasing the text), then in full where those tie.
	type key struct {
		k uint64
		i int32
	}
	keys := make([]key, len(texts))
	for i, t := range texts {
		var k uint64
		for j := 0; j < 8; j++ {
			k <<= 8
			if j < len(t) {
				k |= uint64(t[j])
			}
		}
		keys[i] = key{k, int32(i)}
		a.maxLen = max(a.maxLen, len(t))
	}
	slices.SortFunc(keys, func(x, y key) int {
		if x.k != y.k {
			return cmp.Compare(x.k, y.k)
		}
		return strings.Compare(texts[x.i], texts[y.i])
	})
	// The prefix by which a text is searched: one byte longer than its
	// longest common prefix with a neighbour in sorted order, so no other
	// text starts with it, and at least prefixDepth bytes; the whole text
	// when that leaves fewer than minRest bytes.
	total := 0
	active := make([]text, len(texts))
	lcpPrev := 0
	for k, x := range keys {
		t := texts[x.i]
		d := len(t)
		if prefix {
			lcpNext := 0
			if k+1 < len(keys) {
				lcpNext = commonPrefix(t, texts[keys[k+1].i], x.k, keys[k+1].k)
			}
			if c := max(prefixDepth, lcpPrev+1, lcpNext+1); c+minRest <= d {
				d = c
				a.prefix = true
			}
			a.refs[x.i].d = int32(d)
			lcpPrev = lcpNext
		}
		active[k] = text{n: int32(d), i: x.i}
		total += d
	}
	pre := make([]byte, total)
	off := 0
	for k := range active {
		t := &active[k]
		t.off = int32(off)
		off += copy(pre[off:], texts[t.i][:t.n])
	}

	a.lbl = make([]byte, 1, total+1)
	a.first = make([]int32, 1, total+2)
	a.first[0] = -1
	a.outNode = make([]int32, 0, len(texts))
	a.out = make([]int32, 0, len(texts))
	for d := 0; len(active) > 0; d++ {
		next := active[:0]
		prevParent, prevByte, last := int32(-1), -1, int32(0)
		for _, t := range active {
			p, b := t.node, pre[int(t.off)+d]
			if p != prevParent || int(b) != prevByte {
				last = int32(len(a.lbl))
				a.lbl = append(a.lbl, b)
				a.first = append(a.first, -1)
				if a.first[p] < 0 {
					a.first[p] = last
				}
				prevParent, prevByte = p, int(b)
			}
			if int(t.n) == d+1 {
				// in increasing node order: by depth, then in order
				a.outNode = append(a.outNode, last)
				a.out = append(a.out, t.i)
			} else {
				t.node = last
				next = append(next, t)
			}
		}
		active = next
	}
	n := len(a.lbl)
	a.first = append(a.first, int32(n))
	for u := n - 1; u >= 0; u-- {
		if a.first[u] < 0 {
			a.first[u] = a.first[u+1] // no children: an empty range
		}
	}

	// Byte classes.
	var used [256]bool
	for _, b := range a.lbl[1:] {
		used[b] = true
	}
	a.nc = 1
	for b := range used {
		if used[b] {
			a.class[b] = byte(a.nc)
			a.nc++
		}
	}

	// Failure and dictionary links, breadth-first; dense rows for the
	// first nodes, each filled from its own edges and its failure node's
	// row (a smaller number, so already filled).
	a.nDense = int32(min(n, max(1, denseBudget(total)/int(a.nc))))
	a.dense = make([]int32, int(a.nDense)*int(a.nc))
	a.fail = make([]int32, n)
	a.rep = make([]int32, n)
	for _, u := range a.outNode {
		a.rep[u] = u
	}
	a.rep[0] = -1 // the root has no output: empty texts are not searched
	for u := int32(0); u < int32(n); u++ {
		for c := a.first[u]; c < a.first[u+1]; c++ {
			f := int32(0)
			if u != 0 {
				f = a.next(a.fail[u], a.lbl[c])
			}
			a.fail[c] = f
			if a.rep[c] != c {
				a.rep[c] = a.rep[f]
			}
		}
		if u < a.nDense {
			row := a.dense[u*a.nc : (u+1)*a.nc]
			if u != 0 {
				copy(row, a.dense[a.fail[u]*a.nc:(a.fail[u]+1)*a.nc])
			}
			for c := a.first[u]; c < a.first[u+1]; c++ {
				row[a.class[a.lbl[c]]] = c
			}
		}
	}
	for b := range a.root {
		a.root[b] = a.dense[a.class[b]] == 0
	}
}

// commonPrefix returns the length of the longest common prefix of x and
// y, whose sort keys (their first 8 bytes, zero-padded) are kx and ky.
func commonPrefix(x, y string, kx, ky uint64) int {
	n := min(len(x), len(y))
	if kx != ky {
		return min(n, bits.LeadingZeros64(kx^ky)/8)
	}
	c := min(n, 8)
	for c < n && x[c] == y[c] {
		c++
	}
	return c
}

// step returns the goto of u on b, or -1.
func (a *automaton) step(u int32, b byte) int32 {
	lo, hi := a.first[u], a.first[u+1]
	if hi-lo <= 8 {
		for c := lo; c < hi; c++ {
			if a.lbl[c] == b {
				return c
			}
		}
		return -1
	}
	end := hi
	for lo < hi {
		mid := int32(uint32(lo+hi) >> 1)
		if a.lbl[mid] < b {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < end && a.lbl[lo] == b {
		return lo
	}
	return -1
}

// next is the transition of u on b: the goto, else the failure links
// followed until b can be read (a dense row always can).
func (a *automaton) next(u int32, b byte) int32 {
	for {
		if u < a.nDense && a.dense != nil {
			return a.dense[u*a.nc+int32(a.class[b])]
		}
		if t := a.step(u, b); t >= 0 {
			return t
		}
		if u == 0 {
			return 0
		}
		u = a.fail[u]
	}
}

// find reports, as [Matcher.Find] does, the occurrences in text that end
// after from. It returns -1 when it is done (or yield asked it to stop),
// else the offset up to which it reported every occurrence, when the
// comparisons of a prefix automaton exceed [verifyBudget]: the automaton
// of the whole texts reports the rest.
func (a *automaton) find(text string, from int, yield func(Occurrence) bool) int {
	if len(a.refs) == 0 {
		return -1
	}
	u := int32(0)
	for j := max(0, from-a.maxLen); j < from; j++ {
		// the state at from: it spells at most maxLen bytes
		u = a.next(u, text[j])
	}
	// pend stays on the stack while it holds no more than buf: the
	// common search finds a few texts by their prefix at a time, if any
	var buf [8]pending
	pend := pendingHeap(buf[:0])
	f := finder{a: a, text: text, yield: yield, budget: verifyBudget(len(text))}
	nc, nd, dense := a.nc, a.nDense, a.dense
	for j := from; j < len(text); j++ {
		if u == 0 {
			// up to the last byte of the first pending occurrence
			lim := len(text)
			if len(pend) > 0 {
				lim = pend[0].end - 1
			}
			for j < lim && a.root[text[j]] {
				j++
			}
			if j == len(text) {
				break
			}
		}
		if u < nd {
			u = dense[u*nc+int32(a.class[text[j]])]
		} else {
			u = a.next(u, text[j])
		}
		// one load for the common case, a node with nothing to report
		// and no occurrence found by its prefix ending here
		if a.rep[u] < 0 && (len(pend) == 0 || pend[0].end != j+1) {
			continue
		}
		var ok bool
		if pend, ok = f.report(u, j+1, pend); !ok {
			return -1
		}
		if f.budget < 0 {
			return j + 1
		}
	}
	return -1
}

// finder is the state of one search that reports more than it steps.
type finder struct {
	a      *automaton
	text   string
	yield  func(Occurrence) bool
	budget int // see verifyBudget
}

// report reports the occurrences that end at end, the search being in
// node u: the outputs of u, then of its suffixes, longest first, and the
// pending occurrences that end there, by length among them. The prefixes
// that end there are compared with the rest of their text and kept until
// the search reaches their end, in pend (the pending occurrences, which
// all end at end or after). It returns pend, and false when yield asked to
// stop.
func (f *finder) report(u int32, end int, pend pendingHeap) (pendingHeap, bool) {
	a := f.a
	for r := a.rep[u]; r >= 0; r = a.rep[a.fail[r]] {
		k, _ := slices.BinarySearch(a.outNode, r)
		for ; k < len(a.outNode) && a.outNode[k] == r; k++ {
			x := a.out[k]
			ref := a.refs[x]
			if a.prefix && ref.d < ref.n {
				// the prefix of a text that no other text starts with
				e := end - int(ref.d) + int(ref.n)
				f.budget -= candidateCost + int(ref.n-ref.d)
				if e <= len(f.text) && f.text[end:e] == a.texts[x][ref.d:] {
					f.budget -= pendingCost
					pend = pend.push(pending{end: e, ref: x, n: ref.n})
				}
				continue
			}
			for len(pend) > 0 && pend[0].end == end && pend[0].n > ref.n {
				var p pending
				if pend, p = pend.pop(); !f.yieldPending(p) {
					return pend, false
				}
			}
			if !f.yield(Occurrence{Input: int(ref.in), Start: end - int(ref.n), End: end, Trimmed: ref.trimmed}) {
				return pend, false
			}
		}
	}
	for len(pend) > 0 && pend[0].end == end {
		var p pending
		if pend, p = pend.pop(); !f.yieldPending(p) {
			return pend, false
		}
	}
	return pend, true
}

// yieldPending reports p.
func (f *finder) yieldPending(p pending) bool {
	ref := f.a.refs[p.ref]
	return f.yield(Occurrence{Input: int(ref.in), Start: p.end - int(ref.n), End: p.end, Trimmed: ref.trimmed})
}

// pending is an occurrence found by its prefix and compared in full, to
// be reported when the search reaches its end.
type pending struct {
	end int
	ref int32 // index into refs
	n   int32 // length of the text
}

// pendingHeap is a binary min-heap of pending occurrences, by end offset
// then longest first: the order of report.
type pendingHeap []pending

func (p pending) before(q pending) bool { return p.end < q.end || p.end == q.end && p.n > q.n }

func (s pendingHeap) push(p pending) pendingHeap {
	s = append(s, p)
	for i := len(s) - 1; i > 0; {
		up := (i - 1) / 2
		if !s[i].before(s[up]) {
			break
		}
		s[i], s[up] = s[up], s[i]
		i = up
	}
	return s
}

func (s pendingHeap) pop() (pendingHeap, pending) {
	top := s[0]
	n := len(s) - 1
	s[0] = s[n]
	s = s[:n]
	for i := 0; ; {
		c := 2*i + 1
		if c >= n {
			break
		}
		if c+1 < n && s[c+1].before(s[c]) {
			c++
		}
		if !s[c].before(s[i]) {
			break
		}
		s[i], s[c] = s[c], s[i]
		i = c
	}
	return s, top
}
