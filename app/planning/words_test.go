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
	area := planning.Stop{Kind: planning.StopKeyArea, Area: market, Dwell: 12}
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
		{"gap on a road, vi", gapOnRoad, report.LangVI, "Vùng chưa tuần tra, Ngõ 11 Lê Hồng Phong", "Vùng chưa được tuần tra (ô H3 " + cell.String() + "); lưu lại 0 phút"},
		{"gap on a road, en", gapOnRoad, report.LangEN, "Unpatrolled cell, Ngõ 11 Lê Hồng Phong", "Coverage gap (H3 cell " + cell.String() + "); stay 0 min"},
		{"gap off the roads, vi", gapOffRoad, report.LangVI, "Vùng chưa tuần tra " + cell.String(), "Vùng chưa được tuần tra (ô H3 " + cell.String() + "); lưu lại 2 phút"},
		{"gap off the roads, en", gapOffRoad, report.LangEN, "Unpatrolled cell " + cell.String(), "Coverage gap (H3 cell " + cell.String() + "); stay 2 min"},
		{"key area, vi", area, report.LangVI, "Chợ trung tâm", "Khu vực trọng điểm; lưu lại 12 phút"},
		{"key area, en", area, report.LangEN, "Chợ trung tâm", "Key area; stay 12 min"},
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
