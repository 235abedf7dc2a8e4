package api_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
)

// policy says who may use a route, on a resource of unit w1.
type policy int

const (
	public     policy = iota // everyone, no credentials needed
	device                   // device protocols: authenticated by the device's own secret
	anyUser                  // any signed-in user; lists are filtered by scope
	readUnit                 // any user whose scope holds w1
	createUnit               // admin, analyst and officer of w1 (incidents)
	writeUnit                // admin and analyst of w1
	adminUnit                // admin of w1 or of all units
	adminAll                 // admin of all units only
	ingest                   // users by role and device secrets for their own device
)

// matrixCallers are the callers of the matrix, denied ones first so that a write by an allowed
// caller (a delete, a rotation) cannot turn a later expected 403 into a 404.
var matrixCallers = []string{"anon", "device:own", "device:other", "officer1", "analyst2", "analyst1", "admin1", "analystall", "admin"}

// expect returns the outcome a caller must get under a policy: 401, 403 or 0 for "allowed"
// (any status but 401 and 403, and no 5xx).
func expect(p policy, caller string) int {
	switch p {
	case public:
		return 0
	case device:
		return -1 // checked by the protocol's own tests
	}
	if caller == "anon" {
		return 401
	}
	isDevice := strings.HasPrefix(caller, "device:")
	switch p {
	case ingest:
		switch caller {
		case "device:own", "officer1", "analyst1", "admin1", "analystall", "admin":
			return 0
		}
		return 403
	case anyUser:
		if isDevice {
			return 403
		}
		return 0
	}
	if isDevice || caller == "analyst2" {
		return 403
	}
	role := map[string]string{"officer1": "officer", "analyst1": "analyst", "admin1": "admin", "analystall": "analyst", "admin": "admin"}[caller]
	switch p {
	case readUnit, createUnit:
		return 0
	case writeUnit:
		if role == "officer" {
			return 403
		}
		return 0
	case adminUnit:
		if role != "admin" {
			return 403
		}
		return 0
	case adminAll:
		if caller != "admin" {
			return 403
		}
		return 0
	}
	panic("unknown policy")
}

