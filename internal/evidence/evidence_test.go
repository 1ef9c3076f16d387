package evidence

import (
	"bytes"
	"errors"
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
