package e2e

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/app/night"
	"github.com/patrolmap/patrolmap/app/unit"
	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/demo/load"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
	"github.com/patrolmap/patrolmap/webmap"
)

// droppingNetwork wraps a handler: while down, every request is cut off (the connection closed
// without an answer, as when the phone loses its network) and its method counted.
type droppingNetwork struct {
	next    http.Handler
	down    atomic.Bool
	mu      sync.Mutex
	methods []string // of requests cut off
}

func (d *droppingNetwork) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !d.down.Load() {
		d.next.ServeHTTP(w, r)
		return
	}
	d.mu.Lock()
	d.methods = append(d.methods, r.Method+" "+r.URL.Path)
	d.mu.Unlock()
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		conn.Close()
	}
}

func (d *droppingNetwork) cutOff() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.methods...)
}

// TestOfficerViewOffline opens the officer view on a 390×844 phone screen as the demo officer
// canbo1: tonight's route with stops and minutes to stay, the key areas with their status, the
// stay timer. Then the network drops: a reload opens from the service worker's cache with the
// same route and areas, says it is offline, and no request but GETs leaves the page.
func TestOfficerViewOffline(t *testing.T) {
	if !webmap.Built() {
		t.Fatal("the web map is not built: run `make build` (make test does)")
	}
	s := storetest.New(t)
	w, err := demo.Generate(1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The demo's fixes end before the night tonightOfCanbo1 moves around now: between 00:00 and
	// 05:00 ICT the demo's own patrol is under way and its visits made the overdue area met.
	w.Until = time.Now().Add(-2*time.Hour - time.Minute)
	if _, err := load.Demo(context.Background(), s, w); err != nil {
		t.Fatal(err)
	}
	met, overdue := tonightOfCanbo1(t, s)
	netw := &droppingNetwork{next: api.New(api.Config{Version: "e2e"}, s, webmap.Assets(), serverLog(t)).Handler()}
	srv := httptest.NewServer(netw)
	t.Cleanup(srv.Close)
	base := srv.URL

	b := newBrowser(t)
	b.run(t, "open the officer view", chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/officer/"),
		chromedp.WaitVisible(tid("officer-login")))
	if got := b.text(t, `[data-testid="officer-login-submit"]`); got != "Đăng nhập" {
		t.Errorf("login button %q, want Vietnamese first", got)
	}
	b.run(t, "sign in",
		chromedp.SendKeys(`[data-testid="officer-username"]`, "canbo1"),
		chromedp.SendKeys(`[data-testid="officer-password"]`, load.Password),
		chromedp.Click(`[data-testid="officer-login-submit"]`),
		chromedp.WaitVisible(`body[data-ready="true"]`))
	// The service worker takes the page over; a reload then goes through it and fills its cache.
	b.wait(t, "service worker in control", `!!navigator.serviceWorker.controller`)
	b.run(t, "reload through the service worker", chromedp.Reload(), chromedp.WaitVisible(`body[data-ready="true"]`))

	type view struct {
		Stops, Areas, StayButtons int
		Hotspots, Handovers       int
		Statuses                  []string
		Night, Track, Net         string
		NetHidden                 bool
		TapMin                    float64
		Background                string
	}
	read := func() view {
		var v view
		b.eval(t, "read the view", `(() => {
			const q = (s) => [...document.querySelectorAll(s)];
			const taps = q('button').filter((e) => e.offsetParent).map((e) => e.getBoundingClientRect().height);
			return {
				Stops: q('[data-testid="officer-stop"]').length,
				Areas: q('[data-testid="officer-area"]').length,
				StayButtons: q('[data-testid="officer-stay-start"]').length,
				Hotspots: q('[data-testid="officer-hotspot"]').length,
				Handovers: q('[data-testid="officer-handovers"] a').length,
				Statuses: q('[data-testid="officer-area"]').map((e) => e.dataset.status),
				Night: document.querySelector('[data-testid="officer-night"]').textContent,
				Track: document.querySelector('[data-testid="officer-track"]').textContent,
				Net: document.querySelector('[data-testid="officer-net"]').textContent,
				NetHidden: document.querySelector('[data-testid="officer-net"]').hidden,
				TapMin: Math.min(...taps),
				Background: getComputedStyle(document.body).backgroundColor,
			};
		})()`, &v)
		return v
	}
	online := read()
	t.Logf("online: %+v", online)
	if online.Stops < 2 || online.StayButtons < 1 || online.Areas < 3 || !strings.HasPrefix(online.Night, w.Name) ||
		!strings.Contains(online.Night, "Đêm ") || !online.NetHidden {
		t.Errorf("officer view %+v: want stops, key areas, the night, online", online)
	}
	// The night's date shows whole under the unit's name (it was cut to "Đ…" on a 390 px phone).
	var cut bool
	b.eval(t, "night line whole", `(() => { const e = document.querySelector('[data-testid="officer-night"]'); return e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight + 1; })()`, &cut)
	if cut {
		t.Errorf("the night line %q is cut off on the phone", online.Night)
	}
	if !slices.Contains(online.Statuses, "met") || !slices.Contains(online.Statuses, "overdue") || !strings.Contains(online.Track, "km") ||
		online.Handovers < 1 {
		t.Errorf("officer view %+v: want %q met and %q overdue, own track, a handover", online, met, overdue)
	}
	if online.TapMin < 48 {
		t.Errorf("the smallest tap target is %.0f px high, want at least 48", online.TapMin)
	}
	if online.Background != "rgb(13, 17, 23)" {
		t.Errorf("background %s, want the dark theme", online.Background)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors online: %v", errs)
	}
	b.screenshot(t, "officer-390")
	viewShot(t, b, "officer-390-top", "")
	viewShot(t, b, "officer-390-areas", `[data-testid="officer-areas"]`)
	viewShot(t, b, "officer-390-hotspots", `[data-testid="officer-hotspots"]`)

	b.run(t, "start a stay", chromedp.Click(`[data-testid="officer-stay-start"]`), chromedp.WaitVisible(tid("officer-stay-clock")))
	if clock := b.text(t, `[data-testid="officer-stay-clock"]`); !strings.HasPrefix(clock, "0:0") {
		t.Errorf("stay clock %q", clock)
	}
	viewShot(t, b, "officer-390-stay", "")

	// The network drops.
	netw.down.Store(true)
	b.run(t, "reload offline", chromedp.Reload(), chromedp.WaitVisible(`body[data-ready="true"]`))
	offline := read()
	t.Logf("offline: %+v", offline)
	if offline.Stops != online.Stops || offline.Areas != online.Areas || offline.Hotspots != online.Hotspots || offline.Handovers != online.Handovers || strings.Join(offline.Statuses, ",") != strings.Join(online.Statuses, ",") {
		t.Errorf("offline view %+v differs from the last online one %+v", offline, online)
	}
	if offline.NetHidden || !strings.HasPrefix(offline.Net, "Ngoại tuyến · dữ liệu lúc ") {
		t.Errorf("offline notice %q (hidden %v)", offline.Net, offline.NetHidden)
	}
	if clock := b.text(t, `[data-testid="officer-stay-clock"]`); clock == "" {
		t.Error("the stay timer did not survive the reload")
	}
	viewShot(t, b, "officer-390-offline", "")
	// Buttons that would send something send nothing offline.
	b.run(t, "tap sign out and reload offline", chromedp.Click(`[data-testid="officer-logout"]`), chromedp.Click(`[data-testid="officer-refresh"]`))
	time.Sleep(time.Second)
	for _, m := range netw.cutOff() {
		if !strings.HasPrefix(m, "GET ") {
			t.Errorf("a %s left the page offline", m)
		}
	}
	t.Logf("requests cut off while offline: %v", netw.cutOff())
}

// tonightOfCanbo1 makes the demo ward's night under way now (its window moved around now): the
// officer canbo1 (demo-phone-1) stayed in one key area long enough 40 minutes ago and walked
// on, another key area's deadline passed 10 minutes ago, and last night's handover is archived.
// It returns the two areas' names.
func tonightOfCanbo1(t *testing.T, s *store.Store) (met, overdue string) {
	t.Helper()
	ctx := context.Background()
	u, err := s.UnitByCode(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(night.Zone(u))
	u.NightStart, u.NightEnd = clockOf(now.Add(-2*time.Hour)), clockOf(now.Add(3*time.Hour))
	if u, err = s.UpdateUnit(ctx, u); err != nil {
		t.Fatal(err)
	}
	areas, err := s.ListAreas(ctx, u.ID, patrol.KindKeyArea)
	if err != nil {
		t.Fatal(err)
	}
	var a, b *patrol.Area
	for i := range areas {
		if areas[i].RequiredNightVisits != 1 {
			continue
		}
		if a == nil {
			a = &areas[i]
		} else if b == nil {
			b = &areas[i]
		}
	}
	if a == nil || b == nil {
		t.Fatalf("the demo ward has fewer than two key areas needing one visit: %v", areas)
	}
	b.Deadline = clockOf(now.Add(-10 * time.Minute))
	if _, err := s.UpdateArea(ctx, *b); err != nil {
		t.Fatal(err)
	}
	_, cells, err := unit.AreaCells(*a, u.H3Res)
	if err != nil || len(cells) == 0 {
		t.Fatalf("cells of %s: %v", a.Name, err)
	}
	centre, err := geo.CellCentre(cells[len(cells)/2])
	if err != nil {
		t.Fatal(err)
	}
	dev, err := s.DeviceByIdent(ctx, "demo-phone-1")
	if err != nil {
		t.Fatal(err)
	}
	var fixes []patrol.Fix
	start := time.Now().Add(-40 * time.Minute).Truncate(time.Second).UTC()
	stay := time.Duration(a.MinDwellMin+4) * time.Minute
	for d := time.Duration(0); d <= stay+10*time.Minute; d += 30 * time.Second {
		lat := centre[1]
		if d > stay { // then walks north, about 1 m/s
			lat += (d - stay).Seconds() * 1.0 / 111_000
		}
		fixes = append(fixes, patrol.Fix{UnitID: u.ID, DeviceID: dev.ID, Time: start.Add(d), Lat: lat, Lon: centre[0], Accuracy: 5,
			Speed: patrol.Unknown, Heading: patrol.Unknown, Altitude: patrol.Unknown, Battery: patrol.Unknown, Source: "test"})
	}
	res, err := s.InsertFixes(ctx, fixes)
	if err != nil || res.Accepted != len(fixes) {
		t.Fatalf("canbo1's fixes: %+v (%v)", res, err)
	}
	if _, err := night.NewScheduler(s, nil).Handovers.Tick(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	return a.Name, b.Name
}

// viewShot writes a PNG of what the phone's screen shows, scrolled to the element sel (the top
// when empty), into test-artifacts/.
func viewShot(t *testing.T, b *browser, name, sel string) {
	t.Helper()
	if sel == "" {
		b.eval(t, "scroll to the top", `window.scrollTo(0, 0)`, nil)
	} else {
		b.eval(t, "scroll to "+sel, `document.querySelector(`+js(sel)+`).closest('section').scrollIntoView({block: 'start'})`, nil)
	}
	png := get(t, b, "screenshot "+name, chromedp.CaptureScreenshot())
	dir := filepath.Join("..", "test-artifacts")
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
