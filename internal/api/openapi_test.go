package api

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// openAPIMethods are the operation keys of an OpenAPI path item.
var openAPIMethods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	return doc
}

// routerPathToOpenAPI turns a ServeMux pattern path into an OpenAPI path
// template: {name...} becomes {name} and a trailing {$} is dropped.
func routerPathToOpenAPI(p string) string {
	p = strings.TrimSuffix(p, "{$}")
	return regexp.MustCompile(`\{([A-Za-z0-9_]+)\.\.\.\}`).ReplaceAllString(p, "{$1}")
}

// TestOpenAPIMatchesRouter holds the document to the router: every operation
// the router serves is documented, and nothing else is.
func TestOpenAPIMatchesRouter(t *testing.T) {
	doc := loadOpenAPI(t)
	if v := doc["openapi"]; v != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", v)
	}

	inDoc := map[string]bool{}
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatalf("openapi.json has no paths object")
	}
	for path, item := range paths {
		ops, ok := item.(map[string]any)
		if !ok {
			t.Errorf("paths[%q] is not an object", path)
			continue
		}
		for key := range ops {
			if slices.Contains(openAPIMethods, key) {
				inDoc[strings.ToUpper(key)+" "+path] = true
			}
		}
	}

	inRouter := map[string]bool{}
	for _, r := range (&Server{}).Routes() {
		op := r.Method + " " + routerPathToOpenAPI(r.Path)
		if inRouter[op] {
			t.Errorf("Routes() lists %s twice", op)
		}
		inRouter[op] = true
	}

	var missing, extra []string
	for op := range inRouter {
		if !inDoc[op] {
			missing = append(missing, op)
		}
	}
	for op := range inDoc {
		if !inRouter[op] {
			extra = append(extra, op)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	if len(missing) > 0 {
		t.Errorf("operations served by Routes() but missing from openapi.json:\n  %s", strings.Join(missing, "\n  "))
	}
	if len(extra) > 0 {
		t.Errorf("operations in openapi.json that Routes() does not serve:\n  %s", strings.Join(extra, "\n  "))
	}
}

// TestOpenAPIIsValidJSONAndRefsResolve checks the document's inner
// consistency: every $ref resolves, path parameters are declared, operation
// ids are unique, and every error response uses the Error envelope.
func TestOpenAPIIsValidJSONAndRefsResolve(t *testing.T) {
	doc := loadOpenAPI(t)

	var walk func(at string, v any)
	refs := 0
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"]; ok {
				refs++
				s, ok := r.(string)
				if !ok {
					t.Errorf("%s: $ref is not a string", at)
				} else if _, err := resolvePointer(doc, s); err != nil {
					t.Errorf("%s: $ref %q: %v", at, s, err)
				}
			}
			for k, e := range v {
				walk(at+"/"+k, e)
			}
		case []any:
			for i, e := range v {
				walk(fmt.Sprintf("%s/%d", at, i), e)
			}
		}
	}
	walk("#", doc)
	if refs == 0 {
		t.Errorf("openapi.json has no $ref at all; expected components to be referenced")
	}

	paths, _ := doc["paths"].(map[string]any)
	operationIDs := map[string]string{}
	paramName := regexp.MustCompile(`\{([^}]+)\}`)
	for path, item := range paths {
		pathItem, _ := item.(map[string]any)
		for _, method := range openAPIMethods {
			opv, ok := pathItem[method]
			if !ok {
				continue
			}
			op, _ := opv.(map[string]any)
			where := strings.ToUpper(method) + " " + path

			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s has no operationId", where)
			} else if prev, dup := operationIDs[id]; dup {
				t.Errorf("operationId %q is used by %s and %s", id, prev, where)
			} else {
				operationIDs[id] = where
			}

			declared := map[string]bool{}
			for _, list := range []any{pathItem["parameters"], op["parameters"]} {
				params, _ := list.([]any)
				for _, p := range params {
					pm, _ := p.(map[string]any)
					if r, ok := pm["$ref"].(string); ok {
						resolved, err := resolvePointer(doc, r)
						if err != nil {
							continue // reported above
						}
						pm, _ = resolved.(map[string]any)
					}
					if pm["in"] == "path" {
						if pm["required"] != true {
							t.Errorf("%s: path parameter %v must be required", where, pm["name"])
						}
						declared[fmt.Sprint(pm["name"])] = true
					}
				}
			}
			for _, m := range paramName.FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s: path parameter {%s} is not declared", where, m[1])
				}
			}

			responses, _ := op["responses"].(map[string]any)
			if len(responses) == 0 {
				t.Errorf("%s has no responses", where)
			}
			for code, rv := range responses {
				if code < "400" {
					continue
				}
				r, _ := rv.(map[string]any)
				if s, ok := r["$ref"].(string); ok {
					resolved, err := resolvePointer(doc, s)
					if err != nil {
						continue
					}
					r, _ = resolved.(map[string]any)
				}
				content, _ := r["content"].(map[string]any)
				media, _ := content["application/json"].(map[string]any)
				schema, _ := media["schema"].(map[string]any)
				if schema["$ref"] != "#/components/schemas/Error" {
					t.Errorf("%s: response %s does not use the Error envelope", where, code)
				}
			}
			if path != "/v1/openapi.json" {
				for _, code := range []string{"401", "500"} {
					if _, ok := responses[code]; !ok {
						t.Errorf("%s does not document %s", where, code)
					}
				}
			}
		}
	}

	specItem, _ := paths["/v1/openapi.json"].(map[string]any)
	specGet, _ := specItem["get"].(map[string]any)
	if sec, ok := specGet["security"].([]any); !ok || len(sec) != 0 {
		t.Errorf("GET /v1/openapi.json must be public (security: [])")
	}
}

