package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/auth"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// clock is a test clock that tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// submit posts a same-origin form and returns where the browser ended up,
// with the status and page there.
func submit(t testing.TB, c *http.Client, target string, form url.Values) (status int, path, page string) {
	t.Helper()
	res, err := c.PostForm(target, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Request.URL.Path, string(b)
}

func newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

func auditActions(t testing.TB, s *server.Server) map[string]int {
	t.Helper()
	entries, err := s.Store.AuditEntries(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, e := range entries {
		n[e.Action]++
	}
	return n
}

var secretOnPage = regexp.MustCompile(`data-test="totp-secret">([A-Z2-7 ]+)<`)

// enrolTOTP sets up two-step sign-in for the staff member signed in on c
// and returns the secret and the recovery codes.
func enrolTOTP(t testing.TB, c *http.Client, base string, now time.Time) (secret []byte, recovery []string) {
	t.Helper()
	status, _, page := submit(t, c, base+"/account/security/totp/start", nil)
	m := secretOnPage.FindStringSubmatch(page)
	if status != 200 || m == nil || !strings.Contains(page, `<img class="qr" src="data:image/svg`) {
		t.Fatalf("the enrolment page shows no secret and QR code:\n%s", page)
	}
	secret, err := auth.TOTPSecretEncoding.DecodeString(strings.ReplaceAll(m[1], " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	if status, _, _ := submit(t, c, base+"/account/security/totp/confirm", url.Values{"code": {"123456"}}); status != 422 {
		t.Fatalf("confirming with a wrong code: %d, want 422", status)
	}
	status, _, page = submit(t, c, base+"/account/security/totp/confirm", url.Values{"code": {codeAt(secret, now)}})
	recovery = regexp.MustCompile(`<code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>`).FindAllString(page, -1)
	if status != 200 || len(recovery) != 10 {
		t.Fatalf("confirming: %d with %d recovery codes", status, len(recovery))
	}
	for i := range recovery {
		recovery[i] = strings.TrimSuffix(strings.TrimPrefix(recovery[i], "<code>"), "</code>")
	}
	if _, page := fetchWith(t, c, base+"/account/security"); strings.Contains(page, recovery[0]) || secretOnPage.MatchString(page) {
		t.Fatal("the recovery codes or the secret are shown again")
	}
	return secret, recovery
}

func codeAt(secret []byte, at time.Time) string { return auth.TOTPCode(secret, auth.TOTPStepAt(at)) }

func TestTOTPSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		clk := &clock{now: t0}
		s, base := openServed(t, server.Config{Store: cfg, Now: clk.Now, RequireTOTP: []store.Role{store.RoleSupervisor}})
		addStaff(t, s, "sam@example.com", store.RoleSupervisor, "correct horse battery")
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		sam := newClient()

		// A supervisor must enrol before any other page.
		_, path, _ := submit(t, sam, base+"/login", url.Values{"email": {"sam@example.com"}, "password": {"correct horse battery"}})
		if path != "/account/security" {
			t.Fatalf("a supervisor without a second factor landed on %s", path)
		}
		if _, page := fetchWith(t, sam, base+"/agent/reviews"); !strings.Contains(page, "must use two-step sign-in") {
			t.Fatal("the reviews page opened before enrolment")
		}
		// An agent's role does not require it.
		if jar := signIn(t, base, "maria@example.com", "correct horse battery"); jar == nil {
			t.Fatal("agent sign-in")
		}

		secret, recovery := enrolTOTP(t, sam, base, clk.Now())
		if status, page := fetchWith(t, sam, base+"/agent/reviews"); status != 200 || !strings.Contains(page, "Second reviews") {
			t.Fatalf("the reviews page after enrolment: %d", status)
		}

		// Signing in again asks for the code after the password.
		fresh := newClient()
		_, path, _ = submit(t, fresh, base+"/login", url.Values{"email": {"sam@example.com"}, "password": {"correct horse battery"}, "next": {"/agent/reviews"}})
		if path != "/login/code" {
			t.Fatalf("password step ended at %s", path)
		}
		if status, page := fetchWith(t, fresh, base+"/agent"); status != 200 || !strings.Contains(page, `action="/login"`) {
			t.Fatal("the password alone opened the console")
		}
		// The code that confirmed enrolment was used: it does not work twice.
		if status, _, _ := submit(t, fresh, base+"/login/code", url.Values{"code": {codeAt(secret, clk.Now())}}); status != 401 {
			t.Fatalf("a replayed code: %d, want 401", status)
		}
		clk.Add(30 * time.Second)
		status, path, _ := submit(t, fresh, base+"/login/code", url.Values{"code": {codeAt(secret, clk.Now())}})
		if status != 200 || path != "/agent/reviews" {
			t.Fatalf("the next code: %d at %s", status, path)
		}

		// A recovery code works once.
		for i, want := range []string{"/agent", "/login/code"} {
			c := newClient()
			submit(t, c, base+"/login", url.Values{"email": {"sam@example.com"}, "password": {"correct horse battery"}})
			if _, path, _ := submit(t, c, base+"/login/code", url.Values{"code": {strings.ToUpper(recovery[3])}}); path != want {
				t.Fatalf("recovery code, use %d: ended at %s, want %s", i+1, path, want)
			}
		}

		// A stale second step is refused.
		late := newClient()
		submit(t, late, base+"/login", url.Values{"email": {"sam@example.com"}, "password": {"correct horse battery"}})
		clk.Add(6 * time.Minute)
		if status, _, page := submit(t, late, base+"/login/code", url.Values{"code": {codeAt(secret, clk.Now())}}); status != 401 || !strings.Contains(page, "took too long") {
			t.Fatalf("a code after the ticket expired: %d", status)
		}

		// Turning it off needs a current code.
		if status, _, _ := submit(t, sam, base+"/account/security/totp/remove", url.Values{"code": {"000000"}}); status != 422 {
			t.Fatalf("removal with a wrong code: %d", status)
		}
		clk.Add(30 * time.Second)
		if _, path, _ := submit(t, sam, base+"/account/security/totp/remove", url.Values{"code": {codeAt(secret, clk.Now())}}); path != "/account/security" {
			t.Fatalf("removal ended at %s", path)
		}
		if _, page := fetchWith(t, sam, base+"/agent/reviews"); !strings.Contains(page, "must use two-step sign-in") {
			t.Fatal("after removal the policy no longer applies")
		}

		actions := auditActions(t, s)
		if actions["staff.totp_enrolled"] != 1 || actions["staff.totp_removed"] != 1 || actions["staff.recovery_code_used"] != 1 {
			t.Fatalf("audit: %v", actions)
		}
		if n, err := s.Store.VerifyAudit(context.Background()); err != nil {
			t.Fatalf("audit chain after %d: %v", n, err)
		}
	})
}

