package portal

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/web"
)

// noticeText are the catalog keys of the short messages a redirect can ask
// the page to show.
var noticeText = map[string]string{
	"left":                   "notice.left",
	"no-agents":              "notice.no_agents",
	"not-open":               "notice.not_open",
	"booked":                 "notice.booked",
	"moved":                  "notice.moved",
	"slot-taken":             "notice.slot_taken",
	"pick-slot":              "notice.pick_slot",
	"booking-canceled":       "notice.booking_canceled",
	"appealed":               "notice.appealed",
	"appeal-empty":           "notice.appeal_empty",
	"appeal-closed":          "notice.appeal_closed",
	"audio-only":             "notice.audio_only",
	"video-call":             "notice.video_call",
	"accommodation-refused":  "notice.accommodation_refused",
	"accommodation-too-long": "notice.accommodation_too_long",
	"document-added":         "notice.document_added",
	"document-removed":       "notice.document_removed",
	"document-gone":          "notice.document_gone",
	"document-missing":       "notice.document_missing",
	"document-empty":         "notice.document_empty",
	"document-too-large":     "notice.document_too_large",
	"document-type":          "notice.document_type",
	"document-claim":         "notice.document_claim",
	"document-claim-asked":   "notice.document_claim_asked",
	"document-too-many":      "notice.document_too_many",
	"documents-off":          "notice.documents_off",
	"documents-sent":         "notice.documents_sent",
	"documents-not-now":      "notice.documents_not_now",
	"documents-first":        "notice.documents_first",
}

// joinQueue puts the freelancer in the live queue. It is a plain form post,
// so it works before any script has loaded.
func (p *Portal) joinQueue(w http.ResponseWriter, r *http.Request) {
	f, ok := p.checked(w, r)
	if !ok {
		return
	}
	err := p.Store.InTx(r.Context(), func(tx *store.Tx) error {
		_, err := p.Workflow.JoinQueue(r.Context(), tx, f.ID)
		return err
	})
	var rule *verification.RuleError
	var illegal *verification.IllegalTransitionError
	switch {
	case errors.As(err, &illegal) && illegal.From == verification.AwaitingDocuments:
		p.redirect(w, r, "documents-first")
		return
	case errors.As(err, &rule), errors.As(err, &illegal):
		p.redirect(w, r, "not-open")
		return
	case err != nil:
		p.serverError(w, r, err)
		return
	}
	p.Calls.Nudge()
	http.Redirect(w, r, "/v/"+r.PathValue("token"), http.StatusSeeOther)
}

func (p *Portal) leaveQueue(w http.ResponseWriter, r *http.Request) {
	f, ok := p.checked(w, r)
	if !ok {
		return
	}
	err := p.Store.InTx(r.Context(), func(tx *store.Tx) error {
		return p.Workflow.LeaveQueue(r.Context(), tx, "freelancer:"+f.ID, f.ID)
	})
	var rule *verification.RuleError
	if err != nil && !errors.As(err, &rule) {
		p.serverError(w, r, err)
		return
	}
	p.Calls.Nudge()
	http.Redirect(w, r, "/v/"+r.PathValue("token")+"?notice=left", http.StatusSeeOther)
}

// signal is the freelancer's signaling WebSocket.
func (p *Portal) signal(w http.ResponseWriter, r *http.Request) {
	f, prob, status := p.freelancer(r)
	if status == http.StatusInternalServerError {
		p.serverError(w, r, errors.New("portal link check failed"))
		return
	}
	if prob != nil {
		// A script cannot read why a socket was refused, and the page
		// that opened it already said whether the link works.
		http.Error(w, "this link does not open a call", http.StatusForbidden)
		return
	}
	p.Calls.ServeFreelancer(w, r, f)
}

// checked is the freelancer behind a valid link, or renders why not.
func (p *Portal) checked(w http.ResponseWriter, r *http.Request) (*verification.Freelancer, bool) {
	f, prob, status := p.freelancer(r)
	if status == http.StatusInternalServerError {
		p.serverError(w, r, errors.New("portal link check failed"))
		return nil, false
	}
	if prob != nil {
		web.RenderIn(w, status, browserCatalog(r), "portal_error", prob)
		return nil, false
	}
	return f, true
}

// serverError says sorry in the browser's language: the page may not know
// whose it is. It logs the route, not the path: the path holds the token.
func (p *Portal) serverError(w http.ResponseWriter, r *http.Request, err error) {
	p.Log.ErrorContext(r.Context(), "portal", slog.String("route", r.Pattern), slog.Any("err", err))
	web.RenderIn(w, http.StatusInternalServerError, browserCatalog(r), "portal_error", doFailed)
}

// callScript is what the freelancer is asked in their call, in their
// language, as the agent reads it out: what they agree to, and whether a
// live check follows. The challenges themselves are not on the page: each
// comes over the call's socket when the agent shows it
// (workflow.ShowChallenge), so that nobody sees them in time to prepare.
type callScript struct {
	Consent   template.HTML
	LiveCheck bool
}

// script reads the live call of the case and words its script in c's
// language; nil when the case is not in a call.
func (p *Portal) script(ctx context.Context, c *i18n.Catalog, v *verification.Verification) (*callScript, error) {
	live, err := p.Store.LiveCall(ctx, v.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	mode := v.Mode()
	return &callScript{Consent: c.Consent(string(mode)),
		LiveCheck: len(verification.CallChallenges(mode, live.ID, live.Challenges)) > 0}, nil
}
