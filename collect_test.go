package rasp

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

func testConfig() *config {
	c := newConfig()
	return &c
}

func TestCollectJSON(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    []string // "key=value"
		partial bool
	}{
		{"scalar", `"top"`, []string{"=top"}, false},
		{"number text kept", `{"n":1.50e3}`, []string{"n=n", "n=1.50e3"}, false},
		{"escapes decoded", `{"q":"a\u0027b\"c"}`, []string{"q=q", `q=a'b"c`}, false},
		{"nested arrays", `[[1],[2,[3]]]`, []string{"0.0=1", "1.0=2", "1.1.0=3"}, false},
		{"objects in arrays", `[{"a":"x"},{"a":"y"}]`, []string{"0.a=a", "0.a=x", "1.a=a", "1.a=y"}, false},
		{"empty containers", `{"a":{},"b":[],"c":"d"}`, []string{"a=a", "b=b", "c=c", "c=d"}, false},
		{"bool and null skipped", `{"t":true,"z":null}`, []string{"t=t", "z=z"}, false},
		{"cut document", `{"a":"x","b":"y`, []string{"a=a", "a=x", "b=b"}, false},
		{"malformed", `{"a" "x"}`, []string{"a=a"}, false},
		{"too deep", strings.Repeat("[", maxJSONDepth+1) + `"deep"`, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := collector{cfg: testConfig()}
			c.collectJSON([]byte(tc.body))
			var got []string
			for _, in := range c.inputs {
				if in.Source != taint.SourceJSON {
					t.Errorf("source %q", in.Source)
				}
				got = append(got, in.Key+"="+in.Value)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if c.partial != tc.partial {
				t.Errorf("partial %v, want %v", c.partial, tc.partial)
			}
		})
	}
}

func TestCollectDecoded(t *testing.T) {
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
			c := collector{cfg: testConfig()}
			c.add(taint.SourceQuery, "k", tc.value)
			var got []string
			for _, in := range c.inputs {
				got = append(got, in.Value)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCollectCaps(t *testing.T) {
	cfg := testConfig()
	cfg.maxValueLen = 8
	c := collector{cfg: cfg}
	c.add(taint.SourceQuery, strings.Repeat("k", 1000), "héllo wörld")
	in := c.inputs[0]
	if len(in.Key) != maxKeyLen || len(in.Value) > 8 || !utf8.ValidString(in.Value) || !c.partial {
		t.Errorf("key %d bytes, value %q, partial %v", len(in.Key), in.Value, c.partial)
	}

	c = collector{cfg: testConfig()}
	c.collectJSON([]byte(`{"` + strings.Repeat("a", 300) + `":{"b":"x"}}`))
	for _, in := range c.inputs {
		if len(in.Key) > maxKeyLen {
			t.Errorf("key of %d bytes", len(in.Key))
		}
	}

	cfg = testConfig()
	cfg.maxInputs = 3
	c = collector{cfg: cfg}
	c.collectQuery(taint.SourceQuery, "a=1&b=2&c=3")
	if len(c.inputs) != 3 || c.partial {
		t.Errorf("exactly at the cap: %d inputs, partial %v", len(c.inputs), c.partial)
	}
	c.collectQuery(taint.SourceQuery, "d=4")
	if len(c.inputs) != 3 || !c.partial {
		t.Errorf("over the cap: %d inputs, partial %v", len(c.inputs), c.partial)
	}
}

// FuzzCollect feeds the middleware arbitrary bodies and media types: it
// must not panic, must respect its caps, and must hand the handler the body
// byte for byte.
func FuzzCollect(f *testing.F) {
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	_ = mw.SetBoundary("BOUNDARY")
	_ = mw.WriteField("a", "b'c")
	fw, _ := mw.CreateFormFile("f", "../x.txt")
	_, _ = fw.Write([]byte("contents"))
	_ = mw.Close()
	seeds := []struct{ ctype, body string }{
		{"application/json", `{"user":{"name":"bob","age":7,"tags":["a",["b"]],"n":null},"it's":"x"}`},
		{"application/json", `{"a":"first","b":tru`},
		{"text/plain", ` [1, "two"]`},
		{"application/x-www-form-urlencoded", "user=bob+smith&pw=x%26y&broken=%zz"},
		{"multipart/form-data; boundary=BOUNDARY", mp.String()},
		{"multipart/form-data; boundary=BOUNDARY", mp.String()[:40]},
		{"application/merge-patch+json", `[[[[[[` + `"x"`},
		{"", "\x00\xff{"},
		{"multipart/form-data", "--\r\n"},
	}
	for _, s := range seeds {
		f.Add(s.ctype, []byte(s.body))
	}
	const limit, maxInputs, maxValue = 512, 64, 128
	a := New(WithMode(ModeProtect), WithLogger(zerolog.Nop()), WithBodyLimit(limit), WithInputLimits(maxInputs, maxValue))
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, err := io.ReadAll(r.Body)
			if err != nil || !bytes.Equal(got, body) {
				t.Errorf("handler read %q, %v; want %q", got, err, body)
			}
			in := taint.FromContext(r.Context())
			if len(in) > maxInputs {
				t.Errorf("%d inputs over the cap", len(in))
			}
			for _, i := range in {
				if len(i.Value) > maxValue || len(i.Key) > maxKeyLen || i.Value == "" {
					t.Errorf("input over its caps or empty: %d/%d bytes", len(i.Key), len(i.Value))
				}
			}
		}))
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		h.ServeHTTP(httptest.NewRecorder(), r)
	})
}

// referenceJSON lists "key=value" for the leaves and keys of a valid JSON
// document with encoding/json's tokenizer: the walker must agree with it.
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
				key = join(cur(), v)
				if v != "" {
					out = append(out, key+"="+v)
				}
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
// documents (short keys and shallow nesting, so no cap applies), and for
// no panic on anything.
func FuzzCollectJSON(f *testing.F) {
	for _, s := range []string{
		`{"user":{"name":"bob","age":-7.5e3,"tags":["a",["b"]],"n":null},"it's":"x"}`,
		`[{"a":"x\u00e9\ud83d\ude00"},{"a":"y\"\\/\b\f\n\r\t"},[],{}]`,
		"\"\xff\xfe\"", `{"":""}`, `{"a":{"b":{"c":[1,2,{"d":true}]}}}`, `{"a":1} {"b":2}`,
		`{"a":"first","b":tru`, `[1,]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		cfg := testConfig()
		cfg.decodeDepth = 0        // compare the leaves alone
		cfg.maxValueLen = 64 << 10 // uncut: invalid UTF-8 triples in length when decoded
		c := collector{cfg: cfg}
		c.collectJSON(doc)
		if !json.Valid(doc) || len(doc) > 4096 || bytes.Count(doc, []byte("["))+bytes.Count(doc, []byte("{")) > 32 {
			return
		}
		var got []string
		for _, in := range c.inputs {
			got = append(got, in.Key+"="+in.Value)
		}
		want := referenceJSON(t, doc)
		if len(want) > c.cfg.maxInputs {
			return
		}
		if !slices.Equal(got, want) {
			t.Errorf("walker %.300q\nencoding/json %.300q", got, want)
		}
	})
}
