package taint_test

import (
	"context"
	"fmt"

	"github.com/gorasp/rasp/taint"
)

func ExampleFromContext() {
	ctx := taint.NewContext(context.Background(),
		taint.Input{Source: taint.SourceQuery, Key: "id", Value: "7 OR 1=1"},
		taint.Input{Source: taint.SourcePath, Value: "reports"},
	)
	for _, in := range taint.FromContext(ctx) {
		fmt.Printf("%s %q %q\n", in.Source, in.Key, in.Value)
	}
	fmt.Println(taint.FromContext(context.Background()) == nil)
	// Output:
	// query "id" "7 OR 1=1"
	// path "" "reports"
	// true
}

func ExampleMatcher() {
	ctx := taint.NewContext(context.Background(),
		taint.Input{Source: taint.SourceQuery, Key: "tag", Value: "go"},
		taint.Input{Source: taint.SourceQuery, Key: "q", Value: " FROM "},
	)
	m := taint.MatcherFromContext(ctx) // one per request, built on first use
	m.Find("SELECT id FROM posts WHERE tag = 'go'", func(o taint.Occurrence) bool {
		fmt.Printf("%s [%d,%d) trimmed=%v\n", m.Inputs()[o.Input].Key, o.Start, o.End, o.Trimmed)
		return true
	})
	// Output:
	// q [10,14) trimmed=true
	// q [9,15) trimmed=false
	// tag [34,36) trimmed=false
}
