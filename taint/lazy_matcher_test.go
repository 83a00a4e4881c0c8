package taint

import (
	"context"
	"testing"
)

type sliceLoader []Input

func (l sliceLoader) Inputs() []Input { return l }

// TestMatcherOfLazyContext: the matcher of a context whose inputs are
// collected on demand searches those inputs (a nil or empty matcher there
// would make every check of the request look clean).
func TestMatcherOfLazyContext(t *testing.T) {
	in := sliceLoader{{Source: SourceQuery, Key: "q", Value: "x' OR '1'='1"}, {Source: SourceHeader, Key: "Accept", Value: "*/*"}}
	ctx := NewLazyContext(context.Background(), in)
	m := MatcherFromContext(ctx)
	if m == nil || len(m.Inputs()) != len(in) {
		t.Fatalf("matcher of a lazy context = %v", m)
	}
	found := 0
	m.Find("SELECT 1 WHERE a = 'x' OR '1'='1'", func(Occurrence) bool { found++; return true })
	if found == 0 {
		t.Fatal("the lazy context's matcher finds no occurrence of its input")
	}
	if MatcherFromContext(ctx) != m {
		t.Fatal("a second lookup built another matcher")
	}
}
