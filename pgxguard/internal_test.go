package pgxguard

import (
	"context"
	"errors"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
)

func TestCopyStatementIsPgxs(t *testing.T) {
	sql, names := copyStatement(pgx.Identifier{"public", `it"ems`}, []string{"id", "na\x00me"})
	want := `copy "public"."it""ems" ( "id", "name" ) from stdin binary;`
	if whole := "copy " + (pgx.Identifier{"public", `it"ems`}).Sanitize() + ` ( "id", "name" ) from stdin binary;`; sql != want || whole != want {
		t.Fatalf("copyStatement = %q, want %q", sql, want)
	}
	var got []string
	for _, s := range names {
		got = append(got, sql[s.start:s.end])
	}
	if len(got) != 4 || got[0] != `"public"` || got[1] != `"it""ems"` || got[2] != `"id"` || got[3] != `"name"` {
		t.Fatalf("name spans %q", got)
	}
}

// The span filter of CopyFrom keeps a finding within a name and drops
// one outside every name.
func TestFindingWithinSpans(t *testing.T) {
	a := rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
	v := "x' OR '1'='1"
	sql := "SELECT id FROM t WHERE a = '" + v + "'"
	ctx := taint.NewContext(rasp.NewContext(context.Background(), a), taint.Input{Source: taint.SourceQuery, Key: "q", Value: v})
	tr := NewTracer()
	if err := tr.decide(ctx, a, opCopy, sql, nil, []span{{0, len(sql)}}); !errors.Is(err, rasp.ErrBlocked) {
		t.Fatalf("finding within the span: err = %v, want blocked", err)
	}
	if err := tr.decide(ctx, a, opCopy, sql, nil, []span{{0, 6}}); err != nil {
		t.Fatalf("finding outside every span: err = %v, want none", err)
	}
}
