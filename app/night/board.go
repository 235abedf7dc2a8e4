// Package night answers the duty officer's questions about one night as it goes: which key
// areas have met their requirement, which are late, whether the hot spots got their dose of
// patrol; it raises deadline alerts and writes the morning handover.
//
// It holds no HTTP and no SQL: the clock is passed in, storage is the small Repository
// interfaces declared here (package store implements them), and visits come from the one
// coverage definition in package geo (geo.AreaVisits, geo.AreaVisit.Counts), the same as
// /compliance and /gaps use.
package night

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/app/unit"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// BoardRepository is the storage the night board reads.
type BoardRepository interface {
	// ListAreas returns a unit's areas, of one kind when kind is not empty.
	ListAreas(ctx context.Context, unitID int, kind string) ([]patrol.Area, error)
	// CoverageVisits returns the passes of a unit's devices through the cells (all when nil)
	// at resolution res, counting only time inside window and the bounded period p.
	CoverageVisits(ctx context.Context, unitID, deviceID, res int, window geo.Window, p geo.Period, cells []h3.Cell) ([]geo.CellVisit, error)
	// IncidentCube returns the study area of a unit at res and its incident counts per step
	// between bounds (see api.AnalysisBackend).
	IncidentCube(ctx context.Context, unitID, res int, bounds []time.Time, categories []string, minSeverity int) ([]h3.Cell, [][]float64, error)
	// ListDevices returns a unit's devices; coverage names a device by its id in decimal.
	ListDevices(ctx context.Context, unitID int) ([]patrol.Device, error)
}

// Status is where a key area stands in a night.
type Status string

// The statuses of a key area.
const (
	StatusMet     Status = "met"     // its required visits are done
	StatusPending Status = "pending" // not yet, and neither its deadline nor the night is over
	StatusOverdue Status = "overdue" // not yet, and its deadline has passed
	StatusMissed  Status = "missed"  // the night ended without them
)

// Defaults of the hot spot dosage (the Koper curve: stays of 10–16 minutes, at most two hours
// apart) and how far back hot spots are looked for.
const (
	DefaultMinDwellMin  = 10
	DefaultMaxGapMin    = 120
	DefaultHotspotWeeks = 8
	// MaxHotspots is the most hot spot cells a board lists, the strongest first.
	MaxHotspots = 30
	// hotspotConfidence is the Gi* confidence (after FDR) a hot spot cell needs.
	hotspotConfidence = 95
)

// Options tune the hot spot dosage of a board; zero values take the defaults.
type Options struct {
	MinDwellMin  float64 // a stay in a hot spot cell counts from this many minutes
	MaxGapMin    float64 // the longest the cell may go without a counted stay
	HotspotWeeks int     // hot spots are those of this many weeks before the night
}

func (o Options) withDefaults() Options {
	if o.MinDwellMin <= 0 {
		o.MinDwellMin = DefaultMinDwellMin
	}
	if o.MaxGapMin <= 0 {
		o.MaxGapMin = DefaultMaxGapMin
	}
	if o.HotspotWeeks <= 0 {
		o.HotspotWeeks = DefaultHotspotWeeks
	}
	return o
}

// Visit is one device's stay in an area or cell during the night.
type Visit struct {
	Device   string
	Enter    time.Time
	Leave    time.Time
	DwellMin float64
	Counts   bool // it stayed the minimum dwell
}

// AreaState is one key area (or key road) on the board.
type AreaState struct {
	Area        patrol.Area
	Cells       []h3.Cell
	Required    int
	MinDwellMin int
	Visits      int       // visits that stayed the minimum, so far
	DwellMin    []float64 // the minutes of each of those visits, in order
	Passes      []Visit   // every visit so far, short ones too
	Officers    []string  // devices whose visits counted, in order of their first
	LastVisit   time.Time // when the last counted visit left; zero when none
	Status      Status
	Deadline    string    // "HH:MM", "" when the area has none
	DeadlineAt  time.Time // zero when none
}

// HotspotDosage is the patrol dose of one hot spot cell in the night.
type HotspotDosage struct {
	Cell          h3.Cell
	Z             float64 // Gi* z-score over the weeks before the night
	Incidents     int     // incidents in the cell in those weeks
	Visits        int     // stays of at least MinDwellMin
	DwellMin      []float64
	LastVisit     time.Time // zero when none
	LongestGapMin float64   // longest time without a counted stay, from the night's start to the board's instant
	DosageMet     bool      // LongestGapMin is at most MaxGapMin
}

// Board is the state of one night of a unit as of an instant.
type Board struct {
	Unit        patrol.Unit
	Night       geo.Date
	At          time.Time  // the instant asked for
	Period      geo.Period // the whole night
	Cut         time.Time  // fixes count up to here: At, within the night
	Options     Options
	HotspotFrom time.Time // hot spots are those of [HotspotFrom, Period.From)
	Areas       []AreaState
	Hotspots    []HotspotDosage
	Warnings    []string // areas left out because their stored geometry cannot be used
}

