// Package rasp protects a Go service from injection at run time: it sees
// which values of an HTTP request reach a SQL statement, a command line or a
// file path, and reports, or refuses, a call whose syntax one of them
// changed.
//
// For most services, wrap the HTTP handler with [Middleware] and switch the
// dangerous calls to the guarded ones (package driver for database/sql,
// execguard for os/exec, fsguard for file paths), passing the request's
// context. The default agent ([Default]) takes its mode from the RASP_MODE
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
//   - calls without a request context (context.Background(), a worker's own
//     context): they cannot be checked, and are counted as blind spots in
//     [Agent.Stats];
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
// [ModeOff] skips every check: a guard costs one context lookup and one
// atomic load, and the middleware collects nothing. [ModeMonitor], the
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
// the block state of a request live in that request's context only. The
// decision of a guard may run on any goroutine; the middleware's response
// writer agrees with it through one atomic state, so an event marked late
// is exactly one whose 403 could not be sent. The handler must use its
// [http.ResponseWriter] as net/http requires, from one goroutine at a time.
// Hooks run synchronously in the deciding goroutine unless [WithAsyncHooks]
// is given.
//
// # Events
//
// Every decision is one [Event]: written as one JSON object by the agent's
// logger (a zerolog.Logger, [WithLogger]) at warn level (error level for
// internal faults, kind "internal_fault"), handed to every [Hook], and
// carried by a [*BlockedError]. The fields are kind, mode, blocked, sink,
// operation, input_source, input_key, input_value, target, span_start,
// span_end, reason, request_method, request_path, request_route,
// remote_addr, details (sink facts such as the statement kind), and, when
// set, late, partial_inspection, repeated and fault. Values are cut at 256
// bytes and targets at 1024. The Authorization and Cookie headers, every
// cookie, the whole body, and inputs whose key names a password, token,
// secret, session or auth are redacted by default ([WithRedaction]), in the input and in the
// target, where the span then covers "[redacted]". [WithDedup] writes one
// event per sink, kind, input key and route within an interval, with the
// count of those suppressed.
package rasp
