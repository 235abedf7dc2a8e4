package patrol

import (
	"errors"
	"strings"
)

// ErrInvalid marks bad input: a value that is malformed or out of range (HTTP 400).
var ErrInvalid = errors.New("invalid")

// ErrUnprocessable marks a well-formed request that the unit's own records cannot answer, such
// as a unit whose stored H3 resolution is not one patrolmap analyses at (HTTP 422).
var ErrUnprocessable = errors.New("unprocessable")

// FieldError is a domain error about one named value: Field names the request parameter or
// record field, Reason says what is wrong with it. Kind (ErrInvalid when nil, ErrConflict,
// ErrUnprocessable, ErrNotFound) says what kind of failure it is; Detail, when set, is the
// sentence shown to a person instead of "field: reason".
type FieldError struct {
	Field  string
	Reason string
	Kind   error
	Detail string
}

// Error returns the detail, or "field: reason".
func (e *FieldError) Error() string {
	if e.Detail != "" {
		return e.Detail
	}
	return e.Field + ": " + e.Reason
}

// Unwrap returns the kind, so errors.Is(err, ErrConflict) and the like work.
func (e *FieldError) Unwrap() error {
	if e.Kind == nil {
		return ErrInvalid
	}
	return e.Kind
}

// Invalid returns a *FieldError of kind ErrInvalid.
func Invalid(field, reason string) *FieldError { return &FieldError{Field: field, Reason: reason} }

// ErrForbidden marks a request that the caller's role or scope does not allow (HTTP 403).
var ErrForbidden = errors.New("forbidden")

// FieldErrors is bad input in several named values, reported together: Detail is the sentence
// shown to a person, List the fields and what is wrong with each. Its kind is ErrInvalid.
type FieldErrors struct {
	Detail string
	List   []*FieldError
}

// Error returns the detail followed by each "field: reason".
func (e *FieldErrors) Error() string {
	parts := make([]string, 0, len(e.List)+1)
	parts = append(parts, e.Detail)
	for _, fe := range e.List {
		parts = append(parts, fe.Field+": "+fe.Reason)
	}
	return strings.Join(parts, "; ")
}

// Unwrap returns ErrInvalid, so errors.Is(err, ErrInvalid) works.
func (e *FieldErrors) Unwrap() error { return ErrInvalid }
