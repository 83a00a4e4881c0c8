package rasp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorasp/rasp/internal/collect"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

func hasValue(inputs []taint.Input, src taint.Source, v string) bool {
	return slices.ContainsFunc(inputs, func(in taint.Input) bool { return in.Source == src && in.Value == v })
}

// TestCollectLazy checks that nothing is collected until a guard asks,
// that the body's inputs are those of the bytes the handler read by then,
// and that a later ask after more reading sees the rest.
func TestCollectLazy(t *testing.T) {
	a, _ := testAgent(t, ModeMonitor)
	body := `{"first":"one"}` + "\n" + `{"second":"two"}`
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := requestFrom(r.Context())
		if st.in.snap.Load() != nil {
			t.Error("collected before any guard asked")
		}
		in := taint.FromContext(r.Context())
		if !hasValue(in, taint.SourceQuery, "x") || hasValue(in, taint.SourceJSON, "one") {
			t.Errorf("before reading: %+v", in)
		}
		buf := make([]byte, len(`{"first":"one"}`))
		if _, err := io.ReadFull(r.Body, buf); err != nil {
			t.Fatal(err)
		}
		in = taint.FromContext(r.Context())
		if !hasValue(in, taint.SourceJSON, "one") || hasValue(in, taint.SourceJSON, "two") {
			t.Errorf("after the first document: %+v", in)
		}
		if again := taint.FromContext(r.Context()); &again[0] != &in[0] {
			t.Error("no new byte read, yet the inputs were collected again")
		}
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			t.Fatal(err)
		}
		in = taint.FromContext(r.Context())
		if !hasValue(in, taint.SourceJSON, "one") || !hasValue(in, taint.SourceJSON, "two") || !hasValue(in, taint.SourceBody, body) {
			t.Errorf("after the whole body: %+v", in)
		}
	}))
	r := httptest.NewRequest(http.MethodPost, "/?q=x", strings.NewReader(body))
	h.ServeHTTP(httptest.NewRecorder(), r)
}

// TestCollectConcurrent has guards ask for the inputs on other goroutines
// while the handler reads the body: race-free, and every answer is a
// prefix-consistent collection.
func TestCollectConcurrent(t *testing.T) {
	for _, tc := range []struct{ name, ctype, body string }{
		{"json walked as it arrives", "application/json", strings.Repeat(`{"k":"v"}`, 2000)},
		{"form parsed again", "application/x-www-form-urlencoded", strings.Repeat("k=v&", 2000)},
	} {
		t.Run(tc.name, func(t *testing.T) { testCollectConcurrent(t, tc.ctype, tc.body) })
	}
}

func testCollectConcurrent(t *testing.T, ctype, body string) {
	a, _ := testAgent(t, ModeMonitor)
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var wg sync.WaitGroup
		done := make(chan struct{})
		for range 4 {
			wg.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					_, _ = taint.Lookup(r.Context())
				}
			})
		}
		buf := make([]byte, 7)
		for {
			if _, err := r.Body.Read(buf); err != nil {
				break
			}
		}
		close(done)
		wg.Wait()
		if in := taint.FromContext(r.Context()); !hasValue(in, taint.SourceBody, body) {
			t.Errorf("the whole body is not an input")
		}
	}))
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", ctype)
	h.ServeHTTP(httptest.NewRecorder(), r)
}

// TestCollectBodyLimit checks that a handler reading past the body limit
// makes the inspection partial, names the limit, and still reads it all.
func TestCollectBodyLimit(t *testing.T) {
	a, _ := testAgent(t, ModeMonitor, WithBodyLimit(16))
	body := `{"a":"` + strings.Repeat("b", 64) + `"}`
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ := io.ReadAll(r.Body)
		if string(got) != body {
			t.Errorf("handler read %q", got)
		}
		if l := requestFrom(r.Context()).in.partial(); l.String() != "body" {
			t.Errorf("partial %q, want body", l)
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body)))
	if got := a.Stats().PartialRequests; got != 1 {
		t.Errorf("PartialRequests = %d", got)
	}
}

