package auth

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testPortalKey is the key of the fuzz seed corpus in testdata; changing it
// invalidates the valid-token seeds.
var testPortalKey = []byte("attest-test-portal-key-0123456789abcdef")

// testNow is the fixed "now" of the portal tests and fuzz corpus.
var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testSigner(t testing.TB, key []byte) *PortalSigner {
	t.Helper()
	s, err := NewPortalSigner(key)
	if err != nil {
		t.Fatalf("NewPortalSigner: %v", err)
	}
	return s
}

func testClaims() PortalClaims {
	return PortalClaims{
		LinkID:       "01JNB7W7Y6ZK4Q2M8R3T5V9X0A",
		FreelancerID: "01JNB7X2C3D4E5F6G7H8J9K0MN",
		Expires:      testNow.Add(72 * time.Hour),
	}
}

func TestNewPortalSignerKeyLength(t *testing.T) {
	if _, err := NewPortalSigner(make([]byte, 31)); err == nil {
		t.Error("NewPortalSigner(31-byte key): got nil error, want one")
	}
	if _, err := NewPortalSigner(make([]byte, 32)); err != nil {
		t.Errorf("NewPortalSigner(32-byte key) = %v, want nil error", err)
	}
}

func TestNewPortalSignerCopiesKey(t *testing.T) {
	key := bytes.Clone(testPortalKey)
	s := testSigner(t, key)
	tok := s.Sign(testClaims())
	clear(key)
	if _, err := s.Parse(tok, testNow); err != nil {
		t.Errorf("Parse after the caller cleared its key slice = %v, want nil error", err)
	}
}

func TestPortalRoundTrip(t *testing.T) {
	s := testSigner(t, testPortalKey)
	want := testClaims()
	tok := s.Sign(want)
	if ok, _ := regexp.MatchString(`^[A-Za-z0-9_.-]+$`, tok); !ok {
		t.Errorf("Sign = %q, want only [A-Za-z0-9_.-]", tok)
	}
	if len(tok) >= 200 {
		t.Errorf("Sign gave a %d-byte token, want under 200", len(tok))
	}
	got, err := s.Parse(tok, testNow)
	if err != nil {
		t.Fatalf("Parse(Sign(c)) error = %v, want nil", err)
	}
	if got.LinkID != want.LinkID || got.FreelancerID != want.FreelancerID || !got.Expires.Equal(want.Expires) {
		t.Errorf("Parse(Sign(c)) = %+v, want %+v", got, want)
	}
}

