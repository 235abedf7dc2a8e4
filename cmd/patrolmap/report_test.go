package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/patrolmap/patrolmap/report/pdf"
	"github.com/patrolmap/patrolmap/report/reporttest"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// TestReportCommand writes the demo ward's report for the last six weeks (fail) and for six
// quiet weeks before (pass), as HTML and PDF.
func TestReportCommand(t *testing.T) {
	url := storetest.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"seed-demo", "--day", "2025-03-15"}, nil, &out, &out); err != nil {
		t.Fatalf("seed-demo: %v\n%s", err, out.String())
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		from, to, lang, verdict, last string
		pdf                           bool
	}{
		{"2025-02-01", "2025-03-15", "vi", "fail", "2025-03-14", true},
		{"2024-12-21", "2025-02-01", "en", "pass", "2025-01-31", false},
	} {
		html := filepath.Join(dir, tc.from+".html")
		args := []string{"report", "--unit", "demo", "--from", tc.from, "--to", tc.to, "-o", html, "--lang", tc.lang}
		pdfFile := filepath.Join(dir, tc.from+".pdf")
		withPDF := false
		if tc.pdf {
			if _, err := pdf.FindBrowser(); err == nil {
				args, withPDF = append(args, "--pdf", pdfFile), true
			} else {
				storetest.Unavailable(t, "no Chromium on PATH (apt-get install chromium)")
			}
		}
		out.Reset()
		if err := run(ctx, args, nil, &out, &out); err != nil {
			t.Fatalf("report %s–%s: %v\n%s", tc.from, tc.to, err, out.String())
		}
		page, err := os.ReadFile(html)
		if err != nil {
			t.Fatal(err)
		}
		verdict, lang, err := reporttest.Verdict(page)
		if err != nil || verdict != tc.verdict || lang != tc.lang {
			t.Errorf("%s: verdict %q lang %q (%v), want %q %q", tc.from, verdict, lang, err, tc.verdict, tc.lang)
		}
		if refs, _ := reporttest.ExternalRefs(page); len(refs) > 0 {
			t.Errorf("%s: external references %q", tc.from, refs)
		}
		// The hash printed is the content's, and the page carries it.
		m := regexp.MustCompile(`content sha256 ([0-9a-f]{64})`).FindStringSubmatch(out.String())
		if !strings.Contains(out.String(), "verdict "+tc.verdict) || m == nil || !bytes.Contains(page, []byte(m[1])) {
			t.Errorf("output %q lacks the verdict or the hash printed on the page", out.String())
		}
		if !strings.Contains(out.String(), "through "+tc.last) {
			t.Errorf("output %q does not name the last day included, %s", out.String(), tc.last)
		}
		if withPDF {
			doc, err := os.ReadFile(pdfFile)
			if err != nil || !bytes.HasPrefix(doc, []byte("%PDF-")) {
				t.Errorf("PDF: %v %.20q", err, doc)
			}
		}
	}

	// Usage errors name what is missing; an unknown unit is an error.
	err := run(ctx, []string{"report", "--unit", "demo"}, nil, &out, &out)
	if _, ok := err.(usageError); !ok {
		t.Errorf("missing flags: %v", err)
	}
	err = run(ctx, []string{"report", "--unit", "nope", "--from", "2025-01-01", "--to", "2025-02-01", "-o", filepath.Join(dir, "x.html")}, nil, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("unknown unit: %v", err)
	}
}
