package driver

import (
	"context"
	"database/sql"
	"database/sql/driver"
)

// Exports for the external tests (package driver_test), whose frames count
// as application code when a blind spot's call site is resolved.

type CallPath = callPath

var (
	CallPaths     = callPaths
	AttackStmt    = attackStmt
	QuoteAnalyzer = quoteAnalyzer
	WithAnalyzer  = withAnalyzer
	ConnKinds     = connKinds
	BenchCtx      = preCtx
)

const AttackInput = attackInput

type ConnKind = connKind

// NewFakeDriver returns a fake driver whose conns offer the interfaces of
// kind, and a function reporting whether a statement reached it.
func NewFakeDriver(kind ConnKind) (driver.Driver, func(string) bool) {
	l := &fakeLog{}
	return &fakeDriver{kind: kind, log: l}, l.reached
}

func (p CallPath) Name() string { return p.name }

func (p CallPath) Run(ctx context.Context, db *sql.DB, q string, args ...any) error {
	return p.run(ctx, db, q, args...)
}
