package hotspots_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/app/hotspots"
	"github.com/patrolmap/patrolmap/geo"
)

// hsZone is the demo's zone, Asia/Ho_Chi_Minh, UTC+7 without daylight saving.
var hsZone = time.FixedZone("ICT", 7*3600)

// TestHotspotsStepBounds checks the weekly and monthly steps counted from from, on the unit's
// clock, and the default periods.
func TestHotspotsStepBounds(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal("no time zone database:", err)
	}
	for _, tc := range []struct {
		name     string
		from, to string
		step     hotspots.Step
		loc      *time.Location
		want     []string // local dates or RFC 3339; nil means an error naming to
	}{
		{"weeks", "2025-01-01", "2025-01-22", hotspots.StepWeek, hsZone, []string{"2025-01-01", "2025-01-08", "2025-01-15", "2025-01-22"}},
		{"weeks across daylight saving", "2025-03-24", "2025-04-07", hotspots.StepWeek, paris, []string{"2025-03-24", "2025-03-31", "2025-04-07"}},
		{"months clamp to the month's end", "2024-01-31", "2024-05-31", hotspots.StepMonth, hsZone, []string{"2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30", "2024-05-31"}},
		{"instants", "2025-01-01T12:00:00Z", "2025-01-15T12:00:00Z", hotspots.StepWeek, hsZone, []string{"2025-01-01T12:00:00Z", "2025-01-08T12:00:00Z", "2025-01-15T12:00:00Z"}},
		{"part of a week", "2025-01-01", "2025-01-20", hotspots.StepWeek, hsZone, nil},
		{"part of a month", "2025-01-01", "2025-03-15", hotspots.StepMonth, hsZone, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, bounds, err := hotspots.StepPeriod(tc.from, tc.to, tc.step, 12, time.Now(), tc.loc)
			if tc.want == nil {
				var fe *geo.FieldError
				if !errors.As(err, &fe) || fe.Field != "to" || !strings.Contains(fe.Reason, "whole number") {
					t.Fatalf("error %v, want one naming to", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, b := range bounds {
				if strings.Contains(tc.from, "T") {
					got = append(got, b.UTC().Format(time.RFC3339))
				} else {
					l := b.In(tc.loc)
					if h, m, s := l.Clock(); h != 0 || m != 0 || s != 0 {
						t.Errorf("bound %v is not a local midnight", l)
					}
					got = append(got, l.Format(time.DateOnly))
				}
			}
			if !slices.Equal(got, tc.want) || !p.From.Equal(bounds[0]) || !p.To.Equal(bounds[len(bounds)-1]) {
				t.Errorf("bounds %v (period %v), want %v", got, p, tc.want)
			}
		})
	}
	t.Run("defaults", func(t *testing.T) {
		now := time.Date(2025, 3, 10, 15, 0, 0, 0, hsZone)
		_, weeks, err := hotspots.StepPeriod("", "", hotspots.StepWeek, 12, now, hsZone)
		if err != nil || len(weeks) != 13 || weeks[12].In(hsZone).Format(time.DateOnly) != "2025-03-11" ||
			weeks[0].In(hsZone).Format(time.DateOnly) != "2024-12-17" {
			t.Errorf("default weeks %v, %v", weeks, err)
		}
		_, months, err := hotspots.StepPeriod("", "2025-03-31", hotspots.StepMonth, 12, now, hsZone)
		if err != nil || len(months) != 13 || months[0].In(hsZone).Format(time.DateOnly) != "2024-03-31" {
			t.Errorf("default months %v, %v", months, err)
		}
	})
}

// FuzzStepPeriod fuzzes ParseStep and StepPeriod, the period of the space-time analyses.
func FuzzStepPeriod(f *testing.F) {
	f.Add("2024-01-01", "2024-03-25", "week", 12)
	f.Add("2024-01-31", "2024-05-31", "month", 4)
	f.Add("", "", "", 12)
	f.Add("", "2024-03-01T00:00:00Z", "month", -3)
	f.Add("2019-01-01", "2024-06-01", "week", 1000000)
	f.Add("2024-03-01", "2024-03-09", "week", 0)
	f.Fuzz(func(t *testing.T, from, to, step string, defaultSteps int) {
		st, err := hotspots.ParseStep(step)
		if err != nil {
			if fe, ok := err.(*geo.FieldError); !ok || fe.Field != "step" {
				t.Fatalf("step error %T %v", err, err)
			}
			return
		}
		defaultSteps %= 2000
		p, bounds, err := hotspots.StepPeriod(from, to, st, defaultSteps, time.Date(2025, 3, 10, 15, 0, 0, 0, time.UTC), hsZone)
		if err != nil {
			if fe, ok := err.(*geo.FieldError); !ok || (fe.Field != "from" && fe.Field != "to") {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if len(bounds) < 2 || !bounds[0].Equal(p.From) || !bounds[len(bounds)-1].Equal(p.To) || len(bounds) > hotspots.MaxSteps+1 {
			t.Fatalf("%d bounds of %v – %v", len(bounds), p.From, p.To)
		}
	})
}
