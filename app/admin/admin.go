// Package admin holds the administration use cases that decide more than they store: changing
// a user (name, role, scope, disabled) and assigning a device to an officer for a period. Each
// checks the request against the caller's role and scope and the records, writes through the
// Store it declares, and records the action through the AuditFunc it is given.
package admin

import (
	"context"
	"errors"
	"strconv"

	"github.com/patrolmap/patrolmap/patrol"
)

// AuditFunc records an action of the caller on a target in the audit log of unit unitID (0: no
// unit); detail is JSON or nil.
type AuditFunc func(unitID int, action, target string, detail []byte)

// unitInScope returns the unit with code, checking that the caller may see it: a
// *patrol.FieldError on field when the code is malformed (invalid) or unknown (not found), of
// kind ErrForbidden when the unit is outside the caller's scope.
func unitInScope(ctx context.Context, db interface {
	UnitByCode(ctx context.Context, code string) (patrol.Unit, error)
}, caller patrol.Caller, field, code string) (patrol.Unit, error) {
	if !patrol.ValidUnitCode(code) {
		return patrol.Unit{}, patrol.Invalid(field, "not a unit code")
	}
	u, err := db.UnitByCode(ctx, code)
	if errors.Is(err, patrol.ErrNotFound) {
		return u, &patrol.FieldError{Field: field, Reason: "unknown unit", Kind: patrol.ErrNotFound, Detail: "no unit with code " + strconv.Quote(code)}
	}
	if err != nil {
		return u, err
	}
	if !caller.InScope(u.ID) {
		return u, &patrol.FieldError{Kind: patrol.ErrForbidden, Detail: "this unit is outside your scope"}
	}
	return u, nil
}
