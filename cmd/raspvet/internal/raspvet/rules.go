package raspvet

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"

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
			c.checkGinContext(call)
			fn := c.callee(call)
			if fn == nil {
				continue
			}
			c.checkBuild(call, fn)
			c.checkUnseen(cur, call, fn)
			switch {
			case isFunc(fn, "os/exec", "Command", "CommandContext"):
				c.checkExec(f, cur, call, fn)
			case isFunc(fn, "os", fsTwins...):
				c.checkFS(f, cur, call, "os."+fn.Name(), fn.Name())
			case isFunc(fn, "io/ioutil", "ReadFile", "WriteFile"):
				c.checkFS(f, cur, call, "ioutil."+fn.Name(), fn.Name())
			case isFunc(fn, "database/sql", "Open"), isFunc(fn, pathSqlx, "Open", "MustOpen", "Connect", "MustConnect"):
				c.checkOpen(call, fn, 0)
			case isFunc(fn, pathSqlx, "ConnectContext"):
				c.checkOpen(call, fn, 1)
			case isFunc(fn, "database/sql", "OpenDB"):
				c.checkOpenDB(call)
			case isFunc(fn, "gorm.io/gorm", "Open"):
				c.checkGormOpen(call)
			case isPgxConnect(fn):
				c.checkPgx(call, fn)
			case isFunc(fn, "context", "Background", "TODO"):
				c.checkBackground(cur, call, fn)
			default:
				if r := recvName(fn, "database/sql"); slices.Contains(sqlReceivers, r) {
					c.checkSQLMethod(f, cur, call, fn, r)
				} else if r := recvName(fn, pathSqlx); r == "DB" || r == "Tx" {
					c.checkSQLMethod(f, cur, call, fn, r)
				}
			}
		}
	}
}

// site is where a call sits.
type site struct {
	inHandler bool   // inside an HTTP handler, a framework handler or a gRPC method
	reached   bool   // inside a handler or a function of the package a handler uses
	goroutine bool   // on a goroutine a handler starts, not on the handler's own
	ctx       string // an expression for the context to pass; "" when none is in scope
	decl      *ast.FuncDecl
}

// siteOf describes the functions enclosing cur.
func (c *checker) siteOf(cur inspector.Cursor) site {
	var s site
	pos := cur.Node().Pos()
	inGo := false // an enclosing literal found so far is a go statement's
	for fc := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		var fi funcInfo
		switch n := fc.Node().(type) {
		case *ast.FuncDecl:
			fi = c.funcInfoOf(n.Type, n.Recv != nil, pos)
			if s.decl == nil {
				s.decl = n
			}
			if fn, ok := c.pass.TypesInfo.Defs[n.Name].(*types.Func); ok && !s.inHandler {
				switch {
				case c.reachSync[fn]:
					s.reached = true
				case c.reachGo[fn]:
					s.reached = true
					s.goroutine = true
				}
			}
		case *ast.FuncLit:
			fi = c.funcInfoOf(n.Type, false, pos)
			if call, ok := fc.Parent().Node().(*ast.CallExpr); ok && call.Fun == n {
				if _, ok := fc.Parent().Parent().Node().(*ast.GoStmt); ok {
					inGo = true
				}
			}
		}
		if fi.handler && !s.inHandler {
			s.inHandler = true
			s.reached = true
			s.goroutine = inGo
		}
		if s.ctx == "" {
			s.ctx = fi.ctx
		}
	}
	return s
}

