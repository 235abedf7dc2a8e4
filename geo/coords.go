package geo

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/uber/h3-go/v4"
)

// H3 resolutions a unit may use. DefaultRes has an average edge of about
// 76 m (H3's own figure for resolution 10).
const (
	MinRes     = 8
	MaxRes     = 11
	DefaultRes = 10
)

// MaxFillCells is the most cells a polygon's bounding box may hold at the
// requested resolution before StudyCells or KeyAreaCells refuse it. h3 sizes
// its work by the bounding box, so a polygon drawn over a whole country at
// resolution 10 would otherwise ask for hundreds of gigabytes. A province
// at resolution 10 is well inside it.
const MaxFillCells = 5_000_000

// ValidRes reports whether res is an H3 resolution a unit may use
// (MinRes to MaxRes).
func ValidRes(res int) bool {
	return res >= MinRes && res <= MaxRes
}

// LatLngOf converts an orb point, [lon, lat], to an h3 LatLng, (lat, lng).
func LatLngOf(p orb.Point) h3.LatLng {
	return h3.LatLng{Lat: p[1], Lng: p[0]}
}

// PointOf converts an h3 LatLng, (lat, lng), to an orb point, [lon, lat].
func PointOf(ll h3.LatLng) orb.Point {
	return orb.Point{ll.Lng, ll.Lat}
}

// checkPoint returns an error unless p is a finite [lon, lat] inside
// [-180, 180] × [-90, 90]. h3 itself wraps out-of-range values silently, so
// a swapped point would otherwise land in a wrong but valid cell.
func checkPoint(p orb.Point) error {
	lon, lat := p[0], p[1]
	switch {
	case math.IsNaN(lat) || math.IsInf(lat, 0) || lat < -90 || lat > 90:
		return fmt.Errorf("geo: latitude %v of point [%v, %v] is not in [-90, 90] (points are [lon, lat])", lat, lon, lat)
	case math.IsNaN(lon) || math.IsInf(lon, 0) || lon < -180 || lon > 180:
		return fmt.Errorf("geo: longitude %v of point [%v, %v] is not in [-180, 180] (points are [lon, lat])", lon, lon, lat)
	}
	return nil
}

// CellOf returns the H3 cell at resolution res that holds the [lon, lat]
// point p. It returns an error for a point outside the valid coordinate
// range (for instance one given as [lat, lon] in Viet Nam) or a resolution
// outside 0–15.
func CellOf(p orb.Point, res int) (h3.Cell, error) {
	if err := checkPoint(p); err != nil {
		return 0, err
	}
	c, err := h3.LatLngToCell(LatLngOf(p), res)
	if err != nil {
		return 0, fmt.Errorf("geo: cell of [%v, %v] at resolution %d: %w", p[0], p[1], res, err)
	}
	return c, nil
}

// CellPolygon returns the hexagon (or pentagon) of c as an orb polygon with
// one closed ring of [lon, lat] points, ready for GeoJSON.
func CellPolygon(c h3.Cell) (orb.Polygon, error) {
	b, err := h3.CellToBoundary(c)
	if err != nil {
		return nil, fmt.Errorf("geo: boundary of cell %s: %w", c, err)
	}
	ring := make(orb.Ring, 0, len(b)+1)
	for _, ll := range b {
		ring = append(ring, PointOf(ll))
	}
	if len(ring) > 0 {
		ring = append(ring, ring[0])
	}
	return orb.Polygon{ring}, nil
}

// CellCentre returns the centre of c as a [lon, lat] point.
func CellCentre(c h3.Cell) (orb.Point, error) {
	ll, err := h3.CellToLatLng(c)
	if err != nil {
		return orb.Point{}, fmt.Errorf("geo: centre of cell %s: %w", c, err)
	}
	return PointOf(ll), nil
}

