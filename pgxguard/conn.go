package pgxguard

import (
	"context"

	"github.com/gorasp/rasp/taint"
	"github.com/jackc/pgx/v5"
)

// connKey is the pgconn.PgConn.CustomData key of the tracer's record of a
// connection, a *connState. A connection is used by one goroutine at a
// time, and the hooks run in it: no lock is needed.
const connKey = "github.com/gorasp/rasp/pgxguard"

// connState is what the tracer keeps on one connection, from the first
// call it decides there.
type connState struct {
	// refused is a Prepare refused for a request that pgx answered from
	// its cache (see TracePrepareEnd), nil when there is none.
	refused *refusal

	// call is set from the TraceQueryStart of a call that was let run to
	// its TraceQueryEnd, or to the first Prepare of its statement sql with
	// the same inputs (request, see inputsID) within it: the Prepare pgx
	// runs for the call itself (a statement-cache miss), which is not
	// decided again.
	call    bool
	sql     string
	request *taint.Input
}

// stateOf returns the record of conn, nil when there is none (or no conn).
func stateOf(conn *pgx.Conn) *connState {
	if conn == nil {
		return nil
	}
	st, _ := conn.PgConn().CustomData()[connKey].(*connState)
	return st
}

// newState returns a new record of conn, nil when conn cannot keep one.
func newState(conn *pgx.Conn) *connState {
	if conn == nil {
		return nil
	}
	cd := conn.PgConn().CustomData()
	if cd == nil {
		return nil
	}
	st := new(connState)
	cd[connKey] = st
	return st
}

// endCall forgets the call in progress, and with it the request's inputs.
func (st *connState) endCall() {
	st.call, st.sql, st.request = false, "", nil
}

// withinCall reports whether a Prepare of sql with ctx is the one pgx runs
// within the call in progress on the connection of st, which was decided:
// the same statement, with the same inputs. It ends the call's record.
func withinCall(ctx context.Context, st *connState, sql string) bool {
	if st == nil || !st.call || st.sql != sql || st.request != inputsID(ctx) {
		return false
	}
	st.endCall()
	return true
}

// inputsID identifies the inputs ctx itself carries (not those of a
// request bound to the goroutine): the first of them, nil when it carries
// none. taint.FromContext hands every context of a request the same slice
// for as long as its inputs do not grow.
func inputsID(ctx context.Context) *taint.Input {
	if in := taint.FromContext(ctx); len(in) > 0 {
		return &in[0]
	}
	return nil
}

// rewrites reports whether the arguments of a call begin with a
// pgx.QueryRewriter, after the other options pgx takes there: pgx then
// prepares the rewritten statement, not the one the hook saw.
func rewrites(args []any) bool {
	for _, a := range args {
		switch a.(type) {
		case pgx.QueryRewriter:
			return true
		case pgx.QueryExecMode, pgx.QueryResultFormats, pgx.QueryResultFormatsByOID:
			continue
		}
		return false
	}
	return false
}
