package portal

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/web"
)

// reasons is a statement of reasons (DESIGN 4) worded for the freelancer
// in their language and time zone: why, what was not confirmed, what is
// paused since when, and what they can do next by when.
type reasons struct {
	Reason string
	Claims []finding
	// Restrictions are the names the marketplace enforces, as it names
	// them; empty when nothing is paused (an upheld appeal).
	Restrictions string
	Since        string
	// AppealUntil is set while an appeal is a next step; Next is the step
	// an overdue case waits for: book_call or send_documents.
	AppealUntil string
	Next        string
}

// finding is a claim not confirmed and what was found about it.
type finding struct {
	Label, Value, Outcome string
}

// wordReasons words a statement for c, reading times in loc and the
// claims' values from the profile f.
func wordReasons(c *i18n.Catalog, st *verification.Statement, f *verification.Freelancer, loc *time.Location) *reasons {
	if st == nil {
		return nil
	}
	r := &reasons{Reason: word(c, "reason."+st.ReasonCode, st.Reason), Restrictions: c.Restrictions(st.Restrictions)}
	for _, cf := range st.Claims {
		fd := finding{Label: cf.Label, Outcome: word(c, "outcome."+cf.Outcome, strings.ReplaceAll(cf.Outcome, "_", " "))}
		if claim, ok := f.Claim(cf.Key); ok {
			fd.Value = claim.Value
		}
		r.Claims = append(r.Claims, fd)
	}
	if st.RestrictedSince != nil {
		r.Since = longDate(c, *st.RestrictedSince, loc)
	}
	for _, step := range st.NextSteps {
		switch {
		case step.Action == "appeal" && step.Until != nil:
			r.AppealUntil = longDate(c, *step.Until, loc)
		case step.Action == "book_call" || step.Action == "send_documents":
			r.Next = step.Action
		}
	}
	return r
}

// word is the catalog's message for key, or fallback (the English words
// the statement carries) for a code the catalogs do not know yet.
func word(c *i18n.Catalog, key, fallback string) string {
	if !i18n.English.Has(key) {
		return fallback
	}
	return c.Text(key)
}

// longDate is a time as the portal's pages write it, in loc.
func longDate(c *i18n.Catalog, t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return c.Date("date.long", t, web.ZoneName(t))
}

// requested is a claim a call asked documents for, and how many of the
// freelancer's documents are for it so far.
type requested struct {
	Key, Label, Value string
	Attached          int
}

// requestedClaims lists the claims v asks documents for, in the order the
// agent named them, with the documents given for each.
func requestedClaims(v *verification.Verification, f *verification.Freelancer, docs []*store.Document) []requested {
	var list []requested
	for _, key := range v.DocumentsFor {
		r := requested{Key: key, Label: key}
		if c, ok := f.Claim(key); ok {
			r.Label, r.Value = c.Label, c.Value
		}
		for _, d := range docs {
			if d.ClaimKey == key {
				r.Attached++
			}
		}
		list = append(list, r)
	}
	return list
}

// missingLabels names the requested claims that have no document yet.
func missingLabels(list []requested) string {
	var names []string
	for _, r := range list {
		if r.Attached == 0 {
			names = append(names, r.Label)
		}
	}
	return strings.Join(names, ", ")
}

// firstMissing is the claim the upload form offers first: the first one
// still without a document, else the first one asked for.
func firstMissing(list []requested) string {
	for _, r := range list {
		if r.Attached == 0 {
			return r.Key
		}
	}
	if len(list) > 0 {
		return list[0].Key
	}
	return ""
}

// statementOf is the statement of reasons of v worded for f, or nil when
// there is none or it cannot be read (the page then says less, never
// something untrue: callers treat nil as "no details").
func (p *Portal) statementOf(ctx context.Context, c *i18n.Catalog, f *verification.Freelancer, v *verification.Verification) *reasons {
	st, err := p.Workflow.Statement(ctx, p.Store, v)
	if err != nil {
		p.Log.ErrorContext(ctx, "portal statement of reasons", slog.Any("err", err))
		return nil
	}
	return wordReasons(c, st, f, f.Location())
}
