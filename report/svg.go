package report

import (
	"fmt"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/palette"
)

// Map size in SVG units: about the width of an A4 page's text block at 96 dpi.
const (
	mapWidth     = 680.0
	mapMaxHeight = 600.0
	mapPad       = 10.0
)

// paletteKeys maps the report's legend keys to entries of the shared
// palette (package palette), so the report draws what the web map draws in
// the same colours.
var paletteKeys = map[string]string{
	"nights0":  "coverage.nights0", // never patrolled, the gap colour
	"nights1":  "coverage.nights1",
	"nights2":  "coverage.nights2",
	"nights3":  "coverage.nights3",
	"hot99":    "hot.99",
	"hot95":    "hot.95",
	"hot90":    "hot.90",
	"cold99":   "cold.99",
	"cold95":   "cold.95",
	"cold90":   "cold.90",
	"boundary": "boundary",
	"road":     "road",
	"keyarea":  "area.key_area",
	"gaprank":  "gap.rank",
	"bg":       "basemap.background",
}

// colour returns the palette colour of a report legend key.
func colour(key string) string {
	if k, ok := paletteKeys[key]; ok {
		return palette.Fill(k)
	}
	return palette.Fill(key)
}

// Colour returns a palette colour for the legends.
func (v view) Colour(key string) string { return colour(key) }

// emergingColour is the fill of an emerging category, from the shared palette.
func emergingColour(c string) string {
	if c == "no_pattern" || c == "" {
		return "none"
	}
	return palette.Fill(palette.Emerging(c))
}

// frame maps [lon, lat] to SVG units with an equirectangular projection around the centre of
// the bounds, north up.
type frame struct {
	minLon, maxLat float64
	kx, ky         float64 // SVG units per degree
	w, h           float64
}

func newFrame(b orb.Bound) frame {
	if b.IsEmpty() || b.Max[0]-b.Min[0] <= 0 || b.Max[1]-b.Min[1] <= 0 {
		b = b.Pad(0.001)
	}
	cos := math.Cos((b.Min[1] + b.Max[1]) / 2 * math.Pi / 180)
	wDeg, hDeg := (b.Max[0]-b.Min[0])*cos, b.Max[1]-b.Min[1]
	scale := (mapWidth - 2*mapPad) / wDeg
	if hDeg*scale > mapMaxHeight-2*mapPad {
		scale = (mapMaxHeight - 2*mapPad) / hDeg
	}
	f := frame{minLon: b.Min[0], maxLat: b.Max[1], kx: scale * cos, ky: scale}
	f.w = math.Ceil(wDeg*scale + 2*mapPad)
	f.h = math.Ceil(hDeg*scale + 2*mapPad)
	return f
}

func (f frame) xy(p orb.Point) (float64, float64) {
	return mapPad + (p[0]-f.minLon)*f.kx, mapPad + (f.maxLat-p[1])*f.ky
}

// svg builds one map.
type svg struct {
	f frame
	b strings.Builder
}

func coord(b *strings.Builder, v float64) {
	b.WriteString(strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64))
}

// path appends the d attribute of rings or lines.
func (s *svg) path(lines [][]orb.Point, closed bool) string {
	var b strings.Builder
	for _, l := range lines {
		for i, p := range l {
			if i == 0 {
				b.WriteByte('M')
			} else {
				b.WriteByte('L')
			}
			x, y := s.f.xy(p)
			coord(&b, x)
			b.WriteByte(' ')
			coord(&b, y)
		}
		if closed {
			b.WriteByte('Z')
		}
	}
	return b.String()
}

func (s *svg) printf(format string, args ...any) { fmt.Fprintf(&s.b, format, args...) }

// cell draws one hexagon.
func (s *svg) cell(c h3.Cell, fill, stroke string, strokeWidth float64) error {
	poly, err := geo.CellPolygon(c)
	if err != nil {
		return err
	}
	s.printf(`<path d="%s" fill="%s" stroke="%s" stroke-width="%g"/>`, s.path([][]orb.Point{poly[0]}, true), fill, stroke, strokeWidth)
	return nil
}

