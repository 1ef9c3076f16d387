package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/keys"
	"github.com/attest-dev/attest/internal/keys/keystest"
	"github.com/attest-dev/attest/internal/keys/rotation"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// A portal link sent before a master key rotation keeps opening during the
// grace period on a node given the new key and the old one, and stops at
// its end; a node given the old key alone does not start, and neither does
// one given a key the database never had: a copy of the database with a
// key of the thief's making serves nothing.
func TestPortalLinkAcrossAKeyRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		a := keystest.Ring().Current
		s, base := openServed(t, server.Config{Store: cfg, Keys: keys.NewRing(a)})
		token := strings.TrimPrefix(seedCase(t, s, "u-910").Link.URL, base+"/v/")
		s.Close()

		b, err := keys.Parse(keys.New())
		if err != nil {
			t.Fatal(err)
		}
		st, err := server.Migrated(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = rotation.Rotate(context.Background(), st, keys.NewRing(a), b, 48*time.Hour, "test", t0)
		st.Close()
		if err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			name   string
			ring   *keys.Ring
			at     time.Time
			status int
		}{
			{"new and old key, in the grace period", &keys.Ring{Current: b, Previous: a}, t0.Add(47 * time.Hour), http.StatusOK},
			{"new key alone", keys.NewRing(b), t0.Add(time.Hour), http.StatusNotFound},
			{"new and old key, after the grace period", &keys.Ring{Current: b, Previous: a}, t0.Add(48 * time.Hour), http.StatusNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				at := tc.at
				_, base := openServed(t, server.Config{Store: cfg, Keys: tc.ring, Now: func() time.Time { return at }})
				status, page := fetch(t, base+"/v/"+token)
				if status != tc.status {
					t.Fatalf("the link answers %d, want %d\n%.300s", status, tc.status, page)
				}
			})
		}
		stranger, _ := keys.Parse(keys.New())
		for name, ring := range map[string]*keys.Ring{"the old key": keys.NewRing(a), "a stranger's key": keys.NewRing(stranger)} {
			if s, err := server.Open(context.Background(), server.Config{Store: cfg, Keys: ring, BaseURL: "http://attest.test"}); err == nil {
				s.Close()
				t.Errorf("a node started with %s", name)
			}
		}
	})
}
