package sqlguard

import (
	"cmp"
	"slices"
)

// manyInputs is the input count above which occurrences are found with one
// Aho-Corasick pass over the statement instead of one substring search per
// input: a request can carry hundreds of inputs, and a bulk statement can be
// megabytes, so the product must not be the cost.
const manyInputs = 16

// occ is one verbatim occurrence: needle index and start offset.
type occ struct{ in, s int32 }

// needle is one text searched for: an input's value or its trimmed form.
type needle struct {
	in int    // index of the input
	v  string // text
}

// matcher is an Aho-Corasick automaton over input values (Aho and
// Corasick, CACM 18(6), 1975). Transitions live in one map keyed by
// node<<8 | byte; out and dict give the inputs that end at a node.
type matcher struct {
	next map[int64]int32
	root [256]int32 // transitions from the root, -1 for none
	kid  []int32    // first child, for the breadth-first pass
	sib  []int32    // next sibling
	lbl  []byte     // byte on the edge into the node
	fail []int32
	out  [][]int32 // inputs whose value ends exactly at the node
	dict []int32   // nearest proper suffix node with output, or -1
}

func newMatcher(inputs []needle, maxLen int) *matcher {
	m := &matcher{next: map[int64]int32{}, fail: []int32{0}, out: [][]int32{nil}, dict: []int32{-1},
		kid: []int32{-1}, sib: []int32{-1}, lbl: []byte{0}}
	for b := range m.root {
		m.root[b] = -1
	}
	for i, in := range inputs {
		v := in.v
		if v == "" || len(v) > maxLen {
			continue
		}
		n := int32(0)
		for j := 0; j < len(v); j++ {
			k := int64(n)<<8 | int64(v[j])
			c, ok := m.next[k]
			if !ok {
				c = int32(len(m.fail))
				m.next[k] = c
				m.fail = append(m.fail, 0)
				m.out = append(m.out, nil)
				m.dict = append(m.dict, -1)
				m.kid = append(m.kid, -1)
				m.sib = append(m.sib, m.kid[n])
				m.lbl = append(m.lbl, v[j])
				m.kid[n] = c
				if n == 0 {
					m.root[v[j]] = c
				}
			}
			n = c
		}
		m.out[n] = append(m.out[n], int32(i))
	}
	// Breadth-first failure links.
	queue := make([]int32, 0, len(m.fail))
	queue = append(queue, 0)
	for h := 0; h < len(queue); h++ {
		u := queue[h]
		for c := m.kid[u]; c >= 0; c = m.sib[c] {
			b := int64(m.lbl[c])
			queue = append(queue, c)
			if u == 0 {
				m.fail[c] = 0
			} else {
				f := m.fail[u]
				for {
					if t, ok := m.step(f, b); ok {
						m.fail[c] = t
						break
					}
					if f == 0 {
						m.fail[c] = 0
						break
					}
					f = m.fail[f]
				}
			}
			if f := m.fail[c]; len(m.out[f]) > 0 {
				m.dict[c] = f
			} else {
				m.dict[c] = m.dict[f]
			}
		}
	}
	return m
}

// occurrences returns every occurrence of every input in src, at most
// limit+1 per needle (one past the limit shows the cut), sorted by needle
// index then offset, so the order of judgement is the one of the
// per-input search.
func (m *matcher) occurrences(src string, inputs []needle, limit int) []occ {
	count := make([]int32, len(inputs))
	var occs []occ
	emit := func(n int32, end int) {
		for _, i := range m.out[n] {
			if int(count[i]) > limit {
				continue
			}
			count[i]++
			occs = append(occs, occ{in: i, s: int32(end - len(inputs[i].v))})
		}
	}
	n := int32(0)
	for j := 0; j < len(src); j++ {
		b := int64(src[j])
		for {
			if t, ok := m.step(n, b); ok {
				n = t
				break
			}
			if n == 0 {
				break
			}
			n = m.fail[n]
		}
		if len(m.out[n]) > 0 {
			emit(n, j+1)
		}
		for d := m.dict[n]; d >= 0; d = m.dict[d] {
			emit(d, j+1)
		}
	}
	slices.SortFunc(occs, func(a, b occ) int {
		if c := cmp.Compare(a.in, b.in); c != 0 {
			return c
		}
		return cmp.Compare(a.s, b.s)
	})
	return occs
}

func (m *matcher) step(n int32, b int64) (int32, bool) {
	if n == 0 {
		t := m.root[b]
		return t, t >= 0
	}
	t, ok := m.next[int64(n)<<8|b]
	return t, ok
}
