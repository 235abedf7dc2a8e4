// Package coverage owns the night-coverage questions of a unit: which study cells and key areas
// were patrolled how often, and the one definition of a coverage gap that GET /api/v1/gaps, the
// suggested plan and the proof report all answer from.
//
// A gap is a study-area cell visited on fewer than minNights nights of the period (minNights 1:
// never visited at night), at the unit's own H3 resolution, or a key area or key road that
// missed its requirement on some judged night — judged as Compliance judges it at the same
// clock reading: a night not over and not met yet is open, not missed (OpenAt). Gaps are ranked
// by risk (geo.GapRisk over the last 12 months' incidents in and around them and their key-area
// membership).
package coverage

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/unit"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// Store is the storage the coverage analyses read; store.Store implements it.
type Store interface {
	// CoverageVisits returns the passes of a unit's devices (one device when deviceID > 0)
	// through the H3 cells of resolution res, counting only time inside window and the bounded
	// period p; cells, when not nil, limits them to those cells.
	CoverageVisits(ctx context.Context, unitID, deviceID, res int, window geo.Window, p geo.Period, cells []h3.Cell) ([]geo.CellVisit, error)
	ListIncidents(ctx context.Context, unitID int, from, to time.Time, withVoid bool) ([]patrol.Incident, error)
	ListAreas(ctx context.Context, unitID int, kind string) ([]patrol.Area, error)
}

// Gap-model settings.
const (
	// RiskHistory is how far before the end of the period incidents count towards risk.
	RiskHistory = 365 * 24 * time.Hour
	// MaxMinNights bounds minNights.
	MaxMinNights = 2000
)

// Incidents is the incident history of a cell or area: how many and their severities summed.
type Incidents struct{ Count, Severity int }

func (l *Incidents) add(o Incidents) {
	l.Count += o.Count
	l.Severity += o.Severity
}

// CellGap is a study cell visited on fewer than MinNights nights.
type CellGap struct {
	Cell     h3.Cell
	Nights   int // nights visited
	Risk     float64
	In, Near Incidents
	KeyAreas []string // names of the key areas the cell lies in
}

// Gaps is the night coverage of a unit over a period and the gaps it leaves.
type Gaps struct {
	Unit      patrol.Unit
	Res       int
	Period    geo.Period
	MinNights int
	Nights    []geo.Date // the nights of the period
	Boundary  orb.Geometry
	Study     []h3.Cell       // the study area: cells whose centres lie in the boundary
	Visited   map[h3.Cell]int // nights visited, for every visited cell
	Cells     []CellGap       // the gap cells, highest risk first (ties: by cell)
	Areas     []KeyArea       // every key area and key road, checked night by night, open nights marked at AsOf
	AsOf      time.Time       // the clock's reading the key areas' nights were judged at
	// IncidentsFrom is where the incident history behind the risks starts (Period.To − RiskHistory).
	IncidentsFrom time.Time
	// LeftOut names the key areas left out because their stored geometry cannot be used, and
	// Warnings says so for each, for the answers to carry.
	LeftOut, Warnings []string
}

// Gap is one entry of the joint ranking: a cell or a key area that missed a judged night.
type Gap struct {
	Cell *CellGap
	Area *KeyArea
}

// Risk returns the gap's risk.
func (g Gap) Risk() float64 {
	if g.Area != nil {
		return g.Area.Risk
	}
	return g.Cell.Risk
}

// sortKey orders gaps of equal risk: areas first (by id), then cells.
func (g Gap) sortKey() string {
	if g.Area != nil {
		return fmt.Sprintf("0%020d", g.Area.Area.ID)
	}
	return "1" + g.Cell.Cell.String()
}

// Ranked returns the gap cells and the key areas below their requirement (KeyArea.Below: a
// judged night missed) in one ranking, highest risk first; ties put areas first (by id), then
// cells.
func (g *Gaps) Ranked() []Gap {
	out := make([]Gap, 0, len(g.Cells)+len(g.Areas))
	for i := range g.Cells {
		out = append(out, Gap{Cell: &g.Cells[i]})
	}
	for i := range g.Areas {
		if g.Areas[i].Below() {
			out = append(out, Gap{Area: &g.Areas[i]})
		}
	}
	slices.SortStableFunc(out, func(x, y Gap) int {
		return cmp.Or(cmp.Compare(y.Risk(), x.Risk()), cmp.Compare(x.sortKey(), y.sortKey()))
	})
	return out
}

// CoveredCells returns how many study cells were visited on at least one night.
func (g *Gaps) CoveredCells() int {
	n := 0
	for _, c := range g.Study {
		if g.Visited[c] > 0 {
			n++
		}
	}
	return n
}

// MinNightsOf checks a requested minNights: 1 to MaxMinNights.
func MinNightsOf(n int) error {
	if n < 1 || n > MaxMinNights {
		return patrol.Invalid("min_nights", fmt.Sprintf("must be an integer from 1 to %d", MaxMinNights))
	}
	return nil
}

