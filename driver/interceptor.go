package driver

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/guard"
	"github.com/gorasp/rasp/sqlguard"
	"github.com/gorasp/rasp/taint"
	"github.com/ngrok/sqlmw"
)

// Operations named in events.
const (
	opQuery   = "query"
	opExec    = "exec"
	opPrepare = "prepare"
)

// errIncomplete is the fault reported when sqlguard reached a work limit
// before it finished a statement that request input occurs in.
var errIncomplete = errors.New("sqlguard: work limit reached before the statement was fully checked")

// The errors database/sql itself returns when a driver without
// driver.ConnBeginTx is asked for transaction options (ctxDriverBegin in
// database/sql/ctxutil.go). sqlmw's fallback would drop the options
// silently, so the interceptor refuses them with the same words.
var (
	errIsolation = errors.New("sql: driver does not support non-default isolation level")
	errReadOnly  = errors.New("sql: driver does not support read-only transactions")
)

// interceptor is the sqlmw interceptor that checks statement text where it
// enters the driver: ConnQueryContext, ConnExecContext and
// ConnPrepareContext. Bound arguments are data and are never looked at.
type interceptor struct {
	sqlmw.NullInterceptor

	agent       *rasp.Agent // WithAgent; nil for the context's or the default agent
	dialect     sqlguard.Dialect
	dialectName string
	driverName  string
	analyze     func(sqlguard.Dialect, string, []taint.Input) sqlguard.Result // nil: sqlguard, sharing the request's matcher
	// memory holds the statements that ran with request inputs present
	// and absent from them: the application's own text.
	memory *sqlguard.Memory

	calls calls // what one application call decided, across database/sql's attempts
}

var _ sqlmw.Interceptor = (*interceptor)(nil)

// Verdict states.
const (
	stateClean   = iota // nothing to report
	stateBlind          // no request inputs: a blind spot
	stateFinding        // injection, to report after the call ran (monitor)
	stateFault          // incomplete check, to report after the call ran
	stateDecided        // an earlier attempt of the same call reported it
)

// verdict is what [interceptor.pre] leaves to report once the wrapped call
// returned. Reporting waits for the call because database/sql answers a
// driver.ErrSkip from Exec or Query by preparing the same statement, and the
// prepare is checked again: reporting the first check too would count every
// such call twice (go-sql-driver/mysql skips every call with arguments
// unless interpolateParams is set).
type verdict struct {
	a       *rasp.Agent
	ctx     context.Context // the context checked with, see rasp.RequestContext
	mode    rasp.Mode       // read once, when the application's call reached the driver
	op      string          // the operation the application called
	path    string          // the driver's path, when it differs from op ("prepare")
	key     callKey
	attempt int // attempts of the call before this one that failed with ErrBadConn
	state   int
	finding *rasp.Finding // sqlguard's, for stateFinding and stateFault: a clean check returns a small verdict
}

func (i *interceptor) agentFor(ctx context.Context) *rasp.Agent {
	if a, ok := guard.ContextAgent(ctx); ok {
		return a
	}
	if i.agent != nil {
		return i.agent
	}
	return rasp.Default()
}

// pre checks query before it reaches the wrapped driver. In ModeProtect a
// finding is decided at once and a non-nil error is the block; everything
// else is left in the verdict for [interceptor.post].
func (i *interceptor) pre(ctx context.Context, op, query string) (v verdict, err error) {
	// A call without the request's context (db.Query, a Tx's statements)
	// is checked against the request its goroutine serves.
	// A context with inputs is its own request context: one lookup.
	inputs := taint.FromContext(ctx)
	if inputs == nil {
		ctx = rasp.RequestContext(ctx, rasp.SinkSQL)
		inputs = taint.FromContext(ctx)
	}
	a := i.agentFor(ctx)
	mode := a.ModeFor(rasp.SinkSQL)
	if mode == rasp.ModeOff {
		return verdict{}, nil
	}
	defer guard.Recover(ctx, a, rasp.SinkSQL, op, &err)
	if inputs == nil {
		return verdict{a: a, state: stateBlind, op: op}, nil
	}
	// The verdict is filled only when there is something to report: the
	// clean path copies no Result into it.
	key := callKey{inputs: unsafe.SliceData(inputs), query: query}
	vmode, vop, attempt, path := mode, op, 0, ""
	if m, ok := i.calls.take(key); ok {
		// A later attempt of the same application call: database/sql
		// preparing after ErrSkip, or retrying after ErrBadConn.
		vmode, vop, attempt = m.mode, m.op, m.attempt
		if op != m.op {
			path = op
		}
		if m.reported {
			return verdict{a: a, ctx: ctx, mode: vmode, op: vop, path: path, key: key, attempt: attempt, state: stateDecided}, nil
		}
	}
	sp := guard.Begin(a, rasp.SinkSQL)
	r := i.check(ctx, query, inputs)
	sp.End()
	switch {
	case !r.Injection && !r.Incomplete:
		if guard.PartialInspection(ctx) {
			// Clean as far as the request was inspected, and not
			// remembered: a value past a cap may be in the text unseen,
			// and remembering it would clear the same text for every
			// later request.
			return verdict{}, guard.Partial(ctx, a, rasp.SinkSQL, op)
		}
		if !r.Occurs || !valueOccurs(query, inputs) {
			// No value of the request is in the text (a key may be:
			// keys name columns): the application's own statement.
			i.memory.Remember(query)
		}
		return verdict{}, nil
	case i.memory.Known(query):
		// The application ran this exact text before with inputs
		// present and no value of theirs in it: its own statement,
		// which the current inputs only coincide with.
		return verdict{}, guard.Partial(ctx, a, rasp.SinkSQL, op)
	}
	f := new(rasp.Finding)
	*f = r.Finding
	v = verdict{a: a, ctx: ctx, mode: vmode, op: vop, path: path, key: key, attempt: attempt, finding: f, state: stateFinding}
	if !r.Injection {
		v.state = stateFault // r.Incomplete: the first case took the rest
	}
	if v.mode == rasp.ModeProtect {
		return verdict{}, i.report(ctx, query, &v)
	}
	return v, nil
}

