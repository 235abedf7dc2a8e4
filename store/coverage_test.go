package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/demo/load"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// coverageWard is a ~1 km square near Sông Công, Thái Nguyên.
const coverageWard = `{"type":"Polygon","coordinates":[[[105.845,21.465],[105.855,21.465],[105.855,21.475],[105.845,21.475],[105.845,21.465]]]}`

var ict = time.FixedZone("ICT", 7*3600)

// coverageUnit creates a unit (22:00–05:00, Asia/Ho_Chi_Minh, resolution 10) with one device.
func coverageUnit(t *testing.T, s *store.Store, code string) (patrol.Unit, patrol.Device) {
	t.Helper()
	ctx := context.Background()
	u, err := s.CreateUnit(ctx, patrol.Unit{Code: code, Name: code, TimeZone: "Asia/Ho_Chi_Minh",
		Boundary: json.RawMessage(coverageWard), NightStart: "22:00", NightEnd: "05:00", H3Res: 10})
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := s.CreateDevice(ctx, u.ID, code+"-phone", "")
	if err != nil {
		t.Fatal(err)
	}
	return u, d
}

// patrolTrack is a synthetic patrol: a walk at 1.4 m/s (a motorbike stretch at 8 m/s) between
// random points of the ward square, a fix every 5–9 s, with a signal gap, a few low-accuracy
// fixes and a jump, on each of the given nights from 21:30 to 01:30 local, so it crosses the
// night start, midnight and (with the 10-minute rule) piece boundaries.
func patrolTrack(seed uint64, nights []geo.Date) []patrol.Fix {
	return patrolTrackIn(seed, nights, ict)
}

// patrolTrackIn is patrolTrack with the nights in loc.
func patrolTrackIn(seed uint64, nights []geo.Date, loc *time.Location) []patrol.Fix {
	r := rand.New(rand.NewPCG(seed, 7))
	var out []patrol.Fix
	for _, d := range nights {
		t := d.At(21*60+30, loc)
		end := d.AddDays(1).At(150, loc)
		pos := orb.Point{105.846 + 0.008*r.Float64(), 21.466 + 0.008*r.Float64()}
		target := pos
		for t.Before(end) {
			if math.Hypot(target[0]-pos[0], target[1]-pos[1]) < 1e-5 {
				target = orb.Point{105.846 + 0.008*r.Float64(), 21.466 + 0.008*r.Float64()}
			}
			dt := 5 + 4*r.Float64()
			speed := 1.4
			if t.In(loc).Minute() < 10 {
				speed = 8
			}
			step := speed * dt / 111000
			dx, dy := target[0]-pos[0], target[1]-pos[1]
			dist := math.Hypot(dx, dy)
			if step > dist {
				step = dist
			}
			pos = orb.Point{pos[0] + dx/dist*step, pos[1] + dy/dist*step}
			f := patrol.Fix{Time: t.UTC().Truncate(time.Microsecond), Lon: pos[0], Lat: pos[1], Accuracy: 5 + 5*r.Float64(), Speed: math.NaN()}
			switch {
			case r.Float64() < 0.005:
				f.Accuracy = 250
			case r.Float64() < 0.003:
				f.Lon = pos[0] + 0.02 // two km off: a jump
			}
			inGap := t.In(loc).Hour() == 23 && t.Minute() >= 40 && t.Minute() < 48
			if !inGap {
				out = append(out, f)
			}
			t = t.Add(time.Duration(dt * float64(time.Second)))
		}
	}
	return out
}

func patrolFixes(u patrol.Unit, d patrol.Device, track []patrol.Fix) []patrol.Fix {
	out := make([]patrol.Fix, len(track))
	for i, f := range track {
		out[i] = patrol.Fix{UnitID: u.ID, DeviceID: d.ID, Time: f.Time, Lon: f.Lon, Lat: f.Lat, Accuracy: f.Accuracy,
			Speed: math.NaN(), Heading: math.NaN(), Altitude: math.NaN(), Battery: math.NaN(), Source: "test"}
	}
	return out
}

