package admin

import (
	"github.com/attest-dev/attest/internal/i18n"
	"net/http"
	"strings"

	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/web"
)

// staffNames maps each staff member's actor ("staff:<id>") to how the
// admin pages name them: "Ana Souza (Supervisor)".
func (c *Admin) staffNames(r *http.Request) (map[string]string, error) {
	all, err := c.Store.AllStaff(r.Context())
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(all))
	for _, st := range all {
		names[staff.Actor(st.ID)] = web.StaffName(web.StaffLanguage(r), st.Name, string(st.Role))
	}
	return names, nil
}

// withNames is a stored sentence ("disabled by staff:stf_…") with each
// actor in it named as people know them.
func withNames(lang *i18n.Catalog, text string, names map[string]string) string {
	if !strings.Contains(text, ":") {
		return text
	}
	words := strings.Fields(text)
	for i, w := range words {
		trimmed := strings.TrimRight(w, ".,;")
		if strings.Contains(trimmed, ":") {
			words[i] = web.Actor(lang, trimmed, names) + w[len(trimmed):]
		}
	}
	return strings.Join(words, " ")
}