// Over reports whether the night had ended by the board's instant.
func (b Board) Over() bool { return !b.At.Before(b.Period.To) }

// Tonight returns the night of date d of the unit as of the instant at: every key area and key
// road with its visits and status, and the dosage of the hot spot cells of the weeks before.
func Tonight(ctx context.Context, repo BoardRepository, u patrol.Unit, d geo.Date, at time.Time, opt Options) (Board, error) {
	return tonight(ctx, repo, u, d, at, opt, true)
}

// tonight is Tonight, with the hot spots only when withHotspots.
func tonight(ctx context.Context, repo BoardRepository, u patrol.Unit, d geo.Date, at time.Time, opt Options, withHotspots bool) (Board, error) {
	opt = opt.withDefaults()
	loc, nw := Zone(u), Window(u)
	b := Board{Unit: u, Night: d, At: at, Period: nw.Night(d, loc), Options: opt}
	b.Cut = at
	if b.Cut.After(b.Period.To) {
		b.Cut = b.Period.To
	}
	b.HotspotFrom = b.Period.From.AddDate(0, 0, -7*opt.HotspotWeeks)

	areas, warnings, err := KeyAreas(ctx, repo, u)
	if err != nil {
		return Board{}, err
	}
	b.Warnings = warnings
	var hot []hotCell
	if withHotspots {
		if hot, err = hotCells(ctx, repo, u, b.HotspotFrom, b.Period.From); err != nil {
			return Board{}, err
		}
	}
	var cells []h3.Cell
	for _, a := range areas {
		cells = append(cells, a.Cells...)
	}
	for _, h := range hot {
		cells = append(cells, h.Cell)
	}
	var visits []geo.CellVisit
	if b.Cut.After(b.Period.From) && len(cells) > 0 {
		visits, err = repo.CoverageVisits(ctx, u.ID, 0, u.H3Res, geo.WindowNight, geo.Period{From: b.Period.From, To: b.Cut}, cells)
		if err != nil {
			return Board{}, fmt.Errorf("night %s of unit %s: %w", d, u.Code, err)
		}
	}
	if err := nameDevices(ctx, repo, u, visits); err != nil {
		return Board{}, err
	}
	for _, a := range areas {
		b.Areas = append(b.Areas, b.areaState(a, visits))
	}
	for _, h := range hot {
		b.Hotspots = append(b.Hotspots, b.dosage(h, visits))
	}
	return b, nil
}

// nameDevices replaces the device ids of visits by the devices' idents.
func nameDevices(ctx context.Context, repo BoardRepository, u patrol.Unit, visits []geo.CellVisit) error {
	if len(visits) == 0 {
		return nil
	}
	devices, err := repo.ListDevices(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("devices of unit %s: %w", u.Code, err)
	}
	ident := make(map[string]string, len(devices))
	for _, d := range devices {
		ident[strconv.Itoa(d.ID)] = d.Ident
	}
	for i := range visits {
		if id, ok := ident[visits[i].Device]; ok {
			visits[i].Device = id
		}
	}
	return nil
}

// KeyArea is a key area or key road with its cells at the unit's resolution.
type KeyArea struct {
	Area  patrol.Area
	Cells []h3.Cell
}

// KeyAreas returns the unit's key areas and key roads with their cells at the unit's
// resolution, found as compliance finds them (unit.AreaCells); an area whose stored geometry
// cannot be used is left out, with a warning for it.
func KeyAreas(ctx context.Context, repo BoardRepository, u patrol.Unit) ([]KeyArea, []string, error) {
	res, err := unit.Res(u)
	if err != nil {
		return nil, nil, err
	}
	all, err := repo.ListAreas(ctx, u.ID, "")
	if err != nil {
		return nil, nil, err
	}
	var out []KeyArea
	var warnings []string
	for _, a := range all {
		if a.Kind != patrol.KindKeyArea && a.Kind != patrol.KindKeyRoad {
			continue
		}
		_, cells, err := unit.AreaCells(a, res)
		if err != nil {
			warnings = append(warnings, unit.LeftOutWarning(a, err))
			continue
		}
		out = append(out, KeyArea{Area: a, Cells: cells})
	}
	return out, warnings, nil
}

// areaState counts an area's visits so far and sets its status.
func (b Board) areaState(a KeyArea, visits []geo.CellVisit) AreaState {
	st := AreaState{Area: a.Area, Cells: a.Cells, Required: a.Area.RequiredNightVisits, MinDwellMin: a.Area.MinDwellMin,
		DwellMin: []float64{}, Passes: []Visit{}, Officers: []string{}}
	for _, v := range geo.AreaVisits(visits, a.Cells) {
		counts := v.Counts(float64(a.Area.MinDwellMin))
		st.Passes = append(st.Passes, Visit{Device: v.Device, Enter: v.Enter, Leave: v.Leave, DwellMin: v.DwellS / 60, Counts: counts})
		if !counts {
			continue
		}
		st.Visits++
		st.DwellMin = append(st.DwellMin, v.DwellS/60)
		st.LastVisit = laterOf(st.LastVisit, v.Leave)
		if !slices.Contains(st.Officers, v.Device) {
			st.Officers = append(st.Officers, v.Device)
		}
	}
	st.Status, st.Deadline, st.DeadlineAt = AreaStatus(b.Unit, a.Area, b.Night, st.Visits, b.At)
	return st
}

