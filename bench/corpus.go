package bench

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gorasp/rasp/taint"
)

// The sinks of the comparison.
const (
	SinkSQL   = "sql"
	SinkShell = "shell" // a script run by sh -c
	SinkExec  = "exec"  // an exec-style argv
	SinkFS    = "fs"
)

// Who labelled a case.
const (
	LabelLibddwaf = "libddwaf" // libddwaf's own unit tests
	LabelAikido   = "aikido"   // Aikido's unit tests (AGPL: local evaluation only)
	LabelSyntax   = "syntax"   // a payload placed in a template, labelled from the syntax
)

// Case is one check to run on both sides: a sink argument, the request
// inputs, and the expected verdict. A case never leaves this process with
// its text: reports name it by ID only, because some sources are AGPL.
type Case struct {
	ID     string // corpus file and index, or placement recipe and payload index
	Label  string // LabelLibddwaf, LabelAikido or LabelSyntax
	Sink   string // SinkSQL, SinkShell, SinkExec or SinkFS
	Bucket string // dialect for SQL ("mysql", "postgresql", "sqlite"); form or platform otherwise
	Target string // statement, shell script or path
	Argv   []string
	Inputs []taint.Input
	Want   bool
}

// CorporaDir returns the directory of the shared evaluation corpora:
// $RASP_CORPORA, else the first of ../../shared/corpora and
// ../shared/corpora that exists (seen from bench/ and from the project
// root).
func CorporaDir() (string, error) {
	if d := os.Getenv("RASP_CORPORA"); d != "" {
		return d, nil
	}
	for _, d := range []string{"../../shared/corpora", "../shared/corpora"} {
		if st, err := os.Stat(filepath.Join(d, "normalized")); err == nil && st.IsDir() {
			return d, nil
		}
	}
	return "", errors.New("corpora not found: set RASP_CORPORA")
}

// Dialects is the SQL dialects both sides support, in libddwaf's names.
var Dialects = []string{"mysql", "postgresql", "sqlite"}

func labelOf(source string) string {
	switch {
	case strings.HasPrefix(source, "DataDog/libddwaf"):
		return LabelLibddwaf
	case strings.HasPrefix(source, "AikidoSec/"):
		return LabelAikido
	}
	return "other"
}

func query(v string) []taint.Input {
	return []taint.Input{{Source: taint.SourceQuery, Key: "q", Value: v}}
}

