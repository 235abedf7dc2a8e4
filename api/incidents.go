package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/app/ingest/decode"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

func (s *Server) postIncidents(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	body, err := readBody(c)
	if err != nil {
		fail(c, err)
		return
	}
	inputs, err := decode.Incidents(body)
	if err != nil {
		fail(c, err)
		return
	}
	s.storeIncidents(c, u, inputs, "api")
}

// storeIncidents validates, stores and answers a batch of incidents for a unit.
func (s *Server) storeIncidents(c *gin.Context, u patrol.Unit, inputs []decode.IncidentInput, source string) {
	if len(inputs) > decode.MaxIncidentsPerRequest {
		writeProblem(c, problem(http.StatusRequestEntityTooLarge, fmt.Sprintf("at most %d incidents per request", decode.MaxIncidentsPerRequest),
			FieldError{"incidents", fmt.Sprintf("%d items; the limit is %d", len(inputs), decode.MaxIncidentsPerRequest)}))
		return
	}
	now := s.cfg.Now()
	rejected := []decode.RejectedItem{}
	valid := make([]patrol.Incident, 0, len(inputs))
	index := make([]int, 0, len(inputs))
	for i, in := range inputs {
		inc, fe := in.ToIncident(now)
		if fe != nil {
			rejected = append(rejected, decode.RejectedItem{Index: i, Field: fe.Field, Error: fe.Field + ": " + fe.Message})
			continue
		}
		inc.UnitID, inc.Source = u.ID, source
		valid = append(valid, inc)
		index = append(index, i)
	}
	res, ids, err := s.db.InsertIncidents(c.Request.Context(), u.ID, callerOf(c).User.ID, valid)
	if err != nil {
		fail(c, err)
		return
	}
	created := []gin.H{}
	for k, id := range ids {
		if id != 0 {
			created = append(created, gin.H{"index": index[k], "id": id})
		}
	}
	if res.Accepted > 0 {
		detail, _ := json.Marshal(map[string]any{"accepted": res.Accepted, "duplicates": res.Duplicates, "source": source})
		s.audit(c, u.ID, "incident.create", u.Code, detail)
	}
	s.metrics.add("patrolmap_incidents_accepted_total", res.Accepted)
	c.JSON(http.StatusOK, gin.H{"accepted": res.Accepted, "duplicates": res.Duplicates, "rejected": rejected, "created": created})
}

func incidentFeature(in patrol.Incident) Feature {
	var ext any
	if in.ExternalID != "" && !strings.HasPrefix(in.ExternalID, "auto:") {
		ext = in.ExternalID
	}
	return Feature{Type: "Feature", ID: in.ID, Geometry: pointGeometry(in.Lat, in.Lon), Properties: map[string]any{
		"id": in.ID, "external_id": ext, "time": rfc3339(in.Time), "category": in.Category, "severity": in.Severity,
		"status": in.Status, "description": in.Description, "source": in.Source,
	}}
}

func (s *Server) listIncidents(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	p, ok := s.period(c, u, geo.WindowAll)
	if !ok {
		return
	}
	withVoid := c.Query("include_void") == "true"
	list, err := s.db.ListIncidents(c.Request.Context(), u.ID, p.From, p.To, withVoid)
	if err != nil {
		fail(c, err)
		return
	}
	fs := make([]Feature, 0, len(list))
	for _, in := range list {
		fs = append(fs, incidentFeature(in))
	}
	writeGeoJSON(c, featureCollection(fs))
}

// incidentInScope loads an incident by its path id and checks the caller's scope.
func (s *Server) incidentInScope(c *gin.Context) (patrol.Incident, bool) {
	return inScopeByID(c, "incident", s.db.IncidentByID, func(in patrol.Incident) int { return in.UnitID })
}

func (s *Server) updateIncident(c *gin.Context) {
	old, ok := s.incidentInScope(c)
	if !ok {
		return
	}
	var in decode.IncidentInput
	if err := decodeJSON(c, &in); err != nil {
		fail(c, err)
		return
	}
	// Fields left out keep their value.
	if in.Time == "" {
		in.Time = rfc3339(old.Time)
	}
	if in.Lat == nil {
		in.Lat = &old.Lat
	}
	if in.Lon == nil {
		in.Lon = &old.Lon
	}
	if in.Category == "" {
		in.Category = old.Category
	}
	if in.Severity == nil {
		in.Severity = &old.Severity
	}
	if in.Status == "" {
		in.Status = old.Status
	}
	if in.Description == "" {
		in.Description = old.Description
	}
	in.ExternalID = nil
	inc, fe := in.ToIncident(s.cfg.Now())
	if fe != nil {
		writeProblem(c, problem(http.StatusBadRequest, fe.Field+": "+fe.Message, FieldError{Field: fe.Field, Message: fe.Message}))
		return
	}
	inc.ID, inc.UnitID = old.ID, old.UnitID
	updated, err := s.db.UpdateIncident(c.Request.Context(), inc)
	if err != nil {
		fail(c, err)
		return
	}
	detail, _ := json.Marshal(map[string]any{"before": incidentFeature(old).Properties, "after": incidentFeature(updated).Properties})
	s.audit(c, old.UnitID, "incident.update", strconv.FormatInt(old.ID, 10), detail)
	writeGeoJSON(c, incidentFeature(updated))
}

func (s *Server) voidIncident(c *gin.Context) {
	in, ok := s.incidentInScope(c)
	if !ok {
		return
	}
	if err := s.db.VoidIncident(c.Request.Context(), in.ID); err != nil {
		fail(c, err)
		return
	}
	detail, _ := json.Marshal(map[string]any{"before_status": in.Status})
	s.audit(c, in.UnitID, "incident.void", strconv.FormatInt(in.ID, 10), detail)
	c.Status(http.StatusNoContent)
}
