package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // zone tests do not depend on the machine's zone database

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/demo"
	"github.com/patrolmap/patrolmap/demo/load"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// testEnv is a real server on a fresh PostGIS database, with two units and a user of every
// role: admin (all units), analyst and officer of unit w1, an analyst of w2, and bearer tokens
// for each.
type testEnv struct {
	t      *testing.T
	store  *store.Store
	srv    *httptest.Server
	api    *api.Server
	units  map[string]patrol.Unit
	tokens map[string]string // username -> bearer token
	users  map[string]patrol.User
}

// wardSquare is a ~1 km square boundary near Sông Công, Thái Nguyên.
const wardSquare = `{"type":"Polygon","coordinates":[[[105.845,21.465],[105.855,21.465],[105.855,21.475],[105.845,21.475],[105.845,21.465]]]}`

func newEnv(t *testing.T) *testEnv {
	t.Helper()

	s := storetest.New(t)
	return newEnvWithStore(t, s, api.Config{TileURL: ""})
}

func newEnvWithStore(t *testing.T, s *store.Store, cfg api.Config) *testEnv {
	t.Helper()
	ctx := context.Background()
	e := &testEnv{t: t, store: s, units: map[string]patrol.Unit{}, tokens: map[string]string{}, users: map[string]patrol.User{}}
	for _, code := range []string{"w1", "w2"} {
		u, err := s.CreateUnit(ctx, patrol.Unit{Code: code, Name: "Phường " + code, TimeZone: "Asia/Ho_Chi_Minh",
			Boundary: json.RawMessage(wardSquare), NightStart: "22:00", NightEnd: "05:00", H3Res: 10})
		if err != nil {
			t.Fatalf("create unit %s: %v", code, err)
		}
		e.units[code] = u
	}
	for _, nu := range []store.NewUser{
		{Username: "admin", Role: patrol.RoleAdmin, Password: "admin-password"},
		{Username: "admin1", Role: patrol.RoleAdmin, UnitCode: "w1", Password: "admin1-password"},
		{Username: "analyst1", Role: patrol.RoleAnalyst, UnitCode: "w1", Password: "analyst1-password"},
		{Username: "officer1", Role: patrol.RoleOfficer, UnitCode: "w1", Password: "officer1-password"},
		{Username: "analyst2", Role: patrol.RoleAnalyst, UnitCode: "w2", Password: "analyst2-password"},
		{Username: "analystall", Role: patrol.RoleAnalyst, Password: "analystall-password"},
	} {
		u, err := s.CreateUser(ctx, nu)
		if err != nil {
			t.Fatalf("create user %s: %v", nu.Username, err)
		}
		tok, err := s.CreateToken(ctx, u.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		e.users[nu.Username] = u
		e.tokens[nu.Username] = tok
	}
	e.api = api.New(cfg, s, nil, quietLog())
	e.srv = httptest.NewServer(e.api.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

// device registers a device in a unit and returns its secret.
func (e *testEnv) device(unit, ident string, assignTo string) (patrol.Device, string) {
	e.t.Helper()
	d, secret, err := e.store.CreateDevice(context.Background(), e.units[unit].ID, ident, "")
	if err != nil {
		e.t.Fatal(err)
	}
	if assignTo != "" {
		if err := e.store.AssignDevice(context.Background(), d.ID, e.users[assignTo].ID, time.Time{}, time.Time{}); err != nil {
			e.t.Fatal(err)
		}
	}
	return d, secret
}

// loadDemo generates and loads the demo ward (unit code "demo") for a day.
func (e *testEnv) loadDemo(seed int64, day time.Time) *demo.Ward {
	e.t.Helper()
	w, err := demo.Generate(seed, day)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := load.Demo(context.Background(), e.store, w); err != nil {
		e.t.Fatal(err)
	}
	return w
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// do sends a request with a bearer token (empty: anonymous); body may be nil, a string,
// []byte or a value to encode as JSON.
func (e *testEnv) do(method, path, token string, body any, header ...string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// as sends a request as a named user of the environment.
func (e *testEnv) as(user, method, path string, body any, header ...string) response {
	e.t.Helper()
	return e.do(method, path, e.tokens[user], body, header...)
}

// wantProblem checks a problem+json answer with a status and, when field is not empty, an
// errors entry naming that field.
func wantProblem(t *testing.T, r response, status int, field string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json: %s", ct, r.body)
	}
	var p api.Problem
	if err := json.Unmarshal(r.body, &p); err != nil || p.Status != status {
		t.Fatalf("not a problem body (%v): %s", err, r.body)
	}
	if field == "" {
		return
	}
	for _, fe := range p.Errors {
		if fe.Field == field || strings.HasSuffix(fe.Field, "."+field) {
			return
		}
	}
	t.Fatalf("problem does not name field %q: %s", field, r.body)
}

// quietLog discards the server's request log in tests (run a test with -v and change this to
// see it).
func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newHTTPTestServer(t *testing.T, s *api.Server) *httptest.Server {
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

// Tests create many users: a cheap bcrypt cost, set once before any test runs (production
// keeps the default).
func init() { store.BcryptCost = 4 }
