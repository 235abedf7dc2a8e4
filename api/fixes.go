package api

import (
	"bytes"
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

	"github.com/patrolmap/patrolmap/app/ingest"
	"github.com/patrolmap/patrolmap/app/ingest/decode"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

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

// presizeLimit bounds the buffer readBody reserves from a request's Content-Length.
const presizeLimit = 4 << 20

// readBody reads the whole request body (limitBody bounds it). It reserves room for the declared
// length plus the last read that meets the end (bytes.MinRead), so that a batch is read without
// growing and copying the buffer as it comes; a length beyond presizeLimit grows as it reads, so a
// false Content-Length cannot make the server reserve more than that.
func readBody(c *gin.Context) ([]byte, error) {
	var buf bytes.Buffer
	if n := c.Request.ContentLength; n > 0 {
		buf.Grow(int(min(n, presizeLimit)) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(c.Request.Body)
	body := buf.Bytes()
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return nil, err
		}
		return nil, badField("body", "could not be read")
	}
	return body, nil
}

// decodeFixes reads {"fixes":[...]} or a GeoJSON FeatureCollection of Points and validates each
// item. A body that is not such a document is a *Problem or *decode.Error; a bad item is a candidate with Invalid
// set, naming its field. The common shape goes through decodeFixesFast.
func decodeFixes(body []byte, now time.Time) ([]decode.Candidate, error) {
	list, ok := decodeFixesFast(body, now, splitDecodeBytes)
	if !ok {
		return decodeFixesGeneral(body, now)
	}
	if len(list) > decode.MaxFixesPerRequest {
		return nil, decode.TooManyFixes("fixes", len(list))
	}
	return list, nil
}

// decodeFixesGeneral is decodeFixes with encoding/json, for every shape and every error.
func decodeFixesGeneral(body []byte, now time.Time) ([]decode.Candidate, error) {
	var probe struct {
		Type     string            `json:"type"`
		Fixes    []json.RawMessage `json:"fixes"`
		Features []json.RawMessage `json:"features"`
	}
	if err := decode.JSON(body, &probe); err != nil {
		return nil, err
	}
	items := probe.Fixes
	geojson := probe.Type == "FeatureCollection"
	field := "fixes"
	if geojson {
		items, field = probe.Features, "features"
	} else if probe.Fixes == nil {
		return nil, badField("fixes", `required: {"fixes":[...]} or a GeoJSON FeatureCollection of Points`)
	}
	if len(items) > decode.MaxFixesPerRequest {
		return nil, decode.TooManyFixes(field, len(items))
	}
	out := make([]decode.Candidate, len(items))
	for i, raw := range items {
		var in fixInput
		var fe *decode.FieldError
		if geojson {
			in, fe = fixFeatureInput(raw)
		} else {
			fe = unmarshalItem(raw, &in)
		}
		if fe != nil {
			ident, _ := jsonString(in.Device)
			out[i] = decode.Candidate{Ident: ident, Invalid: fe, Raw: raw}
			continue
		}
		out[i] = candidateFromInput(in, now)
		out[i].Raw = raw
	}
	return out, nil
}

// splitDecodeBytes is the size of the array of fixes from which decodeFixesFast reads its two
// halves at once, each on its own goroutine: about 400 fixes, where the second goroutine costs far
// less than the half of the decode it takes over. The database is idle while a batch is decoded,
// so the second core is free then (docs/bench/ingest.md).
const splitDecodeBytes = 64 << 10

// decodeFixesFast reads and validates the common shape of a batch, {"fixes":[{...},...]}, in one
// pass without reflection — several times faster than encoding/json on 10,000 fixes. It takes
// only a strict subset of JSON: the documented keys spelled exactly, strings of printable ASCII
// without escapes, numbers and null. For anything else (GeoJSON, other keys, escapes, other
// types, bad syntax) it reports false and decodeFixesGeneral reads the body; for what both
// accept, both give the same result (FuzzFixesFastMatchesGeneral checks this).
//
// An array of at least split bytes is cut at an item boundary near its middle (splitFixes) and
// the two halves are read at once. Both halves are read by the same grammar as the whole, so the
// answer is the one a single pass gives.
func decodeFixesFast(body []byte, now time.Time, split int) ([]decode.Candidate, bool) {
	s := jsonScanner{b: body, now: now}
	if !s.next('{') {
		return nil, false
	}
	if key, ok := s.text(); !ok || string(key) != "fixes" || !s.next(':') || !s.next('[') {
		return nil, false
	}
	if s.next(']') {
		return []decode.Candidate{}, s.end()
	}
	// Every item opens with a '{' and the strings seldom hold one, so counting them sizes the
	// list exactly (at worst too large), without growing it as it is read.
	items := func(b []byte) int { return bytes.Count(b, []byte{'{'}) }
	if end, next, ok := splitFixes(body, s.i, split); ok {
		nHead := items(body[s.i:end])
		all := make([]decode.Candidate, nHead+items(body[next:]))
		first := jsonScanner{b: body[:end], i: s.i, now: now}
		var head []decode.Candidate
		headOK := make(chan bool, 1)
		go func() {
			var ok bool
			head, ok = first.fixes(all[:0:nHead])
			headOK <- ok && first.i == len(first.b)
		}()
		s.i = next
		tail, ok := s.fixes(all[nHead:nHead])
		ok = ok && s.next(']') && s.end()
		if !<-headOK || !ok {
			return nil, false
		}
		if len(head) == nHead {
			return all[:nHead+len(tail)], true // the tail follows the head in place
		}
		return append(head, tail...), true
	}
	out, ok := s.fixes(make([]decode.Candidate, 0, items(body[s.i:])))
	return out, ok && s.next(']') && s.end()
}

// splitFixes finds an item boundary near the middle of the array of fixes that starts at from:
// the end of an item (just after its '}') and the start of the next (its '{'), with only white
// space and the comma between them. It finds none when the array is shorter than split bytes or
// the body holds a backslash (an escape, which only decodeFixesGeneral reads). Quotes open and
// close strings (there are no escapes), so their count before a place tells whether it lies in a
// string; a body that is not valid JSON can mislead that count, but then one of the halves
// does not parse and the whole body goes to decodeFixesGeneral.
func splitFixes(body []byte, from, split int) (end, next int, ok bool) {
	if len(body)-from < split || bytes.IndexByte(body, '\\') >= 0 {
		return 0, 0, false
	}
	i := from + (len(body)-from)/2
	inString := bytes.Count(body[from:i], []byte{'"'})%2 == 1
	for ; i < len(body); i++ {
		switch c := body[i]; {
		case c == '"':
			inString = !inString
		case c == '}' && !inString:
			j := skipSpace(body, i+1)
			if j >= len(body) || body[j] != ',' {
				return 0, 0, false // the last item
			}
			j = skipSpace(body, j+1)
			if j >= len(body) || body[j] != '{' {
				return 0, 0, false
			}
			return i + 1, j, true
		}
	}
	return 0, 0, false
}

// skipSpace returns the first index from i of b that is not JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// jsonScanner reads the subset of JSON decodeFixesFast accepts.
type jsonScanner struct {
	b      []byte
	i      int
	now    time.Time         // the clock that validates the fixes read
	idents map[string]string // the device ids read so far, so that each is allocated once
}

// fixes reads items separated by commas, appending each, validated, to out, up to what follows
// the last item.
func (s *jsonScanner) fixes(out []decode.Candidate) ([]decode.Candidate, bool) {
	for {
		ff, ok := s.fixItem()
		if !ok {
			return out, false
		}
		c := candidateFromFields(ff, s.now)
		c.Raw = ff.raw
		out = append(out, c)
		if !s.next(',') {
			return out, true
		}
	}
}

// end consumes the '}' that closes the document and white space, and reports whether that was
// all of it.
func (s *jsonScanner) end() bool {
	if !s.next('}') {
		return false
	}
	s.space()
	return s.i == len(s.b)
}

// maxInternedIdents bounds jsonScanner.idents; a batch naming more devices allocates the rest.
const maxInternedIdents = 4096

// ident reads the device like textOrNumber, returning the same string for every fix of a device.
func (s *jsonScanner) ident() (string, bool) {
	s.space()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return s.textOrNumber()
	}
	v, ok := s.text()
	if !ok {
		return "", false
	}
	if id, seen := s.idents[string(v)]; seen {
		return id, true
	}
	id := string(v)
	if s.idents == nil {
		s.idents = make(map[string]string)
	}
	if len(s.idents) < maxInternedIdents {
		s.idents[id] = id
	}
	return id, true
}

