package api

import (
	"context"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/app/reporting"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/report"
)

// placesMaxCells caps the cells of one places request.
const placesMaxCells = 500

// placesRoutes: GET /api/v1/places names H3 cells for the web map's popups with the same
// place index the report uses (nearest road, residential group, key areas).
func (s *Server) placesRoutes(v1 *gin.RouterGroup) {
	v1.GET("/places", s.requireUser, s.places)
}

// placeName is one named cell.
type placeName struct {
	Cell        string   `json:"cell"`
	Title       string   `json:"title"`            // "Ngõ 25 Bách Quang, Tổ dân phố 17"
	Road        string   `json:"road,omitempty"`   // the nearest road
	RoadM       *int     `json:"road_m,omitempty"` // its distance from the cell's centre, m
	Groups      []string `json:"groups"`           // residential groups holding the cell
	KeyAreas    []string `json:"key_areas"`        // key areas and key roads sharing the cell
	Description string   `json:"description"`      // the report's wording of the place
}

// places answers GET /api/v1/places?unit&cell=…[&cell=…][&from&to][&lang]: a place name for
// each cell.
func (s *Server) places(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	lang := c.DefaultQuery("lang", report.LangVI)
	if !report.ValidLang(lang) {
		writeProblem(c, badField("lang", "must be vi or en"))
		return
	}
	raw := c.QueryArray("cell")
	if len(raw) == 0 || len(raw) > placesMaxCells {
		writeProblem(c, badField("cell", "give 1 to 500 H3 cells (cell=…&cell=…)"))
		return
	}
	cells := make([]h3.Cell, 0, len(raw))
	for _, r := range raw {
		cell := h3.CellFromString(strings.TrimSpace(r))
		if !cell.IsValid() {
			writeProblem(c, badField("cell", "not an H3 cell: "+r))
			return
		}
		cells = append(cells, cell)
	}
	p, ok := s.period(c, u, geo.WindowNight)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	g, err := coverage.FindGaps(ctx, s.db, u, p, 1)
	if err != nil {
		fail(c, err)
		return
	}
	pl, err := reporting.LoadPlaces(ctx, s.db, u, g, p)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]placeName, 0, len(cells))
	for _, cell := range cells {
		centre, err := geo.CellCentre(cell)
		if err != nil {
			writeProblem(c, badField("cell", "not an H3 cell: "+cell.String()))
			return
		}
		one := []h3.Cell{cell}
		n := placeName{Cell: cell.String(), Groups: nonNil(pl.GroupsOf(one)), KeyAreas: nonNil(pl.KeyAreasOf(one)),
			Description: pl.Describe(centre, one, lang)}
		if road, m, ok := pl.ClosestRoad(centre); ok {
			metres := int(math.Round(m))
			n.Road, n.RoadM = road, &metres
		}
		n.Title = placeTitle(n)
		out = append(out, n)
	}
	c.JSON(http.StatusOK, gin.H{"unit": u.Code, "places": out})
}

// placeTitle is how a popup names a place: the road (within 150 m) and the residential
// group, else a key area, else what there is.
func placeTitle(n placeName) string {
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

// officerOf names the officer a device was assigned to at instant at (the full name, else the
// username), or the device's own name; "" when none is known. The map labels tracks with it.
func (s *Server) officerOf(ctx context.Context, ident string, at time.Time) string {
	d, err := s.db.DeviceByIdent(ctx, ident)
	if err != nil {
		return ""
	}
	list, err := s.db.ListAssignments(ctx, d.ID)
	if err == nil {
		for _, a := range list {
			if (a.From == nil || !a.From.After(at)) && (a.To == nil || a.To.After(at)) {
				if a.FullName != "" {
					return a.FullName
				}
				return a.Username
			}
		}
	}
	return d.Name
}
