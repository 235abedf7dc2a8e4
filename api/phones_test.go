package api_test

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// phoneNow is the server clock of the stock-settings tests: a fix without a time is stored at
// it, to the microsecond.
var phoneNow = time.Date(2024, 3, 1, 15, 30, 0, 123456000, time.UTC)

func newPhoneEnv(t *testing.T) *testEnv {
	t.Helper()
	return newEnvWithStore(t, storetest.New(t), api.Config{Now: func() time.Time { return phoneNow }})
}

// TestStockPhoneSettings replays the requests each tracking app sends when an officer types
// only the server URL, the device id and the key into its stock settings: every one is stored,
// with the flags it deserves, and a resend is a duplicate.
func TestStockPhoneSettings(t *testing.T) {
	t.Parallel()
	e := newPhoneEnv(t)
	_, key := e.device("w1", "860123456789012", "")
	_, otKey := e.device("w1", "c1-phone", "")
	osm := httptest.NewServer(e.api.OsmAndHandler()) // --osmand-addr, Traccar's port 5055
	defer osm.Close()
	const kn = 1852.0 / 3600
	shapes := []struct {
		name, base, method, path, ctype, body string
		want                                  wantFix
	}{{
		name: "Traccar Client for Android: POST, empty body, everything in the query",
		base: e.srv.URL, method: "POST",
		path: "/osmand?id=860123456789012&timestamp=1709305200&lat=21.4701&lon=105.8501&speed=0.0&bearing=0.0&altitude=30.0&accuracy=4.0&batt=87.0&charge=false&key=" + key,
		want: wantFix{"2024-03-01T15:00:00Z", 21.4701, 105.8501, 4, 0, 0, 30, 87, "", "osmand"},
	}, {
		name: "Traccar Client for Android with a mock location provider",
		base: e.srv.URL, method: "POST",
		path: "/osmand?id=860123456789012&timestamp=1709305201&lat=21.4702&lon=105.8502&speed=0.0&bearing=0.0&altitude=30.0&accuracy=3.0&batt=87.0&mock=true&key=" + key,
		want: wantFix{"2024-03-01T15:00:01Z", 21.4702, 105.8502, 3, 0, 0, 30, 87, "mock", "osmand"},
	}, {
		name: "Traccar Client 9, URL http://host:5055?key=S joined to key=S/, JSON without mock",
		base: osm.URL, method: "POST", path: "/?key=" + key + "/", ctype: "application/json",
		body: `{"location":{"event":"motionchange","is_moving":true,"uuid":"8ee2d6f4-3b1a-4c61-9d0e-2f1f6a1b7c11","timestamp":"2024-03-01T15:00:20.500Z",` +
			`"odometer":1523.4,"coords":{"latitude":21.47025,"longitude":105.85016,"accuracy":4.9,"speed":1.42,"speed_accuracy":0.5,` +
			`"heading":92.3,"heading_accuracy":12.1,"altitude":31.7,"ellipsoidal_altitude":31.7,"altitude_accuracy":3.2,"age":48},` +
			`"activity":{"type":"walking","confidence":100},"battery":{"is_charging":false,"level":0.84},"extras":{}},"device_id":"860123456789012"}`,
		want: wantFix{"2024-03-01T15:00:20.5Z", 21.47025, 105.85016, 4.9, 1.42, 92.3, 31.7, 84, "", "osmand"},
	}, {
		name: "Traccar Client 9 on /osmand with key=S/, JSON with mock",
		base: e.srv.URL, method: "POST", path: "/osmand?key=" + key + "/", ctype: "application/json",
		body: `{"location":{"event":"","is_moving":true,"uuid":"0b7c2a9e-55d1-4f0e-9a57-1d3c8f0e6a22","timestamp":"2024-03-01T15:00:25.000Z",` +
			`"odometer":1530.1,"mock":true,"coords":{"latitude":21.4703,"longitude":105.8502,"accuracy":3.9,"speed":0.8,` +
			`"heading":90,"altitude":31.9},"activity":{"type":"still","confidence":75},"battery":{"is_charging":true,"level":0.83},"extras":{}},"device_id":"860123456789012"}`,
		want: wantFix{"2024-03-01T15:00:25Z", 21.4703, 105.8502, 3.9, 0.8, 90, 31.9, 83, "mock", "osmand"},
	}, {
		name: "Traccar Client 9, is_mock",
		base: osm.URL, method: "POST", path: "/?key=" + key + "/", ctype: "application/json",
		body: `{"location":{"timestamp":"2024-03-01T15:00:26Z","is_mock":true,"coords":{"latitude":21.47031,"longitude":105.85021,"accuracy":3.9,` +
			`"speed":-1,"heading":-1,"altitude":31.9},"is_moving":false,"odometer":1530,"battery":{"is_charging":true,"level":0.83}},"device_id":"860123456789012"}`,
		want: wantFix{"2024-03-01T15:00:26Z", 21.47031, 105.85021, 3.9, unknown, unknown, 31.9, 83, "mock", "osmand"},
	}, {
		name: "Traccar Client 10: form POST on the 5055 listener, key=S/ in the URL",
		base: osm.URL, method: "POST", path: "/?key=" + key + "/", ctype: "application/x-www-form-urlencoded",
		body: "id=860123456789012&timestamp=1709305230&lat=21.47035&lon=105.85025&speed=2.5&bearing=87.5&altitude=31.2&accuracy=6.4&batt=86&charge=false",
		want: wantFix{"2024-03-01T15:00:30Z", 21.47035, 105.85025, 6.4, 2.5 * kn, 87.5, 31.2, 86, "", "osmand"},
	}, {
		name: "Traccar Client 10: form POST with the key in the form",
		base: e.srv.URL, method: "POST", path: "/osmand", ctype: "application/x-www-form-urlencoded",
		body: "id=860123456789012&timestamp=1709305235&lat=21.47036&lon=105.85026&speed=0&bearing=0&altitude=31.2&accuracy=6.4&batt=86&charge=true&mock=false&key=" + key,
		want: wantFix{"2024-03-01T15:00:35Z", 21.47036, 105.85026, 6.4, 0, 0, 31.2, 86, "", "osmand"},
	}, {
		name: "OsmAnd live tracking: GET, epoch milliseconds, accuracy as hdop",
		base: e.srv.URL, method: "GET",
		path: "/osmand?id=860123456789012&lat=21.4704&lon=105.85030&timestamp=1709305240000&hdop=7.5&altitude=31.0&speed=1.9&key=" + key,
		want: wantFix{"2024-03-01T15:00:40Z", 21.4704, 105.8503, 7.5, 1.9 * kn, unknown, 31, unknown, "", "osmand"},
	}, {
		name: "GPSLogger custom URL: GET, ISO 8601 time",
		base: e.srv.URL, method: "GET",
		path: "/osmand?id=860123456789012&key=" + key + "&lat=21.47045&lon=105.85045&timestamp=2024-03-01T15:00:45.250Z&accuracy=12.0&altitude=30.5&bearing=270.0&batt=85.0",
		want: wantFix{"2024-03-01T15:00:45.25Z", 21.47045, 105.85045, 12, unknown, 270, 30.5, 85, "", "osmand"},
	}, {
		name: "OsmAnd-protocol report without timestamp (as in Traccar's own decoder cases): stored at receive time",
		base: osm.URL, method: "GET", path: "/?lat=21.4705&lon=105.8504&deviceid=860123456789012&hacc=9&vacc=12&key=" + key,
		want: wantFix{"2024-03-01T15:30:00.123456Z", 21.4705, 105.8504, 9, unknown, unknown, unknown, unknown, "server_time", "osmand"},
	}}
	var want []wantFix
	for _, sh := range shapes {
		r := rawRequest(t, sh.base, sh.method, sh.path, sh.ctype, sh.body)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", sh.name, r.status, r.body)
		}
		wantReply(t, r, 1, 0, 0)
		want = append(want, sh.want)
	}
	checkFixes(t, e.exportFixes("860123456789012"), want)
	for _, sh := range shapes {
		wantReply(t, rawRequest(t, sh.base, sh.method, sh.path, sh.ctype, sh.body), 0, 1, 0)
	}

	// OwnTracks in HTTP mode as the app sets itself up: Basic auth with the device id and the
	// key, and its own X-Limit-U (the username) and X-Limit-D (the Device ID, by default the
	// phone's build name), which differ from the Basic user.
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("c1-phone:"+otKey))
	for i, hdr := range [][]string{
		{"X-Limit-U", "c1-phone", "X-Limit-D", "pixel7"},
		{"X-Limit-U", "officer", "X-Limit-D", "SM-A155F"},
		{},
	} {
		body := fmt.Sprintf(`{"_type":"location","BSSID":"a4:2b:b0:11:22:33","SSID":"CAPHUONG","acc":9,"alt":31,"batt":87,"bs":1,"cog":270,`+
			`"conn":"w","created_at":1709305262,"lat":21.4701234,"lon":105.8504321,"m":1,"t":"u","tid":"c1","tst":%d,"vac":3,"vel":18}`, 1709305260+2*i)
		r := e.do("POST", "/owntracks", "", body, append([]string{"Authorization", basic, "User-Agent", "Owntracks-Android/2.5.5"}, hdr...)...)
		if r.status != http.StatusOK || string(r.body) != "[]" {
			t.Fatalf("OwnTracks with headers %v: %d %s", hdr, r.status, r.body)
		}
	}
	// A boolean mock mark is read; OwnTracks' numeric m (monitoring mode) is not a mock mark.
	r := e.do("POST", "/owntracks", "", `{"_type":"location","acc":5,"lat":21.4702,"lon":105.8505,"m":true,"tid":"c1","tst":1709305300}`,
		"Authorization", basic, "X-Limit-U", "officer", "X-Limit-D", "pixel7")
	if r.status != http.StatusOK {
		t.Fatalf("OwnTracks mock: %d %s", r.status, r.body)
	}
	checkFixes(t, e.exportFixes("c1-phone"), []wantFix{
		{"2024-03-01T15:01:00Z", 21.4701234, 105.8504321, 9, 5, 270, 31, 87, "", "owntracks"},
		{"2024-03-01T15:01:02Z", 21.4701234, 105.8504321, 9, 5, 270, 31, 87, "", "owntracks"},
		{"2024-03-01T15:01:04Z", 21.4701234, 105.8504321, 9, 5, 270, 31, 87, "", "owntracks"},
		{"2024-03-01T15:01:40Z", 21.4702, 105.8505, 5, unknown, unknown, unknown, unknown, "mock", "owntracks"},
	})
}

