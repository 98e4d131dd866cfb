package kinds_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/facteur/facteur/deliver/kinds"
)

// Every registered kind passes the conformance suite: its package,
// deliver/<kind>, has a TestConformance that runs delivertest.Run against
// a real server where it has one. A kind registered without one fails
// here.
func TestConformance(t *testing.T) {
	for _, kind := range kinds.Builtin().Kinds() {
		dir := filepath.Join("..", kind.Name)
		if !runsConformance(t, dir) {
			t.Errorf("destination kind %q is registered but deliver/%s has no TestConformance calling delivertest.Run: add it", kind.Name, kind.Name)
		}
	}
}

// runsConformance reports whether a test file of dir declares
// TestConformance and calls delivertest.Run in it.
func runsConformance(t *testing.T, dir string) bool {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if ok && fn.Name.Name == "TestConformance" && fn.Body != nil && callsRun(fn.Body) {
				return true
			}
		}
	}
	return false
}

// callsRun reports whether body calls delivertest.Run.
func callsRun(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return !found
		}
		if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Run" {
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "delivertest" {
				found = true
			}
		}
		return !found
	})
	return found
}
