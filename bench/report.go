package bench

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Samples holds the repeated measurements of one benchmark.
type Samples struct {
	NsPerOp, BytesPerOp, AllocsPerOp []float64
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// ParseBench reads `go test -bench` output and returns the samples of each
// benchmark by name (without the -GOMAXPROCS suffix).
func ParseBench(r io.Reader) (map[string]*Samples, error) {
	out := map[string]*Samples{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		s := out[m[1]]
		if s == nil {
			s = &Samples{}
			out[m[1]] = s
		}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				s.NsPerOp = append(s.NsPerOp, v)
			case "B/op":
				s.BytesPerOp = append(s.BytesPerOp, v)
			case "allocs/op":
				s.AllocsPerOp = append(s.AllocsPerOp, v)
			}
		}
	}
	return out, sc.Err()
}

// median returns the median of a copy of v.
func median(v []float64) float64 { return Median(append([]float64(nil), v...)) }

// OverheadRow is one guarded call beside the unguarded one.
type OverheadRow struct {
	Sink, Label, Bench string
	None, Rasp, Peer   float64 // median ns/op
	RaspAllocs         float64 // median extra allocs/op over the unguarded call
	// Stat holds benchstat's confidence intervals and p-values, by guard
	// ("none", "rasp", "libddwaf"), when [Overhead] was given them.
	Stat map[string]StatCell
}

// StatCell is benchstat's verdict on one sec/op cell: the 95% confidence
// interval as a percentage ("3%"), and for a guarded column the p-value
// against the unguarded one ("p=0.002 n=6").
type StatCell struct{ CI, P string }

// ParseBenchstatCSV reads the first (sec/op) table of `benchstat -format
// csv -col /guard` output: per benchmark name (without the -GOMAXPROCS
// suffix, as "FS/op=stat"), the cells of each guard column.
func ParseBenchstatCSV(r io.Reader) (map[string]map[string]StatCell, error) {
	br := bufio.NewReader(r)
	// benchstat writes notes and the goos/goarch lines before the table.
	var table strings.Builder
	started := false
	for {
		line, err := br.ReadString('\n')
		if strings.HasPrefix(line, ",") {
			started = true
		}
		if started {
			if strings.TrimSpace(line) == "" {
				break
			}
			table.WriteString(line)
		}
		if err != nil {
			break
		}
	}
	cr := csv.NewReader(strings.NewReader(table.String()))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) < 2 {
		return nil, errors.New("benchstat csv: no table")
	}
	groups, fields := recs[0], recs[1]
	for i := 1; i < len(groups); i++ {
		if groups[i] == "" {
			groups[i] = groups[i-1]
		}
	}
	out := map[string]map[string]StatCell{}
	for _, rec := range recs[2:] {
		if len(rec) == 0 || rec[0] == "geomean" {
			continue
		}
		name := benchSuffix.ReplaceAllString(rec[0], "")
		cells := map[string]StatCell{}
		for i := 1; i < len(rec) && i < len(fields) && i < len(groups); i++ {
			c := cells[groups[i]]
			switch fields[i] {
			case "CI":
				c.CI = rec[i]
			case "P":
				c.P = rec[i]
			}
			cells[groups[i]] = c
		}
		out[name] = cells
	}
	return out, nil
}

var benchSuffix = regexp.MustCompile(`-\d+$`)

// RaspRatio returns guarded/unguarded for rasp (0 when not measured).
func (r OverheadRow) RaspRatio() float64 { return ratio(r.Rasp, r.None) }

// PeerRatio returns guarded/unguarded for libddwaf (0 when not measured).
func (r OverheadRow) PeerRatio() float64 { return ratio(r.Peer, r.None) }

func ratio(a, b float64) float64 {
	if a == 0 || b == 0 {
		return 0
	}
	return a / b
}

