package qrcode

import (
	"encoding/xml"
	"errors"
	"fmt"
	"image"
	"image/color"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	"rsc.io/qr"
)

// svgDoc is the part of the document the tests look at.
type svgDoc struct {
	XMLName   xml.Name `xml:"svg"`
	Xmlns     string   `xml:"xmlns,attr"`
	Width     string   `xml:"width,attr"`
	Height    string   `xml:"height,attr"`
	ViewBox   string   `xml:"viewBox,attr"`
	Shape     string   `xml:"shape-rendering,attr"`
	Role      string   `xml:"role,attr"`
	AriaLabel string   `xml:"aria-label,attr"`
	Title     string   `xml:"title"`
	Rects     []struct {
		Width  string `xml:"width,attr"`
		Height string `xml:"height,attr"`
		Fill   string `xml:"fill,attr"`
	} `xml:"rect"`
	Paths []struct {
		D    string `xml:"d,attr"`
		Fill string `xml:"fill,attr"`
	} `xml:"path"`
}

func parseSVG(t *testing.T, doc []byte) svgDoc {
	t.Helper()
	var s svgDoc
	dec := xml.NewDecoder(strings.NewReader(string(doc)))
	dec.Strict = true
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("SVG does not parse as XML: %v\n%s", err, doc)
	}
	return s
}

var segment = regexp.MustCompile(`^M(\d+) (\d+)h(\d+)v1h-(\d+)z`)

// parsePath reads path data in the documented format back into a square
// matrix of n×n modules (quiet zone included); true is dark. It fails the
// test on anything else: other commands, mismatched widths, runs outside the
// viewBox, overlapping or touching runs.
func parsePath(t *testing.T, d string, n int) [][]bool {
	t.Helper()
	m := make([][]bool, n)
	for i := range m {
		m[i] = make([]bool, n)
	}
	for rest := d; rest != ""; {
		g := segment.FindStringSubmatch(rest)
		if g == nil {
			t.Fatalf("path data not in M{x} {y}h{w}v1h-{w}z form at %.40q", rest)
		}
		rest = rest[len(g[0]):]
		x, _ := strconv.Atoi(g[1])
		y, _ := strconv.Atoi(g[2])
		w, _ := strconv.Atoi(g[3])
		if g[3] != g[4] || w < 1 {
			t.Fatalf("segment %q: bad width", g[0])
		}
		if y >= n || x+w > n {
			t.Fatalf("segment %q: outside the %d×%d viewBox", g[0], n, n)
		}
		if x > 0 && m[y][x-1] || x+w < n && m[y][x+w] {
			t.Fatalf("segment %q: touches another run (runs should be merged)", g[0])
		}
		for i := x; i < x+w; i++ {
			if m[y][i] {
				t.Fatalf("segment %q: overlaps another run", g[0])
			}
			m[y][i] = true
		}
	}
	return m
}

// render draws the matrix as a grayscale image at scale pixels per module.
func render(m [][]bool, scale int) *image.Gray {
	n := len(m)
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	for y := range n * scale {
		for x := range n * scale {
			c := color.Gray{Y: 0xff}
			if m[y/scale][x/scale] {
				c.Y = 0
			}
			img.SetGray(x, y, c)
		}
	}
	return img
}

// matrix returns the module matrix that text's SVG shows, parsed back from
// the path data, after checking the document's structure.
func matrix(t *testing.T, text, label string, sizePx int) [][]bool {
	t.Helper()
	doc, err := SVG(text, label, sizePx)
	if err != nil {
		t.Fatalf("SVG(%.30q): %v", text, err)
	}
	s := parseSVG(t, doc)
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	n := code.Size + 2*QuietZone
	ns, px := strconv.Itoa(n), strconv.Itoa(sizePx)

	if s.Xmlns != "http://www.w3.org/2000/svg" {
		t.Errorf("xmlns = %q", s.Xmlns)
	}
	if want := "0 0 " + ns + " " + ns; s.ViewBox != want {
		t.Errorf("viewBox = %q, want %q", s.ViewBox, want)
	}
	if s.Width != px || s.Height != px {
		t.Errorf("width, height = %q, %q, want %s", s.Width, s.Height, px)
	}
	if s.Shape != "crispEdges" {
		t.Errorf("shape-rendering = %q", s.Shape)
	}
	if s.Role != "img" {
		t.Errorf("role = %q", s.Role)
	}
	if len(s.Rects) != 1 || s.Rects[0].Width != ns || s.Rects[0].Height != ns || s.Rects[0].Fill != "#fff" {
		t.Errorf("background rects = %+v, want one white %s×%s", s.Rects, ns, ns)
	}
	if len(s.Paths) != 1 || s.Paths[0].Fill != "#000" {
		t.Fatalf("paths = %d, want one black path", len(s.Paths))
	}

	m := parsePath(t, s.Paths[0].D, n)
	dark, want := 0, 0
	for y := range n {
		for x := range n {
			black := code.Black(x-QuietZone, y-QuietZone) // false in the quiet zone
			if black {
				want++
			}
			if m[y][x] {
				dark++
			}
			if m[y][x] != black {
				t.Fatalf("module (%d,%d) in the SVG is dark=%v, qr.Encode says %v", x, y, m[y][x], black)
			}
		}
	}
	if dark != want {
		t.Fatalf("path has %d dark modules, qr.Encode has %d", dark, want)
	}
	return m
}

