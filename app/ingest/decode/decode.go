// Package decode reads the stored input formats into fixes and incidents: GPX tracks, incident
// CSV, JSON and GeoJSON files, and the shared parsing (fix times, numbers, field errors, size
// limits). It is pure — bytes in, records out — so that the HTTP handlers of api and the
// `patrolmap import` command read the same files the same way.
package decode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// FieldError names one bad field of an input and why it is bad.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an input that cannot be read as a whole: Detail says why, Fields names the fields.
// TooLarge marks input over a size limit (HTTP answers it with 413, else 400).
type Error struct {
	Detail   string
	Fields   []FieldError
	TooLarge bool
}

func (e *Error) Error() string { return e.Detail }

// badField is an Error naming one field.
func badField(field, message string) *Error {
	return &Error{Detail: field + ": " + message, Fields: []FieldError{{Field: field, Message: message}}}
}

// tooLarge is an Error for input over a limit, naming the fields given.
func tooLarge(detail string, fields ...FieldError) *Error {
	return &Error{Detail: detail, Fields: fields, TooLarge: true}
}

// JSON reads body as one JSON value into v. Unknown fields are tolerated.
func JSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return badField("body", "empty; a JSON document is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr):
			field := typeErr.Field
			if field == "" {
				field = "body"
			}
			return badField(field, fmt.Sprintf("must be a %s, not a JSON %s", typeErr.Type.String(), typeErr.Value))
		case errors.As(err, &syntaxErr):
			return badField("body", fmt.Sprintf("malformed JSON at byte %d", syntaxErr.Offset))
		default:
			return badField("body", "malformed JSON")
		}
	}
	if dec.More() {
		return badField("body", "more than one JSON value")
	}
	return nil
}

// parseTime parses an RFC 3339 time, naming field in the error.
func parseTime(field, s string) (time.Time, *FieldError) {
	if s == "" {
		return time.Time{}, &FieldError{field, "required"}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, &FieldError{field, "must be an RFC 3339 time such as 2024-03-01T22:15:00+07:00"}
	}
	return t, nil
}
