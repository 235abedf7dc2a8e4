package archtest

import (
	"go/ast"
	"strings"
	"testing"
)

// Length limits: a handler parses, calls one use case and answers; any other function longer
// than maxFunc says why in its doc comment (a sentence holding "long because").
const (
	maxHandler = 60
	maxFunc    = 120
)

// debt lists the functions over their limit today, with the length they may not grow beyond
// and who shortens them. A function that is back under its limit is reported so its entry is
// deleted; a function over its limit that is not listed fails.
var debt = map[string]struct {
	lines int
	owner string
}{}

// isHandler reports whether fn takes a *gin.Context: an HTTP handler or a helper of one.
func isHandler(fn *ast.FuncDecl) bool {
	for _, p := range fn.Type.Params.List {
		if star, ok := p.Type.(*ast.StarExpr); ok {
			if sel, ok := star.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "Context" {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "gin" {
					return true
				}
			}
		}
	}
	return false
}

// TestFunctionLength fails when a handler (a function taking *gin.Context) is over maxHandler
// lines, or another function over maxFunc lines gives no reason in its doc comment.
func TestFunctionLength(t *testing.T) {
	seen := map[string]bool{}
	for _, f := range sources(t) {
		for _, d := range f.file.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			n := f.fset.Position(fn.End()).Line - f.fset.Position(fn.Pos()).Line + 1
			limit, what := maxFunc, "function"
			if isHandler(fn) {
				limit, what = maxHandler, "handler"
			} else if fn.Doc != nil && strings.Contains(strings.ToLower(fn.Doc.Text()), "long because") {
				continue
			}
			if n <= limit {
				continue
			}
			key := f.path + ":" + fn.Name.Name
			if d, ok := debt[key]; ok {
				seen[key] = true
				if n > d.lines {
					t.Errorf("%s grew to %d lines (listed at %d, %s to shorten)", key, n, d.lines, d.owner)
				}
				continue
			}
			t.Errorf("%s %s is %d lines, over %d: split it (a handler parses, calls one use case, answers)", what, key, n, limit)
		}
	}
	for key, d := range debt {
		if !seen[key] {
			t.Logf("%s is within its limit now: delete its debt entry (%s)", key, d.owner)
		}
	}
}
