package api_test

// This file holds checkAgainstSpec, which the integration tests of this
// package call on every response they get, so that a handler and
// openapi.json cannot drift apart: an undocumented status, a missing or
// extra field, a wrong type or enum value fails the test that met it.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

var (
	specOnce  sync.Once
	specDoc   map[string]any
	specErr   error
	specRegex sync.Map // pattern → *regexp.Regexp
)

// specLoad reads openapi.json from the package directory, once.
func specLoad() (map[string]any, error) {
	specOnce.Do(func() {
		b, err := os.ReadFile("openapi.json")
		if err != nil {
			specErr = err
			return
		}
		specErr = json.Unmarshal(b, &specDoc)
	})
	return specDoc, specErr
}

// checkAgainstSpec fails t unless openapi.json documents the response: the
// path (as requested, a query string is ignored) matches a path template, the
// template has an operation for method, the operation lists status, and a
// JSON body validates against the documented schema. A response the document
// gives no body must have none, and Idempotent-Replayed must be documented
// where it is sent. header may be nil.
func checkAgainstSpec(t testing.TB, method, path string, status int, header http.Header, body []byte) {
	t.Helper()
	doc, err := specLoad()
	if err != nil {
		t.Fatalf("spec: cannot load openapi.json: %v", err)
		return
	}
	if u, err := url.Parse(path); err == nil && u.Path != "" {
		path = u.EscapedPath()
	} else if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	what := fmt.Sprintf("%s %s → %d", method, path, status)

	// The router answers a path it does not serve with 404 and a method it
	// does not serve with 405, both in the error envelope; nothing else may
	// come from outside the document.
	template, item := specMatchPath(doc, path)
	if item == nil {
		if status != http.StatusNotFound {
			t.Errorf("spec: %s: no path in openapi.json matches %s", what, path)
			return
		}
		specCheckEnvelope(t, doc, what, body)
		return
	}
	op, ok := item[strings.ToLower(method)].(map[string]any)
	if !ok {
		if status != http.StatusMethodNotAllowed {
			t.Errorf("spec: %s: openapi.json documents no %s on %s", what, method, template)
			return
		}
		specCheckEnvelope(t, doc, what, body)
		return
	}
	responses, _ := op["responses"].(map[string]any)
	resp := specResponse(responses, status)
	if resp == nil {
		listed := make([]string, 0, len(responses))
		for code := range responses {
			listed = append(listed, code)
		}
		sort.Strings(listed)
		t.Errorf("spec: %s: openapi.json does not list status %d for %s %s (it lists %s)",
			what, status, method, template, strings.Join(listed, ", "))
		return
	}
	resp = specDeref(doc, resp)

	headers, _ := resp["headers"].(map[string]any)
	for name, h := range headers {
		if hm := specDeref(doc, h); hm["required"] == true && header.Get(name) == "" {
			t.Errorf("spec: %s: header %s is documented as required but was not sent", what, name)
		}
	}
	if header.Get("Idempotent-Replayed") != "" && headers["Idempotent-Replayed"] == nil {
		t.Errorf("spec: %s: the response carries Idempotent-Replayed, which openapi.json does not document for it", what)
	}

	content, _ := resp["content"].(map[string]any)
	media, _ := content["application/json"].(map[string]any)
	trimmed := bytes.TrimSpace(body)
	switch {
	case media == nil && len(trimmed) > 0:
		t.Errorf("spec: %s: openapi.json documents no JSON body, but the response has one: %.200s", what, trimmed)
		return
	case media == nil:
		return
	case len(trimmed) == 0:
		t.Errorf("spec: %s: openapi.json documents a JSON body, but the response is empty", what)
		return
	}
	if ct := header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		t.Errorf("spec: %s: Content-Type is %q, want application/json", what, ct)
	}
	schema, ok := media["schema"]
	if !ok {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var value any
	if err := dec.Decode(&value); err != nil {
		t.Errorf("spec: %s: the body is not JSON: %v: %.200s", what, err, trimmed)
		return
	}
	for _, problem := range specValidate(doc, schema, value, "$") {
		t.Errorf("spec: %s: body does not match openapi.json: %s", what, problem)
	}
}

