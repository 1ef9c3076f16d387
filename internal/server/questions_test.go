package server_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
)

// questionsOf reads one kind's stored questions, in order.
func questionsOf(t *testing.T, s *server.Server, kind verification.ClaimKind) []*store.QuestionTemplate {
	t.Helper()
	list, err := s.Store.QuestionTemplates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []*store.QuestionTemplate
	for _, q := range list {
		if q.Kind == kind {
			out = append(out, q)
		}
	}
	return out
}

// Admins add, reword, reorder and delete question templates; questions
// about the person are refused, every kind keeps one, and each change is
// audited.
func TestAdminQuestions(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t)})
	admin := signedInAs(t, s, base, "admin@example.com", store.RoleAdmin)
	agent := signedInAs(t, s, base, "agent@example.com", store.RoleAgent)
	page(t, agent, base+"/admin/questions", http.StatusForbidden)
	if res, _ := post(t, agent, base+"/admin/questions", url.Values{"kind": {"other"}, "text": {"Anything?"}}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("an agent adding a question: %d", res.StatusCode)
	}
	body := page(t, admin, base+"/admin/questions", 200)
	if !strings.Contains(body, "Which city do you usually work from?") || !strings.Contains(body, `href="/admin/questions" aria-current="page"`) {
		t.Fatalf("the questions page:\n%.1500s", body)
	}

	// Add: it goes last among its kind's.
	added := "Which of your projects does this part of the profile describe?"
	res, body := post(t, admin, base+"/admin/questions", url.Values{"kind": {"other"}, "text": {"  " + added + " "}})
	other := questionsOf(t, s, verification.KindOther)
	if res.StatusCode != 200 || !strings.Contains(body, "The question is added") || len(other) != 2 || other[1].Text != added {
		t.Fatalf("adding: %d, stored %+v\n%.800s", res.StatusCode, other, body)
	}
	id := other[1].ID

	// The guard refuses questions about the person, new or edited, and the
	// page keeps the wording to rewrite.
	res, body = post(t, admin, base+"/admin/questions", url.Values{"kind": {"other"}, "text": {"How old are you?"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "This mentions age") ||
		!strings.Contains(body, `value="How old are you?"`) || len(questionsOf(t, s, verification.KindOther)) != 2 {
		t.Fatalf("a question about age: %d\n%.2000s", res.StatusCode, body)
	}
	res, body = post(t, admin, base+"/admin/questions/"+id+"/edit", url.Values{"text": {"Are you pregnant?"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "never about the person") ||
		questionsOf(t, s, verification.KindOther)[1].Text != added {
		t.Fatalf("an edit about pregnancy: %d\n%.800s", res.StatusCode, body)
	}
	for _, bad := range []url.Values{{"kind": {"appearance"}, "text": {"Fine?"}}, {"kind": {"other"}, "text": {"  "}}} {
		if res, _ := post(t, admin, base+"/admin/questions", bad); res.StatusCode != http.StatusBadRequest {
			t.Errorf("adding %v: %d, want 400", bad, res.StatusCode)
		}
	}

	// Edit, then move up (and up again at the top, which changes nothing).
	edited := "Which project does this part of your profile describe?"
	if res, _ := post(t, admin, base+"/admin/questions/"+id+"/edit", url.Values{"text": {edited}}); res.StatusCode != 200 {
		t.Fatalf("editing: %d", res.StatusCode)
	}
	for range 2 {
		if res, _ := post(t, admin, base+"/admin/questions/"+id+"/up", nil); res.StatusCode != 200 {
			t.Fatalf("moving up: %d", res.StatusCode)
		}
	}
	other = questionsOf(t, s, verification.KindOther)
	if len(other) != 2 || other[0].ID != id || other[0].Text != edited || other[0].UpdatedByName != "admin" {
		t.Fatalf("after editing and moving up: %+v %+v", other[0], other[1])
	}
	if res, _ := post(t, admin, base+"/admin/questions/"+other[1].ID+"/up", nil); res.StatusCode != 200 {
		t.Fatalf("moving the other one up: %d", res.StatusCode)
	}
	if other = questionsOf(t, s, verification.KindOther); other[1].ID != id {
		t.Fatalf("moving the built-in one back up left %q first", other[0].Text)
	}

	// Delete, but never a kind's last question.
	if res, _ := post(t, admin, base+"/admin/questions/"+other[0].ID+"/delete", nil); res.StatusCode != 200 {
		t.Fatalf("deleting: %d", res.StatusCode)
	}
	res, body = post(t, admin, base+"/admin/questions/"+id+"/delete", nil)
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, "only question") || len(questionsOf(t, s, verification.KindOther)) != 1 {
		t.Fatalf("deleting the last question: %d\n%.800s", res.StatusCode, body)
	}
	for _, target := range []string{"/admin/questions/qst_none/edit", "/admin/questions/" + id + "/rename"} {
		if res, _ := post(t, admin, base+target, url.Values{"text": {"Where?"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", target, res.StatusCode)
		}
	}

	entries, err := s.Store.AuditEntries(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		if strings.HasPrefix(e.Action, "question.") {
			actions = append(actions, e.Action)
		}
	}
	slices.Reverse(actions) // entries come newest first
	want := []string{"question.add", "question.edit", "question.move_up", "question.move_up", "question.delete"}
	if !slices.Equal(actions, want) {
		t.Errorf("audited %q, want %q", actions, want)
	}
}

// The call script suggests the stored questions: an added one shows, a
// deleted one is gone.
func TestCallViewUsesStoredQuestions(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t)})
	admin := signedInAs(t, s, base, "admin@example.com", store.RoleAdmin)
	added := "Which of your projects does this part of the profile describe?"
	post(t, admin, base+"/admin/questions", url.Values{"kind": {"other"}, "text": {added}})
	post(t, admin, base+"/admin/questions/qst_builtin_other_1/delete", nil)

	// Rahul's location claim has no kind: it gets the general questions.
	opened := seedCase(t, s, "u-960")
	token := strings.TrimPrefix(opened.Link.URL, base)
	agent := signedInAs(t, s, base, "sam@example.com", store.RoleAgent)
	postForm(t, agent, base+"/agent/presence", url.Values{"status": {"online"}}, "")
	postForm(t, http.DefaultClient, base+token+"/queue", url.Values{}, "")
	postForm(t, agent, base+"/agent/take", url.Values{}, "")
	body := page(t, agent, base+"/agent", 200)
	if !strings.Contains(body, `id="step-claims"`) || !strings.Contains(body, "<li>"+added+"</li>") ||
		strings.Contains(body, "Could you tell me a little more") {
		t.Fatalf("the call view's questions:\n%.3000s", body)
	}
}
