package fsguard

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/gorasp/rasp/taint"
)

// corporaDir returns the shared evaluation corpora (never copied into the
// repository), from RASP_CORPORA or next to the checkout, or skips.
func corporaDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("RASP_CORPORA")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpora")
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		t.Skipf("corpora not available at %s (set RASP_CORPORA)", dir)
	}
	return dir
}

// tally counts verdicts against a ground truth.
type tally struct{ tp, fn, tn, fp int }

func (c *tally) add(want, got bool) {
	switch {
	case want && got:
		c.tp++
	case want:
		c.fn++
	case got:
		c.fp++
	default:
		c.tn++
	}
}

func (c tally) String() string {
	rate := func(a, b int) string {
		if a+b == 0 {
			return "   n/a"
		}
		return fmt.Sprintf("%5.1f%%", 100*float64(a)/float64(a+b))
	}
	return fmt.Sprintf("detected %4d/%-5d %s   false alarms %4d/%-5d %s",
		c.tp, c.tp+c.fn, rate(c.tp, c.fn), c.fp, c.fp+c.tn, rate(c.fp, c.tn))
}

// floor is the worst a bucket may do: at least tp detections, at most fp
// false alarms. The figures are what the rules measured; a change that
// lowers detection or raises false alarms fails.
type floor struct{ tp, fp int }

func checkFloors(t *testing.T, got map[string]*tally, floors map[string]floor) {
	t.Helper()
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%-34s %v", k, *got[k])
	}
	for k, f := range floors {
		c, ok := got[k]
		if !ok {
			t.Errorf("bucket %s: no cases", k)
			continue
		}
		if c.tp < f.tp || c.fp > f.fp {
			t.Errorf("bucket %s regressed: %v; floor %d detected, %d false alarms", k, *c, f.tp, f.fp)
		}
	}
}

