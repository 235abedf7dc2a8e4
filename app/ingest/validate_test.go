package ingest_test

import (
	"math"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/app/ingest"
	"github.com/patrolmap/patrolmap/patrol"
)

func TestValidateFixNamesTheFirstBadField(t *testing.T) {
	now := time.Date(2024, 3, 1, 15, 10, 0, 0, time.UTC)
	nan := math.NaN()
	good := patrol.Fix{Time: now.Add(-time.Minute), Lat: 21.47, Lon: 105.85, Accuracy: nan, Speed: nan, Heading: nan, Altitude: nan, Battery: nan}
	for _, tc := range []struct {
		name  string
		edit  func(*patrol.Fix)
		field string
	}{
		{"good, every number unknown", func(*patrol.Fix) {}, ""},
		{"good, every number known", func(f *patrol.Fix) { f.Accuracy, f.Speed, f.Heading, f.Altitude, f.Battery = 0, 1.5, 360, -20, 100 }, ""},
		{"latitude out of range", func(f *patrol.Fix) { f.Lat = 91 }, "lat"},
		{"longitude not a number", func(f *patrol.Fix) { f.Lon = nan }, "lon"},
		{"0,0 is no position", func(f *patrol.Fix) { f.Lat, f.Lon = 0, 0 }, "lat"},
		{"in the future", func(f *patrol.Fix) { f.Time = now.Add(time.Hour) }, "time"},
		{"negative accuracy", func(f *patrol.Fix) { f.Accuracy = -3 }, "accuracy"},
		{"speed of a plane", func(f *patrol.Fix) { f.Speed = 300 }, "speed"},
		{"heading over 360", func(f *patrol.Fix) { f.Heading = 361 }, "heading"},
		{"altitude in orbit", func(f *patrol.Fix) { f.Altitude = 20000 }, "altitude"},
		{"battery over 100", func(f *patrol.Fix) { f.Battery = 250 }, "battery"},
		{"battery infinite", func(f *patrol.Fix) { f.Battery = math.Inf(1) }, "battery"},
	} {
		f := good
		tc.edit(&f)
		fe := ingest.ValidateFix(f, now)
		switch {
		case tc.field == "" && fe != nil:
			t.Errorf("%s: refused as %v", tc.name, fe)
		case tc.field != "" && (fe == nil || fe.Field != tc.field):
			t.Errorf("%s: %v, want field %s", tc.name, fe, tc.field)
		}
	}
}
