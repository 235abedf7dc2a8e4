package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// rawRequest sends exactly this method, path, content type and body (no Authorization), as a
// tracking app does, to base.
func rawRequest(t *testing.T, base, method, path, contentType, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("User-Agent", "okhttp/4.12.0")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}
}

func TestOsmAndClientShapes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, key := e.device("w1", "860123456789012", "")
	const kn = 1852.0 / 3600
	shapes := []struct {
		name, method, path, ctype, body string
		want                            wantFix
	}{{
		name:   "old Traccar Client for Android: POST, empty body, all in the query",
		method: "POST",
		path:   "/osmand?id=860123456789012&timestamp=1709305200&lat=21.4701&lon=105.8501&speed=0.0&bearing=0.0&altitude=30.0&accuracy=0.0&batt=87.0&key=" + key,
		want:   wantFix{"2024-03-01T15:00:00Z", 21.4701, 105.8501, 0, 0, 0, 30, 87, "", "osmand"},
	}, {
		name:   "Traccar Client 10: form POST, speed in knots",
		method: "POST", path: "/osmand", ctype: "application/x-www-form-urlencoded",
		body: "id=860123456789012&timestamp=1709305205&lat=21.47015&lon=105.85012&speed=2.5&bearing=87.5&altitude=31.2&accuracy=6.4&batt=86&charge=false&key=" + key,
		want: wantFix{"2024-03-01T15:00:05Z", 21.47015, 105.85012, 6.4, 2.5 * kn, 87.5, 31.2, 86, "", "osmand"},
	}, {
		name:   "OsmAnd live tracking: GET, epoch milliseconds, accuracy as hdop",
		method: "GET",
		path:   "/osmand?id=860123456789012&lat=21.4702&lon=105.85014&timestamp=1709305210000&hdop=7.5&altitude=31.0&speed=1.9&key=" + key,
		want:   wantFix{"2024-03-01T15:00:10Z", 21.4702, 105.85014, 7.5, 1.9 * kn, unknown, 31, unknown, "", "osmand"},
	}, {
		name:   "GPSLogger: GET, deviceid, ISO 8601 time",
		method: "GET",
		path:   "/osmand?deviceid=860123456789012&lat=21.47021&lon=105.85016&timestamp=2024-03-01T15:00:15.250Z&accuracy=12.0&altitude=30.5&speed=0.0&bearing=270.0&batt=85&key=" + key,
		want:   wantFix{"2024-03-01T15:00:15.25Z", 21.47021, 105.85016, 12, 0, 270, 30.5, 85, "", "osmand"},
	}, {
		name:   "Traccar Client 9: JSON body, speed in m/s, battery level 0..1",
		method: "POST", path: "/osmand?key=" + key, ctype: "application/json",
		body: `{"location":{"event":"motionchange","is_moving":true,"uuid":"8ee2d6f4-3b1a-4c61-9d0e-2f1f6a1b7c11","timestamp":"2024-03-01T15:00:20.500Z",` +
			`"odometer":1523.4,"coords":{"latitude":21.47025,"longitude":105.85016,"accuracy":4.9,"speed":1.42,"speed_accuracy":0.5,` +
			`"heading":92.3,"heading_accuracy":12.1,"altitude":31.7,"ellipsoidal_altitude":31.7,"altitude_accuracy":3.2,"age":48},` +
			`"activity":{"type":"walking","confidence":100},"battery":{"is_charging":false,"level":0.84},"extras":{}},"device_id":"860123456789012"}`,
		want: wantFix{"2024-03-01T15:00:20.5Z", 21.47025, 105.85016, 4.9, 1.42, 92.3, 31.7, 84, "", "osmand"},
	}, {
		name:   "Traccar Client 9: negative speed and heading mean unknown",
		method: "POST", path: "/osmand?key=" + key, ctype: "application/json; charset=utf-8",
		body: `{"location":{"timestamp":"2024-03-01T15:00:25Z","coords":{"latitude":21.4703,"longitude":105.8502,"accuracy":3.9,` +
			`"speed":-1,"heading":-1,"altitude":31.9},"is_moving":false,"odometer":1530,"battery":{"is_charging":true,"level":-1}},"device_id":"860123456789012"}`,
		want: wantFix{"2024-03-01T15:00:25Z", 21.4703, 105.8502, 3.9, unknown, unknown, 31.9, unknown, "", "osmand"},
	}, {
		name:   "location=lat,lon",
		method: "GET", path: "/osmand?id=860123456789012&location=21.4704%2C105.8503&timestamp=1709305230&key=" + key,
		want: wantFix{"2024-03-01T15:00:30Z", 21.4704, 105.8503, unknown, unknown, unknown, unknown, unknown, "", "osmand"},
	}}
	var want []wantFix
	for _, sh := range shapes {
		r := rawRequest(t, e.srv.URL, sh.method, sh.path, sh.ctype, sh.body)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", sh.name, r.status, r.body)
		}
		wantReply(t, r, 1, 0, 0)
		want = append(want, sh.want)
	}
	checkFixes(t, e.exportFixes("860123456789012"), want)
	// Phones resend what they are not sure was received: every resend is a duplicate.
	for _, sh := range shapes {
		wantReply(t, rawRequest(t, e.srv.URL, sh.method, sh.path, sh.ctype, sh.body), 0, 1, 0)
	}
	if n := e.fixCount(); n != len(shapes) {
		t.Fatalf("%d fixes after the resends, want %d", n, len(shapes))
	}
	// The --osmand-addr listener speaks the same protocol at /.
	osm := httptest.NewServer(e.api.OsmAndHandler())
	defer osm.Close()
	r := rawRequest(t, osm.URL, "POST", "/?id=860123456789012&timestamp=1709305240&lat=21.4705&lon=105.8504&speed=1.0&bearing=10.0&altitude=32.0&accuracy=5.0&batt=84.0&key="+key, "", "")
	wantReply(t, r, 1, 0, 0)
	if r := rawRequest(t, osm.URL, "GET", "/other", "", ""); r.status != http.StatusNotFound {
		t.Errorf("the OsmAnd listener answers %d at /other", r.status)
	}
}

