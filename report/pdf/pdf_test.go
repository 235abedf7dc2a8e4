package pdf_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/patrolmap/patrolmap/report/pdf"
)

// browser returns the Chromium path; a missing browser fails the test under CI=true.
func browser(t *testing.T) string {
	t.Helper()
	p, err := pdf.FindBrowser()
	if errors.Is(err, pdf.ErrNoBrowser) {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true and no Chromium on PATH (apt-get install chromium)")
		}
		t.Skip("no Chromium on PATH")
	}
	return p
}

var mediaBox = regexp.MustCompile(`/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]`)

func TestReportPDF(t *testing.T) {
	path := browser(t)
	page := []byte(`<!DOCTYPE html><html lang="vi" data-verdict="pass"><head><meta charset="utf-8"><style>@page { size: A4; margin: 15mm }</style></head>
<body><h1>Báo cáo tiêu chí — đạt tiêu chí</h1><svg viewBox="0 0 10 10" width="200" height="200"><path d="M0 0L10 10" stroke="#000"/></svg></body></html>`)
	out, err := pdf.Render(context.Background(), page, pdf.Options{ExecPath: path})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", out)
	}
	m := mediaBox.FindSubmatch(out)
	if m == nil {
		t.Fatal("no page size in the PDF")
	}
	// A4 is 595.3 × 841.9 points.
	w, _ := strconv.ParseFloat(string(m[1]), 64)
	h, _ := strconv.ParseFloat(string(m[2]), 64)
	if math.Abs(w-595.3) > 1.5 || math.Abs(h-841.9) > 1.5 {
		t.Errorf("page size %v × %v points, want A4 (595.3 × 841.9)", w, h)
	}
}

func TestReportPDFNoBrowser(t *testing.T) {
	_, err := pdf.Render(context.Background(), []byte("<p>x</p>"), pdf.Options{ExecPath: "/nonexistent/chromium"})
	if err == nil {
		t.Fatal("a missing browser printed a PDF")
	}
}
