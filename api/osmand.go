package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/app/ingest"
	"github.com/patrolmap/patrolmap/app/ingest/decode"
	"github.com/patrolmap/patrolmap/patrol"
)

// The OsmAnd protocol as Traccar's port 5055 accepts it (GET or POST /osmand, and / on the
// --osmand-addr listener). What real clients send:
//
//   - old Traccar Client for Android: POST with an empty body, everything in the query:
//     /?id=123456&timestamp=1709305200&lat=21.47&lon=105.85&speed=0.0&bearing=0.0&altitude=30.0&accuracy=0.0&batt=87.0
//   - Traccar Client 10: a form POST (application/x-www-form-urlencoded) of the same names;
//   - OsmAnd live tracking and GPSLogger: GET with the same names in the query (OsmAnd sends
//     epoch milliseconds and its accuracy as hdop);
//   - Traccar Client 9: a JSON body
//     {"device_id":"123456","location":{"timestamp":"2024-03-01T15:00:00.000Z","coords":{"latitude":..,
//     "longitude":..,"accuracy":..,"speed":m/s,"heading":..,"altitude":..},"battery":{"level":0.87,
//     "is_charging":false},"is_moving":true,"odometer":1234}}.
//
// The device secret comes as the key parameter (query or form), or as a bearer token or Basic
// auth. Units: speed in knots in the query/form protocol (as Traccar reads it) and m/s in the
// JSON; battery in percent (JSON: a 0..1 level). A negative speed, heading or accuracy means
// unknown (Android's -1). An accuracy of 0 is a good fix, not an unknown one. A report without
// timestamp is taken at its receive time and flagged server_time; mock=true (or is_mock, in the
// query, the form or the JSON location) flags it mock, and coverage ignores it. The key may end
// in one slash (Traccar Client 9's URL join).

const knot = 1852.0 / 3600.0 // m/s

// osmandRequest is one decoded OsmAnd / Traccar Client report.
type osmandRequest struct {
	Ident      string           // id, deviceid or device_id; "" when the credentials name the device
	IdentField string           // the parameter that named the device
	Key        string           // the device secret
	Fix        decode.Candidate // the fix, or why the report is not one
}

// decodeOsmAnd reads one report from the query string and the body. Only a body that cannot be
// read at all (malformed JSON) is an error, a *Problem or *decode.Error naming the field; anything wrong with the
// fix itself is reported in Fix.Invalid, so that the caller can authenticate the device first
// and then log the report instead of refusing it.
func decodeOsmAnd(contentType, rawQuery string, body []byte, now time.Time) (osmandRequest, error) {
	query, qerr := url.ParseQuery(rawQuery)
	media, _, _ := mime.ParseMediaType(contentType)
	trimmed := bytes.TrimSpace(body)
	if media == "application/json" || (len(trimmed) > 0 && trimmed[0] == '{' && media != "application/x-www-form-urlencoded") {
		req, err := decodeTraccarJSON(trimmed, now)
		req.IdentField = "device_id"
		if req.Key == "" {
			req.Key = osmandKey(query.Get("key"))
		}
		if req.Ident == "" {
			req.Ident = firstParam(query, "id", "deviceid")
			req.IdentField = "id"
		}
		return req, err
	}
	params := query
	var berr error
	if len(trimmed) > 0 {
		var form url.Values
		form, berr = url.ParseQuery(string(trimmed))
		for k, v := range form {
			if _, ok := params[k]; !ok {
				params[k] = v
			}
		}
	}
	req := osmandRequest{Ident: firstParam(params, "id", "deviceid"), IdentField: "id", Key: osmandKey(params.Get("key"))}
	if params.Get("id") == "" && params.Get("deviceid") != "" {
		req.IdentField = "deviceid"
	}
	switch {
	case qerr != nil:
		req.Fix = decode.Candidate{Ident: req.Ident, Invalid: &decode.FieldError{Field: "query", Message: "malformed query string: " + qerr.Error()}}
	case berr != nil:
		req.Fix = decode.Candidate{Ident: req.Ident, Invalid: &decode.FieldError{Field: "body", Message: "malformed form body: " + berr.Error()}}
	default:
		req.Fix = osmandFix(req.Ident, params, now)
	}
	return req, nil
}

