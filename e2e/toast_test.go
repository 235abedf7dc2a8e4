package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/demo/load"
)

// signInOnPhone signs in through the map's login form on a phone screen, where the user's name
// sits in the ⋮ menu (login waits for it to show).
func (b *browser) signInOnPhone(t testing.TB, base, user string) {
	t.Helper()
	b.run(t, "sign in on the phone as "+user,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(tid("login-username")),
		chromedp.SendKeys(tid("login-username"), user),
		chromedp.SendKeys(tid("login-password"), load.Password),
		chromedp.Click(tid("login-submit")),
		chromedp.WaitVisible(`body[data-ready="true"]`),
	)
}

// switchLanguageOnPhone presses VI/EN in the ⋮ menu and waits for the page's language.
func (b *browser) switchLanguageOnPhone(t testing.TB, lang string) {
	t.Helper()
	b.run(t, "switch to "+lang, chromedp.Click(tid("menu-toggle")), chromedp.WaitVisible(tid("lang-toggle")), chromedp.Click(tid("lang-toggle")))
	b.wait(t, "language "+lang, `document.documentElement.lang === '`+lang+`'`)
}

// TestToastFollowsLanguage: an officer on a 390×844 phone records an incident from the map.
// "Add an incident" slides the panel away to show the map and says where to tap in a message;
// switching the language while it shows writes it again in English, and the saved message, in
// English, is written again in Vietnamese on switching back. It runs today and on the 31st.
func TestToastFollowsLanguage(t *testing.T) {
	for _, d := range todayAnd(monthEnd) {
		t.Run(d.name, func(t *testing.T) { toastFollowsLanguage(t, d) })
	}
}

func toastFollowsLanguage(t *testing.T, d testDay) {
	env := loadDemo(t, d.now, false)
	base := env.srv.URL
	b := newBrowser(t)
	b.setDay(t, d)
	b.run(t, "phone screen", phoneScreen.emulate())
	b.signInOnPhone(t, base, env.ward.Officers[0].Username)
	if got := b.text(t, `[data-testid="incident-add"]`); got != "Thêm vụ việc trên bản đồ" {
		t.Fatalf("the add button reads %q, want Vietnamese first", got)
	}
	message := func() string { return b.text(t, `[data-testid="message-text"]`) }

	b.run(t, "add an incident from the panel",
		chromedp.Click(tid("panel-toggle")),
		chromedp.WaitVisible(tid("incident-add")),
		chromedp.Sleep(300*time.Millisecond), // the panel slides in
		chromedp.Click(tid("incident-add")),
	)
	b.wait(t, "the panel gives the map back", `!document.body.classList.contains('panel-open')`)
	b.wait(t, "where to tap", `(document.querySelector('[data-testid="message-text"]') || {}).textContent === 'Chạm vào nơi xảy ra vụ việc trên bản đồ.'`)
	b.switchLanguageOnPhone(t, "en")
	if got := message(); got != "Tap where it happened on the map." {
		t.Errorf("after switching to English the message reads %q", got)
	}
	b.screenshot(t, "toast-english-phone"+dayTag(d))

	// A tap on the map closes the menu and opens the form there (Esc would cancel the pick too).
	var centre struct{ X, Y float64 }
	b.eval(t, "map centre", `(() => { const r = document.querySelector('[data-testid="map"]').getBoundingClientRect(); return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()`, &centre)
	b.run(t, "tap the map", chromedp.MouseClickXY(centre.X, centre.Y), chromedp.WaitVisible(tid("incident-form")))
	b.selectValue(t, "incident-category", "theft")
	b.run(t, "save", chromedp.Click(tid("incident-save")))
	b.wait(t, "saved", `(document.querySelector('[data-testid="message-text"]') || {}).textContent === 'Incident recorded.'`)
	b.switchLanguageOnPhone(t, "vi")
	if got := message(); got != "Đã ghi nhận vụ việc." {
		t.Errorf("after switching back to Vietnamese the message reads %q", got)
	}
	b.screenshot(t, "toast-vietnamese-phone"+dayTag(d))
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