func storeFixes(t *testing.T, s *store.Store, fixes []patrol.Fix) {
	t.Helper()
	if _, err := s.InsertFixes(context.Background(), fixes); err != nil {
		t.Fatal(err)
	}
}

func mergedCoverage(t *testing.T, s *store.Store, unitID int, res int, w geo.Window, p geo.Period) []geo.CellCoverage {
	t.Helper()
	visits, err := s.CoverageVisits(context.Background(), unitID, 0, res, w, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	return geo.MergeCoverage(visits)
}

// sameCoverage compares two coverages cell by cell, dwell to a microsecond per pass and the last
// visit to a microsecond (rollups keep times to the microsecond, as fixes are kept).
func sameCoverage(t *testing.T, what string, got, want []geo.CellCoverage) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d cells, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Cell != w.Cell || g.Passes != w.Passes || g.Nights != w.Nights || g.LastVisit.Sub(w.LastVisit).Abs() >= time.Microsecond ||
			math.Abs(g.DwellS-w.DwellS) > 1e-6*float64(w.Passes+1) {
			t.Fatalf("%s: cell %d = %s passes %d dwell %.6f nights %d last %s; want %s passes %d dwell %.6f nights %d last %s",
				what, i, g.Cell, g.Passes, g.DwellS, g.Nights, g.LastVisit, w.Cell, w.Passes, w.DwellS, w.Nights, w.LastVisit)
		}
	}
}

func nightsFrom(first geo.Date, n int) []geo.Date {
	out := make([]geo.Date, n)
	for i := range out {
		out[i] = first.AddDays(i)
	}
	return out
}

// TestRollupCoverageMatchesDirect checks that coverage read from rollups (per piece, joined by
// geo.MergeCoverage) is what geo.Coverage computes from the whole track in one call, for every
// window, for date periods and for instants that cut pieces, and at another resolution (raw).
func TestRollupCoverageMatchesDirect(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	u, d := coverageUnit(t, s, "direct")
	first := geo.Date{Year: 2024, Month: time.March, Day: 1}
	track := patrolTrack(1, nightsFrom(first, 4))
	storeFixes(t, s, patrolFixes(u, d, track))

	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	nw := geo.DefaultNightWindow()
	direct := func(res int, w geo.Window, p geo.Period) []geo.CellCoverage {
		cov, err := geo.Coverage(map[string][]patrol.Fix{fmt.Sprint(d.ID): track}, geo.CoverageOptions{Res: res, Loc: loc, Night: nw, Window: w, Period: p})
		if err != nil {
			t.Fatal(err)
		}
		return cov
	}
	for _, tc := range []struct {
		name     string
		from, to string
		window   geo.Window
		res      int
	}{
		{"nights", "2024-03-01", "2024-03-05", geo.WindowNight, 10},
		{"one night", "2024-03-02", "2024-03-03", geo.WindowNight, 10},
		{"days", "2024-03-01", "2024-03-06", geo.WindowDay, 10},
		{"all", "2024-03-01", "2024-03-06", geo.WindowAll, 10},
		{"all from midnight", "2024-03-02", "2024-03-04", geo.WindowAll, 10},
		{"instants cutting pieces", "2024-03-01T23:17:31+07:00", "2024-03-03T00:41:07.5+07:00", geo.WindowAll, 10},
		{"instants inside one piece", "2024-03-02T22:10:00+07:00", "2024-03-02T23:00:00+07:00", geo.WindowNight, 10},
		{"instants, night", "2024-03-01T21:45:00+07:00", "2024-03-04T00:30:00+07:00", geo.WindowNight, 10},
		{"resolution 9 from raw", "2024-03-01", "2024-03-05", geo.WindowNight, 9},
		{"resolution 11 from raw, instants", "2024-03-01T23:17:31+07:00", "2024-03-03T00:41:07+07:00", geo.WindowAll, 11},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := geo.ParsePeriod(tc.from, tc.to, loc, tc.window, nw)
			if err != nil {
				t.Fatal(err)
			}
			got := mergedCoverage(t, s, u.ID, tc.res, tc.window, p)
			want := direct(tc.res, tc.window, p)
			if len(want) == 0 {
				t.Fatal("the direct computation is empty; the test track is wrong")
			}
			sameCoverage(t, tc.name, got, want)
		})
	}
}

