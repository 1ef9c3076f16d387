package server

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/attest-dev/attest/internal/api"
	"github.com/attest-dev/attest/web"
)

// Route is one route the server serves, with its rule.
type Route struct {
	Pattern string
	Access  web.Access
}

// router records every route registered on the mux with the rule its
// handler declares (web.Allow), so that none can be served without one.
type router struct {
	mux     *http.ServeMux
	routes  []Route
	missing []string
}

func (r *router) Handle(pattern string, h http.Handler) {
	a, ok := web.AccessOf(h)
	if !ok {
		r.missing = append(r.missing, pattern)
	}
	r.routes = append(r.routes, Route{Pattern: pattern, Access: a})
	r.mux.Handle(pattern, h)
}

// served lists every registered route and every API operation (which the
// API's own mux serves under /v1/) with its rule, and fails if a route
// declared none.
func (r *router) served(api []api.Route) ([]Route, error) {
	if len(r.missing) > 0 {
		return nil, fmt.Errorf("routes that declare no authorization rule (wrap the handler in web.Allow where it is registered): %s",
			strings.Join(r.missing, ", "))
	}
	list := slices.Clone(r.routes)
	for _, op := range api {
		list = append(list, Route{Pattern: op.Method + " " + op.Path, Access: op.Access})
	}
	return list, nil
}
