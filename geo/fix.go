package geo

import (
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"

	"github.com/patrolmap/patrolmap/patrol"
	orbgeo "github.com/paulmach/orb/geo"
)

// Limits used to clean fixes and to build coverage segments.
const (
	// MaxAccuracyM is the worst accuracy (metres) a fix may report and
	// still count; worse fixes get patrol.FlagLowAccuracy.
	MaxAccuracyM = 100.0
	// MaxSpeedKmh is the implied speed at or above which two fixes cannot
	// both be right: the later one gets patrol.FlagJump, and the pair never forms
	// a segment.
	MaxSpeedKmh = 150.0
	// MaxSegmentGap is the time between two fixes at or above which they do
	// not form a segment.
	MaxSegmentGap = 5 * time.Minute
	// PassGap is the time outside a cell after which coming back starts a
	// new pass; a shorter absence continues the pass.
	PassGap = 10 * time.Minute
	// MaxFutureSkew is how far past the caller's now a fix's time may be.
	MaxFutureSkew = 5 * time.Minute
	// JumpRelocateFixes is how many consecutive fixes, each implausible
	// from the last accepted fix but plausible from one another, make
	// FlagTrack believe the device really is at the new place.
	JumpRelocateFixes = 3
	// MaxReportedSpeed is the highest speed (m/s) a fix may report.
	MaxReportedSpeed = 150.0
)

// maxSpeedMS is MaxSpeedKmh in metres per second.
const maxSpeedMS = MaxSpeedKmh / 3.6

// flagsComputed are the flags FlagTrack recomputes.
const flagsComputed = patrol.FlagLowAccuracy | patrol.FlagJump | patrol.FlagDuplicate

// FieldError is bad input in one named field: patrol's one FieldError (Field, Reason), so an
// error from geo reaches the HTTP answer and the CLI like any other domain error.
type FieldError = patrol.FieldError

// ValidateFix returns a *FieldError naming the first bad field of f, or
// nil: lat and lon must be finite and in range and not both 0 (the "no
// position" many trackers send); time must be set, not before 2000 and not
// more than MaxFutureSkew after now; accuracy must be finite and not
// negative; speed must be NaN (unknown) or finite, not negative and at most
// MaxReportedSpeed. A fix that fails is not a fix: callers log and drop it.
func ValidateFix(f patrol.Fix, now time.Time) error {
	lon, lat := f.Lon, f.Lat
	switch {
	case math.IsNaN(lat) || math.IsInf(lat, 0):
		return &FieldError{Field: "lat", Reason: "is not a number"}
	case lat < -90 || lat > 90:
		return &FieldError{Field: "lat", Reason: fmt.Sprintf("%v is not in [-90, 90]", lat)}
	case math.IsNaN(lon) || math.IsInf(lon, 0):
		return &FieldError{Field: "lon", Reason: "is not a number"}
	case lon < -180 || lon > 180:
		return &FieldError{Field: "lon", Reason: fmt.Sprintf("%v is not in [-180, 180]", lon)}
	case lat == 0 && lon == 0:
		return &FieldError{Field: "lat", Reason: "lat and lon are both 0, which trackers send for no position"}
	case f.Time.IsZero():
		return &FieldError{Field: "time", Reason: "is required"}
	case f.Time.Before(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)):
		return &FieldError{Field: "time", Reason: fmt.Sprintf("%s is before 2000", f.Time.UTC().Format(time.RFC3339))}
	case f.Time.After(now.Add(MaxFutureSkew)):
		return &FieldError{Field: "time", Reason: fmt.Sprintf("%s is more than %v after the server's time %s", f.Time.UTC().Format(time.RFC3339), MaxFutureSkew, now.UTC().Format(time.RFC3339))}
	case math.IsNaN(f.Accuracy) || math.IsInf(f.Accuracy, 0):
		return &FieldError{Field: "accuracy", Reason: "is not a number"}
	case f.Accuracy < 0:
		return &FieldError{Field: "accuracy", Reason: fmt.Sprintf("%v is negative", f.Accuracy)}
	case math.IsInf(f.Speed, 0):
		return &FieldError{Field: "speed", Reason: "is not a number"}
	case f.Speed < 0:
		return &FieldError{Field: "speed", Reason: fmt.Sprintf("%v is negative", f.Speed)}
	case f.Speed > MaxReportedSpeed:
		return &FieldError{Field: "speed", Reason: fmt.Sprintf("%v m/s is above %v m/s", f.Speed, MaxReportedSpeed)}
	}
	return nil
}