// TestAuthorizationMatrix sends every registered route as every kind of caller and checks the
// outcome against DESIGN.md's role table. A new route must be classified here, or this fails.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	_, ownSecret := e.device("w1", "phone-own", "officer1")
	_, otherSecret := e.device("w2", "phone-w2", "")
	e.device("w1", "phone-adm", "")
	now := time.Now().UTC()

	// Resources of w1 to address by id.
	mk := func(user, method, path string, body any) response {
		r := e.as(user, method, path, body)
		if r.status >= 300 {
			t.Fatalf("setup %s %s: %d %s", method, path, r.status, r.body)
		}
		return r
	}
	var inc struct{ Created []struct{ ID int64 } }
	mk("analyst1", "POST", "/api/v1/incidents?unit=w1", incidentBody(now.Add(-time.Hour))).json(t, &inc)
	var area struct{ ID int64 }
	mk("analyst1", "POST", "/api/v1/areas?unit=w1", sampleArea).json(t, &area)
	alert, _, err := e.store.RaiseAlert(context.Background(), patrol.NightAlert{UnitID: e.units["w1"].ID, AreaID: area.ID, AreaName: "X",
		Night: "2024-03-01", Required: 1, DeadlineAt: time.Date(2024, 3, 1, 19, 0, 0, 0, time.UTC), RaisedAt: time.Date(2024, 3, 1, 19, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	handover, _, err := e.store.SaveHandover(context.Background(), patrol.NightHandover{UnitID: e.units["w1"].ID, Night: "2024-03-01",
		CreatedAt: time.Date(2024, 3, 1, 22, 10, 0, 0, time.UTC), Content: []byte(`{"unit":"w1","night":"2024-03-01","summary":{"met":0}}`)})
	if err != nil {
		t.Fatal(err)
	}
	routeBody := map[string]any{"type": "Feature", "geometry": map[string]any{"type": "LineString", "coordinates": [][]float64{{105.846, 21.466}, {105.85, 21.47}}},
		"properties": map[string]any{"name": "Tuyến 1", "night": now.Format("2006-01-02")}}
	var route struct {
		ID         int64 `json:"id"`
		Properties struct {
			ID int64 `json:"id"`
		} `json:"properties"`
	}
	mk("analyst1", "POST", "/api/v1/routes?unit=w1&night="+now.Format("2006-01-02"), routeBody).json(t, &route)
	routeID := route.ID
	if routeID == 0 {
		routeID = route.Properties.ID
	}
	var snap struct {
		ID int64 `json:"id"`
	}
	mk("analyst1", "POST", "/api/v1/reports?unit=w1&from="+now.AddDate(0, 0, -7).Format("2006-01-02")+"&to="+now.Format("2006-01-02"), nil).json(t, &snap)
	var assignment struct {
		ID int64 `json:"id"`
	}
	mk("admin", "POST", "/api/v1/devices/phone-adm/assignments", map[string]any{"username": "officer1", "from": now.Add(-time.Hour).Format(time.RFC3339)}).json(t, &assignment)
	tokenOfficer, err := e.store.CreateToken(ctx, e.users["officer1"].ID, "to-revoke")
	if err != nil {
		t.Fatal(err)
	}
	_ = tokenOfficer
	var tokenID int64
	if err := e.store.Pool().QueryRow(ctx, `SELECT id FROM api_token WHERE label = 'to-revoke'`).Scan(&tokenID); err != nil {
		t.Fatal(err)
	}

	period := fmt.Sprintf("from=%s&to=%s", now.AddDate(0, 0, -14).Format("2006-01-02"), now.AddDate(0, 0, 1).Format("2006-01-02"))
	weeks := fmt.Sprintf("from=%s&to=%s", now.AddDate(0, 0, -84).Format("2006-01-02"), now.Format("2006-01-02"))
	fix := func() any { return fixBody("phone-own", now.Add(-time.Duration(time.Now().UnixNano()%1e9))) }
	type entry struct {
		p    policy
		path string
		body func() any
	}
	static := func(v any) func() any { return func() any { return v } }
	gpx := `<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg><trkpt lat="21.47" lon="105.85"><time>` +
		now.Add(-3*time.Hour).Format(time.RFC3339) + `</time></trkpt></trkseg></trk></gpx>`
	csvBody := "time,lat,lon,category\n" + now.Add(-4*time.Hour).Format(time.RFC3339) + ",21.47,105.85,theft\n"
	table := map[string]entry{
		"GET /":                                          {public, "/", nil},
		"HEAD /":                                         {public, "/", nil},
		"GET /favicon.ico":                               {public, "/favicon.ico", nil},
		"GET /officer/":                                  {public, "/officer/", nil},
		"GET /officer/sw.js":                             {public, "/officer/sw.js", nil},
		"GET /healthz":                                   {public, "/healthz", nil},
		"GET /readyz":                                    {public, "/readyz", nil},
		"GET /metrics":                                   {adminAll, "/metrics", nil},
		"GET /api/v1/config":                             {public, "/api/v1/config", nil},
		"GET /api/v1/session":                            {public, "/api/v1/session", nil},
		"POST /api/v1/login":                             {public, "/api/v1/login", static(map[string]any{"username": "analyst1", "password": "analyst1-password"})},
		"POST /api/v1/logout":                            {public, "/api/v1/logout", nil},
		"GET /osmand":                                    {device, "", nil},
		"POST /osmand":                                   {device, "", nil},
		"POST /owntracks":                                {device, "", nil},
		"GET /api/v1/me":                                 {anyUser, "/api/v1/me", nil},
		"GET /api/v1/units":                              {anyUser, "/api/v1/units", nil},
		"POST /api/v1/units":                             {adminAll, "/api/v1/units", static(map[string]any{"code": "w9", "name": "W9"})},
		"GET /api/v1/units/:code":                        {readUnit, "/api/v1/units/w1", nil},
		"PUT /api/v1/units/:code":                        {adminUnit, "/api/v1/units/w1", static(map[string]any{"name": "Phường w1"})},
		"GET /api/v1/units/:code/devices":                {adminUnit, "/api/v1/units/w1/devices", nil},
		"POST /api/v1/units/:code/devices":               {adminUnit, "/api/v1/units/w1/devices", static(map[string]any{"id": "x y"})},
		"POST /api/v1/units/:code/import":                {writeUnit, "/api/v1/units/w1/import?kind=areas&dry_run=true", static(`{"type":"FeatureCollection","features":[]}`)},
		"GET /api/v1/units/:code/tiling":                 {readUnit, "/api/v1/units/w1/tiling", nil},
		"GET /api/v1/users":                              {adminUnit, "/api/v1/users", nil},
		"POST /api/v1/users":                             {adminUnit, "/api/v1/users", static(map[string]any{"username": "bad name", "role": "officer", "unit": "w1"})},
		"PATCH /api/v1/users/:username":                  {adminUnit, "/api/v1/users/officer1", static(map[string]any{"full_name": "Cán bộ 1"})},
		"POST /api/v1/users/:username/password":          {adminUnit, "/api/v1/users/officer1/password", static(map[string]any{"password": "x"})},
		"GET /api/v1/users/:username/tokens":             {adminUnit, "/api/v1/users/officer1/tokens", nil},
		"POST /api/v1/users/:username/tokens":            {adminUnit, "/api/v1/users/officer1/tokens", nil},
		"GET /api/v1/tokens":                             {adminUnit, "/api/v1/tokens", nil},
		"DELETE /api/v1/tokens/:id":                      {adminUnit, fmt.Sprintf("/api/v1/tokens/%d", tokenID), nil},
		"GET /api/v1/devices/:device":                    {adminUnit, "/api/v1/devices/phone-adm", nil},
		"PATCH /api/v1/devices/:device":                  {adminUnit, "/api/v1/devices/phone-adm", static(map[string]any{"name": "Máy 2"})},
		"POST /api/v1/devices/:device/secret":            {adminUnit, "/api/v1/devices/phone-adm/secret", nil},
		"POST /api/v1/devices/:device/replay":            {adminUnit, "/api/v1/devices/phone-adm/replay", nil},
		"GET /api/v1/devices/:device/assignments":        {adminUnit, "/api/v1/devices/phone-adm/assignments", nil},
		"POST /api/v1/devices/:device/assignments":       {adminUnit, "/api/v1/devices/phone-adm/assignments", static(map[string]any{})},
		"DELETE /api/v1/devices/:device/assignments/:id": {adminUnit, fmt.Sprintf("/api/v1/devices/phone-adm/assignments/%d", assignment.ID), nil},
		"GET /api/v1/audit":                              {adminAll, "/api/v1/audit", nil},
		"GET /api/v1/rejections":                         {adminUnit, "/api/v1/rejections", nil},
		"GET /api/v1/rejections/devices":                 {adminUnit, "/api/v1/rejections/devices", nil},
		"POST /api/v1/fixes":                             {ingest, "/api/v1/fixes", fix},
		"POST /api/v1/gpx":                               {ingest, "/api/v1/gpx?device=phone-own", static(gpx)},
		"GET /api/v1/fixes":                              {readUnit, "/api/v1/fixes?unit=w1&" + period, nil},
		"GET /api/v1/incidents":                          {readUnit, "/api/v1/incidents?unit=w1&" + period, nil},
		"POST /api/v1/incidents":                         {createUnit, "/api/v1/incidents?unit=w1", func() any { return incidentBody(now.Add(-time.Duration(time.Now().UnixNano() % 1e9))) }},
		"POST /api/v1/incidents/csv":                     {createUnit, "/api/v1/incidents/csv?unit=w1", static(csvBody)},
		"PUT /api/v1/incidents/:id":                      {writeUnit, fmt.Sprintf("/api/v1/incidents/%d", inc.Created[0].ID), static(map[string]any{"severity": 2})},
		"DELETE /api/v1/incidents/:id":                   {writeUnit, fmt.Sprintf("/api/v1/incidents/%d", inc.Created[0].ID), nil},
		"GET /api/v1/areas":                              {readUnit, "/api/v1/areas?unit=w1", nil},
		"POST /api/v1/areas":                             {writeUnit, "/api/v1/areas?unit=w1", static(sampleArea)},
		"PUT /api/v1/areas/:id":                          {writeUnit, fmt.Sprintf("/api/v1/areas/%d", area.ID), static(sampleArea)},
		"DELETE /api/v1/areas/:id":                       {writeUnit, fmt.Sprintf("/api/v1/areas/%d", area.ID), nil},
		"GET /api/v1/roads":                              {readUnit, "/api/v1/roads?unit=w1", nil},
		"GET /api/v1/coverage":                           {readUnit, "/api/v1/coverage?unit=w1&" + period, nil},
		"GET /api/v1/gaps":                               {readUnit, "/api/v1/gaps?unit=w1&" + period, nil},
		"GET /api/v1/compliance":                         {readUnit, "/api/v1/compliance?unit=w1&" + period, nil},
		"GET /api/v1/tracks":                             {readUnit, "/api/v1/tracks?unit=w1&" + period, nil},
		"GET /api/v1/hotspots":                           {readUnit, "/api/v1/hotspots?unit=w1&" + period, nil},
		"GET /api/v1/emerging":                           {readUnit, "/api/v1/emerging?unit=w1&" + weeks, nil},
		"GET /api/v1/forecast":                           {readUnit, "/api/v1/forecast?unit=w1&" + weeks, nil},
		"GET /api/v1/plan":                               {readUnit, "/api/v1/plan?unit=w1", nil},
		"POST /api/v1/plan/evaluate":                     {readUnit, "/api/v1/plan/evaluate?unit=w1", static(routeBody)},
		"GET /api/v1/routes":                             {readUnit, "/api/v1/routes?unit=w1", nil},
		"POST /api/v1/routes":                            {writeUnit, "/api/v1/routes?unit=w1&night=" + now.Format("2006-01-02"), static(routeBody)},
		"DELETE /api/v1/routes/:id":                      {writeUnit, fmt.Sprintf("/api/v1/routes/%d", routeID), nil},
		"GET /api/v1/report":                             {readUnit, "/api/v1/report?unit=w1&" + period, nil},
		"GET /api/v1/summary":                            {readUnit, "/api/v1/summary?unit=w1&" + period, nil},
		"GET /api/v1/places":                             {readUnit, "/api/v1/places?unit=w1&cell=8a4b1a4c6b5ffff&" + period, nil},
		"GET /api/v1/reports":                            {readUnit, "/api/v1/reports?unit=w1", nil},
		"POST /api/v1/reports":                           {writeUnit, "/api/v1/reports?unit=w1&" + period, nil},
		"GET /api/v1/reports/:id":                        {readUnit, fmt.Sprintf("/api/v1/reports/%d", snap.ID), nil},
		"GET /api/v1/units/:code/report-settings":        {readUnit, "/api/v1/units/w1/report-settings", nil},
		"PUT /api/v1/units/:code/report-settings":        {adminUnit, "/api/v1/units/w1/report-settings", static(map[string]any{"min_incidents": 0})},
		"GET /verify/:sha256":                            {public, "/verify/" + strings.Repeat("ab", 32), nil},
		"GET /api/v1/live":                               {readUnit, "/api/v1/live?unit=w1", nil},
		"GET /api/v1/alerts":                             {readUnit, "/api/v1/alerts?unit=w1&from=2024-03-01&to=2024-03-02", nil},
		"POST /api/v1/alerts/:id/ack":                    {readUnit, fmt.Sprintf("/api/v1/alerts/%d/ack", alert.ID), nil},
		"GET /api/v1/handovers":                          {readUnit, "/api/v1/handovers?unit=w1", nil},
		"GET /api/v1/handovers/:id":                      {readUnit, fmt.Sprintf("/api/v1/handovers/%d", handover.ID), nil},
		"GET /api/v1/night":                              {readUnit, "/api/v1/night?unit=w1&night=2024-03-01", nil},
	}
	routes := e.api.Routes()
	sort.Slice(routes, func(i, j int) bool { return routes[i].Path+routes[i].Method < routes[j].Path+routes[j].Method })
	checked := 0
	// Denied calls first over every route, then the allowed ones.
	for _, allowedPass := range []bool{false, true} {
		for _, rt := range routes {
			key := rt.Method + " " + rt.Path
			ent, ok := table[key]
			if !ok {
				if !allowedPass {
					t.Errorf("route %s is not classified in the authorization matrix", key)
				}
				continue
			}
			if ent.p == device {
				continue
			}
			for _, caller := range matrixCallers {
				want := expect(ent.p, caller)
				if (want == 0) != allowedPass {
					continue
				}
				token := ""
				switch caller {
				case "anon":
				case "device:own":
					token = ownSecret
				case "device:other":
					token = otherSecret
				default:
					token = e.tokens[caller]
				}
				var body any
				if ent.body != nil {
					body = ent.body()
				}
				status := e.matrixCall(rt.Method, ent.path, token, body)
				checked++
				switch {
				case want == 0 && (status == 401 || status == 403 || status >= 500):
					t.Errorf("%s as %s: %d, want it allowed", key, caller, status)
				case want != 0 && status != want:
					t.Errorf("%s as %s: %d, want %d", key, caller, status, want)
				}
			}
		}
	}
	t.Logf("authorization matrix: %d routes × %d callers, %d requests checked", len(routes), len(matrixCallers), checked)
}

// matrixCall sends one request and returns its status; a streaming answer (server-sent
// events) is cut off once the status is known.
func (e *testEnv) matrixCall(method, path, token string, body any) int {
	e.t.Helper()
	if strings.HasPrefix(path, "/api/v1/live") {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, method, e.srv.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			e.t.Fatalf("%s %s: %v", method, path, err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	return e.do(method, path, token, body).status
}
