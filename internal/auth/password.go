package auth

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters for new hashes: the OWASP Password Storage Cheat Sheet
// recommendation of 19 MiB memory, 2 passes, 1 lane.
const (
	argonMemory  = 19456 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Bounds on what VerifyPassword accepts from a stored hash. They admit
// stronger parameters than today's, so hashes can be upgraded later, but
// stop a corrupted or planted row from making a login allocate gigabytes
// or compare against an empty key.
const (
	maxArgonMemory  = 1 << 20 // KiB, 1 GiB
	maxArgonTime    = 100
	maxArgonThreads = 255 // argon2 takes the lane count as a uint8
	minArgonSaltLen = 8   // the Argon2 specification's minimum
	maxArgonSaltLen = 64
	minArgonKeyLen  = 16
	maxArgonKeyLen  = 128
)

// MinPasswordLength is the fewest characters a staff password may have.
const MinPasswordLength = 10

// MaxPasswordLength is the most bytes a staff password may have. Long
// passphrases are welcome; megabyte "passwords" are not.
const MaxPasswordLength = 1024

var (
	// ErrMalformedHash is returned by VerifyPassword when the stored hash is
	// not a well-formed argon2id PHC string.
	ErrMalformedHash = errors.New("auth: malformed password hash")

	// ErrPasswordTooShort is returned, wrapped, by CheckPasswordStrength.
	ErrPasswordTooShort = errors.New("password too short")

	// ErrPasswordTooLong is returned, wrapped, by CheckPasswordStrength.
	ErrPasswordTooLong = errors.New("password too long")
)

// argonParams are the cost parameters recorded in a PHC string.
type argonParams struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
}

// HashPassword hashes password with argon2id and a 16-byte salt read from
// rand. It returns a PHC string such as
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// with salt and hash in unpadded standard base64.
func HashPassword(password string, rand io.Reader) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return "", fmt.Errorf("auth: hash password: reading salt: %w", err)
	}
	p := argonParams{memory: argonMemory, time: argonTime, threads: argonThreads}
	key := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, argonKeyLen)
	return encodeHash(p, salt, key), nil
}

// VerifyPassword reports whether password matches encoded, a PHC string from
// HashPassword. It honours the parameters recorded in encoded, so hashes made
// with other costs still verify. A wrong password gives (false, nil); an
// encoding that cannot be parsed gives an error wrapping ErrMalformedHash.
func VerifyPassword(encoded, password string) (bool, error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// CheckPasswordStrength reports whether pw is acceptable as a new staff
// password: at least MinPasswordLength characters and at most
// MaxPasswordLength bytes. Characters are counted as Unicode code points, so
// a passphrase in any script is judged by its length, not its encoding. The
// error wraps ErrPasswordTooShort or ErrPasswordTooLong and says which limit
// was broken.
func CheckPasswordStrength(pw string) error {
	if n := utf8.RuneCountInString(pw); n < MinPasswordLength {
		return fmt.Errorf("%w: %d characters, need at least %d", ErrPasswordTooShort, n, MinPasswordLength)
	}
	if len(pw) > MaxPasswordLength {
		return fmt.Errorf("%w: %d bytes, allowed at most %d", ErrPasswordTooLong, len(pw), MaxPasswordLength)
	}
	return nil
}

// encodeHash formats an argon2id PHC string.
func encodeHash(p argonParams, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads,
		base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(key))
}

// decodeHash parses an argon2id PHC string, rejecting anything outside the
// bounds above.
func decodeHash(encoded string) (p argonParams, salt, key []byte, err error) {
	fields := strings.Split(encoded, "$")
	if len(fields) != 6 || fields[0] != "" || fields[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: not an argon2id PHC string", ErrMalformedHash)
	}
	// x/crypto/argon2 implements only version 0x13 (19).
	if fields[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: unsupported version %q", ErrMalformedHash, fields[2])
	}
	if p, err = parseParams(fields[3]); err != nil {
		return p, nil, nil, err
	}
	if salt, err = decodeHashField("salt", fields[4], minArgonSaltLen, maxArgonSaltLen); err != nil {
		return p, nil, nil, err
	}
	if key, err = decodeHashField("hash", fields[5], minArgonKeyLen, maxArgonKeyLen); err != nil {
		return p, nil, nil, err
	}
	return p, salt, key, nil
}

// parseParams parses "m=<memory>,t=<time>,p=<threads>", in that order.
func parseParams(s string) (argonParams, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return argonParams{}, fmt.Errorf("%w: parameters %q are not m=,t=,p=", ErrMalformedHash, s)
	}
	m, err := parseParam(parts[0], "m", maxArgonMemory)
	if err != nil {
		return argonParams{}, err
	}
	t, err := parseParam(parts[1], "t", maxArgonTime)
	if err != nil {
		return argonParams{}, err
	}
	p, err := parseParam(parts[2], "p", maxArgonThreads)
	if err != nil {
		return argonParams{}, err
	}
	// Argon2 needs at least 8 KiB per lane; x/crypto would silently round
	// up, which would verify a hash no other implementation accepts.
	if m < 8*p {
		return argonParams{}, fmt.Errorf("%w: memory %d KiB is below 8 KiB per lane", ErrMalformedHash, m)
	}
	return argonParams{memory: uint32(m), time: uint32(t), threads: uint8(p)}, nil
}

// parseParam parses one "name=value" parameter, with 1 <= value <= limit.
func parseParam(s, name string, limit uint64) (uint64, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k != name {
		return 0, fmt.Errorf("%w: want parameter %s=, got %q", ErrMalformedHash, name, s)
	}
	// ParseUint rejects signs, spaces and empty values for us.
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n < 1 || n > limit {
		return 0, fmt.Errorf("%w: parameter %s=%q is not between 1 and %d", ErrMalformedHash, name, v, limit)
	}
	return n, nil
}

// decodeHashField decodes the salt or hash field of a PHC string and checks
// its length.
func decodeHashField(name, s string, minLen, maxLen int) ([]byte, error) {
	b, err := base64.RawStdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrMalformedHash, name, err)
	}
	if len(b) < minLen || len(b) > maxLen {
		return nil, fmt.Errorf("%w: %s is %d bytes, want %d to %d", ErrMalformedHash, name, len(b), minLen, maxLen)
	}
	return b, nil
}
