package summary_test

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/apptest"
	"github.com/patrolmap/patrolmap/app/reporting"
	"github.com/patrolmap/patrolmap/app/summary"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/report"
)

// fakeStore is the in-memory store with the report's settings (the defaults).
type fakeStore struct{ apptest.Store }

func (f *fakeStore) UnitByCode(context.Context, string) (patrol.Unit, error) {
	return apptest.Unit(), nil
}
func (f *fakeStore) ReportSettings(context.Context, int) (reporting.Settings, error) {
	return reporting.DefaultSettings(), nil
}
func (f *fakeStore) PatrolSummary(context.Context, int, []geo.Period) (patrol.PatrolSummary, error) {
	return patrol.PatrolSummary{}, nil
}
func (f *fakeStore) MockFixCounts(context.Context, int, time.Time, time.Time) ([]patrol.DeviceFixCount, error) {
	return nil, nil
}
func (f *fakeStore) IncidentCounts(context.Context, int, time.Time, time.Time) ([]patrol.IncidentCount, error) {
	return nil, nil
}

var hcm = apptest.HCM

func march(d int) geo.Date { return geo.Date{Year: 2024, Month: 3, Day: d} }

// at is hour h of day d of March 2024, local time.
func at(d, h int) time.Time { return time.Date(2024, 3, d, h, 0, 0, 0, hcm) }

func allDays(from, to string) geo.Period {
	p, err := geo.ParsePeriod(from, to, hcm, geo.WindowAll, geo.DefaultNightWindow())
	if err != nil {
		panic(err)
	}
	return p
}

