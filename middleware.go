package rasp

import (
	"net/http"

	"github.com/gorasp/rasp/taint"
)

// Middleware returns a handler that collects the untrusted inputs of each
// request, puts them, the agent and the request's state in the request's
// context, and serves it with next. Guards called with that context
// ([http.Request.Context]) check their targets against those inputs and
// report to a.
//
// Inputs come from the path segments, the query, the body (urlencoded and
// multipart form fields and upload file names, JSON string and number
// leaves and object keys), the cookies and the headers, each with the
// URL-decoded variants of its value. A body is parsed by its media type,
// and as JSON whatever its media type when it starts with '{' or '[',
// because handlers often decode JSON without checking. The body is
// inspected up to
// [WithBodyLimit] bytes; the handler reads the whole body, byte for byte,
// as the client sent it. The middleware never calls the request's Parse
// methods and never reads an upload's contents into inputs or onto disk.
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
	st := &requestState{method: r.Method, path: r.URL.Path, remoteAddr: r.RemoteAddr}
	scratch := getInputs()
	c := collector{cfg: &a.cfg, inputs: *scratch}
	var (
		body   []byte
		cut    bool
		rc     = r.Body
		pooled *[]byte
	)
	if inspectBody(r, a.cfg.bodyLimit) {
		n := prefixLen(r.ContentLength, a.cfg.bodyLimit)
		var buf []byte
		if n >= minPooledBody {
			pooled = a.getBodyBuf()
			buf = (*pooled)[:n]
		} else {
			buf = make([]byte, n)
		}
		body, cut, rc = readPrefix(r.Body, buf, a.cfg.bodyLimit)
	}
	c.collect(r, body, cut)
	st.partial = c.partial
	if c.partial {
		a.stats.partial.Add(1)
	}
	ctx := NewContext(r.Context(), a)
	ctx = withRequest(ctx, st)
	ctx = taint.NewContext(ctx, c.inputs...)
	*scratch = c.inputs
	putInputs(scratch)
	r2 := r.WithContext(ctx)
	// r's own Body stays the server's, which closes and drains it after
	// the handler returns; the handler reads the prefix, then the rest.
	r2.Body = rc
	st.r = r2
	if mode == ModeProtect || a.overrideProtect {
		ww, bw := wrapWriter(w, st, r2, &a.cfg)
		defer bw.finish()
		// Runs before finish: a handler that panics after its call was
		// refused (the nil result of a blocked query) still gets its 403.
		defer a.recoverBlocked(r2.Context(), st)
		w = ww
	} else {
		// Unwrapped, the writer cannot answer 403: a block during this
		// request (the mode switched to protect) is late from the start.
		st.state.Store(stateSent)
	}
	// The handler's goroutine serves this request until it returns (also
	// by panic): guards called on it without the context find it.
	scope := bindScope(ctx, a, false)
	defer scope.unbind()
	next.ServeHTTP(w, r2)
	if pooled != nil {
		// The handler is done with the body: net/http forbids reading it
		// after ServeHTTP returns. No input aliases the buffer (the
		// collector copies every value), so it can serve another request.
		a.bodyBufs.Put(pooled)
	}
}

// minPooledBody is the prefix size from which the read buffer is pooled:
// smaller ones cost less to allocate than to share.
const minPooledBody = 4 << 10

func (a *Agent) getBodyBuf() *[]byte {
	if p, ok := a.bodyBufs.Get().(*[]byte); ok {
		return p
	}
	b := make([]byte, a.cfg.bodyLimit+1)
	return &b
}
