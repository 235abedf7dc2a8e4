package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/app/places"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/report"
)

// placesRoutes: GET /api/v1/places names H3 cells for the web map's popups with the same
// place index the report uses (nearest road, residential group, key areas).
func (s *Server) placesRoutes(v1 *gin.RouterGroup) {
	v1.GET("/places", s.requireUser, s.places)
}

// places answers GET /api/v1/places?unit&cell=…[&cell=…][&from&to][&lang]: a place name for
// each cell (app/places).
func (s *Server) places(c *gin.Context) {
	u, lang, ok := s.unitAndLang(c)
	if !ok {
		return
	}
	cells, err := places.ParseCells(c.QueryArray("cell"))
	if err != nil {
		fail(c, err)
		return
	}
	p, ok := s.period(c, u, geo.WindowNight)
	if !ok {
		return
	}
	out, err := places.Name(c.Request.Context(), s.db, u, p, cells, lang, s.cfg.Now())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"unit": u.Code, "places": out})
}

// unitAndLang reads the unit (in the caller's scope) and the lang of a request that names
// places; it returns false when it has answered.
func (s *Server) unitAndLang(c *gin.Context) (patrol.Unit, string, bool) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return u, "", false
	}
	lang, ok := queryLang(c)
	return u, lang, ok
}

// queryLang reads the lang query parameter: vi by default, or en. On any other value it answers
// 400 naming the field and returns false.
func queryLang(c *gin.Context) (string, bool) {
	lang := c.DefaultQuery("lang", report.LangVI)
	if !report.ValidLang(lang) {
		writeProblem(c, badField("lang", "must be vi or en"))
		return "", false
	}
	return lang, true
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
