package decode

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
)

// GPX 1.0 and 1.1 tracks. Every <trkpt> of every <trk> and <trkseg> is one fix, in document
// order; waypoints and routes are not positions of a patrol and are skipped. Read per point:
// lat and lon (attributes), <ele>, <time>, <hdop>, and speed (m/s) and course (degrees) from GPX
// 1.0's <speed> and <course> or from any extension element of those local names — Garmin's
// TrackPointExtension v2 <gpxtpx:speed>/<gpxtpx:course>, OsmAnd's <osmand:speed>/<osmand:heading>
// or the unprefixed <speed>/<heading> older OsmAnd versions write. GPX has no accuracy: OsmAnd
// writes its accuracy in metres as <hdop>, which is taken as is for files whose creator is
// OsmAnd; for other files accuracy is estimated as 5 m × HDOP, the inverse of what
// GET /api/v1/fixes?format=gpx writes. A point without <time> is rejected with its index.

const (
	// maxXMLDepth bounds element nesting; real GPX is about 6 deep, extensions add a few.
	maxXMLDepth = 32
	// maxXMLText bounds the text of one element that is kept.
	maxXMLText = 1024
)

// gpxPoint is the text of one <trkpt>.
type gpxPoint struct {
	lat, lon, ele, time, speed, course, hdop string
	hasLat, hasLon                           bool
}

// GPX reads a GPX document into one candidate per track point, without a device. A
// document that is not GPX, is nested too deeply or holds more than MaxFixesPerRequest points
// is a *Error naming the field "gpx".
func GPX(data []byte, now time.Time) ([]Candidate, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = xmlCharsetReader
	var (
		out     []Candidate
		stack   []string
		creator string
		pt      *gpxPoint
		ptDepth int    // depth of the open <trkpt>
		field   string // the element inside the point whose text is being read
		text    []byte
		seenGPX bool
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, gpxSyntaxError(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			stack = append(stack, name)
			if len(stack) > maxXMLDepth {
				return nil, badField("gpx", fmt.Sprintf("elements nested deeper than %d levels", maxXMLDepth))
			}
			if len(stack) == 1 {
				if name != "gpx" {
					return nil, badField("gpx", "not a GPX document: the root element is <"+t.Name.Local+">, not <gpx>")
				}
				seenGPX = true
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "creator":
						creator = a.Value
					case "version":
						if a.Value != "1.0" && a.Value != "1.1" {
							return nil, badField("gpx", "version "+strconv.Quote(a.Value)+" is not GPX 1.0 or 1.1")
						}
					}
				}
				continue
			}
			if pt == nil && name == "trkpt" && len(stack) >= 2 && stack[len(stack)-2] == "trkseg" {
				if len(out) >= MaxFixesPerRequest {
					return nil, TooManyFixes("gpx", len(out)+1)
				}
				pt, ptDepth = &gpxPoint{}, len(stack)
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "lat":
						pt.lat, pt.hasLat = a.Value, true
					case "lon":
						pt.lon, pt.hasLon = a.Value, true
					}
				}
				continue
			}
			if pt != nil {
				field, text = name, text[:0]
			}
		case xml.CharData:
			if pt != nil && field != "" && len(text)+len(t) <= maxXMLText {
				text = append(text, t...)
			}
		case xml.EndElement:
			name := strings.ToLower(t.Name.Local)
			if pt != nil && len(stack) == ptDepth {
				out = append(out, gpxCandidate(pt, creator, now))
				pt, field = nil, ""
			} else if pt != nil && name == field {
				v := strings.TrimSpace(string(text))
				switch name {
				case "ele":
					setOnce(&pt.ele, v)
				case "time":
					setOnce(&pt.time, v)
				case "speed":
					setOnce(&pt.speed, v)
				case "course", "heading", "bearing":
					setOnce(&pt.course, v)
				case "hdop":
					setOnce(&pt.hdop, v)
				}
				field = ""
			}
			stack = stack[:len(stack)-1]
		}
	}
	if !seenGPX {
		return nil, badField("gpx", "empty: a GPX document is required")
	}
	if len(out) == 0 {
		return nil, badField("gpx", "no track points (<trkpt> inside <trk><trkseg>)")
	}
	return out, nil
}

