package api_test

import (
	"context"
	"fmt"
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
			// The period: the look-back's nights and the planned night itself.
			want, wantTo := tc.night.AddDate(0, 0, -tc.nights).Format(time.DateOnly), tc.night.AddDate(0, 0, 1).Format(time.DateOnly)
			if from != want || to != wantTo {
				t.Fatalf("plan gaps period %q–%q, want %q–%q", from, to, want, wantTo)
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
// the fixes recorded until then), the report (format=json), GET /api/v1/compliance, the summary
// strip, GET /api/v1/gaps and the plan count the same key-area nights judged and met, area by
// area, over two periods through tonight and one before it; tonight is open for the areas not
// met yet (some, not all), the night board says pending or overdue for exactly those, /gaps
// counts none of them missed for it and names it apart, and the plan for the night in progress
// (as the map asks for it after midnight) makes exactly the areas that have not met it yet its
// key-area targets, with the board's status, and counts the others met tonight — done, no stop,
// whatever their nights before. At 05:00, the night over with no more fixes, the same areas have
// missed it, in every answer alike.
func TestKeyAreaNightsAgree(t *testing.T) {
	inside := time.Date(2025, 3, 15, 19, 30, 0, 0, time.UTC) // 02:30 ICT on the 16th, in the night of the 15th
	now := inside
	e := newEnvWithStore(t, storetest.New(t), api.Config{Now: func() time.Time { return now }})
	// Loaded as make demo loads it at that moment: its last night is the 15th's, as far as it
	// has gone.
	w, err := demo.Generate(2, inside) // seed 2: three shifts that night, one over by 02:30, two under way
	if err != nil {
		t.Fatal(err)
	}
	w.Until = inside
	if _, err := load.Demo(context.Background(), e.store, w); err != nil {
		t.Fatal(err)
	}
	var openInside []string // the areas open tonight at 02:30, over the first period
	for _, reading := range []struct {
		name string
		at   time.Time
	}{
		{"0230", inside},
		{"0500", time.Date(2025, 3, 15, 22, 0, 0, 0, time.UTC)}, // 05:00 ICT on the 16th: the night is over
	} {
		now = reading.at
		during := reading.at.Equal(inside)
		for _, tc := range []struct {
			from, to string
			tonight  bool // the period's last night is tonight
		}{
			{"2025-02-14", "2025-03-16", true},
			{"2025-03-09", "2025-03-16", true},
			{"2025-02-20", "2025-03-01", false},
		} {
			t.Run(reading.name+"_"+tc.from+"_"+tc.to, func(t *testing.T) {
				q := url.Values{"unit": {"demo"}, "from": {tc.from}, "to": {tc.to}}
				var c complianceAnswer
				e.getJSON(t, "/api/v1/compliance?"+q.Encode(), &c)
				if want := rfc3339UTC(reading.at); c.Query["as_of"] != want {
					t.Errorf("compliance as_of %v, want %s", c.Query["as_of"], want)
				}
				byName := map[string]areaNights{}
				lastMet := map[string]bool{} // the areas that met the period's last night
				met, judged, open, nights := 0, 0, 0, 0
				var openAreas []string
				for _, f := range c.Features {
					p := f.Properties
					met, judged, nights = met+p.NightsMet, judged+p.NightsJudged, nights+len(p.Nights)
					an := areaNights{Met: p.NightsMet, Judged: p.NightsJudged}
					lastMet[p.Name] = len(p.Nights) > 0 && p.Nights[len(p.Nights)-1].Meets
					for i, n := range p.Nights {
						if n.Open && (n.Meets || i != len(p.Nights)-1 || !tc.tonight || !during) {
							t.Errorf("%s: night %s open (meets %v), only tonight unmet while it runs may be", p.Name, n.Date, n.Meets)
						}
						if n.Open {
							an.Open = append(an.Open, n.Date)
							openAreas = append(openAreas, p.Name)
						}
					}
					if p.NightsJudged != len(p.Nights)-len(an.Open) {
						t.Errorf("%s: %d nights judged of %d with %d open", p.Name, p.NightsJudged, len(p.Nights), len(an.Open))
					}
					open += len(an.Open)
					byName[p.Name] = an
				}
				if c.Overall.Met != met || c.Overall.Judged != judged || c.Overall.Nights != nights {
					t.Errorf("overall %+v; areas sum to met %d judged %d nights %d", c.Overall, met, judged, nights)
				}
				if (tc.tonight && during) != (open > 0) || (open > 0 && open == len(c.Features)) {
					t.Fatalf("%d of %d areas open tonight; want some but not all through tonight while it runs, none else", open, len(c.Features))
				}
				switch {
				case during && tc.from == "2025-02-14":
					openInside = slices.Clone(openAreas)
				case !during && tc.from == "2025-02-14":
					// The areas open at 02:30 got no visit since: each has missed tonight now.
					for _, name := range openInside {
						if n := byName[name]; n.Judged != 30 || len(n.Open) != 0 {
							t.Errorf("%s at 05:00: %d nights judged, open %v; want all 30 judged", name, n.Judged, n.Open)
						}
					}
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
					if got := byName[k.Name]; got.Met != k.NightsMet || got.Judged != k.NightsRequired {
						t.Errorf("%s: report %d of %d nights, /compliance %d of %d", k.Name, k.NightsMet, k.NightsRequired, got.Met, got.Judged)
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

				below := checkGapsAgree(t, e, q, byName)
				t.Logf("%s %s–%s: %d of %d area-nights met, %d judged, %d open; /gaps %d key areas below", reading.name, tc.from, tc.to, met, nights, judged, open, below)

				var board struct {
					Areas []struct {
						Name   string `json:"name"`
						Status string `json:"status"`
					} `json:"areas"`
				}
				var boardOf map[string]string // the night board of the period's last night, when it is tonight
				if tc.tonight {
					e.getJSON(t, "/api/v1/night?unit=demo&night=2025-03-15", &board)
					boardOf = map[string]string{}
					for _, a := range board.Areas {
						boardOf[a.Name] = a.Status
					}
				}
				checkPlanAgrees(t, e, tc.from, tc.to, byName, lastMet, below, boardOf)

				if !tc.tonight || !during {
					return
				}
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
}

// areaNights is a key area's nights as /compliance counts them: met, judged, and the dates of
// the open ones.
type areaNights struct {
	Met, Judged int
	Open        []string
}

func rfc3339UTC(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// checkGapsAgree reads GET /api/v1/gaps for the period of q and checks each key area against
// /compliance (byName): listed exactly when it missed a judged night, with the same nights met,
// judged, missed and open, and a reason that counts judged nights and names an open one apart.
// It returns how many key areas /gaps lists.
func checkGapsAgree(t *testing.T, e *testEnv, q url.Values, byName map[string]areaNights) int {
	t.Helper()
	gq := url.Values{"unit": q["unit"], "from": q["from"], "to": q["to"], "min_nights": {"1"}, "lang": {"en"}}
	listed := map[string]gapProps{}
	for _, g := range getGaps(t, e, "analystall", gq.Encode()) {
		if g.Kind == "area" {
			listed[g.Name] = g
		}
	}
	for name, c := range byName {
		g, ok := listed[name]
		missed := c.Judged - c.Met
		if ok != (missed > 0) {
			t.Errorf("%s: /gaps lists it %v, /compliance says %d of %d judged nights missed", name, ok, missed, c.Judged)
			continue
		}
		if !ok {
			continue
		}
		if g.NightsMet != c.Met || g.NightsJudged != c.Judged || g.NightsMissed != missed || g.NightsOpen != len(c.Open) || !slices.Equal(g.OpenNights, c.Open) {
			t.Errorf("%s: /gaps met %d judged %d missed %d open %v; /compliance met %d judged %d open %v",
				name, g.NightsMet, g.NightsJudged, g.NightsMissed, g.OpenNights, c.Met, c.Judged, c.Open)
		}
		if want := fmt.Sprintf(" on %d of %d judged night", missed, c.Judged); !strings.Contains(g.Reason, want) {
			t.Errorf("%s: reason %q does not say%q", name, g.Reason, want)
		}
		if said := strings.Contains(g.Reason, "not over and not met yet, not counted"); said != (len(c.Open) > 0) {
			t.Errorf("%s: reason %q; open nights %v", name, g.Reason, c.Open)
		}
	}
	return len(listed)
}

// checkPlanAgrees asks for the plan of the night the period ends with (the night in progress at
// 02:30, as the map asks for it), looking back over the nights before it in the period, and
// checks its key-area counts and stops against /gaps (below), /compliance (byName, lastMet: the
// areas that met the period's last night) and, when board is not nil, the night board of that
// night at the same clock: below counts the areas /gaps lists, open those with a night not counted
// yet, due (and covered, the route being long enough) those that have not met the planned night,
// met those that have; each key-area stop is such an area, counts its nights as /compliance does
// and carries the board's status; the plan's met areas are the board's met ones.
func checkPlanAgrees(t *testing.T, e *testEnv, from, to string, byName map[string]areaNights, lastMet map[string]bool, below int, board map[string]string) {
	t.Helper()
	f, _ := time.Parse(time.DateOnly, from)
	l, _ := time.Parse(time.DateOnly, to)
	nights := int(l.Sub(f).Hours()/24) - 1
	planned := l.AddDate(0, 0, -1).Format(time.DateOnly)
	var p planAnswer
	e.getJSON(t, fmt.Sprintf("/api/v1/plan?unit=demo&night=%s&nights=%d&max_km=40&targets=3", planned, nights), &p)
	if p.Plan["gaps_from"] != from || p.Plan["gaps_to"] != to || p.Plan["night"] != planned {
		t.Fatalf("plan of night %v, period %v–%v, want %s, %s–%s", p.Plan["night"], p.Plan["gaps_from"], p.Plan["gaps_to"], planned, from, to)
	}
	open, due := 0, 0
	for name, c := range byName {
		if len(c.Open) > 0 {
			open++
		}
		if !lastMet[name] {
			due++
		}
	}
	gain := p.Plan["expected_gain"].(map[string]any)
	got := [5]int{int(gain["key_areas_below"].(float64)), int(gain["key_areas_open"].(float64)), int(gain["key_areas_due"].(float64)), int(gain["key_areas_covered"].(float64)), int(gain["key_areas_met"].(float64))}
	if want := [5]int{below, open, due, due, len(byName) - due}; got != want {
		t.Errorf("plan key areas below, open, due, covered, met %v; /gaps and /compliance say %v", got, want)
	}
	tonight := p.Plan["tonight"].(map[string]any)
	if tonight["night"] != planned || int(tonight["due"].(float64)) != due || int(tonight["met"].(float64)) != len(byName)-due {
		t.Errorf("plan tonight %v; want night %s, %d due, %d met", tonight, planned, due, len(byName)-due)
	}
	var metAreas []string
	for _, m := range tonight["met_areas"].([]any) {
		metAreas = append(metAreas, m.(map[string]any)["name"].(string))
		if board != nil && board[metAreas[len(metAreas)-1]] != "met" {
			t.Errorf("plan: %s met tonight; the board says %s", metAreas[len(metAreas)-1], board[metAreas[len(metAreas)-1]])
		}
	}
	stops := 0
	for _, st := range p.role("stop") {
		pr := st.Properties
		if pr["kind"] != "key_area" {
			continue
		}
		stops++
		name, _ := pr["name"].(string)
		c, ok := byName[name]
		if !ok {
			t.Errorf("plan stop %q is no key area of /compliance", name)
			continue
		}
		if int(pr["nights_met"].(float64)) != c.Met || int(pr["nights_judged"].(float64)) != c.Judged || int(pr["nights_open"].(float64)) != len(c.Open) ||
			int(pr["nights_missed"].(float64)) != c.Judged-c.Met || pr["below_requirement"] != (c.Judged > c.Met) {
			t.Errorf("plan stop %s: %v; /compliance met %d judged %d open %v", name, pr, c.Met, c.Judged, c.Open)
		}
		if lastMet[name] || pr["due_tonight"] != true || pr["met_tonight"] != false || slices.Contains(metAreas, name) {
			t.Errorf("plan stop %s met the planned night %v (/compliance %v): %v", name, pr["met_tonight"], lastMet[name], pr)
		}
		if board != nil && pr["night_status"] != board[name] {
			t.Errorf("plan stop %s: night_status %v, the board says %s", name, pr["night_status"], board[name])
		}
	}
	if board != nil && len(board) != len(byName) {
		t.Errorf("the board has %d key areas, /compliance %d", len(board), len(byName))
	}
	t.Logf("plan of %s: %d key areas due (%d stops), %d met: %v", planned, due, stops, len(metAreas), metAreas)
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
