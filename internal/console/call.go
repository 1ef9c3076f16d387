package console

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/attest-dev/attest/internal/call"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
	"github.com/attest-dev/attest/web"
)

// presence takes the agent online or away.
func (c *Console) presence(w http.ResponseWriter, r *http.Request) {
	p := store.Presence(r.PostFormValue("status"))
	if p != store.Online && p != store.Away {
		c.Refuse(w, r, SignedIn(r.Context()), http.StatusBadRequest, web.StaffLanguage(r).Text("console.error.presence"))
		return
	}
	st := SignedIn(r.Context())
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error { return c.Workflow.SetPresence(r.Context(), tx, st.ID, p) })
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	c.Calls.Nudge()
	http.Redirect(w, r, "/agent", http.StatusSeeOther)
}

// take gives the agent the next freelancer and opens the call view.
func (c *Console) take(w http.ResponseWriter, r *http.Request) {
	st := SignedIn(r.Context())
	// The live queue page's first offer, made ahead, may come with the
	// press: checked before anything is taken.
	r.Body = http.MaxBytesReader(w, r.Body, 4*call.MaxSDPBytes)
	if err := r.ParseForm(); err != nil {
		c.Refuse(w, r, st, http.StatusBadRequest, web.StaffLanguage(r).Text("console.error.form"))
		return
	}
	var offer *call.SessionDescription
	if sdp := r.PostFormValue("offer"); sdp != "" {
		var err error
		if offer, err = call.TakeOffer(sdp); err != nil {
			c.Refuse(w, r, st, http.StatusBadRequest, web.StaffLanguage(r).Text("console.error.offer"))
			return
		}
	}
	var taken *workflow.Taken
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		taken, err = c.Workflow.TakeNext(r.Context(), tx, st.ID)
		return err
	})
	if errors.Is(err, workflow.ErrQueueEmpty) {
		http.Redirect(w, r, "/agent?notice=empty", http.StatusSeeOther)
		return
	}
	if err != nil && !errors.Is(err, workflow.ErrBusy) {
		c.ServerError(w, r, err)
		return
	}
	if taken == nil {
		http.Redirect(w, r, "/agent", http.StatusSeeOther)
		return
	}
	// The live queue page that pressed names its socket (session): seated
	// in the call now, it moves into the call in place (console.js), and
	// the redirect says so. The call is committed: the freelancer is told
	// even if the agent's browser gives up on this request meanwhile.
	session := r.PostFormValue("session")
	seated := c.Calls.CallStarted(context.WithoutCancel(r.Context()), taken, session, offer)
	c.Calls.Nudge()
	if seated {
		http.Redirect(w, r, "/agent?seated="+url.QueryEscape(session), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/agent", http.StatusSeeOther)
}

// jsonError answers the console's scripts with the API's error envelope.
func jsonError(w http.ResponseWriter, status int, code, field, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "field": field, "message": message}})
}

// decodeJSON reads a small JSON body from the console's scripts.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		jsonError(w, http.StatusBadRequest, "malformed_json", "", "the request could not be read: "+err.Error())
		return false
	}
	return true
}

// answer maps workflow errors to the envelope, or sends ok.
func (c *Console) answer(w http.ResponseWriter, r *http.Request, err error, ok any) {
	var (
		field   *verification.FieldError
		rule    *verification.RuleError
		illegal *verification.IllegalTransitionError
	)
	switch {
	case err == nil:
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(ok)
	case errors.As(err, &field):
		jsonError(w, http.StatusBadRequest, field.Code, field.Field, FieldProblem(web.StaffLanguage(r), field, c.claimLabeller(r)))
	case errors.As(err, &rule):
		jsonError(w, http.StatusUnprocessableEntity, rule.Code, rule.Field, Refusal(web.StaffLanguage(r), rule, c.claimLabeller(r)))
	case errors.As(err, &illegal):
		jsonError(w, http.StatusConflict, "illegal_transition", "status", TransitionProblem(web.StaffLanguage(r), illegal))
	case errors.Is(err, store.ErrNotFound):
		jsonError(w, http.StatusNotFound, "not_found", "", web.StaffLanguage(r).Text("console.error.call_over"))
	default:
		c.Log.ErrorContext(r.Context(), "console call action", slog.String("path", r.URL.Path), slog.Any("err", err))
		jsonError(w, http.StatusInternalServerError, "internal", "", web.StaffLanguage(r).Text("console.error.internal_unchanged"))
	}
}

type outcomeBody struct {
	Claim   string               `json:"claim"`
	Outcome verification.Outcome `json:"outcome"`
	Note    string               `json:"note"`
}

// recorded answers a step or an outcome with what verified still needs:
// Missing as the domain names it, Needed in staff words.
type recorded struct {
	Step    *verification.StepRecord   `json:"step,omitempty"`
	Outcome *verification.ClaimOutcome `json:"outcome,omitempty"`
	Missing []string                   `json:"missing"`
	Needed  []string                   `json:"needed"`
}

