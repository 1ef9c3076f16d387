// Package console serves the staff side of attest: sign-in, sessions and
// the pages agents, supervisors and admins work in.
package console

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/call"
	"github.com/attest-dev/attest/internal/clientip"
	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/workflow"
	"github.com/attest-dev/attest/web"
)

// Console serves the staff pages.
type Console struct {
	Store    *store.Store
	Workflow *workflow.Workflow
	Calls    *call.Service
	Limiter  *auth.LoginLimiter
	// AddressLimiter counts failures from one client address over every
	// account, a looser cap that stops one place trying many accounts;
	// Limiter counts them per account and address, so that failing on
	// purpose from elsewhere never locks the real person out.
	AddressLimiter *auth.LoginLimiter
	Now            func() time.Time
	Log            *slog.Logger
	// Secure marks cookies Secure and gives them the __Host- prefix; on for
	// any https base URL.
	Secure bool
	// Mailbox serves the development mailbox to admins: every email
	// recorded, portal links included. Only under demo or --dev-mailbox.
	Mailbox bool
	Rand    io.Reader
	// TrustProxy lists the proxies whose X-Forwarded-For is believed.
	TrustProxy clientip.Proxies
	// RequireTOTP lists the roles that must set up a TOTP second factor
	// before they may open any page but their account's security page.
	RequireTOTP []store.Role
	// OIDC, when set, offers sign-in through an OpenID Connect provider.
	OIDC *OIDC
	// TicketKey signs the short-lived cookies that carry a sign-in between
	// its steps (see ticket).
	TicketKey []byte
	// Staff makes every change to staff accounts, sessions, second
	// factors and API keys.
	Staff *staff.Accounts

	open openShared
}

// Register adds the console's routes to mux.
func (c *Console) Register(mux web.Router) {
	mux.Handle("GET /login", web.AllowFunc(web.Public, c.loginPage))
	mux.Handle("POST /login", web.AllowFunc(web.Public, c.login))
	mux.Handle("POST /logout", web.AllowFunc(web.Public, c.logout)) // ends whatever session the cookie names, if any
	// The second step: its signed ticket cookie is the credential.
	mux.Handle("GET /login/code", web.AllowFunc(web.Public, c.codePage))
	mux.Handle("POST /login/code", web.AllowFunc(web.Public, c.code))
	if c.OIDC != nil {
		mux.Handle("GET /login/oidc", web.AllowFunc(web.Public, c.oidcStart))
		// Checked against the signed state cookie.
		mux.Handle("GET /login/oidc/callback", web.AllowFunc(web.Public, c.oidcCallback))
	}
	c.registerSecurity(mux)
	staff := []store.Role{store.RoleAgent, store.RoleSupervisor, store.RoleAdmin}
	mux.Handle("GET /agent", c.Require(c.agentHome, staff...))
	mux.Handle("GET /agent/open", c.Require(c.openPart, staff...))
	mux.Handle("POST /agent/presence", c.Require(c.presence, staff...))
	mux.Handle("POST /agent/take", c.Require(c.take, staff...))
	mux.Handle("POST /agent/calls/{id}/outcome", c.Require(c.outcome, staff...))
	mux.Handle("POST /agent/calls/{id}/step", c.Require(c.step, staff...))
	mux.Handle("POST /agent/calls/{id}/challenges/{key}/show", c.Require(c.showChallenge, staff...))
	mux.Handle("POST /agent/calls/{id}/script", c.Require(c.script, staff...))
	mux.Handle("POST /agent/calls/{id}/decision", c.Require(c.decision, staff...))
	mux.Handle("GET /agent/ws", c.Require(c.signal, staff...))
	reviewers := []store.Role{store.RoleSupervisor, store.RoleAdmin}
	mux.Handle("GET /agent/reviews", c.requireReviewer(c.reviews))
	mux.Handle("GET /agent/reviews/{id}", c.requireReviewer(c.review))
	mux.Handle("POST /agent/reviews/{id}", c.requireReviewer(c.decideReview))
	mux.Handle("GET /agent/appeals/{id}", c.Require(c.appealPage, reviewers...))
	// Signed-in staff, and then only those working on the document's case.
	mux.Handle("GET /agent/documents/{id}", web.Allow(web.CaseStaff, c.Require(c.document, staff...)))
	mux.Handle("GET /agent/document-reviews", c.Require(c.documentReviews, staff...))
	mux.Handle("GET /agent/document-reviews/{id}", c.Require(c.documentReview, staff...))
	mux.Handle("POST /agent/document-reviews/{id}", c.Require(c.decideDocuments, staff...))
	mux.Handle("GET /agent/fairness", c.Require(c.fairness, reviewers...))
	mux.Handle("GET /agent/fairness.csv", c.Require(c.fairnessCSV, reviewers...))
	mux.Handle("POST /agent/appeals/{id}", c.Require(c.decideAppeal, reviewers...))
	mux.Handle("GET /agent/hours", c.Require(c.hours, staff...))
	mux.Handle("POST /agent/hours", c.Require(c.saveHours, staff...))
	mux.Handle("POST /agent/hours/leave", c.Require(c.addLeave, staff...))
	mux.Handle("POST /agent/hours/leave/{id}/delete", c.Require(c.deleteLeave, staff...))
	if c.Mailbox {
		// Admins only: each invitation holds a freelancer's portal link.
		mux.Handle("GET /dev/mailbox", c.Require(c.mailbox, store.RoleAdmin))
		mux.Handle("GET /dev/mailbox/{id}", c.Require(c.mail, store.RoleAdmin))
	}
	// Any other path under the console's prefixes is its 404 page for
	// signed-in staff, and sign-in for anyone else, as on every staff page:
	// a visitor learns nothing of which staff paths exist. (The admin area
	// answers its own: admin.Register.) /dev/ is a staff area only while the
	// development mailbox is on; otherwise it does not exist at all.
	prefixes := []string{"/agent/", "/account/", "/review/"}
	if c.Mailbox {
		prefixes = append(prefixes, "/dev/")
	}
	for _, prefix := range prefixes {
		mux.Handle(prefix, c.Require(c.NotFound, staff...))
	}
}

