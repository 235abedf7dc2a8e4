package api_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/patrol"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// knocking reads GET /api/v1/rejections/devices as the admin, by device id.
func (e *testEnv) knocking() map[string]patrol.KnockingDevice {
	e.t.Helper()
	r := e.as("admin", "GET", "/api/v1/rejections/devices", nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("knocking devices: %d %s", r.status, r.body)
	}
	var body struct{ Devices []patrol.KnockingDevice }
	r.json(e.t, &body)
	out := map[string]patrol.KnockingDevice{}
	for _, d := range body.Devices {
		out[d.Ident] = d
	}
	return out
}

type replayReply struct {
	Accepted, Duplicates, Rejected int
	OffDuty                        int `json:"off_duty"`
}

func (e *testEnv) replay(user, ident string) (response, replayReply) {
	e.t.Helper()
	r := e.as(user, "POST", "/api/v1/devices/"+url.PathEscape(ident)+"/replay", nil)
	var rep replayReply
	if r.status == http.StatusOK {
		r.json(e.t, &rep)
	}
	return r, rep
}

// TestReplayKeptRefusals: phones refused because they are not registered yet, or carry a wrong
// key, keep knocking; their requests are kept, listed with their count, and once an admin has
// registered the device, a replay stores each fix exactly once at its own time, is audited, and
// a second replay stores nothing.
func TestReplayKeptRefusals(t *testing.T) {
	t.Parallel()
	var clock atomic.Int64
	clock.Store(phoneNow.UnixMicro())
	e := newEnvWithStore(t, storetest.New(t), api.Config{Now: func() time.Time { return time.UnixMicro(clock.Load()).UTC() }})
	_, oldKey := e.device("w1", "gps-77", "") // registered, but the phone has a wrong key
	// 1. A Traccar Client that is not registered: query POSTs, each retried once (identical).
	for i := 0; i < 3; i++ {
		path := fmt.Sprintf("/osmand?id=tc-new&timestamp=%d&lat=21.47%d&lon=105.85&accuracy=5&batt=80&key=guessed", 1709305200+10*i, i)
		for try := 0; try < 2; try++ {
			wantProblem(t, rawRequest(t, e.srv.URL, "POST", path, "", ""), http.StatusUnauthorized, "key")
		}
	}
	// …one report without timestamp, and one that is not a fix (nothing to keep).
	wantProblem(t, rawRequest(t, e.srv.URL, "GET", "/osmand?id=tc-new&lat=21.4709&lon=105.8509", "", ""), http.StatusNotFound, "id")
	wantProblem(t, rawRequest(t, e.srv.URL, "GET", "/osmand?id=tc-new&lat=91&lon=105.85&timestamp=1709305300", "", ""), http.StatusNotFound, "id")
	// 2. OwnTracks with Basic auth for a device not registered, stock X-Limit headers.
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("ot-new:whatever"))
	for i := 0; i < 2; i++ {
		body := fmt.Sprintf(`{"_type":"location","acc":7,"lat":21.4711,"lon":105.851%d,"tst":%d,"tid":"on","m":1}`, i, 1709305400+i*30)
		r := e.do("POST", "/owntracks", "", body, "Authorization", basic, "X-Limit-U", "ot-new", "X-Limit-D", "pixel7")
		wantProblem(t, r, http.StatusUnauthorized, "authorization")
	}
	// 3. A registered device with a stale key: Traccar Client 9 JSON.
	for i := 0; i < 2; i++ {
		body := fmt.Sprintf(`{"location":{"timestamp":"2024-03-01T15:0%d:00Z","coords":{"latitude":21.4721,"longitude":105.8521,"accuracy":4}},"device_id":"gps-77"}`, i)
		wantProblem(t, rawRequest(t, e.srv.URL, "POST", "/osmand?key=stale-key", "application/json", body), http.StatusUnauthorized, "key")
	}
	if n := e.fixCount(); n != 0 {
		t.Fatalf("%d fixes stored while refused", n)
	}
	for _, r := range e.rejections() {
		if strings.Contains(r.Raw, "guessed") || strings.Contains(r.Raw, "stale-key") || strings.Contains(r.Raw, oldKey) {
			t.Errorf("a key is in the rejection log: %s", r.Raw)
		}
	}
	k := e.knocking()
	if k["tc-new"].Kept != 4 || k["tc-new"].Registered || k["ot-new"].Kept != 2 || k["gps-77"].Kept != 2 || !k["gps-77"].Registered {
		t.Fatalf("knocking devices %+v", k)
	}
	if k["tc-new"].Attempts < 7 {
		t.Errorf("tc-new attempts %d, want every attempt counted", k["tc-new"].Attempts)
	}

	// Replay needs the device registered, and an admin whose scope holds it.
	r, _ := e.replay("admin", "tc-new")
	wantProblem(t, r, http.StatusNotFound, "device")
	e.device("w1", "tc-new", "")
	e.device("w2", "ot-new", "")
	for _, who := range []string{"analyst1", "officer1"} {
		r, _ := e.replay(who, "tc-new")
		wantProblem(t, r, http.StatusForbidden, "")
	}
	r, _ = e.replay("admin1", "ot-new") // an admin of w1 only
	wantProblem(t, r, http.StatusForbidden, "device")

	clock.Store(phoneNow.Add(time.Hour).UnixMicro()) // the replay happens later; times stay as received
	for _, dev := range []struct {
		ident string
		want  replayReply
	}{{"tc-new", replayReply{Accepted: 4}}, {"ot-new", replayReply{Accepted: 2}}, {"gps-77", replayReply{Accepted: 2}}} {
		r, rep := e.replay("admin", dev.ident)
		if r.status != http.StatusOK || rep != dev.want {
			t.Fatalf("replay %s: %d %s, want %+v", dev.ident, r.status, r.body, dev.want)
		}
		r, rep = e.replay("admin", dev.ident)
		if r.status != http.StatusOK || rep != (replayReply{}) {
			t.Fatalf("second replay %s: %d %s", dev.ident, r.status, r.body)
		}
	}
	checkFixes(t, e.exportFixes("tc-new"), []wantFix{
		{"2024-03-01T15:00:00Z", 21.470, 105.85, 5, unknown, unknown, unknown, 80, "", "osmand"},
		{"2024-03-01T15:00:10Z", 21.471, 105.85, 5, unknown, unknown, unknown, 80, "", "osmand"},
		{"2024-03-01T15:00:20Z", 21.472, 105.85, 5, unknown, unknown, unknown, 80, "", "osmand"},
		{"2024-03-01T15:30:00.123456Z", 21.4709, 105.8509, unknown, unknown, unknown, unknown, unknown, "server_time", "osmand"},
	})
	checkFixes(t, e.exportFixes("gps-77"), []wantFix{
		{"2024-03-01T15:00:00Z", 21.4721, 105.8521, 4, unknown, unknown, unknown, unknown, "", "osmand"},
		{"2024-03-01T15:01:00Z", 21.4721, 105.8521, 4, unknown, unknown, unknown, unknown, "", "osmand"},
	})
	var otFixes int
	if err := e.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM fix f JOIN device d ON d.id = f.device_id WHERE d.ident = 'ot-new' AND f.source = 'owntracks'`).Scan(&otFixes); err != nil || otFixes != 2 {
		t.Fatalf("ot-new fixes %d (%v)", otFixes, err)
	}
	if k := e.knocking(); len(k) != 0 {
		t.Errorf("still knocking after the replays: %+v", k)
	}
	var audited int
	if err := e.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM audit WHERE action = 'device.replay' AND detail->>'accepted' = '4' AND target = 'tc-new'`).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("replay audit entries %d (%v)", audited, err)
	}
	// A phone that now sends with its key resends one of the replayed fixes: a duplicate.
	_, key := e.deviceSecret("tc-new")
	wantReply(t, rawRequest(t, e.srv.URL, "POST", "/osmand?id=tc-new&timestamp=1709305200&lat=21.470&lon=105.85&key="+key, "", ""), 0, 1, 0)
}

