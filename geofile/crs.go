package geofile

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// VN2000ToWGS84 is the seven-parameter shift from VN-2000 to WGS 84 in PROJ's +towgs84 order
// and convention (position vector): dX, dY, dZ in m, rX, rY, rZ in arc seconds, scale in ppm.
// It is EPSG:6960 "VN-2000 to WGS 84 (2)" (Decision 05/2007/QĐ-BTNMT), whose rotations EPSG
// states in the coordinate-frame convention (−0.00928836″, 0.01975479″, −0.00427372″): PROJ
// flips their signs for +towgs84. Proj strings that copy the coordinate-frame rotations into
// +towgs84 unchanged land about 0.8 m off in the north of Vietnam.
const VN2000ToWGS84 = "-191.90441429,-39.30318279,-111.45032835,0.00928836,-0.01975479,0.00427372,0.252906278"

// CRS describes a coordinate system text: a .prj's WKT, a proj string or an EPSG code.
type CRS struct {
	Text        string  // as given
	EPSG        int     // the EPSG code when the text is one ("EPSG:3405"), else 0
	Geographic  bool    // longitude/latitude
	Projection  string  // "transverse_mercator", "utm", … (lower case); "" when geographic or unknown
	Central     float64 // central meridian, degrees
	LatOrigin   float64 // latitude of origin, degrees
	Scale       float64 // scale factor at the central meridian
	FalseE      float64 // false easting, m
	FalseN      float64 // false northing, m
	Zone        int     // UTM zone, for +proj=utm
	Datum       string  // datum name as written ("D_Vietnam_2000", "WGS_1984", "VN-2000")
	Ellipsoid   string  // ellipsoid name or PROJ +ellps
	ToWGS84     bool    // the text carries a datum shift (TOWGS84, +towgs84, +nadgrids)
	WGS84Datum  bool    // the datum is WGS 84 itself (no shift needed)
	UnitToMetre float64 // linear unit of a projected system (1 for metres)
}

// vn2000EPSG lists EPSG codes of VN-2000 systems; PROJ knows their datum shift.
var vn2000EPSG = map[int]bool{4756: true, 3405: true, 3406: true, 5896: true, 5897: true, 5898: true, 5899: true}

func init() {
	for c := 9205; c <= 9218; c++ { // VN-2000 / TM-3 103-00 … 108-30
		vn2000EPSG[c] = true
	}
}

// ParseCRS describes text: "EPSG:n" (or a bare number, or an OGC URN), a proj string
// ("+proj=tmerc …") or WKT (ESRI or OGC, version 1 or 2). Empty text is WGS 84.
func ParseCRS(text string) (CRS, error) {
	text = strings.TrimSpace(string(trimBOM([]byte(text))))
	c := CRS{Text: text, Scale: 1, UnitToMetre: 1}
	switch {
	case text == "":
		c.EPSG, c.Geographic, c.WGS84Datum, c.Datum = 4326, true, true, "WGS 84"
		return c, nil
	case epsgText.MatchString(text):
		n, _ := strconv.Atoi(epsgText.FindStringSubmatch(text)[1])
		c.EPSG = n
		c.describeEPSG()
		return c, nil
	case strings.HasPrefix(text, "+") || strings.Contains(text, "+proj="):
		return c, c.parseProj(text)
	case strings.Contains(text, "["):
		root, err := parseWKT(text)
		if err != nil {
			return c, fmt.Errorf("not a coordinate system WKT: %w", err)
		}
		c.fromWKT(root)
		return c, nil
	}
	return c, fmt.Errorf("not an EPSG code, proj string or WKT: %q", shorten(text, 60))
}

var epsgText = regexp.MustCompile(`(?i)^(?:EPSG:+|urn:ogc:def:crs:EPSG:[0-9.]*:)?(\d{4,6})$`)

// PostGIS returns the text to hand to PostGIS's ST_Transform(geom, from_proj, 4326): "" when
// the coordinates are WGS 84 longitude/latitude already.
func (c CRS) PostGIS() string {
	if c.EPSG == 4326 || c.Text == "" {
		return ""
	}
	if c.EPSG != 0 {
		return "EPSG:" + strconv.Itoa(c.EPSG)
	}
	return c.Text
}