// TestCorpusContextual evaluates the contextual path cases of libddwaf and
// firewall-node. Rows marked "default" run with POSIX syntax, "windows" with
// Windows syntax, and "any" (firewall-node) with both. libddwaf's rows with
// an absolute input are kept in their own bucket: both upstreams flag an
// absolute input that is the whole path, and so does the absolute rule, but
// they differ on prefixes. firewall-node's checkPathStart=false rows turn
// the absolute rule off, an option fsguard does not offer; they are skipped.
func TestCorpusContextual(t *testing.T) {
	dir := corporaDir(t)
	b, err := os.ReadFile(filepath.Join(dir, "normalized", "path_contextual_cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Cases []struct {
			Source         string `json:"source"`
			Path           string `json:"path"`
			Input          string `json:"input"`
			Platform       string `json:"platform"`
			Expected       bool   `json:"expected_injection"`
			CheckPathStart *bool  `json:"checkPathStart"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]*tally{}
	for _, c := range doc.Cases {
		if c.CheckPathStart != nil && !*c.CheckPathStart {
			continue
		}
		src, _, _ := strings.Cut(c.Source, ":")
		src = src[strings.IndexByte(src, '/')+1:]
		var sets []sepSet
		switch c.Platform {
		case "windows":
			sets = []sepSet{windowsSeps}
		case "default":
			sets = []sepSet{posixSeps}
		default:
			sets = []sepSet{posixSeps, windowsSeps}
		}
		for _, s := range sets {
			bucket := src + "/" + s.String()
			if src == "libddwaf" && s.isAbs(c.Input) {
				bucket += "/absolute"
			}
			_, r, err := checkPath(c.Path, []taint.Input{{Source: taint.SourceQuery, Key: "f", Value: c.Input}}, s, ruleFacts)
			if err != nil {
				t.Fatalf("%s: %v", c.Source, err)
			}
			if got[bucket] == nil {
				got[bucket] = new(tally)
			}
			got[bucket].add(c.Expected, r != ruleNone)
			if testing.Verbose() && c.Expected != (r != ruleNone) {
				t.Logf("disagree %-8s %-26s path=%q input=%q want=%v got=%v", s.String(), c.Source[strings.LastIndexByte(c.Source, '#')+1:], c.Path, c.Input, c.Expected, r)
			}
		}
	}
	checkFloors(t, got, map[string]floor{
		"libddwaf/posix":            {tp: 7, fp: 0},
		"libddwaf/posix/absolute":   {tp: 1, fp: 1},
		"libddwaf/windows":          {tp: 18, fp: 0},
		"libddwaf/windows/absolute": {tp: 8, fp: 1},
		"firewall-node/posix":       {tp: 33, fp: 3},
		"firewall-node/windows":     {tp: 36, fp: 3},
	})
}

// TestCorpusTraversalLists places every PayloadsAllTheThings
// Directory_Traversal payload, raw and URL-decoded once (as a handler sees
// a query value), into three path templates on POSIX: filepath.Join(base,
// p), base+"/"+p and filepath.Join(base, p+".html"), and into Join and
// concatenation with Windows syntax. The truth is the syntax: a payload is
// an attack iff the cleaned path leaves base, or it carries a NUL byte.
func TestCorpusTraversalLists(t *testing.T) {
	dir := filepath.Join(corporaDir(t), "swisskyrepo-PayloadsAllTheThings", "Directory_Traversal", "Intruder")
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Skipf("no payload lists in %s", dir)
	}
	const base = "/srv/app/data"
	// winJoin is filepath.Join with Windows syntax, for a rooted base
	// without a drive: both separators count, and Clean writes '\'.
	winJoin := func(elems ...string) string {
		p := strings.ReplaceAll(strings.Join(elems, "/"), "\\", "/")
		return strings.ReplaceAll(path.Clean(p), "/", "\\")
	}
	templates := []struct {
		name string
		s    sepSet
		make func(string) string
	}{
		{"posix/join", posixSeps, func(p string) string { return filepath.Join(base, p) }},
		{"posix/concat", posixSeps, func(p string) string { return base + "/" + p }},
		{"posix/join+suffix", posixSeps, func(p string) string { return filepath.Join(base, p+".html") }},
		{"windows/join", windowsSeps, func(p string) string { return winJoin(base, p) }},
		{"windows/concat", windowsSeps, func(p string) string { return strings.ReplaceAll(base, "/", "\\") + "\\" + p }},
	}
	got := map[string]*tally{}
	var missed []string
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<16), 1<<20)
		for sc.Scan() {
			line := strings.TrimRight(sc.Text(), "\r")
			if line == "" {
				continue
			}
			line = strings.ReplaceAll(line, "{FILE}", "etc/passwd")
			variants := []struct{ name, v string }{{"raw", line}}
			if d, err := url.QueryUnescape(line); err == nil && d != line {
				variants = append(variants, struct{ name, v string }{"decoded", d})
			}
			for _, v := range variants {
				for _, tpl := range templates {
					p := tpl.make(v.v)
					clean := filepath.Clean(p)
					if tpl.s.windows {
						clean = winJoin(p)
						clean = strings.ReplaceAll(clean, "\\", "/")
					}
					leaves := clean != base && !strings.HasPrefix(clean, base+"/")
					want := leaves || strings.IndexByte(v.v, 0) >= 0
					_, r, err := checkPath(p, []taint.Input{{Source: taint.SourceQuery, Key: "f", Value: v.v}}, tpl.s, ruleFacts)
					if err != nil {
						t.Fatalf("%q: %v", p, err)
					}
					k := tpl.name + "/" + v.name
					if got[k] == nil {
						got[k] = new(tally)
					}
					got[k].add(want, r != ruleNone)
					if want != (r != ruleNone) && len(missed) < 20 {
						missed = append(missed, fmt.Sprintf("%s want=%v got=%v %q -> %q", k, want, r, v.v, p))
					}
				}
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range missed {
		t.Log("disagree", m)
	}
	checkFloors(t, got, map[string]floor{
		"posix/join/raw":            {tp: 636, fp: 0},
		"posix/join/decoded":        {tp: 975, fp: 0},
		"posix/concat/raw":          {tp: 636, fp: 0},
		"posix/concat/decoded":      {tp: 975, fp: 0},
		"posix/join+suffix/raw":     {tp: 636, fp: 0},
		"posix/join+suffix/decoded": {tp: 975, fp: 0},
		"windows/join/raw":          {tp: 1368, fp: 0},
		"windows/join/decoded":      {tp: 1418, fp: 0},
		"windows/concat/raw":        {tp: 1368, fp: 0},
		"windows/concat/decoded":    {tp: 1418, fp: 0},
	})
}

// TestCorpusClimbBenign measures the false-alarm rate of the climb rule (an
// input made only of ".." elements is traversal whatever path the request
// opens) on the benign inputs of the corpora: the normalized benign set
// (libinjection false positives, gotestwaf texts, blns) and CRS's likely
// benign values, both path syntaxes.
func TestCorpusClimbBenign(t *testing.T) {
	dir := corporaDir(t)
	var values []string
	var bf struct {
		Inputs []struct {
			Input string `json:"input"`
		} `json:"inputs"`
	}
	var cf struct {
		Values []struct {
			Value string `json:"value"`
		} `json:"values"`
	}
	for _, f := range []struct {
		path string
		v    any
	}{
		{filepath.Join(dir, "normalized", "benign_inputs.json"), &bf},
		{filepath.Join(dir, "coreruleset-coreruleset", "crs_negative_values_likely_benign.json"), &cf},
	} {
		b, err := os.ReadFile(f.path)
		if err != nil {
			t.Skipf("benign set missing: %v", err)
		}
		if err := json.Unmarshal(b, f.v); err != nil {
			t.Fatalf("%s: %v", f.path, err)
		}
	}
	for _, in := range bf.Inputs {
		values = append(values, in.Input)
	}
	for _, v := range cf.Values {
		values = append(values, v.Value)
	}
	if len(values) < 1000 {
		t.Fatalf("only %d benign values loaded", len(values))
	}
	for _, s := range []sepSet{posixSeps, windowsSeps} {
		flagged := 0
		for _, v := range values {
			in := []taint.Input{{Source: taint.SourceQuery, Key: "q", Value: v}}
			if _, r, _ := checkPath("/srv/app/templates/page.html", in, s, ruleFacts); r == ruleClimb {
				flagged++
				t.Logf("%s: climb rule flags benign %q", s, v)
			}
		}
		t.Logf("%s: climb rule false alarms %d/%d benign values", s, flagged, len(values))
		if flagged > 0 {
			t.Errorf("%s: climb rule flagged %d benign values", s, flagged)
		}
	}
}
