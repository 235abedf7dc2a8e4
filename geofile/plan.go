package geofile

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// Target is what an import creates: a unit's areas or its road network.
type Target string

// The two targets.
const (
	TargetAreas Target = "areas"
	TargetRoads Target = "roads"
)

// Options say how features become areas or roads.
type Options struct {
	Target      Target
	NameField   string // the property holding names; "" picks ten, tên, name, … (NameField)
	KindField   string // the property holding kinds (areas); "" picks loai, loại, kind, …
	DefaultKind string // kind of features that give none; "" decides by geometry (line: key_road, polygon: other)
	SetBoundary bool   // make the unit's boundary from boundary features (or all polygons)
}

// Note is a message about an import with a stable code, so the web map can say it in
// Vietnamese; Message is English.
type Note struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Params  map[string]any `json:"params,omitempty"`
}

func note(code string, params map[string]any, format string, args ...any) Note {
	return Note{Code: code, Message: fmt.Sprintf(format, args...), Params: params}
}

// Item is one row an import would write, made from one feature. A MultiLineString road gives
// one item per line (Part counts them).
type Item struct {
	Feature  int
	Part     int
	Name     string
	Kind     string       // an area kind, KindBoundary, or "" for a road
	Geometry orb.Geometry // in the file's coordinates
	BufferM  *float64     // given by the file; nil keeps the default (or, on update, the stored value)
	Visits   *int         // required_night_visits
	DwellMin *int         // min_dwell_min
	Error    *Note        // why the feature is refused before it reaches the database
	Skip     *Note        // why the feature is left out without being an error
	Notes    []Note
}

// Plan turns a file's features into items for a target: it picks the name and kind columns,
// maps Vietnamese kind values, checks that each geometry suits what it would become and that
// the coordinates suit the coordinate system. It returns the items (one or more per feature,
// refused ones with an Error) and notes about the whole file.
func Plan(c *Collection, crs CRS, opt Options) ([]Item, []Note, error) {
	var notes []Note
	nameField, kindField := opt.NameField, opt.KindField
	if nameField != "" && !hasField(c.Fields, nameField) {
		return nil, nil, fmt.Errorf("name field %q is not in the file (fields: %s)", nameField, strings.Join(c.Fields, ", "))
	}
	if kindField != "" && !hasField(c.Fields, kindField) {
		return nil, nil, fmt.Errorf("kind field %q is not in the file (fields: %s)", kindField, strings.Join(c.Fields, ", "))
	}
	if opt.DefaultKind != "" {
		if k, ok := MapKind(opt.DefaultKind); ok {
			opt.DefaultKind = k
		} else {
			return nil, nil, fmt.Errorf("kind %q is not known; use %s", opt.DefaultKind, KindValues)
		}
	}
	if nameField == "" {
		nameField = NameField(c.Fields)
	}
	if opt.Target == TargetAreas && kindField == "" && opt.DefaultKind == "" {
		kindField = KindField(c.Fields)
	}
	if nameField == "" && opt.Target == TargetAreas {
		notes = append(notes, note("no_name_field", map[string]any{"fields": strings.Join(c.Fields, ", ")},
			"no column holds names (looked for ten, tên, name, ten_tdp …; the file has %s); choose one", listOrNone(c.Fields)))
	}
	var items []Item
	for _, f := range c.Features {
		base := Item{Feature: f.Index}
		if f.Err != "" {
			base.Error = ptr(note("unreadable", nil, "%s", f.Err))
			items = append(items, base)
			continue
		}
		if nameField != "" {
			base.Name = strings.TrimSpace(f.Properties[nameField])
		}
		if f.Geometry == nil {
			base.Error = ptr(note("no_geometry", nil, "the feature has no geometry"))
			items = append(items, base)
			continue
		}
		if err := checkCoordinates(f.Geometry, crs); err != nil {
			base.Error = err
			items = append(items, base)
			continue
		}
		g := f.Geometry
		if col, ok := g.(orb.Collection); ok {
			g = homogeneous(col)
		}
		if opt.Target == TargetRoads {
			items = append(items, planRoad(base, g)...)
			continue
		}
		items = append(items, planArea(base, g, f.Properties, kindField, opt))
	}
	return items, notes, nil
}

func planRoad(base Item, g orb.Geometry) []Item {
	switch g := g.(type) {
	case orb.LineString:
		base.Geometry = g
		return []Item{base}
	case orb.MultiLineString:
		out := make([]Item, 0, len(g))
		for i, ls := range g {
			it := base
			it.Part, it.Geometry = i, ls
			out = append(out, it)
		}
		return out
	}
	base.Error = ptr(note("wrong_geometry", map[string]any{"type": g.GeoJSONType()}, "a road is a line, not a %s", g.GeoJSONType()))
	return []Item{base}
}