// deviceSecret rotates a device's secret and returns it.
func (e *testEnv) deviceSecret(ident string) (patrol.Device, string) {
	e.t.Helper()
	d, err := e.store.DeviceByIdent(context.Background(), ident)
	if err != nil {
		e.t.Fatal(err)
	}
	secret, err := e.store.RotateDeviceSecret(context.Background(), d.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return d, secret
}

// TestKeptRefusalsAreBounded: per device the newest requests are kept, in total the newest
// across devices, and nothing older than 14 days.
func TestKeptRefusalsAreBounded(t *testing.T) {
	t.Parallel()
	var clock atomic.Int64
	clock.Store(phoneNow.UnixMicro())
	e := newEnvWithStore(t, storetest.New(t), api.Config{
		Now:           func() time.Time { return time.UnixMicro(clock.Load()).UTC() },
		KeepRefused:   patrol.KeepLimits{PerDevice: 3, Total: 5, MaxAge: 14 * 24 * time.Hour},
		KeepTrimEvery: 1,
	})
	send := func(ident string, n int) {
		t.Helper()
		wantProblem(t, rawRequest(t, e.srv.URL, "GET", fmt.Sprintf("/osmand?id=%s&timestamp=%d&lat=21.47&lon=105.85", ident, 1709305200+n), "", ""),
			http.StatusNotFound, "id")
	}
	for i := 0; i < 5; i++ {
		send("a", i)
	}
	if k := e.knocking(); k["a"].Kept != 3 {
		t.Fatalf("device a keeps %d requests, want 3: %+v", k["a"].Kept, k)
	}
	send("b", 10)
	send("b", 11)
	send("c", 20)
	k := e.knocking()
	if k["a"].Kept+k["b"].Kept+k["c"].Kept != 5 || k["c"].Kept != 1 || k["b"].Kept != 2 || k["a"].Kept != 2 {
		t.Fatalf("kept a %d, b %d, c %d; want the newest 5: a 2, b 2, c 1", k["a"].Kept, k["b"].Kept, k["c"].Kept)
	}
	// a kept its newest: the replay stores the fixes of seconds 3 and 4.
	e.device("w1", "a", "")
	r, rep := e.replay("admin", "a")
	if r.status != http.StatusOK || rep.Accepted != 2 {
		t.Fatalf("replay a: %d %s", r.status, r.body)
	}
	var times []string
	for _, f := range e.exportFixes("a") {
		times = append(times, f.Time)
	}
	if strings.Join(times, " ") != "2024-03-01T15:00:03Z 2024-03-01T15:00:04Z" {
		t.Errorf("replayed fixes of a at %v, want the two newest", times)
	}
	// 14 days later nothing is kept: expired at the next trim, and never replayed.
	clock.Store(phoneNow.Add(14*24*time.Hour + time.Minute).UnixMicro())
	e.device("w1", "b", "")
	if r, rep := e.replay("admin", "b"); r.status != http.StatusOK || rep.Accepted != 0 {
		t.Fatalf("replay of expired requests: %d %s", r.status, r.body)
	}
	n, err := e.api.TrimKeptRequests(context.Background())
	if err != nil || n != 5 {
		t.Fatalf("trim deleted %d (%v), want the 5 kept requests, all past 14 days", n, err)
	}
	if k := e.knocking(); k["c"].Kept != 0 {
		t.Errorf("expired requests still kept: %+v", k)
	}
}
