package apidocs

import (
	"fmt"
	"html/template"
	"regexp"
	"strings"
)

// Reference is the whole API reference, ready for the template.
type Reference struct {
	Title, Version string
	Intro          template.HTML
	Servers        []string
	Auth           []SecurityScheme
	Groups         []Group
	Webhooks       []Operation // top-level "webhooks" of OpenAPI 3.1
	Schemas        []Schema    // components.schemas, each fully expanded
	ErrorSchema    *Schema     // components.schemas.Error, when there is one
}

// Group is the operations under one tag.
type Group struct {
	Name, Anchor string
	Description  template.HTML
	Operations   []Operation
}

// SecurityScheme is one way of authenticating.
type SecurityScheme struct {
	Name, Kind  string
	Description template.HTML
}

// Operation is one method on one path (or one webhook).
type Operation struct {
	Anchor, Method, Path, Summary string
	Description                   template.HTML
	// Auth says how the operation authenticates, or "none".
	Auth       string
	Deprecated bool
	Parameters []Parameter
	Body       *Body
	Responses  []Response
	// Results are the success bodies, each described once even when
	// several statuses share it (200 and 201 of a PUT).
	Results []Result
}

// Result is a success body and the statuses that carry it.
type Result struct {
	Statuses string
	Schema   *Schema
	Example  string
}

// Parameter is a path, query or header parameter.
type Parameter struct {
	Name, In    string
	Required    bool
	Description template.HTML
	Schema      *Schema
}

// Body is a request body.
type Body struct {
	Required    bool
	MediaType   string
	Description template.HTML
	Schema      *Schema
	Example     string
}

// Response is one documented status of an operation.
type Response struct {
	Status      string
	Class       string // ok, redirect or error, for styling
	Description template.HTML
	Headers     []Parameter
	MediaType   string
	Schema      *Schema
	Example     string
}

// Schema is a JSON Schema as people read it: its type (with links to named
// schemas), what constrains it, and its properties.
type Schema struct {
	Name        string // the component's name, when the schema is one
	Anchor      string // where the component is described
	Type        []Token
	Description template.HTML
	Enum        []string
	Constraints []string
	Pattern     string // a regular expression values match
	Properties  []Property
	Example     string
}

// Token is a piece of a type, linked when it names a component.
type Token struct{ Text, Anchor string }

// Property is one property of an object schema.
type Property struct {
	Name     string
	Required bool
	Schema   *Schema
}

// build turns the OpenAPI document into the reference.
func build(doc *node) *Reference {
	ref := &Reference{
		Title:   doc.str("info", "title"),
		Version: doc.str("info", "version"),
		Intro:   markdown(doc.str("info", "description"), 1),
	}
	for _, s := range doc.get("servers").items() {
		ref.Servers = append(ref.Servers, s.str("url"))
	}
	doc.get("components", "securitySchemes").each(func(name string, s *node) {
		ref.Auth = append(ref.Auth, SecurityScheme{Name: name, Kind: schemeKind(s), Description: markdown(s.str("description"), 3)})
	})
	ref.Groups = groups(doc)
	doc.get("webhooks").each(func(name string, item *node) {
		eachOperation(item, func(method string, op *node) {
			o := operation(doc, method, name, item, op)
			o.Anchor = "webhook-" + slug(name+"-"+method)
			ref.Webhooks = append(ref.Webhooks, o)
		})
	})
	doc.get("components", "schemas").each(func(name string, s *node) {
		v := schemaOf(doc, s, 0, true)
		v.Name, v.Anchor = name, schemaAnchor(name)
		ref.Schemas = append(ref.Schemas, *v)
	})
	for i := range ref.Schemas {
		if ref.Schemas[i].Name == "Error" {
			ref.ErrorSchema = &ref.Schemas[i]
		}
	}
	return ref
}

var methods = []string{"get", "put", "post", "patch", "delete", "head", "options", "trace"}

