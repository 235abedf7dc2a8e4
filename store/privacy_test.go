package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
)

// dutyFixture is ingestFixture with an officer: devs[0] is assigned to them for [from, to),
// devs[1] is never assigned (a unit device).
func dutyFixture(t *testing.T, from, to time.Time) (*store.Store, patrol.Unit, []patrol.Device) {
	t.Helper()
	s, u, devs := ingestFixture(t)
	user, err := s.CreateUser(context.Background(), store.NewUser{Username: "officer", Role: patrol.RoleOfficer, UnitCode: u.Code, Password: "officer-password"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AssignDevice(context.Background(), devs[0].ID, user.ID, from, to); err != nil {
		t.Fatal(err)
	}
	return s, u, devs
}

func setStoreOffDuty(t *testing.T, s *store.Store, u patrol.Unit, keep bool, days int) patrol.Unit {
	t.Helper()
	u.StoreOffDuty, u.OffDutyRetentionDays = keep, days
	u, err := s.UpdateUnit(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	if u.StoreOffDuty != keep || (days > 0 && u.OffDutyRetentionDays != days) {
		t.Fatalf("unit reads back %v / %d days", u.StoreOffDuty, u.OffDutyRetentionDays)
	}
	return u
}

// storedFlags returns the stored fixes of a device: time -> flags.
func storedFlags(t *testing.T, s *store.Store, deviceID int) map[time.Time]patrol.FixFlag {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), `SELECT ts, flags FROM fix WHERE device_id = $1`, deviceID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[time.Time]patrol.FixFlag{}
	for rows.Next() {
		var ts time.Time
		var flags int16
		if err := rows.Scan(&ts, &flags); err != nil {
			t.Fatal(err)
		}
		out[ts.UTC()] = patrol.FixFlag(flags)
	}
	return out
}

// TestOffDutyStoreFixesBothPaths: the INSERT path (small batches) and the COPY path (large ones)
// both drop or flag the fixes outside the assignment, and say which they dropped.
func TestOffDutyStoreFixesBothPaths(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, n := range []int{40, 1200} {
		for _, keep := range []bool{false, true} {
			start := mustTime(t, "2024-03-01T15:00:00Z")
			// Fixes every 5 s; the assignment covers the middle half [n/4, 3n/4).
			from, to := start.Add(time.Duration(n/4)*5*time.Second), start.Add(time.Duration(3*n/4)*5*time.Second)
			s, u, devs := dutyFixture(t, from, to)
			setStoreOffDuty(t, s, u, keep, 0)
			batch := append(walk(u, devs[0], start, n), walk(u, devs[1], start, n)...)
			out, err := s.StoreFixes(ctx, batch)
			if err != nil {
				t.Fatal(err)
			}
			stored := storedFlags(t, s, devs[0].ID)
			for i, f := range batch[:n] {
				onDuty := i >= n/4 && i < 3*n/4
				flags, ok := stored[f.Time]
				switch {
				case onDuty && (out[i] != patrol.FixStored || !ok || flags != 0):
					t.Fatalf("n=%d keep=%v: on-duty fix %d: %v, stored %v flags %v", n, keep, i, out[i], ok, flags)
				case !onDuty && keep && (out[i] != patrol.FixStored || !ok || flags != patrol.FlagOffDuty):
					t.Fatalf("n=%d keep=%v: off-duty fix %d: %v, stored %v flags %v", n, keep, i, out[i], ok, flags)
				case !onDuty && !keep && (out[i] != patrol.FixOffDuty || ok):
					t.Fatalf("n=%d keep=%v: off-duty fix %d: %v, stored %v", n, keep, i, out[i], ok)
				}
			}
			// The unit device is on duty all the time.
			if got := storedFlags(t, s, devs[1].ID); len(got) != n {
				t.Fatalf("n=%d: unit device stored %d of %d fixes", n, len(got), n)
			}
			for i := n; i < 2*n; i++ {
				if out[i] != patrol.FixStored {
					t.Fatalf("n=%d: unit device fix %d: %v", n, i-n, out[i])
				}
			}
			// A resend: the kept ones are duplicates, the dropped ones off duty again.
			again, err := s.StoreFixes(ctx, batch[:n])
			if err != nil {
				t.Fatal(err)
			}
			for i := range again {
				want := patrol.FixDuplicate
				if !keep && (i < n/4 || i >= 3*n/4) {
					want = patrol.FixOffDuty
				}
				if again[i] != want {
					t.Fatalf("n=%d keep=%v: resent fix %d: %v, want %v", n, keep, i, again[i], want)
				}
			}
		}
	}
}

func TestOffDutyDeleteExpired(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	// On duty only for the last day.
	s, u, devs := dutyFixture(t, now.Add(-24*time.Hour), time.Time{})
	u = setStoreOffDuty(t, s, u, true, 7)
	if u.OffDutyRetentionDays != 7 {
		t.Fatalf("retention %d days, want the default 7", u.OffDutyRetentionDays)
	}
	// A second unit keeps off-duty fixes for 30 days.
	u2, err := s.CreateUnit(ctx, patrol.Unit{Code: "w2", Name: "Ward 2", TimeZone: "Asia/Ho_Chi_Minh", NightStart: "22:00", NightEnd: "05:00", H3Res: 10,
		StoreOffDuty: true, OffDutyRetentionDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	d2, _, err := s.CreateDevice(ctx, u2.ID, "phone-w2", "")
	if err != nil {
		t.Fatal(err)
	}
	user2, err := s.CreateUser(ctx, store.NewUser{Username: "officer2", Role: patrol.RoleOfficer, UnitCode: "w2", Password: "officer2-password"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AssignDevice(ctx, d2.ID, user2.ID, now.Add(-24*time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	fix := func(u patrol.Unit, d patrol.Device, age time.Duration) patrol.Fix {
		return patrol.Fix{UnitID: u.ID, DeviceID: d.ID, Time: now.Add(-age), Lat: 21.47, Lon: 105.85, Accuracy: 5, Speed: patrol.Unknown}
	}
	day := 24 * time.Hour
	if _, err := s.StoreFixes(ctx, []patrol.Fix{
		fix(u, devs[0], 10*day),    // off duty, expired: deleted
		fix(u, devs[0], 8*day),     // off duty, expired: deleted
		fix(u, devs[0], 6*day),     // off duty, within 7 days: kept
		fix(u, devs[0], time.Hour), // on duty: kept
		fix(u, devs[1], 10*day),    // unit device, on duty: kept
		fix(u2, d2, 10*day),        // off duty in a unit that keeps them 30 days: kept
		fix(u2, d2, 31*day),        // and expired there: deleted
		{UnitID: u.ID, DeviceID: devs[1].ID, Time: now.Add(-9 * day), Lat: 21.5, Lon: 105.85}, // on duty at another place
	}); err != nil {
		t.Fatal(err)
	}
	var before int
	s.Pool().QueryRow(ctx, `SELECT count(*) FROM fix`).Scan(&before)
	if before != 8 {
		t.Fatalf("%d fixes stored, want 8", before)
	}
	n, err := s.DeleteExpiredOffDutyFixes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("deleted %d, want 3", n)
	}
	got := storedFlags(t, s, devs[0].ID)
	if len(got) != 2 || got[now.Add(-6*day)] != patrol.FlagOffDuty || got[now.Add(-time.Hour)] != 0 {
		t.Errorf("assigned device keeps %v", got)
	}
	if got := storedFlags(t, s, devs[1].ID); len(got) != 2 {
		t.Errorf("unit device keeps %v", got)
	}
	if got := storedFlags(t, s, d2.ID); len(got) != 1 || got[now.Add(-10*day)] != patrol.FlagOffDuty {
		t.Errorf("w2 keeps %v", got)
	}
	if n, err := s.DeleteExpiredOffDutyFixes(ctx); err != nil || n != 0 {
		t.Errorf("second run deleted %d (%v), want 0", n, err)
	}
}
