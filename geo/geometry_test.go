package geo

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

func TestCheckGeometry(t *testing.T) {
	square := orb.Ring{{105.845, 21.465}, {105.855, 21.465}, {105.855, 21.475}, {105.845, 21.475}, {105.845, 21.465}}
	with := func(i int, p orb.Point) orb.Ring {
		r := append(orb.Ring(nil), square...)
		r[i] = p
		if i == 0 {
			r[len(r)-1] = p
		}
		return r
	}
	long := make(orb.LineString, MaxGeometryVertices+1)
	for i := range long {
		long[i] = orb.Point{105.85 + float64(i)*1e-6, 21.47}
	}
	tests := []struct {
		name  string
		g     orb.Geometry
		types []string
		want  string // "" when valid; else a piece of the reason
	}{
		{"square", orb.Polygon{square}, []string{"Polygon", "MultiPolygon"}, ""},
		{"multipolygon", orb.MultiPolygon{{square}}, []string{"Polygon", "MultiPolygon"}, ""},
		{"line", orb.LineString{{105.85, 21.47}, {105.86, 21.48}}, nil, ""},
		{"latitude 91", orb.Polygon{with(2, orb.Point{105.855, 91})}, nil, "coordinates[0][2]: latitude 91 is not in [-90, 90]"},
		{"1e308", orb.Polygon{with(0, orb.Point{1e308, 1e308})}, nil, "longitude 1e+308 is not in [-180, 180]"},
		{"NaN", orb.LineString{{105.85, 21.47}, {math.NaN(), 21.48}}, nil, "longitude NaN"},
		{"+Inf latitude", orb.MultiLineString{{{105.85, 21.47}, {105.86, math.Inf(1)}}}, nil, "coordinates[0][1]: latitude +Inf"},
		{"lon -180.5", orb.Point{-180.5, 0}, nil, "longitude -180.5"},
		{"swapped order", orb.Point{21.47, 105.85}, nil, "latitude 105.85"},
		{"open ring", orb.Polygon{square[:4]}, nil, "not closed"},
		{"short ring", orb.Polygon{{{105.85, 21.47}, {105.86, 21.47}, {105.85, 21.47}}}, nil, "at least 4 positions"},
		{"degenerate ring", orb.Polygon{{{105.85, 21.47}, {105.86, 21.47}, {105.86, 21.47}, {105.85, 21.47}}}, nil, "3 distinct"},
		{"no ring", orb.Polygon{}, nil, "outer ring"},
		{"bad hole", orb.Polygon{square, {{105.85, 21.47}}}, nil, "coordinates[1]: a ring needs at least 4"},
		{"one-point line", orb.LineString{{105.85, 21.47}}, nil, "at least 2 positions"},
		{"wrong type", orb.LineString{{105.85, 21.47}, {105.86, 21.48}}, []string{"Polygon", "MultiPolygon"}, "must be a Polygon or MultiPolygon, got LineString"},
		{"collection", orb.Collection{orb.Point{105.85, 21.47}}, nil, "got GeometryCollection"},
		{"nil", nil, nil, "required"},
		{"too many positions", long, nil, "more than 250000 positions"},
		{"too wide", orb.LineString{{100, 10}, {140, 10}}, nil, "spans 40.0°"},
		{"too many parts", make(orb.MultiPoint, MaxGeometryParts+1), nil, "more than 10000 parts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckGeometry("geometry", tc.g, tc.types...)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != "geometry" {
				t.Fatalf("error %v, want a FieldError naming geometry", err)
			}
			if !strings.Contains(fe.Reason, tc.want) {
				t.Fatalf("reason %q, want it to say %q", fe.Reason, tc.want)
			}
		})
	}
}

func TestParseGeometry(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{`{"type":"Polygon","coordinates":[[[105.845,21.465],[105.855,21.465],[105.855,21.475],[105.845,21.465]]]}`, ""},
		{`{"type":"Polygon","coordinates":[[[105.845,21.465],[105.855,91],[105.855,21.475],[105.845,21.465]]]}`, "latitude 91"},
		{`{"type":"Polygon","coordinates":[[[1e308,1e308],[105.855,21.465],[105.855,21.475],[1e308,1e308]]]}`, "longitude 1e+308"},
		{`{"type":"Polygon","coordinates":[[[1e309,0],[1,0],[1,1],[1e309,0]]]}`, "not a GeoJSON geometry"},
		{`{"type":"Circle","coordinates":[105.85,21.47]}`, "not a GeoJSON geometry"},
		{`null`, "required"},
		{``, "required"},
		{`{"type":"Polygon","coordinates":"x"}`, "not a GeoJSON geometry"},
	} {
		_, err := ParseGeometry("boundary", []byte(tc.raw), "Polygon", "MultiPolygon")
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: refused: %v", tc.raw, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "boundary: ")):
			t.Errorf("%s: error %v, want boundary: …%s", tc.raw, err, tc.want)
		}
	}
}
