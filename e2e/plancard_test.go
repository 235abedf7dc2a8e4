package e2e

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/demo/load"
)

// planCardLayout is what the page says of the open plan card, the map's controls and the stops.
type planCardLayout struct {
	PanelOpen   bool     // the side panel still covers the map
	UnderCard   []string // controls drawn over the card's text (the topmost element there is not the card)
	Stops       int
	HiddenStops []string // stop badges under the summary strip or the card, or off the map
}

// readPlanCard looks at every visible map control that meets the card: the card must be on top
// there (a phone), or none may meet it (a desktop, where they move aside). It also checks that
// each numbered stop of the route shows between the strip and the card.
const readPlanCard = `(() => {
	const box = (el) => el.getBoundingClientRect();
	const shown = (el) => getComputedStyle(el).display !== 'none' && box(el).width > 0 && box(el).height > 0;
	const card = document.querySelector('[data-testid="plan-panel"]');
	const c = box(card);
	const under = [];
	for (const el of document.querySelectorAll('.leaflet-control, [data-testid="no-basemap"]')) {
		if (!shown(el)) continue;
		const r = box(el);
		const left = Math.max(r.left, c.left), right = Math.min(r.right, c.right);
		const top = Math.max(r.top, c.top), bottom = Math.min(r.bottom, c.bottom);
		if (right - left < 1 || bottom - top < 1) continue;
		const hit = document.elementFromPoint((left + right) / 2, (top + bottom) / 2);
		if (!card.contains(hit)) under.push((el.dataset.testid || el.className) + ' over the card');
	}
	const map = box(document.querySelector('[data-testid="map"]'));
	const strip = box(document.querySelector('[data-testid="summary-strip"]'));
	const hidden = [];
	const stops = [...document.querySelectorAll('.route-stop-icon')].filter((m) => /^\d+$/.test(m.textContent.trim()));
	for (const m of stops) {
		const r = box(m);
		const x = (r.left + r.right) / 2, y = (r.top + r.bottom) / 2;
		const free = y > strip.bottom && x > map.left && x < map.right && y < map.bottom &&
			!(x > c.left && x < c.right && y > c.top && y < c.bottom);
		if (!free) hidden.push(m.textContent.trim() + ' at ' + Math.round(x) + ',' + Math.round(y));
	}
	return {panelOpen: document.body.classList.contains('panel-open'), underCard: under, stops: stops.length, hiddenStops: hidden};
})()`

// TestPlanCardClearOfControls opens the plan card from the side panel on a 390×844 phone and at
// 1280×860: on the phone the panel slides away to show the route (and the report card), and the
// card lies over the
// map's scale, attribution and no-basemap note rather than under them; at 1280 those move left
// of the card. On both, every numbered stop shows below the summary strip and beside (or above)
// the card.
func TestPlanCardClearOfControls(t *testing.T) {
	env := loadDemo(t, today, false)
	b := newBrowser(t)
	b.login(t, env.srv.URL, "admin", load.Password)
	for _, size := range []screen{phoneScreen, desktopScreen} {
		t.Run(size.name, func(t *testing.T) {
			b.run(t, "screen", size.emulate(), chromedp.Reload())
			b.ready(t)
			b.wait(t, "summary", `document.querySelector('[data-testid="summary-strip"]').dataset.state === 'ready'`)
			if size.phone {
				b.run(t, "open the side panel", chromedp.Click(tid("panel-toggle")))
				b.wait(t, "panel open", `document.body.classList.contains('panel-open')`)
				b.run(t, "panel slid in", chromedp.Sleep(500*time.Millisecond))
			}
			b.run(t, "open the plan", chromedp.Click(tid("plan-open")))
			b.wait(t, "plan drawn", `document.querySelector('[data-testid="plan-panel"]').dataset.state === 'ready' &&
				document.querySelector('[data-testid="layer-toggle-routes"]').dataset.state === 'ready'`)
			b.run(t, "settle", chromedp.Sleep(700*time.Millisecond))
			var got planCardLayout
			b.eval(t, "the card", readPlanCard, &got)
			b.screenshot(t, "plan-card-"+size.name)
			if got.PanelOpen {
				t.Error("the side panel still covers the map with the plan open")
			}
			if len(got.UnderCard) > 0 {
				t.Errorf("map controls drawn over the plan card: %v", got.UnderCard)
			}
			if got.Stops < 3 {
				t.Fatalf("%d numbered stops on the map: the test needs a route", got.Stops)
			}
			if len(got.HiddenStops) > 0 {
				t.Errorf("stops under the strip or the card, or off the map: %v (of %d)", got.HiddenStops, got.Stops)
			}
			b.run(t, "close the plan", chromedp.Click(tid("plan-close")))
			if !size.phone {
				return
			}
			// The report card, opened from the side panel too, is not left under it either.
			b.run(t, "open the side panel", chromedp.Click(tid("panel-toggle")))
			b.wait(t, "panel open", `document.body.classList.contains('panel-open')`)
			b.run(t, "panel slid in", chromedp.Sleep(500*time.Millisecond))
			b.run(t, "open the report card", chromedp.Click(tid("report-open")))
			b.wait(t, "report card", `document.body.classList.contains('report-open')`)
			var panelOpen bool
			b.eval(t, "panel", `document.body.classList.contains('panel-open')`, &panelOpen)
			if panelOpen {
				t.Error("the side panel still covers the report card")
			}
			b.run(t, "close the report", chromedp.Click(tid("report-close")))
		})
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
