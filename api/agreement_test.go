package api_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/demo/load"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// reportGapCells reads the count of cells never patrolled at night from an English report page.
var reportGapCells = regexp.MustCompile(`Cells never patrolled at night</td><td class="n">([0-9.,\s\x{00a0}\x{202f}]+)</td>`)

// TestGapModelAgrees: for the demo ward over several periods, the plan's gap cells
// (expected_gain.gap_cells over plan.gaps_from–plan.gaps_to), GET /api/v1/gaps with min_nights=1
// over that period and the report's count of cells never patrolled agree: the three answer from
// app/coverage's one gap model.
func TestGapModelAgrees(t *testing.T) {
	e := newEnv(t)
	w := e.loadDemo(1, planDay)
	cases := []struct {
		night  time.Time
		nights int
	}{
		{w.Day, 3},
		{w.Day, 14},
		{w.Day.AddDate(0, 0, -9), 30},
	}
	for _, tc := range cases {
		night := tc.night.Format(time.DateOnly)
		t.Run(night+"-"+strconv.Itoa(tc.nights), func(t *testing.T) {
			r := e.as("analystall", http.MethodGet, "/api/v1/plan?unit=demo&max_km=2&targets=3&night="+night+"&nights="+strconv.Itoa(tc.nights), nil)
			if r.status != http.StatusOK {
				t.Fatalf("plan: %d %s", r.status, r.body)
			}
			var p planAnswer
			r.json(t, &p)
			from, _ := p.Plan["gaps_from"].(string)
			to, _ := p.Plan["gaps_to"].(string)
			if want := tc.night.AddDate(0, 0, -tc.nights).Format(time.DateOnly); from != want || to != night {
				t.Fatalf("plan gaps period %q–%q, want %q–%q", from, to, want, night)
			}
			planCells := int(p.Plan["expected_gain"].(map[string]any)["gap_cells"].(float64))

			q := url.Values{"unit": {"demo"}, "from": {from}, "to": {to}, "min_nights": {"1"}}
			cells := 0
			for _, g := range getGaps(t, e, "analystall", q.Encode()) {
				if g.Kind == "cell" {
					cells++
				}
			}

			q = url.Values{"unit": {"demo"}, "from": {from}, "to": {to}, "lang": {"en"}}
			rep := e.as("analystall", http.MethodGet, "/api/v1/report?"+q.Encode(), nil)
			if rep.status != http.StatusOK {
				t.Fatalf("report: %d %s", rep.status, rep.body)
			}
			m := reportGapCells.FindSubmatch(rep.body)
			if m == nil {
				t.Fatal("the report states no count of cells never patrolled")
			}
			reported, err := strconv.Atoi(strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, string(m[1])))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s–%s: plan %d, /gaps %d, report %d gap cells", from, to, planCells, cells, reported)
			if planCells == 0 || planCells != cells || reported != cells {
				t.Errorf("gap cells disagree: plan %d, /gaps min_nights=1 %d, report %d", planCells, cells, reported)
			}
		})
	}
}

// complianceAnswer is what the key-area agreement reads of GET /api/v1/compliance.
type complianceAnswer struct {
	Features []struct {
		Properties struct {
			Name         string `json:"name"`
			NightsMet    int    `json:"nights_met"`
			NightsJudged int    `json:"nights_judged"`
			Nights       []struct {
				Date  string `json:"date"`
				Meets bool   `json:"meets"`
				Open  bool   `json:"open"`
			} `json:"nights"`
		} `json:"properties"`
	} `json:"features"`
	Query   map[string]any `json:"query"`
	Overall struct {
		Met    int `json:"area_nights_met"`
		Judged int `json:"area_nights_judged"`
		Nights int `json:"area_nights"`
	} `json:"overall"`
}

