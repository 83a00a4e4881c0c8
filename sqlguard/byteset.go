package sqlguard

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync/atomic"
	"unsafe"
)

// byteSet is the set of the bytes of a statement and a 1024-bit summary of
// its pairs of adjacent bytes (a Bloom filter with one hash): a text of two
// bytes or more occurs only in a statement that holds each of its pairs, so
// the short inputs a request carries ("page", "en", "sort"), whose bytes
// nearly any statement holds, are ruled out by their pairs.
type byteSet struct {
	bytes [4]uint64
	pairs [16]uint64
}

// pairBit is the bit of the pair (a, b) in byteSet.pairs.
func pairBit(a, b byte) uint32 {
	return (uint32(a)<<8 | uint32(b)) * 0x9e3779b1 >> 22
}

func byteSetOf(s string) byteSet {
	var set byteSet
	if s == "" {
		return set
	}
	p := s[0]
	set.bytes[p>>6] |= 1 << (p & 63)
	for i := 1; i < len(s); i++ {
		c := s[i]
		set.bytes[c>>6] |= 1 << (c & 63)
		h := pairBit(p, c)
		set.pairs[h>>6] |= 1 << (h & 63)
		p = c
	}
	return set
}

// mayContain reports false when a statement with these bytes contains
// neither v (not empty) nor its trimmed text (see [trimmed]): it lacks the
// byte of a text of one byte, or the first, the middle or the last pair of
// the trimmed text (or of v when it has none), which both contain.
func (set *byteSet) mayContain(v string) bool {
	return set.holds(core(v))
}

// holds is mayContain of the text whose core (see [core]) is v.
func (set *byteSet) holds(v string) bool {
	n := len(v)
	if n == 1 {
		c := v[0]
		return set.bytes[c>>6]&(1<<(c&63)) != 0
	}
	a, b, c := pairBit(v[0], v[1]), pairBit(v[n/2-1], v[n/2]), pairBit(v[n-2], v[n-1])
	return set.pairs[a>>6]&(1<<(a&63)) != 0 && set.pairs[b>>6]&(1<<(b&63)) != 0 && set.pairs[c>>6]&(1<<(c&63)) != 0
}

// The statements whose byte sets are remembered. Applications run the same
// constant statements again and again; remembering the bytes of each makes
// the check of a statement in which no input occurs cost a comparison with
// the remembered copy and a few lookups per input, not a scan of the
// statement per input.
const (
	// byteSetSlots is the number of statements remembered: more than the
	// distinct statements most applications run hot.
	byteSetSlots = 1 << byteSetBits
	byteSetBits  = 9
	// maxByteSetStatement is the longest statement remembered, so the
	// copies held stay within 1 MiB; longer ones are scanned per input.
	maxByteSetStatement = 2 << 10
)

// statementSet is a remembered statement: a private copy of its text
// (the caller's string may be backed by memory it reuses), its bytes and,
// once an input occurrence in it was judged, its tokens under the lexing
// mode of that check.
type statementSet struct {
	stmt string
	set  byteSet
	toks atomic.Pointer[statementTokens]
}

// statementTokens are the tokens of a remembered statement under one
// lexing mode, and whether it lexes. They are never modified.
type statementTokens struct {
	mode lexMode
	toks []token
	ok   bool
}

// maxKeptTokens is the most tokens remembered with a statement (1.25 KiB),
// so the tokens held stay within 640 KiB: a statement with more is
// tokenized at every check that judges an occurrence in it.
const maxKeptTokens = 64

// tokens returns the tokens of p's statement under m, or nil when they are
// not remembered (or p is nil).
func (p *statementSet) tokens(m lexMode) *statementTokens {
	if p == nil {
		return nil
	}
	if c := p.toks.Load(); c != nil && c.mode == m {
		return c
	}
	return nil
}

// keepTokens remembers toks, the tokens of p's statement under m, unless
// p (when not nil) already holds the tokens of another mode or toks are
// too many. It copies toks, which the caller reuses.
func (p *statementSet) keepTokens(m lexMode, toks []token, ok bool) {
	if p == nil || len(toks) > maxKeptTokens || p.toks.Load() != nil {
		return
	}
	p.toks.CompareAndSwap(nil, &statementTokens{mode: m, toks: slices.Clone(toks), ok: ok})
}

var byteSetSeed = maphash.MakeSeed()

var byteSets struct {
	slots [byteSetSlots]atomic.Pointer[statementSet]
	// seen is the fingerprint of the last statement that missed in each
	// slot: a statement is remembered when it misses twice in a row, so
	// text built anew for every request (which may hold its input) is
	// never copied, and the check of such a statement never allocates.
	seen [byteSetSlots]atomic.Uint64
	// byAddr is a second index of the remembered statements, by the
	// address of the caller's text: an application passes the same
	// constant string again and again, and finding it by its address
	// spares the hash of the whole text. The address only picks a slot:
	// its statement is used when equal to the caller's text, as in slots,
	// so reused memory costs a miss, never a wrong set.
	byAddr [byteSetSlots]atomic.Pointer[statementSet]
}

// addrSlot is the slot of byAddr for text at address p.
func addrSlot(p *byte) uint64 {
	return uint64(uintptr(unsafe.Pointer(p))) * 0x9e3779b97f4a7c15 >> (64 - byteSetBits)
}

// statementBytes returns the remembered statement equal to stmt, with its
// byte set, or nil, and remembers stmt on its second miss.
// The set is exact: a slot holds one statement's text and is used only for
// a statement equal to it, so a fingerprint collision costs a miss, never a
// wrong set. Safe for concurrent use.
func statementBytes(stmt string) *statementSet {
	if len(stmt) > maxByteSetStatement || len(stmt) == 0 {
		return nil
	}
	a := addrSlot(unsafe.StringData(stmt))
	if p := byteSets.byAddr[a].Load(); p != nil && p.stmt == stmt {
		return p
	}
	h := maphash.String(byteSetSeed, stmt)
	i := h % byteSetSlots
	if p := byteSets.slots[i].Load(); p != nil && p.stmt == stmt {
		byteSets.byAddr[a].Store(p)
		return p
	}
	if byteSets.seen[i].Swap(h) != h {
		return nil
	}
	p := &statementSet{stmt: strings.Clone(stmt), set: byteSetOf(stmt)}
	byteSets.slots[i].Store(p)
	byteSets.byAddr[a].Store(p)
	return p
}
