package places_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/apptest"
	"github.com/patrolmap/patrolmap/app/places"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/report"
)

// afterMarch is a clock reading after every night of the tests' periods.
var afterMarch = time.Date(2024, 4, 1, 12, 0, 0, 0, apptest.HCM)

func TestParseCells(t *testing.T) {
	study := apptest.StudyCells()
	many := make([]string, places.MaxCells+1)
	for i := range many {
		many[i] = study[0].String()
	}
	tests := []struct {
		name string
		raw  []string
		want []h3.Cell // nil: a FieldError on "cell"
	}{
		{"one cell", []string{study[0].String()}, study[:1]},
		{"spaces around a cell are ignored", []string{" " + study[1].String() + "\t"}, study[1:2]},
		{"order kept", []string{study[2].String(), study[0].String()}, []h3.Cell{study[2], study[0]}},
		{"500 cells", many[:places.MaxCells], slices.Repeat(study[:1], places.MaxCells)},
		{"no cell", nil, nil},
		{"501 cells", many, nil},
		{"not hex", []string{"hello"}, nil},
		{"one bad among good", []string{study[0].String(), "8a"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := places.ParseCells(tc.raw)
			if tc.want == nil {
				var fe *patrol.FieldError
				if !errors.As(err, &fe) || fe.Field != "cell" {
					t.Fatalf("ParseCells = %v, %v; want a FieldError on cell", got, err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("ParseCells = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// ward is the in-memory ward of the place tests: the west half of WardPoly is residential
// group "Tổ 1", a key area sits on one study cell, and a road runs north–south through the
// middle of the ward (apptest.MiddleRoad).
func ward(t *testing.T) (*apptest.Store, []h3.Cell) {
	t.Helper()
	study := apptest.StudyCells()
	key := study[len(study)/2]
	db := &apptest.Store{
		Areas: []patrol.Area{
			apptest.GroupWest(),
			apptest.KeyAreaOn(2, "Chợ", key),
		},
		Roads: []patrol.Road{apptest.MiddleRoad()},
	}
	return db, study
}

func TestName(t *testing.T) {
	db, study := ward(t)
	key := study[len(study)/2]
	ring, err := h3.GridDisk(key, 1)
	if err != nil {
		t.Fatal(err)
	}
	got, err := places.Name(context.Background(), db, apptest.Unit(), apptest.Nights("2024-03-01", "2024-03-04"), study, report.LangEN, afterMarch)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(study) {
		t.Fatalf("%d places for %d cells", len(got), len(study))
	}
	for i, p := range got {
		c := study[i]
		centre, err := geo.CellCentre(c)
		if err != nil {
			t.Fatal(err)
		}
		if p.Cell != c.String() {
			t.Fatalf("place %d is cell %s, want %s (the asked order)", i, p.Cell, c)
		}
		inWest := centre[0] < apptest.MiddleLon
		if inWest != slices.Contains(p.Groups, "Tổ 1") {
			t.Errorf("cell %s (lon %.5f): groups %v", c, centre[0], p.Groups)
		}
		// The key area is the polygon of cell key: it holds key and touches its neighbours.
		if c == key && !slices.Contains(p.KeyAreas, "Chợ") || !slices.Contains(ring, c) && len(p.KeyAreas) > 0 {
			t.Errorf("cell %s: key areas %v (key area on cell %s)", c, p.KeyAreas, key)
		}
		if p.Road != "Đường Giữa" || p.RoadM == nil || *p.RoadM > 400 {
			t.Fatalf("cell %s: road %q at %v m", c, p.Road, p.RoadM)
		}
		if p.Description == "" || p.Groups == nil || p.KeyAreas == nil {
			t.Errorf("cell %s: description %q, groups %v, key areas %v (want non-nil lists)", c, p.Description, p.Groups, p.KeyAreas)
		}
		if *p.RoadM <= 150 && !strings.HasPrefix(p.Title, "Đường Giữa") {
			t.Errorf("cell %s %d m from the road: title %q", c, *p.RoadM, p.Title)
		}
	}
}

func TestNameBadUnit(t *testing.T) {
	db, study := ward(t)
	u := apptest.Unit()
	u.H3Res = 14
	_, err := places.Name(context.Background(), db, u, apptest.Nights("2024-03-01", "2024-03-04"), study[:1], report.LangVI, afterMarch)
	var fe *patrol.FieldError
	if !errors.As(err, &fe) || fe.Field != "unit" || !errors.Is(err, patrol.ErrUnprocessable) {
		t.Fatalf("Name with res 14: %v; want an unprocessable FieldError on unit", err)
	}
}
