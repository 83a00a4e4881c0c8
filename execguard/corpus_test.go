package execguard

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// corpusDir holds the shared evaluation corpora; the tests that read it
// skip when it is absent.
var corpusDir = filepath.Join("..", "..", "shared", "corpora", "normalized")

type corpusCase struct {
	Source   string         `json:"source"`
	Kind     string         `json:"kind"`
	Command  string         `json:"command"`
	Argv     []any          `json:"argv"`
	Input    *string        `json:"input"`
	Params   map[string]any `json:"input_params"`
	ParamsY  string         `json:"input_params_yaml"`
	Platform string         `json:"platform"`
	Expected bool           `json:"expected_injection"`
}

func loadCorpus(t *testing.T) []corpusCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, "shell_contextual_cases.json"))
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	var doc struct {
		Cases []corpusCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Cases
}

// inputs returns the request inputs of a case.
func (c corpusCase) inputs() []taint.Input {
	if c.Input != nil {
		return []taint.Input{{Source: taint.SourceQuery, Key: "q", Value: *c.Input}}
	}
	var out []taint.Input
	for k, v := range c.Params {
		if s, ok := v.(string); ok {
			out = append(out, taint.Input{Source: taint.SourceForm, Key: k, Value: s})
		}
	}
	for _, line := range strings.Split(c.ParamsY, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		v = strings.TrimSuffix(strings.TrimSpace(v), ",")
		if u, err := strconv.Unquote(v); err == nil {
			out = append(out, taint.Input{Source: taint.SourceForm, Key: k, Value: u})
		}
	}
	return out
}

