package sqlguard

import (
	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
)

// Check is a placeholder until the scanner lands.
func Check(d Dialect, statement string, inputs []taint.Input) (rasp.Finding, bool) {
	r := Analyze(d, statement, inputs)
	return r.Finding, r.Injection
}

// Result is the full answer of [Analyze].
type Result struct {
	Finding    rasp.Finding
	Injection  bool
	Incomplete bool // a work limit was reached with input present
}

// Analyze is a placeholder until the scanner lands.
func Analyze(d Dialect, statement string, inputs []taint.Input) Result {
	return Result{}
}

// Classify is a placeholder until the scanner lands.
func Classify(d Dialect, statement string, start, end int) (kind, clause string) {
	return "", ""
}
