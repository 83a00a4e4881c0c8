// Package taint carries the untrusted inputs of one request through a
// [context.Context].
//
// An [Input] is one value or key a client chose: a query or form parameter
// or its name, a JSON leaf or object key, a path segment, a header or a
// cookie or its name, the whole body, decoded as the handler sees it. The
// HTTP middleware of package rasp makes a context whose inputs are collected
// at the first guarded call ([NewLazyContext]); [NewContext] carries a fixed
// set. Guards read them back with [FromContext] at the moment a dangerous
// call is about to run, and ask whether any of them changed the syntax of
// what runs.
//
// [MatcherFromContext] gives the request's [Matcher], which finds every
// occurrence of every input in a target in one pass, built once per request
// on first use and shared by every guard, so that many inputs (form fields,
// JSON keys and values, headers) stay cheap.
//
// [Lookup] also notes a few [Facts] about the values (whether some value
// contains "..", a NUL byte, or begins like an absolute path), once per
// request, so that a guard can skip a check no input could fail.
//
// # Threat model
//
// The inputs of a request live only in that request's context: they are never
// stored in a package variable, so one request never sees another's inputs.
// Values derived from inputs by the application (decoded, split,
// concatenated with other inputs) are not tracked; a guard only recognises an
// input where its text, that text trimmed of white space ([Trimmed]), or a
// URL-decoded variant the middleware added, reaches the sink.
//
// # Concurrency
//
// The slice returned by [FromContext] is shared by every reader of the
// context: callers must not modify it.
//
// This package is a leaf: it imports only the standard library.
package taint