// describeEPSG fills what is known of the few codes Vietnamese files use.
func (c *CRS) describeEPSG() {
	switch {
	case c.EPSG == 4326:
		c.Geographic, c.WGS84Datum, c.Datum = true, true, "WGS 84"
	case c.EPSG == 4756:
		c.Geographic, c.ToWGS84, c.Datum = true, true, "VN-2000"
	case c.EPSG == 3405 || c.EPSG == 3406:
		c.Projection, c.Zone, c.Central, c.Scale, c.FalseE, c.ToWGS84, c.Datum = "utm", 48+c.EPSG-3405, float64(105+6*(c.EPSG-3405)), 0.9996, 500000, true, "VN-2000"
	case c.EPSG >= 32601 && c.EPSG <= 32660:
		c.Projection, c.Zone, c.Scale, c.FalseE, c.WGS84Datum, c.Datum = "utm", c.EPSG-32600, 0.9996, 500000, true, "WGS 84"
		c.Central = float64(6*c.Zone - 183)
	case vn2000EPSG[c.EPSG]:
		c.Projection, c.Scale, c.FalseE, c.ToWGS84, c.Datum = "transverse_mercator", 0.9999, 500000, true, "VN-2000"
		c.Central = tm3Zones[c.EPSG]
	}
}

// VN2000Like reports whether the system looks like a VN-2000 one: named VN-2000, a
// Transverse Mercator with VN-2000's TM-3 scale 0.9999 over Vietnam, or a UTM zone 48/49 whose
// datum is not stated to be WGS 84.
func (c CRS) VN2000Like() bool {
	if vn2000EPSG[c.EPSG] || isVN2000Name(c.Datum) || isVN2000Name(c.Text) && c.EPSG == 0 && !strings.HasPrefix(c.Text, "+") {
		return true
	}
	if c.Projection != "transverse_mercator" && c.Projection != "utm" {
		return false
	}
	overVietnam := c.Central >= 101.5 && c.Central <= 111.5 && math.Abs(c.FalseE-500000) < 1 && math.Abs(c.LatOrigin) < 1e-9
	if !overVietnam {
		return false
	}
	if math.Abs(c.Scale-0.9999) < 1e-9 {
		return true // TM-3: no one else uses 0.9999 over Vietnam
	}
	return math.Abs(c.Scale-0.9996) < 1e-9 && !c.WGS84Datum
}

// MissingDatumShift reports whether a VN-2000-like system gives no datum shift: no TOWGS84,
// no EPSG code and a datum not named VN-2000 (PROJ knows the shift of D_Vietnam_2000 and
// applies it). Read literally, such a system puts VN-2000 coordinates about 200 m (near Thái
// Nguyên, 220 m) from where they are. It is a judgement on the text; store measures what PROJ
// actually does.
func (c CRS) MissingDatumShift() bool {
	return c.VN2000Like() && !c.ToWGS84 && !vn2000EPSG[c.EPSG] && !isVN2000Name(c.Datum)
}

// TM3Proj returns the proj string of the VN-2000 TM-3 zone with a central meridian (degrees),
// with EPSG:6960's datum shift: for Thái Nguyên's 106°30′, TM3Proj(106.5).
func TM3Proj(central float64) string {
	return CRS{Projection: "transverse_mercator", Central: central, Scale: 0.9999, FalseE: 500000, UnitToMetre: 1}.VN2000Reading()
}

// VN2000Reading returns a proj string of the same projection on the VN-2000 datum with its
// datum shift (VN2000ToWGS84), or "" when the system is not a projection this package can
// restate.
func (c CRS) VN2000Reading() string {
	switch {
	case c.Geographic:
		return "+proj=longlat +ellps=WGS84 +towgs84=" + VN2000ToWGS84 + " +no_defs"
	case c.Projection == "transverse_mercator" || c.Projection == "utm":
		units := "+units=m"
		if math.Abs(c.UnitToMetre-1) > 1e-12 {
			units = "+to_meter=" + ftoa(c.UnitToMetre)
		}
		return fmt.Sprintf("+proj=tmerc +lat_0=%s +lon_0=%s +k=%s +x_0=%s +y_0=%s +ellps=WGS84 +towgs84=%s %s +no_defs",
			ftoa(c.LatOrigin), ftoa(c.Central), ftoa(c.Scale), ftoa(c.FalseE), ftoa(c.FalseN), VN2000ToWGS84, units)
	}
	return ""
}

