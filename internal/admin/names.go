package admin

import (
	"context"
	"strings"

	"github.com/attest-dev/attest/internal/staff"
	"github.com/attest-dev/attest/web"
)

// staffNames maps each staff member's actor ("staff:<id>") to how the
// admin pages name them: "Ana Souza (Supervisor)".
func (c *Admin) staffNames(ctx context.Context) (map[string]string, error) {
	all, err := c.Store.AllStaff(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(all))
	for _, st := range all {
		names[staff.Actor(st.ID)] = st.Name + " (" + web.Word("role", st.Role) + ")"
	}
	return names, nil
}

// withNames is a stored sentence ("disabled by staff:stf_…") with each
// actor in it named as people know them.
func withNames(text string, names map[string]string) string {
	if !strings.Contains(text, ":") {
		return text
	}
	words := strings.Fields(text)
	for i, w := range words {
		trimmed := strings.TrimRight(w, ".,;")
		if strings.Contains(trimmed, ":") {
			words[i] = web.Actor(trimmed, names) + w[len(trimmed):]
		}
	}
	return strings.Join(words, " ")
}
