package api

import (
	"net/http"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// freelancerBody is the profile a marketplace puts. It has no field for
// gender, age, race, religion, disability or a photo, and unknown fields are
// refused.
type freelancerBody struct {
	DisplayName string               `json:"display_name"`
	Email       string               `json:"email"`
	Locale      string               `json:"locale"`
	TimeZone    string               `json:"timezone"`
	Claims      []verification.Claim `json:"claims"`
}

func freelancerID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if err := verification.ValidateFreelancerID(id); err != nil {
		return "", err
	}
	return id, nil
}

func (s *Server) putFreelancer(r *http.Request, tx *store.Tx, body []byte) (int, any, error) {
	id, err := freelancerID(r)
	if err != nil {
		return 0, nil, err
	}
	var in freelancerBody
	if err := decodeStrict(body, &in); err != nil {
		return 0, nil, err
	}
	if in.Claims == nil {
		in.Claims = []verification.Claim{}
	}
	f := &verification.Freelancer{ID: id, DisplayName: in.DisplayName, Email: in.Email, Locale: in.Locale,
		TimeZone: in.TimeZone, Claims: in.Claims}
	created, err := s.Workflow.PutFreelancer(r.Context(), tx, actor(r.Context()), f)
	if err != nil {
		return 0, nil, err
	}
	if created {
		return http.StatusCreated, f, nil
	}
	return http.StatusOK, f, nil
}

func (s *Server) getFreelancer(r *http.Request) (any, error) {
	id, err := freelancerID(r)
	if err != nil {
		return nil, err
	}
	return s.Store.Freelancer(r.Context(), id)
}

func (s *Server) eraseFreelancer(r *http.Request, tx *store.Tx, body []byte) (int, any, error) {
	id, err := freelancerID(r)
	if err != nil {
		return 0, nil, err
	}
	if err := noBody(body); err != nil {
		return 0, nil, err
	}
	if err := s.Workflow.EraseFreelancer(r.Context(), tx, actor(r.Context()), id); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

func (s *Server) getStanding(r *http.Request) (any, error) {
	id, err := freelancerID(r)
	if err != nil {
		return nil, err
	}
	return s.Workflow.Standing(r.Context(), id)
}

// exportFreelancer answers with everything held about the freelancer (GDPR
// Art. 15 and 20), erased or not, as a file to keep. It changes nothing; the
// workflow records the export in the audit log.
func (s *Server) exportFreelancer(r *http.Request) (any, error) {
	id, err := freelancerID(r)
	if err != nil {
		return nil, err
	}
	e, err := s.Workflow.Export(r.Context(), actor(r.Context()), id)
	if err != nil {
		return nil, err
	}
	body, err := e.File()
	if err != nil {
		return nil, err
	}
	return attachment{filename: e.Filename(), body: body}, nil
}

func (s *Server) createPortalLink(r *http.Request, tx *store.Tx, body []byte) (int, any, error) {
	id, err := freelancerID(r)
	if err != nil {
		return 0, nil, err
	}
	if err := emptyObject(body); err != nil {
		return 0, nil, err
	}
	link, err := s.Workflow.NewPortalLink(r.Context(), tx, actor(r.Context()), id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, link, nil
}

func (s *Server) revokePortalLinks(r *http.Request, tx *store.Tx, body []byte) (int, any, error) {
	id, err := freelancerID(r)
	if err != nil {
		return 0, nil, err
	}
	if err := noBody(body); err != nil {
		return 0, nil, err
	}
	n, err := s.Workflow.RevokePortalLinks(r.Context(), tx, actor(r.Context()), id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]int64{"revoked": n}, nil
}

// emptyObject accepts no body or {} for POSTs that take no input.
func emptyObject(body []byte) error {
	if len(body) == 0 {
		return nil
	}
	return decodeStrict(body, &struct{}{})
}

func noBody(body []byte) error {
	if len(body) != 0 {
		return badRequest("unexpected_body", "", "this request takes no body")
	}
	return nil
}
