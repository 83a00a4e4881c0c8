package collect

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorasp/rasp/taint"
)

// has reports whether inputs hold one with src, value and isKey.
func has(inputs []taint.Input, src taint.Source, value string, isKey bool) bool {
	return slices.ContainsFunc(inputs, func(in taint.Input) bool {
		return in.Source == src && in.Value == value && in.IsKey == isKey
	})
}

func TestRequestKeysAndPath(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/users/x'OR'%31'='1/a%2Fb?id%20%3E%200%20OR%20id=3&flag", nil)
	r.Header.Set("X-Col' OR 1=1 --", "v")
	r.Header.Set("Cookie", "sort' desc=1; plain=c")
	var c Collector
	c.Request(r)
	for _, w := range []struct {
		src   taint.Source
		value string
		isKey bool
	}{
		{taint.SourcePath, "users", false},
		{taint.SourcePath, "x'OR'%31'='1", false}, // as chi and echo hand it over
		{taint.SourcePath, "x'OR'1'='1", false},
		{taint.SourcePath, "a%2Fb", false},
		{taint.SourcePath, "a/b", false},
		{taint.SourcePath, "a", false}, // r.URL.Path split on the decoded '/'
		{taint.SourcePath, "b", false},
		{taint.SourceQuery, "id > 0 OR id", true},
		{taint.SourceQuery, "3", false},
		{taint.SourceQuery, "flag", true},
		{taint.SourceHeader, "X-Col' OR 1=1 --", true}, // not a token: kept as sent
		{taint.SourceHeader, "example.com", false},
		{taint.SourceCookie, "plain", true},
		{taint.SourceCookie, "c", false},
	} {
		if !has(c.Inputs, w.src, w.value, w.isKey) {
			t.Errorf("missing %s %q (key %v) in %+v", w.src, w.value, w.isKey, c.Inputs)
		}
	}
	if c.Reached != 0 {
		t.Errorf("reached %v", c.Reached)
	}
}

func TestBodyByContent(t *testing.T) {
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	_ = mw.SetBoundary("XyZ")
	_ = mw.WriteField("col' OR 1=1 --", "v1")
	_ = mw.WriteField("meta", `{"sort":"name' --"}`)
	fw, _ := mw.CreateFormFile("up", "../../evil.sh")
	_, _ = fw.Write([]byte("FILE-CONTENTS"))
	_ = mw.Close()

	tests := []struct {
		name   string
		ctype  string
		body   string
		want   []taint.Input
		absent []string
	}{
		{"JSON as form", "application/x-www-form-urlencoded", `{"name":"x' OR 1=1 --"}`,
			[]taint.Input{{Source: taint.SourceJSON, Key: "name", Value: "x' OR 1=1 --"}, {Source: taint.SourceJSON, Value: "name", IsKey: true}}, nil},
		{"JSON as multipart without boundary", "multipart/form-data", `[{"a":"b' --"}]`,
			[]taint.Input{{Source: taint.SourceJSON, Key: "0.a", Value: "b' --"}, {Source: taint.SourceJSON, Key: "0", Value: "a", IsKey: true}}, nil},
		{"top-level JSON string as text", "text/plain", `"x' OR 1=1 --"`,
			[]taint.Input{{Source: taint.SourceJSON, Value: "x' OR 1=1 --"}, {Source: taint.SourceBody, Value: `"x' OR 1=1 --"`}}, nil},
		{"escaped scalar", "", `"a\u0027b"`, []taint.Input{{Source: taint.SourceJSON, Value: "a'b"}}, nil},
		{"nested keys name their object", "application/json", `{"u":{"id' OR 1=1":1}}`,
			[]taint.Input{{Source: taint.SourceJSON, Key: "u", Value: "id' OR 1=1", IsKey: true}, {Source: taint.SourceJSON, Key: "u.id' OR 1=1", Value: "1"}}, nil},
		{"multipart sniffed without boundary", "multipart/form-data", mp.String(),
			[]taint.Input{
				{Source: taint.SourceForm, Value: "col' OR 1=1 --", IsKey: true},
				{Source: taint.SourceForm, Key: "col' OR 1=1 --", Value: "v1"},
				{Source: taint.SourceForm, Key: "meta.sort", Value: "name' --"},
				{Source: taint.SourceForm, Key: "up", Value: "evil.sh"},
				{Source: taint.SourceForm, Key: "up", Value: "../../evil.sh"},
			}, []string{"FILE-CONTENTS"}},
		{"multipart as text", "text/plain", mp.String(),
			[]taint.Input{{Source: taint.SourceForm, Key: "col' OR 1=1 --", Value: "v1"}}, nil},
		{"form as text", "text/plain", "a=1&k%27=v%27", []taint.Input{
			{Source: taint.SourceForm, Value: "k'", IsKey: true}, {Source: taint.SourceForm, Key: "k'", Value: "v'"}}, nil},
		{"binary is not a form", "application/octet-stream", "\x00a=b\x01", nil, []string{"b\x01"}},
		{"form with JSON value", "application/x-www-form-urlencoded", "q=%7B%22a%22%3A%22z%27%22%7D",
			[]taint.Input{{Source: taint.SourceForm, Key: "q.a", Value: "z'"}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c Collector
			c.Body(tc.ctype, "", tc.body)
			for _, w := range tc.want {
				if !slices.Contains(c.Inputs, w) {
					t.Errorf("missing %+v in %+v", w, c.Inputs)
				}
			}
			for _, in := range c.Inputs {
				for _, a := range tc.absent {
					if in.Source != taint.SourceBody && strings.Contains(in.Value, a) {
						t.Errorf("%q is an input: %+v", a, in)
					}
				}
			}
		})
	}
}

