package api

import (
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/webhook"
)

// decodeStrict's refusals, each with its code, the field as the API names
// it (a path such as claims[0].key) and, where it helps, what the message
// must say.
func TestDecodeStrict(t *testing.T) {
	type target = func() any
	profile := func() any { return &freelancerBody{} }
	opening := func() any { return &createVerificationBody{} }
	endpoint := func() any { return &webhook.NewEndpoint{} }
	empty := func() any { return &struct{}{} }
	tests := []struct {
		name        string
		into        target
		body        string
		code, field string
		says        string
	}{
		{"fine", profile, `{"display_name":"Ana","claims":[{"key":"a","label":"A"}]}`, "", "", ""},
		{"null is an empty object", opening, `null`, "", "", ""},
		{"whitespace around", empty, " \n{}\t\r\n", "", "", ""},

		{"empty", profile, "", "body_required", "", ""},
		{"blank", profile, " \n ", "body_required", "", ""},
		{"invalid utf-8", profile, "{\"display_name\":\"\xff\"}", "malformed_json", "", "UTF-8"},
		{"lone surrogate", profile, `{"display_name":"\udc00"}`, "malformed_json", "", "display_name"},
		{"truncated", profile, `{"display_name":`, "malformed_json", "", "middle"},
		{"two values", profile, `{} {}`, "malformed_json", "", "more than one"},
		{"two values touching", profile, `{}{}`, "malformed_json", "", "more than one"},
		{"trailing garbage", profile, `{"display_name":"A"} x`, "malformed_json", "", "after the JSON object"},
		{"trailing comma", profile, `{"display_name":"A"},`, "malformed_json", "", "after the JSON object"},
		{"syntax error deep", profile, `{"claims":[{"key":tru}]}`, "malformed_json", "", "claims[0].key"},

		{"case: Display_Name", profile, `{"Display_Name":"Ana"}`, "unknown_field", "Display_Name", `did you mean "display_name"`},
		{"case: EMAIL", profile, `{"EMAIL":"a@b.c"}`, "unknown_field", "EMAIL", `did you mean "email"`},
		{"case: nested", profile, `{"claims":[{"key":"a"},{"Key":"b"}]}`, "unknown_field", "claims[1].Key", `did you mean "key"`},
		{"case: reason", opening, `{"reason":{"Explanation":"x"}}`, "unknown_field", "reason.Explanation", `did you mean "explanation"`},
		{"case: endpoint", endpoint, `{"Events":[]}`, "unknown_field", "Events", `did you mean "events"`},
		{"unknown, no hint", profile, `{"photo":"x"}`, "unknown_field", "photo", `unknown field "photo"`},
		{"unknown in empty", empty, `{"ttl":1}`, "unknown_field", "ttl", ""},
		{"unknown named with a slash", profile, `{"a/b~c":1}`, "unknown_field", "a/b~c", ""},
		{"unknown named 0", profile, `{"0":1}`, "unknown_field", "0", ""},
		{"unknown with the empty name", profile, `{"":""}`, "unknown_field", `""`, ""},
		{"duplicate empty name, nested", opening, `{"reason":{"":1,"":2}}`, "duplicate_field", `reason.""`, ""},

		{"duplicate top-level", profile, `{"email":"a@b.c","email":"a@b.c"}`, "duplicate_field", "email", "more than once"},
		{"duplicate in a claim", profile, `{"claims":[{"key":"a"},{"key":"b","label":"B","label":"C"}]}`, "duplicate_field", "claims[1].label", ""},
		{"duplicate in reason", opening, `{"reason":{"code":"a","code":"b"}}`, "duplicate_field", "reason.code", ""},
		{"duplicate inside an unknown member", profile, `{"x":{"0":{"a":1,"a":2}}}`, "duplicate_field", "x.0.a", ""},
		{"duplicate inside an unknown array", profile, `{"x":[[{"a":1,"a":2}]]}`, "duplicate_field", "x[0][0].a", ""},
		{"duplicate escaped alike", profile, `{"email":"a@b.c","\u0065mail":"a@b.c"}`, "duplicate_field", "email", ""},
		{"duplicate before a type error", opening, `{"grace_days":"x","grace_days":1}`, "duplicate_field", "grace_days", ""},
		{"duplicate after an unknown field", opening, `{"gender":1,"freelancer_id":"a","freelancer_id":"b"}`, "duplicate_field", "freelancer_id", ""},

		{"not an object", profile, `[]`, "wrong_type", "", "must be a JSON object"},
		{"string body", empty, `"x"`, "wrong_type", "", "must be a JSON object"},
		{"wrong type", profile, `{"display_name":5}`, "wrong_type", "display_name", "display_name must be a string"},
		{"wrong type in a claim", profile, `{"claims":[{"key":"a"},{"key":true}]}`, "wrong_type", "claims[1].key", ""},
		{"wrong type in a list", opening, `{"methods":["video_call",7]}`, "wrong_type", "methods[1]", ""},
		{"fraction", opening, `{"grace_days":1.5}`, "wrong_type", "grace_days", "whole number"},
		{"overflow", opening, `{"grace_days":1e400}`, "wrong_type", "grace_days", "whole number"},
		{"object for a list", profile, `{"claims":{}}`, "wrong_type", "claims", "must be an array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := decodeStrict([]byte(tt.body), tt.into())
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
			if e.Status != 400 || e.Code != tt.code || e.Field != tt.field || !strings.Contains(e.Message, tt.says) {
				t.Fatalf("got %d %s field %q: %s; want 400 %s field %q saying %q", e.Status, e.Code, e.Field, e.Message, tt.code, tt.field, tt.says)
			}
		})
	}
}

