package execguard

import (
	"fmt"

	"mvdan.cc/sh/v3/syntax"
)

// walk traverses a syntax tree exactly as [syntax.Walk] does: the same
// nodes in the same order, f(nil) after each node's children, comments
// that follow a statement, case item or array element visited after it.
// It exists because syntax.Walk defers those trailing comments, and a
// function with a deferred call in a loop pays the runtime's defer
// bookkeeping on every one of the thousands of calls a check makes.
// TestWalkMatchesSyntaxWalk and FuzzWalk hold it to syntax.Walk.
func walk(node syntax.Node, f func(syntax.Node) bool) {
	if !f(node) {
		return
	}
	var trailing []syntax.Comment // visited after f(nil)
	switch node := node.(type) {
	case *syntax.File:
		walkStmts(node.Stmts, f)
		walkComments(node.Last, f)
	case *syntax.Comment:
	case *syntax.Stmt:
		for i, c := range node.Comments {
			if !node.End().After(c.Pos()) {
				trailing = node.Comments[i : i+1]
				break
			}
			walk(&c, f)
		}
		if node.Cmd != nil {
			walk(node.Cmd, f)
		}
		for _, r := range node.Redirs {
			walk(r, f)
		}
	case *syntax.Assign:
		if node.Name != nil {
			walk(node.Name, f)
		}
		if node.Value != nil {
			walk(node.Value, f)
		}
		if node.Index != nil {
			walk(node.Index, f)
		}
		if node.Array != nil {
			walk(node.Array, f)
		}
	case *syntax.Redirect:
		if node.N != nil {
			walk(node.N, f)
		}
		walk(node.Word, f)
		if node.Hdoc != nil {
			walk(node.Hdoc, f)
		}
	case *syntax.CallExpr:
		for _, a := range node.Assigns {
			walk(a, f)
		}
		walkWords(node.Args, f)
	case *syntax.Subshell:
		walkStmts(node.Stmts, f)
		walkComments(node.Last, f)
	case *syntax.Block:
		walkStmts(node.Stmts, f)
		walkComments(node.Last, f)
	case *syntax.IfClause:
		walkStmts(node.Cond, f)
		walkComments(node.CondLast, f)
		walkStmts(node.Then, f)
		walkComments(node.ThenLast, f)
		walkComments(node.Last, f)
		if node.Else != nil {
			walk(node.Else, f)
		}
	case *syntax.WhileClause:
		walkStmts(node.Cond, f)
		walkComments(node.CondLast, f)
		walkStmts(node.Do, f)
		walkComments(node.DoLast, f)
	case *syntax.ForClause:
		walk(node.Loop, f)
		walkStmts(node.Do, f)
		walkComments(node.DoLast, f)
	case *syntax.WordIter:
		walk(node.Name, f)
		walkWords(node.Items, f)
	case *syntax.CStyleLoop:
		if node.Init != nil {
			walk(node.Init, f)
		}
		if node.Cond != nil {
			walk(node.Cond, f)
		}
		if node.Post != nil {
			walk(node.Post, f)
		}
	case *syntax.BinaryCmd:
		walk(node.X, f)
		walk(node.Y, f)
	case *syntax.FuncDecl:
		if node.Name != nil {
			walk(node.Name, f)
		}
		for _, n := range node.Names {
			walk(n, f)
		}
		walk(node.Body, f)
	case *syntax.Word:
		for _, p := range node.Parts {
			walk(p, f)
		}
	case *syntax.Lit:
	case *syntax.SglQuoted:
	case *syntax.DblQuoted:
		for _, p := range node.Parts {
			walk(p, f)
		}
	case *syntax.CmdSubst:
		walkStmts(node.Stmts, f)
		walkComments(node.Last, f)
	case *syntax.ParamExp:
		if node.Flags != nil {
			walk(node.Flags, f)
		}
		if node.Param != nil {
			walk(node.Param, f)
		}
		if node.NestedParam != nil {
			walk(node.NestedParam, f)
		}
		if node.Index != nil {
			walk(node.Index, f)
		}
		if node.Slice != nil {
			if node.Slice.Offset != nil {
				walk(node.Slice.Offset, f)
			}
			if node.Slice.Length != nil {
				walk(node.Slice.Length, f)
			}
		}
		if node.Repl != nil {
			if node.Repl.Orig != nil {
				walk(node.Repl.Orig, f)
			}
			if node.Repl.With != nil {
				walk(node.Repl.With, f)
			}
		}
		if node.Exp != nil && node.Exp.Word != nil {
			walk(node.Exp.Word, f)
		}
	case *syntax.ArithmExp:
		walk(node.X, f)
	case *syntax.ArithmCmd:
		walk(node.X, f)
	case *syntax.BinaryArithm:
		walk(node.X, f)
		walk(node.Y, f)
	case *syntax.BinaryTest:
		walk(node.X, f)
		walk(node.Y, f)
	case *syntax.UnaryArithm:
		walk(node.X, f)
	case *syntax.UnaryTest:
		walk(node.X, f)
	case *syntax.ParenArithm:
		walk(node.X, f)
	case *syntax.FlagsArithm:
		walk(node.Flags, f)
		if node.X != nil {
			walk(node.X, f)
		}
	case *syntax.ParenTest:
		walk(node.X, f)
	case *syntax.CaseClause:
		walk(node.Word, f)
		for _, it := range node.Items {
			walk(it, f)
		}
		walkComments(node.Last, f)
	case *syntax.CaseItem:
		for i, c := range node.Comments {
			if c.Pos().After(node.Pos()) {
				trailing = node.Comments[i : i+1]
				break
			}
			walk(&c, f)
		}
		walkWords(node.Patterns, f)
		walkStmts(node.Stmts, f)
		walkComments(node.Last, f)
	case *syntax.TestClause:
		walk(node.X, f)
	case *syntax.DeclClause:
		for _, a := range node.Args {
			walk(a, f)
		}
	case *syntax.ArrayExpr:
		for _, e := range node.Elems {
			walk(e, f)
		}
		walkComments(node.Last, f)
	case *syntax.ArrayElem:
		for i, c := range node.Comments {
			if c.Pos().After(node.Pos()) {
				trailing = node.Comments[i : i+1]
				break
			}
			walk(&c, f)
		}
		if node.Index != nil {
			walk(node.Index, f)
		}
		if node.Value != nil {
			walk(node.Value, f)
		}
	case *syntax.ExtGlob:
		walk(node.Pattern, f)
	case *syntax.ProcSubst:
		walkStmts(node.Stmts, f)
		walkComments(node.Last, f)
	case *syntax.TimeClause:
		if node.Stmt != nil {
			walk(node.Stmt, f)
		}
	case *syntax.CoprocClause:
		if node.Name != nil {
			walk(node.Name, f)
		}
		walk(node.Stmt, f)
	case *syntax.LetClause:
		for _, e := range node.Exprs {
			walk(e, f)
		}
	case *syntax.TestDecl:
		walk(node.Description, f)
		walk(node.Body, f)
	default:
		panic(fmt.Sprintf("execguard: unexpected node type %T", node))
	}
	f(nil)
	// syntax.Walk defers a walk of the first trailing comment only: the
	// loop breaks after deferring it, and later ones are not visited.
	for i := range trailing {
		walk(&trailing[i], f)
	}
}

func walkStmts(list []*syntax.Stmt, f func(syntax.Node) bool) {
	for _, s := range list {
		walk(s, f)
	}
}

func walkWords(list []*syntax.Word, f func(syntax.Node) bool) {
	for _, w := range list {
		walk(w, f)
	}
}

func walkComments(list []syntax.Comment, f func(syntax.Node) bool) {
	for i := range list {
		walk(&list[i], f)
	}
}
