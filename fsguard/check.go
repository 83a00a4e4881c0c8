package fsguard

import (
	"errors"
	"strings"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
)

// maxPathLen bounds the paths the check inspects when a request input could
// traverse: 32767 is the longest path any supported system accepts (the
// Windows extended-length limit; Linux stops at PATH_MAX, 4096). A longer
// path is reported as a fault rather than scanned, so an attacker cannot
// buy unbounded work.
const maxPathLen = 32767

// errTooLong is the fault of a path longer than maxPathLen checked against
// an input that could traverse.
var errTooLong = errors.New("fsguard: path too long to check")

// Reasons of the findings, one per rule.
const (
	reasonNUL       = "NUL byte from request input in path"
	reasonTraversal = "request input climbs above its directory and its components end the path"
	reasonAbsolute  = "path begins with an absolute path from request input"
	reasonClimb     = "request input is made only of \"..\" elements: it climbs and names nothing"
)

// rule names which rule made a finding; it is the "rule" detail of events.
type rule uint8

const (
	ruleNone rule = iota
	ruleNUL
	ruleTraversal
	ruleAbsolute
	ruleEscape // os.Root refused a name that leaves the root
	ruleClimb  // an input made only of ".." elements, whatever the path
)

func (r rule) String() string {
	switch r {
	case ruleNUL:
		return "nul"
	case ruleTraversal:
		return "traversal"
	case ruleAbsolute:
		return "absolute"
	case ruleEscape:
		return "root_escape"
	case ruleClimb:
		return "climb"
	}
	return "none"
}

// sepSet is the path syntax of one platform family. The rules are written
// once over it, so the Windows variant runs in tests on every host.
type sepSet struct {
	// windows makes '\' a separator too, and drive letters ("C:") and UNC
	// prefixes (`\\host\share`) volume names that root a path.
	windows bool
}

var (
	posixSeps   = sepSet{}
	windowsSeps = sepSet{windows: true}
)

func (s sepSet) String() string {
	if s.windows {
		return "windows"
	}
	return "posix"
}

func (s sepSet) isSep(c byte) bool { return c == '/' || (s.windows && c == '\\') }

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// volumeLen returns the length of the volume name p starts with: a drive
// letter or a UNC prefix on Windows, nothing on POSIX.
func (s sepSet) volumeLen(p string) int {
	if !s.windows {
		return 0
	}
	if len(p) >= 2 && p[1] == ':' && isLetter(p[0]) {
		return 2
	}
	if len(p) >= 3 && s.isSep(p[0]) && s.isSep(p[1]) && !s.isSep(p[2]) {
		// `\\host\share`, as in path/filepath's volumeNameLen.
		i := 2
		for i < len(p) && !s.isSep(p[i]) {
			i++
		}
		if i == len(p) {
			return i
		}
		i++
		for i < len(p) && !s.isSep(p[i]) {
			i++
		}
		return i
	}
	return 0
}

// isAbs reports whether p is rooted: it starts with a separator or a
// volume name.
func (s sepSet) isAbs(p string) bool {
	if p == "" {
		return false
	}
	if s.isSep(p[0]) {
		return true
	}
	return s.windows && len(p) >= 2 && p[1] == ':' && isLetter(p[0])
}

// CheckPath reports whether a request input chose path in a way that can
// leave the directory the application meant, using the host's path syntax.
// The rules (see the package documentation) are:
//
//   - NUL: an input carrying a NUL byte, and a NUL byte in path.
//   - Traversal: an input that, cleaned as a relative path, climbs above its
//     starting directory ("../x", "a/../../x", ".."), when path holds the
//     input verbatim as whole components, or holds as whole components
//     the non-empty rest of the cleaned input after its leading ".."
//     elements, possibly followed by a suffix of the template
//     (filepath.Join(base, name), Join(base, name+".pdf"),
//     Join(base, name, "index.html")).
//   - Absolute: an absolute input that path is, or begins with, compared
//     component by component after cleaning. An input that names only a
//     root ("/", `C:\`) must be the whole path.
//
// Names such as "a..b.txt", "..." or "sub/../notes.txt" never match. The
// check is pure: it never touches the file system, so it cannot see
// symbolic links, hard links or case-insensitive names; [Root] confines
// those. A path longer than 32767 bytes checked against an input that could
// traverse is reported as a finding, since it cannot be checked in bounded
// time. CheckPath does not allocate when no input could traverse (no ".."
// element, no leading separator or volume, no NUL byte).
func CheckPath(path string, inputs []taint.Input) (rasp.Finding, bool) {
	f, r, err := checkPath(path, inputs, hostSeps(), ruleFacts)
	if err != nil {
		return f, true
	}
	return f, r != ruleNone
}