func TestOsmAndRefusesUnknownAndUnauthenticatedDevices(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, key1 := e.device("w1", "phone-1", "")
	_, key2 := e.device("w1", "phone-2", "")
	fix := "&lat=21.47&lon=105.85&timestamp=1709305200"
	wantProblem(t, rawRequest(t, e.srv.URL, "GET", "/osmand?id=ghost"+fix, "", ""), http.StatusNotFound, "id")
	wantProblem(t, rawRequest(t, e.srv.URL, "GET", "/osmand?id=phone-1"+fix, "", ""), http.StatusUnauthorized, "key")
	wantProblem(t, rawRequest(t, e.srv.URL, "GET", "/osmand?id=phone-1&key=not-a-key"+fix, "", ""), http.StatusUnauthorized, "key")
	// (A refused request that holds a fix is kept, and identical copies fold into one entry:
	// this one differs from the last by its time.)
	wantProblem(t, rawRequest(t, e.srv.URL, "GET", "/osmand?id=phone-1&key="+key2+fix+"5", "", ""), http.StatusForbidden, "id")
	wantProblem(t, rawRequest(t, e.srv.URL, "POST", "/osmand?key="+key1, "application/json", `{"device_id":"phone-1","location":`), http.StatusBadRequest, "body")
	if n := e.fixCount(); n != 0 {
		t.Fatalf("%d fixes stored", n)
	}
	reasons := map[string]string{}
	for _, r := range e.rejections() {
		if r.Source != "osmand" {
			continue
		}
		reasons[r.DeviceIdent+" "+r.Reason] = r.Raw
		if strings.Contains(r.Raw, key1) || strings.Contains(r.Raw, key2) {
			t.Errorf("the rejection log keeps a device key: %s", r.Raw)
		}
	}
	for _, want := range []string{"ghost unknown device", "phone-1 no device credentials", "phone-1 unknown or revoked device key", "phone-1 the key belongs to another device"} {
		if _, ok := reasons[want]; !ok {
			t.Errorf("no rejection %q in %v", want, reasons)
		}
	}
	if raw := reasons["phone-1 the key belongs to another device"]; !strings.Contains(raw, "key=REDACTED") {
		t.Errorf("raw request %q", raw)
	}
	// The same refusal again is not logged again for a while.
	before := len(e.rejections())
	rawRequest(t, e.srv.URL, "GET", "/osmand?id=ghost"+fix, "", "")
	if after := len(e.rejections()); after != before {
		t.Errorf("a repeated refusal was logged again (%d entries, then %d)", before, after)
	}
}

