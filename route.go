package rasp

import "context"

// route is the route name a router gave the request: a pattern, or a
// function that returns it when an event needs it (a router that finishes
// matching after its middleware ran).
type route struct {
	pattern string
	fn      func() string
}

// name returns the route; a panicking fn yields "" rather than escape the
// guard that reports the event.
func (rt *route) name() (s string) {
	if rt.fn == nil {
		return rt.pattern
	}
	defer func() {
		if recover() != nil {
			s = ""
		}
	}()
	return rt.fn()
}

// SetRoute names the route that serves the request ctx belongs to, as the
// router matched it ("/users/{id}"): events carry it as request_route and
// exceptions ([WithException]) match on it. A router middleware calls it
// after matching, with the router's pattern; it overrides the ServeMux
// pattern. Outside the middleware (ctx carries no request) it does
// nothing. It is safe to call from any goroutine; the last call wins.
func SetRoute(ctx context.Context, pattern string) {
	if st := requestFrom(ctx); st != nil {
		st.route.Store(&route{pattern: pattern})
	}
}

// SetRouteFunc is [SetRoute] for a router that completes its match after
// the middleware runs (chi, whose RouteContext(ctx).RoutePattern is
// complete only once the handler runs): fn is called each time an event of the request needs the
// route, on the goroutine of the guard, so it must be safe to call there
// once the handler has started.
func SetRouteFunc(ctx context.Context, fn func() string) {
	if st := requestFrom(ctx); st != nil && fn != nil {
		st.route.Store(&route{fn: fn})
	}
}
