package coverage

import (
	"context"
	"fmt"
	"time"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/unit"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// NightState is where a key area stands on one night as of an instant.
type NightState string

// The states of a key area's night. An open night is not judged: it is neither met nor missed,
// and it counts in no share of nights met.
const (
	NightMet    NightState = "met"    // the requirement held (early, if the night is not over)
	NightOpen   NightState = "open"   // the night is not over and the requirement not met yet
	NightMissed NightState = "missed" // the night is over without the requirement
)

// StateAt returns the state at now of a night that ends at end (exclusive) and whose
// requirement is met or not so far: met whenever it is met, open while now is before end, then
// missed. A night that has not begun is open.
func StateAt(met bool, end, now time.Time) NightState {
	switch {
	case met:
		return NightMet
	case now.Before(end):
		return NightOpen
	}
	return NightMissed
}

// NightCheck is one night of a key area: its visits, the dwell, whether it met the requirement,
// and whether it was still open at the clock's reading (not over, not met yet: not judged).
type NightCheck struct {
	Date     geo.Date
	Visits   int
	DwellMin float64
	Meets    bool
	Open     bool
}

// State returns the night's state: met, open or missed.
func (n NightCheck) State() NightState {
	switch {
	case n.Meets:
		return NightMet
	case n.Open:
		return NightOpen
	}
	return NightMissed
}

// KeyArea is a key area or key road with its cells and its compliance over a period.
type KeyArea struct {
	Area     patrol.Area
	Geom     orb.Geometry
	Cells    []h3.Cell
	Nights   []NightCheck // one per night of the period
	Met      int          // nights that met the requirement
	Open     int          // nights still open at the clock's reading (see OpenAt)
	In, Near Incidents    // filled in by FindGaps
	Risk     float64      // filled in by FindGaps; 0 when it missed no judged night
}

// Below reports whether the area missed its requirement on some judged night: a night still
// open at the clock's reading (see OpenAt) is not missed, so it does not make the area a gap.
func (a *KeyArea) Below() bool { return a.Missed() > 0 }

// OpenNights returns the dates of the area's nights still open at the clock's reading: not
// over and not met yet, so not judged (see OpenAt).
func (a *KeyArea) OpenNights() []geo.Date {
	out := []geo.Date{}
	for _, n := range a.Nights {
		if n.Open {
			out = append(out, n.Date)
		}
	}
	return out
}

// Judged returns how many of the area's nights are judged: all but the open ones.
func (a *KeyArea) Judged() int { return len(a.Nights) - a.Open }

// Missed returns how many of the area's nights are missed: judged and not met.
func (a *KeyArea) Missed() int { return a.Judged() - a.Met }

// Percent returns the share of judged nights that met the requirement, in percent; ok is false
// when the period holds no judged night.
func (a *KeyArea) Percent() (pct float64, ok bool) {
	if a.Judged() == 0 {
		return 0, false
	}
	return 100 * float64(a.Met) / float64(a.Judged()), true
}

// Tally is the compliance of several key areas summed night by night.
type Tally struct {
	Nights int // area-nights of the period
	Judged int // area-nights judged (not open)
	Met    int // area-nights that met the requirement
}

// TallyOf sums the nights of areas.
func TallyOf(areas []KeyArea) Tally {
	var t Tally
	for i := range areas {
		t.Nights += len(areas[i].Nights)
		t.Judged += areas[i].Judged()
		t.Met += areas[i].Met
	}
	return t
}

// Percent returns the share of judged area-nights that met the requirement, in percent; ok is
// false when none was judged.
func (t Tally) Percent() (pct float64, ok bool) {
	if t.Judged == 0 {
		return 0, false
	}
	return 100 * float64(t.Met) / float64(t.Judged), true
}

// OpenAt marks the nights of areas, checked over the nights of p for unit u, that are still
// open at now: not met and not over, a night being over when its part inside p has ended (the
// night's end, or p's end when p ends inside it). Such a night is not judged: tonight, before
// or during its shift, is not a missed night; met early it counts as met; once over unvisited it
// is missed. Marks from an earlier call are replaced.
func OpenAt(areas []KeyArea, u patrol.Unit, p geo.Period, now time.Time) {
	loc, nw := unit.Location(u), unit.NightWindow(u)
	for i := range areas {
		a := &areas[i]
		a.Open = 0
		for j := range a.Nights {
			n := &a.Nights[j]
			end := nw.Night(n.Date, loc).To
			if p.To.Before(end) {
				end = p.To
			}
			n.Open = StateAt(n.Meets, end, now) == NightOpen
			if n.Open {
				a.Open++
			}
		}
	}
}

// Compliance checks every key area and key road of unit u night by night over the nights of p,
// at the unit's resolution, as of now (the clock's reading: nights still open then are marked
// and not judged, see OpenAt). Only the areas' own cells are read from the store. An area whose
// stored geometry cannot be used is left out, with a warning for it in warnings.
func Compliance(ctx context.Context, db Store, u patrol.Unit, p geo.Period, now time.Time) (areas []KeyArea, warnings []string, err error) {
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
			return nil, nil, fmt.Errorf("compliance of unit %s: %w", u.Code, err)
		}
	}
	checkNights(areas, visits, geo.NightDates(p, unit.Location(u), unit.NightWindow(u)))
	OpenAt(areas, u, p, now)
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
		a.Met, a.Open = 0, 0
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
