package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
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

// strictJSON is how every request body is read, with the semantics of Go's
// encoding/json/v2: object member names match the struct tags exactly
// (Display_Name is not display_name), a member the target does not define
// is an error, a name repeated in one object is an error at any depth, and
// so are invalid UTF-8 and lone surrogates in escapes. The defaults are
// spelled out so that no change of default loosens them.
var strictJSON = jsonv2.JoinOptions(
	jsonv2.RejectUnknownMembers(true),
	jsonv2.MatchCaseInsensitiveNames(false),
	jsontext.AllowDuplicateNames(false),
	jsontext.AllowInvalidUTF8(false),
)

// decodeStrict decodes one JSON object into v. Unknown fields (in any
// letter case but the exact one), repeated fields, wrong types, invalid
// UTF-8, trailing data and a missing body are errors that name what is
// wrong. The API refuses unknown fields so that nothing it would ignore (a
// photo, an age) is ever sent in the belief that it is kept or used, and
// repeated ones because two readers could each take a different one.
//
// The syntax of the whole first value is checked before its meaning, so a
// body that is both malformed and wrongly typed is reported as malformed.
func decodeStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("body_required", "", "a JSON object is required")
	}
	if !utf8.Valid(body) {
		return badRequest("malformed_json", "", "the body is not valid UTF-8")
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body), strictJSON)
	for {
		if _, err := dec.ReadToken(); err != nil {
			return describeSyntaxError(dec, err)
		}
		if dec.StackDepth() == 0 {
			break // the first top-level value is complete
		}
	}
	value := body[:dec.InputOffset()]
	switch _, err := dec.ReadToken(); {
	case err == nil:
		return badRequest("malformed_json", "", "the body holds more than one JSON value")
	case err != io.EOF:
		return badRequest("malformed_json", "", "the body holds data after the JSON object")
	}
	if err := jsonv2.Unmarshal(value, v, strictJSON); err != nil {
		return describeSemanticError(value, err)
	}
	return nil
}

// describeSyntaxError explains an error met while reading the body's tokens.
func describeSyntaxError(dec *jsontext.Decoder, err error) error {
	var syntax *jsontext.SyntacticError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF:
		return badRequest("malformed_json", "", "the body ends in the middle of a JSON value")
	case !errors.As(err, &syntax):
		return badRequest("malformed_json", "", "the body could not be read as JSON")
	}
	// The decoder's stack still holds the levels above the error, so an
	// object member named "0" is told from an array's first element.
	isArray := func(level int) bool {
		if level > dec.StackDepth() {
			return false
		}
		kind, _ := dec.StackIndex(level)
		return kind == '['
	}
	field := fieldPath(syntax.JSONPointer, isArray)
	if errors.Is(syntax.Err, jsontext.ErrDuplicateName) {
		return badRequest("duplicate_field", field, "field %q is given more than once; each field may appear only once", field)
	}
	where := ""
	if field != "" {
		where = " in " + field
	}
	return badRequest("malformed_json", "", "the body is not valid JSON at byte %d%s: %v", syntax.ByteOffset, where, syntax.Err)
}

// describeSemanticError explains why well-formed JSON does not fit the
// request: a field the request does not define or a value of the wrong type.
func describeSemanticError(value []byte, err error) error {
	var sem *jsonv2.SemanticError
	if !errors.As(err, &sem) {
		return badRequest("malformed_json", "", "the body is not a valid request")
	}
	field := fieldPath(sem.JSONPointer, arrayLevels(value, sem.JSONPointer))
	if errors.Is(sem.Err, jsonv2.ErrUnknownName) {
		name := sem.JSONPointer.LastToken()
		hint := ""
		if known := caseVariantOf(sem.GoType, name); known != "" {
			hint = fmt.Sprintf(" (field names are case-sensitive: did you mean %q?)", known)
		}
		return badRequest("unknown_field", field, "unknown field %q; the API refuses fields it does not define%s", field, hint)
	}
	sent := jsonKindName(sem.JSONKind)
	if len(sem.JSONValue) > 0 && len(sem.JSONValue) <= 40 {
		sent = string(sem.JSONValue)
	}
	if field == "" {
		return badRequest("wrong_type", "", "the body must be a JSON object, not %s", sent)
	}
	return badRequest("wrong_type", field, "%s must be %s, not %s", field, goTypeName(sem.GoType), sent)
}

// fieldPath turns a JSON Pointer (/claims/0/key) into the path the API's
// errors use (claims[0].key). isArray tells whether the value at a level (1
// for the top-level object's members) is an array, so that a member named
// "0" is not mistaken for an index. The empty name is written "", and very
// long names are shortened.
func fieldPath(ptr jsontext.Pointer, isArray func(level int) bool) string {
	var b strings.Builder
	level := 0
	for tok := range ptr.Tokens() {
		level++
		if isArray(level) {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		if tok == "" {
			tok = `""` // a member with the empty name: the path must still name it
		}
		b.WriteString(tok)
	}
	return shorten(b.String(), 200)
}

// arrayLevels reports, for a pointer into a well-formed value, which levels
// of the path are arrays.
func arrayLevels(value []byte, ptr jsontext.Pointer) func(level int) bool {
	var node any
	// value was read with strictJSON already; this cannot fail but for
	// depth, and then the path is only less precise.
	_ = jsonv2.Unmarshal(value, &node)
	var arrays []bool
	for tok := range ptr.Tokens() {
		switch n := node.(type) {
		case []any:
			arrays = append(arrays, true)
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n) {
				node = nil
				continue
			}
			node = n[i]
		case map[string]any:
			arrays = append(arrays, false)
			node = n[tok]
		default:
			arrays = append(arrays, false)
			node = nil
		}
	}
	return func(level int) bool { return level >= 1 && level <= len(arrays) && arrays[level-1] }
}

// caseVariantOf returns the field of struct type t (or what t points to)
// whose JSON name differs from name only in letter case.
func caseVariantOf(t reflect.Type, name string) string {
	for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice) {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return ""
	}
	for f := range t.Fields() {
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || tag == "-" {
			continue
		}
		if tag == "" {
			tag = f.Name
		}
		if tag != name && strings.EqualFold(tag, name) {
			return tag
		}
	}
	return ""
}

func shorten(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func jsonKindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "that value"
}

func goTypeName(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Bool:
		return "true or false"
	}
	return "a " + t.Kind().String()
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
