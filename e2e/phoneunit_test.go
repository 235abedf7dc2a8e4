package e2e

import (
	"context"
	"encoding/json"
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

// wardView is where a unit's bounding box lies on the map, in page pixels, beside the map and the
// free part of it under the summary strip.
type wardView struct {
	Left, Top, Right, Bottom              float64
	MapLeft, MapRight, FreeTop, MapBottom float64
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
