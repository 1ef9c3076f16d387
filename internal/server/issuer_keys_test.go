package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/attest-dev/attest/internal/credential/testwallet"
	"github.com/attest-dev/attest/internal/issuer"
	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/keys/keystest"
	"github.com/attest-dev/attest/internal/keys/rotation"
	"github.com/attest-dev/attest/internal/sdjwt"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// A credential attest issued keeps verifying, by the keys attest
// publishes, through two master-key rotations each past its grace, when
// no node holds the master key it was signed under any more; its
// revocation still shows in the status list, which the current key signs;
// and its key is published no longer once the credential has expired.
func TestIssuedCredentialsSurviveKeyRotations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		ctx := context.Background()
		// The clock starts days back, so that the rotations' graces have
		// passed by the time it reaches now: the test wallet checks the
		// certificate of attest's requests against the real time.
		clock := &testClock{at: time.Now().Add(-5 * 24 * time.Hour)}
		pid, trust := issuers(t, 1)
		// One address for every node, as a deployment keeps: a
		// credential names its issuer by it.
		var current atomic.Pointer[server.Server]
		h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { current.Load().Handler().ServeHTTP(w, r) }))
		t.Cleanup(h.Close)
		base := h.URL
		start := func(ring *keys.Ring) *server.Server {
			s := open(t, server.Config{Store: cfg, Now: clock.Now, BaseURL: base, Keys: ring,
				Credentials: server.CredentialConfig{Trust: trust, AllowHTTP: true, StatusTimeout: time.Second}})
			if old := current.Swap(s); old != nil {
				old.Close()
			}
			return s
		}
		t.Cleanup(func() {
			if s := current.Load(); s != nil {
				s.Close()
			}
		})
		const grace = 48 * time.Hour
		rotate := func(from *keys.Master) *keys.Master {
			next, err := keys.Parse(keys.New())
			if err != nil {
				t.Fatal(err)
			}
			st, err := server.Migrated(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := rotation.Rotate(ctx, st, keys.NewRing(from), next, grace, "test", clock.Now()); err != nil {
				t.Fatal(err)
			}
			clock.Add(grace + time.Hour)
			return next
		}
		receive := func(s *server.Server, id string) *testwallet.Wallet {
			t.Helper()
			portal := verifiedByDigitalID(t, s, pid[0], clock, id)
			_, link, status := offerLinks(t, portal)
			if link == "" {
				t.Fatalf("no offer: %d", status)
			}
			wl, err := testwallet.NewWallet()
			if err != nil {
				t.Fatal(err)
			}
			wl.Now = clock.Now
			if _, err := wl.Receive(ctx, link); err != nil {
				t.Fatalf("receive: %v", err)
			}
			return wl
		}
		published := func() int {
			t.Helper()
			status, body := fetch(t, base+issuer.JWTIssuerPath)
			var m struct {
				Keys struct {
					Keys []map[string]any `json:"keys"`
				} `json:"jwks"`
			}
			if err := json.Unmarshal([]byte(body), &m); status != http.StatusOK || err != nil {
				t.Fatalf("jwt-vc-issuer: %d %v %s", status, err, body)
			}
			return len(m.Keys.Keys)
		}

		a := keystest.Ring().Current
		s := start(keys.NewRing(a))
		first := receive(s, "fl_rot_a")
		b := rotate(a)
		s = start(keys.NewRing(b))
		second := receive(s, "fl_rot_b")
		c := rotate(b)
		s = start(keys.NewRing(c))

		for name, wl := range map[string]*testwallet.Wallet{"signed under the first master key": first, "signed under the second": second} {
			if _, err := wl.CheckIssued(ctx, base); err != nil {
				t.Errorf("a credential %s, two rotations on: %v", name, err)
			}
		}
		if n := published(); n != 3 {
			t.Errorf("%d keys published, want 3: the current one and the two that signed credentials still valid", n)
		}
		list, err := s.Store.IssuedCredentials(ctx, "fl_rot_a")
		if err != nil || len(list) != 1 || list[0].KeyID == "" {
			t.Fatalf("recorded %+v %v", list, err)
		}

		laterNegative(t, s, "fl_rot_a")
		if _, err := first.CheckIssued(ctx, base); sdjwt.CodeOf(err) != sdjwt.Revoked {
			t.Errorf("after revocation, two rotations on, the check gave %v, want revoked", err)
		}
		if _, err := second.CheckIssued(ctx, base); err != nil {
			t.Errorf("the other credential: %v", err)
		}

		clock.Add(issuer.DefaultLifetime)
		if n := published(); n != 1 {
			t.Errorf("%d keys published once every credential expired, want the current one alone", n)
		}
	})
}

// verifiedByDigitalID opens a case on a profile with a legal name, has it
// verified by a digital ID from pid, and returns the portal link.
func verifiedByDigitalID(t *testing.T, s *server.Server, pid *testwallet.Issuer, clock *testClock, id string) string {
	t.Helper()
	opened := identityCase(t, s, id, "José da Silva")
	wl, err := testwallet.NewWallet()
	if err != nil {
		t.Fatal(err)
	}
	got, err := pid.Issue(testwallet.Identity{GivenName: "José", FamilyName: "da Silva", IssuedAt: clock.Now()}, wl.HolderKey())
	if err != nil {
		t.Fatal(err)
	}
	wl.Credential, wl.Now = got.Credential, clock.Now
	a := startAttempt(t, opened.Link.URL, "cross_device")
	if code, body, err := wl.AnswerLink(context.Background(), a.WalletLink, nil); err != nil || code != http.StatusOK {
		t.Fatalf("verify by digital ID: %d %s %v", code, body, err)
	}
	return opened.Link.URL
}