// Describe returns a short human description ("Transverse Mercator, central meridian
// 105°30′, scale 0.9999, datum D_Vietnam_2000").
func (c CRS) Describe() string {
	var parts []string
	if c.EPSG != 0 {
		parts = append(parts, "EPSG:"+strconv.Itoa(c.EPSG))
	}
	switch {
	case c.Geographic:
		parts = append(parts, "longitude/latitude")
	case c.Projection == "utm" && c.Zone > 0:
		parts = append(parts, fmt.Sprintf("UTM zone %dN", c.Zone))
	case c.Projection == "transverse_mercator":
		parts = append(parts, fmt.Sprintf("Transverse Mercator, central meridian %s, scale %s", DMS(c.Central), ftoa(c.Scale)))
	case c.Projection != "":
		parts = append(parts, c.Projection)
	}
	if c.Datum != "" {
		parts = append(parts, "datum "+shorten(c.Datum, 32))
	}
	if c.ToWGS84 {
		parts = append(parts, "with datum shift")
	}
	if len(parts) == 0 {
		return shorten(c.Text, 80)
	}
	return strings.Join(parts, ", ")
}

// DMS writes degrees as the Vietnamese TM-3 tables do: 105°30′.
func DMS(deg float64) string {
	d := math.Floor(deg + 1e-9)
	m := math.Round((deg - d) * 60)
	if m >= 60 {
		d, m = d+1, 0
	}
	if m == 0 {
		return fmt.Sprintf("%g°", d)
	}
	return fmt.Sprintf("%g°%02g′", d, m)
}

// tm3Zones maps the EPSG codes of the VN-2000 TM-3 zones to their central meridians.
var tm3Zones = map[int]float64{5896: 102, 5897: 105, 5898: 108, 5899: 107.75, 9205: 103, 9206: 104, 9207: 104.5,
	9208: 104.75, 9209: 105.5, 9210: 105.75, 9211: 106, 9212: 106.25, 9213: 106.5, 9214: 107, 9215: 107.25,
	9216: 107.5, 9217: 108.25, 9218: 108.5}

// TM3EPSG returns the EPSG code of the VN-2000 TM-3 zone with a central meridian, or 0.
func TM3EPSG(central float64) int {
	for code, c := range tm3Zones {
		if math.Abs(c-central) < 1e-9 {
			return code
		}
	}
	return 0
}

func isVN2000Name(s string) bool {
	n := strings.ToUpper(strings.NewReplacer("-", "", "_", "", " ", "").Replace(s))
	return strings.Contains(n, "VN2000") || strings.Contains(n, "VIETNAM2000") || strings.Contains(n, "VIETNAM_2000")
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// parseProj reads a proj string's +key=value pairs.
func (c *CRS) parseProj(text string) error {
	kv := map[string]string{}
	for _, f := range strings.Fields(text) {
		f = strings.TrimPrefix(f, "+")
		k, v, _ := strings.Cut(f, "=")
		kv[strings.ToLower(k)] = v
	}
	num := func(k string, def float64) float64 {
		if v, ok := kv[k]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				return f
			}
		}
		return def
	}
	switch kv["proj"] {
	case "":
		return fmt.Errorf("the proj string has no +proj")
	case "longlat", "latlong", "lonlat", "latlon":
		c.Geographic = true
	case "tmerc", "etmerc":
		c.Projection = "transverse_mercator"
	case "utm":
		c.Projection = "utm"
		c.Zone = int(num("zone", 0))
		c.Central, c.Scale, c.FalseE = float64(6*c.Zone-183), 0.9996, 500000
		if _, south := kv["south"]; south {
			c.FalseN = 10000000
		}
	default:
		c.Projection = kv["proj"]
	}
	if c.Projection == "transverse_mercator" {
		c.Central, c.LatOrigin, c.Scale = num("lon_0", 0), num("lat_0", 0), num("k", num("k_0", 1))
		c.FalseE, c.FalseN = num("x_0", 0), num("y_0", 0)
	}
	c.Datum = kv["datum"]
	c.Ellipsoid = kv["ellps"]
	_, tw := kv["towgs84"]
	_, grids := kv["nadgrids"]
	c.ToWGS84 = tw || grids
	if c.ToWGS84 {
		if v := strings.Trim(kv["towgs84"], "0,. "); tw && v == "" {
			// +towgs84=0,0,0: the datum is WGS 84 itself
			c.ToWGS84, c.WGS84Datum = false, true
		}
	}
	if strings.EqualFold(c.Datum, "WGS84") {
		c.WGS84Datum = true
	}
	if v, ok := kv["to_meter"]; ok {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 {
			c.UnitToMetre = f
		}
	}
	return nil
}

