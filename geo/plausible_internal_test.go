package geo

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
)

// TestPlausibleMatchesHaversine: the shortcut in plausible changes no answer. Pairs of fixes
// seconds to hours apart, metres to thousands of kilometres apart, anywhere on earth (across the
// antimeridian and near the poles too), and pairs placed just inside and just outside the speed
// limit, are judged as the haversine distance alone judges them.
func TestPlausibleMatchesHaversine(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 11))
	t0 := time.Date(2028, 2, 29, 22, 0, 0, 0, time.UTC)
	exact := func(a, b patrol.Fix) bool {
		dt := b.Time.Sub(a.Time).Seconds()
		return dt > 0 && distanceM(a.Point(), b.Point()) < maxSpeedMS*dt
	}
	shortcuts := 0
	for i := range 400000 {
		a := patrol.Fix{Time: t0, Lat: r.Float64()*178 - 89, Lon: r.Float64()*360 - 180}
		dt := time.Duration(r.Int64N(int64(2*time.Hour))) - time.Minute
		if i%2 == 0 {
			dt = time.Duration(1+r.IntN(30)) * time.Second
		}
		// A step in any direction: for a quarter of the pairs up to half what the limit allows
		// (a patrol), for a quarter within a part in 10^7 of the limit, for the rest up to ten
		// times the limit.
		limit := maxSpeedMS * dt.Seconds()
		dist := math.Abs(limit) * r.Float64() * 10
		switch i % 4 {
		case 0:
			dist = math.Abs(limit) * r.Float64() / 2
		case 1:
			dist = limit * (1 + (r.Float64()*2-1)*1e-7)
		}
		bearing := r.Float64() * 2 * math.Pi
		dLat := dist * math.Cos(bearing) / 111195
		dLon := dist * math.Sin(bearing) / (111195 * math.Max(math.Cos(a.Lat*math.Pi/180), 1e-3))
		b := patrol.Fix{Time: t0.Add(dt), Lat: math.Max(-90, math.Min(90, a.Lat+dLat)), Lon: a.Lon + dLon}
		if b.Lon > 180 {
			b.Lon -= 360
		}
		if got, want := plausible(a, b), exact(a, b); got != want {
			t.Fatalf("%+v → %+v: plausible %v, haversine %v (%.3f m in %v)", a, b, got, want, distanceM(a.Point(), b.Point()), dt)
		}
		if dt > 0 && surelyNearer(a, b, maxSpeedMS*dt.Seconds()) {
			shortcuts++
		}
	}
	if shortcuts < 60000 {
		t.Fatalf("the shortcut decided only %d pairs: it no longer spares the trigonometry", shortcuts)
	}
}
