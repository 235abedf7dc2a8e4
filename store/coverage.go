package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// MaxRawCoverageDays is the longest period, in days, for which CoverageVisits computes coverage
// at a resolution other than the unit's own: that reads raw fixes, since rollups are kept at the
// unit's resolution only.
const MaxRawCoverageDays = 93

// CoverageRangeError says that a request would read too many raw fixes.
type CoverageRangeError struct {
	Field  string
	Reason string
}

func (e *CoverageRangeError) Error() string { return e.Field + ": " + e.Reason }

// GeometryField returns the field and the reason, for the HTTP layer.
func (e *CoverageRangeError) GeometryField() (string, string) { return e.Field, e.Reason }

// CoverageVisits returns the passes of a unit's devices (one device when deviceID > 0) through
// the H3 cells of resolution res, counting only time inside window and the bounded period p, as
// geo.DeviceVisits computes them per rollup piece; cells, when not nil, limits them to those
// cells. geo.MergeCoverage turns them into per-cell coverage and geo.AreaVisits into visits to
// an area.
//
// At the unit's own resolution the passes come from the rollups: the unit's dirty keys around p
// are caught up first, then the pieces wholly inside p are read from cell_pass, and the at most
// two pieces that p's ends cut are computed from the raw fixes of their keys. At another
// resolution every piece is computed from raw fixes, for periods of at most
// MaxRawCoverageDays.
func (s *Store) CoverageVisits(ctx context.Context, unitID, deviceID, res int, window geo.Window, p geo.Period, cells []h3.Cell) ([]geo.CellVisit, error) {
	if !p.Bounded() || !p.From.Before(p.To) {
		return nil, fmt.Errorf("coverage of unit %d: the period must be bounded and not empty", unitID)
	}
	if !window.Valid() {
		return nil, fmt.Errorf("coverage of unit %d: window %q", unitID, window)
	}
	u, err := s.rollupUnit(ctx, unitID)
	if err != nil {
		return nil, err
	}
	if res == 0 {
		res = u.res
	}
	first, last := u.dayOf(p.From), u.dayOf(p.To.Add(-time.Microsecond))
	out := newVisitReader(cells)
	if res != u.res {
		if p.To.Sub(p.From) > MaxRawCoverageDays*24*time.Hour {
			return nil, &CoverageRangeError{Field: "res", Reason: fmt.Sprintf("resolutions other than the unit's own (%d) are computed from raw fixes, for periods of at most %d days", u.res, MaxRawCoverageDays)}
		}
		return s.CoverageVisitsFromFixes(ctx, unitID, deviceID, res, window, p, cells)
	}

	if _, err := s.CatchUp(ctx, CatchUpOptions{UnitID: unitID, From: first.AddDays(-1), To: last.AddDays(1), Wait: true}); err != nil {
		return nil, err
	}
	var cellFilter []int64
	if cells != nil {
		cellFilter = make([]int64, len(cells))
		for i, c := range cells {
			cellFilter[i] = int64(c)
		}
	}
	rows, err := s.pool.Query(ctx, `SELECT device_id, cell, enter_at, leave_at, dwell_s, night FROM cell_pass
		WHERE unit_id = $1 AND res = $2 AND piece_start >= $3 AND piece_end <= $4
		  AND ($5 = 'all' OR ($5 = 'night') = (night IS NOT NULL))
		  AND ($6 = 0 OR device_id = $6) AND ($7::bigint[] IS NULL OR cell = ANY ($7))`,
		unitID, int16(res), p.From, p.To, string(window), deviceID, cellFilter)
	if err != nil {
		return nil, classify(fmt.Errorf("coverage of unit %d: %w", unitID, err))
	}
	if err := out.readRows(rows); err != nil {
		return nil, classify(fmt.Errorf("coverage of unit %d: %w", unitID, err))
	}

	// The pieces that p's ends cut are computed from raw fixes.
	var edges []geo.Date
	for _, t := range []time.Time{p.From, p.To} {
		d := u.dayOf(t)
		for _, pc := range u.pieces(d) {
			if pc.From.Before(t) && t.Before(pc.To) && !containsDate(edges, d) {
				edges = append(edges, d)
			}
		}
	}
	if len(edges) > 0 {
		cut := func(pc rollupPiece) bool { return pc.matches(window) && pc.overlaps(p) && !pc.within(p) }
		if err := s.rawCoverage(ctx, u, deviceID, res, edges, p, cut, out); err != nil {
			return nil, err
		}
	}
	return out.visits, nil
}

