package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	goqr "github.com/piglig/go-qr"

	"github.com/patrolmap/patrolmap/report/pdf"
	"github.com/patrolmap/patrolmap/report/reporttest"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// checkReportPage checks a report page: self-contained, with the verdict and language wanted
// in its <html> element and in the header.
func checkReportPage(t *testing.T, r response, verdict, lang string) string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("report: %d %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	got, gotLang, err := reporttest.Verdict(r.body)
	if err != nil {
		t.Fatal(err)
	}
	if got != verdict || gotLang != lang || r.header.Get("X-Report-Verdict") != verdict {
		t.Errorf("verdict %q (header %q), lang %q; want %q, %q", got, r.header.Get("X-Report-Verdict"), gotLang, verdict, lang)
	}
	refs, err := reporttest.ExternalRefs(r.body)
	if err != nil {
		t.Fatal(err)
	}
	if len(refs) > 0 {
		t.Errorf("the report refers outside itself: %q", refs)
	}
	sum := sha256.Sum256(r.body)
	if r.header.Get("Repr-Digest") != "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":" {
		t.Errorf("Repr-Digest %q does not match the body", r.header.Get("Repr-Digest"))
	}
	// The page prints the SHA-256 of its content, which X-Report-SHA256 repeats.
	if h := r.header.Get("X-Report-SHA256"); len(h) != 64 || !bytes.Contains(r.body, []byte(`id="content-sha256">`+h+`<`)) {
		t.Errorf("content hash %q is not printed on the page", h)
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
	return string(r.body)
}

// saveArtifact keeps a rendered report in test-artifacts/ for a look.
func saveArtifact(t *testing.T, name string, body []byte) {
	dir := filepath.Join("..", "test-artifacts")
	if err := os.MkdirAll(dir, 0o755); err == nil {
		os.WriteFile(filepath.Join(dir, name), body, 0o644)
	}
}

