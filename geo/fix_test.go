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
)

// t0 is 2024-03-01 23:00 in Hà Nội, inside the default night.
func t0() time.Time { return time.Date(2024, 3, 1, 16, 0, 0, 0, time.UTC) }

// east returns the point m metres east of p.
func east(p orb.Point, m float64) orb.Point { return orbgeo.PointAtBearingAndDistance(p, 90, m) }

// rawFix is a fix written short for tables: seconds after t0, metres east
// of Sông Công, accuracy and preset flags.
type rawFix struct {
	s, m, acc float64
	flags     geo.FixFlag
}

func fixesOf(raw []rawFix) []geo.Fix {
	out := make([]geo.Fix, len(raw))
	for i, r := range raw {
		out[i] = geo.Fix{
			Time:     t0().Add(time.Duration(r.s * float64(time.Second))),
			Point:    east(songCong(), r.m),
			Accuracy: r.acc,
			Speed:    math.NaN(),
			Flags:    r.flags,
		}
	}
	return out
}

func TestFlagTrack(t *testing.T) {
	const (
		L = geo.FlagLowAccuracy
		J = geo.FlagJump
		D = geo.FlagDuplicate
		O = geo.FlagOffDuty
	)
	// 200 km/h for 10 s is 555.6 m; 149 km/h is 413.9 m.
	for _, tc := range []struct {
		name string
		in   []rawFix
		want []geo.FixFlag
	}{
		{"accuracy worse than 100 m", []rawFix{{0, 0, 5, 0}, {10, 10, 150, 0}, {20, 20, 100, 0}}, []geo.FixFlag{0, L, 0}},
		{"same time twice", []rawFix{{0, 0, 0, 0}, {0, 3, 0, 0}, {10, 10, 0, 0}}, []geo.FixFlag{0, D, 0}},
		{"200 km/h spike, judged against the last good fix", []rawFix{{0, 0, 0, 0}, {10, 560, 0, 0}, {20, 20, 0, 0}}, []geo.FixFlag{0, J, 0}},
		{"149 km/h is no jump", []rawFix{{0, 0, 0, 0}, {10, 410, 0, 0}}, []geo.FixFlag{0, 0}},
		{"30 km after an hour is no jump", []rawFix{{0, 0, 0, 0}, {3600, 30000, 0, 0}}, []geo.FixFlag{0, 0}},
		{"30 km after six minutes is a jump", []rawFix{{0, 0, 0, 0}, {360, 30000, 0, 0}}, []geo.FixFlag{0, J}},
		{"a low-accuracy fix is no reference", []rawFix{{0, 0, 0, 0}, {10, 5000, 500, 0}, {20, 10, 0, 0}}, []geo.FixFlag{0, L, 0}},
		{"an off-duty fix is no reference", []rawFix{{0, 0, 0, O}, {10, 560, 0, 0}, {20, 570, 0, 0}}, []geo.FixFlag{O, 0, 0}},
		{"two agreeing glitches stay jumps", []rawFix{{0, 0, 0, 0}, {10, 5000, 0, 0}, {20, 5010, 0, 0}, {30, 20, 0, 0}}, []geo.FixFlag{0, J, J, 0}},
		{"three agreeing fixes relocate the device", []rawFix{{0, 0, 0, 0}, {10, 10, 0, 0}, {20, 5000, 0, 0}, {30, 5010, 0, 0}, {40, 5020, 0, 0}, {50, 5030, 0, 0}}, []geo.FixFlag{0, 0, 0, 0, 0, 0}},
		{"disagreeing glitches do not relocate", []rawFix{{0, 0, 0, 0}, {10, 5000, 0, 0}, {20, 9000, 0, 0}, {30, 13000, 0, 0}, {40, 30, 0, 0}}, []geo.FixFlag{0, J, J, J, 0}},
		{"stale flags are recomputed, off-duty kept", []rawFix{{0, 0, 0, J | L}, {10, 10, 0, D | O}, {20, 20, 0, J}}, []geo.FixFlag{0, O, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fixes := fixesOf(tc.in)
			geo.FlagTrack(fixes)
			var got []geo.FixFlag
			for _, f := range fixes {
				got = append(got, f.Flags)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("flags %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFixFlagString(t *testing.T) {
	if s := (geo.FlagLowAccuracy | geo.FlagJump).String(); s != "low_accuracy|jump" {
		t.Fatal(s)
	}
	if s := geo.FixFlag(0).String(); s != "none" {
		t.Fatal(s)
	}
	if n := (geo.FlagOffDuty | geo.FlagDuplicate).Names(); !slices.Equal(n, []string{"duplicate", "off_duty"}) {
		t.Fatal(n)
	}
	if !(geo.FlagJump | geo.FlagDuplicate).Has(geo.FlagJump) || geo.FlagJump.Has(geo.FlagJump|geo.FlagDuplicate) {
		t.Fatal("Has")
	}
	if (geo.Fix{Flags: geo.FlagOffDuty}).Ignored() != true || (geo.Fix{}).Ignored() {
		t.Fatal("Ignored")
	}
}

func TestValidateFix(t *testing.T) {
	now := time.Date(2024, 3, 1, 16, 0, 0, 0, time.UTC)
	good := geo.Fix{Time: now.Add(-time.Minute), Point: songCong(), Accuracy: 8, Speed: 1.2}
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
		edit  func(*geo.Fix)
		field string
	}{
		{"lat NaN", func(f *geo.Fix) { f.Point[1] = math.NaN() }, "lat"},
		{"lat 91", func(f *geo.Fix) { f.Point[1] = 91 }, "lat"},
		{"swapped, lat 105.85", func(f *geo.Fix) { f.Point = orb.Point{21.47, 105.85} }, "lat"},
		{"lon -181", func(f *geo.Fix) { f.Point[0] = -181 }, "lon"},
		{"lon Inf", func(f *geo.Fix) { f.Point[0] = math.Inf(-1) }, "lon"},
		{"null island", func(f *geo.Fix) { f.Point = orb.Point{0, 0} }, "lat"},
		{"no time", func(f *geo.Fix) { f.Time = time.Time{} }, "time"},
		{"1999", func(f *geo.Fix) { f.Time = time.Date(1999, 8, 22, 0, 0, 0, 0, time.UTC) }, "time"},
		{"future", func(f *geo.Fix) { f.Time = now.Add(5*time.Minute + time.Second) }, "time"},
		{"negative accuracy", func(f *geo.Fix) { f.Accuracy = -1 }, "accuracy"},
		{"NaN accuracy", func(f *geo.Fix) { f.Accuracy = math.NaN() }, "accuracy"},
		{"negative speed", func(f *geo.Fix) { f.Speed = -1 }, "speed"},
		{"Inf speed", func(f *geo.Fix) { f.Speed = math.Inf(1) }, "speed"},
		{"speed 500 m/s", func(f *geo.Fix) { f.Speed = 500 }, "speed"},
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