// checkPath is [CheckPath] over the path syntax s. It returns the finding
// and its rule, or ruleNone; err is errTooLong when path could not be
// checked, with the finding so far. facts are the request's facts (see
// [taint.Facts]): a shape no input has is not looked for.
func checkPath(path string, inputs []taint.Input, s sepSet, facts taint.Facts) (rasp.Finding, rule, error) {
	// A NUL byte from an input needs one in the path: look once, not per
	// input.
	pathNUL := facts&taint.NUL != 0 && strings.IndexByte(path, 0) >= 0
	for i := range inputs {
		// Each value is checked as sent and, when it has white space at
		// either end, as strings.TrimSpace leaves it: applications trim
		// names before they use them, and padding must not hide a climb.
		v, trimmed := inputs[i].Value, false
		for v != "" {
			abs := facts&taint.Rooted != 0 && s.isAbs(v)
			dots := facts&taint.DotDot != 0 && strings.Contains(v, "..")
			nul := pathNUL && strings.IndexByte(v, 0) >= 0
			if abs || dots || nul {
				f, r, err := s.checkValue(path, inputs, i, v, abs, dots, nul)
				if r != ruleNone || err != nil {
					return f, r, err
				}
			}
			if trimmed || !taint.Padded(v) {
				break
			}
			v, trimmed = taint.Trimmed(v), true
		}
	}
	return rasp.Finding{}, ruleNone, nil
}

// checkValue applies the rules to v, the value of inputs[i] or its trimmed
// text; abs, dots and nul say which can match.
func (s sepSet) checkValue(path string, inputs []taint.Input, i int, v string, abs, dots, nul bool) (rasp.Finding, rule, error) {
	if len(path) > maxPathLen {
		return finding(path, inputs[i], v, -1, reasonTraversal), ruleNone, errTooLong
	}
	if nul {
		return finding(path, inputs[i], v, strings.Index(path, v), reasonNUL), ruleNUL, nil
	}
	if dots {
		if start, r := s.traversal(path, v); r != ruleNone {
			reason := reasonTraversal
			if r == ruleClimb {
				reason = reasonClimb
			}
			return finding(path, inputs[i], v, start, reason), r, nil
		}
	}
	if abs {
		matched, err := s.absolute(path, v, inputs)
		if err != nil {
			return finding(path, inputs[i], v, -1, reasonAbsolute), ruleNone, err
		}
		if matched {
			start := -1
			if strings.HasPrefix(path, v) {
				start = 0
			}
			return finding(path, inputs[i], v, start, reasonAbsolute), ruleAbsolute, nil
		}
	}
	return rasp.Finding{}, ruleNone, nil
}

// finding reports input in, whose text v (its value, or the value trimmed)
// starts at start in path, or -1.
func finding(path string, in taint.Input, v string, start int, reason string) rasp.Finding {
	f := rasp.Finding{
		Kind:   rasp.KindPathTraversal,
		Input:  in,
		Target: path,
		Start:  -1,
		End:    -1,
		Reason: reason,
	}
	if start >= 0 {
		f.Start, f.End = start, start+len(v)
	}
	return f
}

