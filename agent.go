package rasp

import (
	"context"
	"fmt"
	"log/slog"
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

	hookQ *queue[hookJob] // nil: hooks run synchronously, or there are none
	logQ  *lineWriter     // the queue in front of a writer rasp owns; nil for WithLogger

	// Summaries of the sink overrides, for the middleware.
	overrideOn      bool // some sink is not off whatever the agent's mode
	overrideProtect bool // some sink is in protect whatever the agent's mode
}

type dedupEntry struct {
	last       time.Time
	suppressed int
}

type hookJob struct {
	ctx context.Context // the request's values, without its cancellation
	ev  Event
}

// New returns an agent configured by opts. Without [WithMode] it starts in
// [ModeMonitor]; without [WithLogger], [WithLogWriter] or [WithSlog] it
// writes JSON events to stderr through a bounded queue that never makes a
// call wait.
func New(opts ...Option) *Agent {
	a := &Agent{cfg: newConfig(opts...)}
	a.mode.Store(int32(a.cfg.mode))
	switch {
	case a.cfg.logger != nil:
		a.log = a.cfg.logger.With().Str("component", "rasp").Logger()
	case a.cfg.slog != nil && a.cfg.logWriter == nil:
		a.log = zerolog.Nop()
	default:
		w := a.cfg.logWriter
		if w == nil {
			w = os.Stderr
		}
		a.logQ = newLineWriter(w, &a.stats.logDrops, &a.stats.logWriteErrs)
		a.log = zerolog.New(a.logQ).With().Timestamp().Str("component", "rasp").Logger()
	}
	if a.cfg.dedup > 0 {
		a.dedup = map[string]*dedupEntry{}
	}
	if !a.cfg.syncHooks && len(a.cfg.hooks) > 0 {
		n := a.cfg.asyncQueue
		if n <= 0 {
			n = DefaultHookQueue
		}
		a.hookQ = newQueue(n, 0, &a.stats.hookDrops, a.runHooks)
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

// contextAgent returns the agent ctx carries, without falling back to
// [Default]: see guard.ContextAgent.
func contextAgent(ctx context.Context) (*Agent, bool) {
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
	return a.decide(ctx, a.ModeFor(sink), sink, op, f, "", nil)
}

// decideIn is [Agent.Decide] in mode m with sink details: see
// guard.DecideIn. An invalid m is read again with ModeFor.
func (a *Agent) decideIn(ctx context.Context, m Mode, sink, op string, f Finding, details []Detail) error {
	if !m.valid() {
		m = a.ModeFor(sink)
	}
	return a.decide(ctx, m, sink, op, f, "", details)
}

// faultIn reports an internal fault at sink in mode m (a recovered panic,
// a work limit reached), with the finding so far, and returns a
// [*BlockedError] when the agent fails closed in [ModeProtect], else nil
// (fail-open, the default): see guard.FaultIn. An invalid m is read again
// with ModeFor.
func (a *Agent) faultIn(ctx context.Context, m Mode, sink, op string, f Finding, err error, details []Detail) error {
	if !m.valid() {
		m = a.ModeFor(sink)
	}
	msg := "unknown fault"
	if err != nil {
		msg = err.Error()
	}
	a.stats.sink(sink).faults.Add(1)
	f.Kind = KindInternalFault
	return a.decide(ctx, m, sink, op, f, msg, details)
}

// fault is [Agent.faultIn] without a finding, in the sink's mode.
func (a *Agent) fault(ctx context.Context, sink, op string, err error) error {
	return a.faultIn(ctx, 0, sink, op, Finding{Start: -1, End: -1}, err, nil)
}

// partial reports a guarded call at sink whose request's inspection was
// partial: see guard.Partial.
func (a *Agent) partial(ctx context.Context, sink, op string) error {
	st := requestFrom(ctx)
	if st == nil {
		return nil
	}
	name := ""
	if limit := st.in.partial(); limit != 0 {
		name = limit.String()
	} else if st.partial.Load() {
		name = st.partialLimit() // a call outside net/http (see call)
	} else {
		return nil
	}
	return a.decide(ctx, a.ModeFor(sink), sink, op, Finding{Kind: KindPartialInspection, Start: -1, End: -1},
		"partial inspection: "+name, []Detail{{Key: "limit", Value: name}})
}

func (a *Agent) decide(ctx context.Context, mode Mode, sink, op string, f Finding, fault string, details []Detail) error {
	if mode == ModeOff {
		return nil
	}
	st := requestFrom(ctx)
	if fault == "" && a.excepted(st, sink, f) {
		a.stats.sink(sink).exceptions.Add(1)
		return nil
	}
	closed := a.cfg.failClosed
	if f.Kind == KindPartialInspection {
		closed = !a.cfg.partialOpen
	}
	blocked := mode == ModeProtect && (fault == "" || closed)
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
		ev.Partial = st.isPartial()
		if blocked {
			ev.Late = st.block()
		}
	}
	if blocked {
		a.stats.sink(sink).blocks.Add(1)
	} else if len(a.cfg.hooks) == 0 && !a.logs(f.Kind) && !recording(ctx) {
		// Nobody sees this event: with logging disabled a monitor-mode
		// decision costs no allocation.
		return nil
	}
	traceIDs(ctx, &ev)
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

// emit logs ev (subject to de-duplication), adds it to the request's span
// and runs the hooks.
func (a *Agent) emit(ctx context.Context, ev *Event) {
	spanEvent(ctx, ev)
	if a.shouldLog(ev) {
		a.logEvent(ev)
		if a.cfg.slog != nil {
			a.slogEvent(ctx, ev)
		}
	}
	if len(a.cfg.hooks) == 0 {
		return
	}
	if a.hookQ != nil {
		if ctx == nil {
			ctx = context.Background()
		}
		a.hookQ.push(hookJob{ctx: context.WithoutCancel(ctx), ev: *ev}, 0)
		return
	}
	for _, h := range a.cfg.hooks {
		a.callHook(ctx, h, *ev)
	}
}

func (a *Agent) runHooks(j hookJob) {
	for _, h := range a.cfg.hooks {
		a.callHook(j.ctx, h, j.ev)
	}
}

// Flush waits until every event decided before it was written to the
// writers rasp owns (stderr, [WithLogWriter]) and handed to asynchronous
// hooks, or until ctx is done, and then returns ctx's error. Call it before
// the program exits; a sink that never reads makes it wait for ctx.
func (a *Agent) Flush(ctx context.Context) error {
	if a.logQ != nil {
		if err := a.logQ.q.flush(ctx); err != nil {
			return err
		}
	}
	if a.hookQ != nil {
		return a.hookQ.flush(ctx)
	}
	return nil
}

func (a *Agent) callHook(ctx context.Context, h Hook, ev Event) {
	defer func() {
		if r := recover(); r != nil {
			a.stats.hookPanics.Add(1)
			fault := truncateStr(fmt.Sprintf("hook panic: %v", r), maxValueLen)
			a.log.Error().Str("kind", KindInternalFault).Str("sink", ev.Sink).
				Str("fault", fault).Msg("rasp: hook panicked")
			if a.cfg.slog != nil {
				a.cfg.slog.LogAttrs(context.Background(), slog.LevelError, "rasp: hook panicked",
					slog.String("kind", KindInternalFault), slog.String("sink", ev.Sink), slog.String("fault", fault))
			}
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
	if a.cfg.slog != nil && a.cfg.slog.Enabled(context.Background(), eventLevel(kind)) {
		return true
	}
	return lvl >= a.log.GetLevel() && lvl >= zerolog.GlobalLevel()
}

// maxDedupKeys bounds the de-duplication table; an attacker varying keys
// cannot grow it past this.
const maxDedupKeys = 4096

// recoverBlocked is deferred by the middleware in protect mode, around the
// handler. When the handler panics after one of its calls was blocked
// (typically on the nil result of the refused query), the panic is
// recovered and reported as a [KindHandlerPanic] event, so the client gets
// its 403 rather than a reset connection. Any other panic goes on as
// net/http expects, as does one after the handler's headers went out,
// when no 403 can be sent.
func (a *Agent) recoverBlocked(ctx context.Context, st *requestState) {
	if !st.isBlocked() {
		return
	}
	p := recover()
	if p == nil {
		return
	}
	late := st.state.Load() == stateBlockedLate
	ev := Event{
		Time:      time.Now(),
		Finding:   Finding{Kind: KindHandlerPanic, Start: -1, End: -1},
		Mode:      a.Mode(),
		Blocked:   true,
		Late:      late,
		Sink:      "http",
		Operation: "handler",
		Request:   st.info(),
		Partial:   st.in.partial() != 0,
		Fault:     truncateStr(fmt.Sprintf("panic after a blocked call: %v", p), maxValueLen),
	}
	traceIDs(ctx, &ev)
	a.emit(ctx, &ev)
	if late {
		panic(p)
	}
}
