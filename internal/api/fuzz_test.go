package api

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/attest-dev/attest/internal/verification"
	"github.com/attest-dev/attest/internal/webhook"
)

// FuzzDecodeBodies feeds arbitrary bytes to the strict decoder for every body
// the API reads. It must never panic, and every refusal must be a 400 with a
// code, never anything that would reach the database. What it accepts is
// one JSON value in UTF-8 with no name repeated in any object (RFC 7493).
// The seed corpus is below and in testdata/fuzz/FuzzDecodeBodies.
func FuzzDecodeBodies(f *testing.F) {
	seeds := []string{
		`{"display_name":"Ana","email":"ana@example.com","locale":"pt-BR","timezone":"America/Sao_Paulo","claims":[{"key":"location","label":"Location","value":"Recife","kind":"location"}]}`,
		`{"freelancer_id":"u-1","reason":{"code":"new_account","explanation":"why"},"claims":["location"],"methods":["video_call"],"grace_days":7}`,
		`{"url":"https://example.com/hook","events":["verification.verified"],"description":"ours"}`,
		`{"freelancer_id":"u-1","gender":"x"}`,
		`{"grace_days":1e400}`,
		`{"claims":[{"key":1}]}`,
		`{"reason":{"code":"x","explanation":"y","extra":true}}`,
		`{} {}`, `[`, `"text"`, `null`, ``, "\xff\xfe", `{"a":`, `{"display_name":"\u0000"}`,
		// Letter case is part of a name.
		`{"Display_Name":"Ana","EMAIL":"ana@example.com"}`,
		`{"claims":[{"KEY":"location","Label":"Location"}]}`,
		`{"Freelancer_ID":"u-1","Reason":{"Code":"x"}}`,
		// Repeated names, top-level and nested.
		`{"display_name":"Ana","display_name":"Mallory"}`,
		`{"email":"a@example.com","\u0065mail":"b@example.com"}`,
		`{"claims":[{"key":"location","key":"age","label":"L"}]}`,
		`{"claims":[{"key":"a","label":"A"},{"key":"b","label":"B","label":"C"}]}`,
		`{"reason":{"code":"x","code":"y","explanation":"z"}}`,
		`{"x":{"0":{"a":1,"a":2}},"x":[]}`,
		// Encoding and text that reorders or hides.
		`{"display_name":"\ud800"}`, `{"display_name":"\udc00\ud800"}`,
		"{\"display_name\":\"Ana \u202eazuoS\"}", `{"display_name":"Ana \u202eazuoS"}`,
		`{"claims":[{"key":"a","label":"\u2066L\u2069","value":"\u200f"}]}`,
		`{"reason":{"code":"x","explanation":"line\nbreak\u061c"}}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, target := range []any{&freelancerBody{}, &createVerificationBody{}, &webhook.NewEndpoint{}, &struct{}{}} {
			err := decodeStrict(body, target)
			if err == nil {
				if !jsontext.Value(body).IsValid() {
					t.Fatalf("accepted %q, which is not one JSON value in UTF-8 with unique names", body)
				}
				if _, err := json.Marshal(target); err != nil {
					t.Fatalf("decoded value does not encode: %v", err)
				}
				if in, ok := target.(*freelancerBody); ok {
					checkAcceptedProfile(t, in)
				}
				continue
			}
			var apiErr *Error
			if !errors.As(err, &apiErr) || apiErr.Status != 400 || apiErr.Code == "" || apiErr.Message == "" {
				t.Fatalf("decode %q: %v is not a 400 with a code", body, err)
			}
			if (apiErr.Code == "unknown_field" || apiErr.Code == "duplicate_field") && apiErr.Field == "" {
				t.Fatalf("decode %q: %v names no field", body, err)
			}
		}
	})
}

// checkAcceptedProfile validates a decoded profile as the handler would and,
// if it passes, holds its text to Unicode's own tables: no bidirectional
// control and no control character but line feed and tab in a claim value.
func checkAcceptedProfile(t *testing.T, in *freelancerBody) {
	f := verification.Freelancer{ID: "u-1", DisplayName: in.DisplayName, Email: in.Email, Locale: in.Locale,
		TimeZone: in.TimeZone, Claims: in.Claims}
	if f.Validate() != nil {
		return
	}
	bad := func(multiline bool) func(rune) bool {
		return func(r rune) bool {
			if multiline && (r == '\n' || r == '\t') {
				return false
			}
			return unicode.Is(unicode.Bidi_Control, r) || unicode.Is(unicode.Cc, r)
		}
	}
	texts := []string{f.DisplayName, f.Email}
	for _, c := range f.Claims {
		texts = append(texts, c.Label)
		if strings.ContainsFunc(c.Value, bad(true)) {
			t.Fatalf("accepted claim value %q", c.Value)
		}
	}
	for _, s := range texts {
		if strings.ContainsFunc(s, bad(false)) {
			t.Fatalf("accepted %q in a one-line field", s)
		}
	}
}
