package reporting

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/report/reporttest"
)

// fakeRepo is an in-memory Repository and ArchiveStore: a 2 km square ward with the incidents,
// visits and nights with fixes it is given.
type fakeRepo struct {
	unit         patrol.Unit
	incidents    []patrol.Incident
	visits       []geo.CellVisit
	areas        []patrol.Area
	nightsFixed  int
	settings     Settings
	archived     []patrol.ReportSnapshot
	settingsRead int
}

func newFakeRepo(t *testing.T) *fakeRepo {
	t.Helper()
	sq := orb.Polygon{{{105.830, 21.020}, {105.848, 21.020}, {105.848, 21.036}, {105.830, 21.036}, {105.830, 21.020}}}
	b, err := geojson.NewGeometry(orb.MultiPolygon{sq}).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return &fakeRepo{unit: patrol.Unit{ID: 7, Code: "p7", Name: "Phường Bảy", TimeZone: "Asia/Ho_Chi_Minh", Boundary: b,
		NightStart: "22:00", NightEnd: "05:00", H3Res: 10}, settings: DefaultSettings()}
}

func (f *fakeRepo) UnitByCode(_ context.Context, code string) (patrol.Unit, error) {
	if code != f.unit.Code {
		return patrol.Unit{}, patrol.ErrNotFound
	}
	return f.unit, nil
}
func (f *fakeRepo) UnitByID(context.Context, int) (patrol.Unit, error) { return f.unit, nil }
func (f *fakeRepo) ReportSettings(context.Context, int) (Settings, error) {
	f.settingsRead++
	return f.settings, nil
}
func (f *fakeRepo) CoverageVisits(_ context.Context, _, _, _ int, _ geo.Window, p geo.Period, _ []h3.Cell) ([]geo.CellVisit, error) {
	var out []geo.CellVisit
	for _, v := range f.visits {
		if !v.Enter.Before(p.From) && v.Enter.Before(p.To) {
			out = append(out, v)
		}
	}
	return out, nil
}
func (f *fakeRepo) ListIncidents(_ context.Context, _ int, from, to time.Time, _ bool) ([]patrol.Incident, error) {
	var out []patrol.Incident
	for _, in := range f.incidents {
		if !in.Time.Before(from) && in.Time.Before(to) {
			out = append(out, in)
		}
	}
	return out, nil
}
func (f *fakeRepo) ListAreas(context.Context, int, string) ([]patrol.Area, error) {
	return f.areas, nil
}
func (f *fakeRepo) ListRoads(context.Context, int) ([]patrol.Road, error) { return nil, nil }
func (f *fakeRepo) PatrolSummary(_ context.Context, _ int, nights []geo.Period) (patrol.PatrolSummary, error) {
	return patrol.PatrolSummary{NightsWithFixes: min(f.nightsFixed, len(nights)), NightsPatrolled: min(f.nightsFixed, len(nights))}, nil
}
func (f *fakeRepo) MockFixCounts(context.Context, int, time.Time, time.Time) ([]patrol.DeviceFixCount, error) {
	return nil, nil
}
func (f *fakeRepo) IncidentCounts(_ context.Context, _ int, from, to time.Time) ([]patrol.IncidentCount, error) {
	by := map[string]int{}
	for _, in := range f.incidents {
		if !in.Time.Before(from) && in.Time.Before(to) {
			by[in.Category]++
		}
	}
	var out []patrol.IncidentCount
	for _, c := range patrol.Categories {
		out = append(out, patrol.IncidentCount{Category: c, Count: by[c]})
	}
	return out, nil
}

// IncidentCube bins the incidents over the study cells, as the store does.
func (f *fakeRepo) IncidentCube(_ context.Context, _ int, res int, bounds []time.Time, _ []string, _ int) ([]h3.Cell, [][]float64, error) {
	g, err := geojson.UnmarshalGeometry(f.unit.Boundary)
	if err != nil {
		return nil, nil, err
	}
	cells, err := geo.StudyCells(g.Geometry(), res)
	if err != nil {
		return nil, nil, err
	}
	counts := make([][]float64, len(bounds)-1)
	for i := range counts {
		counts[i] = make([]float64, len(cells))
		for _, in := range f.incidents {
			c, _ := geo.CellOf(orb.Point{in.Lon, in.Lat}, res)
			if j := slices.Index(cells, c); j >= 0 && !in.Time.Before(bounds[i]) && in.Time.Before(bounds[i+1]) {
				counts[i][j]++
			}
		}
	}
	return cells, counts, nil
}