// label draws a numbered marker at p.
func (s *svg) label(p orb.Point, text, colour string) {
	x, y := s.f.xy(p)
	var b strings.Builder
	b.WriteString(`<g class="marker"><circle cx="`)
	coord(&b, x)
	b.WriteString(`" cy="`)
	coord(&b, y)
	b.WriteString(`" r="8" fill="#ffffff" stroke="` + colour + `" stroke-width="1.5"/><text x="`)
	coord(&b, x)
	b.WriteString(`" y="`)
	coord(&b, y+3.2)
	b.WriteString(`" text-anchor="middle" font-size="9" font-weight="bold" fill="` + colour + `">`)
	b.WriteString(template.HTMLEscapeString(text))
	b.WriteString(`</text></g>`)
	s.b.WriteString(b.String())
}

// base starts a map over the bounds of the unit and the given cells, and draws nothing yet.
func newMap(r *Report, cells []h3.Cell, title string) (*svg, error) {
	b := r.Base.Boundary.Bound()
	first := len(r.Base.Boundary) == 0
	for _, c := range cells {
		poly, err := geo.CellPolygon(c)
		if err != nil {
			return nil, err
		}
		if first {
			b, first = poly.Bound(), false
		} else {
			b = b.Union(poly.Bound())
		}
	}
	s := &svg{f: newFrame(b)}
	s.printf(`<svg class="map" viewBox="0 0 %g %g" width="%g" height="%g" role="img" aria-label="%s">`,
		s.f.w, s.f.h, s.f.w, s.f.h, template.HTMLEscapeString(title))
	s.printf(`<rect x="0" y="0" width="%g" height="%g" fill="%s"/>`, s.f.w, s.f.h, colour("bg"))
	return s, nil
}

// overlay draws the residential groups, roads, key areas and boundary over the cells, then the
// names of the groups and roads, a scale bar and a north arrow.
func (s *svg) overlay(r *Report) {
	s.groups(r)
	s.lines(r)
	s.names(r)
	s.scaleBar(r.Lang)
	s.northArrow(r.Lang)
}

// groups draws the residential groups' outlines, thin and dotted, under everything else.
func (s *svg) groups(r *Report) {
	var rings [][]orb.Point
	for _, g := range r.Base.Groups {
		for _, p := range polygonsOf(g.Geometry) {
			for _, ring := range p {
				rings = append(rings, ring)
			}
		}
	}
	if len(rings) > 0 {
		s.printf(`<path d="%s" fill="none" stroke="%s" stroke-width="0.7" stroke-dasharray="1.5 1.5" opacity="0.9"/>`, s.path(rings, true), palette.Stroke("area.residential_group"))
	}
}

// polygonsOf returns the polygons of a polygonal geometry.
func polygonsOf(g orb.Geometry) []orb.Polygon {
	switch g := g.(type) {
	case orb.Polygon:
		return []orb.Polygon{g}
	case orb.MultiPolygon:
		return g
	}
	return nil
}

// halo writes text with a white outline so it reads over any fill.
func (s *svg) halo(x, y, angle float64, size float64, weight, fill, text string) {
	var b strings.Builder
	b.WriteString(`<text x="`)
	coord(&b, x)
	b.WriteString(`" y="`)
	coord(&b, y)
	b.WriteString(`"`)
	if angle != 0 {
		b.WriteString(` transform="rotate(`)
		coord(&b, angle)
		b.WriteString(` `)
		coord(&b, x)
		b.WriteString(` `)
		coord(&b, y)
		b.WriteString(`)"`)
	}
	fmt.Fprintf(&b, ` text-anchor="middle" dominant-baseline="central" font-size="%g" font-weight="%s" fill="%s" stroke="#ffffff" stroke-width="2.2" stroke-linejoin="round" paint-order="stroke">`, size, weight, fill)
	b.WriteString(template.HTMLEscapeString(text))
	b.WriteString(`</text>`)
	s.b.WriteString(b.String())
}

