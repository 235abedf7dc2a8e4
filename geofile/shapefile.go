package geofile

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// Shape types of the ESRI Shapefile Technical Description (1998). The Z and M variants carry
// the same x, y first; their extra measures are dropped.
const (
	shapeNull        = 0
	shapePoint       = 1
	shapePolyLine    = 3
	shapePolygon     = 5
	shapeMultiPoint  = 8
	shapePointZ      = 11
	shapePolyLineZ   = 13
	shapePolygonZ    = 15
	shapeMultiPointZ = 18
	shapePointM      = 21
	shapePolyLineM   = 23
	shapePolygonM    = 25
	shapeMultiPointM = 28
	shapeMultiPatch  = 31
)

// shapefileParts are the member files of one shapefile.
type shapefileParts struct {
	name                    string
	shp, shx, dbf, prj, cpg []byte
}

// readShapefile reads one shapefile; feature indexes start at first.
func readShapefile(p shapefileParts, first int) (*Collection, error) {
	if p.shp == nil {
		return nil, fmt.Errorf("the .shp is missing")
	}
	if p.dbf == nil {
		return nil, fmt.Errorf("the .dbf is missing (a shapefile's attributes, such as names, live in it)")
	}
	geoms, errs, err := readSHP(p.shp, p.shx)
	if err != nil {
		return nil, err
	}
	table, err := readDBF(p.dbf, string(p.cpg))
	if err != nil {
		return nil, err
	}
	out := &Collection{Format: FormatShapefile, CRS: string(trimBOM(p.prj)), Encoding: table.encoding.name, Fields: table.names()}
	out.Warnings = append(out.Warnings, table.warnings...)
	if len(p.prj) == 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%s has no .prj: its coordinate system is unknown; give it (for VN-2000 the province's TM-3 zone)", p.name))
	}
	if len(table.records) != len(geoms) {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%s: the .shp has %d shapes but the .dbf %d records; only the first %d are paired",
			p.name, len(geoms), len(table.records), min(len(geoms), len(table.records))))
	}
	deleted := 0
	for i := 0; i < len(geoms) && i < len(table.records); i++ {
		props, ok := table.values(i)
		if !ok {
			deleted++
			continue
		}
		f := Feature{Index: first + len(out.Features), Layer: p.name, Geometry: geoms[i], Properties: props}
		if errs[i] != nil {
			f.Geometry = nil
			f.Err = errs[i].Error()
		}
		out.Features = append(out.Features, f)
	}
	if deleted > 0 {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%s: %d records marked deleted in the .dbf were skipped", p.name, deleted))
	}
	return out, nil
}

// readSHP returns the geometry of every record (nil for a null shape) and, per record, why it
// could not be read. The .shx, when given, locates the records; otherwise they are read one
// after the other.
func readSHP(shp, shx []byte) ([]orb.Geometry, []error, error) {
	if len(shp) < 100 || binary.BigEndian.Uint32(shp[0:4]) != 9994 {
		return nil, nil, fmt.Errorf("the .shp is not a shapefile (bad header)")
	}
	fileType := int32(binary.LittleEndian.Uint32(shp[32:36]))
	if fileType == shapeMultiPatch {
		return nil, nil, fmt.Errorf("MultiPatch shapefiles (3-D surfaces) are not supported")
	}
	type span struct{ off, n int }
	var spans []span
	if len(shx) >= 100 && binary.BigEndian.Uint32(shx[0:4]) == 9994 {
		for p := 100; p+8 <= len(shx); p += 8 {
			off := int(binary.BigEndian.Uint32(shx[p:p+4])) * 2
			n := int(binary.BigEndian.Uint32(shx[p+4:p+8])) * 2
			spans = append(spans, span{off + 8, n})
		}
	} else {
		for p := 100; p+8 <= len(shp); {
			n := int(binary.BigEndian.Uint32(shp[p+4:p+8])) * 2
			spans = append(spans, span{p + 8, n})
			if n < 0 || p+8+n > len(shp) {
				break
			}
			p += 8 + n
		}
	}
	if len(spans) > MaxFeatures {
		return nil, nil, fmt.Errorf("the .shp has %d shapes, more than %d", len(spans), MaxFeatures)
	}
	geoms := make([]orb.Geometry, len(spans))
	errs := make([]error, len(spans))
	for i, s := range spans {
		if s.off < 100 || s.n < 4 || s.off+s.n > len(shp) {
			errs[i] = fmt.Errorf("shape %d lies outside the .shp (truncated file?)", i)
			continue
		}
		geoms[i], errs[i] = readShape(shp[s.off : s.off+s.n])
	}
	return geoms, errs, nil
}

