package raspvet

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"slices"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"
)

// fsTwins are the os functions fsguard has a context-first twin of.
var fsTwins = []string{
	"Open", "OpenFile", "Create", "ReadFile", "WriteFile", "ReadDir", "Stat", "Lstat",
	"Remove", "RemoveAll", "Rename", "Mkdir", "MkdirAll", "Chmod", "Symlink", "Readlink",
}

// sqlReceivers are the database/sql types whose query methods are checked.
var sqlReceivers = []string{"DB", "Tx", "Conn", "Stmt"}

// maxDepth bounds how far a value is followed through variables.
const maxDepth = 8

// checkCalls applies the call rules to every call in the checked files.
func (c *checker) checkCalls() {
	root := c.ins.Root()
	for _, f := range c.pass.Files {
		if c.skip[f] {
			continue
		}
		fc, ok := root.FindNode(f)
		if !ok {
			continue
		}
		for cur := range fc.Preorder((*ast.CallExpr)(nil)) {
			call := cur.Node().(*ast.CallExpr)
			fn := c.callee(call)
			if fn == nil {
				continue
			}
			c.checkBuild(call, fn)
			switch {
			case isFunc(fn, "os/exec", "Command", "CommandContext"):
				c.checkExec(f, cur, call, fn)
			case isFunc(fn, "os", fsTwins...):
				c.checkFS(f, cur, call, "os."+fn.Name(), fn.Name())
			case isFunc(fn, "io/ioutil", "ReadFile", "WriteFile"):
				c.checkFS(f, cur, call, "ioutil."+fn.Name(), fn.Name())
			case isFunc(fn, "database/sql", "Open"):
				c.checkOpen(call)
			case isFunc(fn, "database/sql", "OpenDB"):
				c.checkOpenDB(call)
			case isFunc(fn, "context", "Background", "TODO"):
				c.checkBackground(cur, call, fn)
			default:
				if r := recvName(fn, "database/sql"); slices.Contains(sqlReceivers, r) {
					c.checkSQLMethod(cur, call, fn, r)
				}
			}
		}
	}
}

// site is where a call sits.
type site struct {
	inHandler bool   // inside an HTTP handler
	ctx       string // an expression for the context to pass; "" when none is in scope
}

// siteOf describes the functions enclosing cur.
func (c *checker) siteOf(cur inspector.Cursor) site {
	var s site
	pos := cur.Node().Pos()
	for fc := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		var ft *ast.FuncType
		switch n := fc.Node().(type) {
		case *ast.FuncDecl:
			ft = n.Type
		case *ast.FuncLit:
			ft = n.Type
		}
		var hasWriter, hasRequest bool
		var reqName, ctxName string
		for _, field := range ft.Params.List {
			t := c.pass.TypesInfo.TypeOf(field.Type)
			switch {
			case isNamed(t, false, "net/http", "ResponseWriter"):
				hasWriter = true
			case isNamed(t, true, "net/http", "Request"):
				hasRequest = true
				if reqName == "" {
					reqName = c.visibleName(field.Names, pos)
				}
			case isContextType(t):
				if ctxName == "" {
					ctxName = c.visibleName(field.Names, pos)
				}
			}
		}
		if hasWriter && hasRequest {
			s.inHandler = true
		}
		if s.ctx == "" {
			switch {
			case ctxName != "":
				s.ctx = ctxName
			case reqName != "":
				s.ctx = reqName + ".Context()"
			}
		}
	}
	return s
}

// visibleName returns the first of names that still denotes its parameter
// at pos (it is not "_" and no inner declaration shadows it), else "".
func (c *checker) visibleName(names []*ast.Ident, pos token.Pos) string {
	scope := c.pass.Pkg.Scope().Innermost(pos)
	if scope == nil {
		return ""
	}
	for _, id := range names {
		if id.Name == "_" {
			continue
		}
		obj := c.pass.TypesInfo.Defs[id]
		if _, found := scope.LookupParent(id.Name, pos); found == obj && obj != nil {
			return id.Name
		}
	}
	return ""
}

// targetConst reports whether every string argument in args is a
// compile-time constant, so that no request input can be in it.
func (c *checker) targetConst(call *ast.CallExpr, args []ast.Expr) bool {
	for i, a := range args {
		if call.Ellipsis.IsValid() && i == len(args)-1 {
			return false
		}
		t := c.pass.TypesInfo.TypeOf(a)
		if b, ok := types.Unalias(t).Underlying().(*types.Basic); ok && b.Info()&types.IsString != 0 {
			if !c.isConst(a) {
				return false
			}
		}
	}
	return true
}

