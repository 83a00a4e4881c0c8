package raspvet

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
)

// maxTaintRounds bounds the fixed-point iteration of computeTaint: each
// round follows request data one assignment further.
const maxTaintRounds = 16

// computeTaint marks the variables that hold request data: the
// parameters of a request type (see [requestKindOf]), and every variable assigned, ranged over or
// written into (a strings.Builder or bytes.Buffer, an &out argument) from an
// expression that mentions one.
func (c *checker) computeTaint() {
	var files []*ast.File
	for _, f := range c.pass.Files {
		if !c.skip[f] {
			files = append(files, f)
		}
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			var ft *ast.FuncType
			switch n := n.(type) {
			case *ast.FuncDecl:
				ft = n.Type
			case *ast.FuncLit:
				ft = n.Type
			default:
				return true
			}
			for _, field := range ft.Params.List {
				if requestKindOf(c.pass.TypesInfo.TypeOf(field.Type)) == notRequest {
					continue
				}
				for _, id := range field.Names {
					if obj := c.pass.TypesInfo.Defs[id]; obj != nil {
						c.tainted[obj] = true
					}
				}
			}
			return true
		})
	}
	if len(c.tainted) == 0 {
		return
	}
	roots := make([]ast.Node, len(files))
	for i, f := range files {
		roots[i] = f
	}
	c.propagate(roots)
}

// propagate extends c.tainted to a fixed point over the syntax under roots.
func (c *checker) propagate(roots []ast.Node) {
	for range maxTaintRounds {
		changed := false
		for _, root := range roots {
			ast.Inspect(root, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.AssignStmt:
					changed = c.taintAssign(n.Lhs, n.Rhs) || changed
				case *ast.ValueSpec:
					lhs := make([]ast.Expr, len(n.Names))
					for i, id := range n.Names {
						lhs[i] = id
					}
					changed = c.taintAssign(lhs, n.Values) || changed
				case *ast.RangeStmt:
					if c.mentions(n.X) {
						if n.Key != nil {
							changed = c.taintVar(n.Key) || changed
						}
						if n.Value != nil {
							changed = c.taintVar(n.Value) || changed
						}
					}
				case *ast.CallExpr:
					changed = c.taintCall(n) || changed
				}
				return true
			})
		}
		if !changed {
			return
		}
	}
}

// queryParams is the object fact of a function whose parameters at Index
// reach the SQL text of a database/sql call, directly or built into it.
type queryParams struct {
	Index []int
}

func (*queryParams) AFact() {}

func (f *queryParams) String() string { return fmt.Sprintf("queryParams(%v)", f.Index) }

// collectQueryParams finds the functions of the package whose parameters
// reach SQL text, following calls between them, and exports them as facts.
func (c *checker) collectQueryParams() {
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
	saved := c.tainted
	defer func() { c.tainted = saved }()
	for range maxDepth {
		changed := false
		for _, fd := range decls {
			fn, ok := c.pass.TypesInfo.Defs[fd.Name].(*types.Func)
			if !ok || !c.hasQueryCall(fd.Body) {
				continue
			}
			i := 0
			for _, field := range fd.Type.Params.List {
				names := field.Names
				if len(names) == 0 {
					i++
					continue
				}
				for _, id := range names {
					obj := c.pass.TypesInfo.Defs[id]
					// A request parameter is followed where it is used, not
					// where its function is called.
					if obj != nil && id.Name != "_" && carriesText(obj.Type()) &&
						requestKindOf(obj.Type()) == notRequest &&
						!slices.Contains(c.qparams[fn], i) && c.reachesQuery(fd.Body, obj) {
						c.qparams[fn] = append(c.qparams[fn], i)
						changed = true
					}
					i++
				}
			}
		}
		if !changed {
			break
		}
	}
	for fn, idx := range c.qparams {
		slices.Sort(idx)
		c.pass.ExportObjectFact(fn, &queryParams{Index: idx})
	}
}

// hasQueryCall reports whether body makes a call with SQL text arguments.
func (c *checker) hasQueryCall(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok && !found && len(c.queryArgs(call, c.callee(call))) > 0 {
			found = true
		}
		return !found
	})
	return found
}

// reachesQuery reports whether the value of p reaches SQL text in body.
func (c *checker) reachesQuery(body *ast.BlockStmt, p types.Object) bool {
	c.tainted = map[types.Object]bool{p: true}
	c.propagate([]ast.Node{body})
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if found {
			return false
		}
		if call, ok := n.(*ast.CallExpr); ok {
			for _, q := range c.queryArgs(call, c.callee(call)) {
				if c.mentions(q) {
					found = true
				}
			}
		}
		return true
	})
	return found
}

