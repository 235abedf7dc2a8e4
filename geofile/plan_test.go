package geofile

import (
	"fmt"
	"strings"
	"testing"
)

func ExampleFold() {
	fmt.Println(Fold("  Tổ  dân_phố "), Fold("Đường-Trọng điểm"), Fold("TÊN"))
	// Output: to dan pho duong trong diem ten
}

func ExampleMapKind() {
	for _, v := range []string{"Tổ dân phố", "trọng điểm", "ĐƯỜNG TRỌNG ĐIỂM", "Thôn", "ranh giới", "key_area", "nhà văn hoá"} {
		k, ok := MapKind(v)
		fmt.Printf("%s → %s %v\n", v, k, ok)
	}
	// Output:
	// Tổ dân phố → residential_group true
	// trọng điểm → key_area true
	// ĐƯỜNG TRỌNG ĐIỂM → key_road true
	// Thôn → residential_group true
	// ranh giới → boundary true
	// key_area → key_area true
	// nhà văn hoá →  false
}

func TestNameAndKindFields(t *testing.T) {
	for _, tc := range []struct {
		fields     []string
		name, kind string
	}{
		{[]string{"ID", "TEN", "LOAI"}, "TEN", "LOAI"},
		{[]string{"Tên", "Loại"}, "Tên", "Loại"},
		{[]string{"name", "kind"}, "name", "kind"},
		{[]string{"objectid", "Ten_TDP", "so_ho"}, "Ten_TDP", ""},
		{[]string{"ten_xa", "ten"}, "ten", ""},
		{[]string{"MA", "DIENTICH"}, "", ""},
		{[]string{"tenduong", "phan_loai"}, "tenduong", "phan_loai"},
	} {
		if n, k := NameField(tc.fields), KindField(tc.fields); n != tc.name || k != tc.kind {
			t.Errorf("%q: name %q kind %q, want %q %q", tc.fields, n, k, tc.name, tc.kind)
		}
	}
}

