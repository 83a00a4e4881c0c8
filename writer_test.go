package rasp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// One test per optional interface of the protect-mode writer, each against
// a real server on 127.0.0.1: the interface is claimed, the call reaches
// the server's writer, and a blocked request cannot use it to send.

// get returns "status body" for a GET of url.
func get(t *testing.T, c *http.Client, url string) string {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d %s", resp.StatusCode, b)
}

func TestWriterFlusher(t *testing.T) {
	a, _ := testAgent(t, ModeProtect)
	read := make(chan struct{})
	srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := w.(http.Flusher)
		if !ok {
			t.Error("not a Flusher")
			return
		}
		if r.URL.Path == "/blocked" {
			_ = a.Decide(r.Context(), SinkSQL, "query", sqlFinding)
			f.Flush() // sends the 403, not the handler's status
			_, _ = io.WriteString(w, "secret")
			return
		}
		_, _ = io.WriteString(w, "first")
		f.Flush()
		// The client saw "first" before the handler goes on: Flush
		// reached the wire, it was not buffered by the wrapper.
		select {
		case <-read:
		case <-time.After(10 * time.Second):
			t.Error("the flushed bytes did not reach the client")
		}
		_, _ = io.WriteString(w, " second")
	})))
	t.Cleanup(srv.Close)

	resp, err := srv.Client().Get(srv.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len("first"))
	if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != "first" {
		t.Fatalf("first chunk %q, %v", buf, err)
	}
	close(read)
	rest, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(rest) != " second" {
		t.Errorf("rest %q", rest)
	}
	if got := get(t, srv.Client(), srv.URL+"/blocked"); got != "403 Forbidden\n" {
		t.Errorf("blocked: got %q", got)
	}
}

func TestWriterHijacker(t *testing.T) {
	a, _ := testAgent(t, ModeProtect)
	srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Error("an HTTP/1.1 writer must claim Hijacker")
			return
		}
		if r.URL.Path == "/blocked" {
			_ = a.Decide(r.Context(), SinkSQL, "query", sqlFinding)
			if c, _, err := hj.Hijack(); !errors.Is(err, ErrBlocked) {
				if c != nil {
					c.Close()
				}
				t.Errorf("Hijack after a block = %v, want ErrBlocked", err)
			}
			return
		}
		conn, brw, err := hj.Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		_, _ = brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nraw")
		_ = brw.Flush()
		// A hijacked response is committed: a block now is late and
		// leaves the connection alone.
		_ = a.Decide(r.Context(), SinkSQL, "query", sqlFinding)
	})))
	t.Cleanup(srv.Close)
	if got := get(t, srv.Client(), srv.URL+"/hijack"); got != "200 raw" {
		t.Errorf("hijack: got %q", got)
	}
	if got := get(t, srv.Client(), srv.URL+"/blocked"); got != "403 Forbidden\n" {
		t.Errorf("blocked: got %q", got)
	}
}

func TestWriterPusher(t *testing.T) {
	a, _ := testAgent(t, ModeProtect)
	pushErr := make(chan error, 2)
	srv := httptest.NewUnstartedServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			t.Errorf("proto %s", r.Proto)
		}
		p, ok := w.(http.Pusher)
		if !ok {
			t.Error("an HTTP/2 writer must claim Pusher")
			pushErr <- nil
			return
		}
		if r.URL.Path == "/blocked" {
			_ = a.Decide(r.Context(), SinkSQL, "query", sqlFinding)
		}
		pushErr <- p.Push("/style.css", nil)
		_, _ = io.WriteString(w, "page")
	})))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)

	if got := get(t, srv.Client(), srv.URL+"/page"); got != "200 page" {
		t.Errorf("page: got %q", got)
	}
	// Go's client turns push off (SETTINGS_ENABLE_PUSH=0), so the
	// server's own Pusher answers ErrNotSupported: that answer comes from
	// net/http, past the wrapper.
	if err := <-pushErr; !errors.Is(err, http.ErrNotSupported) {
		t.Errorf("Push = %v, want the server's http.ErrNotSupported", err)
	}
	if got := get(t, srv.Client(), srv.URL+"/blocked"); got != "403 Forbidden\n" {
		t.Errorf("blocked: got %q", got)
	}
	if err := <-pushErr; !errors.Is(err, ErrBlocked) {
		t.Errorf("Push after a block = %v, want ErrBlocked", err)
	}
}