// overheadBenches are the rows of the overhead table and chart, in order.
var overheadBenches = []struct{ sink, label, bench string }{
	{"sql", "SQLite point query, bound parameter", "BenchmarkSQLiteQuery/case=param"},
	{"sql", "SQLite point query, benign literal inline", "BenchmarkSQLiteQuery/case=inline"},
	{"sql", "SQLite point query, attack (blocked)", "BenchmarkSQLiteQuery/case=attack"},
	{"sql", "SQLite 20-row INSERT, literal inline", "BenchmarkSQLiteInsert"},
	{"exec", "exec `true`, argv", "BenchmarkExec/via=argv"},
	{"exec", "exec `true`, sh -c", "BenchmarkExec/via=sh"},
	{"fs", "os.Stat, warm file", "BenchmarkFS/op=stat"},
	{"fs", "os.ReadFile 4 KiB, warm file", "BenchmarkFS/op=readfile"},
	{"http", "middleware, GET with query, headers, cookies", "BenchmarkMiddleware/req=get"},
	{"http", "middleware, 64 KiB JSON POST", "BenchmarkMiddleware/req=post64k"},
}

// Overhead returns the overhead rows measured in res, with benchstat's
// cells from stat when it is not nil.
func Overhead(res map[string]*Samples, stat map[string]map[string]StatCell) []OverheadRow {
	var out []OverheadRow
	for _, b := range overheadBenches {
		none, rasp, peer := res[b.bench+"/guard=none"], res[b.bench+"/guard=rasp"], res[b.bench+"/guard=libddwaf"]
		if none == nil {
			continue
		}
		row := OverheadRow{Sink: b.sink, Label: b.label, Bench: b.bench, None: median(none.NsPerOp)}
		if rasp != nil {
			row.Rasp = median(rasp.NsPerOp)
			row.RaspAllocs = median(rasp.AllocsPerOp) - median(none.AllocsPerOp)
		}
		if peer != nil {
			row.Peer = median(peer.NsPerOp)
		}
		row.Stat = stat[strings.TrimPrefix(b.bench, "Benchmark")]
		out = append(out, row)
	}
	return out
}

// CheckRow is the pure SQL check beside libddwaf's on one statement.
type CheckRow struct {
	Dialect, Size string
	Rasp, Peer    float64 // median ns/op
	RaspAllocs    float64
}

// Checks returns the BenchmarkCheck rows measured in res.
func Checks(res map[string]*Samples) []CheckRow {
	var out []CheckRow
	for _, d := range Dialects {
		for _, s := range []string{"short", "long", "huge"} {
			name := "BenchmarkCheck/dialect=" + d + "/len=" + s
			r, p := res[name+"/guard=rasp"], res[name+"/guard=libddwaf"]
			if r == nil || p == nil {
				continue
			}
			out = append(out, CheckRow{Dialect: d, Size: s, Rasp: median(r.NsPerOp), Peer: median(p.NsPerOp), RaspAllocs: median(r.AllocsPerOp)})
		}
	}
	return out
}

// OverheadTable writes the overhead rows as a Markdown table. Times are
// medians with benchstat's 95% interval; ratios are guarded/unguarded with
// benchstat's p-value.
func OverheadTable(w io.Writer, rows []OverheadRow) {
	fmt.Fprintln(w, "| sink | call | unguarded | rasp | rasp ratio | rasp +allocs | libddwaf | libddwaf ratio |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %+.0f | %s | %s |\n", r.Sink, r.Label,
			withCI(fmtNS(r.None), r.Stat["none"]), withCI(fmtNS(r.Rasp), r.Stat["rasp"]),
			withP(fmtRatio(r.RaspRatio()), r.Stat["rasp"]), r.RaspAllocs,
			withCI(fmtNS(r.Peer), r.Stat["libddwaf"]), withP(fmtRatio(r.PeerRatio()), r.Stat["libddwaf"]))
	}
}

func withCI(v string, c StatCell) string {
	if c.CI == "" || v == "–" {
		return v
	}
	return v + " ±" + c.CI
}

func withP(v string, c StatCell) string {
	p, _, _ := strings.Cut(c.P, " ")
	if p == "" || v == "–" {
		return v
	}
	return v + " (" + p + ")"
}