// queryArgs returns the arguments of call that are SQL text: the query of
// a *sql.DB, *sql.Tx or *sql.Conn method or of a known ORM or driver
// method (see [sinkShapes]), or an argument a queryParams fact names.
func (c *checker) queryArgs(call *ast.CallExpr, fn *types.Func) []ast.Expr {
	if fn == nil {
		return nil
	}
	if i, ok := directTextIndex(fn); ok {
		if i < len(call.Args) && !(call.Ellipsis.IsValid() && i == len(call.Args)-1) &&
			isString(c.pass.TypesInfo.TypeOf(call.Args[i])) {
			return []ast.Expr{call.Args[i]}
		}
		return nil
	}
	idx := c.qparams[fn]
	if idx == nil && fn.Pkg() != c.pass.Pkg {
		var qp queryParams
		if c.pass.ImportObjectFact(fn, &qp) {
			idx = qp.Index
		}
	}
	var out []ast.Expr
	for _, i := range idx {
		if i < len(call.Args) && !(call.Ellipsis.IsValid() && i == len(call.Args)-1) {
			out = append(out, call.Args[i])
		}
	}
	return out
}

func (c *checker) taintAssign(lhs, rhs []ast.Expr) bool {
	changed := false
	for i, l := range lhs {
		switch {
		case len(lhs) == len(rhs):
			if c.mentions(rhs[i]) {
				changed = c.taintVar(l) || changed
			}
		case len(rhs) == 1:
			if c.mentions(rhs[0]) {
				changed = c.taintVar(l) || changed
			}
		}
	}
	return changed
}

// taintCall follows request data into the variables a call writes: the
// receiver of a strings.Builder or bytes.Buffer method, the writer of
// fmt.Fprint*, and &x arguments of a call whose other operands mention
// request data (json.Unmarshal(body, &v), dec.Decode(&v)).
func (c *checker) taintCall(call *ast.CallExpr) bool {
	var others []ast.Expr // operands other than &x
	var outs []ast.Expr
	for _, a := range call.Args {
		if u, ok := ast.Unparen(a).(*ast.UnaryExpr); ok && u.Op == token.AND {
			outs = append(outs, u.X)
			continue
		}
		others = append(others, a)
	}
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
		if s := c.pass.TypesInfo.Selections[sel]; s != nil && s.Kind() == types.MethodVal {
			if isBuilder(c.pass.TypesInfo.TypeOf(sel.X)) {
				outs = append(outs, sel.X)
			} else {
				others = append(others, sel.X)
			}
		}
	}
	if isFunc(c.callee(call), "fmt", "Fprint", "Fprintf", "Fprintln") && len(call.Args) > 0 {
		w := ast.Unparen(call.Args[0])
		if u, ok := w.(*ast.UnaryExpr); ok && u.Op == token.AND {
			w = u.X
		}
		if isBuilder(c.pass.TypesInfo.TypeOf(w)) {
			outs = append(outs, w)
		}
	}
	if len(outs) == 0 {
		return false
	}
	found := false
	for _, a := range others {
		if c.mentions(a) {
			found = true
			break
		}
	}
	if !found {
		return false
	}
	changed := false
	for _, o := range outs {
		changed = c.taintVar(o) || changed
	}
	return changed
}

func isBuilder(t types.Type) bool {
	return isNamed(t, false, "strings", "Builder") || isNamed(t, true, "strings", "Builder") ||
		isNamed(t, false, "bytes", "Buffer") || isNamed(t, true, "bytes", "Buffer")
}

// taintVar marks the variable e names, unless its type cannot carry text.
func (c *checker) taintVar(e ast.Expr) bool {
	v, ok := c.objOf(e).(*types.Var)
	if !ok || c.tainted[v] || !carriesText(v.Type()) {
		return false
	}
	c.tainted[v] = true
	return true
}

// mentions reports whether e refers to a variable holding request data
// through a sub-expression that can carry text.
func (c *checker) mentions(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if found {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.Ident:
			if o := c.pass.TypesInfo.Uses[n]; o != nil && c.tainted[o] {
				found = true
			}
			return false
		case ast.Expr:
			if t := c.pass.TypesInfo.TypeOf(n); t != nil && !carriesText(t) {
				return false
			}
		}
		return true
	})
	return found
}

// carriesText reports whether a value of type t can carry SQL syntax:
// numbers and booleans cannot, and neither can a context or an error.
func carriesText(t types.Type) bool {
	if b, ok := types.Unalias(t).Underlying().(*types.Basic); ok {
		return b.Info()&(types.IsNumeric|types.IsBoolean) == 0
	}
	return !isContextType(t) && !types.Identical(t, types.Universe.Lookup("error").Type())
}

// directTextIndex returns the index of the SQL text argument of fn when fn
// is a query method of database/sql or of a known ORM or driver.
func directTextIndex(fn *types.Func) (int, bool) {
	if r := recvName(fn, "database/sql"); r == "DB" || r == "Tx" || r == "Conn" {
		switch fn.Name() {
		case "Query", "Exec", "QueryRow", "Prepare":
			return 0, true
		case "QueryContext", "ExecContext", "QueryRowContext", "PrepareContext":
			return 1, true
		}
		return 0, false
	}
	return sinkTextIndex(fn)
}

// isString reports whether t is a string type. Only strings are SQL text:
// gorm's Where(map or struct) binds its values.
func isString(t types.Type) bool {
	b, ok := types.Unalias(t).Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}
