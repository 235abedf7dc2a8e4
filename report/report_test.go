package report_test

import (
	"bytes"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/report"
	"github.com/patrolmap/patrolmap/report/reporttest"
)

// sampleReport builds a small report around one cell; hot makes that cell a significant hot
// spot.
func sampleReport(t *testing.T, lang string, hot bool) *report.Report {
	t.Helper()
	loc := time.FixedZone("ICT", 7*3600)
	centre := orb.Point{105.85, 21.47}
	c, err := geo.CellOf(centre, 10)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := c.GridDisk(1)
	if err != nil {
		t.Fatal(err)
	}
	var cov []report.CoverageCell
	var cells []report.HotCell
	for i, r := range ring {
		cov = append(cov, report.CoverageCell{Cell: r, Nights: i})
		hc := report.HotCell{Cell: r, Count: 0, Z: -0.4, P: 0.69, Class: "none"}
		if hot && r == c {
			hc = report.HotCell{Cell: r, Count: 9, Z: 4.1, P: 4e-5, Significant: true, Confidence: 99, Class: "hot"}
		}
		cells = append(cells, hc)
	}
	from := time.Date(2025, 2, 1, 0, 0, 0, 0, loc)
	r := &report.Report{
		Lang:      lang,
		Unit:      report.Unit{Code: "w1", Name: "Phường <Một> & \"Hai\"", TimeZone: "Asia/Ho_Chi_Minh", Location: loc, H3Res: 10, NightStart: "22:00", NightEnd: "05:00"},
		Period:    report.Period{From: from, To: from.AddDate(0, 0, 42), Dates: true},
		Generated: time.Date(2025, 3, 15, 8, 30, 0, 0, time.UTC),
		Cutoff:    time.Date(2025, 3, 15, 8, 29, 59, 0, time.UTC),
		Software:  "patrolmap test",
		Summary: report.Summary{Nights: 42, NightsPatrolled: 40, Devices: 3, Fixes: 123456, Hours: 512.25, DistanceKm: 1234.5,
			Incidents: []report.CategoryCount{{Category: "theft", Count: 12, SeveritySum: 30}, {Category: "drugs", Count: 1, SeveritySum: 4}}},
		Compliance: []report.ComplianceRow{{Name: "Chợ", Kind: "key_area", Required: 2, MinDwellMin: 10, NightsMet: 30, Nights: 42, Percent: 71.4},
			{Name: "Đường", Kind: "key_road", Required: 1, Nights: 0, Percent: math.NaN()}},
		Coverage: report.Coverage{Cells: cov, Nights: 42, MinNights: 1, GapCells: 1,
			Gaps: []report.Gap{{Rank: 1, Cell: ring[0], Centre: centre, Place: "ngõ 25", Risk: 6.5, Incidents: 2}}},
		Hotspots: report.Hotspots{From: from, To: from.AddDate(0, 0, 42), Res: 10, K: 1, Alpha: 0.05, Cells: cells, Incidents: 9, Mean: 1.28, SD: 3.1},
		Emerging: report.Emerging{Ran: true, From: from.AddDate(0, 0, -42), To: from.AddDate(0, 0, 42), Step: "week", Steps: 12, Extended: true, MinSteps: 10,
			K: 1, TimeLag: 1, BinFDR: 0.1, TrendAlpha: 0.05, StudyCells: 7, Incidents: 20,
			Cells:   []report.EmergingCell{{Cell: c, Category: "new_hot_spot", Count: 9, TrendZ: 2.5, TrendP: 0.01, Place: "ngõ 25"}},
			Summary: []report.CategoryCount{{Category: "new_hot_spot", Count: 1}, {Category: "no_pattern", Count: 6}}},
		Base: report.BaseMap{
			Boundary: orb.MultiPolygon{{{{105.848, 21.468}, {105.852, 21.468}, {105.852, 21.472}, {105.848, 21.472}, {105.848, 21.468}}}},
			Roads:    []orb.LineString{{{105.848, 21.47}, {105.852, 21.47}}},
			KeyAreas: []orb.Geometry{orb.LineString{{105.85, 21.468}, {105.85, 21.472}}},
		},
		Queries: []string{"GET /api/v1/hotspots?unit=w1&from=2025-02-01&to=2025-03-15&k=1&alpha=0.05"},
	}
	r.Criterion = report.Criterion{Verdict: "pass", Nights: 42, NightsWithFixes: 40, MinIncidents: 5, MinWeeks: 3, GiMinIncidents: 30,
		K: 1, Alpha: 0.05, KeyAreas: 2, KeyAreasBelow: 1, StudyCells: 7, UnpatrolledCells: 1,
		PrevFrom: from.AddDate(0, 0, -42), PrevTo: from,
		Groups: []report.CriterionGroup{{Group: "crime", Categories: []string{"disorder", "fraud", "robbery", "theft"}, Incidents: 12, Method: "count"},
			{Group: "drugs", Categories: []string{"drugs"}, Incidents: 1, Method: "count"}, {Group: "social_evils", Categories: []string{"gambling", "prostitution"}, Method: "count"}}}
	if hot {
		r.Criterion.Verdict = "fail"
		r.Criterion.Groups[0].Hotspots = 1
		r.Criterion.Hotspots = []report.ProblemHotspot{{Group: "crime", Method: "count", Cells: []h3.Cell{c}, Incidents: 9, Weeks: 4,
			Centre: centre, Near: "Ngõ 25 (12 m)", Groups: []string{"Tổ dân phố 17"}, ByCategory: []report.CategoryCount{{Category: "theft", Count: 9}}}}
		r.Criterion.New = r.Criterion.Hotspots
		r.Hotspots.Clusters = []report.HotCluster{{Cells: []report.HotCell{cells[0]}, Centre: centre, Near: "Ngõ 25 (12 m)",
			Groups: []string{"Tổ dân phố 17"}, Incidents: 9, ByCategory: []report.CategoryCount{{Category: "theft", Count: 9}}, MaxZ: 4.1, MinP: 4e-5}}
	}
	return r
}

