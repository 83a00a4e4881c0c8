package rasp

import (
	"bufio"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// errResponseDropped is what the handler's writes return once a sink of
// the request was blocked: the client gets the 403 instead, or, when the
// handler's headers were already out, nothing more.
var errResponseDropped = fmt.Errorf("rasp: response dropped after a blocked call: %w", ErrBlocked)

// blockWriter is the state behind the ResponseWriter the handler gets in
// protect mode (see wrapWriter). It passes everything through until a sink of the request is blocked; from
// then on the client gets 403 if no header went out yet, and the handler's
// writes are dropped either way.
//
// The block decision may run on any goroutine; it meets the writer only
// in requestState.state. The writer's own fields are used by the handler
// goroutine(s) under the usual ResponseWriter rule: not concurrently.
type blockWriter struct {
	w        http.ResponseWriter
	st       *requestState // its r is the handler's request (its Accept header, for a block handler); its agent's config says how to answer
	answered bool          // the 403 was written
}

// wrapWriter returns the handler's writer: bw plus, each only when w has
// it, [http.Flusher] (also for a w with only FlushError), [http.Hijacker],
// [io.ReaderFrom] (so [http.ServeFile] keeps sendfile) and [http.Pusher].
// These four are the optional interfaces net/http and its callers find by
// type assertion on the writer itself; the others net/http offers (the
// deadlines, full duplex, FlushError) are reached by
// [http.ResponseController] through Unwrap, and none of those sends
// anything. io.StringWriter is always claimed: io.WriteString only uses
// it to save a copy. CloseNotifier (deprecated) is not.
//
// Hand-written rather than github.com/felixge/httpsnoop: httpsnoop
// mirrors all 512 combinations of nine interfaces with one generated type
// each, which added 1.9 MB to a minimal program and 17 allocations per
// protected request; here the servers' own three combinations cost no
// allocation (see writerF) and the others one.
func wrapWriter(w http.ResponseWriter, st *requestState) (http.ResponseWriter, *blockWriter) {
	bw := new(blockWriter)
	return wrapWriterIn(bw, w, st), bw
}

// The writers of the servers' own combinations: net/http's HTTP/1
// writer (Flusher, Hijacker, ReaderFrom), its HTTP/2 writer (Flusher,
// Pusher) and httptest's recorder (Flusher). Each is a blockWriter under
// another method set, so the writer is a pointer to the blockWriter
// itself, with nothing to allocate or box.
type (
	writerF   blockWriter
	writerFHR blockWriter
	writerFP  blockWriter
)

func (v *writerF) Header() http.Header                 { return (*blockWriter)(v).Header() }
func (v *writerF) WriteHeader(code int)                { (*blockWriter)(v).WriteHeader(code) }
func (v *writerF) Write(b []byte) (int, error)         { return (*blockWriter)(v).Write(b) }
func (v *writerF) WriteString(s string) (int, error)   { return (*blockWriter)(v).WriteString(s) }
func (v *writerF) Unwrap() http.ResponseWriter         { return v.w }
func (v *writerF) Flush()                              { (*flushOps)(v).Flush() }
func (v *writerF) FlushError() error                   { return (*flushOps)(v).FlushError() }
func (v *writerFHR) Header() http.Header               { return (*blockWriter)(v).Header() }
func (v *writerFHR) WriteHeader(code int)              { (*blockWriter)(v).WriteHeader(code) }
func (v *writerFHR) Write(b []byte) (int, error)       { return (*blockWriter)(v).Write(b) }
func (v *writerFHR) WriteString(s string) (int, error) { return (*blockWriter)(v).WriteString(s) }
func (v *writerFHR) Unwrap() http.ResponseWriter       { return v.w }
func (v *writerFHR) Flush()                            { (*flushOps)(v).Flush() }
func (v *writerFHR) FlushError() error                 { return (*flushOps)(v).FlushError() }
func (v *writerFHR) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return (*hijackOps)(v).Hijack()
}
func (v *writerFHR) ReadFrom(src io.Reader) (int64, error) { return (*readFromOps)(v).ReadFrom(src) }
func (v *writerFP) Header() http.Header                    { return (*blockWriter)(v).Header() }
func (v *writerFP) WriteHeader(code int)                   { (*blockWriter)(v).WriteHeader(code) }
func (v *writerFP) Write(b []byte) (int, error)            { return (*blockWriter)(v).Write(b) }
func (v *writerFP) WriteString(s string) (int, error)      { return (*blockWriter)(v).WriteString(s) }
func (v *writerFP) Unwrap() http.ResponseWriter            { return v.w }
func (v *writerFP) Flush()                                 { (*flushOps)(v).Flush() }
func (v *writerFP) FlushError() error                      { return (*flushOps)(v).FlushError() }
func (v *writerFP) Push(target string, opts *http.PushOptions) error {
	return (*pushOps)(v).Push(target, opts)
}

