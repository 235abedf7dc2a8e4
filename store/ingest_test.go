package store_test

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// ingestFixture is a store with one unit and two devices.
func ingestFixture(t *testing.T) (*store.Store, patrol.Unit, []patrol.Device) {
	t.Helper()
	ctx := context.Background()
	s := storetest.New(t)
	u, err := s.CreateUnit(ctx, patrol.Unit{Code: "w1", Name: "Ward 1", TimeZone: "Asia/Ho_Chi_Minh", NightStart: "22:00", NightEnd: "05:00", H3Res: 10})
	if err != nil {
		t.Fatal(err)
	}
	var devs []patrol.Device
	for _, id := range []string{"phone-1", "phone-2"} {
		d, _, err := s.CreateDevice(ctx, u.ID, id, "")
		if err != nil {
			t.Fatal(err)
		}
		devs = append(devs, d)
	}
	return s, u, devs
}

// walk returns n fixes of a device 5 s apart, about 1 m/s, from start.
func walk(u patrol.Unit, d patrol.Device, start time.Time, n int) []patrol.Fix {
	out := make([]patrol.Fix, n)
	for i := range out {
		out[i] = patrol.Fix{UnitID: u.ID, DeviceID: d.ID, Time: start.Add(time.Duration(i) * 5 * time.Second),
			Lat: 21.47 + float64(i)*4e-5, Lon: 105.85, Accuracy: 8, Speed: 1, Heading: 0, Altitude: 30, Battery: 90, Source: "test"}
	}
	return out
}

func countStored(stored []patrol.StoreOutcome) int {
	n := 0
	for _, o := range stored {
		if o == patrol.FixStored {
			n++
		}
	}
	return n
}

func TestStoreFixesBothPathsAreExact(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, u, devs := ingestFixture(t)
	start := mustTime(t, "2024-03-01T15:00:00Z")
	// A small and a large batch, each resent with half of it stored already and one fix repeated
	// inside it: StoreFixes must say exactly which fixes are new at every size (the key check
	// before the COPY; the INSERT … ON CONFLICT fallback is exercised by the concurrent writers below).
	for _, n := range []int{20, 1200} {
		fixes := walk(u, devs[0], start.Add(time.Duration(n)*time.Hour), n)
		first, err := s.StoreFixes(ctx, fixes[:n/2])
		if err != nil {
			t.Fatal(err)
		}
		if countStored(first) != n/2 {
			t.Fatalf("n=%d: first half stored %d", n, countStored(first))
		}
		batch := append(append([]patrol.Fix{}, fixes...), fixes[n-1])
		stored, err := s.StoreFixes(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range stored {
			ok, want := o == patrol.FixStored, i >= n/2 && i < n
			if ok != want {
				t.Fatalf("n=%d: fix %d stored=%v, want %v", n, i, ok, want)
			}
		}
	}
}

func TestStoreFixesConcurrentWritersStoreEachFixOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, u, devs := ingestFixture(t)
	fixes := walk(u, devs[0], mustTime(t, "2024-03-02T15:00:00Z"), 800)
	// Three writers send overlapping large batches at once: the COPY of the later ones meets
	// the keys of the first and must fall back without losing or doubling a fix.
	parts := [][]patrol.Fix{fixes[:600], fixes[200:], fixes}
	results := make([][]patrol.StoreOutcome, len(parts))
	var wg sync.WaitGroup
	errs := make(chan error, len(parts))
	for i := range parts {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r, err := s.StoreFixes(ctx, parts[i])
			results[i] = r
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	times := map[time.Time]int{}
	for i, part := range parts {
		for j, f := range part {
			if results[i][j] == patrol.FixStored {
				times[f.Time]++
			}
		}
	}
	for _, f := range fixes {
		if times[f.Time] != 1 {
			t.Fatalf("fix at %s reported stored %d times", f.Time, times[f.Time])
		}
	}
	var n int
	s.Pool().QueryRow(ctx, `SELECT count(*) FROM fix`).Scan(&n)
	if n != len(fixes) {
		t.Fatalf("%d rows, want %d", n, len(fixes))
	}
}

func TestStoreFixesFlags(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, u, devs := ingestFixture(t)
	start := mustTime(t, "2024-03-03T15:00:00Z")
	if _, err := s.StoreFixes(ctx, walk(u, devs[0], start, 3)); err != nil {
		t.Fatal(err)
	}
	// Against the stored fix at start+10s: 30 km in 20 s is a jump; a fix with 250 m accuracy
	// is low accuracy and does not become the reference; two fixes at the same time at
	// different places are stored once, flagged duplicate. The other device is unaffected.
	next := []patrol.Fix{
		{UnitID: u.ID, DeviceID: devs[0].ID, Time: start.Add(30 * time.Second), Lat: 21.75, Lon: 105.85, Accuracy: 5, Speed: patrol.Unknown},
		{UnitID: u.ID, DeviceID: devs[0].ID, Time: start.Add(35 * time.Second), Lat: 21.4702, Lon: 105.85, Accuracy: 250, Speed: patrol.Unknown},
		{UnitID: u.ID, DeviceID: devs[0].ID, Time: start.Add(40 * time.Second), Lat: 21.4703, Lon: 105.85, Accuracy: math.NaN(), Speed: patrol.Unknown},
		{UnitID: u.ID, DeviceID: devs[0].ID, Time: start.Add(40 * time.Second), Lat: 21.4704, Lon: 105.8501, Accuracy: 5, Speed: patrol.Unknown},
		{UnitID: u.ID, DeviceID: devs[1].ID, Time: start.Add(30 * time.Second), Lat: 21.75, Lon: 105.85, Accuracy: 5, Speed: patrol.Unknown, Flags: patrol.FlagOffDuty},
	}
	stored, err := s.StoreFixes(ctx, next)
	if err != nil {
		t.Fatal(err)
	}
	if countStored(stored) != 4 || stored[3] != patrol.FixDuplicate {
		t.Fatalf("stored %v", stored)
	}
	want := map[string]patrol.FixFlag{
		"phone-1 15:00:00": 0, "phone-1 15:00:05": 0, "phone-1 15:00:10": 0,
		"phone-1 15:00:30": patrol.FlagJump, "phone-1 15:00:35": patrol.FlagLowAccuracy, "phone-1 15:00:40": patrol.FlagDuplicate,
		"phone-2 15:00:30": patrol.FlagOffDuty,
	}
	got := map[string]patrol.FixFlag{}
	err = s.EachFix(ctx, patrol.FixFilter{UnitID: u.ID, From: start, To: start.Add(time.Hour), OffDuty: true}, func(f patrol.StoredFix) error {
		got[f.DeviceIdent+" "+f.Time.Format("15:04:05")] = patrol.FixFlag(f.Flags)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("stored %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: flags %v, want %v", k, got[k], w)
		}
	}
}

func TestRejectManyAndDevicesByIdent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, u, _ := ingestFixture(t)
	long := strings.Repeat("ư", 3000) // 6000 bytes: cut at a character boundary
	err := s.RejectMany(ctx, []patrol.Rejection{
		{UnitID: u.ID, DeviceIdent: "phone-1", Source: "osmand", Reason: "lat: out of range", Raw: "GET /osmand?lat=91\x00\xff", Addr: "10.0.0.1"},
		{DeviceIdent: "ghost", Source: "gpx", Reason: "unknown device", Raw: long},
	})
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.ListRejections(ctx, 10)
	if err != nil || len(list) != 2 {
		t.Fatalf("%v %v", list, err)
	}
	if list[1].Raw != "GET /osmand?lat=91 \uFFFD" || list[1].UnitID != u.ID {
		t.Errorf("raw %q unit %d", list[1].Raw, list[1].UnitID)
	}
	if len(list[0].Raw) > 4096 || !strings.HasPrefix(long, list[0].Raw) {
		t.Errorf("long raw kept %d bytes", len(list[0].Raw))
	}
	found, err := s.DevicesByIdent(ctx, []string{"phone-2", "ghost", "phone-1"})
	if err != nil || len(found) != 2 || found["phone-2"].UnitID != u.ID || found["phone-1"].Ident != "phone-1" {
		t.Fatalf("%v %v", found, err)
	}
}

