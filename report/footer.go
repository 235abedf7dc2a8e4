package report

import (
	"fmt"
	"html"
)

// PDFFooter is the footer printed on every page of a report's PDF (Chromium's footerTemplate):
// the report's number ("Bản nháp, chưa lưu trữ" for a draft), page x/y, the data cut-off as
// written in the report, and the SHA-256 of its content. It sits in the bottom margin, inside
// the left and right margins of the page.
func PDFFooter(lang, number, cutoff, sum string) string {
	words := [4]string{"Số", "Trang", "Số liệu đến", "Bản nháp, chưa lưu trữ"}
	if lang == LangEN {
		words = [4]string{"No.", "Page", "Data up to", "Draft, not archived"}
	}
	if number == "" {
		number = words[3]
	}
	return fmt.Sprintf(`<div style="font-family:'Liberation Serif','Times New Roman',serif;font-size:7.5pt;width:100%%;box-sizing:border-box;padding:0 15mm 0 30mm;color:#222">`+
		`<div style="display:flex;justify-content:space-between"><span>%s %s</span><span>%s <span class="pageNumber"></span>/<span class="totalPages"></span></span><span>%s %s</span></div>`+
		`<div style="font-family:'Liberation Mono',monospace;font-size:6.5pt;text-align:center">SHA-256: %s</div></div>`,
		words[0], html.EscapeString(number), words[1], words[2], html.EscapeString(cutoff), html.EscapeString(sum))
}
