package rasp

import (
	"context"
	"io"
	"log/slog"
	"net/http"
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
	logWriter  io.Writer
	slog       *slog.Logger
	hooks      []Hook
	asyncQueue int
	syncHooks  bool
	sinkModes  map[string]Mode
	exceptions []Exception
	failClosed bool
	// partialOpen lets guarded calls of a partially inspected request
	// run in protect mode ([WithPartialClosed](false)).
	partialOpen bool
	dedup       time.Duration
	redact      func(taint.Input) bool
	envelope    BlockResponse
	blockPage   http.Handler

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
	// BlockNegotiate follows the request's Accept header (the default):
	// JSON for a client that prefers application/json (or a +json type),
	// HTML for one that prefers text/html, text otherwise.
	BlockNegotiate BlockResponse = iota
	// BlockText answers "Forbidden" as text/plain.
	BlockText
	// BlockJSON answers {"error":"forbidden"} as application/json.
	BlockJSON
	// BlockHTML answers a minimal HTML page as text/html.
	BlockHTML
)

func newConfig(opts ...Option) config {
	c := config{
		redact:      DefaultRedact,
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

// WithLogger sets the logger events are written to, instead of stderr; it
// replaces [WithLogWriter]. Pass zerolog.Nop() to silence the agent.
//
// The logger is called synchronously by the deciding goroutine, inside the
// guarded call: a SQL event is written while database/sql holds the
// connection. A writer that blocks therefore blocks that call, and with a
// pool of N connections N such events stop every query. Give a logger only
// a writer that never blocks for long (a file, a buffered or dropping
// writer), or use [WithLogWriter], which puts a bounded queue in front of
// the writer. Its write errors go to zerolog's ErrorHandler, not to [Stats].
func WithLogger(l zerolog.Logger) Option {
	return optionFunc(func(c *config) { c.logger, c.logWriter = &l, nil })
}

// WithLogWriter makes the agent write its JSON events to w instead of
// stderr; it replaces [WithLogger]. As for stderr, lines go through a queue
// of 1024 lines and 1 MiB written by one goroutine: no call ever waits for
// w. A line that does not fit is dropped and counted in [Stats].LogDrops,
// and a failed write in [Stats].LogWriteErrors. [Agent.Flush] waits for the
// queue. A nil w keeps stderr.
//
// zerolog's diode writer was evaluated for this and not used: once the
// writer it feeds blocks, its reader stops, and so does its count of
// dropped lines, which then stays at the value it had when the sink stalled.
func WithLogWriter(w io.Writer) Option {
	return optionFunc(func(c *config) {
		if w != nil {
			c.logWriter, c.logger = w, nil
		}
	})
}

// WithSlog writes each decision to l as well as one record: message
// "rasp decision", level Warn for findings and Error for faults, the
// event's fields as attributes (those of its JSON line, see [Event.LogValue])
// and "component"="rasp". Like [WithLogger] it replaces the default stderr
// sink; both may be set, and then both are written. A nil l is ignored.
//
// The handler is called synchronously, inside the guarded call, as for
// [WithLogger]: a handler whose writer blocks blocks that call. Give it a
// writer that does not block, or handle the records on a queue of its own.
func WithSlog(l *slog.Logger) Option {
	return optionFunc(func(c *config) {
		if l != nil {
			c.slog = l.With("component", "rasp")
		}
	})
}

// WithHook adds a hook (appending). Hooks run in order, on one background
// goroutine fed by a bounded queue ([DefaultHookQueue] events, see
// [WithAsyncHooks]), so a hook that blocks delays no call; an event that
// does not fit is not handed to hooks and is counted in [Stats].HookDrops.
// [WithSyncHooks] runs them in the deciding goroutine instead.
func WithHook(h Hook) Option {
	return optionFunc(func(c *config) {
		if h != nil {
			c.hooks = append(c.hooks, h)
		}
	})
}

// WithAsyncHooks sets the size of the queue that feeds the hooks (default
// [DefaultHookQueue]) and undoes [WithSyncHooks]. Asynchronous hooks
// receive the request's context without its deadline and cancellation
// ([context.WithoutCancel]): its values, such as the request's inputs,
// stay readable.
func WithAsyncHooks(queue int) Option {
	return optionFunc(func(c *config) {
		if queue > 0 {
			c.asyncQueue = queue
		}
		c.syncHooks = false
	})
}

// WithSyncHooks runs hooks synchronously in the deciding goroutine, inside
// the guarded call, with the caller's context. A hook that blocks then
// blocks that call, and a SQL call holds its pooled connection meanwhile:
// hooks must return quickly.
func WithSyncHooks() Option {
	return optionFunc(func(c *config) { c.syncHooks = true })
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
// events. The default, [DefaultRedact], redacts every cookie, the whole
// body ([taint.SourceBody]), and every
// input whose key, split into words (snake, kebab and camel case), has one
// of these sensitive words: `auth`, `authorization`, `authentication`,
// `bearer`, `cookie`, `credential`, `credentials`, `csrf`, `jwt`, `otp`,
// `passphrase`, `passwd`, `password`, `pass`, `pwd`, `secret`, `session`,
// `sessionid`, `sid`, `token`, `xsrf`, `apikey`, `api_key`, `private_key`,
// `access_key`, `secret_key`, `signing_key` (the last five as two words in
// a row), or whose last word ends in password, passwd, passphrase, token,
// secret or apikey (newpassword). So the Authorization, Cookie and
// X-Api-Key headers are redacted, and author is not.
//
// A redacted input that is the finding shows as its syntax skeleton, in the
// input and in its span of the target: quotes, operators, keywords and
// comment markers kept, every other word masked (x' OR 'a'='a shows as
// *' OR '*'='*), so the attack stays readable. A real secret changes no
// syntax, so it is never a finding. Other redacted inputs that occur in the
// target become "[redacted]". A nil function redacts nothing.
func WithRedaction(redact func(taint.Input) bool) Option {
	return optionFunc(func(c *config) {
		if redact == nil {
			redact = func(taint.Input) bool { return false }
		}
		c.redact = redact
	})
}

// WithBlockResponse selects the body of the middleware's 403 answer; it
// replaces [WithBlockHandler].
func WithBlockResponse(r BlockResponse) Option {
	return optionFunc(func(c *config) { c.envelope, c.blockPage = r, nil })
}

// WithBlockHandler renders the middleware's answer to a blocked request
// with h, the handler variant of [WithBlockResponse]. h runs once, after
// the handler's headers were cleared, with the request the handler got
// ([Blocked] reports true for its context), on a writer whose status is 403
// unless h writes another. Should h panic or write nothing, the client gets
// the default 403. A nil h keeps [WithBlockResponse]'s answer.
func WithBlockHandler(h http.Handler) Option {
	return optionFunc(func(c *config) {
		if h != nil {
			c.blockPage = h
		}
	})
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
