package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/paulmach/orb"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// MaxFixesPerRequest bounds one batch of fixes; larger requests get 413.
const MaxFixesPerRequest = 50000

// fixInput is one fix as clients send it to /api/v1/fixes.
type fixInput struct {
	Device   json.RawMessage `json:"device"`
	Time     json.RawMessage `json:"time"`
	Lat      *float64        `json:"lat"`
	Lon      *float64        `json:"lon"`
	Accuracy *float64        `json:"accuracy"`
	Speed    *float64        `json:"speed"`
	Heading  *float64        `json:"heading"`
	Altitude *float64        `json:"altitude"`
	Battery  *float64        `json:"battery"`
}

func readBody(c *gin.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return nil, err
		}
		return nil, badField("body", "could not be read")
	}
	return body, nil
}

// decodeFixes reads {"fixes":[...]} or a GeoJSON FeatureCollection of Points.
func decodeFixes(body []byte) ([]fixInput, error) {
	var probe struct {
		Type     string            `json:"type"`
		Fixes    []json.RawMessage `json:"fixes"`
		Features []json.RawMessage `json:"features"`
	}
	if err := decodeJSONBytes(body, &probe); err != nil {
		return nil, err
	}
	items := probe.Fixes
	geojson := probe.Type == "FeatureCollection"
	if geojson {
		items = probe.Features
	} else if probe.Fixes == nil {
		return nil, badField("fixes", `required: {"fixes":[...]} or a GeoJSON FeatureCollection of Points`)
	}
	if len(items) > MaxFixesPerRequest {
		return nil, problem(http.StatusRequestEntityTooLarge, fmt.Sprintf("at most %d fixes per request", MaxFixesPerRequest),
			FieldError{"fixes", fmt.Sprintf("%d items; the limit is %d", len(items), MaxFixesPerRequest)})
	}
	out := make([]fixInput, len(items))
	for i, raw := range items {
		if geojson {
			var f struct {
				Geometry *struct {
					Type        string    `json:"type"`
					Coordinates []float64 `json:"coordinates"`
				} `json:"geometry"`
				Properties fixInput `json:"properties"`
			}
			if err := json.Unmarshal(raw, &f); err != nil {
				out[i].Device = json.RawMessage(`"\u0000"`) // marks the item as malformed
				continue
			}
			in := f.Properties
			if f.Geometry != nil && f.Geometry.Type == "Point" && len(f.Geometry.Coordinates) >= 2 {
				lon, lat := f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]
				in.Lon, in.Lat = &lon, &lat
				if len(f.Geometry.Coordinates) >= 3 && in.Altitude == nil {
					alt := f.Geometry.Coordinates[2]
					in.Altitude = &alt
				}
			}
			out[i] = in
			continue
		}
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			out[i].Device = json.RawMessage(`"\u0000"`)
		}
	}
	return out, nil
}

// jsonString reads a JSON string or number as text.
func jsonString(raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, true
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), true
	}
	return "", false
}

