package rasp

import (
	"context"
	"io"
	"sync/atomic"
)

// Bounds of the queue in front of a log writer rasp owns (stderr,
// [WithLogWriter]): a burst of events from an attack is kept, a sink that
// stopped reading costs at most this much memory, and every line past it
// is counted in [Stats.LogDrops].
const (
	logQueueLines = 1024
	logQueueBytes = 1 << 20
)

// DefaultHookQueue is the size of the queue that feeds hooks when neither
// [WithAsyncHooks] nor [WithSyncHooks] is given.
const DefaultHookQueue = 1024

// queue hands jobs to one goroutine without ever waiting: a job that does
// not fit is dropped and counted. The goroutine starts with the first job
// and ends when the queue is empty, so an idle agent holds no goroutine;
// while a job blocks (a sink that is never read), only that goroutine
// waits.
type queue[T any] struct {
	ch      chan queueItem[T]
	run     func(T)
	drops   *atomic.Uint64
	maxSize int64        // budget of the jobs' sizes; 0: no budget
	size    atomic.Int64 // sizes of the queued jobs
	running atomic.Bool
}

type queueItem[T any] struct {
	job  T
	size int64
	done chan struct{} // a flush marker: closed when reached
}

func newQueue[T any](n int, maxSize int64, drops *atomic.Uint64, run func(T)) *queue[T] {
	return &queue[T]{ch: make(chan queueItem[T], n), run: run, drops: drops, maxSize: maxSize}
}

// push queues job of the given size, or counts a drop. It never blocks.
func (q *queue[T]) push(job T, size int64) {
	if q.maxSize > 0 && q.size.Add(size) > q.maxSize {
		q.size.Add(-size)
		q.drops.Add(1)
		return
	}
	select {
	case q.ch <- queueItem[T]{job: job, size: size}:
		q.wake()
	default:
		q.size.Add(-size)
		q.drops.Add(1)
	}
}

func (q *queue[T]) wake() {
	if q.running.CompareAndSwap(false, true) {
		go q.drain()
	}
}

func (q *queue[T]) drain() {
	for {
		select {
		case it := <-q.ch:
			if it.done != nil {
				close(it.done)
				continue
			}
			q.size.Add(-it.size)
			q.run(it.job)
		default:
			q.running.Store(false)
			// A push between the empty receive and the store saw the
			// goroutine running and did not start one: look again.
			if len(q.ch) == 0 || !q.running.CompareAndSwap(false, true) {
				return
			}
		}
	}
}

// flush waits until every job queued before it ran, or ctx is done.
func (q *queue[T]) flush(ctx context.Context) error {
	done := make(chan struct{})
	select {
	case q.ch <- queueItem[T]{done: done}:
		q.wake()
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// lineWriter is the writer a zerolog logger of rasp's own sinks writes to:
// each line is copied into the queue (zerolog reuses its buffer), and the
// queue's goroutine writes it to w, counting failures.
type lineWriter struct {
	q *queue[[]byte]
}

func newLineWriter(w io.Writer, drops, errs *atomic.Uint64) *lineWriter {
	return &lineWriter{q: newQueue(logQueueLines, logQueueBytes, drops, func(b []byte) {
		defer func() {
			// A panicking writer is a failed write, not a dead process.
			if recover() != nil {
				errs.Add(1)
			}
		}()
		if _, err := w.Write(b); err != nil {
			errs.Add(1)
		}
	})}
}

// Write queues a copy of p and never fails: a line that does not fit is
// counted as dropped.
func (lw *lineWriter) Write(p []byte) (int, error) {
	lw.q.push(append([]byte(nil), p...), int64(len(p)))
	return len(p), nil
}
