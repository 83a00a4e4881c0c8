package sqlguard

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/gorasp/rasp/taint"
)

// byteSetRuns numbers the runs of the tests below.
var byteSetRuns atomic.Int64

// TestStatementBytes: a statement is remembered at its second miss, with
// its exact byte set, under a private copy of its text.
func TestStatementBytes(t *testing.T) {
	// The statements are new to the process on every run (-count=N): the
	// sets are remembered process-wide.
	run := strconv.FormatInt(byteSetRuns.Add(1), 10)
	b := []byte("SELECT note FROM byteset_test" + run + " WHERE id = ?")
	q := string(b)
	if set := statementBytes(q); set != nil {
		t.Fatal("remembered at first sight")
	}
	set := statementBytes(q)
	if set == nil || set.set != byteSetOf(q) {
		t.Fatalf("second sight: %v, want the statement's bytes", set)
	}
	if set := statementBytes(strings.Clone(q)); set == nil || set.set != byteSetOf(q) {
		t.Fatal("an equal statement in other memory is not found")
	}
	if set := statementBytes(q + " "); set != nil {
		t.Fatal("a different statement is found")
	}
	if set := statementBytes(strings.Repeat("x", maxByteSetStatement+1)); set != nil {
		t.Fatal("a statement past the limit is remembered")
	}
}

// TestStatementBytesReusedMemory: a statement found by the address of its
// text is used only while that memory holds the same text.
func TestStatementBytesReusedMemory(t *testing.T) {
	run := strconv.FormatInt(byteSetRuns.Add(1), 10)
	b := []byte("SELECT a FROM reused_memory" + run + " WHERE b = ?")
	q := unsafe.String(&b[0], len(b))
	statementBytes(q)
	if set := statementBytes(q); set == nil || set.set != byteSetOf(q) {
		t.Fatal("not remembered at second sight")
	}
	if set := statementBytes(q); set == nil || set.set != byteSetOf(q) {
		t.Fatal("not found by its address")
	}
	copy(b, "UPDATE z SET y = 1 WHERE x = 'k' -- ")
	want := byteSetOf(string(b))
	for range 3 {
		if set := statementBytes(q); set != nil && set.set != want {
			t.Fatal("the set of the text the memory held before")
		}
	}
}

// TestMayContain: a set never rules out an input whose value or trimmed
// text occurs in the statement.
func TestMayContain(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ab '\t\n" + "\u00a0" + "\u3000"
	str := func(n int) string {
		var sb strings.Builder
		for range n {
			sb.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		return sb.String()
	}
	for range 20000 {
		stmt, v := str(r.IntN(12)), str(1+r.IntN(5))
		set := byteSetOf(stmt)
		occurs := strings.Contains(stmt, v) || taint.Trimmed(v) != "" && strings.Contains(stmt, taint.Trimmed(v))
		if occurs && !set.mayContain(v) {
			t.Fatalf("%q in %q ruled out", v, stmt)
		}
		if rb := rareByte(v); occurs && strings.IndexByte(stmt, rb) < 0 {
			t.Fatalf("%q in %q ruled out by its byte %q", v, stmt, rb)
		}
	}
}

// TestRememberedStatementsSameVerdicts: the checks of a statement seen
// before (its byte set remembered) give the verdicts of the first.
func TestRememberedStatementsSameVerdicts(t *testing.T) {
	for _, c := range checkCases {
		ins := []taint.Input{{Value: "absent-1"}, {Value: c.input}, {Value: " absent 2 "}}
		first := Analyze(c.dialect, c.query, ins)
		for range 3 {
			if r := Analyze(c.dialect, c.query, ins); r != first {
				t.Fatalf("%s: %+v, first check %+v", c.name, r, first)
			}
		}
	}
}

// TestStatementBytesConcurrent: concurrent lookups and stores of many
// statements (more than the slots) only ever return a statement's own set.
func TestStatementBytesConcurrent(t *testing.T) {
	var qs []string
	for i := range 2 * byteSetSlots {
		qs = append(qs, "SELECT c"+strings.Repeat("x", i%7)+" FROM concurrent_"+string(rune('a'+i%26))+strings.Repeat("y", i/26))
	}
	done := make(chan bool)
	for g := range 4 {
		go func() {
			ok := true
			for n := range 20000 {
				q := qs[(n*(g+1))%len(qs)]
				if set := statementBytes(q); set != nil && set.set != byteSetOf(q) {
					ok = false
				}
			}
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Error("a lookup returned another statement's bytes")
		}
	}
}

// TestMayContainPairs: short texts whose every byte the statement holds
// are ruled out by their pairs of adjacent bytes, and texts that occur are
// not.
func TestMayContainPairs(t *testing.T) {
	const q = "SELECT id, title FROM posts WHERE tag = 'gardening'"
	set := byteSetOf(q)
	for _, v := range []string{"page", "sort", "pest", "ding", " stage "} {
		for i := 0; i < len(v); i++ {
			if strings.IndexByte(q, v[i]) < 0 {
				t.Fatalf("%q: byte %q not in the statement", v, v[i])
			}
		}
		if set.mayContain(v) {
			t.Errorf("%q not ruled out", v)
		}
	}
	for _, v := range []string{"tag", "gardening", "en", " posts ", "e", "'gardening'"} {
		if !set.mayContain(v) {
			t.Errorf("%q ruled out", v)
		}
	}
}

// TestRememberedTokensPerMode: a remembered statement keeps the tokens of
// one lexing mode; a check under another mode lexes it under its own
// rules, so each dialect keeps its verdict, also when checks of both run
// at once.
func TestRememberedTokensPerMode(t *testing.T) {
	q := `SELECT id FROM remembered_modes WHERE a = 'x\' OR 1=1 -- '`
	ins := []taint.Input{{Source: taint.SourceQuery, Key: "a", Value: `x\' OR 1=1 -- `}}
	mb := DialectMySQL | BackslashEscapes
	want := map[Dialect]bool{mb: false, pg: true}
	for d, inj := range want {
		if r := Analyze(d, q, ins); r.Injection != inj {
			t.Fatalf("%v: injection %v, want %v (first check)", d, r.Injection, inj)
		}
	}
	done := make(chan bool)
	for g := range 4 {
		go func() {
			ok := true
			for n := range 200 {
				d := mb
				if (n+g)%2 == 0 {
					d = pg
				}
				if r := Analyze(d, q, ins); r.Injection != want[d] {
					ok = false
				}
			}
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Fatal("a remembered statement's tokens gave another dialect's verdict")
		}
	}
	if p := statementBytes(q); p == nil || p.toks.Load() == nil {
		t.Fatal("the statement's tokens are not remembered")
	}
}
