// Command benchreport runs rasp and libddwaf side by side on the shared
// corpora, reads the overhead benchmarks' output, and writes the results
// section of bench/README.md, the overhead chart and the list of
// disagreements. bench/run.sh calls it; see bench/README.md.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"strings"

	"github.com/gorasp/rasp/bench"
)

const (
	beginMark = "<!-- results:begin (written by bench/run.sh; do not edit) -->"
	endMark   = "<!-- results:end -->"
)

func main() {
	var (
		corpora   = flag.String("corpora", "", "shared corpora directory (default: $RASP_CORPORA, ../../shared/corpora)")
		benchOut  = flag.String("bench", "", "go test -bench output to read (optional)")
		statOut   = flag.String("benchstat", "", "benchstat -col /guard output to include (optional)")
		statCSV   = flag.String("benchstat-csv", "", "benchstat -format csv -col /guard output, for the ± and p-values of the overhead table (optional)")
		sample    = flag.Int("sample", 2000, "payloads kept per payload list (0: all)")
		reps      = flag.Int("reps", 20, "repetitions per timed check")
		readme    = flag.String("readme", "README.md", "README whose results section is rewritten")
		svg       = flag.String("svg", "overhead.svg", "overhead chart to write")
		disagreeF = flag.String("disagreements", "disagreements.tsv", "disagreement list to write")
	)
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("benchreport: ")

	dir := *corpora
	if dir == "" {
		var err error
		if dir, err = bench.CorporaDir(); err != nil {
			log.Fatal(err)
		}
	}
	cases, skipped, err := loadCases(dir, *sample)
	if err != nil {
		log.Fatal(err)
	}
	p, err := bench.NewPeer()
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()
	outs, err := bench.Compare(p, bench.Ours(), cases, *reps)
	if err != nil {
		log.Fatal(err)
	}
	groups := bench.Summarize(outs)
	if err := os.WriteFile(*disagreeF, []byte(bench.Disagreements(outs)), 0o644); err != nil {
		log.Fatal(err)
	}

	var sec bytes.Buffer
	w := func(format string, a ...any) { fmt.Fprintf(&sec, format, a...) }
	w("%s\n\n", beginMark)
	w("Measured with %s on %s/%s, %d CPUs%s; libddwaf %s (go-libddwaf %s, embedded default ruleset %s). "+
		"Detection compares %d checks; payload lists sampled to %d each.\n\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuOf(*benchOut), p.Version(), "v4.10.0", p.RulesVersion(), len(outs), *sample)
	if len(skipped) > 0 {
		w("Not compared (no rasp check available in this build): %s.\n\n", strings.Join(skipped, ", "))
	}
	w("### Targets\n\n")
	bench.TargetTable(&sec, bench.Targets(groups))
	w("\n### Detection and time per check\n\n")
	w("TPR = attacks detected / attacks; FPR = benign flagged / benign; agree = same verdict from both. "+
		"Times are medians over cases of the per-check time (best of 3 rounds of %d); libddwaf's is one `ddwaf_run` "+
		"on an open request context, through go-libddwaf. The %d disagreements are listed by case ID in "+
		"[`disagreements.tsv`](disagreements.tsv).\n\n", *reps, countDisagree(outs))
	bench.DetectionTable(&sec, groups)

	if *benchOut != "" {
		f, err := os.Open(*benchOut)
		if err != nil {
			log.Fatal(err)
		}
		res, err := bench.ParseBench(f)
		f.Close()
		if err != nil {
			log.Fatal(err)
		}
		var stat map[string]map[string]bench.StatCell
		if *statCSV != "" {
			f, err := os.Open(*statCSV)
			if err != nil {
				log.Fatal(err)
			}
			stat, err = bench.ParseBenchstatCSV(f)
			f.Close()
			if err != nil {
				log.Fatal(err)
			}
		}
		rows := bench.Overhead(res, stat)
		var chart bytes.Buffer
		if err := bench.WriteOverheadSVG(&chart, "Overhead per guarded call: rasp vs libddwaf", rows); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(*svg, chart.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
		w("\n### Overhead of a guarded call\n\n![overhead ratio per sink](%s)\n\n", *svg)
		w("Medians of `go test -bench` samples (ns/op) with benchstat's 95%% interval, guarded and unguarded in the same run; " +
			"ratios are guarded/unguarded with benchstat's p-value (Mann-Whitney U). " +
			"The libddwaf column runs its RASP check on an open request context, then the same unguarded call; " +
			"its middleware row builds a WAF context per request and runs the request addresses, as a tracer does.\n\n")
		bench.OverheadTable(&sec, rows)
		w("\n### `sqlguard.Check` per dialect and statement size\n\n")
		w("short ≈ 70 B, long ≈ 4 KiB, huge ≈ 256 KiB, one benign input inlined, three inputs in all. " +
			"go-libddwaf truncates strings to 4096 bytes before the WAF sees them, so its long and huge rows check the same prefix.\n\n")
		bench.CheckTable(&sec, bench.Checks(res))
	}
	if *statOut != "" {
		b, err := os.ReadFile(*statOut)
		if err != nil {
			log.Fatal(err)
		}
		w("\n### benchstat -col /guard\n\nRatios with ± and p-values, within one run.\n\n```text\n%s```\n", b)
	}
	w("\n%s\n", endMark)

	if err := rewriteSection(*readme, sec.Bytes()); err != nil {
		log.Fatal(err)
	}
	for _, g := range groups {
		if g.Bucket == "all" {
			log.Printf("%-5s %-8s n=%4d rasp TPR %s FPR %s | libddwaf TPR %s FPR %s", g.Sink, g.Label, g.N(),
				rate(g.OursTP, g.Pos), rate(g.OursFP, g.Neg), rate(g.PeerTP, g.Pos), rate(g.PeerFP, g.Neg))
		}
	}
}

func rate(k, n int) string { return fmt.Sprintf("%5.1f%%", 100*bench.Rate(k, n)) }

func loadCases(dir string, sample int) (cases []bench.Case, skipped []string, err error) {
	sqlC, err := bench.LoadSQLCases(dir)
	if err != nil {
		return nil, nil, err
	}
	shC, err := bench.LoadShellCases(dir)
	if err != nil {
		return nil, nil, err
	}
	fsC, err := bench.LoadPathCases(dir)
	if err != nil {
		return nil, nil, err
	}
	sq, cm, fp, bn, err := bench.LoadPayloads(dir, sample)
	if err != nil {
		return nil, nil, err
	}
	all := append(append(append(sqlC, shC...), fsC...), bench.Placements(sq, cm, fp, bn)...)
	ours := bench.Ours()
	seen := map[string]bool{}
	for _, c := range all {
		if ours.Has(c.Sink) {
			cases = append(cases, c)
		} else if !seen[c.Sink] {
			seen[c.Sink] = true
			skipped = append(skipped, c.Sink)
		}
	}
	return cases, skipped, nil
}

func countDisagree(outs []bench.Outcome) int {
	n := 0
	for _, o := range outs {
		if o.Ours != o.Peer {
			n++
		}
	}
	return n
}

func cpuOf(benchOut string) string {
	if benchOut == "" {
		return ""
	}
	b, err := os.ReadFile(benchOut)
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if cpu, ok := strings.CutPrefix(l, "cpu: "); ok {
			return " (" + strings.TrimSpace(cpu) + ")"
		}
	}
	return ""
}

// rewriteSection replaces the text between the result markers of the
// README (markers included) with sec, or appends sec when the README has
// no markers yet.
func rewriteSection(name string, sec []byte) error {
	old, err := os.ReadFile(name)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	s := string(old)
	i, j := strings.Index(s, beginMark), strings.Index(s, endMark)
	var out string
	if i >= 0 && j > i {
		out = s[:i] + strings.TrimRight(string(sec), "\n") + s[j+len(endMark):]
	} else {
		out = s + "\n" + string(sec)
	}
	return os.WriteFile(name, []byte(out), 0o644)
}
