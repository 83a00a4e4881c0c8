package rasp_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/guard"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

var callReq = rasp.Request{Method: "gRPC", Path: "/s.S/M", Route: "/s.S/M"}

func callAgent() *rasp.Agent {
	return rasp.New(rasp.WithMode(rasp.ModeProtect), rasp.WithLogger(zerolog.Nop()))
}

// addN adds the message inputs m<from> to m<to-1>.
func addN(t *testing.T, call guard.Call, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if !call.Add(taint.SourceMessage, "k", fmt.Sprintf("m%d", i)) {
			t.Fatalf("Add refused m%d", i)
		}
	}
}

// wantInputs fails unless ctx carries exactly the values want, in order.
func wantInputs(t *testing.T, name string, ctx context.Context, want ...string) {
	t.Helper()
	got := taint.FromContext(ctx)
	if got == nil {
		t.Fatalf("%s carries no inputs", name)
	}
	vals := make([]string, len(got))
	for i, in := range got {
		vals[i] = in.Value
	}
	if !slices.Equal(vals, want) {
		t.Fatalf("%s carries %q, want %q", name, vals, want)
	}
}

func values(from, to int) []string {
	var v []string
	for i := from; i < to; i++ {
		v = append(v, fmt.Sprintf("m%d", i))
	}
	return v
}

// TestCallContextKeepsItsInputs: each context Context returns carries the
// inputs added before it, whatever is added later (in the same array or
// past its growth), also after End, and a guard appending to the slice it
// read changes no other context's inputs.
func TestCallContextKeepsItsInputs(t *testing.T) {
	call := guard.StartCall(context.Background(), callAgent(), callReq)
	addN(t, call, 0, 3)
	ctx1 := call.Context()
	addN(t, call, 3, 6)
	ctx2 := call.Context()
	_ = append(taint.FromContext(ctx1), taint.Input{Source: taint.SourceMessage, Value: "intruder"})
	addN(t, call, 6, 200) // past the room a call starts with
	ctx3 := call.Context()
	wantInputs(t, "ctx1", ctx1, values(0, 3)...)
	wantInputs(t, "ctx2", ctx2, values(0, 6)...)
	wantInputs(t, "ctx3", ctx3, values(0, 200)...)
	wantInputs(t, "the bound goroutine's context", rasp.RequestContext(context.Background(), rasp.SinkSQL), values(0, 200)...)
	if got, ok := guard.ContextAgent(ctx1); !ok || got == nil {
		t.Fatal("the call's context carries no agent")
	}
	call.End()
	if call.Add(taint.SourceMessage, "k", "late") {
		t.Fatal("Add accepted an input after End")
	}
	wantInputs(t, "ctx1 after End", ctx1, values(0, 3)...)
	wantInputs(t, "ctx3 after End", ctx3, values(0, 200)...)
}

// TestCallContextFacts: the facts of a context are those of its own
// inputs, not of inputs added after it.
func TestCallContextFacts(t *testing.T) {
	call := guard.StartCall(context.Background(), callAgent(), callReq)
	defer call.End()
	call.Add(taint.SourceMessage, "a", "plain")
	ctx1 := call.Context()
	if _, f := taint.Lookup(ctx1); f != 0 {
		t.Fatalf("facts %b, want none", f)
	}
	call.Add(taint.SourceMessage, "b", "../etc/passwd")
	ctx2 := call.Context()
	if _, f := taint.Lookup(ctx1); f != 0 {
		t.Fatalf("ctx1's facts became %b", f)
	}
	if in, f := taint.Lookup(ctx2); f != taint.DotDot || len(in) != 2 {
		t.Fatalf("ctx2: %d inputs, facts %b; want 2, DotDot", len(in), f)
	}
}

// TestCallContextAfterParentInputs: the call's inputs come after those
// StartCall's context carries; a call with none carries an empty set, not
// none, so that guards check with it rather than look elsewhere.
func TestCallContextAfterParentInputs(t *testing.T) {
	parent := taint.NewContext(context.Background(), taint.Input{Source: taint.SourceQuery, Key: "p", Value: "outer"})
	call := guard.StartCall(parent, callAgent(), callReq)
	call.Add(taint.SourceMessage, "k", "m0")
	wantInputs(t, "the call's context", call.Context(), "outer", "m0")
	call.End()

	call = guard.StartCall(context.Background(), callAgent(), callReq)
	defer call.End()
	if got := taint.FromContext(call.Context()); got == nil || len(got) != 0 {
		t.Fatalf("a call without inputs carries %v, want an empty set", got)
	}
}

// TestCallContextConcurrent: a stream's receiving goroutine adds inputs
// and makes contexts while guards on another goroutine read the contexts
// made before (the race detector checks that nothing is written under
// them).
func TestCallContextConcurrent(t *testing.T) {
	call := guard.StartCall(context.Background(), callAgent(), callReq)
	defer call.End()
	const msgs = 300
	ctxs := make(chan context.Context, 8)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(ctxs)
		for i := range msgs {
			call.Add(taint.SourceMessage, "k", fmt.Sprintf("m%d", i))
			ctxs <- call.Context()
		}
	}()
	n := 0
	for ctx := range ctxs {
		n++
		in, _ := taint.Lookup(ctx)
		if len(in) != n {
			t.Errorf("context %d carries %d inputs", n, len(in))
			continue
		}
		for i, x := range in {
			if x.Value != fmt.Sprintf("m%d", i) {
				t.Errorf("context %d: input %d is %q", n, i, x.Value)
				break
			}
		}
	}
	wg.Wait()
	if n != msgs {
		t.Fatalf("%d contexts, want %d", n, msgs)
	}
}

// BenchmarkCallStreamContext times the context a client stream's message
// makes (Context, after its inputs were added) when n inputs came before:
// the same for every n, since no context copies the inputs.
func BenchmarkCallStreamContext(b *testing.B) {
	for _, n := range []int{100, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			call := guard.StartCall(context.Background(), callAgent(), callReq)
			defer call.End()
			for range n {
				call.Add(taint.SourceMessage, "k", "v")
			}
			b.ReportAllocs()
			for b.Loop() {
				_ = call.Context()
			}
		})
	}
}