// TestReportDemoWard is the acceptance test of the proof report on the demo ward: the last six
// weeks hold the seeded cluster, so the report fails the criterion and lists it; six quiet
// weeks before pass. The pages are self-contained, print to PDF through headless Chromium, and
// an archived snapshot keeps its bytes and hash.
func TestReportDemoWard(t *testing.T) {
	e := newEnv(t)
	w := e.loadDemo(1, planDay)
	day := func(d int) string { return w.Day.AddDate(0, 0, d).Format(time.DateOnly) }
	last6 := "unit=demo&from=" + day(-42) + "&to=" + day(0)
	quiet := "unit=demo&from=" + day(-84) + "&to=" + day(-42)

	var failPage []byte
	t.Run("last six weeks fail", func(t *testing.T) {
		r := e.as("analystall", http.MethodGet, "/api/v1/report?"+last6, nil)
		page := checkReportPage(t, r, "fail", "vi")
		failPage = r.body
		saveArtifact(t, "report-demo-fail.html", r.body)
		for _, want := range []string{"CHƯA ĐẠT TIÊU CHÍ", "không có tụ điểm phức tạp về hình sự, ma túy và tệ nạn xã hội", w.Name,
			"Getis-Ord Gi*", "Benjamini–Hochberg", "k = 1", "α = 0,05", "Ngõ 25 Bách Quang", w.Neglected,
			"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Nơi nhận:", "BÁO CÁO", "đến hết ngày"} {
			if !strings.Contains(page, want) {
				t.Errorf("the report lacks %q", want)
			}
		}
		verdict := page[strings.Index(page, `id="verdict"`):strings.Index(page, `id="summary"`)]
		for _, cell := range w.ClusterCells {
			if !strings.Contains(verdict, cell) {
				t.Errorf("the verdict does not list the cluster cell %s", cell)
			}
		}
		if !strings.Contains(verdict, `data-group="drugs"`) {
			t.Error("the verdict names no drugs problem hotspot at the seeded café")
		}
		section := page[strings.Index(page, `id="hotspots"`):strings.Index(page, `id="emerging"`)]
		if n := strings.Count(page, "<svg"); n != 3 {
			t.Errorf("%d maps", n)
		}
		// The query the report prints reproduces its hot spots.
		hs := e.as("analystall", http.MethodGet, "/api/v1/hotspots?"+last6+"&res=10&k=1&alpha=0.05", nil)
		var fc struct {
			Features []struct {
				Properties struct {
					Cell        string  `json:"cell"`
					Z           float64 `json:"z"`
					Significant bool    `json:"significant"`
				} `json:"properties"`
			} `json:"features"`
		}
		hs.json(t, &fc)
		n := 0
		for _, f := range fc.Features {
			if f.Properties.Significant && f.Properties.Z > 0 {
				n++
				if !strings.Contains(section, f.Properties.Cell) {
					t.Errorf("/api/v1/hotspots finds %s significant, the report does not list it", f.Properties.Cell)
				}
			}
		}
		if n == 0 {
			t.Errorf("/api/v1/hotspots finds %d significant hot cells", n)
		}
		if !strings.Contains(page, "GET /api/v1/hotspots?alpha=0.05&amp;from="+day(-42)) {
			t.Error("the report does not print the hot spot query")
		}
		// The same report as JSON.
		js := e.as("analystall", http.MethodGet, "/api/v1/report?"+last6+"&format=json", nil)
		var content struct {
			Verdict         string `json:"verdict"`
			ProblemHotspots []struct {
				Group     string   `json:"group"`
				Cells     []string `json:"cells"`
				Incidents int      `json:"incidents"`
				Weeks     int      `json:"weeks"`
				Z         *float64 `json:"z"`
			} `json:"problem_hotspots"`
			UnpatrolledCells *int `json:"unpatrolled_cells"`
			KeyAreas         []struct {
				Name           string `json:"name"`
				NightsMet      *int   `json:"nights_met"`
				NightsRequired int    `json:"nights_required"`
			} `json:"key_areas"`
			Comparison struct {
				New        []any `json:"new"`
				Persisting []any `json:"persisting"`
				Resolved   []any `json:"resolved"`
			} `json:"comparison"`
		}
		js.json(t, &content)
		if content.Verdict != "fail" || len(content.ProblemHotspots) == 0 || content.UnpatrolledCells == nil || len(content.KeyAreas) == 0 ||
			content.Comparison.New == nil || content.Comparison.Persisting == nil || content.Comparison.Resolved == nil {
			t.Fatalf("json report: %.600s", js.body)
		}
		drugs := false
		for _, h := range content.ProblemHotspots {
			drugs = drugs || h.Group == "drugs"
			if len(h.Cells) == 0 || h.Incidents < 5 || h.Weeks < 3 {
				t.Errorf("problem hotspot %+v breaks the rule", h)
			}
		}
		if !drugs {
			t.Errorf("no drugs problem hotspot in %s", js.body)
		}
		for _, k := range content.KeyAreas {
			if k.Name == "" || k.NightsMet == nil || k.NightsRequired != 42 {
				t.Errorf("key area %+v", k)
			}
		}
	})

	t.Run("quiet weeks pass", func(t *testing.T) {
		r := e.as("analystall", http.MethodGet, "/api/v1/report?"+quiet, nil)
		page := checkReportPage(t, r, "pass", "vi")
		saveArtifact(t, "report-demo-pass.html", r.body)
		if !strings.Contains(page, "ĐẠT TIÊU CHÍ") || strings.Contains(page, "CHƯA ĐẠT") {
			t.Error("the verdict words are wrong")
		}
		for _, cell := range w.ClusterCells {
			if strings.Contains(page[strings.Index(page, `id="verdict"`):strings.Index(page, `id="summary"`)], cell) {
				t.Errorf("the passing verdict names cell %s", cell)
			}
		}
	})

	t.Run("english", func(t *testing.T) {
		page := checkReportPage(t, e.as("analystall", http.MethodGet, "/api/v1/report?"+last6+"&lang=en", nil), "fail", "en")
		for _, want := range []string{"DOES NOT MEET THE CRITERION", "no complex hotspots of crime, drugs and social evils", "Theft"} {
			if !strings.Contains(page, want) {
				t.Errorf("the English report lacks %q", want)
			}
		}
	})

	t.Run("pdf", func(t *testing.T) {
		if _, err := pdf.FindBrowser(); err != nil {
			storetest.Unavailable(t, "no Chromium on PATH (apt-get install chromium)")
		}
		r := e.as("analystall", http.MethodGet, "/api/v1/report?"+last6+"&format=pdf", nil)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.body, []byte("%PDF-")) {
			t.Fatalf("pdf: %d %s %.40q", r.status, r.header.Get("Content-Type"), r.body)
		}
		if n := bytes.Count(r.body, []byte("/Type /Page")) - bytes.Count(r.body, []byte("/Type /Pages")); n < 2 {
			t.Errorf("%d pages", n)
		}
		saveArtifact(t, "report-demo-fail.pdf", r.body)
	})

	t.Run("snapshot", func(t *testing.T) {
		r := e.as("analystall", http.MethodPost, "/api/v1/reports?"+last6, nil)
		if r.status != http.StatusCreated {
			t.Fatalf("archive: %d %s", r.status, r.body)
		}
		var snap map[string]any
		r.json(t, &snap)
		if snap["verdict"] != "fail" || snap["from"] != day(-42) || snap["to"] != day(0) || snap["lang"] != "vi" || snap["created_by"] != "analystall" {
			t.Errorf("snapshot %v", snap)
		}
		href := snap["href"].(string)
		got := e.as("officer1", http.MethodGet, href, nil)
		wantProblem(t, got, http.StatusForbidden, "") // outside the officer's unit: 403, as everywhere
		got = e.as("analystall", http.MethodGet, href, nil)
		page := checkReportPage(t, got, "fail", "vi")
		if got.header.Get("X-Report-SHA256") != snap["sha256"] || !strings.Contains(page, fmt.Sprint(snap["sha256"])) {
			t.Errorf("the stored page does not carry the archive's hash %v", snap["sha256"])
		}
		if snap["number"] != "1/BC-DEMO" || !strings.Contains(page, "Số: 1/BC-DEMO") {
			t.Errorf("number %v", snap["number"])
		}
		// The hash covers the archived content, which format=json gives back byte for byte.
		content := e.as("analystall", http.MethodGet, href+"?format=json", nil)
		csum := sha256.Sum256(content.body)
		if content.status != http.StatusOK || hex.EncodeToString(csum[:]) != snap["sha256"] {
			t.Errorf("content: %d, hash %x, archive %v", content.status, csum, snap["sha256"])
		}
		// Anyone can verify it, without login; nothing else answers.
		v := e.do(http.MethodGet, "/verify/"+fmt.Sprint(snap["sha256"]), "", nil)
		var ver map[string]any
		v.json(t, &ver)
		if v.status != http.StatusOK || ver["issued"] != true || ver["number"] != "1/BC-DEMO" || ver["unit"] != "demo" ||
			ver["from"] != day(-42) || ver["last_day"] != day(-1) || ver["verdict"] != nil || len(ver) != 9 {
			t.Errorf("verify: %d %s", v.status, v.body)
		}
		wantProblem(t, e.do(http.MethodGet, "/verify/"+strings.Repeat("0", 64), "", nil), http.StatusNotFound, "")
		wantProblem(t, e.do(http.MethodGet, "/verify/xyz", "", nil), http.StatusBadRequest, "sha256")
		// The next report of the year takes the next number.
		second := e.as("analystall", http.MethodPost, "/api/v1/reports?"+quiet, nil)
		var snap2 map[string]any
		second.json(t, &snap2)
		if second.status != http.StatusCreated || snap2["number"] != "2/BC-DEMO" {
			t.Errorf("second archive: %d %s", second.status, second.body)
		}
		if got.header.Get("X-Report-Cutoff") != snap["cutoff"] {
			t.Errorf("cutoff header %q, archive %v", got.header.Get("X-Report-Cutoff"), snap["cutoff"])
		}
		// Apart from the generation time, the archived page is the page served live.
		if len(got.body) < len(failPage)/2 {
			t.Errorf("archived page of %d bytes, live page of %d", len(got.body), len(failPage))
		}
		list := e.as("analystall", http.MethodGet, "/api/v1/reports?unit=demo", nil)
		var l struct {
			Reports []map[string]any `json:"reports"`
		}
		list.json(t, &l)
		if len(l.Reports) != 2 || l.Reports[1]["sha256"] != snap["sha256"] {
			t.Errorf("list: %s", list.body)
		}
		// The archive cannot be altered, even by the database owner.
		id := int64(snap["id"].(float64))
		ctx := context.Background()
		if _, err := e.store.Pool().Exec(ctx, `UPDATE report_snapshot SET verdict = 'pass' WHERE id = $1`, id); err == nil {
			t.Error("UPDATE of a snapshot succeeded")
		}
		if _, err := e.store.Pool().Exec(ctx, `DELETE FROM report_snapshot WHERE id = $1`, id); err == nil {
			t.Error("DELETE of a snapshot succeeded")
		}
		again := e.as("analystall", http.MethodGet, href, nil)
		if !bytes.Equal(again.body, got.body) {
			t.Error("the archived page changed")
		}
	})
}

