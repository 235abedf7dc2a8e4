package night

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// fakeRepo is an in-memory BoardRepository: areas, raw fixes per device (coverage is computed
// from them with geo.DeviceVisits, as the store's rollups do) and a fixed incident cube.
type fakeRepo struct {
	unit      patrol.Unit
	areas     []patrol.Area
	fixes     map[string][]patrol.Fix
	cubeCells []h3.Cell
	cubeCount []float64
	calls     int // CoverageVisits calls
}

func (f *fakeRepo) ListAreas(_ context.Context, unitID int, kind string) ([]patrol.Area, error) {
	var out []patrol.Area
	for _, a := range f.areas {
		if a.UnitID == unitID && (kind == "" || a.Kind == kind) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (f *fakeRepo) CoverageVisits(_ context.Context, unitID, deviceID, res int, window geo.Window, p geo.Period, cells []h3.Cell) ([]geo.CellVisit, error) {
	f.calls++
	if !p.Bounded() || !p.From.Before(p.To) {
		return nil, fmt.Errorf("fake: unbounded period %v", p)
	}
	var out []geo.CellVisit
	devices := make([]string, 0, len(f.fixes))
	for d := range f.fixes {
		devices = append(devices, d)
	}
	slices.Sort(devices)
	for _, d := range devices {
		vs, err := geo.DeviceVisits(d, f.fixes[d], geo.CoverageOptions{Res: res, Loc: Zone(f.unit), Night: Window(f.unit), Window: window, Period: p})
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			if cells == nil || slices.Contains(cells, v.Cell) {
				out = append(out, v)
			}
		}
	}
	return out, nil
}

func (f *fakeRepo) ListDevices(_ context.Context, unitID int) ([]patrol.Device, error) {
	return []patrol.Device{{ID: 1, UnitID: unitID, Ident: "d1"}, {ID: 2, UnitID: unitID, Ident: "d2"},
		{ID: 3, UnitID: unitID, Ident: "near", Name: "Điện thoại Lê Thị Hoa"}}, nil
}

func (f *fakeRepo) IncidentCube(_ context.Context, unitID, res int, bounds []time.Time, _ []string, _ int) ([]h3.Cell, [][]float64, error) {
	if f.cubeCells == nil {
		return nil, nil, &geo.AnalysisInputError{Msg: "fake: no study area"}
	}
	return f.cubeCells, [][]float64{f.cubeCount}, nil
}

// spot is the centre of a resolution-10 cell near the test ward.
type spot struct {
	pt   orb.Point
	cell h3.Cell
}

func newSpot(t *testing.T, lon, lat float64) spot {
	t.Helper()
	c, err := geo.CellOf(orb.Point{lon, lat}, 10)
	if err != nil {
		t.Fatal(err)
	}
	p, err := geo.CellCentre(c)
	if err != nil {
		t.Fatal(err)
	}
	return spot{pt: p, cell: c}
}

// square is a small polygon (about 20 m across) around a spot, as GeoJSON.
func (s spot) square() []byte {
	const d = 0.0001
	x, y := s.pt[0], s.pt[1]
	return fmt.Appendf(nil, `{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}`,
		x-d, y-d, x+d, y-d, x+d, y+d, x-d, y+d, x-d, y-d)
}

// stay is a device standing at a spot with a fix every 30 s from `from` to `to` inclusive.
func stay(s spot, from, to time.Time) []patrol.Fix {
	var out []patrol.Fix
	for t := from; !t.After(to); t = t.Add(30 * time.Second) {
		out = append(out, patrol.Fix{Time: t, Lon: s.pt[0], Lat: s.pt[1], Accuracy: 5, Speed: math.NaN()})
	}
	return out
}

// fakeAlerts adds the alert storage to fakeRepo: alerts unique per area and night, as the
// store's key makes them, and fixed latest positions.
type fakeAlerts struct {
	*fakeRepo
	alerts    []patrol.NightAlert
	positions []patrol.StoredFix
	inserts   int // RaiseAlert calls
}

func (f *fakeAlerts) ListUnits(context.Context, int) ([]patrol.Unit, error) {
	return []patrol.Unit{f.unit}, nil
}

func (f *fakeAlerts) LatestPositions(context.Context, int, time.Time, time.Duration) ([]patrol.StoredFix, error) {
	return f.positions, nil
}

func (f *fakeAlerts) RaiseAlert(_ context.Context, a patrol.NightAlert) (patrol.NightAlert, bool, error) {
	f.inserts++
	for _, old := range f.alerts {
		if old.AreaID == a.AreaID && old.Night == a.Night {
			return old, false, nil
		}
	}
	a.ID = int64(len(f.alerts) + 1)
	f.alerts = append(f.alerts, a)
	return a, true, nil
}

func (f *fakeAlerts) ListAlerts(_ context.Context, unitID int, from, to time.Time) ([]patrol.NightAlert, error) {
	var out []patrol.NightAlert
	for _, a := range f.alerts {
		if a.UnitID == unitID && !a.DeadlineAt.Before(from) && !a.DeadlineAt.After(to) {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(x, y patrol.NightAlert) int { return x.DeadlineAt.Compare(y.DeadlineAt) }) // as the store orders them
	return out, nil
}

// fakeNight adds what the handover reads and writes to fakeAlerts.
type fakeNight struct {
	*fakeAlerts
	incidents []patrol.Incident
	handovers []patrol.NightHandover
	saves     int
}

func (f *fakeNight) PatrolSummary(_ context.Context, _ int, nights []geo.Period) (patrol.PatrolSummary, error) {
	return patrol.PatrolSummary{NightsPatrolled: 1, Devices: 2, Fixes: 99, Hours: 0.75, DistanceKm: 3.456}, nil
}

func (f *fakeNight) ListIncidents(_ context.Context, _ int, from, to time.Time, _ bool) ([]patrol.Incident, error) {
	var out []patrol.Incident
	for _, in := range f.incidents {
		if !in.Time.Before(from) && in.Time.Before(to) {
			out = append(out, in)
		}
	}
	return out, nil
}

func (f *fakeNight) SaveHandover(_ context.Context, h patrol.NightHandover) (patrol.NightHandover, bool, error) {
	f.saves++
	for _, old := range f.handovers {
		if old.UnitID == h.UnitID && old.Night == h.Night {
			return old, false, nil
		}
	}
	h.ID = int64(len(f.handovers) + 1)
	f.handovers = append(f.handovers, h)
	return h, true, nil
}
