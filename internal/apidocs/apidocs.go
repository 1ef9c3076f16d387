// Package apidocs serves the API reference at /docs: the OpenAPI document
// rendered on the server as one plain HTML page, with the site's stylesheet
// and no scripts, so that it needs no CDN and passes the site's strict
// Content-Security-Policy.
package apidocs

import (
	"fmt"
	"net/http"

	"github.com/attest-dev/attest/web"
)

// Page is the rendered reference of one OpenAPI document.
type Page struct {
	ref *Reference
}

// New reads an OpenAPI 3.1 document. The document is read once, at start:
// a document that cannot be read is an error then, not on every request.
func New(openAPI []byte) (*Page, error) {
	doc, err := parse(openAPI)
	if err != nil {
		return nil, fmt.Errorf("read OpenAPI document: %w", err)
	}
	if !doc.isObject() || doc.str("openapi") == "" {
		return nil, fmt.Errorf("read OpenAPI document: not an OpenAPI document")
	}
	return &Page{ref: build(doc)}, nil
}

// ServeHTTP renders the reference. It is public: it describes the API, not
// anyone's data.
func (p *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	web.Render(w, http.StatusOK, "docs", p.ref)
}
