package geofile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// geojsonObject is any GeoJSON object; which members matter depends on Type.
type geojsonObject struct {
	Type        string            `json:"type"`
	Features    []json.RawMessage `json:"features"`
	Geometry    json.RawMessage   `json:"geometry"`
	Properties  json.RawMessage   `json:"properties"`
	Coordinates json.RawMessage   `json:"coordinates"`
	Geometries  []json.RawMessage `json:"geometries"`
	CRS         *struct {
		Type       string `json:"type"`
		Properties struct {
			Name string          `json:"name"`
			Code json.RawMessage `json:"code"`
		} `json:"properties"`
	} `json:"crs"`
}

// ReadGeoJSON reads a FeatureCollection, a Feature or a bare geometry. A feature whose
// geometry cannot be read keeps its properties and gets an Err; the others are read. The
// coordinate system is WGS 84 unless the (pre-2016) "crs" member names another.
func ReadGeoJSON(data []byte) (*Collection, error) {
	var top geojsonObject
	if err := json.Unmarshal(trimBOM(data), &top); err != nil {
		return nil, fmt.Errorf("%w: not valid GeoJSON: %v", ErrUnsupported, err)
	}
	out := &Collection{Format: FormatGeoJSON, Encoding: "UTF-8"}
	if top.CRS != nil {
		out.CRS = geojsonCRS(top.CRS.Type, top.CRS.Properties.Name, top.CRS.Properties.Code)
	}
	seen := map[string]bool{}
	add := func(raw json.RawMessage, asFeature bool) error {
		if len(out.Features) >= MaxFeatures {
			return fmt.Errorf("%w: more than %d features", ErrUnsupported, MaxFeatures)
		}
		f := Feature{Index: len(out.Features), Properties: map[string]string{}}
		var geomRaw json.RawMessage
		if asFeature {
			var obj geojsonObject
			if err := json.Unmarshal(raw, &obj); err != nil {
				f.Err = "not a GeoJSON feature: " + err.Error()
				out.Features = append(out.Features, f)
				return nil
			}
			if obj.Type != "Feature" {
				f.Err = fmt.Sprintf("a FeatureCollection member must be a Feature, not %q", obj.Type)
				out.Features = append(out.Features, f)
				return nil
			}
			names, err := readProperties(obj.Properties, f.Properties)
			if err != nil {
				f.Err = err.Error()
			}
			for _, n := range names {
				if !seen[n] {
					seen[n] = true
					out.Fields = append(out.Fields, n)
				}
			}
			geomRaw = obj.Geometry
		} else {
			geomRaw = raw
		}
		if f.Err == "" {
			g, err := parseGeoJSONGeometry(geomRaw, 0)
			if err != nil {
				f.Err = err.Error()
			} else {
				f.Geometry = g
			}
		}
		out.Features = append(out.Features, f)
		return nil
	}
	switch top.Type {
	case "FeatureCollection":
		for _, raw := range top.Features {
			if err := add(raw, true); err != nil {
				return nil, err
			}
		}
	case "Feature":
		if err := add(trimBOM(data), true); err != nil {
			return nil, err
		}
	case "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection":
		if err := add(trimBOM(data), false); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: GeoJSON of type %q; expected a FeatureCollection, Feature or geometry", ErrUnsupported, top.Type)
	}
	return out, nil
}

var epsgInName = regexp.MustCompile(`(?i)EPSG:+(?:[0-9.]*:)?(\d+)$`)

// geojsonCRS turns a GeoJSON 2008 crs member into "EPSG:n", "" for WGS 84 (CRS84, EPSG:4326),
// or the name itself.
func geojsonCRS(typ, name string, code json.RawMessage) string {
	if strings.EqualFold(typ, "EPSG") && len(code) > 0 {
		n := strings.Trim(string(code), `" `)
		if n == "4326" {
			return ""
		}
		return "EPSG:" + n
	}
	name = strings.TrimSpace(name)
	if strings.HasSuffix(strings.ToUpper(name), "CRS84") {
		return ""
	}
	if m := epsgInName.FindStringSubmatch(name); m != nil {
		if m[1] == "4326" {
			return ""
		}
		return "EPSG:" + m[1]
	}
	return name
}

// readProperties copies a properties object into dst as text and returns the names in the
// order written. null values are left out.
func readProperties(raw json.RawMessage, dst map[string]string) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("properties must be an object")
	}
	var names []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return names, fmt.Errorf("properties: %v", err)
		}
		key, _ := k.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return names, fmt.Errorf("properties: %v", err)
		}
		names = append(names, key)
		v = bytes.TrimSpace(v)
		switch {
		case string(v) == "null":
		case len(v) > 0 && v[0] == '"':
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return names, fmt.Errorf("properties.%s: %v", key, err)
			}
			dst[key] = s
		default:
			// numbers as written, booleans, and nested values as compact JSON
			var buf bytes.Buffer
			if err := json.Compact(&buf, v); err != nil {
				return names, fmt.Errorf("properties.%s: %v", key, err)
			}
			dst[key] = buf.String()
		}
	}
	return names, nil
}

