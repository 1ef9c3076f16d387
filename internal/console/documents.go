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
		c.Refuse(w, r, me, http.StatusForbidden, "Only the staff working on this verification may open its documents.")
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
}

// documentReviews lists the cases whose documents wait for an agent.
func (c *Console) documentReviews(w http.ResponseWriter, r *http.Request) {
	list, err := c.Store.DocumentReviews(r.Context(), 200)
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	notice := map[string]string{
		"verified":     "Verified: the freelancer is told.",
		"not_verified": "Not verified: the case waits for a second reviewer. Nothing is restricted until then.",
		"gone":         "That case no longer waits for a document review.",
	}[r.URL.Query().Get("notice")]
	web.Render(w, http.StatusOK, "document_reviews", documentReviewsPage{Staff: SignedIn(r.Context()), Mailbox: c.Mailbox,
		Waiting: list, Notice: notice})
}

// documentReview shows one case's documents and claims for an agent to
// record an outcome per claim and a decision, without a call.
func (c *Console) documentReview(w http.ResponseWriter, r *http.Request) {
	c.renderDocumentReview(w, r, "", http.StatusOK)
}

func (c *Console) renderDocumentReview(w http.ResponseWriter, r *http.Request, problem string, status int) {
	v, err := c.Store.Verification(r.Context(), r.PathValue("id"))
	if !c.Found(w, r, err) {
		return
	}
	if v.Status != verification.InReview {
		http.Redirect(w, r, "/agent/document-reviews?notice=gone", http.StatusSeeOther)
		return
	}
	c.renderCase(w, r, "document_review", nil, problem, status)
}

func (c *Console) decideDocuments(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		c.renderDocumentReview(w, r, "The form could not be read; please try again.", http.StatusBadRequest)
		return
	}
	v, err := c.Store.Verification(r.Context(), r.PathValue("id"))
	if !c.Found(w, r, err) {
		return
	}
	var outcomes []verification.ClaimOutcome
	for _, key := range v.Claims {
		if o := r.PostFormValue("outcome-" + key); o != "" {
			outcomes = append(outcomes, verification.ClaimOutcome{Key: key, Outcome: verification.Outcome(o), Note: r.PostFormValue("note-" + key)})
		}
	}
	d := verification.Decision(r.PostFormValue("decision"))
	steps := map[string]string{}
	for _, step := range []string{verification.StepIdentityDocument, verification.StepDocumentsAuthentic} {
		if result := r.PostFormValue("step-" + step); result != "" {
			steps[step] = result
		}
	}
	err = c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := c.Workflow.DecideDocuments(r.Context(), tx, SignedIn(r.Context()).ID, v.ID, workflow.DocumentsDecision{
			Outcomes: outcomes, Steps: steps, Decision: d, ReasonCode: r.PostFormValue("reason_code"), Note: r.PostFormValue("note")})
		return err
	})
	var rule *verification.RuleError
	var field *verification.FieldError
	switch {
	case errors.Is(err, workflow.ErrOwnDecision):
		c.renderDocumentReview(w, r, "You took part in this case, so someone else must read its documents.", http.StatusUnprocessableEntity)
	case errors.Is(err, workflow.ErrNotDocumentReview):
		http.Redirect(w, r, "/agent/document-reviews?notice=gone", http.StatusSeeOther)
	case errors.As(err, &rule):
		c.renderDocumentReview(w, r, Refusal(rule, c.claimLabeller(r)), http.StatusUnprocessableEntity)
	case errors.As(err, &field):
		c.renderDocumentReview(w, r, field.Field+": "+field.Message, http.StatusBadRequest)
	case err != nil:
		c.ServerError(w, r, err)
	default:
		http.Redirect(w, r, "/agent/document-reviews?notice="+string(d), http.StatusSeeOther)
	}
}
