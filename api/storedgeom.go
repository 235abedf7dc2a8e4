package api

import (
	"fmt"
	"net/http"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// Stored geometry passed geo.CheckGeometry when it was written through the API or an import;
// a geometry written around them (by SQL, by an older release) may not. The analyses read it
// through these two functions, so that one bad area is left out with a warning and a bad
// boundary is a 409 naming it, never a 500 for every user of the unit until someone finds it.

// unitBoundary returns a unit's boundary, or a 409 problem when the unit has none or its stored
// boundary cannot be used.
func unitBoundary(u patrol.Unit) (orb.Geometry, error) {
	if len(u.Boundary) == 0 {
		return nil, problem(http.StatusConflict, "the unit has no boundary, so it has no study area; set its boundary first",
			FieldError{Field: "unit", Message: "has no boundary"})
	}
	g, err := geo.ParseGeometry("boundary", u.Boundary, "Polygon", "MultiPolygon")
	if err != nil {
		return nil, problem(http.StatusConflict, fmt.Sprintf("the stored boundary of unit %s cannot be used (%v); replace it with PUT /api/v1/units/%s", u.Code, err, u.Code),
			FieldError{Field: "boundary", Message: err.Error()})
	}
	return g, nil
}

// studyArea returns the study cells of a boundary at res; a boundary too large for res is a
// 422 naming res.
func studyArea(u patrol.Unit, boundary orb.Geometry, res int) ([]h3.Cell, error) {
	cells, err := geo.StudyCells(boundary, res)
	if err != nil {
		return nil, problem(http.StatusUnprocessableEntity, fmt.Sprintf("the study area of unit %s at resolution %d cannot be built: %v", u.Code, res, err),
			FieldError{Field: "res", Message: err.Error()})
	}
	return cells, nil
}

// areaCells returns a stored area's geometry and its cells at res, or an error saying why the
// area cannot be analysed.
func areaCells(a patrol.Area, res int) (orb.Geometry, []h3.Cell, error) {
	g, err := geo.ParseGeometry("geometry", a.Geometry, "Polygon", "MultiPolygon", "LineString", "MultiLineString")
	if err != nil {
		return nil, nil, err
	}
	cells, err := geo.KeyAreaCells(g, a.BufferM, res)
	if err != nil {
		return nil, nil, err
	}
	return g, cells, nil
}

// skippedArea is the warning an answer carries for an area left out of it.
func skippedArea(a patrol.Area, err error) string {
	return fmt.Sprintf("area %d (%q) was left out: its stored geometry cannot be used (%v); correct it with PUT /api/v1/areas/%d or delete it",
		a.ID, a.Name, err, a.ID)
}
