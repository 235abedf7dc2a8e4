package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/app/night"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/report/pdf"
)

// NightBackend is the storage of deadline alerts (the board reads through the other backends).
type NightBackend interface {
	ListAlerts(ctx context.Context, unitID int, from, to time.Time) ([]patrol.NightAlert, error)
	AlertByID(ctx context.Context, id int64) (patrol.NightAlert, error)
	AckAlert(ctx context.Context, id, userID int64, name string, at time.Time) (patrol.NightAlert, error)
	ListHandovers(ctx context.Context, unitID int) ([]patrol.NightHandover, error)
	HandoverByID(ctx context.Context, id int64) (patrol.NightHandover, error)
}

// nightRoutes registers the night board, deadline alerts and the morning handovers.
func (s *Server) nightRoutes(v1 *gin.RouterGroup) {
	v1.GET("/night", s.requireUser, s.getNight)
	v1.GET("/alerts", s.requireUser, s.listAlerts)
	v1.POST("/alerts/:id/ack", s.requireUser, s.ackAlert)
	v1.GET("/handovers", s.requireUser, s.listHandovers)
	v1.GET("/handovers/:id", s.requireUser, s.getHandover)
}

// listHandovers answers GET /api/v1/handovers?unit: the unit's archived morning handovers,
// newest night first.
func (s *Server) listHandovers(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	list, err := s.db.ListHandovers(c.Request.Context(), u.ID)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]map[string]any, 0, len(list))
	for _, h := range list {
		href := "/api/v1/handovers/" + strconv.FormatInt(h.ID, 10)
		out = append(out, map[string]any{"id": h.ID, "unit": h.UnitCode, "night": h.Night, "created_at": rfc3339(h.CreatedAt),
			"href": href, "html": href + "?format=html", "pdf": href + "?format=pdf"})
	}
	c.JSON(http.StatusOK, gin.H{"unit": u.Code, "handovers": out})
}

