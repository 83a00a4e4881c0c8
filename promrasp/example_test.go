package promrasp_test

import (
	"net/http"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/promrasp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Example exposes an agent's counters on /metrics. It starts a server, so
// it is compiled but not run.
func Example() {
	agent := rasp.New(rasp.WithMode(rasp.ModeMonitor))
	reg := prometheus.NewRegistry()
	reg.MustRegister(promrasp.NewCollector(agent))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	_ = http.ListenAndServe("127.0.0.1:9090", mux)
}