// TestRollupLateOutOfOrderFixes loads the same patrols twice: into one unit in order, in one
// batch, and into another in shuffled batches, sent at different times while the background
// catch-up runs and coverage is read between batches (so keys are computed on partial data and
// recomputed later). The coverage from the rollups must end up the same, and the same as
// geo.Coverage over the whole track.
func TestRollupLateOutOfOrderFixes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	ua, da := coverageUnit(t, s, "inorder")
	ub, db := coverageUnit(t, s, "shuffled")
	first := geo.Date{Year: 2024, Month: time.April, Day: 10}
	track := patrolTrack(2, nightsFrom(first, 3))
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	p, err := geo.ParsePeriod("2024-04-10", "2024-04-13", loc, geo.WindowNight, geo.NightWindow{})
	if err != nil {
		t.Fatal(err)
	}

	storeFixes(t, s, patrolFixes(ua, da, track))

	bg, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.RunRollups(bg, store.RollupPolicy{Every: 20 * time.Millisecond}, nil)
	}()
	shuffled := patrolFixes(ub, db, track)
	r := rand.New(rand.NewPCG(3, 4))
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for len(shuffled) > 0 {
		n := min(len(shuffled), 1+r.IntN(900))
		storeFixes(t, s, shuffled[:n])
		// A resend of part of the batch is a duplicate and changes nothing.
		storeFixes(t, s, shuffled[:n/3])
		shuffled = shuffled[n:]
		if r.IntN(3) == 0 {
			mergedCoverage(t, s, ub.ID, 10, geo.WindowNight, p)
		}
	}
	stop()
	wg.Wait()

	inOrder := mergedCoverage(t, s, ua.ID, 10, geo.WindowNight, p)
	late := mergedCoverage(t, s, ub.ID, 10, geo.WindowNight, p)
	sameCoverage(t, "shuffled vs in order", late, inOrder)
	direct, err := geo.Coverage(map[string][]patrol.Fix{"x": track}, geo.CoverageOptions{Res: 10, Loc: loc, Window: geo.WindowNight, Period: p})
	if err != nil {
		t.Fatal(err)
	}
	sameCoverage(t, "rollups vs direct", inOrder, direct)

	if n := countPending(t, s); n != 0 {
		t.Errorf("%d keys still dirty or marks not folded after reading coverage", n)
	}
}

