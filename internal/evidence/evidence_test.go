package evidence

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

var (
	pdf  = []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n")
	jpeg = []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01}
	png  = []byte{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 'I', 'H', 'D', 'R'}
)

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
		err  error
	}{
		{"pdf", pdf, "application/pdf", nil},
		{"jpeg", jpeg, "image/jpeg", nil},
		{"png", png, "image/png", nil},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), "", ErrUnsupported},
		{"html", []byte("<!DOCTYPE html><script>alert(1)</script>"), "", ErrUnsupported},
		{"pdf signature not at the start", append([]byte("hello "), pdf...), "", ErrUnsupported},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>`), "", ErrUnsupported},
		{"zip", []byte("PK\x03\x04rest"), "", ErrUnsupported},
		{"text", []byte("just words"), "", ErrUnsupported},
		{"empty", nil, "", ErrEmpty},
		{"too large", append(bytes.Clone(pdf), make([]byte, MaxSize)...), "", ErrTooLarge},
		{"exactly the limit", append(bytes.Clone(png), make([]byte, MaxSize-len(png))...), "image/png", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Sniff(tt.data)
			if got != tt.want || !errors.Is(err, tt.err) {
				t.Fatalf("Sniff = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func FuzzSniff(f *testing.F) {
	for _, seed := range [][]byte{pdf, jpeg, png, []byte("<html>"), {}} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ct, err := Sniff(data)
		if err != nil {
			return
		}
		if _, ok := Types[ct]; !ok {
			t.Fatalf("accepted %q", ct)
		}
	})
}

func TestEveryTypeHasAnExtension(t *testing.T) {
	for ct := range Types {
		if Extensions[ct] == "" {
			t.Errorf("%s has no file name extension", ct)
		}
	}
}

func TestSealOpen(t *testing.T) {
	key, err := ParseKey(NewKey())
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	nonce1, sealed1, err := s.Seal("doc_1", pdf)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed1, []byte("Catalog")) {
		t.Fatal("the sealed document holds its plain text")
	}
	got, err := s.Open("doc_1", nonce1, sealed1)
	if err != nil || !bytes.Equal(got, pdf) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	nonce2, sealed2, _ := s.Seal("doc_1", pdf)
	if bytes.Equal(nonce1, nonce2) || bytes.Equal(sealed1, sealed2) {
		t.Fatal("two seals of the same document share a nonce")
	}

	other, _ := ParseKey(NewKey())
	otherSealer, _ := NewSealer(other)
	tampered := bytes.Clone(sealed1)
	tampered[0] ^= 1
	for name, open := range map[string]func() ([]byte, error){
		"another id":     func() ([]byte, error) { return s.Open("doc_2", nonce1, sealed1) },
		"another nonce":  func() ([]byte, error) { return s.Open("doc_1", nonce2, sealed1) },
		"tampered":       func() ([]byte, error) { return s.Open("doc_1", nonce1, tampered) },
		"another key":    func() ([]byte, error) { return otherSealer.Open("doc_1", nonce1, sealed1) },
		"short nonce":    func() ([]byte, error) { return s.Open("doc_1", nonce1[:4], sealed1) },
		"truncated data": func() ([]byte, error) { return s.Open("doc_1", nonce1, sealed1[:8]) },
	} {
		if plain, err := open(); err == nil {
			t.Errorf("%s: opened to %q", name, plain)
		}
	}
}

func TestParseKey(t *testing.T) {
	raw := bytes.Repeat([]byte{0xAB}, KeySize)
	for _, s := range []string{
		strings.Repeat("ab", KeySize),
		" " + strings.Repeat("AB", KeySize) + "\n",
		base64.StdEncoding.EncodeToString(raw),
		base64.RawURLEncoding.EncodeToString(raw),
	} {
		if k, err := ParseKey(s); err != nil || !bytes.Equal(k, raw) {
			t.Errorf("ParseKey(%q) = %x, %v", s, k, err)
		}
	}
	for _, s := range []string{"", "abcd", strings.Repeat("ab", 16), strings.Repeat("zz", KeySize), "not a key at all"} {
		if _, err := ParseKey(s); err == nil {
			t.Errorf("ParseKey(%q) accepted", s)
		}
	}
	if _, err := NewSealer(raw[:16]); err == nil {
		t.Error("NewSealer took a 16-byte key")
	}
}