// shapeReader reads little-endian numbers with bounds checks.
type shapeReader struct {
	b   []byte
	p   int
	err error
}

func (r *shapeReader) int32() int {
	if r.err != nil || r.p+4 > len(r.b) {
		r.err = fmt.Errorf("shape record too short")
		return 0
	}
	v := int32(binary.LittleEndian.Uint32(r.b[r.p:]))
	r.p += 4
	return int(v)
}

func (r *shapeReader) float() float64 {
	if r.err != nil || r.p+8 > len(r.b) {
		r.err = fmt.Errorf("shape record too short")
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b[r.p:]))
	r.p += 8
	return v
}

func (r *shapeReader) point() orb.Point {
	x, y := r.float(), r.float()
	if r.err == nil && (!finite(x) || !finite(y)) {
		r.err = fmt.Errorf("a vertex is not finite")
	}
	return orb.Point{x, y}
}

func readShape(b []byte) (orb.Geometry, error) {
	r := &shapeReader{b: b}
	typ := r.int32()
	switch typ {
	case shapeNull:
		return nil, nil
	case shapePoint, shapePointZ, shapePointM:
		p := r.point()
		return p, r.err
	case shapeMultiPoint, shapeMultiPointZ, shapeMultiPointM:
		r.p += 32 // bounding box
		n := r.int32()
		if r.err == nil && (n < 0 || n*16 > len(b)-r.p) {
			return nil, fmt.Errorf("multipoint with an impossible number of points (%d)", n)
		}
		mp := make(orb.MultiPoint, 0, n)
		for i := 0; i < n && r.err == nil; i++ {
			mp = append(mp, r.point())
		}
		return mp, r.err
	case shapePolyLine, shapePolyLineZ, shapePolyLineM, shapePolygon, shapePolygonZ, shapePolygonM:
		r.p += 32
		numParts, numPoints := r.int32(), r.int32()
		if r.err != nil {
			return nil, r.err
		}
		if numParts < 1 || numPoints < 1 || numParts*4+numPoints*16 > len(b)-r.p {
			return nil, fmt.Errorf("shape with an impossible number of parts (%d) or points (%d)", numParts, numPoints)
		}
		starts := make([]int, numParts)
		for i := range starts {
			starts[i] = r.int32()
		}
		pts := make([]orb.Point, numPoints)
		for i := range pts {
			pts[i] = r.point()
		}
		if r.err != nil {
			return nil, r.err
		}
		parts := make([][]orb.Point, 0, numParts)
		for i, s := range starts {
			e := numPoints
			if i+1 < numParts {
				e = starts[i+1]
			}
			if s < 0 || s > e || e > numPoints {
				return nil, fmt.Errorf("part %d has bad point indexes %d..%d", i, s, e)
			}
			parts = append(parts, pts[s:e])
		}
		if typ == shapePolyLine || typ == shapePolyLineZ || typ == shapePolyLineM {
			ml := make(orb.MultiLineString, 0, len(parts))
			for i, p := range parts {
				if len(p) < 2 {
					return nil, fmt.Errorf("line part %d has %d point(s)", i, len(p))
				}
				ml = append(ml, orb.LineString(p))
			}
			if len(ml) == 1 {
				return ml[0], nil
			}
			return ml, nil
		}
		return assemblePolygon(parts)
	case shapeMultiPatch:
		return nil, fmt.Errorf("MultiPatch shapes are not supported")
	}
	return nil, fmt.Errorf("unknown shape type %d", typ)
}

