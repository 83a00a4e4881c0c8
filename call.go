package rasp

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/gorasp/rasp/internal/collect"
	"github.com/gorasp/rasp/taint"
)

// Call is the scope of one call served outside net/http, such as a gRPC
// method: what [Agent.Middleware] keeps for an HTTP request. A source
// adapter (package grpcguard) starts it with [Agent.StartCall], adds the
// call's inputs with [Call.Add], serves the call with the context
// [Call.Context] returns, and defers [Call.End] on the goroutine that
// started it.
//
// The inputs are collected under the agent's caps ([WithInputLimits]) with
// the URL-decoded variants the middleware adds; inputs past the caps are
// dropped and the call is marked partial. Add and Context may be called
// from any goroutine, one at a time (a stream's receiving goroutine); End
// only from the starting one.
type Call struct {
	a   *Agent
	req Request // as StartCall got it
	st  *requestState
	off bool
	tok scopeToken

	mu     sync.Mutex // orders Add, Context and End across a stream's goroutines
	c      collect.Collector
	marked bool // the adapter stopped at a limit of its own (MarkPartial)
	ended  bool
	parent context.Context // StartCall's
	ctx    atomic.Pointer[context.Context]
}

// StartCall begins the call req describes (for gRPC: Method "gRPC", Path
// and Route the full method name, RemoteAddr the peer) and binds the
// calling goroutine to it until [Call.End]: guards called on it without
// the call's context check against its inputs (see [RequestContext]). In
// [ModeOff] nothing is collected.
func (a *Agent) StartCall(ctx context.Context, req Request) *Call {
	c := &Call{a: a, parent: ctx, req: req}
	c.st = &requestState{Context: ctx, agent: a, path: req.Path, call: &c.req}
	if req.Route != "" {
		c.st.route.Store(&route{pattern: req.Route})
	}
	c.off = a.Mode() == ModeOff && !a.overrideOn
	if !c.off {
		cfg := &a.cfg
		c.c = collect.Collector{Limits: collect.Limits{MaxInputs: cfg.maxInputs, MaxValueLen: cfg.maxValueLen,
			MaxDecoded: max(cfg.bodyLimit, 1), DecodeDepth: cfg.decodeDepth}}
	}
	// The call's state is its context below the inputs: it answers the
	// agent and the state, as the middleware's does for a request.
	var base context.Context = c.st
	if c.off {
		base = NewContext(ctx, a)
	}
	c.ctx.Store(&base)
	c.tok = bindCall(base, a, c.off, c)
	return c
}

// Add records one input of the call, with its URL-decoded variants. It
// reports false once the input cap is reached: the caller stops walking.
func (c *Call) Add(src taint.Source, key, value string) bool {
	if c.off {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return false
	}
	c.c.Value(src, key, value)
	c.markPartial()
	return !c.c.Full()
}

// MarkPartial marks the call inspected only in part: the adapter stopped
// at a limit of its own (a nesting depth).
func (c *Call) MarkPartial() {
	if c.off {
		return
	}
	c.mu.Lock()
	c.marked = true
	c.markPartial()
	c.mu.Unlock()
}

func (c *Call) markPartial() {
	if (c.marked || c.c.Reached != 0) && !c.st.partial.Swap(true) {
		c.a.stats.partial.Add(1)
	}
	if c.c.Reached != 0 {
		c.st.callLimit.Store(uint32(c.c.Reached))
	}
}

// Context returns the context given to [Agent.StartCall], carrying the
// agent, the call's state and every input added so far, and makes it the
// context guards on the bound goroutine check with when they get none.
func (c *Call) Context() context.Context {
	if c.off {
		return c.current()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx := taint.NewContext(c.st, c.c.Inputs...)
	c.ctx.Store(&ctx)
	return ctx
}

// current is the context the bound goroutine's guards check with.
func (c *Call) current() context.Context { return *c.ctx.Load() }

// Blocked reports whether a sink was blocked during the call.
func (c *Call) Blocked() bool { return c.st.isBlocked() }

// Sent records that the call's first response went out (a stream's first
// message): a block after it is reported late, as after an HTTP
// response's headers. It reports false when the call is blocked: the
// response must not go out.
func (c *Call) Sent() bool { return c.st.send() == stateSent }

// End unbinds the goroutine StartCall bound. It must run on that goroutine.
// Inputs added after End are dropped.
func (c *Call) End() {
	c.tok.unbind()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ended = true
	c.c.Inputs = nil // taint.NewContext copied them
}
