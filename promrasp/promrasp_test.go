package promrasp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/guard"
	"github.com/gorasp/rasp/promrasp"
	"github.com/gorasp/rasp/taint"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"
)

// TestScrape registers the collector in a pedantic registry, makes the
// agent decide, and scrapes the registry over HTTP.
func TestScrape(t *testing.T) {
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(promrasp.NewCollector(a))
	f := rasp.Finding{Kind: rasp.KindSQLInjection, Input: taint.Input{Source: taint.SourceQuery, Key: "id", Value: "1 OR 1=1"},
		Target: "SELECT 1 WHERE id = 1 OR 1=1", Start: 20, End: 28}
	for range 3 {
		if err := a.Decide(context.Background(), rasp.SinkSQL, "query", f); !errors.Is(err, rasp.ErrBlocked) {
			t.Fatal(err)
		}
	}
	_ = guard.Fault(context.Background(), a, rasp.SinkExec, "command", errors.New("limit"))
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	t.Cleanup(srv.Close)
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: %d %s", resp.StatusCode, body)
	}
	for _, want := range []string{
		`rasp_findings_total{sink="sql"} 3`,
		`rasp_blocks_total{sink="sql"} 3`,
		`rasp_faults_total{sink="exec"} 1`,
		`rasp_blocks_total{sink="fs"} 0`,
		`rasp_mode{mode="protect"} 1`,
		`rasp_mode{mode="monitor"} 0`,
		"rasp_log_drops_total 0",
		"rasp_hook_drops_total 0",
		"# TYPE rasp_findings_total counter",
	} {
		if !strings.Contains(string(body), want+"\n") {
			t.Errorf("scrape lacks %q:\n%s", want, body)
		}
	}
}
