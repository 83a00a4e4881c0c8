package raspvet_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gorasp/rasp/cmd/raspvet/internal/raspvet"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/packages"
)

// ExampleAnalyzer runs the analyzer on testdata/src/example and prints its
// findings and their fixes.
func ExampleAnalyzer() {
	dir, err := filepath.Abs("testdata")
	if err != nil {
		log.Fatal(err)
	}
	cfg := &packages.Config{
		Mode: packages.LoadAllSyntax,
		Dir:  dir,
		Env:  append(os.Environ(), "GOPATH="+dir, "GO111MODULE=off", "GOWORK=off"),
	}
	pkgs, err := packages.Load(cfg, "example")
	if err != nil {
		log.Fatal(err)
	}
	graph, err := checker.Analyze([]*analysis.Analyzer{raspvet.Analyzer}, pkgs, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, act := range graph.Roots {
		for _, d := range act.Diagnostics {
			p := act.Package.Fset.Position(d.Pos)
			fmt.Printf("%s:%d: %s\n", filepath.Base(p.Filename), p.Line, d.Message)
			for _, fix := range d.SuggestedFixes {
				fmt.Println("  fix:", fix.Message)
			}
		}
	}
	// Output:
	// backup.go:17: exec.Command runs a command the exec guard never sees: use execguard.CommandContext with the request's context
	//   fix: Use execguard.CommandContext
}
