package apidocs

import (
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/api"
)

// render serves the page for doc and returns its HTML.
func render(t *testing.T, doc []byte) string {
	t.Helper()
	p, err := New(doc)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest("GET", "/docs", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	if dir := os.Getenv("ATTEST_DOCS_OUT"); dir != "" {
		os.WriteFile(dir+"/docs.html", rec.Body.Bytes(), 0o644)
	}
	return rec.Body.String()
}

// Every operation of the API's own document is on the page, with its
// anchor, its method and path, its summary and each documented status.
func TestEveryOperationIsOnThePage(t *testing.T) {
	page := render(t, api.OpenAPI())
	doc, err := parse(api.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	doc.get("paths").each(func(path string, item *node) {
		eachOperation(item, func(method string, op *node) {
			count++
			what := strings.ToUpper(method) + " " + path
			anchor := "op-" + op.str("operationId")
			for _, want := range []string{
				`id="` + anchor + `"`,
				`href="#` + anchor + `"`,
				`data-operation="` + what + `"`,
				html.EscapeString(op.str("summary")),
			} {
				if !strings.Contains(page, want) {
					t.Errorf("%s: the page lacks %s", what, want)
				}
			}
			section := page[strings.Index(page, `id="`+anchor+`"`):]
			section = section[:strings.Index(section, "</section>")]
			op.get("responses").each(func(status string, _ *node) {
				if !strings.Contains(section, ">"+status+"<") {
					t.Errorf("%s: status %s is not shown", what, status)
				}
			})
		})
	})
	if count < 13 {
		t.Fatalf("found only %d operations in the document", count)
	}
}

// The page needs nothing the Content-Security-Policy forbids: no inline
// script or style, nothing from another origin.
func TestPageIsSelfContained(t *testing.T) {
	page := render(t, api.OpenAPI())
	// The layout's block of words for scripts is data, never run.
	page = regexp.MustCompile(`(?s)<script type="application/json" id="page-text">.*?</script>`).ReplaceAllString(page, "")
	for _, bad := range []string{"<script", "style=", "<style", "javascript:"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q", bad)
		}
	}
	if m := regexp.MustCompile(`\son[a-z]+=`).FindString(page); m != "" {
		t.Errorf("the page has an inline event handler %q", m)
	}
	if m := regexp.MustCompile(`(src|href)="(https?:)?//`).FindString(page); m != "" {
		t.Errorf("the page loads or links %q from elsewhere", m)
	}
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(`\sid="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if ids[m[1]] {
			t.Errorf("id %q is used twice", m[1])
		}
		ids[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if !ids[m[1]] {
			t.Errorf("link to #%s, which is not on the page", m[1])
		}
	}
}

// Schemas read as people need them: properties in the document's order,
// required marked, enums listed, $ref followed and linked.
func TestSchemasAreReadable(t *testing.T) {
	ref := build(mustParse(t, api.OpenAPI()))
	var v *Schema
	for i := range ref.Schemas {
		if ref.Schemas[i].Name == "Verification" {
			v = &ref.Schemas[i]
		}
	}
	if v == nil || len(v.Properties) == 0 || v.Properties[0].Name != "id" || !v.Properties[0].Required {
		t.Fatalf("Verification schema: %+v", v)
	}
	var status *Schema
	for _, p := range v.Properties {
		if p.Name == "status" {
			status = p.Schema
		}
	}
	if status == nil || status.Anchor != "schema-VerificationStatus" || !strings.Contains(strings.Join(status.Enum, " "), `"in_review"`) ||
		len(status.Properties) != 0 {
		t.Fatalf("status property: %+v", status)
	}
	if ref.ErrorSchema == nil || len(ref.ErrorSchema.Properties) != 1 || len(ref.ErrorSchema.Properties[0].Schema.Properties) < 3 {
		t.Fatalf("the error envelope is not expanded: %+v", ref.ErrorSchema)
	}
}

// Top-level webhooks (OpenAPI 3.1) are rendered, with their payloads.
func TestWebhooksAreRendered(t *testing.T) {
	doc := []byte(`{"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
	  "paths": {},
	  "webhooks": {"verification.verified": {"post": {"operationId": "onVerified", "summary": "A verification was decided verified",
	    "security": [],
	    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"},
	      "example": {"type": "verification.verified", "seq": 7}}}},
	    "responses": {"200": {"description": "Received."}}}}},
	  "components": {"schemas": {"Event": {"type": "object", "required": ["type"], "properties": {
	    "type": {"type": "string", "enum": ["verification.verified"]}, "seq": {"type": "integer", "format": "int64"}}}}}}`)
	page := render(t, doc)
	for _, want := range []string{`id="webhooks"`, `id="webhook-verification-verified-post"`, "A verification was decided verified",
		`href="#schema-Event"`, "&#34;seq&#34;: 7", "int64"} {
		if !strings.Contains(page, want) {
			t.Errorf("the webhooks section lacks %s", want)
		}
	}
}

func TestNotAnOpenAPIDocument(t *testing.T) {
	for _, doc := range []string{``, `[]`, `{"a": 1}`, `{"openapi": "3.1.0"} x`} {
		if _, err := New([]byte(doc)); err == nil {
			t.Errorf("New(%q) accepted it", doc)
		}
	}
}

func TestMarkdown(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain <b>text</b>", "<p>plain &lt;b&gt;text&lt;/b&gt;</p>\n"},
		{"a `x <y>` and **bold**", "<p>a <code>x &lt;y&gt;</code> and <strong>bold</strong></p>\n"},
		{"## Errors\n\nline one\nline two", "<h3>Errors</h3>\n<p>line one line two</p>\n"},
		{"intro:\n\n    {\"a\": 1}\n\n    more\n\nafter", "<p>intro:</p>\n<pre><code>{&#34;a&#34;: 1}\n\nmore</code></pre>\n<p>after</p>\n"},
		{"- one\n- two `2`", "<ul>\n<li>one</li>\n<li>two <code>2</code></li>\n</ul>\n"},
		{"[docs](/docs) [bad](javascript:alert(1))", "<p><a href=\"/docs\">docs</a> [bad](javascript:alert(1))</p>\n"},
		{"odd ` tick", "<p>odd ` tick</p>\n"},
	}
	for _, tt := range tests {
		if got := string(markdown(tt.in, 1)); got != tt.want {
			t.Errorf("markdown(%q) =\n%q, want\n%q", tt.in, got, tt.want)
		}
	}
}

func mustParse(t *testing.T, b []byte) *node {
	t.Helper()
	n, err := parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
