package pgxguard

import (
	"bufio"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gorasp/rasp/sqlguard"
	"github.com/gorasp/rasp/taint"
)

// cleanCases returns (statement, input) pairs: sqlguard's PostgreSQL
// cases, and the shared corpora's contextual cases when present.
func cleanCases(t *testing.T) [][2]string {
	t.Helper()
	var cases [][2]string
	f, err := os.Open(filepath.Join("..", "sqlguard", "testdata", "postgres", "cases.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var query string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "query: "); ok {
			if query, err = strconv.Unquote(v); err != nil {
				t.Fatal(err)
			}
		} else if v, ok := strings.CutPrefix(line, "input: "); ok {
			in, err := strconv.Unquote(v)
			if err != nil {
				t.Fatal(err)
			}
			cases = append(cases, [2]string{query, in})
		}
	}
	if len(cases) < 50 {
		t.Fatalf("read %d cases from sqlguard's testdata", len(cases))
	}
	dir := os.Getenv("RASP_CORPORA")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpora")
	}
	if b, err := os.ReadFile(filepath.Join(dir, "normalized", "sqli_contextual_cases.json")); err == nil {
		var c struct {
			Cases []struct{ Query, Input string }
		}
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		for _, k := range c.Cases {
			cases = append(cases, [2]string{k.Query, k.Input})
		}
	} else {
		t.Logf("corpora not available at %s: sqlguard's cases only", dir)
	}
	return cases
}

// The clean-verdict memory gives sqlguard.Analyze's result for every
// statement and input list, on the first call and on every later one.
func TestAnalyzeIsSqlguards(t *testing.T) {
	*clean = cleanMemory{seed: clean.seed}
	cases := cleanCases(t)
	q := func(v string) taint.Input { return taint.Input{Source: taint.SourceQuery, Key: "q", Value: v} }
	hits := 0
	for _, c := range cases {
		stmt, in := c[0], c[1]
		lists := [][]taint.Input{
			{q(in)},
			{{Source: taint.SourceQuery, Value: in, IsKey: true}},
			{q("api"), q(" " + in + " "), q("x")},
			{q("SELECT"), q(in), q("2"), q("id"), q(in)},
			{q(in), q("WHERE"), q(strings.Repeat("z", len(stmt)+1)), q("\t" + in)},
		}
		for _, inputs := range lists {
			want := sqlguard.Analyze(sqlguard.DialectPostgres, stmt, inputs)
			for round := range 2 {
				if got := analyze(stmt, inputs); !reflect.DeepEqual(got, want) {
					t.Fatalf("analyze(%q, %+v) round %d = %+v, want %+v", stmt, inputs, round, got, want)
				}
			}
			h, found := keyOf(stmt, inputs)
			if e := clean.slots[h&(cleanSlots-1)].Load(); len(found) > 0 && e != nil && e.matches(h, stmt, inputs, found) {
				hits++
			}
		}
	}
	if hits == 0 {
		t.Fatal("no clean verdict was remembered")
	}
	t.Logf("%d cases, %d remembered verdicts", len(cases), hits)
}

func keyOf(stmt string, inputs []taint.Input) (uint64, []occurrence) {
	var occ [maxCleanInputs]occurrence
	n := scan(stmt, inputs, &occ)
	return clean.hash(stmt, inputs, occ[:n]), occ[:n]
}