// wrapWriterIn is [wrapWriter] with the blockWriter in bw. The writer
// costs no allocation of its own for the servers' combinations.
func wrapWriterIn(bw *blockWriter, w http.ResponseWriter, st *requestState) http.ResponseWriter {
	bw.w, bw.st, bw.answered = w, st, false
	var mask int
	if _, ok := w.(http.Flusher); ok {
		mask |= 1
	} else if _, ok := w.(interface{ FlushError() error }); ok {
		mask |= 1
	}
	if _, ok := w.(http.Hijacker); ok {
		mask |= 2
	}
	if _, ok := w.(io.ReaderFrom); ok {
		mask |= 4
	}
	if _, ok := w.(http.Pusher); ok {
		mask |= 8
	}
	f, h, rf, p := (*flushOps)(bw), (*hijackOps)(bw), (*readFromOps)(bw), (*pushOps)(bw)
	switch mask {
	case 1:
		return (*writerF)(bw)
	case 7:
		return (*writerFHR)(bw)
	case 9:
		return (*writerFP)(bw)
	}
	switch mask {
	case 1:
		return struct {
			*blockWriter
			*flushOps
		}{bw, f}
	case 2:
		return struct {
			*blockWriter
			*hijackOps
		}{bw, h}
	case 3:
		return struct {
			*blockWriter
			*flushOps
			*hijackOps
		}{bw, f, h}
	case 4:
		return struct {
			*blockWriter
			*readFromOps
		}{bw, rf}
	case 5:
		return struct {
			*blockWriter
			*flushOps
			*readFromOps
		}{bw, f, rf}
	case 6:
		return struct {
			*blockWriter
			*hijackOps
			*readFromOps
		}{bw, h, rf}
	case 7:
		return struct {
			*blockWriter
			*flushOps
			*hijackOps
			*readFromOps
		}{bw, f, h, rf}
	case 8:
		return struct {
			*blockWriter
			*pushOps
		}{bw, p}
	case 9:
		return struct {
			*blockWriter
			*flushOps
			*pushOps
		}{bw, f, p}
	case 10:
		return struct {
			*blockWriter
			*hijackOps
			*pushOps
		}{bw, h, p}
	case 11:
		return struct {
			*blockWriter
			*flushOps
			*hijackOps
			*pushOps
		}{bw, f, h, p}
	case 12:
		return struct {
			*blockWriter
			*readFromOps
			*pushOps
		}{bw, rf, p}
	case 13:
		return struct {
			*blockWriter
			*flushOps
			*readFromOps
			*pushOps
		}{bw, f, rf, p}
	case 14:
		return struct {
			*blockWriter
			*hijackOps
			*readFromOps
			*pushOps
		}{bw, h, rf, p}
	case 15:
		return struct {
			*blockWriter
			*flushOps
			*hijackOps
			*readFromOps
			*pushOps
		}{bw, f, h, rf, p}
	}
	return bw
}

// Unwrap returns the underlying writer, for [http.ResponseController].
func (bw *blockWriter) Unwrap() http.ResponseWriter { return bw.w }

// WriteString is Write for [io.WriteString].
func (bw *blockWriter) WriteString(s string) (int, error) {
	if !bw.commit() {
		return 0, errResponseDropped
	}
	return io.WriteString(bw.w, s)
}

// The optional methods, each on its own view of the blockWriter so that
// wrapWriter can combine them.
type (
	flushOps    blockWriter
	hijackOps   blockWriter
	readFromOps blockWriter
	pushOps     blockWriter
)

// Flush implements [http.Flusher]. Flushing commits the headers, as it does
// for net/http's own writer; after the 403 it flushes that.
func (o *flushOps) Flush() { _ = o.FlushError() }

// FlushError is the Flush [http.ResponseController] calls.
func (o *flushOps) FlushError() error {
	bw := (*blockWriter)(o)
	if !bw.commit() && !bw.answered {
		return errResponseDropped
	}
	return http.NewResponseController(bw.w).Flush()
}

// Hijack implements [http.Hijacker]. A hijacked connection bypasses the
// writer, so a blocked request cannot be hijacked, and a hijack commits
// the response like a header would.
func (o *hijackOps) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	bw := (*blockWriter)(o)
	if !bw.commit() {
		return nil, nil, errResponseDropped
	}
	return bw.w.(http.Hijacker).Hijack()
}

// ReadFrom implements [io.ReaderFrom]: it commits like a Write, then lets
// the server's writer use sendfile.
func (o *readFromOps) ReadFrom(src io.Reader) (int64, error) {
	bw := (*blockWriter)(o)
	if !bw.commit() {
		return 0, errResponseDropped
	}
	return bw.w.(io.ReaderFrom).ReadFrom(src)
}