import (
	"context"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

// Source names where an [Input] came from in the request.
type Source string

// The sources the middleware collects.
const (
	SourceQuery  Source = "query"  // URL query parameter
	SourceForm   Source = "form"   // urlencoded or multipart form field (values and upload file names)
	SourceJSON   Source = "json"   // JSON body: string and number leaves and object keys
	SourcePath   Source = "path"   // URL path segment
	SourceHeader Source = "header" // request header
	SourceCookie Source = "cookie" // cookie value
	SourceBody   Source = "body"   // the whole request body, decoded from its Content-Encoding

	SourceMessage  Source = "message"  // RPC message field (gRPC): strings, bytes and numbers, keyed by field path
	SourceMetadata Source = "metadata" // RPC metadata value (gRPC)
)

// Input is one untrusted value of a request.
//
// A key the client chose (a query, form or multipart field name, a header
// or cookie name, a JSON object key) is an input too, with IsKey set: its
// Value is the name and its Key names the container it was found in (the
// JSON path of the object, empty for the query, the form, the headers and
// the cookies), because handlers use names as columns and paths as well.
type Input struct {
	Source Source // where it came from
	Key    string // parameter, header, cookie or JSON path name; for a key, its container; empty for path segments and the body
	Value  string // the value as the handler sees it
	IsKey  bool   // Value is a name chosen by the client, not a value
}

// Facts summarises the values of a request's inputs: which of a few shapes
// some value has. They are computed once per context, on the first
// [Lookup], so that a guard whose rule needs one of these shapes can skip
// its check for every later call of a request in which no input has it, and
// a request that reaches no such guard pays nothing.
type Facts uint8

const (
	// DotDot: some value contains "..".
	DotDot Facts = 1 << iota
	// NUL: some value contains a NUL byte.
	NUL
	// Rooted: some value begins with '/' or '\', or with a letter and ':'
	// (a drive name), once leading white space is trimmed.
	Rooted
)

// Trimmed returns v without the white space strings.TrimSpace removes at
// either end (Unicode white space included) when that differs from v, else
// "". Applications commonly trim a value before they use it, so the guards
// look for this text as well as the value, and a [Matcher] searches it too.
func Trimmed(v string) string {
	if !Padded(v) {
		return ""
	}
	if t := strings.TrimSpace(v); t != v {
		return t
	}
	return ""
}

// Padded reports whether v begins or ends with a byte strings.TrimSpace
// may remove: ASCII white space, or any byte of a multi-byte rune (U+0085,
// U+00A0 and the other Unicode spaces). A value that is not padded is its
// own [Trimmed] text; the test is two table lookups, for the loops that
// rule most values out before they call Trimmed.
func Padded(v string) bool {
	return v != "" && trimmable[v[0]]|trimmable[v[len(v)-1]] != 0
}

// trimmable is 1 for the bytes [Padded] looks for.
var trimmable = func() (t [256]uint8) {
	for c := range t {
		if c == ' ' || '\t' <= c && c <= '\r' || c >= utf8.RuneSelf {
			t[c] = 1
		}
	}
	return t
}()

// FactsOf returns the facts of the values of inputs.
func FactsOf(inputs []Input) Facts {
	var f Facts
	for i := range inputs {
		v := inputs[i].Value
		if v == "" {
			continue
		}
		if v[0] <= ' ' || v[0] >= 0x80 {
			// Rooted once trimmed of white space, as strings.TrimSpace
			// does: applications trim names before they use them.
			if v = strings.TrimLeftFunc(v, unicode.IsSpace); v == "" {
				continue
			}
		}
		if v[0] == '/' || v[0] == '\\' || len(v) >= 2 && v[1] == ':' && (v[0]|0x20 >= 'a' && v[0]|0x20 <= 'z') {
			f |= Rooted
		}
		if f&DotDot == 0 && strings.Contains(v, "..") {
			f |= DotDot
		}
		if f&NUL == 0 && strings.IndexByte(v, 0) >= 0 {
			f |= NUL
		}
	}
	return f
}

type ctxKey struct{}

// set is what a context carries: the inputs, never nil, and their facts
// once computed (factsKnown set).
type set struct {
	inputs  []Input
	facts   atomic.Uint32
	matcher Matcher // of inputs; its automaton is built on first use
}

const factsKnown = 1 << 8

func (s *set) lookup() ([]Input, Facts) {
	f := s.facts.Load()
	if f&factsKnown == 0 {
		f = uint32(FactsOf(s.inputs)) | factsKnown
		s.facts.Store(f)
	}
	return s.inputs, Facts(f)
}

// Loader collects the inputs of a request on demand: see
// [NewLazyContext].
type Loader interface {
	// Inputs returns the inputs collected so far. It must be safe for
	// concurrent use and cheap when nothing changed: it returns the same
	// slice (same first element, same length) for as long as the inputs
	// are the same, and a new slice, never a modified one, when they grew
	// (the handler read more of a body). A new slice may extend the last
	// one in place (same first element, longer): the inputs the last one
	// holds must then be unchanged.
	Inputs() []Input
}

// lazyCtx is a context made by [NewLazyContext]: it answers its own key
// with itself and every other key from its parent, so that it costs one
// allocation per request.
type lazyCtx struct {
	context.Context
	l    Loader
	prev *set // the inputs of the parent, nil for none
	cur  atomic.Pointer[lazySet]
}

func (c *lazyCtx) Value(key any) any {
	if key == (ctxKey{}) {
		return c
	}
	return c.Context.Value(key)
}

// lazySet is one answer of a lazy context: the slice the loader returned
// (its first element and length identify it) and the set built from it.
type lazySet struct {
	data *Input
	n    int
	set
}

// get returns the set of the inputs the loader returns now, built once per
// distinct slice. Concurrent callers may build the same set twice; both
// are equal, and the last stored wins.
func (c *lazyCtx) get() *set {
	in := c.l.Inputs()
	var data *Input
	if len(in) > 0 {
		data = &in[0]
	}
	if cur := c.cur.Load(); cur != nil && cur.data == data && cur.n == len(in) {
		return &cur.set
	}
	ls := &lazySet{data: data, n: len(in)}
	var prev []Input
	if c.prev != nil {
		prev = c.prev.inputs
	}
	switch {
	case len(prev) == 0 && len(in) > 0:
		ls.inputs = in
		if cur := c.cur.Load(); cur != nil && cur.data == data && cur.n < len(in) {
			// The slice grew in place (a body read as guards run):
			// its facts are the old ones and those of the new inputs,
			// so that a streamed body costs linear time in all.
			if f := cur.facts.Load(); f&factsKnown != 0 {
				ls.facts.Store(f | uint32(FactsOf(in[cur.n:])))
			}
		}
	default:
		ls.inputs = make([]Input, 0, len(prev)+len(in))
		ls.inputs = append(append(ls.inputs, prev...), in...)
	}
	ls.matcher.inputs = ls.inputs
	c.cur.Store(ls)
	return &ls.set
}

// NewContext returns a copy of ctx that carries inputs, added after any
// inputs ctx already carries. The inputs slice is copied.
func NewContext(ctx context.Context, inputs ...Input) context.Context {
	prev := FromContext(ctx)
	all := make([]Input, 0, len(prev)+len(inputs))
	all = append(all, prev...)
	all = append(all, inputs...)
	s := &set{inputs: all}
	s.matcher.inputs = all
	return context.WithValue(ctx, ctxKey{}, s)
}

// NewLazyContext returns a copy of ctx whose inputs are collected on
// demand: every [FromContext] and [Lookup] asks l and answers what it
// returns, after any inputs ctx already carries. A request that never
// reaches a guard then never pays for its collection. [Facts] are
// computed once per distinct slice l returns.
func NewLazyContext(ctx context.Context, l Loader) context.Context {
	c := new(LazyContext)
	c.Init(ctx, l)
	return c
}

// LazyContext is the context [NewLazyContext] returns, as a type a caller
// can embed in its own per-request state, so that the state and the
// context cost one allocation. Its zero value is not usable: call
// [LazyContext.Init] once, before the first use, and do not copy it after.
type LazyContext struct {
	lazyCtx
}

// Init makes c a context whose inputs are collected on demand, as
// [NewLazyContext](ctx, l) does.
func (c *LazyContext) Init(ctx context.Context, l Loader) {
	c.Context, c.l, c.prev = ctx, l, from(ctx)
}

// FromContext returns the inputs ctx carries, or nil when it carries none.
// The returned slice must not be modified.
func FromContext(ctx context.Context) []Input {
	if s := from(ctx); s != nil {
		return s.inputs
	}
	return nil
}

func from(ctx context.Context) *set {
	if ctx == nil {
		return nil
	}
	switch v := ctx.Value(ctxKey{}).(type) {
	case *set:
		return v
	case *lazyCtx:
		return v.get()
	}
	return nil
}

// Lookup returns what [FromContext] returns and the [Facts] of those
// inputs, with one lookup in ctx. The facts are computed on the first call
// for a context (for a context of [NewLazyContext], for each new slice)
// and remembered; concurrent first calls compute the same value.
func Lookup(ctx context.Context) ([]Input, Facts) {
	s := from(ctx)
	if s == nil {
		return nil, 0
	}
	return s.lookup()
}
