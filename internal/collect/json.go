package collect

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gorasp/rasp/taint"
)

// jsonFrame is one open JSON container while walking a document.
type jsonFrame struct {
	array bool
	named bool // name is set: it is made when a new member name needs it
	index int
	base  int    // length of the path before this container's members
	name  string // the container's path, the Key of its member names
}

// What the JSON walker expects next.
const (
	jsonValue = iota // a value (or ']' of an array)
	jsonKey          // a member name (or '}' of an object)
	jsonColon        // ':' after a member name
	jsonNext         // ',' or the end of the container
)

// looksJSON reports whether s, after white space, opens a JSON value other
// than a literal: an object, an array, a string or a number. Literals
// (true, false, null) carry no text an attacker chose.
func looksJSON(s string) bool {
	s = strings.TrimLeft(s, " \t\r\n")
	if s == "" {
		return false
	}
	ch := s[0]
	return ch == '{' || ch == '[' || ch == '"' || ch == '-' || ch >= '0' && ch <= '9'
}

// JSON adds every string and number leaf and every object key of a JSON
// document (or a stream of documents, as JSON lines), from src. A leaf is
// keyed by its dotted path below prefix ("user.name", "items.0"); a key is
// keyed by its object's path. Strings are decoded as encoding/json decodes
// them. A cut or malformed document yields the inputs before the fault.
// The walker is lenient where leniency only adds inputs (a trailing
// comma), iterative (its stack is at most [MaxJSONDepth] frames; deeper
// nesting records [LimitDepth]), and copies no string without escapes.
func (c *Collector) JSON(src taint.Source, prefix, doc string) {
	w := NewJSONStream(src, prefix)
	c.JSONFeed(w, doc, true)
}

// JSONStream is the state of a JSON walk that resumes as its document
// grows: see [Collector.JSONFeed].
type JSONStream struct {
	src    taint.Source
	prefix string
	stack  []jsonFrame
	path   []byte
	root   int
	state  int
	pos    int  // offset of the next byte to walk
	done   bool // the walk ended: a fault, a limit, or the final end
	idx    [20]byte

	// The first frames and path bytes, in the same allocation: most
	// documents nest no deeper and have no longer paths.
	stackBuf [4]jsonFrame
	pathBuf  [64]byte
}

// NewJSONStream returns the state of a walk of a document from src, its
// leaves keyed below prefix.
func NewJSONStream(src taint.Source, prefix string) *JSONStream {
	w := &JSONStream{src: src, prefix: prefix, state: jsonValue}
	w.stack = w.stackBuf[:0]
	w.path = append(w.pathBuf[:0], truncate(prefix, maxKeyLen)...)
	w.root = len(w.path)
	return w
}