// eachOperation calls f for the operations of a path item, in document order.
func eachOperation(item *node, f func(method string, op *node)) {
	item.each(func(key string, op *node) {
		for _, m := range methods {
			if key == m {
				f(key, op)
			}
		}
	})
}

// groups sorts the operations into their first tag, in the order the
// document lists its tags; untagged operations come last.
func groups(doc *node) []Group {
	var out []Group
	index := map[string]int{}
	add := func(name string, desc template.HTML) int {
		if i, ok := index[name]; ok {
			return i
		}
		out = append(out, Group{Name: name, Anchor: "tag-" + slug(name), Description: desc})
		index[name] = len(out) - 1
		return len(out) - 1
	}
	for _, t := range doc.get("tags").items() {
		add(t.str("name"), markdown(t.str("description"), 3))
	}
	doc.get("paths").each(func(path string, item *node) {
		eachOperation(item, func(method string, op *node) {
			tag := "Other operations"
			if tags := op.strings("tags"); len(tags) > 0 {
				tag = tags[0]
			}
			i := add(tag, "")
			out[i].Operations = append(out[i].Operations, operation(doc, method, path, item, op))
		})
	})
	kept := out[:0]
	for _, g := range out {
		if len(g.Operations) > 0 {
			kept = append(kept, g)
		}
	}
	return kept
}

func operation(doc *node, method, path string, item, op *node) Operation {
	o := Operation{
		Method:      strings.ToUpper(method),
		Path:        path,
		Summary:     op.str("summary"),
		Description: markdown(op.str("description"), 3),
		Auth:        auth(doc, op),
		Deprecated:  op.get("deprecated").scalar() == true,
	}
	o.Anchor = "op-" + slug(op.str("operationId"))
	if op.str("operationId") == "" {
		o.Anchor = "op-" + slug(method+" "+path)
	}
	// Path-level parameters apply unless the operation overrides them.
	seen := map[string]bool{}
	for _, list := range []*node{op.get("parameters"), item.get("parameters")} {
		for _, p := range list.items() {
			p = deref(doc, p)
			key := p.str("in") + " " + p.str("name")
			if seen[key] {
				continue
			}
			seen[key] = true
			o.Parameters = append(o.Parameters, parameter(doc, p))
		}
	}
	if rb := deref(doc, op.get("requestBody")); rb != nil {
		o.Body = body(doc, rb)
	}
	op.get("responses").each(func(status string, r *node) {
		o.Responses = append(o.Responses, response(doc, status, deref(doc, r)))
	})
	o.Results = results(o.Responses)
	return o
}

// results gathers the success bodies worth describing, merging statuses
// whose body is the same named schema.
func results(responses []Response) []Result {
	var out []Result
	byName := map[string]int{}
	for _, r := range responses {
		if r.Class != "ok" || r.Schema == nil || len(r.Schema.Properties) == 0 && r.Example == "" {
			continue
		}
		if i, ok := byName[r.Schema.Name]; ok && r.Schema.Name != "" {
			out[i].Statuses += ", " + r.Status
			continue
		}
		byName[r.Schema.Name] = len(out)
		out = append(out, Result{Statuses: r.Status, Schema: r.Schema, Example: r.Example})
	}
	return out
}

// auth names what an operation needs: its own security, else the document's.
func auth(doc *node, op *node) string {
	sec := op.get("security")
	if sec == nil {
		sec = doc.get("security")
	}
	var names []string
	for _, req := range sec.items() {
		req.each(func(name string, _ *node) {
			names = append(names, schemeKind(doc.get("components", "securitySchemes", name)))
		})
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, " or ")
}

func schemeKind(s *node) string {
	switch {
	case s.str("type") == "http" && s.str("scheme") == "bearer":
		return "Bearer API key"
	case s.str("type") == "apiKey":
		return "API key in " + s.str("in") + " " + s.str("name")
	}
	return s.str("type")
}

