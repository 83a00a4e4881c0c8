// Package collect turns the parts of a request into the [taint.Input]s a
// handler can see. It is pure (no I/O, no context, no logging), so the HTTP
// middleware and later sources (gRPC metadata and messages) share it, and
// it can be fuzzed.
//
// By default a [Collector] keeps every value whole up to 8 MiB
// ([DefaultMaxValueLen]) and collects up to 262,144 inputs
// ([DefaultMaxInputs]); JSON is walked as deep as encoding/json decodes
// (10,000 levels), and a body under Content-Encoding gzip or deflate is
// decoded up to 8 MiB of output ([DefaultMaxDecoded]).
//
// # Threat model
//
// Every input the collector misses is a bypass with no event, so it errs
// on the side of more inputs:
//   - values and keys of every source: path segments (raw, as routers
//     matching on the escaped path hand them over, and decoded), query and
//     form fields, multipart field names, values and upload file names,
//     header and cookie names and values, JSON object keys and string and
//     number leaves, and the whole body;
//   - a body is parsed by its declared media type and by its content: JSON
//     (a top-level scalar included) sent as a form, as text or as multipart
//     without a boundary is walked as JSON, a body that opens with a
//     multipart boundary line is split on it, and urlencoded text under
//     another media type is parsed as a form;
//   - a body under Content-Encoding gzip or deflate both decoded and as
//     sent (a handler may ignore the header);
//   - each value's URL-decoded variants (two rounds), because applications
//     decode again.
//
// It does not see: what the application derives from inputs (base64 or
// JSON decoding of a value, splitting, concatenation), upload file
// contents (never inputs), bodies under encodings other than gzip and
// deflate, and anything past a limit. Each limit reached is recorded in
// [Collector.Reached], so that the caller can refuse to vouch for the
// request (the middleware blocks its guarded calls in protect mode).
// Memory and time are linear in the request's size: no input is copied
// more than a fixed number of times, and nothing is recursive.
//
// # Concurrency
//
// A Collector is used by one goroutine at a time; the inputs it returns
// are never modified afterwards.
package collect

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gorasp/rasp/taint"
)

// Defaults of [Limits].
const (
	// DefaultMaxInputs is the default number of inputs of one request:
	// far above any ordinary request (600 parameters are 1,200 inputs),
	// and its slice stays under 16 MiB.
	DefaultMaxInputs = 1 << 18
	// DefaultMaxValueLen is the default length beyond which a value is
	// cut: the middleware's default body limit, so that no value of an
	// inspected body is cut.
	DefaultMaxValueLen = 8 << 20
	// DefaultMaxDecoded is the default number of bytes a body under a
	// Content-Encoding is decoded to.
	DefaultMaxDecoded = 8 << 20
	// DefaultDecodeDepth is the default number of URL-decoding rounds of
	// the variants of a value.
	DefaultDecodeDepth = 2
	// MaxJSONDepth is encoding/json's own nesting limit: a handler's
	// decoder refuses deeper documents.
	MaxJSONDepth = 10000
)

// Bounds that are not limits an attacker can pad past: they cut labels,
// not what is matched.
const (
	maxKeyLen    = 256 // bytes of an input's Key (a JSON path grows with depth)
	maxVariants  = 4   // decoded variants kept per value and round
	maxEncodings = 4   // layers of Content-Encoding decoded
)

// Limits bound a [Collector]. A zero field takes its default.
type Limits struct {
	MaxInputs   int   // inputs; default [DefaultMaxInputs]
	MaxValueLen int   // bytes of one value; default [DefaultMaxValueLen]
	MaxDecoded  int64 // bytes of a decoded body; default [DefaultMaxDecoded]
	DecodeDepth int   // URL-decoding rounds; default [DefaultDecodeDepth], negative for none
}

// Limit is a set of limits a collection reached.
type Limit uint8

// The limits a [Collector] can reach.
const (
	LimitInputs   Limit = 1 << iota // more inputs than [Limits].MaxInputs
	LimitValue                      // a value was cut at [Limits].MaxValueLen
	LimitBody                       // the body went on past what was inspected (set by the caller)
	LimitDecoded                    // a decoded body went on past [Limits].MaxDecoded
	LimitDepth                      // JSON nested deeper than [MaxJSONDepth]
	LimitEncoding                   // a Content-Encoding that is not decoded
	LimitWork                       // the caller stopped re-collecting a growing body (set by the caller)
)

var limitNames = [...]string{"inputs", "value", "body", "decoded", "depth", "encoding", "work"}

// String returns the names of the limits in l, comma-separated ("inputs",
// "body,decoded"), or "" for none.
func (l Limit) String() string {
	var b strings.Builder
	for i, n := range limitNames {
		if l&(1<<i) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(n)
	}
	return b.String()
}

// Collector gathers the inputs of one request. The zero value collects
// with the default [Limits].
type Collector struct {
	Limits
	Inputs  []taint.Input // collected so far
	Reached Limit         // limits reached so far

	jsonKeys map[string]struct{} // JSON object keys added past fewKeys, see newKey
	fewKeys  [8]string           // the first JSON object keys added
	nFewKeys int
	arena    strings.Builder // decoded values, see unescape
}

