package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/attest-dev/attest/internal/api"
	"github.com/attest-dev/attest/web"
)

// A route whose handler declares no rule stops the server from being
// built; declared rules, and the API operations', are listed as declared.
func TestRouteWithoutRuleIsRefused(t *testing.T) {
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	rt := &router{mux: http.NewServeMux()}
	rt.Handle("GET /agent", web.Allow(web.Staff, ok))
	rt.Handle("GET /agent/secret-new-page", ok)
	if _, err := rt.served(nil); err == nil || !strings.Contains(err.Error(), "GET /agent/secret-new-page") {
		t.Fatalf("a route without a rule: %v", err)
	}

	rt = &router{mux: http.NewServeMux()}
	rt.Handle("GET /agent/documents/{id}", web.Allow(web.CaseStaff, web.Allow(web.Staff, ok)))
	list, err := rt.served((&api.Server{}).Routes())
	if err != nil || list[0].Access != web.CaseStaff {
		t.Fatalf("routes %+v %v: the outer declaration is the route's", list, err)
	}
	for _, r := range list[1:] {
		want := web.APIKey
		if r.Pattern == "GET /v1/openapi.json" {
			want = web.Public
		}
		if r.Access != want {
			t.Errorf("%s: %s, want %s", r.Pattern, r.Access, want)
		}
	}
}
