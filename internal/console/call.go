package console

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

// presence takes the agent online or away.
func (c *Console) presence(w http.ResponseWriter, r *http.Request) {
	p := store.Presence(r.PostFormValue("status"))
	if p != store.Online && p != store.Away {
		http.Error(w, "status must be online or away", http.StatusBadRequest)
		return
	}
	st := signedIn(r.Context())
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error { return c.Workflow.SetPresence(r.Context(), tx, st.ID, p) })
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	c.Calls.Nudge()
	http.Redirect(w, r, "/agent", http.StatusSeeOther)
}

// take gives the agent the next freelancer and opens the call view.
func (c *Console) take(w http.ResponseWriter, r *http.Request) {
	st := signedIn(r.Context())
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
		c.serverError(w, r, err)
		return
	}
	if taken != nil {
		c.Calls.CallStarted(r.Context(), taken)
		c.Calls.Nudge()
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
		jsonError(w, http.StatusBadRequest, field.Code, field.Field, field.Message)
	case errors.As(err, &rule):
		jsonError(w, http.StatusUnprocessableEntity, rule.Code, rule.Field, rule.Message)
	case errors.As(err, &illegal):
		jsonError(w, http.StatusConflict, "illegal_transition", "status", illegal.Error())
	case errors.Is(err, store.ErrNotFound):
		jsonError(w, http.StatusNotFound, "not_found", "", "no call in progress for this verification")
	default:
		c.Log.ErrorContext(r.Context(), "console call action", slog.String("path", r.URL.Path), slog.Any("err", err))
		jsonError(w, http.StatusInternalServerError, "internal", "", "something went wrong on our side; nothing was changed")
	}
}

type outcomeBody struct {
	Claim   string               `json:"claim"`
	Outcome verification.Outcome `json:"outcome"`
	Note    string               `json:"note"`
}

func (c *Console) outcome(w http.ResponseWriter, r *http.Request) {
	var in outcomeBody
	if !decodeJSON(w, r, &in) {
		return
	}
	st := signedIn(r.Context())
	o := verification.ClaimOutcome{Key: in.Claim, Outcome: in.Outcome, Note: in.Note}
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		return c.Workflow.RecordOutcome(r.Context(), tx, st.ID, r.PathValue("id"), o)
	})
	c.answer(w, r, err, o)
}

func (c *Console) script(w http.ResponseWriter, r *http.Request) {
	var in map[string]string
	if !decodeJSON(w, r, &in) {
		return
	}
	for key, value := range in {
		if len(key) > 64 || len(value) > 64 {
			jsonError(w, http.StatusBadRequest, "invalid", key, "script steps are short names and results")
			return
		}
	}
	data, _ := json.Marshal(in)
	st := signedIn(r.Context())
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		return c.Workflow.SaveScript(r.Context(), tx, st.ID, r.PathValue("id"), data)
	})
	c.answer(w, r, err, in)
}

type decisionBody struct {
	Decision   verification.Decision `json:"decision"`
	ReasonCode string                `json:"reason_code"`
	Note       string                `json:"note"`
}

func (c *Console) decision(w http.ResponseWriter, r *http.Request) {
	var in decisionBody
	if !decodeJSON(w, r, &in) {
		return
	}
	st := signedIn(r.Context())
	var v *verification.Verification
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		v, err = c.Workflow.DecideCall(r.Context(), tx, st.ID, r.PathValue("id"), in.Decision, in.ReasonCode, in.Note)
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
	c.Calls.ServeAgent(w, r, signedIn(r.Context()))
}
