package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	waf "github.com/DataDog/go-libddwaf/v4"
	"github.com/DataDog/go-libddwaf/v4/timer"
)

// jsonBody returns a JSON document of about n bytes: an array of small
// objects, the shape of a typical API write.
func jsonBody(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < n-64; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"item %d","tags":["a","b"],"price":%d.50,"note":"kept as is"}`, i, i, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// peerMiddleware is what a tracer does around a handler with libddwaf: one
// WAF context per request, fed the request's query, headers, cookies,
// method, URI and parsed JSON body before the handler runs.
func peerMiddleware(p *Peer, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := p.h.NewContext(timer.WithBudget(timer.UnlimitedBudget))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer c.Close()
		headers := make(map[string][]string, len(r.Header))
		for k, v := range r.Header {
			if k != "Cookie" {
				headers[strings.ToLower(k)] = v
			}
		}
		cookies := map[string][]string{}
		for _, ck := range r.Cookies() {
			cookies[ck.Name] = append(cookies[ck.Name], ck.Value)
		}
		addrs := map[string]any{
			"server.request.method":             r.Method,
			"server.request.uri.raw":            r.RequestURI,
			"server.request.query":              map[string][]string(r.URL.Query()),
			"server.request.headers.no_cookies": headers,
			"server.request.cookies":            cookies,
		}
		if r.Body != nil && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			raw, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			var body any
			if json.Unmarshal(raw, &body) == nil {
				addrs["server.request.body"] = body
			}
			r.Body = io.NopCloser(bytes.NewReader(raw))
		}
		if _, err := c.Run(waf.RunAddressData{Persistent: addrs}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// BenchmarkMiddleware serves a GET with a query, headers and cookies, and
// a POST of a 64 KiB JSON body, through a handler that reads the body and
// answers 200: bare, behind rasp's middleware (protect mode), and behind a
// libddwaf request context as a tracer builds it.
func BenchmarkMiddleware(b *testing.B) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})
	body := jsonBody(64 << 10)
	reqs := []struct {
		name string
		make func() *http.Request
	}{
		{"req=get", func() *http.Request {
			q := url.Values{"q": {"blue shoes"}, "page": {"2"}, "sort": {"price"}}
			r := httptest.NewRequest(http.MethodGet, "/search/products?"+q.Encode(), nil)
			r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64)")
			r.Header.Set("Accept", "text/html")
			r.Header.Set("Accept-Language", "en-GB,en;q=0.9")
			r.Header.Set("Cookie", "session=abc123; theme=dark")
			return r
		}},
		{"req=post64k", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/api/items", bytes.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("User-Agent", "client/1.0")
			return r
		}},
	}
	for _, rq := range reqs {
		run := func(b *testing.B, h http.Handler) {
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, rq.make())
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
			}
		}
		b.Run(rq.name+"/"+guardNone, func(b *testing.B) { run(b, handler) })
		b.Run(rq.name+"/"+guardRasp, func(b *testing.B) { run(b, benchAgent().Middleware(handler)) })
		b.Run(rq.name+"/"+guardLibddwaf, func(b *testing.B) { run(b, peerMiddleware(peer(b), handler)) })
	}
}
