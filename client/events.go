package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Events reads the feed of changes numbered after after, oldest first, at
// most limit of them (zero means the server's default, 100; at most 1000).
// Events are numbered without gaps in commit order: poll with the previous
// page's NextAfter and none is ever missed.
func (c *Client) Events(ctx context.Context, after int64, limit int) (*EventPage, error) {
	r, err := newRequest(http.MethodGet, "/v1/events", nil, nil)
	if err != nil {
		return nil, err
	}
	r.query = url.Values{"after": {strconv.FormatInt(after, 10)}}
	if limit > 0 {
		r.query.Set("limit", strconv.Itoa(limit))
	}
	page := new(EventPage)
	if _, err := c.do(ctx, r, page); err != nil {
		return nil, err
	}
	return page, nil
}

// Capacity reports what the verification team can take on now: agents
// online, the live queue, the expected wait, the next free slot and how
// booked the next seven days are.
func (c *Client) Capacity(ctx context.Context) (*Capacity, error) {
	return call[Capacity](ctx, c, http.MethodGet, "/v1/capacity", nil)
}