func (c *checker) checkExec(f *ast.File, cur inspector.Cursor, call *ast.CallExpr, fn *types.Func) {
	withCtx := fn.Name() == "CommandContext"
	args := call.Args
	if withCtx && len(args) > 0 {
		args = args[1:]
	}
	s := c.siteOf(cur)
	if !s.inHandler && (c.cfg.handlersOnly || c.targetConst(call, args)) {
		return
	}
	msg := fmt.Sprintf("exec.%s runs a command the exec guard never sees: use execguard.CommandContext with the request's context", fn.Name())
	var fixes []analysis.SuggestedFix
	switch {
	case withCtx:
		fixes = c.fixCall(f, call, pathExecguard, "execguard", "CommandContext", "")
	case s.ctx != "":
		fixes = c.fixCall(f, call, pathExecguard, "execguard", "CommandContext", s.ctx)
	}
	c.report(call.Pos(), CategoryExec, msg, fixes...)
}

func (c *checker) checkFS(f *ast.File, cur inspector.Cursor, call *ast.CallExpr, qual, name string) {
	s := c.siteOf(cur)
	if !s.inHandler && (c.cfg.handlersOnly || c.targetConst(call, call.Args)) {
		return
	}
	msg := fmt.Sprintf("%s is not guarded: use fsguard.%s(ctx, ...) with the request's context", qual, name)
	var fixes []analysis.SuggestedFix
	if s.ctx != "" {
		fixes = c.fixCall(f, call, pathFsguard, "fsguard", name, s.ctx)
	}
	c.report(call.Pos(), CategoryFS, msg, fixes...)
}

func (c *checker) checkSQLMethod(cur inspector.Cursor, call *ast.CallExpr, fn *types.Func, recv string) {
	name := fn.Name()
	switch name {
	case "Query", "Exec", "QueryRow", "Prepare":
	default:
		return
	}
	s := c.siteOf(cur)
	if !s.inHandler {
		// A statement's text is checked when it is prepared, so a Stmt
		// call outside a handler hides nothing from the guard.
		if c.cfg.handlersOnly || recv == "Stmt" || (len(call.Args) > 0 && c.isConst(call.Args[0])) {
			return
		}
	}
	msg := fmt.Sprintf("(*sql.%s).%s has no context, so the SQL guard cannot see the request's inputs: use %sContext", recv, name, name)
	var fixes []analysis.SuggestedFix
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok && s.ctx != "" {
		text := name + "Context(" + s.ctx
		if len(call.Args) > 0 {
			text += ", "
		}
		fixes = []analysis.SuggestedFix{{
			Message:   "Use " + name + "Context",
			TextEdits: []analysis.TextEdit{{Pos: sel.Sel.Pos(), End: call.Lparen + 1, NewText: []byte(text)}},
		}}
	}
	c.report(call.Pos(), CategoryNoContext, msg, fixes...)
}

// checkBuild notes SQL text that contains request data; fn is the
// function call passes it to.
func (c *checker) checkBuild(call *ast.CallExpr, fn *types.Func) {
	for _, q := range c.queryArgs(call, fn) {
		if c.isConst(q) || !c.mentions(q) {
			continue
		}
		via := ""
		if fn.Pkg().Path() != "database/sql" {
			via = " reaches a query through " + fn.Name()
		}
		c.report(q.Pos(), CategorySQLBuild,
			"note: SQL text built from request data"+via+": the SQL guard checks it at run time, but bound parameters are better")
	}
}

func (c *checker) checkBackground(cur inspector.Cursor, call *ast.CallExpr, fn *types.Func) {
	s := c.siteOf(cur)
	if !s.inHandler {
		return
	}
	msg := fmt.Sprintf("context.%s() in an HTTP handler hides the request's inputs from the guards: use the request's context (context.WithoutCancel of it for work that outlives the request)", fn.Name())
	var fixes []analysis.SuggestedFix
	if s.ctx != "" {
		fixes = []analysis.SuggestedFix{{
			Message:   "Use " + s.ctx,
			TextEdits: []analysis.TextEdit{{Pos: call.Pos(), End: call.End(), NewText: []byte(s.ctx)}},
		}}
	}
	c.report(call.Pos(), CategoryBackground, msg, fixes...)
}

