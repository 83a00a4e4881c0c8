package taint

import (
	"cmp"
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
	if s := from(ctx); s != nil {
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
	refs    []needleRef
}

// denseBudget bounds the dense rows, in entries: a few per byte of input
// text, so the table stays within a small multiple of the inputs' size
// while covering the shallow nodes a search visits most.
func denseBudget(textBytes int) int { return 2*textBytes + 512 }

func (m *Matcher) build() {
	m.a = new(automaton)
	// one text per input for most inputs; trimmed texts may add some
	texts := make([]string, 0, len(m.inputs))
	m.a.refs = make([]needleRef, 0, len(m.inputs))
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

// build makes the automaton of texts (refs[k] describes texts[k]). With
// the texts sorted, the trie is built breadth-first, one depth at a time:
// at depth d the texts still longer than d are visited in sorted order,
// so parents come in increasing number and each parent's children are
// consecutive and in increasing byte order. Linear in the total length,
// plus the sort.
func (a *automaton) build(texts []string) {
	// The texts still longer than the depth, in sorted order, with the
	// node of their prefix so far: compacted at every depth, so the scan
	// reads them in sequence.
	type text struct {
		s    string
		node int32
		i    int32
	}
	// Sorted by their first 8 bytes, a pointer-free key (no write
	// barriers, no chasing the text), then in full where those tie.
	type key struct {
		k uint64
		i int32
	}
	keys := make([]key, len(texts))
	total := 0
	for i, t := range texts {
		var k uint64
		for j := 0; j < 8; j++ {
			k <<= 8
			if j < len(t) {
				k |= uint64(t[j])
			}
		}
		keys[i] = key{k, int32(i)}
		total += len(t)
	}
	slices.SortFunc(keys, func(x, y key) int {
		if x.k != y.k {
			return cmp.Compare(x.k, y.k)
		}
		return strings.Compare(texts[x.i], texts[y.i])
	})
	active := make([]text, len(texts))
	for k, x := range keys {
		active[k] = text{s: texts[x.i], i: x.i}
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
			p, b := t.node, t.s[d]
			if p != prevParent || int(b) != prevByte {
				last = int32(len(a.lbl))
				a.lbl = append(a.lbl, b)
				a.first = append(a.first, -1)
				if a.first[p] < 0 {
					a.first[p] = last
				}
				prevParent, prevByte = p, int(b)
			}
			if len(t.s) == d+1 {
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

func (a *automaton) find(text string, yield func(Occurrence) bool) {
	if len(a.refs) == 0 {
		return
	}
	emit := func(u int32, end int) bool {
		k, _ := slices.BinarySearch(a.outNode, u)
		for ; k < len(a.outNode) && a.outNode[k] == u; k++ {
			r := a.refs[a.out[k]]
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
		// one load for the common case, a node with nothing to report;
		// the outputs of u, then of its suffixes, longest first
		for r := a.rep[u]; r >= 0; r = a.rep[a.fail[r]] {
			if !emit(r, j+1) {
				return
			}
		}
	}
}
