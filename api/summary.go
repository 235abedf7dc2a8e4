package api

import (
	"errors"
	"net/http"
	"regexp"
	"slices"

	"github.com/gin-gonic/gin"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/app/reporting"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/report"
)

// summaryRoutes: GET /api/v1/summary — the chief's first screen in four numbers, computed the
// way the report computes them (same gap model, same key-area checks, same hot spot clusters).
func (s *Server) summaryRoutes(v1 *gin.RouterGroup) {
	v1.GET("/summary", s.requireUser, s.summary)
}

// summaryKeyAreas is how the key areas fared.
type summaryKeyAreas struct {
	Total        int      `json:"total"`
	MetEvery     int      `json:"met_every_night"` // met the requirement on every night of the period that is over
	LastNight    string   `json:"last_night"`      // the period's last night, YYYY-MM-DD ("" without nights)
	MetLastNight int      `json:"met_last_night"`
	Below        []string `json:"below"` // names of the areas that missed some night that is over, worst first
}

// summaryHotspots are the problem hotspots of the report's verdict (app/reporting.Judge).
type summaryHotspots struct {
	Count  int      `json:"count"`
	Places []string `json:"places"`
}

// summary answers GET /api/v1/summary?unit&from&to[&lang].
func (s *Server) summary(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	lang := c.DefaultQuery("lang", report.LangVI)
	if !report.ValidLang(lang) {
		writeProblem(c, badField("lang", "must be vi or en"))
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
	ctx := c.Request.Context()
	a, err := coverage.FindGaps(ctx, s.db, u, nightP, 1)
	if err != nil {
		fail(c, err)
		return
	}
	// Nights patrolled: nights with coverage (a valid segment of some device), read from the
	// coverage rollups (the report's PatrolSummary reads every fix, seconds for a month).
	visits, err := s.db.CoverageVisits(ctx, u.ID, 0, a.Res, geo.WindowNight, nightP, nil)
	if err != nil {
		fail(c, err)
		return
	}
	patrolled := map[geo.Date]bool{}
	for _, v := range visits {
		for _, d := range v.Nights {
			patrolled[d] = true
		}
	}
	nightsPatrolled := 0
	for _, d := range a.Nights {
		if patrolled[d] {
			nightsPatrolled++
		}
	}
	// The last night is the last one over by now (tonight's is still to come).
	last := -1
	now := s.cfg.Now()
	loc, nw := location(u), nightWindow(u)
	for i, p := range nw.Periods(nightP, loc, geo.WindowNight) {
		if !p.To.After(now) && i < len(a.Nights) {
			last = i
		}
	}

	ka := summaryKeyAreas{Total: len(a.Areas), Below: []string{}}
	if last >= 0 {
		ka.LastNight = a.Nights[last].String()
	}
	// Only nights that are over count: tonight's requirement can still be met.
	missed := func(ar coverage.KeyArea) int {
		n := 0
		for i := 0; i <= last && i < len(ar.Nights); i++ {
			if !ar.Nights[i].Meets {
				n++
			}
		}
		return n
	}
	below := slices.Clone(a.Areas)
	slices.SortStableFunc(below, func(x, y coverage.KeyArea) int { return missed(y) - missed(x) })
	for _, ar := range a.Areas {
		if missed(ar) == 0 {
			ka.MetEvery++
		}
		if last >= 0 && last < len(ar.Nights) && ar.Nights[last].Meets {
			ka.MetLastNight++
		}
	}
	for _, ar := range below {
		if missed(ar) > 0 {
			ka.Below = append(ka.Below, ar.Area.Name)
		}
	}

	never, neverGroups := 0, map[string]int{}
	pl, err := reporting.LoadPlaces(ctx, s.db, u, a, allP)
	if err != nil {
		fail(c, err)
		return
	}
	for _, g := range a.Cells {
		if a.Visited[g.Cell] == 0 {
			never++
			for _, name := range pl.GroupsOf([]h3.Cell{g.Cell}) {
				neverGroups[name]++
			}
		}
	}

	// The problem hotspots of the report's verdict, computed by the report's own rule.
	hs := summaryHotspots{Places: []string{}}
	problems, err := s.reporting().ProblemHotspots(ctx, u, a, allP, pl, lang)
	if err != nil {
		fail(c, err)
		return
	}
	hs.Count = len(problems)
	for _, h := range problems {
		hs.Places = append(hs.Places, hotspotPlace(h))
	}

	c.JSON(http.StatusOK, gin.H{
		"unit":             u.Code,
		"from":             rfc3339(allP.From),
		"to":               rfc3339(allP.To),
		"nights":           len(a.Nights),
		"nights_patrolled": nightsPatrolled,
		"key_areas":        ka,
		"never_patrolled":  gin.H{"cells": never, "groups": neverGroups},
		"gap_cells":        len(a.Cells),
		"problem_hotspots": hs,
		"res":              a.Res,
	})
}

// hotspotPlace names a problem hotspot: its nearest road (without the report's distance) and
// its first residential group.
func hotspotPlace(cl report.ProblemHotspot) string {
	near := metresSuffix.ReplaceAllString(cl.Near, "")
	switch {
	case len(cl.Groups) > 0 && near != "":
		return near + ", " + cl.Groups[0]
	case len(cl.Groups) > 0:
		return cl.Groups[0]
	}
	return near
}

// metresSuffix is the " (12 m)" the report puts after a road's name.
var metresSuffix = regexp.MustCompile(` \(\d+ m\)$`)

// isUnprocessable reports whether err is a 422 problem (an analysis that cannot run on this
// input, such as a study area too small for Gi*).
func isUnprocessable(err error) bool {
	var p *Problem
	return errors.As(err, &p) && p.Status == http.StatusUnprocessableEntity
}
