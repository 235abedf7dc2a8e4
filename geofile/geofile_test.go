package geofile

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// The fixtures in testdata/ were written by GDAL's ogr2ogr 3.6 from areas.geojson and
// roads.geojson (see README.md): to_dan_pho_tm3.zip in VN-2000 / TM-3 105°30′ (EPSG:9209,
// UTF-8), khu_vuc_cp1258.zip in the same zone from a proj string (its .prj lost the datum
// shift) with Windows-1258 text, duong_utm48.zip in VN-2000 / UTM 48N, areas.kml.

var wantAreaNames = []string{"Tổ dân phố Mỏ Chè", "Tổ dân phố Thắng Lợi", "Tổ dân phố Cải Đan", "Chợ Mỏ Chè", "Trường THCS Lương Sơn"}

func readFixture(t *testing.T, name string) *Collection {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Read(name, data)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return c
}

func names(c *Collection, field string) []string {
	var out []string
	for _, f := range c.Features {
		out = append(out, f.Properties[field])
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// closeGeometry reports whether two geometries have the same structure and coordinates
// within eps.
func closeGeometry(a, b orb.Geometry, eps float64) bool {
	switch a := a.(type) {
	case orb.Point:
		b, ok := b.(orb.Point)
		return ok && math.Abs(a[0]-b[0]) <= eps && math.Abs(a[1]-b[1]) <= eps
	case orb.LineString:
		b, ok := b.(orb.LineString)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !closeGeometry(a[i], b[i], eps) {
				return false
			}
		}
		return true
	case orb.Ring:
		b, ok := b.(orb.Ring)
		return ok && closeGeometry(orb.LineString(a), orb.LineString(b), eps)
	case orb.MultiLineString:
		b, ok := b.(orb.MultiLineString)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !closeGeometry(a[i], b[i], eps) {
				return false
			}
		}
		return true
	case orb.Polygon:
		b, ok := b.(orb.Polygon)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !sameRing(a[i], b[i], eps) {
				return false
			}
		}
		return true
	case orb.MultiPolygon:
		b, ok := b.(orb.MultiPolygon)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !closeGeometry(a[i], b[i], eps) {
				return false
			}
		}
		return true
	}
	return false
}

// sameRing compares rings as point sets in order, whatever their start and direction (a
// shapefile writer reorients rings).
func sameRing(a, b orb.Ring, eps float64) bool {
	if len(a) != len(b) {
		return false
	}
	n := len(a) - 1
	for start := 0; start < n; start++ {
		for _, dir := range []int{1, -1} {
			ok := true
			for i := 0; i < n && ok; i++ {
				j := ((start+dir*i)%n + n) % n
				ok = closeGeometry(a[i], b[j], eps)
			}
			if ok {
				return true
			}
		}
	}
	return false
}

func TestReadGeoJSON(t *testing.T) {
	c := readFixture(t, "areas.geojson")
	if c.Format != FormatGeoJSON || c.CRS != "" {
		t.Fatalf("format %s crs %q", c.Format, c.CRS)
	}
	if got := names(c, "ten"); !equalStrings(got, wantAreaNames) {
		t.Fatalf("names %q", got)
	}
	if !equalStrings(c.Fields, []string{"ten", "loai", "so_ho", "min_dwell_min", "required_night_visits"}) {
		t.Errorf("fields %q", c.Fields)
	}
	if p, ok := c.Features[3].Geometry.(orb.Polygon); !ok || len(p) != 2 {
		t.Errorf("market: %#v, want a polygon with a hole", c.Features[3].Geometry)
	}
	if mp, ok := c.Features[4].Geometry.(orb.MultiPolygon); !ok || len(mp) != 2 {
		t.Errorf("school: %#v, want two polygons", c.Features[4].Geometry)
	}
	if c.Features[0].Properties["so_ho"] != "131" {
		t.Errorf("number property read as %q", c.Features[0].Properties["so_ho"])
	}
}