func (s *jsonScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next consumes c after white space.
func (s *jsonScanner) next(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// text reads a string of printable ASCII without escapes.
func (s *jsonScanner) text() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false
		}
		s.i++
	}
	return nil, false
}

// key reads an object key: the bytes up to the next quote, unchecked, since the caller accepts
// only the documented keys, spelled in plain letters (anything else sends the body to the
// general decoder).
func (s *jsonScanner) key() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) && s.b[s.i] != '"' { // keys are short: a loop beats bytes.IndexByte
		s.i++
	}
	if s.i == len(s.b) {
		return nil, false
	}
	s.i++
	return s.b[start : s.i-1], true
}

// number reads a number as JSON defines it.
func (s *jsonScanner) number() ([]byte, bool) {
	s.space()
	start := s.i
	digits := func() int {
		n := 0
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
			n++
		}
		return n
	}
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	if s.i < len(s.b) && s.b[s.i] == '0' {
		s.i++
	} else if digits() == 0 {
		return nil, false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return nil, false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	return s.b[start:s.i], true
}

// null consumes the literal null.
func (s *jsonScanner) null() bool {
	s.space()
	if len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

// textOrNumber reads the device or time: a string, a number (kept as written) or null ("").
func (s *jsonScanner) textOrNumber() (string, bool) {
	s.space()
	if s.i >= len(s.b) {
		return "", false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		v, ok := s.text()
		return string(v), ok
	case c == 'n':
		return "", s.null()
	}
	v, ok := s.number()
	return string(v), ok
}

// float reads a number or null (NaN).
func (s *jsonScanner) float() (float64, bool) {
	if s.null() {
		return math.NaN(), true
	}
	v, ok := s.number()
	if !ok {
		return 0, false
	}
	if f, ok := decode.ShortDecimal(v); ok {
		return f, true
	}
	f, err := strconv.ParseFloat(string(v), 64)
	return f, err == nil
}

// fixItem reads one object of the documented fix keys.
func (s *jsonScanner) fixItem() (fixFields, bool) {
	s.space()
	start := s.i
	nan := math.NaN()
	ff := fixFields{deviceOK: true, timeOK: true, lat: nan, lon: nan, accuracy: nan, speed: nan, heading: nan, altitude: nan, battery: nan}
	if !s.next('{') {
		return ff, false
	}
	if !s.next('}') {
		for {
			key, ok := s.key()
			if !ok || !s.next(':') {
				return ff, false
			}
			var dst *float64
			switch string(key) {
			case "device":
				ff.device, ok = s.ident()
			case "time":
				ff.time, ok = s.textOrNumber()
			case "lat":
				dst = &ff.lat
			case "lon":
				dst = &ff.lon
			case "accuracy":
				dst = &ff.accuracy
			case "speed":
				dst = &ff.speed
			case "heading":
				dst = &ff.heading
			case "altitude":
				dst = &ff.altitude
			case "battery":
				dst = &ff.battery
			default:
				return ff, false
			}
			if dst != nil {
				*dst, ok = s.float()
			}
			if !ok {
				return ff, false
			}
			if s.next(',') {
				continue
			}
			if s.next('}') {
				break
			}
			return ff, false
		}
	}
	ff.raw = s.b[start:s.i]
	return ff, true
}

// unmarshalItem decodes one item of a batch, naming the field that has the wrong type.
func unmarshalItem(raw json.RawMessage, v any) *decode.FieldError {
	err := json.Unmarshal(raw, v)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		field := typeErr.Field
		if i := strings.LastIndexByte(field, '.'); i >= 0 {
			field = field[i+1:]
		}
		return &decode.FieldError{Field: field, Message: "must be a " + jsonKind(typeErr.Type.Kind().String()) + ", not a JSON " + typeErr.Value}
	}
	return &decode.FieldError{Field: "item", Message: "must be a JSON object"}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "float64", "float32", "int", "int64", "ptr":
		return "number"
	case "slice":
		return "list"
	case "struct", "map":
		return "object"
	}
	return goKind
}

