package webhook

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/attest-dev/attest/internal/verification"
)

func TestPublic(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		public bool
	}{
		{"93.184.215.14", true},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", true},
		{"127.0.0.1", false},
		{"127.8.9.10", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"fe80::1", false},
		{"fd00::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"100.64.0.1", false},
		{"224.0.0.1", false},
		{"255.255.255.255", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"64:ff9b::a00:1", false},
		{"2002:a00:1::", false},
		{"198.18.0.1", false},
	} {
		if got := Public(netip.MustParseAddr(tc.addr)); got != tc.public {
			t.Errorf("Public(%s) = %v, want %v", tc.addr, got, tc.public)
		}
	}
}

// resolver answers from a table, like DNS that a test controls.
type resolver map[string][]string

func (r resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	names, ok := r[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	var addrs []netip.Addr
	for _, n := range names {
		addrs = append(addrs, netip.MustParseAddr(n))
	}
	return addrs, nil
}

func TestCheckURL(t *testing.T) {
	dns := resolver{
		"hooks.example.com":   {"93.184.215.14"},
		"internal.example":    {"10.0.0.5"},
		"mixed.example.com":   {"93.184.215.14", "127.0.0.1"},
		"metadata.example":    {"169.254.169.254"},
		"v6-private.example":  {"fd12::1"},
		"v4-mapped.example":   {"::ffff:192.168.0.1"},
		"public-v6.example":   {"2606:2800:21f:cb07:6820:80da:af6b:8b2c"},
		"localhost.localhost": {"127.0.0.1"},
	}
	strict := Targets{Resolver: dns}
	open := Targets{AllowPrivate: true, Resolver: dns}
	for _, tc := range []struct {
		name    string
		targets Targets
		url     string
		code    string // "" for accepted
	}{
		{"public name", strict, "https://hooks.example.com/attest", ""},
		{"public IPv6 name", strict, "https://public-v6.example/x", ""},
		{"public literal", strict, "https://93.184.215.14:8443/x", ""},
		{"private name", strict, "https://internal.example/x", "private_target"},
		{"one private address among public ones", strict, "https://mixed.example.com/x", "private_target"},
		{"metadata service", strict, "https://metadata.example/latest", "private_target"},
		{"private IPv6", strict, "https://v6-private.example/x", "private_target"},
		{"IPv4-mapped private", strict, "https://v4-mapped.example/x", "private_target"},
		{"loopback literal", strict, "https://127.0.0.1/x", "private_target"},
		{"IPv6 loopback literal", strict, "https://[::1]/x", "private_target"},
		{"name resolving to loopback", strict, "https://localhost.localhost/x", "private_target"},
		{"unresolvable", strict, "https://nowhere.example/x", "unresolvable"},
		{"plain http", strict, "http://hooks.example.com/x", "insecure"},
		{"plain http when private allowed", open, "http://127.0.0.1:9000/x", ""},
		{"private allowed", open, "https://internal.example/x", ""},
		{"empty", strict, "", "required"},
		{"relative", strict, "/hooks", "invalid"},
		{"other scheme", strict, "ftp://hooks.example.com/x", "invalid"},
		{"javascript", strict, "javascript:alert(1)", "invalid"},
		{"credentials", strict, "https://user:pw@hooks.example.com/x", "invalid"},
		{"fragment", strict, "https://hooks.example.com/x#part", "invalid"},
		{"no host", strict, "https:///x", "invalid"},
		{"too long", strict, "https://hooks.example.com/" + string(make([]byte, MaxURLLength)), "too_long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.targets.Check(context.Background(), tc.url)
			code := ""
			var field *verification.FieldError
			var rule *verification.RuleError
			switch {
			case errors.As(err, &field):
				code = field.Code
			case errors.As(err, &rule):
				code = rule.Code
			case err != nil:
				t.Fatalf("untyped error %v", err)
			}
			if code != tc.code {
				t.Fatalf("Check(%q) = %q (%v), want %q", tc.url, code, err, tc.code)
			}
		})
	}
}

