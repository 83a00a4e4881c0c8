// Command raspvet reports the calls rasp's runtime guards cannot see:
// os/exec and os path calls made without their guarded twin, database/sql
// drivers not wrapped by rasp's driver package, SQL calls without a
// context, context.Background() inside HTTP handlers, and, as a note, SQL
// text built from request data. The rules are described in full by
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
// A finding the code base accepts is silenced, with its reason, by a
// comment on its line or the line above:
//
//	//raspvet:ignore the path is read from the operator's flag, not a request
//	data, err := os.ReadFile(*configPath)
package main

import (
	"github.com/gorasp/rasp/cmd/raspvet/internal/raspvet"
	"golang.org/x/tools/go/analysis/singlechecker"
)

func main() { singlechecker.Main(raspvet.Analyzer) }
