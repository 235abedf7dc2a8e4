package store_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patrolmap/patrolmap/geofile"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// The known point: 21.47° N 105.85° E (WGS 84), in Sông Công, Thái Nguyên, is
// E 536075.110 m, N 2375026.862 m in VN-2000 / TM-3 105°30′ (EPSG:9209), as PROJ 9.1 computes
// with EPSG's own transformation EPSG:6960 "VN-2000 to WGS 84 (2)"; the same for the other
// systems below:
//
//	echo "21.47 105.85" | cs2cs -f %.6f EPSG:4326 EPSG:9209   →   536075.109722 2375026.862015
//	echo "21.47 105.85" | cs2cs -f %.9f EPSG:4326 EPSG:4756   →   21.470984027 105.848111677
//	echo "21.47 105.85" | cs2cs -f %.6f EPSG:4326 EPSG:3405   →   587866.132627 2374512.226730
//	echo "21.47 105.85" | cs2cs -f %.6f EPSG:4326 EPSG:32648  →   588062.368837 2374404.368159
const (
	knownLon, knownLat = 105.85, 21.47
	knownE, knownN     = 536075.109722, 2375026.862015
)

// projThaiNguyen is the TM-3 proj string the issue gives for Thái Nguyên. Its +towgs84 copies
// EPSG's coordinate-frame rotations unchanged into PROJ's position-vector slot.
const projThaiNguyen = "+proj=tmerc +lat_0=0 +lon_0=105.5 +k=0.9999 +x_0=500000 +y_0=0 +ellps=WGS84 +towgs84=-191.90441429,-39.30318279,-111.45032835,-0.00928836,0.01975479,-0.00427372,0.252906278 +units=m +no_defs"

// esriTM3NoShift is the .prj GDAL writes for a TM-3 proj string: the datum shift is gone.
const esriTM3NoShift = `PROJCS["unknown",GEOGCS["GCS_unknown",DATUM["D_Unknown_based_on_WGS84_ellipsoid_using_towgs84_-191_90441429_-39_30318279_-111_45032835_0_00928836_-0_01975479_0_00427372_0_252906278",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.5],PARAMETER["Scale_Factor",0.9999],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]`

const wardSquare = `{"type":"Polygon","coordinates":[[[105.845,21.465],[105.855,21.465],[105.855,21.475],[105.845,21.475],[105.845,21.465]]]}`

