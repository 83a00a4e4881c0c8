package using_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/execguard"
	"github.com/rs/zerolog"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// Example_otelhttp: put rasp inside otelhttp, next to the mux. otelhttp
// then records the status the client got: 403 for a blocked request. With
// rasp outside otelhttp, the span would record what the handler wrote
// before rasp replaced it.
func Example_otelhttp() {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	agent := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(io.Discard)))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /ping", func(w http.ResponseWriter, r *http.Request) {
		out, err := execguard.CommandContext(r.Context(), "sh", "-c", "echo "+r.FormValue("host")).Output()
		if err != nil {
			http.Error(w, "failed", http.StatusInternalServerError)
			return
		}
		w.Write(out)
	})
	h := otelhttp.NewHandler(agent.Middleware(mux), "server", otelhttp.WithTracerProvider(tp))
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, host := range []string{"example.org", "example.org; id"} {
		resp, err := http.Get(srv.URL + "/ping?host=" + url.QueryEscape(host))
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Printf("host=%q: client got %d\n", host, resp.StatusCode)
	}
	_ = tp.Shutdown(context.Background())
	for _, s := range spans.Ended() {
		for _, kv := range s.Attributes() {
			if kv.Key == attribute.Key("http.response.status_code") {
				fmt.Println("span status code:", kv.Value.AsInt64())
			}
		}
	}
	// Output:
	// host="example.org": client got 200
	// host="example.org; id": client got 403
	// span status code: 200
	// span status code: 403
}

// Example_withoutCancel: a command that must outlive its request (a
// conversion started by a handler that answers at once) keeps the request's
// inputs with context.WithoutCancel: the check sees them, and the command
// is not killed when the request ends. The check runs when the command is
// built, on the handler's goroutine, so a refused command still turns the
// answer into 403.
func Example_withoutCancel() {
	agent := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.New(io.Discard)))
	done := make(chan string, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /convert", func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithoutCancel(r.Context())
		cmd := execguard.CommandContext(ctx, "sh", "-c", "echo converting "+r.FormValue("name"))
		go func() {
			out, err := cmd.Output()
			if err != nil {
				done <- fmt.Sprintf("refused: %v", errors.Is(err, rasp.ErrBlocked))
				return
			}
			done <- string(out)
		}()
		w.WriteHeader(http.StatusAccepted)
	})
	srv := httptest.NewServer(agent.Middleware(mux))
	defer srv.Close()
	for _, name := range []string{"report.doc", "x.doc; rm -rf ~"} {
		resp, err := http.PostForm(srv.URL+"/convert", url.Values{"name": {name}})
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
		fmt.Printf("name=%q: %d, command: %s\n", name, resp.StatusCode, strings.TrimSpace(<-done))
	}
	// Output:
	// name="report.doc": 202, command: converting report.doc
	// name="x.doc; rm -rf ~": 403, command: refused: true
}
