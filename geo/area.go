package geo

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// DefaultBufferM is the buffer, in metres, around a key road or other line
// area when the area sets none.
const DefaultBufferM = 25.0

// MaxBufferM is the largest buffer KeyAreaCells accepts.
const MaxBufferM = 2000.0

// KeyAreaCells returns the cells at resolution res that an area's geometry
// touches, sorted and without duplicates.
//
//   - Polygon, MultiPolygon: the cells whose hexagons overlap the polygon
//     (h3's overlapping containment); holes are left out. Polygons are not
//     buffered, so bufferM is ignored.
//   - LineString, MultiLineString, Point, MultiPoint: the cells whose
//     hexagons come within bufferM metres of the geometry, that is, that
//     intersect its buffer. Found by a flood from the cells of the
//     geometry's vertices over neighbouring cells, testing each hexagon's
//     distance to the line in a local plane (equirectangular metres around
//     the geometry's first point; fine for a ward or district).
func KeyAreaCells(geom orb.Geometry, bufferM float64, res int) ([]h3.Cell, error) {
	if math.IsNaN(bufferM) || bufferM < 0 || bufferM > MaxBufferM {
		return nil, &FieldError{Field: "buffer_m", Reason: fmt.Sprintf("%v is not in 0–%v", bufferM, MaxBufferM)}
	}
	switch g := geom.(type) {
	case orb.Polygon, orb.MultiPolygon:
		return fillPolygons(g, res, "area", func(gp h3.GeoPolygon, res int) ([]h3.Cell, error) {
			return h3.PolygonToCellsExperimental(gp, res, h3.ContainmentOverlapping)
		})
	case orb.LineString:
		return bufferCells([][]orb.Point{g}, bufferM, res)
	case orb.MultiLineString:
		lines := make([][]orb.Point, len(g))
		for i, l := range g {
			lines[i] = l
		}
		return bufferCells(lines, bufferM, res)
	case orb.Point:
		return bufferCells([][]orb.Point{{g}}, bufferM, res)
	case orb.MultiPoint:
		lines := make([][]orb.Point, len(g))
		for i, p := range g {
			lines[i] = []orb.Point{p}
		}
		return bufferCells(lines, bufferM, res)
	case nil:
		return nil, fmt.Errorf("geo: area has no geometry")
	default:
		return nil, fmt.Errorf("geo: area geometry %s is not a Polygon, MultiPolygon, LineString, MultiLineString, Point or MultiPoint", g.GeoJSONType())
	}
}

// planeXY is a point in local plane metres.
type planeXY struct{ x, y float64 }

// localPlane projects lon/lat to metres around an origin.
type localPlane struct {
	lon0, lat0, kx, ky float64
}

func newLocalPlane(origin orb.Point) localPlane {
	const r = orb.EarthRadius * math.Pi / 180
	return localPlane{lon0: origin[0], lat0: origin[1], kx: r * math.Cos(origin[1]*math.Pi/180), ky: r}
}

func (lp localPlane) project(p orb.Point) planeXY {
	return planeXY{(p[0] - lp.lon0) * lp.kx, (p[1] - lp.lat0) * lp.ky}
}

// bufferSpan is one straight part of a line in the local plane, with its
// box grown by the buffer.
type bufferSpan struct {
	a, b                   planeXY
	minX, minY, maxX, maxY float64
}

// bufferCells returns the cells whose hexagons come within bufferM of the
// lines (a line of one point is a point).
func bufferCells(lines [][]orb.Point, bufferM float64, res int) ([]h3.Cell, error) {
	var origin *orb.Point
	for _, l := range lines {
		if len(l) > 0 {
			origin = &l[0]
			break
		}
	}
	if origin == nil {
		return nil, fmt.Errorf("geo: area line has no points")
	}
	lp := newLocalPlane(*origin)
	var spans []bufferSpan
	var queue []h3.Cell
	for _, l := range lines {
		for i, p := range l {
			c, err := CellOf(p, res)
			if err != nil {
				return nil, fmt.Errorf("geo: area line point %d: %w", i, err)
			}
			queue = append(queue, c)
			if i == 0 && len(l) > 1 {
				continue
			}
			a, b := lp.project(l[max(i-1, 0)]), lp.project(p)
			spans = append(spans, bufferSpan{
				a: a, b: b,
				minX: math.Min(a.x, b.x) - bufferM, maxX: math.Max(a.x, b.x) + bufferM,
				minY: math.Min(a.y, b.y) - bufferM, maxY: math.Max(a.y, b.y) + bufferM,
			})
		}
	}
	seen := make(map[h3.Cell]bool)
	for _, c := range queue {
		seen[c] = true // a vertex's own cell is always in
	}
	cells := slices.Clone(queue)
	for len(queue) > 0 {
		c := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		ring, err := h3.GridDisk(c, 1)
		if err != nil {
			return nil, fmt.Errorf("geo: neighbours of %s: %w", c, err)
		}
		for _, n := range ring {
			if seen[n] {
				continue
			}
			seen[n] = true
			near, err := hexagonNear(n, spans, bufferM, lp)
			if err != nil {
				return nil, err
			}
			if near {
				cells = append(cells, n)
				queue = append(queue, n)
			}
		}
	}
	return sortedCells(cells), nil
}