// FuzzCollect feeds the middleware arbitrary bodies, media types and
// encodings: it must not panic, must respect its caps, and must hand the
// handler the body byte for byte.
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
		{"multipart/form-data", mp.String()[:40]},
		{"application/merge-patch+json", `[[[[[[` + `"x"`},
		{"", "\x00\xff{"},
	}
	for _, s := range seeds {
		f.Add(s.ctype, "", []byte(s.body))
	}
	f.Add("application/json", "gzip", []byte("\x1f\x8b\x08\x00"))
	const limit, maxInputs, maxValue = 512, 64, 128
	a := New(WithMode(ModeProtect), WithLogger(zerolog.Nop()), WithBodyLimit(limit), WithInputLimits(maxInputs, maxValue))
	f.Fuzz(func(t *testing.T, ctype, encoding string, body []byte) {
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
				if len(i.Value) > maxValue || len(i.Key) > 256 || i.Value == "" {
					t.Errorf("input over its caps or empty: %d/%d bytes", len(i.Key), len(i.Value))
				}
			}
		}))
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		r.Header.Set("Content-Encoding", encoding)
		h.ServeHTTP(httptest.NewRecorder(), r)
	})
}

// TestPartialBlocks checks what a guarded call of a request inspected in
// part does: blocked in protect by default, run with WithPartialClosed
// (false) or in monitor, reported with the limit every time, and nothing
// at all for a request inspected in full.
func TestPartialBlocks(t *testing.T) {
	long := `{"a":"` + strings.Repeat("b", 64) + `"}`
	tests := []struct {
		name      string
		mode      Mode
		opts      []Option
		body      string
		wantBlock bool
		wantEvent bool
	}{
		{"protect blocks", ModeProtect, nil, long, true, true},
		{"opted out", ModeProtect, []Option{WithPartialClosed(false)}, long, false, true},
		{"last option wins", ModeProtect, []Option{WithPartialClosed(false), WithPartialClosed(true)}, long, true, true},
		{"monitor reports", ModeMonitor, nil, long, false, true},
		{"complete inspection", ModeProtect, nil, `{"a":"b"}`, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, buf := testAgent(t, tc.mode, append([]Option{WithBodyLimit(32)}, tc.opts...)...)
			var err error
			h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				_ = taint.FromContext(r.Context())
				err = a.partial(r.Context(), SinkSQL, "query")
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body)))
			var be *BlockedError
			if got := errors.As(err, &be); got != tc.wantBlock {
				t.Errorf("blocked %v (%v), want %v", got, err, tc.wantBlock)
			}
			if tc.wantBlock && rec.Code != http.StatusForbidden {
				t.Errorf("status %d", rec.Code)
			}
			ev := buf.Events(t)
			if len(ev) != btoi(tc.wantEvent) {
				t.Fatalf("events %v", ev)
			}
			if !tc.wantEvent {
				return
			}
			d, _ := ev[0]["details"].(map[string]any)
			if ev[0]["kind"] != KindPartialInspection || d["limit"] != "body" || ev[0]["partial_inspection"] != true {
				t.Errorf("event %v", ev[0])
			}
		})
	}
	if err := New(WithMode(ModeProtect)).partial(context.Background(), SinkSQL, "query"); err != nil {
		t.Errorf("outside the middleware: %v", err)
	}
}

const collectLimitWork = collect.LimitWork

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestBodyMemory serves an 8 MiB JSON body, the default body limit, with
// the attack as its last value: it is still an input, the inspection is
// complete, and the request allocates a small multiple of the body.
func TestBodyMemory(t *testing.T) {
	const attack = "x' OR '1'='1"
	var b strings.Builder
	b.WriteString(`{"items":[`)
	filler := strings.Repeat("f", 4<<10)
	for b.Len() < DefaultBodyLimit-8<<10 {
		b.WriteString(`"` + filler + `",`)
	}
	b.WriteString(`"` + attack + `"]}`)
	body := b.String()
	if len(body) > DefaultBodyLimit {
		t.Fatalf("body of %d bytes", len(body))
	}
	a, _ := testAgent(t, ModeProtect)
	var before, after runtime.MemStats
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			t.Fatal(err)
		}
		in := taint.FromContext(r.Context())
		if !hasValue(in, taint.SourceJSON, attack) {
			t.Error("the attack at the end of an 8 MiB body is not an input")
		}
		if l := requestFrom(r.Context()).in.partial(); l != 0 {
			t.Errorf("partial: %v", l)
		}
		runtime.ReadMemStats(&after)
	}))
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	runtime.GC()
	runtime.ReadMemStats(&before)
	h.ServeHTTP(httptest.NewRecorder(), r)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("8 MiB body: %.1f MiB allocated, heap in use %.1f MiB", float64(alloc)/(1<<20), float64(after.HeapInuse)/(1<<20))
	if alloc > 3*uint64(len(body)) {
		t.Errorf("allocated %d bytes for a body of %d", alloc, len(body))
	}
}

// countingReader counts the reads of a request body by the client.
type countingReader struct {
	r     io.Reader
	reads atomic.Int32
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads.Add(1)
	return c.r.Read(p)
}

