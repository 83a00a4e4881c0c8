package rasp

import (
	"bytes"
	"context"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gorasp/rasp/taint"
	"github.com/petermattis/goid"
)

// RequestContext returns the context a guard at sink checks with: ctx when
// it carries request inputs ([taint.FromContext]); else the context of the
// request the calling goroutine is serving, when the middleware bound one
// (see "Goroutine scope" in the package documentation), counted as Scoped
// in [SinkStats] unless sink is off; else ctx. Guards call it first, before
// [FromContext], so that a call made without the request's context
// (db.Query, a transaction's context.Background(), execguard.Command) is
// checked, and decided by the request's agent, exactly as if the context
// had been passed.
//
// The returned context is for the check only: a guard keeps using ctx for
// the call itself (its deadline and cancellation).
func RequestContext(ctx context.Context, sink string) context.Context {
	if ctx != nil && taint.FromContext(ctx) != nil {
		return ctx
	}
	b := boundHere()
	if b == nil || b.off {
		return ctx
	}
	if b.agent.ModeFor(sink) != ModeOff {
		b.agent.stats.sink(sink).scoped.Add(1)
	}
	if b.call != nil {
		return b.call.current()
	}
	return b.ctx
}

// binding is the request one goroutine serves. gid is atomic because a
// goroutine probing the table reads the gid of bindings other goroutines
// own (and reuse, through bindingPool); every other field is written and
// read only by the goroutine whose id gid holds.
type binding struct {
	gid  atomic.Int64
	slot int32 // index in scopes, or -1 in the overflow map
	scope
}

// scope is what a binding holds.
type scope struct {
	ctx   context.Context
	agent *Agent
	off   bool  // the request began with nothing collected (ModeOff)
	call  *call // a call's context grows as a stream's messages arrive
}

// scopeSlots is the size of the goroutine table: a power of two, well above
// the requests a process serves at once; a goroutine whose probe window is
// full goes to the overflow map.
const (
	scopeSlots = 1 << 12
	scopeProbe = 8 // slots probed from gid's home slot
)

var (
	scopes      [scopeSlots]atomic.Pointer[binding]
	everBound   atomic.Bool  // a binding was made: until then lookups cost one load
	everOff     atomic.Bool  // a binding of a request begun in ModeOff was made
	overflowN   atomic.Int64 // bindings in overflow
	overflowMu  sync.Mutex
	overflow    = map[int64]*binding{}
	bindingPool = sync.Pool{New: func() any { return new(binding) }}
)

// scopeToken undoes one [bindScope]: it is a value, so the middleware's
// defer costs no allocation.
type scopeToken struct {
	b    *binding
	prev scope // what a nested middleware replaced, restored on unbind
	nest bool
}

// bindScope binds the calling goroutine to the request whose context is
// ctx, until the returned token's unbind. A goroutine already bound (nested
// middleware) is rebound, and the outer binding comes back on unbind.
func bindScope(ctx context.Context, a *Agent, off bool) scopeToken {
	if !everBound.Load() {
		checkGoid()
		everBound.Store(true)
	}
	if off && !everOff.Load() {
		everOff.Store(true)
	}
	gid := curGoid()
	if gid <= 0 {
		return scopeToken{} // no usable id: the goroutine stays unbound
	}
	if b := lookup(gid); b != nil {
		t := scopeToken{b: b, prev: b.scope, nest: true}
		b.scope = scope{ctx: ctx, agent: a, off: off}
		return t
	}
	b := bindingPool.Get().(*binding)
	b.scope = scope{ctx: ctx, agent: a, off: off}
	// The gid is written before the binding is published by the slot's
	// CompareAndSwap, so no goroutine finds it with a stale id of its own.
	b.gid.Store(gid)
	home := int(uint64(gid) & (scopeSlots - 1))
	for i := range scopeProbe {
		s := (home + i) & (scopeSlots - 1)
		if scopes[s].CompareAndSwap(nil, b) {
			b.slot = int32(s)
			return scopeToken{b: b}
		}
	}
	b.slot = -1
	overflowMu.Lock()
	overflow[gid] = b
	overflowMu.Unlock()
	overflowN.Add(1)
	return scopeToken{b: b}
}

// bindCall is [bindScope] for a [call], whose context the binding follows.
func bindCall(ctx context.Context, a *Agent, off bool, c *call) scopeToken {
	t := bindScope(ctx, a, off)
	if t.b != nil {
		t.b.call = c
	}
	return t
}

// unbind removes the binding made by [bindScope]. It must run on the
// goroutine that bound, which the middleware's defer guarantees, also on a
// panic (http.ErrAbortHandler included).
func (t scopeToken) unbind() {
	b := t.b
	if b == nil {
		return
	}
	if t.nest {
		b.scope = t.prev
		return
	}
	if b.slot >= 0 {
		scopes[b.slot].Store(nil)
	} else {
		overflowMu.Lock()
		delete(overflow, b.gid.Load())
		overflowMu.Unlock()
		overflowN.Add(-1)
	}
	// Unpublished first, then cleared: the binding holds no request once
	// it is back in the pool.
	b.scope = scope{}
	bindingPool.Put(b)
}

// inOffRequest reports whether the calling goroutine serves a request that
// began while its agent was off. Agents never off pay one load.
func inOffRequest() bool {
	if !everOff.Load() {
		return false
	}
	b := boundHere()
	return b != nil && b.off
}

// boundHere returns the binding of the calling goroutine, or nil.
func boundHere() *binding {
	if !everBound.Load() {
		return nil
	}
	return lookup(curGoid())
}

func lookup(gid int64) *binding {
	if gid <= 0 {
		return nil
	}
	home := int(uint64(gid) & (scopeSlots - 1))
	for i := range scopeProbe {
		if b := scopes[(home+i)&(scopeSlots-1)].Load(); b != nil && b.gid.Load() == gid {
			return b
		}
	}
	if overflowN.Load() == 0 {
		return nil
	}
	overflowMu.Lock()
	b := overflow[gid]
	overflowMu.Unlock()
	return b
}

// goidSlow is set when goid.Get disagreed with the runtime's own report of
// the goroutine id (a runtime whose g layout the library does not know):
// ids are then parsed from runtime.Stack, slowly but correctly.
var goidSlow atomic.Bool

func curGoid() int64 {
	if goidSlow.Load() {
		return stackGoid()
	}
	return goid.Get()
}

var goidOnce sync.Once

// checkGoid compares goid.Get with the id in runtime.Stack's header, on
// this goroutine and on a fresh one, once per process.
func checkGoid() {
	goidOnce.Do(func() {
		ok := goid.Get() == stackGoid()
		done := make(chan bool)
		go func() { done <- goid.Get() == stackGoid() }()
		if !<-done || !ok {
			goidSlow.Store(true)
		}
	})
}

// stackGoid parses the goroutine id from the header runtime.Stack writes,
// "goroutine 18 [running]:".
func stackGoid() int64 {
	var buf [64]byte
	s := buf[:runtime.Stack(buf[:], false)]
	s = bytes.TrimPrefix(s, []byte("goroutine "))
	if i := bytes.IndexByte(s, ' '); i >= 0 {
		s = s[:i]
	}
	n, err := strconv.ParseInt(string(s), 10, 64)
	if err != nil {
		return 0 // not an id: never bound, never found
	}
	return n
}