// fixFeatureInput reads one GeoJSON Feature: a Point geometry and the fix's properties.
func fixFeatureInput(raw json.RawMessage) (fixInput, *decode.FieldError) {
	var f struct {
		Type     string `json:"type"`
		Geometry *struct {
			Type        string    `json:"type"`
			Coordinates []float64 `json:"coordinates"`
		} `json:"geometry"`
		Properties fixInput `json:"properties"`
	}
	if fe := unmarshalItem(raw, &f); fe != nil {
		if fe.Field == "coordinates" || fe.Field == "type" {
			fe.Field = "geometry"
		}
		return f.Properties, fe
	}
	in := f.Properties
	if f.Geometry == nil {
		if in.Lat == nil || in.Lon == nil {
			return in, &decode.FieldError{Field: "geometry", Message: "required: a GeoJSON Point"}
		}
		return in, nil
	}
	if f.Geometry.Type != "Point" || len(f.Geometry.Coordinates) < 2 || len(f.Geometry.Coordinates) > 3 {
		return in, &decode.FieldError{Field: "geometry", Message: "must be a GeoJSON Point [lon, lat] or [lon, lat, altitude]"}
	}
	lon, lat := f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]
	in.Lon, in.Lat = &lon, &lat
	if len(f.Geometry.Coordinates) == 3 && in.Altitude == nil {
		alt := f.Geometry.Coordinates[2]
		in.Altitude = &alt
	}
	return in, nil
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

