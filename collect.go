package rasp

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gorasp/rasp/taint"
)

// Bounds of the collection that are not options.
const (
	maxKeyLen     = 256 // bytes of an input's Key (JSON paths grow with depth)
	maxJSONDepth  = 128 // nesting levels of a JSON body walked
	maxFormParts  = 256 // multipart parts looked at
	maxZeroReads  = 100 // consecutive empty reads before a body is given up, as bufio does
	maxSegDecoded = 4   // decoded variants kept per value and round
)

// inputsPool recycles the collectors' scratch slices: taint.NewContext
// copies the inputs, so the scratch is free once the context is built.
var inputsPool = sync.Pool{New: func() any { s := make([]taint.Input, 0, 64); return &s }}

// maxPooledInputs keeps a request with many inputs from pinning a large
// slice in the pool.
const maxPooledInputs = 1024

func getInputs() *[]taint.Input { return inputsPool.Get().(*[]taint.Input) }

func putInputs(p *[]taint.Input) {
	if cap(*p) > maxPooledInputs {
		return
	}
	clear(*p) // drop the strings
	*p = (*p)[:0]
	inputsPool.Put(p)
}

// collector gathers the inputs of one request within the agent's caps.
type collector struct {
	cfg     *config
	inputs  []taint.Input
	partial bool // a cap was reached
	capped  bool // an input was refused at the input cap: stop looking
}

// full reports whether the input cap is reached, and marks the inspection
// partial when it is: callers ask only when they have one more input.
func (c *collector) full() bool {
	if len(c.inputs) >= c.cfg.maxInputs {
		c.partial, c.capped = true, true
		return true
	}
	return false
}

// add records one input and the URL-decoded variants of its value that
// differ from it, because applications decode again.
func (c *collector) add(src taint.Source, key, val string) {
	if val == "" || c.full() {
		return
	}
	if len(val) > c.cfg.maxValueLen {
		val, _ = truncate(val, c.cfg.maxValueLen)
		c.partial = true
	}
	if len(key) > maxKeyLen {
		key, _ = truncate(key, maxKeyLen)
	}
	c.inputs = append(c.inputs, taint.Input{Source: src, Key: key, Value: val})
	c.addDecoded(src, key, val)
}

// addDecoded adds the variants of val decoded by url.QueryUnescape and
// url.PathUnescape (they differ on '+'), for cfg.decodeDepth rounds.
func (c *collector) addDecoded(src taint.Source, key, val string) {
	first := len(c.inputs) - 1 // val itself
	seen := func(d string) bool {
		return slices.ContainsFunc(c.inputs[first:], func(in taint.Input) bool { return in.Value == d })
	}
	var cur, next [maxSegDecoded]string
	cur[0] = val
	ncur := 1
	for range c.cfg.decodeDepth {
		nnext := 0
		for _, s := range cur[:ncur] {
			if !strings.ContainsAny(s, "%+") {
				continue
			}
			for _, unescape := range [...]func(string) (string, error){url.QueryUnescape, url.PathUnescape} {
				d, err := unescape(s)
				if err != nil || d == "" || nnext == len(next) || seen(d) {
					continue
				}
				if c.full() {
					return
				}
				next[nnext] = d
				nnext++
				c.inputs = append(c.inputs, taint.Input{Source: src, Key: key, Value: d})
			}
		}
		if nnext == 0 {
			return
		}
		cur, ncur = next, nnext
	}
}

// collect gathers the inputs of r's URL, headers and cookies, and of body,
// the inspected prefix of r's body (nil when none was read).
func (c *collector) collect(r *http.Request, body []byte, bodyCut bool) {
	if bodyCut {
		c.partial = true
	}
	c.collectPath(r.URL)
	c.collectQuery(taint.SourceQuery, r.URL.RawQuery)
	if body != nil {
		c.collectBody(r.Header.Get("Content-Type"), body)
	}
	for _, ck := range r.Cookies() {
		if c.add(taint.SourceCookie, ck.Name, ck.Value); c.capped {
			return
		}
	}
	c.collectHeaders(r)
}

// collectPath adds each path segment as a ServeMux wildcard sees it: split
// on the escaped path, then unescaped, so "..%2F.." stays one segment.
func (c *collector) collectPath(u *url.URL) {
	p := u.EscapedPath()
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "" {
			continue
		}
		if d, err := url.PathUnescape(seg); err == nil {
			seg = d
		}
		c.add(taint.SourcePath, "", seg)
	}
}

// collectQuery adds the values of an urlencoded string (a URL query or a
// form body), decoded once as url.ParseQuery does. A pair that does not
// decode is kept raw: the inputs are a superset of what the handler sees.
func (c *collector) collectQuery(src taint.Source, q string) {
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
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
		c.add(src, k, v)
		if c.capped {
			return
		}
	}
}