// specCheckEnvelope checks a body against the Error schema.
func specCheckEnvelope(t testing.TB, doc map[string]any, what string, body []byte) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var value any
	if err := dec.Decode(&value); err != nil {
		t.Errorf("spec: %s: the body is not the error envelope: %v: %.200s", what, err, body)
		return
	}
	for _, problem := range specValidate(doc, map[string]any{"$ref": "#/components/schemas/Error"}, value, "$") {
		t.Errorf("spec: %s: body is not the error envelope: %s", what, problem)
	}
}

// specMatchPath finds the path template matching path segment by segment,
// where {x} matches one segment; of several, the one with most literal
// segments wins, as in the router.
func specMatchPath(doc map[string]any, path string) (string, map[string]any) {
	paths, _ := doc["paths"].(map[string]any)
	segs := strings.Split(path, "/")
	best, bestParams := "", -1
	for template := range paths {
		tsegs := strings.Split(template, "/")
		if len(tsegs) != len(segs) {
			continue
		}
		params, ok := 0, true
		for i, ts := range tsegs {
			if strings.HasPrefix(ts, "{") && strings.HasSuffix(ts, "}") {
				if segs[i] == "" {
					ok = false
					break
				}
				params++
			} else if ts != segs[i] {
				ok = false
				break
			}
		}
		if ok && (bestParams < 0 || params < bestParams || params == bestParams && template < best) {
			best, bestParams = template, params
		}
	}
	if bestParams < 0 {
		return "", nil
	}
	item, _ := paths[best].(map[string]any)
	return best, item
}

// specResponse is the response documented for status: the exact code, else
// its range (4XX), else default.
func specResponse(responses map[string]any, status int) map[string]any {
	for _, key := range []string{strconv.Itoa(status), fmt.Sprintf("%dXX", status/100), "default"} {
		if r, ok := responses[key].(map[string]any); ok {
			return r
		}
	}
	return nil
}

// specDeref follows a $ref of a response, header or parameter.
func specDeref(doc map[string]any, v any) map[string]any {
	m, _ := v.(map[string]any)
	for range 10 {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		target, err := specPointer(doc, ref)
		if err != nil {
			return nil
		}
		m, _ = target.(map[string]any)
	}
	return m
}

func specPointer(doc map[string]any, ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("$ref %q is not local", ref)
	}
	var cur any = doc
	for _, part := range strings.Split(rest, "/") {
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q: %q is not in an object", ref, part)
		}
		if cur, ok = m[part]; !ok {
			return nil, fmt.Errorf("$ref %q: no %q", ref, part)
		}
	}
	return cur, nil
}

