package sqlguard

import (
	"hash/maphash"
	"strings"
	"sync/atomic"
)

// byteSet is the set of the bytes of a statement.
type byteSet [4]uint64

func byteSetOf(s string) byteSet {
	var set byteSet
	for i := 0; i < len(s); i++ {
		c := s[i]
		set[c>>6] |= 1 << (c & 63)
	}
	return set
}

// mayContain reports false when a statement with these bytes contains
// neither v (not empty) nor its trimmed text (see [trimmed]): it lacks the
// first, the last or the middle byte of the trimmed text, which both
// contain.
func (set *byteSet) mayContain(v string) bool {
	if isSpace(v[0]) || isSpace(v[len(v)-1]) {
		if t := trimmed(v); t != "" {
			v = t
		}
	}
	a, b, c := v[0], v[len(v)-1], v[len(v)/2]
	return set[a>>6]&(1<<(a&63)) != 0 && set[b>>6]&(1<<(b&63)) != 0 && set[c>>6]&(1<<(c&63)) != 0
}

// The statements whose byte sets are remembered. Applications run the same
// constant statements again and again; remembering the bytes of each makes
// the check of a statement in which no input occurs cost a hash of the
// statement and a few lookups per input, not a scan of the statement per
// input.
const (
	// byteSetSlots is the number of statements remembered: more than the
	// distinct statements most applications run hot.
	byteSetSlots = 512
	// maxByteSetStatement is the longest statement remembered, so the
	// copies held stay within 1 MiB; longer ones are scanned per input.
	maxByteSetStatement = 2 << 10
)

// statementSet is a remembered statement: a private copy of its text
// (the caller's string may be backed by memory it reuses) and its bytes.
type statementSet struct {
	stmt string
	set  byteSet
}

var byteSetSeed = maphash.MakeSeed()

var byteSets struct {
	slots [byteSetSlots]atomic.Pointer[statementSet]
	// seen is the fingerprint of the last statement that missed in each
	// slot: a statement is remembered when it misses twice in a row, so
	// text built anew for every request (which may hold its input) is
	// never copied, and the check of such a statement never allocates.
	seen [byteSetSlots]atomic.Uint64
}

// statementBytes returns the byte set of stmt when stmt is remembered, and
// remembers it on its second miss. The set is exact: a slot holds one
// statement's text and is used only for a statement equal to it, so a
// fingerprint collision costs a miss, never a wrong set. Safe for
// concurrent use.
func statementBytes(stmt string) (byteSet, bool) {
	if len(stmt) > maxByteSetStatement || len(stmt) == 0 {
		return byteSet{}, false
	}
	h := maphash.String(byteSetSeed, stmt)
	i := h % byteSetSlots
	if p := byteSets.slots[i].Load(); p != nil && p.stmt == stmt {
		return p.set, true
	}
	if byteSets.seen[i].Swap(h) != h {
		return byteSet{}, false
	}
	p := &statementSet{stmt: strings.Clone(stmt), set: byteSetOf(stmt)}
	byteSets.slots[i].Store(p)
	return p.set, true
}