func TestOsmAndInvalidFixIsAnsweredAndLogged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, key := e.device("w1", "phone-1", "")
	for _, tc := range []struct{ query, field string }{
		{"lat=91.2&lon=105.85&timestamp=1709305200", "lat"},
		{"lat=0&lon=0&timestamp=1709305200", "lat"},
		{"lat=21.47&lon=105.85&timestamp=-5", "timestamp"},
		{"lat=21.47&lon=105.85&timestamp=yesterday", "timestamp"},
		{"lat=21.47&lon=abc&timestamp=1709305200", "lon"},
		{"lat=21.47&lon=105.85&timestamp=1709305200&speed=900", "speed"},
		{"lat=21.47&lon=105.85&timestamp=1709305200&batt=250", "batt"},
		{"location=21.47&timestamp=1709305200", "location"},
		{"lat=21.47&lon=105.85&timestamp=4102444800", "timestamp"},
	} {
		r := rawRequest(t, e.srv.URL, "GET", "/osmand?id=phone-1&key="+key+"&"+tc.query, "", "")
		rep := wantReply(t, r, 0, 0, 1)
		if rep.Rejected[0].Field != tc.field {
			t.Errorf("%s: rejected as %+v, want field %s", tc.query, rep.Rejected[0], tc.field)
		}
	}
	if n := e.fixCount(); n != 0 {
		t.Fatalf("%d invalid fixes stored", n)
	}
	n := 0
	for _, r := range e.rejections() {
		if r.DeviceIdent == "phone-1" && r.UnitID == e.units["w1"].ID {
			n++
		}
	}
	if n != 9 {
		t.Errorf("%d rejection log entries for phone-1, want 9", n)
	}
}

func TestOsmAndGroupCommitAnswersEachRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const devices, perDevice = 8, 12
	keys := make([]string, devices)
	for d := range keys {
		_, keys[d] = e.device("w1", fmt.Sprintf("phone-%d", d), "")
	}
	// Every fix is sent twice at once, so some pairs share a group commit: exactly one of
	// each pair is stored and every request gets its own answer after commit.
	type result struct{ accepted, duplicates int }
	results := make(chan result, devices*perDevice*2)
	var wg sync.WaitGroup
	for d := 0; d < devices; d++ {
		for i := 0; i < perDevice; i++ {
			path := fmt.Sprintf("/osmand?id=phone-%d&key=%s&lat=%.5f&lon=105.85&timestamp=%d", d, keys[d], 21.47+float64(i)*1e-4, 1709305200+5*i)
			for n := 0; n < 2; n++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req, _ := http.NewRequestWithContext(context.Background(), "GET", e.srv.URL+path, nil)
					res, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					defer res.Body.Close()
					b, _ := io.ReadAll(res.Body)
					r := response{status: res.StatusCode, body: b}
					if r.status != http.StatusOK {
						t.Errorf("%s: %d %s", path, r.status, b)
						return
					}
					var rep struct{ Accepted, Duplicates int }
					r.json(t, &rep)
					results <- result{rep.Accepted, rep.Duplicates}
				}()
			}
		}
	}
	wg.Wait()
	close(results)
	var accepted, duplicates int
	for r := range results {
		if r.accepted+r.duplicates != 1 {
			t.Errorf("a request was answered %+v", r)
		}
		accepted += r.accepted
		duplicates += r.duplicates
	}
	if accepted != devices*perDevice || duplicates != devices*perDevice {
		t.Fatalf("%d accepted, %d duplicates; want %d each", accepted, duplicates, devices*perDevice)
	}
	if n := e.fixCount(); n != devices*perDevice {
		t.Fatalf("%d fixes stored, want %d", n, devices*perDevice)
	}
}

func TestOsmAndRotatedSecretStopsWorking(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d, old := e.device("w1", "phone-1", "")
	send := func(key string, ts int) response {
		return rawRequest(t, e.srv.URL, "GET", fmt.Sprintf("/osmand?id=phone-1&key=%s&lat=21.47&lon=105.85&timestamp=%d", key, ts), "", "")
	}
	wantReply(t, send(old, 1709305200), 1, 0, 0) // checked once, then cached
	fresh, err := e.store.RotateDeviceSecret(context.Background(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.api.ForgetDeviceSecrets(d.ID)
	wantProblem(t, send(old, 1709305205), http.StatusUnauthorized, "key")
	wantReply(t, send(fresh, 1709305210), 1, 0, 0)
}
