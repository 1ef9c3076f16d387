package auth

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

func TestHashPasswordFormat(t *testing.T) {
	const pw = "correct horse battery staple"
	got, err := HashPassword(pw, fixedRand(0, argonSaltLen))
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	salt := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	key := argon2.IDKey([]byte(pw), salt, 2, 19456, 1, 32)
	want := "$argon2id$v=19$m=19456,t=2,p=1$" +
		base64.RawStdEncoding.EncodeToString(salt) + "$" +
		base64.RawStdEncoding.EncodeToString(key)
	if got != want {
		t.Errorf("HashPassword = %q, want %q", got, want)
	}
}

func TestHashPasswordShortRand(t *testing.T) {
	if _, err := HashPassword("whatever-password", fixedRand(0, argonSaltLen-1)); err == nil {
		t.Error("HashPassword with a short random source: got nil error, want one")
	}
}

func TestVerifyPassword(t *testing.T) {
	const pw = "correct horse battery staple"
	encoded, err := HashPassword(pw, fixedRand(0, argonSaltLen))
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	tests := []struct {
		password string
		want     bool
	}{
		{pw, true},
		{pw + " ", false},
		{"Correct horse battery staple", false},
		{"", false},
	}
	for _, tt := range tests {
		got, err := VerifyPassword(encoded, tt.password)
		if err != nil || got != tt.want {
			t.Errorf("VerifyPassword(hash, %q) = %v, %v; want %v, nil", tt.password, got, err, tt.want)
		}
	}
}

// TestVerifyPasswordOtherParams checks that the costs in the string, not the
// current defaults, are used, so that hashes survive a change of defaults.
func TestVerifyPasswordOtherParams(t *testing.T) {
	const pw = "an older password"
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte(pw), salt, 3, 64, 4, 24)
	encoded := encodeHash(argonParams{memory: 64, time: 3, threads: 4}, salt, key)
	if !strings.Contains(encoded, "$m=64,t=3,p=4$") {
		t.Fatalf("encodeHash = %q, want parameters m=64,t=3,p=4", encoded)
	}
	ok, err := VerifyPassword(encoded, pw)
	if err != nil || !ok {
		t.Errorf("VerifyPassword(%q, right password) = %v, %v; want true, nil", encoded, ok, err)
	}
	ok, err = VerifyPassword(encoded, "another password")
	if err != nil || ok {
		t.Errorf("VerifyPassword(%q, wrong password) = %v, %v; want false, nil", encoded, ok, err)
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	salt := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef"))
	key := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	tests := []struct {
		name    string
		encoded string
	}{
		{"empty", ""},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", "$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key},
		{"no leading dollar", "argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key},
		{"too few fields", "$argon2id$v=19$m=19456,t=2,p=1$" + salt},
		{"too many fields", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key + "$"},
		{"old version", "$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key},
		{"missing version", "$argon2id$m=19456,t=2,p=1$" + salt + "$" + key + "$x"},
		{"params out of order", "$argon2id$v=19$t=2,m=19456,p=1$" + salt + "$" + key},
		{"missing param", "$argon2id$v=19$m=19456,t=2$" + salt + "$" + key},
		{"extra param", "$argon2id$v=19$m=19456,t=2,p=1,x=1$" + salt + "$" + key},
		{"zero time", "$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key},
		{"zero lanes", "$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key},
		{"too many lanes", "$argon2id$v=19$m=19456,t=2,p=256$" + salt + "$" + key},
		{"negative memory", "$argon2id$v=19$m=-1,t=2,p=1$" + salt + "$" + key},
		{"signed memory", "$argon2id$v=19$m=+19456,t=2,p=1$" + salt + "$" + key},
		{"huge memory", "$argon2id$v=19$m=4294967295,t=2,p=1$" + salt + "$" + key},
		{"memory below 8 per lane", "$argon2id$v=19$m=15,t=2,p=2$" + salt + "$" + key},
		{"non-numeric", "$argon2id$v=19$m=lots,t=2,p=1$" + salt + "$" + key},
		{"salt not base64", "$argon2id$v=19$m=19456,t=2,p=1$***$" + key},
		{"padded salt", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key},
		{"short salt", "$argon2id$v=19$m=19456,t=2,p=1$YWJj$" + key},
		{"empty hash", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$"},
		{"short hash", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$YWJj"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := VerifyPassword(tt.encoded, "correct horse battery staple")
			if ok || !errors.Is(err, ErrMalformedHash) {
				t.Errorf("VerifyPassword(%q) = %v, %v; want false, ErrMalformedHash", tt.encoded, ok, err)
			}
		})
	}
}

func TestCheckPasswordStrength(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		want error
	}{
		{"empty", "", ErrPasswordTooShort},
		{"nine", "123456789", ErrPasswordTooShort},
		{"ten", "1234567890", nil},
		{"ten runes, more bytes", "ééééééééé€", nil},
		{"nine runes, more bytes", "éééééééé€", ErrPasswordTooShort},
		{"max bytes", strings.Repeat("a", MaxPasswordLength), nil},
		{"over max bytes", strings.Repeat("a", MaxPasswordLength+1), ErrPasswordTooLong},
		{"over max bytes in runes", strings.Repeat("é", MaxPasswordLength/2+1), ErrPasswordTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckPasswordStrength(tt.pw)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Errorf("CheckPasswordStrength(%d bytes) = %v, want %v", len(tt.pw), err, tt.want)
			}
		})
	}
}
