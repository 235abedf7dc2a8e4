package reporting

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/report"
)

// Places names places in the report: the nearest road, the residential groups and key areas,
// and the period's incidents in given cells.
type Places struct {
	base     report.BaseMap
	roads    []patrol.Road
	lines    []orb.LineString
	groups   []patrol.Area
	groupGeo []orb.Geometry
	keyCells map[h3.Cell][]string
	incCells map[h3.Cell][]patrol.Incident
	res      int
}

// newPlaces indexes roads, residential groups, key areas and the counted incidents.
func newPlaces(cov Coverage, roads []patrol.Road, groups []patrol.Area, incidents []patrol.Incident) *Places {
	pl := &Places{keyCells: map[h3.Cell][]string{}, incCells: map[h3.Cell][]patrol.Incident{}, res: cov.Res}
	switch b := cov.Boundary.(type) {
	case orb.MultiPolygon:
		pl.base.Boundary = b
	case orb.Polygon:
		pl.base.Boundary = orb.MultiPolygon{b}
	}
	for _, rd := range roads {
		g, err := geo.ParseGeometry("geometry", rd.Geometry, "LineString")
		if err != nil {
			continue // a road whose stored geometry cannot be used names nothing
		}
		if l, ok := g.(orb.LineString); ok {
			pl.roads = append(pl.roads, rd)
			pl.lines = append(pl.lines, l)
			pl.base.RoadNames = append(pl.base.RoadNames, rd.Name)
		}
	}
	pl.base.Roads = pl.lines
	for _, ar := range cov.KeyAreas {
		pl.base.KeyAreas = append(pl.base.KeyAreas, ar.Geometry)
		for _, c := range ar.Cells {
			pl.keyCells[c] = append(pl.keyCells[c], ar.Area.Name)
		}
	}
	for _, gr := range groups {
		g, err := geo.ParseGeometry("geometry", gr.Geometry)
		if err != nil {
			continue // a group whose stored geometry cannot be used names nothing
		}
		pl.groups = append(pl.groups, gr)
		pl.groupGeo = append(pl.groupGeo, g)
		pl.base.Groups = append(pl.base.Groups, report.NamedGeometry{Name: gr.Name, Geometry: g})
	}
	for _, in := range incidents {
		if in.Status == patrol.StatusVoid {
			continue
		}
		if c, err := geo.CellOf(orb.Point{in.Lon, in.Lat}, pl.res); err == nil {
			pl.incCells[c] = append(pl.incCells[c], in)
		}
	}
	return pl
}

// PlaceStore is what naming places reads.
type PlaceStore interface {
	ListRoads(ctx context.Context, unitID int) ([]patrol.Road, error)
	ListAreas(ctx context.Context, unitID int, kind string) ([]patrol.Area, error)
	ListIncidents(ctx context.Context, unitID int, from, to time.Time, withVoid bool) ([]patrol.Incident, error)
}

// LoadPlaces loads what names the places of unit u: roads, residential groups, the key areas of
// the gap model g, and the counted incidents of p.
func LoadPlaces(ctx context.Context, db PlaceStore, u patrol.Unit, g *coverage.Gaps, p geo.Period) (*Places, error) {
	roads, err := db.ListRoads(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	groups, err := db.ListAreas(ctx, u.ID, patrol.KindResidentialGroup)
	if err != nil {
		return nil, err
	}
	incidents, err := db.ListIncidents(ctx, u.ID, p.From, p.To, false)
	if err != nil {
		return nil, err
	}
	return newPlaces(coverageOf(g), roads, groups, incidents), nil
}

// NearestRoad names the road nearest to p and how far it is: "Đường X (12 m)".
func (pl *Places) NearestRoad(p orb.Point, lang string) string {
	name, metres, ok := pl.ClosestRoad(p)
	if !ok {
		if lang == report.LangEN {
			return "no road loaded"
		}
		return "chưa có dữ liệu đường"
	}
	return fmt.Sprintf("%s (%d m)", name, int(math.Round(metres)))
}

// ClosestRoad returns the name of the road nearest to p and its distance in metres; ok is
// false when the unit has no roads.
func (pl *Places) ClosestRoad(p orb.Point) (name string, metres float64, ok bool) {
	best, bestD := -1, math.Inf(1)
	for i, l := range pl.lines {
		if d := geo.MetresToLine(p, l); d < bestD {
			best, bestD = i, d
		}
	}
	if best < 0 {
		return "", 0, false
	}
	name = pl.roads[best].Name
	if name == "" {
		name = "#" + strconv.FormatInt(pl.roads[best].ID, 10)
	}
	return name, bestD, true
}

// GroupsOf names the residential groups that hold the centres of cells.
func (pl *Places) GroupsOf(cells []h3.Cell) []string {
	var out []string
	for _, c := range cells {
		pt, err := geo.CellCentre(c)
		if err != nil {
			continue
		}
		for i, g := range pl.groupGeo {
			in := false
			switch g := g.(type) {
			case orb.Polygon:
				in = planar.PolygonContains(g, pt)
			case orb.MultiPolygon:
				in = planar.MultiPolygonContains(g, pt)
			}
			if in && !slices.Contains(out, pl.groups[i].Name) {
				out = append(out, pl.groups[i].Name)
			}
		}
	}
	return out
}

// KeyAreasOf names the key areas and key roads that share a cell with cells.
func (pl *Places) KeyAreasOf(cells []h3.Cell) []string {
	var out []string
	for _, c := range cells {
		for _, name := range pl.keyCells[c] {
			if !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}

// incidentsIn counts the period's incidents in cells, in total and per category (most first).
func (pl *Places) incidentsIn(cells []h3.Cell) (int, []report.CategoryCount) {
	by := map[string]*report.CategoryCount{}
	n := 0
	for _, c := range cells {
		for _, in := range pl.incCells[c] {
			n++
			cc := by[in.Category]
			if cc == nil {
				cc = &report.CategoryCount{Category: in.Category}
				by[in.Category] = cc
			}
			cc.Count++
			cc.SeveritySum += in.Severity
		}
	}
	out := make([]report.CategoryCount, 0, len(by))
	for _, cc := range by {
		out = append(out, *cc)
	}
	slices.SortFunc(out, func(a, b report.CategoryCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Category, b.Category))
	})
	return n, out
}

// Describe names a place: the nearest road, then the residential group and key areas.
func (pl *Places) Describe(p orb.Point, cells []h3.Cell, lang string) string {
	parts := []string{pl.NearestRoad(p, lang)}
	parts = append(parts, pl.GroupsOf(cells)...)
	parts = append(parts, pl.KeyAreasOf(cells)...)
	return strings.Join(parts, "; ")
}

// centreOf returns the mean of the centres of cells.
func centreOf(cells []h3.Cell) (orb.Point, error) {
	var lon, lat float64
	for _, c := range cells {
		pt, err := geo.CellCentre(c)
		if err != nil {
			return orb.Point{}, err
		}
		lon += pt[0]
		lat += pt[1]
	}
	n := float64(max(len(cells), 1))
	return orb.Point{lon / n, lat / n}, nil
}
