// Package otelrasp exports the counters of a [rasp.Agent] as OpenTelemetry
// metrics: observable counters read from [rasp.Agent.Stats] at each
// collection. It is a module of its own so that the rasp module depends on
// the trace API only.
//
// By default nothing is registered: call [Register] with a meter from your
// MeterProvider.
//
// # Threat model
//
// The metrics are counters and the agent's mode: no input, key, target or
// request field reaches them. Sink names are the only attribute values;
// they come from the guards, not from requests.
//
// # Concurrency
//
// The callback is safe for concurrent collections; each reads a fresh
// snapshot.
package otelrasp

import (
	"context"

	"github.com/gorasp/rasp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Register registers observable instruments for a's counters (or
// [rasp.Default]'s when a is nil) with m, and returns the registration:
// Unregister it to stop. The names mirror the Prometheus collector of
// package promrasp: rasp.checks, rasp.no_context, rasp.findings,
// rasp.blocks, rasp.faults, rasp.exceptions, rasp.check.time (seconds),
// each with a rasp.sink attribute; rasp.hook_drops, rasp.hook_panics,
// rasp.log_drops, rasp.log_write_errors, rasp.partial_requests; and the
// gauge rasp.mode (1 for the mode in force, by rasp.mode attribute).
func Register(m metric.Meter, a *rasp.Agent) (metric.Registration, error) {
	if a == nil {
		a = rasp.Default()
	}
	var (
		insts []metric.Observable
		err   error
	)
	counter := func(name, unit, desc string) metric.Int64ObservableCounter {
		c, e := m.Int64ObservableCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		if e != nil && err == nil {
			err = e
		}
		insts = append(insts, c)
		return c
	}
	checks := counter("rasp.checks", "{call}", "Checks run with a request context.")
	noContext := counter("rasp.no_context", "{call}", "Calls without a request context (blind spots), not checked.")
	findings := counter("rasp.findings", "{finding}", "Findings reported.")
	blocks := counter("rasp.blocks", "{call}", "Calls refused.")
	faults := counter("rasp.faults", "{fault}", "Internal faults (recovered panics, work limits).")
	exceptions := counter("rasp.exceptions", "{finding}", "Findings silenced by an exception.")
	hookDrops := counter("rasp.hook_drops", "{event}", "Events not handed to asynchronous hooks: their queue was full.")
	hookPanics := counter("rasp.hook_panics", "{call}", "Hook calls that panicked.")
	logDrops := counter("rasp.log_drops", "{event}", "Event lines dropped: the queue in front of the log writer was full.")
	logErrs := counter("rasp.log_write_errors", "{event}", "Event lines the log writer failed to write.")
	partial := counter("rasp.partial_requests", "{request}", "Requests inspected only in part (a cap was reached).")
	secs, e := m.Float64ObservableCounter("rasp.check.time", metric.WithUnit("s"),
		metric.WithDescription("Time spent checking (sampled one call in 64, scaled)."))
	if e != nil && err == nil {
		err = e
	}
	insts = append(insts, secs)
	mode, e := m.Int64ObservableGauge("rasp.mode", metric.WithDescription("The agent's mode: 1 for the one in force."))
	if e != nil && err == nil {
		err = e
	}
	insts = append(insts, mode)
	if err != nil {
		return nil, err
	}
	return m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s := a.Stats()
		for name, ss := range s.Sinks {
			at := metric.WithAttributes(attribute.String("rasp.sink", name))
			o.ObserveInt64(checks, int64(ss.Checks), at)
			o.ObserveInt64(noContext, int64(ss.NoContext), at)
			o.ObserveInt64(findings, int64(ss.Findings), at)
			o.ObserveInt64(blocks, int64(ss.Blocks), at)
			o.ObserveInt64(faults, int64(ss.Faults), at)
			o.ObserveInt64(exceptions, int64(ss.Exceptions), at)
			o.ObserveFloat64(secs, ss.Time.Seconds(), at)
		}
		o.ObserveInt64(hookDrops, int64(s.HookDrops))
		o.ObserveInt64(hookPanics, int64(s.HookPanics))
		o.ObserveInt64(logDrops, int64(s.LogDrops))
		o.ObserveInt64(logErrs, int64(s.LogWriteErrors))
		o.ObserveInt64(partial, int64(s.PartialRequests))
		for _, md := range []rasp.Mode{rasp.ModeOff, rasp.ModeMonitor, rasp.ModeProtect} {
			v := int64(0)
			if md == s.Mode {
				v = 1
			}
			o.ObserveInt64(mode, v, metric.WithAttributes(attribute.String("rasp.mode", md.String())))
		}
		return nil
	}, insts...)
}
