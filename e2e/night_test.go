package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/app/night"
	"github.com/patrolmap/patrolmap/demo/load"
	"github.com/patrolmap/patrolmap/patrol"
)

// clockOf writes the local time of day of t as HH:MM.
func clockOf(t time.Time) string { return t.Format("15:04") }

// TestNightAlertReachesOpenMap sets a key area's deadline a minute or two ahead on the demo ward
// (its night window moved around now), opens the map, and waits for the banner the scheduler's
// alert brings over the live stream: it must show within 65 s of the deadline, with the area,
// its requirement and the nearest on-duty officer. A restarted scheduler raises nothing more;
// acknowledging clears the banner and records who.
func TestNightAlertReachesOpenMap(t *testing.T) {
	// The demo's fixes end before the on-duty window, so the officer placed below is the only one
	// on duty whatever the hour: run between 00:00 and 05:00 ICT, the demo's own patrol of the
	// night is under way and one of its phones could be nearer the area.
	env := loadDemoUntil(t, today, true, time.Now().Add(-night.OnDutyWindow-time.Minute))
	ctx := context.Background()
	u, err := env.store.UnitByCode(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	loc := night.Zone(u)
	now := time.Now().In(loc)
	u.NightStart, u.NightEnd = clockOf(now.Add(-time.Hour)), clockOf(now.Add(3*time.Hour))
	if u, err = env.store.UpdateUnit(ctx, u); err != nil {
		t.Fatal(err)
	}
	deadline := now.Add(119 * time.Second).Truncate(time.Minute) // 60–119 s ahead
	c := env.ward.Boundary.Bound().Center()
	const d = 0.0004
	square := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%f,%f],[%f,%f],[%f,%f],[%f,%f],[%f,%f]]]}`,
		c[0]-d, c[1]-d, c[0]+d, c[1]-d, c[0]+d, c[1]+d, c[0]-d, c[1]+d, c[0]-d, c[1]-d)
	area, err := env.store.CreateArea(ctx, patrol.Area{UnitID: u.ID, Kind: patrol.KindKeyArea, Name: "Kho bãi Thử nghiệm",
		Geometry: []byte(square), BufferM: 25, RequiredNightVisits: 1, MinDwellMin: 10, Deadline: clockOf(deadline)})
	if err != nil {
		t.Fatal(err)
	}
	// An officer on duty, about 300 m north of the area centre (284 m from its nearest cell), seen just now.
	dev, err := env.store.DeviceByIdent(ctx, "demo-phone-2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.store.InsertFixes(ctx, []patrol.Fix{{UnitID: u.ID, DeviceID: dev.ID, Time: time.Now().Add(-time.Minute).UTC(),
		Lat: c[1] + 0.0027, Lon: c[0], Accuracy: 5, Speed: patrol.Unknown, Heading: patrol.Unknown, Altitude: patrol.Unknown,
		Battery: patrol.Unknown, Source: "test"}}); err != nil {
		t.Fatal(err)
	}

	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go (&night.Alerts{Repo: env.store}).Run(sctx, night.AlertEvery, time.Now)

	b := newBrowser(t)
	b.login(t, env.srv.URL, "admin", load.Password)
	item := fmt.Sprintf(`[data-testid="alert-item"][data-area-id="%d"]`, area.ID)
	if b.text(t, `[data-testid="alert-banner"]`) != "" {
		t.Fatal("a banner shows before the deadline")
	}
	var seen time.Time
	for {
		var shown bool
		b.eval(t, "banner", `!!document.querySelector(`+js(item)+`)`, &shown)
		if shown {
			seen = time.Now()
			break
		}
		if time.Since(deadline) > 70*time.Second {
			t.Fatalf("no alert banner %s after the deadline %s", time.Since(deadline).Round(time.Second), clockOf(deadline))
		}
		time.Sleep(250 * time.Millisecond)
	}
	late := seen.Sub(deadline)
	t.Logf("deadline %s local; the banner showed %.1f s after it", clockOf(deadline), late.Seconds())
	if late > 65*time.Second || late < 0 {
		t.Errorf("the banner showed %v after the deadline, want within 65 s", late)
	}
	text := b.text(t, item)
	for _, want := range []string{"Cảnh báo quá hạn: Kho bãi Thử nghiệm", "cần 1 lượt tuần tra, mỗi lượt ít nhất 10 phút",
		"quá hạn " + clockOf(deadline), "Cán bộ trực gần nhất: Điện thoại Trần Minh Đức (demo-phone-2), cách 2"} {
		if !strings.Contains(text, want) {
			t.Errorf("banner %q does not say %q", text, want)
		}
	}
	b.screenshot(t, "night-alert-banner")

	// Restart the scheduler: nothing is raised again.
	stop()
	again := &night.Alerts{Repo: env.store}
	for i := 0; i < 3; i++ {
		got, err := again.Tick(ctx, time.Now())
		if err != nil || len(got) != 0 {
			t.Fatalf("restarted scheduler raised %d (%v)", len(got), err)
		}
	}
	tonight := night.Of(u, time.Now())
	p := night.Window(u).Night(tonight, loc)
	alerts, err := env.store.ListAlerts(ctx, u.ID, p.From, p.To)
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 1 || alerts[0].AreaID != area.ID || alerts[0].Night != tonight.String() {
		t.Fatalf("alerts %+v, want one for the area", alerts)
	}

	b.run(t, "acknowledge", chromedp.Click(item+` [data-testid="alert-ack"]`))
	b.wait(t, "banner cleared", `!document.querySelector(`+js(item)+`)`)
	got, err := env.store.AlertByID(ctx, alerts[0].ID)
	if err != nil || got.AckByName != "admin" || got.AckAt.IsZero() {
		t.Fatalf("acknowledged %+v (%v)", got, err)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
