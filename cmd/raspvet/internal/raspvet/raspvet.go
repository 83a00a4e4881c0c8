// Package raspvet finds the calls rasp's runtime guards cannot see: sinks
// called without their guarded twin, SQL drivers that were never wrapped, and
// calls that drop the request's context, so its inputs never reach a guard.
//
// The default is [Analyzer], run by the raspvet command standalone or as a
// go vet tool. Each diagnostic is one line with the reason and the guarded
// call to use; where the rewrite is mechanical it carries a suggested fix,
// so raspvet -fix migrates a code base. By default it reports only code that
// handlers run (-handlers); -everything adds the rest (see # Classes).
//
// # Rules
//
//   - exec: os/exec Command and CommandContext; use execguard.CommandContext.
//   - fs: os path calls (Open, OpenFile, Create, ReadFile, WriteFile,
//     ReadDir, Stat, Lstat, Remove, RemoveAll, Rename, Mkdir, MkdirAll, Chmod,
//     Symlink, Readlink) and io/ioutil ReadFile and WriteFile; use the fsguard
//     twin, which takes a context first. When the path is a filepath.Join or
//     path.Join of request data to a base, the message suggests
//     fsguard.OpenRoot on the base.
//   - sqlopen: sql.Open (and sqlx.Open, Connect, ConnectContext) with a
//     driver name registered unwrapped (sql.Register of a raw driver, as
//     driver packages do in init) in an imported package, and sql.OpenDB
//     with a connector that does not come from driver.WrapConnector. A name
//     no imported package registers is decided by the program's main
//     package, which sees every registration: it reports the names no
//     driver.Register call (or sql.Register of a driver.Wrap result)
//     registers, at its package clause, with the package and line of the
//     call. gorm.Open of a gorm driver's Open(dsn) is reported too: that
//     dialector opens its own *sql.DB with the raw driver; pass a wrapped
//     *sql.DB as the dialector's Conn instead.
//   - noctx: Query, Exec, QueryRow and Prepare of *sql.DB and *sql.Tx, and
//     sqlx's Select, Get, Queryx, QueryRowx, MustExec, NamedExec, NamedQuery
//     and Preparex, whose SQL text is not constant; use the Context variant.
//     Constant text (a literal, a const, a concatenation of such, or a
//     variable of the package assigned nothing else) carries no request
//     input, and *sql.Stmt executions are never reported: the guard checks
//     a statement's text where it is prepared. Inside a helper with no
//     context in scope the message says the callers must pass theirs, and
//     the fix adds a first parameter ctx context.Context to the helper and
//     passes each caller's (context.Background() from code no handler
//     reaches), when every caller is in the package. On a goroutine a
//     handler starts the finding is a note.
//   - background: context.Background() or context.TODO() inside a handler;
//     pass the request's context (context.WithoutCancel of it for work that
//     outlives the request: it keeps the inputs).
//   - ginctx: a *gin.Context passed as a context.Context. Its Value answers
//     from the request's context only when the engine sets
//     ContextWithFallback, so by default the inputs the middleware put there
//     are lost; the fix passes c.Request.Context().
//   - pgx: pgx.Connect and pgxpool.New, and pgx.ConnectConfig and
//     pgxpool.NewWithConfig with a config variable whose Tracer field (or
//     ConnConfig.Tracer) the package never assigns a pgxguard value: pgx's
//     native calls bypass database/sql, and only pgxguard.NewTracer shows
//     their statements to the SQL guard.
//   - sqlbuild (a note): SQL text that contains request data, built with +,
//     fmt.Sprintf, strings.Builder or bytes.Buffer, passed to a query method
//     of database/sql (*sql.DB, *sql.Tx, *sql.Conn), gorm v1 and v2 (Raw,
//     Exec, Where, Or, Not, Having, Order, Select, Group, Joins with a string
//     argument; a map or a struct is bound), sqlx (Select, Get, Queryx,
//     MustExec, NamedExec... and their Context forms) or pgx (Query,
//     QueryRow, Exec of pgx.Conn, pgx.Tx, pgxpool.Pool, Conn and Tx), or to a
//     function of the program whose parameter reaches one (in any package:
//     the analyzer exports a fact for such functions). The SQL guard checks
//     such text at run time; bound parameters are better.
//   - unseen: a call, on a handler's path, of another package's function
//     whose unguarded calls no handler of its own package reaches (so that
//     package left them out, see # Classes) and whose target is built from
//     the function's parameters, directly or through the functions it
//     passes them to: a target made from configuration alone cannot carry
//     the caller's input. The analyzer exports a fact listing the first few
//     such calls of each exported function and method of the program's own
//     packages (not of the standard library or of versioned dependencies);
//     the message names them.
//   - ignore: a //raspvet:ignore comment without a reason.
//
// # Handlers and request data
//
// A handler is a function with an [net/http.ResponseWriter] and a
// *[net/http.Request] parameter (which includes every ServeHTTP method and
// httprouter's Handle), a function with a *gin.Context or echo.Context
// parameter, a gRPC unary method (a method taking a context.Context and a
// generated request message), and any function literal inside one. Request
// data is any value of those parameters and what is derived from it:
// r.FormValue, chi.URLParam(r, ...) and mux.Vars(r) read the
// *http.Request; c.Param, c.Query, c.QueryParam and c.Bind read the gin or
// echo context; ps.ByName reads httprouter.Params; fields and getters read
// the message (a type with the ProtoReflect method of the protocol buffer
// API, or the older ProtoMessage marker).
//
// # Classes
//
// The exec, fs and noctx rules sort a call by where it sits. Inside a
// handler every such call is reported. In a function of the package that a
// handler calls or takes as a value, directly or through other such
// functions, a call is reported when its target (command, path or SQL text)
// is not constant. Elsewhere (start-up code, migrations, tools, and helpers
// only other packages call) a call is in the lower class: left out by
// default (-handlers), reported with -everything when its target is not
// constant, its message starting "outside handlers:".
//
// The suggested fixes take the context from the innermost enclosing function
// that has a named context.Context parameter, a named *http.Request
// parameter (r.Context()), a *gin.Context (c.Request.Context()) or an
// echo.Context (c.Request().Context()). Where there is none, the diagnostic
// has no fix, except for the noctx helper fix above.
//
// A finding is silenced by a comment on its line or on the line above:
//
//	//raspvet:ignore <reason>
//
// The reason is required; an ignore comment without one silences nothing
// and is itself reported.
//
// # Threat model
//
// raspvet reports calls a runtime guard would miss or see blind. It does
// not decide whether a call is exploitable, and it follows values between
// functions only as described here. Known limits:
//
//   - Driver names are tracked only when constant; a name held in a
//     variable is not reported. A package that is not main reports only the
//     names an imported package registers unwrapped; the others wait for the
//     main package, so a library checked on its own says nothing about them.
//   - A connector is recognised as wrapped only when it is the result of
//     driver.WrapConnector, directly or through local variables and package
//     variables assigned only from it, or when its type is declared by the
//     driver package. A pgx config is followed only through a variable.
//   - Request data is followed only within a package, from the handler
//     parameters, through assignments, range loops, &out arguments and
//     writes into a strings.Builder or bytes.Buffer; numbers and booleans
//     drop it, because they cannot carry SQL syntax. Into other functions it
//     is followed only as SQL text (see sqlbuild); values that go through a
//     struct field of another variable, a channel or a closure are lost. A
//     command or a path built from request data inside a helper is reported
//     only by the helper's own sink call.
//   - Reachability from handlers is computed within a package; a helper
//     only another package's handlers call is in the lower class there and
//     reported at the handler's call (unseen). A function reached only
//     through an interface, a function value of another package,
//     text/template or reflection stays in the lower class. fiber's handlers
//     (fasthttp, which rasp's net/http middleware does not serve) are not
//     recognised.
//   - Test files and generated files are not checked, and the guard packages
//     (execguard, fsguard, driver, sqlguard, pgxguard), which wrap the raw
//     calls by design, are exempt.
//
// # Modes
//
// The analyzer has two flags: -handlers (default true) leaves the lower
// class out, and -everything (or -handlers=false) reports it. The raspvet
// command adds the usual analysis flags: -fix applies the suggested fixes,
// -diff shows them, -json prints diagnostics as JSON.
//
// # Concurrency
//
// [Analyzer] keeps no state between packages other than the facts it
// exports, so drivers may run it on many packages in parallel. Its flags
// must be set before it runs.
package raspvet

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"
)

