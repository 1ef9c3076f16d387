package workflow

import (
	"strings"
	"testing"
)

func TestCleanFilename(t *testing.T) {
	tests := []struct {
		name, contentType, want string
	}{
		{"lease.pdf", "application/pdf", "lease.pdf"},
		{`C:\Users\ana\Documents\lease.PDF`, "application/pdf", "lease.PDF"},
		{"../../etc/passwd", "application/pdf", "passwd.pdf"},
		{"photo.jpeg", "image/jpeg", "photo.jpeg"},
		{"photo.JPG", "image/jpeg", "photo.JPG"},
		{"invoice.html", "application/pdf", "invoice.pdf"}, // the content decides the extension
		{"scan.png.exe", "image/png", "scan.png"},
		{"quote\"d\r\nname.png", "image/png", "quotedname.png"},
		{"invoice\u202Efdp.png", "image/png", "invoicefdp.png"}, // a right-to-left override is dropped
		{"zero\u200Bwidth.png", "image/png", "zerowidth.png"},
		{"", "image/png", "document.png"},
		{"   ", "application/pdf", "document.pdf"},
		{".pdf", "application/pdf", "document.pdf"},
		{strings.Repeat("é", 200) + ".pdf", "application/pdf", strings.Repeat("é", 120) + ".pdf"},
	}
	for _, tt := range tests {
		if got := cleanFilename(tt.name, tt.contentType); got != tt.want {
			t.Errorf("cleanFilename(%q, %s) = %q, want %q", tt.name, tt.contentType, got, tt.want)
		}
	}
}
