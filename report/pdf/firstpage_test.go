package pdf_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/patrolmap/patrolmap/report/pdf"
)

// TestLongVerdictStartsOnPageOne prints the report's own verdict rules (the template's
// .verdict, .verdict.short and row rules, copied by reading the template) around a verdict box
// too tall for the rest of page 1 — six problem hotspots with long cell lists — and checks that
// the box starts on page 1 and goes on to page 2 rather than leaving page 1 empty, as the box
// kept whole did.
func TestLongVerdictStartsOnPageOne(t *testing.T) {
	path := browser(t)
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is missing (apt-get install poppler-utils)")
	}
	tmpl, err := os.ReadFile(filepath.Join("..", "report.html.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, line := range strings.Split(string(tmpl), "\n") {
		if strings.HasPrefix(line, ".verdict") || strings.HasPrefix(line, "tr {") {
			rules = append(rules, line)
		}
	}
	if len(rules) < 3 {
		t.Fatalf("found %d verdict rules in the template", len(rules))
	}
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><style>@page { size: A4; margin: 20mm 15mm 20mm 30mm }
body { font: 13pt serif } header { height: 90mm }` + strings.Join(rules, "\n") + `</style></head><body><header>QUỐC HIỆU</header>
<section class="verdict fail" id="verdict"><div>Tiêu chí</div><div class="word">CHƯA ĐẠT TIÊU CHÍ</div><p>Có tụ điểm phức tạp:</p><ol>`)
	for i := 0; i < 6; i++ {
		b.WriteString(`<li>Tụ điểm ` + string(rune('A'+i)) + strings.Repeat(` 8a415c31c057fff,`, 40) + `</li>`)
	}
	b.WriteString(`</ol><table><tr><td>Dòng cuối của khung kết luận</td></tr></table></section></body></html>`)
	out, err := pdf.Render(context.Background(), []byte(b.String()), pdf.Options{ExecPath: path})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "long.pdf")
	if err := os.WriteFile(file, out, 0o644); err != nil {
		t.Fatal(err)
	}
	page := func(n string) string {
		text, err := exec.Command("pdftotext", "-f", n, "-l", n, file, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext page %s: %v", n, err)
		}
		return string(text)
	}
	if p1 := page("1"); !strings.Contains(p1, "CHƯA ĐẠT TIÊU CHÍ") || !strings.Contains(p1, "Tụ điểm A") {
		t.Errorf("page 1 lacks the verdict and its first hotspot:\n%s", p1)
	}
	if p2 := page("2"); !strings.Contains(p2, "Dòng cuối của khung kết luận") {
		t.Errorf("page 2 lacks the rest of the verdict box:\n%s", p2)
	}
}
