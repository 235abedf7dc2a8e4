package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// module is the module path of the repository.
const module = "github.com/patrolmap/patrolmap"

// goFile is one non-test Go file of the tree, parsed.
type goFile struct {
	path string // slash-separated, relative to the repository root, e.g. "api/plan.go"
	dir  string // its package directory, e.g. "api" or "app/coverage"
	fset *token.FileSet
	file *ast.File
}

// root returns the repository root: the parent of this package's directory.
func root(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(wd)
}

// sources parses every non-test Go file of the repository (not node_modules, testdata or
// hidden folders) with its comments.
func sources(t *testing.T) []goFile {
	t.Helper()
	top := root(t)
	var out []goFile
	err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != top && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(top, p)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		out = append(out, goFile{path: rel, dir: filepath.ToSlash(filepath.Dir(rel)), fset: fset, file: f})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 100 {
		t.Fatalf("found only %d Go files under %s", len(out), top)
	}
	return out
}
