package keys

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, s string) *Master {
	t.Helper()
	m, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParse(t *testing.T) {
	raw := bytes.Repeat([]byte{0xAB}, Size)
	want := mustParse(t, strings.Repeat("ab", Size)).ID()
	for _, s := range []string{
		" " + strings.Repeat("AB", Size) + "\n",
		base64.StdEncoding.EncodeToString(raw),
		base64.RawURLEncoding.EncodeToString(raw),
	} {
		if m, err := Parse(s); err != nil || m.ID() != want {
			t.Errorf("Parse(%q): %v, %v", s, m, err)
		}
	}
	for _, s := range []string{"", "abcd", strings.Repeat("ab", 16), strings.Repeat("zz", Size), "not a key at all"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
	if a, b := mustParse(t, New()), mustParse(t, New()); a.ID() == b.ID() {
		t.Error("two new keys have one id")
	}
}

// Each purpose has its own key, none of them the master key itself, and
// the id names the key without being any of them.
func TestDerive(t *testing.T) {
	m := mustParse(t, New())
	seen := map[string]Purpose{}
	for _, p := range []Purpose{PortalLinks, StaffTickets, TURN, Documents, TOTPSecrets, WebhookSecrets} {
		k := m.Derive(p)
		if len(k) != Size || bytes.Equal(k, m.key) {
			t.Fatalf("%s: %x", p, k)
		}
		if other, ok := seen[string(k)]; ok {
			t.Fatalf("%s and %s share a key", p, other)
		}
		seen[string(k)] = p
		if !bytes.Equal(k, m.Derive(p)) {
			t.Fatalf("%s: derived twice, two keys", p)
		}
	}
	if len(m.ID()) != 16 {
		t.Fatalf("id %q", m.ID())
	}
}

func TestSealOpen(t *testing.T) {
	old, cur, stranger := mustParse(t, New()), mustParse(t, New()), mustParse(t, New())
	ring := &Ring{Current: cur, Previous: old}
	doc := []byte("%PDF-1.4 /Catalog")
	s1, err := ring.Seal(Documents, "doc_1", doc)
	if err != nil {
		t.Fatal(err)
	}
	if s1.KeyID != cur.ID() || bytes.Contains(s1.Data, []byte("Catalog")) {
		t.Fatalf("sealed: %+v", s1)
	}
	if got, err := ring.Open(Documents, "doc_1", s1); err != nil || !bytes.Equal(got, doc) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	s2, _ := ring.Seal(Documents, "doc_1", doc)
	if bytes.Equal(s1.Nonce, s2.Nonce) {
		t.Fatal("two seals share a nonce")
	}
	byOld, _ := NewRing(old).Seal(Documents, "doc_1", doc)
	if got, err := ring.Open(Documents, "doc_1", byOld); err != nil || !bytes.Equal(got, doc) {
		t.Fatalf("the previous key's value does not open: %q %v", got, err)
	}
	tampered := s1
	tampered.Data = bytes.Clone(s1.Data)
	tampered.Data[0] ^= 1
	for name, open := range map[string]func() ([]byte, error){
		"another id":      func() ([]byte, error) { return ring.Open(Documents, "doc_2", s1) },
		"another purpose": func() ([]byte, error) { return ring.Open(TOTPSecrets, "doc_1", s1) },
		"another nonce":   func() ([]byte, error) { return ring.Open(Documents, "doc_1", Sealed{s1.KeyID, s2.Nonce, s1.Data}) },
		"tampered":        func() ([]byte, error) { return ring.Open(Documents, "doc_1", tampered) },
		"short nonce":     func() ([]byte, error) { return ring.Open(Documents, "doc_1", Sealed{s1.KeyID, s1.Nonce[:4], s1.Data}) },
		"truncated data":  func() ([]byte, error) { return ring.Open(Documents, "doc_1", Sealed{s1.KeyID, s1.Nonce, s1.Data[:8]}) },
		"a key not held":  func() ([]byte, error) { return NewRing(stranger).Open(Documents, "doc_1", s1) },
		"named as old":    func() ([]byte, error) { return ring.Open(Documents, "doc_1", Sealed{old.ID(), s1.Nonce, s1.Data}) },
		"legacy, no key":  func() ([]byte, error) { return ring.Open(Documents, "doc_1", Sealed{"", s1.Nonce, s1.Data}) },
	} {
		if plain, err := open(); err == nil {
			t.Errorf("%s: opened to %q", name, plain)
		}
	}
}

// The previous key and retired keys verify until their time, never after;
// the current key always.
func TestVerifying(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old, cur := mustParse(t, New()), mustParse(t, New())
	ring := &Ring{Current: cur, Previous: old, PreviousUntil: t0.Add(time.Hour)}
	legacy := bytes.Repeat([]byte{7}, Size)
	ring.Retire(PortalLinks, legacy, t0.Add(2*time.Hour))
	clone := ring.Clone()
	clone.Retire(PortalLinks, legacy, t0.Add(9*time.Hour))
	for _, tc := range []struct {
		at   time.Time
		p    Purpose
		want [][]byte
	}{
		{t0, PortalLinks, [][]byte{cur.Derive(PortalLinks), old.Derive(PortalLinks), legacy}},
		{t0, StaffTickets, [][]byte{cur.Derive(StaffTickets), old.Derive(StaffTickets)}},
		{t0.Add(time.Hour), PortalLinks, [][]byte{cur.Derive(PortalLinks), legacy}},
		{t0.Add(2 * time.Hour), PortalLinks, [][]byte{cur.Derive(PortalLinks)}}, // the clone's retired key is not the ring's
	} {
		got := append([][]byte{ring.Signing(tc.p)}, ring.Older(tc.p, tc.at)...)
		if len(got) != len(tc.want) {
			t.Fatalf("%s at %v: %d keys, want %d", tc.p, tc.at, len(got), len(tc.want))
		}
		for i := range got {
			if !bytes.Equal(got[i], tc.want[i]) {
				t.Fatalf("%s at %v: key %d differs", tc.p, tc.at, i)
			}
		}
	}
	if !bytes.Equal(ring.Signing(PortalLinks), cur.Derive(PortalLinks)) {
		t.Fatal("the current key does not sign")
	}
}
