package client

import (
	"context"
	"encoding/json"
	"net/http"
)

// PutFreelancer creates or replaces the profile of the freelancer with the
// marketplace's id. The snapshot is stored whole: fields and claims not sent
// are gone. created is true when the profile did not exist (or was erased).
func (c *Client) PutFreelancer(ctx context.Context, id string, in FreelancerInput) (f *Freelancer, created bool, err error) {
	r, err := newRequest(http.MethodPut, "/v1/freelancers/"+escape(id), in, nil)
	if err != nil {
		return nil, false, err
	}
	f = new(Freelancer)
	status, err := c.do(ctx, r, f)
	if err != nil {
		return nil, false, err
	}
	return f, status == http.StatusCreated, nil
}

// GetFreelancer reads a profile; an unknown or erased one is an *Error
// with status 404 (see IsNotFound).
func (c *Client) GetFreelancer(ctx context.Context, id string) (*Freelancer, error) {
	return call[Freelancer](ctx, c, http.MethodGet, "/v1/freelancers/"+escape(id), nil)
}

// EraseFreelancer erases the freelancer's personal data (GDPR): it cancels
// the open verification, if any, and removes the profile, the reasons'
// explanations, the emails and the portal links. Ids, statuses and counts
// stay for aggregates.
func (c *Client) EraseFreelancer(ctx context.Context, id string) error {
	_, err := call[struct{}](ctx, c, http.MethodDelete, "/v1/freelancers/"+escape(id), nil)
	return err
}

// Standing answers whether the freelancer may act: the call for the
// marketplace's hot path. It answers for any well-formed id, including
// ids attest has never seen (not verified, no restrictions).
func (c *Client) Standing(ctx context.Context, id string) (*Standing, error) {
	return call[Standing](ctx, c, http.MethodGet, "/v1/freelancers/"+escape(id)+"/standing", nil)
}

// ExportFreelancer returns everything attest holds about the freelancer
// (GDPR Art. 15 and 20): the JSON document the API sends, to keep or to
// hand to the freelancer as it is (the FreelancerExport schema of the API
// reference). An erased freelancer's export is what remains; an id attest
// never saw is an *Error with status 404 (see IsNotFound).
func (c *Client) ExportFreelancer(ctx context.Context, id string) (json.RawMessage, error) {
	out, err := call[json.RawMessage](ctx, c, http.MethodGet, "/v1/freelancers/"+escape(id)+"/export", nil)
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// CreatePortalLink signs a fresh link to the freelancer's portal.
func (c *Client) CreatePortalLink(ctx context.Context, id string, opts ...RequestOption) (*PortalLink, error) {
	return call[PortalLink](ctx, c, http.MethodPost, "/v1/freelancers/"+escape(id)+"/portal-links", nil, opts...)
}

// RevokePortalLinks revokes every live portal link of the freelancer and
// says how many there were.
func (c *Client) RevokePortalLinks(ctx context.Context, id string) (int64, error) {
	out, err := call[struct {
		Revoked int64 `json:"revoked"`
	}](ctx, c, http.MethodDelete, "/v1/freelancers/"+escape(id)+"/portal-links", nil)
	if err != nil {
		return 0, err
	}
	return out.Revoked, nil
}

// call sends one request without a query and decodes the answer into a new T.
func call[T any](ctx context.Context, c *Client, method, path string, body any, opts ...RequestOption) (*T, error) {
	r, err := newRequest(method, path, body, opts)
	if err != nil {
		return nil, err
	}
	out := new(T)
	if _, err := c.do(ctx, r, out); err != nil {
		return nil, err
	}
	return out, nil
}