// TestOsmAndKeySlashIsOnlyOneSlash: the key may carry Traccar Client 9's one trailing slash,
// nothing more.
func TestOsmAndKeySlashIsOnlyOneSlash(t *testing.T) {
	t.Parallel()
	e := newPhoneEnv(t)
	_, key := e.device("w1", "phone-1", "")
	fix := "&id=phone-1&lat=21.47&lon=105.85&timestamp=1709305200"
	wantProblem(t, rawRequest(t, e.srv.URL, "GET", "/osmand?key="+key+"//"+fix, "", ""), http.StatusUnauthorized, "key")
	wantProblem(t, rawRequest(t, e.srv.URL, "GET", "/osmand?key="+key[:len(key)-1]+"/"+fix, "", ""), http.StatusUnauthorized, "key")
	wantReply(t, rawRequest(t, e.srv.URL, "GET", "/osmand?key="+url.QueryEscape(key+"/")+fix, "", ""), 1, 0, 0)
}

// TestMockFixesCountForNothing: a phone that reports mock positions covers nothing, and the
// report says how many mock fixes each device sent.
func TestMockFixesCountForNothing(t *testing.T) {
	t.Parallel()
	e := newEnvWithStore(t, storetest.New(t), api.Config{Now: func() time.Time { return at(3, 2, 12, 0, 0) }})
	_, fakeKey := e.device("w1", "faker", "")
	_, realKey := e.device("w1", "honest", "")
	a := newSpot(t, "market", 105.8475, 21.4675)
	b := newSpot(t, "school", 105.8525, 21.4725)
	send := func(device, key string, s spot, mock bool) {
		t.Helper()
		for m := 0; m <= 20; m++ {
			ts := at(3, 1, 22, m, 0)
			q := url.Values{"id": {device}, "key": {key}, "lat": {fmt.Sprint(s.pt[1])}, "lon": {fmt.Sprint(s.pt[0])},
				"timestamp": {fmt.Sprint(ts.Unix())}, "accuracy": {"5"}}
			if mock {
				q.Set("mock", "true")
			}
			wantReply(t, rawRequest(t, e.srv.URL, "GET", "/osmand?"+q.Encode(), "", ""), 1, 0, 0)
		}
	}
	send("faker", fakeKey, a, true)
	send("honest", realKey, b, false)
	got := getCoverage(t, e, "analyst1", "unit=w1&from=2024-03-01&to=2024-03-02")
	if _, ok := got[a.cell.String()]; ok {
		t.Errorf("mock fixes covered %s: %+v", a.name, got)
	}
	wantCell(t, got, b, 1, 1200, 1, at(3, 1, 22, 20, 0))
	for _, dev := range []string{"faker", "honest"} {
		if got := getCoverage(t, e, "analyst1", "unit=w1&from=2024-03-01&to=2024-03-02&device="+dev); (len(got) == 0) != (dev == "faker") {
			t.Errorf("coverage of %s alone: %v", dev, got)
		}
	}
	r := e.as("analyst1", "GET", "/api/v1/report?unit=w1&from=2024-03-01&to=2024-03-02&lang=en", nil)
	if r.status != http.StatusOK {
		t.Fatalf("report: %d %s", r.status, r.body)
	}
	if !strings.Contains(string(r.body), "Mock (fake) GPS fixes per device, not counted") || !strings.Contains(string(r.body), "faker: 21") {
		t.Errorf("the report does not disclose the mock fixes")
	}
	if strings.Contains(string(r.body), "honest: ") {
		t.Errorf("the report lists a device without mock fixes")
	}
}