// collectReach finds the functions of the package that handlers use,
// directly or through each other: reachSync those called (or taken as a
// value) on a handler's goroutine, reachGo those only started by a go
// statement.
func (c *checker) collectReach() {
	decls := map[*types.Func]*ast.FuncDecl{}
	var work []ast.Node // bodies of handlers and of reached functions
	for _, f := range c.pass.Files {
		if c.skip[f] {
			continue
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if fn, ok := c.pass.TypesInfo.Defs[n.Name].(*types.Func); ok && n.Body != nil {
					decls[fn] = n
					if c.funcInfoOf(n.Type, n.Recv != nil, n.Pos()).handler {
						c.reachSync[fn] = true
						work = append(work, n.Body)
					}
				}
			case *ast.FuncLit:
				if c.funcInfoOf(n.Type, false, n.Pos()).handler {
					work = append(work, n.Body)
				}
			}
			return true
		})
	}
	visit := func(fn *types.Func, async bool) {
		d := decls[fn]
		if d == nil || c.reachSync[fn] || (async && c.reachGo[fn]) {
			return
		}
		if async {
			c.reachGo[fn] = true
		} else {
			c.reachSync[fn] = true
		}
		work = append(work, d.Body)
	}
	for len(work) > 0 {
		body := work[len(work)-1]
		work = work[:len(work)-1]
		var started *ast.Ident // the function a go statement calls by name
		ast.Inspect(body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GoStmt:
				switch fun := ast.Unparen(n.Call.Fun).(type) {
				case *ast.Ident:
					started = fun
				case *ast.SelectorExpr:
					started = fun.Sel
				}
			case *ast.Ident:
				if fn, ok := c.pass.TypesInfo.Uses[n].(*types.Func); ok && fn.Pkg() == c.pass.Pkg {
					visit(fn, n == started)
				}
			}
			return true
		})
	}
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

// targetConst reports whether every string argument in args is constant
// text (see [checker.constText]), so that no request input can be in it.
func (c *checker) targetConst(call *ast.CallExpr, args []ast.Expr) bool {
	for i, a := range args {
		if call.Ellipsis.IsValid() && i == len(args)-1 {
			return false
		}
		if isString(c.pass.TypesInfo.TypeOf(a)) && !c.constText(a, 0) {
			return false
		}
	}
	return true
}

