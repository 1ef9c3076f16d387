package server

import (
	"strings"
	"testing"
)

// A route registered without a rule stops the server from being built.
func TestRouteWithoutRuleIsRefused(t *testing.T) {
	_, err := routes([]string{"GET /agent", "GET /agent/secret-new-page"}, []string{"GET /v1/capacity"})
	if err == nil || !strings.Contains(err.Error(), "GET /agent/secret-new-page") {
		t.Fatalf("a route without a rule: %v", err)
	}
	list, err := routes([]string{"GET /agent"}, []string{"GET /v1/capacity", "GET /v1/openapi.json"})
	if err != nil || len(list) != 3 || list[1].Access != APIKey || list[2].Access != Public {
		t.Fatalf("routes %+v %v", list, err)
	}
}
