package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"
)

const sampleArea = `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[105.846,21.466],[105.847,21.466],[105.847,21.467],[105.846,21.467],[105.846,21.466]]]},"properties":{"kind":"key_area","name":"Chợ","required_night_visits":2}}`

func fixBody(device string, at time.Time) map[string]any {
	return map[string]any{"fixes": []map[string]any{{"device": device, "time": at.UTC().Format(time.RFC3339), "lat": 21.47, "lon": 105.85, "accuracy": 5}}}
}

func incidentBody(at time.Time) map[string]any {
	return map[string]any{"incidents": []map[string]any{{"time": at.UTC().Format(time.RFC3339), "lat": 21.47, "lon": 105.85, "category": "theft", "description": "Mất xe đạp"}}}
}

// TestRoleTable checks every row of DESIGN.md's role table for anonymous callers (401), for
// callers outside the role (403), outside the scope (403) and inside both (2xx).
func TestRoleTable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, ownSecret := e.device("w1", "phone-own", "officer1")
	_, otherSecret := e.device("w1", "phone-other", "")
	e.device("w2", "phone-w2", "")
	// An incident of w1 to edit and void.
	r := e.as("analyst1", "POST", "/api/v1/incidents?unit=w1", incidentBody(time.Now().Add(-time.Hour)))
	if r.status != 200 {
		t.Fatalf("seed incident: %d %s", r.status, r.body)
	}
	var created struct{ Created []struct{ ID int64 } }
	r.json(t, &created)
	incidentPath := fmt.Sprintf("/api/v1/incidents/%d", created.Created[0].ID)
	r = e.as("analyst1", "POST", "/api/v1/areas?unit=w1", sampleArea)
	if r.status != 201 {
		t.Fatalf("seed area: %d %s", r.status, r.body)
	}
	var area struct{ ID int64 }
	r.json(t, &area)
	areaPath := fmt.Sprintf("/api/v1/areas/%d", area.ID)

	now := time.Now()
	n := 0
	nextFix := func(device string) map[string]any {
		n++
		return fixBody(device, now.Add(-time.Duration(n)*time.Minute))
	}
	putIncident := map[string]any{"severity": 4}
	newUnit := func(code string) map[string]any {
		return map[string]any{"code": code, "name": "Phường " + code, "boundary": json.RawMessage(wardSquare)}
	}

	type call struct {
		caller string // user name, "anon", "device:own", "device:other"
		method string
		path   string
		body   func() any
		want   int
	}
	static := func(v any) func() any { return func() any { return v } }
	rows := map[string][]call{
		"read maps, analyses, incidents, fixes": {
			{"anon", "GET", "/api/v1/units", nil, 401},
			{"anon", "GET", "/api/v1/incidents?unit=w1", nil, 401},
			{"officer1", "GET", "/api/v1/incidents?unit=w1", nil, 200},
			{"officer1", "GET", "/api/v1/fixes?unit=w1", nil, 200},
			{"officer1", "GET", "/api/v1/areas?unit=w1", nil, 200},
			{"officer1", "GET", "/api/v1/incidents?unit=w2", nil, 403},
			{"officer1", "GET", "/api/v1/units/w2", nil, 403},
			{"analyst2", "GET", "/api/v1/fixes?unit=w1", nil, 403},
			{"analyst1", "GET", "/api/v1/roads?unit=w1", nil, 200},
			{"analystall", "GET", "/api/v1/incidents?unit=w2", nil, 200},
			{"admin", "GET", "/api/v1/fixes?unit=w2", nil, 200},
			{"device:own", "GET", "/api/v1/units", nil, 403},
		},
		"post fixes": {
			{"anon", "POST", "/api/v1/fixes", func() any { return nextFix("phone-own") }, 401},
			{"admin", "POST", "/api/v1/fixes", func() any { return nextFix("phone-other") }, 200},
			{"analyst1", "POST", "/api/v1/fixes", func() any { return nextFix("phone-other") }, 200},
			{"analyst2", "POST", "/api/v1/fixes", func() any { return nextFix("phone-own") }, 403},
			{"officer1", "POST", "/api/v1/fixes", func() any { return nextFix("phone-own") }, 200},
			{"officer1", "POST", "/api/v1/fixes", func() any { return nextFix("phone-other") }, 403},
			{"device:own", "POST", "/api/v1/fixes", func() any { return nextFix("phone-own") }, 200},
			{"device:own", "POST", "/api/v1/fixes", func() any { return nextFix("phone-other") }, 403},
			{"device:other", "POST", "/api/v1/fixes", func() any { return nextFix("phone-w2") }, 403},
		},
		"create, edit, void incidents": {
			{"anon", "POST", "/api/v1/incidents?unit=w1", func() any { return incidentBody(now.Add(-2 * time.Hour)) }, 401},
			{"officer1", "POST", "/api/v1/incidents?unit=w1", func() any { return incidentBody(now.Add(-3 * time.Hour)) }, 200},
			{"officer1", "POST", "/api/v1/incidents?unit=w2", func() any { return incidentBody(now.Add(-3 * time.Hour)) }, 403},
			{"officer1", "PUT", incidentPath, static(putIncident), 403},
			{"officer1", "DELETE", incidentPath, nil, 403},
			{"analyst2", "PUT", incidentPath, static(putIncident), 403},
			{"anon", "PUT", incidentPath, static(putIncident), 401},
			{"analyst1", "PUT", incidentPath, static(putIncident), 200},
			{"admin", "DELETE", incidentPath, nil, 204},
		},
		"create, edit, delete areas and routes": {
			{"anon", "POST", "/api/v1/areas?unit=w1", static(sampleArea), 401},
			{"officer1", "POST", "/api/v1/areas?unit=w1", static(sampleArea), 403},
			{"officer1", "PUT", areaPath, static(sampleArea), 403},
			{"officer1", "DELETE", areaPath, nil, 403},
			{"analyst2", "POST", "/api/v1/areas?unit=w1", static(sampleArea), 403},
			{"analyst2", "DELETE", areaPath, nil, 403},
			{"analyst1", "POST", "/api/v1/areas?unit=w1", static(sampleArea), 201},
			{"analyst1", "PUT", areaPath, static(sampleArea), 200},
			{"admin", "DELETE", areaPath, nil, 204},
		},
		"create units; manage users, devices, tokens; read the audit and rejection logs": {
			{"anon", "POST", "/api/v1/units", static(newUnit("w3")), 401},
			{"analystall", "POST", "/api/v1/units", static(newUnit("w3")), 403},
			{"officer1", "POST", "/api/v1/units", static(newUnit("w3")), 403},
			{"admin1", "POST", "/api/v1/units", static(newUnit("w3")), 403}, // an admin of one unit creates no units
			{"admin", "POST", "/api/v1/units", static(newUnit("w3")), 201},
			{"analyst1", "PUT", "/api/v1/units/w1", static(map[string]any{"name": "x"}), 403},
			{"admin1", "PUT", "/api/v1/units/w1", static(map[string]any{"name": "Phường Một"}), 200},
			{"admin1", "PUT", "/api/v1/units/w2", static(map[string]any{"name": "x"}), 403},
			{"analyst1", "GET", "/api/v1/units/w1/devices", nil, 403},
			{"analyst1", "POST", "/api/v1/units/w1/devices", static(map[string]any{"id": "new-1"}), 403},
			{"admin1", "POST", "/api/v1/units/w2/devices", static(map[string]any{"id": "new-2"}), 403},
			{"admin1", "POST", "/api/v1/units/w1/devices", static(map[string]any{"id": "new-3"}), 201},
			{"analyst1", "GET", "/api/v1/users", nil, 403},
			{"officer1", "POST", "/api/v1/users", static(map[string]any{"username": "x1", "role": "officer", "unit": "w1", "password": "12345678"}), 403},
			{"admin1", "POST", "/api/v1/users", static(map[string]any{"username": "x2", "role": "officer", "unit": "w2", "password": "12345678"}), 403},
			{"admin", "POST", "/api/v1/users", static(map[string]any{"username": "x3", "role": "officer", "unit": "w2", "password": "12345678"}), 201},
			{"analyst1", "POST", "/api/v1/users/officer1/tokens", nil, 403},
			{"admin", "POST", "/api/v1/users/officer1/tokens", nil, 201},
			{"analystall", "GET", "/api/v1/audit", nil, 403},
			{"admin", "GET", "/api/v1/audit", nil, 200},
			{"analyst1", "GET", "/api/v1/rejections", nil, 403},
			{"admin", "GET", "/api/v1/rejections", nil, 200},
			{"anon", "GET", "/api/v1/audit", nil, 401},
		},
	}
	for row, calls := range rows {
		for i, c := range calls {
			token := ""
			switch {
			case c.caller == "anon":
			case c.caller == "device:own":
				token = ownSecret
			case c.caller == "device:other":
				token = otherSecret
			default:
				token = e.tokens[c.caller]
			}
			var body any
			if c.body != nil {
				body = c.body()
			}
			r := e.do(c.method, c.path, token, body)
			if r.status != c.want {
				t.Errorf("%s #%d: %s %s %s → %d, want %d: %s", row, i, c.caller, c.method, c.path, r.status, c.want, r.body)
				continue
			}
			if r.status >= 400 {
				wantProblem(t, r, c.want, "")
			}
		}
	}
}

