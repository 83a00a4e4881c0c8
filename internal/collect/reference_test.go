package collect

import (
	"cmp"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gorasp/rasp/taint"
)

// refCollector is the collection of a request's URL, Host, headers and
// cookies written plainly, with net/url's own decoders, a rescan of every
// value and a sorted header walk: what [Collector.Request] must collect,
// input for input, however it gets there.
type refCollector struct {
	lim     Limits
	inputs  []taint.Input
	reached Limit
}

func (c *refCollector) full() bool { return c.reached&LimitInputs != 0 }

func (c *refCollector) room() bool {
	max := c.lim.MaxInputs
	if max <= 0 {
		max = DefaultMaxInputs
	}
	if len(c.inputs) >= max {
		c.reached |= LimitInputs
		return false
	}
	return true
}

func (c *refCollector) add(src taint.Source, key, val string, isKey, variants bool) {
	if val == "" || !c.room() {
		return
	}
	if n := c.lim.MaxValueLen; n > 0 && len(val) > n {
		val = truncate(val, n)
		c.reached |= LimitValue
	}
	key = truncate(key, maxKeyLen)
	first := len(c.inputs)
	c.inputs = append(c.inputs, taint.Input{Source: src, Key: key, Value: val, IsKey: isKey})
	if !variants || c.lim.DecodeDepth < 0 {
		return
	}
	depth := c.lim.DecodeDepth
	if depth == 0 {
		depth = DefaultDecodeDepth
	}
	cur := []string{val}
	for range depth {
		var next []string
		for _, s := range cur {
			for _, unescape := range []func(string) (string, error){url.QueryUnescape, url.PathUnescape} {
				d, err := unescape(s)
				if err != nil || d == "" || len(next) == maxVariants ||
					slices.ContainsFunc(c.inputs[first:], func(in taint.Input) bool { return in.Value == d }) {
					continue
				}
				if !c.room() {
					return
				}
				next = append(next, d)
				c.inputs = append(c.inputs, taint.Input{Source: src, Key: key, Value: d, IsKey: isKey})
			}
		}
		if len(next) == 0 {
			return
		}
		cur = next
	}
}

func (c *refCollector) request(r *http.Request) {
	for _, seg := range strings.Split(r.URL.EscapedPath(), "/") {
		if c.full() {
			break
		}
		c.add(taint.SourcePath, "", seg, false, true)
		if !strings.Contains(strings.ToUpper(seg), "%2F") {
			continue
		}
		if d, err := url.PathUnescape(seg); err == nil {
			for _, piece := range strings.Split(d, "/") {
				c.add(taint.SourcePath, "", piece, false, false)
			}
		}
	}
	for _, pair := range strings.Split(r.URL.RawQuery, "&") {
		if c.full() {
			break
		}
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if d, err := url.QueryUnescape(k); err == nil {
			k = d
		}
		if d, err := url.QueryUnescape(v); err == nil {
			v = d
		}
		c.add(taint.SourceQuery, "", k, true, true)
		c.add(taint.SourceQuery, k, v, false, true)
	}
	if len(r.Header["Cookie"]) > 0 {
		for _, ck := range r.Cookies() {
			if c.full() {
				break
			}
			c.add(taint.SourceCookie, "", ck.Name, true, true)
			c.add(taint.SourceCookie, ck.Name, ck.Value, false, true)
		}
	}
	c.add(taint.SourceHeader, "Host", r.Host, false, true)
	keys := make([]string, 0, len(r.Header))
	for k := range r.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if c.full() {
			break
		}
		c.add(taint.SourceHeader, "", k, true, true)
		for _, v := range r.Header[k] {
			c.add(taint.SourceHeader, k, v, false, true)
		}
	}
}

func sortInputs(in []taint.Input) []taint.Input {
	in = slices.Clone(in)
	slices.SortFunc(in, func(a, b taint.Input) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Key, b.Key), cmp.Compare(a.Value, b.Value),
			cmp.Compare(boolInt(a.IsKey), boolInt(b.IsKey)))
	})
	return in
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkReference collects r with the collector and the reference and
// reports where they differ (values and the limits reached; the order of
// the headers is the map's).
func checkReference(t *testing.T, r *http.Request, lim Limits) bool {
	t.Helper()
	ref := refCollector{lim: lim}
	ref.request(r)
	if slices.ContainsFunc(ref.inputs, func(in taint.Input) bool { return !in.IsKey && opensContainer(in.Value) }) {
		return false // a query value walked as JSON: not the reference's
	}
	c := Collector{Limits: lim}
	c.Request(r)
	got, want := sortInputs(c.Inputs), sortInputs(ref.inputs)
	if !slices.Equal(got, want) || c.Reached != ref.reached {
		t.Fatalf("%s %q %v (limits %+v):\n got %v (%v)\nwant %v (%v)", r.URL.EscapedPath(), r.URL.RawQuery, r.Header, lim,
			got, c.Reached, want, ref.reached)
	}
	return true
}

