package rasp

import (
	"context"
	"net/http"
	"sync/atomic"
)

// requestState is what the middleware shares with the decisions made while
// it serves one request: who asked, and whether a sink was blocked.
type requestState struct {
	r          *http.Request // the request handed to the handler; a ServeMux sets its Pattern
	method     string
	path       string
	remoteAddr string
	partial    atomic.Bool // inspection stopped at a cap
	route      atomic.Pointer[route]

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

func withRequest(ctx context.Context, st *requestState) context.Context {
	return context.WithValue(ctx, requestKey{}, st)
}

func requestFrom(ctx context.Context) *requestState {
	if ctx == nil {
		return nil
	}
	st, _ := ctx.Value(requestKey{}).(*requestState)
	return st
}

func (s *requestState) info() Request {
	if s == nil {
		return Request{}
	}
	ri := Request{Method: s.method, Path: s.path, RemoteAddr: s.remoteAddr}
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
