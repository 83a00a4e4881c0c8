package sqlguard

import (
	"fmt"
	"sync"
	"testing"
)

func TestMemory(t *testing.T) {
	m := NewMemory(0)
	q := "SELECT COUNT(*) FROM notes WHERE folder = ?"
	if m.Known(q) {
		t.Fatal("known before it ran")
	}
	m.Remember(q)
	if !m.Known(q) || m.Known(q+" ") || m.Known("SELECT COUNT(*) FROM notes WHERE folder = 1") {
		t.Fatal("memory is not exact")
	}
	var nilM *Memory
	nilM.Remember(q)
	if nilM.Known(q) {
		t.Fatal("nil memory knows")
	}
}

func TestMemoryBounded(t *testing.T) {
	m := NewMemory(64)
	if len(m.slots) != 64 {
		t.Fatalf("%d slots for 64 statements", len(m.slots))
	}
	for i := range 10000 {
		m.Remember(fmt.Sprintf("SELECT %d", i))
	}
	known := 0
	for i := range 10000 {
		if m.Known(fmt.Sprintf("SELECT %d", i)) {
			known++
		}
	}
	if known == 0 || known > 64 {
		t.Fatalf("%d of 10000 statements known in a memory of 64", known)
	}
	// The most recent one is always there.
	if !m.Known("SELECT 9999") {
		t.Fatal("last statement evicted at once")
	}
}

// TestMemoryConcurrent remembers and looks up statements from several
// goroutines at once (run with -race). A statement may be evicted by
// another goroutine's statement in the same full set at any moment, so
// what holds is that most are remembered afterwards (2,000 statements in
// 1,024 sets of 4 overflow some sets: about 70 evictions are expected) and
// that none that was never remembered is known.
func TestMemoryConcurrent(t *testing.T) {
	m := NewMemory(0)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				q := fmt.Sprintf("SELECT %d FROM t%d", i, g)
				m.Remember(q)
				m.Known(q)
				m.Known(fmt.Sprintf("SELECT %d FROM u%d", i, g))
			}
		}()
	}
	wg.Wait()
	known, strangers := 0, 0
	for g := range 4 {
		for i := range 500 {
			if m.Known(fmt.Sprintf("SELECT %d FROM t%d", i, g)) {
				known++
			}
			if m.Known(fmt.Sprintf("SELECT %d FROM u%d", i, g)) {
				strangers++
			}
		}
	}
	if known < 1800 || strangers != 0 {
		t.Fatalf("%d of 2000 remembered statements known (want at least 1800), %d never remembered known", known, strangers)
	}
}

func TestMemoryAllocs(t *testing.T) {
	m := NewMemory(0)
	q := "SELECT id, title FROM posts WHERE author = ? ORDER BY id"
	if n := testing.AllocsPerRun(100, func() { m.Remember(q); m.Known(q) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func BenchmarkMemory(b *testing.B) {
	m := NewMemory(0)
	q := "SELECT id, name, email FROM users WHERE id = ?"
	m.Remember(q)
	b.Run("remember-known", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.Remember(q)
		}
	})
	b.Run("known", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.Known(q)
		}
	})
}
