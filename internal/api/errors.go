package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/attest-dev/attest/internal/store"
	"github.com/attest-dev/attest/internal/verification"
)

// Error is the body of every failed API request:
// {"error": {"code": "...", "message": "...", "field": "..."}}.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

type envelope struct {
	Error *Error `json:"error"`
}

func badRequest(code, field, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

var (
	errUnauthorized = &Error{Status: http.StatusUnauthorized, Code: "unauthorized",
		Message: "send an API key as Authorization: Bearer atk_…"}
	errNotFound = &Error{Status: http.StatusNotFound, Code: "not_found", Message: "no such resource"}
)

// toError maps every error the API can meet to its status and code. It is
// the only place that does.
func toError(err error) *Error {
	var (
		apiErr   *Error
		field    *verification.FieldError
		rule     *verification.RuleError
		illegal  *verification.IllegalTransitionError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.As(err, &apiErr):
		return apiErr
	case errors.As(err, &field):
		return &Error{Status: http.StatusBadRequest, Code: field.Code, Field: field.Field, Message: field.Message}
	case errors.As(err, &rule):
		return &Error{Status: http.StatusUnprocessableEntity, Code: rule.Code, Field: rule.Field, Message: rule.Message}
	case errors.As(err, &illegal):
		return &Error{Status: http.StatusConflict, Code: "illegal_transition", Field: "status", Message: illegal.Error()}
	case errors.As(err, &tooLarge):
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large",
			Message: fmt.Sprintf("the body may be at most %d bytes", tooLarge.Limit)}
	case errors.Is(err, store.ErrNotFound):
		return errNotFound
	case errors.Is(err, store.ErrOpenExists):
		return &Error{Status: http.StatusConflict, Code: "verification_open", Field: "freelancer_id",
			Message: "this freelancer already has an open verification; cancel it or wait for its decision"}
	case errors.Is(err, context.Canceled):
		return &Error{Status: 499, Code: "canceled", Message: "the request was canceled"}
	}
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "something went wrong on our side; nothing was changed"}
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := toError(err)
	if e.Status >= 500 {
		s.Log.ErrorContext(r.Context(), "api request failed", slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	writeJSON(w, e.Status, envelope{e})
}