// getHandover answers GET /api/v1/handovers/{id}[?format=json|html|pdf][&lang=vi|en]: the
// archived handover as stored (JSON), or as a page or a PDF made from it.
func (s *Server) getHandover(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "html" && format != "pdf" {
		writeProblem(c, badField("format", "must be json, html or pdf"))
		return
	}
	lang, ok := queryLang(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	h, err := s.db.HandoverByID(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	if !callerOf(c).InScope(h.UnitID) {
		writeProblem(c, problem(http.StatusForbidden, "this handover is outside your scope"))
		return
	}
	if format == "json" {
		c.Data(http.StatusOK, "application/json", h.Content)
		return
	}
	var content night.Handover
	if err := json.Unmarshal(h.Content, &content); err != nil {
		fail(c, fmt.Errorf("handover %d: %w", id, err))
		return
	}
	u, err := s.db.UnitByID(ctx, h.UnitID)
	if err != nil {
		fail(c, err)
		return
	}
	var page bytes.Buffer
	if err := night.RenderHandoverHTML(&page, content, lang, location(u)); err != nil {
		fail(c, err)
		return
	}
	if format == "html" {
		c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	}
	answerPage(c, format, page.Bytes(), "giao-ca-"+h.UnitCode+"-"+h.Night+".pdf", pdf.Options{Timeout: handoverPDFTimeout})
}

// alertJSON writes an alert as GET /api/v1/alerts lists it.
func alertJSON(a patrol.NightAlert) map[string]any {
	var nearest any
	if n := a.Nearest; n != nil {
		nearest = map[string]any{"device": n.Device, "name": optString(n.Name), "distance_m": n.DistanceM, "seen_at": rfc3339(n.SeenAt), "lat": n.Lat, "lon": n.Lon}
	}
	return map[string]any{
		"id": a.ID, "unit": a.UnitCode, "area_id": a.AreaID, "area_name": a.AreaName, "night": a.Night,
		"required": a.Required, "min_dwell_min": a.MinDwellMin, "visits": a.Visits,
		"deadline_at": rfc3339(a.DeadlineAt), "raised_at": rfc3339(a.RaisedAt), "nearest": nearest,
		"acknowledged_by": optString(a.AckByName), "acknowledged_at": optInstant(a.AckAt),
	}
}

// listAlerts answers GET /api/v1/alerts?unit&from&to: the deadline alerts whose deadline lies
// in the period (dates select nights, as elsewhere; default the last 7 nights and tonight).
func (s *Server) listAlerts(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	if c.Query("from") == "" && c.Query("to") == "" {
		tonight := night.Of(u, s.cfg.Now())
		q := c.Request.URL.Query()
		q.Set("from", tonight.AddDays(-7).String())
		q.Set("to", tonight.AddDays(1).String())
		c.Request.URL.RawQuery = q.Encode()
	}
	p, ok := s.period(c, u, geo.WindowNight)
	if !ok {
		return
	}
	list, err := s.db.ListAlerts(c.Request.Context(), u.ID, p.From, p.To)
	if err != nil {
		fail(c, err)
		return
	}
	out := make([]map[string]any, 0, len(list))
	for _, a := range list {
		out = append(out, alertJSON(a))
	}
	c.JSON(http.StatusOK, gin.H{"unit": u.Code, "from": rfc3339(p.From), "to": rfc3339(p.To), "alerts": out})
}

// ackAlert answers POST /api/v1/alerts/{id}/ack: the caller acknowledges the alert, once.
func (s *Server) ackAlert(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	ctx := c.Request.Context()
	a, err := s.db.AlertByID(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	caller := callerOf(c)
	if !caller.InScope(a.UnitID) {
		writeProblem(c, problem(http.StatusForbidden, "this alert is outside your scope"))
		return
	}
	name := caller.User.Username
	acked, err := s.db.AckAlert(ctx, id, caller.User.ID, name, s.cfg.Now())
	if errors.Is(err, patrol.ErrConflict) {
		writeProblem(c, problem(http.StatusConflict, fmt.Sprintf("the alert was acknowledged by %s at %s already",
			acked.AckByName, rfc3339(acked.AckAt))))
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	detail, _ := json.Marshal(map[string]any{"area": a.AreaName, "night": a.Night})
	s.audit(c, a.UnitID, "alert.ack", strconv.FormatInt(id, 10), detail)
	c.JSON(http.StatusOK, alertJSON(acked))
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
	mine, err := night.OwnDevices(c.Request.Context(), s.db, u.ID, callerOf(c).User.ID)
	if err != nil {
		fail(c, err)
		return
	}
	out := boardJSON(b)
	out["my_devices"] = mine
	c.JSON(http.StatusOK, out)
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
		"areas": areas, "hotspots": hot, "summary": counts, "warnings": orEmpty(b.Warnings),
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

// liveAlertWindow is how far back the live stream carries deadline alerts: a night.
const liveAlertWindow = 12 * time.Hour

// sendLiveAlerts sends an "alerts" event on the live stream — {"unit","alerts":[...]}, the
// unit's alerts with deadlines in the last liveAlertWindow, acknowledged ones too — when they
// differ from last (nothing while there have been none). It returns what it sent, or last; an
// error only when the stream is broken (a failed read is retried on the next poll).
func (s *Server) sendLiveAlerts(ctx context.Context, stream *liveStream, u patrol.Unit, last []byte) ([]byte, error) {
	now := s.cfg.Now()
	list, err := s.db.ListAlerts(ctx, u.ID, now.Add(-liveAlertWindow), now.Add(time.Minute))
	if err != nil {
		return last, nil
	}
	if len(list) == 0 && last == nil {
		return nil, nil
	}
	out := make([]map[string]any, 0, len(list))
	for _, a := range list {
		out = append(out, alertJSON(a))
	}
	body, err := json.Marshal(gin.H{"unit": u.Code, "alerts": out})
	if err != nil || bytes.Equal(body, last) {
		return last, nil
	}
	if err := stream.send("alerts", string(body), ""); err != nil {
		return last, err
	}
	return body, nil
}

// handoverPDFTimeout bounds printing a handover to PDF.
const handoverPDFTimeout = 60 * time.Second