// fixTime reads a fix time: RFC 3339 text, or epoch seconds / milliseconds as a number.
func fixTime(raw json.RawMessage) (time.Time, error) {
	s, ok := jsonString(raw)
	if !ok || s == "" {
		return time.Time{}, errors.New("required: an RFC 3339 time or epoch seconds")
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, ok := epochTime(s); ok {
		return t, nil
	}
	return time.Time{}, errors.New("must be an RFC 3339 time or epoch seconds/milliseconds")
}

// epochTime reads epoch seconds, or milliseconds when the value is above 2^31.
func epochTime(s string) (time.Time, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e14 {
		return time.Time{}, false
	}
	if f > math.MaxInt32 {
		ms := int64(math.Round(f))
		return time.UnixMilli(ms).UTC(), true
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1000).UTC(), true
}

func orUnknown(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// fixFromInput validates one fix and returns it with the device id it names.
func fixFromInput(in fixInput, now time.Time) (string, patrol.Fix, *FieldError) {
	ident, ok := jsonString(in.Device)
	if !ok || strings.ContainsRune(ident, 0) {
		return "", patrol.Fix{}, &FieldError{"device", "must be a string; the item may be malformed"}
	}
	t, err := fixTime(in.Time)
	if err != nil {
		return ident, patrol.Fix{}, &FieldError{"time", err.Error()}
	}
	if in.Lat == nil {
		return ident, patrol.Fix{}, &FieldError{"lat", "required"}
	}
	if in.Lon == nil {
		return ident, patrol.Fix{}, &FieldError{"lon", "required"}
	}
	f := patrol.Fix{Time: t.UTC().Truncate(time.Microsecond), Lat: *in.Lat, Lon: *in.Lon,
		Accuracy: orUnknown(in.Accuracy), Speed: orUnknown(in.Speed), Heading: orUnknown(in.Heading),
		Altitude: orUnknown(in.Altitude), Battery: orUnknown(in.Battery)}
	if fe := validateFix(f, now); fe != nil {
		return ident, f, fe
	}
	return ident, f, nil
}

// validateFix checks ranges through geo.ValidateFix and the fields geo does not know.
func validateFix(f patrol.Fix, now time.Time) *FieldError {
	acc := f.Accuracy
	if math.IsNaN(acc) {
		acc = 0
	}
	gf := geo.Fix{Time: f.Time, Point: orb.Point{f.Lon, f.Lat}, Accuracy: acc, Speed: f.Speed}
	if err := geo.ValidateFix(gf, now); err != nil {
		var fe *geo.FieldError
		if errors.As(err, &fe) {
			return &FieldError{fe.Field, fe.Reason}
		}
		return &FieldError{"fix", err.Error()}
	}
	if !math.IsNaN(f.Heading) && (math.IsInf(f.Heading, 0) || f.Heading < 0 || f.Heading > 360) {
		return &FieldError{"heading", "must be 0–360 degrees"}
	}
	if !math.IsNaN(f.Altitude) && (math.IsInf(f.Altitude, 0) || f.Altitude < -1000 || f.Altitude > 10000) {
		return &FieldError{"altitude", "must be −1000 to 10000 m"}
	}
	if !math.IsNaN(f.Battery) && (math.IsInf(f.Battery, 0) || f.Battery < 0 || f.Battery > 100) {
		return &FieldError{"battery", "must be 0–100 percent"}
	}
	return nil
}

// deviceAuthorizer resolves device ids and decides whether the caller may write their fixes,
// remembering answers for the length of one request.
type deviceAuthorizer struct {
	s       *Server
	caller  patrol.Caller
	devices map[string]*patrol.Device // nil value: unknown
	allowed map[int]bool
}

func (s *Server) newDeviceAuthorizer(caller patrol.Caller) *deviceAuthorizer {
	return &deviceAuthorizer{s: s, caller: caller, devices: map[string]*patrol.Device{}, allowed: map[int]bool{}}
}

// device returns the device with this id, or nil when none is registered.
func (a *deviceAuthorizer) device(ctx context.Context, ident string) (*patrol.Device, error) {
	if d, ok := a.devices[ident]; ok {
		return d, nil
	}
	if a.caller.Kind == patrol.CallerDevice && (ident == "" || ident == a.caller.Device.Ident) {
		d := a.caller.Device
		a.devices[ident] = &d
		return &d, nil
	}
	if ident == "" {
		return nil, nil
	}
	d, err := a.s.db.DeviceByIdent(ctx, ident)
	if errors.Is(err, patrol.ErrNotFound) {
		a.devices[ident] = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	a.devices[ident] = &d
	return &d, nil
}

// may reports whether the caller may write fixes of d (DESIGN.md's role table).
func (a *deviceAuthorizer) may(ctx context.Context, d *patrol.Device) (bool, error) {
	if ok, seen := a.allowed[d.ID]; seen {
		return ok, nil
	}
	var ok bool
	switch a.caller.Kind {
	case patrol.CallerDevice:
		ok = d.ID == a.caller.Device.ID
	case patrol.CallerUser:
		switch a.caller.User.Role {
		case patrol.RoleAdmin, patrol.RoleAnalyst:
			ok = a.caller.InScope(d.UnitID)
		case patrol.RoleOfficer:
			if a.caller.InScope(d.UnitID) {
				var err error
				ok, err = a.s.db.DeviceAssignedTo(ctx, d.ID, a.caller.User.ID)
				if err != nil {
					return false, err
				}
			}
		}
	}
	a.allowed[d.ID] = ok
	return ok, nil
}

// IngestReply is the answer to a batch of fixes.
type IngestReply struct {
	Accepted   int            `json:"accepted"`
	Duplicates int            `json:"duplicates"`
	Rejected   []RejectedItem `json:"rejected"`
}

func (s *Server) postFixes(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		fail(c, err)
		return
	}
	inputs, err := decodeFixes(body)
	if err != nil {
		fail(c, err)
		return
	}
	s.ingest(c, inputs, "api")
}

// ingest validates, authorizes and stores a batch of fixes, answering only after commit.
func (s *Server) ingest(c *gin.Context, inputs []fixInput, source string) {
	ctx := c.Request.Context()
	now := s.cfg.Now()
	auth := s.newDeviceAuthorizer(callerOf(c))
	reply := IngestReply{Rejected: []RejectedItem{}}
	fixes := make([]patrol.Fix, 0, len(inputs))
	seen := make(map[[2]int64]bool, len(inputs))
	for i, in := range inputs {
		ident, f, fe := fixFromInput(in, now)
		if fe != nil {
			reply.Rejected = append(reply.Rejected, RejectedItem{Index: i, Field: fe.Field, Error: fe.Field + ": " + fe.Message})
			continue
		}
		d, err := auth.device(ctx, ident)
		if err != nil {
			fail(c, err)
			return
		}
		if d == nil {
			reply.Rejected = append(reply.Rejected, RejectedItem{Index: i, Field: "device", Error: "device: unknown device " + strconv.Quote(ident)})
			s.db.Reject(ctx, patrol.Rejection{DeviceIdent: ident, Source: source, Reason: "unknown device", Addr: c.ClientIP()})
			continue
		}
		ok, err := auth.may(ctx, d)
		if err != nil {
			fail(c, err)
			return
		}
		if !ok {
			writeProblem(c, problem(http.StatusForbidden, "you may not send fixes for device "+strconv.Quote(d.Ident),
				FieldError{Field: fmt.Sprintf("fixes[%d].device", i), Message: "not allowed for this caller"}))
			return
		}
		if !d.Active {
			reply.Rejected = append(reply.Rejected, RejectedItem{Index: i, Field: "device", Error: "device: deactivated"})
			continue
		}
		f.UnitID, f.DeviceID, f.Source = d.UnitID, d.ID, source
		if !math.IsNaN(f.Accuracy) && f.Accuracy > geo.MaxAccuracyM {
			f.Flags |= uint16(geo.FlagLowAccuracy)
		}
		key := [2]int64{int64(d.ID), f.Time.UnixMicro()}
		if seen[key] {
			reply.Duplicates++
			continue
		}
		seen[key] = true
		fixes = append(fixes, f)
	}
	res, err := s.db.InsertFixes(ctx, fixes)
	if err != nil {
		fail(c, err)
		return
	}
	reply.Accepted = res.Accepted
	reply.Duplicates += res.Duplicates
	s.metrics.add("patrolmap_fixes_accepted_total", reply.Accepted)
	s.metrics.add("patrolmap_fixes_duplicate_total", reply.Duplicates)
	s.metrics.add("patrolmap_fixes_rejected_total", len(reply.Rejected))
	c.JSON(http.StatusOK, reply)
}

// getFixes exports stored fixes as GeoJSON (default), CSV or GPX, streaming them.
func (s *Server) getFixes(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	p, ok := s.period(c, u, geo.WindowAll)
	if !ok {
		return
	}
	filter := patrol.FixFilter{UnitID: u.ID, From: p.From, To: p.To}
	if ident := c.Query("device"); ident != "" {
		d, err := s.db.DeviceByIdent(c.Request.Context(), ident)
		if errors.Is(err, patrol.ErrNotFound) || (err == nil && d.UnitID != u.ID) {
			writeProblem(c, problem(http.StatusNotFound, "no device "+strconv.Quote(ident)+" in this unit", FieldError{"device", "unknown device"}))
			return
		}
		if err != nil {
			fail(c, err)
			return
		}
		filter.DeviceID = d.ID
	}
	format := c.DefaultQuery("format", "geojson")
	var w fixWriter
	switch format {
	case "geojson", "json":
		w = &geojsonFixWriter{}
	case "csv":
		w = &csvFixWriter{}
	case "gpx":
		w = &gpxFixWriter{}
	default:
		writeProblem(c, badField("format", "must be geojson, csv or gpx"))
		return
	}
	// Buffer the export so a database error mid-way is still a clean problem response.
	var buf bytes.Buffer
	w.begin(&buf)
	n := 0
	err := s.db.EachFix(c.Request.Context(), filter, func(f patrol.StoredFix) error {
		n++
		return w.write(&buf, f)
	})
	if err != nil {
		fail(c, err)
		return
	}
	w.end(&buf)
	detail, _ := json.Marshal(map[string]any{"format": format, "fixes": n, "from": rfc3339(p.From), "to": rfc3339(p.To)})
	s.audit(c, u.ID, "export.fixes", u.Code, detail)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, w.contentType(), buf.Bytes())
}

type fixWriter interface {
	contentType() string
	begin(w io.Writer)
	write(w io.Writer, f patrol.StoredFix) error
	end(w io.Writer)
}

func numOrNil(f float64) any {
	if math.IsNaN(f) {
		return nil
	}
	return f
}

type geojsonFixWriter struct{ n int }

func (g *geojsonFixWriter) contentType() string { return "application/geo+json" }
func (g *geojsonFixWriter) begin(w io.Writer) {
	io.WriteString(w, `{"type":"FeatureCollection","features":[`)
}
func (g *geojsonFixWriter) end(w io.Writer) { io.WriteString(w, "]}") }
func (g *geojsonFixWriter) write(w io.Writer, f patrol.StoredFix) error {
	if g.n > 0 {
		io.WriteString(w, ",")
	}
	g.n++
	b, err := json.Marshal(Feature{Type: "Feature", Geometry: pointGeometry(f.Lat, f.Lon), Properties: map[string]any{
		"device": f.DeviceIdent, "time": rfc3339(f.Time), "accuracy": numOrNil(f.Accuracy), "speed": numOrNil(f.Speed),
		"heading": numOrNil(f.Heading), "altitude": numOrNil(f.Altitude), "battery": numOrNil(f.Battery),
		"flags": flagNames(f.Flags), "source": f.Source, "received_at": rfc3339(f.ReceivedAt),
	}})
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// flagNames spells out a fix's quality flags.
func flagNames(flags uint16) []string {
	out := []string{}
	names := []struct {
		f    geo.FixFlag
		name string
	}{{geo.FlagLowAccuracy, "low_accuracy"}, {geo.FlagJump, "jump"}, {geo.FlagDuplicate, "duplicate"}, {geo.FlagOffDuty, "off_duty"}}
	for _, n := range names {
		if geo.FixFlag(flags)&n.f != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

type csvFixWriter struct{ cw *csv.Writer }

func (c *csvFixWriter) contentType() string { return "text/csv; charset=utf-8" }
func (c *csvFixWriter) begin(w io.Writer) {
	c.cw = csv.NewWriter(w)
	c.cw.Write([]string{"device", "time", "lat", "lon", "accuracy", "speed", "heading", "altitude", "battery", "flags", "source"})
}
func (c *csvFixWriter) end(w io.Writer) { c.cw.Flush() }
func (c *csvFixWriter) write(w io.Writer, f patrol.StoredFix) error {
	num := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return c.cw.Write([]string{f.DeviceIdent, rfc3339(f.Time), strconv.FormatFloat(f.Lat, 'f', 7, 64), strconv.FormatFloat(f.Lon, 'f', 7, 64),
		num(f.Accuracy), num(f.Speed), num(f.Heading), num(f.Altitude), num(f.Battery), strings.Join(flagNames(f.Flags), "|"), f.Source})
}

type gpxFixWriter struct{ device string }

func (g *gpxFixWriter) contentType() string { return "application/gpx+xml" }
func (g *gpxFixWriter) begin(w io.Writer) {
	io.WriteString(w, xml.Header+`<gpx version="1.1" creator="patrolmap" xmlns="http://www.topografix.com/GPX/1/1">`+"\n")
}
func (g *gpxFixWriter) end(w io.Writer) {
	if g.device != "" {
		io.WriteString(w, "</trkseg></trk>\n")
	}
	io.WriteString(w, "</gpx>\n")
}
func (g *gpxFixWriter) write(w io.Writer, f patrol.StoredFix) error {
	if f.DeviceIdent != g.device {
		if g.device != "" {
			io.WriteString(w, "</trkseg></trk>\n")
		}
		g.device = f.DeviceIdent
		io.WriteString(w, "<trk><name>")
		xml.EscapeText(w, []byte(f.DeviceIdent))
		io.WriteString(w, "</name><trkseg>\n")
	}
	fmt.Fprintf(w, `<trkpt lat="%.7f" lon="%.7f">`, f.Lat, f.Lon)
	if !math.IsNaN(f.Altitude) {
		fmt.Fprintf(w, "<ele>%g</ele>", f.Altitude)
	}
	fmt.Fprintf(w, "<time>%s</time>", rfc3339(f.Time))
	if !math.IsNaN(f.Accuracy) {
		fmt.Fprintf(w, "<hdop>%g</hdop>", f.Accuracy/5)
	}
	io.WriteString(w, "</trkpt>\n")
	return nil
}
