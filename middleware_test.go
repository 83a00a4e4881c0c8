package rasp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorasp/rasp/internal/testlog"
	"github.com/gorasp/rasp/taint"
	"github.com/rs/zerolog"
)

// testAgent returns an agent in mode m logging into a buffer.
func testAgent(t *testing.T, m Mode, opts ...Option) (*Agent, *testlog.Buffer) {
	t.Helper()
	buf := new(testlog.Buffer)
	return New(append([]Option{WithMode(m), WithLogger(zerolog.New(buf))}, opts...)...), buf
}

// inputsHandler answers the request's inputs as JSON.
func inputsHandler(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The body's inputs are the bytes the handler read.
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			t.Errorf("read body: %v", err)
		}
		in := taint.FromContext(r.Context())
		if in == nil {
			http.Error(w, "no inputs in context", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(in); err != nil {
			t.Errorf("encode: %v", err)
		}
	})
}

func fetchInputs(t *testing.T, c *http.Client, req *http.Request) []taint.Input {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	var in []taint.Input
	if err := json.NewDecoder(resp.Body).Decode(&in); err != nil {
		t.Fatal(err)
	}
	return in
}

func TestMiddlewareSources(t *testing.T) {
	a, _ := testAgent(t, ModeMonitor)
	srv := httptest.NewServer(a.Middleware(inputsHandler(t)))
	t.Cleanup(srv.Close)

	multipartBody := func() (string, []byte) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		_ = mw.WriteField("title", "hello world")
		fw, _ := mw.CreateFormFile("upload", "../../evil.sh")
		_, _ = fw.Write([]byte("FILE-CONTENTS-NEVER-AN-INPUT"))
		_ = mw.Close()
		return mw.FormDataContentType(), b.Bytes()
	}

	tests := []struct {
		name   string
		method string
		url    string
		ctype  string
		body   string
		header map[string]string
		want   []taint.Input
		absent []string // values that must not be inputs
	}{
		{
			name: "path",
			url:  "/users/42/..%2Fetc",
			want: []taint.Input{
				{Source: taint.SourcePath, Value: "users"},
				{Source: taint.SourcePath, Value: "42"},
				{Source: taint.SourcePath, Value: "../etc"},
			},
		},
		{
			name: "query and decoded variants",
			url:  "/q?name=it%27s&x=a%2527b&plus=a%2Bb+c",
			want: []taint.Input{
				{Source: taint.SourceQuery, Key: "name", Value: "it's"},
				{Source: taint.SourceQuery, Key: "x", Value: "a%27b"},
				{Source: taint.SourceQuery, Key: "x", Value: "a'b"},
				{Source: taint.SourceQuery, Key: "plus", Value: "a+b c"},
				{Source: taint.SourceQuery, Key: "plus", Value: "a b c"},
			},
		},
		{
			name:   "urlencoded form",
			method: http.MethodPost,
			url:    "/f",
			ctype:  "application/x-www-form-urlencoded",
			body:   "user=bob+smith&pw=x%26y&broken=%zz",
			want: []taint.Input{
				{Source: taint.SourceForm, Key: "user", Value: "bob smith"},
				{Source: taint.SourceForm, Key: "pw", Value: "x&y"},
				{Source: taint.SourceForm, Key: "broken", Value: "%zz"},
			},
		},
		{
			name:   "json leaves keys and paths",
			method: http.MethodPost,
			url:    "/j",
			ctype:  "application/json",
			body:   `{"user":{"name":"bob","age":7,"ok":true,"tags":["a",["b"]],"n":null},"it's":"x"}`,
			want: []taint.Input{
				{Source: taint.SourceJSON, Value: "user", IsKey: true},
				{Source: taint.SourceJSON, Key: "user", Value: "name", IsKey: true},
				{Source: taint.SourceJSON, Key: "user.name", Value: "bob"},
				{Source: taint.SourceJSON, Key: "user.age", Value: "7"},
				{Source: taint.SourceJSON, Key: "user.tags.0", Value: "a"},
				{Source: taint.SourceJSON, Key: "user.tags.1.0", Value: "b"},
				{Source: taint.SourceJSON, Value: "it's", IsKey: true},
				{Source: taint.SourceJSON, Key: "it's", Value: "x"},
			},
			absent: []string{"true"},
		},
		{
			name:   "json sniffed whatever the media type",
			method: http.MethodPost,
			url:    "/j",
			ctype:  "text/plain",
			body:   ` [1, "two"]`,
			want: []taint.Input{
				{Source: taint.SourceJSON, Key: "0", Value: "1"},
				{Source: taint.SourceJSON, Key: "1", Value: "two"},
			},
		},
		{
			name:   "malformed json keeps leaves before the fault",
			method: http.MethodPost,
			url:    "/j",
			ctype:  "application/json",
			body:   `{"a":"first","b":tru`,
			want:   []taint.Input{{Source: taint.SourceJSON, Key: "a", Value: "first"}},
		},
		{
			name: "headers and cookies",
			url:  "/h",
			header: map[string]string{
				"X-Custom": "hdr-value",
				"Cookie":   "sid=abc123; theme=dark",
			},
			want: []taint.Input{
				{Source: taint.SourceHeader, Key: "X-Custom", Value: "hdr-value"},
				{Source: taint.SourceHeader, Key: "Cookie", Value: "sid=abc123; theme=dark"},
				{Source: taint.SourceCookie, Key: "sid", Value: "abc123"},
				{Source: taint.SourceCookie, Key: "theme", Value: "dark"},
			},
		},
	}
	ctype, mp := multipartBody()
	tests = append(tests, struct {
		name   string
		method string
		url    string
		ctype  string
		body   string
		header map[string]string
		want   []taint.Input
		absent []string
	}{
		name:   "multipart fields and file names",
		method: http.MethodPost,
		url:    "/m",
		ctype:  ctype,
		body:   string(mp),
		want: []taint.Input{
			{Source: taint.SourceForm, Key: "title", Value: "hello world"},
			{Source: taint.SourceForm, Key: "upload", Value: "evil.sh"},
			{Source: taint.SourceForm, Key: "upload", Value: "../../evil.sh"},
		},
		absent: []string{"FILE-CONTENTS-NEVER-AN-INPUT"},
	})

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			req, err := http.NewRequest(method, srv.URL+tc.url, body)
			if err != nil {
				t.Fatal(err)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			got := fetchInputs(t, srv.Client(), req)
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing %+v\ngot %+v", w, got)
				}
			}
			for _, v := range tc.absent {
				for _, g := range got {
					if g.Source != taint.SourceBody && strings.Contains(g.Value, v) {
						t.Errorf("%q must not be an input: %+v", v, g)
					}
				}
			}
			host := taint.Input{Source: taint.SourceHeader, Key: "Host", Value: strings.TrimPrefix(srv.URL, "http://")}
			if !slices.Contains(got, host) {
				t.Errorf("missing %+v", host)
			}
		})
	}
}

