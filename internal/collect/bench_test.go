package collect

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorasp/rasp/taint"
)

// BenchmarkRequest collects a GET with 10 query parameters and 10 headers:
// the work the middleware does at a request's first guarded call.
func BenchmarkRequest(b *testing.B) {
	var q []string
	for i := range 10 {
		q = append(q, fmt.Sprintf("param%d=value+%d", i, i))
	}
	r := httptest.NewRequest(http.MethodGet, "/api/users/42/orders?"+strings.Join(q, "&"), nil)
	for i, h := range []string{"User-Agent", "Accept", "Accept-Language", "Accept-Encoding", "Referer",
		"X-Request-Id", "X-Forwarded-For", "Authorization", "Cookie", "Cache-Control"} {
		r.Header.Set(h, fmt.Sprintf("header value %d", i))
	}
	b.ReportAllocs()
	for b.Loop() {
		c := Collector{}
		c.Inputs = make([]taint.Input, 0, 64)
		c.Request(r)
	}
}

// BenchmarkJSON2K walks a 2 KiB JSON document of small objects, as the
// middleware walks a JSON body at a request's first guarded call.
func BenchmarkJSON2K(b *testing.B) {
	var d strings.Builder
	d.WriteString(`{"items":[`)
	for i := 0; d.Len() < 2<<10-80; i++ {
		if i > 0 {
			d.WriteByte(',')
		}
		fmt.Fprintf(&d, `{"id":%d,"name":"item %d","tags":["a","b"]}`, i, i)
	}
	d.WriteString(`],"owner":"alice"}`)
	doc := d.String()
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		c := Collector{}
		c.Inputs = make([]taint.Input, 0, strings.Count(doc, ",")+8)
		c.JSON(taint.SourceJSON, "", doc)
	}
}
