package collect

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"mime"
	"mime/multipart"
	"strings"

	"github.com/gorasp/rasp/taint"
)

// Body adds the inputs of a request body: the whole body (decoded from
// contentEncoding) as one [taint.SourceBody] input, then its fields, parsed
// by the declared media type and by content whatever the media type says,
// because handlers decode bodies without checking the header:
//   - as JSON when it opens like a JSON value other than a literal (a
//     top-level string included);
//   - as multipart when it opens with a boundary line, on that boundary,
//     as well as on the declared one;
//   - as an urlencoded form when it is declared so, or when it is text
//     with a '=' that is neither JSON nor multipart.
//
// Form and multipart values that open like JSON are walked as JSON too,
// keyed below their field ("filter.name").
//
// A body under a Content-Encoding is collected decoded and as sent: a
// handler may ignore the header, and a client may name a coding the body
// does not have.
func (c *Collector) Body(contentType, contentEncoding, body string) {
	if decoded := c.decode(contentEncoding, body); decoded != body && decoded != "" {
		c.body(contentType, decoded)
	}
	c.body(contentType, body)
}

func (c *Collector) body(contentType, body string) {
	if body == "" || c.Full() {
		return
	}
	c.WholeBody(body)
	mt, params, _ := mime.ParseMediaType(contentType)
	declared := params["boundary"]
	form := mt == "application/x-www-form-urlencoded"
	switch {
	case form:
		c.form(body)
	case strings.HasPrefix(mt, "multipart/") && declared != "":
		c.Multipart(body, declared)
	}
	isJSON := looksJSON(body)
	if isJSON {
		c.JSON(taint.SourceJSON, "", body)
	}
	sniffed, isMultipart := sniffBoundary(body)
	if isMultipart && sniffed != declared {
		c.Multipart(body, sniffed)
	}
	if !form && !isJSON && !isMultipart && strings.IndexByte(body, '=') >= 0 && isText(body) {
		c.form(body)
	}
}

// WholeBody adds body (decoded) as one [taint.SourceBody] input, without
// decoded variants.
func (c *Collector) WholeBody(body string) {
	c.add(taint.SourceBody, "", body, false, false)
}

// Streamable reports whether a body of contentType and contentEncoding
// that begins with prefix is collected by [Collector.Body] as exactly its
// JSON walk and the whole body: no Content-Encoding, not declared a form
// or multipart, and opening a JSON object or array. Such a body can be
// walked as it arrives ([Collector.JSONFeed]), with [Collector.WholeBody]
// once it is complete.
func Streamable(contentType, contentEncoding, prefix string) bool {
	if contentEncoding != "" || !opensContainer(prefix) {
		return false
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt != "application/x-www-form-urlencoded" && !strings.HasPrefix(mt, "multipart/")
}

// form adds the fields of an urlencoded body, and walks the values that
// open like JSON.
func (c *Collector) form(body string) {
	start := len(c.Inputs)
	c.Query(taint.SourceForm, body)
	c.nestedJSON(start)
}

// nestedJSON walks as JSON the values added since start that open like an
// object or array: the application may decode a field as JSON. Each is
// walked once; values found inside are not walked again.
func (c *Collector) nestedJSON(start int) {
	end := len(c.Inputs)
	for i := start; i < end && !c.Full(); i++ {
		if in := c.Inputs[i]; !in.IsKey && opensContainer(in.Value) {
			c.JSON(in.Source, in.Key, in.Value)
		}
	}
}

// opensContainer reports whether s opens a JSON object or array after
// white space.
func opensContainer(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '[':
			return true
		}
		return false
	}
	return false
}

// QueryJSON is [Collector.Query] that also walks as JSON the values that
// open like an object or array (?filter={"name":...}).
func (c *Collector) QueryJSON(src taint.Source, q string) {
	start := len(c.Inputs)
	c.Query(src, q)
	c.nestedJSON(start)
}