// traversal applies the traversal and climb rules to input v. It returns
// the rule that matched and the start of v in path when v occurs there
// verbatim, else -1.
func (s sepSet) traversal(path, v string) (int, rule) {
	// The input is cleaned as filepath.Join(base, v) sees it: a leading
	// separator or volume name is just more components under base.
	up, rest, dirOnly := s.cleanRel(v)
	if up == 0 {
		return -1, ruleNone
	}
	if i := s.indexComponents(path, v, dirOnly); i >= 0 {
		return i, ruleTraversal
	}
	if rest == "" {
		// Only ".." elements ("..", "../..", "a/../.."): Join cleans them
		// away (Join(base, "../..", "index.html") is two levels above
		// base), leaving nothing of the input to match, and such a value
		// has no use as a name. The request is climbing whatever path
		// the call opens.
		return -1, ruleClimb
	}
	canon := s.canonical(path)
	if componentsMatch(canon, "/"+rest, dirOnly, false) {
		return -1, ruleTraversal
	}
	return -1, ruleNone
}

// absolute applies the absolute rule to the absolute input v, one of
// inputs. The other inputs matter when v names a single element: the rest of
// the path may be theirs. err is errTooLong when that could not be decided
// within the work bound.
func (s sepSet) absolute(path, v string, inputs []taint.Input) (bool, error) {
	if !s.isAbs(path) {
		return false, nil
	}
	vv, pv := s.volumeLen(v), s.volumeLen(path)
	if !s.sameVolume(v[:vv], path[:pv]) {
		return false, nil
	}
	// A leading separator is part of the root on both sides; cleanAbs
	// drops ".." at the root, as filepath.Clean does. Paths already in
	// that form (the common case: the application's paths come cleaned
	// from filepath.Join) are used as they are, without building copies.
	var in, p string
	var dirOnly bool
	if canonicalAbs(v[vv:]) && canonicalAbs(path[pv:]) {
		in, p = v[vv:], path[pv:]
	} else {
		in, dirOnly = s.cleanAbs(v[vv:])
		p, _ = s.cleanAbs(path[pv:])
	}
	if in == "" {
		// A root alone ("/", `C:\`) would begin every absolute path the
		// application opens during the request: it must be the whole path,
		// or the rest must come from other inputs.
		if vv > 2 {
			// A UNC volume (`\\host\share`) chose the host.
			return true, nil
		}
		if s.rooted(v[vv:]) != s.rooted(path[pv:]) {
			return false, nil
		}
		if p == "" {
			return true, nil
		}
		return s.coveredByInputs(p, inputs)
	}
	if !componentsMatch(p, in, dirOnly, true) {
		return false, nil
	}
	// filepath.Join(base, v) ends with v's components: when they occur
	// again further on, the path reads as an input under a base that
	// happens to share its first components (v "/app", base "/app/data"),
	// and stays under that base.
	if componentsMatch(p[1:], in, dirOnly, false) {
		return false, nil
	}
	// Two or more elements (a UNC volume counts: it names a host) choose
	// where the path goes.
	if strings.IndexByte(in[1:], '/') >= 0 || vv > 2 {
		return true, nil
	}
	// One element: the input is the path when it covers it to its end
	// (possibly with a suffix of that element, as name+".pdf" makes).
	e := len(in)
	if e == len(p) || (!dirOnly && p[e] != '/') {
		return true, nil
	}
	// A value that only coincides with the start of an application path
	// is written plainly ("/app", "/app/"); one spelled so that it matches
	// only after cleaning ("/./etc", "//etc", "/x/../etc") was made to
	// match.
	if !s.plainAbs(v[vv:]) {
		return true, nil
	}
	// Otherwise it chose only the first directory of an application path
	// (?next=/app while the app reads /app/templates/login.html): harmless
	// unless other inputs supply the rest.
	return s.coveredByInputs(p[e:], inputs)
}

// plainAbs reports whether p is a rooted path in the form people type:
// one separator first, single separators between components, none of them
// "." or "..", at most one trailing separator.
func (s sepSet) plainAbs(p string) bool {
	if p == "" || !s.isSep(p[0]) {
		return false
	}
	start := 1
	for i := 1; i <= len(p); i++ {
		if i < len(p) && !s.isSep(p[i]) {
			continue
		}
		switch p[start:i] {
		case "":
			if i != len(p) || i == 1 {
				return false
			}
		case ".", "..":
			return false
		}
		start = i + 1
	}
	return true
}