func TestTOTPCodesAreLimited(t *testing.T) {
	clk := &clock{now: t0}
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: clk.Now})
	addStaff(t, s, "sam@example.com", store.RoleSupervisor, "correct horse battery")
	sam := newClient()
	submit(t, sam, base+"/login", url.Values{"email": {"sam@example.com"}, "password": {"correct horse battery"}})
	secret, _ := enrolTOTP(t, sam, base, clk.Now())
	clk.Add(30 * time.Second)

	c := newClient()
	submit(t, c, base+"/login", url.Values{"email": {"sam@example.com"}, "password": {"correct horse battery"}})
	for i := range 5 {
		if status, _, _ := submit(t, c, base+"/login/code", url.Values{"code": {"00000" + string(rune('0'+i))}}); status != 401 {
			t.Fatalf("wrong code %d: %d", i, status)
		}
		clk.Add(10 * time.Second) // past the growing delay
	}
	res, err := c.PostForm(base+"/login/code", url.Values{"code": {codeAt(secret, clk.Now())}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth attempt: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
}

var sessionAction = regexp.MustCompile(`action="(/account/sessions/(ses_[0-9a-z]+)/revoke)"`)

func TestSessionsListAndRevoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		clk := &clock{now: t0}
		s, base := openServed(t, server.Config{Store: cfg, Now: clk.Now})
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		addStaff(t, s, "ada@example.com", store.RoleAdmin, "correct horse battery")
		laptop := &http.Client{Jar: signIn(t, base, "maria@example.com", "correct horse battery")}
		clk.Add(2 * time.Minute)
		phone := &http.Client{Jar: signIn(t, base, "maria@example.com", "correct horse battery")}
		clk.Add(2 * time.Minute)

		status, page := fetchWith(t, laptop, base+"/account/security")
		rows := sessionAction.FindAllStringSubmatch(page, -1)
		if status != 200 || len(rows) != 2 || strings.Count(page, "this browser") != 1 || !strings.Contains(page, "Go-http-client") {
			t.Fatalf("sessions page: %d, %d sessions\n%s", status, len(rows), page)
		}
		// The laptop was just seen, so it is listed first; the other is the phone.
		phoneRevoke := rows[1][1]
		if status, _, _ := submit(t, laptop, base+phoneRevoke, nil); status != 200 {
			t.Fatalf("revoking the phone: %d", status)
		}
		if _, page := fetchWith(t, phone, base+"/agent"); !strings.Contains(page, `action="/login"`) {
			t.Fatal("the revoked session still opens the console")
		}
		if status, _ := fetchWith(t, laptop, base+"/agent"); status != 200 {
			t.Fatal("revoking the phone signed the laptop out")
		}

		// One staff member cannot revoke another's session by its id.
		ada := &http.Client{Jar: signIn(t, base, "ada@example.com", "correct horse battery")}
		_, page = fetchWith(t, laptop, base+"/account/security")
		laptopID := sessionAction.FindStringSubmatch(page)[2]
		submit(t, ada, base+"/account/sessions/"+laptopID+"/revoke", nil)
		if status, _ := fetchWith(t, laptop, base+"/agent"); status != 200 {
			t.Fatal("someone else's revoke form signed the laptop out")
		}

		// Admins see anyone's sessions and sign them out everywhere.
		maria, _ := s.Store.StaffByEmail(context.Background(), "maria@example.com")
		if status, _ := fetchWith(t, laptop, base+"/admin/staff/"+maria.ID+"/sessions"); status != http.StatusForbidden {
			t.Fatalf("an agent opening the admin sessions page: %d", status)
		}
		status, page = fetchWith(t, ada, base+"/admin/staff/"+maria.ID+"/sessions")
		if status != 200 || !strings.Contains(page, "/admin/staff/"+maria.ID+"/sessions/"+laptopID+"/revoke") {
			t.Fatalf("admin sessions page: %d\n%s", status, page)
		}
		if _, path, _ := submit(t, ada, base+"/admin/staff/"+maria.ID+"/sessions/revoke-all", nil); path != "/admin/staff/"+maria.ID+"/sessions" {
			t.Fatalf("revoke all ended at %s", path)
		}
		if _, page := fetchWith(t, laptop, base+"/agent"); !strings.Contains(page, `action="/login"`) {
			t.Fatal("revoking all left the laptop signed in")
		}
		// Cross-site forms are refused like every other.
		res := postForm(t, ada, base+"/admin/staff/"+maria.ID+"/sessions/revoke-all", url.Values{}, "https://evil.example")
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-site revoke: %d", res.StatusCode)
		}
		actions := auditActions(t, s)
		if actions["staff.session_revoked"] != 1 || actions["staff.sessions_revoked"] != 1 {
			t.Fatalf("audit: %v", actions)
		}
	})
}

// The form choosing whose sessions to see, sent with nobody chosen, goes
// back to the staff page rather than round a redirect loop
// (/admin/staff//sessions is cleaned to the form's own path).
func TestStaffSessionsChooserWithNobodyChosen(t *testing.T) {
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t)})
	admin := signedInAs(t, s, base, "ada@example.com", store.RoleAdmin)
	res, err := admin.Get(base + "/admin/staff/sessions?staff=")
	if err != nil {
		t.Fatalf("the form with nobody chosen: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/admin/staff" {
		t.Fatalf("the form with nobody chosen ends at %d %s, want 200 /admin/staff", res.StatusCode, res.Request.URL.Path)
	}
}
