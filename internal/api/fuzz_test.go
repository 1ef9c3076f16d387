package api

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzDecodeBodies feeds arbitrary bytes to the strict decoder for every body
// the API reads. It must never panic, and every refusal must be a 400 with a
// code, never anything that would reach the database.
func FuzzDecodeBodies(f *testing.F) {
	seeds := []string{
		`{"display_name":"Ana","email":"ana@example.com","locale":"pt-BR","timezone":"America/Sao_Paulo","claims":[{"key":"location","label":"Location","value":"Recife","kind":"location"}]}`,
		`{"freelancer_id":"u-1","reason":{"code":"new_account","explanation":"why"},"claims":["location"],"methods":["video_call"],"grace_days":7}`,
		`{"freelancer_id":"u-1","gender":"x"}`,
		`{"grace_days":1e400}`,
		`{"claims":[{"key":1}]}`,
		`{"reason":{"code":"x","explanation":"y","extra":true}}`,
		`{} {}`, `[`, `"text"`, `null`, ``, "\xff\xfe", `{"a":`, `{"display_name":"\u0000"}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, target := range []any{&freelancerBody{}, &createVerificationBody{}, &struct{}{}} {
			err := decodeStrict(body, target)
			if err == nil {
				if _, err := json.Marshal(target); err != nil {
					t.Fatalf("decoded value does not encode: %v", err)
				}
				continue
			}
			var apiErr *Error
			if !errors.As(err, &apiErr) || apiErr.Status != 400 || apiErr.Code == "" || apiErr.Message == "" {
				t.Fatalf("decode %q: %v is not a 400 with a code", body, err)
			}
		}
	})
}