// TestRollupFollowsDeletesAndUnitChanges: deleting fixes empties the coverage, and changing the
// unit's resolution or night window rebuilds its rollups.
func TestRollupFollowsDeletesAndUnitChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	u, d := coverageUnit(t, s, "changes")
	first := geo.Date{Year: 2024, Month: time.May, Day: 5}
	track := patrolTrack(5, nightsFrom(first, 2))
	storeFixes(t, s, patrolFixes(u, d, track))
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	p, _ := geo.ParsePeriod("2024-05-05", "2024-05-07", loc, geo.WindowNight, geo.NightWindow{})
	if got := mergedCoverage(t, s, u.ID, 10, geo.WindowNight, p); len(got) == 0 {
		t.Fatal("no coverage")
	}

	// A new night window and resolution: the stored rollups are rebuilt for them.
	u.NightStart, u.NightEnd, u.H3Res = "23:00", "04:00", 9
	if _, err := s.UpdateUnit(ctx, u); err != nil {
		t.Fatal(err)
	}
	nw, _ := geo.ParseNightWindow("23:00", "04:00")
	p2, _ := geo.ParsePeriod("2024-05-05", "2024-05-07", loc, geo.WindowNight, nw)
	want, err := geo.Coverage(map[string][]patrol.Fix{"x": track}, geo.CoverageOptions{Res: 9, Loc: loc, Night: nw, Window: geo.WindowNight, Period: p2})
	if err != nil {
		t.Fatal(err)
	}
	sameCoverage(t, "after the unit changed", mergedCoverage(t, s, u.ID, 9, geo.WindowNight, p2), want)
	var stale int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM cell_pass WHERE unit_id = $1 AND res <> 9`, u.ID).Scan(&stale); err != nil {
		t.Fatal(err)
	}
	if stale != 0 {
		t.Errorf("%d passes of the old resolution are left", stale)
	}

	// Deleting the first night's fixes removes its coverage.
	if _, err := s.Pool().Exec(ctx, `DELETE FROM fix WHERE device_id = $1 AND ts < $2`, d.ID, first.AddDays(1).At(12*60, loc)); err != nil {
		t.Fatal(err)
	}
	pFirst, _ := geo.ParsePeriod("2024-05-05", "2024-05-06", loc, geo.WindowNight, nw)
	if got := mergedCoverage(t, s, u.ID, 9, geo.WindowNight, pFirst); len(got) != 0 {
		t.Errorf("%d cells covered on a night without fixes", len(got))
	}
	pSecond, _ := geo.ParsePeriod("2024-05-06", "2024-05-07", loc, geo.WindowNight, nw)
	if got := mergedCoverage(t, s, u.ID, 9, geo.WindowNight, pSecond); len(got) == 0 {
		t.Error("the second night lost its coverage")
	}
}

// TestRollupDemoWardMatchesDirect checks the rollups of the demo ward (five officers, 90
// nights, late and glitched fixes, loaded by COPY and caught up by LoadDemo) against geo.Coverage
// over the raw fixes of its last 30 nights.
func TestRollupDemoWardMatchesDirect(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo ward")
	}
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	store.BcryptCost = 4
	day := time.Date(2024, 6, 1, 0, 0, 0, 0, ict)
	w, err := demo.Generate(1, day)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := load.Demo(ctx, s, w); err != nil {
		t.Fatal(err)
	}
	u, err := s.UnitByCode(ctx, demo.Code)
	if err != nil {
		t.Fatal(err)
	}
	var dirty, marks int
	if err := s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM rollup_dirty), (SELECT count(*) FROM rollup_mark)`).Scan(&dirty, &marks); err != nil {
		t.Fatal(err)
	}
	if dirty != 0 || marks != 0 {
		t.Fatalf("%d keys dirty and %d marks not folded after LoadDemo", dirty, marks)
	}
	loc, _ := time.LoadLocation(u.TimeZone)
	p, _ := geo.ParsePeriod("2024-05-02", "2024-06-01", loc, geo.WindowNight, geo.NightWindow{})
	tracks := map[string][]patrol.Fix{}
	err = s.EachFix(ctx, patrol.FixFilter{UnitID: u.ID, From: p.From.Add(-time.Hour), To: p.To.Add(time.Hour)}, func(f patrol.StoredFix) error {
		acc := f.Accuracy
		if math.IsNaN(acc) {
			acc = 0
		}
		tracks[fmt.Sprint(f.DeviceID)] = append(tracks[fmt.Sprint(f.DeviceID)], patrol.Fix{Time: f.Time, Lat: f.Lat, Lon: f.Lon, Accuracy: acc, Speed: math.NaN()})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want, err := geo.Coverage(tracks, geo.CoverageOptions{Res: u.H3Res, Loc: loc, Window: geo.WindowNight, Period: p})
	if err != nil {
		t.Fatal(err)
	}
	sameCoverage(t, "demo ward, 30 nights", mergedCoverage(t, s, u.ID, u.H3Res, geo.WindowNight, p), want)
}

// TestSeedScaleSmall runs the in-database generator at a small size: the fixes land, their
// keys are marked, and the rollups agree with geo.Coverage over the generated fixes.
func TestSeedScaleSmall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	opt := store.ScaleOptions{Units: 2, Officers: 2, Nights: 2, ShiftHours: 0.5, Day: time.Date(2024, 7, 1, 0, 0, 0, 0, ict), Seed: 3}
	res, err := s.SeedScale(ctx, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Fixes != 2*2*2*360 || res.Units != 2 {
		t.Fatalf("seeded %+v, want 2880 fixes in 2 units", res)
	}
	// Seeding twice replaces the units' data.
	if res, err = s.SeedScale(ctx, opt, nil); err != nil || res.Fixes != 2880 {
		t.Fatalf("second seed: %+v, %v", res, err)
	}
	var fixes int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM fix`).Scan(&fixes); err != nil {
		t.Fatal(err)
	}
	foldMarks(t, s)
	keys := countDirty(t, s)
	// A key per device and night, of the devices of both seeds (the first seed's are deleted).
	if fixes != 2880 || keys != 2*2*2*2 {
		t.Fatalf("%d fixes and %d dirty keys, want 2880 and 16", fixes, keys)
	}
	st, err := s.CatchUp(ctx, store.CatchUpOptions{})
	if err != nil || st.Keys != 16 || st.Fixes != 2880 {
		t.Fatalf("catch-up %+v, %v", st, err)
	}
	u, err := s.UnitByCode(ctx, store.ScaleUnitCodes(opt)[1])
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation(u.TimeZone)
	p, _ := geo.ParsePeriod("2024-06-29", "2024-07-01", loc, geo.WindowNight, geo.NightWindow{})
	tracks := map[string][]patrol.Fix{}
	err = s.EachFix(ctx, patrol.FixFilter{UnitID: u.ID, From: p.From, To: p.To}, func(f patrol.StoredFix) error {
		if f.Flags != 0 {
			t.Errorf("generated fix flagged %d", f.Flags)
		}
		tracks[f.DeviceIdent] = append(tracks[f.DeviceIdent], patrol.Fix{Time: f.Time, Lat: f.Lat, Lon: f.Lon, Accuracy: f.Accuracy, Speed: math.NaN()})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want, err := geo.Coverage(tracks, geo.CoverageOptions{Res: 10, Loc: loc, Window: geo.WindowNight, Period: p})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 100 {
		t.Fatalf("the generated patrols cover only %d cells", len(want))
	}
	sameCoverage(t, "scale ward", mergedCoverage(t, s, u.ID, 10, geo.WindowNight, p), want)
}

// TestRollupUnknownTimeZone: a unit whose time zone neither PostgreSQL nor Go knows (set behind
// the API's back) still takes fixes, and its keys stay marked without holding up other units.
func TestRollupUnknownTimeZone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	ua, da := coverageUnit(t, s, "mars")
	ub, db := coverageUnit(t, s, "earth")
	if _, err := s.Pool().Exec(ctx, `UPDATE unit SET timezone = 'Mars/Olympus_Mons' WHERE id = $1`, ua.ID); err != nil {
		t.Fatal(err)
	}
	track := patrolTrack(9, nightsFrom(geo.Date{Year: 2024, Month: time.August, Day: 1}, 1))
	storeFixes(t, s, patrolFixes(ua, da, track))
	storeFixes(t, s, patrolFixes(ub, db, track))
	st, err := s.CatchUp(ctx, store.CatchUpOptions{})
	if err == nil || !strings.Contains(err.Error(), "Mars/Olympus_Mons") {
		t.Fatalf("catch-up error = %v, want one naming the unknown zone", err)
	}
	var left, leftOther int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE unit_id = $1), count(*) FILTER (WHERE unit_id <> $1) FROM rollup_dirty`, ua.ID).Scan(&left, &leftOther); err != nil {
		t.Fatal(err)
	}
	if left == 0 || leftOther != 0 || st.Keys == 0 {
		t.Errorf("after catch-up: %d keys of the bad unit and %d of the good one left, %d done", left, leftOther, st.Keys)
	}
}

