// Package evidence judges the documents freelancers upload as evidence: it
// checks what a file really is from its content, never from its name. The
// workflow then seals each file under the master key (internal/keys) before
// it is stored, so that a copy of the database alone reveals nothing of it.
package evidence

import (
	"errors"
	"fmt"
	"net/http"
)

// MaxSize is the largest document accepted, in bytes.
const MaxSize = 10 << 20

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
