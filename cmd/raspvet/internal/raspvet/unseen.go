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

// loweredCall is a lower-class sink call: its description and the
// arguments that make its target.
type loweredCall struct {
	desc    string
	targets []ast.Expr
}

// exportUnseen decides which lower-class calls a caller's data reaches:
// those whose target mentions a parameter of their function, and, through
// calls that pass a parameter on, those of the functions it calls (of this
// package, or of others through their facts). A target built only from
// configuration or constants cannot carry the caller's request input, so
// it is not worth the caller's attention. It exports the result.
//
// Only the program's own packages export it: the standard library's and
// the dependencies' calls are theirs to guard, not the program's.
func (c *checker) exportUnseen() {
	if !c.ownPackage() {
		return
	}
	decls := map[*types.Func]*ast.FuncDecl{}
	var order []*types.Func
	for _, f := range c.pass.Files {
		if c.skip[f] {
			continue
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				if fn, ok := c.pass.TypesInfo.Defs[fd.Name].(*types.Func); ok && !c.reachSync[fn] && !c.reachGo[fn] {
					decls[fn] = fd
					order = append(order, fn)
				}
			}
		}
	}
	saved := c.tainted
	defer func() { c.tainted = saved }()
	params := map[*types.Func]map[types.Object]bool{}
	taintParams := func(fn *types.Func) {
		if t, ok := params[fn]; ok {
			c.tainted = t
			return
		}
		fd := decls[fn]
		c.tainted = map[types.Object]bool{}
		for _, field := range fd.Type.Params.List {
			for _, id := range field.Names {
				if obj := c.pass.TypesInfo.Defs[id]; obj != nil && carriesText(obj.Type()) {
					c.tainted[obj] = true
				}
			}
		}
		c.propagate([]ast.Node{fd.Body})
		params[fn] = c.tainted
	}
	add := func(fn *types.Func, u string) bool {
		if len(c.unseen[fn]) >= maxUnseen || slices.Contains(c.unseen[fn], u) {
			return false
		}
		c.unseen[fn] = append(c.unseen[fn], u)
		return true
	}
	for _, fn := range order {
		if len(c.lowered[fn]) == 0 {
			continue
		}
		taintParams(fn)
		for _, lc := range c.lowered[fn] {
			if slices.ContainsFunc(lc.targets, c.mentions) {
				add(fn, lc.desc)
			}
		}
	}
	for range maxDepth {
		changed := false
		for _, fn := range order {
			if len(c.unseen[fn]) >= maxUnseen {
				continue
			}
			taintParams(fn)
			ast.Inspect(decls[fn].Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || !slices.ContainsFunc(call.Args, c.mentions) {
					return true
				}
				for _, u := range c.unseenOf(c.callee(call)) {
					changed = add(fn, u) || changed
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
			c.pass.ExportObjectFact(fn, &unseenCalls{Calls: calls})
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