// TestRollupDaylightSaving: a unit in Europe/Berlin with a night of 23:00–06:00, over the night
// the clocks go forward (31 March 2024, 02:00 → 03:00): rollups agree with geo.Coverage for
// every window.
func TestRollupDaylightSaving(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.CreateUnit(ctx, patrol.Unit{Code: "berlin", Name: "Berlin", TimeZone: "Europe/Berlin",
		Boundary: json.RawMessage(coverageWard), NightStart: "23:00", NightEnd: "06:00", H3Res: 10})
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := s.CreateDevice(ctx, u.ID, "berlin-phone", "")
	if err != nil {
		t.Fatal(err)
	}
	track := patrolTrackIn(4, nightsFrom(geo.Date{Year: 2024, Month: time.March, Day: 29}, 4), loc)
	storeFixes(t, s, patrolFixes(u, d, track))
	nw, _ := geo.ParseNightWindow("23:00", "06:00")
	for _, w := range []geo.Window{geo.WindowNight, geo.WindowDay, geo.WindowAll} {
		p, err := geo.ParsePeriod("2024-03-29", "2024-04-02", loc, w, nw)
		if err != nil {
			t.Fatal(err)
		}
		want, err := geo.Coverage(map[string][]patrol.Fix{"x": track}, geo.CoverageOptions{Res: 10, Loc: loc, Night: nw, Window: w, Period: p})
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 && w != geo.WindowDay {
			t.Fatalf("%s: nothing covered", w)
		}
		sameCoverage(t, string(w), mergedCoverage(t, s, u.ID, 10, w, p), want)
	}
}

