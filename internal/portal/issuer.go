package portal

import (
	"encoding/base64"
	"errors"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/attest-dev/attest/internal/issuer"
	"github.com/attest-dev/attest/internal/qrcode"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/workflow"
	"github.com/attest-dev/attest/web"
)

// RegisterIssuer (called by Register) adds the routes of attest as a
// credential issuer (internal/issuer): the freelancer's offer, behind
// their link, and the wallet's, which carry no link: the pre-authorized
// code and the access token are their keys; metadata and the status list
// are public by nature.
func (p *Portal) RegisterIssuer(mux web.Router) {
	public := func(h http.HandlerFunc) http.Handler { return web.AllowFunc(web.Public, p.issuing(h)) }
	mux.Handle("POST /v/{token}/wallet", web.Allow(web.Link, p.issuing(p.walletOffer)))
	// The reference's 256 random bits are its key (credential_offer_uri).
	mux.Handle("GET "+issuer.OfferPath+"{reference}", public(p.offer))
	mux.Handle("GET "+issuer.MetadataPath, public(p.issuerMetadata))
	mux.Handle("GET "+issuer.ASMetadataPath, public(p.authorizationServerMetadata))
	mux.Handle("GET "+issuer.JWTIssuerPath, public(p.jwtIssuerMetadata))
	mux.Handle("GET "+issuer.TypeMetadataURL, public(p.typeMetadata))
	mux.Handle("POST "+issuer.TokenPath, public(p.token))
	mux.Handle("POST "+issuer.NoncePath, public(p.nonce))
	mux.Handle("POST "+issuer.CredentialPath, public(p.issueCredential))
	mux.Handle("GET "+issuer.StatusListPath, public(p.statusList))
}

// issuing answers 404 when this attest issues nothing.
func (p *Portal) issuing(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if p.Workflow.Issuer == nil {
			http.NotFound(w, r)
			return
		}
		next(w, r)
	}
}

// walletPage shows a credential offer: its QR code and its same-device link.
type walletPage struct {
	Base        string
	Marketplace string
	QR          template.URL
	// Offer is what the QR code holds (the offer by reference), for tests
	// and for anyone who cannot scan and pastes it into a wallet.
	Offer   string
	Link    template.URL
	Minutes int
}

func (p *Portal) walletOffer(w http.ResponseWriter, r *http.Request) {
	f, ok := p.checked(w, r)
	if !ok {
		return
	}
	c := catalog(f)
	var offer *workflow.WalletOffer
	err := p.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		offer, err = p.Workflow.OfferCredential(r.Context(), tx, f.ID)
		return err
	})
	if errors.Is(err, workflow.ErrNoWalletOffer) {
		web.RenderIn(w, http.StatusConflict, c, "portal_error", &walletNotNow)
		return
	}
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	svg, err := qrcode.SVG(offer.ByReference, c.Text("portal.wallet.qr"), 296)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store") // it holds a live code
	web.RenderIn(w, http.StatusOK, c, "portal_wallet", walletPage{Base: "/v/" + r.PathValue("token"),
		Marketplace: p.Workflow.Issuer.Marketplace,
		// Both are attest's own: a base64 SVG it drew, and a link whose one
		// parameter is URL-encoded.
		QR:      template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg)),
		Link:    template.URL(offer.Link),
		Offer:   offer.ByReference,
		Minutes: int(offer.ExpiresAt.Sub(p.Now()).Round(time.Minute).Minutes())})
}

// walletNotNow is the page of an offer asked for when none can be made.
var walletNotNow = problem{Title: "portal.wallet.title", Message: "portal.wallet.not_now", Next: "portal.wallet.not_now_next"}

// oauthJSON answers a wallet: JSON, never cached unless said.
func oauthJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, v)
}

// metadataJSON answers a metadata request: public, cacheable for a while,
// readable by web wallets on other origins.
func metadataJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.WriteHeader(http.StatusOK)
	json.MarshalWrite(w, v)
}

