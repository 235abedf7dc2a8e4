package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// TestLoginRefusesCrossSite: login CSRF. A login must be JSON (a cross-site form posts
// text/plain or a form encoding) and, when the browser says where it comes from, from this site.
func TestLoginRefusesCrossSite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	creds := `{"username":"officer1","password":"officer1-password"}`
	host := strings.TrimPrefix(e.srv.URL, "http://")
	for _, tc := range []struct {
		name    string
		headers []string
		status  int
		field   string
	}{
		{"text/plain form post", []string{"Content-Type", "text/plain"}, 415, "Content-Type"},
		{"urlencoded form post", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "Content-Type"},
		{"multipart form post", []string{"Content-Type", "multipart/form-data; boundary=x"}, 415, "Content-Type"},
		{"no content type", []string{"Content-Type", ""}, 415, "Content-Type"},
		{"cross-site fetch", []string{"Sec-Fetch-Site", "cross-site"}, 403, "Sec-Fetch-Site"},
		{"same-site subdomain", []string{"Sec-Fetch-Site", "same-site"}, 403, "Sec-Fetch-Site"},
		{"foreign origin", []string{"Origin", "http://evil.example"}, 403, "Origin"},
		{"foreign port", []string{"Origin", "http://127.0.0.1:1"}, 403, "Origin"},
		{"null origin", []string{"Origin", "null"}, 403, "Origin"},
		{"same origin", []string{"Origin", "http://" + host, "Sec-Fetch-Site", "same-origin"}, 200, ""},
		{"same origin over a TLS proxy", []string{"Origin", "https://" + host}, 200, ""},
		{"typed address", []string{"Sec-Fetch-Site", "none"}, 200, ""},
		{"a script (no browser headers)", nil, 200, ""},
		{"JSON with charset", []string{"Content-Type", "application/json; charset=utf-8"}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest("POST", e.srv.URL+"/api/v1/login", strings.NewReader(creds))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			for i := 0; i+1 < len(tc.headers); i += 2 {
				req.Header.Set(tc.headers[i], tc.headers[i+1])
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if tc.status == 200 {
				if res.StatusCode != 200 || len(res.Cookies()) == 0 {
					t.Fatalf("status %d, cookies %v; want a session", res.StatusCode, res.Cookies())
				}
				return
			}
			var body strings.Builder
			buf := make([]byte, 4096)
			n, _ := res.Body.Read(buf)
			body.Write(buf[:n])
			wantProblem(t, response{status: res.StatusCode, header: res.Header, body: []byte(body.String())}, tc.status, tc.field)
			if len(res.Cookies()) != 0 {
				t.Fatalf("a refused login set cookies %v", res.Cookies())
			}
		})
	}
}

// TestPasswordResetAndDisableRevokeTokens: a reset password or a disabled account ends the
// user's bearer tokens for good; re-enabling does not revive them, new tokens work.
func TestPasswordResetAndDisableRevokeTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	if r := e.as("officer1", "GET", "/api/v1/me", nil); r.status != 200 {
		t.Fatalf("token before: %d", r.status)
	}
	if r := e.as("admin", "POST", "/api/v1/users/officer1/password", map[string]any{"password": "a-new-password-2026"}); r.status != 204 {
		t.Fatalf("reset: %d %s", r.status, r.body)
	}
	wantProblem(t, e.as("officer1", "GET", "/api/v1/me", nil), 401, "")
	tok, err := e.store.CreateToken(ctx, e.users["officer1"].ID, "after reset")
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", "/api/v1/me", tok, nil); r.status != 200 {
		t.Fatalf("a token made after the reset: %d", r.status)
	}
	for _, disabled := range []bool{true, false} {
		if r := e.as("admin", "PATCH", "/api/v1/users/officer1", map[string]any{"disabled": disabled}); r.status != 200 {
			t.Fatalf("disabled=%v: %d %s", disabled, r.status, r.body)
		}
		wantProblem(t, e.do("GET", "/api/v1/me", tok, nil), 401, "")
	}
	var live int
	if err := e.store.Pool().QueryRow(ctx, `SELECT count(*) FROM api_token WHERE user_id = $1 AND revoked_at IS NULL`, e.users["officer1"].ID).Scan(&live); err != nil || live != 0 {
		t.Fatalf("%d live tokens of officer1 (%v)", live, err)
	}
	// The revocations show in the admin's token list, and other users' tokens are untouched.
	if r := e.as("analyst1", "GET", "/api/v1/me", nil); r.status != 200 {
		t.Errorf("another user's token: %d", r.status)
	}
}

// TestConfigVersionOnlyForSignedIn: /api/v1/config tells the build version to signed-in users
// only.
func TestConfigVersionOnlyForSignedIn(t *testing.T) {
	t.Parallel()
	e := newEnvWithStore(t, storetest.New(t), api.Config{Version: "v9.9.9-test"})
	if r := e.do("GET", "/api/v1/config", "", nil); r.status != 200 || strings.Contains(string(r.body), "v9.9.9") || strings.Contains(string(r.body), "version") {
		t.Errorf("anonymous config: %d %s", r.status, r.body)
	}
	if r := e.as("officer1", "GET", "/api/v1/config", nil); r.status != 200 || !strings.Contains(string(r.body), `"version":"v9.9.9-test"`) {
		t.Errorf("signed-in config: %d %s", r.status, r.body)
	}
}

// TestHSTSOption: Strict-Transport-Security only when configured.
func TestHSTSOption(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	off := newEnvWithStore(t, s, api.Config{})
	if h := off.do("GET", "/healthz", "", nil).header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("HSTS without the option: %q", h)
	}
	on := newHTTPTestServer(t, api.New(api.Config{HSTS: "max-age=31536000; includeSubDomains"}, s, nil, quietLog()))
	for _, path := range []string{"/healthz", "/api/v1/nothing", "/"} {
		res, err := http.Get(on.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if h := res.Header.Get("Strict-Transport-Security"); h != "max-age=31536000; includeSubDomains" {
			t.Errorf("%s: HSTS %q", path, h)
		}
	}
}