func (c *Collector) maxInputs() int {
	if c.MaxInputs > 0 {
		return c.MaxInputs
	}
	return DefaultMaxInputs
}

func (c *Collector) maxValueLen() int {
	if c.MaxValueLen > 0 {
		return c.MaxValueLen
	}
	return DefaultMaxValueLen
}

func (c *Collector) maxDecoded() int64 {
	if c.MaxDecoded > 0 {
		return c.MaxDecoded
	}
	return DefaultMaxDecoded
}

func (c *Collector) decodeDepth() int {
	switch {
	case c.DecodeDepth > 0:
		return c.DecodeDepth
	case c.DecodeDepth < 0:
		return 0
	}
	return DefaultDecodeDepth
}

// Full reports whether the input cap is reached: nothing more is
// collected.
func (c *Collector) Full() bool { return c.Reached&LimitInputs != 0 }

// room reports whether one more input fits, and records the cap when not.
func (c *Collector) room() bool {
	if len(c.Inputs) >= c.maxInputs() {
		c.Reached |= LimitInputs
		return false
	}
	return true
}

// Value adds a value chosen by the client, and the URL-decoded variants of
// it that differ from it. Empty values are not inputs: they cannot change
// a target's syntax.
func (c *Collector) Value(src taint.Source, key, val string) {
	c.add(src, key, val, false, true)
}

// Key adds the name of a field, header, cookie or JSON member, found in
// container (a JSON path, or ""), and its URL-decoded variants.
func (c *Collector) Key(src taint.Source, container, name string) {
	c.add(src, container, name, true, true)
}

func (c *Collector) add(src taint.Source, key, val string, isKey, variants bool) {
	if val == "" || !c.room() {
		return
	}
	if len(val) > c.maxValueLen() {
		val = truncate(val, c.maxValueLen())
		c.Reached |= LimitValue
	}
	key = truncate(key, maxKeyLen)
	c.push(src, key, val, isKey)
	if variants && mayDecode(val) {
		c.addDecoded(src, key, val, isKey)
	}
}

// push appends an input field by field: an appended composite literal is
// copied with a bulk write barrier while the collector runs, which costs
// more than the input itself.
func (c *Collector) push(src taint.Source, key, val string, isKey bool) {
	n := len(c.Inputs)
	if n == cap(c.Inputs) {
		c.Inputs = slices.Grow(c.Inputs, 1)
	}
	c.Inputs = c.Inputs[:n+1]
	in := &c.Inputs[n]
	in.Source, in.Key, in.Value, in.IsKey = src, key, val, isKey
}

// mayDecode reports whether s holds a '%' or a '+': whether a decoding
// round can change it. Short values are scanned once, eight bytes at a
// time; long ones by two vectorised searches.
func mayDecode(s string) bool {
	if len(s) > 64 {
		return strings.IndexByte(s, '%') >= 0 || strings.IndexByte(s, '+') >= 0
	}
	for ; len(s) >= 8; s = s[8:] {
		_ = s[7]
		w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		if hasByte(w, '%') || hasByte(w, '+') {
			return true
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '%' || s[i] == '+' {
			return true
		}
	}
	return false
}

// hasByte reports whether one of the eight bytes of w is b.
func hasByte(w uint64, b byte) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	x := w ^ (lo * uint64(b))
	return (x-lo)&^x&hi != 0
}

// addDecoded adds the variants of val decoded by url.QueryUnescape and
// url.PathUnescape (they differ on '+'), for the decode depth's rounds.
// Its caller found a '%' or '+' in val ([mayDecode]): most values have
// none, and nothing to decode.
func (c *Collector) addDecoded(src taint.Source, key, val string, isKey bool) {
	if c.DecodeDepth < 0 {
		return
	}
	first := len(c.Inputs) - 1 // val itself
	seen := func(d string) bool {
		return slices.ContainsFunc(c.Inputs[first:], func(in taint.Input) bool { return in.Value == d })
	}
	var cur, next [maxVariants]string
	cur[0] = val
	ncur := 1
	for range c.decodeDepth() {
		nnext := 0
		for _, s := range cur[:ncur] {
			if !mayDecode(s) {
				continue
			}
			for _, plus := range [...]bool{true, false} {
				d, ok := c.unescape(s, plus)
				if !ok || d == "" || nnext == len(next) || seen(d) {
					continue
				}
				if !c.room() {
					return
				}
				next[nnext] = d
				nnext++
				c.push(src, key, d, isKey)
			}
		}
		if nnext == 0 {
			return
		}
		cur, ncur = next, nnext
	}
}

// Request adds the inputs of r's URL, Host, headers and cookies: all but
// the body (see [Collector.Body]).
func (c *Collector) Request(r *http.Request) {
	if r.URL != nil {
		c.Path(r.URL.EscapedPath())
		c.QueryJSON(taint.SourceQuery, r.URL.RawQuery)
	}
	c.cookies(r)
	c.Value(taint.SourceHeader, "Host", r.Host)
	c.Headers(r.Header)
}

