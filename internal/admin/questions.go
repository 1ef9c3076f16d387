package admin

import (
	"errors"
	"net/http"

	"github.com/attest-dev/attest/internal/console"
	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
	"github.com/attest-dev/attest/web"
)

// Question templates, for admins: what the call script suggests asking
// about each kind of claim.

type questionsPage struct {
	Staff   *store.Staff
	Mailbox bool
	Kinds   []questionKind
	Notice  string
	// Error explains a refused change; the form it came from shows the
	// wording that was sent (Form) again, to be rewritten.
	Error string
	Form  struct {
		ID   string // the question edited; empty for a new one
		Kind verification.ClaimKind
		Text string
	}
}

// questionKind is one section of the page: a kind and its questions in order.
type questionKind struct {
	Kind      verification.ClaimKind
	Label     string
	Questions []questionRow
}

// questionRow is a question with its place as the page counts it (from 1),
// for labels and for which move buttons make sense.
type questionRow struct {
	*store.QuestionTemplate
	N           int
	First, Last bool
}

// kindLabel names a kind for the page's section, in the staff's words;
// the section of "other" also holds the claims that have no kind.
func kindLabel(lang *i18n.Catalog, k verification.ClaimKind) string {
	if k == verification.KindOther {
		return lang.Text("admin_questions.kind_other")
	}
	return web.Word(lang, "claim_kind", k)
}

func (c *Admin) questions(w http.ResponseWriter, r *http.Request) {
	c.renderQuestions(w, r, http.StatusOK, questionsPage{Notice: web.StaffNotice(r, "questions")})
}

func (c *Admin) renderQuestions(w http.ResponseWriter, r *http.Request, status int, page questionsPage) {
	page.Staff, page.Mailbox = console.SignedIn(r.Context()), c.Mailbox
	list, err := c.Store.QuestionTemplates(r.Context())
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	byKind := map[verification.ClaimKind][]questionRow{}
	for _, q := range list {
		byKind[q.Kind] = append(byKind[q.Kind], questionRow{QuestionTemplate: q, N: len(byKind[q.Kind]) + 1, First: len(byKind[q.Kind]) == 0})
	}
	for _, k := range verification.ClaimKinds {
		rows := byKind[k]
		if len(rows) > 0 {
			rows[len(rows)-1].Last = true
		}
		page.Kinds = append(page.Kinds, questionKind{Kind: k, Label: kindLabel(web.StaffLanguage(r), k), Questions: rows})
	}
	web.RenderStaff(w, r, status, "admin_questions", page)
}

func (c *Admin) addQuestion(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	var page questionsPage
	if err := r.ParseForm(); err != nil {
		page.Error = web.StaffLanguage(r).Text("console.error.form")
		c.renderQuestions(w, r, http.StatusBadRequest, page)
		return
	}
	page.Form.Kind, page.Form.Text = verification.ClaimKind(r.PostForm.Get("kind")), r.PostForm.Get("text")
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := c.Workflow.AddQuestion(r.Context(), tx, console.SignedIn(r.Context()).ID, page.Form.Kind, page.Form.Text)
		return err
	})
	c.afterQuestion(w, r, err, page, "added")
}

// questionAction edits, moves or deletes one question.
func (c *Admin) questionAction(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	var page questionsPage
	if err := r.ParseForm(); err != nil {
		page.Error = web.StaffLanguage(r).Text("console.error.form")
		c.renderQuestions(w, r, http.StatusBadRequest, page)
		return
	}
	id, me := r.PathValue("id"), console.SignedIn(r.Context()).ID
	q, err := c.Store.QuestionTemplate(r.Context(), id)
	if !c.found(w, r, err) {
		return
	}
	page.Form.ID, page.Form.Kind, page.Form.Text = id, q.Kind, r.PostForm.Get("text")
	var notice string
	err = c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		switch r.PathValue("action") {
		case "edit":
			notice = "edited"
			_, err := c.Workflow.EditQuestion(r.Context(), tx, me, id, page.Form.Text)
			return err
		case "up", "down":
			notice = "moved"
			return c.Workflow.MoveQuestion(r.Context(), tx, me, id, r.PathValue("action") == "up")
		case "delete":
			notice = "deleted"
			return c.Workflow.DeleteQuestion(r.Context(), tx, me, id)
		}
		return store.ErrNotFound
	})
	c.afterQuestion(w, r, err, page, notice)
}

// afterQuestion goes back to the list after a change, or shows the list
// again with what was refused and why.
func (c *Admin) afterQuestion(w http.ResponseWriter, r *http.Request, err error, page questionsPage, notice string) {
	var field *verification.FieldError
	var rule *verification.RuleError
	switch {
	case err == nil:
		http.Redirect(w, r, "/admin/questions?notice="+notice+"#kind-"+string(page.Form.Kind), http.StatusSeeOther)
	case errors.Is(err, store.ErrNotFound):
		c.Gate.NotFound(w, r)
	case errors.As(err, &field):
		page.Error = console.FieldProblem(web.StaffLanguage(r), field, nil)
		c.renderQuestions(w, r, http.StatusBadRequest, page)
	case errors.Is(err, workflow.ErrLastQuestion):
		page.Error, page.Form.ID = console.Refusal(web.StaffLanguage(r), workflow.ErrLastQuestion, nil), ""
		c.renderQuestions(w, r, http.StatusConflict, page)
	case errors.As(err, &rule):
		page.Error = console.Refusal(web.StaffLanguage(r), rule, nil)
		c.renderQuestions(w, r, http.StatusUnprocessableEntity, page)
	default:
		c.serverError(w, r, err)
	}
}
