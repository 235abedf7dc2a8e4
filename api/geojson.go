package api

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/app/unit"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// Feature is a GeoJSON Feature with a raw geometry.
type Feature struct {
	Type       string          `json:"type"`
	ID         any             `json:"id,omitempty"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties map[string]any  `json:"properties"`
}

// FeatureCollection is a GeoJSON FeatureCollection.
type FeatureCollection struct {
	Type     string    `json:"type"`
	Features []Feature `json:"features"`
}

func featureCollection(fs []Feature) FeatureCollection {
	if fs == nil {
		fs = []Feature{}
	}
	return FeatureCollection{Type: "FeatureCollection", Features: fs}
}

// pointGeometry writes a GeoJSON Point, rounding to 1e-7 degrees (about 1 cm).
func pointGeometry(lat, lon float64) json.RawMessage {
	return json.RawMessage(`{"type":"Point","coordinates":[` + strconv.FormatFloat(round7(lon), 'f', -1, 64) + `,` + strconv.FormatFloat(round7(lat), 'f', -1, 64) + `]}`)
}

// round7 rounds degrees to 7 decimals.
func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }

func writeGeoJSON(c *gin.Context, v any) {
	c.Header("Cache-Control", "no-store")
	body, err := json.Marshal(v)
	if err != nil {
		fail(c, err)
		return
	}
	c.Data(http.StatusOK, "application/geo+json", body)
}

// location returns a unit's time zone (app/unit's reading of it).
func location(u patrol.Unit) *time.Location { return unit.Location(u) }

// nightWindow returns a unit's night window (app/unit's reading of it).
func nightWindow(u patrol.Unit) geo.NightWindow { return unit.NightWindow(u) }

// period reads from/to (and window when withWindow) for a unit, with DESIGN.md's semantics.
// Missing bounds default to the last 30 days up to tomorrow's local midnight.
func (s *Server) period(c *gin.Context, u patrol.Unit, window geo.Window) (geo.Period, bool) {
	loc := location(u)
	from, to := c.Query("from"), c.Query("to")
	if to == "" {
		to = geo.DateOf(s.cfg.Now(), loc).AddDays(1).String()
	}
	if from == "" {
		if d, err := geo.ParseDate(to); err == nil {
			from = d.AddDays(-30).String()
		} else if t, err := time.Parse(time.RFC3339Nano, to); err == nil {
			from = t.Add(-30 * 24 * time.Hour).Format(time.RFC3339Nano)
		}
	}
	p, err := geo.ParsePeriod(from, to, loc, window, nightWindow(u))
	if err != nil {
		var fe *geo.FieldError
		if errors.As(err, &fe) {
			writeProblem(c, badField(fe.Field, fe.Reason))
		} else {
			writeProblem(c, badField("from", err.Error()))
		}
		return geo.Period{}, false
	}
	if p.To.Sub(p.From) > 5*366*24*time.Hour {
		writeProblem(c, badField("to", "the period may span at most 5 years"))
		return geo.Period{}, false
	}
	return p, true
}