func newWard(t *testing.T, s *store.Store, code, boundary string) patrol.Unit {
	t.Helper()
	u := patrol.Unit{Code: code, Name: "Phường " + code, TimeZone: "Asia/Ho_Chi_Minh", NightStart: "22:00", NightEnd: "05:00", H3Res: 10}
	if boundary != "" {
		u.Boundary = json.RawMessage(boundary)
	}
	u, err := s.CreateUnit(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func importFile(t *testing.T, s *store.Store, u patrol.Unit, name string, data []byte, srs string, opt geofile.Options, dry bool) geofile.Report {
	t.Helper()
	req, err := geofile.Prepare(name, data, srs, opt)
	if err != nil {
		t.Fatalf("prepare %s: %v", name, err)
	}
	req.UnitID, req.UnitCode, req.DryRun = u.ID, u.Code, dry
	rep, err := s.ImportGeography(context.Background(), req)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	return rep
}

// knownSquare is a 10 m square key area in TM-3 metres whose first corner is the known point.
func knownSquare() []byte { return squareAt(knownE, knownN, 10) }

// squareAt is a square key area whose first corner is (x, y).
func squareAt(x, y, side float64) []byte {
	return []byte(fmt.Sprintf(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"ten":"Mốc","loai":"trọng điểm"},
	 "geometry":{"type":"Polygon","coordinates":[[[%[1]f,%[2]f],[%[3]f,%[2]f],[%[3]f,%[4]f],[%[1]f,%[4]f],[%[1]f,%[2]f]]]}}]}`,
		x, y, x+side, y+side))
}

// cornerError returns how far, in metres, the first vertex of the stored area lies from the
// known point's WGS 84 position.
func cornerError(t *testing.T, s *store.Store, areaID int64) float64 {
	t.Helper()
	var d float64
	err := s.Pool().QueryRow(context.Background(), `SELECT ST_Distance(ST_PointN(ST_ExteriorRing(geom), 1)::geography,
		ST_SetSRID(ST_MakePoint($2, $3), 4326)::geography) FROM area WHERE id = $1`, areaID, knownLon, knownLat).Scan(&d)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestImportKnownPointWithin1m proves that PostGIS lands the known VN-2000 TM-3 point within
// 1 m of its WGS 84 position, for each way of naming the zone, and that a .prj without the
// datum shift is flagged, with the distance measured.
func TestImportKnownPointWithin1m(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	u := newWard(t, s, "tn", wardSquare)
	for _, tc := range []struct {
		name, srs string
		data      []byte
		max       float64
	}{
		{"EPSG:9209", "EPSG:9209", knownSquare(), 0.05},
		{"EPSG code of the zone as a bare number", "9209", knownSquare(), 0.05},
		{"proj string with EPSG's shift", geofile.TM3Proj(105.5), knownSquare(), 0.05},
		{"the issue's proj string (coordinate-frame rotations)", projThaiNguyen, knownSquare(), 1.0},
		{"VN-2000 longitude/latitude EPSG:4756", "EPSG:4756", squareAt(105.848111677, 21.470984027, 0.0001), 0.05},
		{"VN-2000 / UTM 48N EPSG:3405", "EPSG:3405", squareAt(587866.132627, 2374512.226730, 10), 0.05},
		{"WGS 84 / UTM 48N EPSG:32648", "EPSG:32648", squareAt(588062.368837, 2374404.368159, 10), 0.05},
		{"WGS 84", "", squareAt(knownLon, knownLat, 0.0001), 0.001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := importFile(t, s, u, "moc.geojson", tc.data, tc.srs, geofile.Options{Target: geofile.TargetAreas}, false)
			if rep.Created+rep.Updated != 1 || len(rep.Errors) > 0 {
				t.Fatalf("report %+v", rep)
			}
			d := cornerError(t, s, rep.Items[0].ID)
			t.Logf("%s: the known point lands %.3f m from its WGS 84 position", tc.name, d)
			if d > tc.max {
				t.Errorf("%.3f m off, want at most %.2f m", d, tc.max)
			}
			for _, w := range rep.Warnings {
				if w.Code == "datum_shift_missing" {
					t.Errorf("warned about a datum shift that is there: %s", w.Message)
				}
			}
		})
	}
	t.Run("ESRI .prj without TOWGS84", func(t *testing.T) {
		rep := importFile(t, s, u, "moc.geojson", knownSquare(), esriTM3NoShift, geofile.Options{Target: geofile.TargetAreas}, false)
		d := cornerError(t, s, rep.Items[0].ID)
		t.Logf("read as written, the known point lands %.1f m from its WGS 84 position", d)
		if d < 150 || d > 300 {
			t.Errorf("%.1f m off; the missing datum shift should put it about 220 m away", d)
		}
		var warned *geofile.Note
		for i, w := range rep.Warnings {
			if w.Code == "datum_shift_missing" {
				warned = &rep.Warnings[i]
			}
		}
		if warned == nil || rep.SRS.DatumShiftM == nil || math.Abs(*rep.SRS.DatumShiftM-d) > 2 {
			t.Fatalf("no datum warning, or a measured shift unlike the error: %+v %+v", rep.Warnings, rep.SRS)
		}
		if !strings.Contains(warned.Message, "EPSG:9209") || rep.SRS.Suggested == "" {
			t.Errorf("warning names no fix: %s", warned.Message)
		}
		// Following the advice lands the point.
		rep = importFile(t, s, u, "moc.geojson", knownSquare(), rep.SRS.Suggested, geofile.Options{Target: geofile.TargetAreas}, false)
		if d := cornerError(t, s, rep.Items[0].ID); d > 0.05 {
			t.Errorf("with the suggested srs the point is %.3f m off", d)
		}
	})
}

// ogr2ogr runs GDAL's converter to make a fixture; a missing ogr2ogr fails under CI=true.
func ogr2ogr(t *testing.T, args ...string) {
	t.Helper()
	bin, err := exec.LookPath("ogr2ogr")
	if err != nil {
		storetest.Unavailable(t, "ogr2ogr is not installed (apt-get install gdal-bin)")
	}
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr %v: %v\n%s", args, err, out)
	}
}

func zipFolder(t *testing.T, dir string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create("thai_nguyen/" + e.Name())
		w.Write(b)
	}
	zw.Close()
	return buf.Bytes()
}

const sourceAreas = "../geofile/testdata/areas.geojson"

// TestImportFilesWrittenByOgr2ogr imports the fixture areas as GDAL writes them — GeoJSON,
// KML, and zipped shapefiles in the VN-2000 TM-3 zone of 105°30′ — and compares every stored
// geometry and name with the WGS 84 source.
func TestImportFilesWrittenByOgr2ogr(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	ctx := context.Background()
	dir := t.TempDir()
	src, err := os.ReadFile(sourceAreas)
	if err != nil {
		t.Fatal(err)
	}
	var source struct {
		Features []struct {
			Properties struct {
				Ten string `json:"ten"`
			} `json:"properties"`
			Geometry json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(src, &source); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		name, srs string
		make      func(t *testing.T) (string, []byte)
		maxM      float64
		warn      bool
	}{
		{name: "GeoJSON", maxM: 0.01, make: func(t *testing.T) (string, []byte) {
			out := filepath.Join(dir, "a.geojson")
			ogr2ogr(t, "-f", "GeoJSON", out, sourceAreas)
			b, _ := os.ReadFile(out)
			return "a.geojson", b
		}},
		{name: "KML", maxM: 0.01, make: func(t *testing.T) (string, []byte) {
			out := filepath.Join(dir, "a.kml")
			ogr2ogr(t, "-f", "KML", out, sourceAreas)
			b, _ := os.ReadFile(out)
			return "a.kml", b
		}},
		{name: "Shapefile TM-3 EPSG:9209", maxM: 0.05, make: func(t *testing.T) (string, []byte) {
			out := filepath.Join(dir, "tm3")
			ogr2ogr(t, "-f", "ESRI Shapefile", "-t_srs", "EPSG:9209", "-lco", "ENCODING=UTF-8", out, sourceAreas)
			return "tm3.zip", zipFolder(t, out)
		}},
		{name: "Shapefile TM-3 proj string, Windows-1258, .prj without shift, --srs", srs: geofile.TM3Proj(105.5), maxM: 0.05, make: func(t *testing.T) (string, []byte) {
			out := filepath.Join(dir, "tm3b")
			ogr2ogr(t, "-f", "ESRI Shapefile", "-t_srs", geofile.TM3Proj(105.5), "-lco", "ENCODING=CP1258", out, sourceAreas)
			return "tm3b.zip", zipFolder(t, out)
		}},
		{name: "Shapefile TM-3 .prj without shift, as written", maxM: 300, warn: true, make: func(t *testing.T) (string, []byte) {
			out := filepath.Join(dir, "tm3c")
			ogr2ogr(t, "-f", "ESRI Shapefile", "-t_srs", geofile.TM3Proj(105.5), "-lco", "ENCODING=UTF-8", out, sourceAreas)
			return "tm3c.zip", zipFolder(t, out)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := newWard(t, s, fmt.Sprintf("w%d", i), wardSquare)
			name, data := tc.make(t)
			rep := importFile(t, s, u, name, data, tc.srs, geofile.Options{Target: geofile.TargetAreas}, false)
			if rep.Created != len(source.Features) || len(rep.Errors) != 0 {
				t.Fatalf("created %d, errors %+v", rep.Created, rep.Errors)
			}
			warned := false
			for _, w := range rep.Warnings {
				warned = warned || w.Code == "datum_shift_missing"
			}
			if warned != tc.warn {
				t.Errorf("datum warning %v, want %v (%+v)", warned, tc.warn, rep.Warnings)
			}
			for j, f := range source.Features {
				a, err := s.AreaByID(ctx, rep.Items[j].ID)
				if err != nil {
					t.Fatal(err)
				}
				if a.Name != f.Properties.Ten || rep.Items[j].Name != f.Properties.Ten {
					t.Errorf("feature %d stored as %q, want %q", j, a.Name, f.Properties.Ten)
				}
				// Hausdorff distance between stored and source geometry, in metres (UTM 48N).
				var d float64
				err = s.Pool().QueryRow(ctx, `SELECT ST_HausdorffDistance(ST_Transform(a.geom, 32648),
					ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON($2), 4326), 32648)) FROM area a WHERE a.id = $1`, a.ID, string(f.Geometry)).Scan(&d)
				if err != nil {
					t.Fatal(err)
				}
				if d > tc.maxM || (tc.warn && d < 150) {
					t.Errorf("feature %d (%s) lies %.3f m from the source", j, a.Name, d)
				}
				if j == 0 {
					t.Logf("%s: %q stored %.3f m from the source", tc.name, a.Name, d)
				}
			}
			want := map[string]string{"Tổ dân phố Mỏ Chè": "residential_group", "Chợ Mỏ Chè": "key_area"}
			areas, _ := s.ListAreas(ctx, u.ID, "")
			for _, a := range areas {
				if k, ok := want[a.Name]; ok && a.Kind != k {
					t.Errorf("%s kind %s, want %s", a.Name, a.Kind, k)
				}
				if a.Name == "Chợ Mỏ Chè" && a.MinDwellMin != 12 {
					t.Errorf("min_dwell_min %d", a.MinDwellMin)
				}
			}
		})
	}
}

func fc(features ...string) []byte {
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`)
}

