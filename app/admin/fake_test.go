package admin_test

import (
	"context"
	"fmt"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
)

// fakeStore is an in-memory store of units, users and assignments.
type fakeStore struct {
	units       []patrol.Unit
	users       []patrol.User
	lastAdmin   bool // UpdateAccount refuses: the change would leave no admin of all units
	overlap     bool // CreateAssignment refuses: the period overlaps another assignment
	updated     []patrol.AccountChange
	assignments []patrol.Assignment
}

func (f *fakeStore) UnitByCode(_ context.Context, code string) (patrol.Unit, error) {
	for _, u := range f.units {
		if u.Code == code {
			return u, nil
		}
	}
	return patrol.Unit{}, fmt.Errorf("unit %s: %w", code, patrol.ErrNotFound)
}

func (f *fakeStore) UnitByID(_ context.Context, id int) (patrol.Unit, error) {
	for _, u := range f.units {
		if u.ID == id {
			return u, nil
		}
	}
	return patrol.Unit{}, fmt.Errorf("unit %d: %w", id, patrol.ErrNotFound)
}

func (f *fakeStore) UserByUsername(_ context.Context, name string) (patrol.User, error) {
	for _, u := range f.users {
		if u.Username == name {
			return u, nil
		}
	}
	return patrol.User{}, fmt.Errorf("user %s: %w", name, patrol.ErrNotFound)
}

func (f *fakeStore) UpdateAccount(_ context.Context, id int64, ch patrol.AccountChange) (patrol.User, error) {
	if f.lastAdmin {
		return patrol.User{}, fmt.Errorf("update user %d: %w", id, patrol.ErrConflict)
	}
	for i := range f.users {
		u := &f.users[i]
		if u.ID != id {
			continue
		}
		f.updated = append(f.updated, ch)
		if ch.FullName != nil {
			u.FullName = *ch.FullName
		}
		if ch.Role != nil {
			u.Role = *ch.Role
		}
		if ch.Disabled != nil {
			u.Disabled = *ch.Disabled
		}
		if ch.UnitCode != nil {
			u.UnitCode, u.UnitID = *ch.UnitCode, 0
			if unit, err := f.UnitByCode(context.Background(), *ch.UnitCode); err == nil {
				u.UnitID = unit.ID
			}
		}
		return *u, nil
	}
	return patrol.User{}, fmt.Errorf("user %d: %w", id, patrol.ErrNotFound)
}

func (f *fakeStore) AccountByUsername(ctx context.Context, name string) (patrol.Account, error) {
	u, err := f.UserByUsername(ctx, name)
	return patrol.Account{User: u}, err
}

func (f *fakeStore) CreateAssignment(_ context.Context, deviceID int, userID int64, from, to time.Time) (patrol.Assignment, error) {
	if f.overlap {
		return patrol.Assignment{}, fmt.Errorf("device %d: the period overlaps assignment 3: %w", deviceID, patrol.ErrConflict)
	}
	a := patrol.Assignment{ID: int64(len(f.assignments) + 1), UserID: userID}
	if !from.IsZero() {
		a.From = &from
	}
	if !to.IsZero() {
		a.To = &to
	}
	f.assignments = append(f.assignments, a)
	return a, nil
}

// auditLog collects what a use case audits.
type auditLog []string

func (l *auditLog) record(unitID int, action, target string, detail []byte) {
	*l = append(*l, fmt.Sprintf("%d %s %s %s", unitID, action, target, detail))
}

// The test ward: units w1 (id 1) and w2 (id 2); root is an admin of all units, boss the admin
// of w1, an1 an analyst and off1 an officer of w1, off2 a disabled officer of w1, off3 an
// officer of w2, root2 a second admin of all units.
func newStore() *fakeStore {
	return &fakeStore{
		units: []patrol.Unit{{ID: 1, Code: "w1", TimeZone: "Asia/Ho_Chi_Minh"}, {ID: 2, Code: "w2", TimeZone: "Europe/Berlin"}},
		users: []patrol.User{
			{ID: 1, Username: "root", Role: patrol.RoleAdmin},
			{ID: 2, Username: "boss", Role: patrol.RoleAdmin, UnitID: 1, UnitCode: "w1"},
			{ID: 3, Username: "an1", Role: patrol.RoleAnalyst, UnitID: 1, UnitCode: "w1"},
			{ID: 4, Username: "off1", Role: patrol.RoleOfficer, UnitID: 1, UnitCode: "w1"},
			{ID: 5, Username: "off2", Role: patrol.RoleOfficer, UnitID: 1, UnitCode: "w1", Disabled: true},
			{ID: 6, Username: "off3", Role: patrol.RoleOfficer, UnitID: 2, UnitCode: "w2"},
			{ID: 7, Username: "root2", Role: patrol.RoleAdmin},
		},
	}
}

func callerNamed(f *fakeStore, name string) patrol.Caller {
	u, err := f.UserByUsername(context.Background(), name)
	if err != nil {
		panic(err)
	}
	return patrol.Caller{Kind: patrol.CallerUser, User: u}
}
