package auth

import (
	"fmt"
	"io"
)

// sessionTokenBytes is the entropy of a session token: 256 bits, so tokens
// cannot be guessed and a fast hash is enough to store them.
const sessionTokenBytes = 32

// NewSessionToken returns a new staff session token: 32 bytes from rand as
// unpadded base64url. The token goes to the browser; store only
// HashSessionToken of it.
func NewSessionToken(rand io.Reader) (string, error) {
	token, err := randomToken(rand, sessionTokenBytes)
	if err != nil {
		return "", fmt.Errorf("auth: new session token: %w", err)
	}
	return token, nil
}

// HashSessionToken returns the hex SHA-256 of token, the form in which
// sessions are stored so that a leaked database does not yield live sessions.
func HashSessionToken(token string) string {
	return sha256Hex(token)
}