func parameter(doc *node, p *node) Parameter {
	return Parameter{
		Name:        p.str("name"),
		In:          p.str("in"),
		Required:    p.get("required").scalar() == true,
		Description: markdown(p.str("description"), 3),
		Schema:      schemaOf(doc, p.get("schema"), 1, false),
	}
}

func body(doc *node, rb *node) *Body {
	b := &Body{Required: rb.get("required").scalar() == true, Description: markdown(rb.str("description"), 3)}
	b.MediaType, b.Schema, b.Example = media(doc, rb.get("content"), true)
	return b
}

func response(doc *node, status string, r *node) Response {
	resp := Response{Status: status, Class: statusClass(status), Description: markdown(r.str("description"), 3)}
	r.get("headers").each(func(name string, h *node) {
		h = deref(doc, h)
		resp.Headers = append(resp.Headers, Parameter{Name: name, In: "header", Required: h.get("required").scalar() == true,
			Description: markdown(h.str("description"), 3), Schema: schemaOf(doc, h.get("schema"), 1, false)})
	})
	// Error bodies all share the envelope described once at the top; a
	// success body is expanded where it is read.
	resp.MediaType, resp.Schema, resp.Example = media(doc, r.get("content"), resp.Class != "error")
	return resp
}

func statusClass(status string) string {
	switch {
	case strings.HasPrefix(status, "2"):
		return "ok"
	case strings.HasPrefix(status, "3"):
		return "redirect"
	}
	return "error"
}

// media picks the JSON content of a body (else the first) and its example.
func media(doc *node, content *node, expand bool) (string, *Schema, string) {
	if content == nil || len(content.keys) == 0 {
		return "", nil, ""
	}
	mt := content.keys[0]
	if content.get("application/json") != nil {
		mt = "application/json"
	}
	m := content.get(mt)
	depth := 1
	if expand {
		depth = 0
	}
	s := schemaOf(doc, m.get("schema"), depth, expand)
	example := ""
	switch {
	case m.get("example") != nil:
		example = m.get("example").pretty()
	case m.get("examples") != nil && len(m.get("examples").keys) > 0:
		example = deref(doc, m.get("examples").get(m.get("examples").keys[0])).get("value").pretty()
	case s != nil:
		example = s.Example
	}
	if s != nil {
		s.Example = "" // shown once, as the body's example
	}
	return mt, s, example
}

// deref follows the $refs of a parameter, response, header or body.
func deref(doc, n *node) *node {
	for range 10 {
		ref := n.str("$ref")
		if ref == "" {
			return n
		}
		n = doc.resolve(ref)
	}
	return n
}

func schemaAnchor(name string) string { return "schema-" + slug(name) }

// maxDepth bounds how deep nested inline objects are expanded.
const maxDepth = 4

// schemaOf describes a schema. depth is how deep in a property tree it
// sits; expand says whether the properties of a named schema are listed
// (at the top of a body, or in the schemas section) or only linked.
func schemaOf(doc, s *node, depth int, expand bool) *Schema {
	if s == nil {
		return nil
	}
	if bare, ok := s.scalar().(bool); ok {
		if bare {
			return &Schema{Type: []Token{{Text: "any value"}}}
		}
		return &Schema{Type: []Token{{Text: "no value"}}}
	}
	if ref := s.str("$ref"); ref != "" {
		name := ref[strings.LastIndex(ref, "/")+1:]
		v := &Schema{}
		if target := doc.resolve(ref); target != nil {
			v = describe(doc, target, depth, expand && depth == 0)
		}
		v.Name, v.Anchor = name, schemaAnchor(name)
		v.Type = []Token{{Text: name, Anchor: v.Anchor}}
		if d := s.str("description"); d != "" { // a description beside the $ref says more for this use
			v.Description = markdown(d, 4)
		}
		return v
	}
	return describe(doc, s, depth, expand || depth > 0)
}

