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
	s := doc
	var (
		stackArr [16]jsonFrame
		stack    = stackArr[:0]
		pathArr  [64]byte
		path     = append(pathArr[:0], truncate(prefix, maxKeyLen)...)
		root     = len(path)
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
			path = path[:root]
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
			return prefix
		}
		return string(path)
	}
	state := jsonValue
	for i := 0; !c.Full(); {
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
			if c.newKey(key) {
				c.Key(src, stack[top].name, key)
			}
			member(key)
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
				if len(stack) == MaxJSONDepth {
					c.Reached |= LimitDepth
					return
				}
				i++
				stack = append(stack, jsonFrame{array: ch == '[', base: len(path), name: leafPath()})
				if ch == '{' {
					state = jsonKey
				}
			case ch == '"':
				v, n, ok := jsonString(s, i)
				if !ok {
					return
				}
				i = n
				c.Value(src, leafPath(), v)
				state = done()
			case ch == '-' || ch >= '0' && ch <= '9':
				j := i + 1
				for j < len(s) && strings.IndexByte("0123456789+-.eE", s[j]) >= 0 {
					j++
				}
				c.Value(src, leafPath(), s[i:j])
				i = j
				state = done()
			case strings.HasPrefix(s[i:], "true"), strings.HasPrefix(s[i:], "null"):
				i += 4
				state = done()
			case strings.HasPrefix(s[i:], "false"):
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
// decoder sees; a plain one is a substring of s.
func jsonString(s string, i int) (string, int, bool) {
	plain := true
	for j := i + 1; j < len(s); j++ {
		switch ch := s[j]; {
		case ch == '"':
			raw := s[i : j+1]
			if plain {
				return raw[1 : len(raw)-1], j + 1, true
			}
			var v string
			if err := json.Unmarshal([]byte(raw), &v); err != nil {
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
				r, n := utf8.DecodeRuneInString(s[j:])
				if r == utf8.RuneError && n == 1 {
					plain = false
				}
				j += n - 1
			}
		}
	}
	return "", 0, false // cut
}

// newKey reports whether a JSON object key is new in this collection: an
// array of objects repeats its keys in every element, and one input per
// distinct name is enough to match it (the Key of the first names its
// object). The set is bounded by the input cap.
func (c *Collector) newKey(name string) bool {
	if c.jsonKeys == nil {
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