// The dialer checks the address it connects to, whatever a name resolved
// to when the endpoint was created.
func TestClientRefusesPrivateAddresses(t *testing.T) {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer receiver.Close()
	_, err := NewClient(Targets{}).Post(receiver.URL, "application/json", nil)
	if !errors.Is(err, errPrivateTarget) {
		t.Fatalf("posting to %s: %v, want a refusal", receiver.URL, err)
	}
	if describe(err) != "refused: the endpoint's host resolves to a non-public address" {
		t.Fatalf("the log would say %q", describe(err))
	}
	res, err := NewClient(Targets{AllowPrivate: true}).Post(receiver.URL, "application/json", nil)
	if err != nil {
		t.Fatalf("with private targets allowed: %v", err)
	}
	res.Body.Close()
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	receiver := httptest.NewServer(http.RedirectHandler("https://elsewhere.example/", http.StatusTemporaryRedirect))
	defer receiver.Close()
	res, err := NewClient(Targets{AllowPrivate: true}).Post(receiver.URL, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("status %d: the redirect was followed", res.StatusCode)
	}
}

// Signatures are checked with the Standard Webhooks reference library,
// with one secret and during a rotation, when a message carries two.
func TestSignatureVerifiesWithReferenceLibrary(t *testing.T) {
	secret, previous, stranger := NewSecret(), NewSecret(), NewSecret()
	body := []byte(`{"id":"evt_1","type":"verification.verified","data":{}}`)
	at := time.Now()
	header := func(secrets ...[]byte) http.Header {
		h := http.Header{}
		h.Set("webhook-id", "evt_1")
		h.Set("webhook-timestamp", itoa(at.Unix()))
		h.Set("webhook-signature", Signatures(secrets, "evt_1", at, body))
		return h
	}
	verifier := func(secret []byte) *standardwebhooks.Webhook {
		wh, err := standardwebhooks.NewWebhook(EncodeSecret(secret))
		if err != nil {
			t.Fatal(err)
		}
		return wh
	}
	tests := []struct {
		name     string
		signedBy [][]byte
		holder   []byte
		body     []byte
		ok       bool
	}{
		{"one secret", [][]byte{secret}, secret, body, true},
		{"a changed body", [][]byte{secret}, secret, []byte(`{"id":"evt_1","type":"verification.not_verified","data":{}}`), false},
		{"another secret", [][]byte{secret}, stranger, body, false},
		{"rotation, receiver has the new secret", [][]byte{secret, previous}, secret, body, true},
		{"rotation, receiver still has the old secret", [][]byte{secret, previous}, previous, body, true},
		{"rotation, a stranger", [][]byte{secret, previous}, stranger, body, false},
		{"after the rotation, the old secret", [][]byte{secret}, previous, body, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verifier(tt.holder).Verify(tt.body, header(tt.signedBy...))
			if (err == nil) != tt.ok {
				t.Fatalf("verified = %v (%v), want %v", err == nil, err, tt.ok)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// The schedule of retries gives an endpoint more than three days, even
// when jitter draws nothing, and never waits more than 12 h (+25 %).
func TestRetrySchedule(t *testing.T) {
	var total time.Duration
	for attempt := 1; attempt < MaxAttempts; attempt++ {
		d := RetryDelay(attempt, 0)
		if attempt > 1 && d < RetryDelay(attempt-1, 0) {
			t.Fatalf("wait %d (%v) is shorter than the one before", attempt, d)
		}
		if d > 12*time.Hour {
			t.Fatalf("wait %d is %v", attempt, d)
		}
		total += d
	}
	if total < 72*time.Hour {
		t.Fatalf("retries cover %v, want at least 3 days", total)
	}
	if RetryDelay(1, 0) != 30*time.Second || RetryDelay(2, 0) != time.Minute {
		t.Fatalf("first waits %v, %v", RetryDelay(1, 0), RetryDelay(2, 0))
	}
	t.Logf("%d attempts over %.1f days before jitter", MaxAttempts, total.Hours()/24)
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		d := withJitter(time.Hour, r.Float64())
		if d < time.Hour || d > time.Hour+15*time.Minute {
			t.Fatalf("jittered hour %v", d)
		}
	}
	if RetryDelay(3, 10*time.Millisecond) != 40*time.Millisecond {
		t.Fatalf("scaled schedule %v", RetryDelay(3, 10*time.Millisecond))
	}
}