// describe describes a schema that is not a $ref; listProps says whether
// its properties are listed.
func describe(doc, s *node, depth int, listProps bool) *Schema {
	v := &Schema{Description: markdown(s.str("description"), 4), Type: typeOf(doc, s)}
	for _, e := range s.get("enum").items() {
		v.Enum = append(v.Enum, e.pretty())
	}
	if c := s.get("const"); c != nil {
		v.Enum = append(v.Enum, c.pretty())
	}
	v.Constraints = constraints(s)
	v.Pattern = s.str("pattern")
	if ex := s.get("examples").items(); len(ex) > 0 {
		v.Example = ex[0].pretty()
	} else if s.get("example") != nil {
		v.Example = s.get("example").pretty()
	}
	if listProps && depth < maxDepth {
		required := map[string]bool{}
		for _, r := range s.strings("required") {
			required[r] = true
		}
		s.get("properties").each(func(name string, p *node) {
			v.Properties = append(v.Properties, Property{Name: name, Required: required[name], Schema: schemaOf(doc, p, depth+1, false)})
		})
	}
	return v
}

// typeOf says what type a schema is, linking named schemas: "string
// (date-time)", "array of Claim", "OpenVerification or null".
func typeOf(doc, s *node) []Token {
	var alts [][]Token
	for _, key := range []string{"anyOf", "oneOf"} {
		for _, alt := range s.get(key).items() {
			alts = append(alts, typeOf(doc, alt))
		}
	}
	if ref := s.str("$ref"); ref != "" {
		name := ref[strings.LastIndex(ref, "/")+1:]
		return []Token{{Text: name, Anchor: schemaAnchor(name)}}
	}
	var types []string
	if t := s.str("type"); t != "" {
		types = []string{t}
	} else {
		types = s.strings("type")
	}
	for _, t := range types {
		switch t {
		case "array":
			item := typeOf(doc, s.get("items"))
			if len(item) == 0 {
				item = []Token{{Text: "values"}}
			}
			alts = append(alts, append([]Token{{Text: "array of "}}, item...))
		default:
			if f := s.str("format"); f != "" && t != "null" {
				t += " (" + f + ")"
			}
			alts = append(alts, []Token{{Text: t}})
		}
	}
	var out []Token
	for i, a := range alts {
		if i > 0 {
			out = append(out, Token{Text: " or "})
		}
		out = append(out, a...)
	}
	return out
}

// constraints lists the validation keywords of a schema in words.
func constraints(s *node) []string {
	var out []string
	num := func(key string) (string, bool) {
		n := s.get(key).scalar()
		if n == nil {
			return "", false
		}
		return fmt.Sprint(n), true
	}
	if lo, ok := num("minLength"); ok {
		if hi, ok := num("maxLength"); ok {
			out = append(out, lo+" to "+hi+" characters")
		} else {
			out = append(out, "at least "+lo+" character"+plural(lo))
		}
	} else if hi, ok := num("maxLength"); ok {
		out = append(out, "at most "+hi+" character"+plural(hi))
	}
	for _, c := range []struct{ key, words string }{
		{"minimum", "at least "}, {"maximum", "at most "},
		{"exclusiveMinimum", "more than "}, {"exclusiveMaximum", "less than "},
		{"minItems", "at least %s item"}, {"maxItems", "at most %s item"},
	} {
		if v, ok := num(c.key); ok {
			if strings.Contains(c.words, "%s") {
				out = append(out, fmt.Sprintf(c.words, v)+plural(v))
			} else {
				out = append(out, c.words+v)
			}
		}
	}
	if s.get("uniqueItems").scalar() == true {
		out = append(out, "no duplicates")
	}
	if d := s.get("default"); d != nil {
		out = append(out, "default "+d.pretty())
	}
	return out
}

func plural(n string) string {
	if n == "1" {
		return ""
	}
	return "s"
}

var nonSlug = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// slug makes an id usable in a URL fragment and an HTML id.
func slug(s string) string {
	s = strings.Trim(nonSlug.ReplaceAllString(s, "-"), "-")
	if s == "" {
		return "unnamed"
	}
	return s
}
