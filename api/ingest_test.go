package api_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/app/ingest/decode"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// exportedFix is one feature of GET /api/v1/fixes, as an analyst exports it.
type exportedFix struct {
	Lon, Lat float64
	Device   string
	Time     string
	Accuracy *float64
	Speed    *float64
	Heading  *float64
	Altitude *float64
	Battery  *float64
	Flags    []string
	Source   string
}

// exportFixes reads back every stored fix of a device of w1 in 2024 through the export.
func (e *testEnv) exportFixes(device string) []exportedFix {
	e.t.Helper()
	r := e.as("admin", "GET", "/api/v1/fixes?unit=w1&device="+device+"&from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z", nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("export: %d %s", r.status, r.body)
	}
	var fc struct {
		Features []struct {
			Geometry struct {
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties struct {
				Device   string   `json:"device"`
				Time     string   `json:"time"`
				Accuracy *float64 `json:"accuracy"`
				Speed    *float64 `json:"speed"`
				Heading  *float64 `json:"heading"`
				Altitude *float64 `json:"altitude"`
				Battery  *float64 `json:"battery"`
				Flags    []string `json:"flags"`
				Source   string   `json:"source"`
			} `json:"properties"`
		} `json:"features"`
	}
	r.json(e.t, &fc)
	out := make([]exportedFix, len(fc.Features))
	for i, f := range fc.Features {
		p := f.Properties
		out[i] = exportedFix{Lon: f.Geometry.Coordinates[0], Lat: f.Geometry.Coordinates[1], Device: p.Device, Time: p.Time,
			Accuracy: p.Accuracy, Speed: p.Speed, Heading: p.Heading, Altitude: p.Altitude, Battery: p.Battery, Flags: p.Flags, Source: p.Source}
	}
	return out
}

// wantFix is what a stored fix must hold; NaN means the value must be unknown (null).
type wantFix struct {
	time                                        string
	lat, lon                                    float64
	accuracy, speed, heading, altitude, battery float64
	flags                                       string // "|"-joined names
	source                                      string
}

var unknown = math.NaN()

// checkFixes compares the export with want, in time order; numbers are stored as real (float32).
func checkFixes(t *testing.T, got []exportedFix, want []wantFix) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d fixes stored, want %d: %+v", len(got), len(want), got)
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Time < got[j].Time })
	num := func(i int, name string, g *float64, w float64) {
		t.Helper()
		switch {
		case math.IsNaN(w) && g != nil:
			t.Errorf("fix %d (%s): %s = %v, want unknown", i, want[i].time, name, *g)
		case !math.IsNaN(w) && g == nil:
			t.Errorf("fix %d (%s): %s unknown, want %v", i, want[i].time, name, w)
		case !math.IsNaN(w) && math.Abs(*g-w) > 1e-4*math.Max(1, math.Abs(w)):
			t.Errorf("fix %d (%s): %s = %v, want %v", i, want[i].time, name, *g, w)
		}
	}
	for i, w := range want {
		g := got[i]
		if g.Time != w.time {
			t.Errorf("fix %d: time %s, want %s", i, g.Time, w.time)
		}
		if math.Abs(g.Lat-w.lat) > 1e-7 || math.Abs(g.Lon-w.lon) > 1e-7 {
			t.Errorf("fix %d (%s): at %v,%v, want %v,%v", i, w.time, g.Lat, g.Lon, w.lat, w.lon)
		}
		num(i, "accuracy", g.Accuracy, w.accuracy)
		num(i, "speed", g.Speed, w.speed)
		num(i, "heading", g.Heading, w.heading)
		num(i, "altitude", g.Altitude, w.altitude)
		num(i, "battery", g.Battery, w.battery)
		if flags := strings.Join(g.Flags, "|"); flags != w.flags {
			t.Errorf("fix %d (%s): flags %q, want %q", i, w.time, flags, w.flags)
		}
		if w.source != "" && g.Source != w.source {
			t.Errorf("fix %d (%s): source %q, want %q", i, w.time, g.Source, w.source)
		}
	}
}

// ingestReply decodes an IngestReply and checks its counts.
func wantReply(t *testing.T, r response, accepted, duplicates, rejected int) api.IngestReply {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var rep api.IngestReply
	r.json(t, &rep)
	if rep.Accepted != accepted || rep.Duplicates != duplicates || len(rep.Rejected) != rejected {
		t.Fatalf("reply %s, want %d accepted, %d duplicates, %d rejected", r.body, accepted, duplicates, rejected)
	}
	return rep
}

