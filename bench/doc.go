// Package bench measures what rasp catches and what it costs, side by side
// with Datadog's libddwaf, in the same run.
//
// The default path is bench/run.sh (make bench): the overhead benchmarks of
// this package's tests, benchstat, then cmd/benchreport, which runs
// [Compare] on the shared corpora and rewrites bench/README.md's results.
// [Peer] wraps libddwaf with its embedded default ruleset; [Ours] returns
// rasp's pure checks; [LoadSQLCases], [LoadShellCases], [LoadPathCases]
// and [Placements] build the cases; [Summarize], [Targets] and
// [Disagreements] report them.
//
// # Threat model
//
// The cases model one request whose inputs reach one sink: an SQL
// statement with its dialect, a shell script, an exec argv, or a path. A
// case's expected verdict comes either from a peer's own unit tests
// (libddwaf's or Aikido's, reported per source) or from the syntax of the
// template a payload was placed in; placements whose verdict depends on a
// setting the template does not fix are left out rather than guessed.
// Not modelled: inputs the application transforms before the sink, second
// order injection (stored, then used), and Windows path or shell rules.
// Reports name cases by corpus file and index only, never by their text,
// because some corpora are AGPL-3.0.
//
// # Modes
//
// The comparison runs rasp's pure checks, which have no mode. The overhead
// benchmarks run the guards with an agent in [rasp.ModeProtect] whose
// events are encoded and discarded, so a blocked call pays for its event.
//
// # Concurrency
//
// A [Peer] is safe for concurrent use and [SharedPeer] returns one per
// process; a [PeerRequest], like the libddwaf context it wraps, serves one
// request and must not be shared. [Compare] runs its cases one after the
// other, so per-check times are not disturbed by each other.
package bench