func TestPortalRoundTripUnusualClaims(t *testing.T) {
	s := testSigner(t, testPortalKey)
	tests := []PortalClaims{
		{Expires: testNow.Add(time.Second)},
		{LinkID: "a.b/c?d", FreelancerID: "ünïcode", Expires: testNow.Add(time.Hour)},
		{LinkID: strings.Repeat("x", 200), FreelancerID: "f", Expires: testNow.Add(time.Hour)},
		{LinkID: "l", FreelancerID: "f", Expires: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, want := range tests {
		tok := s.Sign(want)
		got, err := s.Parse(tok, testNow)
		if err != nil || got.LinkID != want.LinkID || got.FreelancerID != want.FreelancerID || !got.Expires.Equal(want.Expires) {
			t.Errorf("Parse(Sign(%+v)) = %+v, %v; want the same claims, nil", want, got, err)
		}
	}
}

func TestPortalExpiry(t *testing.T) {
	s := testSigner(t, testPortalKey)
	c := testClaims()
	// Sign keeps whole seconds, so sub-second expiries are truncated.
	c.Expires = testNow.Add(time.Hour)
	tok := s.Sign(c)
	tests := []struct {
		name    string
		now     time.Time
		wantErr error
	}{
		{"long before", testNow, nil},
		{"a second before", c.Expires.Add(-time.Second), nil},
		{"at expiry", c.Expires, ErrTokenExpired},
		{"after", c.Expires.Add(time.Nanosecond), ErrTokenExpired},
		{"long after", c.Expires.AddDate(1, 0, 0), ErrTokenExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Parse(tok, tt.now)
			if err != tt.wantErr {
				t.Fatalf("Parse at %v: error = %v, want %v", tt.now, err, tt.wantErr)
			}
			// Expired tokens still report whose link they were.
			if got.LinkID != c.LinkID || got.FreelancerID != c.FreelancerID {
				t.Errorf("Parse at %v = %+v, want the claims %+v", tt.now, got, c)
			}
		})
	}
}

func TestPortalRejects(t *testing.T) {
	s := testSigner(t, testPortalKey)
	c := testClaims()
	tok := s.Sign(c)
	payload, sig, _ := strings.Cut(tok, ".")

	other := testSigner(t, []byte("another-key-another-key-another-key!"))
	forgedClaims := c
	forgedClaims.FreelancerID = "01JNB7ZZZZZZZZZZZZZZZZZZZZ"
	forgedPayload, _, _ := strings.Cut(s.Sign(forgedClaims), ".")

	tests := []struct {
		name    string
		token   string
		wantErr error
	}{
		{"empty", "", ErrTokenMalformed},
		{"no dot", payload + sig, ErrTokenMalformed},
		{"empty payload", "." + sig, ErrTokenMalformed},
		{"empty signature", payload + ".", ErrTokenMalformed},
		{"two dots", payload + "." + sig + ".", ErrTokenMalformed},
		{"truncated signature", tok[:len(tok)-1], ErrTokenMalformed},
		{"padded", payload + "." + sig + "=", ErrTokenMalformed},
		{"standard base64", strings.NewReplacer("-", "+", "_", "/").Replace(tok) + "+/", ErrTokenMalformed},
		{"oversize", strings.Repeat("A", maxPortalTokenLen) + "." + sig, ErrTokenMalformed},
		{"tampered payload", flipChar(payload, 12) + "." + sig, ErrTokenSignature},
		{"truncated payload", payload[:len(payload)-1] + "." + sig, ErrTokenSignature},
		{"tampered signature", payload + "." + flipChar(sig, 5), ErrTokenSignature},
		// The last character of the MAC holds 2 spare bits; a different
		// spelling of the same bytes must not be accepted.
		{"non-canonical signature", payload + "." + sig[:len(sig)-1] + spareBitsSet(sig[len(sig)-1]), ErrTokenSignature},
		{"wrong key", other.Sign(c), ErrTokenSignature},
		{"forged payload, real signature", forgedPayload + "." + sig, ErrTokenSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Parse(tt.token, testNow)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Parse(%q) error = %v, want %v", tt.token, err, tt.wantErr)
			}
			if got != (PortalClaims{}) {
				t.Errorf("Parse(%q) = %+v, want zero claims", tt.token, got)
			}
		})
	}
}

// TestPortalRejectsBadPayload checks payloads that are correctly signed but
// not what Sign produces, as a leaked key or future bug might make.
func TestPortalRejectsBadPayload(t *testing.T) {
	s := testSigner(t, testPortalKey)
	good := encodeClaims(testClaims())
	tests := []struct {
		name    string
		payload []byte
	}{
		{"empty", nil},
		{"version only", []byte{portalVersion}},
		{"unknown version", append([]byte{2}, good[1:]...)},
		{"truncated", good[:len(good)-1]},
		{"trailing byte", append(bytes.Clone(good), 0)},
		{"length past end", append(bytes.Clone(good[:9]), 0x7f, 'x')},
		{"overlong varint", append(append(bytes.Clone(good[:9]), 0x80, 0x00), 0)},
		{"huge varint", append(bytes.Clone(good[:9]), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)},
	}
	// One base64url character cannot be decoded at all.
	if _, err := s.Parse("A."+s.mac("A"), testNow); !errors.Is(err, ErrTokenMalformed) {
		t.Errorf("Parse(signed undecodable payload) error = %v, want %v", err, ErrTokenMalformed)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base64.RawURLEncoding.EncodeToString(tt.payload)
			tok := p + "." + s.mac(p)
			if _, err := s.Parse(tok, testNow); !errors.Is(err, ErrTokenMalformed) {
				t.Errorf("Parse(signed %x) error = %v, want %v", tt.payload, err, ErrTokenMalformed)
			}
		})
	}
}

