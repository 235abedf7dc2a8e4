package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/demo/load"
)

// TestVersionAfterSignIn: /api/v1/config tells the build version only to signed-in users
// (issue 18), so the map reads the config again after the login form: the panel shows the
// version once someone has signed in through it. It runs today and on the 1st of a year.
func TestVersionAfterSignIn(t *testing.T) {
	t.Parallel()
	for _, d := range todayAnd(newYear) {
		t.Run(d.name, func(t *testing.T) { versionAfterSignIn(t, d) })
	}
}

func versionAfterSignIn(t *testing.T, d testDay) {
	env := loadDemo(t, d.now, false)
	base := env.srv.URL
	b := newBrowser(t)
	b.setDay(t, d)
	b.run(t, "open", desktopScreen.emulate(), chromedp.Navigate(base+"/"), chromedp.WaitVisible(tid("login-form")))
	var anon string
	b.eval(t, "anonymous config", `fetch('/api/v1/config').then(r => r.text())`, &anon)
	if strings.Contains(anon, "e2e") {
		t.Errorf("the config told the version before sign-in: %s", anon)
	}
	b.login(t, base, "admin", load.Password)
	b.run(t, "version line", chromedp.WaitVisible(tid("app-version")), chromedp.ScrollIntoView(tid("app-version")))
	if got := b.text(t, `[data-testid="app-version"]`); !strings.Contains(got, "e2e") {
		t.Errorf("after sign-in the panel shows %q, want the version e2e", got)
	}
	png := get(t, b, "screenshot the version line", chromedp.Screenshot(tid("app-version")))
	writeArtifact(t, "version-after-sign-in"+dayTag(d)+".png", png)
}
