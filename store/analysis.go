package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
)

// IncidentCube returns the study area of a unit for the incident statistics at H3 resolution
// res, and its incident counts per cell and time step.
//
// The cells are those whose centres lie in the unit's boundary (geo.StudyCells) plus every cell
// that holds a counted incident of [bounds[0], bounds[len(bounds)-1]), sorted ascending and
// without duplicates. counts[t][i] is the number of counted incidents of cells[i] with a time in
// [bounds[t], bounds[t+1]); zero counts are kept, so counts[t] has one entry per cell. An incident
// is counted when it is not void, its category is one of categories (any category when the list
// is empty) and its severity is at least minSeverity.
//
// The H3 cell of each incident is computed here, in Go, with geo.CellOf: PostGIS has no H3, and
// binning costs about half a microsecond an incident (see docs/bench/stats.md). bounds must hold
// at least two instants in increasing order. A boundary too large to fill at res comes back as a
// *geo.AnalysisInputError; an unknown unit as patrol.ErrNotFound.
func (s *Store) IncidentCube(ctx context.Context, unitID, res int, bounds []time.Time, categories []string, minSeverity int) ([]h3.Cell, [][]float64, error) {
	if len(bounds) < 2 {
		return nil, nil, fmt.Errorf("incident cube: %d step bounds, need at least 2", len(bounds))
	}
	for i := 1; i < len(bounds); i++ {
		if !bounds[i-1].Before(bounds[i]) {
			return nil, nil, fmt.Errorf("incident cube: step bound %d (%s) is not after bound %d (%s)", i, bounds[i].Format(time.RFC3339), i-1, bounds[i-1].Format(time.RFC3339))
		}
	}
	if !geo.ValidRes(res) {
		return nil, nil, &geo.AnalysisInputError{Msg: fmt.Sprintf("resolution %d is not in %d..%d", res, geo.MinRes, geo.MaxRes)}
	}

	study, err := s.studyCells(ctx, unitID, res)
	if err != nil {
		return nil, nil, err
	}

	// A nil list reaches SQL as NULL, which selects every category.
	var cats []string
	if len(categories) > 0 {
		cats = categories
	}
	first, last := bounds[0], bounds[len(bounds)-1]
	rows, err := s.pool.Query(ctx, `SELECT ts, ST_X(geom), ST_Y(geom) FROM incident
		WHERE unit_id = $1 AND ts >= $2 AND ts < $3 AND status <> 'void'
		  AND ($4::text[] IS NULL OR category = ANY ($4::text[])) AND severity >= $5`,
		unitID, first, last, cats, minSeverity)
	if err != nil {
		return nil, nil, classify(fmt.Errorf("incident cube of unit %d: %w", unitID, err))
	}
	defer rows.Close()
	type binned struct {
		cell h3.Cell
		step int
	}
	var hits []binned
	var ts time.Time
	var lon, lat float64
	for rows.Next() {
		if err := rows.Scan(&ts, &lon, &lat); err != nil {
			return nil, nil, classify(fmt.Errorf("incident cube of unit %d: %w", unitID, err))
		}
		c, err := geo.CellOf(orb.Point{lon, lat}, res)
		if err != nil {
			return nil, nil, fmt.Errorf("incident cube of unit %d: %w", unitID, err)
		}
		hits = append(hits, binned{cell: c, step: stepOf(bounds, ts)})
	}
	if err := rows.Err(); err != nil {
		return nil, nil, classify(fmt.Errorf("incident cube of unit %d: %w", unitID, err))
	}

	cells := study
	for _, h := range hits {
		cells = append(cells, h.cell)
	}
	slices.Sort(cells)
	cells = slices.Compact(cells)
	index := make(map[h3.Cell]int, len(cells))
	for i, c := range cells {
		index[c] = i
	}
	steps := len(bounds) - 1
	flat := make([]float64, steps*len(cells))
	counts := make([][]float64, steps)
	for t := range counts {
		counts[t] = flat[t*len(cells) : (t+1)*len(cells) : (t+1)*len(cells)]
	}
	for _, h := range hits {
		counts[h.step][index[h.cell]]++
	}
	return cells, counts, nil
}

// studyCells returns the cells whose centres lie in a unit's boundary at resolution res, none
// when the unit has no boundary.
func (s *Store) studyCells(ctx context.Context, unitID, res int) ([]h3.Cell, error) {
	var raw []byte
	if err := s.pool.QueryRow(ctx, `SELECT ST_AsBinary(boundary) FROM unit WHERE id = $1`, unitID).Scan(&raw); err != nil {
		return nil, classify(fmt.Errorf("boundary of unit %d: %w", unitID, err))
	}
	if raw == nil {
		return nil, nil
	}
	g, err := wkb.Unmarshal(raw)
	if err != nil {
		return nil, fmt.Errorf("boundary of unit %d: %w", unitID, err)
	}
	cells, err := geo.StudyCells(g, res)
	if err != nil {
		// The boundary was checked by PostGIS when it was stored; what remains is a boundary too
		// large for the resolution, which the caller can fix by asking for a coarser one.
		var in *geo.AnalysisInputError
		if errors.As(err, &in) {
			return nil, err
		}
		return nil, &geo.AnalysisInputError{Msg: fmt.Sprintf("the study area of unit %d at resolution %d: %v", unitID, res, err)}
	}
	return cells, nil
}

// stepOf returns the index t of the step [bounds[t], bounds[t+1]) that holds ts; ts must lie in
// [bounds[0], bounds[len(bounds)-1]).
func stepOf(bounds []time.Time, ts time.Time) int {
	i, found := slices.BinarySearchFunc(bounds, ts, func(b, t time.Time) int { return b.Compare(t) })
	if found {
		return min(i, len(bounds)-2)
	}
	return max(i-1, 0)
}
