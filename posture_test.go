package rasp_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"expvar"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/guard"
	"github.com/gorasp/rasp/internal/testlog"
	"github.com/rs/zerolog"
)

// eventsNamed returns the logged events whose message is msg.
func eventsNamed(t *testing.T, logs *testlog.Buffer, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, ev := range logs.Events(t) {
		if ev["message"] == msg {
			out = append(out, ev)
		}
	}
	return out
}

// record runs checks and blind spots at sink through the agent's counters,
// as a guard does.
func record(a *rasp.Agent, sink string, checks, blind int) {
	for range checks {
		guard.Begin(a, sink).End()
	}
	for range blind {
		guard.BlindSpot(a, sink, "query", 0)
	}
}

func TestPublishExpvar(t *testing.T) {
	var logs testlog.Buffer
	a := rasp.New(rasp.WithLogger(zerolog.New(&logs)))
	const name = "rasp_test_publish"
	a.PublishExpvar(name)
	a.PublishExpvar(name) // a second call must not panic

	read := func() rasp.Stats {
		t.Helper()
		v := expvar.Get(name)
		if v == nil {
			t.Fatalf("expvar %q not published", name)
		}
		var s rasp.Stats
		if err := json.Unmarshal([]byte(v.String()), &s); err != nil {
			t.Fatalf("expvar %q is not the Stats JSON: %v: %s", name, err, v.String())
		}
		return s
	}
	record(a, rasp.SinkSQL, 3, 1)
	if got := read().Sinks[rasp.SinkSQL]; got.Checks != 3 || got.NoContext != 1 || got.BlindShare != 0.25 {
		t.Errorf("published sql stats = %+v, want 3 checks, 1 without context, share 0.25", got)
	}

	// Publishing the name for another agent serves that agent.
	b := rasp.New(rasp.WithLogger(zerolog.Nop()), rasp.WithMode(rasp.ModeProtect))
	b.PublishExpvar(name)
	if s := read(); s.Mode != rasp.ModeProtect || s.Sinks[rasp.SinkSQL].Checks != 0 {
		t.Errorf("after republishing: mode %v, sql checks %d; want protect, 0", s.Mode, s.Sinks[rasp.SinkSQL].Checks)
	}

	// A name other code owns is left alone and reported.
	const foreign = "rasp_test_foreign"
	if expvar.Get(foreign) == nil { // -count=N runs this test again in one process
		expvar.NewInt(foreign)
	}
	expvar.Get(foreign).(*expvar.Int).Set(7)
	a.PublishExpvar(foreign)
	if got := expvar.Get(foreign).String(); got != "7" {
		t.Errorf("foreign expvar = %s, want 7", got)
	}
	if evs := eventsNamed(t, &logs, "rasp: expvar name already published by other code; stats not published"); len(evs) != 1 {
		t.Errorf("got %d error events for the foreign name, want 1", len(evs))
	}
}

func TestPublishExpvarDefaultName(t *testing.T) {
	a := rasp.New(rasp.WithLogger(zerolog.Nop()))
	a.PublishExpvar("")
	if expvar.Get("rasp") == nil {
		t.Fatal(`PublishExpvar("") did not publish "rasp"`)
	}
}

func TestPublishExpvarConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			a := rasp.New(rasp.WithLogger(zerolog.Nop()))
			a.PublishExpvar("rasp_test_concurrent")
			_ = expvar.Get("rasp_test_concurrent").String()
		})
	}
	wg.Wait()
}