// TestReportAccessAndInput checks roles and refusals on a unit without data, whose report is
// never a pass: insufficient.
func TestReportAccessAndInput(t *testing.T) {
	e := newEnv(t)
	q := "unit=w1&from=2025-02-01&to=2025-03-15"
	page := checkReportPage(t, e.as("officer1", http.MethodGet, "/api/v1/report?"+q, nil), "insufficient", "vi")
	if !strings.Contains(page, "Phường w1") {
		t.Error("the unit's name is missing")
	}
	wantProblem(t, e.as("officer1", http.MethodPost, "/api/v1/reports?"+q, nil), http.StatusForbidden, "")
	wantProblem(t, e.as("analyst2", http.MethodGet, "/api/v1/report?"+q, nil), http.StatusForbidden, "")
	wantProblem(t, e.as("analyst2", http.MethodPost, "/api/v1/reports?"+q, nil), http.StatusForbidden, "")
	wantProblem(t, e.do(http.MethodGet, "/api/v1/report?"+q, "", nil), http.StatusUnauthorized, "")
	for _, tc := range []struct{ query, field string }{
		{q + "&lang=fr", "lang"},
		{q + "&format=docx", "format"},
		{"unit=w1&to=2025-03-15", "from"},
		{"unit=w1&from=2025-03-15", "to"},
		{"unit=w1&from=2025-03-15&to=2025-03-01", "to"},
		{"unit=w1&from=15/03/2025&to=2025-03-20", "from"},
	} {
		wantProblem(t, e.as("analyst1", http.MethodGet, "/api/v1/report?"+tc.query, nil), http.StatusBadRequest, tc.field)
	}
	wantProblem(t, e.as("analyst1", http.MethodGet, "/api/v1/reports/999999", nil), http.StatusNotFound, "")
	wantProblem(t, e.as("analyst1", http.MethodGet, "/api/v1/reports/abc", nil), http.StatusBadRequest, "id")

	r := e.as("analyst1", http.MethodPost, "/api/v1/reports?"+q+"&lang=en", nil)
	if r.status != http.StatusCreated {
		t.Fatalf("archive: %d %s", r.status, r.body)
	}
	var snap map[string]any
	r.json(t, &snap)
	got := e.as("officer1", http.MethodGet, snap["href"].(string), nil)
	checkReportPage(t, got, "insufficient", "en")
	list := e.as("officer1", http.MethodGet, "/api/v1/reports?unit=w1", nil)
	if list.status != http.StatusOK || !strings.Contains(string(list.body), fmt.Sprint(snap["sha256"])) {
		t.Errorf("officer list: %d %s", list.status, list.body)
	}
}