func setOnce(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

// gpxSyntaxError turns an XML decoding error into an Error naming the document and the line.
func gpxSyntaxError(err error) *Error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return badField("gpx", fmt.Sprintf("malformed XML at line %d: %s", se.Line, se.Msg))
	}
	return badField("gpx", "malformed XML: "+err.Error())
}

// xmlCharsetReader lets GPX files declare UTF-8, US-ASCII or ISO-8859-1.
func xmlCharsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return in, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1":
		b, err := io.ReadAll(in)
		if err != nil {
			return nil, err
		}
		var out bytes.Buffer
		for _, c := range b {
			out.WriteRune(rune(c))
		}
		return &out, nil
	}
	return nil, fmt.Errorf("unsupported encoding %q: save the file as UTF-8", label)
}

// gpxCandidate validates one track point.
func gpxCandidate(p *gpxPoint, creator string, now time.Time) Candidate {
	raw := []byte(fmt.Sprintf(`<trkpt lat=%q lon=%q> time=%q ele=%q speed=%q course=%q hdop=%q`, p.lat, p.lon, p.time, p.ele, p.speed, p.course, p.hdop))
	bad := func(field, msg string) Candidate {
		return Candidate{Invalid: &FieldError{field, msg}, Raw: raw}
	}
	if !p.hasLat {
		return bad("lat", "required: the point has no lat attribute")
	}
	if !p.hasLon {
		return bad("lon", "required: the point has no lon attribute")
	}
	lat, ok := ParseNumber(p.lat)
	if !ok {
		return bad("lat", "must be a number")
	}
	lon, ok := ParseNumber(p.lon)
	if !ok {
		return bad("lon", "must be a number")
	}
	if p.time == "" {
		return bad("time", "required: the point has no <time>")
	}
	t, err := ParseFixTime(p.time)
	if err != nil {
		return bad("time", err.Error())
	}
	f := patrol.Fix{Time: t, Lat: lat, Lon: lon, Accuracy: math.NaN(), Speed: math.NaN(), Heading: math.NaN(), Altitude: math.NaN(), Battery: math.NaN()}
	for _, n := range []struct {
		field, text string
		dst         *float64
	}{{"ele", p.ele, &f.Altitude}, {"speed", p.speed, &f.Speed}, {"course", p.course, &f.Heading}, {"hdop", p.hdop, &f.Accuracy}} {
		if n.text == "" {
			continue
		}
		v, ok := ParseNumber(n.text)
		if !ok {
			return bad(n.field, "must be a number")
		}
		*n.dst = v
	}
	if !math.IsNaN(f.Accuracy) && !strings.HasPrefix(strings.ToLower(creator), "osmand") {
		f.Accuracy *= 5
	}
	c := CheckedAs(gpxFields, "", f, now)
	c.Raw = raw
	return c
}

// gpxFields are the GPX elements of the fix fields (hdop stands for the accuracy).
var gpxFields = Fields{Names: map[string]string{"altitude": "ele", "heading": "course", "accuracy": "hdop"}}

// GPXFixes reads a GPX 1.0 or 1.1 document, as POST /api/v1/gpx does, and returns its valid
// track points as fixes (without unit, device or source) and the others with their index and
// reason. A document that cannot be read is a *Error.
func GPXFixes(data []byte, now time.Time) ([]patrol.Fix, []RejectedItem, error) {
	list, err := GPX(data, now)
	if err != nil {
		return nil, nil, err
	}
	fixes := make([]patrol.Fix, 0, len(list))
	var rejected []RejectedItem
	for i, c := range list {
		if c.Invalid != nil {
			rejected = append(rejected, Rejected(i, c.Invalid))
			continue
		}
		fixes = append(fixes, c.Fix)
	}
	return fixes, rejected, nil
}
