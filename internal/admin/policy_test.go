package admin

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/verification"
)

// policyChecks are the functions that refuse a policy field, by the family
// of fields they check (problemKind): internal/verification/policy.go's
// and this package's parsePolicy, which reads the day counts.
var policyChecks = map[string]string{
	"CheckGraceDays": "days", "checkDays": "days", "parsePolicy": "days",
	"checkRestrictions": "restrictions", "checkMethods": "methods",
	"checkReminders": "reminders", "ParseDurations": "reminders",
}

// Every code a policy check can return has a sentence in every staff
// language: the codes are read from the checks' source, so a new code, or
// a new check, without words fails here.
func TestEveryPolicyCodeHasWords(t *testing.T) {
	found := 0
	for _, path := range []string{"../verification/policy.go", "policy.go"} {
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			for _, code := range fieldErrorCodes(fn) {
				kind, ok := policyChecks[fn.Name.Name]
				if !ok {
					t.Errorf("%s: %s refuses a field with %q: add it to policyChecks, with its family", path, fn.Name.Name, code)
					continue
				}
				found++
				for _, lang := range i18n.StaffAll() {
					if key := "policy.problem." + kind + "." + code; !lang.Has(key) {
						t.Errorf("%s %q (from %s) has no sentence in %s: add %q to the staff catalogs", kind, code, fn.Name.Name, lang.Tag, key)
					}
				}
			}
		}
	}
	if found < 12 {
		t.Fatalf("found only %d codes in the policy checks: the walk is broken", found)
	}
}

// fieldErrorCodes are the codes a function's fieldErr calls and FieldError
// literals name.
func fieldErrorCodes(fn *ast.FuncDecl) []string {
	var codes []string
	add := func(e ast.Expr) {
		if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil {
				codes = append(codes, s)
			}
		}
	}
	ast.Inspect(fn, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "fieldErr" && len(n.Args) > 1 {
				add(n.Args[1])
			}
		case *ast.CompositeLit:
			if sel, ok := n.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "FieldError" {
				for _, e := range n.Elts {
					if kv, ok := e.(*ast.KeyValueExpr); ok && kv.Key.(*ast.Ident).Name == "Code" {
						add(kv.Value)
					}
				}
			}
		}
		return true
	})
	return codes
}

// The policy page says what is wrong beside each field in the staff's
// words, with the field's bounds, never in the domain's English.
func TestPolicyProblemsInWords(t *testing.T) {
	pt := i18n.StaffMatch("pt-BR")
	base := verification.DefaultPolicy()
	good := formOf(base)
	tests := []struct {
		name  string
		edit  func(f *policyForm)
		field string
		en    string
	}{
		{"grace not a number", func(f *policyForm) { f.GraceDays = "a week" }, "grace_days", "Write a whole number of days, from 1 to 90."},
		{"grace too long", func(f *policyForm) { f.GraceDays = "400" }, "grace_days", "Choose from 1 to 90 days."},
		{"no restriction", func(f *policyForm) { f.Restrictions = "" }, "restrictions", "Give 1 to 10 restriction names."},
		{"a bad name", func(f *policyForm) { f.Restrictions = "Send Proposals!" }, "restrictions", "Each name is 1 to 64 of a-z, 0-9 and _ . : - (no spaces, no capitals)."},
		{"a name twice", func(f *policyForm) { f.Restrictions = "a, a" }, "restrictions", "A name appears twice: give each once."},
		{"no method", func(f *policyForm) { f.Methods = nil }, "methods", "Allow at least one method."},
		{"an unknown method", func(f *policyForm) { f.Methods = []verification.Method{"fax"} }, "methods", "Choose among the methods listed."},
		{"a reminder not a duration", func(f *policyForm) { f.CallReminders = "tomorrow" }, "call_reminders", "Write each reminder in hours and minutes, like 72h or 1h30m, separated by commas."},
		{"a reminder too early", func(f *policyForm) { f.DeadlineReminders = "720h" }, "deadline_reminders", "Each reminder is from 1h to 336h (14 days) ahead."},
		{"retention too short", func(f *policyForm) { f.AuditDays = "1" }, "retention_audit_days", "Choose from 365 to 3650 days."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := good
			tt.edit(&form)
			_, errs := parsePolicy(form, base)
			if len(errs) != 1 || errs[0].Field != tt.field {
				t.Fatalf("refused %v, want one problem with %s", errs, tt.field)
			}
			page := policyPage{lang: i18n.StaffEnglish, MaxGraceDays: base.MaxGraceDays}
			if got := page.problem(errs[0]); got != tt.en {
				t.Errorf("%s %s: %q, want %q", tt.field, errs[0].Code, got, tt.en)
			}
			page.lang = pt
			if got := page.problem(errs[0]); got == tt.en || strings.Contains(got, errs[0].Message) || got == pt.Text("admin_policy.nothing_was_saved_please") {
				t.Errorf("%s %s in pt-BR: %q, want Portuguese words of its own", tt.field, errs[0].Code, got)
			}
		})
	}
}