// isText reports whether s has no control bytes but white space: a binary
// upload is not split as a form.
func isText(s string) bool {
	for i := 0; i < len(s); i++ {
		if ch := s[i]; ch < 0x20 && ch != '\t' && ch != '\r' && ch != '\n' || ch == 0x7f {
			return false
		}
	}
	return true
}

// sniffBoundary returns the boundary of a body that opens with a multipart
// boundary line ("--" boundary CRLF, RFC 2046 section 5.1.1).
func sniffBoundary(body string) (string, bool) {
	if !strings.HasPrefix(body, "--") {
		return "", false
	}
	line, _, ok := strings.Cut(body[2:], "\n")
	if !ok {
		return "", false
	}
	line = strings.TrimRight(line, " \t\r")
	if line == "" || strings.HasSuffix(line, "--") && len(line) == 2 {
		return "", false
	}
	return line, true
}

// Multipart adds the field names, values and upload file names of a
// multipart body split on boundary. Upload contents are never inputs. A
// cut or malformed body yields the inputs before the fault.
func (c *Collector) Multipart(body, boundary string) {
	start := len(c.Inputs)
	defer c.nestedJSON(start)
	mr := multipart.NewReader(strings.NewReader(body), boundary)
	for !c.Full() {
		p, err := mr.NextPart() // quoted-printable decoded, as FormValue sees it
		if err != nil {
			return // the end, or a cut or malformed body
		}
		name := p.FormName()
		c.Key(taint.SourceForm, "", name)
		if fn := p.FileName(); fn != "" {
			c.Value(taint.SourceForm, name, fn)
			// FileName drops directories, as RFC 7578 asks; an
			// application reading the header itself sees them.
			if _, ps, err := mime.ParseMediaType(p.Header.Get("Content-Disposition")); err == nil && ps["filename"] != fn {
				c.Value(taint.SourceForm, name, ps["filename"])
			}
			continue
		}
		v, err := io.ReadAll(io.LimitReader(p, int64(c.maxValueLen())+1))
		if len(v) > c.maxValueLen() {
			c.Reached |= LimitValue
		}
		c.Value(taint.SourceForm, name, string(v))
		if err != nil {
			return
		}
	}
}

// decode returns body decoded from the codings listed in contentEncoding
// (RFC 9110 section 8.4: applied in order, so undone in reverse), each
// layer cut at the decoded limit. A coding it does not decode records
// [LimitEncoding] and leaves the body as it is then; a corrupt or cut
// stream yields what decoded before the fault, and a stream that is not of
// its coding at all yields "".
func (c *Collector) decode(contentEncoding, body string) string {
	if contentEncoding == "" {
		return body
	}
	codings := strings.Split(contentEncoding, ",")
	if len(codings) > maxEncodings {
		c.Reached |= LimitEncoding
		return body
	}
	for i := len(codings) - 1; i >= 0; i-- {
		var r io.Reader
		switch strings.ToLower(strings.TrimSpace(codings[i])) {
		case "", "identity":
			continue
		case "gzip", "x-gzip":
			zr, err := gzip.NewReader(strings.NewReader(body))
			if err != nil {
				return ""
			}
			r = zr
		case "deflate":
			// RFC 9110 says zlib; some clients send raw DEFLATE, and
			// handlers tolerate both.
			br := bufio.NewReader(strings.NewReader(body))
			if zr, err := zlib.NewReader(br); err == nil {
				r = zr
			} else {
				r = flate.NewReader(strings.NewReader(body))
			}
		default:
			c.Reached |= LimitEncoding
			return body
		}
		limit := c.maxDecoded()
		var b strings.Builder
		b.Grow(int(min(limit+1, 4*int64(len(body))+512)))
		n, _ := io.Copy(&b, io.LimitReader(r, limit+1))
		out := b.String()
		if n > limit {
			c.Reached |= LimitDecoded
			out = out[:limit]
		}
		body = out
	}
	return body
}