// names labels each residential group at the centre of its largest polygon, and each named
// road once, along the longest straight piece of its longest line.
func (s *svg) names(r *Report) {
	for _, g := range r.Base.Groups {
		var best orb.Polygon
		bestArea := -1.0
		for _, p := range polygonsOf(g.Geometry) {
			if a := math.Abs(planarArea(p)); a > bestArea {
				best, bestArea = p, a
			}
		}
		if best == nil || g.Name == "" {
			continue
		}
		c := best.Bound().Center()
		x, y := s.f.xy(c)
		s.halo(x, y, 0, 6.5, "normal", "#3b3b6b", g.Name)
	}
	type piece struct {
		a, b orb.Point
		len  float64
	}
	longest := map[string]piece{}
	for i, l := range r.Base.Roads {
		if i >= len(r.Base.RoadNames) || r.Base.RoadNames[i] == "" {
			continue
		}
		name := r.Base.RoadNames[i]
		for j := 1; j < len(l); j++ {
			x1, y1 := s.f.xy(l[j-1])
			x2, y2 := s.f.xy(l[j])
			if d := math.Hypot(x2-x1, y2-y1); d > longest[name].len {
				longest[name] = piece{l[j-1], l[j], d}
			}
		}
	}
	names := make([]string, 0, len(longest))
	for n := range longest {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := longest[n]
		if p.len < 40 { // too short to carry a name legibly
			continue
		}
		x1, y1 := s.f.xy(p.a)
		x2, y2 := s.f.xy(p.b)
		angle := math.Atan2(y2-y1, x2-x1) * 180 / math.Pi
		if angle > 90 {
			angle -= 180
		} else if angle < -90 {
			angle += 180
		}
		s.halo((x1+x2)/2, (y1+y2)/2, angle, 6, "bold", "#333333", n)
	}
}

// planarArea is the signed area of a polygon's outer ring in degrees², enough to compare.
func planarArea(p orb.Polygon) float64 {
	if len(p) == 0 {
		return 0
	}
	var a float64
	ring := p[0]
	for i := 1; i < len(ring); i++ {
		a += ring[i-1][0]*ring[i][1] - ring[i][0]*ring[i-1][1]
	}
	return a / 2
}

// scaleBar draws a bar of a round length (50 m to 5 km) about a fifth of the map wide, bottom
// left, labelled in metres or kilometres in the language's number format.
func (s *svg) scaleBar(lang string) {
	metresPerUnit := 110_574 / s.f.ky
	target := s.f.w / 5 * metresPerUnit
	length := 50.0
	for _, l := range []float64{50, 100, 200, 250, 500, 1000, 2000, 2500, 5000} {
		if l <= target {
			length = l
		}
	}
	w := length / metresPerUnit
	x, y := mapPad+2, s.f.h-mapPad
	label := strconv.FormatFloat(length, 'f', -1, 64) + " m"
	if length >= 1000 {
		label = newPrinter(lang, nil).num(length/1000, 1)
		label = strings.TrimSuffix(strings.TrimSuffix(label, "0"), ",")
		label = strings.TrimSuffix(label, ".") + " km"
	}
	s.printf(`<g class="scale"><rect x="%g" y="%g" width="%g" height="3" fill="#ffffff" stroke="#222222" stroke-width="0.8"/><rect x="%g" y="%g" width="%g" height="3" fill="#222222"/>`,
		round1(x), round1(y-3), round1(w), round1(x), round1(y-3), round1(w/2))
	s.halo(x+w/2, y-9, 0, 7, "normal", "#222222", label)
	s.b.WriteString(`</g>`)
}

