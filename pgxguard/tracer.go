package pgxguard

import (
	"context"
	"errors"
	"strings"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/guard"
	"github.com/gorasp/rasp/sqlguard"
	"github.com/gorasp/rasp/taint"
	"github.com/jackc/pgx/v5"
)

// Operations named in events.
const (
	opQuery   = "query"
	opExec    = "exec"
	opBatch   = "batch"
	opPrepare = "prepare"
	opCopy    = "copy"
)

// driverName is the "driver" detail of every event.
const driverName = "pgx"

// errIncomplete is the fault reported when sqlguard reached a work limit
// before it finished a statement that request input occurs in.
var errIncomplete = errors.New("sqlguard: work limit reached before the statement was fully checked")

// Tracer checks every statement pgx sends for SQL injection by request
// input; see the package documentation. It implements [pgx.QueryTracer],
// [pgx.BatchTracer], [pgx.PrepareTracer] and [pgx.CopyFromTracer]. A
// Tracer is safe for concurrent use by any number of connections and
// pools (see the package documentation's Concurrency section).
type Tracer struct {
	agent *rasp.Agent // WithAgent; nil for the context's or the default agent
}

var (
	_ pgx.QueryTracer    = (*Tracer)(nil)
	_ pgx.BatchTracer    = (*Tracer)(nil)
	_ pgx.PrepareTracer  = (*Tracer)(nil)
	_ pgx.CopyFromTracer = (*Tracer)(nil)
)

// NewTracer returns a tracer to set as the Tracer of a [pgx.ConnConfig]
// (ConnConfig.Tracer of a pgxpool.Config):
//
//	cfg.ConnConfig.Tracer = pgxguard.NewTracer()
//
// To keep another tracer, compose them with
// github.com/jackc/pgx/v5/multitracer; see the package documentation.
func NewTracer(opts ...Option) *Tracer {
	c := newConfig(opts...)
	return &Tracer{agent: c.agent}
}

// TraceQueryStart checks the statement of Query, QueryRow and Exec. A
// refused statement gets a context that is already done, so pgx returns
// an error matching [rasp.ErrBlocked] without sending it.
//
// A call it lets run is recorded on its connection until TraceQueryEnd,
// for TracePrepareStart to know the Prepare pgx runs within it: the
// context is returned as it came, so that the common call allocates
// nothing. A call whose arguments begin with a [pgx.QueryRewriter] (its
// Prepare has the rewritten text) or that is made without a connection
// gets a context marked as decided instead.
func (t *Tracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	rctx := requestContext(ctx)
	a := t.agentFor(rctx)
	if a.ModeFor(rasp.SinkSQL) == rasp.ModeOff {
		return ctx
	}
	st := stateOf(conn)
	if b, ok := refusedRun(ctx, rctx, st, data.SQL, nil); ok {
		return b
	}
	if err := t.decide(rctx, a, opQuery, data.SQL, nil, nil); err != nil {
		return &blockedCtx{parent: ctx, rctx: rctx, err: err}
	}
	if st == nil {
		st = newState(conn)
	}
	if st == nil || rewrites(data.Args) {
		return markDecided(ctx)
	}
	st.call, st.sql, st.request = true, data.SQL, inputsID(ctx)
	return ctx
}

// TraceQueryEnd ends the call TraceQueryStart recorded on conn:
// statements are decided before they run.
func (t *Tracer) TraceQueryEnd(_ context.Context, conn *pgx.Conn, _ pgx.TraceQueryEndData) {
	if st := stateOf(conn); st != nil {
		st.endCall()
	}
}

// TracePrepareStart checks the statement of Prepare. The executions of a
// prepared statement by name are not checked again: its text was decided
// here, and bound arguments cannot change its syntax. A Prepare that pgx
// runs itself within Query, Exec or CopyFrom (a statement-cache miss) is
// not decided twice.
func (t *Tracer) TracePrepareStart(ctx context.Context, conn *pgx.Conn, data pgx.TracePrepareStartData) context.Context {
	if isDecided(ctx) || withinCall(ctx, stateOf(conn), data.SQL) {
		return ctx
	}
	ctx = t.start(ctx, nil, opPrepare, data.SQL, nil)
	if b, ok := ctx.(*blockedCtx); ok {
		b.prepared = data.Name
	}
	return ctx
}

// TracePrepareEnd keeps a refusal that pgx could not honour: a Prepare of
// a name already prepared on the connection with the same text returns
// the cached statement before pgx looks at the context. The connection
// then refuses the executions of that name in the same request.
func (t *Tracer) TracePrepareEnd(ctx context.Context, conn *pgx.Conn, data pgx.TracePrepareEndData) {
	b := blockedOf(ctx)
	if !data.AlreadyPrepared || b == nil || b.prepared == "" || conn == nil {
		return
	}
	in := requestInputs(b.rctx)
	if len(in) == 0 {
		return
	}
	st := stateOf(conn)
	if st == nil {
		st = newState(conn)
	}
	if st != nil {
		st.refused = &refusal{name: b.prepared, request: &in[0], err: b.err}
	}
}

