package raspvet

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"
)

// rulePackages hold one rule each (see their names), with negatives. Every
// file with a suggested fix has a .golden file holding the fixed source.
var rulePackages = []string{
	"execpkg",
	"fspkg",
	"noctx",
	"background",
	"sqlopen",
	"sqlopen/cmd",
	"sqlbuild",
	"frameworks",
	"pgxpkg",
	"gormopen",
	"unseen",
	"unseen/store",
	"ignore",
	// The guard packages call the raw functions by design.
	"github.com/gorasp/rasp/fsguard",
	"github.com/gorasp/rasp/execguard",
	"github.com/gorasp/rasp/driver",
}

// TestRules checks each rule's diagnostics, its negatives, and the output of
// its suggested fixes. The packages are loaded together: loading type-checks
// net/http from source, which dominates the test's time.
func TestRules(t *testing.T) {
	t.Parallel()
	analysistest.RunWithSuggestedFixes(t, analysistest.TestData(), Analyzer, rulePackages...)
}

// TestEverything checks that -everything reports the sink calls no handler
// reaches, in their own class, and only those with a non-constant target.
func TestEverything(t *testing.T) {
	t.Parallel()
	a := newAnalyzer()
	if err := a.Flags.Set("everything", "true"); err != nil {
		t.Fatal(err)
	}
	analysistest.Run(t, analysistest.TestData(), a, "everything")
}