// TestReportOfficialPDF archives the demo ward's report with the unit's official-form settings
// and reads the archived PDF's text (pdftotext): the Quốc hiệu, the number, the recipients and,
// on every page, the SHA-256 that /verify knows; the fonts are embedded.
func TestReportOfficialPDF(t *testing.T) {
	if _, err := pdf.FindBrowser(); err != nil {
		storetest.Unavailable(t, "no Chromium on PATH (apt-get install chromium)")
	}
	for _, tool := range []string{"pdftotext", "pdffonts", "pdfinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			storetest.Unavailable(t, tool+" is missing (apt-get install poppler-utils)")
		}
	}
	e := newEnv(t)
	w := e.loadDemo(1, planDay)
	day := func(d int) string { return w.Day.AddDate(0, 0, d).Format(time.DateOnly) }
	settings := map[string]any{"min_incidents": 5, "min_weeks": 3, "gi_min_incidents": 30,
		"parent_agency": "CÔNG AN THÀNH PHỐ MẪU", "agency": "CÔNG AN PHƯỜNG MẪU", "number_suffix": "CAP", "place": "Phường Mẫu",
		"chief_title": "TRƯỞNG CÔNG AN PHƯỜNG", "chief_name": "Nguyễn Văn An", "preparer_name": "Trần Thị Bình",
		"recipients": []string{"Công an thành phố Mẫu (để báo cáo)", "Đảng ủy, UBND phường Mẫu"}}
	if r := e.as("admin", http.MethodPut, "/api/v1/units/demo/report-settings", settings); r.status != http.StatusOK {
		t.Fatalf("settings: %d %s", r.status, r.body)
	}
	wantProblem(t, e.as("analystall", http.MethodPut, "/api/v1/units/demo/report-settings", settings), http.StatusForbidden, "")
	bad := map[string]any{"min_incidents": 0, "min_weeks": 60, "gi_min_incidents": 30}
	wantProblem(t, e.as("admin", http.MethodPut, "/api/v1/units/demo/report-settings", bad), http.StatusBadRequest, "min_incidents")

	r := e.as("analystall", http.MethodPost, "/api/v1/reports?unit=demo&from="+day(-42)+"&to="+day(0), nil)
	if r.status != http.StatusCreated {
		t.Fatalf("archive: %d %s", r.status, r.body)
	}
	var snap map[string]any
	r.json(t, &snap)
	sum := fmt.Sprint(snap["sha256"])
	got := e.as("analystall", http.MethodGet, fmt.Sprint(snap["href"])+"?format=pdf", nil)
	if got.status != http.StatusOK || !bytes.HasPrefix(got.body, []byte("%PDF-")) {
		t.Fatalf("pdf: %d %.200s", got.status, got.body)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(file, got.body, 0o644); err != nil {
		t.Fatal(err)
	}
	saveArtifact(t, "report-demo-archived.pdf", got.body)
	out, err := exec.Command("pdftotext", "-layout", file, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	saveArtifact(t, "report-demo-archived.txt", out)
	// Lines wrap where the layout wraps them: compare with runs of white space made one space.
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "CÔNG AN THÀNH PHỐ MẪU",
		"CÔNG AN PHƯỜNG MẪU", "Số: 1/BC-CAP", "BÁO CÁO", "Nơi nhận:", "Công an thành phố Mẫu (để báo cáo)", "Đảng ủy, UBND phường Mẫu",
		"NGƯỜI LẬP BÁO CÁO", "TRƯỞNG CÔNG AN PHƯỜNG", "Nguyễn Văn An", "Trần Thị Bình", "Phường Mẫu, ngày", "đến hết ngày"} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
	// Every page's footer: the number, page x/y and the hash.
	pages := strings.Split(strings.TrimRight(string(out), "\f\n"), "\f")
	if len(pages) < 2 {
		t.Fatalf("%d pages", len(pages))
	}
	for i, p := range pages {
		if !strings.Contains(p, sum) || !strings.Contains(p, "1/BC-CAP") || !strings.Contains(p, fmt.Sprintf("Trang %d/%d", i+1, len(pages))) {
			t.Errorf("page %d of %d lacks the footer (number, Trang x/y, SHA-256 %s)", i+1, len(pages), sum)
		}
	}
	// The fonts are embedded, the serif one among them.
	fonts, err := exec.Command("pdffonts", file).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(fonts), "LiberationSerif") {
		t.Errorf("no Liberation Serif in the PDF:\n%s", fonts)
	}
	for _, line := range strings.Split(string(fonts), "\n")[2:] {
		if f := strings.Fields(line); len(f) >= 5 && f[len(f)-5] != "yes" {
			t.Errorf("a font is not embedded: %s", line)
		}
	}
	info, err := exec.Command("pdfinfo", file).Output()
	if err != nil || !strings.Contains(string(info), "(A4)") {
		t.Errorf("not A4: %s %v", info, err)
	}
	checkMargins(t, file)
	// The verification address printed and in the QR code is the one /verify answers.
	if !strings.Contains(strings.ReplaceAll(text, " ", ""), "/verify/"+sum) {
		t.Error("the PDF does not print the verification address")
	}
	if v := e.do(http.MethodGet, "/verify/"+sum, "", nil); v.status != http.StatusOK {
		t.Errorf("verify: %d", v.status)
	}
	// The last page carries a QR code of that address: scan the printed page. A scan is a
	// camera's reading of paper, so the page is rendered twice (300 dpi without anti-aliasing,
	// as a laser print; 150 dpi anti-aliased, as a poor photo) and one correct reading is
	// enough; the decoder has been seen to miss an anti-aliased 150 dpi rendering that the
	// crisp one reads.
	last := strconv.Itoa(len(pages))
	var readings []string
	for i, args := range [][]string{{"-r", "300", "-aa", "no", "-aaVector", "no"}, {"-r", "150"}} {
		out := filepath.Join(dir, fmt.Sprintf("last%d", i))
		cmd := append(append([]string{"-png"}, args...), "-f", last, "-l", last, "-singlefile", file, out)
		if err := exec.Command("pdftoppm", cmd...).Run(); err != nil {
			t.Fatal(err)
		}
		scanned, err := scanQR(out + ".png")
		if err == nil && strings.HasSuffix(scanned, "/verify/"+sum) && strings.HasPrefix(scanned, "http://") {
			return
		}
		readings = append(readings, fmt.Sprintf("%v: %q %v", args, scanned, err))
	}
	t.Errorf("QR code on the last page does not read as the verification address: %s", strings.Join(readings, "; "))
}