func TestReportEvery(t *testing.T) {
	var logs testlog.Buffer
	a := rasp.New(rasp.WithLogger(zerolog.New(&logs)))
	record(a, rasp.SinkSQL, 3, 1)
	record(a, rasp.SinkFS, 2, 0)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.ReportEvery(ctx, time.Millisecond)
	}()
	// Keep the counters moving while the reporter reads them.
	for deadline := time.Now().Add(5 * time.Second); len(eventsNamed(t, &logs, "rasp posture")) < 2; {
		if time.Now().After(deadline) {
			t.Fatal("no periodic posture event within 5s")
		}
		record(a, rasp.SinkExec, 1, 0)
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done

	evs := eventsNamed(t, &logs, "rasp posture")
	last := evs[len(evs)-1]
	if last["kind"] != "posture" || last["level"] != "info" || last["mode"] != "monitor" {
		t.Errorf("posture event header = kind %v level %v mode %v", last["kind"], last["level"], last["mode"])
	}
	sql, _ := last["sql"].(map[string]any)
	want := map[string]float64{"checks": 3, "no_context": 1, "blind_share_pct": 25, "findings": 0, "blocks": 0, "faults": 0}
	for k, v := range want {
		if sql[k] != v {
			t.Errorf("sql.%s = %v, want %v", k, sql[k], v)
		}
	}
	if last["log_drops"] != 0.0 || last["log_write_errors"] != 0.0 || last["hook_drops"] != 0.0 {
		t.Errorf("drop counters log %v/%v hook %v, want 0", last["log_drops"], last["log_write_errors"], last["hook_drops"])
	}
	if fs, _ := last["fs"].(map[string]any); fs["checks"] != 2.0 || fs["blind_share_pct"] != 0.0 {
		t.Errorf("fs = %v, want 2 checks, 0%% blind", fs)
	}
	if ex, _ := last["exec"].(map[string]any); ex["checks"].(float64) < 1 {
		t.Errorf("exec = %v, want the checks made while reporting", ex)
	}
	sites, _ := last["blind_spots"].([]any)
	if len(sites) != 1 {
		t.Fatalf("blind_spots = %v, want the one call site", last["blind_spots"])
	}
	site := sites[0].(map[string]any)
	if site["sink"] != "sql" || site["count"] != 1.0 || !strings.Contains(site["site"].(string), "posture_test.go:") {
		t.Errorf("blind spot = %v, want sql x1 in posture_test.go", site)
	}
}

func TestReportEveryStops(t *testing.T) {
	var logs testlog.Buffer
	a := rasp.New(rasp.WithLogger(zerolog.New(&logs)))

	a.ReportEvery(context.Background(), 0) // returns at once
	if n := len(eventsNamed(t, &logs, "rasp posture")); n != 0 {
		t.Errorf("ReportEvery with d=0 wrote %d events", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a.ReportEvery(ctx, time.Hour) // ctx already done: one final event
	if n := len(eventsNamed(t, &logs, "rasp posture")); n != 1 {
		t.Errorf("ReportEvery on a done context wrote %d events, want 1", n)
	}
}

func TestReportEveryLevelFiltered(t *testing.T) {
	var logs testlog.Buffer
	a := rasp.New(rasp.WithLogger(zerolog.New(&logs).Level(zerolog.WarnLevel)))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a.ReportEvery(ctx, time.Second)
	if n := len(eventsNamed(t, &logs, "rasp posture")); n != 0 {
		t.Errorf("posture events written through a warn-level logger: %d", n)
	}
}

// ExampleAgent_ReportEvery writes the posture of an agent whose SQL guard
// saw three statements with a request context and one without.
func ExampleAgent_ReportEvery() {
	var buf bytes.Buffer
	a := rasp.New(rasp.WithLogger(zerolog.New(&buf)))
	for range 3 {
		guard.Begin(a, rasp.SinkSQL).End()
	}
	guard.BlindSpot(a, rasp.SinkSQL, "query", 0)

	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a done context writes one last event and returns
	a.ReportEvery(ctx, time.Minute)

	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var ev struct {
			Message string `json:"message"`
			SQL     struct {
				Checks    int     `json:"checks"`
				NoContext int     `json:"no_context"`
				Blind     float64 `json:"blind_share_pct"`
			} `json:"sql"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Message == "rasp posture" {
			fmt.Printf("%d SQL statements checked, %d without a request context (%g%%)\n",
				ev.SQL.Checks, ev.SQL.NoContext, ev.SQL.Blind)
		}
	}
	// Output: 3 SQL statements checked, 1 without a request context (25%)
}
