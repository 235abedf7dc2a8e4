package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// decodeJSON reads the whole body as one JSON value into v. Unknown fields are tolerated.
func decodeJSON(c *gin.Context, v any) error {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return err
		}
		return badField("body", "could not be read")
	}
	return decodeJSONBytes(body, v)
}

func decodeJSONBytes(body []byte, v any) error {
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
func parseTime(field, s string) (time.Time, *Problem) {
	if s == "" {
		return time.Time{}, badField(field, "required")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, badField(field, "must be an RFC 3339 time such as 2024-03-01T22:15:00+07:00")
	}
	return t, nil
}

// pathID parses a positive integer path parameter.
func pathID(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		writeProblem(c, badField(name, "must be a positive integer"))
		return 0, false
	}
	return id, true
}

// inScopeByID loads the record the :id path parameter names and checks that the caller may reach
// its unit (unitOf); it answers the problem itself, a 403 saying "this <what> is outside your
// scope", and returns false when not.
func inScopeByID[T any](c *gin.Context, what string, load func(context.Context, int64) (T, error), unitOf func(T) int) (T, bool) {
	var none T
	id, ok := pathID(c, "id")
	if !ok {
		return none, false
	}
	r, err := load(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return none, false
	}
	if !callerOf(c).InScope(unitOf(r)) {
		writeProblem(c, problem(http.StatusForbidden, "this "+what+" is outside your scope"))
		return none, false
	}
	return r, true
}

// rfc3339 writes a time in UTC with Z, with fractional seconds when present.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
