package rasp

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type failWriter struct{ panics bool }

func (w failWriter) Write([]byte) (int, error) {
	if w.panics {
		panic("writer bug")
	}
	return 0, errors.New("disk full")
}

func TestLogWriteErrors(t *testing.T) {
	for _, w := range []failWriter{{}, {panics: true}} {
		a := New(WithMode(ModeMonitor), WithLogWriter(w))
		for range 3 {
			_ = a.Decide(context.Background(), SinkSQL, "query", sqlFinding)
		}
		if err := a.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		if s := a.Stats(); s.LogWriteErrors != 3 || s.LogDrops != 0 {
			t.Errorf("panics=%v: write errors %d, drops %d; want 3, 0", w.panics, s.LogWriteErrors, s.LogDrops)
		}
	}
}

// TestQueueBudgets: a writer that never returns holds one line; the queue
// takes lines up to its count and byte budgets, and counts the rest.
func TestQueueBudgets(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	var drops, errs atomic.Uint64
	lw := newLineWriter(blockWriterFunc(func() { <-release }), &drops, &errs)
	big := []byte(strings.Repeat("x", logQueueBytes/4))
	for range 8 {
		if n, err := lw.Write(big); n != len(big) || err != nil {
			t.Fatalf("Write = %d, %v: a queued writer never fails", n, err)
		}
	}
	// One line is with the writer, about four fit the byte budget.
	if d := drops.Load(); d < 3 || d > 4 {
		t.Errorf("%d of 8 quarter-MiB lines dropped, want 3 or 4", d)
	}
	small := []byte("x\n")
	drops.Store(0)
	lw2 := newLineWriter(blockWriterFunc(func() { <-release }), &drops, &errs)
	for range 2 * logQueueLines {
		_, _ = lw2.Write(small)
	}
	if d := drops.Load(); d < logQueueLines-1 || d > logQueueLines {
		t.Errorf("%d of %d lines dropped, want about %d", d, 2*logQueueLines, logQueueLines)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := lw2.q.flush(ctx); err == nil {
		t.Error("flush of a stuck queue returned nil")
	}
}

type blockWriterFunc func()

func (f blockWriterFunc) Write(p []byte) (int, error) { f(); return len(p), nil }
