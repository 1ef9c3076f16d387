package server

import "net/http"

// WrapHandler puts a test's own handler around the server's, for routes
// only a test needs (they declare no access rule: the mux never sees them).
func WrapHandler(s *Server, wrap func(http.Handler) http.Handler) { s.handler = wrap(s.handler) }