// Bounds of valueOccurs: a longer statement, or a request with more
// inputs, counts as holding a value (it is not remembered).
const (
	maxRememberInputs = 64
	maxRememberLen    = 4 << 10
)

// valueOccurs reports whether a value input (not a key) occurs in query,
// within bounded work.
func valueOccurs(query string, inputs []taint.Input) bool {
	if len(inputs) > maxRememberInputs || len(query) > maxRememberLen {
		return true
	}
	for k := range inputs {
		if !inputs[k].IsKey && inputs[k].Value != "" && strings.Contains(query, inputs[k].Value) {
			return true
		}
	}
	return false
}

// check runs sqlguard on query. Many inputs or a long statement share the
// request's one-pass [taint.Matcher] with every other check of the request.
func (i *interceptor) check(ctx context.Context, query string, inputs []taint.Input) sqlguard.Result {
	if i.analyze != nil {
		return i.analyze(i.dialect, query, inputs)
	}
	if len(inputs) > 16 || len(query) > 4<<10 {
		if m := taint.MatcherFromContext(ctx); m != nil {
			return sqlguard.AnalyzeMatcher(i.dialect, query, m)
		}
	}
	return sqlguard.Analyze(i.dialect, query, inputs)
}

// post reports what pre left once the wrapped driver ran the call, whose
// error is err. The agent's answer is not returned: the call has run, in
// the mode pre read; a switch to protect meanwhile takes effect on the
// next call, and the event says the call ran.
func (i *interceptor) post(ctx context.Context, query string, v *verdict, err error) {
	if v.ctx != nil {
		ctx = v.ctx
	}
	switch v.state {
	case stateClean:
	case stateBlind:
		// Skip post and the Conn* method; the agent skips database/sql,
		// sqlmw and rasp frames to find the application's call site.
		guard.BlindSpot(v.a, rasp.SinkSQL, v.op, 2)
	case stateDecided:
		i.badConn(v, err)
	default:
		_ = i.report(ctx, query, v)
		i.badConn(v, err)
	}
}

// sqlAttempts is how many times database/sql runs one call whose driver
// answers driver.ErrBadConn: maxBadConnRetries (2) attempts on pooled
// connections, then one on a new one (DB.retry in database/sql/sql.go).
const sqlAttempts = 3

// badConn remembers a reported call whose attempt failed with
// driver.ErrBadConn: database/sql runs it again on another connection, and
// that attempt is the same call, already decided. After the last attempt
// the application gets the error, and its next call is a new one.
func (i *interceptor) badConn(v *verdict, err error) {
	if errors.Is(err, driver.ErrBadConn) && v.attempt+1 < sqlAttempts {
		i.calls.put(v.key, callMemo{op: v.op, mode: v.mode, reported: true, attempt: v.attempt + 1})
	}
}

// skipped remembers a call the driver answered with ErrSkip: database/sql
// prepares the same statement next, and that is the same call.
func (i *interceptor) skipped(v *verdict) {
	switch v.state {
	case stateFinding, stateFault, stateDecided:
		i.calls.put(v.key, callMemo{op: v.op, mode: v.mode, reported: v.state == stateDecided, attempt: v.attempt})
	}
}

