package coverage

import (
	"context"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/unit"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// NightCheck is one night of a key area: its visits, the dwell, and whether it met the
// requirement.
type NightCheck struct {
	Date     geo.Date
	Visits   int
	DwellMin float64
	Meets    bool
}

// KeyArea is a key area or key road with its cells and its compliance over a period.
type KeyArea struct {
	Area     patrol.Area
	Geom     orb.Geometry
	Cells    []h3.Cell
	Nights   []NightCheck // one per night of the period
	Met      int          // nights that met the requirement
	In, Near Incidents    // filled in by FindGaps
	Risk     float64      // filled in by FindGaps; 0 when it met its requirement every night
}

// Below reports whether the area missed its requirement on some night.
func (a *KeyArea) Below() bool { return a.Met < len(a.Nights) }

// Percent returns the share of nights that met the requirement, in percent; ok is false when
// the period holds no night.
func (a *KeyArea) Percent() (pct float64, ok bool) {
	if len(a.Nights) == 0 {
		return 0, false
	}
	return 100 * float64(a.Met) / float64(len(a.Nights)), true
}

// Compliance checks every key area and key road of unit u night by night over the nights of p,
// at the unit's resolution. Only the areas' own cells are read from the store. An area whose
// stored geometry cannot be used is left out, with a warning for it in warnings.
func Compliance(ctx context.Context, db Store, u patrol.Unit, p geo.Period) (areas []KeyArea, warnings []string, err error) {
	res, err := unit.Res(u)
	if err != nil {
		return nil, nil, err
	}
	areas, left, err := keyAreas(ctx, db, u, res)
	if err != nil {
		return nil, nil, err
	}
	cells := []h3.Cell{}
	for _, a := range areas {
		cells = append(cells, a.Cells...)
	}
	var visits []geo.CellVisit
	if len(cells) > 0 {
		if visits, err = db.CoverageVisits(ctx, u.ID, 0, res, geo.WindowNight, p, cells); err != nil {
			return nil, nil, err
		}
	}
	checkNights(areas, visits, geo.NightDates(p, unit.Location(u), unit.NightWindow(u)))
	return areas, left.warnings, nil
}

// leftOut lists the areas left out of an analysis because their stored geometry cannot be used.
type leftOut struct {
	names    []string
	warnings []string
}

// keyAreas returns the unit's key areas and key roads with their cells at res, and those left
// out because their stored geometry cannot be used.
func keyAreas(ctx context.Context, db Store, u patrol.Unit, res int) ([]KeyArea, leftOut, error) {
	var left leftOut
	all, err := db.ListAreas(ctx, u.ID, "")
	if err != nil {
		return nil, left, err
	}
	var out []KeyArea
	for _, a := range all {
		if a.Kind != patrol.KindKeyArea && a.Kind != patrol.KindKeyRoad {
			continue
		}
		g, cells, err := unit.AreaCells(a, res)
		if err != nil {
			left.names = append(left.names, a.Name)
			left.warnings = append(left.warnings, unit.LeftOutWarning(a, err))
			continue
		}
		out = append(out, KeyArea{Area: a, Geom: g, Cells: cells})
	}
	return out, left, nil
}

// checkNights fills in each area's nights from night passes.
func checkNights(areas []KeyArea, visits []geo.CellVisit, nights []geo.Date) {
	for i := range areas {
		a := &areas[i]
		got := geo.AreaNightVisits(visits, a.Cells, float64(a.Area.MinDwellMin))
		a.Nights = make([]NightCheck, 0, len(nights))
		a.Met = 0
		for _, d := range nights {
			n := got[d]
			meets := n.Visits >= a.Area.RequiredNightVisits
			if meets {
				a.Met++
			}
			a.Nights = append(a.Nights, NightCheck{Date: d, Visits: n.Visits, DwellMin: n.DwellMin, Meets: meets})
		}
	}
}