// Push implements [http.Pusher]. A push promise is not the response's
// headers: it does not commit, but a blocked request promises nothing.
func (o *pushOps) Push(target string, opts *http.PushOptions) error {
	bw := (*blockWriter)(o)
	if bw.st.isBlocked() {
		return errResponseDropped
	}
	return bw.w.(http.Pusher).Push(target, opts)
}

var (
	_ http.Flusher                              = (*flushOps)(nil)
	_ http.Hijacker                             = (*hijackOps)(nil)
	_ io.ReaderFrom                             = (*readFromOps)(nil)
	_ http.Pusher                               = (*pushOps)(nil)
	_ io.StringWriter                           = (*blockWriter)(nil)
	_ interface{ Unwrap() http.ResponseWriter } = (*blockWriter)(nil)
)

// Header returns the header map of the underlying writer.
func (bw *blockWriter) Header() http.Header { return bw.w.Header() }

// WriteHeader sends the handler's status unless the request was blocked.
// Informational (1xx) headers other than 101 pass while nothing else went
// out, and do not count as the response's headers.
func (bw *blockWriter) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		if bw.st.state.Load() == stateOpen {
			bw.w.WriteHeader(code)
		}
		return
	}
	if bw.commit() {
		bw.w.WriteHeader(code)
	}
}

// Write sends b unless the request was blocked.
func (bw *blockWriter) Write(b []byte) (int, error) {
	if !bw.commit() {
		return 0, errResponseDropped
	}
	return bw.w.Write(b)
}

// commit is called before anything of the handler's response goes out. It
// reports whether it may; when it may not, it writes the 403 if no header
// went out yet.
func (bw *blockWriter) commit() bool {
	switch bw.st.send() {
	case stateSent:
		return true
	case stateBlocked:
		bw.answer()
	}
	return false
}

// answer writes the 403 once, over whatever headers the handler set: a
// cookie or a redirect set by a handler whose query was refused must not
// reach the client.
func (bw *blockWriter) answer() {
	if bw.answered {
		return
	}
	bw.answered = true
	clear(bw.w.Header())
	cfg := &bw.st.agent.cfg
	if cfg.blockPage != nil && bw.custom() {
		return
	}
	env := cfg.envelope
	if env == BlockNegotiate {
		env = negotiate(bw.st.r.Header.Get("Accept"))
		bw.w.Header().Set("Vary", "Accept")
	}
	body, ct := "Forbidden\n", "text/plain; charset=utf-8"
	switch env {
	case BlockJSON:
		body, ct = `{"error":"forbidden"}`+"\n", "application/json"
	case BlockHTML:
		body, ct = blockHTML, "text/html; charset=utf-8"
	}
	h := bw.w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	bw.w.WriteHeader(http.StatusForbidden)
	_, _ = bw.w.Write([]byte(body))
}

const blockHTML = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>403 Forbidden</title></head>" +
	"<body><h1>Forbidden</h1></body></html>\n"

// custom renders the answer with the user's block handler and reports
// whether it wrote anything; a panic in it counts as nothing written,
// unless its headers went out.
func (bw *blockWriter) custom() (wrote bool) {
	pw := &pageWriter{w: bw.w}
	defer func() {
		if recover() != nil {
			wrote = pw.wrote
			if !wrote {
				clear(bw.w.Header())
			}
		}
	}()
	bw.st.agent.cfg.blockPage.ServeHTTP(pw, bw.st.r)
	return pw.wrote
}

// pageWriter is the writer of a block handler: 403 unless it says otherwise.
type pageWriter struct {
	w     http.ResponseWriter
	wrote bool
}

func (pw *pageWriter) Header() http.Header { return pw.w.Header() }

func (pw *pageWriter) WriteHeader(code int) {
	if !pw.wrote {
		pw.wrote = true
		pw.w.WriteHeader(code)
	}
}

func (pw *pageWriter) Write(b []byte) (int, error) {
	pw.WriteHeader(http.StatusForbidden)
	return pw.w.Write(b)
}

// negotiate picks the answer for an Accept header (RFC 9110 section
// 12.5.1): the media range with the highest q among JSON, HTML and plain
// text, the earliest on a tie; text when none is named. Wildcards choose
// nothing: "*/*" is what curl sends.
func negotiate(accept string) BlockResponse {
	best, bestQ := BlockText, 0.0
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
				q = f
			}
		}
		var r BlockResponse
		switch {
		case mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"):
			r = BlockJSON
		case mt == "text/html" || mt == "application/xhtml+xml":
			r = BlockHTML
		case mt == "text/plain":
			r = BlockText
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = r, q
		}
	}
	return best
}

// finish runs after the handler returned: a request blocked before any
// header went out gets its 403 now, and one still open is complete, so a
// block after this point (a goroutine the handler left running) is late.
func (bw *blockWriter) finish() {
	if bw.st.send() == stateBlocked {
		bw.answer()
	}
}
