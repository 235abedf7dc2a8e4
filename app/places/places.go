// Package places names H3 cells for the web map's popups with the place index the report uses:
// the nearest road, the residential groups and key areas holding the cell, and the report's
// wording of the place.
package places

import (
	"context"
	"math"
	"strings"
	"time"

	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/app/reporting"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// MaxCells caps the cells of one request.
const MaxCells = 500

// Store is what naming places reads: the gap model's storage (for the key areas) and the
// roads, residential groups and incidents of the place index.
type Store interface {
	coverage.Store
	reporting.PlaceStore
}

// Place is one named cell.
type Place struct {
	Cell        string   `json:"cell"`
	Title       string   `json:"title"`            // "Ngõ 25 Bách Quang, Tổ dân phố 17"
	Road        string   `json:"road,omitempty"`   // the nearest road
	RoadM       *int     `json:"road_m,omitempty"` // its distance from the cell's centre, m
	Groups      []string `json:"groups"`           // residential groups holding the cell
	KeyAreas    []string `json:"key_areas"`        // key areas and key roads sharing the cell
	Description string   `json:"description"`      // the report's wording of the place
}

// ParseCells reads 1 to MaxCells H3 cells written as their hex strings (spaces around one are
// ignored). Bad input is a *patrol.FieldError on "cell".
func ParseCells(raw []string) ([]h3.Cell, error) {
	if len(raw) == 0 || len(raw) > MaxCells {
		return nil, patrol.Invalid("cell", "give 1 to 500 H3 cells (cell=…&cell=…)")
	}
	cells := make([]h3.Cell, 0, len(raw))
	for _, r := range raw {
		cell := h3.CellFromString(strings.TrimSpace(r))
		if !cell.IsValid() {
			return nil, patrol.Invalid("cell", "not an H3 cell: "+r)
		}
		cells = append(cells, cell)
	}
	return cells, nil
}

// Name names each of cells of unit u, in order, in lang (report.LangVI or LangEN). The key areas
// are those of the gap model of night period p as of now, the incidents those of p.
func Name(ctx context.Context, db Store, u patrol.Unit, p geo.Period, cells []h3.Cell, lang string, now time.Time) ([]Place, error) {
	g, err := coverage.FindGaps(ctx, db, u, p, 1, now)
	if err != nil {
		return nil, err
	}
	pl, err := reporting.LoadPlaces(ctx, db, u, g, p)
	if err != nil {
		return nil, err
	}
	out := make([]Place, 0, len(cells))
	for _, cell := range cells {
		centre, err := geo.CellCentre(cell)
		if err != nil {
			return nil, patrol.Invalid("cell", "not an H3 cell: "+cell.String())
		}
		one := []h3.Cell{cell}
		n := Place{Cell: cell.String(), Groups: nonNil(pl.GroupsOf(one)), KeyAreas: nonNil(pl.KeyAreasOf(one)),
			Description: pl.Describe(centre, one, lang)}
		if road, m, ok := pl.ClosestRoad(centre); ok {
			metres := int(math.Round(m))
			n.Road, n.RoadM = road, &metres
		}
		n.Title = title(n)
		out = append(out, n)
	}
	return out, nil
}

// title is how a popup names a place: the road (within 150 m) and the residential group, else
// a key area, else the road within 500 m, else nothing.
func title(n Place) string {
	var parts []string
	if n.Road != "" && n.RoadM != nil && *n.RoadM <= 150 {
		parts = append(parts, n.Road)
	}
	if len(n.Groups) > 0 {
		parts = append(parts, n.Groups[0])
	}
	if len(parts) == 0 && len(n.KeyAreas) > 0 {
		parts = append(parts, n.KeyAreas[0])
	}
	if len(parts) == 0 && n.Road != "" && *n.RoadM <= 500 {
		parts = append(parts, n.Road)
	}
	return strings.Join(parts, ", ")
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
