package ssrfguard_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/ssrfguard"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

// BenchmarkGet compares a keep-alive GET to a loopback server through the
// plain transport and through the guard, with the inputs of a typical
// request in the context, none of which chose the host. The two run
// interleaved in one process: compare their ratio within one run.
func BenchmarkGet(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	ctx := rasp.NewContext(taint.NewContext(context.Background(),
		taint.Input{Source: taint.SourceQuery, Key: "id", Value: "42"},
		taint.Input{Source: taint.SourceQuery, Key: "q", Value: "red shoes"},
		taint.Input{Source: taint.SourceHeader, Key: "Host", Value: "shop.test"},
		taint.Input{Source: taint.SourceHeader, Key: "User-Agent", Value: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"},
		taint.Input{Source: taint.SourceHeader, Key: "Accept", Value: "text/html,application/xhtml+xml"},
	), a)
	plain := &http.Client{Transport: &http.Transport{}}
	guarded := &http.Client{Transport: ssrfguard.Transport(&http.Transport{})}
	do := func(b *testing.B, client *http.Client) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/items?id=42", nil)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	for _, c := range []struct {
		name   string
		client *http.Client
	}{{"plain", plain}, {"guarded", guarded}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				do(b, c.client)
			}
		})
	}
	// On a loaded machine the two runs above see different loads; here
	// each iteration sends one request of each, in alternating order, and
	// the ratio of their total times is reported.
	b.Run("interleaved", func(b *testing.B) {
		var tp, tg time.Duration
		i := 0
		for b.Loop() {
			first, second, d1, d2 := plain, guarded, &tp, &tg
			if i%2 == 1 {
				first, second, d1, d2 = guarded, plain, &tg, &tp
			}
			i++
			t0 := time.Now()
			do(b, first)
			t1 := time.Now()
			do(b, second)
			*d1 += t1.Sub(t0)
			*d2 += time.Since(t1)
		}
		if tp > 0 {
			b.ReportMetric(float64(tg)/float64(tp), "guarded/plain")
		}
	})
}
