// Package keys holds attest's master key and derives from it every key that
// signs or seals: portal links, staff sign-in tickets, TURN credentials, and
// the keys that seal documents, TOTP secrets and webhook secrets. The master
// key is given from outside the database (flag, environment or file), so a
// copy of the database alone can forge no link and open nothing sealed.
//
// Each purpose has its own key, derived with HKDF-SHA256 (RFC 5869): a key
// learnt for one purpose says nothing of another. A master key is named by
// its id, derived the same way, which the database records so that a node
// started with the wrong key refuses to start rather than sign what no other
// node accepts.
//
// Keys rotate: a new master key signs and seals from then on, and the one
// it replaced still verifies signatures for a stated grace period, so that
// portal links already sent keep working until they would have expired.
// Sealed values are re-sealed under the new key at rotation.
package keys

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"
	"sync"
	"time"
)

// Size is the length of a master key: 256 bits.
const Size = 32

// Purpose names what a derived key is for.
type Purpose string

// The purposes attest derives keys for. The strings are part of the
// derivation: changing one changes every key of that purpose.
const (
	PortalLinks    Purpose = "portal links"
	StaffTickets   Purpose = "staff sign-in tickets"
	TURN           Purpose = "turn credentials"
	Documents      Purpose = "sealing: documents"
	TOTPSecrets    Purpose = "sealing: totp secrets"
	WebhookSecrets Purpose = "sealing: webhook secrets"
	// CredentialRequests seeds the P-256 key that signs OpenID4VP requests.
	CredentialRequests Purpose = "credential requests"
	// CredentialIssuing seeds the P-256 key that signs the credentials
	// attest issues and its status list (docs/CREDENTIALS.md).
	CredentialIssuing Purpose = "credential issuing"
	// IssuerNonces keys the MAC of the c_nonce values a wallet's proof
	// must carry.
	IssuerNonces Purpose = "credential issuer nonces"
	// keyID is the purpose of a master key's public name.
	keyID Purpose = "key id"
)

// Master is a master key.
type Master struct {
	key     []byte
	id      string
	derived sync.Map // Purpose → []byte
}

// ErrMalformed is returned for a master key that is not 32 bytes written as
// 64 hexadecimal digits or base64.
var ErrMalformed = errors.New("a master key is 32 bytes written as 64 hexadecimal digits or base64, e.g. from `attest keys new` or `openssl rand -hex 32`")

// Parse reads a master key written as 64 hexadecimal digits or as standard
// or URL-safe base64, surrounding white space ignored.
func Parse(s string) (*Master, error) {
	k, err := ParseRaw(s)
	if err != nil {
		return nil, err
	}
	return newMaster(k), nil
}

// ParseRaw reads 32 bytes written as Parse reads them, for a raw key that
// is not a master key: the --document-key of a version before master keys.
func ParseRaw(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if k, err := hex.DecodeString(s); err == nil && len(k) == Size {
		return k, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == Size {
			return k, nil
		}
	}
	return nil, ErrMalformed
}

// New returns a fresh random master key in the hexadecimal form Parse reads.
func New() string {
	k := make([]byte, Size)
	rand.Read(k) // crypto/rand.Read never fails; it crashes the program if it cannot read
	return hex.EncodeToString(k)
}

func newMaster(k []byte) *Master {
	m := &Master{key: k}
	m.id = hex.EncodeToString(m.Derive(keyID)[:8])
	return m
}

// ID names the master key without revealing it: 16 hexadecimal digits
// derived from it. The database records the id of the key in use.
func (m *Master) ID() string { return m.id }

// Derive returns the 32-byte key of one purpose.
// The key is the caller's to read, never to change: it is kept for the
// next call.
func (m *Master) Derive(p Purpose) []byte {
	if k, ok := m.derived.Load(p); ok {
		return k.([]byte)
	}
	k, err := hkdf.Key(sha256.New, m.key, nil, "attest "+string(p), Size)
	if err != nil {
		panic(fmt.Sprintf("keys: HKDF of 32 bytes failed: %v", err)) // only for lengths over 255×32
	}
	m.derived.Store(p, k)
	return k
}

// Ring is the master keys a node holds: the current one, which signs and
// seals, and the one it replaced, which verifies signatures until
// PreviousUntil and opens what is still sealed under it.
type Ring struct {
	Current       *Master
	Previous      *Master
	PreviousUntil time.Time
	// retired are keys from before master keys that still verify for a
	// while: the portal-link key that lived in the database (see Setup).
	retired []retired
	// legacy opens values sealed before master keys, by purpose: documents
	// sealed with --document-key.
	legacy map[Purpose][]byte
}

type retired struct {
	purpose Purpose
	key     []byte
	until   time.Time
}

// NewRing returns a ring of one current key.
func NewRing(current *Master) *Ring { return &Ring{Current: current} }

// Clone returns a copy of the ring that can be changed (by Setup) without
// changing r.
func (r *Ring) Clone() *Ring {
	c := *r
	c.retired = append([]retired(nil), r.retired...)
	c.legacy = maps.Clone(r.legacy)
	return &c
}

// Signing is the key that signs for a purpose now.
func (r *Ring) Signing(p Purpose) []byte { return r.Current.Derive(p) }

// Older are the keys besides the current one (Signing) whose signatures
// are accepted at now for a purpose: the previous master key's during its grace
// period, then any retired key still within its time.
func (r *Ring) Older(p Purpose, now time.Time) [][]byte {
	var ks [][]byte
	if r.Previous != nil && now.Before(r.PreviousUntil) {
		ks = append(ks, r.Previous.Derive(p))
	}
	for _, k := range r.retired {
		if k.purpose == p && now.Before(k.until) {
			ks = append(ks, k.key)
		}
	}
	return ks
}

// Retire lets a key from before master keys verify signatures of a
// purpose until a time: the portal-link key that lived in the database.
func (r *Ring) Retire(p Purpose, key []byte, until time.Time) {
	r.retired = append(r.retired, retired{purpose: p, key: key, until: until})
}

// WithLegacy lets the ring open values of a purpose sealed before master
// keys (key id ""), such as documents sealed with --document-key, so that
// Setup can re-seal them.
func (r *Ring) WithLegacy(p Purpose, key []byte) *Ring {
	if r.legacy == nil {
		r.legacy = map[Purpose][]byte{}
	}
	r.legacy[p] = key
	return r
}

// master returns the ring's master key of an id.
func (r *Ring) master(id string) *Master {
	switch {
	case r.Current != nil && id == r.Current.ID():
		return r.Current
	case r.Previous != nil && id == r.Previous.ID():
		return r.Previous
	}
	return nil
}

// ReadFile reads a master key from a file, as Parse reads it.
func ReadFile(file string) (*Master, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read master key: %w", err)
	}
	m, err := Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("master key in %s: %w", file, err)
	}
	return m, nil
}

// ReadOrCreateFile reads the master key in file, first making one there
// (mode 0600) if the file does not exist. It is for the demo and the load
// tool, which keep their key beside their data; a deployment keeps its key
// apart from the database and its backups.
func ReadOrCreateFile(file string) (*Master, error) {
	if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			_, err = f.WriteString(New() + "\n")
			err = errors.Join(err, f.Close())
		}
		if err != nil && !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("make master key: %w", err)
		}
	}
	return ReadFile(file)
}
