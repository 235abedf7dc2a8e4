package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/basemap"
	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/demo/load"
	"github.com/patrolmap/patrolmap/palette"
	"github.com/patrolmap/patrolmap/store/storetest"
	"github.com/patrolmap/patrolmap/webmap"
)

// chiefEnv is the demo ward served with its own offline basemap, as `make demo` serves it.
type chiefEnv struct {
	srv   *httptest.Server
	ward  *demo.Ward
	token string // the demo analyst's bearer token, for asking the API directly
}

// chiefServer serves the demo ward loaded for the clock's day, with the server on that clock.
func chiefServer(t *testing.T, now clock) *chiefEnv {
	t.Helper()
	if !webmap.Built() {
		t.Fatal("the web map is not built: run `make build` (make test does)")
	}
	s := storetest.New(t)
	w, err := demo.Generate(1, now())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := load.Demo(ctx, s, w); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := basemap.Write(&buf, w.BasemapLayers(), basemap.Options{MinZoom: 11, MaxZoom: 17, Name: "e2e"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "demo.pmtiles")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	archive, err := basemap.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{Basemap: archive, BasemapInfo: archive.Info(), Version: "e2e", Now: now}, s, webmap.Assets(), serverLog(t)).Handler())
	t.Cleanup(srv.Close)
	u, err := s.UserByUsername(ctx, "phantich")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.CreateToken(ctx, u.ID, "e2e")
	if err != nil {
		t.Fatal(err)
	}
	return &chiefEnv{srv: srv, ward: w, token: tok}
}

// apiDo asks the API directly (not through the page) with the analyst's token.
func (e *chiefEnv) apiDo(t *testing.T, method, path string, body any) []byte {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, b)
	}
	return b
}

// requestLog records every request the page makes and the status of the basemap's answers.
type requestLog struct {
	mu       sync.Mutex
	urls     []string
	basemap  map[int]int // status → count, for /basemap/…
	basemapN int
}

func (l *requestLog) foreign(origin string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, u := range l.urls {
		if strings.HasPrefix(u, "data:") || strings.HasPrefix(u, "blob:") || strings.HasPrefix(u, origin+"/") {
			continue
		}
		out = append(out, u)
	}
	return out
}

func (l *requestLog) statuses() map[int]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[int]int{}
	for k, v := range l.basemap {
		out[k] = v
	}
	return out
}

// localDate formats a local date YYYY-MM-DD as the map must show it in Vietnamese.
func dmy(iso string) string {
	if len(iso) != 10 {
		return iso
	}
	return iso[8:10] + "/" + iso[5:7] + "/" + iso[0:4]
}

// viNumber writes x with a decimal comma and the given decimals, as the map does in Vietnamese.
func viNumber(x float64, decimals int) string {
	return strings.Replace(fmt.Sprintf("%.*f", decimals, x), ".", ",", 1)
}

// TestChiefFirstScreen is issue 19's acceptance in one browser session under an en-US
// Chromium: the page loads nothing from another origin while it draws the demo's offline
// basemap (range requests, 206), the summary strip, badges that count what their layers
// flag, popups titled by place, the plan card with the API's stops and GPX, a route drawn on
// the map evaluated as POST /api/v1/plan/evaluate evaluates it, a one-row phone header that
// does not cut the unit's name, and dates as dd/mm/yyyy. It runs today and on 29 February,
// with the demo, the server and the browser's clock on that day.
func TestChiefFirstScreen(t *testing.T) {
	for _, tc := range []struct {
		name string
		now  clock
	}{{leapDay.Format(time.DateOnly), onDay(leapDay)}, {"today", today}} { // today's screenshots are kept
		t.Run(tc.name, func(t *testing.T) { chiefFirstScreen(t, tc.now) })
	}
}

