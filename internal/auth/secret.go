package auth

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
)

// randomToken reads n bytes from rand and returns them as unpadded base64url,
// which is safe in URLs, headers and cookies without further escaping.
func randomToken(rand io.Reader, n int) (string, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(rand, b); err != nil {
		return "", fmt.Errorf("reading %d random bytes: %w", n, err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// sha256Hex returns the hex-encoded SHA-256 of s.
func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
