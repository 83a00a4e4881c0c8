//go:build !race

package rasp_test

import (
	"context"
	"testing"

	"github.com/gorasp/rasp/guard"
	"github.com/gorasp/rasp/taint"
)

// TestCallAllocs: a unary call of a few dozen inputs costs one allocation
// for the call, its inputs and its context, and one for the set a guard
// looks up; each later context of a stream costs one, however many inputs
// came before (none is copied).
func TestCallAllocs(t *testing.T) {
	a := callAgent()
	ctx := context.Background()
	keys := make([]string, 56)
	for i := range keys {
		keys[i] = string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	if n := testing.AllocsPerRun(100, func() {
		call := guard.StartCall(ctx, a, callReq)
		for _, k := range keys {
			call.Add(taint.SourceMessage, k, k)
		}
		_ = taint.FromContext(call.Context())
		call.End()
	}); n > 2 {
		t.Errorf("a unary call: %v allocations, want at most 2", n)
	}

	call := guard.StartCall(ctx, a, callReq)
	defer call.End()
	for range 5000 {
		call.Add(taint.SourceMessage, "k", "v")
	}
	_ = call.Context()
	if n := testing.AllocsPerRun(100, func() {
		_ = call.Context()
	}); n != 1 {
		t.Errorf("a stream's context: %v allocations, want 1", n)
	}
}