// flipChar returns s with the character at i replaced by a different one of
// the base64url alphabet.
func flipChar(s string, i int) string {
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

// spareBitsSet returns the base64url character with the same top 4 bits as
// c and the low 2 bits set.
func spareBitsSet(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	return string(alphabet[i|3])
}

// TestPortalFuzzCorpus checks that the seed files in testdata still mean
// what their names say, so a change of key or format cannot quietly turn
// the valid seeds into rejected ones.
func TestPortalFuzzCorpus(t *testing.T) {
	s := testSigner(t, testPortalKey)
	tests := []struct {
		file    string
		wantErr error
	}{
		{"valid", nil},
		{"expired", ErrTokenExpired},
		{"truncated", ErrTokenMalformed},
		{"bad-signature", ErrTokenSignature},
		{"empty", ErrTokenMalformed},
		{"huge", ErrTokenMalformed},
		{"non-base64", ErrTokenMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			token := readFuzzString(t, filepath.Join("testdata", "fuzz", "FuzzParsePortalToken", tt.file))
			if _, err := s.Parse(token, testNow); !errors.Is(err, tt.wantErr) {
				t.Errorf("Parse(%s) error = %v, want %v", tt.file, err, tt.wantErr)
			}
		})
	}
}

// readFuzzString reads a "go test fuzz v1" file holding one string.
func readFuzzString(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	header, value, _ := strings.Cut(strings.TrimSpace(string(data)), "\n")
	quoted, ok := strings.CutPrefix(value, "string(")
	quoted, ok2 := strings.CutSuffix(quoted, ")")
	if header != "go test fuzz v1" || !ok || !ok2 {
		t.Fatalf("%s is not a go test fuzz v1 file with one string", path)
	}
	s, err := strconv.Unquote(quoted)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s
}

func FuzzParsePortalToken(f *testing.F) {
	s := testSigner(f, testPortalKey)
	valid := s.Sign(testClaims())
	expired := s.Sign(PortalClaims{LinkID: "l", FreelancerID: "f", Expires: testNow.Add(-time.Hour)})
	f.Add(valid)
	f.Add(expired)
	f.Add(valid[:len(valid)/2])
	f.Add("")
	f.Add(".")
	f.Add(strings.Repeat("A", 600))
	f.Fuzz(func(t *testing.T, token string) {
		c, err := s.Parse(token, testNow)
		switch {
		case err == nil, errors.Is(err, ErrTokenExpired):
			if again := s.Sign(c); again != token {
				t.Errorf("Parse(%q) = %+v, %v, but Sign of those claims = %q, want the same token", token, c, err, again)
			}
		case errors.Is(err, ErrTokenMalformed), errors.Is(err, ErrTokenSignature):
			if c != (PortalClaims{}) {
				t.Errorf("Parse(%q) = %+v, %v; want zero claims with that error", token, c, err)
			}
		default:
			t.Errorf("Parse(%q) error = %v, want nil or one of the Err* values", token, err)
		}
	})
}

// A signer accepts tokens signed with the older keys it is given for the
// time of the check, and only then; it signs with its own key alone.
func TestPortalSignerAcceptsOlderKeys(t *testing.T) {
	oldKey := bytes.Repeat([]byte{1}, 32)
	graceEnds := testNow.Add(time.Hour)
	current := testSigner(t, testPortalKey).AlsoAccept(func(now time.Time) [][]byte {
		if now.Before(graceEnds) {
			return [][]byte{bytes.Repeat([]byte{9}, 32), oldKey}
		}
		return nil
	})
	byOld := testSigner(t, oldKey).Sign(testClaims())
	if _, err := current.Parse(byOld, testNow); err != nil {
		t.Fatalf("during the grace period: %v", err)
	}
	if _, err := current.Parse(byOld, graceEnds); !errors.Is(err, ErrTokenSignature) {
		t.Fatalf("after the grace period: %v, want ErrTokenSignature", err)
	}
	if got := current.Sign(testClaims()); got == byOld {
		t.Fatal("the signer signs with the older key")
	}
	if _, err := testSigner(t, oldKey).Parse(current.Sign(testClaims()), testNow); !errors.Is(err, ErrTokenSignature) {
		t.Fatalf("the old key accepts the new key's token: %v", err)
	}
}