func compress(t testing.TB, coding string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&b)
	case "deflate":
		w = zlib.NewWriter(&b)
	case "raw-deflate":
		w, _ = flate.NewWriter(&b, flate.BestCompression)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestBodyEncoded(t *testing.T) {
	doc := []byte(`{"q":"x' OR 1=1 --"}`)
	for _, tc := range []struct{ name, coding, header string }{
		{"gzip", "gzip", "gzip"},
		{"zlib deflate", "deflate", "deflate"},
		{"raw deflate", "raw-deflate", "Deflate"},
		{"with identity", "gzip", "identity, gzip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c Collector
			c.Body("application/json", tc.header, string(compress(t, tc.coding, doc)))
			if !has(c.Inputs, taint.SourceJSON, "x' OR 1=1 --", false) || !has(c.Inputs, taint.SourceBody, string(doc), false) || c.Reached != 0 {
				t.Errorf("inputs %+v, reached %v", c.Inputs, c.Reached)
			}
		})
	}
	t.Run("two layers", func(t *testing.T) {
		var c Collector
		c.Body("", "deflate, gzip", string(compress(t, "gzip", compress(t, "deflate", doc))))
		if !has(c.Inputs, taint.SourceJSON, "x' OR 1=1 --", false) {
			t.Errorf("inputs %+v", c.Inputs)
		}
	})
	t.Run("coding the body does not have", func(t *testing.T) {
		var c Collector
		c.Body("application/json", "gzip", string(doc)) // a handler ignoring the header reads it
		if !has(c.Inputs, taint.SourceJSON, "x' OR 1=1 --", false) {
			t.Errorf("inputs %+v", c.Inputs)
		}
	})
	t.Run("unknown coding", func(t *testing.T) {
		var c Collector
		c.Body("", "br", "\x1b\x00")
		if c.Reached != LimitEncoding {
			t.Errorf("reached %v, want encoding", c.Reached)
		}
	})
}

