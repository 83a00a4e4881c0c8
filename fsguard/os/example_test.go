package os_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/fsguard/os"
	"github.com/rs/zerolog"
)

// A handler written against os, with only the import path changed: the
// name the request chose is checked though no context is passed.
func Example() {
	agent := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	h := agent.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := os.ReadFile("/srv/files/" + r.URL.Query().Get("name"))
		fmt.Println(errors.Is(err, rasp.ErrBlocked))
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/?name=../../../etc/passwd", nil))
	fmt.Println(rec.Code)
	// Output:
	// true
	// 403
}
