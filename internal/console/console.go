// Package console serves the staff side of attest: sign-in, sessions and
// the pages agents, supervisors and admins work in.
package console

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/audit"
	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/call"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/webhook"
	"github.com/attest-dev/attest/internal/workflow"
	"github.com/attest-dev/attest/web"
)

// SessionLifetime is how long a staff sign-in lasts: one working day.
const SessionLifetime = 12 * time.Hour

// Console serves the staff pages.
type Console struct {
	Store    *store.Store
	Workflow *workflow.Workflow
	Calls    *call.Service
	Limiter  *auth.LoginLimiter
	Now      func() time.Time
	Log      *slog.Logger
	// Secure marks cookies Secure and gives them the __Host- prefix; on for
	// any https base URL.
	Secure bool
	// Mailbox shows the development mailbox, used when no SMTP server is set.
	Mailbox bool
	Rand    io.Reader
	// TrustProxy takes the client address from X-Forwarded-For.
	TrustProxy bool
	Webhooks   *webhook.Endpoints
	// WaitTarget is the live-queue wait the floor counts breaches of
	// (default DefaultWaitTarget).
	WaitTarget time.Duration
}

// Register adds the console's routes to mux.
func (c *Console) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /login", c.loginPage)
	mux.HandleFunc("POST /login", c.login)
	mux.HandleFunc("POST /logout", c.logout)
	staff := []store.Role{store.RoleAgent, store.RoleSupervisor, store.RoleAdmin}
	mux.Handle("GET /agent", c.require(c.agentHome, staff...))
	mux.Handle("POST /agent/presence", c.require(c.presence, staff...))
	mux.Handle("POST /agent/take", c.require(c.take, staff...))
	mux.Handle("POST /agent/calls/{id}/outcome", c.require(c.outcome, staff...))
	mux.Handle("POST /agent/calls/{id}/script", c.require(c.script, staff...))
	mux.Handle("POST /agent/calls/{id}/decision", c.require(c.decision, staff...))
	mux.Handle("GET /agent/ws", c.require(c.signal, staff...))
	reviewers := []store.Role{store.RoleSupervisor, store.RoleAdmin}
	mux.Handle("GET /agent/reviews", c.requireReviewer(c.reviews))
	mux.Handle("GET /agent/reviews/{id}", c.requireReviewer(c.review))
	mux.Handle("POST /agent/reviews/{id}", c.requireReviewer(c.decideReview))
	mux.Handle("GET /agent/appeals/{id}", c.require(c.appealPage, reviewers...))
	mux.Handle("GET /agent/documents/{id}", c.require(c.document, staff...))
	mux.Handle("GET /agent/document-reviews", c.require(c.documentReviews, staff...))
	mux.Handle("GET /agent/document-reviews/{id}", c.require(c.documentReview, staff...))
	mux.Handle("POST /agent/document-reviews/{id}", c.require(c.decideDocuments, staff...))
	mux.Handle("GET /agent/fairness", c.require(c.fairness, reviewers...))
	mux.Handle("GET /agent/fairness.csv", c.require(c.fairnessCSV, reviewers...))
	mux.Handle("POST /agent/appeals/{id}", c.require(c.decideAppeal, reviewers...))
	mux.Handle("GET /agent/hours", c.require(c.hours, staff...))
	mux.Handle("POST /agent/hours", c.require(c.saveHours, staff...))
	mux.Handle("POST /agent/hours/leave", c.require(c.addLeave, staff...))
	mux.Handle("POST /agent/hours/leave/{id}/delete", c.require(c.deleteLeave, staff...))
	c.registerAdmin(mux)
	if c.Mailbox {
		mux.Handle("GET /dev/mailbox", c.require(c.mailbox, store.RoleAgent, store.RoleSupervisor, store.RoleAdmin))
		mux.Handle("GET /dev/mailbox/{id}", c.require(c.mail, store.RoleAgent, store.RoleSupervisor, store.RoleAdmin))
	}
}

func (c *Console) cookieName() string {
	if c.Secure {
		return "__Host-attest_session"
	}
	return "attest_session"
}

type staffKey struct{}

// signedIn is the staff member behind a request that passed require.
func signedIn(ctx context.Context) *store.Staff { return ctx.Value(staffKey{}).(*store.Staff) }

// require lets through only signed-in staff with one of the roles; others
// are sent to sign in, or refused when signed in with another role.
func (c *Console) require(h http.HandlerFunc, roles ...store.Role) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := c.session(r)
		if st == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		for _, role := range roles {
			if st.Role == role {
				h(w, r.WithContext(context.WithValue(r.Context(), staffKey{}, st)))
				return
			}
		}
		http.Error(w, "Your role may not open this page.", http.StatusForbidden)
	})
}

// requireReviewer lets through staff who may give second reviews: by role,
// or agents granted review rights.
func (c *Console) requireReviewer(h http.HandlerFunc) http.Handler {
	return c.require(func(w http.ResponseWriter, r *http.Request) {
		if !signedIn(r.Context()).Reviews() {
			http.Error(w, "Your role may not open this page.", http.StatusForbidden)
			return
		}
		h(w, r)
	}, store.RoleAgent, store.RoleSupervisor, store.RoleAdmin)
}

