package rasp

import (
	"context"
	"net/http"
	"sync/atomic"

	"github.com/gorasp/rasp/internal/collect"
)

// requestState is what the middleware shares with the decisions made while
// it serves one request: who asked, and whether a sink was blocked.
//
// It is also the request's context below the inputs: it answers the agent
// and its own key, and every other key from the server's context, so that
// the middleware adds one allocation, not one per value.
type requestState struct {
	context.Context // the server's request context
	agent           *Agent

	r         *http.Request // the request handed to the handler; a ServeMux sets its Pattern
	path      string        // r.URL.Path when the request began (a handler may rewrite r.URL)
	call      *Request      // a Call's own description, nil for an HTTP request
	in        requestInputs // collects the request's inputs on demand
	partial   atomic.Bool   // a non-HTTP call was inspected only in part (see call)
	callLimit atomic.Uint32 // the collect.Limit a call reached
	route     atomic.Pointer[route]

	// state orders the block decision (any goroutine) against the
	// handler's first write (handler goroutine) in one atomic word, so an
	// event's Late flag always agrees with what the client received.
	state atomic.Int32
}

// Response states of a request, see [requestState.state].
const (
	stateOpen        int32 = iota // nothing sent, not blocked
	stateSent                     // the handler's headers went out
	stateBlocked                  // blocked before any header went out: answer 403
	stateBlockedLate              // blocked after the headers went out: drop the rest
)

type requestKey struct{}

func (s *requestState) Value(key any) any {
	switch key.(type) {
	case agentKey:
		return s.agent
	case requestKey:
		return s
	}
	return s.Context.Value(key)
}

func requestFrom(ctx context.Context) *requestState {
	if ctx == nil {
		return nil
	}
	st, _ := ctx.Value(requestKey{}).(*requestState)
	return st
}

// routePattern is the pattern of the route the request matched (from
// [SetRoute], else the ServeMux pattern), "" when none is known.
func (s *requestState) routePattern() string {
	return s.info().Route
}

// partialLimit names the limit a call reached: the collector's, else the
// adapter's own ("depth" of a message walk).
func (s *requestState) partialLimit() string {
	if l := collect.Limit(s.callLimit.Load()); l != 0 {
		return l.String()
	}
	return "depth"
}

// isPartial reports whether the request or call was inspected only in part.
func (s *requestState) isPartial() bool {
	return s.partial.Load() || s.in.partial() != 0
}

func (s *requestState) info() Request {
	if s == nil {
		return Request{}
	}
	ri := Request{Path: s.path}
	switch {
	case s.in.r != nil:
		// The server's request, which no handler gets to modify.
		ri.Method, ri.RemoteAddr = s.in.r.Method, s.in.r.RemoteAddr
	case s.call != nil:
		ri.Method, ri.RemoteAddr = s.call.Method, s.call.RemoteAddr
	}
	if rt := s.route.Load(); rt != nil {
		ri.Route = rt.name()
	} else if s.r != nil {
		ri.Route = s.r.Pattern
	}
	return ri
}

// block marks the request blocked and reports whether the handler had
// already sent its headers (the block came late).
func (s *requestState) block() (late bool) {
	for {
		switch cur := s.state.Load(); cur {
		case stateOpen:
			if s.state.CompareAndSwap(stateOpen, stateBlocked) {
				return false
			}
		case stateSent:
			if s.state.CompareAndSwap(stateSent, stateBlockedLate) {
				return true
			}
		default:
			return cur == stateBlockedLate
		}
	}
}

// send is called before the handler's headers go out. It returns the
// state the response is in afterwards: stateSent when the headers may go
// out, stateBlocked when the 403 must be written instead, stateBlockedLate
// when the write must be dropped.
func (s *requestState) send() int32 {
	if s.state.CompareAndSwap(stateOpen, stateSent) {
		return stateSent
	}
	return s.state.Load()
}

func (s *requestState) isBlocked() bool { return s.state.Load() >= stateBlocked }

// Blocked reports whether a sink was blocked during the request ctx belongs
// to. It is false outside the middleware.
func Blocked(ctx context.Context) bool {
	st := requestFrom(ctx)
	return st != nil && st.isBlocked()
}
