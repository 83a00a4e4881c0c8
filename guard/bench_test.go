package guard_test

import (
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/guard"
	"github.com/rs/zerolog"
)

// BenchmarkGuardPath is what a guard calls around a check that finds
// nothing, and a monitor-mode decision nobody logs.
func BenchmarkGuardPath(b *testing.B) {
	a := rasp.New(rasp.WithMode(rasp.ModeMonitor), rasp.WithLogger(zerolog.Nop()))
	ctx := inputs(a)
	b.ReportAllocs()
	for b.Loop() {
		sp := guard.Begin(a, rasp.SinkSQL)
		sp.End()
		_ = guard.Partial(ctx, a, rasp.SinkSQL, "query")
		_ = guard.DecideIn(ctx, a, rasp.ModeMonitor, rasp.SinkSQL, "query", finding)
	}
}
