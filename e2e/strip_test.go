package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/demo/load"
)

// stripLayout is what the page says of the summary strip's words and the map's controls.
type stripLayout struct {
	Tonight struct {
		Shown        bool
		Text, Value  string
		Inside       bool // within the viewport and the map
		Cut          bool
		Overlaps     []string
		Left, Bottom float64
	}
	TileTonight struct {
		Shown bool
		Text  string
	}
	Cut      []string // labels and sub-lines that do not show whole
	Overlaps []string // tiles lying over a map control
	Outside  []string // tiles outside the viewport
	Controls []string // map controls outside the map
	Want     string   // met_tonight/total as /summary answers for the page's period
}

// readStrip measures the strip against the map's controls (zoom, scale, attribution, the
// no-basemap note) and the header, and asks /summary for tonight's count over the page's period.
const readStrip = `(async () => {
	const box = (el) => el.getBoundingClientRect();
	const shown = (el) => !!el && getComputedStyle(el).display !== 'none' && box(el).width > 0 && box(el).height > 0;
	const meet = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
	const cut = (el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
	const name = (el) => el.dataset.testid || el.className;
	const map = box(document.querySelector('[data-testid="map"]'));
	const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
	const within = (r, o) => r.left >= o.left - 0.5 && r.right <= o.right + 0.5 && r.top >= o.top - 0.5 && r.bottom <= o.bottom + 0.5;
	const view = {left: 0, top: 0, right: vw, bottom: vh};
	const controls = [...document.querySelectorAll('.leaflet-control, [data-testid="no-basemap"], .topbar')].filter(shown);
	const overlaps = (el) => controls.filter((c) => meet(box(el), box(c))).map(name);
	const out = {cut: [], overlaps: [], outside: [], controls: []};
	for (const c of document.querySelectorAll('.leaflet-control')) if (shown(c) && !within(box(c), map)) out.controls.push(name(c));
	for (const tile of document.querySelectorAll('.summary-tile')) {
		if (!within(box(tile), view)) out.outside.push(name(tile));
		for (const o of overlaps(tile)) out.overlaps.push(name(tile) + ' over ' + o);
		for (const part of tile.querySelectorAll('.summary-label, .summary-sub')) if (shown(part) && cut(part)) out.cut.push(part.textContent);
	}
	const line = document.querySelector('[data-testid="summary-tonight"]');
	out.tonight = {shown: shown(line), text: line ? line.textContent : '', value: line ? line.dataset.value : '',
		inside: !!line && within(box(line), view) && within(box(line), map), cut: !!line && cut(line),
		overlaps: line ? overlaps(line) : [], left: line ? box(line).left : 0, bottom: line ? box(line).bottom : 0};
	const sub = document.querySelector('[data-testid="summary-keyareas-tonight"]');
	out.tileTonight = {shown: shown(sub), text: sub ? sub.textContent : ''};
	const from = document.querySelector('[data-testid="date-from"]').dataset.iso;
	const last = document.querySelector('[data-testid="date-to"]').dataset.iso;
	const to = new Date(Date.parse(last + 'T00:00:00Z') + 86400000).toISOString().slice(0, 10);
	const s = await (await fetch('/api/v1/summary?unit=demo&from=' + from + '&to=' + to, {credentials: 'same-origin'})).json();
	out.want = s.key_areas.tonight ? s.key_areas.met_tonight + '/' + s.key_areas.total : '';
	return out;
})()`

