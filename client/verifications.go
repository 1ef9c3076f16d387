package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// CreateVerification opens a verification with a stated reason; attest
// emails the freelancer the portal link it returns. A freelancer has at most
// one open verification: a second is an *Error 409 verification_open.
// Pass WithIdempotencyKey so that a retry cannot open a second case.
func (c *Client) CreateVerification(ctx context.Context, in VerificationCreate, opts ...RequestOption) (*VerificationCreated, error) {
	return call[VerificationCreated](ctx, c, http.MethodPost, "/v1/verifications", in, opts...)
}

// GetVerification reads one verification.
func (c *Client) GetVerification(ctx context.Context, id string) (*Verification, error) {
	return call[Verification](ctx, c, http.MethodGet, "/v1/verifications/"+escape(id), nil)
}

// CancelVerification cancels an open verification; any restriction it
// caused ends. A case no longer open is an *Error 409 illegal_transition.
func (c *Client) CancelVerification(ctx context.Context, id string, opts ...RequestOption) (*Verification, error) {
	return call[Verification](ctx, c, http.MethodPost, "/v1/verifications/"+escape(id)+"/cancel", nil, opts...)
}

// ListVerifications reads one page of verifications, newest first; cursor
// is "" for the first page and a page's NextCursor for the one after it.
// Verifications walks every page for you.
func (c *Client) ListVerifications(ctx context.Context, f VerificationFilter, cursor string) (*VerificationPage, error) {
	r, err := newRequest(http.MethodGet, "/v1/verifications", nil, nil)
	if err != nil {
		return nil, err
	}
	r.query = url.Values{}
	set(r.query, "freelancer_id", f.FreelancerID)
	set(r.query, "status", string(f.Status))
	if f.Limit > 0 {
		r.query.Set("limit", strconv.Itoa(f.Limit))
	}
	set(r.query, "cursor", cursor)
	page := new(VerificationPage)
	if _, err := c.do(ctx, r, page); err != nil {
		return nil, err
	}
	return page, nil
}

// Verifications yields every verification the filter matches, newest
// first, fetching page after page as the loop goes on. An error is yielded
// once, last:
//
//	for v, err := range c.Verifications(ctx, client.VerificationFilter{Status: client.InReview}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(v.ID)
//	}
func (c *Client) Verifications(ctx context.Context, f VerificationFilter) iter.Seq2[*Verification, error] {
	return pages(func(cursor string) ([]Verification, *string, error) {
		p, err := c.ListVerifications(ctx, f, cursor)
		if err != nil {
			return nil, nil, err
		}
		return p.Data, p.NextCursor, nil
	})
}

// pages turns a cursor-paged list into an iterator over its items.
func pages[T any](fetch func(cursor string) ([]T, *string, error)) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		cursor := ""
		for {
			items, next, err := fetch(cursor)
			if err != nil {
				yield(nil, err)
				return
			}
			for i := range items {
				if !yield(&items[i], nil) {
					return
				}
			}
			if next == nil || *next == "" {
				return
			}
			cursor = *next
		}
	}
}

// set adds a query parameter unless it is empty: the API refuses nothing
// for absent parameters but would read an empty one as a value.
func set(q url.Values, name, value string) {
	if value != "" {
		q.Set(name, value)
	}
}
