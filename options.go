package rasp

import (
	"context"
	"time"

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
	// Route matches the request's route exactly when it has one (the
	// ServeMux pattern "GET /search", the one given to [SetRoute], a gRPC
	// full method), else the URL path with [path.Match] ("/search/*").
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
	dedup      time.Duration
	redact     func(taint.Input) bool
	envelope   BlockResponse

	bodyLimit   int64 // bytes of a body the middleware inspects; 0: none
	maxInputs   int   // inputs collected per request
	maxValueLen int   // bytes of one input value
	decodeDepth int   // URL-decoding rounds for variants
}

// Defaults of the middleware's collection limits.
const (
	// DefaultBodyLimit is how much of a request body the middleware reads
	// and inspects by default: enough for the forms and JSON documents of
	// ordinary APIs, small enough to buffer per request.
	DefaultBodyLimit = 64 << 10
	// DefaultMaxInputs is how many inputs the middleware collects from one
	// request by default. Every guard compares each input with its target,
	// so this bounds the work of every check.
	DefaultMaxInputs = 512
	// DefaultMaxValueLen is the default length in bytes beyond which an
	// input value is cut.
	DefaultMaxValueLen = 8 << 10
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
// cookie, and keys naming a password, token, secret, session or key. A nil
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

// WithBodyLimit sets how many bytes of a request body the middleware reads
// and inspects (default [DefaultBodyLimit]). The handler always receives
// the whole body; inspection of a longer body is partial, and events say
// so. Zero or less turns body inspection off.
//
// The middleware reads this prefix before the handler runs. A body of
// unknown length (chunked, HTTP/2) is read ahead only when it is a form or
// JSON, so full-duplex streams of other types never wait; a client that
// streams a chunked JSON body and waits for a response before sending more
// does, until the limit or the end of its body. Serve such endpoints with a
// body limit of zero.
func WithBodyLimit(n int64) Option {
	return optionFunc(func(c *config) { c.bodyLimit = max(n, 0) })
}

// WithInputLimits sets how many inputs the middleware collects from one
// request (default [DefaultMaxInputs]) and how many bytes of each value it
// keeps (default [DefaultMaxValueLen]). A value of zero or less keeps the
// default. Inspection of a request that reaches either cap is partial, and
// events say so.
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
