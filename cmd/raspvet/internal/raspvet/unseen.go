package raspvet

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/types"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/ast/inspector"
)

// maxUnseen bounds the calls an unseenCalls fact lists: the first few are
// enough to say where to look.
const maxUnseen = 3

// unseenCalls is the object fact of a function whose unguarded sink calls
// (its own or those of the functions it calls) no handler of its package
// reaches, so that its package left them out: a handler of another package
// that calls it reports them at the call.
type unseenCalls struct {
	Calls []string // "exec.Command (run.go:12)", at most maxUnseen
}

func (*unseenCalls) AFact() {}

func (f *unseenCalls) String() string { return "unseenCalls(" + strings.Join(f.Calls, "; ") + ")" }

// exportUnseen closes c.unseen over the calls between the functions of the
// package and the facts of other packages' functions, and exports it.
//
// Only the program's own packages export it: the standard library's and
// the dependencies' calls are theirs to guard, not the program's.
func (c *checker) exportUnseen() {
	if !c.ownPackage() {
		return
	}
	var decls []*ast.FuncDecl
	for _, f := range c.pass.Files {
		if c.skip[f] {
			continue
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				decls = append(decls, fd)
			}
		}
	}
	for range maxDepth {
		changed := false
		for _, fd := range decls {
			fn, ok := c.pass.TypesInfo.Defs[fd.Name].(*types.Func)
			if !ok || c.reachSync[fn] || c.reachGo[fn] || len(c.unseen[fn]) >= maxUnseen {
				continue // handlers' own calls are reported where they are
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				for _, u := range c.unseenOf(c.callee(call)) {
					if len(c.unseen[fn]) < maxUnseen && !slices.Contains(c.unseen[fn], u) {
						c.unseen[fn] = append(c.unseen[fn], u)
						changed = true
					}
				}
				return true
			})
		}
		if !changed {
			break
		}
	}
	for fn, calls := range c.unseen {
		if fn.Exported() || fn.Signature().Recv() != nil {
			c.pass.ExportObjectFact(fn, &unseenCalls{Calls: calls[:min(len(calls), maxUnseen)]})
		}
	}
}

// unseenOf returns the unseen calls of fn: this package's, or another
// package's fact.
func (c *checker) unseenOf(fn *types.Func) []string {
	if fn == nil {
		return nil
	}
	if fn.Pkg() == c.pass.Pkg {
		if c.reachSync[fn] || c.reachGo[fn] {
			return nil
		}
		return c.unseen[fn]
	}
	var f unseenCalls
	if c.pass.ImportObjectFact(fn, &f) {
		return f.Calls
	}
	return nil
}

// checkUnseen reports a call, on a handler's path, of another package's
// function whose unguarded calls its own package left out.
func (c *checker) checkUnseen(cur inspector.Cursor, call *ast.CallExpr, fn *types.Func) {
	if fn.Pkg() == c.pass.Pkg {
		return
	}
	var f unseenCalls
	if !c.pass.ImportObjectFact(fn, &f) || len(f.Calls) == 0 {
		return
	}
	if s := c.siteOf(cur); !s.reached {
		return
	}
	c.report(call.Pos(), CategoryUnseen, fmt.Sprintf(
		"%s.%s, which no handler of its package reaches, makes calls the guards cannot see: %s; pass it the request's context and use the guarded calls",
		fn.Pkg().Name(), fn.Name(), strings.Join(f.Calls, ", ")))
}

// ownPackage reports whether the package belongs to the program being
// checked: not to the standard library, and not to a dependency (whose
// module has a version).
func (c *checker) ownPackage() bool {
	if m := c.pass.Module; m != nil && m.Version != "" {
		return false
	}
	if len(c.pass.Files) == 0 {
		return false
	}
	goroot := filepath.Join(build.Default.GOROOT, "src") + string(filepath.Separator)
	return !strings.HasPrefix(c.pass.Fset.File(c.pass.Files[0].FileStart).Name(), goroot)
}