// specValidate checks value (decoded with UseNumber) against a JSON Schema
// and returns what is wrong, each prefixed by its JSON path. It knows the
// subset openapi.json uses: $ref, allOf, anyOf, oneOf, type (also arrays of
// types), enum, const, properties, required, additionalProperties, items,
// minItems, maxItems, uniqueItems, minLength, maxLength, pattern, minimum,
// maximum, exclusiveMinimum, exclusiveMaximum and the formats date-time (RFC
// 3339 in UTC), email and uri. Annotations are ignored.
func specValidate(doc map[string]any, schemaV, value any, at string) []string {
	schema, ok := schemaV.(map[string]any)
	if !ok {
		if b, isBool := schemaV.(bool); isBool && !b {
			return []string{at + ": no value is allowed here"}
		}
		return nil
	}
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, at+": "+fmt.Sprintf(format, args...)) }

	if ref, ok := schema["$ref"].(string); ok {
		target, err := specPointer(doc, ref)
		if err != nil {
			return []string{at + ": " + err.Error()}
		}
		problems = append(problems, specValidate(doc, target, value, at)...)
	}
	if all, ok := schema["allOf"].([]any); ok {
		for _, s := range all {
			problems = append(problems, specValidate(doc, s, value, at)...)
		}
	}
	for _, kw := range []string{"anyOf", "oneOf"} {
		branches, ok := schema[kw].([]any)
		if !ok {
			continue
		}
		matched := 0
		var first []string
		for i, s := range branches {
			p := specValidate(doc, s, value, at)
			if len(p) == 0 {
				matched++
			} else if i == 0 || len(p) < len(first) {
				first = p
			}
		}
		switch {
		case matched == 0:
			fail("matches none of the %d %s schemas (closest: %s)", len(branches), kw, strings.Join(first, "; "))
		case kw == "oneOf" && matched > 1:
			fail("matches %d of the oneOf schemas, want exactly one", matched)
		}
	}

	if t, ok := schema["type"]; ok {
		var allowed []string
		switch t := t.(type) {
		case string:
			allowed = []string{t}
		case []any:
			for _, e := range t {
				allowed = append(allowed, fmt.Sprint(e))
			}
		}
		got := specJSONType(value)
		if !slices.Contains(allowed, got) && !(got == "integer" && slices.Contains(allowed, "number")) {
			fail("is %s %s, want %s", got, specShort(value), strings.Join(allowed, " or "))
			return problems // the other keywords would only repeat it
		}
	}
	if enum, ok := schema["enum"].([]any); ok {
		if !slices.ContainsFunc(enum, func(e any) bool { return specEqual(e, value) }) {
			fail("%s is not one of %s", specShort(value), specShort(enum))
		}
	}
	if c, ok := schema["const"]; ok && !specEqual(c, value) {
		fail("%s is not %s", specShort(value), specShort(c))
	}

	switch v := value.(type) {
	case string:
		n := utf8.RuneCountInString(v)
		if m, ok := specNum(schema["minLength"]); ok && big.NewRat(int64(n), 1).Cmp(m) < 0 {
			fail("%s is shorter than %s characters", specShort(v), m.RatString())
		}
		if m, ok := specNum(schema["maxLength"]); ok && big.NewRat(int64(n), 1).Cmp(m) > 0 {
			fail("%s is longer than %s characters", specShort(v), m.RatString())
		}
		if p, ok := schema["pattern"].(string); ok {
			re, err := specCompile(p)
			if err != nil {
				fail("pattern %q does not compile: %v", p, err)
			} else if !re.MatchString(v) {
				fail("%s does not match the pattern %s", specShort(v), p)
			}
		}
		if f, ok := schema["format"].(string); ok {
			if err := specFormat(f, v); err != nil {
				fail("%s is not a %s: %v", specShort(v), f, err)
			}
		}
	case json.Number:
		n, _ := specNum(v)
		if m, ok := specNum(schema["minimum"]); ok && n.Cmp(m) < 0 {
			fail("%s is less than the minimum %s", v, m.RatString())
		}
		if m, ok := specNum(schema["maximum"]); ok && n.Cmp(m) > 0 {
			fail("%s is more than the maximum %s", v, m.RatString())
		}
		if m, ok := specNum(schema["exclusiveMinimum"]); ok && n.Cmp(m) <= 0 {
			fail("%s is not more than %s", v, m.RatString())
		}
		if m, ok := specNum(schema["exclusiveMaximum"]); ok && n.Cmp(m) >= 0 {
			fail("%s is not less than %s", v, m.RatString())
		}
	case []any:
		if m, ok := specNum(schema["minItems"]); ok && big.NewRat(int64(len(v)), 1).Cmp(m) < 0 {
			fail("has %d items, fewer than %s", len(v), m.RatString())
		}
		if m, ok := specNum(schema["maxItems"]); ok && big.NewRat(int64(len(v)), 1).Cmp(m) > 0 {
			fail("has %d items, more than %s", len(v), m.RatString())
		}
		if schema["uniqueItems"] == true {
			for i := range v {
				for j := i + 1; j < len(v); j++ {
					if specEqual(v[i], v[j]) {
						fail("items %d and %d are equal", i, j)
					}
				}
			}
		}
		if items, ok := schema["items"]; ok {
			for i, e := range v {
				problems = append(problems, specValidate(doc, items, e, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	case map[string]any:
		props, _ := schema["properties"].(map[string]any)
		if req, ok := schema["required"].([]any); ok {
			for _, name := range req {
				if _, present := v[fmt.Sprint(name)]; !present {
					fail("required property %q is missing", name)
				}
			}
		}
		names := make([]string, 0, len(v))
		for name := range v {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			child := at + "." + name
			if ps, ok := props[name]; ok {
				problems = append(problems, specValidate(doc, ps, v[name], child)...)
				continue
			}
			if ap, ok := schema["additionalProperties"]; ok {
				if ap == false {
					fail("property %q is not in the schema, which allows no others", name)
				} else {
					problems = append(problems, specValidate(doc, ap, v[name], child)...)
				}
			}
		}
	}
	return problems
}

func specJSONType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if r, ok := new(big.Rat).SetString(v.String()); ok && r.IsInt() {
			return "integer"
		}
		return "number"
	case float64:
		if v == float64(int64(v)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// specNum reads a number of the document (float64) or of a body (json.Number).
func specNum(v any) (*big.Rat, bool) {
	switch v := v.(type) {
	case float64:
		return new(big.Rat).SetFloat64(v), true
	case json.Number:
		return new(big.Rat).SetString(v.String())
	}
	return nil, false
}

// specEqual compares JSON values whatever way their numbers were decoded.
func specEqual(a, b any) bool {
	ja, errA := json.Marshal(specNormalize(a))
	jb, errB := json.Marshal(specNormalize(b))
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

func specNormalize(v any) any {
	switch v := v.(type) {
	case json.Number:
		r, _ := specNum(v)
		return r.RatString()
	case float64:
		return new(big.Rat).SetFloat64(v).RatString()
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = specNormalize(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = specNormalize(e)
		}
		return out
	}
	return v
}

func specCompile(pattern string) (*regexp.Regexp, error) {
	if re, ok := specRegex.Load(pattern); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	specRegex.Store(pattern, re)
	return re, nil
}

func specFormat(format, s string) error {
	switch format {
	case "date-time":
		at, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return err
		}
		if _, offset := at.Zone(); offset != 0 || !strings.HasSuffix(s, "Z") {
			return fmt.Errorf("timestamps are UTC, written with Z")
		}
	case "email":
		addr, err := mail.ParseAddress(s)
		if err != nil {
			return err
		}
		if addr.Address != s {
			return fmt.Errorf("not a plain address")
		}
	case "uri":
		u, err := url.Parse(s)
		if err != nil {
			return err
		}
		if !u.IsAbs() || u.Host == "" {
			return fmt.Errorf("not an absolute URL")
		}
	}
	return nil
}

func specShort(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 80 {
		return string(b[:77]) + "..."
	}
	return string(b)
}

// specRecorder is a testing.TB that records failures instead of failing, so
// a test can show that checkAgainstSpec would fail.
type specRecorder struct {
	testing.TB
	failures []string
}

func (r *specRecorder) Helper()                           {}
func (r *specRecorder) Errorf(format string, args ...any) { r.record(fmt.Sprintf(format, args...)) }
func (r *specRecorder) Fatalf(format string, args ...any) { r.record(fmt.Sprintf(format, args...)) }
func (r *specRecorder) Error(args ...any)                 { r.record(fmt.Sprint(args...)) }
func (r *specRecorder) Fatal(args ...any)                 { r.record(fmt.Sprint(args...)) }
func (r *specRecorder) Fail()                             { r.record("Fail") }
func (r *specRecorder) FailNow()                          { r.record("FailNow") }
func (r *specRecorder) Failed() bool                      { return len(r.failures) > 0 }
func (r *specRecorder) record(msg string)                 { r.failures = append(r.failures, msg) }

// overdueStatement is the statement of reasons of an overdue case waiting
// for documents, as the standing carries it.
const overdueStatement = `{"verification_id":"ver_0abc","basis":"overdue","reason_code":"overdue",
	"reason":"The deadline passed before the verification was done.",
	"claims":[{"key":"skill.go","label":"Go development","outcome":"not_checked"}],
	"restrictions":["submit_proposals"],"restricted_since":"2025-03-08T10:00:00Z",
	"next_steps":[{"action":"send_documents","until":null}]}`

func TestSpecCheckerCatchesDrift(t *testing.T) {
	const standingPath = "/v1/freelancers/u-1/standing"
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name         string
		method, path string
		status       int
		header       http.Header
		body         string
		wantFailure  string // a substring of the failure; empty means it passes
	}{
		{name: "correct standing without open verification", method: "GET", path: standingPath, status: 200, header: jsonHeader,
			body: `{"freelancer_id":"u-1","verified":false,"restrictions":[],"open_verification":null,"statement":null}`},
		{name: "correct standing with open verification and a query string", method: "GET", path: standingPath + "?x=1", status: 200, header: jsonHeader,
			body: `{"freelancer_id":"u-1","verified":false,"restrictions":["submit_proposals"],
				"open_verification":{"id":"ver_0abc","status":"awaiting_documents","deadline":"2025-03-08T10:00:00Z","overdue":true},
				"statement":` + overdueStatement + `}`},
		{name: "correct error envelope", method: "GET", path: standingPath, status: 400, header: jsonHeader,
			body: `{"error":{"code":"invalid","message":"must be 1 to 128 letters","field":"id"}}`},
		{name: "correct 204 without body", method: "DELETE", path: "/v1/freelancers/u-1", status: 204},
		{name: "correct replayed POST", method: "POST", path: "/v1/freelancers/u-1/portal-links", status: 201,
			header: http.Header{"Content-Type": {"application/json"}, "Idempotent-Replayed": {"true"}},
			body:   `{"id":"pl_0abc","url":"https://attest.example.com/v/tok","expires_at":"2025-04-01T00:00:00Z"}`},

		{name: "undocumented status", method: "GET", path: standingPath, status: 404, header: jsonHeader,
			body: `{"error":{"code":"not_found","message":"no such resource"}}`, wantFailure: "does not list status 404"},
		{name: "missing required property", method: "GET", path: standingPath, status: 200, header: jsonHeader,
			body: `{"freelancer_id":"u-1","verified":false,"open_verification":null,"statement":null}`, wantFailure: `"restrictions" is missing`},
		{name: "extra property", method: "GET", path: standingPath, status: 200, header: jsonHeader,
			body:        `{"freelancer_id":"u-1","verified":false,"restrictions":[],"open_verification":null,"statement":null,"photo":"x.jpg"}`,
			wantFailure: `property "photo" is not in the schema`},
		{name: "wrong enum value", method: "GET", path: standingPath, status: 200, header: jsonHeader,
			body: `{"freelancer_id":"u-1","verified":false,"restrictions":[],
				"open_verification":{"id":"ver_0abc","status":"overdue","deadline":"2025-03-08T09:30:00Z","overdue":true},"statement":null}`,
			wantFailure: `"overdue" is not one of`},
		{name: "statement with an unknown reason code", method: "GET", path: standingPath, status: 200, header: jsonHeader,
			body: `{"freelancer_id":"u-1","verified":false,"restrictions":["submit_proposals"],"open_verification":null,
				"statement":` + strings.Replace(overdueStatement, `"reason_code":"overdue"`, `"reason_code":"looked_nervous"`, 1) + `}`,
			wantFailure: `"looked_nervous" is not one of`},
		{name: "wrong type", method: "GET", path: standingPath, status: 200, header: jsonHeader,
			body: `{"freelancer_id":"u-1","verified":"yes","restrictions":[],"open_verification":null,"statement":null}`, wantFailure: "$.verified: is string"},
		{name: "timestamp not UTC", method: "GET", path: standingPath, status: 200, header: jsonHeader,
			body: `{"freelancer_id":"u-1","verified":false,"restrictions":[],
				"open_verification":{"id":"ver_0abc","status":"in_queue","deadline":"2025-03-08T09:30:00+01:00","overdue":false},"statement":null}`,
			wantFailure: "UTC"},
		{name: "router's 404 for an unknown path", method: "GET", path: "/v1/no-such-endpoint", status: 404, header: jsonHeader,
			body: `{"error":{"code":"not_found","message":"no such endpoint: see /v1/openapi.json"}}`},
		{name: "router's 405 for an unknown method", method: "PATCH", path: "/v1/freelancers/u-1", status: 405, header: jsonHeader,
			body: `{"error":{"code":"method_not_allowed","message":"PATCH is not allowed here; use GET or PUT or DELETE"}}`},

		{name: "undocumented path", method: "GET", path: "/v1/no-such-endpoint", status: 200, header: jsonHeader, body: `{}`,
			wantFailure: "no path in openapi.json matches"},
		{name: "undocumented method", method: "PATCH", path: "/v1/freelancers/u-1", status: 200, header: jsonHeader, body: `{}`,
			wantFailure: "documents no PATCH"},
		{name: "404 for an unknown path without the envelope", method: "GET", path: "/v1/no-such-endpoint", status: 404,
			body: `not found`, wantFailure: "not the error envelope"},
		{name: "body where none is documented", method: "DELETE", path: "/v1/freelancers/u-1", status: 204, body: `{}`,
			wantFailure: "documents no JSON body"},
		{name: "replay header where none is documented", method: "GET", path: standingPath, status: 200,
			header:      http.Header{"Idempotent-Replayed": {"true"}},
			body:        `{"freelancer_id":"u-1","verified":false,"restrictions":[],"open_verification":null,"statement":null}`,
			wantFailure: "Idempotent-Replayed"},
		{name: "error envelope with an extra field", method: "GET", path: standingPath, status: 400, header: jsonHeader,
			body: `{"error":{"code":"invalid","message":"bad","status":400}}`, wantFailure: `property "status"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &specRecorder{TB: t}
			checkAgainstSpec(rec, tc.method, tc.path, tc.status, tc.header, []byte(tc.body))
			if tc.wantFailure == "" {
				if len(rec.failures) > 0 {
					t.Errorf("checker failed a correct response:\n%s", strings.Join(rec.failures, "\n"))
				}
				return
			}
			if len(rec.failures) == 0 {
				t.Fatalf("checker passed a response it should fail (%s)", tc.wantFailure)
			}
			joined := strings.Join(rec.failures, "\n")
			if !strings.Contains(joined, tc.wantFailure) {
				t.Errorf("checker failed, but not with %q:\n%s", tc.wantFailure, joined)
			}
		})
	}
}

// TestSpecCheckerKnowsEveryDocumentedSchema validates each schema's examples
// against the schema, so that the checker and the examples a reader sees
// agree with the document.
func TestSpecCheckerKnowsEveryDocumentedSchema(t *testing.T) {
	doc, err := specLoad()
	if err != nil {
		t.Fatal(err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	checked := 0
	for name, s := range schemas {
		examples, _ := s.(map[string]any)["examples"].([]any)
		for i, ex := range examples {
			b, _ := json.Marshal(ex)
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			for _, p := range specValidate(doc, s, v, "$") {
				t.Errorf("schema %s, example %d: %s", name, i, p)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Errorf("no schema examples were checked")
	}
}