// FindGaps computes the gaps of unit u over the nights of p as of now (the clock's reading):
// the study cells visited on fewer than minNights nights and the key areas that missed their
// requirement on some judged night, each with its incident history and risk. The key areas'
// nights still open at now are marked (OpenAt) and count neither as met nor as missed, as in
// Compliance. It fails with a *patrol.FieldError naming "unit" when the unit has
// no boundary (ErrConflict) or an H3 resolution outside geo.MinRes–geo.MaxRes
// (ErrUnprocessable), and naming "min_nights" when minNights is out of range.
func FindGaps(ctx context.Context, db Store, u patrol.Unit, p geo.Period, minNights int, now time.Time) (*Gaps, error) {
	if err := MinNightsOf(minNights); err != nil {
		return nil, err
	}
	boundary, err := unit.Boundary(u)
	if err != nil {
		return nil, err
	}
	res, err := unit.Res(u)
	if err != nil {
		return nil, err
	}
	g := &Gaps{Unit: u, Res: res, Period: p, MinNights: minNights, Boundary: boundary, Visited: map[h3.Cell]int{}, AsOf: now,
		Nights: geo.NightDates(p, unit.Location(u), unit.NightWindow(u)), IncidentsFrom: p.To.Add(-RiskHistory)}
	if g.Study, err = unit.StudyCells(u, boundary, res); err != nil {
		return nil, err
	}
	visits, err := db.CoverageVisits(ctx, u.ID, 0, res, geo.WindowNight, p, nil)
	if err != nil {
		return nil, fmt.Errorf("gaps of unit %s: %w", u.Code, err)
	}
	for _, cc := range geo.MergeCoverage(visits) {
		g.Visited[cc.Cell] = cc.Nights
	}
	var left leftOut
	if g.Areas, left, err = keyAreas(ctx, db, u, res); err != nil {
		return nil, err
	}
	g.LeftOut, g.Warnings = left.names, left.warnings
	checkNights(g.Areas, visits, g.Nights)
	OpenAt(g.Areas, u, p, now)
	incidents, err := db.ListIncidents(ctx, u.ID, g.IncidentsFrom, p.To, false)
	if err != nil {
		return nil, err
	}
	h := newHistory(incidents, res)
	if err := g.rank(h); err != nil {
		return nil, err
	}
	return g, nil
}

// rank fills in the incident history and risk of the key areas and the gap cells.
func (g *Gaps) rank(h history) error {
	areasOf := map[h3.Cell][]string{}
	for i := range g.Areas {
		a := &g.Areas[i]
		var err error
		if a.In, a.Near, err = h.of(a.Cells); err != nil {
			return err
		}
		a.Risk = 0
		if a.Below() {
			shortfall := float64(a.Missed()) / float64(a.Judged())
			a.Risk = geo.GapRisk(shortfall, a.In.Severity, a.Near.Severity, 1)
		}
		for _, c := range a.Cells {
			areasOf[c] = append(areasOf[c], a.Area.Name)
		}
	}
	for _, cell := range g.Study {
		n := g.Visited[cell]
		if n >= g.MinNights {
			continue
		}
		c := CellGap{Cell: cell, Nights: n, KeyAreas: areasOf[cell]}
		var err error
		if c.In, c.Near, err = h.of([]h3.Cell{cell}); err != nil {
			return err
		}
		shortfall := float64(g.MinNights-n) / float64(g.MinNights)
		c.Risk = geo.GapRisk(shortfall, c.In.Severity, c.Near.Severity, len(c.KeyAreas))
		g.Cells = append(g.Cells, c)
	}
	slices.SortStableFunc(g.Cells, func(x, y CellGap) int {
		return cmp.Or(cmp.Compare(y.Risk, x.Risk), cmp.Compare(x.Cell, y.Cell))
	})
	return nil
}

// history is the incident history binned by cell.
type history map[h3.Cell]Incidents

// newHistory bins the incidents that count (not void) into cells of resolution res.
func newHistory(list []patrol.Incident, res int) history {
	h := history{}
	for _, in := range list {
		if in.Status == patrol.StatusVoid {
			continue
		}
		cell, err := geo.CellOf(orb.Point{in.Lon, in.Lat}, res)
		if err != nil {
			continue // stored incidents have valid points; a bad one counts for nothing
		}
		l := h[cell]
		l.add(Incidents{Count: 1, Severity: in.Severity})
		h[cell] = l
	}
	return h
}

// of sums the incidents inside cells and in the ring of cells around them.
func (h history) of(cells []h3.Cell) (in, near Incidents, err error) {
	inside := make(map[h3.Cell]bool, len(cells))
	for _, c := range cells {
		inside[c] = true
	}
	around := map[h3.Cell]bool{}
	for _, c := range cells {
		in.add(h[c])
		disk, err := h3.GridDisk(c, 1)
		if err != nil {
			return in, near, fmt.Errorf("neighbours of %s: %w", c, err)
		}
		for _, n := range disk {
			if !inside[n] && !around[n] {
				around[n] = true
				near.add(h[n])
			}
		}
	}
	return in, near, nil
}
