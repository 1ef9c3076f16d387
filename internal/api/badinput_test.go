package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// Every endpoint meets malformed, oversized, wrong-typed and missing input,
// answers with the envelope naming the code and field, and leaves what was
// stored exactly as it was.
func TestBadInputIsRefusedAndHarmless(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newEnv(t, cfg)
		_, _, err := e.api.PutFreelancer(t.Context(), "u-1", ana())
		ok(t, err)
		empty := ana()
		empty.Claims = nil
		_, _, err = e.api.PutFreelancer(t.Context(), "u-empty", empty)
		ok(t, err)
		v, err := e.api.CreateVerification(t.Context(), newCase())
		ok(t, err)
		before := snapshot(e, v.ID)

		huge := `{"display_name":"` + strings.Repeat("a", 300<<10) + `"}`
		withProfile := func(change func(map[string]any)) map[string]any {
			p := profile()
			change(p)
			return p
		}
		withCase := func(change func(map[string]any)) map[string]any {
			c := openCase()
			change(c)
			return c
		}
		tests := []struct {
			name         string
			method, path string
			body         any
			status       int
			code, field  string
		}{
			{"put: no body", "PUT", "/v1/freelancers/u-1", "", 400, "body_required", ""},
			{"put: truncated", "PUT", "/v1/freelancers/u-1", `{"display_name":`, 400, "malformed_json", ""},
			{"put: not json", "PUT", "/v1/freelancers/u-1", `display_name=Ana`, 400, "malformed_json", ""},
			{"put: array", "PUT", "/v1/freelancers/u-1", `[]`, 400, "wrong_type", ""},
			{"put: trailing data", "PUT", "/v1/freelancers/u-1", `{"display_name":"A"} {}`, 400, "malformed_json", ""},
			{"put: invalid utf-8", "PUT", "/v1/freelancers/u-1", "{\"display_name\":\"\xff\"}", 400, "malformed_json", ""},
			{"put: oversized", "PUT", "/v1/freelancers/u-1", huge, 413, "body_too_large", ""},
			{"put: wrong type", "PUT", "/v1/freelancers/u-1", withProfile(func(p map[string]any) { p["display_name"] = 5 }), 400, "wrong_type", "display_name"},
			{"put: claims not a list", "PUT", "/v1/freelancers/u-1", withProfile(func(p map[string]any) { p["claims"] = map[string]any{} }), 400, "wrong_type", "claims"},
			{"put: unknown field", "PUT", "/v1/freelancers/u-1", withProfile(func(p map[string]any) { p["gender"] = "f" }), 400, "unknown_field", "gender"},
			{"put: photo refused", "PUT", "/v1/freelancers/u-1", withProfile(func(p map[string]any) { p["photo"] = "data:..." }), 400, "unknown_field", "photo"},
			{"put: missing email", "PUT", "/v1/freelancers/u-1", withProfile(func(p map[string]any) { delete(p, "email") }), 400, "required", "email"},
			{"put: bad time zone", "PUT", "/v1/freelancers/u-1", withProfile(func(p map[string]any) { p["timezone"] = "Mars/Base" }), 400, "invalid", "timezone"},
			{"put: bad claim kind", "PUT", "/v1/freelancers/u-1", withProfile(func(p map[string]any) {
				p["claims"] = []map[string]any{{"key": "x", "label": "X", "kind": "age"}}
			}), 400, "invalid", "claims[0].kind"},
			{"put: claim about gender (issue 14)", "PUT", "/v1/freelancers/u-1", withProfile(func(p map[string]any) {
				p["claims"] = []map[string]any{{"key": "location", "label": "Location", "value": "Recife, Brasil"}, {"key": "gender", "label": "Gender", "value": "female"}}
			}), 422, "protected_characteristic", "claims[1].key"},
			{"put: claim value about family", "PUT", "/v1/freelancers/u-1", withProfile(func(p map[string]any) {
				p["claims"] = []map[string]any{{"key": "about", "label": "About", "value": "Mother of two, lives with her husband"}}
			}), 422, "protected_characteristic", "claims[0].value"},
			{"put: claim label about origin", "PUT", "/v1/freelancers/u-1", withProfile(func(p map[string]any) {
				p["claims"] = []map[string]any{{"key": "country", "label": "Nationality", "value": "Brazilian"}}
			}), 422, "protected_characteristic", "claims[0].label"},
			{"put: bad path id", "PUT", "/v1/freelancers/bad%20id", profile(), 400, "invalid", "id"},
			{"get: bad path id", "GET", "/v1/freelancers/%2e%2e", nil, 400, "invalid", "id"},
			{"get: unknown", "GET", "/v1/freelancers/u-404", nil, 404, "not_found", ""},
			{"delete: body", "DELETE", "/v1/freelancers/u-1", `{}`, 400, "unexpected_body", ""},
			{"create: no reason", "POST", "/v1/verifications", withCase(func(c map[string]any) { delete(c, "reason") }), 400, "required", "reason"},
			{"create: no freelancer", "POST", "/v1/verifications", withCase(func(c map[string]any) { delete(c, "freelancer_id") }), 400, "required", "freelancer_id"},
			{"create: null", "POST", "/v1/verifications", `null`, 400, "required", "freelancer_id"},
			{"create: unknown freelancer", "POST", "/v1/verifications", withCase(func(c map[string]any) { c["freelancer_id"] = "u-404" }), 422, "unknown_freelancer", "freelancer_id"},
			{"create: profile without claims", "POST", "/v1/verifications", withCase(func(c map[string]any) { c["freelancer_id"] = "u-empty" }), 422, "no_claims", "claims"},
			{"create: unknown claim", "POST", "/v1/verifications", withCase(func(c map[string]any) { c["claims"] = []string{"age"} }), 422, "unknown_claim", "claims[0]"},
			{"create: reason about age and sex (issue 14)", "POST", "/v1/verifications", withCase(func(c map[string]any) {
				c["reason"] = map[string]any{"code": "random_check", "explanation": "women over 50 are checked more often"}
			}), 422, "protected_characteristic", "reason.explanation"},
			{"create: reason code about age", "POST", "/v1/verifications", withCase(func(c map[string]any) {
				c["reason"] = map[string]any{"code": "older_freelancers", "explanation": "We check some accounts every year."}
			}), 422, "protected_characteristic", "reason.code"},
			{"create: grace as text", "POST", "/v1/verifications", withCase(func(c map[string]any) { c["grace_days"] = "7" }), 400, "wrong_type", "grace_days"},
			{"create: grace zero", "POST", "/v1/verifications", withCase(func(c map[string]any) { c["grace_days"] = 0 }), 400, "out_of_range", "grace_days"},
			{"create: grace below the minimum notice", "POST", "/v1/verifications", withCase(func(c map[string]any) { c["grace_days"] = 3 }), 422, "below_minimum_notice", "grace_days"},
			{"create: grace huge", "POST", "/v1/verifications", withCase(func(c map[string]any) { c["grace_days"] = 1000 }), 400, "out_of_range", "grace_days"},
			{"create: grace fraction", "POST", "/v1/verifications", withCase(func(c map[string]any) { c["grace_days"] = 1.5 }), 400, "wrong_type", "grace_days"},
			{"create: bad method", "POST", "/v1/verifications", withCase(func(c map[string]any) { c["methods"] = []string{"fax"} }), 400, "invalid", "methods[0]"},
			{"create: bad reason code", "POST", "/v1/verifications", withCase(func(c map[string]any) { c["reason"] = map[string]any{"code": "Bad Code", "explanation": "x"} }), 400, "invalid", "reason.code"},
			{"create: no explanation", "POST", "/v1/verifications", withCase(func(c map[string]any) { c["reason"] = map[string]any{"code": "x"} }), 400, "required", "reason.explanation"},
			{"create: nested unknown", "POST", "/v1/verifications", withCase(func(c map[string]any) { c["reason"] = map[string]any{"code": "x", "explanation": "y", "severity": 9} }), 400, "unknown_field", "reason.severity"},
			{"create: oversized", "POST", "/v1/verifications", huge, 413, "body_too_large", ""},
			{"list: limit zero", "GET", "/v1/verifications?limit=0", nil, 400, "out_of_range", "limit"},
			{"list: limit text", "GET", "/v1/verifications?limit=ten", nil, 400, "out_of_range", "limit"},
			{"list: bad status", "GET", "/v1/verifications?status=done", nil, 400, "invalid", "status"},
			{"list: bad cursor", "GET", "/v1/verifications?cursor=%21%21", nil, 400, "invalid_cursor", "cursor"},
			{"list: unknown parameter", "GET", "/v1/verifications?freelancer=u-1", nil, 400, "unknown_parameter", "freelancer"},
			{"list: repeated parameter", "GET", "/v1/verifications?limit=1&limit=2", nil, 400, "repeated_parameter", "limit"},
			{"get verification: unknown", "GET", "/v1/verifications/ver_404", nil, 404, "not_found", ""},
			{"cancel: unknown", "POST", "/v1/verifications/ver_404/cancel", nil, 404, "not_found", ""},
			{"cancel: unknown field", "POST", "/v1/verifications/" + v.ID + "/cancel", `{"reason":"x"}`, 400, "unknown_field", "reason"},
			{"events: negative", "GET", "/v1/events?after=-1", nil, 400, "invalid", "after"},
			{"events: text", "GET", "/v1/events?after=x", nil, 400, "invalid", "after"},
			{"events: limit", "GET", "/v1/events?limit=5000", nil, 400, "out_of_range", "limit"},
			{"link: unknown freelancer", "POST", "/v1/freelancers/u-404/portal-links", nil, 404, "not_found", ""},
			{"link: unknown field", "POST", "/v1/freelancers/u-1/portal-links", `{"ttl":5}`, 400, "unknown_field", "ttl"},
			{"revoke: unknown freelancer", "DELETE", "/v1/freelancers/u-404/portal-links", nil, 404, "not_found", ""},
			{"standing: unknown parameter", "GET", "/v1/freelancers/u-1/standing?fresh=1", nil, 400, "unknown_parameter", "fresh"},
			{"get: unknown parameter", "GET", "/v1/freelancers/u-1?expand=claims", nil, 400, "unknown_parameter", "expand"},
			{"put: query parameter", "PUT", "/v1/freelancers/u-1?upsert=1", profile(), 400, "unknown_parameter", "upsert"},
			{"cancel: oversized", "POST", "/v1/verifications/" + v.ID + "/cancel", huge, 413, "body_too_large", ""},
			{"link: oversized", "POST", "/v1/freelancers/u-1/portal-links", huge, 413, "body_too_large", ""},
			{"link: not an object", "POST", "/v1/freelancers/u-1/portal-links", `[1]`, 400, "wrong_type", ""},
			{"revoke: body", "DELETE", "/v1/freelancers/u-1/portal-links", `{"all":true}`, 400, "unexpected_body", ""},
			{"standing: bad id", "GET", "/v1/freelancers/a%20b/standing", nil, 400, "invalid", "id"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := e.call(tt.method, tt.path, tt.body)
				if r.Status != tt.status {
					t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
				}
				code, field := r.errorCode(t)
				if code != tt.code || field != tt.field {
					t.Fatalf("got code %q field %q, want %q %q (%s)", code, field, tt.code, tt.field, r.Body)
				}
			})
		}
		if after := snapshot(e, v.ID); after != before {
			t.Fatalf("stored data changed by refused requests:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// snapshot is what must survive bad input unchanged: the profile, the case
// and the event feed.
func snapshot(e *env, verificationID string) string {
	e.t.Helper()
	f, err := e.api.GetFreelancer(e.t.Context(), "u-1")
	ok(e.t, err)
	v, err := e.api.GetVerification(e.t.Context(), verificationID)
	ok(e.t, err)
	events, err := e.api.Events(e.t.Context(), 0, 0)
	ok(e.t, err)
	return fmt.Sprintf("%s\n%s\n%s", mustJSON(e.t, f), mustJSON(e.t, v), mustJSON(e.t, events))
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