// osmandKey is the device secret of a key parameter. Traccar Client 9 joins a server URL with
// an empty path ("http://host:5055?key=S") and its own path "/" by appending, so the key arrives
// as "S/"; secrets never end in a slash, so one trailing slash is dropped.
func osmandKey(v string) string { return strings.TrimSuffix(v, "/") }

// truthyParam reports whether a flag parameter says yes: "true", "1" or "yes", in any case.
func truthyParam(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "yes":
		return true
	}
	return false
}

// truthyJSON reports whether a JSON flag says yes: true, or a string or number truthyParam
// accepts. Absent, null and anything else is no.
func truthyJSON(raw json.RawMessage) bool {
	switch t := strings.TrimSpace(string(raw)); {
	case t == "true":
		return true
	case strings.HasPrefix(t, `"`):
		var s string
		return json.Unmarshal(raw, &s) == nil && truthyParam(s)
	default:
		return t == "1"
	}
}

func firstParam(v url.Values, names ...string) string {
	for _, n := range names {
		if s := v.Get(n); s != "" {
			return s
		}
	}
	return ""
}

// osmandFix reads the fix of a query or form report.
func osmandFix(ident string, p url.Values, now time.Time) decode.Candidate {
	bad := func(field, msg string) decode.Candidate {
		return decode.Candidate{Ident: ident, Invalid: &decode.FieldError{Field: field, Message: msg}}
	}
	if !validIdent(ident) {
		return bad("id", identProblem)
	}
	if v := p.Get("valid"); v == "false" || v == "0" {
		return bad("valid", "the client marked the position as invalid")
	}
	latText, lonText := p.Get("lat"), p.Get("lon")
	latField, lonField := "lat", "lon"
	if latText == "" && lonText == "" && p.Get("location") != "" {
		a, b, ok := strings.Cut(p.Get("location"), ",")
		if !ok {
			return bad("location", "must be lat,lon")
		}
		latText, lonText, latField, lonField = a, b, "location", "location"
	}
	if latText == "" {
		return bad("lat", "required")
	}
	if lonText == "" {
		return bad("lon", "required")
	}
	lat, ok := decode.ParseNumber(latText)
	if !ok {
		return bad(latField, "must be a number")
	}
	lon, ok := decode.ParseNumber(lonText)
	if !ok {
		return bad(lonField, "must be a number")
	}
	// Without a timestamp (two of Traccar's own OsmAnd cases send none) the fix is taken at the
	// time it was received, as Traccar does, and flagged so analyses know its time is less sure.
	var flags patrol.FixFlag
	t := now
	if ts := p.Get("timestamp"); ts != "" {
		var err error
		if t, err = decode.ParseFixTime(ts); err != nil {
			return bad("timestamp", err.Error())
		}
	} else {
		flags |= patrol.FlagServerTime
	}
	if truthyParam(p.Get("mock")) || truthyParam(p.Get("is_mock")) {
		flags |= patrol.FlagMock
	}
	f := patrol.Fix{Time: t, Lat: lat, Lon: lon, Accuracy: math.NaN(), Speed: math.NaN(), Heading: math.NaN(), Altitude: math.NaN(), Battery: math.NaN(),
		Flags: flags}
	num := func(field string) (float64, *decode.FieldError) {
		v := p.Get(field)
		if v == "" {
			return math.NaN(), nil
		}
		x, ok := decode.ParseNumber(v)
		if !ok {
			return 0, &decode.FieldError{Field: field, Message: "must be a number"}
		}
		return x, nil
	}
	var fe *decode.FieldError
	if f.Speed, fe = num("speed"); fe != nil {
		return decode.Candidate{Ident: ident, Invalid: fe}
	}
	f.Speed = unknownIfNegative(f.Speed) * knot
	headingField := "bearing"
	if p.Get("bearing") == "" {
		headingField = "heading"
	}
	if f.Heading, fe = num(headingField); fe != nil {
		return decode.Candidate{Ident: ident, Invalid: fe}
	}
	f.Heading = unknownIfNegative(f.Heading)
	if f.Altitude, fe = num("altitude"); fe != nil {
		return decode.Candidate{Ident: ident, Invalid: fe}
	}
	// OsmAnd's {3} is Location.getAccuracy() in metres, sent under the name hdop.
	// Some clients name the horizontal accuracy hacc.
	accField := "accuracy"
	for _, name := range []string{"hdop", "hacc"} {
		if p.Get(accField) == "" && p.Get(name) != "" {
			accField = name
		}
	}
	if f.Accuracy, fe = num(accField); fe != nil {
		return decode.Candidate{Ident: ident, Invalid: fe}
	}
	f.Accuracy = unknownIfNegative(f.Accuracy)
	if f.Battery, fe = num("batt"); fe != nil {
		return decode.Candidate{Ident: ident, Invalid: fe}
	}
	return decode.CheckedAs(decode.Fields{Names: map[string]string{"lat": latField, "lon": lonField, "time": "timestamp", "battery": "batt"}}, ident, f, now)
}

