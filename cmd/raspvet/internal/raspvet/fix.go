package raspvet

import (
	"go/ast"
	"go/token"
	"go/types"
	"path"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"
)

// fixCall returns a fix that makes call a call of pkgPath's funcName,
// adding the import when f lacks it. With a non-empty ctx, ctx becomes the
// first argument; otherwise the arguments are kept as they are. It returns
// nil when the package's name is taken at the call.
func (c *checker) fixCall(f *ast.File, call *ast.CallExpr, pkgPath, pkgName, funcName, ctx string) []analysis.SuggestedFix {
	local, edits, ok := c.importFor(f, call.Pos(), pkgPath, pkgName)
	if !ok {
		return nil
	}
	fun := local + "." + funcName
	if ctx == "" {
		edits = append(edits, analysis.TextEdit{Pos: call.Fun.Pos(), End: call.Fun.End(), NewText: []byte(fun)})
	} else {
		text := fun + "(" + ctx
		if len(call.Args) > 0 {
			text += ", "
		}
		edits = append(edits, analysis.TextEdit{Pos: call.Fun.Pos(), End: call.Lparen + 1, NewText: []byte(text)})
	}
	return []analysis.SuggestedFix{{Message: "Use " + pkgName + "." + funcName, TextEdits: edits}}
}

// importFor returns the name under which f can refer to pkgPath at pos, and
// the edits that add the import when f lacks it. ok is false when the
// package's name is taken at pos, or the file imports it only for its side
// effects or with a dot.
func (c *checker) importFor(f *ast.File, pos token.Pos, pkgPath, pkgName string) (name string, edits []analysis.TextEdit, ok bool) {
	for _, spec := range f.Imports {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil || p != pkgPath {
			continue
		}
		if spec.Name == nil {
			return path.Base(pkgPath), nil, true
		}
		if spec.Name.Name == "_" || spec.Name.Name == "." {
			return "", nil, false
		}
		return spec.Name.Name, nil, true
	}
	if scope := c.pass.Pkg.Scope().Innermost(pos); scope != nil {
		if _, obj := scope.LookupParent(pkgName, pos); obj != nil {
			return "", nil, false
		}
	}
	quoted := strconv.Quote(pkgPath)
	// Add to the first parenthesised import declaration; the fix's
	// formatting sorts it into place.
	for _, d := range f.Decls {
		gd, isGen := d.(*ast.GenDecl)
		if !isGen || gd.Tok != token.IMPORT {
			continue
		}
		if gd.Lparen.IsValid() && isStd(pkgPath) {
			// Join the standard library's group: after its last import.
			var last *ast.ImportSpec
			for _, spec := range gd.Specs {
				if is := spec.(*ast.ImportSpec); isStdSpec(is) {
					last = is
				}
			}
			if last != nil {
				return pkgName, []analysis.TextEdit{{Pos: last.End(), End: last.End(), NewText: []byte("\n\t" + quoted)}}, true
			}
		}
		if gd.Lparen.IsValid() {
			text := "\t" + quoted + "\n"
			var edits []analysis.TextEdit
			if n := len(gd.Specs); n > 0 {
				last := gd.Specs[n-1].(*ast.ImportSpec)
				if c.line(last.End()) == c.line(gd.Rparen) {
					text = "\n" + text
				} else if lp, err := strconv.Unquote(last.Path.Value); err == nil && isStd(lp) {
					// Start a group after the standard library, as
					// goimports does. The separator is an edit of its own,
					// the same for every added import, so that fixes adding
					// different imports merge into one group.
					edits = append(edits, analysis.TextEdit{Pos: last.End(), End: last.End(), NewText: []byte("\n")})
				}
			}
			edits = append(edits, analysis.TextEdit{Pos: gd.Rparen, End: gd.Rparen, NewText: []byte(text)})
			return pkgName, edits, true
		}
		return pkgName, []analysis.TextEdit{{Pos: gd.End(), End: gd.End(), NewText: []byte("\nimport " + quoted)}}, true
	}
	return pkgName, []analysis.TextEdit{{Pos: f.Name.End(), End: f.Name.End(), NewText: []byte("\n\nimport " + quoted)}}, true
}

func (c *checker) line(pos token.Pos) int { return c.pass.Fset.Position(pos).Line }

// isStd reports whether an import path belongs to the standard library: its
// first element has no dot.
func isStd(p string) bool {
	first, _, _ := strings.Cut(p, "/")
	return !strings.Contains(first, ".")
}

