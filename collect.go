package rasp

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gorasp/rasp/internal/collect"
	"github.com/gorasp/rasp/taint"
)

// requestInputs collects the inputs of one request when a guard first
// asks for them ([taint.NewLazyContext]), and again when the handler has
// read more of the body since: a request that reaches no guard pays for
// no collection, and what the handler never read cannot have reached a
// sink.
type requestInputs struct {
	st   *requestState // the request these inputs belong to: its agent and route
	r    *http.Request // the server's request: its URL and headers
	body *teeBody      // nil without a body

	snap atomic.Pointer[inputsSnap] // the last collection
	mu   sync.Mutex                 // serialises collections
	base []taint.Input              // the URL, header and cookie inputs, once collected
	// baseReached is what collecting base reached.
	baseReached collect.Limit
	baseDone    bool
	reached     atomic.Uint32 // collect.Limit of the last collection
	parsed      int64         // body bytes parsed so far, all collections together

	stream  *jsonWalk   // a JSON body walked as it arrives, or nil
	counted atomic.Bool // the request was counted partial
}

// jsonWalk is the state of a JSON body walked as it arrives
// (collect.Streamable): the walk's state, the collection it appends to,
// and whether the whole body was added once complete. Only such bodies
// allocate it.
type jsonWalk struct {
	js        *collect.JSONStream
	sc        collect.Collector
	wholeDone bool
}

// inputsSnap is one collection: the inputs of the request with its body
// in a state of [teeBody.state].
type inputsSnap struct {
	inputs []taint.Input
	body   int64
}

func (ri *requestInputs) limits() collect.Limits {
	cfg := &ri.st.agent.cfg
	return collect.Limits{
		MaxInputs:   cfg.maxInputs,
		MaxValueLen: cfg.maxValueLen,
		MaxDecoded:  max(cfg.bodyLimit, 1),
		DecodeDepth: cfg.decodeDepth,
	}
}

// Inputs returns the inputs of the request as the handler has read it so
// far: it is the [taint.Loader] of the request's context.
func (ri *requestInputs) Inputs() []taint.Input {
	if s := ri.snap.Load(); s != nil && s.body == ri.body.state() {
		return s.inputs
	}
	ri.mu.Lock()
	defer ri.mu.Unlock()
	body, cut, state := ri.body.bytes()
	n := int64(len(body))
	if s := ri.snap.Load(); s != nil && s.body == state {
		return s.inputs
	}
	c := collect.Collector{Limits: ri.limits()}
	if !ri.baseDone {
		c.Inputs = make([]taint.Input, 0, estimate(ri.r))
		c.Request(ri.r)
		if ri.st != nil {
			// By the first guarded call the router has matched: the
			// route's own segments are not the client's choice.
			c.Inputs = withoutRouteLiterals(c.Inputs, ri.st.routePattern(), ri.r.URL.EscapedPath())
		}
		ri.base, ri.baseReached, ri.baseDone = c.Inputs[:len(c.Inputs):len(c.Inputs)], c.Reached, true
	}
	ctype := ri.r.Header.Get("Content-Type")
	encoding := strings.Join(ri.r.Header.Values("Content-Encoding"), ",")
	if ri.stream == nil && body != "" && collect.Streamable(ctype, encoding, body) {
		ri.stream = &jsonWalk{js: collect.NewJSONStream(taint.SourceJSON, ""),
			sc: collect.Collector{Limits: ri.limits(), Reached: ri.baseReached,
				// About one input per separator: keys repeat in an array
				// of objects and are added once (the slice grows if not).
				Inputs: append(make([]taint.Input, 0, len(ri.base)+strings.Count(body, ",")+8), ri.base...)}}
	}
	if w := ri.stream; w != nil {
		// A JSON body walked as it arrives: the walk goes on from where
		// the last one stopped, and every published slice is a prefix of
		// the next (appends write past the lengths readers hold).
		final := cut || state&1 != 0
		w.sc.JSONFeed(w.js, body, final)
		if final && !w.wholeDone {
			w.sc.WholeBody(body)
			w.wholeDone = true
		}
		reached := w.sc.Reached
		if cut {
			reached |= collect.LimitBody
		}
		ri.publish(w.sc.Inputs, reached, state)
		return w.sc.Inputs
	}
	if prev := ri.snap.Load(); prev != nil && ri.parsed+n > reparseBudget*n+reparseSlack {
		// The handler streams a body and runs guarded calls as it
		// goes: parsing it all again each time would cost time
		// quadratic in its size. Keep the last collection, marked
		// partial until the budget (which grows with the body) allows
		// the next one.
		ri.publish(prev.inputs, collect.Limit(ri.reached.Load())|collect.LimitWork, state)
		return prev.inputs
	}
	ri.parsed += n
	// A new slice every time: earlier answers stay valid for their
	// readers, and append copies base rather than writing into it.
	c.Inputs, c.Reached = ri.base, ri.baseReached
	if body != "" {
		// One allocation for base and the body's fields: about two inputs
		// (a key and a value) per separator.
		n := len(ri.base) + 2*(strings.Count(body, ",")+strings.Count(body, "&")+1) + 4
		c.Inputs = append(make([]taint.Input, 0, min(n, ri.st.agent.cfg.maxInputs+1)), ri.base...)
		c.Body(ctype, encoding, body)
	}
	if cut {
		c.Reached |= collect.LimitBody
	}
	inputs := c.Inputs
	if inputs == nil {
		inputs = []taint.Input{}
	}
	ri.publish(inputs, c.Reached, state)
	return inputs
}

