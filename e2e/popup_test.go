package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/demo/load"
)

// popupBox is where an open popup lies against the summary strip and the map, in page pixels.
type popupBox struct {
	Popup, Strip, Map struct{ Top, Bottom, Left, Right float64 }
}

// hidden says what of the popup is out of sight: under the strip or past the map's edges.
func (p popupBox) hidden() string {
	var out []string
	if p.Popup.Top < p.Strip.Bottom && p.Popup.Right > p.Strip.Left && p.Popup.Left < p.Strip.Right {
		out = append(out, fmt.Sprintf("its top %.0f px lies under the summary strip (bottom %.0f px)", p.Popup.Top, p.Strip.Bottom))
	}
	if p.Popup.Top < p.Map.Top || p.Popup.Left < p.Map.Left || p.Popup.Right > p.Map.Right || p.Popup.Bottom > p.Map.Bottom {
		out = append(out, fmt.Sprintf("it reaches past the map (popup %+v, map %+v)", p.Popup, p.Map))
	}
	return strings.Join(out, "; ")
}

const readPopupBox = `(() => {
	const box = (el) => { const r = el.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
	return {popup: box(document.querySelector('.leaflet-popup-content-wrapper')),
		strip: box(document.querySelector('[data-testid="summary-strip"]')),
		map: box(document.querySelector('[data-testid="map"]'))};
})()`

// TestPopupClearOfSummary opens popups for places just under the chief's summary strip — a key
// area's (with its nights chart) and a cell's (with its weekly series) — at desktop size and on
// a phone: each pans wholly into view below the strip, as Leaflet's auto-pan does at the map's
// edges. It runs today and on the 7th.
func TestPopupClearOfSummary(t *testing.T) {
	for _, d := range todayAnd(seventh) {
		t.Run(d.name, func(t *testing.T) { popupClearOfSummary(t, d) })
	}
}

