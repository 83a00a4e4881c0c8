package rasp

import (
	"context"
	"fmt"
	"os"
	"path"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Agent decides what happens to the findings of the guards: it reports
// every one as an [Event] and, in [ModeProtect], blocks the call. An Agent
// is safe for concurrent use; its mode can change at run time with
// [Agent.SetMode].
type Agent struct {
	mode  atomic.Int32
	cfg   config
	log   zerolog.Logger
	stats stats

	dedupMu sync.Mutex
	dedup   map[string]*dedupEntry

	hookQ chan hookJob

	bodyBufs sync.Pool // *[]byte of cfg.bodyLimit+1 bytes, see serveHTTP

	// Summaries of the sink overrides, for the middleware.
	overrideOn      bool // some sink is not off whatever the agent's mode
	overrideProtect bool // some sink is in protect whatever the agent's mode
}

type dedupEntry struct {
	last       time.Time
	suppressed int
}

type hookJob struct {
	ev Event
}

// New returns an agent configured by opts. Without [WithMode] it starts in
// [ModeMonitor]; without [WithLogger] it writes JSON events to stderr.
func New(opts ...Option) *Agent {
	a := &Agent{cfg: newConfig(opts...)}
	a.mode.Store(int32(a.cfg.mode))
	if a.cfg.logger != nil {
		a.log = a.cfg.logger.With().Str("component", "rasp").Logger()
	} else {
		a.log = zerolog.New(os.Stderr).With().Timestamp().Str("component", "rasp").Logger()
	}
	if a.cfg.dedup > 0 {
		a.dedup = map[string]*dedupEntry{}
	}
	if a.cfg.asyncQueue > 0 && len(a.cfg.hooks) > 0 {
		a.hookQ = make(chan hookJob, a.cfg.asyncQueue)
		go a.runHooks()
	}
	for _, m := range a.cfg.sinkModes {
		a.overrideOn = a.overrideOn || m != ModeOff
		a.overrideProtect = a.overrideProtect || m == ModeProtect
	}
	a.stats.init()
	return a
}

var (
	defaultOnce  sync.Once
	defaultAgent atomic.Pointer[Agent]
)

// Default returns the process-wide agent: the one given to [SetDefault],
// else one built once, lazily, from the environment. Its mode comes from
// RASP_MODE ("off", "monitor" or "protect"; empty means monitor); an invalid
// value is reported as an error event on stderr and falls back to monitor.
// It writes JSON events to stderr.
func Default() *Agent {
	if a := defaultAgent.Load(); a != nil {
		return a
	}
	defaultOnce.Do(func() {
		a, _ := fromEnv(os.Getenv("RASP_MODE"))
		defaultAgent.CompareAndSwap(nil, a)
	})
	return defaultAgent.Load()
}

// fromEnv builds an agent whose mode is env (a RASP_MODE value). An
// invalid value is reported as an error event through the agent's logger,
// and the agent runs in monitor.
func fromEnv(env string, opts ...Option) (*Agent, error) {
	var mode Mode
	var err error
	if env != "" {
		mode, err = ParseMode(env)
	}
	a := New(append([]Option{WithMode(mode)}, opts...)...)
	if err != nil {
		a.log.Error().Str("kind", "config_error").Str("setting", "RASP_MODE").
			Str("value", truncateStr(env, maxValueLen)).
			Str("fallback", ModeMonitor.String()).Err(err).Msg("rasp: invalid RASP_MODE, falling back to monitor")
	}
	return a, err
}

func truncateStr(s string, n int) string {
	s, _ = truncate(s, n)
	return s
}

// SetDefault replaces the agent [Default] returns. A nil agent is ignored.
func SetDefault(a *Agent) {
	if a != nil {
		defaultAgent.Store(a)
	}
}

type agentKey struct{}

// NewContext returns a copy of ctx carrying a. Guards use the context's
// agent before [Default]; the agent's middleware sets it.
func NewContext(ctx context.Context, a *Agent) context.Context {
	return context.WithValue(ctx, agentKey{}, a)
}

// FromContext returns the agent ctx carries, else [Default].
func FromContext(ctx context.Context) *Agent {
	if ctx != nil {
		if a, ok := ctx.Value(agentKey{}).(*Agent); ok && a != nil {
			return a
		}
	}
	return Default()
}

// ContextAgent returns the agent ctx carries, without falling back to
// [Default]. Wrappers with an agent of their own use it to tell "the request
// chose an agent" from "nobody did".
func ContextAgent(ctx context.Context) (*Agent, bool) {
	if ctx == nil {
		return nil, false
	}
	a, ok := ctx.Value(agentKey{}).(*Agent)
	return a, ok && a != nil
}

// Mode returns the agent's current mode.
func (a *Agent) Mode() Mode { return Mode(a.mode.Load()) }

// SetMode switches the agent's mode at run time. An invalid mode is
// ignored.
func (a *Agent) SetMode(m Mode) {
	if m.valid() {
		a.mode.Store(int32(m))
	}
}

// ModeFor returns the mode in force for sink: its [WithSinkMode] override,
// else the agent's mode. Guards call it first and skip all work in
// [ModeOff].
func (a *Agent) ModeFor(sink string) Mode {
	if a.cfg.sinkModes != nil {
		if m, ok := a.cfg.sinkModes[sink]; ok {
			return m
		}
	}
	return Mode(a.mode.Load())
}

// Decide reports a finding at sink during operation op, and returns a
// [*BlockedError] when the call must not run ([ModeProtect]), else nil.
// Every guard reports through it: one path for events, hooks, blocking and
// counters.
func (a *Agent) Decide(ctx context.Context, sink, op string, f Finding) error {
	return a.decide(ctx, sink, op, f, "", nil)
}

// DecideWith is [Agent.Decide] with sink details (statement kind, clause,
// driver...) for the event.
func (a *Agent) DecideWith(ctx context.Context, sink, op string, f Finding, details ...Detail) error {
	return a.decide(ctx, sink, op, f, "", details)
}

// Fault reports an internal fault at sink (a recovered panic, a work limit
// reached) and returns a [*BlockedError] when the agent fails closed in
// [ModeProtect], else nil (fail-open, the default).
func (a *Agent) Fault(ctx context.Context, sink, op string, err error) error {
	msg := "unknown fault"
	if err != nil {
		msg = err.Error()
	}
	a.stats.sink(sink).faults.Add(1)
	return a.decide(ctx, sink, op, Finding{Kind: KindInternalFault, Start: -1, End: -1}, msg, nil)
}

// FaultWith is [Agent.Fault] for a check that could not finish on a target
// while request input was present: the event carries the finding so far.
func (a *Agent) FaultWith(ctx context.Context, sink, op string, f Finding, err error, details ...Detail) error {
	msg := "unknown fault"
	if err != nil {
		msg = err.Error()
	}
	a.stats.sink(sink).faults.Add(1)
	f.Kind = KindInternalFault
	return a.decide(ctx, sink, op, f, msg, details)
}

// Recover is deferred by guards around their checks: it turns a panic into
// a reported fault, and sets *errp to the blocked error when the agent
// fails closed. It must be called directly by defer.
func (a *Agent) Recover(ctx context.Context, sink, op string, errp *error) {
	if r := recover(); r != nil {
		err := a.Fault(ctx, sink, op, fmt.Errorf("panic: %v", r))
		if errp != nil && err != nil {
			*errp = err
		}
	}
}

func (a *Agent) decide(ctx context.Context, sink, op string, f Finding, fault string, details []Detail) error {
	mode := a.ModeFor(sink)
	if mode == ModeOff {
		return nil
	}
	st := requestFrom(ctx)
	if fault == "" && a.excepted(st, sink, f) {
		a.stats.sink(sink).exceptions.Add(1)
		return nil
	}
	blocked := mode == ModeProtect && (fault == "" || a.cfg.failClosed)
	if fault == "" {
		a.stats.sink(sink).findings.Add(1)
	}
	ev := Event{
		Time:      time.Now(),
		Finding:   f,
		Mode:      mode,
		Blocked:   blocked,
		Sink:      sink,
		Operation: op,
		Details:   details,
		Fault:     fault,
	}
	if st != nil {
		ev.Request = st.info()
		ev.Partial = st.partial.Load()
		if blocked {
			ev.Late = st.block()
		}
	}
	if blocked {
		a.stats.sink(sink).blocks.Add(1)
	} else if len(a.cfg.hooks) == 0 && !a.logs(f.Kind) {
		// Nobody sees this event: with logging disabled a monitor-mode
		// decision costs no allocation.
		return nil
	}
	a.redactEvent(ctx, &ev)
	a.emit(ctx, &ev)
	if blocked {
		return &BlockedError{Event: ev}
	}
	return nil
}

func (a *Agent) excepted(st *requestState, sink string, f Finding) bool {
	for _, e := range a.cfg.exceptions {
		if e.Sink != "" && e.Sink != sink {
			continue
		}
		if e.Source != "" && e.Source != f.Input.Source {
			continue
		}
		if e.Key != "" && e.Key != f.Input.Key {
			continue
		}
		if e.Route != "" {
			if st == nil {
				continue
			}
			ri := st.info()
			if ri.Route != "" {
				if ri.Route != e.Route {
					continue
				}
			} else if ok, _ := path.Match(e.Route, ri.Path); !ok {
				continue
			}
		}
		return true
	}
	return false
}

// emit logs ev (subject to de-duplication) and runs the hooks.
func (a *Agent) emit(ctx context.Context, ev *Event) {
	if a.shouldLog(ev) {
		a.logEvent(ev)
	}
	if len(a.cfg.hooks) == 0 {
		return
	}
	if a.hookQ != nil {
		select {
		case a.hookQ <- hookJob{ev: *ev}:
		default:
			a.stats.hookDrops.Add(1)
		}
		return
	}
	for _, h := range a.cfg.hooks {
		a.callHook(ctx, h, *ev)
	}
}

func (a *Agent) runHooks() {
	for j := range a.hookQ {
		for _, h := range a.cfg.hooks {
			a.callHook(context.Background(), h, j.ev)
		}
	}
}

func (a *Agent) callHook(ctx context.Context, h Hook, ev Event) {
	defer func() {
		if r := recover(); r != nil {
			a.stats.hookPanics.Add(1)
			a.log.Error().Str("kind", KindInternalFault).Str("sink", ev.Sink).
				Str("fault", fmt.Sprintf("hook panic: %v", r)).Msg("rasp: hook panicked")
		}
	}()
	h(ctx, ev)
}

func (a *Agent) shouldLog(ev *Event) bool {
	if a.dedup == nil {
		return true
	}
	key := ev.Sink + "\x00" + ev.Finding.Kind + "\x00" + ev.Finding.Input.Key + "\x00" + ev.Request.Route + "\x00" + ev.Request.Path
	a.dedupMu.Lock()
	defer a.dedupMu.Unlock()
	e := a.dedup[key]
	if e == nil {
		if len(a.dedup) >= maxDedupKeys {
			// Bound memory: forget everything rather than grow without limit.
			clear(a.dedup)
		}
		a.dedup[key] = &dedupEntry{last: ev.Time}
		return true
	}
	if ev.Time.Sub(e.last) < a.cfg.dedup {
		e.suppressed++
		return false
	}
	ev.Repeated = e.suppressed
	e.suppressed = 0
	e.last = ev.Time
	return true
}

// logs reports whether an event of kind could be written: an
// over-approximation of the logger's own test that creates no event.
func (a *Agent) logs(kind string) bool {
	lvl := zerolog.WarnLevel
	if kind == KindInternalFault {
		lvl = zerolog.ErrorLevel
	}
	return lvl >= a.log.GetLevel() && lvl >= zerolog.GlobalLevel()
}

// maxDedupKeys bounds the de-duplication table; an attacker varying keys
// cannot grow it past this.
const maxDedupKeys = 4096