func login(t *testing.T, e *testEnv, user, password string) (*http.Client, string, response) {
	t.Helper()
	jar := newJar()
	client := &http.Client{Jar: jar}
	res, err := client.Post(e.srv.URL+"/api/v1/login", "application/json", strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, user, password)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		b.WriteString(string(buf[:n]))
		if err != nil {
			break
		}
	}
	var body struct {
		CSRF string `json:"csrf_token"`
	}
	json.Unmarshal([]byte(b.String()), &body)
	return client, body.CSRF, response{status: res.StatusCode, header: res.Header, body: []byte(b.String())}
}

func TestLoginSessionAndCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	client, csrf, r := login(t, e, "analyst1", "analyst1-password")
	if r.status != 200 || csrf == "" {
		t.Fatalf("login: %d %s", r.status, r.body)
	}
	cookie := r.header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "patrolmap_session="} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
	get := func(path string) int {
		res, err := client.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	post := func(path, body, csrfHeader string) int {
		req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if csrfHeader != "" {
			req.Header.Set("X-CSRF-Token", csrfHeader)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if s := get("/api/v1/me"); s != 200 {
		t.Fatalf("me with session: %d", s)
	}
	if s := post("/api/v1/areas?unit=w1", sampleArea, ""); s != 403 {
		t.Errorf("cookie write without CSRF header: %d, want 403", s)
	}
	if s := post("/api/v1/areas?unit=w1", sampleArea, "wrong"); s != 403 {
		t.Errorf("cookie write with a wrong CSRF header: %d, want 403", s)
	}
	if s := post("/api/v1/areas?unit=w1", sampleArea, csrf); s != 201 {
		t.Errorf("cookie write with the CSRF header: %d, want 201", s)
	}
	// A second login issues a new session id and ends the old one.
	oldCookies := client.Jar.Cookies(mustURL(e.srv.URL))
	client2, _, r2 := login(t, e, "analyst1", "analyst1-password")
	if r2.status != 200 {
		t.Fatal(r2.status)
	}
	newCookies := client2.Jar.Cookies(mustURL(e.srv.URL))
	if len(oldCookies) == 0 || len(newCookies) == 0 || oldCookies[0].Value == newCookies[0].Value {
		t.Errorf("login did not issue a new session id")
	}
	// Logout invalidates the session on the server: replaying the cookie is 401.
	if s := post("/api/v1/logout", "", csrf); s != 204 {
		t.Fatalf("logout: %d", s)
	}
	replay := &http.Client{Jar: newJar()}
	replay.Jar.SetCookies(mustURL(e.srv.URL), oldCookies)
	res, err := replay.Get(e.srv.URL + "/api/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Errorf("replayed cookie after logout: %d, want 401", res.StatusCode)
	}
}

func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, _, r := login(t, e, "analyst1", "nope")
	wantProblem(t, r, 401, "")
	for i := 0; i < 9; i++ {
		login(t, e, "analyst1", fmt.Sprintf("wrong-%d", i))
	}
	// Ten failures: the eleventh try is refused even with the right password.
	_, _, r = login(t, e, "analyst1", "analyst1-password")
	wantProblem(t, r, 429, "")
	if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("429 without a Retry-After: %q", ra)
	}
	_, _, r = login(t, e, "", "")
	wantProblem(t, r, 400, "username")
}