func feat(props, geom string) string {
	return `{"type":"Feature","properties":` + props + `,"geometry":` + geom + `}`
}

// box is a lon/lat rectangle polygon.
func box(x0, y0, x1, y1 float64) string {
	return fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]]}`, x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
}

func countRows(t *testing.T, s *store.Store, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := s.Pool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportDryRunRepairAndReject(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	u := newWard(t, s, "w1", wardSquare)
	bowtie := `{"type":"Polygon","coordinates":[[[105.846,21.466],[105.848,21.468],[105.848,21.466],[105.846,21.468],[105.846,21.466]]]}`
	spike := `{"type":"LineString","coordinates":[[105.85,21.47],[105.85,21.47]]}`
	data := fc(
		feat(`{"ten":"Tổ dân phố Số 1","loai":"tổ dân phố"}`, box(105.845, 21.465, 105.85, 21.475)),
		feat(`{"ten":"Nơ","loai":"trọng điểm"}`, bowtie),
		feat(`{"ten":"Gai","loai":"đường trọng điểm"}`, spike),
		feat(`{"ten":"Ngoài","loai":"trọng điểm"}`, box(105.9, 21.5, 105.901, 21.501)),
		feat(`{"ten":"Điểm","loai":"trọng điểm"}`, `{"type":"Point","coordinates":[105.85,21.47]}`),
	)
	opt := geofile.Options{Target: geofile.TargetAreas}
	dry := importFile(t, s, u, "a.geojson", data, "", opt, true)
	if n := countRows(t, s, `SELECT count(*) FROM area WHERE unit_id = $1`, u.ID); n != 0 {
		t.Fatalf("a dry run wrote %d areas", n)
	}
	if dry.Created != 3 || dry.Rejected != 2 || len(dry.Errors) != 2 || !dry.DryRun {
		t.Fatalf("dry run: %+v", dry)
	}
	if dry.Items[1].Repaired == nil || !strings.Contains(dry.Items[1].Repaired.Message, "Self-intersection") || dry.Items[1].GeometryType != "MultiPolygon" {
		t.Errorf("bow-tie not repaired: %+v", dry.Items[1])
	}
	if e := dry.Items[2].Error; e == nil || e.Code != "invalid_geometry" {
		t.Errorf("degenerate line: %+v", dry.Items[2])
	}
	if n := dry.Items[3].Notes; len(n) == 0 || n[0].Code != "outside_boundary" {
		t.Errorf("a far area not flagged: %+v", dry.Items[3])
	}
	if dry.Items[0].AreaM2 < 500*1100 || dry.Items[0].AreaM2 > 530*1120 || dry.Items[0].Geometry == nil || dry.Items[0].ID != 0 {
		t.Errorf("preview of the group: %+v", dry.Items[0])
	}
	if dry.Tiling == nil || !dry.Tiling.Checked || dry.Tiling.Tiles || dry.Tiling.GapAreaM2 < 500*1100 {
		t.Errorf("a group covering half the ward should leave a gap: %+v", dry.Tiling)
	}
	real := importFile(t, s, u, "a.geojson", data, "", opt, false)
	if real.Created != dry.Created || real.Rejected != dry.Rejected || len(real.Warnings) != len(dry.Warnings) {
		t.Errorf("the import did not do what the preview said: %+v vs %+v", real, dry)
	}
	if n := countRows(t, s, `SELECT count(*) FROM area WHERE unit_id = $1 AND ST_IsValid(geom)`, u.ID); n != 3 {
		t.Errorf("%d valid areas stored, want 3", n)
	}
}

func TestImportUpdatesByNameAndReplaces(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	ctx := context.Background()
	u := newWard(t, s, "w1", wardSquare)
	opt := geofile.Options{Target: geofile.TargetAreas}
	first := fc(
		feat(`{"ten":"Chợ","loai":"trọng điểm","buffer_m":40}`, box(105.849, 21.469, 105.851, 21.471)),
		feat(`{"ten":"Trường","loai":"trọng điểm"}`, box(105.846, 21.466, 105.847, 21.467)),
	)
	r1 := importFile(t, s, u, "a.geojson", first, "", opt, false)
	if r1.Created != 2 {
		t.Fatalf("%+v", r1)
	}
	second := fc(feat(`{"ten":"Chợ","loai":"trọng điểm"}`, box(105.8492, 21.4692, 105.8512, 21.4712)))
	r2 := importFile(t, s, u, "a.geojson", second, "", opt, false)
	if r2.Updated != 1 || r2.Items[0].ID != r1.Items[0].ID {
		t.Fatalf("re-import did not update by name: %+v", r2)
	}
	a, _ := s.AreaByID(ctx, r1.Items[0].ID)
	if a.BufferM != 40 {
		t.Errorf("an update without buffer_m changed it to %v", a.BufferM)
	}
	if n := countRows(t, s, `SELECT count(*) FROM area WHERE unit_id = $1`, u.ID); n != 2 {
		t.Errorf("%d areas after an update", n)
	}
	req, _ := geofile.Prepare("a.geojson", second, "", opt)
	req.UnitID, req.UnitCode, req.Replace = u.ID, u.Code, true
	r3, err := s.ImportGeography(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if r3.Deleted != 1 || r3.Removed[0].Name != "Trường" {
		t.Errorf("replace removed %+v", r3.Removed)
	}
	if n := countRows(t, s, `SELECT count(*) FROM area WHERE unit_id = $1`, u.ID); n != 1 {
		t.Errorf("%d areas after a replacing import", n)
	}
}

func TestImportRoads(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	u := newWard(t, s, "w1", wardSquare)
	data, err := os.ReadFile("../geofile/testdata/duong_utm48.zip")
	if err != nil {
		t.Fatal(err)
	}
	opt := geofile.Options{Target: geofile.TargetRoads}
	rep := importFile(t, s, u, "duong.zip", data, "", opt, false)
	if rep.Created != 3 || rep.Features != 2 {
		t.Fatalf("%+v", rep)
	}
	roads, _ := s.ListRoads(context.Background(), u.ID)
	if len(roads) != 3 || roads[2].Name != "Phố Thắng Lợi" {
		t.Fatalf("roads %+v", roads)
	}
	req, _ := geofile.Prepare("duong.zip", data, "", opt)
	req.UnitID, req.UnitCode, req.Replace = u.ID, u.Code, true
	rep, err = s.ImportGeography(context.Background(), req)
	if err != nil || rep.Deleted != 3 || rep.Created != 3 {
		t.Fatalf("replace: %v %+v", err, rep)
	}
	if n := countRows(t, s, `SELECT count(*) FROM road WHERE unit_id = $1`, u.ID); n != 3 {
		t.Errorf("%d roads after replace", n)
	}
}

// TestTilingReportsGapsAndOverlaps lays three groups on a ward: one leaves a gap, two overlap
// and one reaches past the boundary. Every defect is reported with its area in m².
func TestTilingReportsGapsAndOverlaps(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	u := newWard(t, s, "w1", wardSquare)
	data := fc(
		feat(`{"ten":"Tổ 1","loai":"tổ dân phố"}`, box(105.845, 21.465, 105.849, 21.475)),
		feat(`{"ten":"Tổ 2","loai":"tổ dân phố"}`, box(105.8485, 21.465, 105.852, 21.475)), // overlaps Tổ 1 by 0.0005°
		feat(`{"ten":"Tổ 3","loai":"tổ dân phố"}`, box(105.853, 21.465, 105.856, 21.475)),  // gap of 0.001°, 0.001° outside
	)
	rep := importFile(t, s, u, "a.geojson", data, "", geofile.Options{Target: geofile.TargetAreas}, false)
	tl := rep.Tiling
	if tl == nil || !tl.Checked || tl.Tiles {
		t.Fatalf("tiling %+v", tl)
	}
	// 0.001° of longitude at 21.47° N is 103.7 m; the ward is 0.01° (1,107 m) tall.
	width, height := 103.7, 1106.9
	near := func(got, want float64) bool { return math.Abs(got-want) < 0.01*want }
	if len(tl.Gaps) != 1 || !near(tl.Gaps[0].AreaM2, width*height) {
		t.Errorf("gaps %+v, want one of %.0f m²", tl.Gaps, width*height)
	}
	if len(tl.Overlaps) != 1 || !near(tl.Overlaps[0].AreaM2, width/2*height) || tl.Overlaps[0].A != "Tổ 1" || tl.Overlaps[0].B != "Tổ 2" {
		t.Errorf("overlaps %+v, want Tổ 1 × Tổ 2 of %.0f m²", tl.Overlaps, width/2*height)
	}
	if len(tl.Outside) != 1 || tl.Outside[0].Group != "Tổ 3" || !near(tl.OutsideAreaM2, width*height) {
		t.Errorf("outside %+v", tl.Outside)
	}
	t.Logf("gap %.0f m², overlap %.0f m², outside %.0f m²", tl.GapAreaM2, tl.OverlapAreaM2, tl.OutsideAreaM2)
	found := false
	for _, w := range rep.Warnings {
		found = found || w.Code == "tiling"
	}
	if !found {
		t.Error("no tiling warning")
	}
	// The same check on its own.
	again, err := s.TilingReport(context.Background(), u.ID)
	if err != nil || again.GapAreaM2 != tl.GapAreaM2 {
		t.Errorf("TilingReport %v %+v", err, again)
	}
}

func TestImportSetsBoundary(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	ctx := context.Background()
	u := newWard(t, s, "w1", "")
	opt := geofile.Options{Target: geofile.TargetAreas, SetBoundary: true}
	data := fc(
		feat(`{"ten":"Phường Mỏ Chè","loai":"ranh giới"}`, box(105.845, 21.465, 105.855, 21.475)),
		feat(`{"ten":"Tổ 1","loai":"tổ dân phố"}`, box(105.845, 21.465, 105.85, 21.475)),
		feat(`{"ten":"Tổ 2","loai":"tổ dân phố"}`, box(105.85, 21.465, 105.855, 21.475)),
	)
	dry := importFile(t, s, u, "a.geojson", data, "", opt, true)
	if got, _ := s.UnitByID(ctx, u.ID); got.Boundary != nil {
		t.Fatal("a dry run set the boundary")
	}
	if dry.Boundary == nil || dry.Items[0].Action != "boundary" || dry.Created != 2 {
		t.Fatalf("dry run %+v", dry)
	}
	if dry.Tiling == nil || !dry.Tiling.Tiles {
		t.Errorf("two halves should tile the ward: %+v", dry.Tiling)
	}
	rep := importFile(t, s, u, "a.geojson", data, "", opt, false)
	got, _ := s.UnitByID(ctx, u.ID)
	if got.Boundary == nil || rep.Boundary.AreaM2 < 1.1e6 || rep.Boundary.AreaM2 > 1.2e6 {
		t.Fatalf("boundary %s, report %+v", got.Boundary, rep.Boundary)
	}
	// Without a boundary feature, the union of the polygons is the boundary.
	u2 := newWard(t, s, "w2", "")
	halves := fc(
		feat(`{"ten":"Tổ 1","loai":"tổ dân phố"}`, box(105.845, 21.465, 105.85, 21.475)),
		feat(`{"ten":"Tổ 2","loai":"tổ dân phố"}`, box(105.85, 21.465, 105.855, 21.475)),
	)
	rep = importFile(t, s, u2, "a.geojson", halves, "", opt, false)
	if rep.Boundary == nil || len(rep.Boundary.Notes) == 0 || rep.Boundary.Notes[0].Code != "boundary_from_union" || len(rep.Boundary.Features) != 2 {
		t.Fatalf("union boundary %+v", rep.Boundary)
	}
	if n := countRows(t, s, `SELECT count(*) FROM unit WHERE id = $1 AND ST_NumGeometries(boundary) = 1 AND ST_IsValid(boundary)`, u2.ID); n != 1 {
		t.Error("the union of two touching halves is not one valid polygon")
	}
}
