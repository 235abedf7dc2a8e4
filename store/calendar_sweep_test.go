package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// The calendar walks of the store — monthly fix partitions, their retention, and the rollup
// days coverage is read from — swept over every day of the leap year 2028 (and the days either
// side), so that none passes only on the day it was written (issue 18: the demo loader skipped
// December when run on 2026-12-07).

// leapYear returns every date from 2027-12-31 to 2029-01-01.
func leapYear() []geo.Date {
	var out []geo.Date
	for d := (geo.Date{Year: 2027, Month: time.December, Day: 31}); ; d = d.AddDays(1) {
		out = append(out, d)
		if d == (geo.Date{Year: 2029, Month: time.January, Day: 1}) {
			return out
		}
	}
}

// shortPatrol is a half-hour patrol on night d across local midnight (23:45–00:15), a fix a
// minute, walking east and back.
func shortPatrol(d geo.Date, loc *time.Location) []patrol.Fix {
	start := d.At(23*60+45, loc)
	var out []patrol.Fix
	for i := 0; i <= 30; i++ {
		x := 105.847 + 0.0002*float64(min(i, 30-i))
		out = append(out, patrol.Fix{Time: start.Add(time.Duration(i) * time.Minute).UTC(), Lon: x, Lat: 21.47, Accuracy: 5, Speed: math.NaN()})
	}
	return out
}

// TestCalendarSweepRollupDays: a short patrol on every night of the leap year, in a zone
// without daylight saving (Asia/Ho_Chi_Minh) and one with it (Europe/Berlin). Every fix lands
// in its month's partition, every night is counted once, and coverage read from the rollup
// days is what geo.Coverage computes from the whole year's track in one call.
func TestCalendarSweepRollupDays(t *testing.T) {
	t.Parallel()
	for _, tz := range []string{"Asia/Ho_Chi_Minh", "Europe/Berlin"} {
		t.Run(tz, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := storetest.New(t)
			loc, err := time.LoadLocation(tz)
			if err != nil {
				t.Fatal(err)
			}
			u, err := s.CreateUnit(ctx, patrol.Unit{Code: "sweep", Name: "Sweep", TimeZone: tz,
				Boundary: json.RawMessage(coverageWard), NightStart: "22:00", NightEnd: "05:00", H3Res: 10})
			if err != nil {
				t.Fatal(err)
			}
			d, _, err := s.CreateDevice(ctx, u.ID, "sweep-phone", "")
			if err != nil {
				t.Fatal(err)
			}
			days := leapYear()
			var track []patrol.Fix
			for _, day := range days {
				track = append(track, shortPatrol(day, loc)...)
			}
			res, err := s.InsertFixes(ctx, patrolFixes(u, d, track))
			if err != nil || res.Accepted != len(track) {
				t.Fatalf("stored %+v of %d fixes: %v", res, len(track), err)
			}
			// Every fix in the partition of its own UTC month, every month of 2028 there.
			rows, err := s.Pool().Query(ctx, `SELECT tableoid::regclass::text, to_char(ts AT TIME ZONE 'UTC', '"fix_"YYYY_MM'), count(*) FROM fix GROUP BY 1, 2 ORDER BY 1`)
			if err != nil {
				t.Fatal(err)
			}
			months := map[string]int{}
			for rows.Next() {
				var part, want string
				var n int
				if err := rows.Scan(&part, &want, &n); err != nil {
					t.Fatal(err)
				}
				if part != want {
					t.Errorf("%d fixes of %s are in partition %s", n, want, part)
				}
				months[part] += n
			}
			rows.Close()
			for m := time.January; m <= time.December; m++ {
				if months[fmt.Sprintf("fix_2028_%02d", m)] == 0 {
					t.Errorf("no fixes in the partition of 2028-%02d: %v", m, months)
				}
			}
			if _, err := s.CatchUpUnitRollups(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
			nw, _ := geo.ParseNightWindow("22:00", "05:00")
			for _, w := range []geo.Window{geo.WindowNight, geo.WindowAll} {
				p, err := geo.ParsePeriod("2027-12-31", "2029-01-02", loc, w, nw)
				if err != nil {
					t.Fatal(err)
				}
				want, err := geo.Coverage(map[string][]patrol.Fix{"x": track}, geo.CoverageOptions{Res: 10, Loc: loc, Night: nw, Window: w, Period: p})
				if err != nil {
					t.Fatal(err)
				}
				got := mergedCoverage(t, s, u.ID, 10, w, p)
				sameCoverage(t, tz+" "+string(w), got, want)
				if w != geo.WindowNight {
					continue
				}
				// Every night of the sweep, 29 February included, counted once.
				visits, err := s.CoverageVisits(ctx, u.ID, 0, 10, w, p, nil)
				if err != nil {
					t.Fatal(err)
				}
				nights := map[geo.Date]bool{}
				for _, v := range visits {
					for _, n := range v.Nights {
						nights[n] = true
					}
				}
				var missing []string
				for _, day := range days {
					if !nights[day] {
						missing = append(missing, day.String())
					}
				}
				if len(missing) > 0 || len(nights) != len(days) {
					t.Errorf("%s: %d nights patrolled, want %d; missing %v", tz, len(nights), len(days), missing)
				}
			}
		})
	}
}

