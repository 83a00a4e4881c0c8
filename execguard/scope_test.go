package execguard_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/execguard"
	"github.com/rs/zerolog"
)

// TestCommandInHandler: Command has no context, yet on the goroutine of a
// handler it is checked against that request: blocked in protect mode with
// the refusal in cmd.Err, so nothing runs, and the client gets 403.
func TestCommandInHandler(t *testing.T) {
	need(t, "sh")
	dir := t.TempDir()
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	var runErr error
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cmd := execguard.Command("sh", "-c", "echo "+r.URL.Query().Get("name"))
		cmd.Dir = dir
		runErr = cmd.Run()
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/?name=x%3Btouch+MARKER", nil))
	if !errors.Is(runErr, rasp.ErrBlocked) || rec.Code != http.StatusForbidden {
		t.Fatalf("Run = %v, status %d; want blocked and 403", runErr, rec.Code)
	}
	if _, err := os.Stat(filepath.Join(dir, "MARKER")); err == nil {
		t.Fatal("the injected command ran")
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/?name=holiday", nil))
	if runErr != nil || rec.Code != http.StatusOK {
		t.Fatalf("benign Run = %v, status %d", runErr, rec.Code)
	}
	if s := a.Stats().Sinks[rasp.SinkExec]; s.Scoped != 2 || s.Checks != 2 || s.Blocks != 1 || s.NoContext != 0 {
		t.Errorf("stats %+v, want 2 scoped checks, 1 block", s)
	}
}
