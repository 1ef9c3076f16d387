package admin

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/webhook"
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

// An endpoint's disabled reason and a skipped delivery's reason read in
// the staff's language, people by name; a reason this version never wrote
// shows as stored.
func TestWebhookReasonsInWords(t *testing.T) {
	pt := i18n.StaffMatch("pt-BR")
	names := map[string]string{"staff:stf_1": "Ana (Administrador)"}
	since := time.Date(2026, 12, 5, 14, 30, 0, 0, time.UTC)
	failing := webhook.Reason{FailingSince: since, Last: "HTTP 503"}.String()
	byHand := webhook.Reason{By: "staff:stf_1"}.String()
	skipped := webhook.SkippedReason(&store.WebhookEndpoint{DisabledReason: byHand})
	for _, tt := range []struct{ got, want string }{
		{disabledWords(pt, byHand, names), "desativado por Ana (Administrador)"},
		{disabledWords(pt, failing, names), "todas as tentativas falharam desde 5 de dez. de 2026, 14:30 UTC; a última: HTTP 503"},
		{disabledWords(i18n.StaffEnglish, failing, names), "every attempt failed since 5 Dec 2026, 14:30 UTC; the last: HTTP 503"},
		{skippedWords(pt, skipped, names), "o endpoint estava desativado: desativado por Ana (Administrador)"},
		{skippedWords(pt, webhook.SkippedReason(&store.WebhookEndpoint{}), names), "o endpoint estava desativado"},
		{disabledWords(pt, "paused by staff:stf_1 for maintenance", names), "paused by Ana (Administrador) for maintenance"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// Where the audit chain broke reads in the staff's language, for every way
// it can break (audit.BrokenCodes).
func TestAuditBreaksInWords(t *testing.T) {
	pt := i18n.StaffMatch("pt-BR")
	for _, code := range audit.BrokenCodes {
		for _, lang := range i18n.StaffAll() {
			if !lang.Has("admin_audit.broken." + code) {
				t.Errorf("the audit break %q has no sentence in %s", code, lang.Tag)
			}
		}
	}
	for _, tt := range []struct {
		broken *audit.BrokenError
		want   string
	}{
		{&audit.BrokenError{Seq: 7, Code: audit.BrokenMissing, Other: 9, Reason: "entry missing (next present is 9)"}, "o registro 7 está faltando (o próximo presente é o 9)."},
		{&audit.BrokenError{Seq: 41, Code: audit.BrokenTruncated, Other: 44, Reason: "log ends at entry 40 but 44 were written"}, "o log termina no registro 40, mas 44 foram escritos."},
	} {
		if got := brokenWords(pt, fmt.Errorf("verify: %w", tt.broken)); got != tt.want {
			t.Errorf("brokenWords(%s) = %q, want %q", tt.broken.Code, got, tt.want)
		}
	}
}
