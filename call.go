package rasp

import (
	"context"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/gorasp/rasp/internal/agentlink"
	"github.com/gorasp/rasp/internal/collect"
	"github.com/gorasp/rasp/taint"
)

// call is the scope of one call served outside net/http, such as a gRPC
// method: what [Agent.Middleware] keeps for an HTTP request. Package guard
// exports it (guard.StartCall, guard.Call), where its use is documented.
type call struct {
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

	// base is the context below the inputs, cur the last one Context
	// returned (nil before): the bound goroutine's guards check with cur,
	// else base.
	base context.Context
	cur  atomic.Pointer[callCtx]

	// What a call needs anyway, in the call's own allocation: its state,
	// its route and the first context Context returns (a unary call's
	// only one).
	state requestState
	route route
	ctx0  callCtx
}

// callInputs is a call that collects (the agent is not off), with room for
// its first inputs in the same allocation, so that a call of up to
// firstInputs inputs (a message of a few dozen fields and the call's
// metadata) grows no slice. A call with more grows it as append does.
type callInputs struct {
	call
	first [firstInputs]taint.Input
}

// firstInputs fills a callInputs up to 4 KiB, a size class of the
// allocator: about 60 inputs.
const firstInputs = (4096 - unsafe.Sizeof(call{})) / unsafe.Sizeof(taint.Input{})

// callCtx is a context over a snapshot of a call's inputs, the first n the
// collector held when [call.Context] made it, after those its parent
// carries. The collector only appends, so the Adds that follow write past
// n (or into a new array) and never into the snapshot: the context shares
// the collector's array rather than copying it, and a stream's contexts
// cost the same whatever was received before.
type callCtx struct {
	taint.LazyContext
	in []taint.Input // capped at its length: appending to it copies
}

// Inputs is the snapshot, the same slice for the context's life.
func (x *callCtx) Inputs() []taint.Input { return x.in }

var _ agentlink.Call = (*call)(nil)

// startCall begins the call req describes and binds the calling goroutine
// to it until [call.End]: see guard.StartCall.
func (a *Agent) startCall(ctx context.Context, req Request) *call {
	var c *call
	if off := a.Mode() == ModeOff && !a.overrideOn; off {
		c = &call{off: true}
	} else {
		ci := new(callInputs)
		c = &ci.call
		cfg := &a.cfg
		c.c = collect.Collector{Limits: collect.Limits{MaxInputs: cfg.maxInputs, MaxValueLen: cfg.maxValueLen,
			MaxDecoded: max(cfg.bodyLimit, 1), DecodeDepth: cfg.decodeDepth}}
		c.c.Inputs = ci.first[:0]
	}
	c.a, c.parent, c.req = a, ctx, req
	c.st = &c.state
	c.st.Context, c.st.agent, c.st.path, c.st.call = ctx, a, req.Path, &c.req
	if req.Route != "" {
		c.route.pattern = req.Route
		c.st.route.Store(&c.route)
	}
	// The call's state is its context below the inputs: it answers the
	// agent and the state, as the middleware's does for a request.
	c.base = c.st
	if c.off {
		c.base = NewContext(ctx, a)
	}
	c.tok = bindCall(c.base, a, c.off, c)
	return c
}

// Add records one input of the call, with its URL-decoded variants. It
// reports false once the input cap is reached: the caller stops walking.
func (c *call) Add(src taint.Source, key, value string) bool {
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
func (c *call) MarkPartial() {
	if c.off {
		return
	}
	c.mu.Lock()
	c.marked = true
	c.markPartial()
	c.mu.Unlock()
}

func (c *call) markPartial() {
	if (c.marked || c.c.Reached != 0) && !c.st.partial.Swap(true) {
		c.a.stats.partial.Add(1)
	}
	if c.c.Reached != 0 {
		c.st.callLimit.Store(uint32(c.c.Reached))
	}
}

// Context returns the context given to [Agent.startCall], carrying the
// agent, the call's state and every input added so far, and makes it the
// context guards on the bound goroutine check with when they get none.
func (c *call) Context() context.Context {
	if c.off {
		return c.current()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	x := &c.ctx0
	if c.cur.Load() != nil {
		x = new(callCtx)
	}
	n := len(c.c.Inputs)
	x.in = c.c.Inputs[:n:n]
	x.Init(c.st, x)
	c.cur.Store(x)
	return x
}

// current is the context the bound goroutine's guards check with.
func (c *call) current() context.Context {
	if x := c.cur.Load(); x != nil {
		return x
	}
	return c.base
}

// Blocked reports whether a sink was blocked during the call.
func (c *call) Blocked() bool { return c.st.isBlocked() }

// Sent records that the call's first response went out (a stream's first
// message): a block after it is reported late, as after an HTTP
// response's headers. It reports false when the call is blocked: the
// response must not go out.
func (c *call) Sent() bool { return c.st.send() == stateSent }

// End unbinds the goroutine StartCall bound. It must run on that goroutine.
// Inputs added after End are dropped.
func (c *call) End() {
	c.tok.unbind()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ended = true
	c.c.Inputs = nil // the contexts keep their snapshots
}
