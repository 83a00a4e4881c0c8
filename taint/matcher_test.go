package taint

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
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

// wholeOnly lists the occurrences as the automaton of the whole texts
// alone reports them, in its order, stopping after stop of them (all when
// stop is 0).
func wholeOnly(ins []Input, text string, stop int) []Occurrence {
	m := NewMatcher(ins)
	m.once.Do(m.build)
	a := &automaton{texts: m.a.texts, refs: m.a.refs}
	a.build(false)
	var got []Occurrence
	a.find(text, 0, func(o Occurrence) bool { got = append(got, o); return len(got) != stop })
	return got
}

// TestMatcherPrefixes: texts searched by a prefix and compared with the
// rest are reported as the automaton of the whole texts reports them, in
// the same order, also when yield stops the search.
func TestMatcherPrefixes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "aab "[r.IntN(4)]
		}
		return string(b)
	}
	prefixed := 0
	for round := 0; round < 400; round++ {
		var ins []Input
		base := word(prefixDepth + r.IntN(8))
		for k := r.IntN(12); k >= 0; k-- {
			// long texts sharing a prefix, some equal, some short
			switch r.IntN(4) {
			case 0:
				ins = append(ins, Input{Value: word(r.IntN(6))})
			case 1:
				ins = append(ins, Input{Value: base})
			default:
				ins = append(ins, Input{Value: base[:r.IntN(len(base))] + word(r.IntN(3*prefixDepth))})
			}
		}
		var sb strings.Builder
		for sb.Len() < 400 {
			if r.IntN(3) == 0 {
				sb.WriteString(ins[r.IntN(len(ins))].Value)
			} else {
				sb.WriteString(word(r.IntN(8)))
			}
		}
		text := sb.String()
		m := NewMatcher(ins)
		got := collect(m, text)
		if m.a.prefix {
			prefixed++
		}
		if want := wholeOnly(ins, text, 0); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("inputs %+v text %q:\ngot  %v\nwant %v", ins, text, got, want)
		}
		sortOccs(got)
		if want := naive(ins, text); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("inputs %+v text %q:\ngot  %v\nwant %v", ins, text, got, want)
		}
		if len(got) > 1 {
			stop := 1 + r.IntN(len(got)-1)
			var part []Occurrence
			m.Find(text, func(o Occurrence) bool { part = append(part, o); return len(part) != stop })
			if want := wholeOnly(ins, text, stop); fmt.Sprint(part) != fmt.Sprint(want) {
				t.Fatalf("stopped at %d: got %v, want %v", stop, part, want)
			}
		}
	}
	if prefixed < 100 {
		t.Fatalf("only %d of 400 rounds searched a text by its prefix", prefixed)
	}
}

// TestMatcherPrefixBudget: a prefix that occurs everywhere in a text it
// mostly fails to complete hands the search to the automaton of the whole
// texts, which reports what the prefixes did not, once each and in order.
func TestMatcherPrefixBudget(t *testing.T) {
	long := strings.Repeat("a", 600) + "b"
	ins := []Input{{Value: long}, {Value: "aab"}, {Value: strings.Repeat("a", 20) + "c"}, {Value: " " + strings.Repeat("a", 30) + "b\t"}}
	text := strings.Repeat(strings.Repeat("a", 700)+"b"+strings.Repeat("a", 20)+"c", 40)
	m := NewMatcher(ins)
	got := collect(m, text)
	if m.full == nil {
		t.Fatal("the search did not hand over to the automaton of the whole texts")
	}
	if want := wholeOnly(ins, text, 0); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
	sortOccs(got)
	if want := naive(ins, text); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}

	// Texts found by a prefix that mostly completes: no hand-over.
	var bulk []Input
	var sb strings.Builder
	for i := range 1000 {
		v := fmt.Sprintf("value-%d%s", i, strings.Repeat("x", 40))
		bulk = append(bulk, Input{Value: v})
		fmt.Fprintf(&sb, "('%s'), ", v)
	}
	// The x's that end each value lead the root back to itself: the
	// search skips them, up to the end of the value found by its prefix.
	m = NewMatcher(bulk)
	got = collect(m, sb.String())
	if len(got) != 1000 || m.full != nil || !m.a.prefix {
		t.Fatalf("%d occurrences, whole automaton built: %v, prefixes: %v", len(got), m.full != nil, m.a.prefix)
	}
	sortOccs(got)
	if want := naive(bulk, sb.String()); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got  %v\nwant %v", got, want)
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

// BenchmarkMatcherFind is the search alone, the automaton built: 10,000
// random near misses against a 1 MiB statement (as BenchmarkMatcher), and
// 10,000 values of 47 bytes, each in its own literal of a 1 MiB bulk
// INSERT (as sqlguard's BenchmarkCheck), found by their prefixes.
func BenchmarkMatcherFind(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	near, nearText := manyInputs(r, 10000), bigStatement(r, 1<<20)
	var bulk []Input
	var sb strings.Builder
	sb.WriteString("INSERT INTO t (v) VALUES ")
	for i := 0; sb.Len() < 1<<20; i++ {
		v := "value-" + strconv.Itoa(i) + strings.Repeat("x", 40)
		if i < 10000 {
			bulk = append(bulk, Input{Value: v})
		}
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("('" + v + "')")
	}
	for _, c := range []struct {
		name string
		ins  []Input
		text string
		want int
	}{{"near-misses", near, nearText, -1}, {"bulk-values", bulk, sb.String(), 10000}} {
		b.Run(c.name, func(b *testing.B) {
			m := NewMatcher(c.ins)
			m.Find("", func(Occurrence) bool { return true })
			b.ReportAllocs()
			b.SetBytes(int64(len(c.text)))
			for b.Loop() {
				n := 0
				m.Find(c.text, func(Occurrence) bool { n++; return true })
				if c.want >= 0 && n != c.want {
					b.Fatalf("%d occurrences, want %d", n, c.want)
				}
			}
		})
	}
}

// FuzzMatcher checks the one-pass search against the naive one: the same
// occurrences, none missed, none invented, in the order of the automaton
// of the whole texts.
func FuzzMatcher(f *testing.F) {
	f.Add("abababa aab", "aba", "ba", " b ")
	f.Add("SELECT 1 FROM t", "1", " FROM", "")
	// a prefix that occurs everywhere: the search is handed over
	f.Add(strings.Repeat("a", 3000)+strings.Repeat("b", 30)+"a", "x", "y", strings.Repeat("a", 8)+strings.Repeat("b", 24))
	f.Fuzz(func(t *testing.T, text, a, b, c string) {
		if len(text) > 1<<12 {
			return
		}
		ins := []Input{{Value: a}, {Value: b}, {Value: c}, {Value: a + b}}
		got := collect(NewMatcher(ins), text)
		// texts found by a prefix, and the search handed over to the
		// automaton of the whole texts, report in its order
		if want := wholeOnly(ins, text, 0); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("order: got  %v\nwant %v", got, want)
		}
		sortOccs(got)
		if want := naive(ins, text); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("got  %v\nwant %v", got, want)
		}
	})
}
