package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// TestStoreFixesTailHintIsNeverTrusted: StoreFixes skips the history probes of a device whose
// batch starts after what it wrote last, but a fix stored meanwhile by another process (a
// second Store on the same database, as the CLI's import is) is still found exactly: counted
// as a duplicate, never stored twice, on both write paths. A jump right after the batch it
// wrote last is still flagged without a probe.
func TestStoreFixesTailHintIsNeverTrusted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.NewURL(t)
	open := func() *store.Store {
		s, err := store.Open(ctx, url, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	server, cli := open(), open()
	u, err := server.CreateUnit(ctx, patrol.Unit{Code: "w1", Name: "Ward 1", TimeZone: "Asia/Ho_Chi_Minh", NightStart: "22:00", NightEnd: "05:00", H3Res: 10})
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := server.CreateDevice(ctx, u.ID, "phone-1", "")
	if err != nil {
		t.Fatal(err)
	}
	fixes := walk(u, d, mustTime(t, "2024-03-01T15:00:00Z"), 3000)
	for _, part := range []struct {
		server, cli []patrol.Fix // the server's batch; what the other process stored before it
		dup         int          // the server's batch's fixes already stored
	}{
		{fixes[:1000], nil, 0},                   // COPY; the server now knows the device's tail
		{fixes[1000:2000], fixes[1500:1510], 10}, // COPY meets 10 keys stored meanwhile
		{fixes[2000:2100], fixes[2050:2051], 1},  // INSERT … ON CONFLICT meets one
		{fixes[2100:2600], fixes[2599:2600], 1},  // COPY meets the last one
		{fixes[2600:2700], nil, 0},               // and the hint goes on
	} {
		if part.cli != nil {
			if _, err := cli.StoreFixes(ctx, part.cli); err != nil {
				t.Fatal(err)
			}
		}
		out, err := server.StoreFixes(ctx, part.server)
		if err != nil {
			t.Fatal(err)
		}
		if n := countStored(out); n != len(part.server)-part.dup {
			t.Fatalf("batch from %s: %d stored, want %d", part.server[0].Time, n, len(part.server)-part.dup)
		}
	}
	var rows int
	if err := server.Pool().QueryRow(ctx, `SELECT count(*) FROM fix`).Scan(&rows); err != nil || rows != 2700 {
		t.Fatalf("%d rows (%v), want 2700", rows, err)
	}
	// A fix 5 km away 5 s after the last stored one: a jump, judged against the remembered
	// tail; the next fix back on the track is accepted.
	last := fixes[2699]
	far := last
	far.Time, far.Lat = last.Time.Add(5*time.Second), last.Lat+0.045
	back := last
	back.Time, back.Lat = last.Time.Add(10*time.Second), last.Lat+4e-5
	if _, err := server.StoreFixes(ctx, []patrol.Fix{far, back}); err != nil {
		t.Fatal(err)
	}
	var flags []int16
	rs, err := server.Pool().Query(ctx, `SELECT flags FROM fix WHERE ts > $1 ORDER BY ts`, last.Time)
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var f int16
		rs.Scan(&f)
		flags = append(flags, f)
	}
	if len(flags) != 2 || patrol.FixFlag(flags[0]) != patrol.FlagJump || flags[1] != 0 {
		t.Errorf("flags %v, want [jump, none]", flags)
	}
}
