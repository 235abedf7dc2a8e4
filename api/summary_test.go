package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/store/storetest"
)

type summaryAnswer struct {
	Nights          int `json:"nights"`
	NightsPatrolled int `json:"nights_patrolled"`
	GapCells        int `json:"gap_cells"`
	KeyAreas        struct {
		Total        int      `json:"total"`
		MetEvery     int      `json:"met_every_night"`
		LastNight    string   `json:"last_night"`
		MetLastNight int      `json:"met_last_night"`
		Below        []string `json:"below"`
	} `json:"key_areas"`
	Never struct {
		Cells  int            `json:"cells"`
		Groups map[string]int `json:"groups"`
	} `json:"never_patrolled"`
	Problems struct {
		Count  int      `json:"count"`
		Places []string `json:"places"`
	} `json:"problem_hotspots"`
}

// The chief's summary agrees with /gaps and /compliance on the demo ward, judges key areas
// only on nights that are over, and names the emerging cluster's place as a problem hotspot.
func TestSummaryAgreesWithGapsAndCompliance(t *testing.T) {
	// The clock: 21:00 local on the demo's day, so that night (22:00–05:00) is still to come.
	now := time.Date(2025, 3, 15, 14, 0, 0, 0, time.UTC)
	e := newEnvWithStore(t, storetest.New(t), api.Config{Now: func() time.Time { return now }})
	w := e.loadDemo(1, planDay)
	q := "unit=demo&from=2025-02-14&to=2025-03-16"
	r := e.as("analyst1", http.MethodGet, "/api/v1/summary?"+q, nil)
	if r.status != http.StatusForbidden {
		t.Errorf("analyst of another unit: %d", r.status)
	}
	r = e.as("analystall", http.MethodGet, "/api/v1/summary?"+q, nil)
	if r.status != http.StatusOK {
		t.Fatalf("summary: %d %s", r.status, r.body)
	}
	var s summaryAnswer
	r.json(t, &s)
	if s.Nights != 30 || s.NightsPatrolled < 25 || s.NightsPatrolled > 30 {
		t.Errorf("nights %d, patrolled %d", s.Nights, s.NightsPatrolled)
	}
	var gaps struct {
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	e.as("analystall", http.MethodGet, "/api/v1/gaps?min_nights=1&"+q, nil).json(t, &gaps)
	cells := 0
	for _, f := range gaps.Features {
		if _, ok := f.Properties["cell"]; ok {
			cells++
		}
	}
	if s.Never.Cells != cells || s.GapCells != cells || cells == 0 {
		t.Errorf("never patrolled %d, gap cells %d; /gaps has %d cell gaps", s.Never.Cells, s.GapCells, cells)
	}
	if s.KeyAreas.Total != len(w.KeyAreas) || s.KeyAreas.LastNight != "2025-03-14" {
		t.Errorf("key areas %+v (the night of the 15th is not over at 21:00)", s.KeyAreas)
	}
	if s.KeyAreas.MetEvery+len(s.KeyAreas.Below) != s.KeyAreas.Total {
		t.Errorf("met %d + below %d ≠ %d", s.KeyAreas.MetEvery, len(s.KeyAreas.Below), s.KeyAreas.Total)
	}
	found := false
	for _, name := range s.KeyAreas.Below {
		found = found || name == w.Neglected
	}
	if !found {
		t.Errorf("the neglected key area %q is not among those below: %v", w.Neglected, s.KeyAreas.Below)
	}
	if s.Problems.Count < 1 || len(s.Problems.Places) != s.Problems.Count {
		t.Fatalf("problem hotspots %+v", s.Problems)
	}
	if !strings.Contains(strings.Join(s.Problems.Places, " "), "Bách Quang") {
		t.Errorf("the cluster at %q is not named: %v", w.ClusterPlace, s.Problems.Places)
	}
}

// Places names cells as the report does: a road and a residential group.
func TestPlacesNameCells(t *testing.T) {
	e := newEnv(t)
	w := e.loadDemo(1, planDay)
	v := url.Values{"unit": {"demo"}}
	for _, c := range w.ClusterCells {
		v.Add("cell", c)
	}
	r := e.as("analystall", http.MethodGet, "/api/v1/places?"+v.Encode(), nil)
	if r.status != http.StatusOK {
		t.Fatalf("places: %d %s", r.status, r.body)
	}
	var out struct {
		Places []struct {
			Cell, Title, Road, Description string
			Groups                         []string
		} `json:"places"`
	}
	r.json(t, &out)
	if len(out.Places) != len(w.ClusterCells) {
		t.Fatalf("%d places for %d cells", len(out.Places), len(w.ClusterCells))
	}
	for i, p := range out.Places {
		if p.Cell != w.ClusterCells[i] || p.Title == "" || len(p.Groups) == 0 || !strings.Contains(p.Title, p.Groups[0]) || !strings.Contains(p.Description, p.Road) {
			t.Errorf("place %+v", p)
		}
	}
	if !strings.Contains(out.Places[0].Title, "Bách Quang") {
		t.Errorf("the cluster cell is titled %q, not by its alley", out.Places[0].Title)
	}
	wantProblem(t, e.as("analystall", http.MethodGet, "/api/v1/places?unit=demo&cell=nothex", nil), http.StatusBadRequest, "cell")
	wantProblem(t, e.as("analystall", http.MethodGet, "/api/v1/places?unit=demo", nil), http.StatusBadRequest, "cell")
}