// maxCoverWork bounds the comparisons of [sepSet.coveredByInputs]. A path
// of at most maxPathLen bytes against a typical request needs a few
// hundred; past the bound the path counts as covered (a finding), so the
// bound never lets a call through unchecked.
const maxCoverWork = 1 << 20

// coveredByInputs reports whether rest, a canonical path ("/a/b/c"), is
// made entirely of whole components that request inputs supplied, one
// input after another: "/etc" from one input and "passwd" from another,
// or "/" followed by inputs "etc" and "passwd". The last input may end
// inside the last component (name+".conf"). Header values never count: a
// proxy's X-Forwarded-Prefix names the application, not a file. Inputs
// that climb are the traversal rule's.
func (s sepSet) coveredByInputs(rest string, inputs []taint.Input) (bool, error) {
	// reach[i]: rest[:i] is covered; i is 0 or a component boundary.
	reach := make([]bool, len(rest)+1)
	reach[0] = true
	work := 0
	for i := 0; i < len(rest); i++ {
		if !reach[i] || rest[i] != '/' {
			continue
		}
		for k := range inputs {
			in := &inputs[k]
			if in.Source == taint.SourceHeader || in.Value == "" {
				continue
			}
			if work++; work > maxCoverWork {
				// Undecided within the bound: a request that can make
				// the check this long chose a path it begins.
				return true, nil
			}
			c := s.inputComponents(in.Value)
			at := i
			if c != "" && c[0] != '/' {
				at = i + 1 // a relative name follows the separator
			}
			if c == "" || !strings.HasPrefix(rest[at:], c) {
				continue
			}
			e := at + len(c)
			switch {
			case e == len(rest):
				return true, nil
			case rest[e] == '/':
				reach[e] = true
			case strings.IndexByte(rest[e:], '/') < 0 && !s.endsInDir(in.Value):
				return true, nil
			}
		}
	}
	return false, nil
}

// inputComponents returns the components of value as they begin a
// canonical path ("/a/b" for "a/b", "/a/b" or "a//b/"), or "" when it has
// none or climbs. It allocates only when value is not already canonical.
func (s sepSet) inputComponents(value string) string {
	v := value[s.volumeLen(value):]
	if v == "" {
		return ""
	}
	if s.isSep(v[0]) {
		if canonicalAbs(v) {
			return v
		}
	} else if canonicalRel(v) {
		// Canonical as a relative name: the caller compares it after the
		// separator it skips.
		return v
	}
	up, rest, _ := s.cleanRel(v)
	if up > 0 || rest == "" {
		return ""
	}
	return "/" + rest
}

// canonicalRel reports whether p is a relative name in canonical form:
// components separated by single '/', none empty, "." or "..", no '\'.
func canonicalRel(p string) bool { return p != "" && p[0] != '/' && canonicalComponents(p) }

func (s sepSet) rooted(p string) bool { return p != "" && s.isSep(p[0]) }

func (s sepSet) sameVolume(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if s.isSep(x) && s.isSep(y) {
			continue
		}
		if x != y && !(isLetter(x) && x|0x20 == y|0x20) {
			return false
		}
	}
	return true
}

// componentsMatch reports whether needle, a run of whole components each
// preceded by '/', occurs in canon (same form). After the run canon must end,
// go on with '/', or (unless dirOnly) end with a suffix of the last
// component, as name+".pdf" produces. With anchored the run must start
// canon.
func componentsMatch(canon, needle string, dirOnly, anchored bool) bool {
	off := 0
	for {
		i := strings.Index(canon[off:], needle)
		if i < 0 || (anchored && i > 0) {
			return false
		}
		i += off
		e := i + len(needle)
		if e == len(canon) || canon[e] == '/' ||
			(!dirOnly && strings.IndexByte(canon[e:], '/') < 0) {
			return true
		}
		if anchored {
			return false
		}
		off = i + 1
	}
}