func planArea(it Item, g orb.Geometry, props map[string]string, kindField string, opt Options) Item {
	polygonal, linear := false, false
	switch g.(type) {
	case orb.Polygon, orb.MultiPolygon:
		polygonal = true
	case orb.LineString, orb.MultiLineString:
		linear = true
	default:
		it.Error = ptr(note("wrong_geometry", map[string]any{"type": g.GeoJSONType()},
			"an area is a polygon (or a line for a key road), not a %s", g.GeoJSONType()))
		return it
	}
	it.Geometry = g
	raw := ""
	if kindField != "" {
		raw = strings.TrimSpace(props[kindField])
	}
	switch {
	case raw != "":
		k, ok := MapKind(raw)
		if !ok {
			it.Error = ptr(note("unknown_kind", map[string]any{"value": raw},
				"kind %q is not known; use %s", raw, KindValues))
			return it
		}
		it.Kind = k
	case opt.DefaultKind != "":
		it.Kind = opt.DefaultKind
	case linear:
		it.Kind = "key_road"
		it.Notes = append(it.Notes, note("kind_guessed", map[string]any{"kind": "key_road"}, "no kind given: a line becomes a key road"))
	default:
		it.Kind = "other"
		it.Notes = append(it.Notes, note("kind_guessed", map[string]any{"kind": "other"}, "no kind given: the polygon becomes an area of kind other"))
	}
	switch {
	case it.Kind == KindBoundary && !polygonal:
		it.Error = ptr(note("wrong_geometry", map[string]any{"type": g.GeoJSONType()}, "a boundary is a polygon, not a %s", g.GeoJSONType()))
		return it
	case it.Kind == KindBoundary && !opt.SetBoundary:
		it.Skip = ptr(note("boundary_not_set", nil, "a boundary feature: import with \"set boundary\" to make it the unit's boundary"))
		return it
	case it.Kind == "residential_group" && !polygonal:
		it.Error = ptr(note("wrong_geometry", map[string]any{"type": g.GeoJSONType()}, "a residential group is a polygon, not a %s", g.GeoJSONType()))
		return it
	}
	if it.Name == "" && it.Kind != KindBoundary {
		it.Error = ptr(note("no_name", nil, "the feature has no name"))
		return it
	}
	var err *Note
	if it.BufferM, err = floatProp(props, "buffer_m", 0, 1000); err != nil {
		it.Error = err
		return it
	}
	if it.Visits, err = intProp(props, "required_night_visits", 0, 48); err != nil {
		it.Error = err
		return it
	}
	if it.DwellMin, err = intProp(props, "min_dwell_min", 0, 600); err != nil {
		it.Error = err
		return it
	}
	return it
}

// numericProp finds a numeric field by its API name, also as a .dbf truncates it to ten
// characters ("required_night_visits" → "required_n") and in any case.
func numericProp(props map[string]string, key string) (string, bool) {
	if v, ok := props[key]; ok {
		return v, true
	}
	for k, v := range props {
		lk := strings.ToLower(k)
		if lk == key || (len(lk) == 10 && strings.HasPrefix(key, lk)) {
			return v, true
		}
	}
	return "", false
}

func floatProp(props map[string]string, key string, lo, hi float64) (*float64, *Note) {
	v, ok := numericProp(props, key)
	if !ok || strings.TrimSpace(v) == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || !finite(f) || f < lo || f > hi {
		return nil, ptr(note("bad_value", map[string]any{"field": key, "value": v}, "%s = %q must be a number from %g to %g", key, v, lo, hi))
	}
	return &f, nil
}

func intProp(props map[string]string, key string, lo, hi int) (*int, *Note) {
	v, ok := numericProp(props, key)
	if !ok || strings.TrimSpace(v) == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
		return nil, ptr(note("bad_value", map[string]any{"field": key, "value": v}, "%s = %q must be a whole number from %d to %d", key, v, lo, hi))
	}
	n := int(f)
	return &n, nil
}

