package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/app/ingest/decode"
	"github.com/patrolmap/patrolmap/patrol"
)

// FieldError names one bad field of a request and why it is bad.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail,omitempty"`
	Instance string       `json:"instance,omitempty"`
	Errors   []FieldError `json:"errors,omitempty"`
}

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

// problem builds a Problem for a status with a human detail.
func problem(status int, detail string, fields ...FieldError) *Problem {
	return &Problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail, Errors: fields}
}

// badField is a 400 naming one field.
func badField(field, message string) *Problem {
	return problem(http.StatusBadRequest, field+": "+message, FieldError{Field: field, Message: message})
}

// writeProblem sends p as application/problem+json and stops the handler chain.
func writeProblem(c *gin.Context, p *Problem) {
	if p.Instance == "" {
		p.Instance = c.Request.URL.Path
	}
	if p.Status == http.StatusServiceUnavailable && c.Writer.Header().Get("Retry-After") == "" {
		c.Header("Retry-After", "5")
	}
	body, _ := json.Marshal(p)
	c.Header("Content-Type", "application/problem+json")
	c.Header("Cache-Control", "no-store")
	c.Status(p.Status)
	c.Writer.Write(body)
	c.Abort()
}

// statusClientClosed is the status logged for a request whose client hung up (nginx's 499).
const statusClientClosed = 499

// fail maps an error to a problem response: the one place that turns errors into HTTP.
// Internal details (SQL, stack traces) are logged, never sent.
func fail(c *gin.Context, err error) {
	var p *Problem
	var decodeErr *decode.Error
	var fieldErr *patrol.FieldError
	var fieldErrs *patrol.FieldErrors
	var maxErr *http.MaxBytesError
	var geomErr interface{ GeometryField() (string, string) }
	switch {
	case errors.As(err, &p):
	case errors.As(err, &decodeErr):
		p = decodeProblem(decodeErr)
	case errors.As(err, &fieldErr):
		slog.Info("refused", "path", c.Request.URL.Path, "err", err)
		p = fieldProblem(fieldErr)
	case errors.As(err, &fieldErrs):
		slog.Info("refused", "path", c.Request.URL.Path, "err", err)
		p = fieldsProblem(fieldErrs)
	case errors.As(err, &geomErr):
		field, reason := geomErr.GeometryField()
		p = badField(field, reason)
	case errors.As(err, &maxErr):
		p = problem(http.StatusRequestEntityTooLarge, "the request body exceeds the limit of "+strconv.FormatInt(maxErr.Limit, 10)+" bytes")
	case errors.Is(err, patrol.ErrNotFound):
		p = problem(http.StatusNotFound, "no such record")
	case errors.Is(err, patrol.ErrConflict):
		p = problem(http.StatusConflict, "a record with the same identity already exists")
	case errors.Is(err, context.DeadlineExceeded):
		slog.Warn("request ran out of time", "path", c.Request.URL.Path, "err", err)
		p = problem(http.StatusServiceUnavailable, "the request took longer than the server allows; ask for less (a shorter period, a coarser res, fewer permutations) or retry later")
	case errors.Is(err, context.Canceled):
		// The client hung up: nobody reads this answer, the log and metrics do.
		p = &Problem{Type: "about:blank", Title: "Client Closed Request", Status: statusClientClosed, Detail: "the client closed the request"}
	case errors.Is(err, patrol.ErrUnavailable):
		slog.Warn("database unavailable", "path", c.Request.URL.Path, "err", err)
		p = problem(http.StatusServiceUnavailable, "the database is unavailable; retry later")
	default:
		slog.Error("request failed", "path", c.Request.URL.Path, "err", err)
		p = problem(http.StatusInternalServerError, "internal error")
	}
	writeProblem(c, p)
}

// decodeProblem answers input a decoder could not read: 413 when it is over a limit, else 400.
func decodeProblem(e *decode.Error) *Problem {
	status := http.StatusBadRequest
	if e.TooLarge {
		status = http.StatusRequestEntityTooLarge
	}
	fields := make([]FieldError, len(e.Fields))
	for i, fe := range e.Fields {
		fields[i] = FieldError{Field: fe.Field, Message: fe.Message}
	}
	return problem(status, e.Detail, fields...)
}

// fieldsProblem answers bad input in several fields: 400 with the list's sentence and every
// field.
func fieldsProblem(e *patrol.FieldErrors) *Problem {
	fields := make([]FieldError, len(e.List))
	for i, fe := range e.List {
		fields[i] = FieldError{Field: fe.Field, Message: fe.Reason}
	}
	return problem(http.StatusBadRequest, e.Detail, fields...)
}

// fieldProblem answers a domain error about one field: 403, 404, 409 or 422 by its kind, else
// 400.
func fieldProblem(e *patrol.FieldError) *Problem {
	status := http.StatusBadRequest
	switch {
	case errors.Is(e, patrol.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(e, patrol.ErrConflict):
		status = http.StatusConflict
	case errors.Is(e, patrol.ErrUnprocessable):
		status = http.StatusUnprocessableEntity
	case errors.Is(e, patrol.ErrForbidden):
		status = http.StatusForbidden
	}
	if e.Field == "" {
		return problem(status, e.Error())
	}
	return problem(status, e.Error(), FieldError{Field: e.Field, Message: e.Reason})
}