func (c *Console) session(r *http.Request) *store.Staff {
	cookie, err := r.Cookie(c.cookieName())
	if err != nil || len(cookie.Value) > 128 {
		return nil
	}
	st, err := c.Store.SessionStaff(r.Context(), auth.HashSessionToken(cookie.Value), c.Now())
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			c.Log.ErrorContext(r.Context(), "read session", slog.Any("err", err))
		}
		return nil
	}
	return st
}

type loginForm struct {
	Email, Error, Next string
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	if c.session(r) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	web.Render(w, http.StatusOK, "login", loginForm{Next: safeNext(r.URL.Query().Get("next"))})
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
		web.Render(w, http.StatusBadRequest, "login", loginForm{Error: "The form could not be read. Please try again."})
		return
	}
	email := strings.ToLower(strings.TrimSpace(r.PostForm.Get("email")))
	password := r.PostForm.Get("password")
	form := loginForm{Email: email, Next: safeNext(r.PostForm.Get("next"))}
	ip := c.clientIP(r)
	for _, key := range []string{"email:" + email, "ip:" + ip} {
		if ok, wait := c.Limiter.Allow(key); !ok {
			form.Error = "Too many attempts. Please wait " + roundUp(wait) + " and try again."
			w.Header().Set("Retry-After", retryAfter(wait))
			web.Render(w, http.StatusTooManyRequests, "login", form)
			return
		}
	}
	st, err := c.checkPassword(r.Context(), email, password)
	if err != nil {
		c.Limiter.Failure("email:" + email)
		c.Limiter.Failure("ip:" + ip)
		c.Log.InfoContext(r.Context(), "failed staff sign-in", slog.String("ip", ip))
		form.Error = "That email and password do not match. Please try again."
		web.Render(w, http.StatusUnauthorized, "login", form)
		return
	}
	c.Limiter.Success("email:" + email)
	token, err := c.startSession(r, st, ip)
	if err != nil {
		c.Log.ErrorContext(r.Context(), "start session", slog.Any("err", err))
		form.Error = "Something went wrong on our side. Please try again."
		web.Render(w, http.StatusInternalServerError, "login", form)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: c.cookieName(), Value: token, Path: "/", HttpOnly: true, Secure: c.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(SessionLifetime.Seconds())})
	http.Redirect(w, r, form.Next, http.StatusSeeOther)
}

var errBadCredentials = errors.New("bad credentials")

// dummyHash keeps an unknown email as slow as a wrong password, so timing
// does not tell which staff emails exist.
var dummyHash, _ = auth.HashPassword("not a real password", rand.Reader)

func (c *Console) checkPassword(ctx context.Context, email, password string) (*store.Staff, error) {
	st, err := c.Store.StaffByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		auth.VerifyPassword(dummyHash, password)
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

func (c *Console) startSession(r *http.Request, st *store.Staff, ip string) (string, error) {
	token, err := auth.NewSessionToken(c.Rand)
	if err != nil {
		return "", err
	}
	now := c.Now().UTC()
	s := &store.Session{TokenHash: auth.HashSessionToken(token), StaffID: st.ID, CreatedAt: now,
		ExpiresAt: now.Add(SessionLifetime), LastSeenAt: now, IP: ip, UserAgent: truncate(r.UserAgent(), 256)}
	err = c.Store.InTx(r.Context(), func(tx *store.Tx) error {
		if err := tx.InsertSession(r.Context(), s); err != nil {
			return err
		}
		return tx.Audit(r.Context(), audit.Record{Actor: "staff:" + st.ID, Action: "staff.login", Target: st.ID,
			Details: map[string]string{"ip": ip}}, now)
	})
	return token, err
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if cookie, err := r.Cookie(c.cookieName()); err == nil {
		st := c.session(r)
		err := c.Store.InTx(r.Context(), func(tx *store.Tx) error {
			if err := tx.DeleteSession(r.Context(), auth.HashSessionToken(cookie.Value)); err != nil {
				return err
			}
			if st == nil {
				return nil
			}
			return tx.Audit(r.Context(), audit.Record{Actor: "staff:" + st.ID, Action: "staff.logout", Target: st.ID}, c.Now())
		})
		if err != nil {
			c.Log.ErrorContext(r.Context(), "end session", slog.Any("err", err))
		}
	}
	http.SetCookie(w, &http.Cookie{Name: c.cookieName(), Value: "", Path: "/", HttpOnly: true, Secure: c.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (c *Console) clientIP(r *http.Request) string {
	if c.TrustProxy {
		if fwd := r.Header.Get("X-Forwarded-For"); fwd != "" {
			first, _, _ := strings.Cut(fwd, ",")
			return strings.TrimSpace(first)
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func roundUp(d time.Duration) string {
	minutes := int((d + time.Minute - 1) / time.Minute)
	if minutes <= 1 {
		return "a minute"
	}
	return strconv.Itoa(minutes) + " minutes"
}

func retryAfter(d time.Duration) string {
	return strconv.Itoa(int((d + time.Second - 1) / time.Second))
}