// TestExpectContinue checks that the middleware leaves `Expect:
// 100-continue` to the handler: a handler that answers without reading
// gets no body sent, and one that reads gets it.
func TestExpectContinue(t *testing.T) {
	a, _ := testAgent(t, ModeProtect)
	srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/read" {
			b, _ := io.ReadAll(r.Body)
			_ = taint.FromContext(r.Context())
			_, _ = w.Write(b)
			return
		}
		_ = taint.FromContext(r.Context()) // a guard that runs before any read
		http.Error(w, "no", http.StatusUnauthorized)
	})))
	t.Cleanup(srv.Close)
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.ExpectContinueTimeout = 10 * time.Second
	client := &http.Client{Transport: tr}
	for _, tc := range []struct {
		path      string
		wantReads bool
	}{{"/reject", false}, {"/read", true}} {
		body := &countingReader{r: strings.NewReader(`{"a":"b"}`)}
		req, _ := http.NewRequest(http.MethodPost, srv.URL+tc.path, body)
		req.ContentLength = 9
		req.Header.Set("Expect", "100-continue")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if got := body.reads.Load() > 0; got != tc.wantReads {
			t.Errorf("%s: body sent %v, want %v (status %d)", tc.path, got, tc.wantReads, resp.StatusCode)
		}
	}
}

// TestCollectStreamingBudget has a handler read a 2 MiB form 4 KiB at a
// time and ask for the inputs after every read, as a handler streaming
// rows into guarded queries does: a form is parsed again as it grows, and
// that parsing stays within its linear budget; the collections it skips
// mark the inspection partial ("work") rather than answering stale inputs
// as complete.
func TestCollectStreamingBudget(t *testing.T) {
	var b strings.Builder
	for b.Len() < 2<<20 {
		b.WriteString("name=row&n=1&")
	}
	b.WriteString("name=last")
	body := b.String()
	a, _ := testAgent(t, ModeProtect)
	sawWork := false
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 4<<10)
		for {
			_, err := r.Body.Read(buf)
			_ = taint.FromContext(r.Context())
			if requestFrom(r.Context()).in.partial()&collectLimitWork != 0 {
				sawWork = true
			}
			if err != nil {
				break
			}
		}
		ri := &requestFrom(r.Context()).in
		if n := int64(len(body)); ri.parsed > reparseBudget*n+reparseSlack {
			t.Errorf("parsed %d bytes of a %d-byte body", ri.parsed, n)
		}
	}))
	start := time.Now()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if !sawWork {
		t.Error("no collection was skipped, or a skipped one was not marked partial")
	}
	t.Logf("2 MiB form streamed in 4 KiB reads with a collection after each: %v", time.Since(start))
}

// TestCollectStreamingJSON streams a 2 MiB JSON array into a handler that
// decodes it element by element and asks for the inputs after each: every
// element's value is an input by the time the handler holds it, the walk
// is never partial, and the final inputs are those of a one-shot
// collection.
func TestCollectStreamingJSON(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	i := 0
	for ; b.Len() < 2<<20; i++ {
		fmt.Fprintf(&b, `{"name":"row %d","n":%d},`, i, i)
	}
	b.WriteString(`{"name":"last"}]`)
	body := b.String()
	a, _ := testAgent(t, ModeProtect)
	var streamed []taint.Input
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dec := json.NewDecoder(r.Body)
		pos := 0
		if _, err := dec.Token(); err != nil {
			t.Fatal(err)
		}
		for k := 0; dec.More(); k++ {
			var row struct{ Name string }
			if err := dec.Decode(&row); err != nil {
				t.Fatal(err)
			}
			in := taint.FromContext(r.Context())
			// Rows come in order: search on from the last one found, so
			// that the test itself stays linear.
			for pos < len(in) && !(in[pos].Source == taint.SourceJSON && in[pos].Value == row.Name) {
				pos++
			}
			if pos == len(in) {
				t.Fatalf("row %d: %q is not an input yet", k, row.Name)
			}
			if l := requestFrom(r.Context()).in.partial(); l != 0 {
				t.Fatalf("row %d: partial %v", k, l)
			}
		}
		_, _ = io.Copy(io.Discard, r.Body)
		streamed = taint.FromContext(r.Context())
	}))
	start := time.Now()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body)))
	took := time.Since(start)

	var whole []taint.Input
	h = a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		whole = taint.FromContext(r.Context())
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body)))
	if !slices.Equal(streamed, whole) {
		t.Errorf("streamed collection (%d inputs) differs from the one-shot one (%d)", len(streamed), len(whole))
	}
	t.Logf("%d rows streamed, a collection after each: %v", i+1, took)
}