func (c corpusCase) argv() []string {
	var out []string
	for _, a := range c.Argv {
		if s, ok := a.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// bucket names the group a case is reported in.
func (c corpusCase) bucket() string {
	src, _, _ := strings.Cut(c.Source, ":")
	b := src + "/" + c.Kind
	if c.Platform == "windows" {
		b += "/windows"
	}
	return b
}

type rate struct{ tp, fn, tn, fp int }

func (r rate) tpr() float64 {
	if r.tp+r.fn == 0 {
		return 1
	}
	return float64(r.tp) / float64(r.tp+r.fn)
}

func (r rate) fpr() float64 {
	if r.tn+r.fp == 0 {
		return 0
	}
	return float64(r.fp) / float64(r.tn+r.fp)
}

// policyFinding reports whether a finding comes from a rule of issue 16
// that the upstream labels, which follow other policies, do not share: an
// input that names the program (a bare name such as "ls" included), or that
// supplies an option of a command inside a script. Such rows are counted
// apart from the rows labelled by syntax.
func policyFinding(c corpusCase, f rasp.Finding) bool {
	switch f.Reason {
	case "input names the program to run", "input supplies the program and its arguments (the start of the command line)":
		return true
	case "input supplies an option name":
		for _, a := range c.argv() {
			if strings.HasPrefix(a, strings.TrimSpace(f.Input.Value)) {
				return false // a top-level argv option: the rule as it was
			}
		}
		return true
	}
	return false
}

// evalFinding runs the pure check a case calls for.
func evalFinding(c corpusCase) (rasp.Finding, bool) {
	in := c.inputs()
	switch c.Kind {
	case "shell_string":
		return CheckShell(c.Command, in)
	case "shell_argv_joined":
		// The upstream detector joins argv with spaces and runs it as a
		// shell script; an input is looked for inside one element only,
		// since each element is one value of the application.
		var within []taint.Input
		for _, x := range in {
			for _, a := range c.argv() {
				if strings.Contains(a, x.Value) {
					within = append(within, x)
					break
				}
			}
		}
		return CheckShell(strings.Join(c.argv(), " "), within)
	default:
		return CheckArgv(c.argv(), in)
	}
}

// TestCorpusShellContextual evaluates the contextual corpus and guards the
// rates measured when the rules were written against regression. Rows where
// the rules and the upstream verdicts disagree are printed with -v and
// EXECGUARD_DISAGREE=1. They fall in these groups, each argued from the
// syntax:
//
//   - Upstream flags a bare program name that equals the input ("halt",
//     "reboot", "rm" after xargs or find -exec, "ls -l" as one quoted
//     word): a PATH lookup of a bare name picks an installed program, and
//     the rules flag only paths and shell or interpreter names.
//
//   - Upstream treats "" and "" as separators: in sh they are word
//     characters, so "lsrm" is one word.
//
//   - Upstream ignores single characters ("*", "`", "~"): the rules flag a
//     glob, a parse break or a tilde expansion whatever its length.
//
//   - Upstream accepts an input that word-splits ("-r -t", "-l file",
//     "ls -l" after time) or closes a substitution ("ls)"): the rules flag
//     any unquoted blank or operator an input adds.
//
//   - "/usr/bin/reboot -f" with input "-f": the option rule flags an input
//     that supplies a whole option name.
//
//   - Scripts broken without the input ("echo >(ls -l))") are faults, not
//     findings; "!" in double quotes is literal in a non-interactive shell.
//
//   - Windows paths ("C:\Temp\x.ps1") are out of scope.
//
//   - Since issue 16, an input that names the program (bare names
//     included) or supplies an option of a command inside a script is a
//     finding; upstream labels some such rows benign ("ls" for ls -l,
//     "-l" inside ash -c "ls -l ; ..."). They are counted apart, as policy
//     rows, and the thresholds below hold for the rows labelled by syntax.
//
// For shell_argv_joined rows the upstream detector joins argv with spaces
// and looks for the input inside one element; the harness does the same.
func TestCorpusShellContextual(t *testing.T) {
	cases := loadCorpus(t)
	rates := map[string]*rate{}
	total := &rate{}
	policy := map[string]int{}
	for _, c := range cases {
		f, got := evalFinding(c)
		if got && !c.Expected && policyFinding(c, f) {
			policy[c.bucket()]++
			if testing.Verbose() && os.Getenv("EXECGUARD_DISAGREE") != "" {
				t.Logf("policy %s cmd=%q argv=%q inputs=%+v: %s", c.bucket(), c.Command, c.argv(), c.inputs(), f.Reason)
			}
			continue
		}
		r := rates[c.bucket()]
		if r == nil {
			r = &rate{}
			rates[c.bucket()] = r
		}
		for _, r := range []*rate{r, total} {
			switch {
			case c.Expected && got:
				r.tp++
			case c.Expected:
				r.fn++
			case got:
				r.fp++
			default:
				r.tn++
			}
		}
		if got != c.Expected && testing.Verbose() && os.Getenv("EXECGUARD_DISAGREE") != "" {
			t.Logf("disagree want=%v %s cmd=%q argv=%q inputs=%+v", c.Expected, c.bucket(), c.Command, c.argv(), c.inputs())
		}
	}
	var names []string
	for k := range rates {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		r := rates[k]
		t.Logf("%-45s TPR %3d/%3d = %.3f  FPR %3d/%3d = %.3f  (+%d policy rows)", k, r.tp, r.tp+r.fn, r.tpr(), r.fp, r.fp+r.tn, r.fpr(), policy[k])
	}
	t.Logf("%-45s TPR %3d/%3d = %.3f  FPR %3d/%3d = %.3f", "all", total.tp, total.tp+total.fn, total.tpr(), total.fp, total.fp+total.tn, total.fpr())
	// The false positives of the rows labelled by syntax are those measured
	// before issue 16; its rules raised the true positives and added the
	// policy rows counted apart.
	measured := map[string]struct{ minTP, maxFP, maxPolicy int }{
		"AikidoSec/firewall-node/shell_string": {78, 3, 2},
		"DataDog/libddwaf/exec_argv":           {188, 2, 5},
		"DataDog/libddwaf/exec_argv/windows":   {47, 0, 0},
		"DataDog/libddwaf/shell_argv_joined":   {27, 5, 1},
		"DataDog/libddwaf/shell_string":        {31, 5, 1},
	}
	for k, m := range measured {
		if r := rates[k]; r == nil || r.tp < m.minTP || r.fp > m.maxFP || policy[k] > m.maxPolicy {
			t.Errorf("%s: regressed below the measured TP %d, FP %d, policy rows %d", k, m.minTP, m.maxFP, m.maxPolicy)
		}
	}
}

// payloadTemplates place a context-free payload into a command.
var payloadTemplates = []struct {
	name   string
	script func(p string) string // nil for the argv template
}{
	{"unquoted", func(p string) string { return "ping -c 1 " + p }},
	{"single-quoted", func(p string) string { return "ping -c 1 '" + p + "'" }},
	{"double-quoted", func(p string) string { return `ping -c 1 "` + p + `"` }},
	{"argv", nil},
}

// staysLiteral is the reference label of a placement, computed from the
// parse and independent of the rules under test: the script must still be
// the one command "ping -c 1 WORD" in the POSIX and the Bash variant, WORD
// made only of literal and quoted text, one field after expansion, with no
// unquoted glob, brace or tilde character. same reports that WORD's value
// is the payload; when it is not (';id;' unquoted gives ping the one
// argument ;id;), the payload re-quoted or escaped its own text without
// changing the command, and the placement is counted apart.
func staysLiteral(script, payload string) (literal, same bool) {
	for _, v := range []syntax.LangVariant{syntax.LangPOSIX, syntax.LangBash} {
		f, err := syntax.NewParser(syntax.Variant(v)).Parse(strings.NewReader(script), "")
		if err != nil || len(f.Stmts) != 1 || len(f.Last) != 0 {
			return false, false
		}
		st := f.Stmts[0]
		call, ok := st.Cmd.(*syntax.CallExpr)
		if !ok || st.Background || st.Negated || len(st.Redirs) != 0 || len(call.Assigns) != 0 || len(call.Args) != 4 {
			return false, false
		}
		w := call.Args[3]
		for _, part := range w.Parts {
			switch part := part.(type) {
			case *syntax.Lit:
				if strings.ContainsAny(part.Value, "*?[]{}~") {
					return false, false
				}
			case *syntax.SglQuoted:
				if part.Dollar {
					return false, false
				}
			case *syntax.DblQuoted:
				for _, dp := range part.Parts {
					if _, ok := dp.(*syntax.Lit); !ok {
						return false, false
					}
				}
			default:
				return false, false
			}
		}
		fields, err := expand.Fields(nil, w)
		if err != nil || len(fields) != 1 {
			return false, false
		}
		same = fields[0] == payload
	}
	return true, same
}

// TestCorpusCmdiPayloads places every command-injection payload into
// templates, labels each placement from the syntax, and measures the
// detection and false-positive rates. Properly quoted placements
// (syntax.Quote) and the benign inputs must never be flagged.
func TestCorpusCmdiPayloads(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(corpusDir, "cmdi_payloads.json"))
	if err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	var doc struct {
		Payloads []struct {
			Payload string `json:"payload"`
		} `json:"payloads"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	rates := map[string]*rate{}
	requoted := map[string]*[2]int{} // flagged, cleared
	for _, tpl := range payloadTemplates {
		r := &rate{}
		rates[tpl.name] = r
		rq := &[2]int{}
		requoted[tpl.name] = rq
		for _, row := range doc.Payloads {
			p := row.Payload
			if !checkable(p) {
				continue
			}
			in := []taint.Input{q(p)}
			var label, got bool
			if tpl.script == nil {
				argv := []string{"ping", "-c", "1", p}
				label = isOption(p)
				_, got = CheckArgv(argv, in)
			} else {
				s := tpl.script(p)
				literal, same := staysLiteral(s, p)
				label = !literal
				_, got = CheckShell(s, in)
				if literal && !same {
					if got {
						rq[0]++
					} else {
						rq[1]++
					}
					continue
				}
			}
			switch {
			case label && got:
				r.tp++
			case label:
				r.fn++
				if testing.Verbose() && os.Getenv("EXECGUARD_DISAGREE") != "" {
					t.Logf("missed %s %q", tpl.name, p)
				}
			case got:
				r.fp++
				if testing.Verbose() && os.Getenv("EXECGUARD_DISAGREE") != "" {
					t.Logf("false positive %s %q", tpl.name, p)
				}
			default:
				r.tn++
			}
		}
	}
	// Measured when the rules were written. The one double-quoted false
	// positive is "$;/usr/bin/id": a lone "$" is literal there, but the
	// rules refuse any unescaped "$" an input adds inside double quotes.
	// Re-quoted placements are only reported: the rules clear those whose
	// quotes pair up around the payload's own text (see litWord.forgiven)
	// and flag those that escape with a backslash ("\n" unquoted).
	measured := map[string]struct{ minTP, maxFP int }{
		"unquoted": {468, 0}, "single-quoted": {86, 0}, "double-quoted": {112, 1}, "argv": {0, 0},
	}
	for _, tpl := range payloadTemplates {
		r := rates[tpl.name]
		rq := requoted[tpl.name]
		t.Logf("cmdi payloads %-14s TPR %3d/%3d = %.3f  FPR %3d/%3d = %.3f  re-quoted %d flagged, %d cleared",
			tpl.name, r.tp, r.tp+r.fn, r.tpr(), r.fp, r.fp+r.tn, r.fpr(), rq[0], rq[1])
		if m := measured[tpl.name]; r.tp < m.minTP || r.fp > m.maxFP || r.fn > 0 {
			t.Errorf("%s: rates regressed below the measured TP %d, FP %d, FN 0", tpl.name, m.minTP, m.maxFP)
		}
	}

	// Quoted with syntax.Quote: never a finding.
	var benign []string
	for _, row := range doc.Payloads {
		benign = append(benign, row.Payload)
	}
	if b, err := os.ReadFile(filepath.Join(corpusDir, "benign_inputs.json")); err == nil {
		var bd struct {
			Inputs []struct {
				Input string `json:"input"`
			} `json:"inputs"`
		}
		if err := json.Unmarshal(b, &bd); err != nil {
			t.Fatal(err)
		}
		for _, row := range bd.Inputs {
			benign = append(benign, row.Input)
		}
	}
	fp, n := 0, 0
	for _, p := range benign {
		quoted, err := syntax.Quote(p, syntax.LangBash)
		if err != nil || !checkable(p) {
			continue // a NUL byte cannot be quoted
		}
		n++
		// A value that starts an option ("-Infinity" is ping's -I) is
		// flagged by the option rule, which applies inside scripts too.
		if f, ok := CheckShell("ping -c 1 "+quoted, []taint.Input{q(p)}); ok && !isOption(strings.TrimSpace(p)) {
			fp++
			t.Errorf("quoted value flagged: %q in %q: %s", p, f.Target, f.Reason)
		}
		if f, ok := CheckArgv([]string{"grep", "-e", p, "file"}, []taint.Input{q(p)}); ok && !isOption(p) {
			t.Errorf("argv value flagged: %q: %s", p, f.Reason)
		}
	}
	t.Logf("quoted placements: %d values, %d false positives", n, fp)
}
