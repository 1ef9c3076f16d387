package auth

import (
	"strings"
	"testing"
)

func TestNewAPIKey(t *testing.T) {
	key, err := NewAPIKey(fixedRand(0, apiKeyBytes))
	if err != nil {
		t.Fatalf("NewAPIKey: %v", err)
	}
	const want = "atk_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
	if key != want {
		t.Errorf("NewAPIKey = %q, want %q", key, want)
	}
	if !LooksLikeAPIKey(key) {
		t.Errorf("LooksLikeAPIKey(%q) = false, want true", key)
	}
	if got := APIKeyPrefix(key); got != "atk_AAECAwQF" {
		t.Errorf("APIKeyPrefix(%q) = %q, want %q", key, got, "atk_AAECAwQF")
	}
}

func TestNewAPIKeyShortRand(t *testing.T) {
	if key, err := NewAPIKey(fixedRand(0, apiKeyBytes-1)); err == nil {
		t.Errorf("NewAPIKey with a short random source = %q, nil; want an error", key)
	}
}

func TestHashAPIKey(t *testing.T) {
	// Stored hashes must never change, so pin one (from sha256sum).
	const key = "atk_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
	const want = "238cd0984878d0b24ab182a89060564d20fc75751d594470478c141cc474cd67"
	got := HashAPIKey(key)
	if len(got) != 64 || strings.Trim(got, "0123456789abcdef") != "" {
		t.Errorf("HashAPIKey(%q) = %q, want 64 lowercase hex digits", key, got)
	}
	if got != want {
		t.Errorf("HashAPIKey(%q) = %q, want %q", key, got, want)
	}
	if other := HashAPIKey(key[:len(key)-1] + "g"); other == got {
		t.Errorf("HashAPIKey gave %q for two different keys", got)
	}
}

func TestLooksLikeAPIKey(t *testing.T) {
	const valid = "atk_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
	tests := []struct {
		s    string
		want bool
	}{
		{valid, true},
		{"atk_" + strings.Repeat("-_", 21) + "A", true},
		{"", false},
		{"atk_", false},
		{valid[:len(valid)-1], false},
		{valid + "A", false},
		{"xtk_" + valid[4:], false},
		{"ATK_" + valid[4:], false},
		{valid[:len(valid)-1] + "=", false},
		{valid[:len(valid)-1] + "+", false},
		{valid[:len(valid)-1] + "/", false},
		// The last character carries 2 bits; "h" sets bits a real key leaves clear.
		{valid[:len(valid)-1] + "h", false},
		{valid[:20] + "\n" + valid[21:], false},
	}
	for _, tt := range tests {
		if got := LooksLikeAPIKey(tt.s); got != tt.want {
			t.Errorf("LooksLikeAPIKey(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestAPIKeyPrefix(t *testing.T) {
	tests := []struct{ key, want string }{
		{"atk_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "atk_AAECAwQF"},
		{"atk_short", "atk_short"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := APIKeyPrefix(tt.key); got != tt.want {
			t.Errorf("APIKeyPrefix(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}