// Import paths of the guard packages.
const (
	pathExecguard = "github.com/gorasp/rasp/execguard"
	pathFsguard   = "github.com/gorasp/rasp/fsguard"
	pathDriver    = "github.com/gorasp/rasp/driver"
	pathSqlguard  = "github.com/gorasp/rasp/sqlguard"
)

// guardPackages wrap the raw calls by design and are not checked.
var guardPackages = []string{pathExecguard, pathFsguard, pathDriver, pathSqlguard, pathPgxguard}

// Diagnostic categories, one per rule.
const (
	CategoryExec       = "exec"
	CategoryFS         = "fs"
	CategorySQLOpen    = "sqlopen"
	CategoryNoContext  = "noctx"
	CategoryBackground = "background"
	CategorySQLBuild   = "sqlbuild"
	CategoryGinContext = "ginctx"
	CategoryPgx        = "pgx"
	CategoryUnseen     = "unseen"
	CategoryIgnore     = "ignore"
)

// Analyzer reports calls rasp's runtime guards cannot see. See the package
// documentation for its rules.
var Analyzer = newAnalyzer()

type config struct {
	handlersOnly bool
	everything   bool
}

func newAnalyzer() *analysis.Analyzer {
	cfg := new(config)
	a := &analysis.Analyzer{
		Name: "raspvet",
		Doc: `report calls the rasp runtime guards cannot see

raspvet reports unguarded os/exec and os path calls, database/sql
drivers not wrapped by rasp's driver package, pgx without pgxguard's
tracer, SQL calls without a context, context.Background() or a
*gin.Context where the request's context belongs, and (as a note) SQL
text built from request data, in handlers (net/http, chi, gorilla/mux,
httprouter, gin, echo, gRPC) and the helpers they call; -everything adds
the code no handler reaches. A //raspvet:ignore <reason> comment silences
a finding on its line or the next.`,
		URL:       "https://pkg.go.dev/github.com/gorasp/rasp/cmd/raspvet",
		Requires:  []*analysis.Analyzer{inspect.Analyzer},
		FactTypes: []analysis.Fact{new(wrappedDrivers), new(rawDrivers), new(openedDrivers), new(queryParams), new(unseenCalls)},
		Run:       func(pass *analysis.Pass) (any, error) { return run(pass, cfg) },
	}
	a.Flags.BoolVar(&cfg.handlersOnly, "handlers", true,
		"report unguarded sinks only in handlers and the functions of their package they use (the default)")
	a.Flags.BoolVar(&cfg.everything, "everything", false,
		"also report unguarded sinks with non-constant targets in code no handler reaches (start-up, tools)")
	return a
}