func (c *Console) cookieName() string {
	if c.Secure {
		return "__Host-attest_session"
	}
	return "attest_session"
}

type staffKey struct{}

type sessionKey struct{}

// signedIn is the staff member behind a request that passed require.
func SignedIn(ctx context.Context) *store.Staff { return ctx.Value(staffKey{}).(*store.Staff) }

// currentSession is the session of a request that passed require.
func currentSession(ctx context.Context) *store.Session {
	return ctx.Value(sessionKey{}).(*store.Session)
}

// Require lets through only signed-in staff with one of the roles; others
// are sent to sign in, or refused when signed in with another role. Staff
// whose role must use a second factor and who have not set one up are sent
// to set it up first.
func (c *Console) Require(h http.HandlerFunc, roles ...store.Role) http.Handler {
	return c.guard(h, true, roles...)
}

// requireAccount lets through any signed-in staff member, set up a second
// factor or not: it serves the pages where they set it up.
func (c *Console) requireAccount(h http.HandlerFunc) http.Handler {
	return c.guard(h, false, store.RoleAgent, store.RoleSupervisor, store.RoleAdmin)
}

// roleAccess is the route rule the roles a page lets in declare.
func roleAccess(roles []store.Role) web.Access {
	switch {
	case slices.Equal(roles, []store.Role{store.RoleAdmin}):
		return web.Admin
	case slices.Equal(roles, []store.Role{store.RoleSupervisor, store.RoleAdmin}):
		return web.Supervisor
	case slices.Equal(roles, []store.Role{store.RoleAgent, store.RoleSupervisor, store.RoleAdmin}):
		return web.Staff
	}
	panic(fmt.Sprintf("console: no route rule for the roles %v", roles)) // a registration mistake, found at start
}