func unknownIfNegative(v float64) float64 {
	if v < 0 {
		return math.NaN()
	}
	return v
}

// traccarJSON is the body Traccar Client 9 posts (the Transistor background-geolocation
// format). Battery, is_moving and odometer sit inside location; a battery at the top level is
// read too.
type traccarJSON struct {
	DeviceID json.RawMessage `json:"device_id"`
	Key      string          `json:"key"`
	Location *struct {
		Timestamp json.RawMessage `json:"timestamp"`
		Coords    *struct {
			Latitude  *float64 `json:"latitude"`
			Longitude *float64 `json:"longitude"`
			Accuracy  *float64 `json:"accuracy"`
			Speed     *float64 `json:"speed"`
			Heading   *float64 `json:"heading"`
			Altitude  *float64 `json:"altitude"`
		} `json:"coords"`
		Battery  *traccarBattery `json:"battery"`
		IsMoving *bool           `json:"is_moving"`
		Odometer *float64        `json:"odometer"`
		Mock     json.RawMessage `json:"mock"`
		IsMock   json.RawMessage `json:"is_mock"`
	} `json:"location"`
	Battery *traccarBattery `json:"battery"`
	Mock    json.RawMessage `json:"mock"`
	IsMock  json.RawMessage `json:"is_mock"`
}

type traccarBattery struct {
	Level      *float64 `json:"level"`
	IsCharging *bool    `json:"is_charging"`
}

// traccarJSONFields are the keys of the fix fields in Traccar Client's JSON.
var traccarJSONFields = decode.Fields{Prefix: "location.coords.", Names: map[string]string{
	"lat": "location.coords.latitude", "lon": "location.coords.longitude", "time": "location.timestamp", "battery": "location.battery.level"}}

