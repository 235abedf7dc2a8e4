package e2e

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/demo/load"
	"github.com/patrolmap/patrolmap/patrol"
)

// wideUnit is a ward four times as wide as it is high (about 4.1 km by 1.1 km), with a long name.
const (
	wideUnit     = `{"type":"Polygon","coordinates":[[[105.830,21.455],[105.870,21.455],[105.870,21.465],[105.830,21.465],[105.830,21.455]]]}`
	wideUnitName = "Phường Nguyễn Trung Trực, quận Ba Đình (địa bàn mở rộng)"
)

// pickerLook is the unit picker as a phone shows it.
type pickerLook struct {
	Text, Title, Selected string
	Shown, Cut, InHeader  bool
	Lines                 float64
	TapOpens              bool // a tap on the name reaches the select
}

// TestPhoneUnitPicker: on a 390×844 phone the unit picker shows the chosen unit's whole name —
// on up to two lines, a longer one shortened with an ellipsis, the full name in its title and in
// the native list a tap still opens — where the closed select cut it at one line
// ('Phường Mẫu (dữ liệu mô ph', 'Phường Nguyễn Trung Trực,').
func TestPhoneUnitPicker(t *testing.T) {
	env, b := phoneWithWideUnit(t)
	p := phonePicker(t, b)
	if !p.Shown || p.Cut || !p.InHeader || p.Text != env.ward.Name || p.Title != env.ward.Name || !p.TapOpens {
		t.Errorf("phone, %s: the picker shows %+v, want the whole name inside the header over the select", env.ward.Name, p)
	}
	b.run(t, "settle", chromedp.Sleep(800*time.Millisecond))
	b.screenshot(t, "phone-unit-picker-demo")
	b.selectValue(t, "unit-picker", "wide")
	b.ready(t)
	p = phonePicker(t, b)
	if !p.Shown || !p.InHeader || p.Text != wideUnitName || p.Title != wideUnitName || p.Selected != wideUnitName || p.Lines > 2.05 || !p.TapOpens {
		t.Errorf("phone, a long name: the picker shows %+v, want it on at most two lines inside the header, the full name in its title", p)
	}
	b.run(t, "settle", chromedp.Sleep(800*time.Millisecond))
	b.screenshot(t, "phone-unit-picker-long")
	// At 1280 the select shows as before, and the phone's label not at all.
	b.run(t, "desktop", desktopScreen.emulate(), chromedp.Reload())
	b.ready(t)
	var desk struct{ LabelShown, SelectShown bool }
	b.eval(t, "desktop picker", `({labelShown: document.querySelector('[data-testid="unit-picker-text"]').getBoundingClientRect().width > 0,
		selectShown: getComputedStyle(document.querySelector('[data-testid="unit-picker"]')).opacity === '1'})`, &desk)
	if desk.LabelShown || !desk.SelectShown {
		t.Errorf("1280x860: %+v, want the plain select", desk)
	}
	b.run(t, "settle", chromedp.Sleep(1500*time.Millisecond))
	b.screenshot(t, "desktop-unit-picker")
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// phoneWithWideUnit serves the demo with w2 and the wide unit, signed in as the demo admin (a
// user of all units) on a 390×844 phone, the map ready.
func phoneWithWideUnit(t *testing.T) (*demoEnv, *browser) {
	t.Helper()
	env := loadDemo(t, today, true)
	if _, err := env.store.CreateUnit(context.Background(), patrol.Unit{Code: "wide", Name: wideUnitName, TimeZone: "Asia/Ho_Chi_Minh",
		Boundary: json.RawMessage(wideUnit), NightStart: "22:00", NightEnd: "05:00", H3Res: 10}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	b.run(t, "desktop", desktopScreen.emulate())
	b.login(t, env.srv.URL, "admin", load.Password)
	b.ready(t)
	b.run(t, "phone", phoneScreen.emulate(), chromedp.Reload())
	b.ready(t)
	b.wait(t, "summary", `document.querySelector('[data-testid="summary-strip"]').dataset.state === 'ready'`)
	return env, b
}

// phonePicker reads the unit picker as the page shows it.
func phonePicker(t *testing.T, b *browser) pickerLook {
	t.Helper()
	var p pickerLook
	b.eval(t, "the unit picker", `(() => {
		const text = document.querySelector('[data-testid="unit-picker-text"]');
		const sel = document.querySelector('[data-testid="unit-picker"]');
		const r = text.getBoundingClientRect();
		const header = document.querySelector('.topbar').getBoundingClientRect();
		const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		return {text: text.textContent, title: document.querySelector('#unit-picker-wrap').title,
			selected: sel.options[sel.selectedIndex].textContent,
			shown: r.width > 0 && r.height > 0, cut: text.scrollHeight > text.clientHeight + 1 || text.scrollWidth > text.clientWidth + 1,
			inHeader: r.left >= header.left && r.right <= header.right && r.top >= header.top && r.bottom <= header.bottom,
			lines: r.height / parseFloat(getComputedStyle(text).lineHeight), tapOpens: hit === sel};
	})()`, &p)
	return p
}

// wardView is where a unit's bounding box lies on the map, in page pixels, beside the map and the
// free part of it under the summary strip.
type wardView struct {
	Left, Top, Right, Bottom              float64
	MapLeft, MapRight, FreeTop, MapBottom float64
}

// wardOnMap reads where unit code's bounding box lies on the map.
func wardOnMap(t *testing.T, b *browser, code string) wardView {
	t.Helper()
	var v wardView
	b.eval(t, "the ward on the map", `(async () => {
		const fc = await (await fetch('/api/v1/units')).json();
		const f = fc.features.find((x) => x.properties.code === `+js(code)+`);
		const c = f.geometry.coordinates.flat(Infinity);
		const lon = c.filter((_, i) => i % 2 === 0), lat = c.filter((_, i) => i % 2 === 1);
		const tl = window.patrolmapTest.point(Math.max(...lat), Math.min(...lon));
		const br = window.patrolmapTest.point(Math.min(...lat), Math.max(...lon));
		const m = document.querySelector('[data-testid="map"]').getBoundingClientRect();
		const strip = document.querySelector('[data-testid="summary-strip"]').getBoundingClientRect();
		return {left: tl.x, top: tl.y, right: br.x, bottom: br.y, mapLeft: m.left, mapRight: m.right, freeTop: strip.bottom, mapBottom: m.bottom};
	})()`, &v)
	return v
}

// whole reports whether all of the ward's bounding box is on the map.
func (v wardView) whole() bool {
	return v.Left >= v.MapLeft-1 && v.Right <= v.MapRight+1 && v.Top >= v.FreeTop-1 && v.Bottom <= v.MapBottom+1
}

// TestPhoneWardFillsScreen: on a 390×844 phone a ward wider than the screen is high fills the
// screen around it instead of lying as a band between empty ones: it spans the map's free height
// under the summary strip, or is shown about twice as wide as the screen (one zoom level past
// showing all of it, the most a phone zooms in), centred — the demo ward and one four times as
// wide as high. The gaps tile shows the whole ward again; at 1280×860 the whole ward shows.
func TestPhoneWardFillsScreen(t *testing.T) {
	_, b := phoneWithWideUnit(t)
	fills := func(name string) {
		t.Helper()
		v := wardOnMap(t, b, map[bool]string{true: "demo", false: "wide"}[name == "the demo ward"])
		spans := v.Top <= v.FreeTop+2 && v.Bottom >= v.MapBottom-2
		twice := v.Right-v.Left >= 1.6*(v.MapRight-v.MapLeft-12)
		if !spans && !twice {
			t.Errorf("%s on a phone: the ward lies from y %.0f to %.0f, %.0f px wide, in a map free from y %.0f to %.0f, %.0f px wide: empty bands above and below",
				name, v.Top, v.Bottom, v.Right-v.Left, v.FreeTop, v.MapBottom, v.MapRight-v.MapLeft)
		}
		if mid, mapMid := (v.Left+v.Right)/2, (v.MapLeft+v.MapRight)/2; math.Abs(mid-mapMid) > 3 {
			t.Errorf("%s on a phone: the ward's middle is at x %.0f, the map's at %.0f", name, mid, mapMid)
		}
		t.Logf("%s: %+v", name, v)
	}
	fills("the demo ward")
	b.run(t, "settle", chromedp.Sleep(1000*time.Millisecond))
	b.screenshot(t, "phone-ward-demo")

	b.run(t, "the gaps tile", chromedp.Click(tid("summary-never")))
	b.run(t, "settle", chromedp.Sleep(800*time.Millisecond))
	if v := wardOnMap(t, b, "demo"); !v.whole() {
		t.Errorf("after the gaps tile the demo ward %+v is not all in view", v)
	}
	b.screenshot(t, "phone-ward-demo-whole")

	b.selectValue(t, "unit-picker", "wide")
	b.ready(t)
	b.wait(t, "summary", `document.querySelector('[data-testid="summary-strip"]').dataset.state === 'ready'`)
	fills("a ward four times as wide as high")
	b.run(t, "settle", chromedp.Sleep(1000*time.Millisecond))
	b.screenshot(t, "phone-ward-wide")

	b.run(t, "desktop", desktopScreen.emulate(), chromedp.Reload())
	b.ready(t)
	if v := wardOnMap(t, b, "demo"); !v.whole() {
		t.Errorf("1280x860: the demo ward %+v is not all in view", v)
	}
	b.run(t, "settle", chromedp.Sleep(1500*time.Millisecond))
	b.screenshot(t, "desktop-ward-demo")
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
