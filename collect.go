package rasp

import (
	"io"
	"net/http"
	"net/url"
	"slices"
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
	base []taint.Input              // the URL, header and cookie inputs, once collected (not nil then)
	// parsed is the body bytes parsed so far, all collections together.
	parsed int64
	stream *jsonWalk // a JSON body walked as it arrives, or nil
	// only is the answer of the first InputsFor, nil before it.
	only    atomic.Pointer[onlyInputs]
	reached atomic.Uint32 // collect.Limit of the last collection
	// baseReached is what collecting base reached.
	baseReached collect.Limit
	counted     bool // the request was counted partial
}

// onlyInputs is one answer of a request's [requestInputs.InputsFor]: its
// target and the inputs that may occur in it (ok), or no answer (the
// request's later targets get every input). The answers of a request are
// a list, newest first, never modified once published.
type onlyInputs struct {
	target  string
	inputs  []taint.Input
	ok      bool
	parsed  bool         // the collection parsed the body as Inputs would, and counted it
	n       int          // answers in the list up to this one
	pattern string       // the route pattern of the request at its first answer, for base
	first   *requestCopy // its URL and headers then, for base
	copyv   requestCopy  // the first answer's
	body    int64        // the state of the body read then (teeBody.state)
	prev    *onlyInputs

	buf  [8]taint.Input // the first inputs (path segments first), in the same allocation
	only collect.Only
}

// requestCopy is the URL and headers of a request as they were at its
// first answer of InputsFor. The headers are kept flat, in one
// allocation for up to 16 names, and made a map again only when a later collection needs
// them (ri.mu held).
type requestCopy struct {
	url   url.URL
	kv    []string // each name, then its values
	nv    []int32  // the number of values of each name
	nvBuf [16]int32
	built http.Header
}

func (rc *requestCopy) init(r *http.Request) {
	rc.url = *r.URL
	n := 0
	for _, vs := range r.Header {
		n += len(vs)
	}
	rc.kv = make([]string, 0, len(r.Header)+n)
	rc.nv = rc.nvBuf[:0] // most requests have no more headers
	for k, vs := range r.Header {
		rc.kv = append(append(rc.kv, k), vs...)
		rc.nv = append(rc.nv, int32(len(vs)))
	}
}

// header returns the headers as a map, as r.Header was.
func (rc *requestCopy) header() http.Header {
	if rc.built == nil && rc.kv != nil {
		h := make(http.Header, len(rc.nv))
		kv := rc.kv
		for _, n := range rc.nv {
			h[kv[0]] = kv[1 : 1+n : 1+n]
			kv = kv[1+n:]
		}
		rc.built = h
	}
	return rc.built
}

// request is the request whose URL, Host and headers the inputs are
// collected from: the server's, as it was at the first answer of
// InputsFor. ri.mu is held.
func (ri *requestInputs) request() http.Request {
	if o := ri.only.Load(); o != nil && o.n > 0 {
		return http.Request{URL: &o.first.url, Host: ri.r.Host, Header: o.first.header()}
	}
	return http.Request{URL: ri.r.URL, Host: ri.r.Host, Header: ri.r.Header}
}

// find returns the answer of the list o for target with the body in state.
func (o *onlyInputs) find(target string, state int64) ([]taint.Input, bool) {
	for ; o != nil; o = o.prev {
		if o.ok && o.body == state && o.target == target {
			return o.inputs, true
		}
	}
	return nil, false
}

// clean reports whether an answer of the list o was collected with the
// body in state: the request as read then reaches no limit.
func (o *onlyInputs) clean(state int64) bool {
	for ; o != nil; o = o.prev {
		if o.ok && o.body == state {
			return true
		}
	}
	return false
}

// parsedAt reports whether an answer of the list o parsed and counted the
// body in state.
func (o *onlyInputs) parsedAt(state int64) bool {
	for ; o != nil; o = o.prev {
		if o.parsed && o.body == state {
			return true
		}
	}
	return false
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
	if ri.base == nil {
		rq := ri.request()
		r := &rq
		c.Inputs = make([]taint.Input, 0, estimate(r))
		c.Request(r)
		if ri.st != nil {
			// By the first guarded call the router has matched: the
			// route's own segments are not the client's choice.
			c.Inputs = withoutRouteLiterals(c.Inputs, ri.pattern(), r.URL.EscapedPath())
		}
		ri.base, ri.baseReached = c.Inputs[:len(c.Inputs):len(c.Inputs)], c.Reached
	}
	hdr := ri.r.Header
	if o := ri.only.Load(); o.clean(state) {
		// InputsFor collected this body first, with the headers then.
		hdr = o.first.header()
	}
	ctype := hdr.Get("Content-Type")
	encoding := strings.Join(hdr.Values("Content-Encoding"), ",")
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
	if !ri.only.Load().parsedAt(state) {
		ri.parsed += n // unless InputsFor counted this body already
	}
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
	if reached != 0 && !ri.counted {
		ri.counted = true
		ri.st.agent.stats.partial.Add(1)
	}
	ri.snap.Store(&inputsSnap{inputs: inputs, body: state})
}

// pattern is the route pattern the request's inputs are collected under:
// the one of its first guarded call. ri.mu is held.
func (ri *requestInputs) pattern() string {
	if o := ri.only.Load(); o != nil && o.n > 0 {
		return o.pattern
	}
	return ri.st.routePattern()
}

