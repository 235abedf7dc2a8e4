package admin

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/patrolmap/patrolmap/patrol"
)

// UserStore is what changing a user reads and writes.
type UserStore interface {
	UnitByCode(ctx context.Context, code string) (patrol.Unit, error)
	// UpdateAccount fails with an error wrapping patrol.ErrConflict when the change would leave
	// no enabled admin of all units.
	UpdateAccount(ctx context.Context, userID int64, ch patrol.AccountChange) (patrol.User, error)
	AccountByUsername(ctx context.Context, username string) (patrol.Account, error)
}

// ParseUserChange reads a change of a user from its JSON fields: full_name (text of at most
// 200 characters), role, unit (a code, or null or "" for all units) and disabled. Every bad or
// unknown field is reported, together, as a *patrol.FieldErrors; a change of nothing is a
// *patrol.FieldError on "body".
func ParseUserChange(raw map[string]json.RawMessage) (patrol.AccountChange, error) {
	var ch patrol.AccountChange
	var errs []*patrol.FieldError
	for k, v := range raw {
		if fe := setField(&ch, k, v); fe != nil {
			errs = append(errs, fe)
		}
	}
	if len(errs) > 0 {
		return ch, &patrol.FieldErrors{Detail: "the change has invalid fields", List: errs}
	}
	if ch == (patrol.AccountChange{}) {
		return ch, patrol.Invalid("body", "give full_name, role, unit or disabled")
	}
	return ch, nil
}

// setField sets field k of ch from its JSON value v, or says what is wrong with it.
func setField(ch *patrol.AccountChange, k string, v json.RawMessage) *patrol.FieldError {
	switch k {
	case "full_name":
		var s string
		if json.Unmarshal(v, &s) != nil || len(s) > 200 {
			return patrol.Invalid("full_name", "a text of at most 200 characters")
		}
		ch.FullName = &s
	case "role":
		var r patrol.Role
		if json.Unmarshal(v, &r) != nil || !r.Valid() {
			return patrol.Invalid("role", "must be admin, analyst or officer")
		}
		ch.Role = &r
	case "unit":
		var code *string
		if json.Unmarshal(v, &code) != nil {
			return patrol.Invalid("unit", "a unit code, or null for all units")
		}
		all := ""
		if code == nil || *code == "" {
			code = &all
		}
		ch.UnitCode = code
	case "disabled":
		var b bool
		if json.Unmarshal(v, &b) != nil {
			return patrol.Invalid("disabled", "true or false")
		}
		ch.Disabled = &b
	default:
		return patrol.Invalid(k, "cannot be changed here (full_name, role, unit, disabled)")
	}
	return nil
}

// UpdateUser applies change ch, asked by caller, to user u (whom the caller may manage), records
// it as action user.update (user.disable or user.enable when it only sets disabled) with detail,
// and returns the account as it is now. It refuses, as *patrol.FieldError: a change of the
// caller's own role or scope or disabling themselves (ErrConflict); placing the user outside an
// admin of one unit's unit (ErrForbidden, on "unit"); an officer without a unit (on "unit"); an
// unknown unit or one outside the caller's scope; and leaving no enabled admin of all units
// (ErrConflict).
func UpdateUser(ctx context.Context, db UserStore, caller patrol.Caller, u patrol.User, ch patrol.AccountChange, detail []byte, audit AuditFunc) (patrol.Account, error) {
	if err := checkUserChange(caller, u, ch); err != nil {
		return patrol.Account{}, err
	}
	if ch.UnitCode != nil && *ch.UnitCode != "" {
		if _, err := unitInScope(ctx, db, caller, "unit", *ch.UnitCode); err != nil {
			return patrol.Account{}, err
		}
	}
	after, err := db.UpdateAccount(ctx, u.ID, ch)
	if errors.Is(err, patrol.ErrConflict) {
		return patrol.Account{}, &patrol.FieldError{Kind: patrol.ErrConflict, Detail: "this is the last enabled admin of all units: it cannot be disabled, demoted or narrowed"}
	}
	if err != nil {
		return patrol.Account{}, err
	}
	audit(after.UnitID, userAction(ch), after.Username, detail)
	return db.AccountByUsername(ctx, after.Username)
}

// checkUserChange checks a change of user u against the caller: nobody changes their own role
// or scope or disables themselves, an admin of one unit keeps users in it, an officer belongs to
// one unit.
func checkUserChange(caller patrol.Caller, u patrol.User, ch patrol.AccountChange) error {
	role, unitCode := u.Role, u.UnitCode
	if ch.Role != nil {
		role = *ch.Role
	}
	if ch.UnitCode != nil {
		unitCode = *ch.UnitCode
	}
	self := u.ID == caller.User.ID
	switch {
	case self && (ch.Role != nil && *ch.Role != u.Role || ch.UnitCode != nil && *ch.UnitCode != u.UnitCode || ch.Disabled != nil && *ch.Disabled):
		return &patrol.FieldError{Kind: patrol.ErrConflict, Detail: "you cannot disable yourself or change your own role or scope; ask another admin"}
	case !caller.AllUnits() && unitCode != caller.User.UnitCode:
		return &patrol.FieldError{Field: "unit", Reason: "outside your scope", Kind: patrol.ErrForbidden, Detail: "you may only place users in your own unit"}
	case role == patrol.RoleOfficer && unitCode == "":
		return patrol.Invalid("unit", "an officer belongs to one unit")
	}
	return nil
}

// userAction names a change in the audit log.
func userAction(ch patrol.AccountChange) string {
	if ch.Disabled == nil || ch.Role != nil || ch.UnitCode != nil || ch.FullName != nil {
		return "user.update"
	}
	if *ch.Disabled {
		return "user.disable"
	}
	return "user.enable"
}
