// Package taint carries the untrusted inputs of one request through a
// [context.Context].
//
// An [Input] is one value a client chose: a query or form parameter, a JSON
// leaf or object key, a path segment, a header or a cookie, decoded as the
// handler sees it. The HTTP middleware of package rasp collects them once per
// request with [NewContext]; guards read them back with [FromContext] at the
// moment a dangerous call is about to run, and ask whether any of them changed
// the syntax of what runs.
//
// [Lookup] also notes a few [Facts] about the values (whether some value
// contains "..", a NUL byte, or begins like an absolute path), once per
// request, so that a guard can skip a check no input could fail.
//
// # Threat model
//
// The inputs of a request live only in that request's context: they are never
// stored in a package variable, so one request never sees another's inputs.
// Values derived from inputs by the application (decoded, split, trimmed,
// concatenated with other inputs) are not tracked; a guard only recognises an
// input where its text, or a URL-decoded variant the middleware added, reaches
// the sink.
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

	SourceMessage  Source = "message"  // RPC message field (gRPC): strings, bytes and numbers, keyed by field path
	SourceMetadata Source = "metadata" // RPC metadata value (gRPC)
)

// Input is one untrusted value of a request.
type Input struct {
	Source Source // where it came from
	Key    string // parameter, header, cookie or JSON path name; empty for path segments
	Value  string // the value as the handler sees it
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
	// (a drive name).
	Rooted
)

// FactsOf returns the facts of the values of inputs.
func FactsOf(inputs []Input) Facts {
	var f Facts
	for i := range inputs {
		v := inputs[i].Value
		if v == "" {
			continue
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
	inputs []Input
	facts  atomic.Uint32
}

const factsKnown = 1 << 8

// NewContext returns a copy of ctx that carries inputs, added after any
// inputs ctx already carries. The inputs slice is copied.
func NewContext(ctx context.Context, inputs ...Input) context.Context {
	prev := FromContext(ctx)
	all := make([]Input, 0, len(prev)+len(inputs))
	all = append(all, prev...)
	all = append(all, inputs...)
	return context.WithValue(ctx, ctxKey{}, &set{inputs: all})
}

// FromContext returns the inputs ctx carries, or nil when it carries none.
// The returned slice must not be modified.
func FromContext(ctx context.Context) []Input {
	if ctx == nil {
		return nil
	}
	if s, ok := ctx.Value(ctxKey{}).(*set); ok {
		return s.inputs
	}
	return nil
}

// Lookup returns what [FromContext] returns and the [Facts] of those
// inputs, with one lookup in ctx. The facts are computed on the first call
// for a context and remembered; concurrent first calls compute the same
// value.
func Lookup(ctx context.Context) ([]Input, Facts) {
	if ctx == nil {
		return nil, 0
	}
	s, ok := ctx.Value(ctxKey{}).(*set)
	if !ok {
		return nil, 0
	}
	f := s.facts.Load()
	if f&factsKnown == 0 {
		f = uint32(FactsOf(s.inputs)) | factsKnown
		s.facts.Store(f)
	}
	return s.inputs, Facts(f)
}
