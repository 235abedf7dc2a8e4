package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
)

// newAdminEnv is newEnv, failing clearly when server.go does not wire the administration in.
func newAdminEnv(t *testing.T) *testEnv {
	t.Helper()
	e := newEnv(t)
	if r := e.as("admin", "GET", "/api/v1/tokens", nil); r.status == 404 || r.status == 501 {
		t.Fatalf("the administration is not wired in (%d): server.go's routes must call s.adminRoutes(v1) and Backend embed AdminBackend", r.status)
	}
	return e
}

// TestAdminRoutesRoleTable: the administration endpoints are for admins, within their scope.
func TestAdminRoutesRoleTable(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	e.device("w1", "phone-w1", "")
	e.device("w2", "phone-w2", "")
	for _, tc := range []struct {
		caller, method, path string
		body                 any
		want                 int
	}{
		{"", "GET", "/api/v1/tokens", nil, 401},
		{"analyst1", "GET", "/api/v1/tokens", nil, 403},
		{"officer1", "GET", "/api/v1/devices/phone-w1", nil, 403},
		{"analystall", "PATCH", "/api/v1/users/officer1", map[string]any{"disabled": true}, 403},
		{"analyst1", "GET", "/api/v1/rejections/devices", nil, 403},
		{"admin1", "GET", "/api/v1/devices/phone-w2", nil, 403},
		{"admin1", "POST", "/api/v1/devices/phone-w2/secret", nil, 403},
		{"admin1", "PATCH", "/api/v1/users/analyst2", map[string]any{"full_name": "x"}, 403},
		{"admin1", "POST", "/api/v1/users/analyst2/password", map[string]any{"password": "long-enough"}, 403},
		{"admin1", "GET", "/api/v1/users/analyst2/tokens", nil, 403},
		{"admin1", "GET", "/api/v1/devices/phone-w1", nil, 200},
		{"admin1", "GET", "/api/v1/devices/nope", nil, 404},
		{"admin", "GET", "/api/v1/devices/phone-w2", nil, 200},
		{"officer1", "POST", "/api/v1/units/w1/import?kind=areas", "{}", 403},
		{"analyst2", "POST", "/api/v1/units/w1/import?kind=areas", "{}", 403},
		{"analyst1", "POST", "/api/v1/units/w1/import?kind=areas&set_boundary=true", "{}", 403},
		{"officer1", "GET", "/api/v1/units/w1/tiling", nil, 200},
		{"officer1", "GET", "/api/v1/units/w2/tiling", nil, 403},
	} {
		t.Run(tc.caller+" "+tc.method+" "+tc.path, func(t *testing.T) {
			r := e.do(tc.method, tc.path, e.tokens[tc.caller], tc.body)
			if r.status != tc.want {
				t.Fatalf("status %d, want %d: %s", r.status, tc.want, r.body)
			}
		})
	}
}

// postFix sends one fix with a device secret and returns the status.
func postFix(e *testEnv, device, secret string, at time.Time) int {
	e.t.Helper()
	return e.do("POST", "/api/v1/fixes", secret, fixBody(device, at)).status
}

