package store

import (
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
)

// TestTailsFollowTheDatabaseAfterDeletes: when a device's fixes were deleted behind the
// hint's back (TRUNCATE, retention) the hint is later than the truth, so the next batch is
// probed; what that probe read replaces the hint, so the batch after it needs no probe again.
// Without a probe, an older write never replaces a later one (two writes racing).
func TestTailsFollowTheDatabaseAfterDeletes(t *testing.T) {
	base := time.Date(2024, 3, 1, 15, 0, 0, 0, time.UTC)
	batch := func(from, n int) []patrol.Fix {
		out := make([]patrol.Fix, n)
		for i := range out {
			out[i] = patrol.Fix{DeviceID: 7, Time: base.Add(time.Duration(from+i) * 5 * time.Second), Lat: 21.47, Lon: 105.85}
		}
		return out
	}
	tails := newDeviceTails(10)
	tails.wrote(7, batch(1000, 100), time.Time{}, patrol.Fix{}, false, true)
	if _, _, ok := tails.after(7, base.Add(2000*5*time.Second)); !ok {
		t.Fatal("a batch after the written one should need no probe")
	}
	// The fixes were deleted; a batch from the start is probed (after says no), the probe found
	// nothing stored, and the write is remembered although the hint held a later time.
	if _, _, ok := tails.after(7, base); ok {
		t.Fatal("a batch before the remembered tail must be probed")
	}
	tails.wrote(7, batch(0, 100), time.Time{}, patrol.Fix{}, false, true)
	if _, _, ok := tails.after(7, base.Add(100*5*time.Second)); !ok {
		t.Error("after a probed write the next batch should need no probe")
	}
	// An unprobed write that ends before what is remembered (it lost a race) changes nothing.
	tails.wrote(7, batch(200, 10), time.Time{}, patrol.Fix{}, false, false)
	tails.wrote(7, batch(100, 10), time.Time{}, patrol.Fix{}, false, false)
	if _, _, ok := tails.after(7, base.Add(150*5*time.Second)); ok {
		t.Error("an older unprobed write replaced a later one")
	}
}