// wktNode is one KEYWORD[...] of a WKT text; Args holds strings (quoted), numbers (as text)
// and nested nodes.
type wktNode struct {
	Key  string
	Args []any
}

func (n *wktNode) children(key string) []*wktNode {
	var out []*wktNode
	for _, a := range n.Args {
		if c, ok := a.(*wktNode); ok && strings.EqualFold(c.Key, key) {
			out = append(out, c)
		}
	}
	return out
}

func (n *wktNode) child(keys ...string) *wktNode {
	for _, k := range keys {
		if c := n.children(k); len(c) > 0 {
			return c[0]
		}
	}
	return nil
}

func (n *wktNode) name() string {
	if len(n.Args) > 0 {
		if s, ok := n.Args[0].(string); ok {
			return s
		}
	}
	return ""
}

func (n *wktNode) number(i int) (float64, bool) {
	if i < len(n.Args) {
		if s, ok := n.Args[i].(wktNumber); ok {
			f, err := strconv.ParseFloat(string(s), 64)
			return f, err == nil
		}
	}
	return 0, false
}

type wktNumber string

// parseWKT parses WKT (version 1, ESRI's dialect, or version 2) into a tree.
func parseWKT(s string) (*wktNode, error) {
	p := &wktParser{s: s}
	n, err := p.node(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.s) {
		return nil, fmt.Errorf("unexpected text after the WKT at %d", p.i)
	}
	return n, nil
}

type wktParser struct {
	s string
	i int
}

func (p *wktParser) space() {
	for p.i < len(p.s) && unicode.IsSpace(rune(p.s[p.i])) {
		p.i++
	}
}

func (p *wktParser) node(depth int) (*wktNode, error) {
	if depth > 32 {
		return nil, fmt.Errorf("WKT nested too deep")
	}
	p.space()
	start := p.i
	for p.i < len(p.s) && (p.s[p.i] == '_' || unicode.IsLetter(rune(p.s[p.i])) || unicode.IsDigit(rune(p.s[p.i]))) {
		p.i++
	}
	n := &wktNode{Key: strings.ToUpper(p.s[start:p.i])}
	if n.Key == "" {
		return nil, fmt.Errorf("expected a keyword at %d", start)
	}
	p.space()
	if p.i >= len(p.s) || (p.s[p.i] != '[' && p.s[p.i] != '(') {
		return n, nil // a bare keyword argument, such as an axis direction
	}
	closer := byte(']')
	if p.s[p.i] == '(' {
		closer = ')'
	}
	p.i++
	for {
		p.space()
		if p.i >= len(p.s) {
			return nil, fmt.Errorf("unterminated %s[", n.Key)
		}
		ch := p.s[p.i]
		switch {
		case ch == closer:
			p.i++
			return n, nil
		case ch == ',':
			p.i++
		case ch == '"':
			p.i++
			var b strings.Builder
			for {
				if p.i >= len(p.s) {
					return nil, fmt.Errorf("unterminated string")
				}
				if p.s[p.i] == '"' {
					if p.i+1 < len(p.s) && p.s[p.i+1] == '"' { // "" is a quote inside a string
						b.WriteByte('"')
						p.i += 2
						continue
					}
					p.i++
					break
				}
				b.WriteByte(p.s[p.i])
				p.i++
			}
			n.Args = append(n.Args, b.String())
		case ch == '-' || ch == '+' || ch == '.' || (ch >= '0' && ch <= '9'):
			start := p.i
			p.i++
			for p.i < len(p.s) && strings.IndexByte("0123456789.eE+-", p.s[p.i]) >= 0 {
				p.i++
			}
			n.Args = append(n.Args, wktNumber(p.s[start:p.i]))
		default:
			c, err := p.node(depth + 1)
			if err != nil {
				return nil, err
			}
			n.Args = append(n.Args, c)
		}
	}
}