// cleanRel cleans p as a relative path. It returns the number of leading
// ".." elements of the result, the rest of the result in canonical form
// ("a/b", '/' separated), and whether p ends in a separator, "." or "..".
func (s sepSet) cleanRel(p string) (up int, rest string, dirOnly bool) {
	var comps []string
	s.components(p, func(c string) {
		switch c {
		case "..":
			if len(comps) > 0 {
				comps = comps[:len(comps)-1]
			} else {
				up++
			}
		default:
			comps = append(comps, c)
		}
	})
	return up, strings.Join(comps, "/"), s.endsInDir(p)
}

// cleanAbs cleans p, the part of an absolute path after its volume, as
// filepath.Clean does: ".." at the root stays at the root. The result is
// canonical: each component preceded by '/', "" for the root.
func (s sepSet) cleanAbs(p string) (canon string, dirOnly bool) {
	var comps []string
	s.components(p, func(c string) {
		if c == ".." {
			if len(comps) > 0 {
				comps = comps[:len(comps)-1]
			}
			return
		}
		comps = append(comps, c)
	})
	if len(comps) == 0 {
		return "", true
	}
	return "/" + strings.Join(comps, "/"), s.endsInDir(p)
}

// canonicalAbs reports whether p is already what cleanAbs returns for it:
// '/' followed by components separated by single '/', none empty, "." or
// "..". A '\' anywhere makes it not canonical (it is a separator on
// Windows, which cleanAbs rewrites).
func canonicalAbs(p string) bool { return len(p) >= 2 && p[0] == '/' && canonicalComponents(p[1:]) }

// canonicalComponents reports whether p is components separated by single
// '/', none of them empty, "." or "..", with no '\' anywhere.
func canonicalComponents(p string) bool {
	start := 0
	for i := 0; i <= len(p); i++ {
		if i < len(p) {
			switch p[i] {
			case '\\':
				return false
			case '/':
			default:
				continue
			}
		}
		switch p[start:i] {
		case "", ".", "..":
			return false
		}
		start = i + 1
	}
	return true
}

func (s sepSet) endsInDir(p string) bool {
	if p == "" {
		return false
	}
	if s.isSep(p[len(p)-1]) {
		return true
	}
	i := len(p)
	for i > 0 && !s.isSep(p[i-1]) {
		i--
	}
	last := p[i:]
	return last == "." || last == ".."
}

// canonical returns path without its volume, "" and "." components, each
// remaining component (".." included) preceded by '/'.
func (s sepSet) canonical(path string) string {
	var b strings.Builder
	b.Grow(len(path) + 1)
	s.components(path[s.volumeLen(path):], func(c string) {
		b.WriteByte('/')
		b.WriteString(c)
	})
	return b.String()
}

// components calls fn for each component of p other than "" and ".".
func (s sepSet) components(p string, fn func(string)) {
	start := 0
	for i := 0; i <= len(p); i++ {
		if i < len(p) && !s.isSep(p[i]) {
			continue
		}
		if c := p[start:i]; c != "" && c != "." {
			fn(c)
		}
		start = i + 1
	}
}

// indexComponents returns the first index at which v occurs in path as
// whole components: starting at the start of path, after a separator or
// after the volume name, and ending at the end of path, before a separator,
// or (unless dirOnly) before a suffix of path's last component. It returns
// -1 if there is none.
func (s sepSet) indexComponents(path, v string, dirOnly bool) int {
	vol := s.volumeLen(path)
	startsSep := s.isSep(v[0])
	endsSep := s.isSep(v[len(v)-1])
	off := 0
	for {
		j := strings.Index(path[off:], v)
		if j < 0 {
			return -1
		}
		i := off + j
		e := i + len(v)
		startOK := startsSep || i == 0 || i == vol || s.isSep(path[i-1])
		endOK := endsSep || e == len(path) || s.isSep(path[e]) || (!dirOnly && !s.hasSep(path[e:]))
		if startOK && endOK {
			return i
		}
		off = i + 1
	}
}

func (s sepSet) hasSep(p string) bool {
	if strings.IndexByte(p, '/') >= 0 {
		return true
	}
	return s.windows && strings.IndexByte(p, '\\') >= 0
}

// hostSeps is the path syntax of the host, built from a constant.
func hostSeps() sepSet { return sepSet{windows: hostWindows} }
