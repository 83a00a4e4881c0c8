// Command raspvet reports the calls rasp's runtime guards cannot see:
// os/exec and os path calls made without their guarded twin, database/sql
// drivers not wrapped by rasp's driver package, pgx without pgxguard's
// tracer, SQL calls without a context, context.Background() or a
// *gin.Context where the request's context belongs, and, as a note, SQL
// text built from request data. It checks the handlers of net/http, chi,
// gorilla/mux, httprouter, gin, echo and gRPC and the helpers they call;
// -everything adds the code no handler reaches (start-up, migrations,
// tools). The rules are described in full by
// [github.com/gorasp/rasp/cmd/raspvet/internal/raspvet].
//
// Run it standalone:
//
//	go run github.com/gorasp/rasp/cmd/raspvet ./...
//
// It exits with status 3 when it reports anything. -fix applies the
// suggested rewrites (exec.Command(n, a...) in a handler becomes
// execguard.CommandContext(r.Context(), n, a...), and so on), and -diff
// shows them instead. Or run it through go vet, which exits with status 1:
//
//	go build -o /usr/local/bin/raspvet github.com/gorasp/rasp/cmd/raspvet
//	go vet -vettool=$(command -v raspvet) ./...
//
// Standalone, it loads packages as go build does, with one difference: a
// module whose go.mod says go 1.13 or older (or has no go line) and that
// has a vendor directory loads from it, as with GOFLAGS=-mod=vendor, which
// the go command sets by default only from go 1.14 on. A -mod in GOFLAGS,
// or a go.work, is left alone.
//
// A finding the code base accepts is silenced, with its reason, by a
// comment on its line or the line above:
//
//	//raspvet:ignore the path is read from the operator's flag, not a request
//	data, err := os.ReadFile(*configPath)
package main

import (
	"os"
	"strings"

	"github.com/gorasp/rasp/cmd/raspvet/internal/raspvet"
	"golang.org/x/tools/go/analysis/singlechecker"
)

func main() {
	if standalone(os.Args[1:]) {
		if flags, ok := vendorFlags(); ok {
			os.Setenv("GOFLAGS", flags)
		}
	}
	singlechecker.Main(raspvet.Analyzer)
}

// standalone reports whether raspvet loads the packages itself: it has a
// package pattern, not go vet's single .cfg file.
func standalone(args []string) bool {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			return !(len(args) == 1 && strings.HasSuffix(a, ".cfg"))
		}
	}
	return false
}