func popupClearOfSummary(t *testing.T, d testDay) {
	env := loadDemo(t, d.now, false)
	w := env.ward
	b := newBrowser(t)
	b.setDay(t, d)
	b.run(t, "open", desktopScreen.emulate(), chromedp.Navigate(env.srv.URL+"/"), chromedp.WaitVisible(tid("login-form")))
	b.login(t, env.srv.URL, "admin", load.Password)
	var area [2]float64 // lat, lon of the neglected key area's centre
	for _, a := range w.KeyAreas {
		if a.Name == w.Neglected {
			c := a.Geometry.Bound().Center()
			area = [2]float64{c[1], c[0]}
		}
	}
	cell := [2]float64{w.ClusterCentre[1], w.ClusterCentre[0]}
	for _, size := range []screen{desktopScreen, phoneScreen} {
		if size.phone {
			b.run(t, "phone screen", size.emulate(), chromedp.Reload())
			b.ready(t)
		}
		b.wait(t, "summary strip", `document.querySelector('[data-testid="summary-strip"]').dataset.state === 'ready'`)
		for _, place := range []struct {
			name, hit, popup string
			at               [2]float64
		}{
			{"area", hitsAreas, "area-popup", area},
			{"cell", hitsHexagons, "feature-popup", cell},
		} {
			// The place sits 24 px under the strip, in the middle of the map's width.
			b.eval(t, "put the "+place.name+" under the strip", fmt.Sprintf(`(() => {
				const map = document.querySelector('[data-testid="map"]').getBoundingClientRect();
				const strip = document.querySelector('[data-testid="summary-strip"]').getBoundingClientRect();
				window.patrolmapTest.zoomTo(%[1]v, %[2]v, 17);
				window.patrolmapTest.putAt(%[1]v, %[2]v, (strip.left + strip.right) / 2 - map.left, strip.bottom - map.top + 24);
				return true;
			})()`, place.at[0], place.at[1]), nil)
			x, y := b.pointNear(t, place.at[0], place.at[1], place.hit)
			b.run(t, "click the "+place.name, chromedp.MouseClickXY(x, y))
			b.wait(t, place.name+" popup", `document.querySelector('.leaflet-popup [data-testid="`+place.popup+`"]')`)
			// Leaflet pans in 0.25 s; the cell popup may grow once its place is named.
			b.run(t, "pan", chromedp.Sleep(600*time.Millisecond))
			var box popupBox
			b.eval(t, "popup box", readPopupBox, &box)
			if s := box.hidden(); s != "" {
				t.Errorf("%s: the %s popup opened under the strip is not wholly visible: %s", size.name, place.name, s)
			}
			b.screenshot(t, "popup-"+place.name+"-top-"+size.name+dayTag(d))
			b.closePopup(t)
		}
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// box is an element's rectangle in page pixels.
type box struct{ Top, Bottom, Left, Right float64 }

func (a box) overlaps(b box) bool {
	return a.Left < b.Right && b.Left < a.Right && a.Top < b.Bottom && b.Top < a.Bottom
}

// readControls reads the open popup, the map and everything over the map a popup must not lie
// under: Leaflet's controls (zoom buttons, scale, attribution, and any other) and the summary
// cards, each named.
const readControls = `(() => {
	const box = (el) => { const r = el.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
	const shown = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
	const controls = {};
	const map = document.querySelector('[data-testid="map"]');
	map.querySelectorAll('.leaflet-control').forEach((el, i) => {
		if (shown(el)) controls[(el.className.match(/leaflet-control-\w+/) || ['control'])[0] + '-' + i] = box(el);
	});
	controls['summary-cards'] = box(document.querySelector('[data-testid="summary-strip"]'));
	return {popup: box(document.querySelector('.leaflet-popup-content-wrapper')), map: box(map), controls};
})()`

// TestPopupClearOfControls opens a cell's popup at each corner of the map — at the top left,
// where the zoom buttons sit under the summary cards, at the top right, at the bottom left by
// the scale and at the bottom right by the attribution — on a 390×844 phone and at 1280×860:
// every popup pans so that it lies under no control and no summary card, and inside the map.
func TestPopupClearOfControls(t *testing.T) {
	env := loadDemo(t, today, false)
	b := newBrowser(t)
	b.run(t, "open", desktopScreen.emulate(), chromedp.Navigate(env.srv.URL+"/"), chromedp.WaitVisible(tid("login-form")))
	b.login(t, env.srv.URL, "admin", load.Password)
	cell := [2]float64{env.ward.ClusterCentre[1], env.ward.ClusterCentre[0]}
	for _, size := range []screen{desktopScreen, phoneScreen} {
		if size.phone {
			b.run(t, "phone screen", size.emulate(), chromedp.Reload())
			b.ready(t)
		}
		b.wait(t, "summary strip", `document.querySelector('[data-testid="summary-strip"]').dataset.state === 'ready'`)
		// Where the cell is put, in the map's pixels: x from the left (or, negative, the right)
		// edge, y under the summary cards (or, negative, above the map's bottom).
		for _, corner := range []struct {
			name string
			x, y float64
		}{{"top-left", 24, 24}, {"top-right", -24, 24}, {"bottom-left", 24, -16}, {"bottom-right", -24, -16}} {
			b.eval(t, "put the cell at the "+corner.name, fmt.Sprintf(`(() => {
				const map = document.querySelector('[data-testid="map"]').getBoundingClientRect();
				const strip = document.querySelector('[data-testid="summary-strip"]').getBoundingClientRect();
				const x = %[3]v >= 0 ? %[3]v : map.width + %[3]v;
				const y = %[4]v >= 0 ? strip.bottom - map.top + %[4]v : map.height + %[4]v;
				window.patrolmapTest.zoomTo(%[1]v, %[2]v, 17);
				window.patrolmapTest.putAt(%[1]v, %[2]v, x, y);
				return true;
			})()`, cell[0], cell[1], corner.x, corner.y), nil)
			x, y := b.pointNear(t, cell[0], cell[1], hitsHexagons)
			b.run(t, "click the cell at the "+corner.name, chromedp.MouseClickXY(x, y))
			b.wait(t, corner.name+" popup", `document.querySelector('.leaflet-popup [data-testid="feature-popup"]')`)
			b.run(t, "pan", chromedp.Sleep(600*time.Millisecond))
			var got struct {
				Popup, Map box
				Controls   map[string]box
			}
			b.eval(t, "popup and controls", readControls, &got)
			for name, c := range got.Controls {
				if got.Popup.overlaps(c) {
					t.Errorf("%s, %s: the popup %+v lies under the %s %+v", size.name, corner.name, got.Popup, name, c)
				}
			}
			if p, m := got.Popup, got.Map; p.Top < m.Top || p.Left < m.Left || p.Right > m.Right || p.Bottom > m.Bottom {
				t.Errorf("%s, %s: the popup %+v reaches past the map %+v", size.name, corner.name, p, m)
			}
			b.screenshot(t, "popup-controls-"+corner.name+"-"+size.name)
			b.closePopup(t)
		}
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