// bodyDigest answers the length and SHA-256 of the body the handler read.
func bodyDigest(w http.ResponseWriter, r *http.Request) {
	h := sha256.New()
	n, err := io.Copy(h, r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintf(w, "%d %s", n, hex.EncodeToString(h.Sum(nil)))
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return fmt.Sprintf("%d %s", len(b), hex.EncodeToString(s[:]))
}

func TestMiddlewareBodyByteExact(t *testing.T) {
	const limit = 1024
	a, _ := testAgent(t, ModeMonitor, WithBodyLimit(limit))
	srv := httptest.NewServer(a.Middleware(http.HandlerFunc(bodyDigest)))
	t.Cleanup(srv.Close)

	rnd := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rnd.Uint32())
		}
		return b
	}
	bigJSON := []byte(`{"k":"` + strings.Repeat("x", 5000) + `"}`)
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	_ = mw.WriteField("a", "b")
	fw, _ := mw.CreateFormFile("f", "f.bin")
	_, _ = fw.Write(random(20000))
	_ = mw.Close()

	tests := []struct {
		name    string
		ctype   string
		body    []byte
		chunked bool
	}{
		{"empty", "application/json", nil, false},
		{"small json", "application/json", []byte(`{"a":"b"}`), false},
		{"exactly the limit", "application/json", random(limit), false},
		{"limit plus one", "application/json", random(limit + 1), false},
		{"over the limit", "application/json", bigJSON, false},
		{"malformed json", "application/json", []byte(`{"a":`), false},
		{"binary", "application/octet-stream", random(50000), false},
		{"multipart over the limit", mw.FormDataContentType(), mp.Bytes(), false},
		{"chunked json over the limit", "application/json", bigJSON, true},
		{"chunked exactly the limit", "application/json", random(limit), true},
		{"chunked short", "application/json", []byte(`[1,2]`), true},
		{"chunked other type", "application/grpc", random(3000), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var body io.Reader = bytes.NewReader(tc.body)
			if tc.chunked {
				// Hide the length so the client sends a chunked body.
				body = io.MultiReader(bytes.NewReader(tc.body))
			}
			req, _ := http.NewRequest(http.MethodPost, srv.URL, body)
			req.Header.Set("Content-Type", tc.ctype)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if want := digest(tc.body); string(got) != want {
				t.Errorf("handler read %q, want %q", got, want)
			}
		})
	}
}

