package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
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
		// The page draws its first tab once the units are loaded; a tab clicked before that is
		// drawn again when they arrive, under the test's feet (a loaded machine showed it).
		chromedp.WaitVisible(`[data-testid="admin-body"][data-state="ready"]`),
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
// the old one; the device's row counts today's fixes. It runs today and on the 31st and the
// night Europe's clocks go back, with the demo, the server and the browser on that day.
func TestAdminRegisterKnockingDeviceAndRotate(t *testing.T) {
	for _, d := range todayAnd(monthEnd, dstEnd) {
		t.Run(d.name, func(t *testing.T) { adminRegisterKnockingDeviceAndRotate(t, d) })
	}
}

func adminRegisterKnockingDeviceAndRotate(t *testing.T, d testDay) {
	env := demoServer(t, d.now)
	srv := env.srv
	now := env.now()
	if s := osmandStatus(t, srv.URL, "phone-knock-1", "", now.Add(-3*time.Minute)); s < 400 {
		t.Fatalf("an unknown device answered %d", s)
	}
	b := newBrowser(t)
	b.setDay(t, d)
	openAdmin(t, b, srv.URL, "rejections")
	row := `[data-testid="admin-knock-row"][data-device="phone-knock-1"]`
	b.run(t, "register the knocking device",
		chromedp.WaitVisible(row),
		chromedp.Click(row+` [data-testid="admin-knock-register"]`),
	)
	b.screenshot(t, "admin-secret"+dayTag(d))
	first := readSecret(t, b)
	// Registered, its refused request is still kept: one click replays it, and the row goes.
	b.run(t, "replay the kept request",
		chromedp.WaitVisible(row+` [data-testid="admin-knock-replay"]`),
	)
	b.screenshot(t, "admin-knock-replay"+dayTag(d))
	b.run(t, "phone width", chromedp.EmulateViewport(390, 844))
	b.screenshot(t, "admin-knock-replay-phone"+dayTag(d))
	b.run(t, "desktop width", desktopScreen.emulate())
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
	b.screenshot(t, "admin-devices"+dayTag(d))
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
// makes their bearer token useless. It runs today and on the 7th.
func TestAdminDisableUser(t *testing.T) {
	for _, d := range todayAnd(seventh) {
		t.Run(d.name, func(t *testing.T) { adminDisableUser(t, d) })
	}
}

func adminDisableUser(t *testing.T, d testDay) {
	env := demoServer(t, d.now)
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
	b.setDay(t, d)
	openAdmin(t, b, srv.URL, "users")
	row := `[data-testid="admin-user-row"][data-username="` + officer + `"]`
	b.run(t, "disable the officer (two clicks)",
		chromedp.WaitVisible(row+`[data-disabled="false"]`),
		chromedp.Click(row+` [data-testid="admin-user-toggle"]`),
		chromedp.WaitVisible(row+` [data-testid="admin-user-toggle"][data-armed="true"]`),
		chromedp.Click(row+` [data-testid="admin-user-toggle"]`),
		chromedp.WaitVisible(`[data-testid="admin-user-row"][data-username="`+officer+`"][data-disabled="true"]`),
	)
	b.screenshot(t, "admin-users"+dayTag(d))
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
// written), then imports it. It runs today and on the 1st of a year.
func TestAdminImportPreview(t *testing.T) {
	for _, d := range todayAnd(newYear) {
		t.Run(d.name, func(t *testing.T) { adminImportPreview(t, d) })
	}
}

func adminImportPreview(t *testing.T, d testDay) {
	srv := demoServer(t, d.now).srv
	analyst := newBrowser(t)
	analyst.setDay(t, d)
	analyst.login(t, srv.URL, "phantich", load.Password)
	if n := get(t, analyst, "admin button", chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="admin-open"]').length`)); n != 0 {
		t.Error("an analyst sees the administration button")
	}
	b := newBrowser(t)
	b.setDay(t, d)
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
	b.screenshot(t, "admin-import-preview"+dayTag(d))
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

// sideways lists what makes the administration page wider than the screen: the page itself
// scrolling sideways, an element reaching past the screen's edges, a box inside that scrolls
// sideways (a table wider than the phone, its actions out of sight). Empty when it fits.
const sideways = `(() => {
	const vw = document.documentElement.clientWidth;
	const name = (el) => el.tagName.toLowerCase() + (el.dataset.testid ? '[' + el.dataset.testid + ']' : el.getAttribute('class') ? '.' + el.getAttribute('class').trim().split(/\s+/).join('.') : '');
	const out = [];
	if (document.documentElement.scrollWidth > vw) out.push('the page is ' + document.documentElement.scrollWidth + ' px wide on a ' + vw + ' px screen');
	for (const el of document.querySelectorAll('[data-testid="admin-page"] *')) {
		if (el.closest('thead')) continue; // read by screen readers only on a phone
		if (el.closest('.leaflet-container')) continue; // a map's panes reach past it, clipped
		const r = el.getBoundingClientRect();
		if (r.width === 0 || r.height === 0) continue;
		if (r.right > vw + 1 || r.left < -1) out.push(name(el) + ' spans ' + Math.round(r.left) + '–' + Math.round(r.right) + ' px');
		const ox = getComputedStyle(el).overflowX;
		if ((ox === 'auto' || ox === 'scroll') && el.scrollWidth > el.clientWidth + 1) out.push(name(el) + ' scrolls sideways (' + el.scrollWidth + ' px in ' + el.clientWidth + ')');
	}
	return out.slice(0, 8);
})()`

// TestAdminOnPhone opens every tab of the administration on a 390×844 phone, with rows in each
// table (a knocking phone in the rejection log, a previewed import): nothing is wider than the
// screen, each table row reads as a card headed by its key (the device id, the username) with
// its actions in reach. It runs today and on 29 February.
func TestAdminOnPhone(t *testing.T) {
	for _, d := range todayAnd(leapDay) {
		t.Run(d.name, func(t *testing.T) { adminOnPhone(t, d) })
	}
}

func adminOnPhone(t *testing.T, d testDay) {
	env := demoServer(t, d.now)
	base := env.srv.URL
	if s := osmandStatus(t, base, "phone-knock-2", "", env.now().Add(-time.Minute)); s < 400 {
		t.Fatalf("an unknown device answered %d", s)
	}
	b := newBrowser(t)
	b.setDay(t, d)
	b.run(t, "phone screen", phoneScreen.emulate())
	b.run(t, "sign in on the phone",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(tid("login-username")),
		chromedp.SendKeys(tid("login-username"), "admin"),
		chromedp.SendKeys(tid("login-password"), load.Password),
		chromedp.Click(tid("login-submit")),
		chromedp.WaitVisible(`body[data-ready="true"]`),
	)
	b.run(t, "open the administration from the ⋮ menu",
		chromedp.Click(tid("menu-toggle")),
		chromedp.WaitVisible(tid("admin-open")),
		chromedp.Click(tid("admin-open")),
		chromedp.WaitVisible(tid("admin-page")),
	)
	fixture, err := filepath.Abs("../geofile/testdata/to_dan_pho_tm3.zip")
	if err != nil {
		t.Fatal(err)
	}
	for _, tab := range []string{"units", "users", "devices", "import", "rejections", "audit"} {
		showTab(t, b, tab)
		if tab == "import" {
			b.run(t, "preview an import",
				chromedp.SetUploadFiles(`[data-testid="admin-import-file"]`, []string{fixture}),
				chromedp.Click(`[data-testid="admin-import-preview"]`),
				chromedp.WaitVisible(`[data-testid="admin-import-result"][data-state="ready"]`),
			)
		}
		var wide []string
		b.eval(t, "fits the phone: "+tab, sideways, &wide)
		if len(wide) > 0 {
			t.Errorf("%s tab on a 390 px phone: %s", tab, strings.Join(wide, "; "))
		}
		// The screenshot shows the tab's first table, where the cards are.
		b.eval(t, "scroll to the table", `(() => {
			const table = document.querySelector('[data-testid="admin-body"] .admin-table');
			if (table) table.scrollIntoView({block: 'start'});
			return true;
		})()`, nil)
		png := get(t, b, "screenshot "+tab, chromedp.CaptureScreenshot())
		writeArtifact(t, "admin-phone-"+tab+dayTag(d)+".png", png)
	}
	// A card shows its key first and every other cell under its column's title.
	showTab(t, b, "devices")
	var card struct {
		Key, Label string
		KeyTop     float64
		ActionsTop float64
		Width      float64
	}
	b.eval(t, "device card", `(() => {
		const row = document.querySelector('[data-testid="admin-device-row"]');
		const key = row.querySelector('td.key'), name = row.querySelector('td:not(.key):not(.actions)');
		return {key: key.textContent, label: getComputedStyle(name, '::before').content,
			keyTop: key.getBoundingClientRect().top, actionsTop: row.querySelector('td.actions').getBoundingClientRect().top,
			width: row.getBoundingClientRect().width};
	})()`, &card)
	if card.Key != env.ward.Officers[0].DeviceID || card.Label == "none" || card.Label == "" || card.ActionsTop <= card.KeyTop || card.Width > 390 {
		t.Errorf("device card %+v, want the device id first, labelled cells, the actions below, within the screen", card)
	}
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// writeArtifact writes a file into test-artifacts/.
func writeArtifact(t testing.TB, name string, data []byte) {
	t.Helper()
	dir := filepath.Join("..", "test-artifacts")
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}