// Bounds of [requestInputs.InputsFor]: past them, the check of a target
// reads every input, and the full collection is what it gets. They are the
// driver's own, so that its check of the inputs it gets is the check of
// the full collection: at most 16 inputs and 4 KiB of statement are
// searched input by input, and at most 64 inputs tell whether a value
// occurs in a statement it remembers.
const (
	onlyMaxTarget = 4 << 10
	onlyMaxInputs = 16
	onlyMaxAll    = 64
	// onlyMaxBody bounds the body collected so: a longer one (a 2 KiB
	// JSON document of small objects) mostly holds more than
	// onlyMaxInputs short values that occur in a statement.
	onlyMaxBody = 1 << 10
	// onlyMaxTargets bounds the statements of a request collected so: a
	// request that runs more gets every input.
	onlyMaxTargets = 4
)

// noOnly is the answer of a first InputsFor that collected nothing: ask
// Inputs.
var noOnly onlyInputs

// InputsFor returns the inputs that may occur in target, for the first
// few guarded calls of a request whose inspection reaches no limit: the
// collection walks the request, and the body as the handler has read it,
// as [requestInputs.Inputs] does but keeps only those, so that a request
// with a guarded call or two does not materialise every input. The same
// target again (database/sql's attempts) gets the same answer while the
// body read stays the same; past [onlyMaxTargets] targets, a longer body
// or a limit, every target asks Inputs. It is the [taint.TargetLoader] of
// the request's context.
func (ri *requestInputs) InputsFor(target string) ([]taint.Input, bool) {
	head := ri.only.Load()
	if in, ok := head.find(target, ri.body.state()); ok {
		return in, true
	}
	if head != nil && !head.ok || ri.st == nil || len(target) > onlyMaxTarget {
		return nil, false
	}
	ri.mu.Lock()
	defer ri.mu.Unlock()
	head = ri.only.Load()
	body, cut, state := ri.body.bytes()
	if in, ok := head.find(target, state); ok {
		return in, true
	}
	// no closes the list: every later target asks Inputs.
	no := func() ([]taint.Input, bool) {
		if head == nil {
			ri.only.Store(&noOnly)
		} else if head.ok {
			ri.only.Store(&onlyInputs{n: head.n + 1, pattern: head.pattern, first: head.first, prev: head})
		}
		return nil, false
	}
	switch {
	case head != nil && (!head.ok || head.body != state || head.n == onlyMaxTargets):
		return no() // closed, the body grew, or enough targets
	case ri.base != nil, cut, len(body) > onlyMaxBody:
		// Collected in full already, partial (the full collection
		// says which limit), or a body long enough to hold more inputs
		// that occur than the driver searches one by one.
		return no()
	}
	o := &onlyInputs{target: target, n: 1, pattern: ri.st.routePattern(), body: state, prev: head}
	if head != nil {
		o.n, o.pattern, o.first = head.n+1, head.pattern, head.first
	} else {
		// The URL and headers as they are now, which Inputs collects
		// later: a handler may change them in place (r.Header.Del)
		// between its guarded calls, and the inputs are those of the
		// first.
		o.copyv.init(ri.r)
		o.first = &o.copyv
	}
	rq := ri.r
	if head != nil {
		copied := http.Request{URL: &o.first.url, Host: ri.r.Host, Header: o.first.header()}
		rq = &copied
	}
	c := collect.Collector{Limits: ri.limits(), Inputs: o.buf[:0]}
	c.OnlyIn(target, &o.only)
	c.StopPast(onlyMaxInputs)
	c.Request(rq)
	// The path segments are all kept: drop the route's own, as Inputs
	// does, then the others that cannot occur.
	in := withoutRouteLiterals(c.Inputs, o.pattern, rq.URL.EscapedPath())
	c.Uncount(len(c.Inputs) - len(in))
	out := in[:0]
	for _, x := range in {
		if x.Source != taint.SourcePath || c.MayOccur(x.Value) {
			out = append(out, x)
		}
	}
	clear(in[len(out):])
	c.Inputs = out
	parsed := false
	if body != "" && !c.Full() {
		// The body as the first collection of Inputs parses it.
		ctype := rq.Header.Get("Content-Type")
		encoding := strings.Join(rq.Header.Values("Content-Encoding"), ",")
		if collect.Streamable(ctype, encoding, body) {
			// Inputs walks such a body with a collector of its own.
			c.ForgetKeys()
			final := state&1 != 0
			c.JSONFeed(collect.NewJSONStream(taint.SourceJSON, ""), body, final)
			if final {
				c.WholeBody(body)
			}
		} else {
			c.Body(ctype, encoding, body)
			parsed = true
		}
	}
	if c.Reached != 0 || c.Over() || len(c.Inputs) > onlyMaxInputs {
		return no()
	}
	if c.Count() > onlyMaxAll && !slices.ContainsFunc(c.Inputs, func(x taint.Input) bool {
		return !x.IsKey && strings.Contains(target, x.Value)
	}) {
		// The driver takes a statement run with more inputs than it
		// searches one by one for one that holds a value; it must hold
		// one of these then.
		return no()
	}
	if parsed && !head.parsedAt(state) {
		// Counted once, as the first collection of Inputs counts
		// it, which then does not count it again.
		ri.parsed += int64(len(body))
		o.parsed = true
	}
	o.inputs, o.ok = c.Inputs, true
	ri.only.Store(o)
	return o.inputs, true
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
	if ri.only.Load().clean(ri.body.state()) {
		// The request as read so far reaches no limit.
		return 0
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
