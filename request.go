package rasp

import (
	"context"
	"net/http"
	"sync/atomic"
)

// requestState is what the middleware shares with the decisions made while
// it serves one request: who asked, and whether a sink was blocked.
type requestState struct {
	r           *http.Request
	partial     bool        // inspection stopped at a cap
	blocked     atomic.Bool // a sink was blocked: answer 403
	headersSent atomic.Bool // the handler's response headers went out
}

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
	if s == nil || s.r == nil {
		return Request{}
	}
	return Request{
		Method:     s.r.Method,
		Path:       s.r.URL.Path,
		Route:      s.r.Pattern,
		RemoteAddr: s.r.RemoteAddr,
	}
}

// block marks the request blocked and reports whether the handler had
// already sent its headers (the block came late).
func (s *requestState) block() bool {
	s.blocked.Store(true)
	return s.headersSent.Load()
}

// Blocked reports whether a sink was blocked during the request ctx belongs
// to. It is false outside the middleware.
func Blocked(ctx context.Context) bool {
	st := requestFrom(ctx)
	return st != nil && st.blocked.Load()
}
