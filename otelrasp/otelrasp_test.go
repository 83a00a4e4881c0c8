package otelrasp_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/otelrasp"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// TestManualReader collects the agent's counters with the SDK's manual
// reader after a few decisions.
func TestManualReader(t *testing.T) {
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	reg, err := otelrasp.Register(mp.Meter("rasp"), a)
	if err != nil {
		t.Fatal(err)
	}
	f := rasp.Finding{Kind: rasp.KindSQLInjection, Input: taint.Input{Source: taint.SourceQuery, Key: "id", Value: "1 OR 1=1"},
		Target: "SELECT 1 WHERE id = 1 OR 1=1", Start: 20, End: 28}
	for range 2 {
		if err := a.Decide(context.Background(), rasp.SinkSQL, "query", f); !errors.Is(err, rasp.ErrBlocked) {
			t.Fatal(err)
		}
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			var pts []metricdata.DataPoint[int64]
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				pts = d.DataPoints
			case metricdata.Gauge[int64]:
				pts = d.DataPoints
			}
			for _, p := range pts {
				key := m.Name
				for _, kv := range p.Attributes.ToSlice() {
					key += "/" + string(kv.Key) + "=" + kv.Value.String()
				}
				got[key] = p.Value
			}
		}
	}
	for k, v := range map[string]int64{
		"rasp.findings/rasp.sink=sql":   2,
		"rasp.blocks/rasp.sink=sql":     2,
		"rasp.blocks/rasp.sink=exec":    0,
		"rasp.faults/rasp.sink=fs":      0,
		"rasp.log_drops":                0,
		"rasp.log_write_errors":         0,
		"rasp.hook_drops":               0,
		"rasp.partial_requests":         0,
		"rasp.mode/rasp.mode=protect":   1,
		"rasp.mode/rasp.mode=monitor":   0,
		"rasp.no_context/rasp.sink=sql": 0,
	} {
		if gv, ok := got[k]; !ok || gv != v {
			t.Errorf("%s = %d (present %v), want %d", k, gv, ok, v)
		}
	}
	if err := reg.Unregister(); err != nil {
		t.Fatal(err)
	}
}