// checkMargins measures the ink of every page of the PDF against Decree 30/2020's margins:
// top and bottom 20–25 mm, left 30–35 mm, right 15–20 mm. Every page keeps clear of them
// (0.5 mm for anti-aliasing); the body starts within the top margin's range on every page, and
// the widest page reaches within the left and right ranges, so the form cannot drift inwards
// either. The bottom of the body ends where the last row that fits ends, so only its limit is
// checked; the footer (number, page, cut-off, hash) sits below it, in the bottom margin.
func checkMargins(t *testing.T, file string) {
	t.Helper()
	const slack = 0.5
	pages, err := reporttest.PDFMargins(file, "Trang")
	if err != nil {
		t.Fatal(err)
	}
	left, right := 1000.0, 1000.0
	for _, m := range pages {
		t.Log(m)
		if m.Left < 30-slack || m.Right < 15-slack || m.Top < 20-slack || m.Top > 25+slack || m.Bottom < 20-slack {
			t.Errorf("%s: outside Decree 30's margins (top 20–25, right 15–20, bottom ≥ 20, left 30–35 mm)", m)
		}
		if m.Footer < 5 || m.Footer > m.Bottom {
			t.Errorf("%s: the footer is not in the bottom margin", m)
		}
		left, right = min(left, m.Left), min(right, m.Right)
	}
	if left > 35+slack || right > 20+slack {
		t.Errorf("the widest page leaves %.1f mm left and %.1f mm right, want at most 35 and 20", left, right)
	}
}

