package server_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attest-dev/attest/internal/i18n"
	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// An agent whose account speaks Brazilian Portuguese works the live queue
// and a call in it, in a browser that asks for nothing in particular: the
// server's words and the scripts' alike.
func TestBrowserConsoleInPortuguese(t *testing.T) {
	pt := i18n.StaffMatch("pt-BR")
	s, base := openServed(t, server.Config{Store: storetest.SQLite(t), Now: time.Now,
		Call: server.CallConfig{Tick: 200 * time.Millisecond}})
	running, stop := context.WithCancel(t.Context())
	defer stop()
	go s.Calls.Run(running)
	seedCase(t, s, "u-850")
	agent := signedInAs(t, s, base, "maria@example.com", store.RoleAgent)
	post(t, agent, base+"/account/language", url.Values{"language": {"pt-BR"}})
	postForm(t, agent, base+"/agent/presence", url.Values{"status": {"online"}}, "")

	ctx := browser(t, "agent")
	do(t, ctx, chromedp.EmulateViewport(1280, 900))
	signInInBrowser(t, ctx, base, "maria@example.com")
	waitFor(t, ctx, "the live queue in Portuguese", `document.documentElement.lang === 'pt-BR' && document.querySelector('h1').textContent === `+jsString(pt.Text("console.live_queue")))
	waitFor(t, ctx, "the take button in Portuguese", `document.querySelector('[data-test=take-next]').textContent === `+jsString(pt.Text("agent.take_next_freelancer")))
	if err := s.Store.InTx(t.Context(), func(tx *store.Tx) error {
		_, err := s.Workflow.JoinQueue(t.Context(), tx, "u-850")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// The floor's figures come from the script, on the socket's floor message.
	waitFor(t, ctx, "the queue count from the script", `document.querySelector('[data-test=queue-count]').textContent === '1'`)
	waitFor(t, ctx, "the longest wait in the script's Portuguese", `document.getElementById('queue-longest').textContent === `+jsString(pt.Text("js.console.under_a_minute")))
	audit(t, ctx, "console floor in Portuguese")

	click(t, ctx, "take-next")
	waitFor(t, ctx, "the call view, welcomed into the call", `!!document.querySelector('#console[data-state=call]') && !!window.attest?.call`)
	waitFor(t, ctx, "the call view in Portuguese", `document.documentElement.lang === 'pt-BR' && document.body.textContent.includes(`+jsString(pt.Text("agent_call.2_identity"))+`)`)
	// A note typed before an outcome: the script says, in Portuguese, when it is saved.
	typeInto(t, ctx, "note-location", "O contrato cita Pune.")
	waitFor(t, ctx, "the script's note status in Portuguese", `document.querySelector('[data-test="note-location-status"]').textContent === `+jsString(pt.Text("js.console.note_with_outcome")))
	click(t, ctx, "claim-location-confirmed")
	waitFor(t, ctx, "the note saved, said in Portuguese", `document.querySelector('[data-test="note-location-status"]').textContent === `+jsString(pt.Text("js.console.note_saved")))
	audit(t, ctx, "console call view in Portuguese")
	screenshot(t, ctx, "agent-call-pt-BR")
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
