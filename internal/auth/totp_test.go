package auth

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"
)

// RFC 6238 appendix B, the HMAC-SHA1 rows: eight-digit codes for the
// ASCII secret "12345678901234567890".
func TestTOTPMatchesRFC6238(t *testing.T) {
	secret := []byte("12345678901234567890")
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		step := TOTPStepAt(time.Unix(tc.unix, 0))
		if got := hotp(secret, uint64(step), 8); got != tc.want {
			t.Errorf("at %d: got %s, want %s", tc.unix, got, tc.want)
		}
		// Six digits are the last six of the eight.
		if got := TOTPCode(secret, step); got != tc.want[2:] {
			t.Errorf("six digits at %d: got %s, want %s", tc.unix, got, tc.want[2:])
		}
	}
}

func TestCheckTOTP(t *testing.T) {
	secret := []byte("12345678901234567890")
	now := time.Unix(1111111111, 0)
	step := TOTPStepAt(now)
	for _, tc := range []struct {
		name     string
		code     string
		lastUsed int64
		ok       bool
		step     int64
	}{
		{"current", TOTPCode(secret, step), 0, true, step},
		{"with spaces", "050 471", 0, true, step},
		{"previous step", TOTPCode(secret, step-1), 0, true, step - 1},
		{"next step", TOTPCode(secret, step+1), 0, true, step + 1},
		{"two steps old", TOTPCode(secret, step-2), 0, false, 0},
		{"two steps ahead", TOTPCode(secret, step+2), 0, false, 0},
		{"replayed", TOTPCode(secret, step), step, false, 0},
		{"older than the last used", TOTPCode(secret, step-1), step, false, 0},
		{"later than the last used", TOTPCode(secret, step+1), step, true, step + 1},
		{"wrong", "000000", 0, false, 0},
		{"empty", "", 0, false, 0},
		{"too long", TOTPCode(secret, step) + "0", 0, false, 0},
	} {
		got, ok := CheckTOTP(secret, tc.code, now, tc.lastUsed)
		if ok != tc.ok || got != tc.step {
			t.Errorf("%s: got step %d ok %v, want %d %v", tc.name, got, ok, tc.step, tc.ok)
		}
	}
}

func TestTOTPURI(t *testing.T) {
	secret := bytes.Repeat([]byte{0xff}, 20)
	u, err := url.Parse(TOTPURI("attest", "maria@example.com", secret))
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/attest:maria@example.com" {
		t.Errorf("URI %s", u)
	}
	q := u.Query()
	if q.Get("secret") != strings.Repeat("7", 32) || q.Get("issuer") != "attest" || q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Errorf("query %v", q)
	}
}

func TestRecoveryCodes(t *testing.T) {
	code, err := NewRecoveryCode(bytes.NewReader(bytes.Repeat([]byte{7}, 10)))
	if err != nil {
		t.Fatal(err)
	}
	if len(code) != 19 || strings.Count(code, "-") != 3 {
		t.Errorf("code %q", code)
	}
	if HashRecoveryCode(code) != HashRecoveryCode(" "+strings.ToUpper(strings.ReplaceAll(code, "-", " "))) {
		t.Error("typing the code with spaces and capitals changes its hash")
	}
	if HashRecoveryCode(code) == HashRecoveryCode(code[:18]+"x") {
		t.Error("different codes hash alike")
	}
}

// FuzzCheckTOTP feeds the code check anything a person might type: it must
// not panic, and accepts only the code of the current step or its neighbours.
func FuzzCheckTOTP(f *testing.F) {
	secret := []byte("12345678901234567890")
	now := time.Unix(1_800_000_000, 0)
	f.Add(TOTPCode(secret, TOTPStepAt(now)))
	f.Add("000000")
	f.Add(" 123 456 ")
	f.Add("１２３４５６")
	f.Add("")
	f.Fuzz(func(t *testing.T, code string) {
		step, ok := CheckTOTP(secret, code, now, 0)
		if !ok {
			return
		}
		if d := step - TOTPStepAt(now); d < -1 || d > 1 {
			t.Fatalf("code %q accepted for step %d, %d steps away", code, step, d)
		}
	})
}
