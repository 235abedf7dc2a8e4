package planning_test

import (
	"testing"

	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/app/planning"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/report"
)

// TestStopWords checks that a plan's words follow the language asked for: Vietnamese by default,
// English on request, a key area's own name in both.
func TestStopWords(t *testing.T) {
	cell, err := h3.LatLngToCell(h3.NewLatLng(21.4705, 105.8512), 10)
	if err != nil {
		t.Fatal(err)
	}
	market := &coverage.KeyArea{Area: patrol.Area{Name: "Chợ trung tâm", Kind: patrol.KindKeyArea}}
	gapOnRoad := planning.Stop{Kind: planning.StopGap, Cell: cell, Road: "Ngõ 11 Lê Hồng Phong", Dwell: 0}
	gapOffRoad := planning.Stop{Kind: planning.StopGap, Cell: cell, Dwell: 2}
	// Two gap stops on one lane, as a plan makes them: told apart by their incidents.
	hit := planning.Stop{Kind: planning.StopGap, Cell: cell, Road: "Ngõ 11 Lê Hồng Phong", Dwell: 2, Unpatrolled: 14,
		Gap: &coverage.CellGap{Cell: cell, In: coverage.Incidents{Count: 2, Severity: 6}, Near: coverage.Incidents{Count: 2, Severity: 5}}}
	near := planning.Stop{Kind: planning.StopGap, Cell: cell, Road: "Ngõ 11 Lê Hồng Phong", Dwell: 2, Unpatrolled: 14,
		Gap: &coverage.CellGap{Cell: cell, Near: coverage.Incidents{Count: 1, Severity: 3}}}
	quiet := planning.Stop{Kind: planning.StopGap, Cell: cell, Dwell: 2, Unpatrolled: 1, Gap: &coverage.CellGap{Cell: cell}}
	area := planning.Stop{Kind: planning.StopKeyArea, Area: market, Dwell: 12}
	c := cell.String()
	tests := []struct {
		name     string
		stop     planning.Stop
		lang     string
		wantName string
		wantNote string
	}{
		{"start without an office, vi", planning.Stop{Kind: planning.StopStart}, report.LangVI, "Điểm xuất phát", ""},
		{"start without an office, en", planning.Stop{Kind: planning.StopStart}, report.LangEN, "Start", ""},
		{"start at the office, en", planning.Stop{Kind: planning.StopStart, Area: &coverage.KeyArea{Area: patrol.Area{Name: "Trụ sở Công an phường"}}}, report.LangEN, "Trụ sở Công an phường", ""},
		{"gap on a road, nothing known, vi", gapOnRoad, report.LangVI, "Ngõ 11 Lê Hồng Phong — chưa tuần tra", "Vùng chưa được tuần tra (ô H3 " + c + "); lưu lại 0 phút"},
		{"gap on a road, nothing known, en", gapOnRoad, report.LangEN, "Ngõ 11 Lê Hồng Phong — unpatrolled", "Coverage gap (H3 cell " + c + "); stay 0 min"},
		{"gap off the roads, nothing known, vi", gapOffRoad, report.LangVI, "Vùng chưa tuần tra (ô H3 " + c + ")", "Vùng chưa được tuần tra (ô H3 " + c + "); lưu lại 2 phút"},
		{"gap off the roads, nothing known, en", gapOffRoad, report.LangEN, "Cell unpatrolled (H3 " + c + ")", "Coverage gap (H3 cell " + c + "); stay 2 min"},
		{"gap with incidents in it, vi", hit, report.LangVI, "Ngõ 11 Lê Hồng Phong — chưa tuần tra 14 đêm, 2 vụ việc tại đây",
			"Vùng chưa được tuần tra (ô H3 " + c + "); số đêm chưa tuần tra: 14; vụ việc trong 12 tháng qua: 2 trong ô, 2 xung quanh; lưu lại 2 phút"},
		{"gap with incidents in it, en", hit, report.LangEN, "Ngõ 11 Lê Hồng Phong — unpatrolled for 14 nights, 2 incidents here",
			"Coverage gap (H3 cell " + c + "); nights unpatrolled: 14; incidents in the last 12 months: 2 in the cell, 2 around it; stay 2 min"},
		{"gap with an incident nearby, vi", near, report.LangVI, "Ngõ 11 Lê Hồng Phong — chưa tuần tra 14 đêm, 1 vụ việc quanh đây",
			"Vùng chưa được tuần tra (ô H3 " + c + "); số đêm chưa tuần tra: 14; vụ việc trong 12 tháng qua: 0 trong ô, 1 xung quanh; lưu lại 2 phút"},
		{"gap with an incident nearby, en", near, report.LangEN, "Ngõ 11 Lê Hồng Phong — unpatrolled for 14 nights, 1 incident nearby",
			"Coverage gap (H3 cell " + c + "); nights unpatrolled: 14; incidents in the last 12 months: 0 in the cell, 1 around it; stay 2 min"},
		{"quiet gap off the roads, vi", quiet, report.LangVI, "Vùng chưa tuần tra 1 đêm (ô H3 " + c + ")",
			"Vùng chưa được tuần tra (ô H3 " + c + "); số đêm chưa tuần tra: 1; vụ việc trong 12 tháng qua: 0 trong ô, 0 xung quanh; lưu lại 2 phút"},
		{"quiet gap off the roads, en", quiet, report.LangEN, "Cell unpatrolled for 1 night (H3 " + c + ")",
			"Coverage gap (H3 cell " + c + "); nights unpatrolled: 1; incidents in the last 12 months: 0 in the cell, 0 around it; stay 2 min"},
		{"key area, vi", area, report.LangVI, "Chợ trung tâm", "Khu vực trọng điểm; lưu lại 12 phút"},
		{"key area, en", area, report.LangEN, "Chợ trung tâm", "Key area; stay 12 min"},
	}
	if hit.Name(report.LangVI) == near.Name(report.LangVI) || hit.Name(report.LangEN) == near.Name(report.LangEN) {
		t.Errorf("two gap stops on one lane with different incidents are named alike: %q", hit.Name(report.LangEN))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.stop.Name(tc.lang); got != tc.wantName {
				t.Errorf("Name(%s) = %q, want %q", tc.lang, got, tc.wantName)
			}
			if got := tc.stop.Note(tc.lang); got != tc.wantNote {
				t.Errorf("Note(%s) = %q, want %q", tc.lang, got, tc.wantNote)
			}
		})
	}
}

