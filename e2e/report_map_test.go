package e2e

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/demo/load"
)

// TestReportFromMap drives the map's "Lập báo cáo" action in headless Chromium: the card takes
// the map's period (both ends included), previews the verdict and its lines, links the page and
// the PDF with the half-open query the API expects, archives a numbered report and lists it
// with its number, period, verdict and hash; the same at phone size. It runs today and on 29
// February, with the demo, the server and the browser's clock on that day.
func TestReportFromMap(t *testing.T) {
	for _, tc := range []struct {
		name string
		now  clock
	}{{"today", today}, {leapDay.Format(time.DateOnly), onDay(leapDay)}} {
		t.Run(tc.name, func(t *testing.T) { reportFromMap(t, tc.name, tc.now) })
	}
}

func reportFromMap(t *testing.T, name string, now clock) {
	env := loadDemo(t, now, false)
	base := env.srv.URL
	w := env.ward
	b := newBrowser(t)
	b.setClock(t, now)
	b.run(t, "open", desktopScreen.emulate(), chromedp.Navigate(base+"/"), chromedp.WaitVisible(tid("login-form")))
	b.login(t, base, "admin", load.Password)

	b.run(t, "open the report card", chromedp.Click(tid("report-open")), chromedp.WaitVisible(tid("report-panel")))
	b.wait(t, "archive list", `document.querySelector('[data-testid="report-list-empty"], [data-testid="report-list"]')`)
	if got := b.text(t, `[data-testid="report-open"]`); got != "Lập báo cáo" {
		t.Errorf("the action reads %q", got)
	}
	// The card starts with the map's period: the 30 days through the clock's today.
	if got, want := b.text(t, `[data-testid="report-period"]`), "Từ ngày "+w.Day.AddDate(0, 0, -29).Format("02/01/2006")+
		" đến hết ngày "+w.Day.Format("02/01/2006"); got != want {
		t.Errorf("the card opens on %q, want %q", got, want)
	}
	// The last six weeks, through yesterday: type the days as people do (dd/mm/yyyy).
	first := w.Day.AddDate(0, 0, -42)
	last := w.Day.AddDate(0, 0, -1)
	typeDate := func(testid string, d time.Time) {
		var cleared bool
		b.eval(t, "clear "+testid, `(() => { const e = document.querySelector('[data-testid="`+testid+`"]'); e.value = ''; return true; })()`, &cleared)
		b.run(t, "type "+testid,
			chromedp.SendKeys(tid(testid), d.Format("02/01/2006")),
			chromedp.Blur(tid(testid)))
	}
	typeDate("report-from", first)
	typeDate("report-to", last)
	wantPeriod := "Từ ngày " + first.Format("02/01/2006") + " đến hết ngày " + last.Format("02/01/2006")
	b.wait(t, "period words", `(document.querySelector('[data-testid="report-period"]')||{}).textContent === `+js(wantPeriod))

	// The page and PDF links ask for [first, last + 1 day): "đến hết ngày" is inclusive.
	var href, pdfHref string
	b.eval(t, "links", `document.querySelector('[data-testid="report-html"]').getAttribute('href')`, &href)
	b.eval(t, "pdf link", `document.querySelector('[data-testid="report-pdf"]').getAttribute('href')`, &pdfHref)
	wantQuery := "from=" + first.Format(time.DateOnly) + "&to=" + w.Day.Format(time.DateOnly)
	if !strings.Contains(href, wantQuery) || !strings.Contains(pdfHref, wantQuery) || !strings.Contains(pdfHref, "format=pdf") {
		t.Errorf("links %q and %q, want %s", href, pdfHref, wantQuery)
	}
	var status int
	b.eval(t, "fetch the page", `fetch(`+js(href)+`).then(r => r.status)`, &status)
	if status != http.StatusOK {
		t.Errorf("the report page answers %d", status)
	}

	b.run(t, "preview", chromedp.Click(tid("report-preview")))
	b.wait(t, "verdict", `document.querySelector('[data-testid="report-verdict"]')`)
	verdict := b.text(t, `[data-testid="report-verdict"]`)
	if !strings.Contains(verdict, "Chưa đạt tiêu chí") || !strings.Contains(verdict, "Ma túy") || !strings.Contains(verdict, "Khu vực trọng điểm") {
		t.Errorf("preview reads %q, want the demo's drugs problem hotspot and the three lines", verdict)
	}
	b.screenshot(t, "report-card-"+name)

	b.run(t, "archive", chromedp.Click(tid("report-archive")))
	b.wait(t, "archived", `document.querySelector('[data-testid="report-archived"]')`)
	b.wait(t, "listed", `document.querySelectorAll('[data-testid="report-row"]').length === 1`)
	var number, sum string
	b.eval(t, "number", `document.querySelector('[data-testid="report-archived"]').dataset.number`, &number)
	b.eval(t, "hash", `document.querySelector('[data-testid="report-archived"]').dataset.sha256`, &sum)
	if !regexp.MustCompile(`^1/BC-`).MatchString(number) || len(sum) != 64 {
		t.Errorf("archived as %q with hash %q", number, sum)
	}
	row := b.text(t, `[data-testid="report-row"]`)
	for _, want := range []string{number, first.Format("02/01/2006"), last.Format("02/01/2006"), "Chưa đạt tiêu chí", sum[:8]} {
		if !strings.Contains(row, want) {
			t.Errorf("the archive row %q lacks %q", row, want)
		}
	}
	// The hash the card shows is the one anyone can verify.
	b.eval(t, "verify", `fetch('/verify/`+sum+`', {credentials: 'omit'}).then(r => r.status)`, &status)
	if status != http.StatusOK {
		t.Errorf("/verify answers %d", status)
	}
	b.screenshot(t, "report-archived-"+name)

	// English on request, and at phone size the card fills the screen.
	b.run(t, "phone", chromedp.EmulateViewport(390, 844))
	b.run(t, "english", chromedp.Click(tid("menu-toggle")), chromedp.Click(tid("lang-toggle")))
	b.wait(t, "english card", `document.querySelector('#report-title').textContent === 'Criterion report'`)
	b.screenshot(t, "report-phone-"+name)
	// The report page itself reads on the phone: nothing pushes it sideways.
	b.run(t, "the report page on the phone", chromedp.Navigate(base+href), chromedp.WaitVisible(`#verdict`))
	var width struct{ Page, Screen int }
	b.eval(t, "report width", `({page: document.documentElement.scrollWidth, screen: document.documentElement.clientWidth})`, &width)
	if width.Page > width.Screen {
		t.Errorf("the report page is %d px wide on a %d px phone", width.Page, width.Screen)
	}
	b.screenshot(t, "report-page-phone-"+name)
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %q", errs)
	}
}
