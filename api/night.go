package api

import (
	"fmt"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/app/night"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// nightRoutes registers the night board, deadline alerts and the morning handovers.
func (s *Server) nightRoutes(v1 *gin.RouterGroup) {
	v1.GET("/night", s.requireUser, s.getNight)
}

// nightDate reads night, a local date; without it the night under way at now or, by day, the
// coming one.
func nightDate(c *gin.Context, u patrol.Unit, now time.Time) (geo.Date, bool) {
	v := c.Query("night")
	if v == "" {
		return night.Of(u, now), true
	}
	d, err := geo.ParseDate(v)
	if err != nil {
		writeProblem(c, badField("night", "must be a date YYYY-MM-DD"))
		return geo.Date{}, false
	}
	return d, true
}

// instantParam reads an optional RFC 3339 instant, def when absent.
func instantParam(c *gin.Context, name string, def time.Time) (time.Time, bool) {
	v := c.Query(name)
	if v == "" {
		return def, true
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil || t.Year() < 1970 || t.Year() > 9999 {
		writeProblem(c, badField(name, "must be an instant in RFC 3339, such as 2024-03-01T02:00:00+07:00"))
		return time.Time{}, false
	}
	return t, true
}

// getNight answers GET /api/v1/night?unit&night[&at][&min_dwell_min][&max_gap_min][&weeks]: the
// night board as of at (default now).
func (s *Server) getNight(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	now := s.cfg.Now()
	d, ok := nightDate(c, u, now)
	if !ok {
		return
	}
	at, ok := instantParam(c, "at", now)
	if !ok {
		return
	}
	var opt night.Options
	minDwell, ok := intParam(c, "min_dwell_min", night.DefaultMinDwellMin, 1, 240)
	if !ok {
		return
	}
	maxGap, ok := intParam(c, "max_gap_min", night.DefaultMaxGapMin, 10, 24*60)
	if !ok {
		return
	}
	weeks, ok := intParam(c, "weeks", night.DefaultHotspotWeeks, 1, 52)
	if !ok {
		return
	}
	opt.MinDwellMin, opt.MaxGapMin, opt.HotspotWeeks = float64(minDwell), float64(maxGap), weeks
	b, err := night.Tonight(c.Request.Context(), s.db, u, d, at, opt)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(200, boardJSON(b))
}

// boardJSON writes a board as the interface of GET /api/v1/night spells it.
func boardJSON(b night.Board) map[string]any {
	areas := make([]map[string]any, 0, len(b.Areas))
	for _, a := range b.Areas {
		passes := make([]map[string]any, 0, len(a.Passes))
		for _, v := range a.Passes {
			passes = append(passes, map[string]any{"device": v.Device, "enter": rfc3339(v.Enter), "leave": rfc3339(v.Leave),
				"dwell_min": roundTo(v.DwellMin, 1), "counts": v.Counts})
		}
		areas = append(areas, map[string]any{
			"area_id": a.Area.ID, "name": a.Area.Name, "kind": a.Area.Kind, "required": a.Required,
			"min_dwell_min": a.MinDwellMin, "visits": a.Visits, "dwell_min": roundAll(a.DwellMin, 1),
			"status": a.Status, "last_visit": optInstant(a.LastVisit), "deadline": optString(a.Deadline),
			"deadline_at": optInstant(a.DeadlineAt), "officers": a.Officers, "passes": passes,
		})
	}
	hot := make([]map[string]any, 0, len(b.Hotspots))
	for _, h := range b.Hotspots {
		hot = append(hot, map[string]any{
			"cell": h.Cell.String(), "visits": h.Visits, "dwell_min": roundAll(h.DwellMin, 1),
			"longest_gap_min": roundTo(h.LongestGapMin, 1), "dosage_met": h.DosageMet,
			"last_visit": optInstant(h.LastVisit), "z": roundTo(h.Z, 2), "incidents": h.Incidents,
		})
	}
	counts := map[night.Status]int{night.StatusMet: 0, night.StatusPending: 0, night.StatusOverdue: 0, night.StatusMissed: 0}
	for _, a := range b.Areas {
		counts[a.Status]++
	}
	return map[string]any{
		"unit": b.Unit.Code, "night": b.Night.String(), "at": rfc3339(b.At),
		"start": rfc3339(b.Period.From), "end": rfc3339(b.Period.To), "over": b.Over(),
		"areas": areas, "hotspots": hot, "summary": counts,
		"dosage": map[string]any{"min_dwell_min": b.Options.MinDwellMin, "max_gap_min": b.Options.MaxGapMin,
			"hotspots_from": rfc3339(b.HotspotFrom), "hotspots_to": rfc3339(b.Period.From)},
	}
}

func roundAll(v []float64, decimals int) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = roundTo(x, decimals)
	}
	return out
}

// optInstant is an instant in RFC 3339, or null when zero.
func optInstant(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return rfc3339(t)
}

// optString is s, or null when empty.
func optString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// deadlineField checks a deadline for a unit's night window, naming field when it is bad.
func deadlineField(nw geo.NightWindow, field, v string) []FieldError {
	if err := night.CheckDeadline(nw, v); err != nil {
		return []FieldError{{Field: field, Message: fmt.Sprint(err)}}
	}
	return nil
}
