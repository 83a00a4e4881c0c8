package pgxguard

import (
	"hash/maphash"
	"strings"
	"sync/atomic"

	"github.com/gorasp/rasp/sqlguard"
	"github.com/gorasp/rasp/taint"
)

// Bounds of the clean-verdict memory. A statement or request past them is
// analyzed every time. maxCleanInputs × maxCleanStmt stays within the
// statement size sqlguard searches input by input (its direct search, see
// [sqlguard.MaxWork]), the only search whose work the key below accounts
// for.
const (
	cleanSlots       = 1 << 10 // entries, direct-mapped
	maxCleanStmt     = 2 << 10 // bytes of a remembered statement
	maxCleanInputs   = 64      // inputs of a request whose verdicts are remembered
	maxCleanValueLen = 1 << 10 // bytes of the occurring values of one entry
)

// cleanMemory remembers statements that [sqlguard.Analyze] found clean
// although request input occurred in them ("SELECT name FROM items" and a
// request with ?fields=name): the same statement with the same inputs
// occurring in it is clean again, without the scan. Analyze is pure, and
// its verdict depends on the statement, on the inputs that occur in it
// (their values and whether each is a key) and, through the work budget
// ([sqlguard.MaxWork]), on the bytes it searched before each occurrence.
// The key holds all of it: the statement, and for each occurring input in
// request order its value, its key flag and the number of strings searched
// for the inputs before it that do not occur (each costs one unit per byte
// of the statement). The inputs after the last occurring one are searched
// after every occurrence was judged, so they cannot change the verdict and
// are left out: requests that differ only in their headers share an entry.
// Entries are compared in full, never by fingerprint alone, so an entry
// answers only for exactly its key; an attacker can at most replace entries
// (costing a scan), never make one answer for another statement.
//
// Memory is bounded: cleanSlots entries of at most maxCleanStmt +
// maxCleanValueLen bytes of text and maxCleanInputs items each (about
// 5 MiB in the worst case, a few KiB for a typical application).
type cleanMemory struct {
	seed  maphash.Seed
	slots [cleanSlots]atomic.Pointer[cleanEntry]
}

var clean = &cleanMemory{seed: maphash.MakeSeed()}

type cleanEntry struct {
	hash  uint64
	stmt  string
	items []cleanItem
}

// cleanItem is one occurring input of an entry's key.
type cleanItem struct {
	gap   int32 // strings searched for the non-occurring inputs since the previous item
	key   bool
	value string
}

// occurrence is an occurring input found by scan: its index and gap.
type occurrence struct {
	in, gap int32
}

// analyze is sqlguard.Analyze(sqlguard.DialectPostgres, sql, inputs),
// with the same result, answered without a scan when no input occurs in
// sql (Analyze's result then is the zero Result) or when the memory holds
// a clean verdict for sql and the inputs.
func analyze(sql string, inputs []taint.Input) sqlguard.Result {
	if len(inputs) == 0 || len(inputs) > maxCleanInputs || len(sql) > maxCleanStmt {
		return sqlguard.Analyze(sqlguard.DialectPostgres, sql, inputs)
	}
	var occ [maxCleanInputs]occurrence
	n := scan(sql, inputs, &occ)
	if n == 0 {
		return sqlguard.Result{}
	}
	found := occ[:n]
	h := clean.hash(sql, inputs, found)
	slot := &clean.slots[h&(cleanSlots-1)]
	if e := slot.Load(); e != nil && e.matches(h, sql, inputs, found) {
		return sqlguard.Result{Occurs: true}
	}
	r := sqlguard.Analyze(sqlguard.DialectPostgres, sql, inputs)
	if r.Occurs && !r.Injection && !r.Incomplete {
		if e := newCleanEntry(h, sql, inputs, found); e != nil {
			slot.Store(e)
		}
	}
	return r
}

