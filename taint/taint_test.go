package taint

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestFromContextNone(t *testing.T) {
	tests := []struct {
		name string
		ctx  context.Context
	}{
		{"nil", nil},
		{"background", context.Background()},
		{"other values", context.WithValue(context.Background(), otherKey{}, []Input{{Value: "x"}})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FromContext(tc.ctx); got != nil {
				t.Errorf("FromContext = %v, want nil", got)
			}
		})
	}
}

func TestNewContext(t *testing.T) {
	a := Input{Source: SourceQuery, Key: "q", Value: "1"}
	b := Input{Source: SourceHeader, Key: "X", Value: "2"}
	c := Input{Source: SourcePath, Value: "3"}

	empty := NewContext(context.Background())
	if got := FromContext(empty); got == nil || len(got) != 0 {
		t.Errorf("a context given no inputs carries %v, want an empty, non-nil slice", got)
	}

	in := []Input{a, b}
	ctx := NewContext(context.Background(), in...)
	in[0].Value = "changed"
	if got := FromContext(ctx); !slices.Equal(got, []Input{a, b}) {
		t.Errorf("got %v: the inputs must be copied", got)
	}

	child := NewContext(ctx, c)
	if got := FromContext(child); !slices.Equal(got, []Input{a, b, c}) {
		t.Errorf("child carries %v, want the parent's inputs then its own", got)
	}
	if got := FromContext(ctx); !slices.Equal(got, []Input{a, b}) {
		t.Errorf("parent changed to %v", got)
	}
}

// TestNewContextConcurrent derives many children from one parent at once:
// appends must never share the parent's backing array.
func TestNewContextConcurrent(t *testing.T) {
	parent := NewContext(context.Background(), Input{Source: SourceQuery, Key: "p", Value: "parent"})
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			own := Input{Source: SourceJSON, Key: "k", Value: string(rune('a' + i%26))}
			got := FromContext(NewContext(parent, own))
			if len(got) != 2 || got[1] != own {
				t.Errorf("child %d carries %v", i, got)
			}
		})
	}
	wg.Wait()
}

func BenchmarkFromContext(b *testing.B) {
	ctx := NewContext(context.Background(), Input{Source: SourceQuery, Key: "q", Value: "v"})
	b.ReportAllocs()
	for b.Loop() {
		if FromContext(ctx) == nil {
			b.Fatal("nil")
		}
	}
}

type otherKey struct{}

func TestFacts(t *testing.T) {
	tests := []struct {
		values []string
		want   Facts
	}{
		{nil, 0},
		{[]string{"", "report.pdf", "a.b.c", "en-US", "x/y", "C", "1:2"}, 0},
		{[]string{"../etc/passwd"}, DotDot},
		{[]string{"a..b"}, DotDot},
		{[]string{"/etc/passwd"}, Rooted},
		{[]string{`\\server\share`}, Rooted},
		{[]string{`C:\x`}, Rooted},
		{[]string{"z:"}, Rooted},
		{[]string{"a\x00b"}, NUL},
		{[]string{"ok", "/x/../y\x00"}, Rooted | DotDot | NUL},
	}
	for _, tc := range tests {
		var in []Input
		for _, v := range tc.values {
			in = append(in, Input{Source: SourceQuery, Key: "k", Value: v})
		}
		if got := FactsOf(in); got != tc.want {
			t.Errorf("FactsOf(%q) = %b, want %b", tc.values, got, tc.want)
		}
		ctx := NewContext(context.Background(), in...)
		if got, f := Lookup(ctx); f != tc.want || !slices.Equal(got, in) && len(in) > 0 {
			t.Errorf("Lookup after NewContext(%q) = %v, %b, want the inputs and %b", tc.values, got, f, tc.want)
		}
	}
	// A child context keeps its parent's facts and adds its own.
	parent := NewContext(context.Background(), Input{Value: "../x"})
	child := NewContext(parent, Input{Value: "/y"})
	if _, f := Lookup(child); f != DotDot|Rooted {
		t.Errorf("child facts = %b, want DotDot|Rooted", f)
	}
	if in, f := Lookup(context.Background()); in != nil || f != 0 {
		t.Errorf("Lookup without inputs = %v, %b", in, f)
	}
}

// TestLookupConcurrent: the first Lookups of a context race to compute its
// facts; all see the same.
func TestLookupConcurrent(t *testing.T) {
	ctx := NewContext(context.Background(), Input{Value: "ok"}, Input{Value: "/etc/passwd"})
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if in, f := Lookup(ctx); f != Rooted || len(in) != 2 {
				t.Errorf("Lookup = %v, %b", in, f)
			}
		})
	}
	wg.Wait()
}

type loaderFunc func() []Input

func (f loaderFunc) Inputs() []Input { return f() }

