package admin

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/console"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
	"github.com/attest-dev/attest/web"
)

// The policy page: grace, restriction names, reminders, the appeal window,
// retention and the methods offered, for admins.

type policyPage struct {
	Staff   *store.Staff
	Mailbox bool
	Notice  string
	// Form holds the settings as written: the stored ones, or what was sent
	// when it was refused.
	Form policyForm
	// Errors maps a field's name to what is wrong with it.
	Errors    map[string]string
	UpdatedAt time.Time
	UpdatedBy string
	// MaxGraceDays is the service's bound on grace, set at start.
	MaxGraceDays int
}

type policyForm struct {
	GraceDays, Restrictions, DeadlineReminders, CallReminders    string
	AppealWindowDays, DocumentsDays, PersonalDataDays, AuditDays string
	Methods                                                      []verification.Method
	IssueCredentials                                             bool
}

// policyField is one text field of the form, with its bounds in words.
type policyField struct{ Name, Label, Hint, Value, Error string }

// Field describes the named text field for the template.
func (p policyPage) Field(name string) policyField {
	days := func(d time.Duration) int { return int(d / verification.Day) }
	kept := days(verification.MaxRetentionKept)
	f := policyField{Name: name, Error: p.Errors[name]}
	switch name {
	case "grace_days":
		f.Label, f.Value = "Grace (days)", p.Form.GraceDays
		f.Hint = fmt.Sprintf("The least time a freelancer has before anything is restricted: %d to %d days. The deadline is later when the first free call slot is, and a request may ask for its own grace.", verification.MinGraceDays, p.MaxGraceDays)
	case "restrictions":
		f.Label, f.Value = "Restriction names", p.Form.Restrictions
		f.Hint = fmt.Sprintf("What the standing lists while a freelancer is restricted, for the marketplace to enforce: 1 to %d names separated by commas, each 1 to 64 of a-z, 0-9 and _ . : -. A change shows at once in the standing of everyone restricted, and each of them gets a standing.changed event with the new names: tell the marketplace's engineers first, so that they enforce the new names.", verification.MaxRestrictions)
	case "deadline_reminders":
		f.Label, f.Value = "Reminders before a deadline", p.Form.DeadlineReminders
		f.Hint = fmt.Sprintf("How long before the deadline the freelancer is emailed, like 72h, 24h: at most %d, each from 1h to 336h (14 days); empty for none.", verification.MaxReminders)
	case "call_reminders":
		f.Label, f.Value = "Reminders before a booked call", p.Form.CallReminders
		f.Hint = fmt.Sprintf("How long before a booked call the freelancer is emailed, like 24h, 1h: at most %d, each from 1h to 336h; empty for none.", verification.MaxReminders)
	case "appeal_window_days":
		f.Label, f.Value = "Appeal window (days)", p.Form.AppealWindowDays
		f.Hint = fmt.Sprintf("How long after a confirmed negative decision the freelancer may appeal: %d to %d days. Each decision keeps the window it was made with.", days(verification.MinAppealWindow), days(verification.MaxAppealWindow))
	case "retention_documents_days":
		f.Label, f.Value = "Documents: days after the decision", p.Form.DocumentsDays
		f.Hint = fmt.Sprintf("Uploaded evidence is deleted this long after its case is decided (an open appeal keeps it): %d to %d days.", days(verification.MinDocumentsKept), kept)
	case "retention_personal_data_days":
		f.Label, f.Value = "Personal data: days after closing", p.Form.PersonalDataDays
		f.Hint = fmt.Sprintf("Reasons, notes, appeal statements and emails are redacted or removed this long after a case closes: %d to %d days.", days(verification.MinPersonalKept), kept)
	case "retention_audit_days":
		f.Label, f.Value = "Audit log: days kept", p.Form.AuditDays
		f.Hint = fmt.Sprintf("Audit entries older than this are removed, the chain kept verifiable from an anchor: %d to %d days.", days(verification.MinAuditKept), kept)
	}
	return f
}

// AllMethods lists the methods for the checkboxes.
func (policyPage) AllMethods() []verification.Method { return verification.Methods }

// Allows reports whether the form ticks method m.
func (p policyPage) Allows(m verification.Method) bool { return slices.Contains(p.Form.Methods, m) }

func formOf(p verification.Policy) policyForm {
	days := func(d time.Duration) string { return strconv.Itoa(int(d / verification.Day)) }
	return policyForm{
		GraceDays:         strconv.Itoa(p.GraceDays),
		Restrictions:      strings.Join(p.Restrictions, ", "),
		DeadlineReminders: verification.FormatDurations(p.DeadlineReminders),
		CallReminders:     verification.FormatDurations(p.CallReminders),
		AppealWindowDays:  days(p.AppealWindow),
		DocumentsDays:     days(p.Retention.Documents),
		PersonalDataDays:  days(p.Retention.PersonalData),
		AuditDays:         days(p.Retention.Audit),
		Methods:           slices.Clone(p.Methods),
		IssueCredentials:  p.IssueCredentials,
	}
}

