package server

import (
	"context"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
)

// RequestIDHeader carries a request's id, in and out. A proxy in front may
// set it so that its logs and attest's can be joined; attest answers with
// the id it used either way.
const RequestIDHeader = "X-Request-Id"

// maxRequestID bounds an incoming id: long enough for a UUID or a proxy's
// trace id, short enough that nobody fills the logs through it.
const maxRequestID = 64

type requestIDKey struct{}

// RequestID is the id of the request ctx belongs to, or "" outside one.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// withRequestID gives every request an id: a well-formed incoming
// X-Request-Id, or a fresh one from random. The id goes on the response
// and into the request's context, where the log handler finds it.
func withRequestID(random io.Reader, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !wellFormedRequestID(id) {
			id = newRequestID(random)
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// wellFormedRequestID accepts ids of letters, digits, '-', '_' and '.',
// which covers UUIDs and common proxies' ids and cannot forge log lines or
// headers.
func wellFormedRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for _, c := range []byte(id) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

// newRequestID is 96 random bits in hex: unique enough to find one request
// among a node's lifetime of them.
func newRequestID(random io.Reader) string {
	b := make([]byte, 12)
	if _, err := io.ReadFull(random, b); err != nil {
		// crypto/rand does not fail on supported systems; an id is not worth
		// failing a request for.
		return "unavailable"
	}
	return hex.EncodeToString(b)
}

// requestIDHandler adds request_id to every record logged with the
// context of a request, so that an error deep in a handler can be tied to
// the access line of the request that caused it. Under a logger's
// WithGroup the id lands inside the group; attest logs no groups.
type requestIDHandler struct {
	slog.Handler
}

// withRequestIDs wraps a logger's handler; wrapping twice adds the id once.
func withRequestIDs(log *slog.Logger) *slog.Logger {
	if _, done := log.Handler().(requestIDHandler); done {
		return log
	}
	return slog.New(requestIDHandler{log.Handler()})
}

func (h requestIDHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id := RequestID(ctx); id != "" {
		rec = rec.Clone()
		rec.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
