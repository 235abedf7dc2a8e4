package api_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
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