// StudyCells returns the cells at resolution res whose centres lie in the
// boundary, a Polygon or MultiPolygon of [lon, lat] rings (holes excluded),
// sorted and without duplicates. Boundaries that cross the antimeridian are
// not supported.
func StudyCells(boundary orb.Geometry, res int) ([]h3.Cell, error) {
	return fillPolygons(boundary, res, "study area", h3.PolygonToCells)
}

// fillPolygons returns the cells that fill finds at resolution res in each polygon of g (a
// Polygon or MultiPolygon), sorted and without duplicates; errors name the polygon as a
// polygon of what.
func fillPolygons(g orb.Geometry, res int, what string, fill func(h3.GeoPolygon, int) ([]h3.Cell, error)) ([]h3.Cell, error) {
	polys, err := polygonsOf(g)
	if err != nil {
		return nil, err
	}
	var cells []h3.Cell
	for i, p := range polys {
		gp, err := geoPolygonOf(p)
		if err != nil {
			return nil, fmt.Errorf("geo: %s polygon %d: %w", what, i, err)
		}
		if err := checkFillSize(p, res); err != nil {
			return nil, fmt.Errorf("geo: %s polygon %d: %w", what, i, err)
		}
		cs, err := fill(gp, res)
		if err != nil {
			return nil, fmt.Errorf("geo: %s polygon %d at resolution %d: %w", what, i, res, err)
		}
		cells = append(cells, cs...)
	}
	return sortedCells(cells), nil
}

// polygonsOf returns the polygons of a Polygon or MultiPolygon.
func polygonsOf(g orb.Geometry) ([]orb.Polygon, error) {
	switch g := g.(type) {
	case orb.Polygon:
		return []orb.Polygon{g}, nil
	case orb.MultiPolygon:
		return g, nil
	case nil:
		return nil, errors.New("geo: no geometry")
	default:
		return nil, fmt.Errorf("geo: want a Polygon or MultiPolygon, got %s", g.GeoJSONType())
	}
}

// geoPolygonOf converts an orb polygon (outer ring, then holes) to an h3
// polygon, dropping each ring's closing point.
func geoPolygonOf(p orb.Polygon) (h3.GeoPolygon, error) {
	if len(p) == 0 {
		return h3.GeoPolygon{}, errors.New("polygon has no rings")
	}
	var gp h3.GeoPolygon
	for i, r := range p {
		loop, err := geoLoopOf(r)
		if err != nil {
			return h3.GeoPolygon{}, fmt.Errorf("ring %d: %w", i, err)
		}
		if i == 0 {
			gp.GeoLoop = loop
		} else {
			gp.Holes = append(gp.Holes, loop)
		}
	}
	return gp, nil
}

func geoLoopOf(r orb.Ring) (h3.GeoLoop, error) {
	if len(r) > 1 && r[0] == r[len(r)-1] {
		r = r[:len(r)-1]
	}
	if len(r) < 3 {
		return nil, fmt.Errorf("a ring needs at least 3 distinct points, got %d", len(r))
	}
	loop := make(h3.GeoLoop, len(r))
	for i, pt := range r {
		if err := checkPoint(pt); err != nil {
			return nil, err
		}
		loop[i] = LatLngOf(pt)
	}
	return loop, nil
}

// checkFillSize returns an error if the bounding box of p holds more than
// MaxFillCells cells at resolution res.
func checkFillSize(p orb.Polygon, res int) error {
	cellArea, err := h3.HexagonAreaAvgM2(res)
	if err != nil {
		return fmt.Errorf("cell area at resolution %d: %w", res, err)
	}
	if n := orbgeo.Area(p.Bound()) / cellArea; n > MaxFillCells {
		return fmt.Errorf("its bounding box holds about %.0f cells at resolution %d, more than %d", n, res, MaxFillCells)
	}
	return nil
}

// sortedCells sorts cells in place and removes duplicates.
func sortedCells(cells []h3.Cell) []h3.Cell {
	slices.Sort(cells)
	return slices.Compact(cells)
}
