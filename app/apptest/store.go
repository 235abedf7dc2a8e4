// Package apptest holds an in-memory store for the use cases' table tests: it implements the
// Store interfaces of app/coverage and app/planning over plain slices, filtering as the database
// does, so a test states its data and reads the answer without PostGIS.
package apptest

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// Store is an in-memory store. Visits are answered by their Enter time; Nodes is the road
// graph, with straight distances between nodes.
type Store struct {
	Visits    []geo.CellVisit
	Incidents []patrol.Incident
	Areas     []patrol.Area
	Roads     []patrol.Road
	Network   patrol.RoadNetwork
	Nodes     []orb.Point // the road graph's nodes; a node's id is its index
	Calls     int         // CoverageVisits calls
	// CubeCells and CubeCounts are what IncidentCube answers: counts[t][i] for step t of
	// cell i, repeated for steps beyond the last row.
	CubeCells  []h3.Cell
	CubeCounts [][]float64
}

// IncidentCube answers CubeCells and one row of CubeCounts per step of bounds.
func (f *Store) IncidentCube(_ context.Context, _, _ int, bounds []time.Time, _ []string, _ int) ([]h3.Cell, [][]float64, error) {
	counts := make([][]float64, len(bounds)-1)
	for t := range counts {
		counts[t] = f.CubeCounts[min(t, len(f.CubeCounts)-1)]
	}
	return f.CubeCells, counts, nil
}

// CoverageVisits returns the visits that enter in p (and in cells, when not nil).
func (f *Store) CoverageVisits(_ context.Context, _, _, _ int, _ geo.Window, p geo.Period, cells []h3.Cell) ([]geo.CellVisit, error) {
	f.Calls++
	var out []geo.CellVisit
	for _, v := range f.Visits {
		if v.Enter.Before(p.From) || !v.Enter.Before(p.To) || (cells != nil && !slices.Contains(cells, v.Cell)) {
			continue
		}
		out = append(out, v)
	}
	return out, nil
}

// ListIncidents returns the incidents in [from, to), void ones only when withVoid.
func (f *Store) ListIncidents(_ context.Context, _ int, from, to time.Time, withVoid bool) ([]patrol.Incident, error) {
	var out []patrol.Incident
	for _, in := range f.Incidents {
		if in.Time.Before(from) || !in.Time.Before(to) || (!withVoid && in.Status == patrol.StatusVoid) {
			continue
		}
		out = append(out, in)
	}
	return out, nil
}

// ListAreas returns the areas of a kind (all when kind is empty).
func (f *Store) ListAreas(_ context.Context, _ int, kind string) ([]patrol.Area, error) {
	var out []patrol.Area
	for _, a := range f.Areas {
		if kind == "" || a.Kind == kind {
			out = append(out, a)
		}
	}
	return out, nil
}

// ListRoads returns the roads.
func (f *Store) ListRoads(context.Context, int) ([]patrol.Road, error) { return f.Roads, nil }

// RoadNetwork returns Network.
func (f *Store) RoadNetwork(context.Context, int) (patrol.RoadNetwork, error) { return f.Network, nil }

// SnapToRoads returns the nearest node to each point.
func (f *Store) SnapToRoads(_ context.Context, _ int, pts []orb.Point) ([]geo.RoadSnap, error) {
	out := make([]geo.RoadSnap, len(pts))
	for i, p := range pts {
		out[i].DistM = math.Inf(1)
		for id, n := range f.Nodes {
			if d := orbgeo.DistanceHaversine(p, n); d < out[i].DistM {
				out[i] = geo.RoadSnap{Node: int64(id), Point: n, DistM: d}
			}
		}
	}
	return out, nil
}

// RoadDistances returns straight distances between the nodes.
func (f *Store) RoadDistances(_ context.Context, _ int, nodes []int64) ([][]float64, error) {
	pts := make([]orb.Point, len(nodes))
	for i, n := range nodes {
		pts[i] = f.Nodes[n]
	}
	return geo.StraightDistances(pts), nil
}

// RoadPaths returns a straight two-point path per leg (nil when both ends are one node).
func (f *Store) RoadPaths(_ context.Context, _ int, legs [][2]int64) ([]orb.LineString, error) {
	out := make([]orb.LineString, len(legs))
	for i, l := range legs {
		if l[0] != l[1] {
			out[i] = orb.LineString{f.Nodes[l[0]], f.Nodes[l[1]]}
		}
	}
	return out, nil
}
