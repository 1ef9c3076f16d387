// Package evidence keeps the documents freelancers upload as evidence: it
// checks what a file really is from its content, and seals it with
// AES-256-GCM before it is stored, so that a copy of the database alone
// reveals nothing of it.
//
// Each file is sealed under a fresh random 96-bit nonce, and the document's
// id is bound in as additional data: a sealed file moved to another row does
// not open.
package evidence

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// MaxSize is the largest document accepted, in bytes.
const MaxSize = 10 << 20

// KeySize is the length of the sealing key: AES-256.
const KeySize = 32

// Types are the kinds of document accepted, by media type, with the name a
// person knows them by.
var Types = map[string]string{
	"application/pdf": "PDF",
	"image/jpeg":      "JPEG",
	"image/png":       "PNG",
}

// Extensions are the file name endings given to each accepted type.
var Extensions = map[string]string{
	"application/pdf": ".pdf",
	"image/jpeg":      ".jpg",
	"image/png":       ".png",
}

// Errors a freelancer's upload can meet. Each is shown to them as it is.
var (
	ErrEmpty       = errors.New("the file is empty")
	ErrTooLarge    = fmt.Errorf("the file is larger than %d MB", MaxSize>>20)
	ErrUnsupported = errors.New("only PDF, JPEG and PNG files are accepted")
)

// Sniff reports the media type of a document from its first bytes, ignoring
// what the browser or the file name claim.
func Sniff(data []byte) (string, error) {
	if len(data) == 0 {
		return "", ErrEmpty
	}
	if len(data) > MaxSize {
		return "", ErrTooLarge
	}
	// DetectContentType follows the WHATWG sniffing rules on the first 512
	// bytes: exact signatures at offset 0 for all three types, so an HTML
	// page or a script named "id.pdf" is refused.
	ct := http.DetectContentType(data)
	if _, ok := Types[ct]; !ok {
		return "", ErrUnsupported
	}
	return ct, nil
}

// ParseKey reads a 32-byte key written as 64 hexadecimal digits or as
// standard or URL-safe base64.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if k, err := hex.DecodeString(s); err == nil && len(k) == KeySize {
		return k, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	return nil, fmt.Errorf("document key: want %d bytes as 64 hex digits or base64", KeySize)
}

// NewKey returns a fresh random key in the hexadecimal form ParseKey reads.
func NewKey() string {
	k := make([]byte, KeySize)
	if _, err := io.ReadFull(rand.Reader, k); err != nil {
		panic(fmt.Sprintf("evidence: read random key: %v", err)) // crypto/rand does not fail on supported systems
	}
	return hex.EncodeToString(k)
}

// Sealer seals and opens documents under one key.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("document key: %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("document key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("document key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts a document under a fresh nonce, bound to its id.
func (s *Sealer) Seal(id string, plain []byte) (nonce, sealed []byte, err error) {
	nonce = make([]byte, s.aead.NonceSize())
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		return nil, nil, fmt.Errorf("seal document %s: %w", id, err)
	}
	return nonce, s.aead.Seal(nil, nonce, plain, []byte(id)), nil
}

// Open decrypts a sealed document. It fails if the ciphertext, the nonce or
// the id differ from what Seal was given, or if the key is another.
func (s *Sealer) Open(id string, nonce, sealed []byte) ([]byte, error) {
	if len(nonce) != s.aead.NonceSize() {
		return nil, fmt.Errorf("open document %s: nonce of %d bytes", id, len(nonce))
	}
	plain, err := s.aead.Open(nil, nonce, sealed, []byte(id))
	if err != nil {
		return nil, fmt.Errorf("open document %s: %w", id, err)
	}
	return plain, nil
}
