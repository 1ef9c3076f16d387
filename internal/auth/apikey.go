package auth

import (
	"encoding/base64"
	"fmt"
	"io"
	"strings"
)

const (
	// apiKeyPrefix marks attest API keys so that they are recognisable in
	// logs and by secret scanners.
	apiKeyPrefix = "atk_"
	apiKeyBytes  = 32
	// apiKeyShownLen is how much of a key listings show: the "atk_" prefix
	// and 8 random characters, enough to tell keys apart, far too little to
	// guess the rest.
	apiKeyShownLen = 12
)

// apiKeyLen is the length of every key NewAPIKey returns.
var apiKeyLen = len(apiKeyPrefix) + base64.RawURLEncoding.EncodedLen(apiKeyBytes)

// NewAPIKey returns a new marketplace API key: "atk_" followed by 32 bytes
// from rand as unpadded base64url. Show it once; store HashAPIKey of it.
func NewAPIKey(rand io.Reader) (key string, err error) {
	token, err := randomToken(rand, apiKeyBytes)
	if err != nil {
		return "", fmt.Errorf("auth: new API key: %w", err)
	}
	return apiKeyPrefix + token, nil
}

// HashAPIKey returns the hex SHA-256 of key. Keys carry 256 bits of entropy,
// so a fast unsalted hash is safe, and it has to be fast: it is computed and
// looked up on every API request.
func HashAPIKey(key string) string {
	return sha256Hex(key)
}

// APIKeyPrefix returns the first 12 characters of key, which listings show
// so that staff can tell keys apart. A shorter key is returned unchanged.
func APIKeyPrefix(key string) string {
	if len(key) <= apiKeyShownLen {
		return key
	}
	return key[:apiKeyShownLen]
}

// LooksLikeAPIKey reports whether s has the form of a key made by NewAPIKey.
// It lets callers reject garbage before a database lookup; it says nothing
// about whether the key exists.
func LooksLikeAPIKey(s string) bool {
	if len(s) != apiKeyLen || !strings.HasPrefix(s, apiKeyPrefix) {
		return false
	}
	// Strict, so only the one canonical spelling of 32 bytes is accepted.
	b, err := base64.RawURLEncoding.Strict().DecodeString(s[len(apiKeyPrefix):])
	return err == nil && len(b) == apiKeyBytes
}
