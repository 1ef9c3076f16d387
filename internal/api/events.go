package api

import (
	"net/http"
	"strconv"

	"github.com/attest-dev/attest/internal/store"
)

// eventPage is a slice of the feed; next_after is the number to ask after
// next time (the same as after when nothing new has happened).
type eventPage struct {
	Data      []store.Event `json:"data"`
	NextAfter int64         `json:"next_after"`
}

func (s *Server) listEvents(r *http.Request) (any, error) {
	q := r.URL.Query()
	var after int64
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, badRequest("invalid", "after", "after must be an event number (0 or more)")
		}
		after = n
	}
	limit, err := limitParam(q, 100, 1000)
	if err != nil {
		return nil, err
	}
	events, err := s.Store.Events(r.Context(), after, limit)
	if err != nil {
		return nil, err
	}
	next := after
	if len(events) > 0 {
		next = events[len(events)-1].Seq
	}
	return eventPage{Data: events, NextAfter: next}, nil
}

func (s *Server) getCapacity(r *http.Request) (any, error) {
	return s.Workflow.Capacity(r.Context())
}
