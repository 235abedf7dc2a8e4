package coverage_test

import (
	"testing"

	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/report"
)

// TestReasonWords checks that a gap's reason is said in the language asked for, whole: no
// English word left in the Vietnamese, the night dates dd/MM/yyyy in Vietnamese.
func TestReasonWords(t *testing.T) {
	day := func(d int) geo.Date { return geo.Date{Year: 2026, Month: 12, Day: d} }
	g := &coverage.Gaps{MinNights: 3, Nights: []geo.Date{day(4), day(5), day(6)}}
	never := &coverage.CellGap{In: coverage.Incidents{Count: 2, Severity: 9}, KeyAreas: []string{"Chợ Phường", "Tổ 3"}}
	few := &coverage.CellGap{Nights: 2, Near: coverage.Incidents{Count: 1, Severity: 3}}
	both := &coverage.CellGap{In: coverage.Incidents{Count: 1, Severity: 4}, Near: coverage.Incidents{Count: 3, Severity: 7}}
	road := &coverage.KeyArea{
		Area:   patrol.Area{Name: "Đường Chợ", Kind: patrol.KindKeyRoad, RequiredNightVisits: 2, MinDwellMin: 10},
		Nights: []coverage.NightCheck{{Date: day(4), Meets: true}, {Date: day(5)}, {Date: day(6), Open: true}},
		Met:    1, Open: 1,
	}
	market := &coverage.KeyArea{
		Area:   patrol.Area{Name: "Chợ", Kind: patrol.KindKeyArea, RequiredNightVisits: 1},
		Nights: []coverage.NightCheck{{Date: day(4)}, {Date: day(5), Open: true}, {Date: day(6), Open: true}},
		Open:   2,
	}
	tests := []struct {
		name, lang string
		gap        coverage.Gap
		want       string
	}{
		{"never visited, vi", report.LangVI, coverage.Gap{Cell: never},
			"chưa được tuần tra ban đêm lần nào trong 3 đêm; 2 vụ việc (tổng mức độ nghiêm trọng 9) trong ô này trong 12 tháng qua; thuộc khu vực trọng điểm Chợ Phường, Tổ 3"},
		{"never visited, en", report.LangEN, coverage.Gap{Cell: never},
			"never visited at night in 3 nights; 2 incidents (total severity 9) in the cell in the last 12 months; inside key area Chợ Phường, Tổ 3"},
		{"few nights, vi", report.LangVI, coverage.Gap{Cell: few},
			"được tuần tra 2 trên 3 đêm, ít hơn 3; không có vụ việc trong ô này nhưng có 1 vụ việc (tổng mức độ nghiêm trọng 3) xung quanh trong 12 tháng qua"},
		{"few nights, en", report.LangEN, coverage.Gap{Cell: few},
			"visited on 2 of 3 nights, fewer than 3; no incidents in the cell but 1 incident (total severity 3) around it in the last 12 months"},
		{"in and around, vi", report.LangVI, coverage.Gap{Cell: both},
			"chưa được tuần tra ban đêm lần nào trong 3 đêm; 1 vụ việc (tổng mức độ nghiêm trọng 4) trong ô này và 3 vụ (tổng mức độ nghiêm trọng 7) xung quanh trong 12 tháng qua"},
		{"in and around, en", report.LangEN, coverage.Gap{Cell: both},
			"never visited at night in 3 nights; 1 incident (total severity 4) in the cell and 3 (total severity 7) around it in the last 12 months"},
		{"key road with an open night, vi", report.LangVI, coverage.Gap{Area: road},
			"tuyến đường trọng điểm Đường Chợ chưa đạt yêu cầu 2 lượt (mỗi lượt lưu lại ít nhất 10 phút) mỗi đêm ở 1 trên 2 đêm được xét (đạt 1 đêm); đêm 06/12/2026 chưa kết thúc và chưa đạt, chưa tính; không có vụ việc nào trong và quanh các ô của khu vực trong 12 tháng qua"},
		{"key road with an open night, en", report.LangEN, coverage.Gap{Area: road},
			"key road Đường Chợ below its requirement of 2 visits of at least 10 min a night on 1 of 2 judged nights (met on 1); the night of 2026-12-06 is not over and not met yet, not counted; no incidents in or around its cells in the last 12 months"},
		{"key area with open nights, vi", report.LangVI, coverage.Gap{Area: market},
			"khu vực trọng điểm Chợ chưa đạt yêu cầu 1 lượt mỗi đêm ở 1 trên 1 đêm được xét (đạt 0 đêm); 2 đêm (từ 05/12/2026 đến 06/12/2026) chưa kết thúc và chưa đạt, chưa tính; không có vụ việc nào trong và quanh các ô của khu vực trong 12 tháng qua"},
		{"key area with open nights, en", report.LangEN, coverage.Gap{Area: market},
			"key area Chợ below its requirement of 1 visit a night on 1 of 1 judged night (met on 0); 2 nights (2026-12-05 to 2026-12-06) are not over and not met yet, not counted; no incidents in or around its cells in the last 12 months"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := g.Reason(tc.gap, tc.lang); got != tc.want {
				t.Errorf("Reason(%s) =\n  %q\nwant\n  %q", tc.lang, got, tc.want)
			}
		})
	}
}
