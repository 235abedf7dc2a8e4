package demo

import (
	"math"

	"github.com/paulmach/orb"
)

// The demo ward is laid out in a local plane: x metres east and y metres north of an origin
// near Sông Công, Thái Nguyên. The plane maps to longitude and latitude by an equirectangular
// projection, which is an affine map, so straight edges stay straight and a vertex shared by
// two tiles maps to the same point in both.
const (
	originLon = 105.8345
	originLat = 21.4615
)

var (
	metresPerDegLat = orb.EarthRadius * math.Pi / 180
	metresPerDegLon = metresPerDegLat * math.Cos(originLat*math.Pi/180)
)

// vec is a point or a displacement in the local plane, in metres.
type vec struct{ x, y float64 }

func (a vec) add(b vec) vec             { return vec{a.x + b.x, a.y + b.y} }
func (a vec) sub(b vec) vec             { return vec{a.x - b.x, a.y - b.y} }
func (a vec) scale(k float64) vec       { return vec{a.x * k, a.y * k} }
func (a vec) dot(b vec) float64         { return a.x*b.x + a.y*b.y }
func (a vec) cross(b vec) float64       { return a.x*b.y - a.y*b.x }
func (a vec) norm() float64             { return math.Hypot(a.x, a.y) }
func (a vec) dist(b vec) float64        { return a.sub(b).norm() }
func (a vec) lerp(b vec, t float64) vec { return vec{a.x + (b.x-a.x)*t, a.y + (b.y-a.y)*t} }

// less orders points lexicographically; it makes edge intersections independent of the
// direction in which an edge is walked.
func (a vec) less(b vec) bool { return a.x < b.x || (a.x == b.x && a.y < b.y) }

// roundTo rounds v to a multiple of step.
func roundTo(v, step float64) float64 { return math.Round(v/step) * step }

// toPoint converts a plane point to an orb point [lon, lat], rounded to 1e-7 degree (about
// 1 cm), which keeps the output short and makes shared vertices bit-identical.
func toPoint(v vec) orb.Point {
	return orb.Point{
		roundTo(originLon+v.x/metresPerDegLon, 1e-7),
		roundTo(originLat+v.y/metresPerDegLat, 1e-7),
	}
}

// fromPoint converts an orb point [lon, lat] to the plane.
func fromPoint(p orb.Point) vec {
	return vec{(p[0] - originLon) * metresPerDegLon, (p[1] - originLat) * metresPerDegLat}
}

// toRing converts a plane polygon (without the closing point) to a closed orb ring.
func toRing(poly []vec) orb.Ring {
	r := make(orb.Ring, 0, len(poly)+1)
	for _, v := range poly {
		r = append(r, toPoint(v))
	}
	return append(r, r[0])
}

// toLine converts plane points to an orb line string.
func toLine(pts []vec) orb.LineString {
	l := make(orb.LineString, 0, len(pts))
	for _, v := range pts {
		l = append(l, toPoint(v))
	}
	return l
}

// polyArea is the signed shoelace area of a plane polygon (positive when counter-clockwise).
func polyArea(poly []vec) float64 {
	s := 0.0
	for i, a := range poly {
		b := poly[(i+1)%len(poly)]
		s += a.cross(b)
	}
	return s / 2
}

// polyCentroid is the area centroid of a plane polygon.
func polyCentroid(poly []vec) vec {
	var c vec
	a := 0.0
	for i, p := range poly {
		q := poly[(i+1)%len(poly)]
		k := p.cross(q)
		a += k
		c = c.add(p.add(q).scale(k))
	}
	return c.scale(1 / (3 * a))
}

// inPoly reports whether p lies inside a plane polygon (even-odd rule).
func inPoly(poly []vec, p vec) bool {
	in := false
	for i, a := range poly {
		b := poly[(i+1)%len(poly)]
		if (a.y > p.y) != (b.y > p.y) {
			x := a.x + (p.y-a.y)/(b.y-a.y)*(b.x-a.x)
			if p.x < x {
				in = !in
			}
		}
	}
	return in
}

// segDist is the distance from p to the segment ab.
func segDist(p, a, b vec) float64 {
	ab := b.sub(a)
	l2 := ab.dot(ab)
	if l2 == 0 {
		return p.dist(a)
	}
	t := math.Max(0, math.Min(1, p.sub(a).dot(ab)/l2))
	return p.dist(a.lerp(b, t))
}

// ringDist is the distance from p to the outline of a plane polygon.
func ringDist(poly []vec, p vec) float64 {
	d := math.Inf(1)
	for i, a := range poly {
		d = math.Min(d, segDist(p, a, poly[(i+1)%len(poly)]))
	}
	return d
}

// lineDist is the distance from p to a plane polyline.
func lineDist(line []vec, p vec) float64 {
	d := math.Inf(1)
	for i := 1; i < len(line); i++ {
		d = math.Min(d, segDist(p, line[i-1], line[i]))
	}
	return d
}

// clipHalfPlane keeps the part of poly where n·p <= c (one Sutherland–Hodgman step). Where an
// edge crosses the line, the crossing is computed from the edge's endpoints in a fixed order, so
// the tiles on both sides of a cut get the same point.
func clipHalfPlane(poly []vec, n vec, c float64) []vec {
	var out []vec
	for i, cur := range poly {
		nxt := poly[(i+1)%len(poly)]
		curIn := n.dot(cur) <= c
		nxtIn := n.dot(nxt) <= c
		if curIn {
			out = append(out, cur)
		}
		if curIn != nxtIn {
			a, b := cur, nxt
			if b.less(a) {
				a, b = b, a
			}
			t := (c - n.dot(a)) / n.dot(b.sub(a))
			out = append(out, a.lerp(b, t))
		}
	}
	return out
}

// cleanPoly rounds vertices to the millimetre and drops repeated ones.
func cleanPoly(poly []vec) []vec {
	var out []vec
	for _, v := range poly {
		v = vec{roundTo(v.x, 1e-3), roundTo(v.y, 1e-3)}
		if len(out) > 0 && out[len(out)-1] == v {
			continue
		}
		out = append(out, v)
	}
	for len(out) > 1 && out[0] == out[len(out)-1] {
		out = out[:len(out)-1]
	}
	return out
}