func (c *Console) guard(h http.HandlerFunc, enforceTOTP bool, roles ...store.Role) http.Handler {
	return web.AllowFunc(roleAccess(roles), func(w http.ResponseWriter, r *http.Request) {
		st, sess := c.session(r)
		if st == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		r = r.WithContext(web.WithStaffLanguage(r.Context(), web.ChooseStaffLanguage(st.Language, r)))
		if !slices.Contains(roles, st.Role) {
			c.forbidden(w, r, st)
			return
		}
		if enforceTOTP {
			must, err := c.mustEnrol(r.Context(), st)
			if err != nil {
				c.ServerError(w, r, err)
				return
			}
			if must {
				http.Redirect(w, r, "/account/security", http.StatusSeeOther)
				return
			}
		}
		ctx := context.WithValue(context.WithValue(r.Context(), staffKey{}, st), sessionKey{}, sess)
		h(w, r.WithContext(ctx))
	})
}

// requireReviewer lets through staff who may give second reviews: by role,
// or agents granted review rights.
func (c *Console) requireReviewer(h http.HandlerFunc) http.Handler {
	return web.Allow(web.Reviewer, c.Require(func(w http.ResponseWriter, r *http.Request) {
		if !SignedIn(r.Context()).Reviews() {
			c.forbidden(w, r, SignedIn(r.Context()))
			return
		}
		h(w, r)
	}, store.RoleAgent, store.RoleSupervisor, store.RoleAdmin))
}

// lastSeenEvery is how stale a session's last-seen time may get: writing
// it on every request would make every page view a database write.
const lastSeenEvery = time.Minute

// session is the signed-in staff member and their session, or nils. A
// revoked session is gone from the database, so revoking takes effect on
// the next request.
func (c *Console) session(r *http.Request) (*store.Staff, *store.Session) {
	cookie, err := r.Cookie(c.cookieName())
	if err != nil || len(cookie.Value) > 128 {
		return nil, nil
	}
	now := c.Now()
	st, sess, err := c.Store.StaffSession(r.Context(), auth.HashSessionToken(cookie.Value), now)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			c.Log.ErrorContext(r.Context(), "read session", slog.Any("err", err))
		}
		return nil, nil
	}
	if now.Sub(sess.LastSeenAt) >= lastSeenEvery {
		err := c.Store.InTx(r.Context(), func(tx *store.Tx) error { return c.Staff.Seen(r.Context(), tx, sess.ID) })
		if err != nil {
			c.Log.ErrorContext(r.Context(), "touch session", slog.Any("err", err))
		}
		sess.LastSeenAt = now
	}
	return st, sess
}

type loginForm struct {
	Email, Error, Next string
	// OIDCName names the OIDC provider on its sign-in button; "" hides it.
	OIDCName string
}

func (c *Console) loginForm(next string) loginForm {
	f := loginForm{Next: safeNext(next)}
	if c.OIDC != nil {
		f.OIDCName = c.OIDC.Name
	}
	return f
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	if st, _ := c.session(r); st != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	web.RenderStaff(w, r, http.StatusOK, "login", c.loginForm(r.URL.Query().Get("next")))
}

// safeNext keeps post-login redirects on this site.
var localPath = regexp.MustCompile(`^/[A-Za-z0-9/_.?=&%-]*$`)

func safeNext(next string) string {
	if !localPath.MatchString(next) || strings.HasPrefix(next, "//") || len(next) > 512 {
		return "/agent"
	}
	return next
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		web.RenderStaff(w, r, http.StatusBadRequest, "login", loginForm{Error: web.StaffLanguage(r).Text("console.error.form")})
		return
	}
	email := strings.ToLower(strings.TrimSpace(r.PostForm.Get("email")))
	password := r.PostForm.Get("password")
	form := c.loginForm(r.PostForm.Get("next"))
	form.Email = email
	ip := c.clientIP(r)
	pair := SignInKey(email, ip)
	if wait, ok := c.mayTry(pair, ip); !ok {
		form.Error = tooManyAttempts(r, wait)
		w.Header().Set("Retry-After", retryAfter(wait))
		web.RenderStaff(w, r, http.StatusTooManyRequests, "login", form)
		return
	}
	st, err := c.checkPassword(r.Context(), email, password)
	if err != nil {
		c.failed(pair, ip)
		c.Log.InfoContext(r.Context(), "failed staff sign-in", slog.String("ip", ip))
		form.Error = web.StaffLanguage(r).Text("login.error.mismatch")
		web.RenderStaff(w, r, http.StatusUnauthorized, "login", form)
		return
	}
	c.Limiter.Success(pair)
	c.afterFirstFactor(w, r, st, "password", form.Next)
}

