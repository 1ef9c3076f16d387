package console

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/i18n"
)

// refusalCodes are the codes of every verification.RuleError the code
// under internal/ can return, read from its source: RuleError literals
// whose Code is a string, a constant, or the parameter of a helper that
// builds one (webhook's urlRule), with the helper's calls read in turn.
func refusalCodes(t *testing.T) []string {
	t.Helper()
	type file struct {
		pkg string
		f   *ast.File
	}
	var files []file
	consts := map[string]string{} // "pkg.Name" → value
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		files = append(files, file{f.Name.Name, f})
		for _, decl := range f.Decls {
			if gen, ok := decl.(*ast.GenDecl); ok && gen.Tok == token.CONST {
				for _, spec := range gen.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, name := range vs.Names {
						if i < len(vs.Values) {
							if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
								consts[f.Name.Name+"."+name.Name], _ = strconv.Unquote(lit.Value)
							}
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	value := func(pkg string, e ast.Expr) (string, bool) {
		switch e := e.(type) {
		case *ast.BasicLit:
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		case *ast.Ident:
			s, ok := consts[pkg+"."+e.Name]
			return s, ok
		case *ast.SelectorExpr:
			if x, ok := e.X.(*ast.Ident); ok {
				s, ok := consts[x.Name+"."+e.Sel.Name]
				return s, ok
			}
		}
		return "", false
	}
	var codes []string
	helpers := map[string]int{} // a function building a RuleError from its parameter → the parameter's place
	for _, f := range files {
		for _, decl := range f.f.Decls {
			fn, _ := decl.(*ast.FuncDecl) // nil for a declaration outside a function: var ErrX = &RuleError{…}
			ast.Inspect(decl, func(n ast.Node) bool {
				lit, ok := n.(*ast.CompositeLit)
				if !ok || !isRuleError(lit.Type) {
					return true
				}
				for _, e := range lit.Elts {
					kv, ok := e.(*ast.KeyValueExpr)
					if !ok || kv.Key.(*ast.Ident).Name != "Code" {
						continue
					}
					if s, ok := value(f.pkg, kv.Value); ok {
						codes = append(codes, s)
					} else if i := paramIndex(fn, kv.Value); i >= 0 {
						helpers[fn.Name.Name] = i
					} else {
						t.Errorf("%s: a RuleError's code is neither a string, a constant nor a parameter: read it here", f.f.Name.Name)
					}
				}
				return true
			})
		}
	}
	for _, f := range files {
		ast.Inspect(f.f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			id, ok := call.Fun.(*ast.Ident)
			if !ok {
				return true
			}
			if i, helper := helpers[id.Name]; helper && i < len(call.Args) {
				if s, ok := value(f.pkg, call.Args[i]); ok {
					codes = append(codes, s)
				}
			}
			return true
		})
	}
	slices.Sort(codes)
	return slices.Compact(codes)
}

func isRuleError(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name == "RuleError"
	case *ast.SelectorExpr:
		return e.Sel.Name == "RuleError"
	}
	return false
}

// paramIndex is the place of the parameter e names in fn, or -1.
func paramIndex(fn *ast.FuncDecl, e ast.Expr) int {
	id, ok := e.(*ast.Ident)
	if !ok || fn == nil {
		return -1
	}
	i := 0
	for _, field := range fn.Type.Params.List {
		for _, name := range field.Names {
			if name.Name == id.Name {
				return i
			}
			i++
		}
	}
	return -1
}

// Every rule the domain can refuse a change by has its staff sentence in
// every staff language ("refusal.<code>"), so no page shows a rule's
// message, which is written for developers and the API, in English.
func TestEveryRefusalCodeHasWords(t *testing.T) {
	codes := refusalCodes(t)
	if len(codes) < 30 {
		t.Fatalf("found only %d refusal codes: the walk is broken (%v)", len(codes), codes)
	}
	for _, lang := range i18n.StaffAll() {
		for _, code := range codes {
			if !lang.Has("refusal." + code) {
				t.Errorf("the refusal %q has no staff sentence in %s: add \"refusal.%s\" to the staff catalogs", code, lang.Tag, code)
			}
		}
	}
}

// Every problem the hours workflow can find with a field has its staff
// sentence ("hours.problem.<field>.<code>", or "hours.problem.<code>" for
// every field), read from internal/workflow/hours.go's FieldErrors.
func TestEveryHoursProblemHasWords(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../workflow/hours.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.CompositeLit)
		if !ok {
			return true
		}
		if sel, ok := lit.Type.(*ast.SelectorExpr); !ok || sel.Sel.Name != "FieldError" {
			return true
		}
		parts := map[string]string{}
		for _, e := range lit.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok {
				if v, ok := kv.Value.(*ast.BasicLit); ok {
					parts[kv.Key.(*ast.Ident).Name], _ = strconv.Unquote(v.Value)
				}
			}
		}
		found++
		for _, lang := range i18n.StaffAll() {
			if !lang.Has("hours.problem."+parts["Field"]+"."+parts["Code"]) && !lang.Has("hours.problem."+parts["Code"]) {
				t.Errorf("the hours problem %s %q has no staff sentence in %s", parts["Field"], parts["Code"], lang.Tag)
			}
		}
		return true
	})
	if found < 4 {
		t.Fatalf("found only %d problems in workflow/hours.go: the walk is broken", found)
	}
}
