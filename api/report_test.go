package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
	if r.header.Get("X-Report-SHA256") != hex.EncodeToString(sum[:]) ||
		r.header.Get("Repr-Digest") != "sha-256=:"+base64.StdEncoding.EncodeToString(sum[:])+":" {
		t.Errorf("hash headers %q %q do not match the body", r.header.Get("X-Report-SHA256"), r.header.Get("Repr-Digest"))
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
		for _, want := range []string{"CHƯA ĐẠT TIÊU CHÍ", "không có tụ điểm phức tạp về an ninh, trật tự", w.Name,
			"Getis-Ord Gi*", "Benjamini–Hochberg", "k = 1", "α = 0,05", "Ngõ 25 Bách Quang", w.Neglected} {
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
				if !strings.Contains(verdict, f.Properties.Cell) {
					t.Errorf("/api/v1/hotspots finds %s significant, the report does not list it", f.Properties.Cell)
				}
			}
		}
		if n == 0 || strings.Count(verdict, "8a") < n {
			t.Errorf("/api/v1/hotspots finds %d significant hot cells", n)
		}
		if !strings.Contains(page, "GET /api/v1/hotspots?alpha=0.05&amp;from="+day(-42)) {
			t.Error("the report does not print the hot spot query")
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
		for _, want := range []string{"DOES NOT MEET THE CRITERION", "no complex hotspots of security and order", "Theft"} {
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
		checkReportPage(t, got, "fail", "vi")
		sum := sha256.Sum256(got.body)
		if hex.EncodeToString(sum[:]) != snap["sha256"] || got.header.Get("X-Report-SHA256") != snap["sha256"] {
			t.Errorf("the stored page's hash %x differs from the archive's %v", sum, snap["sha256"])
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
		if len(l.Reports) != 1 || l.Reports[0]["sha256"] != snap["sha256"] {
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

// TestReportAccessAndInput checks roles and refusals on a unit without data, whose report
// passes.
func TestReportAccessAndInput(t *testing.T) {
	e := newEnv(t)
	q := "unit=w1&from=2025-02-01&to=2025-03-15"
	page := checkReportPage(t, e.as("officer1", http.MethodGet, "/api/v1/report?"+q, nil), "pass", "vi")
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
	checkReportPage(t, got, "pass", "en")
	list := e.as("officer1", http.MethodGet, "/api/v1/reports?unit=w1", nil)
	if list.status != http.StatusOK || !strings.Contains(string(list.body), fmt.Sprint(snap["sha256"])) {
		t.Errorf("officer list: %d %s", list.status, list.body)
	}
}