// decodeTraccarJSON reads a Traccar Client 9 body.
func decodeTraccarJSON(body []byte, now time.Time) (osmandRequest, error) {
	var m traccarJSON
	err := json.Unmarshal(body, &m)
	ident, ok := jsonString(m.DeviceID)
	req := osmandRequest{Ident: ident, Key: m.Key}
	var typeErr *json.UnmarshalTypeError
	switch {
	case err != nil && errors.As(err, &typeErr) && typeErr.Field != "":
		req.Fix = decode.Candidate{Ident: ident, Invalid: &decode.FieldError{Field: typeErr.Field, Message: "must be a " + jsonKind(typeErr.Type.Kind().String()) + ", not a JSON " + typeErr.Value}}
		return req, nil
	case err != nil:
		// Not a JSON object: there is no device to authenticate, so this is the client's error.
		if !json.Valid(body) {
			if perr := decode.JSON(body, new(any)); perr != nil {
				return req, perr
			}
			return req, badField("body", "malformed JSON")
		}
		return req, badField("body", "must be a JSON object")
	case !ok:
		req.Fix = decode.Candidate{Invalid: &decode.FieldError{Field: "device_id", Message: "must be a string"}}
		return req, nil
	}
	bad := func(field, msg string) (osmandRequest, error) {
		req.Fix = decode.Candidate{Ident: ident, Invalid: &decode.FieldError{Field: field, Message: msg}}
		return req, nil
	}
	if !validIdent(ident) {
		return bad("device_id", identProblem)
	}
	loc := m.Location
	if loc == nil {
		return bad("location", "required")
	}
	tsText, ok := jsonString(loc.Timestamp)
	if !ok || tsText == "" {
		return bad("location.timestamp", "required: an ISO 8601 time")
	}
	t, err := decode.ParseFixTime(tsText)
	if err != nil {
		return bad("location.timestamp", err.Error())
	}
	co := loc.Coords
	if co == nil {
		return bad("location.coords", "required")
	}
	if co.Latitude == nil {
		return bad("location.coords.latitude", "required")
	}
	if co.Longitude == nil {
		return bad("location.coords.longitude", "required")
	}
	f := patrol.Fix{Time: t, Lat: *co.Latitude, Lon: *co.Longitude,
		Accuracy: unknownIfNegative(orUnknown(co.Accuracy)), Speed: unknownIfNegative(orUnknown(co.Speed)),
		Heading: unknownIfNegative(orUnknown(co.Heading)), Altitude: orUnknown(co.Altitude), Battery: math.NaN()}
	batt := loc.Battery
	if batt == nil {
		batt = m.Battery
	}
	if batt != nil && batt.Level != nil && *batt.Level >= 0 {
		if *batt.Level > 1 {
			return bad("location.battery.level", "must be 0 to 1")
		}
		f.Battery = math.Round(*batt.Level*1000) / 10
	}
	// The background-geolocation library marks a position from a mock provider with
	// location.mock; later clients name it is_mock.
	if truthyJSON(loc.Mock) || truthyJSON(loc.IsMock) || truthyJSON(m.Mock) || truthyJSON(m.IsMock) {
		f.Flags |= patrol.FlagMock
	}
	req.Fix = decode.CheckedAs(traccarJSONFields, ident, f, now)
	return req, nil
}

// redactedQuery returns a query string or form body with the key parameter's value hidden, for
// the rejection log.
func redactedQuery(raw string) string {
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		name, _, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil && n == "key" {
			parts[i] = name + "=REDACTED"
		}
	}
	return strings.Join(parts, "&")
}

// osmandRaw is the request as the rejection log keeps it: method, path, query and body, with
// the key hidden.
func osmandRaw(c *gin.Context, body []byte) []byte {
	var b bytes.Buffer
	b.WriteString(c.Request.Method)
	b.WriteByte(' ')
	b.WriteString(c.Request.URL.Path)
	if q := c.Request.URL.RawQuery; q != "" {
		b.WriteByte('?')
		b.WriteString(redactedQuery(q))
	}
	if len(body) > 0 {
		b.WriteByte('\n')
		if bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
			b.Write(body)
		} else {
			b.WriteString(redactedQuery(string(body)))
		}
	}
	return b.Bytes()
}

// osmand handles one OsmAnd / Traccar Client report: 200 once the fix is committed (or found
// to be a duplicate, or logged as invalid), 401/403/404 for a device that is not registered or
// not authenticated (logged, and kept for replay when it holds a fix), 503 with Retry-After when
// it cannot be written now.
func (g *ingester) osmand(c *gin.Context) {
	s := g.s
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, trackerBodyLimit)
	body, err := readBody(c)
	if err != nil {
		fail(c, err)
		return
	}
	now := s.cfg.Now()
	req, err := decodeOsmAnd(c.ContentType(), c.Request.URL.RawQuery, body, now)
	if err != nil {
		var p *Problem
		var de *decode.Error
		reason := "malformed request"
		if errors.As(err, &p) {
			reason = p.Detail
		} else if errors.As(err, &de) {
			reason = de.Detail
		}
		g.rejectAttempt(c, patrol.Rejection{DeviceIdent: req.Ident, Source: "osmand", Reason: reason, Raw: string(osmandRaw(c, body))})
		fail(c, err)
		return
	}
	keep := func() *patrol.KeptRequest {
		if req.Fix.Invalid != nil {
			return nil // nothing a replay could store
		}
		k := keptRequest(c, "osmand", body, now)
		return &k
	}
	d, ok := g.trackerDevice(c, "osmand", req.Ident, req.Key, req.IdentField, func() []byte { return osmandRaw(c, body) }, keep)
	if !ok {
		return
	}
	req.Fix.Raw = osmandRaw(c, body)
	reply, ok := g.storeOne(c, d, req.Fix, "osmand")
	if !ok {
		return
	}
	c.JSON(http.StatusOK, reply)
}

