package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/patrolmap/patrolmap/demo/load"
)

// osmandStatus sends one OsmAnd report for device id (with its secret key when not empty) and
// returns the status.
func osmandStatus(t testing.TB, base, id, key string, at time.Time) int {
	t.Helper()
	q := url.Values{"id": {id}, "lat": {"21.4701"}, "lon": {"105.8502"}, "timestamp": {fmt.Sprint(at.Unix())}, "batt": {"77"}}
	if key != "" {
		q.Set("key", key)
	}
	res, err := http.Get(base + "/osmand?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// openAdmin signs in as the demo admin and opens a tab of the administration screen.
func openAdmin(t testing.TB, b *browser, base, tab string) {
	t.Helper()
	b.login(t, base, "admin", load.Password)
	b.run(t, "open the administration",
		chromedp.WaitVisible(`[data-testid="admin-open"]`),
		chromedp.Click(`[data-testid="admin-open"]`),
		chromedp.WaitVisible(`[data-testid="admin-page"]`),
	)
	showTab(t, b, tab)
}

func showTab(t testing.TB, b *browser, tab string) {
	t.Helper()
	b.run(t, "show the "+tab+" tab",
		chromedp.Click(`[data-testid="admin-tab-`+tab+`"]`),
		chromedp.WaitVisible(`[data-testid="admin-body"][data-tab="`+tab+`"][data-state="ready"]`),
	)
}

// readSecret reads the secret the dialog shows once, then closes it.
func readSecret(t testing.TB, b *browser) string {
	t.Helper()
	b.run(t, "secret dialog", chromedp.WaitVisible(`[data-testid="admin-secret-value"]`))
	secret := strings.TrimSpace(get(t, b, "secret", chromedp.Text(`[data-testid="admin-secret-value"]`)))
	b.run(t, "close the secret dialog",
		chromedp.Click(`[data-testid="admin-secret-dialog-close"]`),
		chromedp.WaitNotPresent(`[data-testid="admin-secret-dialog"]`),
		chromedp.WaitVisible(`[data-testid="admin-body"][data-state="ready"]`),
	)
	if len(secret) < 40 {
		t.Fatalf("secret %q", secret)
	}
	return secret
}

// TestAdminRegisterKnockingDeviceAndRotate: a phone that is not registered knocks; the admin
// registers it from the rejection log with one click, then replays the fix it sent meanwhile with
// another, the phone's fixes are accepted with the secret shown once; rotating the secret stops
// the old one.
func TestAdminRegisterKnockingDeviceAndRotate(t *testing.T) {
	srv := demoServer(t).srv
	now := time.Now()
	if s := osmandStatus(t, srv.URL, "phone-knock-1", "", now.Add(-3*time.Minute)); s < 400 {
		t.Fatalf("an unknown device answered %d", s)
	}
	b := newBrowser(t)
	openAdmin(t, b, srv.URL, "rejections")
	row := `[data-testid="admin-knock-row"][data-device="phone-knock-1"]`
	b.run(t, "register the knocking device",
		chromedp.WaitVisible(row),
		chromedp.Click(row+` [data-testid="admin-knock-register"]`),
	)
	b.screenshot(t, "admin-secret")
	first := readSecret(t, b)
	// Registered, its refused request is still kept: one click replays it, and the row goes.
	b.run(t, "replay the kept request",
		chromedp.WaitVisible(row+` [data-testid="admin-knock-replay"]`),
	)
	b.screenshot(t, "admin-knock-replay")
	b.run(t, "phone width", chromedp.EmulateViewport(390, 844))
	b.screenshot(t, "admin-knock-replay-phone")
	b.run(t, "desktop width", chromedp.EmulateViewport(1280, 860))
	b.run(t, "click replay",
		chromedp.Click(row+` [data-testid="admin-knock-replay"]`),
		chromedp.WaitNotPresent(row),
	)
	q := url.Values{"id": {"phone-knock-1"}, "key": {first}, "lat": {"21.4701"}, "lon": {"105.8502"}, "timestamp": {fmt.Sprint(now.Add(-3 * time.Minute).Unix())}, "batt": {"77"}}
	res, err := http.Get(srv.URL + "/osmand?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `"duplicates":1`) {
		t.Errorf("the replayed fix sent again: %d %s, want a duplicate", res.StatusCode, body)
	}
	if s := osmandStatus(t, srv.URL, "phone-knock-1", first, now.Add(-2*time.Minute)); s != http.StatusOK {
		t.Fatalf("a fix with the shown secret: %d", s)
	}

	showTab(t, b, "devices")
	dev := `[data-testid="admin-device-row"][data-device="phone-knock-1"]`
	b.run(t, "rotate the secret (two clicks)",
		chromedp.WaitVisible(dev),
		chromedp.Click(dev+` [data-testid="admin-device-rotate"]`),
		chromedp.WaitVisible(dev+` [data-testid="admin-device-rotate"][data-armed="true"]`),
		chromedp.Click(dev+` [data-testid="admin-device-rotate"]`),
	)
	second := readSecret(t, b)
	if second == first {
		t.Fatal("rotation showed the same secret")
	}
	if s := osmandStatus(t, srv.URL, "phone-knock-1", first, now.Add(-time.Minute)); s != http.StatusUnauthorized {
		t.Errorf("the old secret after rotation: %d, want 401", s)
	}
	if s := osmandStatus(t, srv.URL, "phone-knock-1", second, now.Add(-time.Minute)); s != http.StatusOK {
		t.Errorf("the new secret: %d", s)
	}
	// The device's fixes show in its row after a refresh of the tab.
	showTab(t, b, "devices")
	fixes := get(t, b, "fixes today", chromedp.Text(dev+` td:nth-child(7)`))
	if strings.TrimSpace(fixes) == "0" {
		t.Errorf("fixes today shows %q", fixes)
	}
	b.screenshot(t, "admin-devices")
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// apiClient signs in through the API with a cookie jar and returns it with the CSRF token.
func apiClient(t testing.TB, base, user, password string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Post(base+"/api/v1/login", "application/json", strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, user, password)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	json.NewDecoder(res.Body).Decode(&me)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("login %s: %d", user, res.StatusCode)
	}
	return c, me.CSRF
}

func status(t testing.TB, c *http.Client, req *http.Request) int {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// TestAdminDisableUser: disabling an officer in the users tab ends their web session and
// makes their bearer token useless.
func TestAdminDisableUser(t *testing.T) {
	env := demoServer(t)
	srv, officer := env.srv, env.ward.Officers[0].Username
	session, _ := apiClient(t, srv.URL, officer, load.Password)
	me, _ := http.NewRequest("GET", srv.URL+"/api/v1/me", nil)
	if s := status(t, session, me); s != http.StatusOK {
		t.Fatalf("the officer's session before: %d", s)
	}
	// A bearer token for the officer, issued by the admin through the API.
	adminClient, csrf := apiClient(t, srv.URL, "admin", load.Password)
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/users/"+officer+"/tokens", strings.NewReader(`{"label":"e2e"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", csrf)
	res, err := adminClient.Do(req)
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("token: %v %v", err, res)
	}
	var tok struct{ Token string }
	json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	withToken := func() int {
		r, _ := http.NewRequest("GET", srv.URL+"/api/v1/me", nil)
		r.Header.Set("Authorization", "Bearer "+tok.Token)
		return status(t, http.DefaultClient, r)
	}
	if s := withToken(); s != http.StatusOK {
		t.Fatalf("the officer's token before: %d", s)
	}

	b := newBrowser(t)
	openAdmin(t, b, srv.URL, "users")
	row := `[data-testid="admin-user-row"][data-username="` + officer + `"]`
	b.run(t, "disable the officer (two clicks)",
		chromedp.WaitVisible(row+`[data-disabled="false"]`),
		chromedp.Click(row+` [data-testid="admin-user-toggle"]`),
		chromedp.WaitVisible(row+` [data-testid="admin-user-toggle"][data-armed="true"]`),
		chromedp.Click(row+` [data-testid="admin-user-toggle"]`),
		chromedp.WaitVisible(`[data-testid="admin-user-row"][data-username="`+officer+`"][data-disabled="true"]`),
	)
	b.screenshot(t, "admin-users")
	me, _ = http.NewRequest("GET", srv.URL+"/api/v1/me", nil)
	if s := status(t, session, me); s != http.StatusUnauthorized {
		t.Errorf("the disabled officer's session: %d, want 401", s)
	}
	if s := withToken(); s != http.StatusUnauthorized {
		t.Errorf("the disabled officer's token: %d, want 401", s)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// TestAdminImportPreview uploads the VN-2000 TM-3 shapefile fixture, previews it (nothing
// written), then imports it.
func TestAdminImportPreview(t *testing.T) {
	srv := demoServer(t).srv
	analyst := newBrowser(t)
	analyst.login(t, srv.URL, "phantich", load.Password)
	if n := get(t, analyst, "admin button", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="admin-open"]').length`)); n != 0 {
		t.Error("an analyst sees the administration button")
	}
	b := newBrowser(t)
	openAdmin(t, b, srv.URL, "import")
	fixture, err := filepath.Abs("../geofile/testdata/to_dan_pho_tm3.zip")
	if err != nil {
		t.Fatal(err)
	}
	b.run(t, "preview",
		chromedp.SetUploadFiles(`[data-testid="admin-import-file"]`, []string{fixture}),
		chromedp.Click(`[data-testid="admin-import-preview"]`),
		chromedp.WaitVisible(`[data-testid="admin-import-result"][data-state="ready"][data-dry-run="true"]`),
	)
	items := get(t, b, "preview rows", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="admin-import-item"][data-action="create"]').length`))
	drawn := get(t, b, "preview map", chromedp.Evaluate[int](`Number(document.querySelector('[data-testid="admin-import-map"]').dataset.features || 0)`))
	names := get(t, b, "names", chromedp.Text(`[data-testid="admin-import-items"]`))
	if items != 5 || drawn < 5 || !strings.Contains(names, "Tổ dân phố Mỏ Chè") || !strings.Contains(names, "Trường THCS Lương Sơn") {
		t.Fatalf("preview: %d rows, %d drawn, %q", items, drawn, names)
	}
	b.screenshot(t, "admin-import-preview")
	b.run(t, "import",
		chromedp.WaitEnabled(`[data-testid="admin-import-commit"]`),
		chromedp.Click(`[data-testid="admin-import-commit"]`),
		chromedp.WaitVisible(`[data-testid="admin-import-result"][data-state="ready"][data-dry-run="false"]`),
	)
	created := get(t, b, "created", chromedp.Evaluate[string](`document.querySelector('[data-testid="admin-import-summary"]').dataset.created`))
	if created != "5" {
		t.Errorf("created %s", created)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
