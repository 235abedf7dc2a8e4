package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

func unitFeature(u patrol.Unit) Feature {
	geom := u.Boundary
	if geom == nil {
		geom = json.RawMessage("null")
	}
	return Feature{Type: "Feature", ID: u.Code, Geometry: geom, Properties: map[string]any{
		"code": u.Code, "name": u.Name, "timezone": u.TimeZone, "h3_res": u.H3Res,
		"night_start": u.NightStart, "night_end": u.NightEnd, "night_deadline": optString(u.NightDeadline),
		"store_off_duty": u.StoreOffDuty, "off_duty_retention_days": u.OffDutyRetentionDays,
	}}
}

func (s *Server) listUnits(c *gin.Context) {
	units, err := s.db.ListUnits(c.Request.Context(), callerOf(c).User.UnitID)
	if err != nil {
		fail(c, err)
		return
	}
	fs := make([]Feature, 0, len(units))
	for _, u := range units {
		fs = append(fs, unitFeature(u))
	}
	writeGeoJSON(c, featureCollection(fs))
}

func (s *Server) getUnit(c *gin.Context) {
	u, ok := s.unitInScope(c, "code", c.Param("code"))
	if !ok {
		return
	}
	writeGeoJSON(c, unitFeature(u))
}

type unitRequest struct {
	Code       *string         `json:"code"`
	Name       *string         `json:"name"`
	TimeZone   *string         `json:"timezone"`
	Boundary   json.RawMessage `json:"boundary"`
	H3Res      *int            `json:"h3_res"`
	NightStart *string         `json:"night_start"`
	NightEnd   *string         `json:"night_end"`
	// NightDeadline is the key areas' default deadline, "HH:MM" inside the night; "" for none.
	NightDeadline *string `json:"night_deadline"`
	// StoreOffDuty and OffDutyRetentionDays: see patrol.Unit.
	StoreOffDuty         *bool `json:"store_off_duty"`
	OffDutyRetentionDays *int  `json:"off_duty_retention_days"`
}

// apply validates req onto u, collecting every bad field.
func (req unitRequest) apply(u *patrol.Unit) []FieldError {
	var errs []FieldError
	if req.Name != nil {
		u.Name = *req.Name
	}
	if u.Name == "" || len(u.Name) > 200 {
		errs = append(errs, FieldError{"name", "required, at most 200 characters"})
	}
	if req.TimeZone != nil {
		u.TimeZone = *req.TimeZone
	}
	if u.TimeZone == "" {
		u.TimeZone = "Asia/Ho_Chi_Minh"
	}
	if _, err := time.LoadLocation(u.TimeZone); err != nil || len(u.TimeZone) > 64 {
		errs = append(errs, FieldError{"timezone", "not an IANA time zone such as Asia/Ho_Chi_Minh"})
	}
	if req.H3Res != nil {
		u.H3Res = *req.H3Res
	}
	if u.H3Res == 0 {
		u.H3Res = 10
	}
	if u.H3Res < 8 || u.H3Res > 11 {
		errs = append(errs, FieldError{"h3_res", "must be 8, 9, 10 or 11"})
	}
	if req.NightStart != nil {
		u.NightStart = *req.NightStart
	}
	if req.NightEnd != nil {
		u.NightEnd = *req.NightEnd
	}
	if u.NightStart == "" {
		u.NightStart = "22:00"
	}
	if u.NightEnd == "" {
		u.NightEnd = "05:00"
	}
	if _, err := geo.ParseClock(u.NightStart); err != nil {
		errs = append(errs, FieldError{"night_start", "must be HH:MM"})
	}
	if _, err := geo.ParseClock(u.NightEnd); err != nil {
		errs = append(errs, FieldError{"night_end", "must be HH:MM"})
	}
	if req.NightDeadline != nil {
		u.NightDeadline = *req.NightDeadline
	}
	if nw, err := geo.ParseNightWindow(u.NightStart, u.NightEnd); err == nil {
		errs = append(errs, deadlineField(nw, "night_deadline", u.NightDeadline)...)
	}
	if req.StoreOffDuty != nil {
		u.StoreOffDuty = *req.StoreOffDuty
	}
	if req.OffDutyRetentionDays != nil {
		u.OffDutyRetentionDays = *req.OffDutyRetentionDays
		if u.OffDutyRetentionDays < 1 || u.OffDutyRetentionDays > 365 {
			errs = append(errs, FieldError{"off_duty_retention_days", "must be a whole number of days from 1 to 365"})
		}
	}
	if u.OffDutyRetentionDays == 0 {
		u.OffDutyRetentionDays = 7
	}
	if len(req.Boundary) > 0 && string(req.Boundary) != "null" {
		u.Boundary = req.Boundary
	}
	return errs
}

func (s *Server) createUnit(c *gin.Context) {
	if !callerOf(c).AllUnits() {
		writeProblem(c, problem(http.StatusForbidden, "only an admin of all units may create units"))
		return
	}
	var req unitRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	var u patrol.Unit
	var errs []FieldError
	if req.Code == nil || !validCode(*req.Code) {
		errs = append(errs, FieldError{"code", "required: lower-case letters, digits, - and _"})
	} else {
		u.Code = *req.Code
	}
	errs = append(errs, req.apply(&u)...)
	if len(errs) > 0 {
		writeProblem(c, problem(http.StatusBadRequest, "the unit has invalid fields", errs...))
		return
	}
	created, err := s.db.CreateUnit(c.Request.Context(), u)
	if err != nil {
		s.unitWriteError(c, err)
		return
	}
	s.audit(c, created.ID, "unit.create", created.Code, nil)
	c.Header("Location", "/api/v1/units/"+created.Code)
	writeGeoJSONStatus(c, http.StatusCreated, unitFeature(created))
}

func (s *Server) updateUnit(c *gin.Context) {
	u, ok := s.unitInScope(c, "code", c.Param("code"))
	if !ok {
		return
	}
	var req unitRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.Code != nil && *req.Code != u.Code {
		writeProblem(c, badField("code", "a unit's code cannot change"))
		return
	}
	u.Boundary = nil
	if errs := req.apply(&u); len(errs) > 0 {
		writeProblem(c, problem(http.StatusBadRequest, "the unit has invalid fields", errs...))
		return
	}
	updated, err := s.db.UpdateUnit(c.Request.Context(), u)
	if err != nil {
		s.unitWriteError(c, err)
		return
	}
	s.audit(c, updated.ID, "unit.update", updated.Code, nil)
	writeGeoJSON(c, unitFeature(updated))
}

func (s *Server) unitWriteError(c *gin.Context, err error) {
	if errors.Is(err, patrol.ErrConflict) {
		writeProblem(c, problem(http.StatusConflict, "a unit with this code exists", FieldError{"code", "already used"}))
		return
	}
	fail(c, err)
}

func writeGeoJSONStatus(c *gin.Context, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		fail(c, err)
		return
	}
	c.Data(status, "application/geo+json", body)
}
