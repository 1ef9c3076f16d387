package portal

import (
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/attest-dev/attest/internal/credential"
	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/qrcode"
	"github.com/attest-dev/attest/internal/sdjwt"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
	"github.com/attest-dev/attest/web"
)

// RegisterCredentials (called by Register) adds the routes of digital credentials: the
// freelancer's (behind their link) and the two a wallet on another device
// calls, which carry no link: the attempt's id and state are their key.
func (p *Portal) RegisterCredentials(mux web.Router) {
	link := func(h http.HandlerFunc) http.Handler { return web.Allow(web.Link, h) }
	mux.Handle("POST /v/{token}/credential", link(p.startCredential))
	mux.Handle("GET /v/{token}/credential/{id}", link(p.credentialStatus))
	mux.Handle("POST /v/{token}/credential/{id}/response", link(p.credentialFromBrowser))
	// The attempt's unguessable id is the key: a wallet fetches the
	// signed request it names (OpenID4VP request_uri).
	mux.Handle("GET /credential/request/{id}", web.AllowFunc(web.Public, p.credentialRequest))
	// The attempt's unguessable state is the key (OpenID4VP direct_post).
	mux.Handle("POST /credential/response", web.AllowFunc(web.Public, p.credentialFromWallet))
}

// offerDigitalID says on the page whether "Use a digital ID" is offered
// for the open case (the rule is verification.OffersCredential), and
// whether a credential bore the legal name already, which the page says
// where it offered one.
func (p *Portal) offerDigitalID(r *http.Request, f *verification.Freelancer, pg *page) {
	offered, matched, err := p.Workflow.CredentialOffer(r.Context(), p.Store, f.ID, pg.Open)
	if err != nil {
		p.Log.ErrorContext(r.Context(), "portal credential offer", slog.Any("err", err))
		return
	}
	pg.DigitalID, pg.DigitalIDMatched = offered || matched, matched
}

// started is what the page needs to ask a wallet: for the Digital
// Credentials API the protocol and the signed request; for another device
// the openid4vp:// link and its QR code.
type started struct {
	Attempt    string `json:"attempt"`
	Protocol   string `json:"protocol,omitempty"`
	Request    string `json:"request,omitempty"`
	WalletLink string `json:"wallet_link,omitempty"`
	QR         string `json:"qr,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.MarshalWrite(w, v)
}

// jsonError answers a page's script with the error envelope of the API.
func jsonError(w http.ResponseWriter, status int, code, field, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "field": field, "message": message}})
}

func (p *Portal) startCredential(w http.ResponseWriter, r *http.Request) {
	f, ok := p.checked(w, r)
	if !ok {
		return
	}
	transport := r.FormValue("transport")
	var a *credential.Attempt
	err := p.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		a, err = p.Workflow.StartCredentialAttempt(r.Context(), tx, f.ID, transport)
		return err
	})
	var rule *verification.RuleError
	var field *verification.FieldError
	switch {
	case errors.Is(err, workflow.ErrNoOpenCase):
		jsonError(w, http.StatusConflict, "no_open_case", "verification", catalog(f).Text("portal.credential.not_now"))
		return
	case errors.As(err, &rule):
		jsonError(w, http.StatusUnprocessableEntity, rule.Code, rule.Field, catalog(f).Text("portal.credential.not_now"))
		return
	case errors.As(err, &field):
		jsonError(w, http.StatusBadRequest, field.Code, field.Field, field.Message)
		return
	case err != nil:
		p.credentialFault(w, r, err)
		return
	}
	out := started{Attempt: a.ID}
	if transport == credential.SameDevice {
		out.Protocol = credential.Protocol
		if out.Request, err = p.Workflow.Credentials.RequestObject(a); err != nil {
			p.credentialFault(w, r, err)
			return
		}
	} else {
		out.WalletLink = p.Workflow.Credentials.WalletLink(a.ID)
		svg, err := qrcode.SVG(out.WalletLink, catalog(f).Text("portal.credential.qr"), 296)
		if err != nil {
			p.credentialFault(w, r, err)
			return
		}
		out.QR = "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg)
	}
	writeJSON(w, http.StatusCreated, out)
}

func (p *Portal) credentialFault(w http.ResponseWriter, r *http.Request, err error) {
	p.Log.ErrorContext(r.Context(), "credential", slog.String("route", r.Pattern), slog.Any("err", err))
	jsonError(w, http.StatusInternalServerError, "internal", "", "something went wrong on our side; try again")
}

// attemptOf reads an attempt of the link's freelancer; nil (after
// answering 404) for anyone else's.
func (p *Portal) attemptOf(w http.ResponseWriter, r *http.Request, f *verification.Freelancer) *store.CredentialAttempt {
	a, err := p.Store.CredentialAttempt(r.Context(), r.PathValue("id"))
	if err == nil {
		var v *verification.Verification
		if v, err = p.Store.Verification(r.Context(), a.VerificationID); err == nil && v.FreelancerID == f.ID {
			return a
		}
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		p.credentialFault(w, r, err)
		return nil
	}
	jsonError(w, http.StatusNotFound, "not_found", "id", "no such request")
	return nil
}

// outcome is how an attempt ended, worded for the freelancer.
type outcome struct {
	Attempt string `json:"attempt"`
	// Result is "" while waiting, then verified, mismatch or refused.
	Result  string `json:"result"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	Status  string `json:"status"`
}

