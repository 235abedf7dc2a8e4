package api

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// maxIncidentsPerRequest bounds one incident upload.
const maxIncidentsPerRequest = 50000

// incidentInput is one incident as clients send it, in a JSON list or as Feature properties.
type incidentInput struct {
	ExternalID  json.RawMessage `json:"external_id"`
	Time        string          `json:"time"`
	Lat         *float64        `json:"lat"`
	Lon         *float64        `json:"lon"`
	Category    string          `json:"category"`
	Severity    *int            `json:"severity"`
	Status      string          `json:"status"`
	Description string          `json:"description"`
}

// RejectedItem is one refused item of a batch with its index and reason.
type RejectedItem struct {
	Index int    `json:"index"`
	Field string `json:"field,omitempty"`
	Error string `json:"error"`
}

// toIncident validates one incident; now bounds how far in the future its time may be.
func (in incidentInput) toIncident(now time.Time) (patrol.Incident, *FieldError) {
	out := patrol.Incident{Category: in.Category, Status: in.Status, Description: in.Description, Severity: 3}
	if len(in.ExternalID) > 0 && string(in.ExternalID) != "null" {
		var s string
		if err := json.Unmarshal(in.ExternalID, &s); err != nil {
			var n json.Number
			if err := json.Unmarshal(in.ExternalID, &n); err != nil {
				return out, &FieldError{"external_id", "must be a string or number"}
			}
			s = n.String()
		}
		s = strings.TrimSpace(s)
		if len(s) > 200 || strings.HasPrefix(s, "auto:") || strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
			return out, &FieldError{"external_id", "at most 200 characters, not starting with auto:"}
		}
		out.ExternalID = s
	}
	t, p := parseTime("time", in.Time)
	if p != nil {
		return out, &p.Errors[0]
	}
	if t.After(now.Add(5*time.Minute)) || t.Year() < 1990 {
		return out, &FieldError{"time", "must not be in the future or before 1990"}
	}
	out.Time = t.UTC()
	if in.Lat == nil || math.IsNaN(*in.Lat) || *in.Lat < -90 || *in.Lat > 90 {
		return out, &FieldError{"lat", "required, −90 to 90"}
	}
	if in.Lon == nil || math.IsNaN(*in.Lon) || *in.Lon < -180 || *in.Lon > 180 {
		return out, &FieldError{"lon", "required, −180 to 180"}
	}
	out.Lat, out.Lon = *in.Lat, *in.Lon
	if !patrol.ValidCategory(out.Category) {
		return out, &FieldError{"category", "must be one of " + strings.Join(patrol.Categories, ", ")}
	}
	if in.Severity != nil {
		if *in.Severity < 1 || *in.Severity > 5 {
			return out, &FieldError{"severity", "must be 1–5"}
		}
		out.Severity = *in.Severity
	}
	if out.Status == "" {
		out.Status = patrol.StatusOpen
	}
	if !patrol.ValidStatus(out.Status) {
		return out, &FieldError{"status", "must be open, closed or void"}
	}
	if len(out.Description) > 4000 || !utf8.ValidString(out.Description) || strings.ContainsRune(out.Description, 0) {
		return out, &FieldError{"description", "at most 4000 bytes of UTF-8 without NUL characters"}
	}
	return out, nil
}

// decodeIncidents reads {"incidents":[...]}, a bare list, or a GeoJSON FeatureCollection.
func decodeIncidents(body []byte) ([]incidentInput, error) {
	var probe struct {
		Type      string            `json:"type"`
		Incidents []incidentInput   `json:"incidents"`
		Features  []json.RawMessage `json:"features"`
	}
	trimmed := strings.TrimSpace(string(body))
	if strings.HasPrefix(trimmed, "[") {
		var list []incidentInput
		if err := decodeJSONBytes(body, &list); err != nil {
			return nil, err
		}
		return list, nil
	}
	if err := decodeJSONBytes(body, &probe); err != nil {
		return nil, err
	}
	if probe.Type == "FeatureCollection" {
		list := make([]incidentInput, len(probe.Features))
		for i, raw := range probe.Features {
			var f struct {
				Geometry *struct {
					Type        string    `json:"type"`
					Coordinates []float64 `json:"coordinates"`
				} `json:"geometry"`
				Properties incidentInput `json:"properties"`
			}
			if err := json.Unmarshal(raw, &f); err != nil {
				list[i] = incidentInput{Time: "\x00bad feature"}
				continue
			}
			in := f.Properties
			if f.Geometry != nil && f.Geometry.Type == "Point" && len(f.Geometry.Coordinates) >= 2 {
				lon, lat := f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]
				in.Lon, in.Lat = &lon, &lat
			}
			list[i] = in
		}
		return list, nil
	}
	if probe.Incidents == nil {
		return nil, badField("incidents", `required: {"incidents":[...]} or a GeoJSON FeatureCollection`)
	}
	return probe.Incidents, nil
}

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
	inputs, err := decodeIncidents(body)
	if err != nil {
		fail(c, err)
		return
	}
	s.storeIncidents(c, u, inputs, "api")
}

// storeIncidents validates, stores and answers a batch of incidents for a unit.
func (s *Server) storeIncidents(c *gin.Context, u patrol.Unit, inputs []incidentInput, source string) {
	if len(inputs) > maxIncidentsPerRequest {
		writeProblem(c, problem(http.StatusRequestEntityTooLarge, fmt.Sprintf("at most %d incidents per request", maxIncidentsPerRequest),
			FieldError{"incidents", fmt.Sprintf("%d items; the limit is %d", len(inputs), maxIncidentsPerRequest)}))
		return
	}
	now := s.cfg.Now()
	rejected := []RejectedItem{}
	valid := make([]patrol.Incident, 0, len(inputs))
	index := make([]int, 0, len(inputs))
	for i, in := range inputs {
		inc, fe := in.toIncident(now)
		if fe != nil {
			rejected = append(rejected, RejectedItem{Index: i, Field: fe.Field, Error: fe.Field + ": " + fe.Message})
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
	var in incidentInput
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
	inc, fe := in.toIncident(s.cfg.Now())
	if fe != nil {
		writeProblem(c, problem(http.StatusBadRequest, fe.Field+": "+fe.Message, *fe))
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