func (c *Console) outcome(w http.ResponseWriter, r *http.Request) {
	var in outcomeBody
	if !decodeJSON(w, r, &in) {
		return
	}
	st := SignedIn(r.Context())
	o := verification.ClaimOutcome{Key: in.Claim, Outcome: in.Outcome, Note: in.Note}
	out := recorded{Outcome: &o}
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		if err := c.Workflow.RecordOutcome(r.Context(), tx, st.ID, r.PathValue("id"), o); err != nil {
			return err
		}
		return c.missing(r, tx, &out)
	})
	c.answer(w, r, err, out)
}

type stepBody struct {
	Step   string `json:"step"`
	Result string `json:"result"`
}

// step records one step of the script (consent, identity, a challenge).
func (c *Console) step(w http.ResponseWriter, r *http.Request) {
	var in stepBody
	if !decodeJSON(w, r, &in) {
		return
	}
	st := SignedIn(r.Context())
	var out recorded
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		if out.Step, err = c.Workflow.RecordStep(r.Context(), tx, st.ID, r.PathValue("id"), in.Step, in.Result); err != nil {
			return err
		}
		return c.missing(r, tx, &out)
	})
	c.answer(w, r, err, out)
}

// shownAnswer tells the console that a challenge is on the freelancer's
// page, or will be when it connects (delivered false).
type shownAnswer struct {
	Challenge string    `json:"challenge"`
	ShownAt   time.Time `json:"shown_at"`
	Delivered bool      `json:"delivered"`
}

// showChallenge shows one challenge of the live check on the freelancer's
// page: until the agent asks, their page holds none of them.
func (c *Console) showChallenge(w http.ResponseWriter, r *http.Request) {
	st := SignedIn(r.Context())
	var shown *workflow.ShownChallenge
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		shown, err = c.Workflow.ShowChallenge(r.Context(), tx, st.ID, r.PathValue("id"), r.PathValue("key"))
		return err
	})
	if err != nil {
		c.answer(w, r, err, nil)
		return
	}
	delivered := c.Calls.ShowChallenge(r.PathValue("id"), shown)
	c.answer(w, r, nil, shownAnswer{Challenge: shown.Key, ShownAt: *shown.ShownAt, Delivered: delivered})
}

func (c *Console) missing(r *http.Request, tx *store.Tx, out *recorded) error {
	v, err := tx.Verification(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if out.Missing, err = c.Workflow.Missing(r.Context(), tx, v); err != nil {
		return err
	}
	out.Needed = c.needed(r, out.Missing)
	if out.Missing == nil {
		out.Missing = []string{}
	}
	return nil
}

// needed words what verified still needs for the case the path names.
func (c *Console) needed(r *http.Request, missing []string) []string {
	label := c.claimLabeller(r)
	words := make([]string, len(missing))
	for i, m := range missing {
		words[i] = Needed(web.StaffLanguage(r), m, label)
	}
	return words
}

// script keeps what the agent notes beside the steps, such as a helper.
func (c *Console) script(w http.ResponseWriter, r *http.Request) {
	var in map[string]string
	if !decodeJSON(w, r, &in) {
		return
	}
	for key, value := range in {
		if len(key) > 64 || len(value) > 64 {
			jsonError(w, http.StatusBadRequest, "invalid", key, "script notes are short names and values")
			return
		}
	}
	data, _ := json.Marshal(in)
	st := SignedIn(r.Context())
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		return c.Workflow.SaveScript(r.Context(), tx, st.ID, r.PathValue("id"), data)
	})
	c.answer(w, r, err, in)
}

type decisionBody struct {
	Decision     verification.Decision `json:"decision"`
	ReasonCode   string                `json:"reason_code"`
	Note         string                `json:"note"`
	DocumentsFor []string              `json:"documents_for"`
}

func (c *Console) decision(w http.ResponseWriter, r *http.Request) {
	var in decisionBody
	if !decodeJSON(w, r, &in) {
		return
	}
	st := SignedIn(r.Context())
	var v *verification.Verification
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		v, err = c.Workflow.DecideCall(r.Context(), tx, st.ID, r.PathValue("id"), workflow.CallDecision{
			Decision: in.Decision, ReasonCode: in.ReasonCode, Note: in.Note, DocumentsFor: in.DocumentsFor})
		return err
	})
	if err == nil {
		c.Calls.CallEnded(v.ID, v.Status)
		c.Calls.Nudge()
		c.answer(w, r, nil, map[string]string{"status": string(v.Status)})
		return
	}
	c.answer(w, r, err, nil)
}

// signal is the agent's signaling WebSocket.
func (c *Console) signal(w http.ResponseWriter, r *http.Request) {
	c.Calls.ServeAgent(w, r, SignedIn(r.Context()))
}