// refusal is a Prepare refused for one request whose name stayed
// prepared. request is the first input of that request, its identity:
// taint.FromContext hands every context of a request the same slice.
type refusal struct {
	name    string
	request *taint.Input
	err     error
}

// refusedRun returns a blocked context when the call executes the name of
// a Prepare refused for the same request on the connection of st (see
// TracePrepareEnd). A call of another request forgets the refusal.
func refusedRun(ctx, rctx context.Context, st *connState, sql string, batch []*pgx.QueuedQuery) (context.Context, bool) {
	if st == nil || st.refused == nil {
		return nil, false
	}
	r := st.refused
	if in := requestInputs(rctx); len(in) == 0 || &in[0] != r.request {
		st.refused = nil
		return nil, false
	}
	hit := sql == r.name
	for _, q := range batch {
		hit = hit || (q != nil && q.SQL == r.name)
	}
	if !hit {
		return nil, false
	}
	return &blockedCtx{parent: ctx, rctx: rctx, err: r.err}, true
}

// TraceBatchStart checks every queued statement of SendBatch, before any
// is sent: a batch with one refused statement is refused whole, and its
// results report the error for every statement.
func (t *Tracer) TraceBatchStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	if data.Batch == nil {
		return ctx
	}
	return t.start(ctx, conn, opBatch, "", data.Batch.QueuedQueries)
}

