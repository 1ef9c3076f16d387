package console

import (
	"errors"
	"net/http"
	"strings"

	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
	"github.com/attest-dev/attest/web"
)

type reviewsPage struct {
	Staff   *store.Staff
	Mailbox bool
	Waiting []*verification.Verification
	// DecidesAppeals is false for agents with review rights: appeals go to
	// supervisors.
	DecidesAppeals bool
	Appeals        []*store.Appeal
	Notice         string
	// Names are the freelancers' display names, by id.
	Names map[string]string
}

// reviews lists the negative decisions waiting for a second reviewer.
func (c *Console) reviews(w http.ResponseWriter, r *http.Request) {
	list, err := c.Store.SecondReviews(r.Context(), 200)
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	me := SignedIn(r.Context())
	page := reviewsPage{Staff: me, Mailbox: c.Mailbox, Waiting: list, Notice: web.StaffNotice(r, "reviews"),
		DecidesAppeals: me.Role == store.RoleSupervisor || me.Role == store.RoleAdmin}
	if page.DecidesAppeals {
		if page.Appeals, err = c.Store.OpenAppeals(r.Context()); err != nil {
			c.ServerError(w, r, err)
			return
		}
	}
	var ids []string
	for _, v := range page.Waiting {
		ids = append(ids, v.FreelancerID)
	}
	for _, a := range page.Appeals {
		ids = append(ids, a.FreelancerID)
	}
	if page.Names, err = c.Store.DisplayNames(r.Context(), ids); err != nil {
		c.ServerError(w, r, err)
		return
	}
	web.RenderStaff(w, r, http.StatusOK, "reviews", page)
}

type reviewClaim struct {
	verification.Claim
	Outcome verification.ClaimOutcome
}

type reviewPage struct {
	Appeal    *store.Appeal
	Staff     *store.Staff
	Mailbox   bool
	Review    *workflow.Review
	Claims    []reviewClaim
	Deciders  map[string]string
	Own       bool
	Error     string
	Documents []*store.Document
	// Reasons are the reason codes a negative may give here.
	Reasons []string
	// Form is what a reader chose on the document review form.
	Form documentForm
	// Choice is what a second reviewer or an appeal's decider chose, kept
	// when the form comes back with a problem.
	Choice decisionForm
	// Credentials are the digital IDs the freelancer presented on the case.
	Credentials caseCredentials
	// lang is the staff catalog the page speaks.
	lang *i18n.Catalog
}

// ClaimLabel names one of the case's claims for people.
func (p reviewPage) ClaimLabel(key string) string {
	for _, c := range p.Claims {
		if c.Key == key {
			return c.Label
		}
	}
	return key
}

// NeededList is everything verified would still need (the entries of
// verification.Evidence.Missing) in staff words: "Consent", "Live check:
// tilt the ID", claims by their labels.
func (p reviewPage) NeededList(missing []string) string {
	return NeededList(p.lang, missing, p.ClaimLabel)
}

// review shows one case as its second reviewer needs it: the outcomes and
// notes, the decisions and reasons; no video, for there is none.
func (c *Console) review(w http.ResponseWriter, r *http.Request) {
	c.renderReview(w, r, "", http.StatusOK)
}

func (c *Console) renderReview(w http.ResponseWriter, r *http.Request, problem string, status int) {
	c.renderCase(w, r, "review", reviewPage{Error: problem}, status)
}

// decisionForm is what a second reviewer (or an appeal's decider) chose.
// A form that comes back with a problem keeps every choice and text, each
// problem beside the part it concerns.
type decisionForm struct {
	Decision      string
	Confirmations map[string]string // claim → what confirms it
	Note          string
	// Problems are by part: "form", "decision", "confirm:<key>", "note".
	Problems map[string]string
}

// readDecisionForm reads a second review's or an appeal's form.
func readDecisionForm(r *http.Request) decisionForm {
	f := decisionForm{Decision: r.PostFormValue("decision"), Note: r.PostFormValue("note"), Confirmations: map[string]string{}}
	for key, values := range r.PostForm {
		if claim, ok := strings.CutPrefix(key, "confirm-"); ok && strings.TrimSpace(values[0]) != "" {
			f.Confirmations[claim] = values[0]
		}
	}
	return f
}

// refused places a refusal beside the part of the form it concerns and
// shows the form again.
func (c *Console) refused(w http.ResponseWriter, r *http.Request, tmpl string, page reviewPage, field, text string, status int) {
	part := "form"
	switch {
	case strings.HasPrefix(field, "confirmations."):
		part = "confirm:" + strings.TrimPrefix(field, "confirmations.")
	case field == "note", field == "decision":
		part = field
	case field == "steps":
		part = "decision" // what verified still needs: beside the decision
	}
	page.Choice.Problems = map[string]string{part: text}
	page.Error = text
	if part != "form" {
		page.Error = web.StaffLanguage(r).Text("console.error.nothing_recorded")
	}
	c.renderCase(w, r, tmpl, page, status)
}