func (f *fakeRepo) ArchiveReport(_ context.Context, unitID, year int, build func(int) (patrol.ReportSnapshot, error)) (patrol.ReportSnapshot, error) {
	n := 1
	for _, r := range f.archived {
		if r.UnitID == unitID && r.Year == year {
			n = max(n, r.Number+1)
		}
	}
	r, err := build(n)
	if err != nil {
		return r, err
	}
	sum := sha256.Sum256(r.Content)
	r.ID, r.Year, r.Number, r.SHA256, r.CreatedAt = int64(len(f.archived)+1), year, n, sum[:], r.Cutoff
	f.archived = append(f.archived, r)
	return r, nil
}

func (f *fakeRepo) ReportBySHA256(_ context.Context, sum []byte) (patrol.ReportSnapshot, error) {
	for _, r := range f.archived {
		if bytes.Equal(r.SHA256, sum) {
			return r, nil
		}
	}
	return patrol.ReportSnapshot{}, patrol.ErrNotFound
}

// drugsAt adds n drug incidents at the ward's centre on the given local days of November 2026.
func (f *fakeRepo) drugsAt(days ...int) {
	for _, d := range days {
		f.incidents = append(f.incidents, patrol.Incident{ID: int64(len(f.incidents) + 1), UnitID: 7, Lat: 21.028, Lon: 105.839,
			Time: time.Date(2026, 11, d, 23, 0, 0, 0, hcm), Category: "drugs", Severity: 3, Status: patrol.StatusOpen})
	}
}

func TestServiceBuild(t *testing.T) {
	clock := time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	req := Request{Unit: "p7", From: "2026-11-01", To: "2026-12-01"}
	cases := []struct {
		name    string
		setup   func(f *fakeRepo)
		verdict string
	}{
		{"empty period, no patrols: insufficient", func(*fakeRepo) {}, VerdictInsufficient},
		{"one incident, patrolled: pass", func(f *fakeRepo) { f.nightsFixed = 30; f.drugsAt(5) }, VerdictPass},
		{"six drug incidents on one night: pass", func(f *fakeRepo) { f.nightsFixed = 30; f.drugsAt(5, 5, 5, 5, 5, 5) }, VerdictPass},
		{"six drug incidents on four weeks: fail", func(f *fakeRepo) { f.nightsFixed = 30; f.drugsAt(1, 2, 9, 16, 17, 23) }, VerdictFail},
		{"fourteen nights of thirty patrolled: insufficient", func(f *fakeRepo) { f.nightsFixed = 14 }, VerdictInsufficient},
		{"fifteen nights of thirty patrolled: pass", func(f *fakeRepo) { f.nightsFixed = 15 }, VerdictPass},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeRepo(t)
			tc.setup(f)
			svc := &Service{Repo: f, Now: now, Version: "test"}
			d, err := svc.Build(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if d.Verdict.Value != tc.verdict || d.Content.Verdict != tc.verdict {
				t.Fatalf("verdict %s (content %s), want %s", d.Verdict.Value, d.Content.Verdict, tc.verdict)
			}
			html, sum, err := d.Render("")
			if err != nil {
				t.Fatal(err)
			}
			if v, _, _ := reporttest.Verdict(html); v != tc.verdict {
				t.Errorf("page verdict %s", v)
			}
			if !bytes.Contains(html, []byte(sum)) || !bytes.Contains(html, []byte("đến hết ngày 30/11/2026")) {
				t.Error("the page lacks its content hash or the inclusive last day 30/11/2026")
			}
			if d.Content.Cutoff != "2026-12-07T09:30:00Z" || d.Content.Period.LastDay != "2026-11-30" || d.Content.Nights != 30 {
				t.Errorf("content cut-off %s, last day %s, nights %d", d.Content.Cutoff, d.Content.Period.LastDay, d.Content.Nights)
			}
			if tc.verdict == VerdictFail {
				h := d.Content.ProblemHotspots
				if len(h) != 1 || h[0].Group != GroupDrugs || h[0].Incidents != 6 || h[0].Weeks != 4 || h[0].Z != nil {
					t.Errorf("problem hotspots %+v", h)
				}
				if len(d.Content.Comparison.New) != 1 || len(d.Content.Comparison.Resolved) != 0 {
					t.Errorf("comparison %+v", d.Content.Comparison)
				}
			}
		})
	}
}