// JSONFeed walks doc from where the last feed of w stopped, as
// [Collector.JSON] does: doc is the previous document with more bytes
// appended. Unless final, a token cut at the end of doc (a string, a
// number, a literal) is left for the next feed, so that every input added
// is one the complete document has too: a body the handler reads as
// guards run is walked once in all, not once per guard.
func (c *Collector) JSONFeed(w *JSONStream, doc string, final bool) {
	if w.done {
		return
	}
	s := doc
	// The walk's path and stack are locals until it stops: stores into
	// the stream's own fields would each cost a write barrier while the
	// collector runs.
	path, stack := w.path, w.stack
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
	// end ends a value in the current container.
	end := func() int {
		n := len(stack)
		if n == 0 {
			path = path[:w.root]
			return jsonValue // the next document of a stream
		}
		if stack[n-1].array {
			stack[n-1].index++
		}
		return jsonNext
	}
	// leafPath returns path as a string, reusing the container's name for
	// the top level of a document.
	leafPath := func() string {
		if len(stack) == 0 {
			return w.prefix
		}
		return c.arenaString(path)
	}
	// stop ends the walk at i: for good on a fault, or until more of the
	// document arrives when its end cut a token (cut) and it may grow.
	i := w.pos
	stop := func(cut bool) {
		w.pos = i
		w.path, w.stack = path, stack
		w.done = !cut || final
	}
	src := w.src
	for !c.Full() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
		if i >= len(s) {
			stop(true)
			return
		}
		ch := s[i]
		top := len(stack) - 1
		switch w.state {
		case jsonColon:
			if ch != ':' {
				stop(false)
				return
			}
			i++
			w.state = jsonValue
		case jsonNext:
			switch {
			case ch == ',':
				i++
				w.state = jsonValue
				if !stack[top].array {
					w.state = jsonKey
				}
			case ch == ']' && stack[top].array, ch == '}' && !stack[top].array:
				i++
				stack = stack[:top]
				w.state = end()
			default:
				stop(false)
				return
			}
		case jsonKey:
			if ch == '}' {
				i++
				stack = stack[:top]
				w.state = end()
				continue
			}
			if ch != '"' {
				stop(false)
				return
			}
			key, n, st := jsonString(s, i)
			if st != strOK {
				stop(st == strCut)
				return
			}
			i = n
			if c.newKey(key) {
				f := &stack[top]
				if !f.named {
					// The container's path is still the first base
					// bytes of path: members write past them only.
					f.name, f.named = w.prefix, true
					if top > 0 {
						f.name = c.arenaString(path[:f.base])
					}
				}
				c.Key(src, f.name, key)
			}
			member(key)
			w.state = jsonColon
		case jsonValue:
			if top >= 0 && stack[top].array {
				if ch == ']' {
					i++
					stack = stack[:top]
					w.state = end()
					continue
				}
				member(string(strconv.AppendInt(w.idx[:0], int64(stack[top].index), 10)))
			}
			switch {
			case ch == '{' || ch == '[':
				if len(stack) == MaxJSONDepth {
					c.Reached |= LimitDepth
					stop(false)
					w.done = true
					return
				}
				i++
				stack = append(stack, jsonFrame{array: ch == '[', base: len(path)})
				if ch == '{' {
					w.state = jsonKey
				}
			case ch == '"':
				v, n, st := jsonString(s, i)
				if st != strOK {
					stop(st == strCut)
					return
				}
				i = n
				c.Value(src, leafPath(), v)
				w.state = end()
			case ch == '-' || ch >= '0' && ch <= '9':
				j := i + 1
				for j < len(s) && numberByte[s[j]] {
					j++
				}
				if j == len(s) && !final {
					stop(true) // the number may go on
					return
				}
				c.Value(src, leafPath(), s[i:j])
				i = j
				w.state = end()
			case strings.HasPrefix(s[i:], "true"), strings.HasPrefix(s[i:], "null"):
				i += 4
				w.state = end()
			case strings.HasPrefix(s[i:], "false"):
				i += 5
				w.state = end()
			case strings.HasPrefix("true", s[i:]), strings.HasPrefix("null", s[i:]), strings.HasPrefix("false", s[i:]):
				stop(true) // a literal cut at the end
				return
			default:
				stop(false)
				return
			}
		}
	}
	stop(false)
	w.done = true // the input cap
}

// What jsonString found.
const (
	strOK  = iota
	strCut // the document ends inside the string
	strBad // not a valid string
)

// jsonString decodes the JSON string starting at s[i] == '"' and returns
// it with the offset just past it. A string with escapes or invalid UTF-8
// is decoded by encoding/json, so that the value is what the handler's
// decoder sees; a plain one is a substring of s.
func jsonString(s string, i int) (string, int, int) {
	plain := true
	for j := i + 1; j < len(s); j++ {
		switch ch := s[j]; {
		case ch == '"':
			raw := s[i : j+1]
			if plain {
				return raw[1 : len(raw)-1], j + 1, strOK
			}
			var v string
			if err := json.Unmarshal([]byte(raw), &v); err != nil {
				return "", 0, strBad
			}
			return v, j + 1, strOK
		case ch == '\\':
			plain = false
			j++
		case ch < 0x20:
			return "", 0, strBad
		case ch >= utf8.RuneSelf:
			if plain {
				r, n := utf8.DecodeRuneInString(s[j:])
				if r == utf8.RuneError && n == 1 {
					plain = false
				}
				j += n - 1
			}
		}
	}
	return "", 0, strCut
}

// newKey reports whether a JSON object key is new in this collection: an
// array of objects repeats its keys in every element, and one input per
// distinct name is enough to match it (the Key of the first names its
// object). The set is bounded by the input cap.
func (c *Collector) newKey(name string) bool {
	// The first few distinct names are compared directly, without a
	// hash: an array of objects repeats a handful of names.
	for _, k := range c.fewKeys[:c.nFewKeys] {
		if k == name {
			return false
		}
	}
	if c.jsonKeys == nil {
		if c.nFewKeys < len(c.fewKeys) {
			c.fewKeys[c.nFewKeys] = name
			c.nFewKeys++
			return true
		}
		c.jsonKeys = make(map[string]struct{})
	}
	if _, ok := c.jsonKeys[name]; ok {
		return false
	}
	c.jsonKeys[name] = struct{}{}
	return true
}

func appendCapped(b []byte, s string) []byte {
	if room := maxKeyLen - len(b); len(s) > room {
		s = s[:max(room, 0)]
	}
	return append(b, s...)
}

// numberByte holds the bytes a JSON number is made of: "0123456789+-.eE".
var numberByte = func() (t [256]bool) {
	for _, ch := range []byte("0123456789+-.eE") {
		t[ch] = true
	}
	return t
}()