// assemblePolygon turns a shapefile polygon's rings into a Polygon or MultiPolygon. The
// format's rule: outer rings run clockwise, holes counter-clockwise, and a hole belongs to the
// outer ring that contains it. Files that break the rule (every ring counter-clockwise) are
// read by nesting: a ring inside an odd number of others is a hole. A hole inside no outer
// ring becomes an outer ring itself.
func assemblePolygon(parts [][]orb.Point) (orb.Geometry, error) {
	type ring struct {
		r    orb.Ring
		area float64 // signed: < 0 clockwise
	}
	var rings []ring
	for i, p := range parts {
		r, err := closeRing(append(orb.Ring(nil), p...))
		if err != nil {
			return nil, fmt.Errorf("ring %d: %v", i, err)
		}
		rings = append(rings, ring{r: r, area: signedArea(r)})
	}
	var outers, holes []int
	for i, r := range rings {
		if r.area < 0 {
			outers = append(outers, i)
		} else {
			holes = append(holes, i)
		}
	}
	if len(outers) == 0 {
		// No clockwise ring: decide by nesting depth instead.
		outers, holes = nil, nil
		for i, r := range rings {
			depth := 0
			for j, o := range rings {
				if i != j && math.Abs(o.area) > math.Abs(r.area) && ringInside(r.r, o.r) {
					depth++
				}
			}
			if depth%2 == 0 {
				outers = append(outers, i)
			} else {
				holes = append(holes, i)
			}
		}
	}
	// Smallest outer first, so a hole goes to the tightest ring around it.
	sort.SliceStable(outers, func(a, b int) bool { return math.Abs(rings[outers[a]].area) < math.Abs(rings[outers[b]].area) })
	polys := map[int]orb.Polygon{}
	for _, o := range outers {
		polys[o] = orb.Polygon{rings[o].r}
	}
	for _, h := range holes {
		placed := false
		for _, o := range outers {
			if ringInside(rings[h].r, rings[o].r) {
				polys[o] = append(polys[o], rings[h].r)
				placed = true
				break
			}
		}
		if !placed {
			polys[h] = orb.Polygon{rings[h].r}
			outers = append(outers, h)
		}
	}
	sort.Ints(outers)
	mp := make(orb.MultiPolygon, 0, len(outers))
	for _, o := range outers {
		mp = append(mp, polys[o])
	}
	if len(mp) == 1 {
		return mp[0], nil
	}
	return mp, nil
}

// signedArea is the shoelace area: positive for counter-clockwise rings.
func signedArea(r orb.Ring) float64 {
	var s float64
	for i := 0; i+1 < len(r); i++ {
		s += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return s / 2
}

// ringInside reports whether inner lies inside outer, judged by the first of its vertices that
// is not on outer's boundary (rings of a valid polygon may touch at points).
func ringInside(inner, outer orb.Ring) bool {
	for _, p := range inner {
		switch pointInRing(p, outer) {
		case 1:
			return true
		case -1:
			return false
		}
	}
	return false
}

// pointInRing is 1 inside, -1 outside and 0 on the boundary (crossing number).
func pointInRing(p orb.Point, r orb.Ring) int {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[j], r[i]
		if onSegment(p, a, b) {
			return 0
		}
		if (a[1] > p[1]) != (b[1] > p[1]) {
			x := a[0] + (p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
			if p[0] < x {
				in = !in
			}
		}
	}
	if in {
		return 1
	}
	return -1
}

func onSegment(p, a, b orb.Point) bool {
	cross := (b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0])
	scale := math.Max(math.Abs(b[0]-a[0]), math.Abs(b[1]-a[1]))
	if math.Abs(cross) > 1e-12*math.Max(scale*scale, 1) {
		return false
	}
	return p[0] >= math.Min(a[0], b[0]) && p[0] <= math.Max(a[0], b[0]) && p[1] >= math.Min(a[1], b[1]) && p[1] <= math.Max(a[1], b[1])
}
