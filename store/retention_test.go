package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store/storetest"
)

func TestRetentionDropsOldPartitions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	unit, err := s.CreateUnit(ctx, patrol.Unit{Code: "w1", Name: "Ward 1", TimeZone: "Asia/Ho_Chi_Minh", NightStart: "22:00", NightEnd: "05:00", H3Res: 10})
	if err != nil {
		t.Fatal(err)
	}
	dev, _, err := s.CreateDevice(ctx, unit.ID, "phone-1", "")
	if err != nil {
		t.Fatal(err)
	}
	fix := func(ts string) patrol.Fix {
		return patrol.Fix{UnitID: unit.ID, DeviceID: dev.ID, Time: mustTime(t, ts), Lat: 21.47, Lon: 105.85,
			Accuracy: 5, Speed: patrol.Unknown, Heading: patrol.Unknown, Altitude: patrol.Unknown, Battery: patrol.Unknown}
	}
	if _, err := s.InsertFixes(ctx, []patrol.Fix{fix("2024-01-10T15:00:00Z"), fix("2024-02-10T15:00:00Z"), fix("2024-03-10T15:00:00Z")}); err != nil {
		t.Fatal(err)
	}
	// Retention up to 2024-03-01: January and February go, March stays.
	dropped, err := s.DropFixPartitionsBefore(ctx, mustTime(t, "2024-03-01T00:00:00Z"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dropped) != 2 || dropped[0] != "fix_2024_01" || dropped[1] != "fix_2024_02" {
		t.Fatalf("dropped %v", dropped)
	}
	var n int
	s.Pool().QueryRow(ctx, `SELECT count(*) FROM fix`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d fixes left, want the March one", n)
	}
	// A late fix for a dropped month still lands (its partition is made again).
	r, err := s.InsertFixes(ctx, []patrol.Fix{fix("2024-02-11T15:00:00Z")})
	if err != nil || r.Accepted != 1 {
		t.Fatalf("late fix after retention: %+v %v", r, err)
	}
	// Nothing more to drop for a cutoff inside March.
	dropped, err = s.DropFixPartitionsBefore(ctx, time.Date(2024, 3, 20, 0, 0, 0, 0, time.UTC))
	if err != nil || len(dropped) != 1 || dropped[0] != "fix_2024_02" {
		t.Fatalf("second pass dropped %v, %v", dropped, err)
	}
}
