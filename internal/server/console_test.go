package server_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// The live queue page reads its open verifications again from GET
// /agent/open: the list alone, in the reader's language, for staff only.
// The pages that read it at the same moment share one read: a case opened
// within a second of it shows from the next read on.
func TestOpenVerificationsPart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		clk := &clock{now: t0}
		s, base := openServed(t, server.Config{Store: cfg, Now: clk.Now})
		addStaff(t, s, "maria@example.com", store.RoleAgent, "correct horse battery")
		agent := &http.Client{Jar: signIn(t, base, "maria@example.com", "correct horse battery")}
		part := func(lang string) (int, string) {
			t.Helper()
			return fetchIn(t, agent, base+"/agent/open", lang)
		}
		if code, body := part("en"); code != http.StatusOK || !strings.Contains(body, "No open verifications.") {
			t.Fatalf("no case open: %d %q", code, body)
		}
		seedCase(t, s, "u-40")
		code, body := part("en")
		if code != http.StatusOK || strings.Contains(body, "data-test=\"open-verification\"") {
			t.Fatalf("a case opened within a second of the last read: %d, shown already: %q", code, body)
		}
		clk.Add(time.Second)
		code, body = part("en")
		if code != http.StatusOK || !strings.Contains(body, "Rahul Mehta") || !strings.Contains(body, "Waiting for the freelancer") {
			t.Fatalf("a second later: %d %q", code, body)
		}
		if strings.Contains(body, "<html") || strings.Contains(body, "<nav") {
			t.Fatalf("the part carries the page around it: %q", body)
		}
		if _, body := part("pt-BR"); !strings.Contains(body, "Aguardando o freelancer") {
			t.Fatalf("in Portuguese: %q", body)
		}
		res, err := http.Get(base + "/agent/open")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.Request.URL.Path != "/login" {
			t.Fatalf("signed out, /agent/open ended at %s", res.Request.URL)
		}
	})
}