// constText reports whether e can only hold constant text: a compile-time
// constant, a concatenation of such, or a variable of this package that
// is assigned nothing else (an exported package variable may be assigned
// by other packages, and a variable whose address is taken by anything).
func (c *checker) constText(e ast.Expr, depth int) bool {
	if depth > maxDepth {
		return false
	}
	if c.isConst(e) {
		return true
	}
	switch e := ast.Unparen(e).(type) {
	case *ast.BinaryExpr:
		return e.Op == token.ADD && c.constText(e.X, depth+1) && c.constText(e.Y, depth+1)
	case *ast.Ident:
		v, ok := c.objOf(e).(*types.Var)
		if !ok || v.Pkg() != c.pass.Pkg || c.addressed[v] ||
			(v.Exported() && v.Parent() == c.pass.Pkg.Scope()) {
			return false
		}
		vals := c.assigns[v]
		if len(vals) == 0 {
			return false
		}
		for _, x := range vals {
			if !c.constText(x, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

// class is the diagnostic class of a sink call at s: reported reports
// whether it is reported at all, and prefix starts its message.
//
// A lower-class call is recorded for its function's unseenCalls fact: a
// handler of another package may reach it.
func (c *checker) class(s site, constant bool, call *ast.CallExpr, what string, targets []ast.Expr) (reported bool, prefix string) {
	if !s.reached && !constant && s.decl != nil {
		if fn, ok := c.pass.TypesInfo.Defs[s.decl.Name].(*types.Func); ok {
			p := c.pass.Fset.Position(call.Pos())
			c.lowered[fn] = append(c.lowered[fn], loweredCall{
				desc:    fmt.Sprintf("%s (%s:%d)", what, filepath.Base(p.Filename), p.Line),
				targets: targets,
			})
		}
	}
	switch {
	case s.inHandler:
		return true, ""
	case s.reached:
		return !constant, ""
	case (c.cfg.everything || !c.cfg.handlersOnly) && !constant:
		return true, "outside handlers: "
	}
	return false, ""
}

func (c *checker) checkExec(f *ast.File, cur inspector.Cursor, call *ast.CallExpr, fn *types.Func) {
	withCtx := fn.Name() == "CommandContext"
	args := call.Args
	if withCtx && len(args) > 0 {
		args = args[1:]
	}
	s := c.siteOf(cur)
	ok, prefix := c.class(s, c.targetConst(call, args), call, "exec."+fn.Name(), args)
	if !ok {
		return
	}
	msg := prefix + fmt.Sprintf("exec.%s runs a command the exec guard never sees: use execguard.CommandContext with the request's context", fn.Name())
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
	ok, prefix := c.class(s, c.targetConst(call, call.Args), call, qual, call.Args)
	if !ok {
		return
	}
	msg := prefix + fmt.Sprintf("%s is not guarded: use fsguard.%s(ctx, ...) with the request's context", qual, name)
	if len(call.Args) > 0 && c.joinsRequestData(call.Args[0], 0) {
		msg += "; the path joins request data to a base directory: open the base once with fsguard.OpenRoot and call the Root's method, which keeps the path inside it"
	}
	var fixes []analysis.SuggestedFix
	if s.ctx != "" {
		fixes = c.fixCall(f, call, pathFsguard, "fsguard", name, s.ctx)
	}
	c.report(call.Pos(), CategoryFS, msg, fixes...)
}

// joinsRequestData reports whether e is a filepath.Join or path.Join of
// request data to a base, directly or through variables.
func (c *checker) joinsRequestData(e ast.Expr, depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch e := ast.Unparen(e).(type) {
	case *ast.CallExpr:
		fn := c.callee(e)
		if !isFunc(fn, "path/filepath", "Join") && !isFunc(fn, "path", "Join") {
			return false
		}
		for _, a := range e.Args[min(1, len(e.Args)):] {
			if c.mentions(a) {
				return true
			}
		}
	case *ast.Ident:
		v, ok := c.objOf(e).(*types.Var)
		if !ok {
			return false
		}
		for _, x := range c.assigns[v] {
			if c.joinsRequestData(x, depth+1) {
				return true
			}
		}
	}
	return false
}

// sqlxNoContext maps the sqlx methods that take no context to the index of
// their SQL text; each has a twin named with a Context suffix.
var sqlxNoContext = map[string]int{
	"Select": 1, "Get": 1, "Queryx": 0, "QueryRowx": 0, "MustExec": 0,
	"NamedExec": 0, "NamedQuery": 0, "Preparex": 0,
}

func (c *checker) checkSQLMethod(f *ast.File, cur inspector.Cursor, call *ast.CallExpr, fn *types.Func, recv string) {
	name := fn.Name()
	textIdx := 0
	label := "sql." + recv
	switch {
	case fn.Pkg().Path() == pathSqlx:
		i, ok := sqlxNoContext[name]
		if !ok {
			return
		}
		textIdx, label = i, "sqlx."+recv
	case recv == "Stmt":
		// A statement's text is checked when it is prepared: the guard has
		// nothing to find in its executions.
		return
	case name == "Query", name == "Exec", name == "QueryRow", name == "Prepare":
	default:
		return
	}
	// Constant text carries no request input.
	if textIdx >= len(call.Args) || c.constText(call.Args[textIdx], 0) {
		return
	}
	s := c.siteOf(cur)
	ok, prefix := c.class(s, false, call, fmt.Sprintf("(*%s).%s without a context", label, name), call.Args[textIdx:textIdx+1])
	if !ok {
		return
	}
	if s.goroutine {
		c.report(call.Pos(), CategoryNoContext, fmt.Sprintf(
			"note: (*%s).%s has no context on a goroutine a handler starts: pass context.WithoutCancel of the request's context to %sContext", label, name, name))
		return
	}
	msg := prefix + fmt.Sprintf("(*%s).%s has no context, so the SQL guard cannot see the request's inputs: use %sContext", label, name, name)
	sel, isSel := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !isSel {
		c.report(call.Pos(), CategoryNoContext, msg)
		return
	}
	ctx := s.ctx
	var edits []analysis.TextEdit
	if ctx == "" && s.reached {
		var helper string
		helper, ctx, edits = c.addContextParam(f, cur, s.decl)
		if helper != "" {
			msg += fmt.Sprintf("; %s has no context in scope: its callers must pass theirs", helper)
		}
	}
	var fixes []analysis.SuggestedFix
	if ctx != "" {
		text := name + "Context(" + ctx
		if len(call.Args) > 0 {
			text += ", "
		}
		edits = append(edits, analysis.TextEdit{Pos: sel.Sel.Pos(), End: call.Lparen + 1, NewText: []byte(text)})
		fixes = []analysis.SuggestedFix{{Message: "Use " + name + "Context", TextEdits: edits}}
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
		if _, direct := directTextIndex(fn); !direct {
			via = " reaches a query through " + fn.Name()
		}
		c.report(q.Pos(), CategorySQLBuild,
			"note: SQL text built from request data"+via+": the SQL guard checks it at run time, but bound parameters are better")
		return // one note per call, however many of its arguments reach the text
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

// checkOpen checks the driver name, argument i of call, of sql.Open or of
// an sqlx function that calls it.
func (c *checker) checkOpen(call *ast.CallExpr, fn *types.Func, i int) {
	if len(call.Args) <= i {
		return
	}
	tv := c.pass.TypesInfo.Types[call.Args[i]]
	if tv.Value == nil || tv.Value.Kind() != constant.String {
		return // a name only known at run time: see the package doc
	}
	name := constant.StringVal(tv.Value)
	switch {
	case c.wrapped[name]:
		return
	case !c.raw[name] && c.pass.Pkg.Name() != "main":
		// The name may be registered by a package this one does not import
		// (main's driver.Register call, typically): main decides.
		p := c.pass.Fset.Position(call.Pos())
		c.opened = append(c.opened, openedDriver{Name: name, Func: fn.Pkg().Name() + "." + fn.Name(),
			Where: fmt.Sprintf("%s %s:%d", c.pass.Pkg.Path(), filepath.Base(p.Filename), p.Line)})
		return
	}
	c.report(call.Pos(), CategorySQLOpen, fmt.Sprintf(
		"%s.%s with driver %q, which is not registered through driver.Register: its statements bypass the SQL guard", fn.Pkg().Name(), fn.Name(), name))
}

// checkOpened exports the package's undecided sql.Open calls, and in a main
// package reports those of its imports whose driver name no package of the
// program registers through rasp's driver package.
func (c *checker) checkOpened() {
	seen := map[openedDriver]bool{}
	var inherited []openedDriver
	for _, pf := range c.pass.AllPackageFacts() {
		if od, ok := pf.Fact.(*openedDrivers); ok {
			for _, o := range od.Opens {
				if !seen[o] {
					seen[o] = true
					inherited = append(inherited, o)
				}
			}
		}
	}
	if c.pass.Pkg.Name() != "main" {
		if len(c.opened) > 0 {
			c.pass.ExportPackageFact(&openedDrivers{Opens: c.opened})
		}
		return
	}
	var at *ast.File // the first checked file: where the program's findings go
	for _, f := range c.pass.Files {
		if !c.skip[f] {
			at = f
			break
		}
	}
	if at == nil {
		return
	}
	slices.SortFunc(inherited, func(a, b openedDriver) int { return strings.Compare(a.Where, b.Where) })
	for _, o := range inherited {
		if c.wrapped[o.Name] {
			continue
		}
		c.report(at.Name.Pos(), CategorySQLOpen, fmt.Sprintf(
			"%s with driver %q (%s), which no driver.Register call in this program registers: its statements bypass the SQL guard", o.Func, o.Name, o.Where))
	}
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
	for n := range c.ins.Root().Preorder((*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil), (*ast.UnaryExpr)(nil)) {
		switch n := n.Node().(type) {
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				if obj := c.objOf(n.X); obj != nil {
					c.addressed[obj] = true
				}
			}
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
		if sel, ok := ast.Unparen(l).(*ast.SelectorExpr); ok && len(lhs) == len(rhs) {
			c.fields[sel] = append(c.fields[sel], rhs[i])
			continue
		}
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

// collectDrivers gathers the driver names registered wrapped, and those
// registered unwrapped, by this package and the packages it imports, and
// exports this package's.
func (c *checker) collectDrivers() {
	for _, pf := range c.pass.AllPackageFacts() {
		switch f := pf.Fact.(type) {
		case *wrappedDrivers:
			for _, n := range f.Names {
				c.wrapped[n] = true
			}
		case *rawDrivers:
			for _, n := range f.Names {
				c.raw[n] = true
			}
		}
	}
	var local, localRaw bool
	for cur := range c.ins.Root().Preorder((*ast.CallExpr)(nil)) {
		call := cur.Node().(*ast.CallExpr)
		fn := c.callee(call)
		var name ast.Expr
		wrapped := true
		switch {
		case isFunc(fn, pathDriver, "Register") && len(call.Args) > 0:
			name = call.Args[0]
		case isFunc(fn, "database/sql", "Register") && len(call.Args) > 1:
			name = call.Args[0]
			wrapped = c.fromDriver(call.Args[1], "Wrap", 0)
		default:
			continue
		}
		tv := c.pass.TypesInfo.Types[name]
		if tv.Value == nil || tv.Value.Kind() != constant.String {
			continue
		}
		if wrapped {
			c.wrapped[constant.StringVal(tv.Value)] = true
			local = true
		} else {
			c.raw[constant.StringVal(tv.Value)] = true
			localRaw = true
		}
	}
	// Export the inherited names too, so the facts are complete even where
	// a driver passes on only the facts of direct imports.
	if local {
		c.pass.ExportPackageFact(&wrappedDrivers{Names: sortedKeys(c.wrapped)})
	}
	if localRaw {
		c.pass.ExportPackageFact(&rawDrivers{Names: sortedKeys(c.raw)})
	}
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// checkGinContext reports a *gin.Context passed where a context.Context is
// expected. gin's Value answers from the request's context only when the
// engine sets ContextWithFallback, so by default the inputs the middleware
// put there are lost to the guards.
func (c *checker) checkGinContext(call *ast.CallExpr) {
	sig, ok := types.Unalias(c.pass.TypesInfo.TypeOf(call.Fun)).(*types.Signature)
	if !ok {
		return // a conversion or a builtin
	}
	params := sig.Params()
	for i, a := range call.Args {
		var pt types.Type
		switch {
		case sig.Variadic() && i >= params.Len()-1 && !call.Ellipsis.IsValid():
			if s, ok := params.At(params.Len() - 1).Type().(*types.Slice); ok {
				pt = s.Elem()
			}
		case i < params.Len():
			pt = params.At(i).Type()
		}
		if pt == nil || !isContextType(pt) || requestKindOf(c.pass.TypesInfo.TypeOf(a)) != reqGin {
			continue
		}
		var fixes []analysis.SuggestedFix
		if id, ok := ast.Unparen(a).(*ast.Ident); ok {
			text := id.Name + ".Request.Context()"
			fixes = []analysis.SuggestedFix{{
				Message:   "Use " + text,
				TextEdits: []analysis.TextEdit{{Pos: a.Pos(), End: a.End(), NewText: []byte(text)}},
			}}
		}
		c.report(a.Pos(), CategoryGinContext,
			"*gin.Context used as a context.Context: unless the engine sets ContextWithFallback its Value does not reach the request's context, so the guards never see the inputs: pass c.Request.Context()", fixes...)
	}
}

var pgxPaths = []string{"github.com/jackc/pgx/v5", "github.com/jackc/pgx/v4"}

// isPgxConnect reports whether fn opens a pgx connection or pool.
func isPgxConnect(fn *types.Func) bool {
	for _, p := range pgxPaths {
		if isFunc(fn, p, "Connect", "ConnectConfig") || isFunc(fn, p+"/pgxpool", "New", "NewWithConfig", "Connect", "ConnectConfig") {
			return true
		}
	}
	return false
}

// checkPgx reports a pgx connection or pool opened without pgxguard's
// tracer: pgx's native calls do not go through database/sql, so only the
// tracer shows their statements to the SQL guard.
func (c *checker) checkPgx(call *ast.CallExpr, fn *types.Func) {
	const advice = "set the config's ConnConfig.Tracer to pgxguard.NewTracer()"
	if fn.Name() == "New" || fn.Name() == "Connect" {
		c.report(call.Pos(), CategoryPgx, fmt.Sprintf(
			"%s.%s opens pgx without a tracer, so the SQL guard never sees its statements: parse the config, %s, and open it with %sConfig",
			fn.Pkg().Name(), fn.Name(), advice, map[string]string{"New": "NewWith", "Connect": "Connect"}[fn.Name()]))
		return
	}
	if len(call.Args) < 2 {
		return
	}
	v, ok := c.objOf(call.Args[1]).(*types.Var)
	if !ok {
		return // a config raspvet cannot follow: see the package doc
	}
	if c.tracedConfig(v) {
		return
	}
	c.report(call.Pos(), CategoryPgx, fmt.Sprintf(
		"%s.%s with a config whose tracer is not pgxguard's, so the SQL guard never sees its statements: %s",
		fn.Pkg().Name(), fn.Name(), advice))
}

// tracedConfig reports whether the package assigns a value built by
// pgxguard to a Tracer field reached from the variable cfg.
func (c *checker) tracedConfig(cfg *types.Var) bool {
	for lhs, vals := range c.fields {
		sel := lhs
		if sel.Sel.Name != "Tracer" {
			continue
		}
		root := ast.Expr(sel)
		for {
			if s, ok := root.(*ast.SelectorExpr); ok {
				root = ast.Unparen(s.X)
				continue
			}
			break
		}
		if c.objOf(root) != cfg {
			continue
		}
		for _, x := range vals {
			if c.usesPgxguard(x) {
				return true
			}
		}
	}
	return false
}

// usesPgxguard reports whether e calls pgxguard or holds one of its values
// (a tracer composed with others counts).
func (c *checker) usesPgxguard(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if x, ok := n.(ast.Expr); ok && !found {
			if obj := c.objOf(x); obj != nil && obj.Pkg() != nil && obj.Pkg().Path() == pathPgxguard {
				found = true
			}
			if id, ok := x.(*ast.Ident); ok {
				if obj := c.pass.TypesInfo.Uses[id]; obj != nil && obj.Pkg() != nil && obj.Pkg().Path() == pathPgxguard {
					found = true
				}
			}
			if t := c.pass.TypesInfo.TypeOf(x); t != nil {
				if p, ok := types.Unalias(t).(*types.Pointer); ok {
					t = p.Elem()
				}
				if n, ok := types.Unalias(t).(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pathPgxguard {
					found = true
				}
			}
		}
		return !found
	})
	return found
}

// checkGormOpen reports gorm.Open of a dialector built by a gorm driver's
// Open(dsn): the driver then opens its own *sql.DB under the raw driver's
// name, which no rasp wrapper sees. A dialector given an existing *sql.DB
// (mysql.New(mysql.Config{Conn: db})) or a driver name is not reported.
func (c *checker) checkGormOpen(call *ast.CallExpr) {
	if len(call.Args) == 0 {
		return
	}
	inner, ok := ast.Unparen(call.Args[0]).(*ast.CallExpr)
	if !ok {
		return
	}
	fn := c.callee(inner)
	if fn == nil || fn.Name() != "Open" || fn.Signature().Recv() != nil ||
		!strings.HasPrefix(fn.Pkg().Path(), "gorm.io/driver/") {
		return
	}
	c.report(call.Pos(), CategorySQLOpen, fmt.Sprintf(
		"gorm.Open(%s.Open(...)) opens a *sql.DB with the raw driver, which bypasses the SQL guard: open it with a driver registered through driver.Register and pass it to %s.New as Conn",
		fn.Pkg().Name(), fn.Pkg().Name()))
}