// TestKeyAreaNightsAgree: at 02:30 in the night of 15 March, tonight under way (the demo holds
// the fixes recorded until then), the report (format=json), GET /api/v1/compliance and the
// summary strip count the same key-area nights judged and met, area by area for the first two,
// over two periods through tonight and one before it; tonight is open for the areas not met yet
// (some, not all), and the night board says pending or overdue for exactly those.
func TestKeyAreaNightsAgree(t *testing.T) {
	now := time.Date(2025, 3, 15, 19, 30, 0, 0, time.UTC) // 02:30 ICT on the 16th, in the night of the 15th
	e := newEnvWithStore(t, storetest.New(t), api.Config{Now: func() time.Time { return now }})
	// Loaded as make demo loads it at that moment: its last night is the 15th's, as far as it
	// has gone.
	w, err := demo.Generate(2, now) // seed 2: three shifts that night, one over by 02:30, two under way
	if err != nil {
		t.Fatal(err)
	}
	w.Until = now
	if _, err := load.Demo(context.Background(), e.store, w); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		from, to string
		tonight  bool // the period's last night is tonight
	}{
		{"2025-02-14", "2025-03-16", true},
		{"2025-03-09", "2025-03-16", true},
		{"2025-02-20", "2025-03-01", false},
	} {
		t.Run(tc.from+"_"+tc.to, func(t *testing.T) {
			q := url.Values{"unit": {"demo"}, "from": {tc.from}, "to": {tc.to}}
			var c complianceAnswer
			e.getJSON(t, "/api/v1/compliance?"+q.Encode(), &c)
			if c.Query["as_of"] != "2025-03-15T19:30:00Z" {
				t.Errorf("compliance as_of %v", c.Query["as_of"])
			}
			byName := map[string][2]int{}
			met, judged, open, nights := 0, 0, 0, 0
			var openAreas []string
			for _, f := range c.Features {
				p := f.Properties
				byName[p.Name] = [2]int{p.NightsMet, p.NightsJudged}
				met, judged, nights = met+p.NightsMet, judged+p.NightsJudged, nights+len(p.Nights)
				areaOpen := 0
				for i, n := range p.Nights {
					if n.Open && (n.Meets || i != len(p.Nights)-1 || !tc.tonight) {
						t.Errorf("%s: night %s open (meets %v), only tonight unmet may be", p.Name, n.Date, n.Meets)
					}
					if n.Open {
						areaOpen++
						openAreas = append(openAreas, p.Name)
					}
				}
				if p.NightsJudged != len(p.Nights)-areaOpen {
					t.Errorf("%s: %d nights judged of %d with %d open", p.Name, p.NightsJudged, len(p.Nights), areaOpen)
				}
				open += areaOpen
			}
			if c.Overall.Met != met || c.Overall.Judged != judged || c.Overall.Nights != nights {
				t.Errorf("overall %+v; areas sum to met %d judged %d nights %d", c.Overall, met, judged, nights)
			}
			if tc.tonight != (open > 0) || (tc.tonight && open == len(c.Features)) {
				t.Fatalf("%d of %d areas open tonight; want some but not all through tonight, none before", open, len(c.Features))
			}

			var rep struct {
				KeyAreas []struct {
					Name           string `json:"name"`
					NightsMet      int    `json:"nights_met"`
					NightsRequired int    `json:"nights_required"`
				} `json:"key_areas"`
			}
			q.Set("format", "json")
			e.getJSON(t, "/api/v1/report?"+q.Encode(), &rep)
			if len(rep.KeyAreas) != len(c.Features) {
				t.Fatalf("report %d key areas, /compliance %d", len(rep.KeyAreas), len(c.Features))
			}
			for _, k := range rep.KeyAreas {
				if got := byName[k.Name]; got != [2]int{k.NightsMet, k.NightsRequired} {
					t.Errorf("%s: report %d of %d nights, /compliance %d of %d", k.Name, k.NightsMet, k.NightsRequired, got[0], got[1])
				}
			}

			var s struct {
				KeyAreas struct {
					NightsJudged int `json:"nights_judged"`
					NightsMet    int `json:"nights_met"`
				} `json:"key_areas"`
			}
			q.Del("format")
			e.getJSON(t, "/api/v1/summary?"+q.Encode(), &s)
			if s.KeyAreas.NightsJudged != judged || s.KeyAreas.NightsMet != met {
				t.Errorf("summary %d of %d area-nights met, /compliance %d of %d", s.KeyAreas.NightsMet, s.KeyAreas.NightsJudged, met, judged)
			}
			t.Logf("%s–%s: %d of %d area-nights met, %d judged, %d open", tc.from, tc.to, met, nights, judged, open)

			if !tc.tonight {
				return
			}
			var board struct {
				Areas []struct {
					Name   string `json:"name"`
					Status string `json:"status"`
				} `json:"areas"`
			}
			e.getJSON(t, "/api/v1/night?unit=demo&night=2025-03-15", &board)
			var pending []string
			for _, a := range board.Areas {
				if a.Status == "pending" || a.Status == "overdue" {
					pending = append(pending, a.Name)
				} else if a.Status != "met" {
					t.Errorf("board: %s is %s before the night is over", a.Name, a.Status)
				}
			}
			slices.Sort(pending)
			slices.Sort(openAreas)
			if !slices.Equal(pending, openAreas) {
				t.Errorf("board pending or overdue %v, /compliance open tonight %v", pending, openAreas)
			}
		})
	}
}

// getJSON reads a 200 JSON answer as analystall.
func (e *testEnv) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	r := e.as("analystall", http.MethodGet, path, nil)
	if r.status != http.StatusOK {
		t.Fatalf("%s: %d %s", path, r.status, r.body)
	}
	r.json(t, v)
}
