package rasp

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strconv"
)

// errResponseDropped is what the handler's writes return once a sink of
// the request was blocked: the client gets the 403 instead, or, when the
// handler's headers were already out, nothing more.
var errResponseDropped = fmt.Errorf("rasp: response dropped after a blocked call: %w", ErrBlocked)

// blockWriter is the ResponseWriter the handler gets in protect mode. It
// passes everything through until a sink of the request is blocked; from
// then on the client gets 403 if no header went out yet, and the handler's
// writes are dropped either way.
//
// The block decision may run on any goroutine; it meets the writer only
// in requestState.state. The writer's own fields are used by the handler
// goroutine(s) under the usual ResponseWriter rule: not concurrently.
type blockWriter struct {
	w        http.ResponseWriter
	st       *requestState
	envelope BlockResponse
	answered bool // the 403 was written
}

// hijackWriter is a blockWriter over a ResponseWriter that can be hijacked
// (HTTP/1): only then does the wrapper claim [http.Hijacker].
type hijackWriter struct{ *blockWriter }

func wrapWriter(w http.ResponseWriter, st *requestState, env BlockResponse) (http.ResponseWriter, *blockWriter) {
	bw := &blockWriter{w: w, st: st, envelope: env}
	if _, ok := w.(http.Hijacker); ok {
		return hijackWriter{bw}, bw
	}
	return bw, bw
}

// Header returns the header map of the underlying writer.
func (bw *blockWriter) Header() http.Header { return bw.w.Header() }

// Unwrap returns the underlying writer, for [http.ResponseController].
func (bw *blockWriter) Unwrap() http.ResponseWriter { return bw.w }

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
	h := bw.w.Header()
	clear(h)
	body := "Forbidden\n"
	ct := "text/plain; charset=utf-8"
	if bw.envelope == BlockJSON {
		body = `{"error":"forbidden"}` + "\n"
		ct = "application/json"
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	bw.w.WriteHeader(http.StatusForbidden)
	_, _ = bw.w.Write([]byte(body))
}

// finish runs after the handler returned: a request blocked before any
// header went out gets its 403 now, and one still open is complete, so a
// block after this point (a goroutine the handler left running) is late.
func (bw *blockWriter) finish() {
	if bw.st.send() == stateBlocked {
		bw.answer()
	}
}

// Flush implements [http.Flusher]. Flushing commits the headers, as it does
// for net/http's own writer.
func (bw *blockWriter) Flush() { _ = bw.FlushError() }

// FlushError is the Flush [http.ResponseController] calls.
func (bw *blockWriter) FlushError() error {
	if !bw.commit() && !bw.answered {
		return errResponseDropped
	}
	return http.NewResponseController(bw.w).Flush()
}

// Hijack implements [http.Hijacker]. A hijacked connection bypasses the
// writer, so a blocked request cannot be hijacked, and a hijack commits
// the response like a header would.
func (hw hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !hw.commit() {
		return nil, nil, errResponseDropped
	}
	return http.NewResponseController(hw.w).Hijack()
}

var (
	_ http.Flusher                              = (*blockWriter)(nil)
	_ http.Flusher                              = hijackWriter{}
	_ http.Hijacker                             = hijackWriter{}
	_ interface{ Unwrap() http.ResponseWriter } = (*blockWriter)(nil)
)
