package issuer

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net/http"
	"time"
)

// A c_nonce is 8 bytes of the time it was made, 16 random bytes, and the
// first 16 bytes of an HMAC-SHA256 over both under a key derived from the
// master key: any node can check one, none need store it, and the Nonce
// Endpoint, which anyone may call, writes nothing. It is accepted for
// NonceLifetime; a replayed proof buys nothing, since an access token
// buys one credential.
const nonceSize = 8 + 16 + 16

// NewNonce makes a fresh c_nonce.
func (s *Service) NewNonce() (string, error) {
	b := make([]byte, nonceSize)
	binary.BigEndian.PutUint64(b, uint64(s.Now().Unix()))
	if _, err := io.ReadFull(s.Random, b[8:24]); err != nil {
		return "", err
	}
	copy(b[24:], s.nonceMAC(b[:24]))
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func (s *Service) nonceMAC(b []byte) []byte {
	m := hmac.New(sha256.New, s.NonceKey)
	m.Write(b)
	return m.Sum(nil)[:16]
}

// CheckNonce refuses a c_nonce attest did not make (invalid_nonce) or one
// older than NonceLifetime (invalid_nonce too: the wallet fetches another).
func (s *Service) CheckNonce(nonce string) error {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != nonceSize || !hmac.Equal(b[24:], s.nonceMAC(b[:24])) {
		return refuse(http.StatusBadRequest, InvalidNonce, "the proof's nonce is not a c_nonce of this issuer: fetch one from the nonce endpoint")
	}
	made := time.Unix(int64(binary.BigEndian.Uint64(b)), 0)
	now := s.Now()
	if now.Sub(made) > NonceLifetime || made.After(now.Add(Leeway)) {
		return refuse(http.StatusBadRequest, InvalidNonce, "the proof's c_nonce is stale: fetch a fresh one from the nonce endpoint")
	}
	return nil
}
