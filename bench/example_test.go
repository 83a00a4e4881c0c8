package bench_test

import (
	"os"

	"github.com/gorasp/rasp/bench"
)

// ExampleTargetTable prints the target table of a comparison summary: the
// syntax-labelled SQL cases of one dialect, where rasp caught one more
// attack than libddwaf and neither flagged a benign case.
func ExampleTargetTable() {
	groups := []bench.Group{{
		Sink: bench.SinkSQL, Bucket: "sqlite", Label: bench.LabelSyntax,
		Pos: 3, Neg: 2, OursTP: 3, PeerTP: 2, Agree: 4,
	}}
	bench.TargetTable(os.Stdout, bench.Targets(groups))
	// Output:
	// | target | met | measured |
	// |---|:---:|---|
	// | detection ≥ libddwaf, sql/sqlite | yes | 100.0% vs 66.7% of 3 |
	// | false positives ≤ libddwaf, sql/sqlite | yes | 0 vs 0 of 2 |
}