const maxNesting = 8

// parseGeoJSONGeometry reads a GeoJSON geometry object. A null geometry is nil.
func parseGeoJSONGeometry(raw json.RawMessage, depth int) (orb.Geometry, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if depth > maxNesting {
		return nil, fmt.Errorf("geometry collections nested too deep")
	}
	var obj geojsonObject
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("not a GeoJSON geometry: %v", err)
	}
	if obj.Type == "GeometryCollection" {
		var c orb.Collection
		for i, m := range obj.Geometries {
			g, err := parseGeoJSONGeometry(m, depth+1)
			if err != nil {
				return nil, fmt.Errorf("geometries[%d]: %v", i, err)
			}
			if g != nil {
				c = append(c, g)
			}
		}
		return c, nil
	}
	if len(obj.Coordinates) == 0 {
		return nil, fmt.Errorf("%s without coordinates", obj.Type)
	}
	switch obj.Type {
	case "Point":
		var c []float64
		if err := json.Unmarshal(obj.Coordinates, &c); err != nil {
			return nil, fmt.Errorf("Point coordinates: %v", err)
		}
		return position(c)
	case "MultiPoint":
		var cs [][]float64
		if err := json.Unmarshal(obj.Coordinates, &cs); err != nil {
			return nil, fmt.Errorf("MultiPoint coordinates: %v", err)
		}
		mp := make(orb.MultiPoint, 0, len(cs))
		for _, c := range cs {
			p, err := position(c)
			if err != nil {
				return nil, err
			}
			mp = append(mp, p)
		}
		return mp, nil
	case "LineString":
		var cs [][]float64
		if err := json.Unmarshal(obj.Coordinates, &cs); err != nil {
			return nil, fmt.Errorf("LineString coordinates: %v", err)
		}
		return lineString(cs)
	case "MultiLineString":
		var css [][][]float64
		if err := json.Unmarshal(obj.Coordinates, &css); err != nil {
			return nil, fmt.Errorf("MultiLineString coordinates: %v", err)
		}
		ml := make(orb.MultiLineString, 0, len(css))
		for _, cs := range css {
			ls, err := lineString(cs)
			if err != nil {
				return nil, err
			}
			ml = append(ml, ls)
		}
		return ml, nil
	case "Polygon":
		var css [][][]float64
		if err := json.Unmarshal(obj.Coordinates, &css); err != nil {
			return nil, fmt.Errorf("Polygon coordinates: %v", err)
		}
		return polygon(css)
	case "MultiPolygon":
		var csss [][][][]float64
		if err := json.Unmarshal(obj.Coordinates, &csss); err != nil {
			return nil, fmt.Errorf("MultiPolygon coordinates: %v", err)
		}
		mp := make(orb.MultiPolygon, 0, len(csss))
		for _, css := range csss {
			p, err := polygon(css)
			if err != nil {
				return nil, err
			}
			mp = append(mp, p)
		}
		return mp, nil
	}
	return nil, fmt.Errorf("unknown geometry type %q", obj.Type)
}

func position(c []float64) (orb.Point, error) {
	if len(c) < 2 {
		return orb.Point{}, fmt.Errorf("a position needs at least two numbers, got %d", len(c))
	}
	if !finite(c[0]) || !finite(c[1]) {
		return orb.Point{}, fmt.Errorf("position [%s, %s] is not finite", ftoa(c[0]), ftoa(c[1]))
	}
	return orb.Point{c[0], c[1]}, nil
}

func lineString(cs [][]float64) (orb.LineString, error) {
	ls := make(orb.LineString, 0, len(cs))
	for _, c := range cs {
		p, err := position(c)
		if err != nil {
			return nil, err
		}
		ls = append(ls, p)
	}
	if len(ls) < 2 {
		return nil, fmt.Errorf("a line needs at least two positions, got %d", len(ls))
	}
	return ls, nil
}

func polygon(css [][][]float64) (orb.Polygon, error) {
	if len(css) == 0 {
		return nil, fmt.Errorf("a polygon needs at least one ring")
	}
	p := make(orb.Polygon, 0, len(css))
	for i, cs := range css {
		ls, err := lineString(cs)
		if err != nil {
			return nil, fmt.Errorf("ring %d: %v", i, err)
		}
		r, err := closeRing(orb.Ring(ls))
		if err != nil {
			return nil, fmt.Errorf("ring %d: %v", i, err)
		}
		p = append(p, r)
	}
	return p, nil
}

// closeRing returns r closed (its last point equal to its first), or an error when it has too
// few distinct points to enclose anything.
func closeRing(r orb.Ring) (orb.Ring, error) {
	if len(r) > 0 && r[0] != r[len(r)-1] {
		r = append(r, r[0])
	}
	if len(r) < 4 {
		return nil, fmt.Errorf("a ring needs at least 4 positions (the last equal to the first), got %d", len(r))
	}
	return r, nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func ftoa(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
