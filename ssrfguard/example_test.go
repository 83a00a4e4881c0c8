package ssrfguard_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/ssrfguard"
	"github.com/rs/zerolog"
)

// An endpoint that fetches an image from a URL the client gives, behind
// the middleware in protect mode. The guard refuses the cloud metadata
// address and a decimal spelling of loopback before any connection; the
// base transport here refuses to dial at all, so the example stays
// offline. In an application, pass nil for base.
func Example() {
	agent := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()),
		rasp.WithHook(func(_ context.Context, ev rasp.Event) {
			fmt.Println("event:", ev.Finding.Kind, ev.Finding.Input.Key, ev.Details[len(ev.Details)-1].Value)
		}), rasp.WithSyncHooks())
	offline := &http.Transport{DialContext: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("offline")
	}}
	client := &http.Client{Transport: ssrfguard.Transport(offline)}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /thumbnail", func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, r.URL.Query().Get("src"), nil)
		if err != nil {
			http.Error(w, "bad src", http.StatusBadRequest)
			return
		}
		resp, err := client.Do(req)
		if err != nil {
			fmt.Println("fetch refused:", errors.Is(err, rasp.ErrBlocked))
			http.Error(w, "fetch failed", http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		io.Copy(w, resp.Body)
	})
	handler := agent.Middleware(mux)

	for _, src := range []string{
		"http://169.254.169.254/latest/meta-data/iam/security-credentials/",
		"http://2130706433:6379/",
	} {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/thumbnail?src="+url.QueryEscape(src), nil))
		fmt.Println("status:", rec.Code)
	}
	// Output:
	// event: ssrf src link-local
	// fetch refused: true
	// status: 403
	// event: ssrf src loopback
	// fetch refused: true
	// status: 403
}
