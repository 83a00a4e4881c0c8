package bench

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
)

const sampleBench = `goos: linux
goarch: amd64
pkg: github.com/gorasp/rasp/bench
cpu: Test CPU
BenchmarkFS/op=stat/guard=none-2         	    1000	      1000 ns/op	     256 B/op	       2 allocs/op
BenchmarkFS/op=stat/guard=none-2         	    1000	      1200 ns/op	     256 B/op	       2 allocs/op
BenchmarkFS/op=stat/guard=none-2         	    1000	      1100 ns/op	     256 B/op	       2 allocs/op
BenchmarkFS/op=stat/guard=rasp-2         	    1000	      1210 ns/op	     256 B/op	       2 allocs/op
BenchmarkFS/op=stat/guard=rasp-2         	    1000	      1250 ns/op	     256 B/op	       2 allocs/op
BenchmarkFS/op=stat/guard=rasp-2         	    1000	      1150 ns/op	     256 B/op	       2 allocs/op
BenchmarkFS/op=stat/guard=libddwaf-2     	    1000	     12100 ns/op	    2296 B/op	      27 allocs/op
BenchmarkCheck/dialect=mysql/len=short/guard=rasp-2  	 1000	  50.0 ns/op	 1400.00 MB/s	       0 B/op	       0 allocs/op
BenchmarkCheck/dialect=mysql/len=short/guard=libddwaf-2  1000	  15000 ns/op	 4.19 MB/s	    2104 B/op	      27 allocs/op
PASS
`

func TestParseBenchOverhead(t *testing.T) {
	t.Parallel()
	res, err := ParseBench(strings.NewReader(sampleBench))
	if err != nil {
		t.Fatal(err)
	}
	s := res["BenchmarkFS/op=stat/guard=none"]
	if s == nil || len(s.NsPerOp) != 3 || len(s.AllocsPerOp) != 3 {
		t.Fatalf("samples = %+v, want 3 of each", s)
	}
	rows := Overhead(res, nil)
	if len(rows) != 1 {
		t.Fatalf("got %d overhead rows, want 1 (only BenchmarkFS/op=stat has a guard=none)", len(rows))
	}
	r := rows[0]
	if r.None != 1100 || r.Rasp != 1210 || r.Peer != 12100 {
		t.Errorf("medians = %v/%v/%v, want 1100/1210/12100", r.None, r.Rasp, r.Peer)
	}
	if math.Abs(r.RaspRatio()-1.1) > 1e-9 || math.Abs(r.PeerRatio()-11) > 1e-9 {
		t.Errorf("ratios = %v, %v; want 1.1, 11", r.RaspRatio(), r.PeerRatio())
	}
	checks := Checks(res)
	if len(checks) != 1 || checks[0].Rasp != 50 || checks[0].Peer != 15000 {
		t.Errorf("checks = %+v", checks)
	}
}

func TestWriteOverheadSVG(t *testing.T) {
	t.Parallel()
	rows := []OverheadRow{
		{Sink: "fs", Label: "os.Stat <warm> & co", None: 1000, Rasp: 1100, Peer: 12000},
		{Sink: "sql", Label: "blocked", None: 6000, Rasp: 4000, Peer: 30000},
		{Sink: "http", Label: "no peer", None: 2000, Rasp: 3000},
	}
	var b bytes.Buffer
	if err := WriteOverheadSVG(&b, "title", rows); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(b.Bytes()))
	var texts []string
	rects := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if tok.Name.Local == "rect" {
				rects++
			}
		case xml.CharData:
			texts = append(texts, string(tok))
		}
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{"fs: os.Stat <warm> & co", "1.10×", "12×", "0.67×", "http: no peer"} {
		if !strings.Contains(all, want) {
			t.Errorf("chart text lacks %q", want)
		}
	}
	// Background, two legend swatches, five bars (the last row has no peer).
	if rects != 1+2+5 {
		t.Errorf("got %d rects, want 8", rects)
	}
}