// northArrow draws an arrow pointing up (the maps are north up) with B (Bắc) or N, top right.
func (s *svg) northArrow(lang string) {
	x, y := s.f.w-mapPad-8, mapPad+6
	s.printf(`<g class="north"><path d="M%g %gL%g %gL%g %gL%g %gZ" fill="#222222" stroke="#ffffff" stroke-width="0.8"/>`,
		round1(x), round1(y), round1(x+5), round1(y+16), round1(x), round1(y+12), round1(x-5), round1(y+16))
	letter := "B"
	if lang == LangEN {
		letter = "N"
	}
	s.halo(x, y+24, 0, 8, "bold", "#222222", letter)
	s.b.WriteString(`</g>`)
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// lines draws the roads, key areas and boundary.
func (s *svg) lines(r *Report) {
	if len(r.Base.Roads) > 0 {
		lines := make([][]orb.Point, len(r.Base.Roads))
		for i, l := range r.Base.Roads {
			lines[i] = l
		}
		d := s.path(lines, false)
		s.printf(`<path d="%s" fill="none" stroke="#ffffff" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round" opacity="0.85"/>`, d)
		s.printf(`<path d="%s" fill="none" stroke="%s" stroke-width="1.2" stroke-linecap="round" stroke-linejoin="round"/>`, d, colour("road"))
	}
	for _, g := range r.Base.KeyAreas {
		var rings [][]orb.Point
		closed := true
		switch g := g.(type) {
		case orb.Polygon:
			for _, ring := range g {
				rings = append(rings, ring)
			}
		case orb.MultiPolygon:
			for _, p := range g {
				for _, ring := range p {
					rings = append(rings, ring)
				}
			}
		case orb.LineString:
			rings, closed = [][]orb.Point{g}, false
		case orb.MultiLineString:
			for _, l := range g {
				rings = append(rings, l)
			}
			closed = false
		}
		if len(rings) == 0 {
			continue
		}
		width := "1.2"
		if !closed {
			width = "2.5"
		}
		s.printf(`<path d="%s" fill="none" stroke="%s" stroke-width="%s" stroke-dasharray="3 2" opacity="0.8"/>`,
			s.path(rings, closed), colour("keyarea"), width)
	}
	var rings [][]orb.Point
	for _, p := range r.Base.Boundary {
		for _, ring := range p {
			rings = append(rings, ring)
		}
	}
	if len(rings) > 0 {
		s.printf(`<path d="%s" fill="none" stroke="%s" stroke-width="1.6"/>`, s.path(rings, true), colour("boundary"))
	}
}

func (s *svg) done() template.HTML {
	s.b.WriteString(`</svg>`)
	// The map is built from numbers, palette colours and escaped text only.
	return template.HTML(s.b.String())
}

// nightsClass is the legend class of a cell patrolled on n of nights nights.
func nightsClass(n, nights int) string {
	switch {
	case n <= 0:
		return "nights0"
	case nights > 0 && float64(n) < 0.25*float64(nights):
		return "nights1"
	case nights > 0 && float64(n) <= 0.5*float64(nights):
		return "nights2"
	}
	return "nights3"
}

func coverageMap(r *Report, p printer) (template.HTML, error) {
	cells := make([]h3.Cell, len(r.Coverage.Cells))
	for i, c := range r.Coverage.Cells {
		cells[i] = c.Cell
	}
	s, err := newMap(r, cells, p.t("coverage"))
	if err != nil {
		return "", err
	}
	for _, c := range r.Coverage.Cells {
		if err := s.cell(c.Cell, colour(nightsClass(c.Nights, r.Coverage.Nights)), "#ffffff", 0.4); err != nil {
			return "", err
		}
	}
	s.overlay(r)
	for _, g := range r.Coverage.Gaps {
		s.label(g.Centre, strconv.Itoa(g.Rank), colour("gaprank"))
	}
	return s.done(), nil
}

// hotClass is the legend class of a Gi* cell, "" when it is neither hot nor cold.
func hotClass(c HotCell) string {
	switch {
	case c.Confidence <= 0:
		return ""
	case c.Z > 0:
		return "hot" + strconv.Itoa(c.Confidence)
	default:
		return "cold" + strconv.Itoa(c.Confidence)
	}
}

func hotspotMap(r *Report) (template.HTML, error) {
	var cells []h3.Cell
	for _, c := range r.Hotspots.Cells {
		cells = append(cells, c.Cell)
	}
	s, err := newMap(r, cells, "Gi*")
	if err != nil {
		return "", err
	}
	for _, c := range r.Hotspots.Cells {
		fill, stroke, width := "none", "#d9d9d9", 0.3
		if k := hotClass(c); k != "" {
			fill, stroke, width = colour(k), "#ffffff", 0.4
		}
		if err := s.cell(c.Cell, fill, stroke, width); err != nil {
			return "", err
		}
	}
	s.overlay(r)
	for i, cl := range r.Hotspots.Clusters {
		s.label(cl.Centre, strconv.Itoa(i+1), colour("hot99"))
	}
	return s.done(), nil
}

func emergingMap(r *Report) (template.HTML, error) {
	if !r.Emerging.Ran {
		return "", nil
	}
	var cells []h3.Cell
	for _, c := range r.Emerging.Cells {
		cells = append(cells, c.Cell)
	}
	for _, c := range r.Coverage.Cells {
		cells = append(cells, c.Cell)
	}
	s, err := newMap(r, cells, "emerging")
	if err != nil {
		return "", err
	}
	for _, c := range r.Emerging.Cells {
		if err := s.cell(c.Cell, emergingColour(c.Category), "#ffffff", 0.4); err != nil {
			return "", err
		}
	}
	s.overlay(r)
	return s.done(), nil
}
