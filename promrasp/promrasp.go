// Package promrasp exports the counters of a [rasp.Agent] to Prometheus: a
// collector that reads [rasp.Agent.Stats] at each scrape. It is a module of
// its own so that the rasp module does not depend on the Prometheus client.
//
// By default nothing is registered: call
//
//	prometheus.MustRegister(promrasp.NewCollector(agent))
//
// # Threat model
//
// The metrics are counters and the agent's mode: no input, key, target or
// request field reaches them, so they are safe to expose where logs are
// not. Sink names are the only label values; they come from the guards, not
// from requests. A rising rasp_log_drops_total or rasp_hook_drops_total
// means events were lost (a sink that does not keep up, or an attack
// flooding it): alert on it.
//
// # Concurrency
//
// A Collector is safe for concurrent scrapes; each reads a fresh snapshot.
package promrasp

import (
	"github.com/gorasp/rasp"
	"github.com/prometheus/client_golang/prometheus"
)

// Collector is a [prometheus.Collector] of one agent's [rasp.Stats].
type Collector struct {
	a *rasp.Agent

	checks, noContext, findings, blocks, faults, exceptions, seconds *prometheus.Desc
	hookDrops, hookPanics, logDrops, logWriteErrors, partial, mode   *prometheus.Desc
}

// NewCollector returns a collector of a's counters, or of [rasp.Default]'s
// when a is nil.
func NewCollector(a *rasp.Agent) *Collector {
	if a == nil {
		a = rasp.Default()
	}
	sink := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("rasp_"+name, help, []string{"sink"}, nil)
	}
	global := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("rasp_"+name, help, nil, nil)
	}
	return &Collector{
		a:              a,
		checks:         sink("checks_total", "Checks run with a request context."),
		noContext:      sink("no_context_total", "Calls without a request context (blind spots), not checked."),
		findings:       sink("findings_total", "Findings reported."),
		blocks:         sink("blocks_total", "Calls refused."),
		faults:         sink("faults_total", "Internal faults (recovered panics, work limits)."),
		exceptions:     sink("exceptions_total", "Findings silenced by an exception."),
		seconds:        sink("check_seconds_total", "Time spent checking (sampled one call in 64, scaled)."),
		hookDrops:      global("hook_drops_total", "Events not handed to asynchronous hooks: their queue was full."),
		hookPanics:     global("hook_panics_total", "Hook calls that panicked."),
		logDrops:       global("log_drops_total", "Event lines dropped: the queue in front of the log writer was full."),
		logWriteErrors: global("log_write_errors_total", "Event lines the log writer failed to write."),
		partial:        global("partial_requests_total", "Requests inspected only in part (a cap was reached)."),
		mode:           prometheus.NewDesc("rasp_mode", "The agent's mode: 1 for the one in force.", []string{"mode"}, nil),
	}
}

// Describe implements [prometheus.Collector].
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.checks, c.noContext, c.findings, c.blocks, c.faults, c.exceptions,
		c.seconds, c.hookDrops, c.hookPanics, c.logDrops, c.logWriteErrors, c.partial, c.mode} {
		ch <- d
	}
}

// Collect implements [prometheus.Collector].
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.a.Stats()
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	for name, ss := range s.Sinks {
		counter(c.checks, float64(ss.Checks), name)
		counter(c.noContext, float64(ss.NoContext), name)
		counter(c.findings, float64(ss.Findings), name)
		counter(c.blocks, float64(ss.Blocks), name)
		counter(c.faults, float64(ss.Faults), name)
		counter(c.exceptions, float64(ss.Exceptions), name)
		counter(c.seconds, ss.Time.Seconds(), name)
	}
	counter(c.hookDrops, float64(s.HookDrops))
	counter(c.hookPanics, float64(s.HookPanics))
	counter(c.logDrops, float64(s.LogDrops))
	counter(c.logWriteErrors, float64(s.LogWriteErrors))
	counter(c.partial, float64(s.PartialRequests))
	for _, m := range []rasp.Mode{rasp.ModeOff, rasp.ModeMonitor, rasp.ModeProtect} {
		v := 0.0
		if m == s.Mode {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(c.mode, prometheus.GaugeValue, v, m.String())
	}
}

var _ prometheus.Collector = (*Collector)(nil)