// CheckTable writes the check rows as a Markdown table.
func CheckTable(w io.Writer, rows []CheckRow) {
	fmt.Fprintln(w, "| dialect | statement | rasp sqlguard.Check | allocs | libddwaf sqli_detector run | libddwaf / rasp |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %.0f | %s | %s |\n", r.Dialect, r.Size, fmtNS(r.Rasp), r.RaspAllocs, fmtNS(r.Peer), fmtRatio(ratio(r.Peer, r.Rasp)))
	}
}

// DetectionTable writes the groups as a Markdown table: per sink, label
// and bucket, the detection (true-positive) and false-positive rates of
// both sides, their agreement, and the median time per check.
func DetectionTable(w io.Writer, groups []Group) {
	fmt.Fprintln(w, "| sink | labelled by | bucket | attacks | benign | rasp TPR | rasp FPR | libddwaf TPR | libddwaf FPR | agree | rasp ns | libddwaf ns | libddwaf / rasp |")
	fmt.Fprintln(w, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, g := range groups {
		b := g.Bucket
		if b == "all" {
			b = "**all**"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %d | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			g.Sink, g.Label, b, g.Pos, g.Neg,
			pct(g.OursTP, g.Pos), pct(g.OursFP, g.Neg), pct(g.PeerTP, g.Pos), pct(g.PeerFP, g.Neg),
			pct(g.Agree, g.N()), fmtNS(g.OursNS), fmtNS(g.PeerNS), fmtRatio(ratio(g.PeerNS, g.OursNS)))
	}
}

// Target is one of the targets, checked on measured numbers.
type Target struct {
	What string
	Met  bool
	Note string
}

// Targets checks, on the syntax-labelled groups of each sink and bucket,
// that rasp detects at least as much as libddwaf with no more false
// positives, and that rasp's median check is at least 10 times faster.
func Targets(groups []Group) []Target {
	var out []Target
	for _, g := range groups {
		if g.Label != LabelSyntax {
			continue
		}
		name := g.Sink + "/" + g.Bucket
		if g.Pos > 0 {
			out = append(out, Target{
				What: "detection ≥ libddwaf, " + name,
				Met:  g.OursTP >= g.PeerTP,
				Note: fmt.Sprintf("%s vs %s of %d", pct(g.OursTP, g.Pos), pct(g.PeerTP, g.Pos), g.Pos),
			})
		}
		if g.Neg > 0 {
			out = append(out, Target{
				What: "false positives ≤ libddwaf, " + name,
				Met:  g.OursFP <= g.PeerFP,
				Note: fmt.Sprintf("%d vs %d of %d", g.OursFP, g.PeerFP, g.Neg),
			})
		}
	}
	for _, g := range groups {
		if g.Bucket != "all" || g.OursNS == 0 {
			continue
		}
		r := ratio(g.PeerNS, g.OursNS)
		out = append(out, Target{
			What: "check ≥ 10× faster than libddwaf, " + g.Sink + " (" + g.Label + " cases)",
			Met:  r >= 10,
			Note: fmt.Sprintf("median %s vs %s: %s", fmtNS(g.OursNS), fmtNS(g.PeerNS), fmtRatio(r)),
		})
	}
	return out
}

// TargetTable writes targets as a Markdown table.
func TargetTable(w io.Writer, ts []Target) {
	fmt.Fprintln(w, "| target | met | measured |")
	fmt.Fprintln(w, "|---|:---:|---|")
	for _, t := range ts {
		m := "no"
		if t.Met {
			m = "yes"
		}
		fmt.Fprintf(w, "| %s | %s | %s |\n", t.What, m, t.Note)
	}
}

func pct(k, n int) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(k)/float64(n))
}

func fmtNS(ns float64) string {
	switch {
	case ns == 0:
		return "–"
	case ns < 10:
		return fmt.Sprintf("%.1f ns", ns)
	case ns < 10_000:
		return fmt.Sprintf("%.0f ns", ns)
	case ns < 1_000_000:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.1f ms", ns/1e6)
}

func fmtRatio(r float64) string {
	switch {
	case r == 0:
		return "–"
	case r < 10:
		return fmt.Sprintf("%.2f×", r)
	}
	return fmt.Sprintf("%.0f×", r)
}