// addContextParam returns the edits that give the helper decl, which has no
// context in scope at cur, a first parameter "ctx context.Context", and pass
// each caller's context to it (context.Background() from code no handler
// reaches). It returns the helper's name, and the name of the new parameter
// with the edits when every call of the helper is in this package, in call
// position, and has a context to pass; otherwise ctx is "" and edits is nil.
func (c *checker) addContextParam(f *ast.File, cur inspector.Cursor, decl *ast.FuncDecl) (helper, ctx string, edits []analysis.TextEdit) {
	if decl == nil || decl.Body == nil {
		return "", "", nil
	}
	fn, ok := c.pass.TypesInfo.Defs[decl.Name].(*types.Func)
	if !ok {
		return "", "", nil
	}
	helper = decl.Name.Name
	const name = "ctx"
	if fn.Exported() && c.pass.Pkg.Name() != "main" {
		return helper, "", nil // callers in other packages would break
	}
	// The parameters share the body's scope: no name in it may be ctx.
	if scope := c.pass.Pkg.Scope().Innermost(cur.Node().Pos()); scope != nil {
		if _, obj := scope.LookupParent(name, cur.Node().Pos()); obj != nil && obj.Pkg() != nil {
			return helper, "", nil
		}
	}
	taken := false
	ast.Inspect(decl, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == name && c.pass.TypesInfo.Defs[id] != nil {
			taken = true
		}
		return !taken
	})
	if taken {
		return helper, "", nil
	}
	var uses []*ast.Ident
	for id, obj := range c.pass.TypesInfo.Uses {
		if obj == fn {
			uses = append(uses, id)
		}
	}
	slices.SortFunc(uses, func(a, b *ast.Ident) int { return int(a.Pos() - b.Pos()) })
	root := c.ins.Root()
	var callerEdits []analysis.TextEdit
	for _, id := range uses {
		idc, ok := root.FindNode(id)
		if !ok {
			return helper, "", nil
		}
		callc := idc.Parent()
		if sel, ok := callc.Node().(*ast.SelectorExpr); ok && sel.Sel == id {
			callc = callc.Parent()
		}
		call, ok := callc.Node().(*ast.CallExpr)
		if !ok || ast.Unparen(call.Fun).End() != id.End() {
			return helper, "", nil // a function value: its type would change
		}
		cs := c.siteOf(callc)
		if cs.decl == decl {
			return helper, "", nil // recursive: the new parameter is the context
		}
		text := cs.ctx
		if text == "" {
			if cs.reached {
				return helper, "", nil // a helper without a context itself
			}
			// Start-up code has no request: its context is Background.
			var cf *ast.File
			for fc := range callc.Enclosing((*ast.File)(nil)) {
				cf = fc.Node().(*ast.File)
			}
			local, imp, ok := c.importFor(cf, call.Pos(), "context", "context")
			if !ok {
				return helper, "", nil
			}
			callerEdits = append(callerEdits, imp...)
			text = local + ".Background()"
		}
		if len(call.Args) > 0 {
			text += ", "
		}
		callerEdits = append(callerEdits, analysis.TextEdit{Pos: call.Lparen + 1, End: call.Lparen + 1, NewText: []byte(text)})
	}
	local, importEdits, ok := c.importFor(f, decl.Pos(), "context", "context")
	if !ok {
		return helper, "", nil
	}
	param := name + " " + local + ".Context"
	if decl.Type.Params.NumFields() > 0 {
		param += ", "
	}
	edits = append(importEdits, analysis.TextEdit{Pos: decl.Type.Params.Opening + 1, End: decl.Type.Params.Opening + 1, NewText: []byte(param)})
	edits = append(edits, callerEdits...)
	// The callers' files and the helper's may each add the same import:
	// one edit of a fix must not repeat another.
	var unique []analysis.TextEdit
	for _, e := range edits {
		if !slices.ContainsFunc(unique, func(u analysis.TextEdit) bool {
			return u.Pos == e.Pos && u.End == e.End && string(u.NewText) == string(e.NewText)
		}) {
			unique = append(unique, e)
		}
	}
	return helper, name, unique
}

func isStdSpec(spec *ast.ImportSpec) bool {
	p, err := strconv.Unquote(spec.Path.Value)
	return err == nil && isStd(p)
}
