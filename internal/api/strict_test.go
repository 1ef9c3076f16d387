package api_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/server"
	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/store/storetest"
)

// Strict input (DESIGN 5): field names match exactly, a key given twice is
// refused at any depth, text carries no control or text-reordering
// characters, and a cursor the API did not issue is a 400, never an empty
// page. Every refusal names the field and stores nothing.
func TestStrictInputIsRefusedAndHarmless(t *testing.T) {
	storetest.Each(t, func(t *testing.T, cfg store.Config) {
		e := newEnvWith(t, server.Config{Store: cfg, Webhooks: server.WebhookConfig{AllowPrivate: true}})
		_, _, err := e.api.PutFreelancer(t.Context(), "u-1", ana())
		ok(t, err)
		v, err := e.api.CreateVerification(t.Context(), newCase())
		ok(t, err)
		var ep struct{ ID string }
		e.must(201, e.call("POST", "/v1/webhook-endpoints", map[string]any{"url": "http://127.0.0.1:9/hook",
			"events": []string{"verification.verified"}})).decode(t, &ep)
		before := strictSnapshot(e, v.ID)

		// withProfile is profile() as JSON with one edit made to the text,
		// so that keys can be repeated or recased as a map cannot.
		withProfile := func(old, new string) string { return edited(t, profile(), old, new) }
		withCase := func(old, new string) string { return edited(t, openCase(), old, new) }
		withEndpoint := func(old, new string) string {
			return edited(t, map[string]any{"url": "http://127.0.0.1:9/other", "events": []string{"verification.verified"},
				"description": "Our staging receiver"}, old, new)
		}
		withText := func(change func(p map[string]any)) map[string]any {
			p := profile()
			change(p)
			return p
		}
		claim := func(p map[string]any, i int) map[string]any { return p["claims"].([]map[string]any)[i] }
		otherKind := base64.RawURLEncoding.EncodeToString([]byte(ep.ID))
		verCursor := base64.RawURLEncoding.EncodeToString([]byte(v.ID))

		const put, create, hooks = "/v1/freelancers/u-1", "/v1/verifications", "/v1/webhook-endpoints"
		tests := []struct {
			name         string
			method, path string
			body         any
			code, field  string
		}{
			// Letter case: an unknown casing is an unknown field, named as sent.
			{"put: Display_Name", "PUT", put, withProfile(`"display_name"`, `"Display_Name"`), "unknown_field", "Display_Name"},
			{"put: EMAIL", "PUT", put, withProfile(`"email"`, `"EMAIL"`), "unknown_field", "EMAIL"},
			{"put: TimeZone", "PUT", put, withProfile(`"timezone"`, `"TimeZone"`), "unknown_field", "TimeZone"},
			{"put: Claims", "PUT", put, withProfile(`"claims"`, `"Claims"`), "unknown_field", "Claims"},
			{"put: claim Label", "PUT", put, withProfile(`"label":"Location"`, `"Label":"Location"`), "unknown_field", "claims[0].Label"},
			{"put: claim KIND", "PUT", put, withProfile(`"kind":"skill"`, `"KIND":"skill"`), "unknown_field", "claims[1].KIND"},
			{"create: Freelancer_Id", "POST", create, withCase(`"freelancer_id"`, `"Freelancer_Id"`), "unknown_field", "Freelancer_Id"},
			{"create: reason Code", "POST", create, withCase(`"code"`, `"Code"`), "unknown_field", "reason.Code"},
			{"endpoint: URL", "POST", hooks, withEndpoint(`"url"`, `"URL"`), "unknown_field", "URL"},
			{"link: Ttl", "POST", "/v1/freelancers/u-1/portal-links", `{"Ttl":5}`, "unknown_field", "Ttl"},

			// A key given twice, even with the same value, at any depth.
			{"put: display_name twice", "PUT", put, withProfile(`"display_name":"Ana Souza"`, `"display_name":"Ana Souza","display_name":"Mallory"`), "duplicate_field", "display_name"},
			{"put: email twice, same value", "PUT", put, withProfile(`"email":"ana@example.com"`, `"email":"ana@example.com","email":"ana@example.com"`), "duplicate_field", "email"},
			{"put: claims twice", "PUT", put, withProfile(`"claims":[`, `"claims":[],"claims":[`), "duplicate_field", "claims"},
			{"put: claim key twice", "PUT", put, withProfile(`"key":"location"`, `"key":"location","key":"age"`), "duplicate_field", "claims[0].key"},
			{"put: second claim label twice", "PUT", put, withProfile(`"label":"Go development"`, `"label":"Go development","label":"Go"`), "duplicate_field", "claims[1].label"},
			{"put: unknown field twice", "PUT", put, withProfile(`"email"`, `"photo":1,"photo":2,"email"`), "duplicate_field", "photo"},
			{"create: freelancer_id twice", "POST", create, withCase(`"freelancer_id":"u-1"`, `"freelancer_id":"u-1","freelancer_id":"u-2"`), "duplicate_field", "freelancer_id"},
			{"create: reason code twice", "POST", create, withCase(`"code":"new_account_review"`, `"code":"new_account_review","code":"fraud"`), "duplicate_field", "reason.code"},
			{"endpoint: events twice", "POST", hooks, withEndpoint(`"url"`, `"events":["standing.changed"],"url"`), "duplicate_field", "events"},
			{"cancel: key twice", "POST", "/v1/verifications/" + v.ID + "/cancel", `{"a":1,"a":1}`, "duplicate_field", "a"},

			// Encoding.
			{"put: lone surrogate", "PUT", put, withProfile(`"Ana Souza"`, `"Ana \ud800"`), "malformed_json", ""},

			// Text that would reorder or hide what people read.
			{"put: RLO in display_name", "PUT", put, withText(func(p map[string]any) { p["display_name"] = "Ana \u202eazuoS" }), "invalid", "display_name"},
			{"put: LRI in display_name", "PUT", put, withText(func(p map[string]any) { p["display_name"] = "\u2066Ana\u2069" }), "invalid", "display_name"},
			{"put: ALM in display_name", "PUT", put, withText(func(p map[string]any) { p["display_name"] = "Ana\u061c" }), "invalid", "display_name"},
			{"put: line break in display_name", "PUT", put, withText(func(p map[string]any) { p["display_name"] = "Ana\nSouza" }), "invalid", "display_name"},
			{"put: RLM in a claim label", "PUT", put, withText(func(p map[string]any) { claim(p, 1)["label"] = "Go\u200f development" }), "invalid", "claims[1].label"},
			{"put: PDF in a claim label", "PUT", put, withText(func(p map[string]any) { claim(p, 0)["label"] = "Loc\u202cation" }), "invalid", "claims[0].label"},
			{"put: C1 control in a claim value", "PUT", put, withText(func(p map[string]any) { claim(p, 0)["value"] = "Recife\u0085" }), "invalid", "claims[0].value"},
			{"put: LRO in a claim value", "PUT", put, withText(func(p map[string]any) { claim(p, 0)["value"] = "\u202dRecife" }), "invalid", "claims[0].value"},
			{"put: RLO in email", "PUT", put, withText(func(p map[string]any) { p["email"] = "ana\u202e@example.com" }), "invalid", "email"},
			{"create: RLO in explanation", "POST", create, withCase(`"New accounts`, `"\u202eNew accounts`), "invalid", "reason.explanation"},
			{"endpoint: RLO in description", "POST", hooks, withEndpoint(`"Our staging`, `"\u202eOur staging`), "invalid", "description"},

			// Cursors the API could not have issued.
			{"verifications: zzz", "GET", create + "?cursor=zzz", nil, "invalid_cursor", "cursor"},
			{"verifications: not base64", "GET", create + "?cursor=%21%21", nil, "invalid_cursor", "cursor"},
			{"verifications: padded", "GET", create + "?cursor=" + verCursor + "%3D%3D", nil, "invalid_cursor", "cursor"},
			{"verifications: some id", "GET", create + "?cursor=" + base64.RawURLEncoding.EncodeToString([]byte("ver_1")), nil, "invalid_cursor", "cursor"},
			{"verifications: an endpoint's cursor", "GET", create + "?cursor=" + otherKind, nil, "invalid_cursor", "cursor"},
			{"verifications: uncanonical id", "GET", create + "?cursor=" + base64.RawURLEncoding.EncodeToString([]byte("ver_"+strings.Repeat("z", 26))), nil, "invalid_cursor", "cursor"},
			{"webhooks: zzz", "GET", hooks + "?cursor=zzz", nil, "invalid_cursor", "cursor"},
			{"webhooks: not base64", "GET", hooks + "?cursor=%21%21", nil, "invalid_cursor", "cursor"},
			{"webhooks: some id", "GET", hooks + "?cursor=" + base64.RawURLEncoding.EncodeToString([]byte("we_zzz")), nil, "invalid_cursor", "cursor"},
			{"webhooks: a verification's cursor", "GET", hooks + "?cursor=" + verCursor, nil, "invalid_cursor", "cursor"},
			{"webhooks: trailing bits", "GET", hooks + "?cursor=" + base64.RawURLEncoding.EncodeToString([]byte(ep.ID))[:len(otherKind)-1] + "z", nil, "invalid_cursor", "cursor"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := e.call(tt.method, tt.path, tt.body)
				if r.Status != 400 {
					t.Fatalf("status %d, want 400: %s", r.Status, r.Body)
				}
				code, field := r.errorCode(t)
				if code != tt.code || field != tt.field {
					t.Fatalf("got code %q field %q, want %q %q (%s)", code, field, tt.code, tt.field, r.Body)
				}
			})
		}
		if after := strictSnapshot(e, v.ID); after != before {
			t.Fatalf("stored data changed by refused requests:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// What strict input still takes: line breaks and tabs in multi-line text,
// scripts that need joiners, and every cursor a list hands out.
func TestStrictInputAccepts(t *testing.T) {
	e := newEnvWith(t, server.Config{Store: storetest.SQLite(t), Webhooks: server.WebhookConfig{AllowPrivate: true}})
	p := profile()
	p["display_name"] = "مریم\u200cزاده"
	p["claims"].([]map[string]any)[0]["value"] = "Rua da Aurora 1\nRecife\tPE"
	e.must(201, e.call("PUT", "/v1/freelancers/u-1", p))

	var ids []string
	for i := range 5 {
		var ep struct{ ID string }
		e.must(201, e.call("POST", "/v1/webhook-endpoints", map[string]any{"url": fmt.Sprintf("http://127.0.0.1:9/hook/%d", i),
			"events": []string{"verification.verified"}})).decode(t, &ep)
		ids = append(ids, ep.ID)
		e.clock.Advance(1e9)
	}
	var seen []string
	cursor := ""
	for range 10 {
		var page struct {
			Data       []struct{ ID string }
			NextCursor *string `json:"next_cursor"`
		}
		e.must(200, e.call("GET", "/v1/webhook-endpoints?limit=2"+cursor, nil)).decode(t, &page)
		for _, d := range page.Data {
			seen = append(seen, d.ID)
		}
		if page.NextCursor == nil {
			break
		}
		cursor = "&cursor=" + *page.NextCursor
	}
	if strings.Join(seen, ",") != strings.Join(ids, ",") {
		t.Fatalf("paged through %v, want %v", seen, ids)
	}
}

// edited is v as JSON with the first old replaced by new.
func edited(t *testing.T, v any, old, new string) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("%s does not hold %s", data, old)
	}
	return strings.Replace(string(data), old, new, 1)
}

// strictSnapshot is snapshot with the webhook endpoints.
func strictSnapshot(e *env, verificationID string) string {
	e.t.Helper()
	list, err := e.api.ListWebhookEndpoints(e.t.Context(), 0, "")
	ok(e.t, err)
	return snapshot(e, verificationID) + "\n" + string(mustJSON(e.t, list))
}