// resolvePointer follows a local JSON pointer such as #/components/schemas/Error.
func resolvePointer(doc map[string]any, ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("only local references are used")
	}
	var cur any = doc
	for _, part := range strings.Split(rest, "/") {
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%q is not an object", part)
		}
		if cur, ok = m[part]; !ok {
			return nil, fmt.Errorf("no %q", part)
		}
	}
	return cur, nil
}

// TestOpenAPIEnumsMatchDomain holds the document's enums to the domain's
// lists, in the same order, so that a status, an event type or a reason code
// added to the code cannot be missing from the contract.
func TestOpenAPIEnumsMatchDomain(t *testing.T) {
	doc := loadOpenAPI(t)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	enum := func(path ...string) []string {
		var cur any = schemas
		for _, p := range path {
			switch c := cur.(type) {
			case map[string]any:
				cur = c[p]
			case []any: // anyOf, oneOf: p is the index
				i, _ := strconv.Atoi(p)
				cur = c[i]
			}
		}
		m, _ := cur.(map[string]any)
		list, _ := m["enum"].([]any)
		out := make([]string, len(list))
		for i, e := range list {
			out[i] = fmt.Sprint(e)
		}
		return out
	}
	strs := func(list ...string) []string { return list }
	var statuses, events, methods, kinds []string
	for _, s := range verification.Statuses {
		statuses = append(statuses, string(s))
	}
	for _, e := range verification.EventTypes {
		events = append(events, string(e))
	}
	for _, m := range verification.Methods {
		methods = append(methods, string(m))
	}
	for _, k := range verification.ClaimKinds {
		kinds = append(kinds, string(k))
	}
	tests := []struct {
		name      string
		got, want []string
	}{
		{"VerificationStatus", enum("VerificationStatus"), statuses},
		{"EventType", enum("EventType"), events},
		{"Method", enum("Method"), methods},
		{"ClaimKind", enum("ClaimKind"), kinds},
		{"Statement.basis", enum("Statement", "properties", "basis"), strs(verification.BasisDecision, verification.BasisOverdue)},
		{"Statement.reason_code", enum("Statement", "properties", "reason_code"),
			append(slices.Clone(verification.NegativeReasons), verification.ReasonOverdue)},
		{"ExportedVerification.bookings.status", enum("ExportedVerification", "properties", "bookings", "items", "properties", "status"),
			asStrings(store.BookingStatuses)},
		{"ExportedVerification.calls.challenges.key", enum("ExportedVerification", "properties", "calls", "items", "properties", "challenges", "items", "properties", "key"),
			verification.ChallengeKeys()},
		{"ExportedVerification.appeal.status", enum("ExportedVerification", "properties", "appeal", "anyOf", "0", "properties", "status"),
			asStrings(store.AppealStatuses)},
		{"WebhookEndpoint.status", enum("WebhookEndpoint", "properties", "status"), asStrings(store.EndpointStatuses)},
		{"WebhookEndpointCreated.status", enum("WebhookEndpointCreated", "properties", "status"), asStrings(store.EndpointStatuses)},
	}
	for _, tt := range tests {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("openapi.json %s enum is %v; the domain has %v", tt.name, tt.got, tt.want)
		}
	}
}

// asStrings lists statuses, or any named strings, as plain strings.
func asStrings[S ~string](list []S) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = string(s)
	}
	return out
}