// TestSummaryStripTonight opens the map at 02:30, the night under way, in Vietnamese and English,
// on a 390×844 phone and at 1280×860. On the phone the strip shows tonight's progress as a line
// of its own — visible, whole, inside the screen and the map, over no map control — with the
// count /summary gives (met_tonight/total); at 1280 the key areas tile says it, and no label or
// sub-line of any tile is cut. No tile lies over a map control on either.
func TestSummaryStripTonight(t *testing.T) {
	d := testDay{name: "leap-day-0230", now: onDay(insideNight(leapDay))}
	env := loadDemo(t, d.now, false)
	b := newBrowser(t)
	b.setDay(t, d)
	b.login(t, env.srv.URL, "admin", load.Password)
	for _, lang := range []struct{ code, line string }{{"vi", "Đêm nay: đã đạt %s khu vực trọng điểm"}, {"en", "Tonight: %s key areas met so far"}} {
		for _, size := range []screen{phoneScreen, desktopScreen} {
			t.Run(lang.code+"-"+size.name, func(t *testing.T) {
				b.run(t, "screen", size.emulate(),
					chromedp.Evaluate[chromedp.Void](`localStorage.setItem('patrolmap.lang', `+js(lang.code)+`)`), chromedp.Reload())
				b.ready(t)
				b.wait(t, "summary", `document.documentElement.lang === `+js(lang.code)+` && document.querySelector('[data-testid="summary-strip"]').dataset.state === 'ready'`)
				// The zoom buttons move below the strip when its ResizeObserver reports the new
				// height, a frame or more after the words are drawn; a strip that never makes room
				// fails here.
				b.wait(t, "zoom buttons below the strip", controlsBelowStrip)
				var got stripLayout
				b.eval(t, "the strip", readStrip, &got)
				b.screenshot(t, "strip-"+size.name+"-"+lang.code)
				if got.Want == "" {
					t.Fatal("/summary names no night under way at 02:30: the test needs one")
				}
				if len(got.Cut) > 0 {
					t.Errorf("cut in the strip: %q", got.Cut)
				}
				if len(got.Overlaps) > 0 || len(got.Outside) > 0 || len(got.Controls) > 0 {
					t.Errorf("tiles over controls %v, tiles outside the screen %v, controls outside the map %v", got.Overlaps, got.Outside, got.Controls)
				}
				if size.phone {
					tn := got.Tonight
					if want := fmt.Sprintf(lang.line, got.Want); !tn.Shown || tn.Text != want || tn.Value != got.Want {
						t.Errorf("phone: tonight's line %+v, want %q shown", tn, want)
					}
					if !tn.Inside || tn.Cut || len(tn.Overlaps) > 0 {
						t.Errorf("phone: tonight's line inside the screen and map %v, cut %v, over %v", tn.Inside, tn.Cut, tn.Overlaps)
					}
					return
				}
				if got.Tonight.Shown {
					t.Errorf("desktop: tonight's line shows beside the key areas tile's own (%q)", got.Tonight.Text)
				}
				if !got.TileTonight.Shown || !strings.Contains(got.TileTonight.Text, got.Want) {
					t.Errorf("desktop: the key areas tile says %+v of tonight, want %s", got.TileTonight, got.Want)
				}
			})
		}
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// TestSummaryStripByDay opens the map at 15:00, between nights: /summary names the coming night
// as tonight (met 0 so far), but the strip says nothing of it until it begins — '0/9 met so
// far' of a night not begun read as a failure all day — on a phone and at 1280×860.
func TestSummaryStripByDay(t *testing.T) {
	y, m, d := leapDay.Date()
	day := testDay{name: "leap-day-1500", now: onDay(time.Date(y, m, d, 15, 0, 0, 0, ict))}
	env := loadDemo(t, day.now, false)
	b := newBrowser(t)
	b.setDay(t, day)
	b.login(t, env.srv.URL, "admin", load.Password)
	for _, size := range []screen{phoneScreen, desktopScreen} {
		t.Run(size.name, func(t *testing.T) {
			b.run(t, "screen", size.emulate(), chromedp.Reload())
			b.ready(t)
			b.wait(t, "summary", `document.querySelector('[data-testid="summary-strip"]').dataset.state === 'ready'`)
			var got stripLayout
			b.eval(t, "the strip", readStrip, &got)
			if got.Want == "" {
				t.Fatal("/summary names no coming night at 15:00: the test checks nothing")
			}
			if got.Tonight.Shown || got.TileTonight.Shown {
				t.Errorf("at 15:00 the strip speaks of tonight, not begun: line %q, tile %q", got.Tonight.Text, got.TileTonight.Text)
			}
			if len(got.Cut) > 0 || len(got.Overlaps) > 0 {
				t.Errorf("cut %q, over controls %v", got.Cut, got.Overlaps)
			}
		})
	}
}

// controlsBelowStrip is true once the zoom buttons start below the summary strip and tonight's
// line, as summary.js places them.
const controlsBelowStrip = `(() => {
	const zoom = document.querySelector('.leaflet-control-zoom');
	if (!zoom) return false;
	const top = zoom.getBoundingClientRect().top;
	return [...document.querySelectorAll('[data-testid="summary-strip"], [data-testid="summary-tonight"]')]
		.every((el) => el.offsetParent === null || el.getBoundingClientRect().bottom <= top);
})()`
