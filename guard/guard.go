// Package guard is for authors of guards and source adapters: the
// agent's machinery that packages driver, execguard, fsguard, ssrfguard,
// pgxguard and grpcguard are built on, exported so that a guard for
// another sink can be written outside this module. Applications do not
// need it: they configure a [rasp.Agent] and use the guards.
//
// A guard, around one dangerous call at a sink (see the package Example):
// it finds the request with [rasp.RequestContext] and its agent with
// [rasp.FromContext], skips all work when [rasp.Agent.ModeFor] is off,
// counts a call without request inputs with [BlindSpot], and otherwise
// defers [Recover], times a pure check (which returns a rasp.Finding and
// a bool) between [Begin] and [Span.End], and reports a finding with
// [DecideIn] (or [Partial] when it found none; [PartialInspection] tells
// beforehand, with no effect, whether Partial would report the call). A
// non-nil error is a [*rasp.BlockedError]: the call must not run.
//
// A source other than net/http (package grpcguard for gRPC) starts a
// [Call] per call it serves with [StartCall], and gets from it what
// [rasp.Agent.Middleware] gives an HTTP handler: the inputs under the
// agent's caps, a per-call block state and the goroutine binding.
//
// Every decision goes through the one path of [rasp.Agent.Decide]: events,
// hooks, counters and blocking. With logging disabled and no hook, a
// monitor-mode decision, [Begin] and [Partial] allocate nothing.
package guard

import (
	"context"
	"fmt"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/internal/agentlink"
	"github.com/gorasp/rasp/taint"
)

// link is package rasp's implementation, set when rasp was initialized.
var link = agentlink.Link.(*agentlink.Funcs[rasp.Agent, rasp.Mode, rasp.Finding, rasp.Detail, rasp.Request])

// ContextAgent returns the agent ctx carries, without falling back to
// [rasp.Default]. Wrappers with an agent of their own use it to tell "the
// request chose an agent" from "nobody did".
func ContextAgent(ctx context.Context) (*rasp.Agent, bool) { return link.ContextAgent(ctx) }

// Span times one check; see [Begin].
type Span struct{ s agentlink.Span }

// Begin counts one check at sink and returns a span whose End records the
// time it took (one call in 64 is timed, and scaled). Guards call it after
// finding request inputs and before checking.
func Begin(a *rasp.Agent, sink string) Span { return Span{link.Begin(a, sink)} }

// End records the span's time, if it was sampled.
func (s Span) End() { s.s.End() }

// BlindSpot counts a call at sink that carried no request context, so it
// could not be checked, and warns once per call site: the first frame of
// the application's own code. skip is the number of the guard's own frames
// above its caller, as for [runtime.Callers]; frames of rasp, database/sql
// and the database libraries are skipped anyway.
//
// A call on a goroutine serving a request that began while the agent was
// off is not counted: nothing was collected for it to be checked against,
// and the application is not at fault.
func BlindSpot(a *rasp.Agent, sink, op string, skip int) {
	link.BlindSpot(a, sink, op, skip+1)
}

// DecideWith is [rasp.Agent.Decide] with sink details (statement kind,
// clause, driver...) for the event.
func DecideWith(ctx context.Context, a *rasp.Agent, sink, op string, f rasp.Finding, details ...rasp.Detail) error {
	return link.Decide(a, ctx, 0, sink, op, f, details)
}

// DecideIn is [DecideWith] in mode m, the mode the guard read with
// [rasp.Agent.ModeFor] when the call began: one call, one mode. A guard
// that reports a monitor-mode finding after the call ran passes the mode
// it let the call run in, so a switch to [rasp.ModeProtect] meanwhile
// neither marks the event blocked nor counts a block. An invalid m is read
// again with ModeFor.
func DecideIn(ctx context.Context, a *rasp.Agent, m rasp.Mode, sink, op string, f rasp.Finding, details ...rasp.Detail) error {
	return link.Decide(a, ctx, m, sink, op, f, details)
}

// Fault reports an internal fault at sink (a recovered panic, a work limit
// reached) and returns a [*rasp.BlockedError] when the agent fails closed
// in [rasp.ModeProtect] ([rasp.WithFailClosed]), else nil (fail-open, the
// default).
func Fault(ctx context.Context, a *rasp.Agent, sink, op string, err error) error {
	return link.Fault(a, ctx, 0, sink, op, rasp.Finding{Start: -1, End: -1}, err, nil)
}

