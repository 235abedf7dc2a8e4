package demo

import (
	"testing"
	"time"
)

// awkwardDays are the days a calendar bug shows on: month starts and ends, the 7th (the
// demo's partitions once skipped the current month from the 2nd to the 8th), 29 February and
// year ends.
var awkwardDays = []time.Time{
	time.Date(2026, 12, 7, 9, 0, 0, 0, zone),
	time.Date(2026, 12, 1, 9, 0, 0, 0, zone),
	time.Date(2027, 1, 1, 0, 30, 0, 0, zone),
	time.Date(2027, 1, 31, 23, 30, 0, 0, zone),
	time.Date(2028, 2, 29, 12, 0, 0, 0, zone),
	time.Date(2028, 3, 1, 12, 0, 0, 0, zone),
}

// TestFixSpanHoldsEveryFix streams the fixes of the ward on awkward days and checks that each
// lies inside FixSpan, the bound the loader creates partitions from.
func TestFixSpanHoldsEveryFix(t *testing.T) {
	for _, day := range awkwardDays {
		t.Run(day.Format("2006-01-02"), func(t *testing.T) {
			w, err := Generate(1, day)
			if err != nil {
				t.Fatal(err)
			}
			first, last := w.FixSpan()
			if first.IsZero() || !last.After(first) {
				t.Fatalf("FixSpan = %v, %v", first, last)
			}
			n := 0
			err = w.Fixes(func(f PhoneFix) error {
				n++
				if f.Time.Before(first) || f.Time.After(last) {
					t.Fatalf("fix of %s at %v outside the span [%v, %v]", f.Device, f.Time, first, last)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Fatal("no fixes")
			}
			// The last night ends on the morning of the day itself: its fixes reach the month of
			// the day (a loader that skipped that month failed on the 2nd to the 8th).
			if got, want := last.In(zone).Month(), day.Month(); got != want && day.Day() > 1 {
				t.Errorf("last fix month %v, want the day's month %v", got, want)
			}
		})
	}
}

// TestUntilLeavesOutTheFuture loads the ward as make demo does at 01:30 on 8 December, while
// the night of the 7th is still being patrolled: no fix lies after that moment, the shift so far
// is there, and the rest of it is not.
func TestUntilLeavesOutTheFuture(t *testing.T) {
	now := time.Date(2026, 12, 8, 1, 30, 0, 0, zone)
	whole, err := Generate(1, now)
	if err != nil {
		t.Fatal(err)
	}
	cut, err := Generate(1, now)
	if err != nil {
		t.Fatal(err)
	}
	cut.Until = now
	count := func(w *Ward) (all, tonight, after int) {
		err := w.Fixes(func(f PhoneFix) error {
			all++
			if !f.Time.Before(now.Add(-3*time.Hour - 30*time.Minute)) { // since 22:00 on the 7th
				tonight++
			}
			if f.Time.After(now) {
				after++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	wAll, wTonight, wAfter := count(whole)
	cAll, cTonight, cAfter := count(cut)
	if wAfter == 0 {
		t.Fatalf("the whole ward has no fix after %v: the case does not test the cut", now)
	}
	if cAfter != 0 {
		t.Errorf("%d fixes after Until %v", cAfter, now)
	}
	if cTonight == 0 || cTonight >= wTonight {
		t.Errorf("tonight's fixes with Until: %d, without: %d; want some, fewer than without", cTonight, wTonight)
	}
	if cAll != wAll-wAfter {
		t.Errorf("with Until %d fixes, want the %d before it", cAll, wAll-wAfter)
	}
}