func (c *collector) collectHeaders(r *http.Request) {
	c.add(taint.SourceHeader, "Host", r.Host)
	var arr [32]string
	keys := arr[:0]
	for k := range r.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys) // deterministic order when the cap cuts
	for _, k := range keys {
		for _, v := range r.Header[k] {
			if c.add(taint.SourceHeader, k, v); c.capped {
				return
			}
		}
	}
}

// collectBody parses the inspected prefix of a body by its media type. A
// JSON document is recognised by its first byte too, whatever the media
// type says, because handlers often decode JSON without checking it.
func (c *collector) collectBody(contentType string, body []byte) {
	mt, params, _ := mime.ParseMediaType(contentType)
	switch {
	case mt == "application/x-www-form-urlencoded":
		c.collectQuery(taint.SourceForm, string(body))
	case mt == "multipart/form-data":
		c.collectMultipart(body, params["boundary"])
	case isJSONType(mt) || looksJSON(body):
		c.collectJSON(body)
	}
}

func isJSONType(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func looksJSON(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// collectMultipart adds the field values and the upload file names of a
// multipart body. File contents are never read into inputs.
func (c *collector) collectMultipart(body []byte, boundary string) {
	if boundary == "" {
		return
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for range maxFormParts {
		if c.capped {
			return
		}
		p, err := mr.NextPart()
		if err != nil {
			return // end, or a cut or malformed body: keep what was found
		}
		name := p.FormName()
		if name == "" {
			continue
		}
		if fn := p.FileName(); fn != "" {
			c.add(taint.SourceForm, name, fn)
			// FileName drops directories, as RFC 7578 asks; an
			// application reading the header itself sees them.
			if _, ps, err := mime.ParseMediaType(p.Header.Get("Content-Disposition")); err == nil && ps["filename"] != fn {
				c.add(taint.SourceForm, name, ps["filename"])
			}
			continue
		}
		v, err := io.ReadAll(io.LimitReader(p, int64(c.cfg.maxValueLen)+1))
		c.add(taint.SourceForm, name, string(v))
		if err != nil {
			return
		}
	}
	c.partial = true
}

// jsonFrame is one open JSON container while walking a body.
type jsonFrame struct {
	array bool
	index int
	base  int // length of the path before this container's members
}

// What the JSON walker expects next.
const (
	jsonValue = iota // a value (or ']' of an array)
	jsonKey          // a member name (or '}' of an object)
	jsonColon        // ':' after a member name
	jsonNext         // ',' or the end of the container
)

// collectJSON adds every string and number leaf and every object key of a
// JSON body, keyed by its dotted path ("user.name", "items.0"). Strings are
// decoded as encoding/json decodes them. A cut or malformed document yields
// the inputs before the fault; a stream of documents (JSON lines) is walked
// to its end. The walker is lenient where leniency only adds inputs (a
// trailing comma); it allocates only for escaped strings and paths.
func (c *collector) collectJSON(body []byte) {
	s := body
	var (
		stackArr [16]jsonFrame
		stack    = stackArr[:0]
		pathArr  [64]byte
		path     = pathArr[:0]
	)
	// member sets path to the current container's member seg.
	member := func(seg string) {
		if len(stack) == 0 {
			return
		}
		path = path[:stack[len(stack)-1].base]
		if len(path) > 0 {
			path = appendCapped(path, ".")
		}
		path = appendCapped(path, seg)
	}
	var idx [20]byte
	// done ends a value in the current container.
	done := func() int {
		n := len(stack)
		if n == 0 {
			path = path[:0]
			return jsonValue // the next document of a stream
		}
		if stack[n-1].array {
			stack[n-1].index++
		}
		return jsonNext
	}
	// pathString returns path as a string, reusing the member name's path
	// for its value.
	var keyPath string
	pathString := func() string {
		if string(path) == keyPath {
			return keyPath
		}
		return string(path)
	}
	state := jsonValue
	for i := 0; !c.capped; {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
		if i >= len(s) {
			return
		}
		ch := s[i]
		top := len(stack) - 1
		switch state {
		case jsonColon:
			if ch != ':' {
				return
			}
			i++
			state = jsonValue
		case jsonNext:
			switch {
			case ch == ',':
				i++
				state = jsonValue
				if !stack[top].array {
					state = jsonKey
				}
			case ch == ']' && stack[top].array, ch == '}' && !stack[top].array:
				i++
				stack = stack[:top]
				state = done()
			default:
				return
			}
		case jsonKey:
			if ch == '}' {
				i++
				stack = stack[:top]
				state = done()
				continue
			}
			if ch != '"' {
				return
			}
			key, n, ok := jsonString(s, i)
			if !ok {
				return
			}
			i = n
			member(key)
			keyPath = string(path)
			c.add(taint.SourceJSON, keyPath, key)
			state = jsonColon
		case jsonValue:
			if top >= 0 && stack[top].array {
				if ch == ']' {
					i++
					stack = stack[:top]
					state = done()
					continue
				}
				member(string(strconv.AppendInt(idx[:0], int64(stack[top].index), 10)))
			}
			switch {
			case ch == '{' || ch == '[':
				if len(stack) == maxJSONDepth {
					c.partial = true
					return
				}
				i++
				stack = append(stack, jsonFrame{array: ch == '[', base: len(path)})
				if ch == '{' {
					state = jsonKey
				}
			case ch == '"':
				v, n, ok := jsonString(s, i)
				if !ok {
					return
				}
				i = n
				c.add(taint.SourceJSON, pathString(), v)
				state = done()
			case ch == '-' || ch >= '0' && ch <= '9':
				j := i + 1
				for j < len(s) && strings.IndexByte("0123456789+-.eE", s[j]) >= 0 {
					j++
				}
				c.add(taint.SourceJSON, pathString(), string(s[i:j]))
				i = j
				state = done()
			case bytes.HasPrefix(s[i:], []byte("true")), bytes.HasPrefix(s[i:], []byte("null")):
				i += 4
				state = done()
			case bytes.HasPrefix(s[i:], []byte("false")):
				i += 5
				state = done()
			default:
				return
			}
		}
	}
}

// jsonString decodes the JSON string starting at s[i] == '"' and returns
// it with the offset just past it. A string with escapes or invalid UTF-8
// is decoded by encoding/json, so that the value is what the handler's
// decoder sees. The result never aliases s.
func jsonString(s []byte, i int) (string, int, bool) {
	plain := true
	for j := i + 1; j < len(s); j++ {
		switch ch := s[j]; {
		case ch == '"':
			raw := s[i : j+1]
			if plain {
				return string(raw[1 : len(raw)-1]), j + 1, true
			}
			var v string
			if err := json.Unmarshal(raw, &v); err != nil {
				return "", 0, false
			}
			return v, j + 1, true
		case ch == '\\':
			plain = false
			j++
		case ch < 0x20:
			return "", 0, false
		case ch >= utf8.RuneSelf:
			if plain {
				r, n := utf8.DecodeRune(s[j:])
				if r == utf8.RuneError && n == 1 {
					plain = false
				}
				j += n - 1
			}
		}
	}
	return "", 0, false // cut
}

func appendCapped(b []byte, s string) []byte {
	if room := maxKeyLen - len(b); len(s) > room {
		s = s[:max(room, 0)]
	}
	return append(b, s...)
}

// prefixLen is how many bytes readPrefix reads of a body of
// contentLength (-1: unknown) under limit: one more than limit tells a
// body of exactly limit bytes from a longer one.
func prefixLen(contentLength, limit int64) int64 {
	if contentLength >= 0 && contentLength <= limit {
		return contentLength
	}
	return limit + 1
}

// readPrefix fills buf from body for inspection. It returns the bytes read
// (at most limit), whether the body goes on past them (cut), and the body
// to hand the handler: the same bytes followed by the rest, unchanged.
func readPrefix(body io.ReadCloser, buf []byte, limit int64) (prefix []byte, cut bool, rest io.ReadCloser) {
	n, zero := 0, 0
	var err error
	for n < len(buf) && err == nil {
		var m int
		m, err = body.Read(buf[n:])
		n += m
		if m == 0 && err == nil {
			if zero++; zero >= maxZeroReads {
				err = io.ErrNoProgress
			}
		}
	}
	buf = buf[:n]
	pb := &prefixBody{prefix: buf, err: err, rc: body}
	if int64(n) > limit {
		return buf[:limit], true, pb
	}
	return buf, false, pb
}

// prefixBody is the body the handler reads: the inspected prefix, then the
// error that ended reading it (io.EOF included), or else the rest of the
// original body. Close closes the original.
type prefixBody struct {
	prefix []byte
	err    error
	rc     io.ReadCloser
}

func (b *prefixBody) Read(p []byte) (int, error) {
	if len(b.prefix) > 0 {
		n := copy(p, b.prefix)
		b.prefix = b.prefix[n:]
		return n, nil
	}
	if b.err != nil {
		return 0, b.err
	}
	return b.rc.Read(p)
}

func (b *prefixBody) Close() error { return b.rc.Close() }

// inspectBody reports whether the middleware reads r's body before the
// handler runs. A body of unknown length (chunked, HTTP/2 streams) is read
// only when its media type is one the middleware parses, so that
// full-duplex streams of other types (gRPC, event streams) never stall
// waiting for a prefix their client will not send before a response.
func inspectBody(r *http.Request, limit int64) bool {
	if limit <= 0 || r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return false
	}
	if r.ContentLength > 0 {
		return true
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data" || isJSONType(mt)
}
