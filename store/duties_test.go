package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
)

// TestDutyCacheForgetsOnEveryChange: StoreFixes remembers a device's assignments for a moment
// (an assignment written behind the Store's back, in SQL, is not seen at once — which shows the
// cache is used), and every assignment or unit change the Store makes applies to the very next
// batch.
func TestDutyCacheForgetsOnEveryChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, u, devs := ingestFixture(t)
	off, err := s.CreateUser(ctx, store.NewUser{Username: "officer", Role: patrol.RoleOfficer, UnitCode: u.Code, Password: "officer-password"})
	if err != nil {
		t.Fatal(err)
	}
	d := devs[0]
	start := mustTime(t, "2024-03-01T15:00:00Z")
	fixes := walk(u, d, start, 50)
	outcomes := func(from, to int) (stored, offDuty int) {
		t.Helper()
		res, err := s.StoreFixes(ctx, fixes[from:to])
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range res {
			switch o {
			case patrol.FixStored:
				stored++
			case patrol.FixOffDuty:
				offDuty++
			}
		}
		return stored, offDuty
	}
	// No assignment: a unit device, always on duty (and now cached as such).
	if n, _ := outcomes(0, 10); n != 10 {
		t.Fatalf("unit device: %d of 10 stored", n)
	}
	// An assignment that ended before the next fixes, written in SQL: not seen yet.
	if _, err := s.Pool().Exec(ctx, `INSERT INTO device_assignment (device_id, user_id, valid_from, valid_to) VALUES ($1, $2, '2024-01-01Z', '2024-02-01Z')`, d.ID, off.ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := outcomes(10, 20); n != 10 {
		t.Errorf("a duty read a moment ago should come from the cache: %d of 10 stored", n)
	}
	// The same through the Store: the next batch is off duty, and not kept by the unit.
	if _, err := s.CreateAssignment(ctx, d.ID, off.ID, mustTime(t, "2024-02-01T00:00:00Z"), mustTime(t, "2024-02-02T00:00:00Z")); err != nil {
		t.Fatal(err)
	}
	if n, o := outcomes(20, 30); n != 0 || o != 10 {
		t.Errorf("after an assignment: %d stored, %d off duty; want 0, 10", n, o)
	}
	// The unit keeps off-duty fixes from now on: stored (flagged).
	u.StoreOffDuty = true
	if _, err := s.UpdateUnit(ctx, u); err != nil {
		t.Fatal(err)
	}
	if n, _ := outcomes(30, 40); n != 10 {
		t.Errorf("after the unit keeps off-duty fixes: %d of 10 stored", n)
	}
	// An assignment covering the rest: on duty again.
	if err := s.AssignDevice(ctx, d.ID, off.ID, start, start.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	var flagged int
	if n, _ := outcomes(40, 50); n != 10 {
		t.Errorf("on duty: %d of 10 stored", n)
	}
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM fix WHERE ts >= $1 AND flags & 8 <> 0`, fixes[40].Time).Scan(&flagged); err != nil || flagged != 0 {
		t.Errorf("%d on-duty fixes flagged off duty (%v)", flagged, err)
	}
}
