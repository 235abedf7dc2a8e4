package demo

import (
	"testing"
	"time"
)

// TestLiveContinuesTheLoadedWard: the LiveDay of the date before a ward's day is that ward's
// last night, fix for fix, so a demo loaded during a night goes on with the same shifts.
func TestLiveContinuesTheLoadedWard(t *testing.T) {
	for _, day := range []time.Time{testDay, time.Date(2028, 3, 1, 0, 0, 0, 0, zone)} {
		w := ward(t, 1, day)
		night := day.In(zone).AddDate(0, 0, -1).Format(time.DateOnly)
		want := map[string]PhoneFix{}
		for _, p := range w.Patrols {
			if p.Night != night {
				continue
			}
			_ = w.sim.shift(p, func(f PhoneFix) error {
				want[f.Device+f.Time.Format(time.RFC3339Nano)] = f
				return nil
			})
		}
		live, err := Live(1, day.In(zone).AddDate(0, 0, -1))
		if err != nil {
			t.Fatal(err)
		}
		if len(live.Fixes) != len(want) || len(want) == 0 {
			t.Fatalf("%s: live night has %d fixes, the ward's last night %d", night, len(live.Fixes), len(want))
		}
		for _, f := range live.Fixes {
			if w, ok := want[f.Device+f.Time.Format(time.RFC3339Nano)]; !ok || w.Fix != f.Fix {
				t.Fatalf("%s: live fix %s %s is not the ward's", night, f.Device, f.Time)
			}
		}
	}
}

// TestLiveDays: on awkward dates (the 1st of a month, 29 February, a night from the 31st into
// the 1st, a new year) the night's fixes lie in [date 22:00, next date 05:00) local and come in
// time order, the incidents lie on the date with ids of that date, and each date differs from
// the one before.
func TestLiveDays(t *testing.T) {
	dates := []time.Time{
		time.Date(2026, 12, 1, 0, 30, 0, 0, zone),
		time.Date(2028, 2, 28, 12, 0, 0, 0, zone),
		time.Date(2028, 2, 29, 23, 0, 0, 0, zone),
		time.Date(2027, 1, 31, 22, 0, 0, 0, zone),
		time.Date(2026, 12, 31, 18, 0, 0, 0, zone),
	}
	incidents := 0
	for _, date := range dates {
		d, err := Live(7, date)
		if err != nil {
			t.Fatal(err)
		}
		y, m, dd := date.Date()
		start := time.Date(y, m, dd, 22, 0, 0, 0, zone)
		end := time.Date(y, m, dd+1, 5, 0, 0, 0, zone)
		if want := time.Date(y, m, dd, 0, 0, 0, 0, zone); !d.Date.Equal(want) {
			t.Errorf("%s: Date %s, want %s", date, d.Date, want)
		}
		if len(d.Fixes) == 0 {
			t.Errorf("%s: the night holds no fix", date)
		}
		for i, f := range d.Fixes {
			if f.Time.Before(start) || !f.Time.Before(end) {
				t.Fatalf("%s: fix at %s outside the night %s–%s", date, f.Time.In(zone), start, end)
			}
			if i > 0 && f.Time.Before(d.Fixes[i-1].Time) {
				t.Fatalf("%s: fix %d at %s before the one before it", date, i, f.Time)
			}
		}
		prefix := "DEMO-" + start.Format("20060102") + "-"
		seen := map[string]bool{}
		for _, in := range d.Incidents {
			l := in.Time.In(zone)
			if l.Year() != y || l.Month() != m || l.Day() != dd {
				t.Errorf("%s: incident at %s is not on the date", date, l)
			}
			if len(in.ExternalID) != len(prefix)+2 || in.ExternalID[:len(prefix)] != prefix || seen[in.ExternalID] {
				t.Errorf("%s: incident id %q", date, in.ExternalID)
			}
			seen[in.ExternalID] = true
		}
		incidents += len(d.Incidents)
		again, err := Live(7, start)
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Fixes) != len(d.Fixes) || len(again.Incidents) != len(d.Incidents) {
			t.Errorf("%s: Live is not the same for another hour of the date", date)
		}
	}
	if incidents == 0 {
		t.Error("no incident on any of the dates")
	}
}

// TestLiveNightIsNeverEmpty: a night the ward's schedule leaves without patrols (seed 2 on
// 31 January 2027 and 1 March 2028) still has shifts live, drawn from another seed's ward.
func TestLiveNightIsNeverEmpty(t *testing.T) {
	for _, date := range []time.Time{time.Date(2027, 1, 31, 0, 0, 0, 0, zone), time.Date(2028, 3, 1, 0, 0, 0, 0, zone)} {
		w := ward(t, 2, date.AddDate(0, 0, 1))
		for _, p := range w.Patrols {
			if p.Night == date.Format(time.DateOnly) {
				t.Fatalf("%s: seed 2 patrols that night; pick a skipped one", date)
			}
		}
		d, err := Live(2, date)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Fixes) < 1000 {
			t.Errorf("%s: %d fixes live, want a night's patrol", date.Format(time.DateOnly), len(d.Fixes))
		}
	}
}
