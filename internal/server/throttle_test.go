package server_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/clientip"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// signInFrom tries a sign-in as a browser behind the trusted proxy at
// 127.0.0.1 would: forwarded holds what the client claimed, then the
// address the proxy saw.
func signInFrom(t *testing.T, base, forwarded, email, password string) *http.Response {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", base+"/login", strings.NewReader(url.Values{"email": {email}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", forwarded)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// The attacks that worked before: addresses spoofed in X-Forwarded-For
// were never throttled, and failing on purpose from anywhere locked the
// real admin out. Now the address is the one the proxy saw, attempts slow
// down and stop per account and address, and the admin signs in from
// elsewhere all along; admins see what is held back.
func TestSignInThrottling(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	proxies, _ := clientip.ParseProxies("127.0.0.1, ::1")
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: func() time.Time { return now }, TrustProxy: proxies})
	addStaff(t, s, "ada@example.com", store.RoleAdmin, "correct horse battery")

	// Spoofed first entries change nothing: the attacker is 203.0.113.5.
	statuses := map[int]int{}
	for i := range 20 {
		res := signInFrom(t, base, "198.51.100."+string(rune('0'+i%10))+", 203.0.113.5", "ada@example.com", "wrong password "+string(rune('a'+i)))
		statuses[res.StatusCode]++
		if res.StatusCode == http.StatusTooManyRequests && res.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
		now = now.Add(200 * time.Millisecond)
	}
	if statuses[http.StatusTooManyRequests] < 15 {
		t.Fatalf("20 wrong passwords from one address behind spoofed entries: %v; want most held back", statuses)
	}
	// The real admin, from another address, is never locked out.
	if res := signInFrom(t, base, "192.0.2.44", "ada@example.com", "correct horse battery"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the admin signing in from elsewhere: %d", res.StatusCode)
	}
	// The admin sees the held-back sign-in on the staff page.
	admin := &http.Client{Jar: signIn(t, base, "ada@example.com", "correct horse battery")}
	if _, page := fetchWith(t, admin, base+"/admin/staff"); !strings.Contains(page, "203.0.113.5") || strings.Contains(page, "198.51.100.") {
		t.Fatal("the staff page does not show the held-back address, or shows a spoofed one")
	}
	// Growing delays: after two failures from a fresh address, the next
	// attempt waits a second, then two.
	if signInFrom(t, base, "192.0.2.7", "ada@example.com", "nope 1").StatusCode != http.StatusUnauthorized ||
		signInFrom(t, base, "192.0.2.7", "ada@example.com", "nope 2").StatusCode != http.StatusUnauthorized {
		t.Fatal("the first two failures are not answered plainly")
	}
	if res := signInFrom(t, base, "192.0.2.7", "ada@example.com", "nope 3"); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("a third try at once: %d, want 429", res.StatusCode)
	}
	now = now.Add(1100 * time.Millisecond)
	if res := signInFrom(t, base, "192.0.2.7", "ada@example.com", "correct horse battery"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the right password after the delay: %d", res.StatusCode)
	}
}