// wrappedDrivers is the package fact listing the database/sql driver names
// a package registers through rasp's driver package.
type wrappedDrivers struct {
	Names []string
}

func (*wrappedDrivers) AFact() {}

func (f *wrappedDrivers) String() string { return "wrappedDrivers(" + strings.Join(f.Names, ",") + ")" }

// rawDrivers is the package fact listing the database/sql driver names a
// package registers with sql.Register and a driver rasp does not wrap.
type rawDrivers struct {
	Names []string
}

func (*rawDrivers) AFact() {}

func (f *rawDrivers) String() string { return "rawDrivers(" + strings.Join(f.Names, ",") + ")" }

// openedDrivers is the package fact listing the sql.Open calls of a package
// (and of its imports) whose driver name no package it imports registers:
// the program's main package, which sees every registration, decides them.
type openedDrivers struct {
	Opens []openedDriver
}

type openedDriver struct {
	Func  string // the function called: sql.Open, sqlx.Connect...
	Name  string // the driver name
	Where string // package path, file base name and line of the call
}

func (*openedDrivers) AFact() {}

func (f *openedDrivers) String() string {
	s := make([]string, len(f.Opens))
	for i, o := range f.Opens {
		s[i] = o.Name + "@" + o.Where
	}
	return "openedDrivers(" + strings.Join(s, ",") + ")"
}

type checker struct {
	pass *analysis.Pass
	cfg  *config
	ins  *inspector.Inspector

	skip    map[*ast.File]bool      // test and generated files
	ignores map[string]map[int]bool // file name -> lines carrying a valid ignore

	wrapped   map[string]bool                  // driver names registered wrapped
	raw       map[string]bool                  // driver names registered unwrapped
	opened    []openedDriver                   // sql.Open calls the main package decides
	assigns   map[types.Object][]ast.Expr      // every value assigned to a variable
	addressed map[types.Object]bool            // variables whose address is taken
	fields    map[*ast.SelectorExpr][]ast.Expr // values assigned to fields (x.f = v)
	tainted   map[types.Object]bool            // variables holding request data
	qparams   map[*types.Func][]int            // functions of this package whose parameters reach SQL text

	reachSync map[*types.Func]bool          // functions of this package a handler calls or takes
	reachGo   map[*types.Func]bool          // functions of this package a handler only starts as goroutines
	lowered   map[*types.Func][]loweredCall // lower-class sink calls of the package's functions
	unseen    map[*types.Func][]string      // those a caller's data reaches, for the unseenCalls facts
}

