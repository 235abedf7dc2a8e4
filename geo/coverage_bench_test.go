package geo_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	orbgeo "github.com/paulmach/orb/geo"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// patrolNight returns one device-night: 3,000 fixes 7 s apart from 22:00
// local, at walking to slow-motorbike speed (0–8 m/s) with turns, a few
// GPS wobbles and an occasional bad fix.
func patrolNight(b *testing.B, loc *time.Location) []patrol.Fix {
	b.Helper()
	rng := rand.New(rand.NewPCG(42, 42))
	start := localAt(b, loc, "2024-03-01 22:00:00")
	p := songCong()
	heading := 0.0
	fixes := make([]patrol.Fix, 0, 3000)
	for i := range 3000 {
		if rng.IntN(15) == 0 {
			heading += rng.Float64()*180 - 90
		}
		p = orbgeo.PointAtBearingAndDistance(p, heading, 56*rng.Float64())
		f := patrol.Fix{Time: start.Add(time.Duration(i) * 7 * time.Second), Lon: p[0], Lat: p[1], Accuracy: 4 + 8*rng.Float64(), Speed: math.NaN()}
		if rng.IntN(100) == 0 {
			f.Accuracy = 250
		}
		fixes = append(fixes, f)
	}
	return fixes
}

func BenchmarkDeviceVisitsNight(b *testing.B) {
	loc := mustZone(b, "Asia/Ho_Chi_Minh")
	fixes := patrolNight(b, loc)
	opt := nightOptions(loc)
	var cells int
	for b.Loop() {
		vs, err := geo.DeviceVisits("phone-1", fixes, opt)
		if err != nil {
			b.Fatal(err)
		}
		cells = len(vs)
	}
	b.ReportMetric(float64(len(fixes)), "fixes/op")
	b.ReportMetric(float64(cells), "passes/op")
}

func BenchmarkCoverageNight(b *testing.B) {
	loc := mustZone(b, "Asia/Ho_Chi_Minh")
	tracks := map[string][]patrol.Fix{"phone-1": patrolNight(b, loc)}
	opt := nightOptions(loc)
	var cells int
	for b.Loop() {
		cov, err := geo.Coverage(tracks, opt)
		if err != nil {
			b.Fatal(err)
		}
		cells = len(cov)
	}
	b.ReportMetric(float64(cells), "cells/op")
}
