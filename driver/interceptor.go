package driver

import (
	"context"
	"database/sql/driver"
	"errors"

	"github.com/gorasp/rasp"
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
}

var _ sqlmw.Interceptor = (*interceptor)(nil)

// Verdict states.
const (
	stateClean   = iota // nothing to report
	stateBlind          // no request inputs: a blind spot
	stateFinding        // injection, to report after the call ran (monitor)
	stateFault          // incomplete check, to report after the call ran
)

// verdict is what [interceptor.pre] leaves to report once the wrapped call
// returned. Reporting waits for the call because database/sql answers a
// driver.ErrSkip from Exec or Query by preparing the same statement, and the
// prepare is checked again: reporting the first check too would count every
// such call twice (go-sql-driver/mysql skips every call with arguments
// unless interpolateParams is set).
type verdict struct {
	a     *rasp.Agent
	state int
	res   sqlguard.Result
}

func (i *interceptor) agentFor(ctx context.Context) *rasp.Agent {
	if a, ok := rasp.ContextAgent(ctx); ok {
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
	a := i.agentFor(ctx)
	mode := a.ModeFor(rasp.SinkSQL)
	if mode == rasp.ModeOff {
		return verdict{}, nil
	}
	defer a.Recover(ctx, rasp.SinkSQL, op, &err)
	inputs := taint.FromContext(ctx)
	if inputs == nil {
		return verdict{a: a, state: stateBlind}, nil
	}
	sp := a.Begin(rasp.SinkSQL)
	r := i.check(ctx, query, inputs)
	sp.End()
	switch {
	case !r.Occurs && !r.Injection && !r.Incomplete:
		i.memory.Remember(query)
		return verdict{}, nil
	case (r.Injection || r.Incomplete) && i.memory.Known(query):
		// The application ran this exact text before with inputs
		// present and none in it: its own statement, which the
		// current inputs only coincide with.
		return verdict{}, nil
	case r.Injection:
		v = verdict{a: a, state: stateFinding, res: r}
	case r.Incomplete:
		v = verdict{a: a, state: stateFault, res: r}
	default:
		return verdict{}, nil
	}
	if mode == rasp.ModeProtect {
		return verdict{}, i.report(ctx, op, query, &v)
	}
	return v, nil
}

// check runs sqlguard on query. Many inputs or a long statement share the
// request's one-pass [taint.Matcher] with every other check of the request.
func (i *interceptor) check(ctx context.Context, query string, inputs []taint.Input) sqlguard.Result {
	if i.analyze != nil {
		return i.analyze(i.dialect, query, inputs)
	}
	if len(inputs) > 16 || len(query) > 4<<10 {
		return sqlguard.AnalyzeMatcher(i.dialect, query, taint.MatcherFromContext(ctx))
	}
	return sqlguard.Analyze(i.dialect, query, inputs)
}

// post reports what pre left once the wrapped driver ran the call. The
// agent's answer is not returned: the call has run, and a mode switched to
// protect meanwhile takes effect on the next call.
func (i *interceptor) post(ctx context.Context, op, query string, v *verdict) {
	switch v.state {
	case stateClean:
	case stateBlind:
		// Skip post and the Conn* method; the agent skips database/sql,
		// sqlmw and rasp frames to find the application's call site.
		v.a.BlindSpot(rasp.SinkSQL, op, 2)
	default:
		_ = i.report(ctx, op, query, v)
	}
}

func (i *interceptor) report(ctx context.Context, op, query string, v *verdict) (err error) {
	a := v.a
	defer a.Recover(ctx, rasp.SinkSQL, op, &err)
	f := v.res.Finding
	if f.Target == "" {
		f.Target = query
		if f.Start == 0 && f.End == 0 {
			f.Start, f.End = -1, -1
		}
	}
	details := make([]rasp.Detail, 0, 4)
	details = append(details,
		rasp.Detail{Key: "driver", Value: i.driverName},
		rasp.Detail{Key: "dialect", Value: i.dialectName})
	if v.state == stateFault {
		return a.FaultWith(ctx, rasp.SinkSQL, op, f, errIncomplete, details...)
	}
	if f.Start >= 0 && f.Start <= f.End && f.End <= len(f.Target) {
		kind, clause := sqlguard.Classify(i.dialect, f.Target, f.Start, f.End)
		if kind != "" {
			details = append(details, rasp.Detail{Key: "statement_kind", Value: kind})
		}
		if clause != "" {
			details = append(details, rasp.Detail{Key: "clause", Value: clause})
		}
	}
	return a.DecideWith(ctx, rasp.SinkSQL, op, f, details...)
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
		return ctx, nil, driver.ErrSkip
	}
	if v.state != stateClean {
		i.post(ctx, opQuery, query, &v)
	}
	return ctx, rows, err
}

// ConnExecContext checks query, then runs it.
func (i *interceptor) ConnExecContext(ctx context.Context, conn driver.ExecerContext, query string, args []driver.NamedValue) (driver.Result, error) {
	if !canExec(conn) {
		// sqlmw's adapter would panic on a conn with neither Execer nor
		// ExecerContext; database/sql answers ErrSkip with prepare + exec,
		// as it does for such a conn without the wrapper.
		return nil, driver.ErrSkip
	}
	v, err := i.pre(ctx, opExec, query)
	if err != nil {
		return nil, err
	}
	res, err := execContext(ctx, conn, query, args)
	if err == driver.ErrSkip {
		return nil, driver.ErrSkip
	}
	if v.state != stateClean {
		i.post(ctx, opExec, query, &v)
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
		i.post(ctx, opPrepare, query, &v)
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
