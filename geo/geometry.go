package geo

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Limits of a geometry that may be stored or analysed. A ward's boundary has a few hundred
// vertices and a province's a few tens of thousands; the limits leave room for both and stop a
// request from making every later analysis of its unit pay for millions of vertices.
const (
	// MaxGeometryVertices is the most positions one geometry may hold.
	MaxGeometryVertices = 250_000
	// MaxGeometryParts is the most lines, polygons or rings one geometry may hold.
	MaxGeometryParts = 10_000
	// MaxGeometrySpanDeg is the widest a geometry's bounding box may be, in degrees of
	// longitude or latitude: a province spans about 2°, Viet Nam about 15°.
	MaxGeometrySpanDeg = 30.0
)

// CheckGeometry returns a *FieldError naming field unless g may be stored or analysed: its
// GeoJSON type is one of types (any of Point, MultiPoint, LineString, MultiLineString, Polygon
// and MultiPolygon when types is empty), every position is finite and inside [-180, 180] ×
// [-90, 90] (positions are [lon, lat]), every line has at least 2 positions, every ring is
// closed and has at least 4 positions of which 3 distinct, and it is within the size limits
// above. It is the one check of every write path: boundaries, areas, routes, imports and drawn
// routes; PostGIS's ST_IsValid adds the topology (self-intersections) where geometries are
// stored.
func CheckGeometry(field string, g orb.Geometry, types ...string) error {
	if g == nil {
		return &FieldError{Field: field, Reason: "is required"}
	}
	if len(types) == 0 {
		types = []string{"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
	}
	if !slices.Contains(types, g.GeoJSONType()) {
		return &FieldError{Field: field, Reason: "must be a " + typeList(types) + ", got " + g.GeoJSONType()}
	}
	c := geometryCheck{field: field}
	switch g := g.(type) {
	case orb.Point:
		c.points("coordinates", []orb.Point{g})
	case orb.MultiPoint:
		c.parts(len(g))
		c.points("coordinates", g)
	case orb.LineString:
		c.line("coordinates", g)
	case orb.MultiLineString:
		c.parts(len(g))
		for i, l := range g {
			c.line(fmt.Sprintf("coordinates[%d]", i), l)
		}
	case orb.Polygon:
		c.polygon("coordinates", g)
	case orb.MultiPolygon:
		c.parts(len(g))
		for i, p := range g {
			c.polygon(fmt.Sprintf("coordinates[%d]", i), p)
		}
	}
	if c.err != nil {
		return c.err
	}
	if b := g.Bound(); b.Max[0]-b.Min[0] > MaxGeometrySpanDeg || b.Max[1]-b.Min[1] > MaxGeometrySpanDeg {
		return &FieldError{Field: field, Reason: fmt.Sprintf("spans %.1f° × %.1f°, more than %v° (wrong coordinate order or system?)",
			b.Max[0]-b.Min[0], b.Max[1]-b.Min[1], MaxGeometrySpanDeg)}
	}
	return nil
}

// ParseGeometry decodes a GeoJSON geometry object and checks it with CheckGeometry.
func ParseGeometry(field string, raw []byte, types ...string) (orb.Geometry, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, &FieldError{Field: field, Reason: "is required"}
	}
	g, err := geojson.UnmarshalGeometry(raw)
	if err != nil {
		return nil, &FieldError{Field: field, Reason: "not a GeoJSON geometry"}
	}
	if err := CheckGeometry(field, g.Geometry(), types...); err != nil {
		return nil, err
	}
	return g.Geometry(), nil
}

// geometryCheck walks a geometry and keeps the first error.
type geometryCheck struct {
	field    string
	vertices int
	nparts   int
	err      error
}

func (c *geometryCheck) fail(format string, a ...any) {
	if c.err == nil {
		c.err = &FieldError{Field: c.field, Reason: fmt.Sprintf(format, a...)}
	}
}

func (c *geometryCheck) parts(n int) {
	c.nparts += n
	if c.nparts > MaxGeometryParts {
		c.fail("holds more than %d parts", MaxGeometryParts)
	}
}

func (c *geometryCheck) points(at string, pts []orb.Point) {
	c.vertices += len(pts)
	if c.vertices > MaxGeometryVertices {
		c.fail("holds more than %d positions", MaxGeometryVertices)
		return
	}
	for i, p := range pts {
		if c.err != nil {
			return
		}
		lon, lat := p[0], p[1]
		switch {
		case math.IsNaN(lon) || math.IsInf(lon, 0) || lon < -180 || lon > 180:
			c.fail("%s[%d]: longitude %v is not in [-180, 180] (positions are [lon, lat])", at, i, lon)
		case math.IsNaN(lat) || math.IsInf(lat, 0) || lat < -90 || lat > 90:
			c.fail("%s[%d]: latitude %v is not in [-90, 90] (positions are [lon, lat])", at, i, lat)
		}
	}
}

func (c *geometryCheck) line(at string, l orb.LineString) {
	if len(l) < 2 {
		c.fail("%s: a line needs at least 2 positions, got %d", at, len(l))
		return
	}
	c.points(at, l)
}

func (c *geometryCheck) polygon(at string, p orb.Polygon) {
	if len(p) == 0 {
		c.fail("%s: a polygon needs an outer ring", at)
		return
	}
	c.parts(len(p))
	for i, r := range p {
		ring := fmt.Sprintf("%s[%d]", at, i)
		c.points(ring, r)
		if c.err != nil {
			return
		}
		switch {
		case len(r) < 4:
			c.fail("%s: a ring needs at least 4 positions, got %d", ring, len(r))
		case r[0] != r[len(r)-1]:
			c.fail("%s: the ring is not closed (its last position must repeat the first)", ring)
		case distinctPoints(r, 3) < 3:
			c.fail("%s: a ring needs at least 3 distinct positions", ring)
		}
	}
}

// distinctPoints counts the distinct points of pts, stopping at limit.
func distinctPoints(pts []orb.Point, limit int) int {
	var seen []orb.Point
	for _, p := range pts {
		if !slices.Contains(seen, p) {
			seen = append(seen, p)
			if len(seen) >= limit {
				break
			}
		}
	}
	return len(seen)
}

// typeList spells types as "Polygon or MultiPolygon".
func typeList(types []string) string {
	if len(types) == 1 {
		return types[0]
	}
	return strings.Join(types[:len(types)-1], ", ") + " or " + types[len(types)-1]
}