// scan finds the inputs that occur in sql, as sqlguard searches them: an
// input occurs when its value, or its value trimmed of white space, is a
// substring of sql. It returns how many occur, their indexes and gaps in
// occ. Most inputs are ruled out by sql's byteSets without a search.
func scan(sql string, inputs []taint.Input, occ *[maxCleanInputs]occurrence) int {
	var b byteSets
	b.build(sql)
	n, gap := 0, int32(0)
	for i := range inputs {
		v := inputs[i].Value
		if v == "" {
			continue
		}
		t := ""
		if taint.Padded(v) {
			t = taint.Trimmed(v)
		}
		hit := false
		if len(v) <= len(sql) {
			gap++
			hit = b.mayOccur(v) && strings.Contains(sql, v)
		}
		if t != "" && len(t) <= len(sql) {
			gap++
			hit = hit || b.mayOccur(t) && strings.Contains(sql, t)
		}
		if hit {
			// The occurring input's own strings are part of its value,
			// not of the gap.
			if len(v) <= len(sql) {
				gap--
			}
			if t != "" && len(t) <= len(sql) {
				gap--
			}
			occ[n] = occurrence{in: int32(i), gap: gap}
			n++
			gap = 0
		}
	}
	return n
}

// byteSets are the set of a statement's bytes and of its pairs of
// adjacent bytes (hashed into pairBits bits): a string whose first or last
// byte, or first or last pair, the statement lacks cannot occur in it
// (most inputs of a request, for a short statement), and needs no
// substring search.
type byteSets struct {
	bytes [4]uint64
	pairs [pairBits / 64]uint64
}

func (b *byteSets) build(sql string) {
	if len(sql) == 0 {
		return
	}
	prev := sql[0]
	b.bytes[prev>>6] |= 1 << (prev & 63)
	for i := 1; i < len(sql); i++ {
		c := sql[i]
		b.bytes[c>>6] |= 1 << (c & 63)
		h := pairHash(prev, c)
		b.pairs[h>>6] |= 1 << (h & 63)
		prev = c
	}
}

// mayOccur reports whether s, not empty, may be a substring of the
// statement: false when it is certainly not.
func (b *byteSets) mayOccur(s string) bool {
	a, z := s[0], s[len(s)-1]
	if b.bytes[a>>6]&(1<<(a&63)) == 0 || b.bytes[z>>6]&(1<<(z&63)) == 0 {
		return false
	}
	if len(s) < 2 {
		return true
	}
	h, k := pairHash(a, s[1]), pairHash(s[len(s)-2], z)
	return b.pairs[h>>6]&(1<<(h&63)) != 0 && b.pairs[k>>6]&(1<<(k&63)) != 0
}

// pairBits is the size of scan's set of byte pairs: a statement of a few
// dozen bytes sets a few per cent of them.
const pairBits = 1024

// pairHash maps a pair of adjacent bytes to one of pairBits bits.
func pairHash(a, b byte) uint {
	return (uint(a)*0x9f ^ uint(b)) & (pairBits - 1)
}

func (m *cleanMemory) hash(sql string, inputs []taint.Input, found []occurrence) uint64 {
	h := maphash.String(m.seed, sql)
	for _, o := range found {
		in := &inputs[o.in]
		x := maphash.String(m.seed, in.Value) ^ uint64(o.gap)<<1
		if in.IsKey {
			x ^= 1
		}
		h = (h ^ x) * 0x9e3779b97f4a7c15
	}
	return h
}

func (e *cleanEntry) matches(h uint64, sql string, inputs []taint.Input, found []occurrence) bool {
	if e.hash != h || len(e.items) != len(found) || e.stmt != sql {
		return false
	}
	for k, o := range found {
		it, in := &e.items[k], &inputs[o.in]
		if it.gap != o.gap || it.key != in.IsKey || it.value != in.Value {
			return false
		}
	}
	return true
}

// newCleanEntry returns the entry of a clean verdict, or nil when its
// values are too long to keep. The texts are copied: a statement or a
// value may be part of a larger buffer that the entry must not keep alive.
func newCleanEntry(h uint64, sql string, inputs []taint.Input, found []occurrence) *cleanEntry {
	size := 0
	for _, o := range found {
		size += len(inputs[o.in].Value)
	}
	if size > maxCleanValueLen {
		return nil
	}
	e := &cleanEntry{hash: h, stmt: strings.Clone(sql), items: make([]cleanItem, len(found))}
	for k, o := range found {
		in := &inputs[o.in]
		e.items[k] = cleanItem{gap: o.gap, key: in.IsKey, value: strings.Clone(in.Value)}
	}
	return e
}