// Path adds the segments of a URL path: each segment of the escaped path
// as it is (routers that match on r.URL.RawPath, such as chi and echo,
// hand it over still escaped) with its decoded variants, and, for a
// segment holding an escaped '/', the pieces r.URL.Path splits it into.
func (c *Collector) Path(escaped string) {
	for seg := range strings.SplitSeq(escaped, "/") {
		if c.Full() {
			return
		}
		c.Value(taint.SourcePath, "", seg)
		if strings.IndexByte(seg, '%') < 0 || !strings.Contains(seg, "%2F") && !strings.Contains(seg, "%2f") {
			continue
		}
		d, ok := c.unescape(seg, false)
		if !ok {
			continue
		}
		for piece := range strings.SplitSeq(d, "/") {
			c.add(taint.SourcePath, "", piece, false, false)
		}
	}
}

// Query adds the keys and values of an urlencoded string (a URL query or a
// form body), decoded once as url.ParseQuery does, then their variants. A
// part that does not decode is kept raw: the inputs are a superset of what
// the handler sees.
func (c *Collector) Query(src taint.Source, q string) {
	for q != "" && !c.Full() {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		// A part without '%' decodes to text without '%' or '+': it has
		// no variants, and is not searched for them again.
		k, kv := c.unescapeQuery(k)
		v, vv := c.unescapeQuery(v)
		c.add(src, "", k, true, kv)
		c.add(src, k, v, false, vv)
	}
}

// Headers adds the names and values of h, in sorted order when the input
// cap cuts them, so that it cuts the same ones every time. The Cookie
// header is added whole as well as by [Collector.Cookies].
func (c *Collector) Headers(h http.Header) {
	if c.Full() {
		return
	}
	// The map's own order, without looking each name up again; should
	// the cap cut, the walk is undone and made again in sorted order.
	start, reached := len(c.Inputs), c.Reached
	for k, vs := range h {
		c.Key(taint.SourceHeader, "", k)
		for _, v := range vs {
			c.Value(taint.SourceHeader, k, v)
		}
		if c.Full() {
			break
		}
	}
	if !c.Full() {
		return
	}
	clear(c.Inputs[start:])
	c.Inputs, c.Reached = c.Inputs[:start], reached
	var arr [32]string
	keys := arr[:0]
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the cap cuts: cut the same inputs every time
	for _, k := range keys {
		if c.Full() {
			return
		}
		c.Key(taint.SourceHeader, "", k)
		for _, v := range h[k] {
			c.Value(taint.SourceHeader, k, v)
		}
	}
}

// Cookies adds the names and values of the cookies in h's Cookie headers,
// parsed as [http.Request.Cookies] parses them.
func (c *Collector) Cookies(h http.Header) {
	lines := h["Cookie"]
	if len(lines) == 0 {
		return
	}
	n := 0
	for _, line := range lines {
		n += strings.Count(line, ";") + 1
	}
	if n > maxCookies {
		// Past net/http's default bound it parses none, or all if
		// GODEBUG httpcookiemaxnum raises it: ask it. (Under a bound
		// lowered by GODEBUG, the parse below adds cookies the handler
		// does not get: more inputs, never fewer.)
		for _, ck := range (&http.Request{Header: h}).Cookies() {
			if c.Full() {
				return
			}
			c.Key(taint.SourceCookie, "", ck.Name)
			c.Value(taint.SourceCookie, ck.Name, ck.Value)
		}
		return
	}
	// The parse of net/http's readCookies, without a *http.Cookie per
	// cookie.
	for _, line := range lines {
		line = trimSpace(line)
		var part string
		for len(line) > 0 {
			if c.Full() {
				return
			}
			part, line, _ = strings.Cut(line, ";")
			part = trimSpace(part)
			if part == "" {
				continue
			}
			name, val, _ := strings.Cut(part, "=")
			name = trimSpace(name)
			if !isToken(name) {
				continue
			}
			if len(val) > 1 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
			if !validCookieValue(val) {
				continue
			}
			c.Key(taint.SourceCookie, "", name)
			c.Value(taint.SourceCookie, name, val)
		}
	}
}

// maxCookies is net/http's default bound on the cookies of a request
// (defaultCookieMaxNum).
const maxCookies = 3000

// cookies is [Collector.Cookies] for the headers of r.
func (c *Collector) cookies(r *http.Request) { c.Cookies(r.Header) }

// trimSpace is textproto.TrimString: s without leading and trailing ASCII
// white space.
func trimSpace(s string) string {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// isToken reports whether s is an HTTP token (RFC 7230 tchar), as
// net/http requires of a cookie name.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tchar[s[i]] {
			return false
		}
	}
	return true
}

var tchar = func() (t [256]bool) {
	for _, b := range []byte("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		t[b] = true
	}
	return t
}()

// validCookieValue reports whether every byte of v may be in a cookie
// value, as net/http's validCookieValueByte says.
func validCookieValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 || b >= 0x7f || b == '"' || b == ';' || b == '\\' {
			return false
		}
	}
	return true
}

// truncate cuts s to at most n bytes, backing up to a UTF-8 boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && i > n-4 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i]
}
