package portal

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/web"
)

// noticeText are the short messages a redirect can ask the page to show.
var noticeText = map[string]string{
	"left":                   "You left the queue. Nothing is lost: join again whenever you are ready.",
	"no-agents":              "Nobody is free to take a call right now, so you were not added to the queue.",
	"not-open":               "There is no verification waiting for you.",
	"booked":                 "Your call is booked. We emailed you the details and a calendar invitation.",
	"slot-taken":             "Someone took that time a moment before you. Please pick another.",
	"pick-slot":              "Please pick a time first.",
	"booking-canceled":       "Your booked call is canceled. You can book another time or join the queue.",
	"appealed":               "Your appeal is sent. A supervisor who had no part in the decision will look at it, and we will email you.",
	"appeal-empty":           "Please say, in a few words, why you think the decision is wrong.",
	"appeal-closed":          "This decision can no longer be appealed.",
	"audio-only":             "Noted: your call will be audio only. The person you talk to sees this before the call.",
	"video-call":             "Noted: a video call it is.",
	"accommodation-refused":  "That could not be arranged for this verification.",
	"accommodation-too-long": "Please keep the note to the agent under 500 characters.",
	"document-added":         "Your document is saved, encrypted. Only the people working on your verification can open it.",
	"document-removed":       "The document is removed.",
	"document-gone":          "That document was already removed.",
	"document-missing":       "Please choose a file first.",
	"document-empty":         "That file is empty. Please choose another.",
	"document-too-large":     "That file is larger than 10 MB. A photo or scan at a lower resolution will do.",
	"document-type":          "Only PDF, JPEG and PNG files can be accepted. Other files, even renamed, are refused.",
	"document-claim":         "Please pick one of the listed items, or leave the choice empty.",
	"document-too-many":      "You have given 10 documents, the most one verification takes. Remove one to add another.",
	"documents-off":          "Documents cannot be accepted here.",
	"documents-sent":         "Your documents are sent for review. We email you the result.",
	"documents-not-now":      "Please leave the queue or cancel your booked call first; then your documents can be reviewed instead.",
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
	if errors.As(err, &rule) {
		http.Redirect(w, r, "/v/"+r.PathValue("token")+"?notice=not-open", http.StatusSeeOther)
		return
	}
	if err != nil {
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
	if prob != nil || status != 0 {
		http.Error(w, "this link does not open a call", max(status, http.StatusForbidden))
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
		web.Render(w, status, "portal_error", prob)
		return nil, false
	}
	return f, true
}

func (p *Portal) serverError(w http.ResponseWriter, r *http.Request, err error) {
	p.Log.ErrorContext(r.Context(), "portal", slog.String("path", r.URL.Path), slog.Any("err", err))
	web.Render(w, http.StatusInternalServerError, "portal_error", problem{"Something went wrong on our side",
		"We could not do that just now.", "Please try again in a few minutes. Nothing on your account has changed."})
}