// TestMiddlewareStreaming checks that the handler starts before the client
// has sent its whole body: only the inspected prefix is read ahead.
func TestMiddlewareStreaming(t *testing.T) {
	const limit = 512
	a, _ := testAgent(t, ModeProtect, WithBodyLimit(limit))
	started := make(chan struct{})
	srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		bodyDigest(w, r)
	})))
	t.Cleanup(srv.Close)

	pr, pw := io.Pipe()
	first := bytes.Repeat([]byte("a"), 2*limit)
	rest := bytes.Repeat([]byte("b"), 10000)
	go func() {
		_, _ = pw.Write(first)
		select {
		case <-started:
		case <-time.After(10 * time.Second):
			pw.CloseWithError(errors.New("handler did not start before the body ended"))
			return
		}
		_, _ = pw.Write(rest)
		_ = pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, srv.URL, pr)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := digest(append(first, rest...)); string(got) != want {
		t.Errorf("handler read %q, want %q", got, want)
	}
}

// TestMiddlewareBodyReadError checks that an error ending the prefix read
// reaches the handler after the prefix, as it would have without rasp.
func TestMiddlewareBodyReadError(t *testing.T) {
	a, _ := testAgent(t, ModeMonitor)
	boom := errors.New("boom")
	var got []byte
	var gotErr error
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, gotErr = io.ReadAll(r.Body)
	}))
	r := httptest.NewRequest(http.MethodPost, "/", io.MultiReader(strings.NewReader(`{"a":"b"`), iotestErrReader{boom}))
	r.ContentLength = -1
	r.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if string(got) != `{"a":"b"` || !errors.Is(gotErr, boom) {
		t.Errorf("handler read %q, %v; want the prefix then boom", got, gotErr)
	}
}

type iotestErrReader struct{ err error }

func (r iotestErrReader) Read([]byte) (int, error) { return 0, r.err }

func TestMiddlewarePartial(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		url  string
		body string
		want bool
	}{
		{"within caps", nil, "/?a=1", `{"b":"c"}`, false},
		{"body cut", []Option{WithBodyLimit(8)}, "/", `{"b":"cccccccc"}`, true},
		{"input cap", []Option{WithInputLimits(3, 0)}, "/?a=1&b=2&c=3&d=4", `{}`, true},
		{"value cut", []Option{WithInputLimits(0, 4)}, "/?a=12345", `{}`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, buf := testAgent(t, ModeMonitor, tc.opts...)
			h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				if in := taint.FromContext(r.Context()); len(in) > a.cfg.maxInputs {
					t.Errorf("%d inputs over the cap %d", len(in), a.cfg.maxInputs)
				}
				_ = a.Decide(r.Context(), SinkSQL, "query", Finding{Kind: KindSQLInjection, Start: -1, End: -1})
			}))
			r := httptest.NewRequest(http.MethodPost, tc.url, strings.NewReader(tc.body))
			r.Header.Set("Content-Type", "application/json")
			h.ServeHTTP(httptest.NewRecorder(), r)
			ev := buf.Events(t)
			if len(ev) != 1 {
				t.Fatalf("events: %v", ev)
			}
			if got := ev[0]["partial_inspection"] == true; got != tc.want {
				t.Errorf("partial_inspection = %v, want %v", got, tc.want)
			}
			if got := a.Stats().PartialRequests == 1; got != tc.want {
				t.Errorf("PartialRequests = %d, want partial %v", a.Stats().PartialRequests, tc.want)
			}
		})
	}
}