// checkCoordinates refuses coordinates that cannot be in the coordinate system: metres in a
// longitude/latitude file (a projected file without its .prj) and degrees in a projected one.
func checkCoordinates(g orb.Geometry, crs CRS) *Note {
	b := g.Bound()
	if crs.Geographic {
		switch {
		case b.Min[1] < -90 || b.Max[1] > 90:
			if b.Max[0] <= 90 && b.Max[1] <= 180 && b.Min[0] >= -90 {
				return ptr(note("swapped_axes", nil, "latitude %s is out of range: longitude and latitude look swapped (GeoJSON and KML write longitude first)", ftoa(b.Max[1])))
			}
			fallthrough
		case b.Min[0] < -180 || b.Max[0] > 180:
			p := map[string]any{"x": b.Min[0], "y": b.Min[1]}
			if looksLikeVNTM(b) {
				return ptr(note("projected_without_srs", p, "coordinates (%.0f, %.0f) are metres, not longitude/latitude: the file names no coordinate system; give it (for VN-2000 the province's TM-3 zone, e.g. EPSG:9209 for 105°30′)", b.Min[0], b.Min[1]))
			}
			return ptr(note("projected_without_srs", p, "coordinates (%s, %s) are not longitude/latitude: the file names no coordinate system; give it", ftoa(b.Min[0]), ftoa(b.Min[1])))
		}
		return nil
	}
	if crs.Projection != "" && math.Abs(b.Max[0]) <= 180 && math.Abs(b.Max[1]) <= 90 && math.Abs(b.Min[0]) <= 180 && math.Abs(b.Min[1]) <= 90 {
		return ptr(note("degrees_in_projected", map[string]any{"x": b.Min[0], "y": b.Min[1]},
			"coordinates (%s, %s) look like longitude/latitude, but the coordinate system is projected (%s)", ftoa(b.Min[0]), ftoa(b.Min[1]), crs.Describe()))
	}
	return nil
}

// looksLikeVNTM reports whether a bound is plausible for VN-2000 TM-3 or UTM metres over Vietnam.
func looksLikeVNTM(b orb.Bound) bool {
	return b.Min[0] > 100000 && b.Max[0] < 900000 && b.Min[1] > 900000 && b.Max[1] < 2700000
}

func hasField(fields []string, f string) bool {
	for _, x := range fields {
		if x == f {
			return true
		}
	}
	return false
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "no columns"
	}
	return strings.Join(s, ", ")
}

func ptr[T any](v T) *T { return &v }

// Request is one import for store to carry out: the planned items of a file for a unit.
type Request struct {
	UnitID    int
	UnitCode  string
	Options   Options
	Format    Format
	Encoding  string
	CRS       CRS
	CRSSource string // "file", "override" or "default"
	Replace   bool   // the file is the whole set: remove what it does not hold (see store)
	DryRun    bool   // do everything, then roll back
	Items     []Item
	Notes     []Note // about the file, reported as warnings

	fields []string
}

// Report says what an import did, or in a dry run would do.
type Report struct {
	DryRun   bool            `json:"dry_run"`
	Unit     string          `json:"unit"`
	Kind     Target          `json:"kind"`
	Format   Format          `json:"format"`
	Encoding string          `json:"encoding,omitempty"`
	SRS      SRSReport       `json:"srs"`
	Fields   FieldsReport    `json:"fields"`
	Features int             `json:"features"`
	Created  int             `json:"created"`
	Updated  int             `json:"updated"`
	Deleted  int             `json:"deleted"`
	Rejected int             `json:"rejected"`
	Skipped  int             `json:"skipped"`
	Items    []ItemReport    `json:"items"`
	Errors   []ItemError     `json:"errors"`
	Removed  []RemovedRow    `json:"removed,omitempty"`
	Warnings []Note          `json:"warnings"`
	Boundary *BoundaryReport `json:"boundary,omitempty"`
	Tiling   *TilingReport   `json:"tiling,omitempty"`
}

// SRSReport tells which coordinate system was used and what was measured about it.
type SRSReport struct {
	Source      string   `json:"source"` // file, override or default
	Text        string   `json:"text"`
	Description string   `json:"description"`
	VN2000Like  bool     `json:"vn2000_like"`
	DatumShiftM *float64 `json:"datum_shift_m,omitempty"` // distance between the file's reading and VN-2000's, at the data
	Suggested   string   `json:"suggested_srs,omitempty"`
}

// FieldsReport names the columns names and kinds were read from.
type FieldsReport struct {
	Name      string   `json:"name"`
	Kind      string   `json:"kind,omitempty"`
	Available []string `json:"available"`
}

// ItemReport is the fate of one item.
type ItemReport struct {
	Feature      int             `json:"feature"`
	Part         int             `json:"part,omitempty"`
	Name         string          `json:"name"`
	Kind         string          `json:"kind,omitempty"`
	Action       string          `json:"action"` // create, update, boundary, reject, skip
	ID           int64           `json:"id,omitempty"`
	GeometryType string          `json:"geometry_type,omitempty"`
	AreaM2       float64         `json:"area_m2,omitempty"`
	LengthM      float64         `json:"length_m,omitempty"`
	Repaired     *Note           `json:"repaired,omitempty"`
	Notes        []Note          `json:"notes,omitempty"`
	Error        *Note           `json:"error,omitempty"`
	Geometry     json.RawMessage `json:"geometry,omitempty"`
}