func orUnknown(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// fixFields is one JSON fix with its device and time as text, as both JSON decoders (the
// general one and decodeFixesFast) produce it. Numbers that were absent or null are NaN.
type fixFields struct {
	device, time                                          string
	deviceOK, timeOK                                      bool // false: neither a string nor a number
	lat, lon, accuracy, speed, heading, altitude, battery float64
	raw                                                   []byte // the item as received
}

func fieldsFromInput(in fixInput) fixFields {
	ff := fixFields{lat: orUnknown(in.Lat), lon: orUnknown(in.Lon), accuracy: orUnknown(in.Accuracy), speed: orUnknown(in.Speed),
		heading: orUnknown(in.Heading), altitude: orUnknown(in.Altitude), battery: orUnknown(in.Battery)}
	ff.device, ff.deviceOK = jsonString(in.Device)
	ff.time, ff.timeOK = jsonString(in.Time)
	return ff
}

// candidateFromInput validates one JSON fix.
func candidateFromInput(in fixInput, now time.Time) decode.Candidate {
	return candidateFromFields(fieldsFromInput(in), now)
}

// validIdent reports whether s can be a device id (app/ingest's rule).
func validIdent(s string) bool { return ingest.ValidIdent(s) }

// identProblem is why an id is not a device id.
const identProblem = ingest.IdentProblem

// candidateFromFields validates one JSON fix.
func candidateFromFields(ff fixFields, now time.Time) decode.Candidate {
	ident := ff.device
	if !ff.deviceOK {
		return decode.Candidate{Invalid: &decode.FieldError{Field: "device", Message: "must be a string"}}
	}
	if !validIdent(ident) {
		return decode.Candidate{Invalid: &decode.FieldError{Field: "device", Message: identProblem}}
	}
	if !ff.timeOK || ff.time == "" {
		return decode.Candidate{Ident: ident, Invalid: &decode.FieldError{Field: "time", Message: "required: an RFC 3339 time or epoch seconds"}}
	}
	t, err := decode.ParseFixTime(ff.time)
	if err != nil {
		return decode.Candidate{Ident: ident, Invalid: &decode.FieldError{Field: "time", Message: err.Error()}}
	}
	if math.IsNaN(ff.lat) {
		return decode.Candidate{Ident: ident, Invalid: &decode.FieldError{Field: "lat", Message: "required"}}
	}
	if math.IsNaN(ff.lon) {
		return decode.Candidate{Ident: ident, Invalid: &decode.FieldError{Field: "lon", Message: "required"}}
	}
	f := patrol.Fix{Time: t, Lat: ff.lat, Lon: ff.lon, Accuracy: ff.accuracy, Speed: ff.speed, Heading: ff.heading,
		Altitude: ff.altitude, Battery: ff.battery}
	return decode.CheckedCandidate(ident, f, now)
}

// IngestReply is the answer to a batch of fixes.
type IngestReply struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	// OffDuty counts the valid fixes deliberately not stored: their time lies outside every
	// assignment of their device and the unit does not keep off-duty fixes.
	OffDuty  int                   `json:"off_duty"`
	Rejected []decode.RejectedItem `json:"rejected"`
}