var errBadCredentials = errors.New("bad credentials")

// SignInKey is the limiter's key of sign-in attempts for one account from
// one address.
func SignInKey(email, ip string) string { return "signin:" + email + "|" + ip }

// mayTry reports whether an attempt counted under key (an account and an
// address, or a pending second factor) may be made from ip now, and if not
// how long to wait.
func (c *Console) mayTry(key, ip string) (time.Duration, bool) {
	if ok, wait := c.Limiter.Allow(key); !ok {
		return wait, false
	}
	if ok, wait := c.AddressLimiter.Allow("ip:" + ip); !ok {
		return wait, false
	}
	return 0, true
}

// failed counts a failed attempt under key and from ip.
func (c *Console) failed(key, ip string) {
	c.Limiter.Failure(key)
	c.AddressLimiter.Failure("ip:" + ip)
}

// dummyHash keeps an unknown email as slow as a wrong password, so timing
// does not tell which staff emails exist. Hashing takes most of a second
// and 19 MiB, so it is made on first use (or by WarmUp), not when the
// program starts.
var dummyHash = sync.OnceValue(func() string {
	h, _ := auth.HashPassword("not a real password", rand.Reader)
	return h
})

// WarmUp makes the dummy password hash in the background, so that the first
// sign-in with an unknown email is no slower than any other.
func WarmUp() { go dummyHash() }

func (c *Console) checkPassword(ctx context.Context, email, password string) (*store.Staff, error) {
	st, err := c.Store.StaffByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		auth.VerifyPassword(dummyHash(), password)
		return nil, errBadCredentials
	}
	if err != nil {
		return nil, err
	}
	if ok, err := auth.VerifyPassword(st.PasswordHash, password); err != nil || !ok {
		return nil, errBadCredentials
	}
	return st, nil
}

// signInNow starts a session for st, sets its cookie and sends the browser
// on to next. how says, for the audit log, how they proved who they are.
func (c *Console) signInNow(w http.ResponseWriter, r *http.Request, st *store.Staff, how map[string]string, next string) {
	token, err := c.startSession(r, st, how)
	if err != nil {
		c.Log.ErrorContext(r.Context(), "start session", slog.Any("err", err))
		form := c.loginForm(next)
		form.Error = web.StaffLanguage(r).Text("console.error.internal")
		web.RenderStaff(w, r, http.StatusInternalServerError, "login", form)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: c.cookieName(), Value: token, Path: "/", HttpOnly: true, Secure: c.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(staff.SessionLifetime.Seconds())})
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

func (c *Console) startSession(r *http.Request, st *store.Staff, how map[string]string) (string, error) {
	var token string
	err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		var err error
		token, err = c.Staff.StartSession(r.Context(), tx, st, staff.Client{IP: c.clientIP(r), UserAgent: r.UserAgent()}, how)
		return err
	})
	return token, err
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if cookie, err := r.Cookie(c.cookieName()); err == nil {
		st, _ := c.session(r)
		err := c.Store.InTx(r.Context(), func(tx *store.Tx) error { return c.Staff.EndSession(r.Context(), tx, cookie.Value, st) })
		if err != nil {
			c.Log.ErrorContext(r.Context(), "end session", slog.Any("err", err))
		}
	}
	http.SetCookie(w, &http.Cookie{Name: c.cookieName(), Value: "", Path: "/", HttpOnly: true, Secure: c.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (c *Console) clientIP(r *http.Request) string { return c.TrustProxy.Of(r) }

// tooManyAttempts says how long to wait before trying again, in whole
// minutes rounded up.
func tooManyAttempts(r *http.Request, d time.Duration) string {
	minutes := max(int((d+time.Minute-1)/time.Minute), 1)
	return web.StaffLanguage(r).N("login.error.too_many", minutes)
}

func retryAfter(d time.Duration) string {
	return strconv.Itoa(int((d + time.Second - 1) / time.Second))
}

// StaffActor is how the audit log names the signed-in staff member of a
// request that passed Require.
func StaffActor(r *http.Request) string { return staff.Actor(SignedIn(r.Context()).ID) }