// TestMiddlewareIsolation sends hundreds of parallel requests: each handler
// must see its own inputs and none of another request's.
func TestMiddlewareIsolation(t *testing.T) {
	a, _ := testAgent(t, ModeProtect)
	srv := httptest.NewServer(a.Middleware(inputsHandler(t)))
	t.Cleanup(srv.Close)
	client := srv.Client()
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64

	const n = 300
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			tok := fmt.Sprintf("tok-%d-", i)
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/"+tok+"p?q="+tok+"q",
				strings.NewReader(`{"v":"`+tok+`j"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Tok", tok+"h")
			got := fetchInputs(t, client, req)
			seen := 0
			for _, in := range got {
				if strings.Contains(in.Value, "tok-") {
					if !strings.Contains(in.Value, tok) {
						t.Errorf("request %d saw another request's input %+v", i, in)
					}
					seen++
				}
			}
			if seen != 5 { // path, query, JSON leaf, whole body, header
				t.Errorf("request %d saw %d of its 5 inputs: %+v", i, seen, got)
			}
		})
	}
	wg.Wait()
}

var sqlFinding = Finding{
	Kind:   KindSQLInjection,
	Input:  taint.Input{Source: taint.SourceQuery, Key: "id", Value: "1 OR 1=1"},
	Target: "SELECT * FROM t WHERE id = 1 OR 1=1",
	Start:  27, End: 35,
	Reason: "input spans several tokens",
}

func TestMiddlewareBlock(t *testing.T) {
	tests := []struct {
		name     string
		env      BlockResponse
		wantBody string
		wantCT   string
	}{
		{"text", BlockText, "Forbidden\n", "text/plain; charset=utf-8"},
		{"json", BlockJSON, `{"error":"forbidden"}` + "\n", "application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, buf := testAgent(t, ModeProtect, WithBlockResponse(tc.env))
			var handlerErr, writeErr error
			srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.SetCookie(w, &http.Cookie{Name: "session", Value: "granted"})
				handlerErr = a.Decide(r.Context(), SinkSQL, "query", sqlFinding)
				// A handler that ignores the error and answers 200 anyway.
				w.WriteHeader(http.StatusOK)
				_, writeErr = w.Write([]byte("secret rows"))
			})))
			t.Cleanup(srv.Close)
			resp, err := srv.Client().Get(srv.URL + "/?id=1+OR+1=1")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden || string(body) != tc.wantBody {
				t.Errorf("got %d %q, want 403 %q", resp.StatusCode, body, tc.wantBody)
			}
			if ct := resp.Header.Get("Content-Type"); ct != tc.wantCT {
				t.Errorf("Content-Type %q, want %q", ct, tc.wantCT)
			}
			if c := resp.Header.Get("Set-Cookie"); c != "" {
				t.Errorf("the handler's cookie reached the client: %q", c)
			}
			var be *BlockedError
			if !errors.As(handlerErr, &be) || !errors.Is(handlerErr, ErrBlocked) || be.Event.Late {
				t.Errorf("Decide = %v, want an early *BlockedError", handlerErr)
			}
			if !errors.Is(writeErr, ErrBlocked) {
				t.Errorf("handler write error = %v, want ErrBlocked", writeErr)
			}
			ev := buf.Events(t)
			if len(ev) != 1 || ev[0]["blocked"] != true || ev[0]["late"] != nil || ev[0]["request_path"] != "/" {
				t.Errorf("events %v", ev)
			}
		})
	}
}

func TestMiddlewareBlockNoWrite(t *testing.T) {
	a, _ := testAgent(t, ModeProtect)
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = a.Decide(r.Context(), SinkSQL, "query", sqlFinding)
		if !Blocked(r.Context()) {
			t.Error("Blocked = false after a block")
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusForbidden {
		t.Errorf("status %d, want 403", rec.Code)
	}
}

func TestMiddlewareLateBlock(t *testing.T) {
	a, buf := testAgent(t, ModeProtect)
	var decideErr, writeErr error
	srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("first part;"))
		w.(http.Flusher).Flush()
		decideErr = a.Decide(r.Context(), SinkSQL, "query", sqlFinding)
		_, writeErr = w.Write([]byte("rows after the block"))
	})))
	t.Cleanup(srv.Close)
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "first part;" {
		t.Errorf("got %d %q, want 200 and only the part before the block", resp.StatusCode, body)
	}
	var be *BlockedError
	if !errors.As(decideErr, &be) || !be.Event.Late {
		t.Errorf("Decide = %v, want a late block", decideErr)
	}
	if !errors.Is(writeErr, ErrBlocked) {
		t.Errorf("write after a late block = %v", writeErr)
	}
	if ev := buf.Events(t); len(ev) != 1 || ev[0]["late"] != true {
		t.Errorf("events %v, want one late event", ev)
	}
}

// TestMiddlewareBlockRace runs the decision on another goroutine while the
// handler writes: the event's Late flag must agree with what the client
// received.
func TestMiddlewareBlockRace(t *testing.T) {
	a, _ := testAgent(t, ModeProtect)
	lateCh := make(chan bool, 1)
	srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			var be *BlockedError
			if err := a.Decide(r.Context(), SinkSQL, "query", sqlFinding); errors.As(err, &be) {
				lateCh <- be.Event.Late
			}
		}()
		_, _ = w.Write([]byte("ok"))
		<-done
	})))
	t.Cleanup(srv.Close)
	for range 50 {
		resp, err := srv.Client().Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		late := <-lateCh
		if late != (resp.StatusCode == http.StatusOK) {
			t.Fatalf("late=%v but status %d", late, resp.StatusCode)
		}
	}
}

func TestMiddlewareWriterInterfaces(t *testing.T) {
	a, _ := testAgent(t, ModeProtect)
	srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(http.Hijacker); !ok {
			t.Error("an HTTP/1.1 writer must claim Hijacker")
		}
		if _, ok := w.(http.Flusher); !ok {
			t.Error("not a Flusher")
		}
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("ResponseController.SetWriteDeadline: %v", err)
		}
		switch r.URL.Path {
		case "/flush":
			_, _ = w.Write([]byte("a"))
			if err := rc.Flush(); err != nil {
				t.Errorf("ResponseController.Flush: %v", err)
			}
		case "/hijack":
			conn, brw, err := rc.Hijack()
			if err != nil {
				t.Errorf("Hijack: %v", err)
				return
			}
			defer conn.Close()
			_, _ = brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
			_ = brw.Flush()
		case "/blocked-hijack":
			_ = a.Decide(r.Context(), SinkSQL, "query", sqlFinding)
			if _, _, err := w.(http.Hijacker).Hijack(); !errors.Is(err, ErrBlocked) {
				t.Errorf("Hijack after a block = %v, want ErrBlocked", err)
			}
		}
	})))
	t.Cleanup(srv.Close)
	for path, want := range map[string]string{"/flush": "200 a", "/hijack": "200 hijacked", "/blocked-hijack": "403 Forbidden\n"} {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if got := fmt.Sprintf("%d %s", resp.StatusCode, b); got != want {
			t.Errorf("%s: got %q, want %q", path, got, want)
		}
	}
}

func TestMiddlewareHTTP2(t *testing.T) {
	a, _ := testAgent(t, ModeProtect)
	srv := httptest.NewUnstartedServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			t.Errorf("proto %s", r.Proto)
		}
		if _, ok := w.(http.Hijacker); ok {
			t.Error("an HTTP/2 writer must not claim Hijacker")
		}
		_, _ = w.Write([]byte("x"))
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
	})))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "x" {
		t.Errorf("body %q", b)
	}
}

func TestMiddlewareModes(t *testing.T) {
	tests := []struct {
		name       string
		opts       []Option
		wantInputs bool
		wantWrap   bool
	}{
		{"off", []Option{WithMode(ModeOff)}, false, false},
		{"monitor", []Option{WithMode(ModeMonitor)}, true, false},
		{"protect", []Option{WithMode(ModeProtect)}, true, true},
		{"off with a monitored sink", []Option{WithMode(ModeOff), WithSinkMode(SinkSQL, ModeMonitor)}, true, false},
		{"monitor with a protected sink", []Option{WithMode(ModeMonitor), WithSinkMode(SinkExec, ModeProtect)}, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := New(append([]Option{WithLogger(zerolog.Nop())}, tc.opts...)...)
			h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if FromContext(r.Context()) != a {
					t.Error("the context does not carry the agent")
				}
				if got := taint.FromContext(r.Context()) != nil; got != tc.wantInputs {
					t.Errorf("inputs present = %v, want %v", got, tc.wantInputs)
				}
				_, wrapped := w.(interface{ Unwrap() http.ResponseWriter })
				if wrapped != tc.wantWrap {
					t.Errorf("writer wrapped = %v, want %v", wrapped, tc.wantWrap)
				}
			}))
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/?q=1", nil))
		})
	}
}

func TestDefaultMiddleware(t *testing.T) {
	old := Default()
	defer SetDefault(old)
	var got *Agent
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = FromContext(r.Context())
	}))
	a := New(WithLogger(zerolog.Nop()))
	SetDefault(a) // after wrapping: resolved per request
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	if got != a {
		t.Error("Middleware did not use the current default agent")
	}
}

func TestMiddlewareRoute(t *testing.T) {
	a, buf := testAgent(t, ModeMonitor)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		_ = a.Decide(r.Context(), SinkSQL, "query", sqlFinding)
	})
	a.Middleware(mux).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/items/7", nil))
	if ev := buf.Events(t); len(ev) != 1 || ev[0]["request_route"] != "GET /items/{id}" {
		t.Errorf("events %v", ev)
	}
}

func TestMiddlewareCanceledContext(t *testing.T) {
	a, _ := testAgent(t, ModeMonitor)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Context().Err() == nil {
			t.Error("the request's own context was replaced")
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil).WithContext(ctx))
}

func TestMiddlewareNested(t *testing.T) {
	outer, _ := testAgent(t, ModeProtect)
	inner, _ := testAgent(t, ModeProtect)
	var n int
	var got *Agent
	h := outer.Middleware(inner.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n = len(taint.FromContext(r.Context()))
		got = FromContext(r.Context())
		_ = got.Decide(r.Context(), SinkSQL, "query", sqlFinding)
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/a?q=1", nil))
	if n != 4 { // path "a", query key q and its value, header Host
		t.Errorf("%d inputs, want 4: nesting must not collect twice", n)
	}
	if got != inner || rec.Code != http.StatusForbidden {
		t.Errorf("agent %p (inner %p), status %d", got, inner, rec.Code)
	}
}

// TestLateAfterReturn blocks from a goroutine the handler left running:
// the response is complete, so the block is late.
func TestLateAfterReturn(t *testing.T) {
	a, _ := testAgent(t, ModeProtect)
	var ctx context.Context
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ctx = r.Context() }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	var be *BlockedError
	if err := a.Decide(ctx, SinkSQL, "query", sqlFinding); !errors.As(err, &be) || !be.Event.Late || rec.Code != http.StatusOK {
		t.Errorf("Decide after return = %v, status %d; want a late block and 200", err, rec.Code)
	}
}
