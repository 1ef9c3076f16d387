package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
)

// Sealed is a value sealed with AES-256-GCM under a purpose's key of one
// master key, named by KeyID ("" for a value sealed before master keys).
type Sealed struct {
	KeyID string
	Nonce []byte
	Data  []byte
}

// Seal seals plain under the current master key's key for p, with a fresh
// random nonce. The id of what is sealed (a document's, a staff member's,
// an endpoint's) is bound in as additional data: a sealed value copied to
// another row does not open.
func (r *Ring) Seal(p Purpose, id string, plain []byte) (Sealed, error) {
	aead, err := newAEAD(r.Current.Derive(p))
	if err != nil {
		return Sealed{}, err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce) // crypto/rand.Read never fails
	return Sealed{KeyID: r.Current.ID(), Nonce: nonce, Data: aead.Seal(nil, nonce, plain, aad(p, id))}, nil
}

// Open opens a sealed value with the master key that sealed it, which the
// ring must hold (as current or previous key, or as the legacy key of p).
func (r *Ring) Open(p Purpose, id string, s Sealed) ([]byte, error) {
	var key []byte
	if s.KeyID == "" {
		key = r.legacy[p]
	} else if m := r.master(s.KeyID); m != nil {
		key = m.Derive(p)
	}
	if key == nil {
		if s.KeyID == "" {
			return nil, fmt.Errorf("open %s %s: it was sealed before master keys, with a key this node was not given", p, id)
		}
		return nil, fmt.Errorf("open %s %s: it was sealed under master key %s, which this node does not hold", p, id, s.KeyID)
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	if len(s.Nonce) != aead.NonceSize() {
		return nil, fmt.Errorf("open %s %s: nonce of %d bytes", p, id, len(s.Nonce))
	}
	plain, err := aead.Open(nil, s.Nonce, s.Data, aad(p, id))
	if err != nil {
		return nil, fmt.Errorf("open %s %s: %w", p, id, err)
	}
	return plain, nil
}

// aad is the additional data a value of a purpose is sealed with. Documents
// and TOTP secrets keep the form they had before master keys, so that
// values sealed then open the same way.
func aad(p Purpose, id string) []byte {
	switch p {
	case TOTPSecrets:
		return []byte("totp:" + id)
	case WebhookSecrets:
		return []byte("webhook:" + id)
	}
	return []byte(id)
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	return cipher.NewGCM(block)
}
