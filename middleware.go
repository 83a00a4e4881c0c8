package rasp

import (
	"net/http"

	"github.com/gorasp/rasp/taint"
)

// Middleware returns a handler that puts the agent, the request's state and
// the request's untrusted inputs in the request's context, and serves it
// with next. Guards called with that context ([http.Request.Context])
// check their targets against those inputs and report to a.
//
// The inputs are collected when a guard first asks for them
// ([taint.FromContext]), so a request that reaches no guard pays for no
// collection: the values and the keys of every source (path segments raw
// and decoded, query, form and multipart fields and upload file names,
// JSON leaves and object keys, cookies, headers), each with its
// URL-decoded variants, and the whole body. The body is what the handler
// has read of it by then: the middleware reads nothing itself, but keeps
// the bytes as the handler reads them (up to [WithBodyLimit]) and parses
// them by media type and by content, decoded from gzip or deflate; a guard
// that runs after the handler read more sees the rest too. The handler
// reads the body byte for byte as the client sent it, streaming. The
// middleware never calls the request's Parse methods and never reads an
// upload's contents into inputs or onto disk. The collection reads the
// request's URL and headers: a handler must not modify them while a guard
// of the request runs on another goroutine. A guarded call of a request
// inspected only in part (a limit was reached) is blocked in
// [ModeProtect]: see [WithPartialClosed].
//
// In [ModeProtect] (for the agent or any sink override, when the request
// starts) the handler's [http.ResponseWriter] is wrapped: once a sink of the
// request is blocked, the client gets 403 Forbidden whatever the handler
// writes next, as JSON, HTML or text by its Accept header
// ([WithBlockResponse], [WithBlockHandler]); if the handler's headers were
// already sent, the event is marked late and the handler's further writes
// are dropped. A handler that panics after a block (on the nil result of
// the refused query) still answers 403, and the panic is reported as a
// [KindHandlerPanic] event. A handler that calls log.Fatal or os.Exit on
// the error of a blocked call ends the process instead: test the error with
// errors.Is(err, [ErrBlocked]) and return. The wrapper claims
// [http.Flusher], [http.Hijacker], [io.ReaderFrom] (so [http.ServeFile]
// keeps sendfile) and [http.Pusher] exactly when the server's writer has
// them, and reaches the deadlines and full duplex of
// [http.ResponseController] through Unwrap; a blocked request cannot
// hijack, push, flush or copy its way past the 403. In other modes the
// writer is not wrapped. In [ModeOff] nothing is collected; the
// context carries only the agent.
//
// While next runs, the goroutine running it is bound to the request, so
// that guards called on it without the request's context check against
// this request (see [RequestContext] and "Goroutine scope" in the package
// documentation); the binding ends when next returns or panics.
func (a *Agent) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.serveHTTP(next, w, r)
	})
}

// Middleware is [Agent.Middleware] for [Default]. The default agent is
// looked up for every request, so a later [SetDefault] takes effect on
// handlers already wrapped.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Default().serveHTTP(next, w, r)
	})
}

func (a *Agent) serveHTTP(next http.Handler, w http.ResponseWriter, r *http.Request) {
	if requestFrom(r.Context()) != nil {
		// Nested middleware: the outer one collected the inputs and owns
		// the response; collecting again would duplicate every input.
		if FromContext(r.Context()) != a {
			r = r.WithContext(NewContext(r.Context(), a))
		}
		if boundHere() == nil {
			// A handler between the two moved the request to another
			// goroutine (http.TimeoutHandler): bind that one.
			defer bindScope(r.Context(), a, false).unbind()
		}
		next.ServeHTTP(w, r)
		return
	}
	mode := a.Mode()
	if mode == ModeOff && !a.overrideOn {
		r = r.WithContext(NewContext(r.Context(), a))
		// Bound too, so that calls of this request are not taken for blind
		// spots if the mode turns on before it ends.
		defer bindScope(r.Context(), a, true).unbind()
		next.ServeHTTP(w, r)
		return
	}
	hasBody := a.cfg.bodyLimit > 0 && r.Body != nil && r.Body != http.NoBody
	var s *served
	var tee *teeBody
	if hasBody {
		sb := new(servedBody)
		s, tee = &sb.served, &sb.tee
	} else {
		s = new(served)
	}
	st := &s.st
	// Field by field: assigning a whole requestState to the new (zeroed)
	// memory would copy it all with the write barrier on.
	st.Context, st.agent, st.path = r.Context(), a, r.URL.Path
	ri := &st.in
	ri.r, ri.st = r, st
	s.ctx.Init(st, ri)
	r2 := r.WithContext(&s.ctx)
	if hasBody {
		// r's own Body stays the server's, which closes and drains it
		// after the handler returns; the handler reads it through the tee.
		tee.rc, tee.limit, tee.hint = r.Body, a.cfg.bodyLimit, r.ContentLength
		ri.body = tee
		r2.Body = tee
	}
	st.r = r2
	if mode == ModeProtect || a.overrideProtect {
		w = wrapWriterIn(&s.bw, w, st)
		defer s.bw.finish()
		// Runs before finish: a handler that panics after its call was
		// refused (the nil result of a blocked query) still gets its 403.
		defer a.recoverBlocked(r2.Context(), st)
	} else {
		// Unwrapped, the writer cannot answer 403: a block during this
		// request (the mode switched to protect) is late from the start.
		st.state.Store(stateSent)
	}
	// The handler's goroutine serves this request until it returns (also
	// by panic): guards called on it without the context find it.
	scope := bindScope(r2.Context(), a, false)
	defer scope.unbind()
	next.ServeHTTP(w, r2)
}

// served is what the middleware allocates for one request, in one piece:
// its state, the context the handler gets and, in protect mode, the
// writer's state. Only the request's copy ([http.Request.WithContext]) is
// a second allocation.
type served struct {
	st  requestState
	ctx taint.LazyContext
	bw  blockWriter
}

// servedBody is served with the tee of a request's body.
type servedBody struct {
	served
	tee teeBody
}