func TestServiceComparesWithThePreviousPeriod(t *testing.T) {
	f := newFakeRepo(t)
	f.nightsFixed = 30
	f.drugsAt(1, 2, 9, 16, 17, 23) // November: a drugs problem hotspot
	svc := &Service{Repo: f, Now: func() time.Time { return time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC) }}
	d, err := svc.Build(context.Background(), Request{Unit: "p7", From: "2026-12-01", To: "2026-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	c := d.Content.Comparison
	if d.Verdict.Value != VerdictPass || len(c.Resolved) != 1 || len(c.New) != 0 || len(c.Persisting) != 0 {
		t.Fatalf("verdict %s, comparison %+v", d.Verdict.Value, c)
	}
	if c.PreviousFrom != "2026-10-31T17:00:00Z" || c.PreviousTo != "2026-11-30T17:00:00Z" {
		t.Errorf("previous period %s – %s, want the 30 days before 1 December", c.PreviousFrom, c.PreviousTo)
	}
	// The same place keeps its problem in December: it persists.
	for _, day := range []int{2, 9, 16, 23, 24} {
		f.incidents = append(f.incidents, patrol.Incident{ID: int64(100 + day), Lat: 21.028, Lon: 105.839, Category: "drugs",
			Time: time.Date(2026, 12, day, 23, 0, 0, 0, hcm), Status: patrol.StatusOpen})
	}
	d, err = svc.Build(context.Background(), Request{Unit: "p7", From: "2026-12-01", To: "2026-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	if c := d.Content.Comparison; d.Verdict.Value != VerdictFail || len(c.Persisting) != 1 || len(c.New) != 0 || len(c.Resolved) != 0 {
		t.Fatalf("verdict %s, comparison %+v", d.Verdict.Value, c)
	}
}

func TestServiceArchiveAndVerify(t *testing.T) {
	f := newFakeRepo(t)
	f.nightsFixed = 30
	f.settings.NumberSuffix = "CAP"
	f.settings.Recipients = []string{"Công an TP. Sông Công", "Đảng ủy phường"}
	svc := &Service{Repo: f, Now: func() time.Time { return time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC) }}
	var snaps []patrol.ReportSnapshot
	for i := 0; i < 2; i++ {
		d, err := svc.Build(context.Background(), Request{Unit: "p7", From: "2026-11-01", To: "2026-12-01"})
		if err != nil {
			t.Fatal(err)
		}
		s, err := svc.Archive(context.Background(), f, d, patrol.User{ID: 3, Username: "chief"})
		if err != nil {
			t.Fatal(err)
		}
		snaps = append(snaps, s)
	}
	for i, s := range snaps {
		want := []string{"1/BC-CAP", "2/BC-CAP"}[i]
		sum := hex.EncodeToString(s.SHA256)
		if s.NumberText != want || !bytes.Contains(s.HTML, []byte("Số: "+want)) || !bytes.Contains(s.HTML, []byte(sum)) {
			t.Errorf("report %d: number %q, hash printed %v", i, s.NumberText, bytes.Contains(s.HTML, []byte(sum)))
		}
		var c Content
		if err := json.Unmarshal(s.Content, &c); err != nil || c.Number == nil || *c.Number != want {
			t.Errorf("content number: %v %v", err, c.Number)
		}
		if !bytes.Contains(s.HTML, []byte("Đảng ủy phường")) {
			t.Error("the recipients are not printed")
		}
		v, err := Verify(context.Background(), f, f, strings.ToUpper(sum))
		if err != nil || v.Number != want || v.Unit != "p7" || v.LastDay != "2026-11-30" || v.From != "2026-11-01" {
			t.Errorf("verify: %+v %v", v, err)
		}
	}
	if bytes.Equal(snaps[0].SHA256, snaps[1].SHA256) {
		t.Error("two numbers, one hash")
	}
	if _, err := Verify(context.Background(), f, f, strings.Repeat("0", 64)); !errors.Is(err, patrol.ErrNotFound) {
		t.Errorf("unknown hash: %v", err)
	}
	var fe *patrol.FieldError
	if _, err := Verify(context.Background(), f, f, "abc"); !errors.As(err, &fe) || fe.Field != "sha256" {
		t.Errorf("malformed hash: %v", err)
	}
	// The year's numbering starts again in a new year.
	svc.Now = func() time.Time { return time.Date(2026, 12, 31, 17, 30, 0, 0, time.UTC) } // 00:30 on 1 January in Hà Nội
	d, err := svc.Build(context.Background(), Request{Unit: "p7", From: "2026-12-01", To: "2027-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := svc.Archive(context.Background(), f, d, patrol.User{ID: 3})
	if err != nil || s.NumberText != "1/BC-CAP" || s.Year != 2027 {
		t.Errorf("new year: %q %d %v", s.NumberText, s.Year, err)
	}
}

func TestServiceBadInput(t *testing.T) {
	f := newFakeRepo(t)
	svc := &Service{Repo: f, Now: time.Now}
	for _, tc := range []struct {
		req   Request
		field string
	}{
		{Request{Unit: "p7", From: "2026-11-01", To: "2026-12-01", Lang: "fr"}, "lang"},
		{Request{Unit: "p7", To: "2026-12-01"}, "from"},
		{Request{Unit: "p7", From: "2026-11-01"}, "to"},
		{Request{Unit: "p7", From: "2026-12-01", To: "2026-11-01"}, "to"},
		{Request{Unit: "p7", From: "2020-01-01", To: "2026-11-01"}, "to"},
		{Request{From: "2026-11-01", To: "2026-12-01"}, "unit"},
	} {
		_, err := svc.Build(context.Background(), tc.req)
		var fe *patrol.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%+v: %v, want a field error on %s", tc.req, err, tc.field)
		}
	}
	if _, err := svc.Build(context.Background(), Request{Unit: "nope", From: "2026-11-01", To: "2026-12-01"}); !errors.Is(err, patrol.ErrNotFound) {
		t.Errorf("unknown unit: %v", err)
	}
	if f.settingsRead != 0 {
		t.Error("settings read for a refused request")
	}
}

// oneCellRepo is the fake ward whose incident study area holds a single cell.
type oneCellRepo struct{ *fakeRepo }

func (r oneCellRepo) IncidentCube(ctx context.Context, unitID, res int, bounds []time.Time, cats []string, minSeverity int) ([]h3.Cell, [][]float64, error) {
	cells, counts, err := r.fakeRepo.IncidentCube(ctx, unitID, res, bounds, cats, minSeverity)
	if err != nil || len(cells) == 0 {
		return cells, counts, err
	}
	for t := range counts {
		counts[t] = counts[t][:1]
	}
	return cells[:1], counts, nil
}

// TestServiceTooFewCells: when Gi* cannot run the report says why without naming a field the
// caller never gave (the hot spots use case names res, which a report does not take).
func TestServiceTooFewCells(t *testing.T) {
	svc := &Service{Repo: oneCellRepo{newFakeRepo(t)}, Now: time.Now}
	_, err := svc.Build(context.Background(), Request{Unit: "p7", From: "2026-11-01", To: "2026-12-01"})
	var in *geo.AnalysisInputError
	if !errors.As(err, &in) || !strings.Contains(in.Msg, "1 cell") {
		t.Errorf("one study cell: %v, want an analysis input error", err)
	}
}

// TestServiceTonightIsNotMissedYet reports through today on a key area visited every night
// but tonight: before tonight's shift is over, tonight is not judged (29 of 29 nights, the line
// passes); once it is over unvisited, it is a missed night (29 of 30); met early, it counts.
func TestServiceTonightIsNotMissedYet(t *testing.T) {
	const lat, lon = 21.028, 105.839
	cell, err := geo.CellOf(orb.Point{lon, lat}, 10)
	if err != nil {
		t.Fatal(err)
	}
	const d = 0.0003
	square := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}`,
		lon-d, lat-d, lon+d, lat-d, lon+d, lat+d, lon-d, lat+d, lon-d, lat-d)
	visit := func(night geo.Date) geo.CellVisit {
		enter := night.At(geo.Clock(23*60), hcm)
		return geo.CellVisit{Device: "p1", Cell: cell, Enter: enter.UTC(), Leave: enter.Add(15 * time.Minute).UTC(), DwellS: 900,
			Nights: []geo.Date{night}}
	}
	req := Request{Unit: "p7", From: "2026-11-08", To: "2026-12-08"} // 30 nights, the last tonight (7 December)
	cases := []struct {
		name          string
		cutoff        time.Time
		tonightMet    bool
		met, required int
		pass          bool
	}{
		{"tonight not begun", time.Date(2026, 12, 7, 16, 30, 0, 0, hcm), false, 29, 29, true},
		{"tonight under way, not visited yet", time.Date(2026, 12, 8, 1, 0, 0, 0, hcm), false, 29, 29, true},
		{"tonight under way, met already", time.Date(2026, 12, 8, 1, 0, 0, 0, hcm), true, 30, 30, true},
		{"tonight over, never visited", time.Date(2026, 12, 8, 6, 0, 0, 0, hcm), false, 29, 30, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeRepo(t)
			f.nightsFixed = 30
			f.areas = []patrol.Area{{ID: 1, UnitID: 7, Kind: patrol.KindKeyArea, Name: "Chợ Bảy", Geometry: []byte(square),
				RequiredNightVisits: 1, MinDwellMin: 10}}
			first, _ := geo.ParseDate("2026-11-08")
			for i := 0; i < 29; i++ {
				f.visits = append(f.visits, visit(first.AddDays(i)))
			}
			if tc.tonightMet {
				f.visits = append(f.visits, visit(first.AddDays(29)))
			}
			svc := &Service{Repo: f, Now: func() time.Time { return tc.cutoff }, Version: "test"}
			dr, err := svc.Build(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			k := dr.Content.KeyAreas
			if len(k) != 1 || k[0].NightsMet != tc.met || k[0].NightsRequired != tc.required || dr.Content.KeyAreasPass != tc.pass {
				t.Fatalf("key areas %+v, pass %v; want %d of %d nights, pass %v", k, dr.Content.KeyAreasPass, tc.met, tc.required, tc.pass)
			}
		})
	}
}
