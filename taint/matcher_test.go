package taint

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// naive lists every occurrence the slow way, sorted as matcher results are
// sorted by sortOccs.
func naive(inputs []Input, text string) []Occurrence {
	var all []Occurrence
	for i, in := range inputs {
		for k, v := range []string{in.Value, strings.TrimSpace(in.Value)} {
			if v == "" || k == 1 && v == in.Value {
				continue
			}
			for s := 0; s+len(v) <= len(text); s++ {
				if text[s:s+len(v)] == v {
					all = append(all, Occurrence{Input: i, Start: s, End: s + len(v), Trimmed: k == 1})
				}
			}
		}
	}
	sortOccs(all)
	return all
}

func sortOccs(o []Occurrence) {
	slices.SortFunc(o, func(a, b Occurrence) int {
		if a.Input != b.Input {
			return a.Input - b.Input
		}
		if a.Trimmed != b.Trimmed {
			if a.Trimmed {
				return 1
			}
			return -1
		}
		return a.Start - b.Start
	})
}

func collect(m *Matcher, text string) []Occurrence {
	var got []Occurrence
	m.Find(text, func(o Occurrence) bool { got = append(got, o); return true })
	return got
}

func TestMatcherEveryOccurrence(t *testing.T) {
	text := "abababa aab ba abba a  ba "
	var ins []Input
	for _, v := range []string{"aba", "ba", "a", "abba", "b a", "zzz", "", "ba", " ba ", "\tq"} {
		ins = append(ins, Input{Value: v})
	}
	got := collect(NewMatcher(ins), text)
	// order of report: by end offset
	for k := 1; k < len(got); k++ {
		if got[k].End < got[k-1].End {
			t.Fatalf("occurrence %d ends before the one reported earlier: %v", k, got)
		}
	}
	sortOccs(got)
	if want := naive(ins, text); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
}

func TestMatcherRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "ab c"[r.IntN(4)]
		}
		return string(b)
	}
	for round := 0; round < 200; round++ {
		var ins []Input
		for k := r.IntN(12); k >= 0; k-- {
			ins = append(ins, Input{Value: word(r.IntN(6))})
		}
		text := word(r.IntN(80))
		got := collect(NewMatcher(ins), text)
		sortOccs(got)
		if want := naive(ins, text); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("inputs %+v text %+v:\ngot  %v\nwant %v", ins, text, got, want)
		}
	}
}

func TestMatcherStops(t *testing.T) {
	m := NewMatcher([]Input{{Value: "a"}})
	n := 0
	m.Find(strings.Repeat("a", 100), func(Occurrence) bool { n++; return n < 3 })
	if n != 3 {
		t.Fatalf("yield called %d times after it asked to stop at 3", n)
	}
	var nilM *Matcher
	nilM.Find("a", func(Occurrence) bool { t.Fatal("nil matcher reported"); return false })
}

func TestMatcherFromContext(t *testing.T) {
	if MatcherFromContext(context.Background()) != nil {
		t.Fatal("matcher without inputs")
	}
	ctx := NewContext(context.Background(), Input{Value: "x"})
	m := MatcherFromContext(ctx)
	if m == nil || m != MatcherFromContext(ctx) {
		t.Fatal("matcher not shared within a context")
	}
	if len(collect(m, "axbx")) != 2 {
		t.Fatal("matcher of the context misses its input")
	}
}

// manyInputs returns n inputs of 8 to 24 bytes, each a near miss of text.
func manyInputs(r *rand.Rand, n int) []Input {
	ins := make([]Input, n)
	for i := range ins {
		b := make([]byte, 8+r.IntN(17))
		for k := range b {
			b[k] = "abcdefghijklmnopqrstuvwxyz_ ,'()=0123456789"[r.IntN(43)]
		}
		ins[i] = Input{Value: string(b)}
	}
	return ins
}

func bigStatement(r *rand.Rand, n int) string {
	var sb strings.Builder
	sb.WriteString("INSERT INTO items (name, note) VALUES ")
	for sb.Len() < n {
		fmt.Fprintf(&sb, "('item_%d', 'note %d for row'),", r.IntN(1e6), r.IntN(1e6))
	}
	return sb.String()
}

// TestMatcherScale keeps the one-pass search linear: 10,000 inputs against
// a 1 MiB statement. The bound is loose (the machine is shared); the
// benchmark gives the figure.
func TestMatcherScale(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("a timing bound: not under -short or the race detector")
	}
	r := rand.New(rand.NewPCG(3, 4))
	ins := manyInputs(r, 10000)
	text := bigStatement(r, 1<<20)
	start := time.Now()
	m := NewMatcher(ins)
	n := 0
	m.Find(text, func(Occurrence) bool { n++; return true })
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("10,000 inputs against 1 MiB: %v", d)
	}
}

func BenchmarkMatcher(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct{ inputs, size int }{{10, 1 << 10}, {1000, 1 << 20}, {10000, 1 << 20}, {10000, 1 << 18}, {2500, 1 << 20}} {
		ins := manyInputs(r, c.inputs)
		text := bigStatement(r, c.size)
		b.Run(fmt.Sprintf("inputs=%d/bytes=%d", c.inputs, c.size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				m := NewMatcher(ins) // built once per request: count it
				m.Find(text, func(Occurrence) bool { return true })
			}
		})
	}
}

// FuzzMatcher checks the one-pass search against the naive one: the same
// occurrences, none missed, none invented.
func FuzzMatcher(f *testing.F) {
	f.Add("abababa aab", "aba", "ba", " b ")
	f.Add("SELECT 1 FROM t", "1", " FROM", "")
	f.Fuzz(func(t *testing.T, text, a, b, c string) {
		if len(text) > 1<<12 {
			return
		}
		ins := []Input{{Value: a}, {Value: b}, {Value: c}, {Value: a + b}}
		got := collect(NewMatcher(ins), text)
		sortOccs(got)
		if want := naive(ins, text); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("got  %v\nwant %v", got, want)
		}
	})
}
