package console

import (
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strconv"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
	"github.com/attest-dev/attest/web"
)

// document sends one piece of evidence to a staff member working on its
// case. Each opening is audited. The response is never cached, and its type
// is the one judged from the content at upload, with sniffing off.
func (c *Console) document(w http.ResponseWriter, r *http.Request) {
	me := SignedIn(r.Context())
	d, plain, err := c.Workflow.OpenDocument(r.Context(), me, r.PathValue("id"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		c.NotFound(w, r)
		return
	case errors.Is(err, workflow.ErrNotYours), errors.Is(err, workflow.ErrDocumentsOff):
		c.Refuse(w, r, me, http.StatusForbidden, web.StaffLanguage(r).Text("console.error.documents_not_yours"))
		return
	case err != nil:
		c.ServerError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(plain)))
	h.Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": d.Filename}))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if d.ContentType != "application/pdf" {
		// Images are shown sandboxed. PDFs keep the site's policy: Chromium
		// refuses to render a PDF under a sandbox policy.
		h.Set("Content-Security-Policy", "sandbox; default-src 'none'; img-src 'self'")
	}
	if _, err := w.Write(plain); err != nil {
		c.Log.DebugContext(r.Context(), "send document", slog.Any("err", err))
	}
}

type documentReviewsPage struct {
	Staff   *store.Staff
	Mailbox bool
	Waiting []*verification.Verification
	Notice  string
	// Names are the freelancers' display names, by id.
	Names map[string]string
}

// documentReviews lists the cases whose documents wait for an agent.
func (c *Console) documentReviews(w http.ResponseWriter, r *http.Request) {
	list, err := c.Store.DocumentReviews(r.Context(), 200)
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	notice := web.StaffNotice(r, "document_reviews")
	ids := make([]string, len(list))
	for i, v := range list {
		ids[i] = v.FreelancerID
	}
	names, err := c.Store.DisplayNames(r.Context(), ids)
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	web.RenderStaff(w, r, http.StatusOK, "document_reviews", documentReviewsPage{Staff: SignedIn(r.Context()), Mailbox: c.Mailbox,
		Waiting: list, Notice: notice, Names: names})
}

// documentReview shows one case's documents and claims for an agent to
// record an outcome per claim and a decision, without a call.
func (c *Console) documentReview(w http.ResponseWriter, r *http.Request) {
	c.renderDocumentReview(w, r, documentForm{}, http.StatusOK)
}

// documentForm is what a reader chose on the document review form. A form
// that comes back with a problem keeps every choice and note, each problem
// beside the part of the form it concerns.
type documentForm struct {
	Steps    map[string]string // step → result
	Outcomes map[string]string // claim → outcome
	Notes    map[string]string // claim → note
	Decision string
	Reason   string
	Note     string
	// Problems are by the part of the form they concern: "form" (the page
	// as a whole), "steps", "claim:<key>", "decision", "reason", "note".
	Problems map[string]string
}

// documentSteps are the questions about the documents the form asks.
var documentSteps = []string{verification.StepIdentityDocument, verification.StepDocumentsAuthentic}

// readDocumentForm reads the form for the case's claims.
func readDocumentForm(r *http.Request, v *verification.Verification) documentForm {
	f := documentForm{Steps: map[string]string{}, Outcomes: map[string]string{}, Notes: map[string]string{},
		Decision: r.PostFormValue("decision"), Reason: r.PostFormValue("reason_code"), Note: r.PostFormValue("note")}
	for _, step := range documentSteps {
		if result := r.PostFormValue("step-" + step); result != "" {
			f.Steps[step] = result
		}
	}
	for _, key := range v.Claims {
		f.Outcomes[key], f.Notes[key] = r.PostFormValue("outcome-"+key), r.PostFormValue("note-"+key)
	}
	return f
}

// reading is the form as the domain's decision on the documents: an
// outcome for each claim given one, with its note.
func (f documentForm) reading(v *verification.Verification) workflow.DocumentsDecision {
	d := workflow.DocumentsDecision{Steps: f.Steps, Decision: verification.Decision(f.Decision), Note: f.Note}
	if d.Decision == verification.DecideNotVerified {
		d.ReasonCode = f.Reason
	}
	for _, key := range v.Claims {
		if o := f.Outcomes[key]; o != "" {
			d.Outcomes = append(d.Outcomes, verification.ClaimOutcome{Key: key, Outcome: verification.Outcome(o), Note: f.Notes[key]})
		}
	}
	return d
}

// problem places a problem beside the part of the form it concerns.
func (f *documentForm) problem(part, text string) {
	if f.Problems == nil {
		f.Problems = map[string]string{}
	}
	f.Problems[part] = text
}

// formPart is the part of the form a refused field belongs to.
func formPart(field string) string {
	if key := claimOf(field); key != "" {
		return "claim:" + key
	}
	switch field {
	case "decision", "note":
		return field
	case "reason_code":
		return "reason"
	case "step", "result":
		return "steps"
	case "steps":
		return "decision" // what verified still needs: beside the decision
	}
	return "form"
}

func (c *Console) renderDocumentReview(w http.ResponseWriter, r *http.Request, form documentForm, status int) {
	v, err := c.Store.Verification(r.Context(), r.PathValue("id"))
	if !c.Found(w, r, err) {
		return
	}
	if v.Status != verification.InReview {
		http.Redirect(w, r, "/agent/document-reviews?notice=gone", http.StatusSeeOther)
		return
	}
	page := reviewPage{Form: form, Reasons: verification.DocumentReasons(), Error: form.Problems["form"]}
	if page.Error == "" && len(form.Problems) > 0 {
		page.Error = web.StaffLanguage(r).Text("console.error.nothing_recorded")
	}
	c.renderCase(w, r, "document_review", page, status)
}

func (c *Console) decideDocuments(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		var form documentForm
		form.problem("form", web.StaffLanguage(r).Text("console.error.form"))
		c.renderDocumentReview(w, r, form, http.StatusBadRequest)
		return
	}
	v, err := c.Store.Verification(r.Context(), r.PathValue("id"))
	if !c.Found(w, r, err) {
		return
	}
	form := readDocumentForm(r, v)
	reading := form.reading(v)
	err = c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := c.Workflow.DecideDocuments(r.Context(), tx, SignedIn(r.Context()).ID, v.ID, reading)
		return err
	})
	var rule *verification.RuleError
	var field *verification.FieldError
	switch {
	case err == nil:
		http.Redirect(w, r, "/agent/document-reviews?notice="+string(reading.Decision), http.StatusSeeOther)
	case errors.Is(err, workflow.ErrNotDocumentReview):
		http.Redirect(w, r, "/agent/document-reviews?notice=gone", http.StatusSeeOther)
	case errors.Is(err, workflow.ErrOwnDecision):
		form.problem("form", web.StaffLanguage(r).Text("document_review.you_took_part_this"))
		c.renderDocumentReview(w, r, form, http.StatusUnprocessableEntity)
	case errors.As(err, &rule):
		form.problem(formPart(rule.Field), Refusal(web.StaffLanguage(r), rule, c.claimLabeller(r)))
		c.renderDocumentReview(w, r, form, http.StatusUnprocessableEntity)
	case errors.As(err, &field):
		form.problem(formPart(field.Field), FieldProblem(web.StaffLanguage(r), field, c.claimLabeller(r)))
		c.renderDocumentReview(w, r, form, http.StatusBadRequest)
	default:
		c.ServerError(w, r, err)
	}
}
