package rasp_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/guard"
	"github.com/rs/zerolog"
)

// blindAt and blindElsewhere are two call sites of BlindSpot.
func blindAt(a *rasp.Agent)        { guard.BlindSpot(a, rasp.SinkSQL, "query", 0) }
func blindElsewhere(a *rasp.Agent) { guard.BlindSpot(a, rasp.SinkSQL, "query", 0) }

func TestBlindSpotSitesConcurrent(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	a := rasp.New(rasp.WithLogger(zerolog.New(zerolog.SyncWriter(&lockedWriter{mu: &mu, w: &buf}))))
	const goroutines, calls = 8, 500
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				blindAt(a)
				if i%5 == 0 {
					blindElsewhere(a)
				}
			}
		}()
	}
	wg.Wait()
	st := a.Stats()
	if got, want := st.Sinks[rasp.SinkSQL].NoContext, uint64(goroutines*calls+goroutines*calls/5); got != want {
		t.Fatalf("no_context = %d, want %d", got, want)
	}
	counts := map[string]uint64{}
	for _, s := range st.BlindSpots {
		counts[s.Site] += s.Count
	}
	if len(counts) != 2 {
		t.Fatalf("call sites = %v, want 2", counts)
	}
	var total uint64
	for site, n := range counts {
		if !strings.Contains(site, "stats_test.go:") {
			t.Errorf("call site %q is not in this file", site)
		}
		total += n
	}
	if total != goroutines*calls+goroutines*calls/5 {
		t.Errorf("site counts add up to %d", total)
	}
	mu.Lock()
	warnings := strings.Count(buf.String(), `"kind":"blind_spot"`)
	mu.Unlock()
	if warnings != 2 {
		t.Errorf("%d blind-spot warnings, want one per call site (2)", warnings)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func BenchmarkBlindSpot(b *testing.B) {
	a := rasp.New(rasp.WithLogger(zerolog.Nop()))
	b.ReportAllocs()
	for b.Loop() {
		blindAt(a)
	}
}