// trackerDevice authenticates the device of a single-fix report through app/ingest's
// TrackerDevice (which logs a refusal, and keeps a request that holds a fix for a replay), and
// answers a refusal itself.
func (g *ingester) trackerDevice(c *gin.Context, source, ident, key, identField string, raw func() []byte, keep func() *patrol.KeptRequest) (*patrol.Device, bool) {
	r := ingest.TrackerReport{Source: source, Caller: callerOf(c), Ident: ident, IdentField: identField, Key: key, Addr: c.ClientIP(), Raw: raw, Keep: keep}
	if user, ok := c.Get(basicRefusedKey); ok {
		r.BasicRefused, r.BasicUser = true, user.(string)
	}
	d, err := g.svc.TrackerDevice(c.Request.Context(), r)
	var why *ingest.Refusal
	switch {
	case errors.As(err, &why) && why.Kind == ingest.RefusedBadIdent:
		writeProblem(c, badField(why.Field, why.Message))
		return nil, false
	case errors.As(err, &why):
		status := map[ingest.RefusalKind]int{ingest.RefusedUnauthenticated: http.StatusUnauthorized,
			ingest.RefusedForbidden: http.StatusForbidden, ingest.RefusedUnknown: http.StatusNotFound}[why.Kind]
		if status == http.StatusUnauthorized && source == "owntracks" {
			c.Header("WWW-Authenticate", `Basic realm="patrolmap"`)
		} else if status == http.StatusUnauthorized {
			c.Header("WWW-Authenticate", `Bearer realm="patrolmap"`)
		}
		writeProblem(c, problem(status, why.Reason, FieldError{why.Field, why.Message}))
		return nil, false
	case err != nil:
		fail(c, err)
		return nil, false
	}
	return &d, true
}

// storeOne writes one fix of device d through the group commit, or logs it when it is invalid,
// and returns the reply; on failure it has answered the request itself.
func (g *ingester) storeOne(c *gin.Context, d *patrol.Device, cand decode.Candidate, source string) (IngestReply, bool) {
	s := g.s
	reply := IngestReply{Rejected: []decode.RejectedItem{}}
	if cand.Invalid != nil {
		r := patrol.Rejection{UnitID: d.UnitID, DeviceIdent: d.Ident, Source: source, Reason: cand.Invalid.Field + ": " + cand.Invalid.Message,
			Raw: string(cand.Raw), Addr: c.ClientIP()}
		if err := s.db.RejectMany(c.Request.Context(), []patrol.Rejection{r}); err != nil {
			fail(c, err)
			return reply, false
		}
		reply.Rejected = append(reply.Rejected, decode.Rejected(0, cand.Invalid))
		s.metrics.add("patrolmap_fixes_rejected_total", 1)
		return reply, true
	}
	f := cand.Fix
	f.UnitID, f.DeviceID, f.Source = d.UnitID, d.ID, source
	stored, err := g.svc.Submit(c.Request.Context(), f)
	switch {
	case errors.Is(err, ingest.ErrBusy):
		s.metrics.add("patrolmap_ingest_busy_total", 1)
		c.Header("Retry-After", "1")
		writeProblem(c, problem(http.StatusServiceUnavailable, "too many fixes are waiting to be written; retry shortly"))
		return reply, false
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		writeProblem(c, problem(http.StatusServiceUnavailable, "the request ended before the fix was written; retry"))
		return reply, false
	case err != nil:
		fail(c, err)
		return reply, false
	}
	// An off-duty fix the unit does not keep is answered like a stored one, so the phone does
	// not send it again, and counted.
	switch stored {
	case patrol.FixStored:
		reply.Accepted = 1
		s.metrics.add("patrolmap_fixes_accepted_total", 1)
	case patrol.FixOffDuty:
		reply.OffDuty = 1
		s.metrics.add("patrolmap_fixes_off_duty_total", 1)
	default:
		reply.Duplicates = 1
		s.metrics.add("patrolmap_fixes_duplicate_total", 1)
	}
	return reply, true
}
