package webhook

import (
	"errors"
	"slices"
	"testing"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// "*" stands alone for every event type; mixed with names it is refused,
// and names must still be event types.
func TestValidateEvents(t *testing.T) {
	all := make([]string, len(verification.EventTypes))
	for i, e := range verification.EventTypes {
		all[i] = string(e)
	}
	for _, tc := range []struct {
		name        string
		events      []string
		code, field string // empty: accepted
	}{
		{"every type", []string{"*"}, "", ""},
		{"one type", []string{"standing.changed"}, "", ""},
		{"all types by name", all, "", ""},
		{"none", nil, "required", "events"},
		{"star then a name", []string{"*", "standing.changed"}, "invalid", "events[0]"},
		{"a name then star", []string{"verification.created", "*"}, "invalid", "events[1]"},
		{"star twice", []string{"*", "*"}, "invalid", "events[0]"},
		{"unknown type", []string{"verification.created", "user.deleted"}, "invalid", "events[1]"},
		{"a prefix pattern", []string{"verification.*"}, "invalid", "events[0]"},
		{"repeated", []string{"appeal.created", "appeal.created"}, "duplicate", "events[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := NewEndpoint{URL: "https://hooks.example.com/attest", Events: tc.events}
			err := n.Validate(Targets{})
			if tc.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var fe *verification.FieldError
			if !errors.As(err, &fe) || fe.Code != tc.code || fe.Field != tc.field {
				t.Fatalf("got %v, want %s on %s", err, tc.code, tc.field)
			}
		})
	}
}

// An endpoint subscribed with "*" wants every type, one added later too;
// one subscribed by name wants only what it names.
func TestEndpointWants(t *testing.T) {
	every := &store.WebhookEndpoint{Events: []string{store.EveryEventType}}
	named := &store.WebhookEndpoint{Events: []string{"verification.created"}}
	for _, e := range append(slices.Clone(verification.EventTypes), "verification.added_later") {
		if !every.Wants(string(e)) {
			t.Errorf("an endpoint with [\"*\"] does not want %s", e)
		}
		if got, want := named.Wants(string(e)), e == verification.EventCreated; got != want {
			t.Errorf("an endpoint with [verification.created] wants %s: %v", e, got)
		}
	}
	if !every.WantsEvery() || named.WantsEvery() {
		t.Error("WantsEvery")
	}
}