// A field name as long as the body is not echoed back whole.
func TestDecodeStrictShortensLongNames(t *testing.T) {
	name := strings.Repeat("é", 5000)
	err := decodeStrict([]byte(`{"`+name+`":1}`), &freelancerBody{})
	var e *Error
	if !errors.As(err, &e) || e.Code != "unknown_field" || len(e.Field) > 210 || !strings.HasPrefix(name, strings.TrimSuffix(e.Field, "…")) {
		t.Fatalf("got %v (field of %d bytes)", err, len(e.Field))
	}
}

// Every error code written in this package's handlers is among the codes
// openapi.json lists, so that a new one cannot be missing from the contract.
func TestErrorCodesAreDocumented(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	var errSchema struct {
		Properties struct {
			Error struct {
				Properties struct {
					Code struct{ Description string }
				}
			}
		}
	}
	if err := json.Unmarshal(doc.Components.Schemas["Error"], &errSchema); err != nil {
		t.Fatal(err)
	}
	desc := errSchema.Properties.Error.Properties.Code.Description
	_, list, _ := strings.Cut(desc, "for example ")
	listed := strings.Split(strings.TrimSuffix(list, "."), ", ")

	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var used []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			var lit ast.Expr
			switch n := n.(type) {
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "badRequest" && len(n.Args) > 0 {
					lit = n.Args[0]
				}
			case *ast.KeyValueExpr:
				if id, ok := n.Key.(*ast.Ident); ok && id.Name == "Code" {
					lit = n.Value
				}
			}
			if b, ok := lit.(*ast.BasicLit); ok && b.Kind == token.STRING {
				code, _ := strconv.Unquote(b.Value)
				used = append(used, code)
			}
			return true
		})
	}
	if len(used) < 10 {
		t.Fatalf("found only %v in the handlers", used)
	}
	for _, code := range used {
		// canceled answers a client that has gone away: nobody reads it.
		if code != "canceled" && !slices.Contains(listed, code) {
			t.Errorf("code %q is written by the handlers but not listed in openapi.json's Error.code", code)
		}
	}
}
