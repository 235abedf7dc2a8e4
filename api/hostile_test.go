package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// Issue 8, "hostile input": SQL injection strings, path traversal, oversized values and unicode
// oddities in every query parameter and every path parameter of every registered route, sent as
// the admin of all units. Every answer must be clean — no 5xx, client errors as problem+json, no
// SQL, stack trace, secret column or file content in any body — and the database must be exactly
// as it was before the sweep (the audit and rejection logs may only have grown by export and
// rejection entries).

// hostileValues are the decoded values sent in query parameters (query-escaped).
var hostileValues = func() []string {
	return []string{
		`' OR 1=1--`,
		`1; DROP TABLE fix;--`,
		`x' UNION SELECT password_hash FROM app_user--`,
		`w1' OR '1'='1`,
		`1) OR (1=1`,
		`../../etc/passwd`,
		`%2e%2e%2f`,
		`..\..\`,
		`/etc/passwd`,
		strings.Repeat("A", 10<<10),
		strings.Repeat("9", 100<<10),
		"1e308", "-1e308", "-1", "0", "NaN", "Inf", "-Inf",
		"9223372036854775808", "-9223372036854775809", "18446744073709551616", "0x7fffffff", "1_000",
		"NaN,NaN", "21.47,NaN", "0001-01-01", "9999-12-31", "0000-00-00", "2024-02-30", "2024-01-01T00:00:00+25:00", "-2024-01-01",
		"\x00", "a\x00b", "\u202eevil\u202c", "\u200f1\u200e", "\ufeff1", "\xff\xfe", " ", "null", "[]", "{}",
	}
}()

// rawQueryValues go into the query string exactly as written: bad escapes, encoded NUL and
// invalid UTF-8, encoded traversal.
var rawQueryValues = []string{"%ff", "%00", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "%zz", "%", "%c0%ae%c0%ae%2f", "%e2%80%ae"}

// hostileSegments are decoded values sent as one path segment (path-escaped).
var hostileSegments = []string{
	`' OR 1=1--`, `1; DROP TABLE fix;--`, `x' UNION SELECT password_hash FROM app_user--`, `1 OR 1=1`,
	`../../etc/passwd`, `..\..\`, `..`, `.`, strings.Repeat("A", 10<<10), "-1", "0", "1e308", "NaN",
	"9223372036854775808", "\x00", "\u202e1", "\xff",
}

// rawSegments replace one path segment exactly as written.
var rawSegments = []string{"..%2f..%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%2f..%2f..%2fgo.mod", "1%20OR%201=1",
	"%00", "%ff", "..%5c..%5c", "..", "%2e%2e", "1%27%20OR%20%271%27=%271"}

// hostileLeaks must appear in no answer (after the echoed input itself is taken out).
var hostileLeaks = []string{"SQLSTATE", "pq:", "pgx", "syntax error at", "goroutine ", ".go:", "password_hash",
	"root:x:0:0", "module github.com/patrolmap", "TOP-SECRET-CONTENT"}

// hostileRoute says how to reach one route with valid input and which query parameters its
// handler reads.
type hostileRoute struct {
	path   string   // concrete path with a valid base query
	params []string // the query parameters the handler reads
	body   func() any
	// mayWrite: a valid answer may be 2xx although a parameter is hostile, because the route
	// does not store anything with the base query (a dry run, a read by POST).
	mayWrite bool
	stream   bool // server-sent events: only parameters that fail before the stream starts
	logs     bool // lists logged input (audit, rejections), which may hold any hostile value sent before
}

func TestHostileInput(t *testing.T) {
	t.Parallel()
	// The sweep's 8 workers act as the same few users: a heavy pool as wide as the workers lets
	// every hostile value reach its handler instead of a 429 (the pool has its own tests).
	e := newEnvWithStore(t, storetest.New(t), api.Config{HeavyAnalyses: 8, HeavyPerUser: 8})
	ctx := context.Background()
	now := time.Now().UTC()
	e.device("w1", "phone-1", "officer1")
	e.device("w1", "phone-adm", "")

	// Data so that the analyses have something to read, and ids to address.
	mk := func(method, path string, body any) response {
		r := e.as("admin", method, path, body)
		if r.status >= 300 {
			t.Fatalf("setup %s %s: %d %s", method, path, r.status, r.body)
		}
		return r
	}
	for i := range 6 {
		mk("POST", "/api/v1/fixes", fixBody("phone-1", now.Add(-time.Duration(i+2)*time.Hour)))
	}
	var inc struct{ Created []struct{ ID int64 } }
	mk("POST", "/api/v1/incidents?unit=w1", incidentBody(now.Add(-3*time.Hour))).json(t, &inc)
	var area struct{ ID int64 }
	mk("POST", "/api/v1/areas?unit=w1", sampleArea).json(t, &area)
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
	night := now.Format("2006-01-02")
	routeBody := map[string]any{"type": "Feature", "geometry": map[string]any{"type": "LineString", "coordinates": [][]float64{{105.846, 21.466}, {105.85, 21.47}}},
		"properties": map[string]any{"name": "Tuyến 1", "night": night}}
	var route struct {
		ID         int64 `json:"id"`
		Properties struct {
			ID int64 `json:"id"`
		} `json:"properties"`
	}
	mk("POST", "/api/v1/routes?unit=w1&night="+night, routeBody).json(t, &route)
	if route.ID == 0 {
		route.ID = route.Properties.ID
	}
	period := fmt.Sprintf("from=%s&to=%s", now.AddDate(0, 0, -14).Format("2006-01-02"), now.AddDate(0, 0, 1).Format("2006-01-02"))
	var snap struct {
		ID int64 `json:"id"`
	}
	mk("POST", "/api/v1/reports?unit=w1&"+period, nil).json(t, &snap)
	var assignment struct {
		ID int64 `json:"id"`
	}
	mk("POST", "/api/v1/devices/phone-adm/assignments", map[string]any{"username": "officer1", "from": now.Add(-time.Hour).Format(time.RFC3339)}).json(t, &assignment)
	if _, err := e.store.CreateToken(ctx, e.users["officer1"].ID, "hostile"); err != nil {
		t.Fatal(err)
	}
	var tokenID int64
	if err := e.store.Pool().QueryRow(ctx, `SELECT id FROM api_token WHERE label = 'hostile'`).Scan(&tokenID); err != nil {
		t.Fatal(err)
	}

	static := func(v any) func() any { return func() any { return v } }
	gpx := `<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg><trkpt lat="21.47" lon="105.85"><time>` +
		now.Add(-5*time.Hour).Format(time.RFC3339) + `</time></trkpt></trkseg></trk></gpx>`
	csvBody := "time,lat,lon,category\n" + now.Add(-4*time.Hour).Format(time.RFC3339) + ",21.47,105.85,theft\n"
	analysis := []string{"unit", "from", "to", "res", "k", "category", "min_severity"}
	osmand := []string{"id", "deviceid", "lat", "lon", "location", "timestamp", "speed", "bearing", "heading", "altitude", "accuracy", "hdop", "batt", "key"}
	osmandBase := "/osmand?id=phone-1&lat=21.47&lon=105.85&timestamp=" + strconv.FormatInt(now.Add(-time.Hour).Unix(), 10) + "&key=not-the-secret"
	table := map[string]hostileRoute{
		"GET /":                                          {path: "/"},
		"HEAD /":                                         {path: "/"},
		"GET /favicon.ico":                               {path: "/favicon.ico"},
		"GET /officer/":                                  {path: "/officer/"},
		"GET /officer/sw.js":                             {path: "/officer/sw.js"},
		"GET /healthz":                                   {path: "/healthz"},
		"GET /readyz":                                    {path: "/readyz"},
		"GET /metrics":                                   {path: "/metrics"},
		"GET /api/v1/config":                             {path: "/api/v1/config"},
		"GET /api/v1/session":                            {path: "/api/v1/session"},
		"POST /api/v1/login":                             {path: "/api/v1/login", body: static(map[string]any{"username": "nobody", "password": "x"})},
		"POST /api/v1/logout":                            {path: "/api/v1/logout", mayWrite: true},
		"GET /osmand":                                    {path: osmandBase, params: osmand, mayWrite: true}, // rejects in a 200 body
		"POST /osmand":                                   {path: osmandBase, params: osmand, mayWrite: true},
		"POST /owntracks":                                {path: "/owntracks", body: static(map[string]any{"_type": "location", "lat": 21.47, "lon": 105.85, "tst": now.Unix()})},
		"GET /api/v1/me":                                 {path: "/api/v1/me"},
		"GET /api/v1/units":                              {path: "/api/v1/units"},
		"POST /api/v1/units":                             {path: "/api/v1/units", body: static(map[string]any{"code": "bad code!", "name": "W9"})},
		"GET /api/v1/units/:code":                        {path: "/api/v1/units/w1"},
		"PUT /api/v1/units/:code":                        {path: "/api/v1/units/w1", body: static(map[string]any{"timezone": "Mars/Olympus"})},
		"GET /api/v1/units/:code/devices":                {path: "/api/v1/units/w1/devices"},
		"POST /api/v1/units/:code/devices":               {path: "/api/v1/units/w1/devices", body: static(map[string]any{"id": "x y"})},
		"POST /api/v1/units/:code/import":                {path: "/api/v1/units/w1/import?kind=areas&dry_run=true", params: []string{"kind", "dry_run", "set_boundary", "replace", "name_field", "kind_field", "default_kind", "srs", "filename"}, body: static(`{"type":"FeatureCollection","features":[]}`), mayWrite: true},
		"GET /api/v1/units/:code/tiling":                 {path: "/api/v1/units/w1/tiling"},
		"GET /api/v1/users":                              {path: "/api/v1/users"},
		"POST /api/v1/users":                             {path: "/api/v1/users", body: static(map[string]any{"username": "bad name", "role": "officer", "unit": "w1"})},
		"PATCH /api/v1/users/:username":                  {path: "/api/v1/users/officer1", body: static(map[string]any{"role": "emperor"})},
		"POST /api/v1/users/:username/password":          {path: "/api/v1/users/officer1/password", body: static(map[string]any{"password": "x"})},
		"GET /api/v1/users/:username/tokens":             {path: "/api/v1/users/officer1/tokens", params: []string{"revoked"}},
		"POST /api/v1/users/:username/tokens":            {path: "/api/v1/users/officer1/tokens", body: static(`{"label":`)},
		"GET /api/v1/tokens":                             {path: "/api/v1/tokens", params: []string{"revoked"}},
		"DELETE /api/v1/tokens/:id":                      {path: fmt.Sprintf("/api/v1/tokens/%d", tokenID), body: nil},
		"GET /api/v1/devices/:device":                    {path: "/api/v1/devices/phone-adm"},
		"PATCH /api/v1/devices/:device":                  {path: "/api/v1/devices/phone-adm", body: static(`{"name":`)},
		"POST /api/v1/devices/:device/secret":            {path: "/api/v1/devices/phone-adm/secret"},
		"POST /api/v1/devices/:device/replay":            {path: "/api/v1/devices/phone-adm/replay", mayWrite: true},
		"GET /api/v1/devices/:device/assignments":        {path: "/api/v1/devices/phone-adm/assignments"},
		"POST /api/v1/devices/:device/assignments":       {path: "/api/v1/devices/phone-adm/assignments", body: static(map[string]any{})},
		"DELETE /api/v1/devices/:device/assignments/:id": {path: fmt.Sprintf("/api/v1/devices/phone-adm/assignments/%d", assignment.ID)},
		"GET /api/v1/audit":                              {path: "/api/v1/audit", params: []string{"limit"}, logs: true},
		"GET /api/v1/rejections":                         {path: "/api/v1/rejections", params: []string{"limit"}, logs: true},
		"GET /api/v1/rejections/devices":                 {path: "/api/v1/rejections/devices", params: []string{"days", "limit"}, logs: true},
		"POST /api/v1/fixes":                             {path: "/api/v1/fixes", body: static(map[string]any{"fixes": []map[string]any{{"device": "phone-1", "time": "yesterday", "lat": 21.47, "lon": 105.85}}})},
		"POST /api/v1/gpx":                               {path: "/api/v1/gpx?device=phone-1", params: []string{"device"}, body: static(gpx)},
		"GET /api/v1/fixes":                              {path: "/api/v1/fixes?unit=w1&" + period, params: []string{"unit", "device", "from", "to", "format"}},
		"GET /api/v1/incidents":                          {path: "/api/v1/incidents?unit=w1&" + period, params: []string{"unit", "from", "to", "include_void"}},
		"POST /api/v1/incidents":                         {path: "/api/v1/incidents?unit=w1", params: []string{"unit"}, body: static(incidentBody(now.Add(-7 * time.Hour)))},
		"POST /api/v1/incidents/csv":                     {path: "/api/v1/incidents/csv?unit=w1", params: []string{"unit"}, body: static(csvBody)},
		"PUT /api/v1/incidents/:id":                      {path: fmt.Sprintf("/api/v1/incidents/%d", inc.Created[0].ID), body: static(map[string]any{"severity": 2})},
		"DELETE /api/v1/incidents/:id":                   {path: fmt.Sprintf("/api/v1/incidents/%d", inc.Created[0].ID)},
		"GET /api/v1/areas":                              {path: "/api/v1/areas?unit=w1", params: []string{"unit", "kind"}},
		"POST /api/v1/areas":                             {path: "/api/v1/areas?unit=w1", params: []string{"unit"}, body: static(sampleArea)},
		"PUT /api/v1/areas/:id":                          {path: fmt.Sprintf("/api/v1/areas/%d", area.ID), body: static(sampleArea)},
		"DELETE /api/v1/areas/:id":                       {path: fmt.Sprintf("/api/v1/areas/%d", area.ID)},
		"GET /api/v1/roads":                              {path: "/api/v1/roads?unit=w1", params: []string{"unit"}},
		"GET /api/v1/coverage":                           {path: "/api/v1/coverage?unit=w1&" + period, params: []string{"unit", "from", "to", "window", "res", "device"}},
		"GET /api/v1/gaps":                               {path: "/api/v1/gaps?unit=w1&" + period, params: []string{"unit", "from", "to", "min_nights", "lang"}},
		"GET /api/v1/compliance":                         {path: "/api/v1/compliance?unit=w1&" + period, params: []string{"unit", "from", "to"}},
		"GET /api/v1/tracks":                             {path: "/api/v1/tracks?unit=w1&" + period, params: []string{"unit", "from", "to", "window", "device"}},
		"GET /api/v1/hotspots":                           {path: "/api/v1/hotspots?unit=w1&" + period, params: append(analysis, "alpha", "permutations", "seed")},
		"GET /api/v1/emerging":                           {path: "/api/v1/emerging?unit=w1", params: append(analysis, "step", "time_lag")},
		"GET /api/v1/forecast":                           {path: "/api/v1/forecast?unit=w1", params: append(analysis, "step", "time_lag", "holdout")},
		"GET /api/v1/plan":                               {path: "/api/v1/plan?unit=w1", params: []string{"unit", "night", "nights", "start", "max_km", "targets", "format", "order", "seed"}},
		"POST /api/v1/plan/evaluate":                     {path: "/api/v1/plan/evaluate?unit=w1", params: []string{"unit", "night", "nights"}, body: static(routeBody), mayWrite: true},
		"GET /api/v1/routes":                             {path: "/api/v1/routes?unit=w1", params: []string{"unit", "from", "to", "night"}},
		"POST /api/v1/routes":                            {path: "/api/v1/routes?unit=w1&night=" + night, params: []string{"unit", "night"}, body: static(routeBody)},
		"DELETE /api/v1/routes/:id":                      {path: fmt.Sprintf("/api/v1/routes/%d", route.ID)},
		"GET /api/v1/report":                             {path: "/api/v1/report?unit=w1&" + period, params: []string{"unit", "from", "to", "lang", "format"}},
		"GET /api/v1/summary":                            {path: "/api/v1/summary?unit=w1&" + period, params: []string{"unit", "from", "to", "lang"}},
		"GET /api/v1/places":                             {path: "/api/v1/places?unit=w1&cell=8a4b1a4c6b5ffff&" + period, params: []string{"unit", "from", "to", "cell", "lang"}},
		"GET /api/v1/reports":                            {path: "/api/v1/reports?unit=w1", params: []string{"unit"}},
		"POST /api/v1/reports":                           {path: "/api/v1/reports?unit=w1&" + period, params: []string{"unit", "from", "to", "lang"}},
		"GET /api/v1/reports/:id":                        {path: fmt.Sprintf("/api/v1/reports/%d", snap.ID), params: []string{"format"}},
		"GET /api/v1/units/:code/report-settings":        {path: "/api/v1/units/w1/report-settings"},
		"PUT /api/v1/units/:code/report-settings":        {path: "/api/v1/units/w1/report-settings", body: static(map[string]any{"min_incidents": 5, "min_weeks": 3, "gi_min_incidents": 30, "recipients": []string{"x\u0000"}})},
		"GET /verify/:sha256":                            {path: "/verify/" + strings.Repeat("ab", 32)},
		"GET /api/v1/live":                               {path: "/api/v1/live?unit=w1", params: []string{"unit"}, stream: true},
		"GET /api/v1/alerts":                             {path: "/api/v1/alerts?unit=w1&from=2024-03-01&to=2024-03-02", params: []string{"unit", "from", "to"}},
		"POST /api/v1/alerts/:id/ack":                    {path: fmt.Sprintf("/api/v1/alerts/%d/ack", alert.ID), body: nil},
		"GET /api/v1/handovers":                          {path: "/api/v1/handovers?unit=w1", params: []string{"unit"}},
		"GET /api/v1/handovers/:id":                      {path: fmt.Sprintf("/api/v1/handovers/%d?format=html", handover.ID), params: []string{"format", "lang"}},
		"GET /api/v1/night":                              {path: "/api/v1/night?unit=w1&night=2024-03-01&at=2024-03-02T01:00:00Z", params: []string{"unit", "night", "at", "min_dwell_min", "max_gap_min", "weeks"}},
	}

	// Every route is classified; build the requests.
	type hostileReq struct {
		method, path string
		body         any
		wantClient   bool   // the answer must be a 4xx
		echo         string // the hostile value, which an answer may quote back
		logs         bool   // the answer lists logged input, which may hold any hostile value
	}
	var reqs, warm []hostileReq
	routes := e.api.Routes()
	sort.Slice(routes, func(i, j int) bool { return routes[i].Path+routes[i].Method < routes[j].Path+routes[j].Method })
	nParams, nSegments := 0, 0
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		hr, ok := table[key]
		if !ok {
			t.Errorf("route %s is not in the hostile input table", key)
			continue
		}
		write := rt.Method != http.MethodGet && rt.Method != http.MethodHead
		body := func() any {
			if hr.body == nil {
				return nil
			}
			return hr.body()
		}
		if !write && !hr.stream {
			warm = append(warm, hostileReq{method: rt.Method, path: hr.path})
		}
		params := hr.params
		if !write && !hr.stream {
			params = append(params[:len(params):len(params)], "x") // a parameter nobody reads
		}
		for _, p := range params {
			nParams++
			for _, v := range hostileValues {
				if write && (v == "0001-01-01" || v == "9999-12-31") {
					continue // valid dates: a write may store them (a route for that night)
				}
				if p == "dry_run" && v == "0" {
					continue // a valid "false": the import would run
				}
				reqs = append(reqs, hostileReq{rt.Method, withParam(hr.path, p, url.QueryEscape(v)), body(), write && !hr.mayWrite, v, hr.logs})
			}
			for _, raw := range rawQueryValues {
				reqs = append(reqs, hostileReq{rt.Method, withParam(hr.path, p, raw), body(), write && !hr.mayWrite, raw, hr.logs})
			}
			// The same parameter twice, one hostile and one valid.
			reqs = append(reqs, hostileReq{rt.Method, withParam(hr.path, p, url.QueryEscape(`' OR 1=1--`)) + "&" + p + "=1", body(), write && !hr.mayWrite, `' OR 1=1--`, hr.logs})
		}
		// Path parameters: each one replaced by every hostile segment.
		segs := strings.Split(rt.Path, "/")
		concrete := strings.Split(strings.SplitN(hr.path, "?", 2)[0], "/")
		for i, seg := range segs {
			if !strings.HasPrefix(seg, ":") {
				continue
			}
			nSegments++
			put := func(raw, echo string) {
				parts := append([]string(nil), concrete...)
				parts[i] = raw
				reqs = append(reqs, hostileReq{rt.Method, strings.Join(parts, "/"), body(), true, echo, hr.logs})
			}
			for _, v := range hostileSegments {
				put(url.PathEscape(v), v)
			}
			for _, raw := range rawSegments {
				put(raw, raw)
			}
		}
	}
	// Traversal and injection through unrouted paths.
	for _, p := range []string{"/api/v1/units/..%2f..%2fetc", "/api/v1/areas/1%20OR%201=1", "/api/v1/../../go.mod", "/api/v1/%2e%2e/%2e%2e/go.mod",
		"/api/v1/units/w1/../../../etc/passwd", "/api/v1/units/w1%00", "/api/v1/fixes%3Funit=w1", "/api/v1/" + strings.Repeat("a", 100<<10)} {
		reqs = append(reqs, hostileReq{"GET", p, nil, true, "", false})
	}

	// Warm the derived tables (coverage rollups, road networks) so that the fingerprint sees only
	// what the hostile requests change.
	for _, w := range warm {
		if st, _, _, err := hostileDo(e, w.method, w.path, w.body); err != nil || st >= 500 {
			t.Errorf("warm-up %s %s: %d %v", w.method, w.path, st, err)
		}
	}
	before, logIDs := dbFingerprint(t, e, nil)

	var wg sync.WaitGroup
	work := make(chan hostileReq)
	statuses := map[int]int{}
	var mu sync.Mutex
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range work {
				st, ct, body, err := hostileDo(e, r.method, r.path, r.body)
				desc := r.method + " " + shorten(r.path)
				if err != nil {
					t.Errorf("%s: %v", desc, err)
					continue
				}
				mu.Lock()
				statuses[st]++
				mu.Unlock()
				if r.method == http.MethodHead {
					body = []byte("{}")
					if st >= 400 {
						body = []byte(fmt.Sprintf(`{"status":%d}`, st))
					}
				}
				echo := []string{r.echo}
				if r.logs {
					echo = append(append(echo, hostileValues...), hostileSegments...)
				}
				for _, msg := range checkHostileAnswer(st, ct, body, r.wantClient, echo...) {
					t.Errorf("%s: %s", desc, msg)
				}
			}
		}()
	}
	for _, r := range reqs {
		work <- r
	}
	close(work)
	wg.Wait()

	after, _ := dbFingerprint(t, e, logIDs)
	for table, fp := range before {
		if after[table] != fp {
			t.Errorf("table %s changed during the hostile sweep: %s → %s", table, fp, after[table])
		}
	}
	var actions []string
	rows, err := e.store.Pool().Query(ctx, `SELECT DISTINCT action FROM audit WHERE id > $1 ORDER BY 1`, logIDs["audit"])
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			t.Fatal(err)
		}
		actions = append(actions, a)
		if a != "export.fixes" {
			t.Errorf("the hostile sweep wrote an audit entry %q: something was changed", a)
		}
	}
	rows.Close()
	t.Logf("hostile sweep: %d routes, %d query parameters × %d values, %d path parameters × %d segments: %d requests; statuses %v; new audit actions %v",
		len(routes), nParams, len(hostileValues)+len(rawQueryValues)+1, nSegments, len(hostileSegments)+len(rawSegments), len(reqs), statuses, actions)
}

// TestHostileStaticFiles checks that the web map's file server serves nothing outside its folder.
func TestHostileStaticFiles(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	dist := filepath.Join(root, "dist")
	if err := os.MkdirAll(filepath.Join(dist, "assets"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		filepath.Join(root, "secret.txt"):            "TOP-SECRET-CONTENT",
		filepath.Join(dist, "index.html"):            "<!doctype html><title>map</title>",
		filepath.Join(dist, "assets", "app.js"):      "console.log(1)",
		filepath.Join(dist, "favicon.ico"):           "ico",
		filepath.Join(root, "dist-secret", "x.html"): "TOP-SECRET-CONTENT",
	} {
		os.MkdirAll(filepath.Dir(name), 0o755)
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := api.New(api.Config{}, storetest.New(t), os.DirFS(dist), quietLog())
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	for _, p := range []string{
		"/..%2f..%2fgo.mod", "/..%2fsecret.txt", "/../secret.txt", "/%2e%2e/secret.txt", "/%2e%2e%2fsecret.txt",
		"/assets/..%2f..%2fsecret.txt", "/assets/../../secret.txt", "/..\\secret.txt", "/..%5csecret.txt",
		"//etc/passwd", "/%2fetc%2fpasswd", "/etc/passwd", "/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
		"/../dist-secret/x.html", "/..%2fdist-secret%2fx.html", "/assets%2f..%2f..%2fsecret.txt", "/%c0%ae%c0%ae/secret.txt",
		"/assets/app.js%00.html", "/" + strings.Repeat("a/", 5000),
	} {
		res, err := http.Get(ts.URL + p)
		if err != nil {
			t.Fatalf("GET %s: %v", p, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 404 or 400: %.200s", shorten(p), res.StatusCode, b)
		}
		for _, msg := range checkHostileAnswer(res.StatusCode, res.Header.Get("Content-Type"), b, true) {
			t.Errorf("GET %s: %s", shorten(p), msg)
		}
	}
	// The folder's own files are still served.
	for _, p := range []string{"/assets/app.js", "/favicon.ico", "/"} {
		res, err := http.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d, want 200", p, res.StatusCode)
		}
	}
}

// withParam sets one query parameter of path to an already escaped value.
func withParam(path, name, escaped string) string {
	base, query, _ := strings.Cut(path, "?")
	var kept []string
	for _, kv := range strings.Split(query, "&") {
		if kv != "" && !strings.HasPrefix(kv, name+"=") {
			kept = append(kept, kv)
		}
	}
	kept = append(kept, name+"="+escaped)
	return base + "?" + strings.Join(kept, "&")
}

// hostileDo sends one request as the admin of all units; it never stops the test, so it may run
// on any goroutine. A streaming answer is cut off after its status.
func hostileDo(e *testEnv, method, path string, body any) (int, string, []byte, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			return 0, "", nil, err
		}
		rd = bytes.NewReader(buf)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, e.srv.URL+path, rd)
	if err != nil {
		return 0, "", nil, err
	}
	req.Header.Set("Authorization", "Bearer "+e.tokens["admin"])
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer res.Body.Close()
	ct := res.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "text/event-stream") {
		return res.StatusCode, ct, nil, nil
	}
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, ct, b, err
}

// checkHostileAnswer lists what is wrong with an answer to hostile input.
func checkHostileAnswer(status int, ct string, body []byte, wantClient bool, echoes ...string) []string {
	var out []string
	switch {
	case status >= 500:
		out = append(out, fmt.Sprintf("status %d: %.300s", status, body))
	case wantClient && status < 400:
		out = append(out, fmt.Sprintf("status %d, want a 4xx: the hostile value was accepted: %.300s", status, body))
	case status >= 400 && ct != "application/problem+json":
		out = append(out, fmt.Sprintf("status %d with content type %q, want application/problem+json", status, ct))
	}
	if status >= 400 && ct == "application/problem+json" {
		var p api.Problem
		if err := json.Unmarshal(body, &p); err != nil || p.Status != status {
			out = append(out, fmt.Sprintf("not a problem body (%v): %.300s", err, body))
		}
	}
	s := string(body)
	echoes = slices.Clone(echoes)
	slices.SortFunc(echoes, func(a, b string) int { return len(b) - len(a) }) // longest first
	for _, echo := range echoes {
		if strings.TrimSpace(echo) == "" {
			continue
		}
		// Take out the echoed input in every form an answer may quote it.
		q, _ := json.Marshal(echo)
		qq, _ := json.Marshal(strconv.Quote(echo))
		for _, form := range []string{string(qq[1 : len(qq)-1]), string(q[1 : len(q)-1]), strconv.Quote(echo), echo, html.EscapeString(echo), url.QueryEscape(echo)} {
			s = strings.ReplaceAll(s, form, "")
		}
	}
	for _, leak := range hostileLeaks {
		if strings.Contains(s, leak) {
			out = append(out, fmt.Sprintf("the answer contains %q: %.300s", leak, body))
		}
	}
	return out
}

// dbFingerprint returns, for every table, its row count and an md5 of its rows (with the
// last-use time of tokens left out), and the largest ids of the append-only logs. With logIDs
// the logs are read only up to those ids, so that new export and rejection entries do not count.
func dbFingerprint(t *testing.T, e *testEnv, logIDs map[string]int64) (map[string]string, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	pool := e.store.Pool()
	rows, err := pool.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> 'spatial_ref_sys' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("only %d tables in the schema: %v", len(tables), tables)
	}
	logs := map[string]bool{"audit": true, "fix_rejection": true}
	fp := map[string]string{}
	ids := map[string]int64{}
	for _, table := range tables {
		ident := strconv.Quote(table)
		where := ""
		if logs[table] {
			var maxID int64
			if err := pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM `+ident).Scan(&maxID); err != nil {
				t.Fatal(err)
			}
			ids[table] = maxID
			if logIDs != nil {
				maxID = logIDs[table]
			}
			where = " WHERE id <= " + strconv.FormatInt(maxID, 10)
		}
		var n int64
		var sum string
		drop := "'last_used'"
		if table == "fix_rejection" {
			// A copy of a kept refused request folds into its entry: one more repeat, the
			// latest reason and address.
			drop += " - 'repeats' - 'reason' - 'addr'"
		}
		q := `SELECT count(*), coalesce(md5(string_agg(r, ',' ORDER BY r)), '') FROM (SELECT (to_jsonb(t) - ` + drop + `)::text AS r FROM ` + ident + ` t` + where + `) x`
		if err := pool.QueryRow(ctx, q).Scan(&n, &sum); err != nil {
			t.Fatalf("fingerprint %s: %v", table, err)
		}
		fp[table] = fmt.Sprintf("%d rows %s", n, sum)
	}
	return fp, ids
}

func shorten(s string) string {
	if len(s) > 160 {
		return s[:160] + fmt.Sprintf("…(%d bytes)", len(s))
	}
	return s
}
