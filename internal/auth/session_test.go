package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

func TestNewSessionToken(t *testing.T) {
	tok, err := NewSessionToken(fixedRand(0, sessionTokenBytes))
	if err != nil {
		t.Fatalf("NewSessionToken: %v", err)
	}
	const want = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
	if tok != want {
		t.Errorf("NewSessionToken = %q, want %q", tok, want)
	}
	if _, err := NewSessionToken(fixedRand(0, sessionTokenBytes-1)); err == nil {
		t.Error("NewSessionToken with a short random source: got nil error, want one")
	}
}

func TestHashSessionToken(t *testing.T) {
	const tok = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
	sum := sha256.Sum256([]byte(tok))
	want := hex.EncodeToString(sum[:])
	if got := HashSessionToken(tok); got != want {
		t.Errorf("HashSessionToken(%q) = %q, want %q", tok, got, want)
	}
}