// TestNewLazyContext checks that a lazy context calls its loader only when
// asked, answers the slice the loader returns after the parent's inputs,
// and recomputes its facts when the loader's answer changes.
func TestNewLazyContext(t *testing.T) {
	var (
		mu    sync.Mutex
		calls int
		cur   = []Input{{Source: SourceQuery, Key: "q", Value: "plain"}}
	)
	load := loaderFunc(func() []Input {
		mu.Lock()
		defer mu.Unlock()
		calls++
		return cur
	})
	parent := NewContext(context.Background(), Input{Source: SourceHeader, Key: "H", Value: "h"})
	ctx := NewLazyContext(parent, load)
	if calls != 0 {
		t.Fatalf("loader called %d times before any lookup", calls)
	}
	if ctx.Value(otherKey{}) != nil || context.Cause(ctx) != nil {
		t.Error("the lazy context does not answer as its parent")
	}
	got, facts := Lookup(ctx)
	want := []Input{{Source: SourceHeader, Key: "H", Value: "h"}, cur[0]}
	if !slices.Equal(got, want) || facts != 0 {
		t.Fatalf("Lookup = %v, %v; want %v, 0", got, facts, want)
	}
	if again := FromContext(ctx); &again[0] != &got[0] {
		t.Error("an unchanged loader answer built a new slice")
	}
	mu.Lock()
	cur = append(slices.Clip(cur), Input{Source: SourceBody, Value: "../x"})
	mu.Unlock()
	got, facts = Lookup(ctx)
	if len(got) != 3 || got[2].Value != "../x" || facts&DotDot == 0 {
		t.Errorf("after growth Lookup = %v, %v; want the new input and DotDot", got, facts)
	}

	empty := NewLazyContext(context.Background(), loaderFunc(func() []Input { return nil }))
	if got := FromContext(empty); got == nil || len(got) != 0 {
		t.Errorf("a loader answering nil gives %v, want an empty, non-nil slice", got)
	}
}

func TestNewLazyContextConcurrent(t *testing.T) {
	in := []Input{{Source: SourceQuery, Value: "/etc"}}
	ctx := NewLazyContext(context.Background(), loaderFunc(func() []Input { return in }))
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if got, f := Lookup(ctx); len(got) != 1 || f != Rooted {
				t.Errorf("Lookup = %v, %v", got, f)
			}
		})
	}
	wg.Wait()
}

// TestNewLazyContextGrowsInPlace has the loader extend its slice in place,
// as a body read while guards run does: the new inputs are seen and their
// facts join the old ones.
func TestNewLazyContextGrowsInPlace(t *testing.T) {
	backing := make([]Input, 0, 8)
	backing = append(backing, Input{Source: SourceQuery, Value: "/abs"})
	var mu sync.Mutex
	cur := backing
	ctx := NewLazyContext(context.Background(), loaderFunc(func() []Input {
		mu.Lock()
		defer mu.Unlock()
		return cur
	}))
	if _, f := Lookup(ctx); f != Rooted {
		t.Fatalf("facts %v, want Rooted", f)
	}
	mu.Lock()
	cur = append(cur, Input{Source: SourceJSON, Value: "a\x00b"})
	mu.Unlock()
	got, f := Lookup(ctx)
	if len(got) != 2 || f != Rooted|NUL {
		t.Errorf("after growth in place: %v, facts %v; want 2 inputs, Rooted|NUL", got, f)
	}
}

func TestTrimmed(t *testing.T) {
	for _, tc := range []struct {
		v, want string
		padded  bool
	}{
		{"", "", false},
		{"plain", "", false},
		{"in side", "", false},
		{" x", "x", true},
		{"x\t\n", "x", true},
		{"\u00a0x\u3000", "x", true},
		{"\u0085x", "x", true},
		{"é", "", true}, // a multi-byte rune at an end may be white space
		{"  ", "", true},
		{"\v\f", "", true},
	} {
		if got := Trimmed(tc.v); got != tc.want {
			t.Errorf("Trimmed(%q) = %q, want %q", tc.v, got, tc.want)
		}
		if got := Padded(tc.v); got != tc.padded {
			t.Errorf("Padded(%q) = %v, want %v", tc.v, got, tc.padded)
		}
	}
}

// FuzzTrimmed holds Trimmed to strings.TrimSpace, and Padded to a test
// that never rules out a value TrimSpace would shorten.
func FuzzTrimmed(f *testing.F) {
	for _, s := range []string{"", "a", " a ", "\u00a0a", "a\u3000", "\x80", "\xe3\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		want := strings.TrimSpace(v)
		if want == v {
			want = ""
		}
		if got := Trimmed(v); got != want {
			t.Fatalf("Trimmed(%q) = %q, want %q", v, got, want)
		}
		if !Padded(v) && strings.TrimSpace(v) != v {
			t.Fatalf("Padded(%q) = false, but TrimSpace shortens it", v)
		}
	})
}