func readJSON(dir, name string, v any) error {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// LoadSQLCases reads normalized/sqli_contextual_cases.json: one case per
// row and supported dialect (rows for "generic" or "clickhouse" only are
// skipped: neither side has those dialects).
func LoadSQLCases(dir string) ([]Case, error) {
	const name = "normalized/sqli_contextual_cases.json"
	var f struct {
		Cases []struct {
			Source   string   `json:"source"`
			Dialects []string `json:"dialects"`
			Query    string   `json:"query"`
			Input    string   `json:"input"`
			Want     bool     `json:"expected_injection"`
		} `json:"cases"`
	}
	if err := readJSON(dir, name, &f); err != nil {
		return nil, err
	}
	var out []Case
	for i, r := range f.Cases {
		for _, d := range Dialects {
			if !contains(r.Dialects, d) {
				continue
			}
			out = append(out, Case{
				ID: fmt.Sprintf("%s#%d/%s", name, i, d), Label: labelOf(r.Source),
				Sink: SinkSQL, Bucket: d, Target: r.Query, Inputs: query(r.Input), Want: r.Want,
			})
		}
	}
	return out, nil
}

// LoadShellCases reads normalized/shell_contextual_cases.json. A
// shell_string row is a [SinkShell] case in bucket "string"; a
// shell_argv_joined row is a [SinkShell] case in bucket "argv" (the words
// are joined by spaces and run by a shell); an exec_argv row is a
// [SinkExec] case in a bucket named by its platform, except that rows
// where an input is the whole absolute executable go to "absolute-exe":
// a policy may legitimately differ there.
func LoadShellCases(dir string) ([]Case, error) {
	const name = "normalized/shell_contextual_cases.json"
	var f struct {
		Cases []struct {
			Source      string            `json:"source"`
			Kind        string            `json:"kind"`
			Command     string            `json:"command"`
			Argv        []any             `json:"argv"`
			Platform    string            `json:"platform"`
			Input       *string           `json:"input"`
			InputParams map[string]string `json:"input_params"`
			InputYAML   string            `json:"input_params_yaml"`
			Want        bool              `json:"expected_injection"`
		} `json:"cases"`
	}
	if err := readJSON(dir, name, &f); err != nil {
		return nil, err
	}
	var out []Case
	for i, r := range f.Cases {
		var inputs []taint.Input
		switch {
		case r.Input != nil:
			inputs = query(*r.Input)
		case r.InputParams != nil:
			inputs = params(r.InputParams)
		case r.InputYAML != "":
			inputs = params(parseFlatYAML(r.InputYAML))
		}
		// One libddwaf row tests non-string array elements, which its
		// detector skips: both sides get the strings only.
		var argv []string
		for _, a := range r.Argv {
			if s, ok := a.(string); ok {
				argv = append(argv, s)
			}
		}
		c := Case{ID: fmt.Sprintf("%s#%d", name, i), Label: labelOf(r.Source), Inputs: inputs, Want: r.Want}
		switch r.Kind {
		case "shell_string":
			c.Sink, c.Bucket, c.Target = SinkShell, "string", r.Command
		case "shell_argv_joined":
			c.Sink, c.Bucket, c.Argv, c.Target = SinkShell, "argv", argv, strings.Join(argv, " ")
		case "exec_argv":
			c.Sink, c.Bucket, c.Argv, c.Target = SinkExec, r.Platform, argv, strings.Join(argv, " ")
			if len(argv) > 0 && strings.HasPrefix(argv[0], "/") && inputIs(inputs, argv[0]) {
				c.Bucket = "absolute-exe"
			}
		default:
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// LoadPathCases reads normalized/path_contextual_cases.json. Windows rows
// go to bucket "windows" (both sides run here with POSIX path rules), rows
// where an input is a whole absolute path go to "absolute", the rest to
// "relative".
func LoadPathCases(dir string) ([]Case, error) {
	const name = "normalized/path_contextual_cases.json"
	var f struct {
		Cases []struct {
			Source   string `json:"source"`
			Path     string `json:"path"`
			Input    string `json:"input"`
			Platform string `json:"platform"`
			Want     bool   `json:"expected_injection"`
		} `json:"cases"`
	}
	if err := readJSON(dir, name, &f); err != nil {
		return nil, err
	}
	var out []Case
	for i, r := range f.Cases {
		b := "relative"
		switch {
		case r.Platform == "windows":
			b = "windows"
		case strings.HasPrefix(r.Input, "/") && strings.HasPrefix(r.Path, r.Input):
			b = "absolute"
		}
		out = append(out, Case{
			ID: fmt.Sprintf("%s#%d", name, i), Label: labelOf(r.Source),
			Sink: SinkFS, Bucket: b, Target: r.Path, Inputs: query(r.Input), Want: r.Want,
		})
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func inputIs(inputs []taint.Input, v string) bool {
	for _, in := range inputs {
		if in.Value == v {
			return true
		}
	}
	return false
}

// params turns a key/value map into query inputs, sorted by key so runs
// are reproducible.
func params(m map[string]string) []taint.Input {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]taint.Input, 0, len(keys))
	for _, k := range keys {
		out = append(out, taint.Input{Source: taint.SourceQuery, Key: k, Value: m[k]})
	}
	return out
}

var yamlLeaf = regexp.MustCompile(`^\s*([A-Za-z0-9_-]+):\s*("(?:[^"\\]|\\.)*")\s*,?\s*$`)

// parseFlatYAML reads the leaves `key: "value"` of the small YAML/JSON
// objects libddwaf's tests use for inputs; the values are double-quoted
// with JSON escapes.
func parseFlatYAML(s string) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		g := yamlLeaf.FindStringSubmatch(sc.Text())
		if g == nil {
			continue
		}
		if v, err := strconv.Unquote(g[2]); err == nil {
			m[g[1]] = v
		}
	}
	return m
}
