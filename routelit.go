package rasp

import (
	"net/url"
	"strings"

	"github.com/gorasp/rasp/taint"
)

// withoutRouteLiterals drops from inputs the path segments that are the
// matched route's own text: a segment that sits where the route pattern has
// a literal segment equal to it ("echo" of /echo for "GET /echo", "users" of
// /users/7 for "/users/{id}"). A request cannot change such a segment
// without reaching another handler, so it is the application's text, like
// its own SQL; as input it would make a handler at /ping that runs ping, or
// one at /books that reads the books table, look chosen by the client. A
// value that also fills a wildcard of the route stays an input. Patterns are
// those of net/http's ServeMux ("GET host/a/{b}/{c...}") and the usual
// router syntaxes: {name} (chi, gorilla/mux), :name and *name (httprouter,
// gin, echo) and * are wildcards. Without a route, inputs are returned as
// they are. The segments are compared as sent and decoded.
func withoutRouteLiterals(inputs []taint.Input, pattern, escapedPath string) []taint.Input {
	if pattern == "" || escapedPath == "" {
		return inputs
	}
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = strings.TrimLeft(pattern[i+1:], " ") // the method
	}
	if i := strings.IndexByte(pattern, '/'); i > 0 {
		pattern = pattern[i:] // the host
	}
	var lit, wild [16]string // values of segments at literal and wildcard positions
	nl, nw := 0, 0
	rest, prest := escapedPath, pattern
	for rest != "" && nl < len(lit) && nw < len(wild)-1 {
		var seg, pseg string
		seg, rest = nextSegment(rest)
		pseg, prest = nextSegment(prest)
		dec, err := url.PathUnescape(seg)
		if err != nil {
			dec = seg
		}
		if seg == "" {
			continue
		}
		if routeLiteral(pseg) && (seg == pseg || dec == pseg) {
			lit[nl] = pseg
			nl++
			continue
		}
		wild[nw], wild[nw+1] = seg, dec
		nw += 2
		if pseg == "" || strings.HasSuffix(pseg, "...}") || pseg[0] == '*' {
			// The route ends, or its last wildcard takes the rest: the
			// remaining segments are the client's.
			for rest != "" && nw < len(wild)-1 {
				seg, rest = nextSegment(rest)
				dec, err := url.PathUnescape(seg)
				if err != nil {
					dec = seg
				}
				wild[nw], wild[nw+1] = seg, dec
				nw += 2
			}
			break
		}
	}
	if nl == 0 || rest != "" {
		// Nothing to drop, or a path too long to compare whole: keep
		// every input.
		return inputs
	}
	out := inputs[:0]
	for _, in := range inputs {
		if in.Source == taint.SourcePath && !in.IsKey && contains(lit[:nl], in.Value) && !contains(wild[:nw], in.Value) {
			continue
		}
		out = append(out, in)
	}
	return out
}

// nextSegment splits the first segment off p, which may begin with '/'.
func nextSegment(p string) (seg, rest string) {
	p = strings.TrimPrefix(p, "/")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i], p[i:]
	}
	return p, ""
}

// routeLiteral reports whether a segment of a route pattern is literal
// text rather than a wildcard.
func routeLiteral(pseg string) bool {
	return pseg != "" && pseg[0] != ':' && pseg[0] != '*' && !strings.ContainsRune(pseg, '{')
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}
