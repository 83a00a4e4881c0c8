package sqlguard

import "strings"

// Skeleton returns the syntax skeleton of src[start:end], the span of an
// input in a statement, scanned with the rules of d as part of all of src:
// keywords, quotes and other literal delimiters, comment markers,
// operators and punctuation are kept, and every run of other letters and
// digits (and non-ASCII bytes) becomes one '*'. So the input x' OR 'a'='a
// in name = 'x' OR 'a'='a' shows as *' OR '*'='*: an analyst sees how it
// broke the statement, not the words it carried. A secret that changes no
// syntax is never a finding, so what a skeleton hides is at most the data
// around the attack. Runs are masked whole, so lengths do not show either.
//
// A span out of range is clamped to src. To mask an input that does not
// occur verbatim in the statement, pass the input itself as src, with 0
// and its length.
func Skeleton(d Dialect, src string, start, end int) string {
	start = min(max(start, 0), len(src))
	end = min(max(end, start), len(src))
	if start == end {
		return ""
	}
	keep := make([]bool, len(src)) // bytes of a keyword or a delimiter
	// (no tokens past 2 GiB: such a span is masked whole)
	toks, _ := tokenize(nil, src, defaultMode(d))
	for _, t := range toks {
		if int(t.end) <= start || int(t.pos) >= end {
			continue
		}
		switch t.tok() {
		case IDENT:
			if isKeyword(src[t.pos:t.end]) {
				mark(keep, t.pos, t.end)
			}
		case STRING, BLOB, QIDENT, COMMENT:
			// Prefix and opening quote (N', E', X', $tag$, /*, --), and the
			// closing one. Their letters are syntax, not data.
			mark(keep, t.pos, t.pos+t.open)
			if t.close > 0 {
				mark(keep, t.end-t.close, t.end)
			}
		case EXECOPEN, EXECCLOSE:
			mark(keep, t.pos, t.end)
		}
	}
	var b strings.Builder
	b.Grow(end - start)
	for i := start; i < end; {
		if keep[i] || !isWordByte(src[i]) {
			b.WriteByte(src[i])
			i++
			continue
		}
		b.WriteByte('*')
		for i < end && !keep[i] && isWordByte(src[i]) {
			i++
		}
	}
	return b.String()
}

func mark(keep []bool, i, j int32) {
	for k := int(max(i, 0)); k < int(j) && k < len(keep); k++ {
		keep[k] = true
	}
}

// isWordByte reports whether c is a letter, a digit or a byte of a
// non-ASCII character: the bytes a skeleton masks.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}
