package hotspots_test

import (
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/app/hotspots"
	"github.com/patrolmap/patrolmap/geo"
)

// TestCalendarSweepStepPeriods: the space-time analyses walk steps of weeks and calendar
// months back from today. Run on every day of the leap year 2028 (and the days either side), in
// the ward's zone and in one with daylight saving, the default 12 steps end at the midnight after
// today, start 12 steps before, and each bound is a local midnight one calendar month (the day
// clamped to the month's end) or 7 days after the one before.
func TestCalendarSweepStepPeriods(t *testing.T) {
	t.Parallel()
	for _, tz := range []string{"Asia/Ho_Chi_Minh", "Europe/Berlin"} {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			t.Fatal(err)
		}
		for d := (geo.Date{Year: 2027, Month: time.December, Day: 31}); d != (geo.Date{Year: 2029, Month: time.January, Day: 2}); d = d.AddDays(1) {
			now := d.At(10*60, loc)
			for _, step := range []hotspots.Step{hotspots.StepWeek, hotspots.StepMonth} {
				p, bounds, err := hotspots.StepPeriod("", "", step, 12, now, loc)
				if err != nil {
					t.Fatalf("%s %s %s: %v", tz, d, step, err)
				}
				if len(bounds) != 13 || !bounds[12].Equal(p.To) || !bounds[0].Equal(p.From) {
					t.Fatalf("%s %s %s: %d bounds, period %v", tz, d, step, len(bounds), p)
				}
				end := d.AddDays(1)
				if !p.To.Equal(end.Midnight(loc)) {
					t.Fatalf("%s %s %s: ends %s, want the midnight after today", tz, d, step, p.To)
				}
				for i := 1; i < len(bounds); i++ {
					a, b := geo.DateOf(bounds[i-1], loc), geo.DateOf(bounds[i], loc)
					if !bounds[i].Equal(b.Midnight(loc)) {
						t.Fatalf("%s %s %s: bound %d %s is not a local midnight", tz, d, step, i, bounds[i])
					}
					switch step {
					case hotspots.StepWeek:
						if a.AddDays(7) != b {
							t.Fatalf("%s %s: week bounds %s → %s", tz, d, a, b)
						}
					case hotspots.StepMonth:
						wantMonth := time.Date(a.Year, a.Month+1, 1, 0, 0, 0, 0, time.UTC)
						last := time.Date(wantMonth.Year(), wantMonth.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
						want := geo.Date{Year: wantMonth.Year(), Month: wantMonth.Month(), Day: min(end.Day, last)}
						if b != want {
							t.Fatalf("%s %s: month bounds %s → %s, want %s", tz, d, a, b, want)
						}
					}
				}
			}
		}
	}
}
