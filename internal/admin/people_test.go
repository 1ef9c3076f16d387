package admin

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/attest-dev/attest/internal/i18n"
)

// Every code the staff accounts refuse input with has its sentence in
// every staff language ("admin.problem.<code>"), read from
// internal/staff's InputErrors and the codes assigned to the variable one
// of them names.
func TestEveryStaffInputCodeHasWords(t *testing.T) {
	files, _ := filepath.Glob("../staff/*.go")
	var codes []string
	for _, path := range files {
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if id, ok := n.Type.(*ast.Ident); ok && id.Name == "InputError" && len(n.Elts) > 1 {
					if lit, ok := n.Elts[1].(*ast.BasicLit); ok {
						s, _ := strconv.Unquote(lit.Value)
						codes = append(codes, s)
					}
				}
			case *ast.AssignStmt: // code := "password_too_short"
				if id, ok := n.Lhs[0].(*ast.Ident); ok && id.Name == "code" {
					if lit, ok := n.Rhs[0].(*ast.BasicLit); ok {
						s, _ := strconv.Unquote(lit.Value)
						codes = append(codes, s)
					}
				}
			}
			return true
		})
	}
	if len(codes) < 6 {
		t.Fatalf("found only %d codes in internal/staff: the walk is broken (%v)", len(codes), codes)
	}
	for _, lang := range i18n.StaffAll() {
		for _, code := range codes {
			if !lang.Has("admin.problem." + code) {
				t.Errorf("the staff input code %q has no sentence in %s: add admin.problem.%s", code, lang.Tag, code)
			}
		}
	}
}
