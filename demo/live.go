package demo

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// liveSeeds is how many seeds Live tries for a night with patrols (each night is left without
// one with probability skipNightP, so ten all fail about once in 10¹¹ nights).
const liveSeeds = 10

// LiveDay is what the demo adds for one local date after the ward it was loaded with: the
// patrol fixes of the night that starts on the date and the incidents of the date. A demo that
// keeps playing (package demo/live) writes them as their time comes, so the demo holds a night
// for every date, tonight included, however long it runs.
type LiveDay struct {
	Date      time.Time  // local midnight starting the date
	Fixes     []PhoneFix // the night's fixes, in time order (ties by device)
	Incidents []Incident // the date's incidents, in time order; ids DEMO-YYYYMMDD-NN
}

// Live returns the LiveDay of a seed and a local date (only its year, month and day in
// Asia/Ho_Chi_Minh are used). It is the last night and the last day of incidents of
// Generate(seed, the next date), so a ward generated for a day ends with the LiveDay of the date
// before it: a demo loaded in the middle of a night goes on with the same shifts. A night that
// schedule leaves without patrols (the ward's history has some on purpose) is not left empty
// live, where it would look like a dead system: its shifts are then those of the last night of
// a ward generated with another seed (liveSeeds tries). The same seed and date give the same
// LiveDay.
func Live(seed int64, date time.Time) (*LiveDay, error) {
	if date.IsZero() {
		return nil, errors.New("demo: live: the date is zero")
	}
	y, m, d := date.In(zone).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, zone)
	night := day.Format(time.DateOnly)
	next := time.Date(y, m, d+1, 12, 0, 0, 0, zone)
	w, err := Generate(seed, next)
	if err != nil {
		return nil, fmt.Errorf("demo: live %s: %w", night, err)
	}
	out := &LiveDay{Date: day}
	prefix := "DEMO-" + day.Format("20060102") + "-"
	for _, in := range w.Incidents {
		if in.Time.Before(day) || !in.Time.Before(day.AddDate(0, 0, 1)) {
			continue
		}
		in.ExternalID = fmt.Sprintf("%s%02d", prefix, len(out.Incidents)+1)
		out.Incidents = append(out.Incidents, in)
	}
	for try := 1; ; try++ {
		for _, p := range w.Patrols {
			if p.Night != night {
				continue
			}
			err := w.sim.shift(p, func(f PhoneFix) error {
				out.Fixes = append(out.Fixes, f)
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("demo: live %s: %w", night, err)
			}
		}
		if len(out.Fixes) > 0 || try == liveSeeds {
			break
		}
		if w, err = Generate(int64(splitmix64(uint64(seed)+uint64(try))), next); err != nil {
			return nil, fmt.Errorf("demo: live %s: %w", night, err)
		}
	}
	slices.SortStableFunc(out.Fixes, func(a, b PhoneFix) int {
		if c := a.Time.Compare(b.Time); c != 0 {
			return c
		}
		return strings.Compare(a.Device, b.Device)
	})
	return out, nil
}
