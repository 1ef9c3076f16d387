package console

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/credential"
	"github.com/attest-dev/attest/internal/fairness"
	"github.com/attest-dev/attest/internal/guard"
	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/web"
)

// Every code staff can see has its own words: a new status, outcome,
// reason or step without words fails here.
func TestEveryCodeHasWords(t *testing.T) {
	codes := map[string][]string{
		"outcome":       {""},
		"accommodation": {string(verification.AudioOnly), string(verification.DocumentReview), ""},
		"decision": {string(verification.DecideVerified), string(verification.DecideNotVerified),
			string(verification.DecideNeedsDocuments), string(verification.DecideNewCall)},
		"reason": append([]string{verification.ReasonOverdue}, verification.NegativeReasons...),
		"step": {verification.StepConsent, verification.StepIdentity, verification.StepIdentityDocument,
			verification.StepDocumentsAuthentic, verification.StepIdentityCredential},
		"transport":         {credential.SameDevice, credential.CrossDevice},
		"credential_result": {"verified", "mismatch", "refused", ""},
		"challenge":         verification.ChallengeKeys(),
		"result":            {"given", "refused", "matched", "not_matched", "yes", "no", "done", "failed"},
		"booking": {string(store.BookingBooked), string(store.BookingCanceled), string(store.BookingAttended),
			string(store.BookingMissed)},
		"appeal":   {string(store.AppealOpen), string(store.AppealUpheld), string(store.AppealRejected)},
		"endpoint": {string(store.EndpointEnabled), string(store.EndpointDisabled)},
		"delivery": {string(store.DeliveryPending), string(store.DeliveryDelivered), string(store.DeliveryFailed),
			string(store.DeliveryCanceled), string(store.DeliverySkipped)},
		"role":           {string(store.RoleAgent), string(store.RoleSupervisor), string(store.RoleAdmin)},
		"guard_category": guard.Categories,
	}
	for _, c := range credential.Codes {
		codes["credential_refusal"] = append(codes["credential_refusal"], string(c))
	}
	for _, s := range verification.Statuses {
		codes["status"] = append(codes["status"], string(s))
	}
	for _, mode := range []verification.Mode{verification.ModeVideo, verification.ModeAudio, verification.ModeDocuments, verification.ModeCredential} {
		for _, req := range verification.RequiredSteps(mode, nil) {
			codes["needed"] = append(codes["needed"], req.Name)
		}
	}
	for _, c := range append(i18n.All(), i18n.StaffAll()...) {
		codes["language"] = append(codes["language"], c.Tag)
	}
	for _, o := range verification.Outcomes {
		codes["outcome"] = append(codes["outcome"], string(o))
	}
	for _, m := range verification.Methods {
		codes["method"] = append(codes["method"], string(m))
	}
	codes["action"] = auditActions(t)
	for _, s := range verification.Statuses {
		codes["action"] = append(codes["action"], "verification."+string(s))
	}
	for _, p := range []store.Presence{store.Online, store.Away} {
		codes["action"] = append(codes["action"], "agent."+string(p))
	}
	for _, k := range verification.ClaimKinds {
		codes["claim_kind"] = append(codes["claim_kind"], string(k))
	}
	breakdowns := fairness.Analyze(nil, 0.05).Breakdowns
	if len(breakdowns) == 0 {
		t.Fatal("fairness.Analyze lists no breakdowns to word")
	}
	for _, b := range breakdowns {
		codes["fairness_title"] = append(codes["fairness_title"], b.Name)
		codes["fairness_note"] = append(codes["fairness_note"], b.Name)
	}
	for _, lang := range i18n.StaffAll() {
		for kind, list := range codes {
			for _, code := range list {
				if !lang.Has("word."+kind+"."+code) && (kind != "action" || strings.Contains(web.Word(lang, kind, code), ".")) {
					t.Errorf("the %s %q has no staff words in %s (internal/i18n/catalogs/staff)", kind, code, lang.Tag)
				}
			}
		}
	}
	en, pt := i18n.StaffEnglish, i18n.StaffMatch("pt-BR")
	if got, want := web.Word(en, "step", "challenge_tilt_id"), "Live check: tilt the ID"; got != want {
		t.Errorf(`Word("step", "challenge_tilt_id") = %q, want %q`, got, want)
	}
	if got, want := web.Word(pt, "step", "challenge_tilt_id"), "Verificação ao vivo: inclinar o documento"; got != want {
		t.Errorf(`Word(pt-BR, "step", "challenge_tilt_id") = %q, want %q`, got, want)
	}
	label := func(key string) string { return map[string]string{"location": "Location"}[key] }
	if got, want := NeededList(en, []string{"consent", "identity", "live check: read_phrase", "claim: location"}, label),
		"Consent, ID matching the legal name, Live check: read a phrase aloud, Location"; got != want {
		t.Errorf("NeededList = %q, want %q", got, want)
	}
}