// oauthError answers a refusal as OAuth does: {"error", "error_description"}.
func (p *Portal) oauthError(w http.ResponseWriter, r *http.Request, err error) {
	e := issuer.AsError(err)
	if e == nil {
		p.Log.ErrorContext(r.Context(), "issuer", slog.String("route", r.Pattern), slog.Any("err", err))
		oauthJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error", "error_description": "something went wrong on our side; try again"})
		return
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer error="`+e.Code+`", error_description="`+e.Description+`"`)
	}
	oauthJSON(w, e.Status, map[string]string{"error": e.Code, "error_description": e.Description})
}

func (p *Portal) issuerMetadata(w http.ResponseWriter, r *http.Request) {
	metadataJSON(w, p.Workflow.Issuer.Metadata())
}

func (p *Portal) authorizationServerMetadata(w http.ResponseWriter, r *http.Request) {
	metadataJSON(w, p.Workflow.Issuer.ASMetadata())
}

func (p *Portal) jwtIssuerMetadata(w http.ResponseWriter, r *http.Request) {
	m, err := p.Workflow.IssuerMetadata(r.Context())
	if err != nil {
		p.oauthError(w, r, err)
		return
	}
	metadataJSON(w, m)
}

// offer serves a credential offer by reference (credential_offer_uri):
// the offer JSON while its code may be redeemed, else a refusal with a
// code: invalid_offer_reference (400) or offer_not_found (404).
func (p *Portal) offer(w http.ResponseWriter, r *http.Request) {
	o, err := p.Workflow.OfferByReference(r.Context(), r.PathValue("reference"))
	if err != nil {
		p.oauthError(w, r, err)
		return
	}
	oauthJSON(w, http.StatusOK, o)
}

func (p *Portal) typeMetadata(w http.ResponseWriter, r *http.Request) {
	metadataJSON(w, p.Workflow.Issuer.TypeMetadata())
}

// token is the token endpoint: a pre-authorized code for an access token.
func (p *Portal) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		p.oauthError(w, r, &issuer.Error{Code: issuer.InvalidRequest, Description: "send the token request form-encoded", Status: http.StatusBadRequest})
		return
	}
	if err := r.ParseForm(); err != nil {
		p.oauthError(w, r, &issuer.Error{Code: issuer.InvalidRequest, Description: "the body is not a form", Status: http.StatusBadRequest})
		return
	}
	req, err := issuer.ParseTokenRequest(r.PostForm)
	if err != nil {
		p.oauthError(w, r, err)
		return
	}
	var tok *workflow.AccessToken
	err = p.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		tok, err = p.Workflow.RedeemOfferCode(r.Context(), tx, req.Code)
		return err
	})
	if err != nil {
		p.oauthError(w, r, err)
		return
	}
	oauthJSON(w, http.StatusOK, map[string]any{"access_token": tok.Token, "token_type": "Bearer", "expires_in": int(tok.ExpiresIn.Seconds())})
}

// nonce is the nonce endpoint: a fresh c_nonce, stored nowhere.
func (p *Portal) nonce(w http.ResponseWriter, r *http.Request) {
	n, err := p.Workflow.Issuer.NewNonce()
	if err != nil {
		p.oauthError(w, r, err)
		return
	}
	oauthJSON(w, http.StatusOK, map[string]string{"c_nonce": n})
}

// issueCredential is the credential endpoint.
func (p *Portal) issueCredential(w http.ResponseWriter, r *http.Request) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		w.Header().Set("WWW-Authenticate", `Bearer`)
		oauthJSON(w, http.StatusUnauthorized, map[string]string{"error": issuer.InvalidToken, "error_description": "send the access token as Authorization: Bearer"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10+1))
	if err != nil {
		p.oauthError(w, r, &issuer.Error{Code: issuer.InvalidCredentialRequest, Description: "the body could not be read", Status: http.StatusBadRequest})
		return
	}
	req, err := issuer.ParseCredentialRequest(body)
	if err != nil {
		p.oauthError(w, r, err)
		return
	}
	var credential string
	err = p.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		credential, err = p.Workflow.IssueCredential(r.Context(), tx, token, req)
		return err
	})
	if err != nil {
		p.oauthError(w, r, err)
		return
	}
	oauthJSON(w, http.StatusOK, map[string]any{"credentials": []any{map[string]string{"credential": credential}}})
}

// statusList publishes the signed status list, cacheable for its ttl.
func (p *Portal) statusList(w http.ResponseWriter, r *http.Request) {
	token, signedAt, err := p.Workflow.StatusList(r.Context())
	if err != nil {
		p.Log.ErrorContext(r.Context(), "status list", slog.Any("err", err))
		http.Error(w, "the status list cannot be read now; try again", http.StatusServiceUnavailable)
		return
	}
	etag := `"` + issuer.Hash(token)[:16] + `"`
	h := w.Header()
	h.Set("Content-Type", "application/statuslist+jwt")
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(issuer.StatusListTTL.Seconds())))
	h.Set("ETag", etag)
	h.Set("Last-Modified", signedAt.UTC().Format(http.TimeFormat))
	h.Set("Access-Control-Allow-Origin", "*")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	io.WriteString(w, token)
}
