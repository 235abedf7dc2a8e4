// Package e2e drives the real web map in a real headless Chromium against a real server on a
// real PostGIS database loaded with the demo ward.
package e2e

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
	"github.com/patrolmap/patrolmap/webmap"
)

// chromiumPath finds Debian's chromium; missing is a failure under CI=true.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	storetest.Unavailable(t, "no chromium on PATH (apt-get install chromium)")
	return ""
}

// demoServer serves the embedded web map over the demo ward loaded for today.
func demoServer(t *testing.T) (*httptest.Server, *demo.Ward) {
	t.Helper()
	if !webmap.Built() {
		t.Fatal("the web map is not built: run `make build` (make test does)")
	}
	s := storetest.New(t)
	w, err := demo.Generate(1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.LoadDemo(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{TileURL: ""}, s, webmap.Assets(), nil).Handler())
	t.Cleanup(srv.Close)
	return srv, w
}

// browser starts headless Chromium and collects console errors and failed loads.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	b := &browser{ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		storetest.Unavailable(t, "cannot start chromium: "+err.Error())
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.add(m.String())
			}
		}
	}()
	return b
}

func (b *browser) add(s string) {
	b.mu.Lock()
	b.errors = append(b.errors, s)
	b.mu.Unlock()
}

func (b *browser) consoleErrors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.errors...)
}

// run executes actions with a deadline.
func (b *browser) run(t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v (console: %v)", what, err, b.consoleErrors())
	}
}

// get runs one action that returns a value, with a deadline.
func get[T any](t *testing.T, b *browser, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v (console: %v)", what, err, b.consoleErrors())
	}
	return v
}

// screenshot writes a PNG of the page into test-artifacts/.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	png := get(t, b, "screenshot "+name, chromedp.FullScreenshot(100))
	dir := filepath.Join("..", "test-artifacts")
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (b *browser) login(t *testing.T, base, user, password string) {
	t.Helper()
	b.run(t, "login as "+user,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`[data-testid="login-username"]`),
		chromedp.SendKeys(`[data-testid="login-username"]`, user),
		chromedp.SendKeys(`[data-testid="login-password"]`, password),
		chromedp.Click(`[data-testid="login-submit"]`),
		chromedp.WaitVisible(`[data-testid="user-name"]`),
		chromedp.WaitVisible(`body[data-ready="true"]`),
	)
}

// TestDemoMapOpensAfterLogin logs in to the demo ward and checks the map draws its unit, with
// no console errors.
func TestDemoMapOpensAfterLogin(t *testing.T) {
	srv, w := demoServer(t)
	b := newBrowser(t)
	b.run(t, "open", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(`[data-testid="login-form"]`))
	b.screenshot(t, "login")
	b.login(t, srv.URL, "phantich", store.DemoPassword)
	userName := get(t, b, "user name", chromedp.Text(`[data-testid="user-name"]`))
	paths := get(t, b, "drawn features", chromedp.Evaluate[int](`document.querySelectorAll('.leaflet-pane path, .leaflet-pane canvas').length`))
	if !strings.Contains(userName, "phân tích") && !strings.Contains(userName, "phantich") {
		t.Errorf("user name shown as %q", userName)
	}
	if paths == 0 {
		t.Errorf("no map features drawn for %s", w.Name)
	}
	b.screenshot(t, "demo-map")
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %s", fmt.Sprint(errs))
	}
}