func (c *checker) checkOpen(call *ast.CallExpr) {
	if len(call.Args) == 0 {
		return
	}
	tv := c.pass.TypesInfo.Types[call.Args[0]]
	if tv.Value == nil || tv.Value.Kind() != constant.String {
		return // a name only known at run time: see the package doc
	}
	name := constant.StringVal(tv.Value)
	if c.wrapped[name] {
		return
	}
	c.report(call.Pos(), CategorySQLOpen, fmt.Sprintf(
		"sql.Open with driver %q, which is not registered through driver.Register: its statements bypass the SQL guard", name))
}

func (c *checker) checkOpenDB(call *ast.CallExpr) {
	if len(call.Args) == 0 || c.fromDriver(call.Args[0], "WrapConnector", 0) {
		return
	}
	c.report(call.Pos(), CategorySQLOpen,
		"sql.OpenDB with a connector not wrapped by driver.WrapConnector: its statements bypass the SQL guard")
}

// fromDriver reports whether e is the result of the driver package's
// function wrap, directly or through variables assigned only from it, or
// has a type the driver package declares.
func (c *checker) fromDriver(e ast.Expr, wrap string, depth int) bool {
	if depth > maxDepth {
		return false
	}
	e = ast.Unparen(e)
	if t := c.pass.TypesInfo.TypeOf(e); t != nil {
		if p, ok := types.Unalias(t).(*types.Pointer); ok {
			t = p.Elem()
		}
		if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pathDriver {
			return true
		}
	}
	switch e := e.(type) {
	case *ast.CallExpr:
		return isFunc(c.callee(e), pathDriver, wrap)
	case *ast.Ident:
		v, ok := c.objOf(e).(*types.Var)
		if !ok {
			return false
		}
		vals := c.assigns[v]
		if len(vals) == 0 {
			return false
		}
		for _, x := range vals {
			if !c.fromDriver(x, wrap, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

// collectAssigns records every value assigned to a variable in the package.
func (c *checker) collectAssigns() {
	for n := range c.ins.Root().Preorder((*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil)) {
		switch n := n.Node().(type) {
		case *ast.AssignStmt:
			c.recordAssign(n.Lhs, n.Rhs)
		case *ast.ValueSpec:
			lhs := make([]ast.Expr, len(n.Names))
			for i, id := range n.Names {
				lhs[i] = id
			}
			c.recordAssign(lhs, n.Values)
		}
	}
}

func (c *checker) recordAssign(lhs, rhs []ast.Expr) {
	for i, l := range lhs {
		obj := c.objOf(l)
		if obj == nil {
			continue
		}
		switch {
		case len(lhs) == len(rhs):
			c.assigns[obj] = append(c.assigns[obj], rhs[i])
		case len(rhs) == 1:
			c.assigns[obj] = append(c.assigns[obj], rhs[0])
		}
	}
}

// collectDrivers gathers the driver names registered wrapped by this
// package and the packages it imports, and exports this package's.
func (c *checker) collectDrivers() {
	for _, pf := range c.pass.AllPackageFacts() {
		if wd, ok := pf.Fact.(*wrappedDrivers); ok {
			for _, n := range wd.Names {
				c.wrapped[n] = true
			}
		}
	}
	local := false
	for cur := range c.ins.Root().Preorder((*ast.CallExpr)(nil)) {
		call := cur.Node().(*ast.CallExpr)
		fn := c.callee(call)
		var name ast.Expr
		switch {
		case isFunc(fn, pathDriver, "Register") && len(call.Args) > 0:
			name = call.Args[0]
		case isFunc(fn, "database/sql", "Register") && len(call.Args) > 1 && c.fromDriver(call.Args[1], "Wrap", 0):
			name = call.Args[0]
		default:
			continue
		}
		if tv := c.pass.TypesInfo.Types[name]; tv.Value != nil && tv.Value.Kind() == constant.String {
			c.wrapped[constant.StringVal(tv.Value)] = true
			local = true
		}
	}
	if local {
		// Export the inherited names too, so the fact is complete even
		// where a driver passes on only the facts of direct imports.
		names := make([]string, 0, len(c.wrapped))
		for n := range c.wrapped {
			names = append(names, n)
		}
		slices.Sort(names)
		c.pass.ExportPackageFact(&wrappedDrivers{Names: names})
	}
}
