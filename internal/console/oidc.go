package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/web"
)

// OIDC signs staff in through an OpenID Connect provider (the authorization
// code flow with PKCE, state and nonce). The provider vouches for an email;
// the staff account with that email must exist already, as nobody becomes
// staff by signing in.
type OIDC struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// Name is the provider as staff know it, on the sign-in button.
	Name string
	// RedirectURL is this service's callback, BaseURL + "/login/oidc/callback".
	RedirectURL string
	// HTTPClient talks to the provider; nil is http.DefaultClient.
	HTTPClient *http.Client

	mu       sync.Mutex
	provider *oidc.Provider
}

// oidcLifetime is how long a sign-in may spend at the provider.
const oidcLifetime = 10 * time.Minute

// discover reads the provider's discovery document the first time it is
// needed, not at start-up, so that attest starts while the provider is
// unreachable; a failure is tried again on the next sign-in.
func (o *OIDC) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, nil
	}
	p, err := oidc.NewProvider(o.context(ctx), o.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover OIDC provider %s: %w", o.Issuer, err)
	}
	o.provider = p
	return p, nil
}

func (o *OIDC) context(ctx context.Context) context.Context {
	if o.HTTPClient == nil {
		return ctx
	}
	return oidc.ClientContext(ctx, o.HTTPClient)
}

func (o *OIDC) config(p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: o.RedirectURL, Scopes: []string{oidc.ScopeOpenID, "email"}}
}

// oidcSignIn is the ticket the browser holds while at the provider.
type oidcSignIn struct {
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	Next     string `json:"next"`
}

// oidcStart sends the browser to the provider.
func (c *Console) oidcStart(w http.ResponseWriter, r *http.Request) {
	p, err := c.OIDC.discover(r.Context())
	if err != nil {
		c.Log.ErrorContext(r.Context(), "OIDC sign-in", slog.Any("err", err))
		c.oidcRefuse(w, r, http.StatusBadGateway, "login.oidc.unreachable")
		return
	}
	state, err1 := auth.NewSessionToken(c.Rand)
	nonce, err2 := auth.NewSessionToken(c.Rand)
	if err := errors.Join(err1, err2); err != nil {
		c.ServerError(w, r, err)
		return
	}
	s := oidcSignIn{State: state, Nonce: nonce, Verifier: oauth2.GenerateVerifier(), Next: safeNext(r.URL.Query().Get("next"))}
	if err := setTicket(c, w, "oidc", s, oidcLifetime); err != nil {
		c.ServerError(w, r, err)
		return
	}
	target := c.OIDC.config(p).AuthCodeURL(s.State, oidc.Nonce(s.Nonce), oauth2.S256ChallengeOption(s.Verifier))
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// oidcCallback is where the provider sends the browser back: the code is
// exchanged (with the PKCE verifier), the ID token verified, and the email
// in it matched to a staff account.
func (c *Console) oidcCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	s, ok := readTicket[oidcSignIn](c, r, "oidc")
	c.clearTicket(w, "oidc")
	q := r.URL.Query()
	if !ok || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(s.State)) != 1 {
		// No ticket, or another one's state: this answer is not for a
		// sign-in this browser started (or it took too long).
		c.oidcRefuse(w, r, http.StatusBadRequest, "login.oidc.not_started")
		return
	}
	if e := q.Get("error"); e != "" {
		c.Log.InfoContext(ctx, "OIDC provider refused", slog.String("error", e))
		c.oidcRefuse(w, r, http.StatusUnauthorized, "login.oidc.not_signed_in")
		return
	}
	claims, err := c.oidcIdentity(ctx, q.Get("code"), s)
	if err != nil {
		c.Log.InfoContext(ctx, "OIDC sign-in refused", slog.Any("err", err))
		c.oidcRefuse(w, r, http.StatusUnauthorized, "login.oidc.unchecked")
		return
	}
	st, err := c.oidcStaff(ctx, claims)
	if errors.Is(err, errNoStaffAccount) {
		c.oidcRefuse(w, r, http.StatusForbidden, "login.oidc.no_account", "email", claims.Email)
		return
	}
	if errors.Is(err, errOtherSubject) {
		c.oidcRefuse(w, r, http.StatusForbidden, "login.oidc.other_identity", "email", claims.Email)
		return
	}
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	c.afterFirstFactor(w, r, st, "oidc", s.Next)
}

type oidcClaims struct {
	Subject       string
	Email         string `json:"email"`
	EmailVerified *bool  `json:"email_verified"`
}

// oidcIdentity exchanges the code and verifies the ID token: its RS256 (or
// other advertised) signature against the provider's keys, issuer,
// audience, expiry, and the nonce this browser's sign-in was given.
func (c *Console) oidcIdentity(ctx context.Context, code string, s oidcSignIn) (*oidcClaims, error) {
	p, err := c.OIDC.discover(ctx)
	if err != nil {
		return nil, err
	}
	ctx = c.OIDC.context(ctx)
	token, err := c.OIDC.config(p).Exchange(ctx, code, oauth2.VerifierOption(s.Verifier))
	if err != nil {
		return nil, fmt.Errorf("exchange code: %w", err)
	}
	raw, ok := token.Extra("id_token").(string)
	if !ok {
		return nil, errors.New("token response has no id_token")
	}
	idToken, err := p.Verifier(&oidc.Config{ClientID: c.OIDC.ClientID, Now: c.Now}).Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("verify ID token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(idToken.Nonce), []byte(s.Nonce)) != 1 {
		return nil, errors.New("ID token nonce does not match this sign-in")
	}
	var claims oidcClaims
	if err := idToken.Claims(&claims); err != nil {
		return nil, fmt.Errorf("read ID token claims: %w", err)
	}
	claims.Subject = idToken.Subject
	claims.Email = strings.ToLower(strings.TrimSpace(claims.Email))
	if claims.Email == "" || (claims.EmailVerified != nil && !*claims.EmailVerified) {
		return nil, errors.New("ID token has no verified email")
	}
	return &claims, nil
}

var (
	errNoStaffAccount = errors.New("no staff account has this email")
	errOtherSubject   = errors.New("staff account is linked to another OIDC subject")
)

// oidcStaff is the staff account the verified email belongs to. The first
// OIDC sign-in records the provider's subject; later ones must match it, so
// that an email reassigned at the provider does not inherit the account.
func (c *Console) oidcStaff(ctx context.Context, claims *oidcClaims) (*store.Staff, error) {
	st, err := c.Store.StaffByEmail(ctx, claims.Email)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoStaffAccount
	}
	if err != nil {
		return nil, err
	}
	known, err := c.Store.OIDCSubject(ctx, st.ID)
	if err != nil {
		return nil, err
	}
	switch {
	case known == claims.Subject:
		return st, nil
	case known != "":
		return nil, errOtherSubject
	}
	err = c.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := c.Staff.LinkOIDC(ctx, tx, st.ID, c.OIDC.Issuer, claims.Subject); err != nil {
			return errors.Join(errOtherSubject, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// oidcRefuse shows the sign-in page with the message of key (the provider
// named {provider}, other args in pairs) in the browser's language.
func (c *Console) oidcRefuse(w http.ResponseWriter, r *http.Request, status int, key string, args ...any) {
	form := c.loginForm("")
	form.Error = web.StaffLanguage(r).Text(key, append([]any{"provider", c.OIDC.Name}, args...)...)
	web.RenderStaff(w, r, status, "login", form)
}