// randText is a short text drawn from bytes that escape, decode and
// split.
func randText(rng *rand.Rand, alphabet string, n int) string {
	b := make([]byte, rng.IntN(n+1))
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

func randRequest(rng *rand.Rand) *http.Request {
	const text = "ab2F5%+=&;' x"
	const hexy = "%%%2525fF+aB0"
	pick := func(n int) string {
		if rng.IntN(2) == 0 {
			return randText(rng, text, n)
		}
		return randText(rng, hexy, n)
	}
	var path, query strings.Builder
	for range rng.IntN(5) {
		path.WriteString("/" + strings.ReplaceAll(strings.ReplaceAll(pick(8), "?", ""), "#", ""))
	}
	for i := range rng.IntN(12) {
		if i > 0 {
			query.WriteByte('&')
		}
		query.WriteString(pick(6))
		if rng.IntN(4) > 0 {
			query.WriteString("=" + pick(10))
		}
	}
	r := &http.Request{Method: http.MethodGet, Host: pick(6), Header: http.Header{},
		URL: &url.URL{Path: "/", RawPath: path.String() + "/", RawQuery: query.String()}}
	if p, err := url.PathUnescape(r.URL.RawPath); err == nil {
		r.URL.Path = p
	} else {
		r.URL.RawPath = ""
	}
	for range rng.IntN(8) {
		name := http.CanonicalHeaderKey(randText(rng, "abcx-%+", 6))
		for range 1 + rng.IntN(2) {
			r.Header[name] = append(r.Header[name], pick(10))
		}
	}
	if rng.IntN(3) == 0 {
		r.Header.Set("Cookie", "a"+pick(4)+"="+pick(6)+"; b="+pick(6))
	}
	return r
}

// TestRequestMatchesReference holds the collection of varied requests
// equal to the plain reference, with and without caps cutting it.
func TestRequestMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	compared := 0
	const n = 3000
	for range n {
		r := randRequest(rng)
		for _, lim := range []Limits{{}, {MaxInputs: 1 + rng.IntN(30)}, {MaxValueLen: 1 + rng.IntN(8), DecodeDepth: rng.IntN(4) - 1}} {
			if checkReference(t, r, lim) {
				compared++
			}
		}
	}
	if compared < n {
		t.Fatalf("only %d of %d collections compared", compared, 3*n)
	}
}

func FuzzCollectRequest(f *testing.F) {
	f.Add("/a%2Fb/c%252F", "k%2B=v+%41&x=%zz&&=y", "%41+b", 7)
	f.Add("/%", "a=%25%32%35&b", "", 0)
	f.Fuzz(func(t *testing.T, path, query, header string, maxInputs int) {
		u, err := url.Parse(path)
		if err != nil || u.Path == "" {
			return
		}
		r := &http.Request{Method: http.MethodGet, Host: header, URL: u,
			Header: http.Header{"X-A": {header, query}, "X-" + header[:min(len(header), 3)]: {path}, "Cookie": {header}}}
		r.URL.RawQuery = query
		checkReference(t, r, Limits{})
		checkReference(t, r, Limits{MaxInputs: 1 + maxInputs&31})
	})
}

func TestMayDecode(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		s := randText(rng, "ab%+\x00\x80\xff*\x25\x2a\x2b\xa5\xab", 80)
		if got, want := mayDecode(s), strings.ContainsAny(s, "%+"); got != want {
			t.Fatalf("mayDecode(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestCookiesMatchNetHTTP holds the cookie parse equal to net/http's on
// varied Cookie headers, past its bound on their number too.
func TestCookiesMatchNetHTTP(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const alphabet = "ab=;\" \t\\,%+\x01\x7f\xc3\xa9()/"
	fixed := []string{`a=""`, `a="b"`, `a="`, ` a = b ; c=d;`, `a=b"`, `=b`, `a`, "a=\x7f", "a=\xc3\xa9", `a="b;c"`, "\ta=b\r\n", `a b=c`, `a=b c`, `a=b,c`}
	for i := range 20000 + len(fixed) {
		h := http.Header{}
		if i < len(fixed) {
			h["Cookie"] = []string{fixed[i]}
		}
		for range rng.IntN(3) {
			h["Cookie"] = append(h["Cookie"], randText(rng, alphabet, 24))
		}
		if i%1000 == 999 {
			h["Cookie"] = append(h["Cookie"], strings.Repeat("k=v;", 1500+rng.IntN(3000)))
		}
		var want []taint.Input
		for _, ck := range (&http.Request{Header: h}).Cookies() {
			if ck.Name != "" {
				want = append(want, taint.Input{Source: taint.SourceCookie, Value: ck.Name, IsKey: true})
			}
			if ck.Value != "" {
				want = append(want, taint.Input{Source: taint.SourceCookie, Key: ck.Name, Value: ck.Value})
			}
		}
		c := Collector{Limits: Limits{DecodeDepth: -1}}
		c.Cookies(h)
		if !slices.Equal(c.Inputs, want) {
			t.Fatalf("%q:\n got %v\nwant %v", h["Cookie"], c.Inputs, want)
		}
	}
}
