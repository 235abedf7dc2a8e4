package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/app/summary"
	"github.com/patrolmap/patrolmap/geo"
)

// summaryRoutes: GET /api/v1/summary — the chief's first screen in four numbers, computed the
// way the report computes them (same gap model, same key-area checks, same hot spot clusters).
func (s *Server) summaryRoutes(v1 *gin.RouterGroup) {
	v1.GET("/summary", s.requireUser, s.summary)
}

// summary answers GET /api/v1/summary?unit&from&to[&lang] from app/summary.
func (s *Server) summary(c *gin.Context) {
	u, lang, ok := s.unitAndLang(c)
	if !ok {
		return
	}
	nightP, ok := s.period(c, u, geo.WindowNight)
	if !ok {
		return
	}
	allP, ok := s.period(c, u, geo.WindowAll)
	if !ok {
		return
	}
	sum, err := summary.Summarise(c.Request.Context(), s.db, u, nightP, allP, s.cfg.Now(), lang)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{
		"unit":             u.Code,
		"from":             rfc3339(allP.From),
		"to":               rfc3339(allP.To),
		"nights":           sum.Nights,
		"nights_patrolled": sum.NightsPatrolled,
		"key_areas":        sum.KeyAreas,
		"never_patrolled":  gin.H{"cells": sum.NeverPatrolled, "groups": sum.NeverGroups},
		"gap_cells":        sum.GapCells,
		"problem_hotspots": sum.Hotspots,
		"res":              sum.Res,
	})
}

// isUnprocessable reports whether err is a 422 problem (an analysis that cannot run on this
// input, such as a study area too small for Gi*).
func isUnprocessable(err error) bool {
	var p *Problem
	return errors.As(err, &p) && p.Status == http.StatusUnprocessableEntity
}
