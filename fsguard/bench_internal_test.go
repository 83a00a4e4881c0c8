package fsguard

import (
	"context"
	"io"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

// BenchmarkGuard measures what a twin adds to its os call (the check and
// the agent's bookkeeping), without the call: guarded Stat costs os.Stat
// plus this.
func BenchmarkGuard(b *testing.B) {
	inputs := []taint.Input{
		{Source: taint.SourceQuery, Key: "file", Value: "2024.pdf"},
		{Source: taint.SourceQuery, Key: "dir", Value: "reports"},
		{Source: taint.SourceHeader, Key: "User-Agent", Value: "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"},
		{Source: taint.SourceHeader, Key: "Accept", Value: "text/html,application/xhtml+xml,*/*;q=0.8"},
		{Source: taint.SourceCookie, Key: "lang", Value: "en-US"},
	}
	for _, mode := range []rasp.Mode{rasp.ModeOff, rasp.ModeProtect} {
		a := rasp.New(rasp.WithMode(mode), rasp.WithLogger(zerolog.New(io.Discard)))
		ctx := taint.NewContext(rasp.NewContext(context.Background(), a), inputs...)
		b.Run(mode.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := guard(ctx, "stat", "", "/srv/data/reports/2024.pdf"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestGuardAllocs: in ModeOff, and with request inputs none of which could
// traverse, a twin adds no allocation to its os call.
func TestGuardAllocs(t *testing.T) {
	inputs := []taint.Input{
		{Source: taint.SourceQuery, Key: "file", Value: "2024.pdf"},
		{Source: taint.SourceHeader, Key: "Accept", Value: "*/*"},
	}
	for _, mode := range []rasp.Mode{rasp.ModeOff, rasp.ModeMonitor, rasp.ModeProtect} {
		a := rasp.New(rasp.WithMode(mode), rasp.WithLogger(zerolog.New(io.Discard)))
		ctx := taint.NewContext(rasp.NewContext(context.Background(), a), inputs...)
		n := testing.AllocsPerRun(100, func() {
			if _, err := guard(ctx, "rename", "", "/srv/data/2024.pdf", "/srv/data/old.pdf"); err != nil {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("%v: guard allocates %v times, want 0", mode, n)
		}
	}
}