func chiefFirstScreen(t *testing.T, now clock) {
	env := chiefServer(t, now)
	base := env.srv.URL
	b := newBrowserWith(t, chromedp.Flag("lang", "en-US"), chromedp.Flag("accept-lang", "en-US,en"))
	b.setClock(t, now)
	log := &requestLog{basemap: map[int]int{}}
	if err := chromedp.Listen(b.ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			log.mu.Lock()
			log.urls = append(log.urls, e.Request.URL)
			log.mu.Unlock()
		case *network.EventResponseReceived:
			if strings.Contains(e.Response.URL, api.BasemapPath) {
				log.mu.Lock()
				log.basemap[int(e.Response.Status)]++
				log.mu.Unlock()
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	b.run(t, "open", desktopScreen.emulate(), chromedp.Navigate(base+"/"), chromedp.WaitVisible(tid("login-form")))
	var lang string
	b.eval(t, "browser language", `navigator.language`, &lang)
	if lang != "en-US" {
		t.Fatalf("the browser runs in %q, want en-US", lang)
	}
	b.login(t, base, "phantich", load.Password)
	b.ready(t)

	var period struct{ From, To string }
	b.eval(t, "period", `({from: document.querySelector('[data-testid="date-from"]').dataset.iso, to: document.querySelector('[data-testid="date-to"]').dataset.iso})`, &period)
	if period.From == "" || period.To == "" {
		t.Fatalf("period %+v", period)
	}
	if d := env.ward.Day.Format(time.DateOnly); period.To != d {
		t.Errorf("the map's period ends on %s, the clock's today is %s", period.To, d)
	}
	dayAfter, err := time.Parse(time.DateOnly, period.To)
	if err != nil {
		t.Fatal(err)
	}
	query := url.Values{"unit": {"demo"}, "from": {period.From}, "to": {dayAfter.AddDate(0, 0, 1).Format(time.DateOnly)}}

	t.Run("dates read dd/mm/yyyy under en-US", func(t *testing.T) {
		var shown struct{ From, To, Summary string }
		b.eval(t, "dates", `({from: document.querySelector('[data-testid="date-from"]').value, to: document.querySelector('[data-testid="date-to"]').value,
			summary: document.querySelector('[data-testid="period-summary"]').textContent})`, &shown)
		if shown.From != dmy(period.From) || shown.To != dmy(period.To) {
			t.Errorf("date fields show %q and %q, want %q and %q", shown.From, shown.To, dmy(period.From), dmy(period.To))
		}
		if !strings.Contains(shown.Summary, dmy(period.From)) || !strings.Contains(shown.Summary, dmy(period.To)) {
			t.Errorf("period summary %q", shown.Summary)
		}
		// A date typed the Vietnamese way is read the Vietnamese way (1 March, not 3 January).
		b.eval(t, "type a date", `(() => {
			const el = document.querySelector('[data-testid="date-from"]');
			el.value = '1/3/2026';
			el.dispatchEvent(new Event('change', {bubbles: true}));
			return el.dataset.iso;
		})()`, nil)
		var iso string
		b.eval(t, "typed", `document.querySelector('[data-testid="date-from"]').dataset.iso`, &iso)
		if iso != "2026-03-01" {
			t.Errorf("1/3/2026 read as %q, want 2026-03-01", iso)
		}
		b.eval(t, "restore", `(() => {
			const el = document.querySelector('[data-testid="date-from"]');
			el.value = `+js(dmy(period.From))+`;
			el.dispatchEvent(new Event('change', {bubbles: true}));
			return el.dataset.iso;
		})()`, nil)
		b.wait(t, "restored", `document.querySelector('[data-testid="date-from"]').dataset.iso === `+js(period.From))
		b.run(t, "settle", chromedp.Sleep(600*time.Millisecond))
		b.ready(t)
	})

	t.Run("basemap drawn from this origin", func(t *testing.T) {
		b.wait(t, "basemap tiles", `document.querySelectorAll('.leaflet-tile-pane canvas.leaflet-tile-loaded').length >= 4`)
		b.run(t, "tiles painted", chromedp.Sleep(1500*time.Millisecond))
		earth, water := palette.Fill("basemap.earth"), palette.Fill("basemap.water")
		var px struct{ Earth, Water, Total int }
		b.eval(t, "basemap pixels", `(() => {
			const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
			const want = {earth: rgb(`+js(earth)+`), water: rgb(`+js(water)+`)};
			const near = (d, i, c) => Math.abs(d[i] - c[0]) <= 4 && Math.abs(d[i + 1] - c[1]) <= 4 && Math.abs(d[i + 2] - c[2]) <= 4;
			let earth = 0, water = 0, total = 0;
			for (const c of document.querySelectorAll('.leaflet-tile-pane canvas')) {
				if (!c.width || !c.height) continue;
				const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
				for (let i = 0; i < d.length; i += 16) {
					total++;
					if (near(d, i, want.earth)) earth++;
					else if (near(d, i, want.water)) water++;
				}
			}
			return {earth, water, total};
		})()`, &px)
		if px.Total == 0 || px.Earth < px.Total/20 {
			t.Errorf("basemap pixels: %d of %d sampled are the land colour %s; the basemap is not drawn", px.Earth, px.Total, earth)
		}
		if px.Water == 0 {
			t.Errorf("no pixel of the river's colour %s in the basemap tiles", water)
		}
		var kind string
		b.eval(t, "basemap kind", `document.querySelector('[data-testid="map"]').dataset.basemap`, &kind)
		if kind != "pmtiles" {
			t.Errorf("the map says basemap %q", kind)
		}
		st := log.statuses()
		if st[http.StatusPartialContent] == 0 {
			t.Errorf("basemap answers %v, want range requests answered 206", st)
		}
		for code := range st {
			if code != http.StatusPartialContent && code != http.StatusOK {
				t.Errorf("a basemap request answered %d", code)
			}
		}
		b.screenshot(t, "chief-first-screen")
	})

	t.Run("summary strip agrees with the API", func(t *testing.T) {
		b.wait(t, "summary", `document.querySelector('[data-testid="summary-strip"]').dataset.state === 'ready'`)
		var sum struct {
			Nights          int `json:"nights"`
			NightsPatrolled int `json:"nights_patrolled"`
			Never           struct {
				Cells int `json:"cells"`
			} `json:"never_patrolled"`
			Problems struct {
				Count int `json:"count"`
			} `json:"problem_hotspots"`
		}
		if err := json.Unmarshal(env.apiDo(t, http.MethodGet, "/api/v1/summary?"+query.Encode(), nil), &sum); err != nil {
			t.Fatal(err)
		}
		var shown struct{ Nights, Never, Problems string }
		b.eval(t, "summary tiles", `({nights: document.querySelector('[data-testid="summary-nights"]').dataset.value,
			never: document.querySelector('[data-testid="summary-never"]').dataset.value,
			problems: document.querySelector('[data-testid="summary-problems"]').dataset.value})`, &shown)
		if shown.Nights != fmt.Sprintf("%d/%d", sum.NightsPatrolled, sum.Nights) || shown.Never != fmt.Sprint(sum.Never.Cells) || shown.Problems != fmt.Sprint(sum.Problems.Count) {
			t.Errorf("strip %+v, API %+v", shown, sum)
		}
		if sum.Never.Cells == 0 || sum.Problems.Count == 0 {
			t.Errorf("the demo ward should have never-patrolled cells and its problem hotspot: %+v", sum)
		}
	})

	t.Run("badges count what the layers flag", func(t *testing.T) {
		b.setLayer(t, "hotspots", true)
		emerging := b.waitLayer(t, "emerging")
		hot := b.layer(t, "hotspots")
		var hs struct {
			Features []struct {
				Properties struct {
					Class      string `json:"class"`
					Confidence int    `json:"confidence"`
				} `json:"properties"`
			} `json:"features"`
		}
		if err := json.Unmarshal(env.apiDo(t, http.MethodGet, "/api/v1/hotspots?"+query.Encode(), nil), &hs); err != nil {
			t.Fatal(err)
		}
		wantHot := 0
		for _, f := range hs.Features {
			if f.Properties.Class == "hot" && f.Properties.Confidence > 0 {
				wantHot++
			}
		}
		// The emerging layer analyses whole weeks ending with the period, at least 12.
		days := int(dayAfter.AddDate(0, 0, 1).Sub(mustDate(t, period.From)).Hours()/24 + 0.5)
		weeks := max(12, (days+6)/7)
		eq := url.Values{"unit": {"demo"}, "from": {dayAfter.AddDate(0, 0, 1-7*weeks).Format(time.DateOnly)}, "to": query["to"], "step": {"week"}}
		var em struct {
			Features []struct {
				Properties struct {
					Category string `json:"category"`
				} `json:"properties"`
			} `json:"features"`
		}
		if err := json.Unmarshal(env.apiDo(t, http.MethodGet, "/api/v1/emerging?"+eq.Encode(), nil), &em); err != nil {
			t.Fatal(err)
		}
		wantEm := 0
		for _, f := range em.Features {
			if strings.HasSuffix(f.Properties.Category, "_hot_spot") {
				wantEm++
			}
		}
		var badges struct{ Hot, Em, HotText, EmText string }
		b.eval(t, "badges", `({hot: document.querySelector('[data-testid="layer-toggle-hotspots"]').dataset.flagged,
			em: document.querySelector('[data-testid="layer-toggle-emerging"]').dataset.flagged,
			hotText: document.querySelector('[data-testid="layer-count-hotspots"]').textContent,
			emText: document.querySelector('[data-testid="layer-count-emerging"]').textContent})`, &badges)
		if badges.Hot != fmt.Sprint(wantHot) || badges.HotText != fmt.Sprint(wantHot) {
			t.Errorf("hot spot badge %q (%q), the API flags %d hot cells", badges.HotText, badges.Hot, wantHot)
		}
		if badges.Em != fmt.Sprint(wantEm) || badges.EmText != fmt.Sprint(wantEm) {
			t.Errorf("emerging badge %q (%q), the API flags %d emerging hot cells", badges.EmText, badges.Em, wantEm)
		}
		if wantHot == 0 || wantEm == 0 || wantHot >= hot.Count || wantEm >= emerging.Count {
			t.Errorf("flagged %d hot of %d cells, %d emerging of %d: the badge must count flagged cells, not all", wantHot, hot.Count, wantEm, emerging.Count)
		}
		b.setLayer(t, "hotspots", false)
	})

	t.Run("emerging popup names its place and says why", func(t *testing.T) {
		var pick *struct {
			Cell     string
			Lat, Lng float64
		}
		b.eval(t, "pick an emerging cell", `(() => {
			const cells = window.patrolmapTest.cellsOf('emerging').filter((c) => (c.category || '').endsWith('_hot_spot'));
			return cells.find((c) => c.count === 0) || cells[0] || null;
		})()`, &pick)
		if pick == nil {
			t.Fatal("no emerging hot cell drawn")
		}
		x, y := b.pointNear(t, pick.Lat, pick.Lng, hitsHexagons)
		b.run(t, "click the cell", chromedp.MouseClickXY(x, y))
		b.wait(t, "popup named", `(() => { const p = document.querySelector('[data-testid="popup-place"]'); return p && p.dataset.state !== 'loading'; })()`)
		var popup struct{ Place, Cell, Why string }
		b.eval(t, "popup", `({place: document.querySelector('[data-testid="popup-place"]').textContent,
			cell: document.querySelector('[data-testid="feature-popup"]').dataset.cell,
			why: (document.querySelector('[data-testid="popup-why-emerging"]') || {}).textContent || ''})`, &popup)
		var places struct {
			Places []struct{ Title string } `json:"places"`
		}
		pq := url.Values{"unit": {"demo"}, "cell": {popup.Cell}, "from": query["from"], "to": query["to"]}
		if err := json.Unmarshal(env.apiDo(t, http.MethodGet, "/api/v1/places?"+pq.Encode(), nil), &places); err != nil {
			t.Fatal(err)
		}
		if len(places.Places) != 1 || popup.Place != places.Places[0].Title || !strings.Contains(popup.Place, "Tổ dân phố") {
			t.Errorf("popup titled %q; the report's place for %s is %+v", popup.Place, popup.Cell, places.Places)
		}
		if !strings.Contains(popup.Why, "Mann-Kendall") || !strings.Contains(popup.Why, "ô xung quanh") {
			t.Errorf("the popup does not say why in plain words: %q", popup.Why)
		}
		b.screenshot(t, "chief-emerging-popup")
		b.closePopup(t)
	})

	t.Run("plan card lists the API's stops and its GPX", func(t *testing.T) {
		b.run(t, "open the plan", chromedp.Click(tid("plan-open")))
		b.wait(t, "plan ready", `document.querySelector('[data-testid="plan-panel"]').dataset.state === 'ready'`)
		var fc struct {
			Features []struct {
				Geometry struct {
					Type string `json:"type"`
				} `json:"geometry"`
				Properties map[string]any `json:"properties"`
			} `json:"features"`
		}
		// The card plans the night in progress (after midnight the day before's) or, by day, the
		// coming one; the period ends today, so it holds either.
		var planNight string
		b.eval(t, "the card's night", `document.querySelector('[data-testid="plan-panel"]').dataset.night`, &planNight)
		if want := planNightOf(now()); planNight != want {
			t.Errorf("the card plans the night of %q; want %s", planNight, want)
		}
		pq := url.Values{"unit": {"demo"}, "night": {planNight}}
		if err := json.Unmarshal(env.apiDo(t, http.MethodGet, "/api/v1/plan?"+pq.Encode(), nil), &fc); err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, f := range fc.Features {
			if f.Geometry.Type == "Point" {
				want = append(want, fmt.Sprintf("%v:%v", f.Properties["order"], f.Properties["name"]))
			}
		}
		var got []string
		b.eval(t, "stops", `[...document.querySelectorAll('[data-testid="plan-stops"] > li')].map((li) => li.dataset.order + ':' + li.dataset.name)`, &got)
		if len(want) < 3 || strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("plan card stops\n%v\nAPI stops\n%v", got, want)
		}
		var startMeta string
		b.eval(t, "start", `document.querySelector('[data-testid="plan-stops"] > li[data-kind="start"]').textContent`, &startMeta)
		if strings.Contains(startMeta, "0 phút") || strings.Contains(startMeta, "0,0 km") {
			t.Errorf("the start reads %q: no stay and no leg for the start", startMeta)
		}
		var gain string
		b.eval(t, "gain", `document.querySelector('[data-testid="plan-gain"]').textContent`, &gain)
		if !strings.Contains(gain, "%") || !strings.Contains(gain, "→") {
			t.Errorf("coverage gain reads %q", gain)
		}
		b.wait(t, "stops on the map", `document.querySelectorAll('.route-stop-icon').length > 0`)
		b.setLayer(t, "gaps", true)
		b.run(t, "settle", chromedp.Sleep(400*time.Millisecond))
		var overlaps int
		b.eval(t, "badge overlaps", `window.patrolmapTest.badgeOverlaps()`, &overlaps)
		if overlaps != 0 {
			t.Errorf("%d pairs of gap-rank and stop badges overlap", overlaps)
		}
		b.screenshot(t, "chief-plan-panel")

		// Saving the suggestion lists it under the night's saved routes.
		var before int
		b.eval(t, "saved before", `Number(document.querySelector('[data-testid="plan-saved"]').dataset.count)`, &before)
		b.run(t, "save the route", chromedp.Click(tid("plan-save")))
		b.wait(t, "saved listed", `Number(document.querySelector('[data-testid="plan-saved"]').dataset.count) === `+fmt.Sprint(before+1))
		var routes struct {
			Features []struct {
				Properties struct{ Night, Kind string } `json:"properties"`
			} `json:"features"`
		}
		if err := json.Unmarshal(env.apiDo(t, http.MethodGet, "/api/v1/routes?unit=demo&night="+period.To, nil), &routes); err != nil {
			t.Fatal(err)
		}
		if len(routes.Features) != before+1 {
			t.Errorf("the API has %d routes for the night, the card lists %d", len(routes.Features), before+1)
		}

		b.run(t, "download GPX", chromedp.Click(tid("plan-gpx")))
		var file string
		deadline := time.Now().Add(20 * time.Second)
		for file == "" && time.Now().Before(deadline) {
			matches, _ := filepath.Glob(filepath.Join(downloads, "*.gpx"))
			if len(matches) > 0 {
				file = matches[0]
			}
			time.Sleep(100 * time.Millisecond)
		}
		if file == "" {
			t.Fatal("the GPX button downloaded nothing")
		}
		time.Sleep(300 * time.Millisecond)
		got2, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		pq.Set("format", "gpx")
		apiGPX := env.apiDo(t, http.MethodGet, "/api/v1/plan?"+pq.Encode(), nil)
		stamp := regexp.MustCompile(`<time>[^<]*</time>`)
		a, c := stamp.ReplaceAll(got2, nil), stamp.ReplaceAll(apiGPX, nil)
		if !bytes.Equal(a, c) || !bytes.Contains(a, []byte("<trk>")) {
			t.Errorf("downloaded GPX (%d bytes) differs from the API's (%d bytes)", len(got2), len(apiGPX))
		}
	})

	t.Run("a route drawn on the map is evaluated as the API evaluates it", func(t *testing.T) {
		var roads struct {
			Features []struct {
				Geometry struct {
					Coordinates [][2]float64 `json:"coordinates"`
				} `json:"geometry"`
				Properties struct{ Name string } `json:"properties"`
			} `json:"features"`
		}
		b.fetchJSON(t, "/api/v1/roads?unit=demo", &roads)
		// A street whose first points show on the map, clear of the plan card and the strip.
		var free struct{ Left, Right, Top, Bottom float64 }
		b.eval(t, "free part of the map", `(() => {
			const m = document.querySelector('[data-testid="map"]').getBoundingClientRect();
			const card = document.querySelector('[data-testid="plan-panel"]').getBoundingClientRect();
			const strip = document.querySelector('[data-testid="summary-strip"]').getBoundingClientRect();
			return {left: m.left + 60, right: card.left - 10, top: strip.bottom + 10, bottom: m.bottom - 30};
		})()`, &free)
		var line [][2]float64
		for _, f := range roads.Features {
			c := f.Geometry.Coordinates
			if len(c) < 3 {
				continue
			}
			ok := true
			for _, p := range c[:3] {
				x, y := b.point(t, p[1], p[0])
				ok = ok && x > free.Left && x < free.Right && y > free.Top && y < free.Bottom
			}
			if ok {
				line = c
				break
			}
		}
		if line == nil {
			t.Fatal("no street in view to draw along")
		}
		b.run(t, "draw", chromedp.Click(tid("plan-draw")))
		b.wait(t, "drawing", `document.querySelector('[data-testid="plan-draw-hint"]') !== null`)
		pts := line[:3]
		var last [2]float64
		for i, p := range pts {
			x, y := b.point(t, p[1], p[0])
			last = [2]float64{x, y}
			b.run(t, fmt.Sprintf("vertex %d", i), chromedp.MouseClickXY(x, y), chromedp.Sleep(200*time.Millisecond))
		}
		// Geoman ends a line on a second click on its last point.
		b.run(t, "finish", chromedp.MouseClickXY(last[0], last[1]), chromedp.Sleep(200*time.Millisecond))
		b.wait(t, "evaluated", `document.querySelector('[data-testid="plan-panel"]').dataset.drawn === 'evaluated'`)
		var geom json.RawMessage
		b.eval(t, "drawn geometry", `window.patrolmapTest.drawnRoute()`, &geom)
		var ev struct {
			Evaluation struct {
				Km       float64 `json:"km"`
				WalkMin  float64 `json:"walk_min"`
				MotoMin  float64 `json:"motorbike_min"`
				KeyAreas []struct {
					Due bool `json:"due"`
				} `json:"key_areas"`
				Gain struct {
					GapCells        int     `json:"gap_cells"`
					GapCellsCovered int     `json:"gap_cells_covered"`
					PercentAfter    float64 `json:"percent_after"`
					KeyAreasDue     int     `json:"key_areas_due"`
				} `json:"gain"`
			} `json:"evaluation"`
		}
		feature := map[string]any{"type": "Feature", "geometry": geom, "properties": map[string]any{}}
		if err := json.Unmarshal(env.apiDo(t, http.MethodPost, "/api/v1/plan/evaluate?unit=demo&night="+planNightOf(now()), feature), &ev); err != nil {
			t.Fatal(err)
		}
		e := ev.Evaluation
		if e.Km <= 0 {
			t.Fatalf("the API evaluates the drawn line as %+v", e)
		}
		due := 0
		for _, a := range e.KeyAreas {
			if a.Due {
				due++
			}
		}
		var shown struct{ Km, Gaps, Areas, After string }
		b.eval(t, "shown", `({km: document.querySelector('[data-testid="plan-drawn-km"]').textContent,
			gaps: document.querySelector('[data-testid="plan-drawn-gaps"]').textContent,
			areas: document.querySelector('[data-testid="plan-drawn-areas"]').textContent,
			after: document.querySelector('[data-testid="plan-drawn-after"]').textContent})`, &shown)
		want := struct{ Km, Gaps, Areas, After string }{
			Km:    viNumber(e.Km, 2) + " km",
			Gaps:  fmt.Sprintf("%d/%d", e.Gain.GapCellsCovered, e.Gain.GapCells),
			Areas: fmt.Sprintf("%d/%d", due, e.Gain.KeyAreasDue),
			After: viNumber(math.Round(e.Gain.PercentAfter*10)/10, 1) + "%",
		}
		if shown != want {
			t.Errorf("the map shows %+v for the drawn route; the API answers %+v", shown, want)
		}
		b.screenshot(t, "chief-drawn-route")
		b.run(t, "close the plan", chromedp.Click(tid("plan-close")))
	})

	t.Run("gaps stand out", func(t *testing.T) {
		b.setLayer(t, "emerging", false)
		b.setLayer(t, "routes", false)
		b.run(t, "settle", chromedp.Sleep(500*time.Millisecond))
		b.screenshot(t, "chief-gaps")
		b.setLayer(t, "emerging", true)
	})

	t.Run("phone header is one row and keeps the unit's name", func(t *testing.T) {
		b.run(t, "phone", phoneScreen.emulate(), chromedp.Reload())
		b.ready(t)
		b.wait(t, "summary", `document.querySelector('[data-testid="summary-strip"]').dataset.state === 'ready'`)
		b.wait(t, "basemap tiles", `(() => { const c = [...document.querySelectorAll('.leaflet-tile-pane canvas')]; return c.length > 0 && c.every((x) => x.classList.contains('leaflet-tile-loaded')); })()`)
		b.run(t, "tiles painted", chromedp.Sleep(1200*time.Millisecond))
		var hdr struct {
			Height        float64
			Name          string
			Cut           bool
			Visible       bool
			MapHeight     float64
			MenuHidden    bool
			UserInMenu    bool
			LogoutVisible bool
		}
		b.eval(t, "header", `(() => {
			const header = document.querySelector('.topbar').getBoundingClientRect();
			const name = document.querySelector('[data-testid="unit-name"]');
			const r = name.getBoundingClientRect();
			const menu = document.querySelector('[data-testid="topbar-menu"]');
			return {height: header.height, name: name.textContent,
				cut: name.scrollWidth > name.clientWidth + 1 || name.scrollHeight > name.clientHeight + 1 || r.right > header.right || r.bottom > header.bottom,
				visible: r.width > 0 && r.height > 0,
				mapHeight: document.querySelector('[data-testid="map"]').getBoundingClientRect().height,
				menuHidden: getComputedStyle(menu).display === 'none',
				logoutVisible: document.querySelector('[data-testid="logout"]').getBoundingClientRect().width > 0};
		})()`, &hdr)
		if hdr.Height > 64 {
			t.Errorf("phone header is %.0f px high, want ≤ 64", hdr.Height)
		}
		if !hdr.Visible || hdr.Cut || hdr.Name != env.ward.Name {
			t.Errorf("unit name %q (want %q) cut=%v visible=%v", hdr.Name, env.ward.Name, hdr.Cut, hdr.Visible)
		}
		if !hdr.MenuHidden || hdr.LogoutVisible {
			t.Errorf("the menu's items show in the header: %+v", hdr)
		}
		if hdr.MapHeight < 844-64-2 {
			t.Errorf("the map is %.0f px high on an 844 px screen", hdr.MapHeight)
		}
		b.screenshot(t, "chief-phone")
		b.run(t, "open the menu", chromedp.Click(tid("menu-toggle")))
		b.wait(t, "menu open", `getComputedStyle(document.querySelector('[data-testid="topbar-menu"]')).display !== 'none' && document.querySelector('[data-testid="logout"]').getBoundingClientRect().width > 0`)
		b.screenshot(t, "chief-phone-menu")
		b.run(t, "close the menu", chromedp.Click(tid("menu-toggle")))
		b.run(t, "desktop", desktopScreen.emulate(), chromedp.Reload())
		b.ready(t)
	})

	if foreign := log.foreign(base); len(foreign) > 0 {
		t.Errorf("the page made %d requests to other origins: %v", len(foreign), foreign[:min(5, len(foreign))])
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
