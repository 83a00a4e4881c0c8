package execguard

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

// visits records a traversal: each node's type and span, "end" for f(nil).
func visits(f *syntax.File, w func(syntax.Node, func(syntax.Node) bool)) []string {
	var out []string
	w(f, func(n syntax.Node) bool {
		if n == nil {
			out = append(out, "end")
			return true
		}
		out = append(out, fmt.Sprintf("%T %s", n, span(n)))
		return true
	})
	return out
}

// span prints a node's offsets; a node the recovering parser left
// incomplete may have none (its Pos method panics).
func span(n syntax.Node) (s string) {
	defer func() {
		if recover() != nil {
			s = "?"
		}
	}()
	return fmt.Sprintf("%d-%d", n.Pos().Offset(), n.End().Offset())
}

// walkScripts are the scripts the traversal is compared on: every shell
// case of the tests, the variant table, and scripts with comments in the
// places syntax.Walk treats specially.
func walkScripts() []string {
	out := []string{
		"echo a # one\n# two\necho b # three",
		"case x in\n# before\na) echo ;; # after\n# last\nesac",
		"a=(\n# c1\n1 # c2\n2\n# c3\n)",
		"if true; then # t\n  echo # e\nelse # x\n  :\nfi # end",
		"for i in 1 2; do echo $i; done; while false; do :; done",
		"for ((i=0; i<3; i++)); do echo ${a[i]:1:2} ${x/y/z} ${v:-w}; done",
		"f() { local a=1; declare -x b=2; }; let x=1+2; [[ -n $x && $x =~ a ]]; (( x++ ))",
		"diff <(ls) >(cat) @(a|b) coproc cat; time ls; select a in b; do :; done",
		"cat <<EOF\n$x `y`\nEOF\ncat <<'Q'\nz\nQ",
	}
	for _, tc := range shellCases {
		out = append(out, tc.script)
	}
	for _, tc := range variantScripts {
		out = append(out, tc.script)
	}
	return out
}

// ifLastComments returns the visit entries of the comments in the Last
// lists of f's if clauses.
func ifLastComments(f *syntax.File) map[string]bool {
	m := map[string]bool{}
	syntax.Walk(f, func(n syntax.Node) bool {
		if c, ok := n.(*syntax.IfClause); ok {
			for i := range c.Last {
				m[fmt.Sprintf("%T %s", &c.Last[i], span(&c.Last[i]))] = true
			}
		}
		return true
	})
	return m
}

// withoutComments drops from a traversal the entries (and their "end") of
// the comments in skip.
func withoutComments(v []string, skip map[string]bool) []string {
	out := v[:0:0]
	for i := 0; i < len(v); i++ {
		if skip[v[i]] && i+1 < len(v) && v[i+1] == "end" {
			i++
			continue
		}
		out = append(out, v[i])
	}
	return out
}

// sameWalk compares the two traversals on each parse of script and
// returns how many variants parsed it.
func sameWalk(t *testing.T, script string) int {
	t.Helper()
	parsed := 0
	for v := range 3 {
		f, err := parse(script, v)
		if err != nil {
			continue
		}
		parsed++
		// walk also visits the comments of an if clause's "else"/"fi"
		// line (IfClause.Last), which syntax.Walk skips before v3.14:
		// they are compared on neither side.
		last := ifLastComments(f)
		want := withoutComments(visits(f, syntax.Walk), last)
		got := withoutComments(visits(f, walk), last)
		if !slices.Equal(got, want) {
			t.Fatalf("variant %d, %q: walk visits\n%v\nsyntax.Walk visits\n%v", v, script, got, want)
		}
	}
	return parsed
}

func TestWalkMatchesSyntaxWalk(t *testing.T) {
	for _, s := range walkScripts() {
		sameWalk(t, s)
	}
	tokens := []string{" ", "\n", ";", "&&", "|", "<", ">", "<<", "'a'", `"b $c"`, "`d`", "$(e)", "${f:-g}",
		"${h[1]}", "$((1+2))", "((i++))", "[[ a ]]", "{ x; }", "( y )", "# c\n", "if", "then", "fi", "case",
		"in", "esac", "a)", ";;", "for", "do", "done", "a=(1 2)", "x=1", "echo", "<(ls)", "@(a)", "let"}
	rng := rand.New(rand.NewPCG(3, 4))
	parsed := 0
	for range 20000 {
		parsed += sameWalk(t, randomScript(rng, tokens, 16, " "))
	}
	if parsed < 5000 {
		t.Fatalf("only %d parses of the random scripts: the comparison exercises too little", parsed)
	}
}

func FuzzWalk(f *testing.F) {
	for _, s := range walkScripts() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script string) {
		if len(script) > 4096 || overLimits(script) {
			return
		}
		sameWalk(t, script)
	})
}
