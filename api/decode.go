package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/app/ingest/decode"
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
	return decode.JSON(body, v)
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