func run(pass *analysis.Pass, cfg *config) (any, error) {
	c := &checker{
		pass:      pass,
		cfg:       cfg,
		ins:       pass.ResultOf[inspect.Analyzer].(*inspector.Inspector),
		skip:      map[*ast.File]bool{},
		ignores:   map[string]map[int]bool{},
		wrapped:   map[string]bool{},
		raw:       map[string]bool{},
		assigns:   map[types.Object][]ast.Expr{},
		addressed: map[types.Object]bool{},
		fields:    map[*ast.SelectorExpr][]ast.Expr{},
		tainted:   map[types.Object]bool{},
		qparams:   map[*types.Func][]int{},

		reachSync: map[*types.Func]bool{},
		reachGo:   map[*types.Func]bool{},
		lowered:   map[*types.Func][]loweredCall{},
		unseen:    map[*types.Func][]string{},
	}
	c.collectAssigns()
	c.collectDrivers()
	if isGuardPackage(pass.Pkg.Path()) {
		return nil, nil
	}
	for _, f := range pass.Files {
		name := pass.Fset.File(f.FileStart).Name()
		if strings.HasSuffix(name, "_test.go") || ast.IsGenerated(f) {
			c.skip[f] = true
			continue
		}
		c.collectIgnores(f)
	}
	c.collectQueryParams()
	c.collectReach()
	c.computeTaint()
	c.checkCalls()
	c.checkOpened()
	c.exportUnseen()
	return nil, nil
}

func isGuardPackage(path string) bool {
	path = strings.TrimSuffix(path, "_test")
	for _, g := range guardPackages {
		if path == g || strings.HasPrefix(path, g+"/") {
			return true
		}
	}
	return false
}

// report reports a diagnostic unless an ignore comment silences it.
func (c *checker) report(pos token.Pos, category, msg string, fixes ...analysis.SuggestedFix) {
	p := c.pass.Fset.Position(pos)
	if lines := c.ignores[p.Filename]; lines[p.Line] || lines[p.Line-1] {
		return
	}
	c.pass.Report(analysis.Diagnostic{Pos: pos, Category: category, Message: msg, SuggestedFixes: fixes})
}

const ignoreDirective = "//raspvet:ignore"

// collectIgnores records the lines of f's valid ignore comments and reports
// those without a reason.
func (c *checker) collectIgnores(f *ast.File) {
	for _, cg := range f.Comments {
		for _, cm := range cg.List {
			rest, ok := strings.CutPrefix(cm.Text, ignoreDirective)
			if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
				continue
			}
			if strings.TrimSpace(rest) == "" {
				c.pass.Report(analysis.Diagnostic{Pos: cm.Pos(), Category: CategoryIgnore,
					Message: "raspvet:ignore needs a reason: //raspvet:ignore <why this call is safe>"})
				continue
			}
			p := c.pass.Fset.Position(cm.Pos())
			if c.ignores[p.Filename] == nil {
				c.ignores[p.Filename] = map[int]bool{}
			}
			c.ignores[p.Filename][p.Line] = true
		}
	}
}

// callee returns the function or method call calls statically, if any, or
// the interface method it calls (pgx.Tx's Exec, say).
func (c *checker) callee(call *ast.CallExpr) *types.Func {
	fn, _ := typeutil.Callee(c.pass.TypesInfo, call).(*types.Func)
	if fn == nil || fn.Pkg() == nil {
		return nil
	}
	return fn
}

// isFunc reports whether fn is the package-level function path.name.
func isFunc(fn *types.Func, path string, names ...string) bool {
	if fn == nil || fn.Pkg() == nil || fn.Pkg().Path() != path {
		return false
	}
	if fn.Signature().Recv() != nil {
		return false
	}
	return slices.Contains(names, fn.Name())
}

// recvName returns the name of fn's receiver type when it is declared in
// package path, else "".
func recvName(fn *types.Func, path string) string {
	recv := fn.Signature().Recv()
	if recv == nil || fn.Pkg().Path() != path {
		return ""
	}
	t := recv.Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := t.(*types.Named); ok {
		return n.Obj().Name()
	}
	return ""
}

// isNamed reports whether t (or what it points to, when ptr) is the named
// type path.name.
func isNamed(t types.Type, ptr bool, path, name string) bool {
	if ptr {
		p, ok := types.Unalias(t).(*types.Pointer)
		if !ok {
			return false
		}
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return false
	}
	return n.Obj().Pkg().Path() == path && n.Obj().Name() == name
}

func isContextType(t types.Type) bool { return isNamed(t, false, "context", "Context") }

// isConst reports whether e is a compile-time constant.
func (c *checker) isConst(e ast.Expr) bool {
	tv, ok := c.pass.TypesInfo.Types[e]
	return ok && tv.Value != nil
}

// objOf returns the object an identifier (possibly parenthesised) denotes.
func (c *checker) objOf(e ast.Expr) types.Object {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return nil
	}
	if o := c.pass.TypesInfo.Uses[id]; o != nil {
		return o
	}
	return c.pass.TypesInfo.Defs[id]
}
