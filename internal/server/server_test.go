package server_test

import (
	"context"

	"io"
	"log"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/attest-dev/attest/internal/keys/keystest"
	"github.com/attest-dev/attest/internal/schedule"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/workflow"
)

var t0 = time.Date(2026, 10, 24, 22, 0, 0, 0, time.UTC)

// mailServer is a real SMTP server in the test process that keeps what it receives.
type mailServer struct {
	addr string
	recv chan receivedMail
}

type receivedMail struct {
	From string
	To   []string
	Data string
}

func startMailServer(t testing.TB) *mailServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &mailServer{addr: ln.Addr().String(), recv: make(chan receivedMail, 16)}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailSession{server: m}, nil }))
	s.Domain = "mail.test"
	s.ErrorLog = log.New(io.Discard, "", 0) // clients hanging up after QUIT is not news
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return m
}

type mailSession struct {
	server *mailServer
	mail   receivedMail
}

func (s *mailSession) Reset()        { s.mail = receivedMail{} }
func (s *mailSession) Logout() error { return nil }
func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	s.mail.From = from
	return nil
}
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.mail.To = append(s.mail.To, to)
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.mail.Data = string(b)
	s.server.recv <- s.mail
	return nil
}

func (m *mailServer) wait(t *testing.T) receivedMail {
	t.Helper()
	select {
	case mail := <-m.recv:
		return mail
	case <-time.After(20 * time.Second):
		t.Fatal("no email arrived within 20s")
	}
	return receivedMail{}
}

func open(t testing.TB, cfg server.Config) *server.Server {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return t0 }
	}
	cfg.JobPoll = 50 * time.Millisecond
	if cfg.Keys == nil {
		cfg.Keys = keystest.Ring()
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://attest.test"
	}
	s, err := server.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// openServed opens a server behind an httptest listener, with BaseURL set
// to where it listens; both close when the test ends.
func openServed(t testing.TB, cfg server.Config) (*server.Server, string) {
	t.Helper()
	h := httptest.NewUnstartedServer(nil)
	cfg.BaseURL = "http://" + h.Listener.Addr().String()
	s := open(t, cfg)
	t.Cleanup(func() { s.Close() })
	h.Config.Handler = s.Handler()
	h.Start()
	t.Cleanup(h.Close)
	return s, cfg.BaseURL
}

// run runs a server through Server.Run on a fresh loopback port.
func run(t testing.TB, s *server.Server) (base string, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return "http://" + ln.Addr().String(), serve(t, s, ln)
}

func seedCase(t testing.TB, s *server.Server, id string) *workflow.Opened {
	t.Helper()
	ctx := context.Background()
	var opened *workflow.Opened
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		f := &verification.Freelancer{ID: id, DisplayName: "Rahul Mehta", Email: id + "@example.com", Locale: "en-IN",
			TimeZone: "Asia/Kolkata", Claims: []verification.Claim{{Key: "location", Label: "Location", Value: "Pune, India"}}}
		if _, err := s.Workflow.PutFreelancer(ctx, tx, "test", f); err != nil {
			return err
		}
		var err error
		opened, err = s.Workflow.OpenVerification(ctx, tx, "test", verification.Request{FreelancerID: id,
			Reason: verification.Reason{Code: "location_mismatch", Explanation: "Sign-ins came from another country."}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return opened
}

// The invitation goes out over real SMTP, carrying the portal link and the
// deadline in the freelancer's own time zone.
func TestInvitationOverSMTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		mail := startMailServer(t)
		s := open(t, server.Config{Store: cfg, SMTP: "smtp://" + mail.addr + "?from=verify@attest.test&starttls=off"})
		defer s.Close()
		_, stop := run(t, s)
		defer stop()
		opened := seedCase(t, s, "u-7")
		got := mail.wait(t)
		if got.From != "verify@attest.test" || len(got.To) != 1 || got.To[0] != "u-7@example.com" {
			t.Fatalf("envelope from %s to %v", got.From, got.To)
		}
		body := strings.ReplaceAll(got.Data, "=\r\n", "")
		// 7 days after 22:00 UTC is 03:30 the next morning in Kolkata.
		if !strings.Contains(body, "Sunday, 1 November 2026, 03:30 IST") {
			t.Errorf("deadline not shown in the freelancer's zone:\n%s", body)
		}
		if !strings.Contains(body, opened.Link.URL[:40]) {
			t.Errorf("portal link missing from the email")
		}
		waitSent(t, s)
	})
}

