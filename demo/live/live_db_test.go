package live_test

import (
	"context"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/demo/live"
	"github.com/patrolmap/patrolmap/demo/load"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// TestPlayOnPostGIS loads the demo as of 23:20 on a night (as seed-demo does), then plays it on
// a real database with a fake clock through the morning and into the next day: each Step stores
// exactly the fixes and incidents that came due, the devices' latest positions and the fix count
// move forward with the clock, the rollup keys of the new fixes are marked, and neither a
// restart at the same moment nor a replay after a lost played-until moment stores anything twice.
func TestPlayOnPostGIS(t *testing.T) {
	store.BcryptCost = 4
	ctx := context.Background()
	s := storetest.New(t)
	loaded := time.Date(2026, 11, 30, 23, 20, 0, 0, ict)
	w, err := demo.Generate(1, loaded)
	if err != nil {
		t.Fatal(err)
	}
	w.Until = loaded
	if _, err := load.Demo(ctx, s, w); err != nil {
		t.Fatal(err)
	}
	unit, err := s.UnitByCode(ctx, demo.Code)
	if err != nil {
		t.Fatal(err)
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := s.Pool().QueryRow(ctx, q, append([]any{unit.ID}, args...)...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	latest := func() time.Time {
		t.Helper()
		pos, err := s.LatestPositions(ctx, unit.ID, time.Now(), time.Since(loaded)+2*time.Hour) // from 21:20 that night
		if err != nil {
			t.Fatal(err)
		}
		var max time.Time
		for _, p := range pos {
			if p.Time.After(max) {
				max = p.Time
			}
		}
		return max
	}
	before := count(`SELECT count(*) FROM fix WHERE unit_id = $1`)
	fixes0 := count(`SELECT count(*) FROM fix WHERE unit_id = $1 AND ts > $2`, loaded)
	incidents0 := count(`SELECT count(*) FROM incident WHERE unit_id = $1 AND ts > $2`, loaded)
	if l := latest(); l.After(loaded) {
		t.Fatalf("the load holds a fix at %s, after the moment it was loaded", l)
	}

	c := &clock{t: loaded}
	p := newPlayer(t, s, c)
	prevLatest := latest()
	for step := 0; c.t.Before(time.Date(2026, 12, 1, 23, 0, 0, 0, ict)); step++ {
		c.t = c.t.Add(41 * time.Minute)
		res, err := p.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantFixes, wantIncidents := dueCounts(t, 1, loaded, c.t)
		if n := count(`SELECT count(*) FROM fix WHERE unit_id = $1 AND ts > $2`, loaded); n != fixes0+wantFixes {
			t.Fatalf("at %s: %d fixes, want %d loaded + %d due", c.t.In(ict), n, fixes0, wantFixes)
		}
		if n := count(`SELECT count(*) FROM incident WHERE unit_id = $1 AND ts > $2`, loaded); n != incidents0+wantIncidents {
			t.Fatalf("at %s: %d incidents, want %d loaded + %d due", c.t.In(ict), n, incidents0, wantIncidents)
		}
		l := latest()
		if l.Before(prevLatest) || l.After(c.t) {
			t.Fatalf("at %s: latest position at %s (before: %s)", c.t.In(ict), l.In(ict), prevLatest.In(ict))
		}
		if res.Fixes > 0 {
			if !l.After(prevLatest) {
				t.Fatalf("at %s: %d fixes stored, the latest position stays at %s", c.t.In(ict), res.Fixes, l.In(ict))
			}
			// New fixes mark their keys in the log rollup_mark until a catch-up folds it.
			if count(`SELECT (SELECT count(*) FROM rollup_mark WHERE unit_id = $1) + (SELECT count(*) FROM rollup_dirty WHERE unit_id = $1)`) == 0 {
				t.Fatalf("at %s: %d fixes stored and no rollup key marked", c.t.In(ict), res.Fixes)
			}
		}
		prevLatest = l
		if _, through, err := s.WardPlay(ctx, demo.Code); err != nil || !through.Equal(c.t) {
			t.Fatalf("played until %s (%v), want %s", through, err, c.t)
		}
	}
	if prevLatest.Sub(loaded) < 3*time.Hour {
		t.Fatalf("the latest position moved from %s only to %s", loaded.In(ict), prevLatest.In(ict))
	}

	total := count(`SELECT count(*) FROM fix WHERE unit_id = $1 AND ts > $2`, loaded)
	again := newPlayer(t, s, c)
	if res, err := again.Step(ctx); err != nil || res.Fixes != 0 || res.Duplicates != 0 {
		t.Fatalf("a restart at the same moment: %+v, %v", res, err)
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE demo_seed SET played_until = $1`, loaded); err != nil {
		t.Fatal(err)
	}
	res, err := again.Step(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Fixes != 0 || res.Incidents != 0 || res.Duplicates != total-fixes0 {
		t.Fatalf("replay after a lost played-until moment: %+v; want every one of %d fixes a duplicate", res, total-fixes0)
	}
	if n := count(`SELECT count(*) FROM fix WHERE unit_id = $1 AND ts > $2`, loaded); n != total {
		t.Fatalf("%d fixes after the replay, want %d", n, total)
	}
	t.Logf("loaded %d fixes; played %d fixes and %d incidents up to %s", before, total-fixes0,
		count(`SELECT count(*) FROM incident WHERE unit_id = $1 AND ts > $2`, loaded)-incidents0, c.t.In(ict))
}

// dueCounts counts the fixes and incidents of demo.Live in (from, to].
func dueCounts(t *testing.T, seed int64, from, to time.Time) (fixes, incidents int) {
	t.Helper()
	y, m, dd := from.In(ict).Date()
	for d := time.Date(y, m, dd-1, 0, 0, 0, 0, ict); !d.After(to); d = d.AddDate(0, 0, 1) {
		day := liveDay(t, seed, d)
		for _, f := range day.Fixes {
			if f.Time.After(from) && !f.Time.After(to) {
				fixes++
			}
		}
		for _, in := range day.Incidents {
			if in.Time.After(from) && !in.Time.After(to) {
				incidents++
			}
		}
	}
	return fixes, incidents
}

var _ live.Store = (*store.Store)(nil)
