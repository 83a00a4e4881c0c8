package collect

import "strings"

// unescape is url.QueryUnescape (plus true) or url.PathUnescape (plus
// false) with the same results and errors (ok false where they return an
// error), writing decoded text into the collector's arena instead of a new
// string per value: a request's decoded values cost one allocation in all.
func (c *Collector) unescape(s string, plus bool) (string, bool) {
	n, has := 0, false
	for i := 0; i < len(s); {
		switch s[i] {
		case '%':
			if i+2 >= len(s) || !ishex(s[i+1]) || !ishex(s[i+2]) {
				return "", false
			}
			n++
			i += 3
		case '+':
			has = has || plus
			i++
		default:
			i++
		}
	}
	if n == 0 && !has {
		return s, true
	}
	a := c.reserve(len(s) - 2*n)
	start := a.Len()
	// Runs of plain bytes are copied whole.
	run := 0
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '%':
			a.WriteString(s[run:i])
			a.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			run = i + 1
		case ch == '+' && plus:
			a.WriteString(s[run:i])
			a.WriteByte(' ')
			run = i + 1
		}
	}
	a.WriteString(s[run:])
	return a.String()[start:], true
}

// unescapeQuery decodes s as url.QueryUnescape does, or keeps it raw where
// that returns an error, and reports whether the text it returns may have
// decoded variants: whether s held a '%'.
func (c *Collector) unescapeQuery(s string) (string, bool) {
	if !mayDecode(s) {
		return s, false
	}
	d, ok := c.unescape(s, true)
	if !ok {
		return s, true
	}
	return d, strings.IndexByte(s, '%') >= 0
}

// Sizes of the arena's chunks: the first holds a few ordinary values.
const (
	arenaMin = 256
	arenaMax = 64 << 10
)

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// reserve makes room for size more bytes in the arena and returns it.
func (c *Collector) reserve(size int) *strings.Builder {
	a := &c.arena
	if a.Cap()-a.Len() < size {
		// A new chunk, each twice the last so the copies stay linear: the
		// strings of the old one stay valid (a Builder never writes over
		// what it returned).
		grow := min(max(2*a.Cap(), arenaMin), arenaMax)
		*a = strings.Builder{}
		a.Grow(max(size, grow))
	}
	return a
}

// arenaString returns b as a string in the arena: the JSON paths of a
// document's leaves cost one allocation per chunk, not one each.
func (c *Collector) arenaString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	a := c.reserve(len(b))
	start := a.Len()
	a.Write(b)
	return a.String()[start:]
}
