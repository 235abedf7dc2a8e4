package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// TestLatestPositions checks that each device's newest recent fix comes back, that old fixes,
// other units' devices and fixes from far in the future are left out.
func TestLatestPositions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	w1, err := s.CreateUnit(ctx, patrol.Unit{Code: "w1", Name: "Ward 1", TimeZone: "Asia/Ho_Chi_Minh", NightStart: "22:00", NightEnd: "05:00", H3Res: 10})
	if err != nil {
		t.Fatal(err)
	}
	w2, err := s.CreateUnit(ctx, patrol.Unit{Code: "w2", Name: "Ward 2", TimeZone: "Asia/Ho_Chi_Minh", NightStart: "22:00", NightEnd: "05:00", H3Res: 10})
	if err != nil {
		t.Fatal(err)
	}
	devices := map[string]patrol.Device{}
	for _, d := range []struct {
		unit  int
		ident string
	}{{w1.ID, "b-phone"}, {w1.ID, "a-phone"}, {w1.ID, "stale-phone"}, {w1.ID, "future-phone"}, {w2.ID, "other-phone"}} {
		dev, _, err := s.CreateDevice(ctx, d.unit, d.ident, "")
		if err != nil {
			t.Fatal(err)
		}
		devices[d.ident] = dev
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	fix := func(ident string, at time.Time, lon float64) patrol.Fix {
		d := devices[ident]
		return patrol.Fix{UnitID: d.UnitID, DeviceID: d.ID, Time: at, Lat: 21.47, Lon: lon, Accuracy: 8, Speed: 1.5,
			Heading: patrol.Unknown, Altitude: patrol.Unknown, Battery: 64}
	}
	fixes := []patrol.Fix{
		// The newest is sent first: phones resend out of order.
		fix("a-phone", now.Add(-1*time.Minute), 105.851),
		fix("a-phone", now.Add(-3*time.Minute), 105.850),
		fix("b-phone", now.Add(-10*time.Minute), 105.852),
		fix("stale-phone", now.Add(-2*time.Hour), 105.853),
		fix("future-phone", now.Add(24*time.Hour), 105.854),
		fix("other-phone", now.Add(-1*time.Minute), 105.855),
	}
	if _, err := s.InsertFixes(ctx, fixes); err != nil {
		t.Fatal(err)
	}

	got, err := s.LatestPositions(ctx, w1.ID, time.Now(), 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d positions, want 2 (a-phone, b-phone): %+v", len(got), got)
	}
	if got[0].DeviceIdent != "a-phone" || got[1].DeviceIdent != "b-phone" {
		t.Fatalf("devices %s, %s; want a-phone, b-phone in that order", got[0].DeviceIdent, got[1].DeviceIdent)
	}
	if !got[0].Time.Equal(now.Add(-1*time.Minute)) || got[0].Lon != 105.851 {
		t.Errorf("a-phone at %s lon %v; want its newest fix (%s, 105.851)", got[0].Time, got[0].Lon, now.Add(-time.Minute))
	}
	if got[0].Accuracy != 8 || got[0].Battery != 64 || got[0].UnitID != w1.ID || got[0].DeviceID != devices["a-phone"].ID {
		t.Errorf("a-phone fields: %+v", got[0])
	}

	if got, err := s.LatestPositions(ctx, w1.ID, time.Now(), 5*time.Minute); err != nil || len(got) != 1 {
		t.Errorf("5 min window: %d positions (%v), want only a-phone", len(got), err)
	}
	if got, err := s.LatestPositions(ctx, w1.ID, time.Now(), 0); err != nil || len(got) != 0 {
		t.Errorf("zero window: %d positions (%v), want none", len(got), err)
	}
}