// rejections returns the rejection log as the admin reads it.
func (e *testEnv) rejections() []patrol.Rejection {
	e.t.Helper()
	r := e.as("admin", "GET", "/api/v1/rejections", nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("rejections: %d %s", r.status, r.body)
	}
	var body struct {
		Rejections []patrol.Rejection `json:"rejections"`
	}
	r.json(e.t, &body)
	return body.Rejections
}

// fixCount counts every stored fix.
func (e *testEnv) fixCount() int {
	e.t.Helper()
	var n int
	if err := e.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM fix`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestFixesBatchStoresValidItemsAndListsRejected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.device("w1", "phone-1", "officer1")
	body := `{"fixes":[
		{"device":"phone-1","time":"2024-03-01T15:00:00Z","lat":21.4701,"lon":105.8501,"accuracy":5,"speed":1.2,"heading":90,"altitude":30,"battery":80},
		{"device":"phone-1","time":"2024-03-01T15:00:05.123456Z","lat":21.47012,"lon":105.85015,"accuracy":150},
		{"device":"phone-1","time":"2024-03-01T15:00:10Z","lat":91,"lon":105.85},
		{"device":"phone-1","time":"soon","lat":21.47,"lon":105.85},
		{"device":"phone-1","time":1709305215,"lat":"21.47","lon":105.85},
		{"device":"ghost","time":"2024-03-01T15:00:20Z","lat":21.47,"lon":105.85},
		{"device":"ghost","time":"2024-03-01T15:00:25Z","lat":21.47,"lon":105.85},
		{"device":"phone-1","time":1709305230,"lat":21.47014,"lon":105.8502}
	]}`
	rep := wantReply(t, e.as("officer1", "POST", "/api/v1/fixes", body), 3, 0, 5)
	wantRejected := map[int]string{2: "lat", 3: "time", 4: "lat", 5: "device", 6: "device"}
	for _, r := range rep.Rejected {
		if wantRejected[r.Index] != r.Field {
			t.Errorf("rejected item %d names %q, want %q (%s)", r.Index, r.Field, wantRejected[r.Index], r.Error)
		}
	}
	checkFixes(t, e.exportFixes("phone-1"), []wantFix{
		{"2024-03-01T15:00:00Z", 21.4701, 105.8501, 5, 1.2, 90, 30, 80, "", "api"},
		{"2024-03-01T15:00:05.123456Z", 21.47012, 105.85015, 150, unknown, unknown, unknown, unknown, "low_accuracy", "api"},
		{"2024-03-01T15:00:30Z", 21.47014, 105.8502, unknown, unknown, unknown, unknown, unknown, "", "api"},
	})
	// Resending the same request changes nothing and counts the stored items as duplicates.
	wantReply(t, e.as("officer1", "POST", "/api/v1/fixes", body), 0, 3, 5)
	if n := e.fixCount(); n != 3 {
		t.Fatalf("%d fixes after the resend, want 3", n)
	}
	// The unknown device is in the rejection log once per request, the invalid items each.
	var ghost, invalid int
	for _, r := range e.rejections() {
		switch {
		case r.DeviceIdent == "ghost" && r.Reason == "unknown device":
			ghost++
		case r.DeviceIdent == "phone-1" && r.Source == "api":
			invalid++
		}
	}
	if ghost != 2 || invalid != 6 {
		t.Errorf("rejection log: %d unknown-device entries (want 2), %d invalid fixes (want 6)", ghost, invalid)
	}
}

func TestFixesGeoJSONAndFlags(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, secret := e.device("w1", "phone-1", "")
	// The device's secret as bearer token; the device may be left out of each item.
	first := `{"type":"FeatureCollection","features":[
		{"type":"Feature","geometry":{"type":"Point","coordinates":[105.8500,21.4700,28.5]},"properties":{"time":"2024-03-01T15:00:00Z","accuracy":6}},
		{"type":"Feature","geometry":{"type":"Point","coordinates":[105.8501,21.4700]},"properties":{"device":"phone-1","time":"2024-03-01T15:00:10Z","accuracy":6,"battery":77}}
	]}`
	wantReply(t, e.do("POST", "/api/v1/fixes", secret, first), 2, 0, 0)
	// The next batch is judged against the stored fix at 15:00:10: 10 km in 20 s is a jump.
	// Two items at the same time and different places are one fix, flagged duplicate.
	second := `{"type":"FeatureCollection","features":[
		{"type":"Feature","geometry":{"type":"Point","coordinates":[105.9500,21.4700]},"properties":{"time":"2024-03-01T15:00:30Z"}},
		{"type":"Feature","geometry":{"type":"Point","coordinates":[105.8503,21.4700]},"properties":{"time":"2024-03-01T15:00:40Z"}},
		{"type":"Feature","geometry":{"type":"Point","coordinates":[105.8504,21.4701]},"properties":{"time":"2024-03-01T15:00:40Z"}},
		{"type":"Feature","geometry":{"type":"LineString","coordinates":[[105.85,21.47],[105.86,21.47]]},"properties":{"time":"2024-03-01T15:00:50Z"}}
	]}`
	rep := wantReply(t, e.do("POST", "/api/v1/fixes", secret, second), 2, 1, 1)
	if rep.Rejected[0].Index != 3 || rep.Rejected[0].Field != "geometry" {
		t.Errorf("rejected %+v, want item 3 naming geometry", rep.Rejected[0])
	}
	checkFixes(t, e.exportFixes("phone-1"), []wantFix{
		{"2024-03-01T15:00:00Z", 21.47, 105.85, 6, unknown, unknown, 28.5, unknown, "", "api"},
		{"2024-03-01T15:00:10Z", 21.47, 105.8501, 6, unknown, unknown, unknown, 77, "", "api"},
		{"2024-03-01T15:00:30Z", 21.47, 105.95, unknown, unknown, unknown, unknown, unknown, "jump", "api"},
		{"2024-03-01T15:00:40Z", 21.47, 105.8503, unknown, unknown, unknown, unknown, unknown, "duplicate", "api"},
	})
	// A device secret may not write another device's fixes.
	e.device("w1", "phone-2", "")
	other := `{"fixes":[{"device":"phone-2","time":"2024-03-01T15:01:00Z","lat":21.47,"lon":105.85}]}`
	wantProblem(t, e.do("POST", "/api/v1/fixes", secret, other), http.StatusForbidden, "device")
}

func TestFixesLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.device("w1", "phone-1", "")
	big := `{"fixes":[` + strings.Repeat(`{},`, decode.MaxFixesPerRequest) + `{}]}`
	r := e.as("admin", "POST", "/api/v1/fixes", big)
	wantProblem(t, r, http.StatusRequestEntityTooLarge, "fixes")
	if !strings.Contains(string(r.body), "50000") {
		t.Errorf("413 does not name the limit: %s", r.body)
	}
	wantProblem(t, e.as("admin", "POST", "/api/v1/fixes", `{"fixes":`), http.StatusBadRequest, "body")
	wantProblem(t, e.as("admin", "POST", "/api/v1/fixes", `{"points":[]}`), http.StatusBadRequest, "fixes")
	wantProblem(t, e.do("POST", "/api/v1/fixes", "", `{"fixes":[]}`), http.StatusUnauthorized, "")
}

// unavailableBackend is a database that fails every write as unreachable.
type unavailableBackend struct{ *store.Store }

func (unavailableBackend) StoreFixes(context.Context, []patrol.Fix) ([]patrol.StoreOutcome, error) {
	return nil, fmt.Errorf("%w: the test says so", patrol.ErrUnavailable)
}

func TestIngestDatabaseTroubleIs503WithRetryAfter(t *testing.T) {
	t.Parallel()
	s := storetest.New(t)
	ctx := context.Background()
	u, err := s.CreateUnit(ctx, patrol.Unit{Code: "w1", Name: "w1", TimeZone: "Asia/Ho_Chi_Minh", NightStart: "22:00", NightEnd: "05:00", H3Res: 10})
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := s.CreateDevice(ctx, u.ID, "phone-1", "")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.New(api.Config{}, unavailableBackend{s}, nil, nil).Handler())
	defer srv.Close()
	for _, tc := range []struct{ name, method, path, ctype, body, auth string }{
		{"osmand", "GET", "/osmand?id=phone-1&lat=21.47&lon=105.85&timestamp=1709305200&key=" + secret, "", "", ""},
		{"owntracks", "POST", "/owntracks", "application/json", `{"_type":"location","lat":21.47,"lon":105.85,"tst":1709305200}`,
			"Basic " + base64.StdEncoding.EncodeToString([]byte("phone-1:"+secret))},
		{"fixes", "POST", "/api/v1/fixes", "application/json", `{"fixes":[{"time":"2024-03-01T15:00:00Z","lat":21.47,"lon":105.85}]}`, "Bearer " + secret},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
				t.Fatalf("status %d, Retry-After %q; want 503 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
			}
		})
	}
	var n int
	s.Pool().QueryRow(ctx, `SELECT count(*) FROM fix`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d fixes stored", n)
	}
}

func TestOwnTracks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, secret := e.device("w1", "c1-phone", "")
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("c1-phone:"+secret))
	post := func(body string, header ...string) response {
		return e.do("POST", "/owntracks", "", body, append([]string{"Authorization", basic, "X-Limit-U", "c1", "X-Limit-D", "c1-phone"}, header...)...)
	}
	// The message exactly as the OwnTracks Android app posts it in HTTP mode.
	location := `{"_type":"location","BSSID":"a4:2b:b0:11:22:33","SSID":"CAPHUONG","acc":9,"alt":31,"batt":87,"bs":1,"cog":270,` +
		`"conn":"w","created_at":1709305262,"lat":21.4701234,"lon":105.8504321,"m":1,"t":"u","tid":"c1","tst":1709305260,"vac":3,"vel":18}`
	for i := 0; i < 2; i++ { // the second time is a resend
		r := post(location)
		if r.status != http.StatusOK || string(r.body) != "[]" || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Fatalf("location: %d %q %s", r.status, r.header.Get("Content-Type"), r.body)
		}
	}
	// Other message types are acknowledged and ignored; so is a location that is not a fix,
	// which goes to the rejection log.
	for _, body := range []string{
		`{"_type":"transition","acc":10,"desc":"Chợ phường","event":"enter","lat":21.47,"lon":105.85,"t":"c","tid":"c1","tst":1709305300,"wtst":1709000000}`,
		`{"_type":"lwt","tst":1709305300}`,
		`{"_type":"location","lat":121.47,"lon":105.85,"tst":1709305320,"tid":"c1"}`,
	} {
		if r := post(body); r.status != http.StatusOK || string(r.body) != "[]" {
			t.Fatalf("%s: %d %s", body, r.status, r.body)
		}
	}
	checkFixes(t, e.exportFixes("c1-phone"), []wantFix{
		{"2024-03-01T15:01:00Z", 21.4701234, 105.8504321, 9, 5, 270, 31, 87, "", "owntracks"},
	})
	found := false
	for _, r := range e.rejections() {
		if r.DeviceIdent == "c1-phone" && r.Source == "owntracks" && strings.HasPrefix(r.Reason, "lat:") && strings.Contains(r.Raw, "121.47") {
			found = true
		}
	}
	if !found {
		t.Errorf("the invalid location is not in the rejection log: %+v", e.rejections())
	}
	// Without credentials: 401 asking for Basic auth, logged under the device OwnTracks names.
	r := e.do("POST", "/owntracks", "", location, "X-Limit-D", "c9-phone")
	wantProblem(t, r, http.StatusNotFound, "user")
	r = e.do("POST", "/owntracks", "", location)
	wantProblem(t, r, http.StatusUnauthorized, "authorization")
	if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
	}
	// A wrong secret is refused before anything is read.
	wrong := "Basic " + base64.StdEncoding.EncodeToString([]byte("c1-phone:not-the-secret"))
	wantProblem(t, e.do("POST", "/owntracks", "", location, "Authorization", wrong), http.StatusUnauthorized, "")
	wantProblem(t, post(`{"_type":"location","lat":`), http.StatusBadRequest, "body")
	if n := e.fixCount(); n != 1 {
		t.Fatalf("%d fixes stored, want 1", n)
	}
	var logged bool
	for _, r := range e.rejections() {
		if r.DeviceIdent == "c9-phone" && r.Reason == "unknown device" {
			logged = true
		}
	}
	if !logged {
		t.Errorf("the unknown OwnTracks device is not in the rejection log")
	}
}

// Text PostgreSQL cannot hold (NUL, invalid UTF-8) is refused by name, never a 500.
func TestIngestRefusesUnstorableText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.device("w1", "phone-1", "")
	rep := wantReply(t, e.as("admin", "POST", "/api/v1/fixes",
		`{"fixes":[{"device":"a\u0000b","time":"2024-03-01T15:00:00Z","lat":21.47,"lon":105.85},{"device":"phone-1","time":"2024-03-01T15:00:00Z","lat":21.47,"lon":105.85}]}`), 1, 0, 1)
	if rep.Rejected[0].Field != "device" {
		t.Errorf("rejected %+v", rep.Rejected)
	}
	wantProblem(t, e.do("GET", "/osmand?id=%FF%00&lat=21.47&lon=105.85&timestamp=1709305200", "", nil), http.StatusBadRequest, "id")
	wantProblem(t, e.do("POST", "/owntracks", "", `{"_type":"location"}`, "X-Limit-D", "\xff"), http.StatusBadRequest, "user")
	wantProblem(t, e.as("admin", "POST", "/api/v1/gpx?device=%00", "<gpx/>"), http.StatusBadRequest, "device")
	wantProblem(t, e.as("admin", "POST", "/api/v1/incidents/csv?unit=w1", "time,lat,lon,category,description\n2024-03-01T15:00:00Z,21.47,105.85,theft,a\x00b\n"),
		http.StatusBadRequest, "csv")
}
