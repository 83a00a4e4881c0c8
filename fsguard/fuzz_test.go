package fsguard

import (
	"path"
	"strings"
	"testing"

	"github.com/gorasp/rasp"
	"github.com/gorasp/rasp/taint"
)

// FuzzCheckPath checks, for any input and path, under both syntaxes: no
// panic and a well-formed finding; an input that cannot traverse is never
// flagged; and with the input joined under a base (path.Join, POSIX), a
// result that leaves the base with components left to match is always
// flagged, and a result that stays under it without a climb (of the input
// or of the input trimmed of white space) never is.
func FuzzCheckPath(f *testing.F) {
	for _, c := range posixCases {
		f.Add(c.path, c.input)
	}
	for _, c := range windowsCases {
		f.Add(c.path, c.input)
	}
	const base = "/srv/app/data"
	f.Fuzz(func(t *testing.T, p, v string) {
		in := taint.Input{Source: taint.SourceQuery, Key: "f", Value: v}
		inputs := []taint.Input{{Source: taint.SourceHeader, Key: "Accept", Value: "*/*"}, in}
		for _, s := range []sepSet{posixSeps, windowsSeps} {
			// The absolute rule skips cleaning what is already clean.
			for _, x := range []string{p, v} {
				if canonicalAbs(x) {
					if c, dir := s.cleanAbs(x); c != x || dir {
						t.Fatalf("%s: canonicalAbs(%q) but cleanAbs = %q, %v", s.String(), x, c, dir)
					}
				}
			}
			fd, r, err := checkPath(p, inputs, s, ruleFacts)
			// With the facts of the inputs, as the guards run it: the
			// same answer.
			fd2, r2, err2 := checkPath(p, inputs, s, taint.FactsOf(inputs))
			if fd2 != fd || r2 != r || (err2 == nil) != (err == nil) {
				t.Fatalf("%s: with the inputs' facts %v, %v; with all facts %v, %v", s.String(), r2, err2, r, err)
			}
			if err != nil {
				if len(p) <= maxPathLen {
					t.Fatalf("%s: error %v on a short path", s.String(), err)
				}
				continue
			}
			if r == ruleNone {
				if fd != (rasp.Finding{}) {
					t.Fatalf("%s: no rule but finding %+v", s.String(), fd)
				}
				continue
			}
			if fd.Kind != rasp.KindPathTraversal || fd.Input != in || fd.Target != p || fd.Reason == "" {
				t.Fatalf("%s: malformed finding %+v", s.String(), fd)
			}
			if fd.Start >= 0 && (fd.End > len(p) || p[fd.Start:fd.End] != v && p[fd.Start:fd.End] != strings.TrimSpace(v)) {
				t.Fatalf("%s: span [%d,%d) is not the input", s.String(), fd.Start, fd.End)
			}
			if !s.isAbs(v) && !s.isAbs(strings.TrimSpace(v)) && !strings.Contains(v, "..") && strings.IndexByte(v, 0) < 0 {
				t.Fatalf("%s: harmless input %q flagged in %q", s.String(), v, p)
			}
			// The guards skip the check when the request's facts hold
			// none of ruleFacts: a flagged input must have one.
			if taint.FactsOf(inputs)&ruleFacts == 0 {
				t.Fatalf("%s: %q flagged in %q, but its facts (%b) would skip the check", s.String(), v, p, taint.FactsOf(inputs))
			}
		}

		joined := path.Join(base, v)
		if len(joined) > maxPathLen {
			return
		}
		_, r, err := checkPath(joined, inputs, posixSeps, ruleFacts)
		if err != nil {
			t.Fatal(err)
		}
		up, rest, _ := posixSeps.cleanRel(v)
		// The value trimmed of white space is checked too (applications
		// trim names): its climb counts as the value's.
		if tup, trest, _ := posixSeps.cleanRel(strings.TrimSpace(v)); up == 0 && tup > 0 {
			up, rest = tup, trest
		}
		leaves := joined != base && !strings.HasPrefix(joined, base+"/")
		if leaves && r == ruleNone {
			t.Fatalf("Join(%q, %q) = %q leaves the base, not flagged", base, v, joined)
		}
		// An input made only of ".." elements is flagged whatever the
		// path, the application's own fixed names included.
		if up > 0 && rest == "" {
			for _, own := range []string{path.Join(base, "index.html"), "/etc/app.conf", "templates/x"} {
				if _, r, _ := checkPath(own, inputs, posixSeps, ruleFacts); r == ruleNone {
					t.Fatalf("climbing %q not flagged on %q", v, own)
				}
			}
		}
		if !leaves && up == 0 && strings.IndexByte(v, 0) < 0 && r != ruleNone {
			t.Fatalf("Join(%q, %q) = %q stays under the base, flagged %v", base, v, joined, r)
		}
	})
}
