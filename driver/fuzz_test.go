package driver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/sqlguard"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

// FuzzDriverExec runs arbitrary statements with an arbitrary input through
// the wrapped fake driver in protect mode, with the real sqlguard: no panic
// escapes, a statement reaches the driver exactly when it is not blocked,
// and the wrapper blocks exactly what sqlguard flags.
func FuzzDriverExec(f *testing.F) {
	f.Add(attackStmt, attackInput)
	f.Add("SELECT a FROM t WHERE name = 'alice'", "alice")
	f.Add("DELETE FROM users WHERE name = 'bob'; DROP TABLE users; --'", "bob'; DROP TABLE users; --")
	f.Add("SELECT id FROM users ORDER BY (SELECT 1)", "(SELECT 1)")
	f.Add("SELECT ?", "x' OR '1'='1")
	f.Add("", "")
	f.Add("SELECT '\x00\xff'", "\xff")

	log := &fakeLog{}
	name := fmt.Sprintf("rasp-fuzz-%d", driverSeq.Add(1))
	Register(name, &fakeDriver{kind: ctxConnKind, log: log}, WithDialect(sqlguard.DialectSQLite))
	db, err := sql.Open(name, "")
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))

	f.Fuzz(func(t *testing.T, q, input string) {
		ctx := taint.NewContext(rasp.NewContext(context.Background(), a), taint.Input{Source: taint.SourceQuery, Key: "q", Value: input})
		log.mu.Lock()
		log.stmts = log.stmts[:0]
		log.mu.Unlock()
		_, err := db.ExecContext(ctx, q)
		blocked := errors.Is(err, rasp.ErrBlocked)
		if err != nil && !blocked {
			t.Fatalf("unexpected error %v", err)
		}
		if log.reached(q) == blocked {
			t.Fatalf("blocked = %v but reached = %v", blocked, !blocked)
		}
		r := sqlguard.Analyze(sqlguard.DialectSQLite, q, []taint.Input{{Source: taint.SourceQuery, Key: "q", Value: input}})
		if r.Injection != blocked {
			t.Fatalf("blocked = %v, sqlguard injection = %v", blocked, r.Injection)
		}
	})
}
