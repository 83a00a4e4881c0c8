package rasp

import (
	"errors"
	"strings"

	"github.com/gorasp/rasp/taint"
)

// ErrBlocked is the sentinel every blocked call's error matches. Test with
// errors.Is(err, rasp.ErrBlocked), never with ==: guards return a
// [*BlockedError], sometimes wrapped (fsguard wraps it in [*fs.PathError]).
var ErrBlocked = errors.New("rasp: blocked")

// Kinds of [Finding].
const (
	KindSQLInjection     = "sql_injection"
	KindShellInjection   = "shell_injection"
	KindCommandInjection = "command_injection"
	KindPathTraversal    = "path_traversal"
	KindSSRF             = "ssrf"
)

// Finding is what a guard's pure check reports: which input changed the
// syntax of which target.
type Finding struct {
	Kind   string      // "sql_injection", "shell_injection", "command_injection", "path_traversal"
	Input  taint.Input // the offending input
	Target string      // statement, command line (argv joined by single spaces) or path
	Start  int         // byte span of the input in Target; -1, -1 when it does not occur verbatim
	End    int
	Reason string // one short sentence
	// Skeleton is the offending input's syntax skeleton in Target (for SQL,
	// sqlguard.Skeleton): what an event shows in place of a redacted input,
	// in the input and in its span. Empty: the agent keeps every character
	// but letters, digits and non-ASCII bytes, each run of which becomes
	// one '*' ("; cat /etc/passwd" shows as "; * /*/*"). In an [Event] it
	// is set exactly when the input was redacted.
	Skeleton string
}

// BlockedError is the error of a call refused in [ModeProtect]. It matches
// [ErrBlocked] with errors.Is, and never matches driver.ErrBadConn, so
// database/sql does not retry it.
type BlockedError struct {
	Event Event
}

func (e *BlockedError) Error() string {
	var b strings.Builder
	b.WriteString("rasp: blocked ")
	if e.Event.Fault != "" {
		b.WriteString("after internal fault in ")
	} else {
		b.WriteString(e.Event.Finding.Kind)
		b.WriteString(" at ")
	}
	b.WriteString(e.Event.Sink)
	if e.Event.Operation != "" {
		b.WriteString(" ")
		b.WriteString(e.Event.Operation)
	}
	if e.Event.Finding.Input.Key != "" && e.Event.Fault == "" {
		b.WriteString(" (input ")
		b.WriteString(string(e.Event.Finding.Input.Source))
		b.WriteString(" ")
		b.WriteString(e.Event.Finding.Input.Key)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns [ErrBlocked].
func (e *BlockedError) Unwrap() error { return ErrBlocked }