// FaultWith is [Fault] for a check that could not finish on a target while
// request input was present: the event carries the finding so far.
func FaultWith(ctx context.Context, a *rasp.Agent, sink, op string, f rasp.Finding, err error, details ...rasp.Detail) error {
	return link.Fault(a, ctx, 0, sink, op, f, err, details)
}

// FaultIn is [FaultWith] in mode m, as for [DecideIn].
func FaultIn(ctx context.Context, a *rasp.Agent, m rasp.Mode, sink, op string, f rasp.Finding, err error, details ...rasp.Detail) error {
	return link.Fault(a, ctx, m, sink, op, f, err, details)
}

// Partial reports a guarded call at sink whose request's inspection was
// partial, and returns a [*rasp.BlockedError] when the call must not run
// ([rasp.ModeProtect], unless [rasp.WithPartialClosed](false)); it returns
// nil at once when the inspection was complete or the call is outside the
// middleware. Guards call it when their check of the call found nothing:
// what the middleware could not inspect may still carry an attack.
func Partial(ctx context.Context, a *rasp.Agent, sink, op string) error {
	return link.Partial(a, ctx, sink, op)
}

// PartialInspection reports whether the request or call ctx belongs to
// was inspected only in part: whether [Partial] would report a call made
// with ctx. It is false outside the middleware and a [Call]. It reports
// nothing, counts nothing and blocks nothing (it collects the request's
// inputs if they were not yet, as [taint.FromContext] does), so a guard
// that must do work of its own before it may call Partial (pgxguard looks
// at the stack to tell pgx's own statements from the application's) asks
// it first and skips that work for every request inspected in full.
func PartialInspection(ctx context.Context) bool { return link.PartialInspection(ctx) }

// Recover is deferred by guards around their checks: it turns a panic into
// a reported fault, and sets *errp to the blocked error when the agent
// fails closed. It must be called directly by defer.
func Recover(ctx context.Context, a *rasp.Agent, sink, op string, errp *error) {
	if r := recover(); r != nil {
		err := Fault(ctx, a, sink, op, fmt.Errorf("panic: %v", r))
		if errp != nil && err != nil {
			*errp = err
		}
	}
}

// Call is the scope of one call served outside net/http, such as a gRPC
// method: what [rasp.Agent.Middleware] keeps for an HTTP request. A source
// adapter starts it with [StartCall], adds the call's inputs with
// [Call.Add], serves the call with the context [Call.Context] returns, and
// defers [Call.End] on the goroutine that started it. A Call is a handle:
// its copies are the same call.
//
// The inputs are collected under the agent's caps ([rasp.WithInputLimits])
// with the URL-decoded variants the middleware adds; inputs past the caps
// are dropped and the call is marked partial. Add and Context may be
// called from any goroutine, one at a time (a stream's receiving
// goroutine); End only from the starting one.
type Call struct{ c agentlink.Call }

// StartCall begins the call req describes (for gRPC: Method "gRPC", Path
// and Route the full method name, RemoteAddr the peer) and binds the
// calling goroutine to it until [Call.End]: guards called on it without
// the call's context check against its inputs (see
// [rasp.RequestContext]). In [rasp.ModeOff] nothing is collected.
func StartCall(ctx context.Context, a *rasp.Agent, req rasp.Request) Call {
	return Call{link.StartCall(a, ctx, req)}
}

// Add records one input of the call, with its URL-decoded variants. It
// reports false once the input cap is reached: the caller stops walking.
func (c Call) Add(src taint.Source, key, value string) bool { return c.c.Add(src, key, value) }

// MarkPartial marks the call inspected only in part: the adapter stopped
// at a limit of its own (a nesting depth).
func (c Call) MarkPartial() { c.c.MarkPartial() }

// Context returns the context given to [StartCall], carrying the agent,
// the call's state and every input added so far, and makes it the context
// guards on the bound goroutine check with when they get none.
func (c Call) Context() context.Context { return c.c.Context() }

// Blocked reports whether a sink was blocked during the call.
func (c Call) Blocked() bool { return c.c.Blocked() }

// Sent records that the call's first response went out (a stream's first
// message): a block after it is reported late, as after an HTTP
// response's headers. It reports false when the call is blocked: the
// response must not go out.
func (c Call) Sent() bool { return c.c.Sent() }

// End unbinds the goroutine StartCall bound. It must run on that goroutine.
// Inputs added after End are dropped.
func (c Call) End() { c.c.End() }