func TestUnknownCredentialsAre401(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wantProblem(t, e.do("GET", "/api/v1/units", "not-a-token", nil), 401, "")
	wantProblem(t, e.do("GET", "/api/v1/units", "", nil, "Authorization", "Digest abc"), 401, "")
	// A disabled user's token stops working.
	if r := e.as("analyst1", "GET", "/api/v1/me", nil); r.status != 200 {
		t.Fatalf("me: %d", r.status)
	}
	if err := e.store.SetUserDisabled(context.Background(), e.users["analyst1"].ID, true); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, e.as("analyst1", "GET", "/api/v1/me", nil), 401, "")
}

func newJar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func TestSessionEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var anon struct {
		Authenticated bool `json:"authenticated"`
	}
	r := e.do("GET", "/api/v1/session", "", nil)
	r.json(t, &anon)
	if r.status != 200 || anon.Authenticated {
		t.Fatalf("anonymous session: %d %s", r.status, r.body)
	}
	var me struct {
		Authenticated bool   `json:"authenticated"`
		Username      string `json:"username"`
		Role          string `json:"role"`
		Unit          string `json:"unit"`
	}
	r = e.as("officer1", "GET", "/api/v1/session", nil)
	r.json(t, &me)
	if !me.Authenticated || me.Username != "officer1" || me.Role != "officer" || me.Unit != "w1" {
		t.Fatalf("session of officer1: %s", r.body)
	}
}
