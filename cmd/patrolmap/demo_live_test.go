package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// TestDemoLiveIsOffByDefault: serve plays the demo only when asked, by --demo-live or
// PATROLMAP_DEMO_LIVE=true; a value that is not a boolean is a usage error.
func TestDemoLiveIsOffByDefault(t *testing.T) {
	for _, tc := range []struct {
		env  string
		args []string
		want bool
		bad  bool
	}{
		{"", nil, false, false},
		{"", []string{"--demo-live"}, true, false},
		{"true", nil, true, false},
		{"true", []string{"--demo-live=false"}, false, false},
		{"false", nil, false, false},
		{"yes please", nil, false, true},
	} {
		t.Setenv("PATROLMAP_DEMO_LIVE", tc.env)
		cfg, err := parseServeConfig(tc.args)
		if (err != nil) != tc.bad || (err == nil && cfg.demoLive != tc.want) {
			t.Errorf("PATROLMAP_DEMO_LIVE=%q %v: demoLive %v, err %v; want %v (bad %v)", tc.env, tc.args, cfg.demoLive, err, tc.want, tc.bad)
		}
	}
}

// TestPlayedRecently: a ward is kept across a day change only when it is of the same seed,
// played, not ahead of now and played within the last seven days.
func TestPlayedRecently(t *testing.T) {
	now := time.Date(2027, 3, 1, 0, 30, 0, 0, time.FixedZone("ICT", 7*3600))
	for _, tc := range []struct {
		name    string
		had     int64
		through time.Time
		want    bool
	}{
		{"yesterday", 1, now.AddDate(0, 0, -1), true},
		{"seven days", 1, now.Add(-7 * 24 * time.Hour), true},
		{"eight days", 1, now.AddDate(0, 0, -8), false},
		{"another seed", 2, now.Add(-time.Hour), false},
		{"not played", 1, time.Time{}, false},
		{"from the future", 1, now.Add(time.Hour), false},
	} {
		if got := playedRecently(tc.had, tc.through, 1, now); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestSeedDemoLiveKeepsAPlayedWard: `seed-demo --live` the day after a ward was loaded keeps it
// (the nights already seen stay; serve --demo-live catches up), and loads a new one when the
// ward was last played more than seven days ago; plain seed-demo replaces it as before.
func TestSeedDemoLiveKeepsAPlayedWard(t *testing.T) {
	url := storetest.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	ctx := context.Background()
	s, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	seed := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(ctx, append([]string{"seed-demo"}, args...), nil, &out, &out); err != nil {
			t.Fatalf("seed-demo %v: %v\n%s", args, err, out.String())
		}
		return out.String()
	}
	exec := func(q string) {
		t.Helper()
		if _, err := s.Pool().Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	seed("--live")
	var fixes int
	s.Pool().QueryRow(ctx, `SELECT count(*) FROM fix`).Scan(&fixes)
	// As if it had been loaded yesterday and played until an hour ago.
	exec(`UPDATE demo_seed SET day = day - 1, played_until = now() - interval '1 hour'`)
	exec(`INSERT INTO route (unit_id, night, name, geom) SELECT id, current_date, 'seen by the chief', ST_GeomFromText('LINESTRING(105.85 21.47, 105.86 21.48)', 4326) FROM unit WHERE code = 'demo'`)
	if out := seed("--live"); !strings.Contains(out, "kept") || !strings.Contains(out, "phantich") {
		t.Fatalf("seed-demo --live on the next day: %s", out)
	}
	var routes, after int
	s.Pool().QueryRow(ctx, `SELECT count(*) FROM route`).Scan(&routes)
	s.Pool().QueryRow(ctx, `SELECT count(*) FROM fix`).Scan(&after)
	if routes != 1 || after != fixes {
		t.Fatalf("the kept ward changed: %d routes, %d fixes (had %d)", routes, after, fixes)
	}
	exec(`UPDATE demo_seed SET day = day - 9, played_until = now() - interval '8 days'`)
	if out := seed("--live"); !strings.Contains(out, "loaded") {
		t.Fatalf("seed-demo --live after eight days: %s", out)
	}
	s.Pool().QueryRow(ctx, `SELECT count(*) FROM route`).Scan(&routes)
	if routes != 0 {
		t.Fatalf("a ward played eight days ago was kept")
	}
}
