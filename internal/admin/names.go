package admin

import (
	"github.com/attest-dev/attest/internal/i18n"
	"net/http"
	"strings"

	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/internal/webhook"
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

// disabledWords is why an endpoint was disabled, in lang: by whom, by
// name, or since when every attempt failed and how the last ended. A
// reason this version did not write shows as stored, its actors named.
func disabledWords(lang *i18n.Catalog, stored string, names map[string]string) string {
	r, ok := webhook.ParseReason(stored)
	switch {
	case !ok:
		return withNames(lang, stored, names)
	case r.By != "":
		return lang.Text("admin_webhook.reason.by", "who", web.Actor(lang, r.By, names))
	}
	return lang.Text("admin_webhook.reason.failing", "since", web.StaffDate(lang, r.FailingSince, "day.time"), "last", r.Last)
}

// skippedWords is why a delivery was skipped, in lang: the endpoint was
// disabled, and why.
func skippedWords(lang *i18n.Catalog, stored string, names map[string]string) string {
	disabled, ok := webhook.ParseSkippedReason(stored)
	switch {
	case !ok:
		return withNames(lang, stored, names)
	case disabled == "":
		return lang.Text("admin_webhook.skipped.disabled")
	}
	return lang.Text("admin_webhook.skipped.disabled_because", "reason", disabledWords(lang, disabled, names))
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
