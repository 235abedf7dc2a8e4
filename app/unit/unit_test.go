package unit_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/patrolmap/patrolmap/app/apptest"
	"github.com/patrolmap/patrolmap/app/unit"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

func TestLocationAndNightWindow(t *testing.T) {
	tests := []struct {
		zone, start, end string
		wantZone         string
		wantNight        string // the night of 2024-03-31 as "from–to" in the zone
	}{
		{"Asia/Ho_Chi_Minh", "22:00", "05:00", "Asia/Ho_Chi_Minh", "2024-03-31 22:00–2024-04-01 05:00"},
		{"Europe/Berlin", "21:30", "06:00", "Europe/Berlin", "2024-03-31 21:30–2024-04-01 06:00"},
		{"Mars/Olympus", "22:00", "05:00", "UTC", "2024-03-31 22:00–2024-04-01 05:00"},
		{"Asia/Ho_Chi_Minh", "25:00", "05:00", "Asia/Ho_Chi_Minh", "2024-03-31 22:00–2024-04-01 05:00"},
		{"Asia/Ho_Chi_Minh", "", "", "Asia/Ho_Chi_Minh", "2024-03-31 22:00–2024-04-01 05:00"},
	}
	for _, tc := range tests {
		t.Run(tc.zone+" "+tc.start+"-"+tc.end, func(t *testing.T) {
			u := patrol.Unit{Code: "w1", TimeZone: tc.zone, NightStart: tc.start, NightEnd: tc.end}
			loc := unit.Location(u)
			if loc.String() != tc.wantZone {
				t.Fatalf("Location = %s, want %s", loc, tc.wantZone)
			}
			p, err := geo.ParsePeriod("2024-03-31", "2024-04-01", loc, geo.WindowNight, unit.NightWindow(u))
			if err != nil {
				t.Fatal(err)
			}
			const f = "2006-01-02 15:04"
			if got := p.From.In(loc).Format(f) + "–" + p.To.In(loc).Format(f); got != tc.wantNight {
				t.Fatalf("night of 31 March = %s, want %s", got, tc.wantNight)
			}
		})
	}
}

func TestRes(t *testing.T) {
	for _, tc := range []struct {
		res int
		ok  bool
	}{{8, true}, {10, true}, {11, true}, {7, false}, {12, false}, {0, false}, {-1, false}} {
		got, err := unit.Res(patrol.Unit{Code: "w1", H3Res: tc.res})
		if tc.ok {
			if err != nil || got != tc.res {
				t.Errorf("Res(%d) = %d, %v", tc.res, got, err)
			}
			continue
		}
		var fe *patrol.FieldError
		if !errors.As(err, &fe) || fe.Field != "unit" || !errors.Is(err, patrol.ErrUnprocessable) || !strings.Contains(fe.Detail, "w1") {
			t.Errorf("Res(%d) = %d, %v; want an unprocessable FieldError on unit naming w1", tc.res, got, err)
		}
	}
}

func TestBoundary(t *testing.T) {
	line, _ := json.Marshal(map[string]any{"type": "LineString", "coordinates": [][]float64{{105.85, 21.47}, {105.86, 21.48}}})
	tests := []struct {
		name     string
		boundary json.RawMessage
		field    string // "": usable
	}{
		{"the ward's square", apptest.GeoJSON(apptest.WardPoly), ""},
		{"a multipolygon", apptest.GeoJSON(orb.MultiPolygon{apptest.WardPoly}), ""},
		{"none", nil, "unit"},
		{"a line", line, "boundary"},
		{"not JSON", json.RawMessage(`{"type":`), "boundary"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := unit.Boundary(patrol.Unit{Code: "w1", Boundary: tc.boundary})
			if tc.field == "" {
				if err != nil || g == nil {
					t.Fatalf("Boundary = %v, %v", g, err)
				}
				return
			}
			var fe *patrol.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, patrol.ErrConflict) {
				t.Fatalf("Boundary = %v; want a conflict FieldError on %s", err, tc.field)
			}
		})
	}
}

func TestStudyCells(t *testing.T) {
	u := apptest.Unit()
	b, err := unit.Boundary(u)
	if err != nil {
		t.Fatal(err)
	}
	cells, err := unit.StudyCells(u, b, 10)
	if err != nil || len(cells) != len(apptest.StudyCells()) || len(cells) < 20 {
		t.Fatalf("StudyCells at res 10: %d cells, %v (apptest has %d)", len(cells), err, len(apptest.StudyCells()))
	}
	// A boundary of a whole country at resolution 11 is too many cells to fill.
	huge := orb.Polygon{{{102, 8}, {110, 8}, {110, 23}, {102, 23}, {102, 8}}}
	_, err = unit.StudyCells(u, huge, 11)
	var fe *patrol.FieldError
	if !errors.As(err, &fe) || fe.Field != "res" || !errors.Is(err, patrol.ErrUnprocessable) {
		t.Fatalf("StudyCells of a country at res 11 = %v; want an unprocessable FieldError on res", err)
	}
}

func TestAreaCells(t *testing.T) {
	study := apptest.StudyCells()
	mid := apptest.MiddleRoad()
	road := patrol.Area{ID: 2, Kind: patrol.KindKeyRoad, Name: mid.Name, Geometry: mid.Geometry, BufferM: 25}
	tests := []struct {
		name    string
		area    patrol.Area
		wantErr bool
	}{
		{"a key area on one cell", apptest.KeyAreaOn(1, "Chợ", study[5]), false},
		{"a road buffered 25 m", road, false},
		{"a point is not an area", patrol.Area{ID: 3, Name: "x", Geometry: json.RawMessage(`{"type":"Point","coordinates":[105.85,21.47]}`)}, true},
		{"broken geometry", patrol.Area{ID: 4, Name: "y", Geometry: json.RawMessage(`{}`)}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, cells, err := unit.AreaCells(tc.area, 10)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("AreaCells = %v, %d cells; want an error", g, len(cells))
				}
				if w := unit.LeftOutWarning(tc.area, err); !strings.Contains(w, tc.area.Name) || !strings.Contains(w, "PUT /api/v1/areas/") {
					t.Fatalf("warning %q", w)
				}
				return
			}
			if err != nil || g == nil || len(cells) == 0 {
				t.Fatalf("AreaCells = %v, %d cells, %v", g, len(cells), err)
			}
		})
	}
}