func TestReadGeoJSONKeepsGoingPastABadFeature(t *testing.T) {
	data := `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3405"}},"features":[
	 {"type":"Feature","properties":{"ten":"A"},"geometry":{"type":"Polygon","coordinates":[[[1,2],[3,4]]]}},
	 {"type":"Feature","properties":{"ten":"B","x":null,"y":true,"z":{"a":1}},"geometry":{"type":"Point","coordinates":[536000,2375000]}},
	 {"type":"Feature","properties":{"ten":"C"},"geometry":null},
	 {"type":"Nope"}]}`
	c, err := Read("x.json", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if c.CRS != "EPSG:3405" {
		t.Errorf("crs %q", c.CRS)
	}
	if len(c.Features) != 4 {
		t.Fatalf("%d features", len(c.Features))
	}
	if !strings.Contains(c.Features[0].Err, "ring 0") {
		t.Errorf("feature 0 error %q", c.Features[0].Err)
	}
	if c.Features[1].Err != "" || c.Features[1].Geometry == nil {
		t.Errorf("feature 1: %+v", c.Features[1])
	}
	if _, ok := c.Features[1].Properties["x"]; ok || c.Features[1].Properties["y"] != "true" || c.Features[1].Properties["z"] != `{"a":1}` {
		t.Errorf("properties %q", c.Features[1].Properties)
	}
	if c.Features[2].Geometry != nil || c.Features[2].Err != "" {
		t.Errorf("null geometry: %+v", c.Features[2])
	}
	if c.Features[3].Err == "" {
		t.Errorf("a non-feature member was accepted")
	}
}

func TestReadKML(t *testing.T) {
	k := readFixture(t, "areas.kml")
	g := readFixture(t, "areas.geojson")
	if k.Format != FormatKML || len(k.Features) != len(g.Features) {
		t.Fatalf("format %s, %d features", k.Format, len(k.Features))
	}
	if got := names(k, "ten"); !equalStrings(got, wantAreaNames) {
		t.Fatalf("names %q", got)
	}
	for i := range g.Features {
		if !closeGeometry(g.Features[i].Geometry, k.Features[i].Geometry, 1e-9) {
			t.Errorf("feature %d: KML %v, GeoJSON %v", i, k.Features[i].Geometry, g.Features[i].Geometry)
		}
		if k.Features[i].Layer != "areas" {
			t.Errorf("feature %d layer %q", i, k.Features[i].Layer)
		}
	}
}

func TestReadKMLShapes(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2" xmlns:gx="http://www.google.com/kml/ext/2.2"><Document><name>Phường</name>
<Placemark><name>Đường 3/2</name><ExtendedData><Data name="loai"><value>đường trọng điểm</value></Data></ExtendedData>
 <LineString><coordinates>105.1,21.1,0 105.2, 21.2,0
 105.3,21.3</coordinates></LineString></Placemark>
<Folder><name>Khu</name><Placemark><name>Hai khu</name><MultiGeometry>
 <Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 1,0 1,1 0,1 0,0</coordinates></LinearRing></outerBoundaryIs>
  <innerBoundaryIs><LinearRing><coordinates>0.2,0.2 0.4,0.2 0.4,0.4 0.2,0.2</coordinates></LinearRing></innerBoundaryIs></Polygon>
 <Polygon><outerBoundaryIs><LinearRing><coordinates>2,2 3,2 3,3 2,2</coordinates></LinearRing></outerBoundaryIs></Polygon>
</MultiGeometry></Placemark>
<Placemark><name>Vết</name><gx:Track><when>2024-01-01T00:00:00Z</when><gx:coord>105 21 0</gx:coord><gx:coord>105.1 21.1 0</gx:coord></gx:Track></Placemark>
<Placemark><name>Hỏng</name><Point><coordinates>abc</coordinates></Point></Placemark>
</Folder></Document></kml>`
	c, err := ReadKML([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Features) != 4 {
		t.Fatalf("%d features", len(c.Features))
	}
	if ls, ok := c.Features[0].Geometry.(orb.LineString); !ok || len(ls) != 3 || c.Features[0].Properties["loai"] != "đường trọng điểm" || c.Features[0].Layer != "Phường" {
		t.Errorf("line: %+v", c.Features[0])
	}
	if mp, ok := c.Features[1].Geometry.(orb.MultiPolygon); !ok || len(mp) != 2 || len(mp[0]) != 2 || c.Features[1].Layer != "Khu" {
		t.Errorf("multigeometry: %+v", c.Features[1])
	}
	if ls, ok := c.Features[2].Geometry.(orb.LineString); !ok || len(ls) != 2 {
		t.Errorf("track: %+v", c.Features[2])
	}
	if c.Features[3].Err == "" {
		t.Errorf("bad coordinates accepted")
	}
}

func TestReadShapefileTM3UTF8(t *testing.T) {
	c := readFixture(t, "to_dan_pho_tm3.zip")
	if c.Format != FormatShapefile || c.Encoding != "UTF-8" {
		t.Fatalf("format %s encoding %s", c.Format, c.Encoding)
	}
	if !strings.Contains(c.CRS, "D_Vietnam_2000") {
		t.Errorf("crs %q", c.CRS)
	}
	if got := names(c, "ten"); !equalStrings(got, wantAreaNames) {
		t.Fatalf("names %q", got)
	}
	b := c.Features[0].Geometry.Bound()
	if b.Min[0] < 530000 || b.Max[0] > 545000 || b.Min[1] < 2370000 || b.Max[1] > 2380000 {
		t.Errorf("bound %v is not TM-3 105°30′ metres near Thái Nguyên", b)
	}
	if p, ok := c.Features[3].Geometry.(orb.Polygon); !ok || len(p) != 2 {
		t.Errorf("market: %T with %v, want a polygon with its hole", c.Features[3].Geometry, c.Features[3].Geometry)
	}
	if mp, ok := c.Features[4].Geometry.(orb.MultiPolygon); !ok || len(mp) != 2 {
		t.Errorf("school: %T, want two polygons", c.Features[4].Geometry)
	}
}

func TestReadShapefileCP1258(t *testing.T) {
	c := readFixture(t, "khu_vuc_cp1258.zip")
	if c.Encoding != "windows-1258" {
		t.Fatalf("encoding %s", c.Encoding)
	}
	// Windows-1258 writes tone marks as combining characters; the reader composes them.
	if got := names(c, "ten"); !equalStrings(got, wantAreaNames) {
		t.Fatalf("names %q", got)
	}
	if c.Features[0].Properties["loai"] != "Tổ dân phố" {
		t.Errorf("kind %q", c.Features[0].Properties["loai"])
	}
	crs, err := ParseCRS(c.CRS)
	if err != nil {
		t.Fatal(err)
	}
	if !crs.VN2000Like() || !crs.MissingDatumShift() {
		t.Errorf("the .prj of a TM-3 zone without TOWGS84 was not flagged: %+v", crs)
	}
	items, _, err := Plan(c, crs, Options{Target: TargetAreas})
	if err != nil {
		t.Fatal(err)
	}
	if it := items[3]; it.DwellMin == nil || *it.DwellMin != 12 {
		t.Errorf("min_dwell_min truncated to min_dwell_ by the .dbf was not read: %+v", it)
	}
	if it := items[4]; it.Visits == nil || *it.Visits != 2 {
		t.Errorf("required_night_visits truncated to required_n was not read: %+v", it)
	}
}

func TestReadShapefileLines(t *testing.T) {
	c := readFixture(t, "duong_utm48.zip")
	if len(c.Features) != 2 {
		t.Fatalf("%d features", len(c.Features))
	}
	if _, ok := c.Features[0].Geometry.(orb.LineString); !ok {
		t.Errorf("feature 0 is %T", c.Features[0].Geometry)
	}
	if ml, ok := c.Features[1].Geometry.(orb.MultiLineString); !ok || len(ml) != 2 {
		t.Errorf("feature 1 is %T %v", c.Features[1].Geometry, c.Features[1].Geometry)
	}
	if c.Features[1].Properties["ten_duong"] != "Phố Thắng Lợi" {
		t.Errorf("name %q", c.Features[1].Properties["ten_duong"])
	}
	crs, _ := ParseCRS(c.CRS)
	if crs.Zone != 48 || crs.MissingDatumShift() {
		t.Errorf("UTM 48N VN-2000 read as %+v", crs)
	}
}

func TestReadRefusals(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"a.shp", "\x00\x00\x27\x0a", "one .zip"},
		{"a.txt", "hello", "not GeoJSON"},
		{"a.json", "", "empty"},
		{"a.kml", "<html></html>", "not KML"},
		{"a.geojson", `{"type":"Topology"}`, "Topology"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(tc.name, []byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func zipOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, b := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// unzip returns the members of a fixture archive by extension.
func unzip(t *testing.T, name string) map[string][]byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		var b bytes.Buffer
		b.ReadFrom(rc)
		rc.Close()
		out[filepath.Ext(f.Name)] = b.Bytes()
	}
	return out
}

func TestShapefileDamage(t *testing.T) {
	parts := unzip(t, "to_dan_pho_tm3.zip")
	t.Run("no dbf", func(t *testing.T) {
		_, err := Read("x.zip", zipOf(t, map[string][]byte{"x.shp": parts[".shp"], "x.shx": parts[".shx"]}))
		if err == nil || !strings.Contains(err.Error(), ".dbf is missing") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("truncated shp", func(t *testing.T) {
		shp := parts[".shp"][:len(parts[".shp"])-20]
		c, err := Read("x.zip", zipOf(t, map[string][]byte{"x.shp": shp, "x.shx": parts[".shx"], "x.dbf": parts[".dbf"]}))
		if err != nil {
			t.Fatal(err)
		}
		last := c.Features[len(c.Features)-1]
		if last.Err == "" || c.Features[0].Err != "" {
			t.Errorf("first %q, last %q", c.Features[0].Err, last.Err)
		}
		if len(c.Warnings) == 0 || !strings.Contains(strings.Join(c.Warnings, " "), "no .prj") {
			t.Errorf("missing .prj not reported: %q", c.Warnings)
		}
	})
	t.Run("without shx", func(t *testing.T) {
		c, err := Read("x.zip", zipOf(t, map[string][]byte{"x.shp": parts[".shp"], "x.dbf": parts[".dbf"], "x.cpg": parts[".cpg"]}))
		if err != nil || len(c.Features) != 5 || c.Features[4].Err != "" {
			t.Fatalf("%v %+v", err, c)
		}
	})
	t.Run("deleted record", func(t *testing.T) {
		dbf := append([]byte(nil), parts[".dbf"]...)
		headerLen := int(binary.LittleEndian.Uint16(dbf[8:10]))
		dbf[headerLen] = '*'
		c, err := Read("x.zip", zipOf(t, map[string][]byte{"x.shp": parts[".shp"], "x.shx": parts[".shx"], "x.dbf": dbf, "x.cpg": parts[".cpg"]}))
		if err != nil || len(c.Features) != 4 || c.Features[0].Properties["ten"] != wantAreaNames[1] {
			t.Fatalf("%v %+v", err, c)
		}
	})
	t.Run("no cpg, Windows-1258", func(t *testing.T) {
		cp := unzip(t, "khu_vuc_cp1258.zip")
		c, err := Read("x.zip", zipOf(t, map[string][]byte{"x.shp": cp[".shp"], "x.shx": cp[".shx"], "x.dbf": cp[".dbf"]}))
		if err != nil {
			t.Fatal(err)
		}
		if c.Encoding != "windows-1258" || !equalStrings(names(c, "ten"), wantAreaNames) {
			t.Errorf("encoding %s names %q", c.Encoding, names(c, "ten"))
		}
		if !strings.Contains(strings.Join(c.Warnings, " "), "no .cpg") {
			t.Errorf("guess not reported: %q", c.Warnings)
		}
	})
}

func TestAssemblePolygon(t *testing.T) {
	cw := func(x0, y0, x1, y1 float64) []orb.Point { // clockwise square
		return []orb.Point{{x0, y0}, {x0, y1}, {x1, y1}, {x1, y0}, {x0, y0}}
	}
	ccw := func(x0, y0, x1, y1 float64) []orb.Point {
		return []orb.Point{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
	}
	for _, tc := range []struct {
		name  string
		parts [][]orb.Point
		want  []int // rings per polygon
	}{
		{"one outer", [][]orb.Point{cw(0, 0, 10, 10)}, []int{1}},
		{"outer and hole", [][]orb.Point{cw(0, 0, 10, 10), ccw(2, 2, 4, 4)}, []int{2}},
		{"hole listed first", [][]orb.Point{ccw(2, 2, 4, 4), cw(0, 0, 10, 10)}, []int{2}},
		{"two outers, hole in second", [][]orb.Point{cw(0, 0, 10, 10), cw(20, 0, 30, 10), ccw(22, 2, 24, 4)}, []int{1, 2}},
		{"hole in the tightest outer", [][]orb.Point{cw(0, 0, 100, 100), ccw(10, 10, 90, 90), cw(20, 20, 80, 80), ccw(30, 30, 40, 40)}, []int{2, 2}},
		{"orphan hole becomes outer", [][]orb.Point{cw(0, 0, 10, 10), ccw(20, 20, 30, 30)}, []int{1, 1}},
		{"all counter-clockwise: nesting decides", [][]orb.Point{ccw(0, 0, 10, 10), ccw(2, 2, 4, 4), ccw(20, 20, 30, 30)}, []int{2, 1}},
		{"hole touching its outer", [][]orb.Point{cw(0, 0, 10, 10), ccw(0, 2, 4, 4)}, []int{2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := assemblePolygon(tc.parts)
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			switch g := g.(type) {
			case orb.Polygon:
				got = []int{len(g)}
			case orb.MultiPolygon:
				for _, p := range g {
					got = append(got, len(p))
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("rings per polygon %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("rings per polygon %v, want %v", got, tc.want)
				}
			}
		})
	}
}

// ogr2ogr runs GDAL's converter; a missing ogr2ogr fails under CI=true and skips otherwise.
func ogr2ogr(t *testing.T, args ...string) {
	t.Helper()
	bin, err := exec.LookPath("ogr2ogr")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ogr2ogr is required (apt-get install gdal-bin)")
		}
		t.Skip("ogr2ogr not installed (apt-get install gdal-bin)")
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ogr2ogr %v: %v\n%s", args, err, out)
	}
}

// zipDir zips every file of dir.
func zipDir(t *testing.T, dir string) []byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = b
	}
	return zipOf(t, files)
}

// TestOgr2ogrWrittenFiles reads what GDAL writes today from the GeoJSON fixtures, in WGS 84,
// and compares every geometry and name with the source.
func TestOgr2ogrWrittenFiles(t *testing.T) {
	for _, src := range []string{"areas.geojson", "roads.geojson"} {
		want := readFixture(t, src)
		field := NameField(want.Fields)
		for _, tc := range []struct {
			format string
			args   []string
		}{
			{"shapefile-utf8", []string{"-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8"}},
			{"shapefile-cp1258", []string{"-f", "ESRI Shapefile", "-lco", "ENCODING=CP1258"}},
			{"kml", []string{"-f", "KML"}},
			{"geojson", []string{"-f", "GeoJSON"}},
		} {
			t.Run(src+"/"+tc.format, func(t *testing.T) {
				dir := t.TempDir()
				var out string
				switch tc.format {
				case "kml":
					out = filepath.Join(dir, "out.kml")
				case "geojson":
					out = filepath.Join(dir, "out.geojson")
				default:
					out = filepath.Join(dir, "out")
				}
				ogr2ogr(t, append(tc.args, out, filepath.Join("testdata", src))...)
				var data []byte
				name := filepath.Base(out)
				if strings.HasPrefix(tc.format, "shapefile") {
					data, name = zipDir(t, out), "out.zip"
				} else {
					b, err := os.ReadFile(out)
					if err != nil {
						t.Fatal(err)
					}
					data = b
				}
				got, err := Read(name, data)
				if err != nil {
					t.Fatal(err)
				}
				if len(got.Features) != len(want.Features) {
					t.Fatalf("%d features, want %d", len(got.Features), len(want.Features))
				}
				crs, err := ParseCRS(got.CRS)
				if err != nil || !crs.Geographic {
					t.Errorf("crs %q read as %+v (%v)", got.CRS, crs, err)
				}
				for i := range want.Features {
					if g, w := got.Features[i].Properties[field], want.Features[i].Properties[field]; g != w {
						t.Errorf("feature %d name %q, want %q", i, g, w)
					}
					if !closeGeometry(want.Features[i].Geometry, got.Features[i].Geometry, 1e-9) {
						t.Errorf("feature %d geometry %v, want %v", i, got.Features[i].Geometry, want.Features[i].Geometry)
					}
				}
			})
		}
	}
}
