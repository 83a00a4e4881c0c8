package bench

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gorasp/rasp/taint"
)

// Outcome is both sides' answers on one case, with the time each took per
// check.
type Outcome struct {
	Case       Case
	Ours, Peer bool
	OursNS     float64 // per check, the fastest of the timed rounds
	PeerNS     float64 // per libddwaf run on an open request context, idem
	PeerRule   string  // the RASP rule that matched, if any
	Err        error   // libddwaf's error, if any
}

// Compare runs every case through our check and through libddwaf. Each
// side is timed on reps repetitions of the same check (with reps <= 0
// each side runs once, untimed); the per-case time is the best of three
// rounds, which removes scheduler noise without averaging it in.
func Compare(p *Peer, ours Checker, cases []Case, reps int) ([]Outcome, error) {
	out := make([]Outcome, 0, len(cases))
	for _, c := range cases {
		o := Outcome{Case: c}
		f := ours.For(c)
		if f == nil {
			return nil, fmt.Errorf("no check for sink %q", c.Sink)
		}
		o.Ours = f()
		r, err := p.NewRequest(c.Inputs)
		if err != nil {
			return nil, err
		}
		addrs := PeerAddrs(c)
		o.Peer, o.PeerRule, o.Err = r.Run(addrs)
		if reps > 0 {
			o.OursNS = bestOf(reps, func() { f() })
			o.PeerNS = bestOf(reps, func() { _, _, _ = r.Run(addrs) })
		}
		r.Close()
		if o.Err != nil {
			return nil, fmt.Errorf("%s: %w", c.ID, o.Err)
		}
		out = append(out, o)
	}
	return out, nil
}

func bestOf(reps int, f func()) float64 {
	best := 0.0
	for range 3 {
		start := time.Now()
		for range reps {
			f()
		}
		ns := float64(time.Since(start).Nanoseconds()) / float64(reps)
		if best == 0 || ns < best {
			best = ns
		}
	}
	return best
}

// PeerAddrs returns the libddwaf addresses for c: the statement and its db
// type, the shell script (a string, or the argv for the joined form), the
// exec argv, or the path.
func PeerAddrs(c Case) map[string]any {
	switch c.Sink {
	case SinkSQL:
		return SQLAddrs(c.Bucket, c.Target)
	case SinkShell:
		if c.Argv != nil {
			return ShellAddrs(c.Argv)
		}
		return ShellAddrs(c.Target)
	case SinkExec:
		return ExecAddrs(c.Argv)
	case SinkFS:
		return PathAddrs(c.Target)
	}
	return nil
}

// Checker is rasp's side of the comparison: the pure checks of the guards.
// A nil field means that check is not available.
type Checker struct {
	SQL   func(dialect, statement string, inputs []taint.Input) bool
	Shell func(script string, inputs []taint.Input) bool
	Argv  func(argv []string, inputs []taint.Input) bool
	Path  func(path string, inputs []taint.Input) bool
}

// Has reports whether k has a check for sink.
func (k Checker) Has(sink string) bool { return k.For(Case{Sink: sink}) != nil }

// For returns a closure running the check of c's sink on c, or nil.
func (k Checker) For(c Case) func() bool {
	switch c.Sink {
	case SinkSQL:
		if k.SQL != nil {
			return func() bool { return k.SQL(c.Bucket, c.Target, c.Inputs) }
		}
	case SinkShell:
		if k.Shell != nil {
			return func() bool { return k.Shell(c.Target, c.Inputs) }
		}
	case SinkExec:
		if k.Argv != nil {
			return func() bool { return k.Argv(c.Argv, c.Inputs) }
		}
	case SinkFS:
		if k.Path != nil {
			return func() bool { return k.Path(c.Target, c.Inputs) }
		}
	}
	return nil
}

// Group is the summary of the outcomes sharing a sink, bucket and label.
// Bucket "all" sums a sink's buckets.
type Group struct {
	Sink, Bucket, Label string
	Pos, Neg            int // expected injections, expected benign
	OursTP, OursFP      int
	PeerTP, PeerFP      int
	Agree               int     // cases where both sides answer the same
	OursNS, PeerNS      float64 // median per-check time, ns
}

// N returns the number of cases.
func (g Group) N() int { return g.Pos + g.Neg }

// Rate returns k/n, or 0 when n is 0.
func Rate(k, n int) float64 {
	if n == 0 {
		return 0
	}
	return float64(k) / float64(n)
}

// Summarize groups outcomes by sink, bucket and label, plus one "all"
// bucket per sink and label, sorted by sink, label, bucket.
func Summarize(outs []Outcome) []Group {
	type key struct{ sink, bucket, label string }
	acc := map[key]*Group{}
	times := map[key][2][]float64{}
	for _, o := range outs {
		for _, b := range []string{o.Case.Bucket, "all"} {
			k := key{o.Case.Sink, b, o.Case.Label}
			g := acc[k]
			if g == nil {
				g = &Group{Sink: k.sink, Bucket: k.bucket, Label: k.label}
				acc[k] = g
			}
			if o.Case.Want {
				g.Pos++
				g.OursTP += b2i(o.Ours)
				g.PeerTP += b2i(o.Peer)
			} else {
				g.Neg++
				g.OursFP += b2i(o.Ours)
				g.PeerFP += b2i(o.Peer)
			}
			g.Agree += b2i(o.Ours == o.Peer)
			t := times[k]
			if o.OursNS > 0 && o.PeerNS > 0 {
				t[0] = append(t[0], o.OursNS)
				t[1] = append(t[1], o.PeerNS)
			}
			times[k] = t
		}
	}
	out := make([]Group, 0, len(acc))
	for k, g := range acc {
		g.OursNS = Median(times[k][0])
		g.PeerNS = Median(times[k][1])
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Sink != b.Sink {
			return sinkOrder(a.Sink) < sinkOrder(b.Sink)
		}
		if a.Label != b.Label {
			return a.Label < b.Label
		}
		if (a.Bucket == "all") != (b.Bucket == "all") {
			return b.Bucket == "all"
		}
		return a.Bucket < b.Bucket
	})
	return out
}

func sinkOrder(s string) int {
	return slices.Index([]string{SinkSQL, SinkShell, SinkExec, SinkFS}, s)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Median returns the median of v (0 for none). v is reordered.
func Median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	sort.Float64s(v)
	m := len(v) / 2
	if len(v)%2 == 1 {
		return v[m]
	}
	return (v[m-1] + v[m]) / 2
}

// Disagreements lists the cases where the sides answer differently, one
// line each: the case ID, the expected verdict, each side's verdict. Case
// text is never written: IDs name the corpus file and index only.
func Disagreements(outs []Outcome) string {
	var b strings.Builder
	b.WriteString("# case\texpected\trasp\tlibddwaf\n")
	for _, o := range outs {
		if o.Ours == o.Peer {
			continue
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", o.Case.ID, verdict(o.Case.Want), verdict(o.Ours), verdict(o.Peer))
	}
	return b.String()
}

func verdict(b bool) string {
	if b {
		return "injection"
	}
	return "benign"
}