// TestCalendarSweepRetention: monthly partitions from December 2027 to January 2029, and a
// retention cutoff moved a day at a time over the leap year: after each pass exactly the months
// that end on or before the cutoff are gone, the others are all there, and a fix of the
// cutoff's own month is never lost.
func TestCalendarSweepRetention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.New(t)
	u, d := coverageUnit(t, s, "retention")
	var fixes []patrol.Fix
	var months []time.Time
	for m := time.Date(2027, 12, 1, 0, 0, 0, 0, time.UTC); m.Before(time.Date(2029, 2, 1, 0, 0, 0, 0, time.UTC)); m = m.AddDate(0, 1, 0) {
		months = append(months, m)
		// The first and the last microsecond of the month.
		for _, at := range []time.Time{m, m.AddDate(0, 1, 0).Add(-time.Microsecond)} {
			fixes = append(fixes, patrol.Fix{UnitID: u.ID, DeviceID: d.ID, Time: at, Lat: 21.47, Lon: 105.85, Accuracy: 5,
				Speed: patrol.Unknown, Heading: patrol.Unknown, Altitude: patrol.Unknown, Battery: patrol.Unknown})
		}
	}
	if r, err := s.InsertFixes(ctx, fixes); err != nil || r.Accepted != len(fixes) {
		t.Fatalf("stored %+v of %d: %v", r, len(fixes), err)
	}
	partitions := func() []string {
		rows, err := s.Pool().Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
			WHERE i.inhparent = 'fix'::regclass ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var n string
			rows.Scan(&n)
			out = append(out, n)
		}
		return out
	}
	for _, day := range leapYear() {
		cutoff := time.Date(day.Year, day.Month, day.Day, 0, 0, 0, 0, time.UTC)
		if _, err := s.DropFixPartitionsBefore(ctx, cutoff); err != nil {
			t.Fatalf("cutoff %s: %v", day, err)
		}
		var want []string
		for _, m := range months {
			if m.AddDate(0, 1, 0).After(cutoff) {
				want = append(want, m.Format("fix_2006_01"))
			}
		}
		if got := partitions(); !slices.Equal(got, want) {
			t.Fatalf("cutoff %s: partitions %v, want %v", day, got, want)
		}
		// The cutoff's month keeps both its fixes.
		var n int
		month := time.Date(day.Year, day.Month, 1, 0, 0, 0, 0, time.UTC)
		if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM fix WHERE ts >= $1 AND ts < $2`, month, month.AddDate(0, 1, 0)).Scan(&n); err != nil || n != 2 {
			t.Fatalf("cutoff %s: %d fixes of its month left (%v), want 2", day, n, err)
		}
	}
}
