package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/patrolmap/patrolmap/demo/load"
	"github.com/patrolmap/patrolmap/patrol"
)

// tid selects the element with a data-testid.
func tid(id string) chromedp.CSS { return chromedp.CSS(`[data-testid="` + id + `"]`) }

// js quotes s as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// wait polls a JavaScript expression until it is truthy.
func (b *browser) wait(t testing.TB, what, expr string) {
	t.Helper()
	b.run(t, what, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(50*time.Second), chromedp.WithPollingInterval(50*time.Millisecond)))
}

// eval runs a JavaScript expression (awaiting a promise) and decodes its JSON value into v.
func (b *browser) eval(t testing.TB, what, expr string, v any) {
	t.Helper()
	raw := get(t, b, what, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
	if v == nil {
		return
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: decode %s: %v", what, raw, err)
	}
}

// fetchJSON GETs an API path with the page's session and decodes the answer.
func (b *browser) fetchJSON(t testing.TB, path string, v any) {
	t.Helper()
	b.eval(t, "fetch "+path, `fetch(`+js(path)+`, {credentials: 'same-origin'}).then(async (r) => {
		if (!r.ok) throw new Error(r.status + ' ' + await r.text());
		return r.json();
	})`, v)
}

// layerState is what a layer toggle says about its layer.
type layerState struct {
	On     bool   `json:"on"`
	State  string `json:"state"`
	Loaded bool   `json:"loaded"`
	Count  int    `json:"count"`
}

func (b *browser) layer(t testing.TB, name string) layerState {
	t.Helper()
	var s layerState
	b.eval(t, "layer "+name, `(() => {
		const el = document.querySelector('[data-testid="layer-toggle-' + `+js(name)+` + '"]');
		return {on: el.checked, state: el.dataset.state, loaded: el.dataset.loaded === 'true', count: Number(el.dataset.count || 0)};
	})()`, &s)
	return s
}

// waitLayer waits until a layer that is on has been drawn or has failed.
func (b *browser) waitLayer(t testing.TB, name string) layerState {
	t.Helper()
	b.wait(t, "layer "+name+" drawn", `document.querySelector('[data-testid="layer-toggle-`+name+`"]').dataset.loaded === 'true'`)
	return b.layer(t, name)
}

// setLayer switches a layer on or off with a click on its toggle and waits for it.
func (b *browser) setLayer(t testing.TB, name string, on bool) layerState {
	t.Helper()
	if b.layer(t, name).On != on {
		b.run(t, "toggle "+name, chromedp.Click(tid("layer-toggle-"+name)))
	}
	if !on {
		b.wait(t, "layer "+name+" off", `document.querySelector('[data-testid="layer-toggle-`+name+`"]').dataset.state === 'off'`)
		return b.layer(t, name)
	}
	return b.waitLayer(t, name)
}

// ready waits for body[data-ready="true"].
func (b *browser) ready(t testing.TB) {
	t.Helper()
	b.wait(t, "map ready", `document.body.dataset.ready === 'true'`)
}

// point returns the page coordinates of a place on the map.
func (b *browser) point(t testing.TB, lat, lon float64) (float64, float64) {
	t.Helper()
	var p struct{ X, Y float64 }
	b.eval(t, "point", fmt.Sprintf(`window.patrolmapTest.point(%v, %v)`, lat, lon), &p)
	return p.X, p.Y
}

// pointNear returns the page coordinates of a point near a place where a click reaches an element
// that hit (a JavaScript function of the element) accepts, not a road or an area drawn over it.
func (b *browser) pointNear(t testing.TB, lat, lon float64, hit string) (float64, float64) {
	t.Helper()
	var p *struct{ X, Y float64 }
	b.eval(t, "point near", fmt.Sprintf(`(() => {
		const hit = %s;
		const c = window.patrolmapTest.point(%v, %v);
		for (let r = 0; r <= 40; r += 4) {
			for (let a = 0; a < 360; a += 30) {
				const x = c.x + r * Math.cos(a * Math.PI / 180), y = c.y + r * Math.sin(a * Math.PI / 180);
				const el = document.elementFromPoint(x, y);
				if (el && hit(el)) return {x, y};
			}
		}
		return null;
	})()`, hit, lat, lon), &p)
	if p == nil {
		t.Fatalf("nothing to click near %v, %v", lat, lon)
	}
	return p.X, p.Y
}

// Element tests for pointNear.
const (
	hitsHexagons = `(el) => el.tagName === 'CANVAS' && Boolean(el.closest('.leaflet-pm-hexagons-pane'))`
	hitsAreas    = `(el) => Boolean(el.closest('.leaflet-pm-areas-pane'))`
)

// text returns the text of the first element matching a CSS selector.
func (b *browser) text(t testing.TB, css string) string {
	t.Helper()
	var s string
	b.eval(t, "text of "+css, `(document.querySelector(`+js(css)+`) || {}).textContent || ''`, &s)
	return s
}

// closePopup closes the open popup, if any.
func (b *browser) closePopup(t testing.TB) {
	t.Helper()
	b.eval(t, "close popup", `(() => { const x = document.querySelector('.leaflet-popup-close-button'); if (x) x.click(); return true; })()`, nil)
	b.wait(t, "popup closed", `!document.querySelector('.leaflet-popup')`)
}

// selectValue sets a <select> and fires its change event, as a person picking an option does.
func (b *browser) selectValue(t testing.TB, testid, value string) {
	t.Helper()
	b.eval(t, "select "+testid, `(() => {
		const s = document.querySelector('[data-testid="`+testid+`"]');
		s.value = `+js(value)+`;
		s.dispatchEvent(new Event('change', {bubbles: true}));
		return s.value;
	})()`, nil)
}

// TestWebMap drives the web map over the demo ward in one browser: login, the demo's default
// layers, every other layer, popups, the emerging replay, the officer filter, export, drawing a
// key area, recording, editing and voiding an incident, the language switch, a second unit, a
// phone screen, print, an officer's view and the live positions — with no console errors. It
// runs today and on the 31st when Europe's clocks go back, the browser in Europe/Berlin, with
// the demo, the server and the browser's clock on that day.
func TestWebMap(t *testing.T) {
	for _, d := range todayAnd(dstEnd) {
		t.Run(d.name, func(t *testing.T) { webMap(t, d) })
	}
}

func webMap(t *testing.T, d testDay) {
	env := demoServer(t, d.now)
	base := env.srv.URL
	w := env.ward
	b := newBrowser(t)
	b.setDay(t, d)
	shot := func(t *testing.T, name string) { b.screenshot(t, name+dayTag(d)) }
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}

	b.run(t, "open", desktopScreen.emulate(), chromedp.Navigate(base+"/"), chromedp.WaitVisible(tid("login-form")))
	if got := b.text(t, `[data-testid="login-submit"]`); got != "Đăng nhập" {
		t.Errorf("login button reads %q, want Vietnamese by default", got)
	}
	shot(t, "login")
	b.login(t, base, "admin", load.Password)

	t.Run("demo opens with its gaps and emerging hot spot", func(t *testing.T) {
		for _, name := range []string{"boundary", "residential-groups", "key-areas", "roads", "gaps", "emerging"} {
			s := b.layer(t, name)
			if !s.On || s.State != "ready" || s.Count == 0 {
				t.Errorf("default layer %s: %+v, want on, ready, drawn", name, s)
			}
		}
		for _, name := range []string{"incidents", "tracks", "routes", "live", "coverage", "hotspots"} {
			if s := b.layer(t, name); s.On || s.State != "off" {
				t.Errorf("layer %s is %+v, want off until asked for", name, s)
			}
		}
		legend := b.text(t, `[data-testid="layer-legend-emerging"]`)
		if !strings.Contains(legend, "Điểm nóng") {
			t.Errorf("emerging legend %q names no hot spot category", legend)
		}
		if n := b.layer(t, "residential-groups").Count; n != len(w.Groups) {
			t.Errorf("%d residential groups drawn, want %d", n, len(w.Groups))
		}
		if got := b.text(t, `[data-testid="unit-picker"] option:checked`); got != w.Name {
			t.Errorf("unit picker shows %q, want %q", got, w.Name)
		}
		shot(t, "demo-map")
	})

	t.Run("every layer draws", func(t *testing.T) {
		for _, name := range []string{"incidents", "tracks", "coverage", "hotspots"} {
			if s := b.setLayer(t, name, true); s.State != "ready" || s.Count == 0 {
				t.Errorf("layer %s: %+v, want drawn features", name, s)
			}
		}
		if n := b.layer(t, "tracks").Count; n != len(w.Officers) {
			t.Errorf("%d tracks, want one per officer (%d)", n, len(w.Officers))
		}
		// Tonight's suggested route (GET /api/v1/plan) and the saved ones; a server without a
		// planner makes the layer say so quietly.
		routes := b.setLayer(t, "routes", true)
		switch {
		case routes.State == "ready" && routes.Count > 0:
		case routes.State == "unavailable":
			if note := b.text(t, `[data-testid="layer-note-routes"]`); note == "" {
				t.Errorf("routes unavailable without a note")
			}
			b.forgetErrors(func(e string) bool {
				return (strings.Contains(e, "/api/v1/plan") || strings.Contains(e, "/api/v1/routes")) && strings.Contains(e, "404")
			})
		default:
			t.Errorf("routes layer %+v, want the suggested route or unavailable", routes)
		}
		shot(t, "layers-on")
		// The keyboard reaches the toggles: Space switches one off.
		b.run(t, "space on hotspots", chromedp.Focus(tid("layer-toggle-hotspots")), chromedp.KeyEvent(" "))
		b.wait(t, "hotspots off by keyboard", `document.querySelector('[data-testid="layer-toggle-hotspots"]').dataset.state === 'off'`)
		for _, name := range []string{"incidents", "coverage", "routes"} {
			b.setLayer(t, name, false)
		}
	})

	t.Run("tracks filter by officer", func(t *testing.T) {
		officer := w.Officers[1].DeviceID
		b.selectValue(t, "tracks-officer", officer)
		b.wait(t, "one track", `document.querySelector('[data-testid="layer-toggle-tracks"]').dataset.count === '1'`)
		if legend := b.text(t, `[data-testid="layer-legend-tracks"]`); !strings.Contains(legend, "km") {
			t.Errorf("tracks legend %q gives no distance", legend)
		}
		shot(t, "tracks-one-officer")
		b.selectValue(t, "tracks-officer", "")
		b.wait(t, "all tracks", `document.querySelector('[data-testid="layer-toggle-tracks"]').dataset.count === '`+strconv.Itoa(len(w.Officers))+`'`)
		b.setLayer(t, "tracks", false)
	})

	t.Run("a cell explains itself", func(t *testing.T) {
		b.setLayer(t, "coverage", true)
		x, y := b.pointNear(t, w.ClusterCentre[1], w.ClusterCentre[0], hitsHexagons)
		b.run(t, "click the cluster", chromedp.MouseClickXY(x, y))
		b.wait(t, "cell popup", `document.querySelector('.leaflet-popup [data-testid="feature-popup"]')`)
		// The popup is headed by the cell's place once the server names it ("Ô lục giác" is only
		// the placeholder while it loads, and whether a coverage section also says it depends on
		// whether the demo's patrols reached this cell on the day the test runs).
		b.wait(t, "cell popup named", `document.querySelector('.leaflet-popup [data-testid="popup-place"]')?.dataset.state === 'named'`)
		if place := b.text(t, `.leaflet-popup [data-testid="popup-place"]`); !strings.Contains(place, "Tổ dân phố") {
			t.Errorf("cell popup titled %q, want a place with its residential group", place)
		}
		popup := b.text(t, `.leaflet-popup [data-testid="feature-popup"]`)
		for _, want := range []string{"Ô H3 ", "Điểm nóng mới hình thành", "z = "} {
			if !strings.Contains(popup, want) {
				t.Errorf("cell popup %q lacks %q", popup, want)
			}
		}
		var bars int
		b.eval(t, "chart bars", `document.querySelectorAll('.leaflet-popup [data-testid="series-chart"] rect.bar').length`, &bars)
		if bars < 12 {
			t.Errorf("series chart has %d bars, want one per week (≥ 12)", bars)
		}
		b.run(t, "popup fade-in", chromedp.Sleep(300*time.Millisecond))
		shot(t, "cell-popup")
		b.closePopup(t)
		b.setLayer(t, "coverage", false)

		var neglected []float64
		for _, a := range w.KeyAreas {
			if a.Name == w.Neglected {
				c := a.Geometry.Bound().Center()
				neglected = []float64{c[1], c[0]}
			}
		}
		if neglected == nil {
			t.Fatalf("no key area named %q", w.Neglected)
		}
		// The cell popup may have panned the map; centre the area first.
		b.eval(t, "go to the area", fmt.Sprintf(`window.patrolmapTest.zoomTo(%v, %v, 17)`, neglected[0], neglected[1]), nil)
		x, y = b.pointNear(t, neglected[0], neglected[1], hitsAreas)
		b.run(t, "click the neglected key area", chromedp.MouseClickXY(x, y))
		b.wait(t, "area popup", `document.querySelector('.leaflet-popup [data-testid="area-popup"] [data-testid="nights-chart"]')`)
		area := b.text(t, `.leaflet-popup [data-testid="area-popup"]`)
		if !strings.Contains(area, w.Neglected) || !strings.Contains(area, "Số đêm đạt yêu cầu") {
			t.Errorf("key area popup %q lacks its name or nights", area)
		}
		b.run(t, "popup fade-in", chromedp.Sleep(300*time.Millisecond))
		shot(t, "area-popup")
		b.closePopup(t)
	})

	t.Run("emerging replay steps through the weeks", func(t *testing.T) {
		// From the summary (the slider's last notch) the left arrow steps into the last week.
		b.run(t, "last week", chromedp.Focus(tid("emerging-step")), chromedp.KeyEvent(kb.ArrowLeft))
		b.wait(t, "step mode", `document.querySelector('[data-testid="emerging-replay"]').dataset.step !== 'summary'`)
		var replay struct {
			Step, Hot, Label string
		}
		b.eval(t, "replay state", `(() => { const r = document.querySelector('[data-testid="emerging-replay"]');
			return {step: r.dataset.step, hot: r.dataset.hot || '', label: document.querySelector('[data-testid="emerging-step-label"]').textContent}; })()`, &replay)
		if replay.Hot == "" || replay.Hot == "0" || !strings.Contains(replay.Label, "Tuần") {
			t.Errorf("last week of the replay: %+v, want the emerging hot spot", replay)
		}
		b.eval(t, "go to the cluster", fmt.Sprintf(`window.patrolmapTest.zoomTo(%v, %v, 16)`, w.ClusterCentre[1], w.ClusterCentre[0]), nil)
		shot(t, "emerging-replay")
		b.run(t, "back to the patterns", chromedp.Click(tid("emerging-summary")))
		b.wait(t, "summary", `document.querySelector('[data-testid="emerging-replay"]').dataset.step === 'summary'`)
	})

	t.Run("export the gaps as GeoJSON", func(t *testing.T) {
		want := b.layer(t, "gaps").Count
		b.run(t, "export", chromedp.Click(tid("layer-export-gaps")))
		var file string
		deadline := time.Now().Add(20 * time.Second)
		for file == "" && time.Now().Before(deadline) {
			matches, _ := filepath.Glob(filepath.Join(downloads, "patrolmap-demo-gaps-*.geojson"))
			if len(matches) > 0 {
				file = matches[0]
			} else {
				time.Sleep(100 * time.Millisecond)
			}
		}
		if file == "" {
			t.Fatal("no GeoJSON download")
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var fc struct {
			Type     string            `json:"type"`
			Unit     string            `json:"unit"`
			Features []json.RawMessage `json:"features"`
		}
		if err := json.Unmarshal(raw, &fc); err != nil {
			t.Fatalf("exported file: %v", err)
		}
		if fc.Type != "FeatureCollection" || fc.Unit != "demo" || len(fc.Features) != want {
			t.Errorf("exported %s with %d features of unit %q, want a FeatureCollection of %d", fc.Type, len(fc.Features), fc.Unit, want)
		}
	})

	t.Run("draw a key area, find it after reload", func(t *testing.T) {
		before := b.layer(t, "key-areas").Count
		var box struct{ X, Y, W, H float64 }
		b.eval(t, "map box", `(() => { const r = document.querySelector('[data-testid="map"]').getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height}; })()`, &box)
		cx, cy := box.X+box.W*0.55, box.Y+box.H*0.5
		corners := [][2]float64{{cx - 40, cy - 30}, {cx + 40, cy - 30}, {cx + 40, cy + 30}, {cx - 40, cy + 30}, {cx - 40, cy - 30}}
		b.run(t, "draw tool", chromedp.Click(tid("draw-key-area")))
		for i, c := range corners {
			b.run(t, fmt.Sprintf("corner %d", i), chromedp.MouseClickXY(c[0], c[1]), chromedp.Sleep(120*time.Millisecond))
		}
		b.run(t, "area form", chromedp.WaitVisible(tid("area-form")))
		shot(t, "area-form")
		name := "Khu vực kiểm thử e2e"
		b.run(t, "save the area", chromedp.SendKeys(tid("area-name"), name), chromedp.Click(tid("area-save")))
		b.wait(t, "area saved", `!document.querySelector('[data-testid="area-dialog"]') && document.querySelector('[data-testid="layer-toggle-key-areas"]').dataset.count === '`+strconv.Itoa(before+1)+`'`)
		b.run(t, "reload", chromedp.Reload())
		b.ready(t)
		if n := b.layer(t, "key-areas").Count; n != before+1 {
			t.Errorf("after reload %d key areas, want %d", n, before+1)
		}
		var areas struct {
			Features []struct {
				Properties struct {
					Name, Kind string
				} `json:"properties"`
			} `json:"features"`
		}
		b.fetchJSON(t, "/api/v1/areas?unit=demo", &areas)
		found := false
		for _, f := range areas.Features {
			found = found || (f.Properties.Name == name && f.Properties.Kind == "key_area")
		}
		if !found {
			t.Errorf("the drawn area %q is not in /api/v1/areas", name)
		}
		shot(t, "key-area-drawn")
	})

	t.Run("draw a patrol route", func(t *testing.T) {
		var box struct{ X, Y, W, H float64 }
		b.eval(t, "map box", `(() => { const r = document.querySelector('[data-testid="map"]').getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height}; })()`, &box)
		cx, cy := box.X+box.W*0.4, box.Y+box.H*0.35
		points := [][2]float64{{cx, cy}, {cx + 60, cy + 10}, {cx + 90, cy + 70}, {cx + 90, cy + 70}}
		b.run(t, "route tool", chromedp.Click(tid("draw-route")))
		for i, p := range points {
			b.run(t, fmt.Sprintf("point %d", i), chromedp.MouseClickXY(p[0], p[1]), chromedp.Sleep(150*time.Millisecond))
		}
		b.run(t, "route form", chromedp.WaitVisible(tid("route-form")))
		name := "Tuyến kiểm thử e2e"
		b.run(t, "save the route", chromedp.SendKeys(tid("route-name"), name), chromedp.Click(tid("route-form-save")))
		b.wait(t, "route saved", `!document.querySelector('[data-testid="route-dialog"]')`)
		s := b.waitLayer(t, "routes")
		if !s.On || s.Count == 0 {
			t.Errorf("routes layer %+v after drawing one", s)
		}
		var night string
		b.eval(t, "night", `document.querySelector('[data-testid="date-to"]').dataset.iso`, &night)
		var fc struct {
			Features []struct {
				Properties struct{ Name, Kind, Night string } `json:"properties"`
			} `json:"features"`
		}
		b.fetchJSON(t, "/api/v1/routes?unit=demo&night="+night, &fc)
		found := false
		for _, f := range fc.Features {
			found = found || (f.Properties.Name == name && f.Properties.Kind == "planned" && f.Properties.Night == night)
		}
		if !found {
			t.Errorf("the drawn route %q is not among the routes of %s: %+v", name, night, fc.Features)
		}
		shot(t, "route-drawn")
		b.setLayer(t, "routes", false)
	})

	t.Run("record, edit and void an incident from the map", func(t *testing.T) {
		lat, lon := w.Office[1]+0.0004, w.Office[0]+0.0004
		x, y := b.point(t, lat, lon)
		b.run(t, "pick mode", chromedp.Click(tid("incident-add")), chromedp.WaitVisible(tid("incident-hint")))
		b.run(t, "click the place", chromedp.MouseClickXY(x, y), chromedp.WaitVisible(tid("incident-form")))
		b.selectValue(t, "incident-category", "robbery")
		b.selectValue(t, "incident-severity", "4")
		description := "Giật túi xách trước cổng trường (kiểm thử e2e)"
		b.run(t, "describe", chromedp.SendKeys(tid("incident-description"), description))
		shot(t, "incident-form")
		b.run(t, "save", chromedp.Click(tid("incident-save")))
		b.wait(t, "incident saved", `!document.querySelector('[data-testid="incident-dialog"]') && document.querySelector('[data-testid="incident-add"]').dataset.createdId`)
		b.ready(t)
		var id string
		b.eval(t, "created id", `document.querySelector('[data-testid="incident-add"]').dataset.createdId`, &id)

		type incident struct {
			Properties struct {
				ID          int64  `json:"id"`
				Category    string `json:"category"`
				Severity    int    `json:"severity"`
				Status      string `json:"status"`
				Description string `json:"description"`
				Time        string `json:"time"`
			} `json:"properties"`
		}
		find := func(withVoid bool) *incident {
			now := env.now().UTC()
			path := "/api/v1/incidents?unit=demo&from=" + now.Add(-48*time.Hour).Format(time.RFC3339) + "&to=" + now.Add(time.Hour).Format(time.RFC3339)
			if withVoid {
				path += "&include_void=true"
			}
			var fc struct{ Features []incident }
			b.fetchJSON(t, path, &fc)
			for i := range fc.Features {
				if strconv.FormatInt(fc.Features[i].Properties.ID, 10) == id {
					return &fc.Features[i]
				}
			}
			return nil
		}
		got := find(false)
		if got == nil {
			t.Fatalf("incident %s is not in /api/v1/incidents", id)
		}
		if p := got.Properties; p.Category != "robbery" || p.Severity != 4 || p.Description != description || p.Status != "open" {
			t.Errorf("stored incident %+v", p)
		}
		if s := b.layer(t, "incidents"); !s.On || s.Count == 0 {
			t.Errorf("incidents layer %+v after adding one, want on", s)
		}

		// Admins and analysts edit and void from the incident's popup.
		b.eval(t, "zoom in", fmt.Sprintf(`window.patrolmapTest.zoomTo(%v, %v, 18)`, lat, lon), nil)
		openPopup := func() {
			x, y := b.point(t, lat, lon)
			b.run(t, "click the incident", chromedp.MouseClickXY(x, y))
			b.wait(t, "incident popup", `document.querySelector('.leaflet-popup [data-testid="incident-popup"][data-incident-id="`+id+`"]')`)
		}
		openPopup()
		b.run(t, "popup fade-in", chromedp.Sleep(300*time.Millisecond))
		shot(t, "incident-popup")
		b.run(t, "edit", chromedp.Click(tid("incident-edit")), chromedp.WaitVisible(tid("incident-status")))
		b.selectValue(t, "incident-severity", "2")
		b.selectValue(t, "incident-status", "closed")
		b.run(t, "save the edit", chromedp.Click(tid("incident-save")))
		b.wait(t, "edit saved", `!document.querySelector('[data-testid="incident-dialog"]')`)
		b.ready(t)
		if p := find(false).Properties; p.Severity != 2 || p.Status != "closed" {
			t.Errorf("after the edit: %+v, want severity 2, closed", p)
		}
		openPopup()
		b.run(t, "void", chromedp.Click(tid("incident-void")), chromedp.Click(tid("incident-void-confirm")))
		b.wait(t, "voided", `!document.querySelector('.leaflet-popup')`)
		b.ready(t)
		if find(false) != nil {
			t.Errorf("a void incident is still listed")
		}
		if got := find(true); got == nil || got.Properties.Status != "void" {
			t.Errorf("voided incident: %+v, want status void", got)
		}
		b.setLayer(t, "incidents", false)

		// Without a mouse: pick mode, focus the map, Enter opens the form at the map's centre.
		b.run(t, "pick mode by keyboard", chromedp.Focus(tid("incident-add")), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(tid("incident-hint")),
			chromedp.Focus(tid("map")), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(tid("incident-form")))
		b.run(t, "cancel", chromedp.Click(tid("incident-cancel")))
		b.wait(t, "form closed", `!document.querySelector('[data-testid="incident-dialog"]')`)
		b.run(t, "reload", chromedp.Reload())
		b.ready(t)
	})

	t.Run("English on request", func(t *testing.T) {
		b.run(t, "switch language", chromedp.Click(tid("lang-toggle")))
		b.wait(t, "English", `document.documentElement.lang === 'en'`)
		for css, want := range map[string]string{
			`label[for="layer-gaps"]`:               "Coverage gaps",
			`[data-testid="logout"]`:                "Log out",
			`[data-testid="layer-legend-emerging"]`: "hot spot",
			`[data-testid="incident-add"]`:          "Add an incident",
			`[data-testid="period-summary"]`:        "days",
		} {
			if got := b.text(t, css); !strings.Contains(got, want) {
				t.Errorf("%s reads %q in English, want %q", css, got, want)
			}
		}
		shot(t, "english")
		b.run(t, "back to Vietnamese", chromedp.Click(tid("lang-toggle")))
		b.wait(t, "Vietnamese", `document.documentElement.lang === 'vi'`)
		if got := b.text(t, `label[for="layer-gaps"]`); !strings.Contains(got, "Vùng chưa được tuần tra") {
			t.Errorf("gaps label %q after switching back", got)
		}
	})

	t.Run("switch unit", func(t *testing.T) {
		b.selectValue(t, "unit-picker", "w2")
		b.wait(t, "w2 drawn", `document.body.dataset.ready === 'true' && document.querySelector('[data-testid="layer-toggle-boundary"]').dataset.loaded === 'true'`)
		b.ready(t)
		if s := b.layer(t, "boundary"); s.Count != 1 {
			t.Errorf("w2 boundary %+v", s)
		}
		if s := b.layer(t, "key-areas"); s.State != "ready" || s.Count != 0 {
			t.Errorf("w2 key areas %+v, want none", s)
		}
		if s := b.layer(t, "gaps"); s.State != "ready" || s.Count == 0 {
			t.Errorf("w2 gaps %+v, want every cell (never patrolled)", s)
		}
		shot(t, "unit-w2")
		b.selectValue(t, "unit-picker", "demo")
		b.ready(t)
		if s := b.layer(t, "residential-groups"); s.Count != len(w.Groups) {
			t.Errorf("back on demo: %+v", s)
		}
	})

	t.Run("phone", func(t *testing.T) {
		b.run(t, "phone screen", phoneScreen.emulate(), chromedp.Reload())
		b.ready(t)
		b.run(t, "panel button", chromedp.WaitVisible(tid("panel-toggle")))
		var wide bool
		b.eval(t, "map width", `document.querySelector('[data-testid="map"]').getBoundingClientRect().width >= 380`, &wide)
		if !wide {
			t.Errorf("the map does not take the phone's width")
		}
		shot(t, "phone")
		b.run(t, "open panel", chromedp.Click(tid("panel-toggle")))
		b.wait(t, "panel open", `document.body.classList.contains('panel-open')`)
		b.run(t, "settle", chromedp.Sleep(300*time.Millisecond))
		shot(t, "phone-panel")
		b.run(t, "close panel", chromedp.Click(tid("panel-close")))
		b.run(t, "desktop screen", desktopScreen.emulate(), chromedp.Reload())
		b.ready(t)
	})

	t.Run("print view", func(t *testing.T) {
		if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
			t.Fatal(err)
		}
		b.run(t, "print layout", chromedp.Sleep(400*time.Millisecond))
		var layout struct {
			Header, Panel bool
			Title         string
		}
		b.eval(t, "print layout", `(() => ({
			header: getComputedStyle(document.querySelector('[data-testid="print-header"]')).display !== 'none',
			panel: getComputedStyle(document.querySelector('.topbar')).display === 'none',
			title: document.querySelector('.print-title').textContent,
		}))()`, &layout)
		if !layout.Header || !layout.Panel || !strings.Contains(layout.Title, w.Name) {
			t.Errorf("print layout %+v, want the heading with the unit and no top bar", layout)
		}
		shot(t, "print")
		if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("favicon and controls have names", func(t *testing.T) {
		var icons []int
		b.eval(t, "favicons", `Promise.all(['/favicon.ico', '/favicon.svg'].map((u) => fetch(u).then((r) => r.status)))`, &icons)
		if len(icons) != 2 || icons[0] != 200 || icons[1] != 200 {
			t.Errorf("favicon answers %v, want 200 for both", icons)
		}
		var unnamed []string
		b.eval(t, "accessible names", `[...document.querySelectorAll('button, input, select, textarea')]
			.filter((el) => !el.closest('[hidden]') && el.type !== 'hidden')
			.filter((el) => !((el.labels && el.labels.length) || el.getAttribute('aria-label') || el.textContent.trim() || el.title))
			.map((el) => el.outerHTML.slice(0, 80))`, &unnamed)
		if len(unnamed) > 0 {
			t.Errorf("controls without an accessible name: %v", unnamed)
		}
	})

	t.Run("live positions", func(t *testing.T) {
		res, err := http.Get(base + "/api/v1/live?unit=demo")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusNotFound {
			// Until api/server.go registers the stream, a stub in its format feeds the map.
			t.Log("GET /api/v1/live is not registered in api/server.go yet: the map reads a stub stream")
			real := env.srv.Config.Handler
			mux := http.NewServeMux()
			mux.Handle("/", real)
			mux.HandleFunc("GET /api/v1/live", func(rw http.ResponseWriter, r *http.Request) {
				rw.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprintf(rw, "retry: 3000\n\nevent: positions\ndata: {\"type\":\"FeatureCollection\",\"unit\":\"demo\",\"now\":%q,\"features\":"+
					"[{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[%v,%v]},\"properties\":{\"device\":%q,\"time\":%q,\"accuracy\":6,\"speed\":1.2,\"battery\":80}}]}\n\n",
					env.now().UTC().Format(time.RFC3339), w.Office[0], w.Office[1], w.Officers[0].DeviceID, env.now().UTC().Add(-30*time.Second).Format(time.RFC3339))
				rw.(http.Flusher).Flush()
				<-r.Context().Done()
			})
			env.srv.Config.Handler = mux
			defer func() { env.srv.Config.Handler = real }()
		} else {
			ctx := context.Background()
			dev, err := env.store.DeviceByIdent(ctx, w.Officers[0].DeviceID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := env.store.InsertFixes(ctx, []patrol.Fix{{UnitID: dev.UnitID, DeviceID: dev.ID, Time: env.now().Add(-30 * time.Second).UTC().Truncate(time.Microsecond),
				Lat: w.Office[1], Lon: w.Office[0], Accuracy: 6, Speed: 1.2, Heading: patrol.Unknown, Altitude: patrol.Unknown, Battery: 80}}); err != nil {
				t.Fatal(err)
			}
		}
		if s := b.setLayer(t, "live", true); s.State != "ready" || s.Count < 1 {
			t.Errorf("live layer %+v, want the officer who just sent a fix", s)
		}
		if legend := b.text(t, `[data-testid="layer-legend-live"]`); !strings.Contains(legend, w.Officers[0].DeviceID) {
			t.Errorf("live legend %q does not name the device", legend)
		}
		shot(t, "live")
		b.setLayer(t, "live", false)
	})

	t.Run("an officer may record but not draw or edit", func(t *testing.T) {
		b.run(t, "log out", chromedp.Click(tid("logout")), chromedp.WaitVisible(tid("login-form")))
		b.login(t, base, w.Officers[0].Username, load.Password)
		var tools struct{ Draw, Add bool }
		b.eval(t, "officer tools", `({draw: Boolean(document.querySelector('[data-testid="draw-tools"]')), add: Boolean(document.querySelector('[data-testid="incident-add"]'))})`, &tools)
		if tools.Draw || !tools.Add {
			t.Errorf("officer tools %+v, want no drawing and an add button", tools)
		}
		shot(t, "officer")
	})

	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %s", strings.Join(errs, "\n"))
	}
}