// distanceM returns the great-circle (haversine) distance in metres.
func distanceM(a, b orb.Point) float64 { return orbgeo.DistanceHaversine(a, b) }

// plausible reports whether a device can move from a to b: the time
// difference is positive and the implied speed below MaxSpeedKmh.
func plausible(a, b patrol.Fix) bool {
	dt := b.Time.Sub(a.Time).Seconds()
	if dt <= 0 {
		return false
	}
	limit := maxSpeedMS * dt
	return surelyNearer(a, b, limit) || distanceM(a.Point(), b.Point()) < limit
}

// surelyNearer reports, without trigonometry, that the haversine distance of a and b is well
// below limit metres; false means it may not be. With h the haversine of the central angle,
// sin²(Δφ/2) + cos φa cos φb sin²(Δλ/2) ≤ (Δφ/2)² + (Δλ/2)², and 2 asin √h ≤ π √h, so the
// distance is at most π/2 · R · √(Δφ² + Δλ²) (angles in radians). The bound must stay below a
// millionth less than limit, far more than the rounding of either computation. Consecutive fixes
// of a patrol are metres apart where the limit is hundreds of metres, so the exact distance is
// rarely needed.
func surelyNearer(a, b patrol.Fix, limit float64) bool {
	const k = math.Pi / 2 * orb.EarthRadius * math.Pi / 180 // metres per degree of the bound
	dLat, dLon := a.Lat-b.Lat, a.Lon-b.Lon
	safe := limit * (1 - 1e-6) / k
	return dLat*dLat+dLon*dLon < safe*safe
}

// FlagTrack recomputes patrol.FlagLowAccuracy, patrol.FlagJump and patrol.FlagDuplicate on one
// device's fixes, which must be sorted by time; patrol.FlagOffDuty and the
// patrol.FlagsReported are left as they are. A fix with an ignored flag is neither
// judged nor a reference for judging others.
//
//   - patrol.FlagDuplicate: a fix with the same time as the fix before it (the
//     first of equal times is kept).
//   - patrol.FlagLowAccuracy: accuracy worse than MaxAccuracyM.
//   - patrol.FlagJump: a fix judged against the last accepted fix, the latest one
//     with no ignored flag (patrol.FlagsIgnored), whose implied speed from it is MaxSpeedKmh or
//     more. The first unflagged fix is accepted as it is. There is no time
//     limit on the judgement: after a gap of any length the next fix is a
//     jump only if the distance is too far for the time, so 30 km after an
//     hour off is fine and 30 km after six minutes is a jump. A jump needs
//     a positive time difference; a fix not after the accepted one (input
//     not sorted) is accepted.
//   - Relocation: if JumpRelocateFixes consecutive candidate fixes are all
//     jumps from the accepted fix but each is plausible from the one before
//     it, the device really moved (or the accepted fix was the glitch):
//     their jump flags are cleared and the last of them becomes the
//     accepted fix. The pair across the move is still implausible, so it
//     never forms a coverage segment.
func FlagTrack(fixes []patrol.Fix) {
	ref := -1     // index of the last accepted fix
	var run []int // consecutive jumps that agree with one another
	for i := range fixes {
		f := &fixes[i]
		f.Flags &^= flagsComputed
		if i > 0 && f.Time.Equal(fixes[i-1].Time) {
			f.Flags |= patrol.FlagDuplicate
		}
		if f.Accuracy > MaxAccuracyM {
			f.Flags |= patrol.FlagLowAccuracy
		}
		if f.Flags&patrol.FlagsIgnored != 0 {
			continue
		}
		if ref < 0 || !f.Time.After(fixes[ref].Time) || plausible(fixes[ref], *f) {
			ref, run = i, run[:0]
			continue
		}
		f.Flags |= patrol.FlagJump
		if len(run) > 0 && plausible(fixes[run[len(run)-1]], *f) {
			run = append(run, i)
		} else {
			run = append(run[:0], i)
		}
		if len(run) >= JumpRelocateFixes {
			for _, j := range run {
				fixes[j].Flags &^= patrol.FlagJump
			}
			ref, run = i, run[:0]
		}
	}
}