func (c *Admin) policy(w http.ResponseWriter, r *http.Request) {
	notice := web.StaffNotice(r, "policy")
	c.renderPolicy(w, r, http.StatusOK, policyPage{Notice: notice})
}

// renderPolicy shows the page; a page without a form shows the stored policy.
func (c *Admin) renderPolicy(w http.ResponseWriter, r *http.Request, status int, page policyPage) {
	stored, err := c.Workflow.StoredPolicy(r.Context())
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	page.Staff, page.Mailbox = console.SignedIn(r.Context()), c.Mailbox
	page.UpdatedAt, page.UpdatedBy = stored.UpdatedAt, stored.UpdatedBy
	if page.Errors == nil {
		page.Form = formOf(stored.Policy)
	}
	page.MaxGraceDays = stored.Policy.MaxGraceDays
	w.Header().Set("Cache-Control", "no-store")
	web.RenderStaff(w, r, status, "admin_policy", page)
}

func (c *Admin) savePolicy(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		c.renderPolicy(w, r, http.StatusBadRequest, policyPage{Errors: map[string]string{"form": web.StaffLanguage(r).Text("console.error.form")}})
		return
	}
	form := policyForm{
		GraceDays: r.PostForm.Get("grace_days"), Restrictions: r.PostForm.Get("restrictions"),
		DeadlineReminders: r.PostForm.Get("deadline_reminders"), CallReminders: r.PostForm.Get("call_reminders"),
		AppealWindowDays: r.PostForm.Get("appeal_window_days"), DocumentsDays: r.PostForm.Get("retention_documents_days"),
		PersonalDataDays: r.PostForm.Get("retention_personal_data_days"), AuditDays: r.PostForm.Get("retention_audit_days"),
		IssueCredentials: r.PostForm.Get("issue_credentials") == "on",
	}
	for _, m := range r.PostForm["methods"] {
		form.Methods = append(form.Methods, verification.Method(m))
	}
	current, err := c.Workflow.StoredPolicy(r.Context())
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	p, errs := parsePolicy(form, current.Policy)
	if len(errs) == 0 {
		err = c.Store.InTx(r.Context(), func(tx *store.Tx) error {
			return c.Workflow.SetPolicy(r.Context(), tx, console.StaffActor(r), p)
		})
		var invalid *workflow.InvalidPolicyError
		if errors.As(err, &invalid) {
			errs, err = invalid.Fields, nil
		}
		if err != nil {
			c.serverError(w, r, err)
			return
		}
	}
	if len(errs) > 0 {
		page := policyPage{Form: form, Errors: map[string]string{}}
		for _, e := range errs {
			page.Errors[e.Field] = e.Message
		}
		c.renderPolicy(w, r, http.StatusUnprocessableEntity, page)
		return
	}
	http.Redirect(w, r, "/admin/policy?notice=saved", http.StatusSeeOther)
}

// parsePolicy reads the form over base (which keeps what the page does not
// edit) and checks it, returning every field's problem at once.
func parsePolicy(f policyForm, base verification.Policy) (verification.Policy, []*verification.FieldError) {
	p := base
	var errs []*verification.FieldError
	whole := func(field, s string, dst *int) bool {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			errs = append(errs, &verification.FieldError{Field: field, Code: "invalid", Message: "must be a whole number of days"})
			return false
		}
		*dst = n
		return true
	}
	days := func(field, s string, dst *time.Duration) {
		var n int
		if whole(field, s, &n) {
			*dst = time.Duration(n) * verification.Day
		}
	}
	whole("grace_days", f.GraceDays, &p.GraceDays)
	p.Restrictions = splitList(f.Restrictions)
	p.Methods = f.Methods
	p.IssueCredentials = f.IssueCredentials
	var bad *verification.FieldError
	if p.DeadlineReminders, bad = verification.ParseDurations("deadline_reminders", f.DeadlineReminders); bad != nil {
		errs = append(errs, bad)
	}
	if p.CallReminders, bad = verification.ParseDurations("call_reminders", f.CallReminders); bad != nil {
		errs = append(errs, bad)
	}
	days("appeal_window_days", f.AppealWindowDays, &p.AppealWindow)
	days("retention_documents_days", f.DocumentsDays, &p.Retention.Documents)
	days("retention_personal_data_days", f.PersonalDataDays, &p.Retention.PersonalData)
	days("retention_audit_days", f.AuditDays, &p.Retention.Audit)
	// A field that did not parse keeps its old value, so Check finds only
	// the other fields' problems.
	for _, e := range p.Check() {
		if !slices.ContainsFunc(errs, func(have *verification.FieldError) bool { return have.Field == e.Field }) {
			errs = append(errs, e)
		}
	}
	return p, errs
}

// splitList reads names separated by commas, spaces or lines.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}
