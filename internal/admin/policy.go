package admin

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/console"
	"github.com/attest-dev/attest/internal/i18n"
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
	// lang is the staff catalog the page speaks: the fields' labels and
	// hints are its "policy.<field>" and "policy.<field>.hint".
	lang   *i18n.Catalog
	Notice string
	// Form holds the settings as written: the stored ones, or what was sent
	// when it was refused.
	Form policyForm
	// Errors maps a field's name to what is wrong with it, in the staff's
	// words ("form" for the form as a whole); problems are the domain's
	// refusals they are made from (see problem).
	Errors    map[string]string
	problems  []*verification.FieldError
	UpdatedAt time.Time
	// UpdatedBy names who last changed the policy, as the audit log does.
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
type policyField struct{ Name, Label, Hint, Value, Error, Code string }

// hint is a field's hint, its bounds filled in: {min} and {max}, or {max}
// alone where a field has one bound.
func (p policyPage) hint(name string, bounds ...int) string {
	if len(bounds) == 1 {
		return p.lang.Text("policy."+name+".hint", "max", bounds[0])
	}
	return p.lang.Text("policy."+name+".hint", "min", bounds[0], "max", bounds[1])
}

// problemKind is the family of a policy field's problems, for their
// sentences ("policy.problem.<kind>.<code>"): the day counts share theirs,
// as do the two reminder lists.
func problemKind(field string) string {
	switch {
	case strings.HasSuffix(field, "_days"):
		return "days"
	case strings.HasSuffix(field, "_reminders"):
		return "reminders"
	}
	return field
}

// problem is what is wrong with a field, in the staff's words: the
// sentence for the domain's code, with the field's bounds. A code without
// a sentence (TestEveryPolicyCodeHasWords fails first) reads as the form's
// general refusal, never as the domain's English.
func (p policyPage) problem(e *verification.FieldError) string {
	key := "policy.problem." + problemKind(e.Field) + "." + e.Code
	if !p.lang.Base().Has(key) {
		return p.lang.Text("admin_policy.nothing_was_saved_please")
	}
	least, most := p.bounds(e.Field)
	return p.lang.Text(key, "min", least, "max", most)
}

// bounds are a field's least and greatest values: days, or the number of
// names or reminders.
func (p policyPage) bounds(name string) (least, most int) {
	days := func(d time.Duration) int { return int(d / verification.Day) }
	switch name {
	case "grace_days":
		return verification.MinGraceDays, p.MaxGraceDays
	case "restrictions":
		return 1, verification.MaxRestrictions
	case "deadline_reminders", "call_reminders":
		return 0, verification.MaxReminders
	case "appeal_window_days":
		return days(verification.MinAppealWindow), days(verification.MaxAppealWindow)
	case "retention_documents_days":
		return days(verification.MinDocumentsKept), days(verification.MaxRetentionKept)
	case "retention_personal_data_days":
		return days(verification.MinPersonalKept), days(verification.MaxRetentionKept)
	case "retention_audit_days":
		return days(verification.MinAuditKept), days(verification.MaxRetentionKept)
	}
	return 0, 0
}

// Field describes the named text field for the template.
func (p policyPage) Field(name string) policyField {
	f := policyField{Name: name, Error: p.Errors[name], Code: p.Code(name), Label: p.lang.Text("policy." + name)}
	least, most := p.bounds(name)
	f.Hint = p.hint(name, least, most)
	switch name {
	case "grace_days":
		f.Value = p.Form.GraceDays
	case "restrictions":
		f.Value = p.Form.Restrictions
		f.Hint = p.hint(name, most)
	case "deadline_reminders":
		f.Value = p.Form.DeadlineReminders
		f.Hint = p.hint(name, most)
	case "call_reminders":
		f.Value = p.Form.CallReminders
		f.Hint = p.hint(name, most)
	case "appeal_window_days":
		f.Value = p.Form.AppealWindowDays
	case "retention_documents_days":
		f.Value = p.Form.DocumentsDays
	case "retention_personal_data_days":
		f.Value = p.Form.PersonalDataDays
	case "retention_audit_days":
		f.Value = p.Form.AuditDays
	}
	return f
}

// Code is the domain's code for what is wrong with the named field, or "".
func (p policyPage) Code(name string) string {
	for _, e := range p.problems {
		if e.Field == name {
			return e.Code
		}
	}
	return ""
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
	page.Staff, page.Mailbox, page.lang = console.SignedIn(r.Context()), c.Mailbox, web.StaffLanguage(r)
	names, err := c.staffNames(r)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	page.UpdatedAt = stored.UpdatedAt
	if stored.UpdatedBy != "" {
		page.UpdatedBy = web.Actor(page.lang, stored.UpdatedBy, names)
	}
	if page.Errors == nil {
		page.Form = formOf(stored.Policy)
	}
	page.MaxGraceDays = stored.Policy.MaxGraceDays
	for _, e := range page.problems {
		page.Errors[e.Field] = page.problem(e)
	}
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
		page := policyPage{Form: form, Errors: map[string]string{}, problems: errs}
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