// hexagonNear reports whether the hexagon of c comes within d metres of any
// of the spans.
func hexagonNear(c h3.Cell, spans []bufferSpan, d float64, lp localPlane) (bool, error) {
	b, err := h3.CellToBoundary(c)
	if err != nil {
		return false, fmt.Errorf("geo: boundary of %s: %w", c, err)
	}
	hex := make([]planeXY, len(b))
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i, ll := range b {
		p := lp.project(PointOf(ll))
		hex[i] = p
		minX, maxX = math.Min(minX, p.x), math.Max(maxX, p.x)
		minY, maxY = math.Min(minY, p.y), math.Max(maxY, p.y)
	}
	for _, s := range spans {
		if s.maxX < minX || s.minX > maxX || s.maxY < minY || s.minY > maxY {
			continue
		}
		if ringHolds(hex, s.a) {
			return true, nil
		}
		for i := range hex {
			if segmentDistance(hex[i], hex[(i+1)%len(hex)], s.a, s.b) <= d {
				return true, nil
			}
		}
	}
	return false, nil
}

// inside reports whether p is inside the polygon ring (even-odd rule).
func ringHolds(ring []planeXY, p planeXY) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		a, b := ring[i], ring[j]
		if (a.y > p.y) != (b.y > p.y) && p.x < (b.x-a.x)*(p.y-a.y)/(b.y-a.y)+a.x {
			in = !in
		}
	}
	return in
}

// segmentDistance returns the distance between segments pq and rs: zero if
// they cross, else the least distance from an end to the other segment.
func segmentDistance(p, q, r, s planeXY) float64 {
	if segmentsCross(p, q, r, s) {
		return 0
	}
	return min(pointSegmentDist(p, r, s), pointSegmentDist(q, r, s), pointSegmentDist(r, p, q), pointSegmentDist(s, p, q))
}

func crossZ(o, a, b planeXY) float64 { return (a.x-o.x)*(b.y-o.y) - (a.y-o.y)*(b.x-o.x) }

// crosses reports whether segments pq and rs properly cross.
func segmentsCross(p, q, r, s planeXY) bool {
	d1, d2 := crossZ(r, s, p), crossZ(r, s, q)
	d3, d4 := crossZ(p, q, r), crossZ(p, q, s)
	return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))
}

// pointSegment returns the distance from p to segment ab.
func pointSegmentDist(p, a, b planeXY) float64 {
	dx, dy := b.x-a.x, b.y-a.y
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = math.Max(0, math.Min(1, ((p.x-a.x)*dx+(p.y-a.y)*dy)/l2))
	}
	return math.Hypot(p.x-(a.x+t*dx), p.y-(a.y+t*dy))
}

// AreaVisit is one device's visit to an area: its passes through the area's
// cells joined while the device is away from all of them for less than
// PassGap.
type AreaVisit struct {
	Device string
	Night  Date // the night of the first pass
	Enter  time.Time
	Leave  time.Time
	DwellS float64 // seconds in the area's cells
}

// AreaVisits returns the night visits of devices to the area made of
// areaCells, sorted by Enter and then device, from passes computed with
// WindowNight (DeviceVisits or stored rollups). Passes outside the area or
// with no night are skipped. Visits are per device: two officers who walk
// through the market together make two visits.
func AreaVisits(visits []CellVisit, areaCells []h3.Cell) []AreaVisit {
	in := make(map[h3.Cell]bool, len(areaCells))
	for _, c := range areaCells {
		in[c] = true
	}
	var vs []CellVisit
	for _, v := range visits {
		if in[v.Cell] && len(v.Nights) > 0 {
			vs = append(vs, v)
		}
	}
	slices.SortFunc(vs, func(x, y CellVisit) int {
		return cmp.Or(cmp.Compare(x.Device, y.Device), x.Enter.Compare(y.Enter), x.Leave.Compare(y.Leave), cmp.Compare(x.Cell, y.Cell))
	})
	var out []AreaVisit
	for i, v := range vs {
		if i > 0 && v.Device == vs[i-1].Device {
			last := &out[len(out)-1]
			if v.Enter.Sub(last.Leave) < PassGap {
				last.Leave = laterOf(last.Leave, v.Leave)
				last.DwellS += v.DwellS
				continue
			}
		}
		out = append(out, AreaVisit{Device: v.Device, Night: v.Nights[0], Enter: v.Enter, Leave: v.Leave, DwellS: v.DwellS})
	}
	slices.SortFunc(out, func(x, y AreaVisit) int {
		return cmp.Or(x.Enter.Compare(y.Enter), cmp.Compare(x.Device, y.Device))
	})
	return out
}

// Counts reports whether the visit stayed at least minDwellMin minutes in the area, the least
// for it to count as a visit; a shorter one (driving past) is only a pass.
func (v AreaVisit) Counts(minDwellMin float64) bool { return v.DwellS/60 >= minDwellMin }

// AreaNight sums one night of visits to an area.
type AreaNight struct {
	Date     Date
	Visits   int     // visits that stayed at least the minimum dwell
	DwellMin float64 // minutes in the area over all visits, short ones too
}

// AreaNightVisits returns, per night, the visits to the area made of
// areaCells (see AreaVisits) that lasted at least minDwellMin minutes, and
// the total minutes spent there. Nights without any visit are absent; list
// a period's nights with NightDates.
func AreaNightVisits(visits []CellVisit, areaCells []h3.Cell, minDwellMin float64) map[Date]AreaNight {
	out := make(map[Date]AreaNight)
	for _, v := range AreaVisits(visits, areaCells) {
		n := out[v.Night]
		n.Date = v.Night
		n.DwellMin += v.DwellS / 60
		if v.Counts(minDwellMin) {
			n.Visits++
		}
		out[v.Night] = n
	}
	return out
}
