// Package rasp protects a Go service from injection at run time: it sees
// which values of an HTTP request reach a SQL statement, a command line or a
// file path, and reports, or refuses, a call whose syntax one of them
// changed.
//
// For most services, wrap the HTTP handler with [Middleware] and switch the
// dangerous calls to the guarded ones (package driver for database/sql,
// execguard for os/exec, fsguard or fsguard/os for file paths). Calls made
// without the request's context on the handler's goroutine are checked
// too (see "Goroutine scope"); pass the context to goroutines the handler
// starts. The default agent ([Default]) takes its mode from the RASP_MODE
// environment variable, "monitor" when it is unset, and writes every
// decision as one JSON object to stderr.
//
// The middleware ([Agent.Middleware]) puts the request's untrusted inputs
// in its context (package taint), collected at the request's first guarded
// call: the keys and values of the path segments (raw and decoded), query,
// form and multipart fields, JSON, cookies and headers, upload file names
// and the whole body as the handler read it, with their URL-decoded
// variants. A guard compares its target
// with those inputs and reports a [Finding] to [Agent.Decide], the one path
// for events, hooks, counters and blocking.
//
// Routers name the matched route with [SetRoute] (or [SetRouteFunc]), so
// that events and exceptions key on it. Sources other than net/http (gRPC,
// in module github.com/gorasp/rasp/grpcguard) start a call with
// [github.com/gorasp/rasp/guard.StartCall]: the same inputs, caps,
// per-call block state and goroutine binding as the middleware's. gin and
// echo have adapter modules, ginguard and echoguard.
//
// A guard for another sink is written with package
// [github.com/gorasp/rasp/guard], the machinery the guards of this module
// are built on (check counters, blind spots, faults, decisions with sink
// details).
//
// # Threat model
//
// rasp catches a request value that reaches a guarded sink verbatim, or
// URL-decoded up to twice, and changes the syntax of what runs there: a
// quote that ends a SQL string, a shell metacharacter, an argument that
// becomes an option, a path that climbs out of its directory.
//
// rasp does not protect against:
//   - inputs transformed before the sink: base64 decoded, split,
//     trimmed, case-folded, or concatenated from several inputs, so that no
//     collected value occurs in the target;
//   - sinks that are not wrapped: a database/sql driver not registered
//     through package driver, exec.Command, os.Open, a template, an LDAP or
//     NoSQL query;
//   - calls without the request context on a goroutine the handler started
//     (go func, a worker pool, errgroup), and work outside any request:
//     they cannot be checked, and are counted as blind spots in
//     [Agent.Stats] (see "Goroutine scope");
//   - second-order injection: a value stored by one request and used by
//     another, because the inputs of one request are never visible to
//     another;
//   - what lies past the middleware's limits ([WithBodyLimit],
//     [WithInputLimits], JSON deeper than encoding/json decodes, a body
//     under an encoding other than gzip and deflate): such a request is
//     partial, its guarded calls are blocked in [ModeProtect] unless
//     [WithPartialClosed](false), and it is counted in
//     [Stats].PartialRequests;
//   - body bytes the handler has not read when a guard runs (they cannot
//     have reached that call), and values the application decodes itself
//     other than JSON in a query, form or multipart value (base64, XML,
//     JSON inside a JSON string).
//
// # Modes
//
// [ModeOff] skips every check: a guard costs its context lookups, one
// goroutine lookup and one atomic load, and the middleware collects
// nothing (it binds the goroutine, so that a switch to another mode during
// the request does not count its calls as blind spots). [ModeMonitor], the
// default, reports every finding and lets the call run. [ModeProtect]
// reports and refuses the call with a [*BlockedError], which matches
// [ErrBlocked]; the middleware then answers the client 403 Forbidden
// whatever the handler writes next. [WithSinkMode] overrides the mode of one
// sink, [WithException] silences one known false positive, and
// [Agent.SetMode] switches the mode at run time without a restart.
//
// Internal faults (a recovered panic, a work limit reached) are reported
// and let the call run, as other agents do; [WithFailClosed] blocks them in
// [ModeProtect] instead.
//
// # Concurrency
//
// An [Agent] is safe for concurrent use, and so is its mode. The inputs and
// the block state of a request live in that request's context, and in the
// binding of the goroutine that serves it, for as long as its handler
// runs. The
// decision of a guard may run on any goroutine; the middleware's response
// writer agrees with it through one atomic state, so an event marked late
// is exactly one whose 403 could not be sent. The handler must use its
// [http.ResponseWriter] as net/http requires, from one goroutine at a time.
// No event path makes a call wait: hooks run on a bounded queue of their
// own unless [WithSyncHooks] is given, and events go to stderr (or
// [WithLogWriter]) through a bounded queue written by one goroutine; what
// does not fit is counted in [Stats]. Only a logger given with [WithLogger]
// is written synchronously. The mode is read once per guarded call, and
// the event reports that decision.
//
// # Goroutine scope
//
// Go services often call a sink without the request's context: db.Query,
// db.Exec and db.QueryRow, a transaction's statements (database/sql runs a
// Tx's context-less methods with context.Background(), whatever BeginTx
// got), ORMs without a context API (jinzhu/gorm v1), execguard.Command, the
// functions of fsguard/os. So while the middleware runs a handler, the
// goroutine that runs it is bound to the request: a guard whose context
// carries no inputs asks [RequestContext], which returns the bound
// request's context, and the call is checked, reported and blocked exactly
// as if the context had been passed. The binding is removed when the
// handler returns, by a defer, so also on a panic and on
// http.ErrAbortHandler. [SinkStats].Scoped counts the checks made this way.
//
// The binding is a lock-free table keyed by goroutine id: 4096 slots, a
// goroutine probing 8 from its id's home slot (a mutex-guarded map past
// that, for servers with more requests in flight), with bindings reused
// from a pool. The id comes from github.com/petermattis/goid, which reads
// it from the runtime's goroutine structure without parsing a stack; it
// knows the layout of each Go release (checked on Go 1.25 and 1.26). At the
// first binding rasp compares it with the id in the header runtime.Stack
// writes, on two goroutines, and if they disagree (a release whose layout
// the library does not know yet) parses that header on every lookup
// instead: slower, never wrong. Goroutine ids are never reused, so a
// goroutine can only ever find the request it serves itself. Measured on a
// loaded 2-core machine (BenchmarkScope, -count=6): bind and unbind about
// 50 ns per request (49 to 60 ns in five runs, 130 ns in one), 0
// allocations; a lookup 15 to 17 ns with a request bound, 14 ns with none,
// next to the 260 ns a blind spot spends walking its stack (BlindSpot,
// unchanged); a context that carries inputs is used as it is, in 9 ns.
//
// Profiler-label inheritance (runtime/pprof labels, which goroutines
// started later inherit) was measured and rejected: the labels are
// inherited by long-lived goroutines a request happens to start (a worker
// pool or a cache refresher started lazily by the first request), which would check
// other requests' calls against that first request's inputs; setting them
// allocates on every request (104 B in 3 allocations, 125 to 200 ns for
// the bind alone); reading them back needs a link into the runtime's internals; and
// they clash with the application's own labels (pprof.Do replaces them).
// So goroutines a handler starts are not covered: their calls without the
// request's context stay blind spots, counted and warned about at their
// call site. Pass them r.Context().
//
// Each transport gets this right by construction: HTTP/1.1 serves the
// requests of a keep-alive connection one after the other on one
// goroutine, bound and unbound around each; HTTP/2 runs each stream's
// handler on a goroutine of its own. [http.TimeoutHandler] runs its handler
// on a new goroutine: put it outside the middleware
// (TimeoutHandler(Middleware(h))), or use the middleware on both sides,
// the inner one binding the new goroutine to the request the outer one
// collected; with Middleware(TimeoutHandler(h)) alone the handler's calls
// without the context are blind spots. A request that began while the
// agent was off carries no inputs: its calls on the handler's goroutine
// are neither checked nor counted as blind spots if the mode turns on
// before it ends.
//
// A transaction's statements are checked against the request of the
// goroutine that runs them, not the context the transaction was begun
// with: database/sql does not hand that context to the driver with a
// Tx's context-less calls, and keeping it would store a request's context
// on a pooled connection. A Tx passed to another goroutine is blind there.
//
// # Events
//
// Every decision is one [Event]: written as one JSON object by the agent's
// logger (a zerolog.Logger, [WithLogger]) at warn level (error level for
// internal faults, kind "internal_fault"), or as one record of a
// [log/slog.Logger] ([WithSlog]), handed to every [Hook], added as a
// "rasp.decision" event to the recording OpenTelemetry span of the deciding
// context, if any, and carried by a [*BlockedError]. The fields are kind, mode, blocked, sink,
// operation, input_source, input_key, input_value, target, span_start,
// span_end, reason, request_method, request_path, request_route,
// remote_addr, details (sink facts such as the statement kind), and, when
// set, late, partial_inspection, repeated and fault. Values are cut at 256
// bytes and targets at 1024. Every cookie, the whole body, and every input whose key has a
// sensitive word (password, token, auth, api_key..., matched by word, see
// [WithRedaction]) is redacted by default: when it is the finding, the
// input and its span of the target show its syntax skeleton (x' OR 'a'='a
// as *' OR '*'='*), and elsewhere it shows as "[redacted]". [WithDedup] writes one
// event per sink, kind, input key and route within an interval, with the
// count of those suppressed.
package rasp
