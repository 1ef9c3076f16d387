package auth

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// TOTP parameters (RFC 6238): the ones every authenticator app supports.
const (
	TOTPStep   = 30 * time.Second
	totpDigits = 6
	// totpSecretBytes is 160 bits, the length RFC 4226 recommends for HMAC-SHA1.
	totpSecretBytes = 20
	// totpWindow accepts the codes of the steps either side of now, for
	// clocks a little apart and codes typed as they change.
	totpWindow = 1
)

// TOTPSecretEncoding is how secrets are shown to people and put in
// otpauth:// URIs: base32 without padding, as authenticator apps expect.
var TOTPSecretEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a new shared secret read from rand.
func NewTOTPSecret(rand io.Reader) ([]byte, error) {
	secret := make([]byte, totpSecretBytes)
	if _, err := io.ReadFull(rand, secret); err != nil {
		return nil, fmt.Errorf("auth: new TOTP secret: %w", err)
	}
	return secret, nil
}

// TOTPStepAt is the number of the time step t falls in.
func TOTPStepAt(t time.Time) int64 {
	return t.Unix() / int64(TOTPStep/time.Second)
}

// TOTPCode is the six-digit code for a time step.
func TOTPCode(secret []byte, step int64) string {
	return hotp(secret, uint64(step), totpDigits)
}

// hotp is RFC 4226's HOTP with HMAC-SHA1: the counter's MAC, dynamically
// truncated to 31 bits, as a zero-padded decimal of digits digits.
func hotp(secret []byte, counter uint64, digits int) string {
	mac := hmac.New(sha1.New, secret)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	offset := sum[len(sum)-1] & 0x0f
	value := binary.BigEndian.Uint32(sum[offset:offset+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, value%mod)
}

// CheckTOTP reports whether code is the code of a step within one step of
// now that is later than lastUsed, and which step it matched. Refusing
// steps up to lastUsed stops a code that was seen (over a shoulder, by a
// phishing page) from being used again. Every candidate is compared, in
// constant time, so timing does not tell which step nearly matched.
func CheckTOTP(secret []byte, code string, now time.Time, lastUsed int64) (step int64, ok bool) {
	code = strings.Join(strings.Fields(code), "")
	current := TOTPStepAt(now)
	for s := current - totpWindow; s <= current+totpWindow; s++ {
		match := subtle.ConstantTimeCompare([]byte(TOTPCode(secret, s)), []byte(code)) == 1
		if match && s > lastUsed && !ok {
			step, ok = s, true
		}
	}
	return step, ok
}

// TOTPURI is the otpauth:// URI an authenticator app reads from a QR code
// (the Key Uri Format of Google Authenticator, which others follow).
func TOTPURI(issuer, account string, secret []byte) string {
	q := url.Values{}
	q.Set("secret", TOTPSecretEncoding.EncodeToString(secret))
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", fmt.Sprint(totpDigits))
	q.Set("period", fmt.Sprint(int(TOTPStep/time.Second)))
	label := url.PathEscape(issuer) + ":" + url.PathEscape(account)
	return "otpauth://totp/" + label + "?" + q.Encode()
}

// recoveryCodeBytes is 80 bits: too many to guess online, and enough that
// a fast hash of the code is a safe way to store it.
const recoveryCodeBytes = 10

// NewRecoveryCode returns a single-use code that stands in for a TOTP code
// when the phone is lost, such as "k4rt-9zq2-mw7a-e3xp".
func NewRecoveryCode(rand io.Reader) (string, error) {
	b := make([]byte, recoveryCodeBytes)
	if _, err := io.ReadFull(rand, b); err != nil {
		return "", fmt.Errorf("auth: new recovery code: %w", err)
	}
	s := strings.ToLower(TOTPSecretEncoding.EncodeToString(b))
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16], nil
}

// HashRecoveryCode is the form a recovery code is stored in. Spaces, dashes
// and case are ignored, so a code typed as people type it still matches.
func HashRecoveryCode(code string) string {
	code = strings.ToLower(code)
	code = strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, code)
	return sha256Hex("recovery:" + code)
}
