// Package unit reads what a unit's record says about its clock and its map: the time zone, the
// night window, the H3 resolution it is analysed at and its boundary. Every use case in app/
// reads a unit through here, so they agree on what a bad stored value means.
package unit

import (
	"fmt"
	"time"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// Location returns the unit's time zone; UTC when the stored name is unknown.
func Location(u patrol.Unit) *time.Location {
	loc, err := time.LoadLocation(u.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// NightWindow returns the unit's night window; the default 22:00–05:00 when the stored one
// does not parse.
func NightWindow(u patrol.Unit) geo.NightWindow {
	nw, err := geo.ParseNightWindow(u.NightStart, u.NightEnd)
	if err != nil {
		return geo.DefaultNightWindow()
	}
	return nw
}

// Res returns the unit's H3 resolution, or a *patrol.FieldError of kind
// patrol.ErrUnprocessable naming the unit when it is not one patrolmap analyses at
// (geo.MinRes to geo.MaxRes). No analysis silently falls back to another resolution: the
// answers of the map, the plan and the report would then be about different cells.
func Res(u patrol.Unit) (int, error) {
	if !geo.ValidRes(u.H3Res) {
		return 0, &patrol.FieldError{Field: "unit", Kind: patrol.ErrUnprocessable,
			Reason: fmt.Sprintf("has H3 resolution %d; set it to %d to %d", u.H3Res, geo.MinRes, geo.MaxRes),
			Detail: fmt.Sprintf("unit %s has H3 resolution %d, which is not one from %d to %d; set the unit's h3_res first", u.Code, u.H3Res, geo.MinRes, geo.MaxRes)}
	}
	return u.H3Res, nil
}

// Boundary returns the unit's boundary, or a *patrol.FieldError of kind patrol.ErrConflict: naming
// "unit" when it has none (so it has no study area), naming "boundary" when the stored one
// cannot be used (written around geo.CheckGeometry, by SQL or an older release). Either way the
// unit's analyses answer 409 with what to do, never a 500.
func Boundary(u patrol.Unit) (orb.Geometry, error) {
	if len(u.Boundary) == 0 {
		return nil, &patrol.FieldError{Field: "unit", Reason: "has no boundary", Kind: patrol.ErrConflict,
			Detail: "the unit has no boundary, so it has no study area; set its boundary first"}
	}
	g, err := geo.ParseGeometry("boundary", u.Boundary, "Polygon", "MultiPolygon")
	if err != nil {
		return nil, &patrol.FieldError{Field: "boundary", Reason: err.Error(), Kind: patrol.ErrConflict,
			Detail: fmt.Sprintf("the stored boundary of unit %s cannot be used (%v); replace it with PUT /api/v1/units/%s", u.Code, err, u.Code)}
	}
	return g, nil
}

// StudyCells returns the study area of the unit's boundary at res: the cells whose centres lie
// in it. A boundary too large for res is a *patrol.FieldError of kind patrol.ErrUnprocessable
// naming "res".
func StudyCells(u patrol.Unit, boundary orb.Geometry, res int) ([]h3.Cell, error) {
	cells, err := geo.StudyCells(boundary, res)
	if err != nil {
		return nil, &patrol.FieldError{Field: "res", Reason: err.Error(), Kind: patrol.ErrUnprocessable,
			Detail: fmt.Sprintf("the study area of unit %s at resolution %d cannot be built: %v", u.Code, res, err)}
	}
	return cells, nil
}

// AreaCells returns a stored area's geometry and its cells at res, or an error saying why the
// area cannot be analysed (its stored geometry was written around geo.CheckGeometry).
func AreaCells(a patrol.Area, res int) (orb.Geometry, []h3.Cell, error) {
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

// LeftOutWarning is the warning an answer carries for an area left out of it.
func LeftOutWarning(a patrol.Area, err error) string {
	return fmt.Sprintf("area %d (%q) was left out: its stored geometry cannot be used (%v); correct it with PUT /api/v1/areas/%d or delete it",
		a.ID, a.Name, err, a.ID)
}
