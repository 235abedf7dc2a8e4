package admin

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/patrolmap/patrolmap/app/unit"
	"github.com/patrolmap/patrolmap/patrol"
)

// AssignmentStore is what assigning a device reads and writes.
type AssignmentStore interface {
	UnitByID(ctx context.Context, id int) (patrol.Unit, error)
	UserByUsername(ctx context.Context, username string) (patrol.User, error)
	// CreateAssignment fails with an error wrapping patrol.ErrConflict when the period overlaps
	// another assignment of the device.
	CreateAssignment(ctx context.Context, deviceID int, userID int64, from, to time.Time) (patrol.Assignment, error)
}

// AssignmentRequest asks to assign a device to the user Username from From to To: each empty
// (open), a local date (midnight in the device's unit's zone) or an RFC 3339 time.
type AssignmentRequest struct {
	Username string `json:"username"`
	From     string `json:"from"`
	To       string `json:"to"`
}

// Assign assigns device d to the user of req for req's period, records it as device.assign and
// returns the assignment. Bad input is a *patrol.FieldError naming from, to or username (an
// unknown, disabled or other unit's user); a period overlapping another assignment of the device
// is one of kind ErrConflict on "from".
func Assign(ctx context.Context, db AssignmentStore, d patrol.DeviceStatus, req AssignmentRequest, audit AuditFunc) (patrol.Assignment, error) {
	u, err := db.UnitByID(ctx, d.UnitID)
	if err != nil {
		return patrol.Assignment{}, err
	}
	from, to, err := assignmentPeriod(req, unit.Location(u))
	if err != nil {
		return patrol.Assignment{}, err
	}
	user, err := assignee(ctx, db, d, req.Username)
	if err != nil {
		return patrol.Assignment{}, err
	}
	a, err := db.CreateAssignment(ctx, d.ID, user.ID, from, to)
	if errors.Is(err, patrol.ErrConflict) {
		return a, &patrol.FieldError{Field: "from", Reason: "overlaps another assignment of the device", Kind: patrol.ErrConflict, Detail: err.Error()}
	}
	if err != nil {
		return a, err
	}
	detail, _ := json.Marshal(map[string]any{"username": user.Username, "from": utcOrNil(a.From), "to": utcOrNil(a.To)})
	audit(d.UnitID, "device.assign", d.Ident, detail)
	return a, nil
}

// assignmentPeriod reads the bounds of req in loc; to must be after from when both are set.
func assignmentPeriod(req AssignmentRequest, loc *time.Location) (from, to time.Time, err error) {
	if from, err = assignmentBound("from", req.From, loc); err != nil {
		return from, to, err
	}
	if to, err = assignmentBound("to", req.To, loc); err != nil {
		return from, to, err
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return from, to, patrol.Invalid("to", "must be after from")
	}
	return from, to, nil
}

// assignmentBound reads an assignment bound: empty (open), a local date (midnight in loc, as
// everywhere in the API) or an RFC 3339 time.
func assignmentBound(field, v string, loc *time.Location) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseInLocation("2006-01-02", v, loc); err == nil {
		return d, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, patrol.Invalid(field, "must be an RFC 3339 time such as 2024-03-01T22:15:00+07:00")
	}
	return t, nil
}

// assignee returns the enabled user named username of device d's unit.
func assignee(ctx context.Context, db AssignmentStore, d patrol.DeviceStatus, username string) (patrol.User, error) {
	if username == "" {
		return patrol.User{}, patrol.Invalid("username", "required")
	}
	user, err := db.UserByUsername(ctx, username)
	if errors.Is(err, patrol.ErrNotFound) {
		return user, patrol.Invalid("username", "no such user")
	}
	if err != nil {
		return user, err
	}
	if user.UnitID != d.UnitID {
		return user, patrol.Invalid("username", "the user must belong to the device's unit ("+d.UnitCode+")")
	}
	if user.Disabled {
		return user, patrol.Invalid("username", "the user is disabled")
	}
	return user, nil
}

// utcOrNil writes a bound for the audit log: RFC 3339 in UTC, or null when open.
func utcOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}