func worded(c *i18n.Catalog, a *store.CredentialAttempt, result, reason string, v *verification.Verification) outcome {
	o := outcome{Attempt: a.ID, Result: result, Reason: reason}
	if v != nil {
		o.Status = string(v.Status)
	}
	switch result {
	case "verified":
		o.Message = c.Text("portal.credential.verified")
		if v != nil && v.Status == verification.Verified {
			o.Message = c.Text("portal.credential.settled")
		}
	case "mismatch":
		o.Message = c.Text("portal.credential.mismatch")
	case "refused":
		o.Message = c.Text(refusalText(sdjwt.Code(reason)))
	}
	return o
}

func (p *Portal) credentialStatus(w http.ResponseWriter, r *http.Request) {
	f, ok := p.checked(w, r)
	if !ok {
		return
	}
	a := p.attemptOf(w, r, f)
	if a == nil {
		return
	}
	v, err := p.Store.Verification(r.Context(), a.VerificationID)
	if err != nil {
		p.credentialFault(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, worded(catalog(f), a, a.Result, a.Reason, v))
}

// maxAnswer caps a wallet's answer as read.
const maxAnswer = 512 << 10

// credentialFromBrowser takes what navigator.credentials.get returned,
// posted by the page: {"protocol": …, "data": {"vp_token": {…}}} or data
// holding the wallet's error.
func (p *Portal) credentialFromBrowser(w http.ResponseWriter, r *http.Request) {
	f, ok := p.checked(w, r)
	if !ok {
		return
	}
	a := p.attemptOf(w, r, f)
	if a == nil {
		return
	}
	if a.Transport != credential.SameDevice {
		jsonError(w, http.StatusConflict, "wrong_transport", "id", "this request is answered by the wallet on the other device")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxAnswer))
	if err != nil {
		jsonError(w, http.StatusBadRequest, "unreadable", "body", "the answer could not be read")
		return
	}
	var dc struct {
		Protocol string `json:"protocol"`
		Data     struct {
			VPToken jsontext.Value `json:"vp_token"`
			Error   string         `json:"error"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &dc, json.RejectUnknownMembers(false)); err != nil {
		jsonError(w, http.StatusBadRequest, "malformed", "body", "not the Digital Credentials API's answer")
		return
	}
	ans, ok := p.answer(w, r, a, dc.Data.VPToken, dc.Data.Error)
	if ok {
		writeJSON(w, http.StatusOK, worded(catalog(f), a, ans.Result, string(ans.Reason), ans.Verification))
	}
}

// credentialFromWallet is the response URI: a wallet on another device
// posts vp_token and state (or error and state), form-encoded.
func (p *Portal) credentialFromWallet(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxAnswer)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "the body is not a form"})
		return
	}
	a, err := p.Store.CredentialAttemptByState(r.Context(), r.PostForm.Get("state"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && a.Transport != credential.CrossDevice) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "unknown state"})
		return
	}
	if err != nil {
		p.credentialFault(w, r, err)
		return
	}
	ans, ok := p.answer(w, r, a, []byte(r.PostForm.Get("vp_token")), r.PostForm.Get("error"))
	if !ok {
		return
	}
	if ans.Result == "refused" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": string(ans.Reason)})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{})
}

// answer checks a wallet's answer outside any transaction, then records it.
func (p *Portal) answer(w http.ResponseWriter, r *http.Request, a *store.CredentialAttempt, vpToken []byte, walletError string) (*workflow.CredentialAnswer, bool) {
	result, refusal := p.Workflow.CheckCredential(r.Context(), a, vpToken, walletError)
	if refusal != nil && sdjwt.CodeOf(refusal) == "" {
		p.credentialFault(w, r, refusal)
		return nil, false
	}
	var ans *workflow.CredentialAnswer
	err := p.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		ans, err = p.Workflow.RecordCredential(r.Context(), tx, a, result, refusal)
		return err
	})
	if err != nil {
		p.credentialFault(w, r, err)
		return nil, false
	}
	return ans, true
}

// credentialRequest serves the signed request of a cross-device attempt.
func (p *Portal) credentialRequest(w http.ResponseWriter, r *http.Request) {
	if p.Workflow.Credentials == nil {
		http.NotFound(w, r)
		return
	}
	stored, err := p.Store.CredentialAttempt(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && (stored.Transport != credential.CrossDevice ||
		stored.AnsweredAt != nil || !p.Now().Before(stored.ExpiresAt))) {
		http.Error(w, "no such request, or it was answered or expired", http.StatusNotFound)
		return
	}
	if err != nil {
		p.credentialFault(w, r, err)
		return
	}
	a, err := workflow.CredentialAttempt(stored)
	if err == nil {
		var jwt string
		if jwt, err = p.Workflow.Credentials.RequestObject(a); err == nil {
			w.Header().Set("Content-Type", "application/oauth-authz-req+jwt")
			w.Header().Set("Cache-Control", "no-store")
			io.WriteString(w, jwt)
			return
		}
	}
	p.credentialFault(w, r, err)
}

// refusalText is the catalog key that words a refusal for the freelancer.
func refusalText(code sdjwt.Code) string {
	switch code {
	case sdjwt.UnknownIssuer, sdjwt.UntrustedCertificate:
		return "portal.credential.refused.issuer"
	case sdjwt.KeyBindingMissing:
		return "portal.credential.refused.not_bound"
	case sdjwt.WrongNonce, sdjwt.WrongAudience, sdjwt.StaleKeyBinding, credential.RequestExpired, credential.UnknownRequest:
		return "portal.credential.refused.stale"
	case sdjwt.Expired:
		return "portal.credential.refused.expired"
	case sdjwt.NotYetValid:
		return "portal.credential.refused.not_yet_valid"
	case sdjwt.Revoked, sdjwt.Suspended:
		return "portal.credential.refused.revoked"
	case sdjwt.StatusUnavailable:
		return "portal.credential.refused.try_later"
	case credential.Replayed:
		return "portal.credential.refused.replayed"
	case credential.WalletError:
		return "portal.credential.refused.wallet"
	case credential.WrongCredentialType, credential.ClaimsMissing:
		return "portal.credential.refused.wrong_credential"
	}
	return "portal.credential.refused.invalid"
}