// fromWKT fills c from a WKT tree: PROJCS/PROJCRS with a Transverse Mercator, GEOGCS/GEOGCRS,
// the datum name and any TOWGS84 or BOUNDCRS shift.
func (c *CRS) fromWKT(root *wktNode) {
	n := root
	if n.Key == "BOUNDCRS" { // WKT2 with a transformation to WGS 84: a shift is given
		c.ToWGS84 = true
		if src := n.child("SOURCECRS"); src != nil {
			for _, a := range src.Args {
				if x, ok := a.(*wktNode); ok {
					n = x
					break
				}
			}
		}
	}
	if n.Key == "COMPD_CS" || n.Key == "COMPOUNDCRS" {
		if x := n.child("PROJCS", "PROJCRS", "GEOGCS", "GEOGCRS", "GEODCRS"); x != nil {
			n = x
		}
	}
	if id := wktEPSG(n); id != 0 {
		c.EPSG = id
	}
	var geog *wktNode
	switch n.Key {
	case "PROJCS", "PROJCRS", "PROJECTEDCRS":
		geog = n.child("GEOGCS", "BASEGEOGCRS", "BASEGEODCRS", "GEOGCRS")
		method := ""
		if p := n.child("PROJECTION"); p != nil {
			method = p.name()
		}
		conv := n.child("CONVERSION")
		if conv != nil {
			if m := conv.child("METHOD"); m != nil {
				method = m.name()
			}
		}
		norm := strings.ToLower(strings.NewReplacer(" ", "_", "-", "_").Replace(method))
		switch {
		case strings.Contains(norm, "transverse_mercator") || norm == "gauss_kruger":
			c.Projection = "transverse_mercator"
		default:
			c.Projection = norm
		}
		params := n.children("PARAMETER")
		if conv != nil {
			params = append(params, conv.children("PARAMETER")...)
		}
		for _, p := range params {
			v, ok := p.number(1)
			if !ok {
				continue
			}
			switch strings.ToLower(strings.NewReplacer(" ", "_", "-", "_").Replace(p.name())) {
			case "central_meridian", "longitude_of_natural_origin", "longitude_of_origin":
				c.Central = v
			case "latitude_of_origin", "latitude_of_natural_origin":
				c.LatOrigin = v
			case "scale_factor", "scale_factor_at_natural_origin":
				c.Scale = v
			case "false_easting":
				c.FalseE = v
			case "false_northing":
				c.FalseN = v
			}
		}
		if u := n.child("UNIT", "LENGTHUNIT"); u != nil {
			if f, ok := u.number(1); ok && f > 0 {
				c.UnitToMetre = f
			}
		}
		if c.Projection == "transverse_mercator" && math.Abs(c.Scale-0.9996) < 1e-9 && math.Abs(c.FalseE-500000) < 1e-6 {
			z := (c.Central + 183) / 6
			if z == math.Trunc(z) {
				c.Zone = int(z)
			}
		}
	case "GEOGCS", "GEOGCRS", "GEODCRS", "GEOGRAPHICCRS":
		geog = n
		c.Geographic = true
	}
	if geog != nil {
		if d := geog.child("DATUM", "TRF", "GEODETICDATUM", "ENSEMBLE"); d != nil {
			c.Datum = d.name()
			if d.child("TOWGS84") != nil {
				c.ToWGS84 = true
				if tw := d.child("TOWGS84"); tw != nil {
					zero := true
					for i := range tw.Args {
						if v, ok := tw.number(i); ok && v != 0 {
							zero = false
						}
					}
					if zero {
						c.ToWGS84, c.WGS84Datum = false, true
					}
				}
			}
			if s := d.child("SPHEROID", "ELLIPSOID"); s != nil {
				c.Ellipsoid = s.name()
			}
		}
		if c.EPSG == 0 && c.Geographic {
			c.EPSG = wktEPSG(geog)
		}
		dn := strings.ToUpper(strings.NewReplacer(" ", "", "_", "", "-", "").Replace(c.Datum))
		if dn == "DWGS1984" || dn == "WGS1984" || dn == "WGS84" || dn == "WORLDGEODETICSYSTEM1984" || strings.HasPrefix(dn, "WORLDGEODETICSYSTEM1984") {
			c.WGS84Datum = true
		}
	}
	if c.EPSG != 0 {
		// An authority code of a VN-2000 system: PROJ applies its shift.
		if vn2000EPSG[c.EPSG] {
			c.ToWGS84 = true
		}
		if c.EPSG == 4326 {
			c.WGS84Datum = true
		}
	}
}

// wktEPSG returns the EPSG code of a node's own AUTHORITY["EPSG","n"] or ID["EPSG",n].
func wktEPSG(n *wktNode) int {
	for _, key := range []string{"AUTHORITY", "ID"} {
		if a := n.child(key); a != nil && strings.EqualFold(a.name(), "EPSG") && len(a.Args) > 1 {
			var s string
			switch v := a.Args[1].(type) {
			case string:
				s = v
			case wktNumber:
				s = string(v)
			}
			if id, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
				return id
			}
		}
	}
	return 0
}
