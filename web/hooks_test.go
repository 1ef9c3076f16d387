package web

import (
	"io/fs"
	"strings"
	"testing"
)

// The automation hooks of DESIGN section 11 that this version's pages
// carry; claim hooks are generated per claim key.
var hooks = []string{
	"device-check", "join-queue", "leave-queue", "queue-position", "queue-eta", "local-video", "remote-video",
	"chat-input", "chat-send", "chat-log", "phone-handoff", "result", "book-slot", "appeal",
	"login-email", "login-password", "login-submit", "go-online", "go-away", "queue-count", "take-next",
	"claim-{{.Key}}-confirmed", "claim-{{.Key}}-not-confirmed", "claim-{{.Key}}-unable",
	"decision-verified", "decision-not-verified", "reason-code", "decision-submit",
}

func TestAutomationHooksArePresent(t *testing.T) {
	var all strings.Builder
	names, _ := fs.Glob(files, "templates/*.html")
	for _, name := range names {
		b, _ := fs.ReadFile(files, name)
		all.Write(b)
	}
	for _, h := range hooks {
		if !strings.Contains(all.String(), `data-test="`+h+`"`) {
			t.Errorf("no element carries data-test=%q", h)
		}
	}
}