func (s *Server) postFixes(c *gin.Context) {
	body, err := readBody(c)
	if err != nil {
		fail(c, err)
		return
	}
	list, err := decodeFixes(body, s.cfg.Now())
	if err != nil {
		fail(c, err)
		return
	}
	s.ingest(c, list, "api")
}

// ingest stores a batch of decoded fixes through app/ingest (authorization, rejection log, one
// transaction) and answers only after commit: the stored fixes counted, the others listed with
// index and reason; 403 when a fix names a device the caller may not write.
func (s *Server) ingest(c *gin.Context, list []decode.Candidate, source string) {
	res, err := s.ingestService().StoreBatch(c.Request.Context(), callerOf(c), batchItems(list), source, c.ClientIP())
	var forbidden *ingest.ForbiddenDeviceError
	if errors.As(err, &forbidden) {
		writeProblem(c, problem(http.StatusForbidden, forbidden.Error(),
			FieldError{Field: fmt.Sprintf("fixes[%d].device", forbidden.Index), Message: "not allowed for this caller"}))
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	reply := IngestReply{Accepted: res.Accepted, Duplicates: res.Duplicates, OffDuty: res.OffDuty, Rejected: make([]decode.RejectedItem, len(res.Rejected))}
	for i, r := range res.Rejected {
		reply.Rejected[i] = decode.Rejected(r.Index, &decode.FieldError{Field: r.Field, Message: r.Reason})
	}
	s.countIngest(res)
	c.JSON(http.StatusOK, reply)
}

// batchItems hands decoded fixes to app/ingest.
func batchItems(list []decode.Candidate) []ingest.Item {
	items := make([]ingest.Item, len(list))
	for i, cand := range list {
		items[i] = ingest.Item{Ident: cand.Ident, Fix: cand.Fix, Raw: cand.Raw}
		if fe := cand.Invalid; fe != nil {
			items[i].Invalid = &patrol.FieldError{Field: fe.Field, Reason: fe.Message}
		}
	}
	return items
}

// countIngest adds what a batch did to the ingest metrics.
func (s *Server) countIngest(res ingest.BatchResult) {
	s.metrics.add("patrolmap_fixes_accepted_total", res.Accepted)
	s.metrics.add("patrolmap_fixes_duplicate_total", res.Duplicates)
	s.metrics.add("patrolmap_fixes_off_duty_total", res.OffDuty)
	s.metrics.add("patrolmap_fixes_rejected_total", len(res.Rejected))
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
	// Off-duty fixes are for admins only.
	filter := patrol.FixFilter{UnitID: u.ID, From: p.From, To: p.To, OffDuty: callerOf(c).User.Role == patrol.RoleAdmin}
	if ident := c.Query("device"); ident != "" {
		if !validIdent(ident) {
			writeProblem(c, badField("device", identProblem))
			return
		}
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

// flagNames spells out a fix's quality flags (an empty list when there are none).
func flagNames(flags patrol.FixFlag) []string {
	if names := flags.Names(); names != nil {
		return names
	}
	return []string{}
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