// A remembered verdict answers only for its statement and the same
// occurring inputs: another value, key flag or gap is analyzed afresh.
func TestCleanEntryIsExact(t *testing.T) {
	*clean = cleanMemory{seed: clean.seed}
	stmt := "SELECT name FROM items WHERE id = $1"
	base := []taint.Input{{Value: "api"}, {Value: "name"}, {Value: "id"}, {Value: "Mozilla"}}
	if r := analyze(stmt, base); !r.Occurs || r.Injection {
		t.Fatalf("base: %+v", r)
	}
	h, found := keyOf(stmt, base)
	if e := clean.slots[h&(cleanSlots-1)].Load(); e == nil || !e.matches(h, stmt, base, found) {
		t.Fatal("clean verdict not remembered")
	}
	same := []taint.Input{{Value: "v1"}, {Value: "name"}, {Value: "id"}, {Value: "curl/8"}, {Value: "more"}}
	h2, found2 := keyOf(stmt, same)
	if e := clean.slots[h2&(cleanSlots-1)].Load(); e == nil || !e.matches(h2, stmt, same, found2) {
		t.Fatal("a request differing in non-occurring inputs only does not share the verdict")
	}
	for name, inputs := range map[string][]taint.Input{
		"value":     {{Value: "api"}, {Value: "name"}, {Value: "id ="}},
		"key":       {{Value: "api"}, {Value: "name", IsKey: true}, {Value: "id"}},
		"gap":       {{Value: "api"}, {Value: "b"}, {Value: "name"}, {Value: "id"}},
		"statement": {{Value: "api"}, {Value: "name"}, {Value: "id"}},
	} {
		s := stmt
		if name == "statement" {
			s = "SELECT name FROM items WHERE id = $2"
		}
		h, found := keyOf(s, inputs)
		for k := range clean.slots {
			if e := clean.slots[k].Load(); e != nil && e.matches(h, s, inputs, found) {
				t.Errorf("%s: the entry of %q answers for %q %+v", name, stmt, s, inputs)
			}
		}
	}
	// An injection is never remembered.
	inj := []taint.Input{{Value: "1 OR 1=1"}}
	s := "SELECT name FROM items WHERE id = 1 OR 1=1"
	for range 2 {
		if r := analyze(s, inj); !r.Injection {
			t.Fatalf("injection not found: %+v", r)
		}
	}
}

func TestScanGaps(t *testing.T) {
	stmt := "SELECT name FROM t"
	inputs := []taint.Input{
		{Value: "x"},                     // searched once
		{Value: " y "},                   // value and trimmed text: twice
		{Value: ""},                      // not searched
		{Value: strings.Repeat("q", 40)}, // longer than the statement: not searched
		{Value: " name"},                 // occurs trimmed
		{Value: "zz"},                    // after the last occurrence
	}
	var occ [maxCleanInputs]occurrence
	n := scan(stmt, inputs, &occ)
	if n != 1 || occ[0] != (occurrence{in: 4, gap: 3}) {
		t.Fatalf("scan = %v", occ[:n])
	}
}

// scan finds exactly the inputs whose value, or trimmed value, is a
// substring of the statement, with the gaps TestScanGaps describes.
func TestScanIsSubstringSearch(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	// Unicode white space too: strings.TrimSpace trims it, and so does
	// an application.
	alphabet := strings.Split("a b  ( ) , ' = \t \n $ 1 S E L C T \u00a0 \u3000 \u0085", " ")
	alphabet = append(alphabet, " ")
	word := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	for range 20000 {
		stmt := word(r.IntN(40))
		inputs := make([]taint.Input, r.IntN(8))
		for i := range inputs {
			switch v := word(r.IntN(6)); r.IntN(3) {
			case 0:
				if len(stmt) > 0 { // a substring of the statement
					j := r.IntN(len(stmt))
					inputs[i].Value = stmt[j : j+r.IntN(len(stmt)-j+1)]
				}
			case 1:
				inputs[i].Value = " " + v + "\t"
			default:
				inputs[i].Value = v
			}
		}
		var want []occurrence
		gap := int32(0)
		for i, in := range inputs {
			v := in.Value
			if v == "" {
				continue
			}
			tv := strings.TrimSpace(v)
			if tv == v {
				tv = ""
			}
			searched, hit := int32(0), false
			for _, s := range []string{v, tv} {
				if s != "" && len(s) <= len(stmt) {
					searched++
					hit = hit || strings.Contains(stmt, s)
				}
			}
			if hit {
				want = append(want, occurrence{in: int32(i), gap: gap})
				gap = 0
			} else {
				gap += searched
			}
		}
		var occ [maxCleanInputs]occurrence
		n := scan(stmt, inputs, &occ)
		if !slices.Equal(occ[:n], want) {
			t.Fatalf("scan(%q, %+v) = %v, want %v", stmt, inputs, occ[:n], want)
		}
	}
}