// Bounds of re-collecting a body the handler reads while guards run: all
// the parsing of one request stays within reparseBudget times its body
// plus reparseSlack bytes, so that its cost is linear in its size. A
// handler that reads its body before its guarded calls parses it once.
const (
	reparseBudget = 4
	reparseSlack  = 1 << 20
)

// publish makes inputs, which reached limits, the answer for the body in
// state. ri.mu is held.
func (ri *requestInputs) publish(inputs []taint.Input, reached collect.Limit, state int64) {
	ri.reached.Store(uint32(reached))
	if reached != 0 && ri.counted.CompareAndSwap(false, true) {
		ri.st.agent.stats.partial.Add(1)
	}
	ri.snap.Store(&inputsSnap{inputs: inputs, body: state})
}

// estimate is about how many inputs the URL, headers and cookies of r
// make (a key and a value per field, a few segments): one allocation
// instead of a doubling series.
func estimate(r *http.Request) int {
	n := 2*len(r.Header) + strings.Count(r.URL.RawPath, "/") + strings.Count(r.URL.Path, "/") + 4
	if q := r.URL.RawQuery; q != "" {
		n += 2 * (strings.Count(q, "&") + 1)
	}
	return min(n, 1<<12)
}

// partial returns the limits the request's inspection reached so far.
func (ri *requestInputs) partial() collect.Limit {
	if ri.st == nil {
		return 0 // a state made outside the middleware (Call, tests)
	}
	ri.Inputs()
	return collect.Limit(ri.reached.Load())
}

// teeBody is the body the handler reads: the server's body, unchanged,
// whose bytes are kept as they pass, up to the agent's body limit.
type teeBody struct {
	rc    io.ReadCloser
	limit int64
	hint  int64 // the request's ContentLength, for the first allocation

	mu   sync.Mutex
	kept strings.Builder // append-only: the strings it returned stay valid
	cut  bool            // the handler read past the limit
	end  bool            // the server's body returned an error (io.EOF included)
	n    atomic.Int64    // kept.Len()<<1 | end, for the collection's fast path
}

func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if n > 0 || err != nil {
		b.keep(p[:n], err != nil)
	}
	return n, err
}

func (b *teeBody) keep(p []byte, end bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.end = b.end || end
	if room := b.limit - int64(b.kept.Len()); int64(len(p)) > room {
		p = p[:max(room, 0)]
		b.cut = true
	}
	if room := b.kept.Cap() - b.kept.Len(); len(p) > room {
		// Reserve by the Content-Length, but never more than 1 MiB or
		// eight times what the client has sent: a length it never sends
		// must not reserve the whole limit, and a body it does send is
		// copied about once. Without a length, double.
		have := int64(b.kept.Len())
		want := max(have+int64(len(p)), 2*int64(b.kept.Cap()))
		if b.hint > 0 {
			want = max(have+int64(len(p)), min(b.hint, max(1<<20, 8*have)))
		}
		b.kept.Grow(int(min(want, b.limit) - have))
	}
	b.kept.Write(p)
	st := int64(b.kept.Len()) << 1
	if b.end {
		st |= 1
	}
	b.n.Store(st)
}

func (b *teeBody) Close() error { return b.rc.Close() }

// state changes whenever the kept body grows or ends.
func (b *teeBody) state() int64 {
	if b == nil {
		return 1
	}
	return b.n.Load()
}

// bytes returns the body kept so far, whether the handler read past the
// limit, and the state they are of.
func (b *teeBody) bytes() (string, bool, int64) {
	if b == nil {
		return "", false, 1
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.kept.String(), b.cut, b.n.Load()
}