// scanQR decodes the QR code in the PNG file at path.
func scanQR(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return "", fmt.Errorf("decode %s: %w", path, err)
	}
	return goqr.Decode(img)
}

// TestReportLineSettings sets the thresholds of the key-area and coverage lines on a unit that
// nobody patrolled: every cell is a gap, so the coverage line passes only when 100 % may be;
// the settings are printed in the report and its content, and a PUT without them restores the
// defaults (100, 0).
func TestReportLineSettings(t *testing.T) {
	e := newEnv(t)
	q := "/api/v1/report?unit=w1&from=2025-02-01&to=2025-03-01"
	put := func(extra map[string]any) response {
		body := map[string]any{"min_incidents": 5, "min_weeks": 3, "gi_min_incidents": 30}
		for k, v := range extra {
			body[k] = v
		}
		return e.as("admin", http.MethodPut, "/api/v1/units/w1/report-settings", body)
	}
	type lines struct {
		Settings struct {
			KeyPct   int `json:"key_area_nights_pct"`
			CoverPct int `json:"max_unpatrolled_pct"`
		} `json:"settings"`
		CoveragePass bool `json:"coverage_pass"`
	}
	for _, tc := range []struct {
		extra      map[string]any
		key, cover int
		pass       bool
	}{
		{map[string]any{"key_area_nights_pct": 80, "max_unpatrolled_pct": 100}, 80, 100, true},
		{nil, 100, 0, false},
	} {
		if r := put(tc.extra); r.status != http.StatusOK {
			t.Fatalf("settings %v: %d %s", tc.extra, r.status, r.body)
		}
		var got map[string]any
		e.as("analyst1", http.MethodGet, "/api/v1/units/w1/report-settings", nil).json(t, &got)
		if got["key_area_nights_pct"] != float64(tc.key) || got["max_unpatrolled_pct"] != float64(tc.cover) {
			t.Errorf("settings read back %v, want %d and %d", got, tc.key, tc.cover)
		}
		var c lines
		e.as("analyst1", http.MethodGet, q+"&format=json", nil).json(t, &c)
		if c.Settings.KeyPct != tc.key || c.Settings.CoverPct != tc.cover || c.CoveragePass != tc.pass {
			t.Errorf("content %+v, want %d, %d, coverage pass %v", c, tc.key, tc.cover, tc.pass)
		}
		page := string(e.as("analyst1", http.MethodGet, q, nil).body)
		for _, want := range []string{fmt.Sprintf("key_area_nights_pct = %d", tc.key), fmt.Sprintf("max_unpatrolled_pct = %d", tc.cover),
			fmt.Sprintf("đạt khi không quá %d %% số ô", tc.cover)} {
			if !strings.Contains(page, want) {
				t.Errorf("the report does not print %q", want)
			}
		}
	}
	wantProblem(t, put(map[string]any{"key_area_nights_pct": 0}), http.StatusBadRequest, "key_area_nights_pct")
	wantProblem(t, put(map[string]any{"max_unpatrolled_pct": 101}), http.StatusBadRequest, "max_unpatrolled_pct")
}
