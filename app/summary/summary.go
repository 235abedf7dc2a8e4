// Package summary is the chief's first screen in four numbers — nights patrolled, key areas
// met, cells never patrolled, problem hotspots — computed the way the report computes them:
// the one gap model (app/coverage), the report's place index and its verdict rule
// (app/reporting).
package summary

import (
	"context"
	"regexp"
	"slices"
	"time"

	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/app/reporting"
	"github.com/patrolmap/patrolmap/app/unit"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/report"
)

// Store is what the summary reads: the report's storage, which holds the gap model's.
type Store = reporting.Repository

// KeyAreas is how the key areas fared.
type KeyAreas struct {
	Total        int      `json:"total"`
	MetEvery     int      `json:"met_every_night"` // missed no night of the period (open nights are not judged)
	LastNight    string   `json:"last_night"`      // the period's last night that is over, YYYY-MM-DD ("" when none)
	MetLastNight int      `json:"met_last_night"`
	Below        []string `json:"below"` // names of the areas that missed some night, most missed first
	// NightsJudged and NightsMet sum the areas' nights judged and met (coverage.Tally), as
	// /compliance's overall and the report's key-area table count them.
	NightsJudged int `json:"nights_judged"`
	NightsMet    int `json:"nights_met"`
	// Tonight is the period's first night not over at the clock's reading — the night under way,
	// or by day the coming one — YYYY-MM-DD ("" when every night is over): MetTonight areas met
	// it already, OpenTonight have not yet (open, not judged; none of them is missed).
	Tonight     string `json:"tonight"`
	MetTonight  int    `json:"met_tonight"`
	OpenTonight int    `json:"open_tonight"`
}

// Hotspots are the problem hotspots of the report's verdict (reporting.Judge).
type Hotspots struct {
	Count  int      `json:"count"`
	Places []string `json:"places"`
}

// Summary is the summary of a unit's period.
type Summary struct {
	Res             int // the H3 resolution of the gap model
	Nights          int // nights of the period
	NightsPatrolled int // nights with coverage (a valid segment of some device)
	KeyAreas        KeyAreas
	NeverPatrolled  int            // study cells never visited at night
	NeverGroups     map[string]int // residential group → its never-patrolled cells
	GapCells        int            // gap cells at min_nights 1 (equal to NeverPatrolled)
	Hotspots        Hotspots
}

// Summarise sums up unit u over the nights of nightP and the incidents of allP (the same
// dates, whole days), as of now, in lang. A key area's night still open at now (not over, not
// met yet: coverage.OpenAt) is not judged: tonight's requirement can still be met.
func Summarise(ctx context.Context, db Store, u patrol.Unit, nightP, allP geo.Period, now time.Time, lang string) (Summary, error) {
	a, err := coverage.FindGaps(ctx, db, u, nightP, 1, now)
	if err != nil {
		return Summary{}, err
	}
	out := Summary{Res: a.Res, Nights: len(a.Nights), GapCells: len(a.Cells)}
	if out.NightsPatrolled, err = nightsPatrolled(ctx, db, u, a, nightP); err != nil {
		return Summary{}, err
	}
	out.KeyAreas = keyAreas(a, lastNightOver(u, a, nightP, now))
	pl, err := reporting.LoadPlaces(ctx, db, u, a, allP)
	if err != nil {
		return Summary{}, err
	}
	out.NeverPatrolled, out.NeverGroups = neverPatrolled(a, pl)
	svc := reporting.Service{Repo: db, Now: func() time.Time { return now }}
	problems, err := svc.ProblemHotspots(ctx, u, a, allP, pl, lang)
	if err != nil {
		return Summary{}, err
	}
	out.Hotspots = Hotspots{Count: len(problems), Places: []string{}}
	for _, h := range problems {
		out.Hotspots.Places = append(out.Hotspots.Places, hotspotPlace(h))
	}
	return out, nil
}

// nightsPatrolled counts the nights of a with coverage, read from the coverage rollups (the
// report's PatrolSummary reads every fix, seconds for a month).
func nightsPatrolled(ctx context.Context, db Store, u patrol.Unit, a *coverage.Gaps, nightP geo.Period) (int, error) {
	visits, err := db.CoverageVisits(ctx, u.ID, 0, a.Res, geo.WindowNight, nightP, nil)
	if err != nil {
		return 0, err
	}
	patrolled := map[geo.Date]bool{}
	for _, v := range visits {
		for _, d := range v.Nights {
			patrolled[d] = true
		}
	}
	n := 0
	for _, d := range a.Nights {
		if patrolled[d] {
			n++
		}
	}
	return n, nil
}

// lastNightOver returns the index in a.Nights of the last night of nightP that is over by now
// (tonight's is still to come), or -1.
func lastNightOver(u patrol.Unit, a *coverage.Gaps, nightP geo.Period, now time.Time) int {
	last := -1
	for i, p := range unit.NightWindow(u).Periods(nightP, unit.Location(u), geo.WindowNight) {
		if !p.To.After(now) && i < len(a.Nights) {
			last = i
		}
	}
	return last
}

// keyAreas tells how the key areas of a fared, their open nights marked: missed nights (over
// without the requirement) over the period, the night at index last (the last one over) and the
// night after it, tonight's, so far.
func keyAreas(a *coverage.Gaps, last int) KeyAreas {
	t := coverage.TallyOf(a.Areas)
	ka := KeyAreas{Total: len(a.Areas), Below: []string{}, NightsJudged: t.Judged, NightsMet: t.Met}
	if last >= 0 {
		ka.LastNight = a.Nights[last].String()
	}
	tonight := last + 1
	if tonight < len(a.Nights) {
		ka.Tonight = a.Nights[tonight].String()
	}
	for i := range a.Areas {
		ar := &a.Areas[i]
		if ar.Missed() == 0 {
			ka.MetEvery++
		}
		if last >= 0 && last < len(ar.Nights) && ar.Nights[last].Meets {
			ka.MetLastNight++
		}
		if tonight < len(ar.Nights) {
			switch ar.Nights[tonight].State() {
			case coverage.NightMet:
				ka.MetTonight++
			case coverage.NightOpen:
				ka.OpenTonight++
			}
		}
	}
	below := slices.Clone(a.Areas)
	slices.SortStableFunc(below, func(x, y coverage.KeyArea) int { return y.Missed() - x.Missed() })
	for i := range below {
		if below[i].Missed() > 0 {
			ka.Below = append(ka.Below, below[i].Area.Name)
		}
	}
	return ka
}

// neverPatrolled counts the study cells of a never visited, and them per residential group.
func neverPatrolled(a *coverage.Gaps, pl *reporting.Places) (int, map[string]int) {
	never, groups := 0, map[string]int{}
	for _, g := range a.Cells {
		if a.Visited[g.Cell] == 0 {
			never++
			for _, name := range pl.GroupsOf([]h3.Cell{g.Cell}) {
				groups[name]++
			}
		}
	}
	return never, groups
}

// hotspotPlace names a problem hotspot: its nearest road (without the report's distance) and
// its first residential group.
func hotspotPlace(cl report.ProblemHotspot) string {
	near := metresSuffix.ReplaceAllString(cl.Near, "")
	switch {
	case len(cl.Groups) > 0 && near != "":
		return near + ", " + cl.Groups[0]
	case len(cl.Groups) > 0:
		return cl.Groups[0]
	}
	return near
}

// metresSuffix is the " (12 m)" the report puts after a road's name.
var metresSuffix = regexp.MustCompile(` \(\d+ m\)$`)
