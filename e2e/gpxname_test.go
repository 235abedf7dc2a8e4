package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/demo/load"
)

// TestGPXFileNameFollowsLanguage: the plan card's GPX download is saved under a name in the
// map's language — "patrol-route-demo-NIGHT.gpx" in English, "tuyen-tuan-tra-demo-NIGHT.gpx" in
// Vietnamese — as the browser really names the file (1280×860).
func TestGPXFileNameFollowsLanguage(t *testing.T) {
	env := loadDemo(t, today, false)
	b := newBrowser(t)
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	b.run(t, "desktop", desktopScreen.emulate())
	b.login(t, env.srv.URL, "admin", load.Password)
	b.run(t, "open the plan", chromedp.Click(tid("plan-open")))
	b.wait(t, "plan ready", `document.querySelector('[data-testid="plan-panel"]').dataset.state === 'ready'`)
	var night string
	b.eval(t, "the planned night", `document.querySelector('[data-testid="plan-panel"]').dataset.night`, &night)
	if night == "" {
		t.Fatal("the plan card names no night")
	}
	download := func(lang string) string {
		t.Helper()
		b.run(t, "download GPX in "+lang, chromedp.Click(tid("plan-gpx")))
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			entries, _ := os.ReadDir(downloads)
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".gpx") {
					os.Remove(filepath.Join(downloads, e.Name()))
					return e.Name()
				}
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%s: the GPX button downloaded nothing", lang)
		return ""
	}
	if got, want := download("vi"), "tuyen-tuan-tra-demo-"+night+".gpx"; got != want {
		t.Errorf("Vietnamese map: the GPX is saved as %q, want %q", got, want)
	}
	b.run(t, "English", chromedp.Click(tid("lang-toggle")))
	b.wait(t, "English plan", `document.documentElement.lang === 'en' &&
		document.querySelector('[data-testid="plan-panel"]').dataset.state === 'ready' &&
		document.querySelector('[data-testid="plan-gpx"]').getAttribute('href').includes('lang=en')`)
	if got, want := download("en"), "patrol-route-demo-"+night+".gpx"; got != want {
		t.Errorf("English map: the GPX is saved as %q, want %q", got, want)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