func TestSummarise(t *testing.T) {
	study := apptest.StudyCells()
	// market: a cell of residential group Tổ 1 (the west half), school: a cell east of it.
	var market, school h3.Cell
	for _, c := range study {
		centre, _ := geo.CellCentre(c)
		switch {
		case market == 0 && centre[0] < 105.852:
			market = c
		case school == 0 && centre[0] > 105.854:
			school = c
		}
	}
	areas := []patrol.Area{
		apptest.KeyAreaOn(1, "Chợ", market),
		apptest.KeyAreaOn(2, "Trường", school),
		apptest.GroupWest(),
	}
	roads := []patrol.Road{apptest.MiddleRoad()}
	westCells := 0
	for _, c := range study {
		if centre, _ := geo.CellCentre(c); centre[0] < apptest.MiddleLon {
			westCells++
		}
	}
	// Five thefts in the market cell on three distinct weeks: a problem hotspot by the count
	// rule (under 30 incidents Gi* is not run).
	var cluster []patrol.Incident
	for _, d := range []int{2, 3, 10, 11, 18} {
		cluster = append(cluster, apptest.IncidentAt(market, 3, patrol.StatusOpen, at(d, 21)))
	}
	tests := []struct {
		name      string
		visits    []geo.CellVisit
		incidents []patrol.Incident
		from, to  string
		now       time.Time
		want      summary.Summary
	}{
		{name: "no patrol: every study cell never patrolled, every key area below", from: "2024-03-01", to: "2024-03-04", now: at(5, 12),
			want: summary.Summary{Nights: 3, KeyAreas: summary.KeyAreas{Total: 2, LastNight: "2024-03-03", Below: []string{"Chợ", "Trường"}, NightsJudged: 6},
				NeverPatrolled: len(study), NeverGroups: map[string]int{"Tổ 1": westCells}, GapCells: len(study)}},
		{name: "market met every night, school on the first night only: school below", from: "2024-03-01", to: "2024-03-04", now: at(5, 12),
			visits: []geo.CellVisit{apptest.VisitOn(market, march(1)), apptest.VisitOn(market, march(2)), apptest.VisitOn(market, march(3)), apptest.VisitOn(school, march(1))},
			want: summary.Summary{Nights: 3, NightsPatrolled: 3, KeyAreas: summary.KeyAreas{Total: 2, MetEvery: 1, LastNight: "2024-03-03", MetLastNight: 1, Below: []string{"Trường"}, NightsJudged: 6, NightsMet: 4},
				NeverPatrolled: len(study) - 2, NeverGroups: map[string]int{"Tổ 1": westCells - 1}, GapCells: len(study) - 2}},
		{name: "tonight is not over: only the nights before it count", from: "2024-03-01", to: "2024-03-04", now: at(3, 23),
			visits: []geo.CellVisit{apptest.VisitOn(market, march(1)), apptest.VisitOn(school, march(1)), apptest.VisitOn(market, march(2))},
			want: summary.Summary{Nights: 3, NightsPatrolled: 2, KeyAreas: summary.KeyAreas{Total: 2, MetEvery: 1, LastNight: "2024-03-02", MetLastNight: 1, Below: []string{"Trường"}, NightsJudged: 4, NightsMet: 3,
				Tonight: "2024-03-03", OpenTonight: 2},
				NeverPatrolled: len(study) - 2, NeverGroups: map[string]int{"Tổ 1": westCells - 1}, GapCells: len(study) - 2}},
		{name: "tonight met early counts as met; unvisited tonight is not judged", from: "2024-03-01", to: "2024-03-04", now: at(3, 23),
			visits: []geo.CellVisit{apptest.VisitOn(market, march(1)), apptest.VisitOn(market, march(2)), apptest.VisitOn(market, march(3))},
			want: summary.Summary{Nights: 3, NightsPatrolled: 3, KeyAreas: summary.KeyAreas{Total: 2, MetEvery: 1, LastNight: "2024-03-02", MetLastNight: 1, Below: []string{"Trường"}, NightsJudged: 5, NightsMet: 3,
				Tonight: "2024-03-03", MetTonight: 1, OpenTonight: 1},
				NeverPatrolled: len(study) - 1, NeverGroups: map[string]int{"Tổ 1": westCells - 1}, GapCells: len(study) - 1}},
		{name: "before the first night ends no night is over", from: "2024-03-01", to: "2024-03-04", now: at(1, 23),
			visits: []geo.CellVisit{apptest.VisitOn(market, march(1))},
			want: summary.Summary{Nights: 3, NightsPatrolled: 1, KeyAreas: summary.KeyAreas{Total: 2, MetEvery: 2, Below: []string{}, NightsJudged: 1, NightsMet: 1,
				Tonight: "2024-03-01", MetTonight: 1, OpenTonight: 1},
				NeverPatrolled: len(study) - 1, NeverGroups: map[string]int{"Tổ 1": westCells - 1}, GapCells: len(study) - 1}},
		{name: "five thefts on three weeks in one cell: one problem hotspot", from: "2024-03-01", to: "2024-03-22", now: at(25, 12),
			incidents: cluster,
			want: summary.Summary{Nights: 21, KeyAreas: summary.KeyAreas{Total: 2, LastNight: "2024-03-21", Below: []string{"Chợ", "Trường"}, NightsJudged: 42},
				NeverPatrolled: len(study), NeverGroups: map[string]int{"Tổ 1": westCells}, GapCells: len(study),
				Hotspots: summary.Hotspots{Count: 1, Places: []string{"Đường Giữa, Tổ 1"}}}},
		{name: "four thefts: no problem hotspot", from: "2024-03-01", to: "2024-03-22", now: at(25, 12),
			incidents: cluster[:4],
			want: summary.Summary{Nights: 21, KeyAreas: summary.KeyAreas{Total: 2, LastNight: "2024-03-21", Below: []string{"Chợ", "Trường"}, NightsJudged: 42},
				NeverPatrolled: len(study), NeverGroups: map[string]int{"Tổ 1": westCells}, GapCells: len(study)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := &fakeStore{apptest.Store{Visits: tc.visits, Incidents: tc.incidents, Areas: areas, Roads: roads}}
			got, err := summary.Summarise(context.Background(), db, apptest.Unit(), apptest.Nights(tc.from, tc.to), allDays(tc.from, tc.to), tc.now, report.LangEN)
			if err != nil {
				t.Fatal(err)
			}
			w := tc.want
			w.Res = 10
			if w.Hotspots.Places == nil {
				w.Hotspots.Places = []string{}
			}
			if got.Res != w.Res || got.Nights != w.Nights || got.NightsPatrolled != w.NightsPatrolled || got.NeverPatrolled != w.NeverPatrolled || got.GapCells != w.GapCells {
				t.Errorf("res %d nights %d patrolled %d never %d gaps %d; want %d %d %d %d %d", got.Res, got.Nights, got.NightsPatrolled, got.NeverPatrolled, got.GapCells,
					w.Res, w.Nights, w.NightsPatrolled, w.NeverPatrolled, w.GapCells)
			}
			if !maps.Equal(got.NeverGroups, w.NeverGroups) {
				t.Errorf("never patrolled per group %v, want %v", got.NeverGroups, w.NeverGroups)
			}
			g, k := got.KeyAreas, w.KeyAreas
			if g.Total != k.Total || g.MetEvery != k.MetEvery || g.LastNight != k.LastNight || g.MetLastNight != k.MetLastNight || !slices.Equal(g.Below, k.Below) || g.Below == nil ||
				g.NightsJudged != k.NightsJudged || g.NightsMet != k.NightsMet || g.Tonight != k.Tonight || g.MetTonight != k.MetTonight || g.OpenTonight != k.OpenTonight {
				t.Errorf("key areas %+v, want %+v", g, k)
			}
			if got.Hotspots.Count != w.Hotspots.Count || !slices.Equal(got.Hotspots.Places, w.Hotspots.Places) {
				t.Errorf("hotspots %+v, want %+v", got.Hotspots, w.Hotspots)
			}
		})
	}
}
