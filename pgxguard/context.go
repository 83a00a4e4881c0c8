package pgxguard

import (
	"context"
	"time"
)

// callKey marks the context a trace hook returns once the call's statements
// were decided. pgx passes that context on to the Prepare it runs itself
// for the same call (a statement-cache miss, QueryExecModeDescribeExec, the
// column lookup of CopyFrom), and TracePrepareStart finds the mark and does
// not decide a second time.
type callKey struct{}

// decided is the value stored under callKey.
var decided = new(int)

// isDecided reports whether ctx is a context returned by a trace hook of
// this package, so the statement was already decided for this call.
func isDecided(ctx context.Context) bool {
	return ctx.Value(callKey{}) == decided
}

func markDecided(ctx context.Context) context.Context {
	return context.WithValue(ctx, callKey{}, decided)
}

// closedChan is the Done channel of every blocked context.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// blockedCtx is the context a trace hook returns to refuse a call: its Done
// channel is closed and its Err is the *rasp.BlockedError. pgconn looks at
// the context before it writes anything (Exec, ExecParams, ExecPrepared,
// ExecBatch, Prepare, StartPipeline, CopyFrom in pgconn/pgconn.go: a select
// on ctx.Done() right after taking the connection's lock) and returns
// &errTimeout{&contextAlreadyDoneError{ctx.Err()}} when it is done, having
// sent nothing and released the lock; both wrappers Unwrap, so errors.Is
// finds rasp.ErrBlocked. The connection stays idle and usable. The
// context.Context contract says Err is Canceled or DeadlineExceeded; this
// context breaks it on purpose, and only pgx's own code ever sees it.
// context.WithCancelCause would keep the contract but its Err is
// context.Canceled, which does not match rasp.ErrBlocked.
type blockedCtx struct {
	parent   context.Context
	rctx     context.Context // the request's context the call was decided with
	err      error
	prepared string // the name of a refused Prepare, for TracePrepareEnd
}

// blockedKey finds the blockedCtx under contexts that tracers composed
// after this one derived from it.
type blockedKey struct{}

// blockedOf returns the blocked context ctx derives from, or nil.
func blockedOf(ctx context.Context) *blockedCtx {
	b, _ := ctx.Value(blockedKey{}).(*blockedCtx)
	return b
}

func (c *blockedCtx) Deadline() (time.Time, bool) { return c.parent.Deadline() }
func (c *blockedCtx) Done() <-chan struct{}       { return closedChan }
func (c *blockedCtx) Err() error                  { return c.err }
func (c *blockedCtx) String() string              { return "pgxguard.blocked" }

func (c *blockedCtx) Value(key any) any {
	switch key {
	case callKey{}:
		return decided
	case blockedKey{}:
		return c
	}
	return c.parent.Value(key)
}
