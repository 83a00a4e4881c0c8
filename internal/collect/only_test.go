package collect

import (
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gorasp/rasp/taint"
)

// checkOnlyIn collects with collect twice, in full and only in target, and
// fails unless the second keeps exactly the inputs of the first that may
// occur in target (and the path segments), in the same order, counts them
// all and reaches the same limits; and unless every input that does occur
// in target, verbatim or trimmed, is kept.
func checkOnlyIn(t *testing.T, lim Limits, target string, collect func(*Collector)) {
	t.Helper()
	full := Collector{Limits: lim}
	collect(&full)
	only := Collector{Limits: lim}
	only.OnlyIn(target, new(Only))
	collect(&only)
	var want []taint.Input
	for _, in := range full.Inputs {
		occurs := strings.Contains(target, in.Value) ||
			strings.TrimSpace(in.Value) != "" && strings.Contains(target, strings.TrimSpace(in.Value))
		kept := in.Source == taint.SourcePath || only.MayOccur(in.Value)
		if occurs && !kept {
			t.Fatalf("%+v occurs in %q and is not kept", in, target)
		}
		if kept {
			want = append(want, in)
		}
	}
	if only.Count() != len(full.Inputs) || only.Reached != full.Reached {
		t.Fatalf("target %q: counted %d (%v), want %d (%v)", target, only.Count(), only.Reached, len(full.Inputs), full.Reached)
	}
	// Bounded to 2 kept inputs besides the path, it stops exactly when
	// more would be kept, and collects the same otherwise.
	bounded := Collector{Limits: lim}
	bounded.OnlyIn(target, new(Only))
	bounded.StopPast(2)
	collect(&bounded)
	if more := len(filter(want, func(in taint.Input) bool { return in.Source != taint.SourcePath })) > 2; bounded.Over() != more ||
		!more && (bounded.Count() != only.Count() || bounded.Reached != only.Reached || len(bounded.Inputs) != len(only.Inputs)) {
		t.Fatalf("target %q: bounded to 2, over %v with %d of %v", target, bounded.Over(), len(bounded.Inputs), want)
	}
	// Headers come in the map's order, which differs from walk to walk:
	// the rest in order, all of it as a set.
	notHeader := func(in taint.Input) bool { return in.Source != taint.SourceHeader }
	if !slices.Equal(filter(only.Inputs, notHeader), filter(want, notHeader)) ||
		!slices.Equal(sortInputs(slices.Clone(only.Inputs)), sortInputs(want)) {
		t.Fatalf("target %q:\n got %v\nwant %v", target, only.Inputs, want)
	}
}

func filter(in []taint.Input, keep func(taint.Input) bool) []taint.Input {
	var out []taint.Input
	for _, x := range in {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

// randTarget is a statement-like text holding a few pieces of the inputs
// of a full collection of r, some trimmed, some cut.
func randTarget(rng *rand.Rand, r *http.Request, body string) string {
	c := Collector{}
	c.Request(r)
	c.Body("", "", body)
	var b strings.Builder
	b.WriteString("SELECT * FROM t WHERE a = '")
	for range rng.IntN(4) {
		if len(c.Inputs) == 0 {
			break
		}
		v := c.Inputs[rng.IntN(len(c.Inputs))].Value
		switch rng.IntN(3) {
		case 0:
			v = strings.TrimSpace(v)
		case 1:
			v = v[:rng.IntN(len(v)+1)]
		}
		b.WriteString(v + randText(rng, " ab'%", 3))
	}
	return b.String()
}

// TestOnlyInMatchesFull holds the collection kept to a target equal to the
// full collection filtered, on varied requests, bodies and limits.
func TestOnlyInMatchesFull(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	bodies := []string{"", `{"a":" x' OR 1=1 ","b":[1,{"c":"{\"d\":\"e\"}"}],"k y":"v"}`,
		"u=bob+smith&j=%7B%22q%22%3A%22z%22%7D&p=x%26y", `" a b "`,
		"--B\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n{\"m\":\"n o\"}\r\n--B--\r\n"}
	for range 2000 {
		r := randRequest(rng)
		if rng.IntN(4) == 0 {
			r.URL.RawQuery += `&filter={"name":" ` + randText(rng, "ab' ", 4) + `"}`
		}
		body := bodies[rng.IntN(len(bodies))]
		for _, lim := range []Limits{{}, {MaxInputs: 1 + rng.IntN(30)}, {MaxValueLen: 1 + rng.IntN(8), DecodeDepth: rng.IntN(4) - 1}} {
			target := randTarget(rng, r, body)
			checkOnlyIn(t, lim, target, func(c *Collector) {
				c.Request(r)
				c.Body("", "", body)
			})
		}
	}
}

func TestMayOccur(t *testing.T) {
	var c Collector
	c.OnlyIn("SELECT name FROM users WHERE id = 'x\u00a0y'", new(Only))
	for v, want := range map[string]bool{
		"users": true, " users\t": true, "\u00a0users\u2003": true, "x\u00a0y": true, "id = 'x": true,
		"orders": false, "user s": false, "Users": false, "zname": false, " \u00a0": true,
	} {
		if got := c.MayOccur(v); got != want {
			t.Errorf("MayOccur(%q) = %v, want %v", v, got, want)
		}
	}
}

func FuzzCollectOnlyIn(f *testing.F) {
	f.Add("/a%2Fb/c", "k%2B=v+%41&x={\"a\":\"b c\"}", "%41+b", `{"k":" v "}`, "SELECT 'v' FROM b c", 7)
	f.Add("/%", "a=%25%32%35&b", "", "a=%27", "' 5", 0)
	f.Fuzz(func(t *testing.T, path, query, header, body, target string, maxInputs int) {
		u, err := url.Parse(path)
		if err != nil || u.Path == "" {
			return
		}
		r := &http.Request{Method: http.MethodGet, Host: header, URL: u,
			Header: http.Header{"X-A": {header, query}, "Cookie": {header}}}
		r.URL.RawQuery = query
		for _, lim := range []Limits{{}, {MaxInputs: 1 + maxInputs&31}} {
			checkOnlyIn(t, lim, target, func(c *Collector) {
				c.Request(r)
				c.Body("", "", body)
			})
		}
	})
}