// Both write paths store every field exactly as given (numbers as real, unknown as NULL).
func TestStoreFixesPathsStoreTheSameValues(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, u, devs := ingestFixture(t)
	start := mustTime(t, "2024-03-04T15:00:00.123456Z")
	series := func(d patrol.Device, n int) []patrol.Fix {
		out := make([]patrol.Fix, n)
		for i := range out {
			f := patrol.Fix{UnitID: u.ID, DeviceID: d.ID, Time: start.Add(time.Duration(i) * 5 * time.Second),
				Lat: 21.4701234 + float64(i)*1e-5, Lon: -105.8501234 + float64(i%7)*1e-6, Accuracy: float64(i % 90), Speed: 1.25,
				Heading: float64(i % 360), Altitude: -12.5, Battery: 87, Source: "mã-nguồn", Flags: patrol.FlagOffDuty}
			if i%3 == 0 {
				f.Accuracy, f.Speed, f.Heading, f.Altitude, f.Battery = math.NaN(), math.NaN(), math.NaN(), math.NaN(), math.NaN()
			}
			out[i] = f
		}
		return out
	}
	byCopy, byInsert := series(devs[0], 600), series(devs[1], 600)
	if _, err := s.StoreFixes(ctx, byCopy); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(byInsert); i += 100 {
		if _, err := s.StoreFixes(ctx, byInsert[i:i+100]); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string][]patrol.StoredFix{}
	err := s.EachFix(ctx, patrol.FixFilter{UnitID: u.ID, From: start, To: start.Add(24 * time.Hour), OffDuty: true}, func(f patrol.StoredFix) error {
		got[f.DeviceIdent] = append(got[f.DeviceIdent], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	same := func(a, b float64) bool { return (math.IsNaN(a) && math.IsNaN(b)) || float32(a) == float32(b) }
	for _, tc := range []struct {
		device string
		want   []patrol.Fix
	}{{"phone-1", byCopy}, {"phone-2", byInsert}} {
		if len(got[tc.device]) != len(tc.want) {
			t.Fatalf("%s: %d fixes", tc.device, len(got[tc.device]))
		}
		for i, g := range got[tc.device] {
			w := tc.want[i]
			if !g.Time.Equal(w.Time) || math.Abs(g.Lat-w.Lat) > 1e-12 || math.Abs(g.Lon-w.Lon) > 1e-12 || g.Source != w.Source ||
				g.Flags != w.Flags || g.UnitID != w.UnitID || !same(g.Accuracy, w.Accuracy) || !same(g.Speed, w.Speed) ||
				!same(g.Heading, w.Heading) || !same(g.Altitude, w.Altitude) || !same(g.Battery, w.Battery) {
				t.Fatalf("%s fix %d: stored %+v, want %+v", tc.device, i, g.Fix, w)
			}
		}
	}
}