func TestAdminDeviceLifecycle(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	r := e.as("admin1", "POST", "/api/v1/units/w1/devices", map[string]any{"id": "imei-861", "name": "Điện thoại tổ 1"})
	if r.status != 201 {
		t.Fatalf("register: %d %s", r.status, r.body)
	}
	var reg struct{ Secret string }
	r.json(t, &reg)
	now := time.Now()
	if s := postFix(e, "imei-861", reg.Secret, now.Add(-3*time.Minute)); s != 200 {
		t.Fatalf("a fix with the new secret: %d", s)
	}

	// Rotation: the old secret stops at once, though the ingest cache had just checked it.
	r = e.as("admin1", "POST", "/api/v1/devices/imei-861/secret", nil)
	if r.status != 200 {
		t.Fatalf("rotate: %d %s", r.status, r.body)
	}
	var rot struct{ Secret string }
	r.json(t, &rot)
	if rot.Secret == "" || rot.Secret == reg.Secret || r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("rotated secret %q, cache %q", rot.Secret, r.header.Get("Cache-Control"))
	}
	if s := postFix(e, "imei-861", reg.Secret, now.Add(-2*time.Minute)); s != 401 {
		t.Errorf("the old secret after rotation: %d, want 401", s)
	}
	if s := postFix(e, "imei-861", rot.Secret, now.Add(-2*time.Minute)); s != 200 {
		t.Errorf("the new secret: %d", s)
	}

	// Status: last seen, battery, fixes today, officer.
	r = e.as("admin1", "POST", "/api/v1/devices/imei-861/assignments", map[string]any{"username": "officer1", "from": now.Add(-time.Hour).Format(time.RFC3339)})
	if r.status != 201 {
		t.Fatalf("assign: %d %s", r.status, r.body)
	}
	var asg struct{ ID int64 }
	r.json(t, &asg)
	r = e.as("admin1", "POST", "/api/v1/devices/imei-861/assignments", map[string]any{"username": "analyst1", "from": now.Format(time.RFC3339), "to": now.Add(time.Hour).Format(time.RFC3339)})
	wantProblem(t, r, 409, "from")
	r = e.as("admin1", "POST", "/api/v1/devices/imei-861/assignments", map[string]any{"username": "analyst2"})
	wantProblem(t, r, 400, "username")
	r = e.as("admin1", "GET", "/api/v1/units/w1/devices", nil)
	var list struct {
		Devices []struct {
			ID         string
			LastSeen   *string `json:"last_seen"`
			FixesToday int     `json:"fixes_today"`
			Officer    *struct{ Username string }
		}
	}
	r.json(t, &list)
	if len(list.Devices) != 1 || list.Devices[0].LastSeen == nil || list.Devices[0].Officer == nil || list.Devices[0].Officer.Username != "officer1" {
		t.Fatalf("device list %s", r.body)
	}
	r = e.as("admin1", "DELETE", fmt.Sprintf("/api/v1/devices/imei-861/assignments/%d", asg.ID), nil)
	if r.status != 204 {
		t.Fatalf("end assignment: %d %s", r.status, r.body)
	}
	r = e.as("admin1", "GET", "/api/v1/devices/imei-861", nil)
	var one struct {
		Officer     any
		Assignments []struct{ To *string }
	}
	r.json(t, &one)
	if one.Officer != nil || len(one.Assignments) != 1 || one.Assignments[0].To == nil {
		t.Errorf("after ending: %s", r.body)
	}

	// Deactivation refuses the secret; reactivation restores it.
	r = e.as("admin1", "PATCH", "/api/v1/devices/imei-861", map[string]any{"active": false})
	if r.status != 200 || !strings.Contains(string(r.body), `"deactivated_at":"`) {
		t.Fatalf("deactivate: %d %s", r.status, r.body)
	}
	if s := postFix(e, "imei-861", rot.Secret, now.Add(-time.Minute)); s != 401 {
		t.Errorf("a deactivated device's secret: %d, want 401", s)
	}
	r = e.as("admin1", "PATCH", "/api/v1/devices/imei-861", map[string]any{"active": true, "name": "Máy tổ 1"})
	if r.status != 200 {
		t.Fatalf("reactivate: %d %s", r.status, r.body)
	}
	if s := postFix(e, "imei-861", rot.Secret, now.Add(-30*time.Second)); s != 200 {
		t.Errorf("a reactivated device's secret: %d", s)
	}
	wantAudit(t, e, "device.create", "device.rotate_secret", "device.assign", "device.unassign", "device.deactivate", "device.activate")
}

// wantAudit checks the audit log holds each action.
func wantAudit(t *testing.T, e *testEnv, actions ...string) {
	t.Helper()
	r := e.as("admin", "GET", "/api/v1/audit?limit=1000", nil)
	var log struct {
		Entries []struct{ Action, Username string }
	}
	r.json(t, &log)
	seen := map[string]bool{}
	for _, en := range log.Entries {
		seen[en.Action] = true
	}
	for _, a := range actions {
		if !seen[a] {
			t.Errorf("no %s in the audit log", a)
		}
	}
}

// signIn logs in through the API and returns a client holding the session cookie.
func signIn(t *testing.T, e *testEnv, user, password string) *http.Client {
	t.Helper()
	client, _, r := login(t, e, user, password)
	if r.status != 200 {
		t.Fatalf("login %s: %d %s", user, r.status, r.body)
	}
	return client
}