// TestBodyBomb decodes 1 GiB of zeros sent as about 1 MiB of gzip (1,024
// members of 1 MiB each, which a gzip reader reads as one stream): the
// decoded body stops at the limit, in bounded time and memory.
func TestBodyBomb(t *testing.T) {
	member := compress(t, "gzip", make([]byte, 1<<20))
	bomb := strings.Repeat(string(member), 1<<10)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	c := Collector{Limits: Limits{MaxDecoded: 8 << 20}}
	c.Body("application/json", "gzip", bomb)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	if c.Reached&LimitDecoded == 0 {
		t.Errorf("reached %v, want decoded", c.Reached)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 64<<20 {
		t.Errorf("decoding a %d-byte bomb allocated %d bytes", len(bomb), got)
	}
	t.Logf("bomb of %d bytes: %v, %d MiB allocated", len(bomb), took, (after.TotalAlloc-before.TotalAlloc)>>20)
}

// TestPadding places the attack behind each kind of padding the issue
// lists; with the default limits it must still be an input.
func TestPadding(t *testing.T) {
	const attack = "x' OR 1=1 --"
	var q strings.Builder
	for i := range 5000 {
		q.WriteString("p" + strconv.Itoa(i) + "=1&")
	}
	q.WriteString("id=" + strings.ReplaceAll(attack, " ", "+"))

	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	for i := range 2000 {
		_ = mw.WriteField("f"+strconv.Itoa(i), "v")
	}
	_ = mw.WriteField("id", attack)
	_ = mw.Close()

	tests := []struct {
		name, ctype, query, body string
	}{
		{"many params", "", q.String(), ""},
		{"long value", "", "id=" + strings.Repeat("a", 1<<20) + attack, ""},
		{"many parts", mw.FormDataContentType(), "", mp.String()},
		{"deep nesting", "application/json", "", strings.Repeat("[", 9000) + `"` + attack + `"` + strings.Repeat("]", 9000)},
		{"long JSON value", "application/json", "", `{"a":"` + strings.Repeat("b", 4<<20) + attack + `"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c Collector
			c.Query(taint.SourceQuery, tc.query)
			c.Body(tc.ctype, "", tc.body)
			if c.Reached != 0 {
				t.Errorf("reached %v", c.Reached)
			}
			if !slices.ContainsFunc(c.Inputs, func(in taint.Input) bool { return strings.HasSuffix(in.Value, attack) && in.Source != taint.SourceBody }) {
				t.Errorf("the attack is not an input (%d inputs)", len(c.Inputs))
			}
		})
	}
}

func TestLimits(t *testing.T) {
	c := Collector{Limits: Limits{MaxValueLen: 8}}
	c.Value(taint.SourceQuery, strings.Repeat("k", 1000), "héllo wörld")
	in := c.Inputs[0]
	if len(in.Key) != maxKeyLen || len(in.Value) > 8 || !utf8.ValidString(in.Value) || c.Reached != LimitValue {
		t.Errorf("key %d bytes, value %q, reached %v", len(in.Key), in.Value, c.Reached)
	}

	c = Collector{Limits: Limits{MaxInputs: 6}}
	c.Query(taint.SourceQuery, "a=1&b=2&c=3")
	if len(c.Inputs) != 6 || c.Reached != 0 {
		t.Errorf("exactly at the cap: %d inputs, reached %v", len(c.Inputs), c.Reached)
	}
	c.Query(taint.SourceQuery, "d=4")
	if len(c.Inputs) != 6 || c.Reached != LimitInputs {
		t.Errorf("over the cap: %d inputs, reached %v", len(c.Inputs), c.Reached)
	}

	for range 8 { // map order varies: the cap must cut the same headers every time
		c = Collector{Limits: Limits{MaxInputs: 3}}
		c.Headers(http.Header{"C": {"3"}, "A": {"1"}, "B": {"2"}, "D": {"4"}})
		if got := render(c.Inputs); !slices.Equal(got, []string{":A", "A=1", ":B"}) || c.Reached != LimitInputs {
			t.Fatalf("headers cut at the cap: %q, reached %v", got, c.Reached)
		}
	}

	c = Collector{}
	c.Body("application/json", "", strings.Repeat("[", MaxJSONDepth+1)+`"deep"`)
	if c.Reached != LimitDepth {
		t.Errorf("too deep: reached %v", c.Reached)
	}
	if got := (LimitBody | LimitInputs).String(); got != "inputs,body" {
		t.Errorf("String = %q", got)
	}
}

func TestDecoded(t *testing.T) {
	tests := []struct {
		value string
		want  []string
	}{
		{"plain", []string{"plain"}},
		{"a%27b", []string{"a%27b", "a'b"}},
		{"a%2527b", []string{"a%2527b", "a%27b", "a'b"}},
		{"a%252527b", []string{"a%252527b", "a%2527b", "a%27b"}}, // two rounds only
		{"a+b%20c", []string{"a+b%20c", "a b c", "a+b c"}},
		{"bad%zz", []string{"bad%zz"}},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			var c Collector
			c.Value(taint.SourceQuery, "k", tc.value)
			var got []string
			for _, in := range c.Inputs {
				got = append(got, in.Value)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestJSON(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []string // "key=value", keys as "key:name"
	}{
		{"scalar", `"top"`, []string{"=top"}},
		{"number text kept", `{"n":1.50e3}`, []string{":n", "n=1.50e3"}},
		{"escapes decoded", `{"q":"a\u0027b\"c"}`, []string{":q", `q=a'b"c`}},
		{"nested arrays", `[[1],[2,[3]]]`, []string{"0.0=1", "1.0=2", "1.1.0=3"}},
		{"objects in arrays, keys once", `[{"a":"x"},{"a":"y"}]`, []string{"0:a", "0.a=x", "1.a=y"}},
		{"empty containers", `{"a":{},"b":[],"c":"d"}`, []string{":a", ":b", ":c", "c=d"}},
		{"bool and null skipped", `{"t":true,"z":null}`, []string{":t", ":z"}},
		{"cut document", `{"a":"x","b":"y`, []string{":a", "a=x", ":b"}},
		{"malformed", `{"a" "x"}`, []string{":a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Collector{Limits: Limits{DecodeDepth: -1}}
			c.JSON(taint.SourceJSON, "", tc.body)
			if got := render(c.Inputs); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func render(inputs []taint.Input) []string {
	var out []string
	for _, in := range inputs {
		sep := "="
		if in.IsKey {
			sep = ":"
		}
		out = append(out, in.Key+sep+in.Value)
	}
	return out
}

// referenceJSON lists the leaves and keys (each name once) of a valid JSON
// document, as render does, with encoding/json's tokenizer: the walker must agree.
func referenceJSON(t *testing.T, doc []byte) []string {
	t.Helper()
	type frame struct {
		array   bool
		index   int
		path    string
		wantKey bool
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var stack []frame
	var out []string
	keys := map[string]bool{} // each key name once, as the walker adds them
	cur := func() string {
		if len(stack) == 0 {
			return ""
		}
		return stack[len(stack)-1].path
	}
	join := func(p, seg string) string {
		if p == "" {
			return seg
		}
		return p + "." + seg
	}
	var key string
	valuePath := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := &stack[len(stack)-1]
		if f.array {
			return join(cur(), strconv.Itoa(f.index))
		}
		return key
	}
	done := func() {
		if len(stack) == 0 {
			return
		}
		f := &stack[len(stack)-1]
		if f.array {
			f.index++
		} else {
			f.wantKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("reference: %v", err)
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				stack = append(stack, frame{array: v == '[', path: valuePath(), wantKey: v == '{'})
			} else {
				stack = stack[:len(stack)-1]
				done()
			}
		case string:
			if len(stack) > 0 && stack[len(stack)-1].wantKey {
				stack[len(stack)-1].wantKey = false
				if _, dup := keys[v]; v != "" && !dup {
					keys[v] = true
					out = append(out, cur()+":"+v)
				}
				key = join(cur(), v)
				continue
			}
			if v != "" {
				out = append(out, valuePath()+"="+v)
			}
			done()
		case json.Number:
			out = append(out, valuePath()+"="+string(v))
			done()
		default:
			done()
		}
	}
}

// FuzzCollectJSON checks the JSON walker against encoding/json on valid
// documents (short keys, so that no Key is cut), and for no panic and
// bounded output on anything.
func FuzzCollectJSON(f *testing.F) {
	for _, s := range []string{
		`{"user":{"name":"bob","age":-7.5e3,"tags":["a",["b"]],"n":null},"it's":"x"}`,
		`[{"a":"x\u00e9\ud83d\ude00"},{"a":"y\"\\/\b\f\n\r\t"},[],{}]`,
		"\"\xff\xfe\"", `{"":""}`, `{"a":{"b":{"c":[1,2,{"d":true}]}}}`, `{"a":1} {"b":2}`,
		`{"a":"first","b":tru`, `[1,]`, `"x' OR 1=1 --"`, `[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]`,
		manyKeys,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		c := Collector{Limits: Limits{DecodeDepth: -1}}
		c.JSON(taint.SourceJSON, "", string(doc))
		checkBounded(t, &c, len(doc))
		// Fed in three growing pieces, the walk adds the same inputs.
		var fed Collector
		fed.Limits = c.Limits
		w := NewJSONStream(taint.SourceJSON, "")
		for _, end := range []int{len(doc) / 3, 2 * len(doc) / 3} {
			fed.JSONFeed(w, string(doc[:end]), false)
		}
		fed.JSONFeed(w, string(doc), true)
		if got, want := render(fed.Inputs), render(c.Inputs); !slices.Equal(got, want) {
			t.Errorf("fed in pieces %.300q\nwhole %.300q", got, want)
		}
		if !json.Valid(doc) || len(doc) > 4096 {
			return
		}
		want := referenceJSON(t, doc)
		for _, w := range want {
			if len(w) > maxKeyLen {
				return
			}
		}
		if got := render(c.Inputs); !slices.Equal(got, want) {
			t.Errorf("walker %.300q\nencoding/json %.300q", got, want)
		}
	})
}

// checkBounded fails when a collection of n bytes made more inputs or
// longer values than n allows, or empty ones.
func checkBounded(t *testing.T, c *Collector, n int) {
	t.Helper()
	if len(c.Inputs) > 8*(n+1) {
		t.Errorf("%d inputs from %d bytes", len(c.Inputs), n)
	}
	for _, in := range c.Inputs {
		if in.Value == "" || len(in.Key) > maxKeyLen || len(in.Value) > c.maxValueLen() {
			t.Errorf("bad input %.100v", in)
		}
	}
}

// FuzzCollectBody feeds arbitrary media types and bodies to the parsers
// chosen by type and by content (JSON by content, multipart without a
// boundary, forms as text): no panic, bounded output, and a JSON document
// wherever the type says otherwise yields what encoding/json yields.
func FuzzCollectBody(f *testing.F) {
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	_ = mw.SetBoundary("BOUNDARY")
	_ = mw.WriteField("a", "b'c")
	_ = mw.WriteField("j", `{"k":["v"]}`)
	fw, _ := mw.CreateFormFile("f", "../x.txt")
	_, _ = fw.Write([]byte("contents"))
	_ = mw.Close()
	for _, s := range []struct{ ctype, body string }{
		{"application/json", `{"user":{"name":"bob","age":7,"tags":["a",["b"]],"n":null},"it's":"x"}`},
		{"application/x-www-form-urlencoded", `{"a":"b"}`},
		{"text/plain", `"x' OR 1=1 --"`},
		{"application/x-www-form-urlencoded", "user=bob+smith&pw=x%26y&broken=%zz&j=%5B1%5D"},
		{"multipart/form-data; boundary=BOUNDARY", mp.String()},
		{"multipart/form-data", mp.String()},
		{"multipart/form-data", mp.String()[:40]},
		{"multipart/form-data", "--\r\n"},
		{"", "--a\n--a--"},
		{"", "\x00\xff{"},
	} {
		f.Add(s.ctype, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		c := Collector{Limits: Limits{MaxValueLen: 1 << 10}}
		c.Body(ctype, "", string(body))
		checkBounded(t, &c, len(body)+len(ctype))
		if json.Valid(body) && len(body) < 4096 {
			ref := Collector{Limits: Limits{MaxValueLen: 1 << 10}}
			ref.JSON(taint.SourceJSON, "", string(body))
			for _, w := range ref.Inputs {
				if !slices.Contains(c.Inputs, w) {
					t.Errorf("JSON input %+v missing under %q", w, ctype)
				}
			}
		}
	})
}

// FuzzCollectEncoded checks that a body under gzip or deflate yields the
// inputs of the body it encodes, and that corrupt streams neither panic
// nor exceed the decoded limit.
func FuzzCollectEncoded(f *testing.F) {
	for _, s := range []string{`{"a":"x' --"}`, "a=1&b=%27", `"s"`, ""} {
		f.Add(s, uint8(0), false)
		f.Add(s, uint8(1), true)
	}
	codings := []string{"gzip", "deflate", "raw-deflate"}
	f.Fuzz(func(t *testing.T, body string, coding uint8, corrupt bool) {
		name := codings[int(coding)%len(codings)]
		enc := compress(t, name, []byte(body))
		header := strings.TrimPrefix(name, "raw-")
		if corrupt && len(enc) > 0 {
			enc[len(enc)/2] ^= 0x5a
		}
		const limit = 1 << 12
		c := Collector{Limits: Limits{MaxDecoded: limit}}
		c.Body("", header, string(enc))
		for _, in := range c.Inputs {
			if len(in.Value) > limit {
				t.Errorf("input of %d bytes past the decoded limit", len(in.Value))
			}
		}
		if corrupt || len(body) > limit {
			return
		}
		var plain Collector
		plain.Body("", "", body)
		for _, in := range plain.Inputs {
			if !slices.Contains(c.Inputs, in) {
				t.Errorf("%s: input %+v of the plain body missing when encoded", name, in)
			}
		}
	})
}

// manyKeys repeats more distinct object keys than newKey compares
// directly, in an array of objects, and nests some.
const manyKeys = `[{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":{"k1":"a","k11":"b"}},` +
	`{"k10":10,"k9":9,"k8":8,"k7":7,"k6":6,"k5":5,"k4":4,"k3":3,"k2":2,"k1":1,"k12":12}]`

// TestJSONManyKeys checks that every key name is added once, also past
// the names newKey compares directly.
func TestJSONManyKeys(t *testing.T) {
	var c Collector
	c.Limits.DecodeDepth = -1
	c.JSON(taint.SourceJSON, "", manyKeys)
	if got, want := render(c.Inputs), referenceJSON(t, []byte(manyKeys)); !slices.Equal(got, want) {
		t.Errorf("walker %q\nencoding/json %q", got, want)
	}
	keys := 0
	for _, in := range c.Inputs {
		if in.IsKey {
			keys++
		}
	}
	if keys != 12 {
		t.Errorf("%d key inputs, want 12 (one per name)", keys)
	}
}