// ItemError is one line of the per-feature error list.
type ItemError struct {
	Feature int    `json:"feature"`
	Name    string `json:"name"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// RemovedRow is an area or road a replacing import deletes.
type RemovedRow struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind,omitempty"`
}

// BoundaryReport describes a unit boundary set by an import.
type BoundaryReport struct {
	Features       []int           `json:"features"`
	AreaM2         float64         `json:"area_m2"`
	PreviousAreaM2 *float64        `json:"previous_area_m2,omitempty"`
	Geometry       json.RawMessage `json:"geometry,omitempty"`
	Notes          []Note          `json:"notes,omitempty"`
}

// TilingReport checks that a unit's residential groups tile its boundary: no gap between
// them, no overlap, nothing outside. Areas are m² on the ellipsoid. Slivers — pieces smaller
// than ToleranceM2 or on average narrower than MinWidthM — count in the totals but are not
// listed and do not fail the check; OverlapAreaM2 sums the overlaps of every pair.
type TilingReport struct {
	Checked        bool      `json:"checked"`
	Note           *Note     `json:"note,omitempty"`
	Tiles          bool      `json:"tiles"`
	ToleranceM2    float64   `json:"tolerance_m2"`
	MinWidthM      float64   `json:"min_width_m"`
	BoundaryAreaM2 float64   `json:"boundary_area_m2"`
	Groups         int       `json:"groups"`
	CoveredAreaM2  float64   `json:"covered_area_m2"`
	GapAreaM2      float64   `json:"gap_area_m2"`
	OverlapAreaM2  float64   `json:"overlap_area_m2"`
	OutsideAreaM2  float64   `json:"outside_area_m2"`
	Gaps           []Piece   `json:"gaps"`
	Overlaps       []Overlap `json:"overlaps"`
	Outside        []Piece   `json:"outside"`
}

// Piece is one gap, or one part of a group outside the boundary.
type Piece struct {
	AreaM2   float64         `json:"area_m2"`
	Lon      float64         `json:"lon"`
	Lat      float64         `json:"lat"`
	Group    string          `json:"group,omitempty"`
	Geometry json.RawMessage `json:"geometry,omitempty"`
}

// Overlap is where two residential groups cover the same ground.
type Overlap struct {
	A        string          `json:"a"`
	B        string          `json:"b"`
	AID      int64           `json:"a_id"`
	BID      int64           `json:"b_id"`
	AreaM2   float64         `json:"area_m2"`
	Lon      float64         `json:"lon"`
	Lat      float64         `json:"lat"`
	Geometry json.RawMessage `json:"geometry,omitempty"`
}

// Prepare reads a file and plans its import for a unit: srs, when not empty, overrides the
// file's coordinate system (a proj string, WKT or EPSG code). It fails only when nothing can be
// imported (an unreadable file, a bad srs or field name); features that cannot be imported are
// items with an Error.
func Prepare(name string, data []byte, srs string, opt Options) (Request, error) {
	if opt.Target != TargetAreas && opt.Target != TargetRoads {
		return Request{}, fmt.Errorf("kind must be areas or roads, not %q", opt.Target)
	}
	c, err := Read(name, data)
	if err != nil {
		return Request{}, err
	}
	req := Request{Options: opt, Format: c.Format, Encoding: c.Encoding}
	for _, w := range c.Warnings {
		req.Notes = append(req.Notes, Note{Code: "file", Message: w})
	}
	switch {
	case strings.TrimSpace(srs) != "":
		crs, err := ParseCRS(srs)
		if err != nil {
			return Request{}, fmt.Errorf("srs: %w", err)
		}
		req.CRS, req.CRSSource = crs, "override"
	case c.CRS != "":
		crs, err := ParseCRS(c.CRS)
		if err != nil {
			// PostGIS (PROJ) may still read what this package cannot describe.
			req.Notes = append(req.Notes, note("crs_unparsed", nil, "the coordinate system %q could not be described here (%v); PROJ reads it", shorten(c.CRS, 60), err))
			crs = CRS{Text: c.CRS, Scale: 1, UnitToMetre: 1}
		}
		req.CRS, req.CRSSource = crs, "file"
	default:
		req.CRS, _ = ParseCRS("")
		req.CRSSource = "default"
	}
	items, notes, err := Plan(c, req.CRS, opt)
	if err != nil {
		return Request{}, err
	}
	req.Items = items
	req.Notes = append(req.Notes, notes...)
	if req.Options.NameField == "" {
		req.Options.NameField = NameField(c.Fields)
	}
	if req.Options.KindField == "" && opt.Target == TargetAreas && opt.DefaultKind == "" {
		req.Options.KindField = KindField(c.Fields)
	}
	req.fields = c.Fields
	return req, nil
}

// Fields returns the attribute names of the file the request was prepared from.
func (r Request) Fields() []string { return r.fields }
