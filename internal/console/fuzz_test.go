package console

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// FuzzTickets feeds the signed cookies the console reads between two steps
// of signing in any value: reading one must not panic, and nothing but a
// ticket this console signed is ever accepted. Run longer with
// go test -run '^$' -fuzz FuzzTickets ./internal/console
func FuzzTickets(f *testing.F) {
	c := &Console{TicketKey: []byte("0123456789abcdef0123456789abcdef"), Now: func() time.Time { return time.Unix(1_800_000_000, 0) }}
	w := httptest.NewRecorder()
	if err := setTicket(c, w, "2fa", map[string]string{"staff": "stf_1"}, time.Minute); err != nil {
		f.Fatal(err)
	}
	valid := w.Result().Cookies()[0].Value
	f.Add(valid)
	f.Add(valid[:len(valid)-1])
	f.Add("e30.AAAA")
	f.Add("..")
	f.Add("")
	f.Fuzz(func(t *testing.T, value string) {
		r := httptest.NewRequest("GET", "/login/code", nil)
		r.AddCookie(&http.Cookie{Name: c.ticketName("2fa"), Value: value})
		got, ok := readTicket[map[string]string](c, r, "2fa")
		// What arrives is the cookie as sent (net/http drops bytes a cookie
		// may not hold), so compare that with the signed value.
		sent, err := r.Cookie(c.ticketName("2fa"))
		if ok && (err != nil || sent.Value != valid) {
			t.Fatalf("a ticket this console did not sign was accepted: %q → %v", value, got)
		}
	})
}

// FuzzCallBodies feeds the call view's JSON bodies (steps, outcomes,
// decisions) anything: decoding never panics, and refuses what it cannot
// read with the error envelope.
func FuzzCallBodies(f *testing.F) {
	for _, seed := range []string{`{"step":"consent","result":"given"}`, `{"claim":"location","outcome":"confirmed","note":"x"}`,
		`{"decision":"needs_documents","documents_for":["location"]}`, `{"decision":1}`, `[]`, `{"step":"consent","step":"identity"}`, ``} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, v := range []any{&stepBody{}, &outcomeBody{}, &decisionBody{}} {
			w := httptest.NewRecorder()
			r := httptest.NewRequest("POST", "/agent/calls/ver_1/step", bytes.NewReader(body))
			if !decodeJSON(w, r, v) && w.Code != http.StatusBadRequest {
				t.Fatalf("a refused body answered %d", w.Code)
			}
		}
	})
}