// queryInt runs a query that answers one integer.
func queryInt(t *testing.T, s *store.Store, sql string) int {
	t.Helper()
	var n int
	if err := s.Pool().QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// foldMarks runs the fold every catch-up starts with, which turns the insert trigger's log of new
// fixes into dirty keys, and returns how many keys it marked.
func foldMarks(t *testing.T, s *store.Store) int {
	t.Helper()
	return queryInt(t, s, `SELECT rollup_fold()`)
}

// countDirty returns how many keys are in the queue.
func countDirty(t *testing.T, s *store.Store) int {
	t.Helper()
	return queryInt(t, s, `SELECT count(*) FROM rollup_dirty`)
}

// countPending returns how many keys are in the queue plus how many log rows are not folded yet:
// zero when every fix stored so far is rolled up.
func countPending(t *testing.T, s *store.Store) int {
	t.Helper()
	return queryInt(t, s, `SELECT (SELECT count(*) FROM rollup_dirty) + (SELECT count(*) FROM rollup_mark)`)
}

// TestRollupMarkWaitsForClaimedKey: a writer stores fixes of a key while a catch-up holds it
// without waiting for it, and the fold that marks the key again waits for the catch-up to commit
// (which clears the key) and then marks it, so the fixes are recomputed later.
func TestRollupMarkWaitsForClaimedKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	u, d := coverageUnit(t, s, "race")
	track := patrolTrack(12, nightsFrom(geo.Date{Year: 2024, Month: time.September, Day: 1}, 1))
	first, rest := patrolFixes(u, d, track[:100]), patrolFixes(u, d, track[100:200])
	storeFixes(t, s, first)
	if n := foldMarks(t, s); n != 1 {
		t.Fatalf("the first fixes marked %d keys, want 1", n)
	}

	// The catch-up's claim, held open.
	claim, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer claim.Rollback(ctx)
	var n int
	if err := claim.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM rollup_dirty FOR UPDATE) q`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("claimed %d keys (%v), want 1", n, err)
	}
	// The writer does not wait for the claim: its marks go to the log.
	if _, err := s.InsertFixes(ctx, rest); err != nil {
		t.Fatal(err)
	}
	folded := make(chan error, 1)
	go func() {
		_, err := s.Pool().Exec(ctx, `SELECT rollup_fold()`)
		folded <- err
	}()
	select {
	case err := <-folded:
		t.Fatalf("the fold did not wait for the claimed key (err %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	// The catch-up finishes: it clears the key and commits.
	if _, err := claim.Exec(ctx, `DELETE FROM rollup_dirty`); err != nil {
		t.Fatal(err)
	}
	if err := claim.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-folded; err != nil {
		t.Fatal(err)
	}
	if n := countDirty(t, s); n != 1 {
		t.Fatalf("%d keys marked after the fold, want 1", n)
	}
}

// TestRollupMarkOfWriterInProgress: a fold while a writer's transaction is still open leaves that
// writer's marks in the log, and the next fold after its commit marks the key, so a catch-up
// between the two does not lose the writer's fixes.
func TestRollupMarkOfWriterInProgress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	u, d := coverageUnit(t, s, "inflight")
	track := patrolTrack(15, nightsFrom(geo.Date{Year: 2024, Month: time.November, Day: 3}, 1))
	if _, err := s.Pool().Exec(ctx, `SELECT ensure_fix_partition($1)`, track[0].Time); err != nil {
		t.Fatal(err)
	}
	writer, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Rollback(ctx)
	for _, f := range track[:50] {
		if _, err := writer.Exec(ctx, `INSERT INTO fix (unit_id, device_id, ts, geom) VALUES ($1, $2, $3, ST_SetSRID(ST_MakePoint($4, $5), 4326))`,
			u.ID, d.ID, f.Time, f.Lon, f.Lat); err != nil {
			t.Fatal(err)
		}
	}
	if n := foldMarks(t, s); n != 0 {
		t.Fatalf("a fold marked %d keys of a writer that has not committed", n)
	}
	if st, err := s.CatchUp(ctx, store.CatchUpOptions{}); err != nil || st.Keys != 0 {
		t.Fatalf("catch-up during the write: %+v, %v", st, err)
	}
	if err := writer.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := s.CatchUp(ctx, store.CatchUpOptions{})
	if err != nil || st.Keys != 1 || st.Fixes != 50 {
		t.Fatalf("catch-up after the commit: %+v, %v; want 1 key of 50 fixes", st, err)
	}
	var passes int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM cell_pass WHERE device_id = $1`, d.ID).Scan(&passes); err != nil || passes == 0 {
		t.Fatalf("%d passes of the writer's fixes (%v)", passes, err)
	}
}

