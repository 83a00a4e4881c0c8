// Package agentlink carries the agent's machinery for guard authors from
// package rasp, which implements it, to package guard, which exports it:
// guard imports rasp, so rasp cannot import guard, and guard cannot see
// rasp's unexported fields. Package rasp stores its functions in [Link]
// when it is initialized; package guard reads them once, when it is
// initialized in turn (after rasp, which it imports).
package agentlink

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/gorasp/rasp/taint"
)

// Funcs are the functions package rasp implements for package guard; the
// type parameters are rasp's Agent, Mode, Finding, Detail and Request,
// which this package cannot name. The agent comes first, so that rasp's
// methods are the functions themselves (method expressions).
type Funcs[Agent, Mode, Finding, Detail, Request any] struct {
	ContextAgent func(ctx context.Context) (*Agent, bool)
	Begin        func(a *Agent, sink string) Span
	// BlindSpot records the stack from its caller, skip frames left out.
	BlindSpot func(a *Agent, sink, op string, skip int)
	// Decide and Fault read the sink's mode again when m is invalid.
	Decide  func(a *Agent, ctx context.Context, m Mode, sink, op string, f Finding, details []Detail) error
	Fault   func(a *Agent, ctx context.Context, m Mode, sink, op string, f Finding, err error, details []Detail) error
	Partial func(a *Agent, ctx context.Context, sink, op string) error
	// PartialInspection reports whether Partial would report a call made
	// with ctx, and has no effect.
	PartialInspection func(ctx context.Context) bool
	StartCall         func(a *Agent, ctx context.Context, req Request) Call
}

// Link holds a *Funcs instantiated with rasp's types, set by package rasp.
var Link any

// TimeSampleEvery is how often a check is timed: one in 64, scaled up, so
// the hot path reads no clock on the other 63.
const TimeSampleEvery = 64

// Span times one check: Ns is the sink's counter of sampled time, nil
// when this check is not timed.
type Span struct {
	Ns    *atomic.Int64
	Start int64
}

// End adds the span's time, scaled, to its counter, if it was sampled.
func (s Span) End() {
	if s.Ns != nil {
		s.Ns.Add((Nanotime() - s.Start) * TimeSampleEvery)
	}
}

var clockBase = time.Now()

// Nanotime reads the monotonic clock.
func Nanotime() int64 { return int64(time.Since(clockBase)) }

// Call is the agent's scope of one call served outside net/http; see
// guard.Call.
type Call interface {
	Add(src taint.Source, key, value string) bool
	MarkPartial()
	Context() context.Context
	Blocked() bool
	Sent() bool
	End()
}
