package portal

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/attest-dev/attest/internal/evidence"
)

// FuzzUploadForms feeds the portal's upload and appeal form parsers any
// body under any multipart boundary: they must not panic, and what they
// return stays inside their bounds (text fields cut at 20 KB, one file of at
// most evidence.MaxSize). Run longer with
// go test -run '^$' -fuzz FuzzUploadForms ./internal/portal
func FuzzUploadForms(f *testing.F) {
	f.Add("x", []byte("--x\r\nContent-Disposition: form-data; name=\"claim\"\r\n\r\nlocation\r\n--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"id.pdf\"\r\n\r\n%PDF-1.4\r\n--x--\r\n"))
	f.Add("x", []byte("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n\r\n\r\n--x--\r\n"))
	f.Add("b", []byte("--b\r\nContent-Disposition: form-data; name=\"statement\"\r\n\r\nI disagree\r\n--b\r\n"))
	f.Add("x", []byte("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\u202Efdp.exe\"\r\n\r\nMZ\r\n--x--\r\n"))
	f.Add("", []byte("statement=hello&x=%ZZ"))
	f.Add("x", []byte("--x--"))
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		for _, contentType := range []string{"multipart/form-data; boundary=" + boundary, "application/x-www-form-urlencoded"} {
			r, err := http.NewRequest("POST", "/v/token/appeal", bytes.NewReader(body))
			if err != nil {
				return
			}
			r.Header.Set("Content-Type", contentType)
			form, err := appealForm(r)
			if err != nil {
				continue
			}
			for name, value := range form.fields {
				if len(value) > 20<<10 && !isURLEncoded(contentType) {
					t.Fatalf("field %q holds %d bytes", name, len(value))
				}
			}
			if len(form.data) > evidence.MaxSize {
				t.Fatalf("a file of %d bytes was read", len(form.data))
			}
		}
	})
}

func isURLEncoded(contentType string) bool { return contentType == "application/x-www-form-urlencoded" }