func TestSummarizeAndTargets(t *testing.T) {
	t.Parallel()
	mk := func(bucket string, want, ours, peer bool) Outcome {
		return Outcome{Case: Case{Sink: SinkSQL, Bucket: bucket, Label: LabelSyntax, Want: want}, Ours: ours, Peer: peer, OursNS: 100, PeerNS: 2000}
	}
	outs := []Outcome{
		mk("mysql", true, true, false),
		mk("mysql", true, true, true),
		mk("mysql", false, false, true),
		mk("sqlite", false, false, false),
	}
	groups := Summarize(outs)
	var all, my *Group
	for i := range groups {
		switch groups[i].Bucket {
		case "all":
			all = &groups[i]
		case "mysql":
			my = &groups[i]
		}
	}
	if all == nil || my == nil {
		t.Fatalf("groups = %+v", groups)
	}
	if my.Pos != 2 || my.Neg != 1 || my.OursTP != 2 || my.PeerTP != 1 || my.PeerFP != 1 || my.Agree != 1 {
		t.Errorf("mysql group = %+v", *my)
	}
	if all.N() != 4 || all.Agree != 2 || all.OursNS != 100 || all.PeerNS != 2000 {
		t.Errorf("all group = %+v", *all)
	}
	if groups[len(groups)-1].Bucket != "all" {
		t.Error("the all bucket must come after the sink's buckets")
	}
	for _, tg := range Targets(groups) {
		if !tg.Met {
			t.Errorf("target %q not met: %s", tg.What, tg.Note)
		}
	}
}

func TestDisagreementsNameCasesOnly(t *testing.T) {
	t.Parallel()
	secret := "SELECT secret_row_text FROM t WHERE x = 'zz'"
	outs := []Outcome{
		{Case: Case{ID: "normalized/x.json#7/mysql", Target: secret, Inputs: query("zz"), Want: true}, Ours: true, Peer: false},
		{Case: Case{ID: "normalized/x.json#8/mysql", Target: secret, Want: false}, Ours: false, Peer: false},
	}
	got := Disagreements(outs)
	if strings.Contains(got, "secret_row_text") || strings.Contains(got, "'zz'") {
		t.Errorf("disagreements leak case text:\n%s", got)
	}
	if !strings.Contains(got, "normalized/x.json#7/mysql\tinjection\tinjection\tbenign") {
		t.Errorf("disagreements lack the differing case:\n%s", got)
	}
	if strings.Contains(got, "#8/") {
		t.Errorf("disagreements list an agreeing case:\n%s", got)
	}
}

func TestMedian(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}}
	for _, tt := range tests {
		if got := Median(append([]float64(nil), tt.in...)); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

const sampleBenchstatCSV = `F3: all samples are equal
goos: linux
cpu: Test CPU
,none,,rasp,,,,libddwaf,,,
,sec/op,CI,sec/op,CI,vs base,P,sec/op,CI,vs base,P
FS/op=stat-2,1.1e-06,9%,1.21e-06,4%,+10.00%,p=0.002 n=6,1.21e-05,3%,+1000.00%,p=0.002 n=6
geomean,1.1e-06,,1.21e-06,,+10.00%,,1.21e-05,,+1000.00%,

,B/op,CI,B/op,CI,vs base,P,B/op,CI,vs base,P
FS/op=stat-2,256,0%,256,0%,~,p=1.000 n=6,2296,0%,+796.88%,p=0.002 n=6
`

func TestOverheadWithBenchstat(t *testing.T) {
	t.Parallel()
	stat, err := ParseBenchstatCSV(strings.NewReader(sampleBenchstatCSV))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]StatCell{"none": {CI: "9%"}, "rasp": {CI: "4%", P: "p=0.002 n=6"}, "libddwaf": {CI: "3%", P: "p=0.002 n=6"}}
	got := stat["FS/op=stat"]
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %+v, want %+v", k, got[k], v)
		}
	}
	res, err := ParseBench(strings.NewReader(sampleBench))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	OverheadTable(&b, Overhead(res, stat))
	if line := "| fs | os.Stat, warm file | 1100 ns ±9% | 1210 ns ±4% | 1.10× (p=0.002) | +0 | 12.1 µs ±3% | 11× (p=0.002) |"; !strings.Contains(b.String(), line) {
		t.Errorf("table lacks\n%s\ngot\n%s", line, b.String())
	}
}
