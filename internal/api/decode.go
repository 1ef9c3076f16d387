package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"
)

// MaxBodyBytes bounds every request body; profiles are the largest bodies
// and fit easily.
const MaxBodyBytes = 256 << 10

// readBody reads a bounded request body.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, err
		}
		return nil, badRequest("unreadable_body", "", "the body could not be read")
	}
	return body, nil
}

// decodeStrict decodes one JSON object into v. Unknown fields, wrong types,
// trailing data and a missing body are errors that name what is wrong. The
// API refuses unknown fields so that nothing it would ignore (a photo, an
// age) is ever sent in the belief that it is kept or used.
func decodeStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("body_required", "", "a JSON object is required")
	}
	if !utf8.Valid(body) {
		return badRequest("malformed_json", "", "the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err)
	}
	if dec.More() {
		return badRequest("malformed_json", "", "the body holds more than one JSON value")
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("malformed_json", "", "the body holds data after the JSON object")
	}
	return nil
}

func describeJSONError(err error) error {
	var (
		syntax    *json.SyntaxError
		wrongType *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &syntax):
		return badRequest("malformed_json", "", "the body is not valid JSON (at byte %d: %s)", syntax.Offset, syntax.Error())
	case errors.As(err, &wrongType):
		field := wrongType.Field
		if field == "" {
			return badRequest("wrong_type", "", "the body must be a JSON object, not %s", wrongType.Value)
		}
		return badRequest("wrong_type", field, "%s must be %s, not %s", field, jsonTypeName(wrongType.Type.Kind().String()), wrongType.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("malformed_json", "", "the body ends in the middle of a JSON value")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return badRequest("unknown_field", name, "unknown field %q; the API refuses fields it does not define", name)
	}
	return badRequest("malformed_json", "", "the body is not a valid request: %s", strings.TrimPrefix(err.Error(), "json: "))
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "int", "int64", "int32":
		return "a whole number"
	case "slice":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	case "bool":
		return "true or false"
	}
	return fmt.Sprintf("a %s", kind)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":{"code":"internal","message":"response could not be encoded"}}`)
	}
	writeRaw(w, status, body)
}

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
	w.Write([]byte("\n"))
}
