package taint

import (
	"context"
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
// every position.
//
// A Matcher is safe for concurrent use.
type Matcher struct {
	inputs []Input
	once   sync.Once
	a      *automaton
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
	m.a.find(text, yield)
}

// MatcherFromContext returns the Matcher of the inputs ctx carries, one
// per context, shared by every guard of the request and built on its first
// use, or nil when ctx carries no inputs.
func MatcherFromContext(ctx context.Context) *Matcher {
	if ctx == nil {
		return nil
	}
	if s, ok := ctx.Value(ctxKey{}).(*set); ok {
		return &s.matcher
	}
	return nil
}

// needleRef is a searched text: input index, and whether it is trimmed.
type needleRef struct {
	in      int32
	trimmed bool
	n       int32 // length of the text
}

// automaton is the goto/fail machine in compact form. Nodes are numbered
// breadth-first, so the edges out of node u are edges[first[u]:first[u+1]]
// (labels in lbl, targets in to), sorted by label, and every node's failure
// link points to a smaller number. The first nDense nodes (the shallowest,
// where a search spends nearly all its steps) also have a full transition
// row over the byte classes, failure links folded in.
type automaton struct {
	class  [256]byte // byte -> class; 0 for bytes no text contains
	nc     int32     // number of classes
	dense  []int32   // dense[u*nc+c], u < nDense
	nDense int32
	first  []int32
	lbl    []byte
	to     []int32
	fail   []int32
	dict   []int32 // nearest proper suffix node with output, or -1
	outAt  []int32 // outputs of node u are out[outAt[u]:outAt[u+1]]
	out    []int32 // indexes into refs
	refs   []needleRef
}

// denseBudget bounds the dense rows, in entries: a few per byte of input
// text, so the table stays within a small multiple of the inputs' size
// (10,000 inputs of 20 bytes: about 2 MiB) while covering the shallow
// nodes a search visits most.
func denseBudget(textBytes int) int { return 2*textBytes + 512 }

func (m *Matcher) build() {
	m.a = new(automaton)
	var texts []string
	for i, in := range m.inputs {
		v := in.Value
		if v == "" {
			continue
		}
		texts = append(texts, v)
		m.a.refs = append(m.a.refs, needleRef{in: int32(i), n: int32(len(v))})
		if t := strings.TrimSpace(v); t != v && t != "" {
			texts = append(texts, t)
			m.a.refs = append(m.a.refs, needleRef{in: int32(i), trimmed: true, n: int32(len(t))})
		}
	}
	m.a.build(texts)
}

// build makes the automaton of texts (refs[k] describes texts[k]). The
// trie is built from the texts in sorted order, so every node's children
// come in increasing byte order, then renumbered breadth-first.
func (a *automaton) build(texts []string) {
	order := make([]int32, len(texts))
	total := 0
	for i := range order {
		order[i] = int32(i)
		total += len(texts[i])
	}
	slices.SortFunc(order, func(x, y int32) int { return strings.Compare(texts[x], texts[y]) })

	// Trie in first-child/next-sibling form, children appended in
	// increasing byte order because the texts are sorted; outputs of a
	// node are a list through outNext.
	type tnode struct {
		kid, last, sib, outs int32
		b                    byte
	}
	nodes := make([]tnode, 1, total+1)
	nodes[0] = tnode{kid: -1, last: -1, sib: -1, outs: -1}
	outNext := make([]int32, len(texts))
	path := make([]int32, 0, 64) // path[d] is the node at depth d+1 of the previous text
	prev := ""
	for _, k := range order {
		t := texts[k]
		lcp := 0
		for lcp < len(t) && lcp < len(prev) && t[lcp] == prev[lcp] {
			lcp++
		}
		path = path[:min(lcp, len(path))]
		u := int32(0)
		if lcp > 0 {
			u = path[lcp-1]
		}
		for d := lcp; d < len(t); d++ {
			c := int32(len(nodes))
			nodes = append(nodes, tnode{kid: -1, last: -1, sib: -1, outs: -1, b: t[d]})
			if nodes[u].last < 0 {
				nodes[u].kid = c
			} else {
				nodes[nodes[u].last].sib = c
			}
			nodes[u].last = c
			path = append(path, c)
			u = c
		}
		outNext[k] = nodes[u].outs
		nodes[u].outs = k
		prev = t
	}

	// Byte classes.
	var used [256]bool
	for _, t := range texts {
		for i := 0; i < len(t); i++ {
			used[t[i]] = true
		}
	}
	a.nc = 1
	for b := range used {
		if used[b] {
			a.class[b] = byte(a.nc)
			a.nc++
		}
	}

	// Breadth-first renumbering.
	n := len(nodes)
	bfs := make([]int32, 0, n) // bfs[new] = old
	newID := make([]int32, n)
	bfs = append(bfs, 0)
	for h := 0; h < len(bfs); h++ {
		for c := nodes[bfs[h]].kid; c >= 0; c = nodes[c].sib {
			newID[c] = int32(len(bfs))
			bfs = append(bfs, c)
		}
	}
	a.first = make([]int32, n+1)
	a.lbl = make([]byte, 0, n-1)
	a.to = make([]int32, 0, n-1)
	a.outAt = make([]int32, n+1)
	a.out = make([]int32, 0, len(texts))
	for u, old := range bfs {
		a.first[u] = int32(len(a.to))
		for c := nodes[old].kid; c >= 0; c = nodes[c].sib {
			a.lbl = append(a.lbl, nodes[c].b)
			a.to = append(a.to, newID[c])
		}
		a.outAt[u] = int32(len(a.out))
		for k := nodes[old].outs; k >= 0; k = outNext[k] {
			a.out = append(a.out, k)
		}
	}
	a.first[n] = int32(len(a.to))
	a.outAt[n] = int32(len(a.out))

	// Failure and dictionary links, breadth-first; dense rows for the
	// first nodes, each filled from its own edges and its failure node's
	// row (a smaller number, so already filled).
	a.nDense = int32(min(n, max(1, denseBudget(total)/int(a.nc))))
	a.dense = make([]int32, int(a.nDense)*int(a.nc))
	a.fail = make([]int32, n)
	a.dict = make([]int32, n)
	a.dict[0] = -1
	for u := int32(0); u < int32(n); u++ {
		for e := a.first[u]; e < a.first[u+1]; e++ {
			c, b := a.to[e], a.lbl[e]
			f := int32(0)
			if u != 0 {
				f = a.next(a.fail[u], b)
			}
			a.fail[c] = f
			if a.outAt[f] < a.outAt[f+1] {
				a.dict[c] = f
			} else {
				a.dict[c] = a.dict[f]
			}
		}
		if u < a.nDense {
			row := a.dense[u*a.nc : (u+1)*a.nc]
			if u != 0 {
				copy(row, a.dense[a.fail[u]*a.nc:(a.fail[u]+1)*a.nc])
			}
			for e := a.first[u]; e < a.first[u+1]; e++ {
				row[a.class[a.lbl[e]]] = a.to[e]
			}
		}
	}
}

// step returns the goto of u on b, or -1.
func (a *automaton) step(u int32, b byte) int32 {
	lo, hi := a.first[u], a.first[u+1]
	if hi-lo <= 8 {
		for e := lo; e < hi; e++ {
			if a.lbl[e] == b {
				return a.to[e]
			}
		}
		return -1
	}
	for lo < hi {
		mid := int32(uint32(lo+hi) >> 1)
		if a.lbl[mid] < b {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < a.first[u+1] && a.lbl[lo] == b {
		return a.to[lo]
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

func (a *automaton) find(text string, yield func(Occurrence) bool) {
	if len(a.refs) == 0 {
		return
	}
	emit := func(u int32, end int) bool {
		for _, k := range a.out[a.outAt[u]:a.outAt[u+1]] {
			r := a.refs[k]
			if !yield(Occurrence{Input: int(r.in), Start: end - int(r.n), End: end, Trimmed: r.trimmed}) {
				return false
			}
		}
		return true
	}
	u := int32(0)
	nc, nd, dense := a.nc, a.nDense, a.dense
	for j := 0; j < len(text); j++ {
		if u < nd {
			u = dense[u*nc+int32(a.class[text[j]])]
		} else {
			u = a.next(u, text[j])
		}
		if u == 0 {
			continue
		}
		if a.outAt[u] < a.outAt[u+1] && !emit(u, j+1) {
			return
		}
		for d := a.dict[u]; d >= 0; d = a.dict[d] {
			if !emit(d, j+1) {
				return
			}
		}
	}
}
