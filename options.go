package rasp

import (
	"context"
	"time"

	"github.com/gorasp/rasp/internal/collect"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

// Option configures an [Agent]. Options apply in order; the last one wins,
// except those documented as appending.
type Option interface {
	apply(*config)
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// Hook receives every event an agent decides, after it is logged. Use hooks
// to alert or to end a session. A panicking hook is recovered and reported.
type Hook func(context.Context, Event)

// Exception silences findings that match all of its non-empty fields: a
// known false positive, without switching the service to monitor.
type Exception struct {
	// Route matches the request's ServeMux pattern ("GET /search") exactly
	// when the mux set one, else the URL path with [path.Match] ("/search/*").
	Route string
	// Source and Key match the offending input.
	Source taint.Source
	Key    string
	// Sink matches the sink ("sql", "exec", "fs").
	Sink string
}

type config struct {
	mode       Mode
	logger     *zerolog.Logger
	hooks      []Hook
	asyncQueue int
	sinkModes  map[string]Mode
	exceptions []Exception
	failClosed bool
	// partialOpen lets guarded calls of a partially inspected request
	// run in protect mode ([WithPartialClosed](false)).
	partialOpen bool
	dedup       time.Duration
	redact      func(taint.Input) bool
	envelope    BlockResponse

	bodyLimit   int64 // bytes of a body the middleware inspects; 0: none
	maxInputs   int   // inputs collected per request
	maxValueLen int   // bytes of one input value
	decodeDepth int   // URL-decoding rounds for variants
}

// Defaults of the middleware's collection limits.
const (
	// DefaultBodyLimit is how many bytes of a request body the middleware
	// keeps, as the handler reads them, for inspection: at least the 8 MiB
	// the issue of padding asks, and at most that much memory per request.
	DefaultBodyLimit = 8 << 20
	// DefaultMaxInputs is how many inputs the middleware collects from one
	// request by default: far above any ordinary request (600 parameters
	// are 1,200 inputs, each key being one), so that padding a request
	// past it takes more than a megabyte of URL or body, and the request
	// is then partial (see [WithPartialClosed]).
	DefaultMaxInputs = collect.DefaultMaxInputs
	// DefaultMaxValueLen is the default length in bytes beyond which an
	// input value is cut: the default body limit, so that no value of an
	// inspected body is cut.
	DefaultMaxValueLen = collect.DefaultMaxValueLen
)

// BlockResponse selects the body of the 403 answer the middleware sends
// once a sink was blocked.
type BlockResponse int

const (
	// BlockText answers "Forbidden" as text/plain (the default).
	BlockText BlockResponse = iota
	// BlockJSON answers {"error":"forbidden"} as application/json.
	BlockJSON
)

func newConfig(opts ...Option) config {
	c := config{
		redact:      defaultRedact,
		bodyLimit:   DefaultBodyLimit,
		maxInputs:   DefaultMaxInputs,
		maxValueLen: DefaultMaxValueLen,
		decodeDepth: 2,
	}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	if !c.mode.valid() {
		c.mode = ModeMonitor
	}
	return c
}

// WithMode sets the agent's initial mode. The zero [Mode] keeps the default,
// [ModeMonitor].
func WithMode(m Mode) Option {
	return optionFunc(func(c *config) { c.mode = m })
}

// WithLogger sets where events are written. Without it an agent writes JSON
// to stderr: security events must never vanish by default. Pass
// zerolog.Nop() to silence it.
func WithLogger(l zerolog.Logger) Option {
	return optionFunc(func(c *config) { c.logger = &l })
}

// WithHook adds a hook (appending). Hooks run synchronously in the calling
// goroutine, in order, unless [WithAsyncHooks] is given.
func WithHook(h Hook) Option {
	return optionFunc(func(c *config) {
		if h != nil {
			c.hooks = append(c.hooks, h)
		}
	})
}

// WithAsyncHooks runs hooks on one background goroutine fed by a queue of
// the given size. When the queue is full the event is not handed to hooks,
// and the drop is counted in [Stats]. Hooks then receive a context that is
// not the request's (it carries no deadline and is never cancelled).
func WithAsyncHooks(queue int) Option {
	return optionFunc(func(c *config) {
		if queue > 0 {
			c.asyncQueue = queue
		}
	})
}

// WithSinkMode overrides the agent's mode for one sink ("sql", "exec",
// "fs"); appending. [Agent.SetMode] does not change overrides.
func WithSinkMode(sink string, m Mode) Option {
	return optionFunc(func(c *config) {
		if !m.valid() {
			return
		}
		if c.sinkModes == nil {
			c.sinkModes = map[string]Mode{}
		}
		c.sinkModes[sink] = m
	})
}

// WithException adds an [Exception] (appending).
func WithException(e Exception) Option {
	return optionFunc(func(c *config) { c.exceptions = append(c.exceptions, e) })
}

// WithFailClosed makes internal faults (a recovered panic, a work limit
// reached with request input present) block the call in [ModeProtect]. The
// default is fail-open, as the peers do; the fault is reported either way.
func WithFailClosed(closed bool) Option {
	return optionFunc(func(c *config) { c.failClosed = closed })
}

// WithDedup writes at most one event per (sink, kind, input key, route)
// within interval; the next one written carries the count of those
// suppressed in between. Hooks, counters and blocking are not affected.
func WithDedup(interval time.Duration) Option {
	return optionFunc(func(c *config) { c.dedup = interval })
}

// WithRedaction replaces the rule deciding which inputs are redacted in
// events. The default redacts the Authorization and Cookie headers, every
// cookie, the whole body ([taint.SourceBody]), and keys naming a password, token, secret, session or key. A nil
// function redacts nothing.
func WithRedaction(redact func(taint.Input) bool) Option {
	return optionFunc(func(c *config) {
		if redact == nil {
			redact = func(taint.Input) bool { return false }
		}
		c.redact = redact
	})
}

// WithBlockResponse selects the body of the middleware's 403 answer.
func WithBlockResponse(r BlockResponse) Option {
	return optionFunc(func(c *config) { c.envelope = r })
}

// WithBodyLimit sets how many bytes of a request body the middleware
// keeps for inspection (default [DefaultBodyLimit]). The middleware reads
// nothing itself: it keeps the bytes as the handler reads them, and parses
// them when a guard of the request first runs (again, when the handler has
// read more since). The handler's body is the client's, byte for byte and
// streaming; `Expect: 100-continue` is answered when the handler reads. A
// body under Content-Encoding gzip or deflate is decoded to at most n
// bytes. A handler that reads past n makes the inspection partial (see
// [WithPartialClosed]). Zero or less turns body inspection off.
func WithBodyLimit(n int64) Option {
	return optionFunc(func(c *config) { c.bodyLimit = max(n, 0) })
}

// WithPartialClosed decides whether, in [ModeProtect], a guarded call of
// a request whose inspection was partial is blocked (true, the default) or
// runs (false). Inspection is partial when the handler read past
// [WithBodyLimit], the request has more inputs or longer values than
// [WithInputLimits] allows, a decoded body goes past the body limit, JSON
// nests deeper than encoding/json decodes (10,000 levels), the body is
// under a Content-Encoding rasp does not decode, or the handler streams a
// body other than plain JSON (a JSON body is walked once as it arrives)
// and runs guarded calls as it reads, past the budget that keeps parsing
// it again linear (about four times its size): the part not
// inspected may carry the attack. Either way the call is reported, as an
// event of kind "partial_inspection" whose "limit" detail names the limits
// reached ("body", "inputs", "value", "decoded", "depth", "encoding",
// "work"). This is the
// sibling of [WithFailClosed] for the inspection of requests.
func WithPartialClosed(closed bool) Option {
	return optionFunc(func(c *config) { c.partialOpen = !closed })
}

// WithInputLimits sets how many inputs the middleware collects from one
// request (default [DefaultMaxInputs]) and how many bytes of each value it
// keeps (default [DefaultMaxValueLen]). A value of zero or less keeps the
// default. Inspection of a request that reaches either cap is partial:
// see [WithPartialClosed].
func WithInputLimits(maxInputs, maxValueLen int) Option {
	return optionFunc(func(c *config) {
		if maxInputs > 0 {
			c.maxInputs = maxInputs
		}
		if maxValueLen > 0 {
			c.maxValueLen = maxValueLen
		}
	})
}
