package geo

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// MetresToLine returns the approximate distance in metres from p to the line l, measured in a
// local plane around p (good to a fraction of a percent within a ward).
func MetresToLine(p orb.Point, l orb.LineString) float64 {
	cos := math.Cos(p[1] * math.Pi / 180)
	local := make(orb.LineString, len(l))
	for i, q := range l {
		local[i] = orb.Point{(q[0] - p[0]) * cos * 111_320, (q[1] - p[1]) * 110_574}
	}
	return planar.DistanceFrom(local, orb.Point{})
}