var (
	longURL  = "https://attest.example.com/portal/phone?session=7f3c9a2e-51b4-4d8e-9c1f-0a6b2d4e8f10&token=k3Jq9ZtW0pXc7LmN2bVr5HsY8dFgA"
	shortURL = "http://localhost:8080/p/ABCD2345"
)

func TestSVGStructure(t *testing.T) {
	if len(longURL) != 120 {
		t.Fatalf("longURL is %d bytes, want 120", len(longURL))
	}
	for _, text := range []string{"x", shortURL, longURL, "0123456789", "HTTP://EXAMPLE.COM/P/ABCD", strings.Repeat("z", MaxTextBytes)} {
		matrix(t, text, "Scan to continue on your phone", 256)
	}
}

func TestSVGLabelEscaped(t *testing.T) {
	for _, label := range []string{
		`<script>&"`,
		`</title><script>alert(1)</script>`,
		`it's "quoted" & <b>bold</b>`,
		"line\nbreak\ttab",
		"Přihlášení – телефон",
	} {
		doc, err := SVG(shortURL, label, 200)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(doc), "<script") || strings.Contains(string(doc), "<b>") {
			t.Fatalf("label %q not escaped:\n%s", label, doc)
		}
		s := parseSVG(t, doc)
		if s.Title != label {
			t.Errorf("title = %q, want %q", s.Title, label)
		}
		if s.AriaLabel != label {
			t.Errorf("aria-label = %q, want %q", s.AriaLabel, label)
		}
	}

	// The escaping spelled out for the case in the brief.
	doc, err := SVG(shortURL, `<script>&"`, 200)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), `<title>&lt;script&gt;&amp;&#34;</title>`) ||
		!strings.Contains(string(doc), `aria-label="&lt;script&gt;&amp;&#34;"`) {
		t.Errorf("unexpected escaping:\n%s", doc)
	}
}

func TestSVGOddLabels(t *testing.T) {
	// Empty label: an accessible name is still given.
	doc, err := SVG(shortURL, "", 200)
	if err != nil {
		t.Fatal(err)
	}
	if s := parseSVG(t, doc); s.Title != defaultLabel || s.AriaLabel != defaultLabel {
		t.Errorf("empty label gave title %q, aria-label %q", s.Title, s.AriaLabel)
	}

	// Invalid UTF-8 and control characters must not make the XML ill-formed.
	doc, err = SVG(shortURL, "bad\xff\x00\x1bend", 200)
	if err != nil {
		t.Fatal(err)
	}
	if s := parseSVG(t, doc); s.Title != "bad\uFFFD\uFFFD\uFFFDend" {
		t.Errorf("title = %q", s.Title)
	}
}

func TestSVGRoundTrip(t *testing.T) {
	texts := []string{
		longURL,
		shortURL,
		"https://attest.example.com/",
		"0123456789012345",          // numeric mode
		"HTTP://EXAMPLE.COM/P/ABCD", // alphanumeric mode
		"https://attest.example.com/p/" + strings.Repeat("q", 300),
		strings.Repeat("0123456789abcdef", MaxTextBytes/16) + "01234567", // exactly MaxTextBytes
	}
	for _, text := range texts {
		t.Run(fmt.Sprintf("%d_bytes", len(text)), func(t *testing.T) {
			m := matrix(t, text, "QR", 512)
			bmp, err := gozxing.NewBinaryBitmapFromImage(render(m, 8))
			if err != nil {
				t.Fatal(err)
			}
			res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
			if err != nil {
				t.Fatalf("gozxing could not decode the code for %.40q: %v", text, err)
			}
			if got := res.GetText(); got != text {
				t.Fatalf("decoded %q, want %q", got, text)
			}
		})
	}
}

func TestSVGErrors(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		size   int
		want   error
		inText string
	}{
		{"empty text", "", 256, ErrEmptyText, "empty"},
		{"text too long", strings.Repeat("a", MaxTextBytes+1), 256, ErrTextTooLong, "1001 bytes"},
		{"text too long in bytes not runes", strings.Repeat("é", 501), 256, ErrTextTooLong, "1002 bytes"},
		{"size too small", shortURL, MinSizePx - 1, ErrSize, "63 px"},
		{"size zero", shortURL, 0, ErrSize, "0 px"},
		{"size negative", shortURL, -256, ErrSize, "-256 px"},
		{"size too large", shortURL, MaxSizePx + 1, ErrSize, "2049 px"},
		{"empty text wins over bad size", "", 0, ErrEmptyText, "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := SVG(tt.text, "label", tt.size)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if doc != nil {
				t.Errorf("got a document with the error")
			}
			if !strings.Contains(err.Error(), tt.inText) {
				t.Errorf("error %q does not mention %q", err, tt.inText)
			}
		})
	}

	// The bounds themselves are accepted.
	for _, size := range []int{MinSizePx, MaxSizePx} {
		if _, err := SVG(shortURL, "label", size); err != nil {
			t.Errorf("size %d: %v", size, err)
		}
	}
	if _, err := SVG(strings.Repeat("a", MaxTextBytes), "label", 256); err != nil {
		t.Errorf("text of MaxTextBytes: %v", err)
	}
}