func (i *interceptor) report(ctx context.Context, query string, v *verdict) (err error) {
	a, op := v.a, v.op
	defer guard.Recover(ctx, a, rasp.SinkSQL, op, &err)
	f := *v.finding
	if f.Target == "" {
		f.Target = query
		if f.Start == 0 && f.End == 0 {
			f.Start, f.End = -1, -1
		}
	}
	details := make([]rasp.Detail, 0, 5)
	details = append(details,
		rasp.Detail{Key: "driver", Value: i.driverName},
		rasp.Detail{Key: "dialect", Value: i.dialectName})
	if v.path != "" {
		details = append(details, rasp.Detail{Key: "driver_path", Value: v.path})
	}
	if v.state == stateFault {
		return guard.FaultIn(ctx, a, v.mode, rasp.SinkSQL, op, f, errIncomplete, details...)
	}
	if f.Start >= 0 && f.Start < f.End && f.End <= len(f.Target) {
		// Shown instead of the input when the agent redacts it.
		f.Skeleton = sqlguard.Skeleton(i.dialect, f.Target, f.Start, f.End)
	}
	if f.Start >= 0 && f.Start <= f.End && f.End <= len(f.Target) {
		kind, clause := sqlguard.Classify(i.dialect, f.Target, f.Start, f.End)
		if kind != "" {
			details = append(details, rasp.Detail{Key: "statement_kind", Value: kind})
		}
		if clause != "" {
			details = append(details, rasp.Detail{Key: "clause", Value: clause})
			f.Reason += " in " + strings.ToUpper(clause) // "input closes a string literal and adds OR in WHERE"
		}
	}
	return guard.DecideIn(ctx, a, v.mode, rasp.SinkSQL, op, f, details...)
}

// ConnQueryContext checks query, then runs it.
func (i *interceptor) ConnQueryContext(ctx context.Context, conn driver.QueryerContext, query string, args []driver.NamedValue) (context.Context, driver.Rows, error) {
	v, err := i.pre(ctx, opQuery, query)
	if err != nil {
		return ctx, nil, err
	}
	rows, err := conn.QueryContext(ctx, query, args)
	if err == driver.ErrSkip {
		// database/sql prepares the statement next, and that is checked.
		i.skipped(&v)
		return ctx, nil, driver.ErrSkip
	}
	if v.state != stateClean {
		i.post(ctx, query, &v, err)
	}
	return ctx, rows, err
}

// ConnExecContext checks query, then runs it.
func (i *interceptor) ConnExecContext(ctx context.Context, conn driver.ExecerContext, query string, args []driver.NamedValue) (driver.Result, error) {
	v, err := i.pre(ctx, opExec, query)
	if err != nil {
		return nil, err
	}
	if !canExec(conn) {
		// sqlmw's adapter would panic on a conn with neither Execer nor
		// ExecerContext; database/sql answers ErrSkip with prepare + exec,
		// as it does for such a conn without the wrapper.
		i.skipped(&v)
		return nil, driver.ErrSkip
	}
	res, err := execContext(ctx, conn, query, args)
	if err == driver.ErrSkip {
		i.skipped(&v)
		return nil, driver.ErrSkip
	}
	if v.state != stateClean {
		i.post(ctx, query, &v, err)
	}
	return res, err
}

// ConnPrepareContext checks query with the preparing context: a statement
// is checked once, when prepared, and its executions are not checked again
// (bound arguments cannot change its syntax).
func (i *interceptor) ConnPrepareContext(ctx context.Context, conn driver.ConnPrepareContext, query string) (context.Context, driver.Stmt, error) {
	v, err := i.pre(ctx, opPrepare, query)
	if err != nil {
		return ctx, nil, err
	}
	st, err := conn.PrepareContext(ctx, query)
	if v.state != stateClean {
		i.post(ctx, query, &v, err)
	}
	return ctx, st, err
}

// ConnBeginTx refuses transaction options the wrapped conn cannot honour,
// as database/sql does without the wrapper, instead of sqlmw's fallback to
// Begin, which drops them.
func (i *interceptor) ConnBeginTx(ctx context.Context, conn driver.ConnBeginTx, opts driver.TxOptions) (context.Context, driver.Tx, error) {
	if opts.Isolation != 0 || opts.ReadOnly {
		if p, ok := parentConn(conn); ok && !implementsBeginTx(p) {
			if opts.Isolation != 0 {
				return ctx, nil, errIsolation
			}
			return ctx, nil, errReadOnly
		}
	}
	tx, err := conn.BeginTx(ctx, opts)
	return ctx, tx, err
}

// callKey names one application call across database/sql's attempts: the
// request's inputs (the slice the context carries, one per request) and
// the statement.
type callKey struct {
	inputs *taint.Input
	query  string
}

// callMemo is what the first attempt of a call decided.
type callMemo struct {
	op       string
	mode     rasp.Mode
	reported bool // the finding was reported: later attempts report nothing
	attempt  int  // see verdict.attempt
}

// maxCalls bounds the memo table. An entry lives from the attempt that
// left it (ErrSkip, ErrBadConn) to the next attempt, which database/sql
// makes at once; entries of calls that had no next attempt are cleared
// when the table is full.
const maxCalls = 1024

// calls is the memo table of the attempts in flight. It is only written
// after a finding and an ErrSkip or ErrBadConn, so the common path reads
// one atomic counter.
type calls struct {
	n  atomic.Int64
	mu sync.Mutex
	m  map[callKey]callMemo
}

func (c *calls) put(k callKey, m callMemo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCalls {
		c.m = make(map[callKey]callMemo)
	}
	c.m[k] = m
	c.n.Store(int64(len(c.m)))
}

func (c *calls) take(k callKey) (callMemo, bool) {
	if c.n.Load() == 0 {
		return callMemo{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.m[k]
	if ok {
		delete(c.m, k)
		c.n.Store(int64(len(c.m)))
	}
	return m, ok
}
