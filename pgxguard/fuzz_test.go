package pgxguard_test

import (
	"context"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/pgxguard"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
)

// FuzzCopyFromNames checks that a table or column name chosen by the
// request never makes CopyFrom a finding: pgx quotes every name, so the
// name stays one identifier whatever it holds.
func FuzzCopyFromNames(f *testing.F) {
	for _, s := range []string{"items", `a"`, `x" ( "id`, "t; DROP TABLE t; --", `""`, "\x00\"", "'", "$$", "a b"} {
		f.Add(s, "id")
		f.Add("items", s)
	}
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	tr := pgxguard.NewTracer()
	f.Fuzz(func(t *testing.T, table, column string) {
		for _, name := range []string{table, column} {
			ctx := request(a, name)
			ctx = tr.TraceCopyFromStart(ctx, nil, pgx.TraceCopyFromStartData{
				TableName: pgx.Identifier{"public", table}, ColumnNames: []string{"id", column},
			})
			if err := ctx.Err(); err != nil && err != context.Canceled {
				t.Fatalf("CopyFrom into %q (%q) refused for input %q: %v", table, column, name, err)
			}
		}
	})
}
