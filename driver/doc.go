// Package driver wraps a database/sql driver so that every statement is
// checked for SQL injection by request input before it reaches the
// database.
//
// The default path is [Register] and the request context:
//
//	driver.Register("sqlite3-rasp", &sqlite3.SQLiteDriver{})
//	db, err := sql.Open("sqlite3-rasp", "app.db")
//	...
//	rows, err := db.QueryContext(r.Context(), query) // r.Context(): the inputs travel with it
//
// [Wrap] returns the wrapped driver for [sql.Register] under a name of your
// choosing, and [WrapConnector] wraps a connector for [sql.OpenDB]. The SQL
// dialect is detected from the wrapped driver's type for
// github.com/mattn/go-sqlite3, github.com/go-sql-driver/mysql,
// github.com/jackc/pgx's stdlib and github.com/lib/pq; any other driver
// needs [WithDialect].
//
// The wrapper is built on github.com/ngrok/sqlmw: one interceptor checks
// statement text where it enters the driver (Exec, Query and Prepare on a
// connection), with [sqlguard.Analyze] against the inputs of the request
// ([taint.FromContext]; many inputs or a long statement share the request's
// one-pass [taint.MatcherFromContext]) and reports through the context's
// [rasp.Agent] (else the [WithAgent] one, else [rasp.Default]).
//
// # The application's own statements
//
// Each wrapped driver keeps a [sqlguard.Memory] of 4,096 statements that
// ran while request inputs were present and none of them occurred in the
// statement. A finding on a statement byte-identical to one of those is
// dropped: the statement is the application's own text, and the input
// only coincides with it (a search for "COUNT(*)", a User-Agent "SELECT
// 1"). So a fully parameterized application whose inputs equal fragments
// of its own SQL sees no finding once each statement ran once with other
// inputs; a statement that concatenates an input differs from every
// remembered one and is judged. The first execution of a statement, and
// any statement text never run before, are judged as usual. Statements run
// without request inputs are not remembered. A remembered statement is not
// checked again: whatever the check found in it would be dropped, so its
// [hash/maphash] fingerprint decides it (about 10 ns for a short one), and
// only a request inspected in part is still reported (see
// [rasp.WithPartialClosed]). A parameterized application's statements so
// cost their check once, on their first run.
//
// # Threat model
//
// Caught: request input that changes the syntax of a statement built by
// string concatenation or formatting, whatever path the statement takes
// through database/sql: DB, Conn, Tx and Stmt; QueryContext, ExecContext,
// QueryRowContext and PrepareContext; drivers with and without the
// optional context interfaces. A prepared statement is checked once, when
// it is prepared, with the preparing context; its later executions are not
// checked again; database/sql re-prepares a DB-level Stmt on each new
// connection with the executing context, and each such prepare is checked
// with that context. Bound arguments are data: they never change the
// syntax and are never scanned.
//
// Not caught:
//   - Calls without the request context (db.Query, db.Exec, a Tx's
//     statements, which database/sql runs with context.Background(), an
//     ORM without a context API) are checked against the request the
//     calling goroutine serves, when the middleware bound one (see
//     [rasp.RequestContext]; counted as scoped in [rasp.Agent.Stats]). On
//     a goroutine the handler started, or outside any request, they carry
//     no inputs and cannot be checked: they run, are counted as blind
//     spots, and each application call site (file:line, never a line of
//     database/sql, sqlmw or an ORM) is warned about once. Pass the
//     request's context to such goroutines.
//   - Statements prepared outside the request (db.Prepare at start-up)
//     are blind spots at prepare time, even when executed later with the
//     request context.
//   - Input transformed by the application before it is placed in the
//     statement (decoded, split, re-encoded) is not recognised; see
//     package taint.
//   - Statements run on the driver's own connection obtained through
//     sql.Conn.Raw: Raw hands out sqlmw's wrapper, whose legacy Exec and
//     Query methods call the driver directly, unchecked.
//   - Database-side dynamic SQL (stored procedures building statements)
//     is out of reach.
//
// # Modes
//
// In [rasp.ModeProtect] a flagged statement never reaches the wrapped
// driver: the call returns a [*rasp.BlockedError]; test it with
// errors.Is(err, rasp.ErrBlocked). It never matches driver.ErrBadConn, so
// database/sql does not retry it. In [rasp.ModeMonitor] the statement runs
// and an event is written once the driver returned. The mode is read once,
// when the call reaches the driver, and the event reports the decision made
// then: a switch to protect while a monitored statement runs does not make
// its event say blocked. In [rasp.ModeOff] the
// wrapper adds a context lookup and one atomic load to sqlmw's own cost.
// Events name the driver (as its package registers itself for a detected
// driver: "sqlite3", "mysql", "pgx", "postgres"; else the name given to
// [Register], else its type), the dialect and the operation the application
// called ("query", "exec", "prepare"), and carry the statement (truncated),
// its kind, the clause the input landed in and, for a redacted input, the
// statement's syntax skeleton in its place ([sqlguard.Skeleton]). A check
// that reached sqlguard's work limit with input present is a finding
// (blocked in protect mode). An internal fault (a recovered panic) follows
// the agent's fail-open/closed setting and is reported; no panic of rasp's
// escapes into database/sql.
//
// One call of the application is one decision. When the wrapped driver
// answers Exec or Query with driver.ErrSkip (go-sql-driver/mysql does for
// every call with arguments), database/sql prepares the statement instead:
// the event names the Exec or Query, with details.driver_path "prepare".
// When an attempt fails with driver.ErrBadConn, database/sql runs the call
// again on another connection, up to three attempts: the later attempts
// are the same call and report nothing. The wrapper tells them by the
// request's inputs and the statement text, in a table of at most 1024
// calls in flight; an ErrBadConn from a statement's own Exec after such a
// prepare is not seen, and its retry is reported again.
//
// # Differences from the unwrapped driver
//
// Apart from blocks, the wrapped driver's errors, results, rows and column
// types pass through unchanged, and wrapped rows expose exactly the
// optional interfaces of the driver's rows. sqlmw's wrappers differ from
// the driver in these ways:
//   - Its conn always advertises driver.Pinger, SessionResetter,
//     Validator, Execer, Queryer, ExecerContext, QueryerContext,
//     ConnPrepareContext, ConnBeginTx and NamedValueChecker; its driver
//     always advertises DriverContext; its stmt always advertises
//     StmtExecContext, StmtQueryContext, ColumnConverter and
//     NamedValueChecker. The fallbacks behave as database/sql does for a
//     driver without them (Ping and ResetSession succeed, IsValid is true,
//     named arguments are refused by legacy drivers), with one exception
//     left: a stmt with a ColumnConverter but no NamedValueChecker has its
//     arguments converted by driver.DefaultParameterConverter instead of
//     its ColumnConverter.
//   - sqlmw's Exec fallback panics on a conn with neither Execer nor
//     ExecerContext. The wrapper answers driver.ErrSkip for such a conn
//     before sqlmw reaches it, and database/sql prepares and executes the
//     statement, as it does without the wrapper.
//   - sqlmw's BeginTx fallback for a conn without ConnBeginTx drops the
//     isolation level and read-only flag. The wrapper refuses them with
//     database/sql's own errors instead.
//   - sql.Conn.Raw returns sqlmw's wrapper, not the driver's conn; code
//     that type-asserts the driver's conn type there fails.
//   - A stmt keeps its preparing context for Close and for the legacy
//     Exec and Query. rasp does not check at execution, so this changes
//     nothing for the checks.
//   - [WrapConnector]'s connector's Driver is a wrapped adapter over the
//     connector's driver, not that driver itself.
//
// # Concurrency
//
// A wrapped driver and connector are safe for concurrent use, as the
// drivers they wrap must be. The inputs a statement is checked against come
// from the context of the call only, so concurrent requests never see each
// other's inputs. The mode is read once per call: a switch with
// [rasp.Agent.SetMode] applies to the calls that start after it.
package driver
