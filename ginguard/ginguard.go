// Package ginguard brings gin applications under rasp: a gin middleware
// that runs [rasp.Agent.Middleware] inside gin's own chain, so that the
// guards the handlers call check against the request's inputs and a
// blocked request gets 403 Forbidden.
//
// The default: register it first (after gin's Logger and Recovery), with
// the agent the rest of the program uses, and pass c.Request.Context() to
// the guards:
//
//	r := gin.New()
//	r.Use(gin.Logger(), gin.Recovery(), ginguard.Middleware(ginguard.WithAgent(a)))
//
// Without [WithAgent] it uses [rasp.Default], looked up for every request.
//
// # What it adds to the HTTP middleware
//
// gin hands its handlers its own writer (c.Writer); a net/http middleware
// adapted naively leaves them writing past rasp's, so a handler that
// ignores a block error sends its own 500. Middleware gives the rest of
// the chain a writer over rasp's, so the 403 guarantee of
// [rasp.Agent.Middleware] holds for every later handler, and restores
// gin's own when the chain returns. It names the route with gin's
// FullPath ("/users/:id", see [rasp.SetRoute]) and adds each path
// parameter, a catch-all's included, as a [taint.SourcePath] input keyed
// by its name.
//
// # Threat model
//
// As [rasp.Agent.Middleware]; in addition, handlers gin runs before this
// middleware are not covered, and a path parameter is added whole (gin's
// router bounds it by the request line).
//
// # Concurrency
//
// The middleware is safe for concurrent requests; like gin's context, the
// writer it installs is for the handler's goroutine.
package ginguard

import (
	"bufio"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
)

// Option configures [Middleware].
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

type config struct{ agent *rasp.Agent }

// WithAgent makes the middleware report to a. A nil a keeps the default,
// [rasp.Default] looked up for every request.
func WithAgent(a *rasp.Agent) Option {
	return optionFunc(func(c *config) { c.agent = a })
}

// Middleware returns the gin middleware (see the package documentation).
func Middleware(opts ...Option) gin.HandlerFunc {
	cfg := &config{}
	for _, o := range opts {
		if o != nil {
			o.apply(cfg)
		}
	}
	return func(c *gin.Context) {
		a := cfg.agent
		if a == nil {
			a = rasp.Default()
		}
		if len(c.Params) > 0 {
			// Added before the middleware collects, so that the inputs the
			// goroutine is bound with include them.
			in := make([]taint.Input, 0, len(c.Params))
			for _, p := range c.Params {
				if p.Value != "" && p.Value != "/" {
					in = append(in, taint.Input{Source: taint.SourcePath, Key: p.Key, Value: p.Value})
				}
			}
			c.Request = c.Request.WithContext(taint.NewContext(c.Request.Context(), in...))
		}
		orig := c.Writer
		defer func() { c.Writer = orig }()
		a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c.Request = r
			if route := c.FullPath(); route != "" {
				rasp.SetRoute(r.Context(), route)
			}
			c.Writer = &writer{w: w, orig: orig, status: http.StatusOK, size: -1}
			c.Next()
		})).ServeHTTP(orig, c.Request)
		if rasp.Blocked(c.Request.Context()) {
			c.Abort() // the client has its 403: nothing more of the chain
		}
	}
}

// writer is the gin.ResponseWriter the chain gets: gin's bookkeeping
// (status set by WriteHeader and sent on the first write) over rasp's
// writer w, which passes to gin's own (orig) until a block.
type writer struct {
	w      http.ResponseWriter
	orig   gin.ResponseWriter
	status int
	size   int // -1 until the header is sent
}

func (w *writer) Header() http.Header { return w.w.Header() }

func (w *writer) WriteHeader(code int) {
	if code > 0 && !w.Written() {
		w.status = code
	}
}

func (w *writer) WriteHeaderNow() {
	if !w.Written() {
		w.size = 0
		w.w.WriteHeader(w.status)
	}
}

func (w *writer) Write(b []byte) (int, error) {
	w.WriteHeaderNow()
	n, err := w.w.Write(b)
	w.size += n
	return n, err
}

func (w *writer) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

func (w *writer) Status() int   { return w.status }
func (w *writer) Size() int     { return w.size }
func (w *writer) Written() bool { return w.size != -1 }

func (w *writer) Flush() {
	w.WriteHeaderNow()
	_ = http.NewResponseController(w.w).Flush()
}

func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.size < 0 {
		w.size = 0
	}
	return http.NewResponseController(w.w).Hijack()
}

// CloseNotify is gin's own (deprecated in net/http, kept by gin's interface).
func (w *writer) CloseNotify() <-chan bool { return w.orig.CloseNotify() }

// Pusher returns nil: rasp's writer does not offer server push.
func (w *writer) Pusher() http.Pusher { return nil }

// Unwrap returns rasp's writer, for [http.ResponseController].
func (w *writer) Unwrap() http.ResponseWriter { return w.w }

var _ gin.ResponseWriter = (*writer)(nil)
