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
