package rasp

import (
	"cmp"
	"context"
	"encoding/json"
	"expvar"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Reading the posture
//
// An agent counts, per sink ("sql", "exec", "fs"), what its guards did:
//
//   - checks: calls a guard checked against the request's inputs;
//   - scoped: the checks among them whose call did not carry the request's
//     context, and whose request the guard found through the goroutine
//     that serves it (see "Goroutine scope" in the package documentation);
//   - no_context: calls that reached a guard without a request context, on
//     a goroutine serving no request (blind spots). The guard let them run
//     unchecked, and the agent keeps their call sites (Stats().BlindSpots,
//     the application's file:line, at most 1024, each with a count);
//   - blind_share_pct: no_context as a share of all the sink's calls;
//   - findings, blocks: what the checks found, and how many calls were
//     refused ([ModeProtect]);
//   - exceptions: findings an [Exception] silenced;
//   - faults: checks that panicked or hit a work limit;
//   - check_time_ms: the time spent checking (one check in 64 is timed and
//     the total scaled, so the hot path reads no clock).
//
// The number to read first is blind_share_pct. "40% of SQL statements ran
// without a request context" means that 40% of the statements were never
// checked: they came from goroutines the handlers started (a worker, a
// fan-out, a callback run elsewhere) with no request context passed, or from
// work outside any request (start-up, migrations, background jobs, where no
// request input can reach a statement anyway). A handler that calls
// db.Query or passes context.Background() on its own goroutine is checked
// through the goroutine scope and counted in scoped instead: passing the
// request's context still buys checks on the goroutines the handler starts. The call sites say which: point raspvet at their
// packages, and it lists the calls to rewrite, with fixes for the mechanical
// ones. A share near 0% means the guard sees every statement a request
// causes. Sinks called through the raw os and os/exec functions never reach
// a guard at all and are not counted: only raspvet finds those.
//
// findings without blocks means the agent runs in [ModeMonitor]: review the
// findings (false positives get an [Exception]) before switching to
// [ModeProtect]. Rising faults deserve a bug report; in fail-open mode (the
// default) each one is a call that ran unchecked.
//
// The counters are totals since the agent was created. They are read from
// [Agent.Stats], published with [Agent.PublishExpvar] (served as JSON by
// expvar's handler at /debug/vars), and written as one "rasp posture"
// event every period by [Agent.ReportEvery].

// expvarMu serialises PublishExpvar: expvar.Publish panics on a name
// published twice, so the check and the publication must be one step.
var expvarMu sync.Mutex

// statsVar is the expvar.Var of a published agent. Publishing the same name
// again points it at the new agent, since expvar cannot unpublish.
type statsVar struct {
	agent atomic.Pointer[Agent]
}

func (v *statsVar) String() string {
	b, err := json.Marshal(v.agent.Load().Stats())
	if err != nil {
		return "null"
	}
	return string(b)
}

// PublishExpvar publishes the agent's [Stats] as the expvar variable name
// ("rasp" when name is empty), so expvar's handler at /debug/vars serves
// them as JSON. It may be called more than once: publishing a name already
// published by PublishExpvar makes it serve this agent. A name that other
// code published is left as it is, and reported as an error event.
func (a *Agent) PublishExpvar(name string) {
	if name == "" {
		name = "rasp"
	}
	expvarMu.Lock()
	defer expvarMu.Unlock()
	switch v := expvar.Get(name).(type) {
	case nil:
		sv := new(statsVar)
		sv.agent.Store(a)
		expvar.Publish(name, sv)
	case *statsVar:
		v.agent.Store(a)
	default:
		a.log.Error().Str("kind", "config_error").Str("setting", "expvar").Str("name", name).
			Msg("rasp: expvar name already published by other code; stats not published")
	}
}

// maxPostureSites is how many blind-spot call sites, the most frequent
// first, a posture event lists.
const maxPostureSites = 5

// ReportEvery writes a "rasp posture" event (level info, kind "posture")
// to the agent's logger every d, and a last one when ctx is done, then
// returns. It blocks: run it in a goroutine of its own. A d of zero or
// less returns at once and writes nothing.
//
// The event holds the mode, the uptime, and per sink the counters of
// [SinkStats] (blind_share_pct in percent, check_time_ms in milliseconds),
// plus the most frequent blind-spot call sites. The comment "Reading the
// posture" at the top of posture.go says what to make of them.
func (a *Agent) ReportEvery(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			a.logPosture()
			return
		case <-t.C:
			a.logPosture()
		}
	}
}

// logPosture writes one posture event.
func (a *Agent) logPosture() {
	e := a.log.Info()
	if !e.Enabled() {
		return
	}
	s := a.Stats()
	e.Str("kind", "posture").Str("mode", s.Mode.String()).
		Float64("uptime_s", math.Round(time.Since(s.Since).Seconds()))
	for _, name := range sinkOrder(s.Sinks) {
		ss := s.Sinks[name]
		e.Dict(name, zerolog.Dict().
			Uint64("checks", ss.Checks).
			Uint64("no_context", ss.NoContext).
			Uint64("scoped", ss.Scoped).
			Float64("blind_share_pct", math.Round(ss.BlindShare*1000)/10).
			Uint64("findings", ss.Findings).
			Uint64("blocks", ss.Blocks).
			Uint64("exceptions", ss.Exceptions).
			Uint64("faults", ss.Faults).
			Float64("check_time_ms", math.Round(float64(ss.Time)/1e4)/100))
	}
	if len(s.BlindSpots) > 0 {
		sites := slices.Clone(s.BlindSpots)
		slices.SortFunc(sites, func(x, y BlindSpotSite) int {
			if c := cmp.Compare(y.Count, x.Count); c != 0 {
				return c
			}
			return cmp.Compare(x.Site, y.Site)
		})
		arr := zerolog.Arr()
		for _, bs := range sites[:min(len(sites), maxPostureSites)] {
			arr.Dict(zerolog.Dict().Str("sink", bs.Sink).Str("site", bs.Site).Uint64("count", bs.Count))
		}
		e.Array("blind_spots", arr)
	}
	e.Uint64("hook_drops", s.HookDrops).Uint64("hook_panics", s.HookPanics).
		Uint64("log_drops", s.LogDrops).Uint64("log_write_errors", s.LogWriteErrors).
		Uint64("partial_requests", s.PartialRequests).
		Msg("rasp posture")
}

// sinkOrder lists the sinks of a posture event: the three of this module
// always, then any other that saw a call, by name.
func sinkOrder(sinks map[string]SinkStats) []string {
	order := []string{SinkSQL, SinkExec, SinkFS}
	var more []string
	for name, ss := range sinks {
		if slices.Contains(order, name) || ss == (SinkStats{}) {
			continue
		}
		more = append(more, name)
	}
	slices.Sort(more)
	return append(order, more...)
}
