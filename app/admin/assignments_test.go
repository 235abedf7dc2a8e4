package admin_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/app/admin"
	"github.com/patrolmap/patrolmap/patrol"
)

func TestAssign(t *testing.T) {
	phone := patrol.DeviceStatus{Device: patrol.Device{ID: 9, Ident: "phone-9", UnitID: 1, UnitCode: "w1"}}
	berlinPhone := patrol.DeviceStatus{Device: patrol.Device{ID: 10, Ident: "phone-10", UnitID: 2, UnitCode: "w2"}}
	utc := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	tests := []struct {
		name     string
		device   patrol.DeviceStatus
		req      admin.AssignmentRequest
		overlap  bool
		from, to time.Time // the stored bounds (zero: open)
		kind     error     // nil: assigned
		field    string
		audit    string
	}{
		{name: "open on both ends", device: phone, req: admin.AssignmentRequest{Username: "off1"},
			audit: `1 device.assign phone-9 {"from":null,"to":null,"username":"off1"}`},
		{name: "local dates are midnight in the unit's zone", device: phone, req: admin.AssignmentRequest{Username: "off1", From: "2024-03-01", To: " 2024-03-31 "},
			from: utc("2024-02-29T17:00:00Z"), to: utc("2024-03-30T17:00:00Z"),
			audit: `1 device.assign phone-9 {"from":"2024-02-29T17:00:00Z","to":"2024-03-30T17:00:00Z","username":"off1"}`},
		{name: "a date across a DST change in Berlin", device: berlinPhone, req: admin.AssignmentRequest{Username: "off3", From: "2024-03-31", To: "2024-04-01"},
			from: utc("2024-03-30T23:00:00Z"), to: utc("2024-03-31T22:00:00Z"),
			audit: `2 device.assign phone-10 {"from":"2024-03-30T23:00:00Z","to":"2024-03-31T22:00:00Z","username":"off3"}`},
		{name: "an RFC 3339 time", device: phone, req: admin.AssignmentRequest{Username: "off1", From: "2024-03-01T22:15:00+07:00"},
			from: utc("2024-03-01T15:15:00Z"), audit: `1 device.assign phone-9 {"from":"2024-03-01T15:15:00Z","to":null,"username":"off1"}`},
		{name: "a bad from", device: phone, req: admin.AssignmentRequest{Username: "off1", From: "1/3/2024"}, kind: patrol.ErrInvalid, field: "from"},
		{name: "a bad to", device: phone, req: admin.AssignmentRequest{Username: "off1", To: "tomorrow"}, kind: patrol.ErrInvalid, field: "to"},
		{name: "to not after from", device: phone, req: admin.AssignmentRequest{Username: "off1", From: "2024-03-02", To: "2024-03-02"}, kind: patrol.ErrInvalid, field: "to"},
		{name: "no username", device: phone, req: admin.AssignmentRequest{}, kind: patrol.ErrInvalid, field: "username"},
		{name: "an unknown user", device: phone, req: admin.AssignmentRequest{Username: "ghost"}, kind: patrol.ErrInvalid, field: "username"},
		{name: "a user of another unit", device: phone, req: admin.AssignmentRequest{Username: "off3"}, kind: patrol.ErrInvalid, field: "username"},
		{name: "a disabled user", device: phone, req: admin.AssignmentRequest{Username: "off2"}, kind: patrol.ErrInvalid, field: "username"},
		{name: "overlapping another assignment", device: phone, req: admin.AssignmentRequest{Username: "off1"}, overlap: true, kind: patrol.ErrConflict, field: "from"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := newStore()
			db.overlap = tc.overlap
			var log auditLog
			a, err := admin.Assign(context.Background(), db, tc.device, tc.req, log.record)
			if tc.kind != nil {
				var fe *patrol.FieldError
				if !errors.Is(err, tc.kind) || !errors.As(err, &fe) || fe.Field != tc.field || len(log) != 0 {
					t.Fatalf("Assign = %v (audited %v); want a %v FieldError on %q and no audit", err, log, tc.kind, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !sameBound(a.From, tc.from) || !sameBound(a.To, tc.to) {
				t.Fatalf("assignment %v–%v, want %v–%v", a.From, a.To, tc.from, tc.to)
			}
			if len(log) != 1 || log[0] != tc.audit {
				t.Fatalf("audited %q, want %q", log, tc.audit)
			}
		})
	}
}

func sameBound(got *time.Time, want time.Time) bool {
	if got == nil {
		return want.IsZero()
	}
	return got.Equal(want)
}
