// Package echoguard brings echo (v4) applications under rasp: an echo
// middleware that runs [rasp.Agent.Middleware] inside echo's chain, so that
// the guards the handlers call check against the request's inputs and a
// blocked request gets 403 Forbidden.
//
// The default: register it with Use (echo runs Use middleware after
// routing), with the agent the rest of the program uses, and pass
// c.Request().Context() to the guards:
//
//	e := echo.New()
//	e.Use(echoguard.Middleware(echoguard.WithAgent(a)))
//
// Without [WithAgent] it uses [rasp.Default], looked up for every request.
//
// # What it adds to the HTTP middleware
//
// echo writes through its Response, and answers a handler's error after
// the chain returns, with its HTTPErrorHandler. Middleware points the
// Response at rasp's writer while the chain runs, so that the 403
// guarantee of [rasp.Agent.Middleware] holds for every later handler; when
// the request was blocked it returns nil and marks the Response committed,
// so that the error handler cannot append its own answer to the 403 (the
// handler's error is dropped: the event says what happened). It names the
// route with echo's Path ("/users/:id", see [rasp.SetRoute]) and adds each
// path parameter, the "*" wildcard's included, as a [taint.SourcePath]
// input keyed by its name.
//
// # Threat model
//
// As [rasp.Agent.Middleware]; in addition, Pre middleware and middleware
// added before this one are not covered, and a path parameter is added
// whole (the request line bounds it).
//
// # Concurrency
//
// The middleware is safe for concurrent requests.
package echoguard

import (
	"net/http"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
	"github.com/labstack/echo/v4"
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

// Middleware returns the echo middleware (see the package documentation).
func Middleware(opts ...Option) echo.MiddlewareFunc {
	cfg := &config{}
	for _, o := range opts {
		if o != nil {
			o.apply(cfg)
		}
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			a := cfg.agent
			if a == nil {
				a = rasp.Default()
			}
			req := c.Request()
			if names := c.ParamNames(); len(names) > 0 {
				// Added before the middleware collects, so that the inputs
				// the goroutine is bound with include them.
				values := c.ParamValues()
				in := make([]taint.Input, 0, len(names))
				for i, n := range names {
					if i < len(values) && values[i] != "" {
						in = append(in, taint.Input{Source: taint.SourcePath, Key: n, Value: values[i]})
					}
				}
				req = req.WithContext(taint.NewContext(req.Context(), in...))
			}
			res := c.Response()
			orig := res.Writer
			var err error
			a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c.SetRequest(r)
				if p := c.Path(); p != "" {
					rasp.SetRoute(r.Context(), p)
				}
				res.Writer = w
				defer func() { res.Writer = orig }()
				err = next(c)
			})).ServeHTTP(orig, req)
			if rasp.Blocked(c.Request().Context()) {
				if !res.Committed {
					// rasp answered 403 past the Response, once next returned.
					res.Committed, res.Status = true, http.StatusForbidden
				}
				return nil
			}
			return err
		}
	}
}