// AreaStatus returns where area a of unit u stands on the night of date d as of the instant at,
// with visits counted visits so far: the board's status (met, pending, overdue or missed), and
// the area's deadline ("HH:MM") and its instant that night ("" and zero when it has none). The
// night board and the plan (app/planning) judge an area's night with it.
func AreaStatus(u patrol.Unit, a patrol.Area, d geo.Date, visits int, at time.Time) (Status, string, time.Time) {
	loc, nw := Zone(u), Window(u)
	var deadline string
	var deadlineAt time.Time
	if c, s, ok := AreaDeadline(u, a); ok {
		deadline, deadlineAt = s, DeadlineAt(nw, d, c, loc)
	}
	return statusOf(visits, a.RequiredNightVisits, at, deadlineAt, nw.Night(d, loc).To), deadline, deadlineAt
}

// statusOf is the status of an area with visits of required as of at, in a night that ends at
// nightEnd: met, open or missed as the compliance model judges a night (coverage.StateAt), an
// open night being overdue once its deadline has passed and pending before.
func statusOf(visits, required int, at, deadline, nightEnd time.Time) Status {
	switch coverage.StateAt(visits >= required, nightEnd, at) {
	case coverage.NightMet:
		return StatusMet
	case coverage.NightMissed:
		return StatusMissed
	}
	if !deadline.IsZero() && !at.Before(deadline) {
		return StatusOverdue
	}
	return StatusPending
}

// hotCell is a Gi* hot spot cell of the weeks before the night.
type hotCell struct {
	Cell      h3.Cell
	Z         float64
	Incidents int
}

// hotCells returns the cells that were Gi* hot spots at 95 % confidence (after FDR) on the
// incidents of [from, to), the strongest first, at most MaxHotspots. A unit without a boundary
// or without enough incidents for the statistic has none.
func hotCells(ctx context.Context, repo BoardRepository, u patrol.Unit, from, to time.Time) ([]hotCell, error) {
	if len(u.Boundary) == 0 {
		return nil, nil
	}
	cells, counts, err := repo.IncidentCube(ctx, u.ID, u.H3Res, []time.Time{from, to}, nil, 0)
	var bad *geo.AnalysisInputError
	if errors.As(err, &bad) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("hot spots of unit %s: %w", u.Code, err)
	}
	if len(cells) < 2 || len(counts) == 0 {
		return nil, nil
	}
	res, err := geo.Hotspots(cells, counts[0], 1, 0.05)
	if errors.As(err, &bad) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("hot spots of unit %s: %w", u.Code, err)
	}
	var out []hotCell
	for _, r := range res {
		if r.Class == geo.ClassHot && r.Confidence >= hotspotConfidence {
			out = append(out, hotCell{Cell: r.Cell, Z: r.Z, Incidents: int(r.Count)})
		}
	}
	slices.SortFunc(out, func(x, y hotCell) int { return cmp.Or(cmp.Compare(y.Z, x.Z), cmp.Compare(x.Cell, y.Cell)) })
	if len(out) > MaxHotspots {
		out = out[:MaxHotspots]
	}
	return out, nil
}

// dosage measures the patrol dose of one hot spot cell: stays of at least MinDwellMin (visits
// to the cell as an area of one cell) and the longest time without one between the night's
// start and the board's cut.
func (b Board) dosage(h hotCell, visits []geo.CellVisit) HotspotDosage {
	d := HotspotDosage{Cell: h.Cell, Z: h.Z, Incidents: h.Incidents, DwellMin: []float64{}}
	var counted []geo.AreaVisit
	for _, v := range geo.AreaVisits(visits, []h3.Cell{h.Cell}) {
		if v.Counts(b.Options.MinDwellMin) {
			counted = append(counted, v)
			d.DwellMin = append(d.DwellMin, v.DwellS/60)
			d.LastVisit = laterOf(d.LastVisit, v.Leave)
		}
	}
	d.Visits = len(counted)
	d.LongestGapMin = longestGap(b.Period.From, b.Cut, counted).Minutes()
	d.DosageMet = d.LongestGapMin <= b.Options.MaxGapMin
	return d
}

// longestGap returns the longest stretch of [from, to) outside every visit.
func longestGap(from, to time.Time, visits []geo.AreaVisit) time.Duration {
	var longest time.Duration
	edge := from
	for _, v := range visits {
		if gap := v.Enter.Sub(edge); gap > longest {
			longest = gap
		}
		edge = laterOf(edge, v.Leave)
	}
	if gap := to.Sub(edge); gap > longest {
		longest = gap
	}
	return longest
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