func render(t *testing.T, r *report.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := report.Render(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReportRender(t *testing.T) {
	cases := []struct {
		lang    string
		hot     bool
		verdict string
		words   []string
	}{
		{"vi", false, "pass", []string{"ĐẠT TIÊU CHÍ", "không có tụ điểm phức tạp về hình sự, ma túy và tệ nạn xã hội", "40/42 đêm", "1.234,5", "123.456", "01/02/2025", "14/03/2025", "Trộm cắp tài sản", "71,4 %"}},
		{"vi", true, "fail", []string{"CHƯA ĐẠT TIÊU CHÍ", "Ngõ 25 (12 m)", "Tổ dân phố 17", "Điểm nóng mới", "Hình sự", "trong 4 tuần", "tụ điểm mới: 1"}},
		{"en", false, "pass", []string{"MEETS THE CRITERION", "no complex hotspots of crime, drugs and social evils", "1,234.5", "123,456", "2025-02-01", "2025-03-14", "Theft"}},
		{"en", true, "fail", []string{"DOES NOT MEET THE CRITERION", "New hot spot"}},
	}
	for _, tc := range cases {
		t.Run(tc.lang+" "+tc.verdict, func(t *testing.T) {
			r := sampleReport(t, tc.lang, tc.hot)
			doc := render(t, r)
			verdict, lang, err := reporttest.Verdict(doc)
			if err != nil {
				t.Fatal(err)
			}
			if verdict != tc.verdict || lang != tc.lang || r.Verdict() != tc.verdict {
				t.Errorf("verdict %q lang %q (Verdict() %q), want %q %q", verdict, lang, r.Verdict(), tc.verdict, tc.lang)
			}
			refs, err := reporttest.ExternalRefs(doc)
			if err != nil {
				t.Fatal(err)
			}
			if len(refs) > 0 {
				t.Errorf("external references: %q", refs)
			}
			s := string(doc)
			for _, w := range tc.words {
				if !strings.Contains(s, w) {
					t.Errorf("the page lacks %q", w)
				}
			}
			if strings.Contains(s, "ZgotmplZ") {
				t.Error("the template refused a value (ZgotmplZ)")
			}
			if !strings.Contains(s, "Phường &lt;Một&gt; &amp; &#34;Hai&#34;") {
				t.Error("the unit name is not escaped")
			}
			if n := strings.Count(s, "<svg"); n != 3 {
				t.Errorf("%d maps, want 3", n)
			}
			// The same report renders to the same bytes.
			if again := render(t, r); !bytes.Equal(again, doc) {
				t.Error("rendering twice gave different bytes")
			}
		})
	}
}

func TestReportExternalRefsChecker(t *testing.T) {
	bad := []string{
		`<img src="x.png">`,
		`<a href="https://example.org/">x</a>`,
		`<div style="background: url(x.png)"></div>`,
		`<style>@import "x.css";</style>`,
		`<style>@font-face { font-family: X; }</style>`,
		`<svg><image href="x.png"/></svg>`,
		`<svg><use xlink:href="a.svg#x"/></svg>`,
		`<link rel="stylesheet" href="x.css">`,
		`<script>1</script>`,
		`<p>see http://example.org</p>`,
		`<meta http-equiv="refresh" content="0;u=x">`,
		`<body onload="x()"></body>`,
	}
	for _, b := range bad {
		refs, err := reporttest.ExternalRefs([]byte("<!DOCTYPE html><html><head></head><body>" + b + "</body></html>"))
		if err != nil {
			t.Fatal(err)
		}
		if len(refs) == 0 {
			t.Errorf("%s: no reference found", b)
		}
	}
	good := `<!DOCTYPE html><html lang="vi"><head><style>p { color: #333 }</style></head><body><a href="#top">top</a><svg viewBox="0 0 1 1"><path d="M0 0L1 1"/></svg></body></html>`
	if refs, _ := reporttest.ExternalRefs([]byte(good)); len(refs) > 0 {
		t.Errorf("a self-contained page: %q", refs)
	}
}

func TestReportEmptyUnit(t *testing.T) {
	// A unit with no boundary, no cells and no data still renders, and is never a pass.
	r := &report.Report{Unit: report.Unit{Code: "x", Name: "X"}, Hotspots: report.Hotspots{K: 1, Alpha: 0.05},
		Period: report.Period{From: time.Unix(0, 0), To: time.Unix(86400, 0)}}
	doc := render(t, r)
	if v, lang, _ := reporttest.Verdict(doc); v != "insufficient" || lang != "vi" {
		t.Errorf("verdict %q lang %q", v, lang)
	}
}

// TestMapsRead checks what a reader needs on every map: residential group and street names, a
// scale bar, a north arrow; and numbers in the Vietnamese format, p-values never in exponents.
func TestMapsRead(t *testing.T) {
	r := sampleReport(t, "vi", true)
	r.Base.RoadNames = []string{"Đường Cách Mạng Tháng Mười"}
	r.Base.Groups = []report.NamedGeometry{{Name: "Tổ dân phố 17",
		Geometry: orb.Polygon{{{105.848, 21.468}, {105.850, 21.468}, {105.850, 21.470}, {105.848, 21.470}, {105.848, 21.468}}}}}
	page := string(render(t, r))
	for _, name := range []string{"map", "scale", "north"} {
		if n := strings.Count(page, `class="`+name+`"`); n != 3 {
			t.Errorf("%d elements of class %s, want one per map (3)", n, name)
		}
	}
	for _, want := range []string{">Tổ dân phố 17</text>", ">Đường Cách Mạng Tháng Mười</text>", ">B</text>", " m</text>", "&lt; 0,001"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if regexp.MustCompile(`\d[eE][-+]\d`).MatchString(textOnly(page)) {
		t.Error("a number is written in exponent notation")
	}
	en := string(render(t, sampleReport(t, "en", true)))
	if !strings.Contains(en, ">N</text>") || !strings.Contains(en, "&lt; 0.001") {
		t.Error("the English maps lack N or the p-value reads otherwise")
	}
}

// textOnly drops the markup (and the SVG path data) from a page.
func textOnly(page string) string {
	return regexp.MustCompile(`<[^>]*>`).ReplaceAllString(page, " ")
}

// TestReportOpenNightNote renders the key-area table with every night judged (no note) and with
// a row judging one night less than the period holds — tonight, not over at the cut-off — which
// the note under the table explains.
func TestReportOpenNightNote(t *testing.T) {
	const note = "Đêm chưa kết thúc tại thời điểm chốt số liệu"
	r := sampleReport(t, "vi", false)
	r.Compliance = r.Compliance[:1]
	r.Compliance[0].Nights = r.Summary.Nights
	if doc := string(render(t, r)); strings.Contains(doc, note) {
		t.Error("the note shows though every night of the period is judged")
	}
	r.Compliance[0].Nights = r.Summary.Nights - 1
	if doc := string(render(t, r)); !strings.Contains(doc, note) || !strings.Contains(doc, "30/41") {
		t.Error("a key area judged on 41 of 42 nights has no note under the table, or its row is not 30/41")
	}
}
