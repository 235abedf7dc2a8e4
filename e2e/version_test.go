package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/demo/load"
)

// TestVersionAfterSignIn: /api/v1/config tells the build version only to signed-in users
// (issue 18), so the map reads the config again after the login form: the panel shows the
// version once someone has signed in through it.
func TestVersionAfterSignIn(t *testing.T) {
	t.Parallel()
	env := loadDemo(t, today, false)
	base := env.srv.URL
	b := newBrowser(t)
	b.run(t, "open", chromedp.EmulateViewport(1280, 860), chromedp.Navigate(base+"/"), chromedp.WaitVisible(tid("login-form")))
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
	dir := filepath.Join("..", "test-artifacts")
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "version-after-sign-in.png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
