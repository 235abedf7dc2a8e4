package api

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

func areaFeature(a patrol.Area) Feature {
	return Feature{Type: "Feature", ID: a.ID, Geometry: a.Geometry, Properties: map[string]any{
		"id": a.ID, "kind": a.Kind, "name": a.Name, "buffer_m": a.BufferM,
		"required_night_visits": a.RequiredNightVisits, "min_dwell_min": a.MinDwellMin, "deadline": optString(a.Deadline),
	}}
}

func (s *Server) listAreas(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	kind := c.Query("kind")
	if kind != "" && !patrol.ValidAreaKind(kind) {
		writeProblem(c, badField("kind", "must be key_area, key_road, residential_group or other"))
		return
	}
	list, err := s.db.ListAreas(c.Request.Context(), u.ID, kind)
	if err != nil {
		fail(c, err)
		return
	}
	fs := make([]Feature, 0, len(list))
	for _, a := range list {
		fs = append(fs, areaFeature(a))
	}
	writeGeoJSON(c, featureCollection(fs))
}

// areaInput is the GeoJSON Feature a client sends for an area.
type areaInput struct {
	Type       string          `json:"type"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties struct {
		Kind                string   `json:"kind"`
		Name                string   `json:"name"`
		BufferM             *float64 `json:"buffer_m"`
		RequiredNightVisits *int     `json:"required_night_visits"`
		MinDwellMin         *int     `json:"min_dwell_min"`
		Deadline            *string  `json:"deadline"` // "HH:MM" inside the night window; null or "" for none
	} `json:"properties"`
}

// toArea validates the feature, collecting every bad field; nw is the unit's night window, which
// a deadline must lie in.
func (in areaInput) toArea(nw geo.NightWindow) (patrol.Area, []FieldError) {
	var errs []FieldError
	a := patrol.Area{Kind: in.Properties.Kind, Name: in.Properties.Name, Geometry: in.Geometry, BufferM: 25, RequiredNightVisits: 1}
	if in.Type != "Feature" {
		errs = append(errs, FieldError{"type", `must be "Feature"`})
	}
	if len(in.Geometry) == 0 || string(in.Geometry) == "null" {
		errs = append(errs, FieldError{"geometry", "required"})
	}
	if !patrol.ValidAreaKind(a.Kind) {
		errs = append(errs, FieldError{"properties.kind", "must be key_area, key_road, residential_group or other"})
	}
	if a.Name == "" || len(a.Name) > 200 {
		errs = append(errs, FieldError{"properties.name", "required, at most 200 characters"})
	}
	if p := in.Properties.BufferM; p != nil {
		if math.IsNaN(*p) || *p < 0 || *p > 1000 {
			errs = append(errs, FieldError{"properties.buffer_m", "must be 0–1000 metres"})
		}
		a.BufferM = *p
	}
	if p := in.Properties.RequiredNightVisits; p != nil {
		if *p < 0 || *p > 48 {
			errs = append(errs, FieldError{"properties.required_night_visits", "must be 0–48"})
		}
		a.RequiredNightVisits = *p
	}
	if p := in.Properties.MinDwellMin; p != nil {
		if *p < 0 || *p > 600 {
			errs = append(errs, FieldError{"properties.min_dwell_min", "must be 0–600 minutes"})
		}
		a.MinDwellMin = *p
	}
	if p := in.Properties.Deadline; p != nil {
		a.Deadline = *p
		errs = append(errs, deadlineField(nw, "properties.deadline", a.Deadline)...)
	}
	return a, errs
}

func (s *Server) createArea(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	var in areaInput
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	a, errs := in.toArea(nightWindow(u))
	if len(errs) > 0 {
		writeProblem(c, problem(http.StatusBadRequest, "the area has invalid fields", errs...))
		return
	}
	a.UnitID = u.ID
	created, err := s.db.CreateArea(c.Request.Context(), a)
	if err != nil {
		fail(c, err)
		return
	}
	detail, _ := json.Marshal(map[string]any{"kind": created.Kind, "name": created.Name})
	s.audit(c, u.ID, "area.create", strconv.FormatInt(created.ID, 10), detail)
	c.Header("Location", "/api/v1/areas/"+strconv.FormatInt(created.ID, 10))
	writeGeoJSONStatus(c, http.StatusCreated, areaFeature(created))
}

// areaInScope loads an area by its path id and checks the caller's scope.
func (s *Server) areaInScope(c *gin.Context) (patrol.Area, bool) {
	return inScopeByID(c, "area", s.db.AreaByID, func(a patrol.Area) int { return a.UnitID })
}

func (s *Server) updateArea(c *gin.Context) {
	old, ok := s.areaInScope(c)
	if !ok {
		return
	}
	var in areaInput
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	u, err := s.db.UnitByID(c.Request.Context(), old.UnitID)
	if err != nil {
		fail(c, err)
		return
	}
	a, errs := in.toArea(nightWindow(u))
	if len(errs) > 0 {
		writeProblem(c, problem(http.StatusBadRequest, "the area has invalid fields", errs...))
		return
	}
	a.ID, a.UnitID = old.ID, old.UnitID
	updated, err := s.db.UpdateArea(c.Request.Context(), a)
	if err != nil {
		fail(c, err)
		return
	}
	detail, _ := json.Marshal(map[string]any{"before": areaFeature(old).Properties, "after": areaFeature(updated).Properties})
	s.audit(c, a.UnitID, "area.update", strconv.FormatInt(a.ID, 10), detail)
	writeGeoJSON(c, areaFeature(updated))
}

func (s *Server) deleteArea(c *gin.Context) {
	a, ok := s.areaInScope(c)
	if !ok {
		return
	}
	if err := s.db.DeleteArea(c.Request.Context(), a.ID); err != nil {
		fail(c, err)
		return
	}
	detail, _ := json.Marshal(map[string]any{"kind": a.Kind, "name": a.Name, "geometry": a.Geometry})
	s.audit(c, a.UnitID, "area.delete", strconv.FormatInt(a.ID, 10), detail)
	c.Status(http.StatusNoContent)
}

func (s *Server) listRoads(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	list, err := s.db.ListRoads(c.Request.Context(), u.ID)
	if err != nil {
		fail(c, err)
		return
	}
	fs := make([]Feature, 0, len(list))
	for _, r := range list {
		fs = append(fs, Feature{Type: "Feature", ID: r.ID, Geometry: r.Geometry, Properties: map[string]any{"id": r.ID, "name": r.Name}})
	}
	writeGeoJSON(c, featureCollection(fs))
}