// TraceBatchQuery does nothing: pgx calls it after the statement ran.
func (t *Tracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

// TraceBatchEnd does nothing.
func (t *Tracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// TraceCopyFromStart checks the COPY statement CopyFrom sends, built from
// the table and column names as pgx builds it. pgx quotes every name, so
// request input in a name stays inside one identifier; the fixed text pgx
// writes around the names is not the application's, and an input that
// merely coincides with it (`y "` against `copy "`) is no finding. Only a
// finding within a name is reported.
func (t *Tracer) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceCopyFromStartData) context.Context {
	rctx := requestContext(ctx)
	a := t.agentFor(rctx)
	if a.ModeFor(rasp.SinkSQL) == rasp.ModeOff {
		return ctx
	}
	sql, names := copyStatement(data.TableName, data.ColumnNames)
	return t.decideCall(ctx, rctx, a, opCopy, sql, nil, names)
}

// TraceCopyFromEnd does nothing.
func (t *Tracer) TraceCopyFromEnd(context.Context, *pgx.Conn, pgx.TraceCopyFromEndData) {}

// span is a byte range [start, end) of a statement.
type span struct{ start, end int }

// copyStatement is the statement pgx's CopyFrom sends (copy_from.go), the
// names quoted with [pgx.Identifier.Sanitize], and the spans of the names
// in it, quotes included: one per part of the table name and per column.
func copyStatement(table pgx.Identifier, columns []string) (string, []span) {
	var b strings.Builder
	names := make([]span, 0, len(table)+len(columns))
	// One span per part: a qualified table name is several identifiers,
	// and the dot between them is pgx's text.
	name := func(part string) {
		start := b.Len()
		b.WriteString(pgx.Identifier{part}.Sanitize())
		names = append(names, span{start, b.Len()})
	}
	b.WriteString("copy ")
	for i, part := range table {
		if i > 0 {
			b.WriteByte('.')
		}
		name(part)
	}
	b.WriteString(" ( ")
	for i, c := range columns {
		if i > 0 {
			b.WriteString(", ")
		}
		name(c)
	}
	b.WriteString(" ) from stdin binary;")
	return b.String(), names
}

// requestInputs returns the untrusted inputs of the request a call belongs
// to, or nil when it carries none. It is the one place the tracer looks
// them up.
func requestInputs(ctx context.Context) []taint.Input {
	return taint.FromContext(ctx)
}

func (t *Tracer) agentFor(ctx context.Context) *rasp.Agent {
	if a, ok := guard.ContextAgent(ctx); ok {
		return a
	}
	if t.agent != nil {
		return t.agent
	}
	return rasp.Default()
}

// start decides one call: the statement sql, or every statement of batch
// when it is not nil. conn, when not nil, is the connection the call
// executes on (a statement can run there by the name of a refused
// Prepare).
func (t *Tracer) start(ctx context.Context, conn *pgx.Conn, op, sql string, batch []*pgx.QueuedQuery) context.Context {
	rctx := requestContext(ctx)
	a := t.agentFor(rctx)
	if a.ModeFor(rasp.SinkSQL) == rasp.ModeOff {
		return ctx
	}
	if b, ok := refusedRun(ctx, rctx, stateOf(conn), sql, batch); ok {
		return b
	}
	return t.decideCall(ctx, rctx, a, op, sql, batch, nil)
}

// requestContext is the context the tracer checks with: ctx when it
// carries the request's inputs, else the request bound to the calling
// goroutine (a handler that calls pgx with context.Background()), see
// [rasp.RequestContext]. pgx keeps ctx for the call itself.
func requestContext(ctx context.Context) context.Context {
	return rasp.RequestContext(ctx, rasp.SinkSQL)
}

// decideCall returns a blocked context to refuse the call, else ctx
// marked as decided. rctx is the request's context (see requestContext).
func (t *Tracer) decideCall(ctx, rctx context.Context, a *rasp.Agent, op, sql string, batch []*pgx.QueuedQuery, within []span) context.Context {
	if err := t.decide(rctx, a, op, sql, batch, within); err != nil {
		return &blockedCtx{parent: ctx, rctx: rctx, err: err}
	}
	return markDecided(ctx)
}

// decide checks the call's statements. A finding outside every span of
// within is dropped when within is not nil (see TraceCopyFromStart).
func (t *Tracer) decide(ctx context.Context, a *rasp.Agent, op, sql string, batch []*pgx.QueuedQuery, within []span) (err error) {
	defer guard.Recover(ctx, a, rasp.SinkSQL, op, &err)
	inputs := requestInputs(ctx)
	if inputs == nil {
		blindSpot(a, op)
		return nil
	}
	sp := guard.Begin(a, rasp.SinkSQL)
	var res sqlguard.Result
	target := sql
	if batch == nil {
		res = analyze(sql, inputs)
	} else {
		for _, q := range batch {
			if q == nil {
				continue
			}
			r := analyze(q.SQL, inputs)
			if r.Injection || (r.Incomplete && !res.Incomplete) {
				res, target = r, q.SQL
			}
			if r.Injection {
				break
			}
		}
	}
	sp.End()
	if res.Injection && within != nil && !inside(res.Finding, within) {
		res = sqlguard.Result{}
	}
	if !res.Injection && !res.Incomplete {
		// Clean, as far as the request was inspected: a request the
		// middleware could inspect only in part is refused in protect
		// mode (see rasp.WithPartialClosed), unless pgx issued the
		// statement itself. Nearly every request is inspected in full,
		// and then the stack is not looked at.
		if !guard.PartialInspection(ctx) || isInternal() {
			return nil
		}
		return guard.Partial(ctx, a, rasp.SinkSQL, op)
	}
	c := callerOf()
	if c.internal {
		// pgx's own statement (BEGIN with the TxOptions, COMMIT, a
		// savepoint, a large-object call): its text is pgx's, and refusing
		// BEGIN or ROLLBACK would make pgx close the connection.
		return nil
	}
	if op == opQuery && c.method == "Exec" {
		op = opExec
	}
	return report(ctx, a, op, target, res)
}

// inside reports whether the span of f lies within one of spans. A
// finding that does not occur verbatim (Start < 0) cannot be placed, and
// counts as inside.
func inside(f rasp.Finding, spans []span) bool {
	if f.Start < 0 {
		return true
	}
	for _, s := range spans {
		if s.start <= f.Start && f.End <= s.end {
			return true
		}
	}
	return false
}

// blindSpot counts a call without request inputs at the application's
// call site, unless pgx issued the statement itself.
func blindSpot(a *rasp.Agent, op string) {
	c := callerOf()
	if c.internal {
		return
	}
	if op == opQuery && c.method == "Exec" {
		op = opExec
	}
	guard.BlindSpot(a, rasp.SinkSQL, op, c.site)
}

func report(ctx context.Context, a *rasp.Agent, op, target string, res sqlguard.Result) (err error) {
	defer guard.Recover(ctx, a, rasp.SinkSQL, op, &err)
	f := res.Finding
	if f.Target == "" {
		f.Target = target
		if f.Start == 0 && f.End == 0 {
			f.Start, f.End = -1, -1
		}
	}
	details := make([]rasp.Detail, 0, 4)
	details = append(details,
		rasp.Detail{Key: "driver", Value: driverName},
		rasp.Detail{Key: "dialect", Value: "postgres"})
	if !res.Injection {
		return guard.FaultWith(ctx, a, rasp.SinkSQL, op, f, errIncomplete, details...)
	}
	if f.Start >= 0 && f.Start <= f.End && f.End <= len(f.Target) {
		kind, clause := sqlguard.Classify(sqlguard.DialectPostgres, f.Target, f.Start, f.End)
		if kind != "" {
			details = append(details, rasp.Detail{Key: "statement_kind", Value: kind})
		}
		if clause != "" {
			details = append(details, rasp.Detail{Key: "clause", Value: clause})
			f.Reason += " in " + strings.ToUpper(clause) // "input closes a string literal and adds OR in WHERE"
		}
	}
	return guard.DecideWith(ctx, a, rasp.SinkSQL, op, f, details...)
}