// readFromSpy stands between the server and the middleware and counts the
// ReadFrom calls that reach the server's writer.
type readFromSpy struct {
	http.ResponseWriter
	calls *atomic.Int32
}

func (s readFromSpy) ReadFrom(src io.Reader) (int64, error) {
	s.calls.Add(1)
	return s.ResponseWriter.(io.ReaderFrom).ReadFrom(src)
}

func TestWriterReaderFrom(t *testing.T) {
	a, _ := testAgent(t, ModeProtect)
	content := strings.Repeat("0123456789abcdef", 4096) // 64 KiB: past any buffer of the writer
	name := filepath.Join(t.TempDir(), "f.bin")
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(io.ReaderFrom); !ok {
			t.Error("the writer does not claim io.ReaderFrom")
		}
		if r.URL.Path == "/blocked" {
			_ = a.Decide(r.Context(), SinkSQL, "query", sqlFinding)
		}
		http.ServeFile(w, r, name)
	}))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(io.ReaderFrom); !ok {
			t.Fatal("the server's writer has no ReadFrom")
		}
		h.ServeHTTP(readFromSpy{w, &calls}, r)
	}))
	t.Cleanup(srv.Close)

	if got := get(t, srv.Client(), srv.URL+"/file"); got != "200 "+content {
		t.Errorf("file: got %d bytes, want the file's %d", len(got)-4, len(content))
	}
	if calls.Load() == 0 {
		t.Error("http.ServeFile did not reach the server's ReadFrom")
	}
	calls.Store(0)
	if got := get(t, srv.Client(), srv.URL+"/blocked"); got != "403 Forbidden\n" {
		t.Errorf("blocked: got %.40q", got)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("a blocked request reached ReadFrom %d times", n)
	}
}

func TestWriterResponseController(t *testing.T) {
	a, _ := testAgent(t, ModeProtect)
	srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.EnableFullDuplex(); err != nil {
			t.Errorf("EnableFullDuplex: %v", err)
		}
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetWriteDeadline: %v", err)
		}
		// The read deadline reaches the connection: the body the client
		// never finishes times out instead of blocking the handler.
		if err := rc.SetReadDeadline(time.Now().Add(100 * time.Millisecond)); err != nil {
			t.Errorf("SetReadDeadline: %v", err)
		}
		_, err := io.ReadAll(r.Body)
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("reading a stalled body after SetReadDeadline: %v, want a timeout", err)
		}
		_ = rc.SetReadDeadline(time.Time{})
		_, _ = io.WriteString(w, "done")
	})))
	t.Cleanup(srv.Close)

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// One chunk of a chunked upload, then nothing (an octet stream of
	// unknown length, which the middleware does not inspect).
	_, _ = io.WriteString(conn, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"+
		"Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n")
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := fmt.Sprintf("%d %s", resp.StatusCode, b); got != "200 done" {
		t.Errorf("got %q", got)
	}

	// Over a writer without them, the controller answers ErrNotSupported:
	// the wrapper claims nothing its writer lacks.
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		for name, err := range map[string]error{
			"SetReadDeadline":  rc.SetReadDeadline(time.Now()),
			"SetWriteDeadline": rc.SetWriteDeadline(time.Now()),
			"EnableFullDuplex": rc.EnableFullDuplex(),
		} {
			if !errors.Is(err, http.ErrNotSupported) {
				t.Errorf("%s over a recorder = %v, want ErrNotSupported", name, err)
			}
		}
		if _, ok := w.(http.Hijacker); ok {
			t.Error("claims Hijacker over a recorder")
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
}