func prepare(t *testing.T, name, data, srs string, opt Options) Request {
	t.Helper()
	req, err := Prepare(name, []byte(data), srs, opt)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func feature(props, geom string) string {
	return `{"type":"Feature","properties":` + props + `,"geometry":` + geom + `}`
}

func collection(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
}

const (
	square = `{"type":"Polygon","coordinates":[[[105.8,21.4],[105.81,21.4],[105.81,21.41],[105.8,21.41],[105.8,21.4]]]}`
	line   = `{"type":"LineString","coordinates":[[105.8,21.4],[105.81,21.41]]}`
	multi  = `{"type":"MultiLineString","coordinates":[[[105.8,21.4],[105.81,21.41]],[[105.82,21.4],[105.83,21.41]]]}`
	point  = `{"type":"Point","coordinates":[105.8,21.4]}`
)

func TestPlanAreas(t *testing.T) {
	data := collection(
		feature(`{"ten":"Tổ 1","loai":"tổ dân phố"}`, square),
		feature(`{"ten":"Chợ","loai":"Trọng điểm","buffer_m":"40","min_dwell_min":12}`, square),
		feature(`{"ten":"Đường A","loai":"đường trọng điểm"}`, line),
		feature(`{"ten":"Đường B"}`, line),
		feature(`{"ten":"Khu C"}`, square),
		feature(`{"ten":"Nhà văn hoá","loai":"nhà văn hoá"}`, square),
		feature(`{"ten":"Điểm","loai":"trọng điểm"}`, point),
		feature(`{"ten":"","loai":"trọng điểm"}`, square),
		feature(`{"ten":"Tổ 2","loai":"tổ dân phố"}`, line),
		feature(`{"ten":"Phường","loai":"ranh giới"}`, square),
		feature(`{"ten":"Xấu","loai":"trọng điểm","required_night_visits":"2.5"}`, square),
		feature(`{"ten":"Đảo","loai":"trọng điểm"}`, `{"type":"Polygon","coordinates":[[[21.4,105.8],[21.41,105.8],[21.41,105.81],[21.4,105.8]]]}`),
	)
	req := prepare(t, "a.geojson", data, "", Options{Target: TargetAreas})
	want := []struct{ kind, err, skip string }{
		{"residential_group", "", ""},
		{"key_area", "", ""},
		{"key_road", "", ""},
		{"key_road", "", ""},
		{"other", "", ""},
		{"", "unknown_kind", ""},
		{"", "wrong_geometry", ""},
		{"key_area", "no_name", ""},
		{"residential_group", "wrong_geometry", ""},
		{"boundary", "", "boundary_not_set"},
		{"key_area", "bad_value", ""},
		{"", "swapped_axes", ""},
	}
	if len(req.Items) != len(want) {
		t.Fatalf("%d items", len(req.Items))
	}
	for i, w := range want {
		it := req.Items[i]
		code, skip := "", ""
		if it.Error != nil {
			code = it.Error.Code
		}
		if it.Skip != nil {
			skip = it.Skip.Code
		}
		if it.Kind != w.kind || code != w.err || skip != w.skip {
			t.Errorf("item %d (%s): kind %q error %q skip %q, want %q %q %q", i, it.Name, it.Kind, code, skip, w.kind, w.err, w.skip)
		}
	}
	if b := req.Items[1].BufferM; b == nil || *b != 40 {
		t.Errorf("buffer_m %v", b)
	}
	if len(req.Items[3].Notes) == 0 || req.Items[3].Notes[0].Code != "kind_guessed" {
		t.Errorf("guessed kind not noted: %+v", req.Items[3])
	}
	if req.Options.NameField != "ten" || req.Options.KindField != "loai" || req.CRSSource != "default" {
		t.Errorf("options %+v source %s", req.Options, req.CRSSource)
	}
}

func TestPlanBoundaryAndDefaultKind(t *testing.T) {
	data := collection(feature(`{"ten":"Phường","loai":"ranh giới"}`, square), feature(`{"name":"X"}`, square))
	req := prepare(t, "a.geojson", data, "", Options{Target: TargetAreas, SetBoundary: true})
	if req.Items[0].Kind != KindBoundary || req.Items[0].Skip != nil || req.Items[0].Error != nil {
		t.Errorf("boundary item %+v", req.Items[0])
	}
	req = prepare(t, "a.geojson", data, "", Options{Target: TargetAreas, DefaultKind: "Trọng điểm"})
	if req.Items[1].Kind != "key_area" || req.Items[0].Kind != "key_area" {
		t.Errorf("--kind did not apply: %+v", req.Items)
	}
	if _, err := Prepare("a.geojson", []byte(data), "", Options{Target: TargetAreas, DefaultKind: "nhà"}); err == nil {
		t.Error("unknown --kind accepted")
	}
	if _, err := Prepare("a.geojson", []byte(data), "", Options{Target: TargetAreas, NameField: "TEN_KHAC"}); err == nil {
		t.Error("a name field that is not in the file was accepted")
	}
}

func TestPlanRoads(t *testing.T) {
	data := collection(
		feature(`{"ten_duong":"Đường A"}`, line),
		feature(`{"ten_duong":"Đường B"}`, multi),
		feature(`{"ten_duong":"Bãi"}`, square),
		feature(`{}`, line),
	)
	req := prepare(t, "r.geojson", data, "", Options{Target: TargetRoads})
	if len(req.Items) != 5 {
		t.Fatalf("%d items, want 5 (a multi-line gives two roads)", len(req.Items))
	}
	if req.Items[1].Feature != 1 || req.Items[2].Feature != 1 || req.Items[2].Part != 1 || req.Items[2].Name != "Đường B" {
		t.Errorf("multi-line split %+v %+v", req.Items[1], req.Items[2])
	}
	if req.Items[3].Error == nil || req.Items[3].Error.Code != "wrong_geometry" {
		t.Errorf("polygon road %+v", req.Items[3])
	}
	if req.Items[4].Error != nil {
		t.Errorf("an unnamed road is fine: %+v", req.Items[4])
	}
}

func TestPlanCoordinatesAgainstSRS(t *testing.T) {
	metres := collection(feature(`{"ten":"A","loai":"trọng điểm"}`, `{"type":"Polygon","coordinates":[[[536000,2375000],[536100,2375000],[536100,2375100],[536000,2375000]]]}`))
	req := prepare(t, "a.geojson", metres, "", Options{Target: TargetAreas})
	if e := req.Items[0].Error; e == nil || e.Code != "projected_without_srs" || !strings.Contains(e.Message, "TM-3") {
		t.Errorf("metres without a coordinate system: %+v", req.Items[0].Error)
	}
	req = prepare(t, "a.geojson", metres, "EPSG:9209", Options{Target: TargetAreas})
	if req.Items[0].Error != nil || req.CRSSource != "override" || req.CRS.PostGIS() != "EPSG:9209" {
		t.Errorf("with --srs: %+v %s", req.Items[0].Error, req.CRSSource)
	}
	req = prepare(t, "a.geojson", collection(feature(`{"ten":"A","loai":"trọng điểm"}`, square)), "EPSG:9209", Options{Target: TargetAreas})
	if e := req.Items[0].Error; e == nil || e.Code != "degrees_in_projected" {
		t.Errorf("degrees in a projected system: %+v", e)
	}
	if _, err := Prepare("a.geojson", []byte(metres), "+lon_0=1", Options{Target: TargetAreas}); err == nil || !strings.Contains(err.Error(), "srs") {
		t.Errorf("bad srs: %v", err)
	}
}
