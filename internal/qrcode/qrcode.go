// Package qrcode draws QR codes as SVG on the server, so that the portal needs
// no script and no third party to show one.
//
// The encoding itself (data modes, error correction, module placement) is done
// by rsc.io/qr; this package only validates the input and turns the module
// matrix into compact SVG markup.
//
// # Markup
//
// SVG returns a document of this shape (on one line, attribute values escaped):
//
//	<svg xmlns="http://www.w3.org/2000/svg" width="S" height="S" viewBox="0 0 N N"
//	  shape-rendering="crispEdges" role="img" aria-label="LABEL">
//	  <title>LABEL</title>
//	  <rect width="N" height="N" fill="#fff"/>
//	  <path fill="#000" d="..."/>
//	</svg>
//
// where S is the requested size in pixels and N is the QR symbol's size in
// modules plus a quiet zone of 4 modules on every side. One user unit of the
// viewBox is one module.
//
// The path data is a concatenation of one segment per horizontal run of dark
// modules, with no separators between segments and no other commands:
//
//	M{x} {y}h{w}v1h-{w}z
//
// x and y are the viewBox coordinates of the run's leftmost module (quiet zone
// included, so never below 4), and w (at least 1) is the number of dark modules
// in the run. All numbers are non-negative decimal integers. Runs never touch
// on the same row: two runs in a row are separated by at least one light
// module.
//
// No XML declaration is written, so the same bytes can be served as
// image/svg+xml or inlined into an HTML page.
package qrcode

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"

	"rsc.io/qr"
)

// Limits on the input of SVG.
const (
	// MaxTextBytes is the longest text SVG encodes, in bytes. The codes carry
	// links, which are short; a cap keeps the symbol scannable from a screen.
	MaxTextBytes = 1000
	// MinSizePx and MaxSizePx bound the width and height of the SVG in pixels.
	MinSizePx = 64
	MaxSizePx = 2048
	// QuietZone is the light margin around the symbol, in modules, as the
	// QR specification requires.
	QuietZone = 4
)

// Errors returned by SVG. They are wrapped with details; test with errors.Is.
var (
	ErrEmptyText   = errors.New("qrcode: text is empty")
	ErrTextTooLong = errors.New("qrcode: text is too long")
	ErrSize        = errors.New("qrcode: size out of range")
)

// defaultLabel is used when SVG is given an empty label, so that the image
// always has an accessible name.
const defaultLabel = "QR code"

// SVG returns a standalone SVG document showing text as a QR code, with a
// quiet zone of 4 modules, drawn as one <path> of unit squares (horizontal
// runs of dark modules merged into single rectangles to keep the markup
// small), with shape-rendering="crispEdges", a white background rect, viewBox
// in module units, width/height attributes of sizePx, role="img" and an
// aria-label/title giving label (escaped; "QR code" if label is empty).
// Error-correction level M. See the package documentation for the exact
// markup and path format.
//
// text must be 1 to MaxTextBytes bytes long; it is encoded as given (byte mode
// for anything but digits or the QR alphanumeric set). sizePx must be within
// MinSizePx..MaxSizePx.
func SVG(text, label string, sizePx int) ([]byte, error) {
	switch {
	case text == "":
		return nil, ErrEmptyText
	case len(text) > MaxTextBytes:
		return nil, fmt.Errorf("%w: %d bytes, at most %d allowed", ErrTextTooLong, len(text), MaxTextBytes)
	case sizePx < MinSizePx || sizePx > MaxSizePx:
		return nil, fmt.Errorf("%w: %d px, must be between %d and %d", ErrSize, sizePx, MinSizePx, MaxSizePx)
	}
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		// Not expected: MaxTextBytes is well below the capacity of a
		// version 40 symbol at level M (2331 bytes).
		return nil, fmt.Errorf("qrcode: encoding %d bytes: %w", len(text), err)
	}
	if label == "" {
		label = defaultLabel
	}

	n := strconv.Itoa(code.Size + 2*QuietZone)
	size := strconv.Itoa(sizePx)

	var b bytes.Buffer
	b.Grow(512 + 4*code.Size*code.Size) // generous for the path data
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" width="` + size + `" height="` + size +
		`" viewBox="0 0 ` + n + ` ` + n + `" shape-rendering="crispEdges" role="img" aria-label="`)
	escape(&b, label)
	b.WriteString(`"><title>`)
	escape(&b, label)
	b.WriteString(`</title><rect width="` + n + `" height="` + n + `" fill="#fff"/><path fill="#000" d="`)
	writeRuns(&b, code)
	b.WriteString(`"/></svg>` + "\n")
	return b.Bytes(), nil
}

// writeRuns writes the path data for the dark modules of code, one
// "M{x} {y}h{w}v1h-{w}z" segment per horizontal run.
func writeRuns(b *bytes.Buffer, code *qr.Code) {
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; {
			if !code.Black(x, y) {
				x++
				continue
			}
			start := x
			for x < code.Size && code.Black(x, y) {
				x++
			}
			w := strconv.Itoa(x - start)
			b.WriteString("M" + strconv.Itoa(start+QuietZone) + " " + strconv.Itoa(y+QuietZone) +
				"h" + w + "v1h-" + w + "z")
		}
	}
}

// escape writes s escaped for use both as XML character data and inside a
// double-quoted attribute value. Invalid UTF-8 and characters not allowed in
// XML become U+FFFD, so the document stays well-formed whatever the label.
func escape(b *bytes.Buffer, s string) {
	// xml.EscapeText escapes <, >, &, ', ", tab, newline and carriage return,
	// and replaces invalid UTF-8 and characters outside the XML character
	// range with U+FFFD.
	_ = xml.EscapeText(b, []byte(s)) // writing to a bytes.Buffer cannot fail
}