func TestRefusalSpeaksToStaff(t *testing.T) {
	pt := i18n.StaffMatch("pt-BR")
	label := func(key string) string { return map[string]string{"location": "Location"}[key] }
	tests := []struct {
		rule *verification.RuleError
		want string
	}{
		{&verification.RuleError{Field: "confirmations.location", Code: "confirmation_missing", Message: `say what confirms "location"`},
			"Say what confirms “Location”, or ask for a new call."},
		{&verification.RuleError{Field: "documents_for[0]", Code: "claim_confirmed", Message: `"location" is confirmed already`},
			"That claim is confirmed already: documents are not needed for it."},
		{&verification.RuleError{Field: "steps", Code: verification.ErrStepsMissing, Message: "verified needs every step; still missing: claim: location"},
			"Verified needs every step passed and every claim confirmed first."},
		{&verification.RuleError{Field: "x", Code: "something_new", Message: "a new rule"}, "A new rule."},
		{&verification.RuleError{Field: "steps", Code: verification.ErrStepsMissing, Missing: []string{"identity", "claim: location"},
			Message: `verified needs every claim confirmed; "location" is unable`},
			"Verified needs first: ID matching the legal name, Location."},
		{&verification.RuleError{Field: "outcomes.location", Code: "outcome_missing", Message: `record an outcome for "location"`},
			"Record an outcome for “Location”: documents were asked for it."},
	}
	for _, tt := range tests {
		if got := Refusal(i18n.StaffEnglish, tt.rule, label); got != tt.want {
			t.Errorf("Refusal(%s) = %q, want %q", tt.rule.Code, got, tt.want)
		}
	}
	fields := []struct {
		field *verification.FieldError
		want  string
	}{
		{&verification.FieldError{Field: "reason_code", Code: "required", Message: "not verified needs one of the reason codes"},
			"Choose the reason for “Not verified”."},
		{&verification.FieldError{Field: "outcomes.location.note", Code: "too_long", Message: "at most 1000 characters"},
			"The note on “Location” is too long: at most 1000 characters."},
		{&verification.FieldError{Field: "documents_for[1]", Code: "duplicate", Message: `"location" appears twice`},
			"Choose the claims documents are needed for."},
	}
	for _, tt := range fields {
		if got := FieldProblem(i18n.StaffEnglish, tt.field, label); got != tt.want {
			t.Errorf("FieldProblem(%s) = %q, want %q", tt.field.Field, got, tt.want)
		}
	}
	illegal := &verification.IllegalTransitionError{From: verification.AwaitingFreelancer, To: verification.Verified}
	if got := TransitionProblem(i18n.StaffEnglish, illegal); strings.Contains(got, "_") || !strings.Contains(got, "“Waiting for the freelancer”") {
		t.Errorf("TransitionProblem = %q, want the statuses in words", got)
	}
	if got, want := Refusal(pt, tests[0].rule, label), "Diga o que confirma “Location”, ou peça uma nova chamada."; got != want {
		t.Errorf("Refusal(pt-BR) = %q, want %q", got, want)
	}
	if got := TransitionProblem(pt, illegal); !strings.Contains(got, "“Aguardando o freelancer”") {
		t.Errorf("TransitionProblem(pt-BR) = %q, want the statuses in Portuguese words", got)
	}

	// The guard's refusal names what the note mentions, in the staff's words.
	var rule *verification.RuleError
	if err := guard.CheckNote("note", "She said she is pregnant."); !errors.As(err, &rule) {
		t.Fatalf("the guard let a note about a pregnancy through: %v", err)
	}
	for _, tt := range []struct {
		lang *i18n.Catalog
		want string
	}{
		{i18n.StaffEnglish, "This mentions pregnancy (“pregnant”). Write about the claim"},
		{pt, "Isto menciona gravidez (“pregnant”). Escreva só sobre"},
	} {
		if got := Refusal(tt.lang, rule, nil); !strings.HasPrefix(got, tt.want) {
			t.Errorf("Refusal(%s, the guard's) = %q, want it to start %q", tt.lang.Tag, got, tt.want)
		}
	}
}

// auditActions are the string constants of internal/audit/actions.go: every
// action the audit log records by name.
func auditActions(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../audit/actions.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil {
				actions = append(actions, s)
			}
		}
		return true
	})
	if len(actions) < 50 {
		t.Fatalf("found %d audit actions in internal/audit/actions.go, want them all", len(actions))
	}
	return actions
}

// The fairness page reads groups whose keys are codes in words, locales
// and countries by their names in the reader's language, and the
// marketplace's reason codes (its data) as they are.
func TestFairnessGroupsInWords(t *testing.T) {
	pt := i18n.StaffMatch("pt-BR")
	tests := []struct {
		lang                  *i18n.Catalog
		dim, key, label, want string
	}{
		{i18n.StaffEnglish, "claim_kind", "skill", "skill", "Skill"},
		{i18n.StaffEnglish, "method", "audio_call", "audio only", "Audio only"},
		{i18n.StaffEnglish, "phone_handoff", "moved_to_phone", "moved to a phone", "Moved to a phone"},
		{i18n.StaffEnglish, "locale", "pt-BR", "pt-BR", "Brazilian Portuguese"},
		{pt, "locale", "en-IN", "en-IN", "Inglês (Índia)"},
		{i18n.StaffEnglish, "locale", "xx-Invalid!", "xx-Invalid!", "xx-Invalid!"},
		{i18n.StaffEnglish, "country", "IN", "IN", "India"},
		{pt, "country", "DE", "DE", "Alemanha"},
		{i18n.StaffEnglish, "country", "(unknown country)", "(unknown country)", "Unknown"},
		{i18n.StaffEnglish, "timezone_region", "Asia", "Asia", "Asia"},
		{pt, "timezone_region", "Asia", "Asia", "Ásia"},
		{pt, "timezone_region", "UTC", "UTC", "UTC"},
		{pt, "case_reason", "location_mismatch", "location_mismatch", "location_mismatch"},
	}
	for _, tt := range tests {
		if got := web.Group(tt.lang, tt.dim, tt.key, tt.label); got != tt.want {
			t.Errorf("Group(%s, %q, %q) = %q, want %q", tt.lang.Tag, tt.dim, tt.key, got, tt.want)
		}
	}
}
