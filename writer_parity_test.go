package rasp

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Fake optional methods, one type each, to build writers with every
// combination of the four interfaces the wrapper mirrors.
type (
	fakeFlush    struct{}
	fakeHijack   struct{}
	fakeReadFrom struct{}
	fakePush     struct{}
)

func (fakeFlush) Flush()                                        {}
func (fakeHijack) Hijack() (net.Conn, *bufio.ReadWriter, error) { return nil, nil, nil }
func (fakeReadFrom) ReadFrom(io.Reader) (int64, error)          { return 0, nil }
func (fakePush) Push(string, *http.PushOptions) error           { return nil }

// The wrapper claims each of Flusher, Hijacker, ReaderFrom and Pusher
// exactly when the writer it wraps has it, over all 16 combinations.
func TestWriterInterfaceParity(t *testing.T) {
	writers := []http.ResponseWriter{
		// httptest.ResponseRecorder is a Flusher itself: hide it.
		hideFlush{httptest.NewRecorder()},
		struct {
			hideFlush
			fakeFlush
		}{hideFlush{httptest.NewRecorder()}, fakeFlush{}},
		struct {
			hideFlush
			fakeHijack
		}{hideFlush{httptest.NewRecorder()}, fakeHijack{}},
		struct {
			hideFlush
			fakeFlush
			fakeHijack
		}{hideFlush{httptest.NewRecorder()}, fakeFlush{}, fakeHijack{}},
		struct {
			hideFlush
			fakeReadFrom
		}{hideFlush{httptest.NewRecorder()}, fakeReadFrom{}},
		struct {
			hideFlush
			fakeFlush
			fakeReadFrom
		}{hideFlush{httptest.NewRecorder()}, fakeFlush{}, fakeReadFrom{}},
		struct {
			hideFlush
			fakeHijack
			fakeReadFrom
		}{hideFlush{httptest.NewRecorder()}, fakeHijack{}, fakeReadFrom{}},
		struct {
			hideFlush
			fakeFlush
			fakeHijack
			fakeReadFrom
		}{hideFlush{httptest.NewRecorder()}, fakeFlush{}, fakeHijack{}, fakeReadFrom{}},
		struct {
			hideFlush
			fakePush
		}{hideFlush{httptest.NewRecorder()}, fakePush{}},
		struct {
			hideFlush
			fakeFlush
			fakePush
		}{hideFlush{httptest.NewRecorder()}, fakeFlush{}, fakePush{}},
		struct {
			hideFlush
			fakeHijack
			fakePush
		}{hideFlush{httptest.NewRecorder()}, fakeHijack{}, fakePush{}},
		struct {
			hideFlush
			fakeFlush
			fakeHijack
			fakePush
		}{hideFlush{httptest.NewRecorder()}, fakeFlush{}, fakeHijack{}, fakePush{}},
		struct {
			hideFlush
			fakeReadFrom
			fakePush
		}{hideFlush{httptest.NewRecorder()}, fakeReadFrom{}, fakePush{}},
		struct {
			hideFlush
			fakeFlush
			fakeReadFrom
			fakePush
		}{hideFlush{httptest.NewRecorder()}, fakeFlush{}, fakeReadFrom{}, fakePush{}},
		struct {
			hideFlush
			fakeHijack
			fakeReadFrom
			fakePush
		}{hideFlush{httptest.NewRecorder()}, fakeHijack{}, fakeReadFrom{}, fakePush{}},
		struct {
			hideFlush
			fakeFlush
			fakeHijack
			fakeReadFrom
			fakePush
		}{hideFlush{httptest.NewRecorder()}, fakeFlush{}, fakeHijack{}, fakeReadFrom{}, fakePush{}},
	}
	st := &requestState{agent: &Agent{}, r: httptest.NewRequest(http.MethodGet, "/", nil)}
	for i, base := range writers {
		w, _ := wrapWriter(base, st)
		for name, has := range map[string]func(any) bool{
			"Flusher":    func(v any) bool { _, ok := v.(http.Flusher); return ok },
			"Hijacker":   func(v any) bool { _, ok := v.(http.Hijacker); return ok },
			"ReaderFrom": func(v any) bool { _, ok := v.(io.ReaderFrom); return ok },
			"Pusher":     func(v any) bool { _, ok := v.(http.Pusher); return ok },
		} {
			if has(w) != has(base) {
				t.Errorf("combination %d: wrapper has %s = %v, its writer %v", i, name, has(w), has(base))
			}
		}
		if _, ok := w.(interface{ Unwrap() http.ResponseWriter }); !ok {
			t.Errorf("combination %d: no Unwrap", i)
		}
	}
}

// hideFlush is a ResponseRecorder without its Flush method.
type hideFlush struct{ rec *httptest.ResponseRecorder }

func (h hideFlush) Header() http.Header         { return h.rec.Header() }
func (h hideFlush) Write(b []byte) (int, error) { return h.rec.Write(b) }
func (h hideFlush) WriteHeader(code int)        { h.rec.WriteHeader(code) }
