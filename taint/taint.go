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

import "context"

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
)

// Input is one untrusted value of a request.
type Input struct {
	Source Source // where it came from
	Key    string // parameter, header, cookie or JSON path name; empty for path segments
	Value  string // the value as the handler sees it
}

type ctxKey struct{}

// NewContext returns a copy of ctx that carries inputs, added after any
// inputs ctx already carries. The inputs slice is copied.
func NewContext(ctx context.Context, inputs ...Input) context.Context {
	prev := FromContext(ctx)
	all := make([]Input, 0, len(prev)+len(inputs))
	all = append(all, prev...)
	all = append(all, inputs...)
	return context.WithValue(ctx, ctxKey{}, all)
}

// FromContext returns the inputs ctx carries, or nil when it carries none.
// The returned slice must not be modified.
func FromContext(ctx context.Context) []Input {
	if ctx == nil {
		return nil
	}
	in, _ := ctx.Value(ctxKey{}).([]Input)
	return in
}
