package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Portal token layout:
//
//	base64url(payload) "." base64url(HMAC-SHA256(key, portalMACPrefix + base64url(payload)))
//
// The MAC covers the payload as it appears in the token, so Parse can
// authenticate a token before decoding any of it. The payload is
//
//	version byte (1)
//	expiry, unix seconds, 8 bytes big-endian two's complement
//	uvarint length, LinkID bytes
//	uvarint length, FreelancerID bytes
const (
	portalVersion = 1
	// portalMACPrefix separates portal MACs from anything else that might
	// ever be signed with the same key.
	portalMACPrefix = "attest-portal-v1\x00"
	// maxPortalTokenLen bounds the work an untrusted token can cause. Real
	// tokens for 26-character ids are about 130 bytes.
	maxPortalTokenLen = 512
	minPortalKeyLen   = 32
)

// portalMACLen is the length of the encoded MAC at the end of every token.
var portalMACLen = base64.RawURLEncoding.EncodedLen(sha256.Size)

// Errors returned by PortalSigner.Parse. Check them with errors.Is.
var (
	ErrTokenMalformed = errors.New("auth: malformed portal token")
	ErrTokenSignature = errors.New("auth: invalid portal token signature")
	ErrTokenExpired   = errors.New("auth: portal token expired")
)

// PortalClaims are what a portal link grants: access, until Expires, to the
// portal of one freelancer. LinkID names the link so it can be revoked.
type PortalClaims struct {
	LinkID       string
	FreelancerID string
	Expires      time.Time
}

// PortalSigner signs and checks portal link tokens with an HMAC key.
type PortalSigner struct {
	key []byte
	// older returns keys whose tokens are still accepted at a time: the
	// keys of a rotation's grace period (see internal/keys).
	older func(now time.Time) [][]byte
}

// NewPortalSigner returns a signer using key, which must be at least 32
// bytes: the full strength of HMAC-SHA256. The key is copied.
func NewPortalSigner(key []byte) (*PortalSigner, error) {
	if len(key) < minPortalKeyLen {
		return nil, fmt.Errorf("auth: portal signing key is %d bytes, need at least %d", len(key), minPortalKeyLen)
	}
	return &PortalSigner{key: bytes.Clone(key)}, nil
}

// AlsoAccept makes Parse accept tokens signed with the keys older returns
// for the time of the check, besides the signer's own: the keys a rotation
// keeps verifying for a grace period.
func (s *PortalSigner) AlsoAccept(older func(now time.Time) [][]byte) *PortalSigner {
	s.older = older
	return s
}

// Sign returns a token for c. Tokens contain only [A-Za-z0-9_.-], so they
// can be put in a URL path as they are. Expires is kept to the second.
func (s *PortalSigner) Sign(c PortalClaims) string {
	payload := base64.RawURLEncoding.EncodeToString(encodeClaims(c))
	return payload + "." + s.mac(payload)
}

// Parse checks token and returns its claims. It fails with
// ErrTokenMalformed, ErrTokenSignature or ErrTokenExpired, possibly wrapped.
// An expired token's claims are returned along with ErrTokenExpired, so the
// caller can say whose link it was; they are authentic but grant nothing.
// The caller must still check that LinkID has not been revoked.
func (s *PortalSigner) Parse(token string, now time.Time) (PortalClaims, error) {
	payload, sig, err := splitToken(token)
	if err != nil {
		return PortalClaims{}, err
	}
	// Compare encoded MACs: this needs no decoding of attacker input and
	// accepts exactly one spelling of each signature.
	if !s.verify(payload, sig, now) {
		return PortalClaims{}, ErrTokenSignature
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(payload)
	if err != nil {
		return PortalClaims{}, fmt.Errorf("%w: payload: %v", ErrTokenMalformed, err)
	}
	c, err := decodeClaims(raw)
	if err != nil {
		return PortalClaims{}, err
	}
	if !now.Before(c.Expires) {
		return c, ErrTokenExpired
	}
	return c, nil
}

// verify reports whether sig is the MAC of payload under the signer's key
// or one of the older keys accepted at now.
func (s *PortalSigner) verify(payload, sig string, now time.Time) bool {
	if hmac.Equal([]byte(sig), []byte(portalMAC(s.key, payload))) {
		return true
	}
	if s.older == nil {
		return false
	}
	for _, k := range s.older(now) {
		if hmac.Equal([]byte(sig), []byte(portalMAC(k, payload))) {
			return true
		}
	}
	return false
}

// mac returns the encoded MAC of an encoded payload.
func (s *PortalSigner) mac(payload string) string { return portalMAC(s.key, payload) }

func portalMAC(key []byte, payload string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(portalMACPrefix))
	h.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// splitToken checks the shape of token, without decoding it, and splits it
// into its encoded payload and MAC.
func splitToken(token string) (payload, sig string, err error) {
	if len(token) > maxPortalTokenLen {
		return "", "", fmt.Errorf("%w: longer than %d bytes", ErrTokenMalformed, maxPortalTokenLen)
	}
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || payload == "" || len(sig) != portalMACLen {
		return "", "", fmt.Errorf("%w: want <payload>.<%d-character signature>", ErrTokenMalformed, portalMACLen)
	}
	if !isBase64URL(payload) || !isBase64URL(sig) {
		return "", "", fmt.Errorf("%w: not base64url", ErrTokenMalformed)
	}
	return payload, sig, nil
}

// isBase64URL reports whether s uses only the unpadded base64url alphabet.
func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}

// encodeClaims returns the binary payload for c.
func encodeClaims(c PortalClaims) []byte {
	b := make([]byte, 0, 1+8+2*binary.MaxVarintLen64+len(c.LinkID)+len(c.FreelancerID))
	b = append(b, portalVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(c.Expires.Unix()))
	b = appendString(b, c.LinkID)
	b = appendString(b, c.FreelancerID)
	return b
}

// decodeClaims parses a binary payload from encodeClaims.
func decodeClaims(b []byte) (PortalClaims, error) {
	if len(b) < 1+8 || b[0] != portalVersion {
		return PortalClaims{}, fmt.Errorf("%w: unknown payload version", ErrTokenMalformed)
	}
	expires := int64(binary.BigEndian.Uint64(b[1:9]))
	link, rest, ok := readString(b[9:])
	if !ok {
		return PortalClaims{}, fmt.Errorf("%w: bad link id", ErrTokenMalformed)
	}
	freelancer, rest, ok := readString(rest)
	if !ok || len(rest) != 0 {
		return PortalClaims{}, fmt.Errorf("%w: bad freelancer id", ErrTokenMalformed)
	}
	c := PortalClaims{LinkID: link, FreelancerID: freelancer, Expires: time.Unix(expires, 0).UTC()}
	// Accept only the encoding Sign would produce (for example, no
	// over-long varints), so each claim set has exactly one token.
	if !bytes.Equal(encodeClaims(c), b) {
		return PortalClaims{}, fmt.Errorf("%w: non-canonical payload", ErrTokenMalformed)
	}
	return c, nil
}

// appendString appends s to b, prefixed by its length as a uvarint.
func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// readString reads a string written by appendString from the front of b and
// returns it with the bytes after it.
func readString(b []byte) (s string, rest []byte, ok bool) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return "", nil, false
	}
	end := w + int(n)
	return string(b[w:end]), b[end:], true
}