func waitSent(t testing.TB, s *server.Server) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		emails, err := s.Store.Emails(context.Background(), 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(emails) > 0 && emails[0].SentAt != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("email not marked sent")
}

// An email queued by a server that stops before sending it is sent by the
// next one: the job lives in the database, not in memory.
func TestQueuedEmailSurvivesRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		first := open(t, server.Config{Store: cfg})
		seedCase(t, first, "u-8") // queued; this server never starts its workers
		first.Close()

		mail := startMailServer(t)
		second := open(t, server.Config{Store: cfg, SMTP: "smtp://" + mail.addr + "?from=verify@attest.test&starttls=off"})
		defer second.Close()
		_, stop := run(t, second)
		defer stop()
		if got := mail.wait(t); got.To[0] != "u-8@example.com" {
			t.Fatalf("delivered to %v", got.To)
		}
	})
}

// Without --smtp, mail is kept for the development mailbox.
func TestMailboxWithoutSMTP(t *testing.T) {
	s := open(t, server.Config{Store: storetest.SQLite(t)})
	defer s.Close()
	_, stop := run(t, s)
	defer stop()
	seedCase(t, s, "u-9")
	waitSent(t, s)
	emails, _ := s.Store.Emails(context.Background(), 1)
	if emails[0].Transport != "mailbox" {
		t.Fatalf("transport %q", emails[0].Transport)
	}
}

func TestPortalPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		now := t0
		s := open(t, server.Config{Store: cfg, Now: func() time.Time { return now }})
		defer s.Close()
		h := httptest.NewServer(s.Handler())
		defer h.Close()
		opened := seedCase(t, s, "u-10")
		path := strings.TrimPrefix(opened.Link.URL, "http://attest.test")

		status, body := fetch(t, h.URL+path)
		for _, want := range []string{"Sign-ins came from another country.", "Pune, India",
			"Nothing on your account is restricted before Sunday 1 November 2026, 03:30 (IST)"} {
			if !strings.Contains(body, want) {
				t.Errorf("portal page lacks %q", want)
			}
		}
		if status != 200 {
			t.Fatalf("status %d", status)
		}
		tampered := path[:len(path)-3] + "AAA"
		if status, body := fetch(t, h.URL+tampered); status != 404 || !strings.Contains(body, "This link does not work") {
			t.Errorf("forged link: %d", status)
		}
		if status, _ := fetch(t, h.URL+"/v/%00%ff"); status != 404 {
			t.Errorf("garbage link: %d", status)
		}
		now = opened.Link.ExpiresAt.Add(time.Second)
		if status, body := fetch(t, h.URL+path); status != 410 || !strings.Contains(body, "This link has expired") {
			t.Errorf("expired link: %d", status)
		}
		now = t0
		err := s.Store.InTx(context.Background(), func(tx *store.Tx) error {
			_, err := s.Workflow.RevokePortalLinks(context.Background(), tx, "test", "u-10")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if status, body := fetch(t, h.URL+path); status != 410 || !strings.Contains(body, "no longer active") {
			t.Errorf("revoked link: %d", status)
		}
	})
}

