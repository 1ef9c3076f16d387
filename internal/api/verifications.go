package api

import (
	"encoding/base32"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

type createVerificationBody struct {
	FreelancerID string                `json:"freelancer_id"`
	Reason       *reasonBody           `json:"reason"`
	Claims       []string              `json:"claims"`
	Methods      []verification.Method `json:"methods"`
	GraceDays    *int                  `json:"grace_days"`
}

type reasonBody struct {
	Code        string `json:"code"`
	Explanation string `json:"explanation"`
}

// createdVerification is a new case with the portal link that was emailed.
type createdVerification struct {
	*verification.Verification
	PortalURL       string    `json:"portal_url"`
	PortalExpiresAt time.Time `json:"portal_url_expires_at"`
}

func (s *Server) createVerification(r *http.Request, tx *store.Tx, body []byte) (int, any, error) {
	var in createVerificationBody
	if err := decodeStrict(body, &in); err != nil {
		return 0, nil, err
	}
	if in.FreelancerID == "" {
		return 0, nil, badRequest("required", "freelancer_id", "freelancer_id is required")
	}
	if err := verification.ValidateFreelancerID(in.FreelancerID); err != nil {
		return 0, nil, badRequest("invalid", "freelancer_id", "freelancer_id: %s", err.(*verification.FieldError).Message)
	}
	if in.Reason == nil {
		return 0, nil, badRequest("required", "reason", "reason is required: every verification states why it was opened")
	}
	req := verification.Request{FreelancerID: in.FreelancerID, Claims: in.Claims, Methods: in.Methods,
		Reason: verification.Reason{Code: in.Reason.Code, Explanation: in.Reason.Explanation}, GraceDays: in.GraceDays}
	opened, err := s.Workflow.OpenVerification(r.Context(), tx, actor(r.Context()), req)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, createdVerification{opened.Verification, opened.Link.URL, opened.Link.ExpiresAt}, nil
}

func (s *Server) getVerification(r *http.Request) (any, error) {
	v, err := s.Store.Verification(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	v.Statement, err = s.Workflow.Statement(r.Context(), s.Store, v)
	return v, err
}

func (s *Server) cancelVerification(r *http.Request, tx *store.Tx, body []byte) (int, any, error) {
	if err := emptyObject(body); err != nil {
		return 0, nil, err
	}
	v, err := s.Workflow.Transition(r.Context(), tx, actor(r.Context()), r.PathValue("id"), verification.Canceled)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, v, nil
}

// page is a list with the cursor of the page after it (null on the last).
type page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

func (s *Server) listVerifications(r *http.Request) (any, error) {
	q := r.URL.Query()
	limit, err := limitParam(q, 50, 100)
	if err != nil {
		return nil, err
	}
	f := store.VerificationFilter{FreelancerID: q.Get("freelancer_id"), Status: verification.Status(q.Get("status")), Limit: limit + 1}
	if f.Status != "" && !f.Status.Valid() {
		return nil, badRequest("invalid", "status", "status must be one of the verification statuses")
	}
	if f.After, err = parseCursor(q.Get("cursor"), "ver"); err != nil {
		return nil, err
	}
	list, err := s.Store.Verifications(r.Context(), f)
	if err != nil {
		return nil, err
	}
	out := page[*verification.Verification]{Data: list}
	if len(list) > limit {
		out.Data = list[:limit]
		next := cursorFor(list[limit-1].ID)
		out.NextCursor = &next
	}
	return out, nil
}

// idEncoding is the base32 alphabet of store.NewID: prefix, "_", then 26
// characters holding 16 bytes.
var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// cursorFor is the cursor of the page after the item with this id.
func cursorFor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

// parseCursor reads a cursor the API issued for a list of ids with this
// prefix; "" is the first page. Anything else, an id of another kind
// included, is 400 invalid_cursor: a cursor that does not parse must never
// be read as "after everything" and answered with an empty page.
func parseCursor(c, prefix string) (string, error) {
	if c == "" {
		return "", nil
	}
	bad := badRequest("invalid_cursor", "cursor", "cursor must be the next_cursor of an earlier page of this list, unchanged")
	raw, err := base64.RawURLEncoding.Strict().DecodeString(c)
	if err != nil || cursorFor(string(raw)) != c {
		return "", bad
	}
	rest, ok := strings.CutPrefix(string(raw), prefix+"_")
	if !ok || len(rest) != 26 {
		return "", bad
	}
	if b, err := idEncoding.DecodeString(rest); err != nil || len(b) != 16 || idEncoding.EncodeToString(b) != rest {
		return "", bad
	}
	return string(raw), nil
}

// onlyParams refuses query parameters the endpoint does not define, for the
// same reason the bodies refuse unknown fields: a typo must not be ignored.
func onlyParams(q url.Values, known ...string) error {
	for name, values := range q {
		if !slices.Contains(known, name) {
			return badRequest("unknown_parameter", name, "unknown query parameter %q", name)
		}
		if len(values) > 1 {
			return badRequest("repeated_parameter", name, "query parameter %q is given more than once", name)
		}
	}
	return nil
}

func limitParam(q url.Values, def, max int) (int, error) {
	v := q.Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, badRequest("out_of_range", "limit", "limit must be a whole number from 1 to %d", max)
	}
	return n, nil
}
