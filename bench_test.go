package rasp

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rs/zerolog"
)

// benchJSON returns a JSON document of about n bytes: an array of small
// objects, the shape of a typical API batch.
func benchJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := 0; b.Len() < n-80; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"customer %d","email":"c%d@example.com","tags":["a","b"]}`, i, i, i)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// BenchmarkMiddleware measures the middleware against the bare handler, on
// a GET with a query, headers and a cookie, and on a 64 KiB JSON POST.
func BenchmarkMiddleware(b *testing.B) {
	drain := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	})
	agents := []struct {
		name string
		wrap func(http.Handler) http.Handler
	}{
		{"bare", func(h http.Handler) http.Handler { return h }},
		{"off", New(WithMode(ModeOff), WithLogger(zerolog.Nop())).Middleware},
		{"monitor", New(WithMode(ModeMonitor), WithLogger(zerolog.Nop())).Middleware},
		{"protect", New(WithMode(ModeProtect), WithLogger(zerolog.Nop())).Middleware},
		// Every leaf of the 64 KiB document, past the default input cap.
		{"monitor-uncapped", New(WithMode(ModeMonitor), WithLogger(zerolog.Nop()), WithInputLimits(1<<16, 0)).Middleware},
	}
	body := benchJSON(64 << 10)
	reqs := []struct {
		name string
		new  func() *http.Request
	}{
		{"GET", func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/api/users/42/orders?status=open&sort=date%20desc&page=2", nil)
			r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)")
			r.Header.Set("Accept", "application/json")
			r.Header.Set("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig")
			r.AddCookie(&http.Cookie{Name: "session", Value: "abcdef0123456789"})
			return r
		}},
		{"POST-JSON-64KiB", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/api/import", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			return r
		}},
	}
	for _, rq := range reqs {
		for _, ag := range agents {
			b.Run(rq.name+"/"+ag.name, func(b *testing.B) {
				h := ag.wrap(drain)
				proto := rq.new()
				rd := bytes.NewReader(body)
				w := httptest.NewRecorder()
				b.ReportAllocs()
				for b.Loop() {
					r := proto
					if proto.Body != http.NoBody {
						rd.Reset(body)
						r = proto.Clone(proto.Context())
						r.Body = io.NopCloser(rd)
					}
					h.ServeHTTP(w, r)
				}
			})
		}
	}
}
