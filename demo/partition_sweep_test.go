package demo_test

import (
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/geo"
)

// TestPartitionPlanLeapYearSweep plans the fix partitions of the demo ward, as the loader does
// (demo/load passes FixSpan to store.LoadWard, which plans the calendar months of that span widened
// by a day), for every day of the leap
// year 2028 — month ends and 29 February included — and checks that every patrol's start and end
// fall in a planned month and that the months follow one another with none skipped.
func TestPartitionPlanLeapYearSweep(t *testing.T) {
	zone, err := time.LoadLocation(demo.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	days := 0
	for day := time.Date(2028, 1, 1, 9, 0, 0, 0, zone); day.Year() == 2028; day = day.AddDate(0, 0, 1) {
		days++
		w, err := demo.Generate(1, day)
		if err != nil {
			t.Fatalf("%s: %v", day.Format(time.DateOnly), err)
		}
		first, last := w.FixSpan()
		plan := geo.MonthsUTC(first.Add(-24*time.Hour), last.Add(24*time.Hour))
		planned := map[time.Time]bool{}
		for i, m := range plan {
			planned[m] = true
			if i > 0 && m != plan[i-1].AddDate(0, 1, 0) {
				t.Fatalf("%s: month %v follows %v", day.Format(time.DateOnly), m, plan[i-1])
			}
		}
		monthOf := func(t time.Time) time.Time {
			u := t.UTC()
			return time.Date(u.Year(), u.Month(), 1, 0, 0, 0, 0, time.UTC)
		}
		for _, p := range w.Patrols {
			for _, at := range []time.Time{p.Start, p.End} {
				if !planned[monthOf(at)] {
					t.Fatalf("%s: a patrol at %v falls in an unplanned month (plan %v)", day.Format(time.DateOnly), at, plan)
				}
			}
		}
		// The last night ends on the morning of the day itself: its month is planned.
		if !planned[monthOf(last)] || (day.Day() > 1 && last.In(zone).Month() != day.Month()) {
			t.Fatalf("%s: the last fix at %v is not in the day's month", day.Format(time.DateOnly), last)
		}
	}
	if days != 366 {
		t.Fatalf("swept %d days, want 366", days)
	}
}
