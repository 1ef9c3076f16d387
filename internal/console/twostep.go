package console

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/web"
)

// pendingLifetime is how long a staff member has to type their code after
// the password (or the OIDC provider) accepted them.
const pendingLifetime = 5 * time.Minute

// pendingSignIn is the ticket between the first factor and the code.
type pendingSignIn struct {
	StaffID string `json:"staff"`
	Method  string `json:"method"`
	Next    string `json:"next"`
}

// afterFirstFactor signs st in, or, when they use a TOTP second factor,
// asks for their code first.
func (c *Console) afterFirstFactor(w http.ResponseWriter, r *http.Request, st *store.Staff, method, next string) {
	t, err := c.Store.TOTP(r.Context(), st.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		c.ServerError(w, r, err)
		return
	}
	if !t.Enabled() {
		c.signInNow(w, r, st, map[string]string{"method": method}, next)
		return
	}
	if err := setTicket(c, w, "2fa", pendingSignIn{StaffID: st.ID, Method: method, Next: safeNext(next)}, pendingLifetime); err != nil {
		c.ServerError(w, r, err)
		return
	}
	http.Redirect(w, r, "/login/code", http.StatusSeeOther)
}

type codeForm struct {
	Error string
}

func (c *Console) codePage(w http.ResponseWriter, r *http.Request) {
	if _, ok := readTicket[pendingSignIn](c, r, "2fa"); !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	web.RenderStaff(w, r, http.StatusOK, "login_code", codeForm{})
}

// code checks the second step of a sign-in: a code from the authenticator
// app, or one of the recovery codes. It is rate-limited like passwords,
// per staff member and per address.
func (c *Console) code(w http.ResponseWriter, r *http.Request) {
	pending, ok := readTicket[pendingSignIn](c, r, "2fa")
	if !ok {
		form := c.loginForm("")
		form.Error = web.StaffLanguage(r).Text("login.error.too_long")
		web.RenderStaff(w, r, http.StatusUnauthorized, "login", form)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	code := strings.TrimSpace(r.PostFormValue("code"))
	ip := c.clientIP(r)
	key := "code:" + pending.StaffID
	if wait, ok := c.mayTry(key, ip); !ok {
		w.Header().Set("Retry-After", retryAfter(wait))
		web.RenderStaff(w, r, http.StatusTooManyRequests, "login_code",
			codeForm{Error: tooManyAttempts(r, wait)})
		return
	}
	st, how, err := c.checkSecondFactor(r.Context(), pending.StaffID, code)
	if errors.Is(err, errBadCredentials) {
		c.failed(key, ip)
		c.Log.InfoContext(r.Context(), "failed staff sign-in code", slog.String("ip", ip))
		web.RenderStaff(w, r, http.StatusUnauthorized, "login_code",
			codeForm{Error: web.StaffLanguage(r).Text("login.error.bad_code")})
		return
	}
	if err != nil {
		c.ServerError(w, r, err)
		return
	}
	c.Limiter.Success(key)
	c.clearTicket(w, "2fa")
	c.signInNow(w, r, st, map[string]string{"method": pending.Method, "second_factor": how}, pending.Next)
}

// checkSecondFactor accepts a current TOTP code not used before, or an
// unspent recovery code, and says which it was.
func (c *Console) checkSecondFactor(ctx context.Context, staffID, code string) (*store.Staff, string, error) {
	var st *store.Staff
	var how string
	err := c.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		st, how, err = c.Staff.UseSecondFactor(ctx, tx, staffID, code)
		return err
	})
	if errors.Is(err, staff.ErrBadCode) {
		return nil, "", errBadCredentials
	}
	return st, how, err
}

// mustEnrol reports whether st's role requires a second factor they have
// not set up yet.
func (c *Console) mustEnrol(ctx context.Context, st *store.Staff) (bool, error) {
	if !slices.Contains(c.RequireTOTP, st.Role) {
		return false, nil
	}
	t, err := c.Store.TOTP(ctx, st.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	return !t.Enabled(), nil
}