// TestRouteWords checks the route's name, title, length and GPX file name in both languages, the date as
// dd/MM/yyyy and the decimal comma in Vietnamese.
func TestRouteWords(t *testing.T) {
	p := &planning.Plan{
		LookBack: planning.LookBack{Night: geo.Date{Year: 2026, Month: 12, Day: 7}},
		Gaps:     &coverage.Gaps{Unit: patrol.Unit{Code: "demo", Name: "Phường Mẫu"}},
		Stops:    make([]planning.Stop, 14), // the start, 12 stops and the return
		LengthM:  8140,
	}
	for _, tc := range []struct {
		lang, name, title, length, file string
	}{
		{report.LangVI, "Tuyến tuần tra gợi ý đêm 07/12/2026", "Tuyến tuần tra gợi ý Phường Mẫu đêm 07/12/2026", "8,1 km; 12 điểm dừng", "tuyen-tuan-tra-demo-2026-12-07.gpx"},
		{report.LangEN, "Suggested route, night of 07/12/2026", "Suggested route, Phường Mẫu, night of 07/12/2026", "8.1 km; 12 stops", "patrol-route-demo-2026-12-07.gpx"},
	} {
		if got := p.FileName(tc.lang); got != tc.file {
			t.Errorf("FileName(%s) = %q, want %q", tc.lang, got, tc.file)
		}
		if got := p.RouteName(tc.lang); got != tc.name {
			t.Errorf("RouteName(%s) = %q, want %q", tc.lang, got, tc.name)
		}
		if got := p.Title(tc.lang); got != tc.title {
			t.Errorf("Title(%s) = %q, want %q", tc.lang, got, tc.title)
		}
		if got := p.LengthText(tc.lang); got != tc.length {
			t.Errorf("LengthText(%s) = %q, want %q", tc.lang, got, tc.length)
		}
	}
}