// TestRollupSettle: the background policy leaves a key alone while fixes keep marking it, and
// recomputes it once it is quiet or old enough; a query catches it up regardless.
func TestRollupSettle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	u, d := coverageUnit(t, s, "settle")
	track := patrolTrack(13, nightsFrom(geo.Date{Year: 2024, Month: time.October, Day: 1}, 1))
	storeFixes(t, s, patrolFixes(u, d, track))
	policy := store.CatchUpOptions{Settle: time.Minute, MaxAge: 10 * time.Minute}
	if st, err := s.CatchUp(ctx, policy); err != nil || st.Keys != 0 {
		t.Fatalf("a key marked just now was recomputed: %+v, %v", st, err)
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE rollup_dirty SET first_marked_at = now() - interval '11 minutes'`); err != nil {
		t.Fatal(err)
	}
	if st, err := s.CatchUp(ctx, policy); err != nil || st.Keys != 1 {
		t.Fatalf("a key first marked 11 minutes ago: %+v, %v", st, err)
	}
	// Marked again: a query does not wait for the policy.
	storeFixes(t, s, patrolFixes(u, d, patrolTrack(14, nightsFrom(geo.Date{Year: 2024, Month: time.October, Day: 1}, 1))))
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	p, _ := geo.ParsePeriod("2024-10-01", "2024-10-02", loc, geo.WindowNight, geo.NightWindow{})
	mergedCoverage(t, s, u.ID, 10, geo.WindowNight, p)
	if n := countPending(t, s); n != 0 {
		t.Fatalf("%d keys or marks left after a query", n)
	}
}