// CoverageVisitsFromFixes is CoverageVisits computed from the raw fixes alone, never from the
// rollups, at any resolution and for any period: the baseline of the benchmarks and a way to
// check the rollups.
func (s *Store) CoverageVisitsFromFixes(ctx context.Context, unitID, deviceID, res int, window geo.Window, p geo.Period, cells []h3.Cell) ([]geo.CellVisit, error) {
	if !p.Bounded() || !p.From.Before(p.To) {
		return nil, fmt.Errorf("coverage of unit %d: the period must be bounded and not empty", unitID)
	}
	u, err := s.rollupUnit(ctx, unitID)
	if err != nil {
		return nil, err
	}
	if res == 0 {
		res = u.res
	}
	var days []geo.Date
	for d, last := u.dayOf(p.From), u.dayOf(p.To.Add(-time.Microsecond)); !last.Before(d); d = d.AddDays(1) {
		days = append(days, d)
	}
	out := newVisitReader(cells)
	if err := s.rawCoverage(ctx, u, deviceID, res, days, p, func(pc rollupPiece) bool { return pc.matches(window) }, out); err != nil {
		return nil, err
	}
	return out.visits, nil
}

func containsDate(ds []geo.Date, d geo.Date) bool {
	for _, e := range ds {
		if e == d {
			return true
		}
	}
	return false
}

// rawCoverage computes from raw fixes the passes of the pieces of the given rollup days that
// want selects, clipped to p, and adds them to out.
func (s *Store) rawCoverage(ctx context.Context, u rollupUnit, deviceID, res int, days []geo.Date, p geo.Period, want func(rollupPiece) bool, out *visitReader) error {
	for _, d := range days {
		r := u.fixRange(d)
		rows, err := s.pool.Query(ctx, `SELECT device_id, ts, ST_X(geom), ST_Y(geom), coalesce(accuracy, 0)::float8, flags FROM fix
			WHERE unit_id = $1 AND ts >= $2 AND ts < $3 AND ($4 = 0 OR device_id = $4) ORDER BY device_id, ts`,
			u.id, r.From, r.To, deviceID)
		if err != nil {
			return classify(fmt.Errorf("coverage of unit %d: raw fixes: %w", u.id, err))
		}
		byDevice := map[int][]patrol.Fix{}
		var order []int
		for rows.Next() {
			var dev int
			var f patrol.Fix
			var flags int16
			if err := rows.Scan(&dev, &f.Time, &f.Lon, &f.Lat, &f.Accuracy, &flags); err != nil {
				rows.Close()
				return classify(fmt.Errorf("coverage of unit %d: raw fixes: %w", u.id, err))
			}
			if !keepForRollup(flags) {
				continue
			}
			f.Time = f.Time.UTC()
			if _, ok := byDevice[dev]; !ok {
				order = append(order, dev)
			}
			byDevice[dev] = append(byDevice[dev], f)
		}
		if err := rows.Err(); err != nil {
			return classify(fmt.Errorf("coverage of unit %d: raw fixes: %w", u.id, err))
		}
		for _, dev := range order {
			passes, err := u.keyPasses(dev, byDevice[dev], d, res, p, want)
			if err != nil {
				return fmt.Errorf("coverage of unit %d: %w", u.id, err)
			}
			for _, ps := range passes {
				out.add(ps.visit, out.inCells(ps.visit.Cell))
			}
		}
	}
	return nil
}

// visitReader collects passes, sharing device names and night lists between them.
type visitReader struct {
	visits  []geo.CellVisit
	cells   map[h3.Cell]bool // nil: every cell
	devices map[int]string
	nights  map[time.Time][]geo.Date
}

func newVisitReader(cells []h3.Cell) *visitReader {
	r := &visitReader{devices: map[int]string{}, nights: map[time.Time][]geo.Date{}}
	if cells != nil {
		r.cells = make(map[h3.Cell]bool, len(cells))
		for _, c := range cells {
			r.cells[c] = true
		}
	}
	return r
}

func (r *visitReader) inCells(c h3.Cell) bool { return r.cells == nil || r.cells[c] }

func (r *visitReader) add(v geo.CellVisit, ok bool) {
	if ok {
		r.visits = append(r.visits, v)
	}
}

// readRows reads cell_pass rows (device_id, cell, enter_at, leave_at, dwell_s, night).
func (r *visitReader) readRows(rows pgx.Rows) error {
	defer rows.Close()
	var dev int32
	var cell int64
	var night *time.Time
	for rows.Next() {
		var v geo.CellVisit
		if err := rows.Scan(&dev, &cell, &v.Enter, &v.Leave, &v.DwellS, &night); err != nil {
			return err
		}
		name, ok := r.devices[int(dev)]
		if !ok {
			name = strconv.Itoa(int(dev))
			r.devices[int(dev)] = name
		}
		v.Device = name
		v.Cell = h3.Cell(cell)
		v.Enter, v.Leave = v.Enter.UTC(), v.Leave.UTC()
		if night != nil {
			ns, ok := r.nights[*night]
			if !ok {
				ns = []geo.Date{dateOfValue(*night)}
				r.nights[*night] = ns
			}
			v.Nights = ns
		}
		r.visits = append(r.visits, v)
	}
	return rows.Err()
}
