package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// root is the repository, from this package's directory.
const root = "../.."

// Where keys are used, and how each kind of file names them.
var usages = []struct {
	dir, suffix string
	pattern     *regexp.Regexp
}{
	// {{t "portal.title"}}, {{tn "phone.note" .Minutes}}
	{"web/templates", ".html", regexp.MustCompile(`\{\{-?\s*(?:t|tn)\s+"([^"]+)"|\((?:t|tn)\s+"([^"]+)"`)},
	{"internal/notify/templates", ".tmpl", regexp.MustCompile(`\{\{-?\s*(?:t|tn)\s+"([^"]+)"|\((?:t|tn)\s+"([^"]+)"`)},
	// t('js.queue.next'), tn('js.wait.minutes', n), and keys kept in a table: 'js.check.help.denied'
	{"web/static/js", ".js", regexp.MustCompile(`'(js\.[a-z0-9_.]+)'`)},
	// Go names keys as string literals under the catalog's prefixes.
	{"internal", ".go", regexp.MustCompile(`"((?:portal|notice|problem|phone|email|why|calendar|date|duration|js)\.[a-z0-9_.]+)"`)},
	{"web", ".go", regexp.MustCompile(`"((?:portal|notice|problem|phone|email|why|calendar|date|duration|js)\.[a-z0-9_.]+)"`)},
}

// Every key a template, a script or Go code uses is in every catalog.
func TestKeysInUseExist(t *testing.T) {
	used := map[string]string{} // key → first file using it
	for _, u := range usages {
		err := filepath.WalkDir(filepath.Join(root, u.dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, u.suffix) || strings.HasSuffix(path, "_test.go") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range u.pattern.FindAllStringSubmatch(string(b), -1) {
				key := m[1]
				if key == "" && len(m) > 2 {
					key = m[2]
				}
				if _, seen := used[key]; !seen {
					used[key] = path
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("walk %s: %v", u.dir, err)
		}
	}
	if len(used) < 100 {
		t.Fatalf("found only %d keys in use: the walk is broken", len(used))
	}
	for key, path := range used {
		for _, c := range All() {
			if !c.Has(key) {
				t.Errorf("%s uses %q, which the %s catalog lacks", path, key, c.Tag)
			}
		}
	}
}