// renderCase shows a case's evidence on the review, the appeal or the
// document review page: page holds what the caller sets (the problem, the
// appeal, the form), the rest is read here.
func (c *Console) renderCase(w http.ResponseWriter, r *http.Request, tmpl string, page reviewPage, status int) {
	rv, err := c.Workflow.ReviewOf(r.Context(), r.PathValue("id"))
	if !c.Found(w, r, err) {
		return
	}
	me := SignedIn(r.Context())
	page.Staff, page.Mailbox, page.Review, page.Deciders = me, c.Mailbox, rv, map[string]string{}
	page.lang = web.StaffLanguage(r)
	if page.Reasons == nil {
		page.Reasons = verification.NegativeReasons
	}
	if page.Own, err = c.Workflow.TookPart(r.Context(), rv.Verification, me.ID); err != nil {
		c.ServerError(w, r, err)
		return
	}
	for _, d := range rv.Decisions {
		if st, err := c.Store.StaffByID(r.Context(), d.StaffID); err == nil {
			page.Deciders[d.StaffID] = st.Name
		}
	}
	for _, s := range rv.Steps {
		if id, ok := strings.CutPrefix(s.By, "staff:"); ok {
			if st, err := c.Store.StaffByID(r.Context(), id); err == nil {
				page.Deciders[s.By] = st.Name
			}
		} else {
			page.Deciders[s.By] = page.lang.Text("review.the_freelancer")
		}
	}
	f, err := c.Store.Freelancer(r.Context(), rv.Verification.FreelancerID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		c.ServerError(w, r, err)
		return
	}
	for _, key := range rv.Verification.Claims {
		rc := reviewClaim{Claim: verification.Claim{Key: key, Label: key}}
		if f != nil {
			if claim, ok := f.Claim(key); ok {
				rc.Claim = claim
			}
		}
		for _, o := range rv.Outcomes {
			if o.Key == key {
				rc.Outcome = o
			}
		}
		page.Claims = append(page.Claims, rc)
	}
	if page.Documents, err = c.Store.Documents(r.Context(), rv.Verification.ID); err != nil {
		c.ServerError(w, r, err)
		return
	}
	if page.Credentials, err = c.credentialsOf(r.Context(), rv.Verification.ID); err != nil {
		c.ServerError(w, r, err)
		return
	}
	web.RenderStaff(w, r, status, tmpl, page)
}

func (c *Console) decideReview(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		c.renderReview(w, r, web.StaffLanguage(r).Text("console.error.form"), http.StatusBadRequest)
		return
	}
	form := readDecisionForm(r)
	page := reviewPage{Choice: form}
	choice := workflow.ReviewChoice(form.Decision)
	if choice != workflow.Confirm && choice != workflow.Overturn && choice != workflow.NewCall {
		c.refused(w, r, "review", page, "decision", web.StaffLanguage(r).Text("console.error.review_choice"), http.StatusBadRequest)
		return
	}
	d := workflow.ReviewDecision{Choice: choice, Note: form.Note, Confirmations: form.Confirmations}
	var v *verification.Verification
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		v, err = c.Workflow.DecideReview(r.Context(), tx, SignedIn(r.Context()), r.PathValue("id"), d)
		return err
	})
	var rule *verification.RuleError
	var field *verification.FieldError
	var illegal *verification.IllegalTransitionError
	switch {
	case errors.As(err, &rule):
		c.refused(w, r, "review", page, rule.Field, Refusal(web.StaffLanguage(r), rule, c.claimLabeller(r)), http.StatusUnprocessableEntity)
	case errors.As(err, &field):
		c.refused(w, r, "review", page, field.Field, FieldProblem(web.StaffLanguage(r), field, c.claimLabeller(r)), http.StatusBadRequest)
	case errors.As(err, &illegal):
		c.renderReview(w, r, web.StaffLanguage(r).Text("console.error.review_gone"), http.StatusConflict)
	case err != nil:
		c.ServerError(w, r, err)
	default:
		notice := map[verification.Status]string{verification.NotVerified: "confirmed", verification.Verified: "overturned",
			verification.AwaitingFreelancer: "new_call"}[v.Status]
		http.Redirect(w, r, "/agent/reviews?notice="+notice, http.StatusSeeOther)
	}
}

// appealPage shows an appeal: the freelancer's statement beside the case as
// its second reviewer saw it.
func (c *Console) appealPage(w http.ResponseWriter, r *http.Request) {
	c.renderAppeal(w, r, "", http.StatusOK)
}

func (c *Console) renderAppeal(w http.ResponseWriter, r *http.Request, problem string, status int) {
	a, err := c.Store.Appeal(r.Context(), r.PathValue("id"))
	if !c.Found(w, r, err) {
		return
	}
	r.SetPathValue("id", a.VerificationID)
	c.renderCase(w, r, "appeal", reviewPage{Appeal: a, Error: problem}, status)
}

func (c *Console) decideAppeal(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	a, err := c.Store.Appeal(r.Context(), r.PathValue("id"))
	if !c.Found(w, r, err) {
		return
	}
	form := readDecisionForm(r)
	page := reviewPage{Appeal: a, Choice: form}
	r.SetPathValue("id", a.VerificationID)
	if form.Decision != "uphold" && form.Decision != "reject" {
		c.refused(w, r, "appeal", page, "decision", web.StaffLanguage(r).Text("console.error.appeal_choice"), http.StatusBadRequest)
		return
	}
	err = c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := c.Workflow.DecideAppeal(r.Context(), tx, SignedIn(r.Context()), a.ID, form.Decision == "uphold", form.Note)
		return err
	})
	var rule *verification.RuleError
	var field *verification.FieldError
	switch {
	case errors.As(err, &rule):
		c.refused(w, r, "appeal", page, rule.Field, Refusal(web.StaffLanguage(r), rule, c.claimLabeller(r)), http.StatusUnprocessableEntity)
	case errors.As(err, &field):
		c.refused(w, r, "appeal", page, field.Field, FieldProblem(web.StaffLanguage(r), field, c.claimLabeller(r)), http.StatusBadRequest)
	case err != nil:
		c.ServerError(w, r, err)
	default:
		notice := "rejected"
		if form.Decision == "uphold" {
			notice = "upheld"
		}
		http.Redirect(w, r, "/agent/reviews?notice="+notice, http.StatusSeeOther)
	}
}
