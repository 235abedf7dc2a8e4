package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/demo/load"
)

// planStop is a stop as a page lists it: its kind and the name the server gave it.
type planStop struct {
	Kind, Name string
}

// checkStopNames fails unless stops hold gap stops and every one of them is named in lang
// (the server's words: "Ngõ 11 … — chưa tuần tra 14 đêm, 2 vụ việc tại đây" or "Ngõ 11 … —
// unpatrolled for 14 nights, 2 incidents here"), with no Vietnamese gap name left in English,
// and the gap stops are not all said alike: what follows the place tells them apart.
func checkStopNames(t *testing.T, where, lang string, stops []planStop) {
	t.Helper()
	word := map[string]string{"vi": "chưa tuần tra", "en": "unpatrolled"}[lang]
	gaps := 0
	kinds := map[string]bool{}
	for _, s := range stops {
		if lang == "en" && (strings.Contains(s.Name, "chưa tuần tra") || strings.Contains(s.Name, "vụ việc")) {
			t.Errorf("%s, English: stop %q is named in Vietnamese", where, s.Name)
		}
		if s.Kind != "gap" {
			continue
		}
		gaps++
		if !strings.Contains(s.Name, word) || strings.HasPrefix(s.Name, "Vùng chưa tuần tra,") || strings.HasPrefix(s.Name, "Unpatrolled cell") {
			t.Errorf("%s, %s: gap stop named %q, want it to say %q after its place", where, lang, s.Name, word)
		}
		_, kind, _ := strings.Cut(s.Name, " — ")
		kinds[kind] = true
	}
	if gaps == 0 {
		t.Fatalf("%s, %s: no gap stop among %d stops; the test needs some", where, lang, len(stops))
	}
	if gaps > 1 && len(kinds) < 2 {
		t.Errorf("%s, %s: all %d gap stops are said alike (%v)", where, lang, gaps, kinds)
	}
}

// TestEnglishStopNames: with the page in English the suggested route's stops are named in
// English — on the map's plan card (1280×860), in its GPX download (the same names, numbered)
// and on the officer view (390×844) — and a switch back to Vietnamese names them in Vietnamese
// again without reopening anything.
func TestEnglishStopNames(t *testing.T) {
	env := loadDemo(t, today, false)
	base := env.srv.URL

	t.Run("map plan card and GPX", func(t *testing.T) {
		b := newBrowser(t)
		b.login(t, base, "admin", load.Password)
		b.run(t, "English", chromedp.Click(tid("lang-toggle")))
		b.wait(t, "English", `document.documentElement.lang === 'en'`)
		b.run(t, "open the plan", chromedp.Click(tid("plan-open")))
		b.wait(t, "plan ready", `document.querySelector('[data-testid="plan-panel"]').dataset.state === 'ready'`)
		readCard := func() []planStop {
			var stops []planStop
			b.eval(t, "the card's stops", `[...document.querySelectorAll('[data-testid="plan-stops"] > li')].map((li) => ({
				kind: li.dataset.kind, name: li.querySelector('.plan-stop-name').textContent}))`, &stops)
			return stops
		}
		stops := readCard()
		checkStopNames(t, "plan card", "en", stops)
		b.screenshot(t, "plan-card-en")

		// The GPX the card offers names its waypoints as the card does, numbered.
		var gpx struct {
			Href  string
			Names []string
		}
		b.eval(t, "the GPX", `(async () => {
			const href = document.querySelector('[data-testid="plan-gpx"]').getAttribute('href');
			const text = await (await fetch(href, {credentials: 'same-origin'})).text();
			const doc = new DOMParser().parseFromString(text, 'application/xml');
			return {href, names: [...doc.querySelectorAll('wpt > name')].map((n) => n.textContent)};
		})()`, &gpx)
		if !strings.Contains(gpx.Href, "lang=en") {
			t.Errorf("the GPX link %q does not ask for English", gpx.Href)
		}
		if len(gpx.Names) != len(stops) {
			t.Fatalf("the GPX has %d waypoints, the card %d stops", len(gpx.Names), len(stops))
		}
		for i, s := range stops {
			if want := fmt.Sprintf("%d. %s", i, s.Name); gpx.Names[i] != want {
				t.Errorf("waypoint %d is %q, want the card's stop, numbered: %q", i, gpx.Names[i], want)
			}
		}

		// Back to Vietnamese: the open card asks again and names the stops in Vietnamese.
		b.run(t, "Vietnamese", chromedp.Click(tid("lang-toggle")))
		b.wait(t, "Vietnamese names", `document.documentElement.lang === 'vi' &&
			document.querySelector('[data-testid="plan-panel"]').dataset.state === 'ready' &&
			[...document.querySelectorAll('[data-testid="plan-stops"] > li[data-kind="gap"] .plan-stop-name')].some((n) => n.textContent.includes('chưa tuần tra'))`)
		vi := readCard()
		checkStopNames(t, "plan card", "vi", vi)
		if len(vi) != len(stops) {
			t.Errorf("the card lists %d stops in Vietnamese, %d in English", len(vi), len(stops))
		}
		if errs := b.consoleErrors(); len(errs) > 0 {
			t.Errorf("console errors: %v", errs)
		}
	})

	t.Run("officer view on a phone", func(t *testing.T) {
		b := newBrowser(t)
		b.run(t, "sign in on the officer view", phoneScreen.emulate(),
			chromedp.Navigate(base+"/officer/"), chromedp.WaitVisible(tid("officer-login")),
			chromedp.SendKeys(`[data-testid="officer-username"]`, env.ward.Officers[0].Username),
			chromedp.SendKeys(`[data-testid="officer-password"]`, load.Password),
			chromedp.Click(`[data-testid="officer-login-submit"]`),
			chromedp.WaitVisible(`body[data-ready="true"]`))
		read := func() []planStop {
			var stops []planStop
			b.eval(t, "the stops", `[...document.querySelectorAll('[data-testid="officer-stop"]')].map((li) => ({
				kind: li.dataset.kind || '', name: li.querySelector('.stop-name').textContent}))`, &stops)
			return stops
		}
		checkStopNames(t, "officer view", "vi", read())
		b.run(t, "switch to English", chromedp.Click(`[data-testid="officer-lang"]`))
		b.wait(t, "English names", `document.documentElement.lang === 'en' &&
			![...document.querySelectorAll('[data-testid="officer-stop"] .stop-name')].some((n) => n.textContent.includes('chưa tuần tra'))`)
		checkStopNames(t, "officer view", "en", read())
		viewShot(t, b, "officer-390-stops-en-names", `[data-testid="officer-stops"]`)
		if errs := b.consoleErrors(); len(errs) > 0 {
			t.Errorf("console errors: %v", errs)
		}
	})
}
