package sqlguard

import (
	"hash/maphash"
	"sync/atomic"
)

// MemorySize is the number of statements a [Memory] made by [NewMemory]
// with size 0 holds: more than the distinct constant statements of most
// applications (an ORM model has a handful each), at 32 KiB.
const MemorySize = 4096

// memoryWays is the associativity of a Memory: a fingerprint lives in one
// of this many slots of its set, so a lookup reads one cache line.
const memoryWays = 4

// Memory remembers the application's own statements: a bounded set of
// fingerprints of statements that ran, checked and clean, while request
// inputs were present. A statement byte-identical to one that ran so has the
// syntax of a clean run, so a finding on it is the coincidence of an input
// with the application's own text (a search for "COUNT(*)" against SELECT
// COUNT(*) FROM ..., a query key "label" beside WHERE label = ?), not an
// injection. Inputs may occur in a remembered statement as values or names
// its clean check allowed (keys are inputs, and a key usually names a
// column): requiring no occurrence at all would remember almost nothing.
//
// What it clears: a statement only after the process ran that exact text
// once, clean. What it does not: the first execution of any statement, a
// statement the application never ran before, and any text that differs by
// one byte (so a statement that concatenates a request's input is judged
// afresh for every new input). The residual risk: an application that builds
// the same text from its own default on one request and from an input on
// another (a column name that defaults when the parameter is absent) has
// the second run cleared like the first.
// Statements that run with no request inputs at all (outside a request, or
// where the context was lost), or for a request inspected only in part (an
// input past a cap), are not recorded: such a statement may carry input the
// check never saw.
//
// Fingerprints are 64-bit [maphash] values under a seed drawn at random per
// process, so no one can craft a statement that collides with a remembered
// one. When a set is full, a new fingerprint replaces an old one: the cost
// of eviction is a finding, never a missed injection.
//
// A Memory is safe for concurrent use; its methods do not allocate.
type Memory struct {
	seed  maphash.Seed
	slots []atomic.Uint64
	mask  uint64 // number of sets - 1
}

// NewMemory returns a Memory of at least size statements, rounded up to a
// power of two; size 0 means [MemorySize].
func NewMemory(size int) *Memory {
	if size <= 0 {
		size = MemorySize
	}
	sets := 1
	for sets*memoryWays < size {
		sets <<= 1
	}
	return &Memory{seed: maphash.MakeSeed(), slots: make([]atomic.Uint64, sets*memoryWays), mask: uint64(sets - 1)}
}

func (m *Memory) fingerprint(statement string) (uint64, []atomic.Uint64) {
	h := maphash.String(m.seed, statement)
	if h == 0 {
		h = 1 // 0 marks an empty slot
	}
	set := (h & m.mask) * memoryWays
	return h, m.slots[set : set+memoryWays]
}

// Remember records statement as the application's own.
func (m *Memory) Remember(statement string) {
	if m == nil {
		return
	}
	h, set := m.fingerprint(statement)
	for i := range set {
		if set[i].Load() == h {
			return
		}
	}
	for i := range set {
		if set[i].CompareAndSwap(0, h) {
			return
		}
	}
	// Full: replace the slot the fingerprint's high bits pick.
	set[h>>62].Store(h)
}

// Known reports whether statement was remembered (and not evicted since).
func (m *Memory) Known(statement string) bool {
	if m == nil {
		return false
	}
	h, set := m.fingerprint(statement)
	for i := range set {
		if set[i].Load() == h {
			return true
		}
	}
	return false
}
