package web

import (
	"regexp"
	"strings"

	"github.com/attest-dev/attest/internal/i18n"
)

// Browser names the browser and system a User-Agent header describes, as a
// person recognises them on the sessions list ("Chrome 131 on Windows"),
// from the product tokens browsers send; any other client reads as its
// first product token ("curl/8.5.0"), cut to a readable length. The whole
// header stays in the cell's title.
func Browser(c *i18n.Catalog, ua string) string {
	ua = strings.TrimSpace(ua)
	if ua == "" {
		return c.Text("browser.unknown")
	}
	name := ""
	for _, b := range browsers {
		if m := b.re.FindStringSubmatch(ua); m != nil {
			name = b.name + " " + m[1]
			break
		}
	}
	if name == "" {
		first, _, _ := strings.Cut(ua, " ")
		if r := []rune(first); len(r) > 40 {
			first = string(r[:40]) + "…"
		}
		return first
	}
	for _, s := range systems {
		if strings.Contains(ua, s.token) {
			return c.Text("browser.on", "browser", name, "system", s.name)
		}
	}
	return name
}

// browsers are matched in order: Edge and Opera also say Chrome, Chrome
// also says Safari.
var browsers = []struct {
	name string
	re   *regexp.Regexp
}{
	{"Edge", regexp.MustCompile(`\bEdg(?:e|A|iOS)?/(\d+)`)},
	{"Opera", regexp.MustCompile(`\bOPR/(\d+)`)},
	{"Samsung Internet", regexp.MustCompile(`\bSamsungBrowser/(\d+)`)},
	{"Firefox", regexp.MustCompile(`\b(?:Firefox|FxiOS)/(\d+)`)},
	{"Chrome", regexp.MustCompile(`\b(?:HeadlessChrome|Chrome|CriOS)/(\d+)`)},
	{"Safari", regexp.MustCompile(`\bVersion/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/`)},
}

// systems are matched in order: Android also says Linux, iOS says "like
// Mac OS X".
var systems = []struct{ token, name string }{
	{"Android", "Android"},
	{"iPhone", "iOS"},
	{"iPad", "iPadOS"},
	{"CrOS", "ChromeOS"},
	{"Windows", "Windows"},
	{"Mac OS X", "macOS"},
	{"Linux", "Linux"},
}
