package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// root is the repository, from this package's directory.
const root = "../.."

// freelancerFiles are the templates and scripts that speak the
// freelancer's catalogs; every other template and script in web/ is the
// staff's, except the shared ones, whose keys both sets hold.
var (
	freelancerFiles = []string{"portal.html", "portal_error.html", "portal_wallet.html", "phone.html", "docs.html",
		"portal.js", "device-check.js", "credential.js"}
	sharedFiles = []string{"layout.html", "ui.js", "text.js", "call.js", "signal.js"}
)

// setsOf names the catalog sets a file's keys must be in.
func setsOf(path, key string) map[string][]*Catalog {
	name := filepath.Base(path)
	switch {
	case strings.HasSuffix(path, ".tmpl"), slices.Contains(freelancerFiles, name):
		return map[string][]*Catalog{"freelancer": All()}
	case name == "layout.html" && strings.HasPrefix(key, "layout."):
		return map[string][]*Catalog{"freelancer": All(), "staff": StaffAll()}
	case name == "layout.html":
		return map[string][]*Catalog{"staff": StaffAll()}
	case slices.Contains(sharedFiles, name):
		return map[string][]*Catalog{"freelancer": All(), "staff": StaffAll()}
	}
	return map[string][]*Catalog{"staff": StaffAll()}
}

// Where keys are used, and how each kind of file names them.
var usages = []struct {
	dir, suffix string
	pattern     *regexp.Regexp
	// sets overrides setsOf for Go files, by the key's prefix.
	sets map[string][]*Catalog
}{
	// {{t "portal.title"}}, {{tn "phone.note" .Minutes}}
	{"web/templates", ".html", regexp.MustCompile(`\{\{-?\s*(?:t|tn)\s+"([^"]+)"|\((?:t|tn)\s+"([^"]+)"`), nil},
	{"internal/notify/templates", ".tmpl", regexp.MustCompile(`\{\{-?\s*(?:t|tn)\s+"([^"]+)"|\((?:t|tn)\s+"([^"]+)"`), nil},
	// t('js.queue.next'), tn('js.wait.minutes', n), and keys kept in a table: 'js.check.help.denied'
	{"web/static/js", ".js", regexp.MustCompile(`'(js\.[a-z0-9_.]+)'`), nil},
	// Go names keys as string literals under the catalog's prefixes.
	{"internal", ".go", regexp.MustCompile(`"((?:portal|notice|problem|phone|email|why|calendar|date|duration|js)\.[a-z0-9_.]+)"`),
		map[string][]*Catalog{"freelancer": All()}},
	{"web", ".go", regexp.MustCompile(`"((?:portal|notice|problem|phone|email|why|calendar|date|duration|js)\.[a-z0-9_.]+)"`),
		map[string][]*Catalog{"freelancer": All()}},
	// The staff's: the console's and admin pages' Go code.
	{"internal/console", ".go", regexp.MustCompile(staffGoKeys), map[string][]*Catalog{"staff": StaffAll()}},
	{"internal/admin", ".go", regexp.MustCompile(staffGoKeys), map[string][]*Catalog{"staff": StaffAll()}},
	{"web", ".go", regexp.MustCompile(staffGoKeys), map[string][]*Catalog{"staff": StaffAll()}},
}

// staffGoKeys are the staff keys Go code names whole.
const staffGoKeys = `"((?:refusal|field|login|floor|month|day|actor|minutes|console|admin|error|security|document_review|review|call)\.[a-z0-9_.]*[a-z0-9_])"`

// Every key a template, a script or Go code uses is in every catalog of
// the sets it speaks.
func TestKeysInUseExist(t *testing.T) {
	type use struct{ path, key string }
	var used []use
	count := map[string]bool{}
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
				sets := u.sets
				if sets == nil {
					sets = setsOf(path, key)
				}
				for name, all := range sets {
					for _, c := range all {
						if !c.Has(key) {
							t.Errorf("%s uses %q, which the %s %s catalog lacks", path, key, name, c.Tag)
						}
					}
				}
				used = append(used, use{path, key})
				count[key] = true
			}
			return nil
		})
		if err != nil {
			t.Fatalf("walk %s: %v", u.dir, err)
		}
	}
	if len(count) < 100 {
		t.Fatalf("found only %d keys in use: the walk is broken", len(count))
	}
}

// builtStaffKeys are the staff key families the code builds from a code
// or a number instead of naming each key whole: their keys are checked by
// the tests of the code that builds them (TestEveryCodeHasWords, the
// refusal and field tests), not here.
var builtStaffKeys = []string{
	"word.",              // web.Word: "word." + kind + "." + code
	"notice.",            // web.StaffNotice: "notice." + page + "." + code
	"policy.",            // the admin policy page: "policy." + field (+ ".hint")
	"month.", "weekday.", // dates: fmt.Sprintf("month.%d", …)
	"refusal.", "field.", // console.Refusal: "refusal." + code, "field." + name
	"error.heading.",       // console's error page: fmt.Sprintf("error.heading.%d", status)
	"hours.problem.",       // the hours page: "hours.problem." + code
	"admin.problem.",       // the staff page: "admin.problem." + code
	"call.instruction.",    // the call script: "call.instruction." + challenge
	"js.console.quality.",  // console.js: `js.console.quality.${level}`
	"js.console.injected.", // console.js: `js.console.injected.${sign}`
	"admin_audit.broken.",  // the audit log: "admin_audit.broken." + audit.BrokenError's code
}

// No staff key is dead: each is named whole somewhere in the code, the
// templates or the scripts, or belongs to a family the code builds (and
// each such family is still built somewhere).
func TestNoStaffKeyIsUnused(t *testing.T) {
	var source strings.Builder
	for _, dir := range []string{"web", "internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.go") {
				return err
			}
			if ext := filepath.Ext(path); ext != ".go" && ext != ".html" && ext != ".js" && ext != ".tmpl" {
				return nil
			}
			b, err := os.ReadFile(path)
			source.Write(b)
			return err
		})
		if err != nil {
			t.Fatalf("walk %s: %v", dir, err)
		}
	}
	src := source.String()
	quoted := func(s string) bool {
		return strings.Contains(src, `"`+s) || strings.Contains(src, "'"+s) || strings.Contains(src, "`"+s)
	}
	for _, prefix := range builtStaffKeys {
		if !quoted(prefix) {
			t.Errorf("no code builds a key starting %q any more: drop it from builtStaffKeys", prefix)
		}
	}
	checked := 0
	for _, key := range StaffEnglish.Keys() {
		if slices.ContainsFunc(builtStaffKeys, func(p string) bool { return strings.HasPrefix(key, p) }) {
			continue
		}
		checked++
		if !quoted(key+`"`) && !quoted(key+"'") {
			t.Errorf("staff key %q is used nowhere: remove it from the staff catalogs, or use it", key)
		}
	}
	if checked < 300 {
		t.Fatalf("checked only %d keys: the walk is broken", checked)
	}
}