// sessionStatus is the status of GET path with the client's session cookie.
func sessionStatus(t *testing.T, e *testEnv, client *http.Client, path string) int {
	t.Helper()
	res, err := client.Get(e.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestAdminUsers(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	session := signIn(t, e, "officer1", "officer1-password")
	if s := sessionStatus(t, e, session, "/api/v1/me"); s != 200 {
		t.Fatalf("session before: %d", s)
	}
	r := e.as("admin1", "GET", "/api/v1/users", nil)
	var users struct {
		Users []struct {
			Username     string
			LastLogin    *string `json:"last_login"`
			ActiveTokens int     `json:"active_tokens"`
			Sessions     int
		}
	}
	r.json(t, &users)
	found := false
	for _, u := range users.Users {
		if u.Username == "officer1" {
			found = u.LastLogin != nil && u.ActiveTokens == 1 && u.Sessions == 1
		}
	}
	if !found || len(users.Users) != 3 {
		t.Fatalf("unit w1 users %s", r.body)
	}

	// Disable: the session and the token stop working.
	r = e.as("admin1", "PATCH", "/api/v1/users/officer1", map[string]any{"disabled": true})
	if r.status != 200 || !strings.Contains(string(r.body), `"disabled":true`) {
		t.Fatalf("disable: %d %s", r.status, r.body)
	}
	if s := sessionStatus(t, e, session, "/api/v1/me"); s != 401 {
		t.Errorf("a disabled user's session: %d, want 401", s)
	}
	if r := e.as("officer1", "GET", "/api/v1/me", nil); r.status != 401 {
		t.Errorf("a disabled user's token: %d, want 401", r.status)
	}
	if r := e.do("POST", "/api/v1/login", "", map[string]any{"username": "officer1", "password": "officer1-password"}); r.status != 401 {
		t.Errorf("a disabled user's login: %d", r.status)
	}
	r = e.as("admin1", "PATCH", "/api/v1/users/officer1", map[string]any{"disabled": false})
	if r.status != 200 {
		t.Fatalf("enable: %d %s", r.status, r.body)
	}
	// Disabling revoked the tokens: re-enabling does not revive them (issue 18).
	if r := e.as("officer1", "GET", "/api/v1/me", nil); r.status != 401 {
		t.Errorf("a re-enabled user's old token: %d, want 401", r.status)
	}

	// Reset password: the old one fails, the new one works, sessions end.
	session = signIn(t, e, "officer1", "officer1-password")
	r = e.as("admin1", "POST", "/api/v1/users/officer1/password", map[string]any{"password": "mật-khẩu-mới-2024"})
	if r.status != 204 {
		t.Fatalf("reset password: %d %s", r.status, r.body)
	}
	if s := sessionStatus(t, e, session, "/api/v1/me"); s != 401 {
		t.Errorf("session after a password reset: %d", s)
	}
	if r := e.do("POST", "/api/v1/login", "", map[string]any{"username": "officer1", "password": "officer1-password"}); r.status != 401 {
		t.Errorf("old password: %d", r.status)
	}
	signIn(t, e, "officer1", "mật-khẩu-mới-2024")
	wantProblem(t, e.as("admin1", "POST", "/api/v1/users/officer1/password", map[string]any{"password": "short"}), 400, "password")

	// Role and scope.
	r = e.as("admin1", "PATCH", "/api/v1/users/officer1", map[string]any{"role": "analyst", "full_name": "Trần Thị Bình"})
	if r.status != 200 || !strings.Contains(string(r.body), `"role":"analyst"`) || !strings.Contains(string(r.body), "Trần Thị Bình") {
		t.Fatalf("role change: %d %s", r.status, r.body)
	}
	wantProblem(t, e.as("admin1", "PATCH", "/api/v1/users/officer1", map[string]any{"unit": "w2"}), 403, "unit")
	wantProblem(t, e.as("admin1", "PATCH", "/api/v1/users/officer1", map[string]any{"unit": nil}), 403, "unit")
	wantProblem(t, e.as("admin", "PATCH", "/api/v1/users/analyst1", map[string]any{"role": "officer", "unit": nil}), 400, "unit")
	wantProblem(t, e.as("admin", "PATCH", "/api/v1/users/analyst1", map[string]any{"password": "x"}), 400, "password")
	r = e.as("admin", "PATCH", "/api/v1/users/analyst1", map[string]any{"unit": "w2"})
	if r.status != 200 || !strings.Contains(string(r.body), `"unit":"w2"`) {
		t.Fatalf("move to w2: %d %s", r.status, r.body)
	}
	r = e.as("admin", "PATCH", "/api/v1/users/analyst1", map[string]any{"unit": nil})
	if r.status != 200 || !strings.Contains(string(r.body), `"unit":null`) {
		t.Fatalf("widen to all units: %d %s", r.status, r.body)
	}
	// No one locks themselves out.
	if r := e.as("admin1", "PATCH", "/api/v1/users/admin1", map[string]any{"disabled": true}); r.status != 409 {
		t.Errorf("self-disable: %d %s", r.status, r.body)
	}
	if r := e.as("admin", "PATCH", "/api/v1/users/admin", map[string]any{"role": "analyst"}); r.status != 409 {
		t.Errorf("self-demote: %d %s", r.status, r.body)
	}
	wantAudit(t, e, "user.disable", "user.enable", "user.password", "user.update")
}

func TestAdminTokens(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	r := e.as("admin1", "POST", "/api/v1/users/officer1/tokens", map[string]any{"label": "máy tính bảng"})
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var created struct{ Token, Label string }
	r.json(t, &created)
	if created.Label != "máy tính bảng" {
		t.Errorf("label %q", created.Label)
	}
	r = e.as("admin1", "GET", "/api/v1/users/officer1/tokens", nil)
	var list struct {
		Tokens []struct {
			ID       int64
			Username string
			Label    string
		}
	}
	r.json(t, &list)
	if len(list.Tokens) != 2 || list.Tokens[0].Label != "máy tính bảng" || strings.Contains(string(r.body), created.Token) {
		t.Fatalf("tokens %s", r.body)
	}
	r = e.as("admin1", "GET", "/api/v1/tokens", nil)
	var all struct{ Tokens []struct{ Username string } }
	r.json(t, &all)
	for _, tk := range all.Tokens {
		if tk.Username == "analyst2" || tk.Username == "admin" {
			t.Errorf("admin1 sees a token of %s", tk.Username)
		}
	}
	// admin1 may not revoke the token of a user of another unit.
	r = e.as("admin", "GET", "/api/v1/users/analyst2/tokens", nil)
	var other struct{ Tokens []struct{ ID int64 } }
	r.json(t, &other)
	if r := e.as("admin1", "DELETE", fmt.Sprintf("/api/v1/tokens/%d", other.Tokens[0].ID), nil); r.status != 403 {
		t.Errorf("revoking another unit's token: %d", r.status)
	}
	if r := e.as("admin1", "DELETE", fmt.Sprintf("/api/v1/tokens/%d", list.Tokens[0].ID), nil); r.status != 204 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/api/v1/me", created.Token, nil); r.status != 401 {
		t.Errorf("a revoked token: %d", r.status)
	}
	if r := e.as("officer1", "GET", "/api/v1/me", nil); r.status != 200 {
		t.Errorf("the other token of the user: %d", r.status)
	}
	wantAudit(t, e, "token.create", "token.revoke")
}

func TestAdminKnockingDeviceRegistered(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	q := url.Values{"id": {"traccar-4411"}, "lat": {"21.47"}, "lon": {"105.85"}, "timestamp": {fmt.Sprint(time.Now().Unix())}}
	if r := e.do("GET", "/osmand?"+q.Encode(), "", nil); r.status < 400 {
		t.Fatalf("an unknown device was accepted: %d", r.status)
	}
	r := e.as("admin1", "GET", "/api/v1/rejections/devices", nil)
	var knock struct {
		Devices []struct {
			Device   string
			Attempts int
			Source   string
		}
	}
	r.json(t, &knock)
	if len(knock.Devices) != 1 || knock.Devices[0].Device != "traccar-4411" || knock.Devices[0].Source != "osmand" {
		t.Fatalf("knocking devices %s", r.body)
	}
	r = e.as("admin1", "POST", "/api/v1/units/w1/devices", map[string]any{"id": "traccar-4411"})
	var reg struct{ Secret string }
	r.json(t, &reg)
	q.Set("key", reg.Secret)
	if r := e.do("GET", "/osmand?"+q.Encode(), "", nil); r.status != 200 {
		t.Fatalf("the registered device: %d %s", r.status, r.body)
	}
	// Registered, it is listed while its refused request is kept and not replayed; the replay
	// finds the fix stored already.
	r = e.as("admin1", "GET", "/api/v1/rejections/devices", nil)
	var listed struct{ Devices []patrol.KnockingDevice }
	r.json(t, &listed)
	if len(listed.Devices) != 1 || !listed.Devices[0].Registered || listed.Devices[0].Kept != 1 {
		t.Fatalf("a registered device with a kept request: %s", r.body)
	}
	if r := e.as("admin1", "POST", "/api/v1/devices/traccar-4411/replay", nil); r.status != 200 || !strings.Contains(string(r.body), `"duplicates":1`) {
		t.Fatalf("replay: %d %s", r.status, r.body)
	}
	r = e.as("admin1", "GET", "/api/v1/rejections/devices", nil)
	r.json(t, &knock)
	if len(knock.Devices) != 0 {
		t.Errorf("a registered device still knocks after its replay: %s", r.body)
	}
}

// upload posts a file as multipart/form-data.
func upload(t *testing.T, e *testEnv, user, path, name string, data []byte) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

type importReport struct {
	DryRun   bool `json:"dry_run"`
	Created  int
	Rejected int
	Items    []struct {
		Name, Kind, Action string
		Geometry           json.RawMessage
	}
	Errors   []struct{ Feature int }
	Warnings []struct{ Code string }
	SRS      struct {
		Source      string
		Description string
	}
	Tiling *struct {
		Checked bool
		Tiles   bool
	}
	Boundary *struct {
		AreaM2 float64 `json:"area_m2"`
	}
}

func TestImportGeographyUpload(t *testing.T) {
	t.Parallel()
	e := newAdminEnv(t)
	zipData, err := os.ReadFile("../geofile/testdata/to_dan_pho_tm3.zip")
	if err != nil {
		t.Fatal(err)
	}
	r := upload(t, e, "analyst1", "/api/v1/units/w1/import?kind=areas&dry_run=true", "to_dan_pho.zip", zipData)
	if r.status != 200 {
		t.Fatalf("preview: %d %s", r.status, r.body)
	}
	var rep importReport
	r.json(t, &rep)
	if !rep.DryRun || rep.Created != 5 || len(rep.Items) != 5 || rep.Items[0].Name != "Tổ dân phố Mỏ Chè" || rep.Items[0].Geometry == nil ||
		!strings.Contains(rep.SRS.Description, "105°30′") || rep.Tiling == nil || !rep.Tiling.Tiles {
		t.Fatalf("preview %s", r.body)
	}
	if r := e.as("analyst1", "GET", "/api/v1/areas?unit=w1", nil); strings.Contains(string(r.body), "Mỏ Chè") {
		t.Fatal("the preview wrote areas")
	}
	r = upload(t, e, "analyst1", "/api/v1/units/w1/import?kind=areas", "to_dan_pho.zip", zipData)
	r.json(t, &rep)
	if r.status != 200 || rep.DryRun || rep.Created != 5 {
		t.Fatalf("import: %d %s", r.status, r.body)
	}
	if r := e.as("officer1", "GET", "/api/v1/areas?unit=w1", nil); !strings.Contains(string(r.body), "Tổ dân phố Cải Đan") {
		t.Errorf("areas after import: %s", r.body)
	}
	wantAudit(t, e, "geo.import")

	// Roads from a raw body, named by ?filename=.
	roads, _ := os.ReadFile("../geofile/testdata/roads.geojson")
	r = e.as("admin", "POST", "/api/v1/units/w1/import?kind=roads&filename=roads.geojson", roads)
	r.json(t, &rep)
	if r.status != 200 || rep.Created != 3 {
		t.Fatalf("roads: %d %s", r.status, r.body)
	}

	// The boundary, by an admin, from the union of the residential groups.
	groups := []byte(`{"type":"FeatureCollection","features":[
	 {"type":"Feature","properties":{"ten":"Tổ 1","loai":"tổ dân phố"},"geometry":{"type":"Polygon","coordinates":[[[105.845,21.465],[105.85,21.465],[105.85,21.47],[105.845,21.47],[105.845,21.465]]]}}]}`)
	r = upload(t, e, "admin", "/api/v1/units/w2/import?kind=areas&set_boundary=true&dry_run=true", "tdp.geojson", groups)
	r.json(t, &rep)
	if r.status != 200 || rep.Boundary == nil || rep.Boundary.AreaM2 < 2.8e5 || rep.Boundary.AreaM2 > 2.9e5 {
		t.Fatalf("boundary preview: %d %s", r.status, r.body)
	}

	// Refusals name their field.
	wantProblem(t, upload(t, e, "admin", "/api/v1/units/w1/import?kind=lakes", "a.geojson", roads), 400, "kind")
	wantProblem(t, upload(t, e, "admin", "/api/v1/units/w1/import?kind=areas", "a.txt", []byte("hello")), 415, "file")
	wantProblem(t, upload(t, e, "admin", "/api/v1/units/w1/import?kind=areas&srs=%2Blon_0%3D1", "a.geojson", roads), 400, "srs")
	wantProblem(t, upload(t, e, "admin", "/api/v1/units/w1/import?kind=areas&srs=%2Bproj%3Dnonsense", "a.geojson", roads), 400, "srs")
	wantProblem(t, upload(t, e, "admin", "/api/v1/units/w1/import?kind=areas&name_field=TEN", "a.geojson", roads), 400, "name_field")
	wantProblem(t, e.as("admin", "POST", "/api/v1/units/w1/import?kind=areas", nil), 400, "file")

	r = e.as("officer1", "GET", "/api/v1/units/w1/tiling", nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"checked":true`) {
		t.Errorf("tiling: %d %s", r.status, r.body)
	}
}
