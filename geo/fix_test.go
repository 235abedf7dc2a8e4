package geo_test

import (
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// t0 is 2024-03-01 23:00 in Hà Nội, inside the default night.
func t0() time.Time { return time.Date(2024, 3, 1, 16, 0, 0, 0, time.UTC) }

// east returns the point m metres east of p.
func east(p orb.Point, m float64) orb.Point { return orbgeo.PointAtBearingAndDistance(p, 90, m) }

// rawFix is a fix written short for tables: seconds after t0, metres east
// of Sông Công, accuracy and preset flags.
type rawFix struct {
	s, m, acc float64
	flags     patrol.FixFlag
}

// fixAt returns f placed at p.
func fixAt(f patrol.Fix, p orb.Point) patrol.Fix {
	f.SetPoint(p)
	return f
}

func fixesOf(raw []rawFix) []patrol.Fix {
	out := make([]patrol.Fix, len(raw))
	for i, r := range raw {
		out[i] = patrol.Fix{
			Time:     t0().Add(time.Duration(r.s * float64(time.Second))),
			Accuracy: r.acc,
			Speed:    math.NaN(),
			Flags:    r.flags,
		}
		out[i].SetPoint(east(songCong(), r.m))
	}
	return out
}

func TestFlagTrack(t *testing.T) {
	const (
		L = patrol.FlagLowAccuracy
		J = patrol.FlagJump
		D = patrol.FlagDuplicate
		O = patrol.FlagOffDuty
	)
	// 200 km/h for 10 s is 555.6 m; 149 km/h is 413.9 m.
	for _, tc := range []struct {
		name string
		in   []rawFix
		want []patrol.FixFlag
	}{
		{"accuracy worse than 100 m", []rawFix{{0, 0, 5, 0}, {10, 10, 150, 0}, {20, 20, 100, 0}}, []patrol.FixFlag{0, L, 0}},
		{"same time twice", []rawFix{{0, 0, 0, 0}, {0, 3, 0, 0}, {10, 10, 0, 0}}, []patrol.FixFlag{0, D, 0}},
		{"200 km/h spike, judged against the last good fix", []rawFix{{0, 0, 0, 0}, {10, 560, 0, 0}, {20, 20, 0, 0}}, []patrol.FixFlag{0, J, 0}},
		{"149 km/h is no jump", []rawFix{{0, 0, 0, 0}, {10, 410, 0, 0}}, []patrol.FixFlag{0, 0}},
		{"30 km after an hour is no jump", []rawFix{{0, 0, 0, 0}, {3600, 30000, 0, 0}}, []patrol.FixFlag{0, 0}},
		{"30 km after six minutes is a jump", []rawFix{{0, 0, 0, 0}, {360, 30000, 0, 0}}, []patrol.FixFlag{0, J}},
		{"a low-accuracy fix is no reference", []rawFix{{0, 0, 0, 0}, {10, 5000, 500, 0}, {20, 10, 0, 0}}, []patrol.FixFlag{0, L, 0}},
		{"an off-duty fix is no reference", []rawFix{{0, 0, 0, O}, {10, 560, 0, 0}, {20, 570, 0, 0}}, []patrol.FixFlag{O, 0, 0}},
		{"two agreeing glitches stay jumps", []rawFix{{0, 0, 0, 0}, {10, 5000, 0, 0}, {20, 5010, 0, 0}, {30, 20, 0, 0}}, []patrol.FixFlag{0, J, J, 0}},
		{"three agreeing fixes relocate the device", []rawFix{{0, 0, 0, 0}, {10, 10, 0, 0}, {20, 5000, 0, 0}, {30, 5010, 0, 0}, {40, 5020, 0, 0}, {50, 5030, 0, 0}}, []patrol.FixFlag{0, 0, 0, 0, 0, 0}},
		{"disagreeing glitches do not relocate", []rawFix{{0, 0, 0, 0}, {10, 5000, 0, 0}, {20, 9000, 0, 0}, {30, 13000, 0, 0}, {40, 30, 0, 0}}, []patrol.FixFlag{0, J, J, J, 0}},
		{"stale flags are recomputed, off-duty kept", []rawFix{{0, 0, 0, J | L}, {10, 10, 0, D | O}, {20, 20, 0, J}}, []patrol.FixFlag{0, O, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fixes := fixesOf(tc.in)
			geo.FlagTrack(fixes)
			var got []patrol.FixFlag
			for _, f := range fixes {
				got = append(got, f.Flags)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("flags %v, want %v", got, tc.want)
			}
		})
	}
}

func TestValidateFix(t *testing.T) {
	now := time.Date(2024, 3, 1, 16, 0, 0, 0, time.UTC)
	good := fixAt(patrol.Fix{Time: now.Add(-time.Minute), Accuracy: 8, Speed: 1.2}, songCong())
	if err := geo.ValidateFix(good, now); err != nil {
		t.Fatalf("good fix: %v", err)
	}
	unknownSpeed := good
	unknownSpeed.Speed = math.NaN()
	if err := geo.ValidateFix(unknownSpeed, now); err != nil {
		t.Fatalf("NaN speed means unknown: %v", err)
	}
	skewed := good
	skewed.Time = now.Add(5 * time.Minute)
	if err := geo.ValidateFix(skewed, now); err != nil {
		t.Fatalf("5 min ahead is allowed: %v", err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*patrol.Fix)
		field string
	}{
		{"lat NaN", func(f *patrol.Fix) { f.Lat = math.NaN() }, "lat"},
		{"lat 91", func(f *patrol.Fix) { f.Lat = 91 }, "lat"},
		{"swapped, lat 105.85", func(f *patrol.Fix) { f.SetPoint(orb.Point{21.47, 105.85}) }, "lat"},
		{"lon -181", func(f *patrol.Fix) { f.Lon = -181 }, "lon"},
		{"lon Inf", func(f *patrol.Fix) { f.Lon = math.Inf(-1) }, "lon"},
		{"null island", func(f *patrol.Fix) { f.SetPoint(orb.Point{0, 0}) }, "lat"},
		{"no time", func(f *patrol.Fix) { f.Time = time.Time{} }, "time"},
		{"1999", func(f *patrol.Fix) { f.Time = time.Date(1999, 8, 22, 0, 0, 0, 0, time.UTC) }, "time"},
		{"future", func(f *patrol.Fix) { f.Time = now.Add(5*time.Minute + time.Second) }, "time"},
		{"negative accuracy", func(f *patrol.Fix) { f.Accuracy = -1 }, "accuracy"},
		{"NaN accuracy", func(f *patrol.Fix) { f.Accuracy = math.NaN() }, "accuracy"},
		{"negative speed", func(f *patrol.Fix) { f.Speed = -1 }, "speed"},
		{"Inf speed", func(f *patrol.Fix) { f.Speed = math.Inf(1) }, "speed"},
		{"speed 500 m/s", func(f *patrol.Fix) { f.Speed = 500 }, "speed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := good
			tc.edit(&f)
			err := geo.ValidateFix(f, now)
			var fe *geo.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || fe.Reason == "" {
				t.Fatalf("ValidateFix = %v, want a FieldError on %q", err, tc.field)
			}
			if err.Error() != fe.Field+": "+fe.Reason {
				t.Fatalf("Error() = %q", err.Error())
			}
		})
	}
}