func fetch(t testing.TB, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func addStaff(t testing.TB, s *server.Server, email string, role store.Role, password string) {
	t.Helper()
	err := s.Store.InTx(context.Background(), func(tx *store.Tx) error {
		_, err := s.Staff.Put(context.Background(), tx, "test", email, "", role, password)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestStaffSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		s := open(t, server.Config{Store: cfg, Now: time.Now})
		defer s.Close()
		h := httptest.NewServer(s.Handler())
		defer h.Close()
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		jar, _ := cookiejar.New(nil)
		client := &http.Client{Jar: jar}

		res := postForm(t, client, h.URL+"/login", url.Values{"email": {"maria@example.com"}, "password": {"wrong password!"}}, "")
		if res.StatusCode != 401 {
			t.Fatalf("wrong password: %d", res.StatusCode)
		}
		res = postForm(t, client, h.URL+"/login", url.Values{"email": {"Maria@Example.com"}, "password": {"correct horse battery"}, "next": {"/agent"}}, "")
		if res.StatusCode != 200 || res.Request.URL.Path != "/agent" {
			t.Fatalf("sign-in ended at %s with %d", res.Request.URL, res.StatusCode)
		}
		u, _ := url.Parse(h.URL)
		cookies := jar.Cookies(u)
		if len(cookies) != 1 || cookies[0].Name != "attest_session" {
			t.Fatalf("cookies %v", cookies)
		}
		// A form posted from another site is refused (CSRF).
		res = postForm(t, client, h.URL+"/logout", url.Values{}, "https://evil.example")
		if res.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-origin logout: %d", res.StatusCode)
		}
		res = postForm(t, client, h.URL+"/logout", url.Values{}, "")
		if res.Request.URL.Path != "/login" {
			t.Fatalf("logout ended at %s", res.Request.URL)
		}
		res, _ = client.Get(h.URL + "/agent")
		res.Body.Close()
		if res.Request.URL.Path != "/login" {
			t.Fatalf("after logout /agent ended at %s", res.Request.URL)
		}
		if n, err := s.Store.VerifyAudit(context.Background()); err != nil || n < 3 {
			t.Fatalf("audit: %d %v", n, err)
		}
	})
}

func TestFailedSignInsAreLimited(t *testing.T) {
	clk := &clock{now: t0}
	s := open(t, server.Config{Store: storetest.SQLite(t), Now: clk.Now})
	defer s.Close()
	h := httptest.NewServer(s.Handler())
	defer h.Close()
	addStaff(t, s, "sam@example.com", store.RoleSupervisor, "correct horse battery")
	for i := range 5 {
		res := postForm(t, http.DefaultClient, h.URL+"/login", url.Values{"email": {"sam@example.com"}, "password": {"guess number " + string(rune('a'+i))}}, "")
		if res.StatusCode != 401 {
			t.Fatalf("attempt %d: %d", i, res.StatusCode)
		}
		clk.Add(10 * time.Second) // past the growing delay
	}
	res := postForm(t, http.DefaultClient, h.URL+"/login", url.Values{"email": {"sam@example.com"}, "password": {"correct horse battery"}}, "")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth attempt: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
}

func postForm(t testing.TB, c *http.Client, target string, form url.Values, origin string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// agentWithHours adds Maria, an agent, working from start to end (minutes
// after midnight) in zone on the given days, and returns her.
func agentWithHours(t testing.TB, s *server.Server, zone string, start, end schedule.Clock, days ...time.Weekday) *store.Staff {
	t.Helper()
	ctx := context.Background()
	addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
	maria, _ := s.Store.StaffByEmail(ctx, "maria@example.com")
	var week []schedule.Hours
	for _, d := range days {
		week = append(week, schedule.Hours{Day: d, Start: start, End: end})
	}
	if err := s.Store.InTx(ctx, func(tx *store.Tx) error { return tx.SetWeeklyHours(ctx, maria.ID, zone, week) }); err != nil {
		t.Fatal(err)
	}
	return maria
}

var (
	weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}
	everyDay = []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
)
