package raspvet

import (
	"go/ast"
	"go/token"
	"path"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
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
