package api_test

import (
	"context"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/api"
	"github.com/patrolmap/patrolmap/store/storetest"
)

// Officers' privacy (issue 8): a fix of an assigned device outside all of its assignments is off
// duty; the unit chooses whether it is stored (flagged, for admins only) or dropped at ingest.

// offDutyExport returns the fixes of a device of w1 in March 2024 as user sees them in the
// GeoJSON export: time (UTC, RFC 3339) -> "|"-joined flags.
func offDutyExport(t *testing.T, e *testEnv, user, device string) map[string]string {
	t.Helper()
	r := e.as(user, "GET", "/api/v1/fixes?unit=w1&device="+device+"&from=2024-03-01T00:00:00Z&to=2024-04-01T00:00:00Z", nil)
	if r.status != http.StatusOK {
		t.Fatalf("export as %s: %d %s", user, r.status, r.body)
	}
	var fc struct {
		Features []struct {
			Properties struct {
				Time  string   `json:"time"`
				Flags []string `json:"flags"`
			} `json:"properties"`
		} `json:"features"`
	}
	r.json(t, &fc)
	out := map[string]string{}
	for _, f := range fc.Features {
		out[f.Properties.Time] = strings.Join(f.Properties.Flags, "|")
	}
	return out
}

func offDutyReply(t *testing.T, r response) api.IngestReply {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	var rep api.IngestReply
	r.json(t, &rep)
	return rep
}

func TestOffDutyFixesDroppedOrFlaggedAndHidden(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.device("w1", "duty-phone", "")
	e.device("w1", "car-1", "") // never assigned: a unit device, always on duty
	// The assignment is made through the API just before the fixes arrive: it applies at once.
	r := e.as("admin", "POST", "/api/v1/devices/duty-phone/assignments", map[string]any{
		"username": "officer1", "from": "2024-03-01T22:00:00+07:00", "to": "2024-03-02T05:00:00+07:00"})
	if r.status/100 != 2 {
		t.Fatalf("assign: %d %s", r.status, r.body)
	}
	x := newSpot(t, "X", 105.8470, 21.4670)
	inside := []time.Time{at(3, 1, 22, 0, 0), at(3, 1, 22, 0, 30), at(3, 2, 4, 59, 59)}
	outside := []time.Time{at(3, 1, 21, 59, 59), at(3, 2, 5, 0, 0), at(3, 2, 6, 0, 0)}
	var fixes []map[string]any
	for _, tm := range append(append([]time.Time{}, inside...), outside...) {
		fixes = append(fixes, fixAt("duty-phone", x, tm))
	}
	fixes = append(fixes, fixAt("car-1", x, at(3, 1, 21, 30, 0)))
	key := func(tm time.Time) string { return tm.UTC().Format(time.RFC3339) }

	// The unit does not keep off-duty fixes (the default): they are refused and counted.
	rep := offDutyReply(t, e.as("admin", "POST", "/api/v1/fixes", map[string]any{"fixes": fixes}))
	if rep.Accepted != 4 || rep.OffDuty != 3 || rep.Duplicates != 0 || len(rep.Rejected) != 0 {
		t.Fatalf("reply %+v, want 4 accepted (3 on duty, 1 of the unit device) and 3 off duty", rep)
	}
	want := map[string]string{}
	for _, tm := range inside {
		want[key(tm)] = ""
	}
	if got := offDutyExport(t, e, "admin", "duty-phone"); !reflect.DeepEqual(got, want) {
		t.Fatalf("stored %v, want only the on-duty fixes %v", got, want)
	}
	if got := offDutyExport(t, e, "admin", "car-1"); !reflect.DeepEqual(got, map[string]string{key(at(3, 1, 21, 30, 0)): ""}) {
		t.Fatalf("unit device: %v, want its fix stored without flags", got)
	}
	if m := e.as("admin", "GET", "/metrics", nil); !strings.Contains(string(m.body), "patrolmap_fixes_off_duty_total 3\n") {
		t.Errorf("metrics do not count the 3 off-duty fixes:\n%s", m.body)
	}

	// The unit now keeps them: the resend stores the off-duty fixes, flagged.
	r = e.as("admin", "PUT", "/api/v1/units/w1", map[string]any{"store_off_duty": true, "off_duty_retention_days": 3})
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"store_off_duty":true`) || !strings.Contains(string(r.body), `"off_duty_retention_days":3`) {
		t.Fatalf("update unit: %d %s", r.status, r.body)
	}
	wantProblem(t, e.as("admin", "PUT", "/api/v1/units/w1", map[string]any{"off_duty_retention_days": 0}), http.StatusBadRequest, "off_duty_retention_days")
	rep = offDutyReply(t, e.as("admin", "POST", "/api/v1/fixes", map[string]any{"fixes": fixes}))
	if rep.Accepted != 3 || rep.OffDuty != 0 || rep.Duplicates != 4 {
		t.Fatalf("reply %+v, want the 3 off-duty fixes accepted and 4 duplicates", rep)
	}
	for _, tm := range outside {
		want[key(tm)] = "off_duty"
	}
	if got := offDutyExport(t, e, "admin", "duty-phone"); !reflect.DeepEqual(got, want) {
		t.Fatalf("admin sees %v, want %v", got, want)
	}

	// Everyone but admins sees only the on-duty fixes, in every format and in the tracks.
	onDuty := map[string]string{}
	for _, tm := range inside {
		onDuty[key(tm)] = ""
	}
	for _, user := range []string{"analyst1", "officer1"} {
		if got := offDutyExport(t, e, user, "duty-phone"); !reflect.DeepEqual(got, onDuty) {
			t.Errorf("%s sees %v, want only %v", user, got, onDuty)
		}
		csv := e.as(user, "GET", "/api/v1/fixes?unit=w1&device=duty-phone&format=csv&from=2024-03-01T00:00:00Z&to=2024-04-01T00:00:00Z", nil)
		if lines := strings.Count(strings.TrimSpace(string(csv.body)), "\n"); csv.status != http.StatusOK || lines != len(inside) || strings.Contains(string(csv.body), "off_duty") {
			t.Errorf("%s CSV export: %d, %d rows: %s", user, csv.status, lines, csv.body)
		}
		gpx := e.as(user, "GET", "/api/v1/fixes?unit=w1&device=duty-phone&format=gpx&from=2024-03-01T00:00:00Z&to=2024-04-01T00:00:00Z", nil)
		if n := strings.Count(string(gpx.body), "<trkpt"); gpx.status != http.StatusOK || n != len(inside) {
			t.Errorf("%s GPX export: %d, %d points", user, gpx.status, n)
		}
		tr := e.as(user, "GET", "/api/v1/tracks?unit=w1&device=duty-phone&from=2024-03-01&to=2024-03-03&window=all", nil)
		var a struct{ Features []trackAnswer }
		tr.json(t, &a)
		if tr.status != http.StatusOK || len(a.Features) != 1 || a.Features[0].Props.Fixes != len(inside) {
			t.Errorf("%s tracks: %d %s, want one track of %d fixes", user, tr.status, tr.body, len(inside))
		}
	}
}

func TestOffDutyOsmAndObeysDuty(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d, key := e.device("w1", "860000000000001", "")
	ctx := context.Background()
	from, to := at(3, 1, 22, 0, 0), at(3, 2, 5, 0, 0)
	if err := e.store.AssignDevice(ctx, d.ID, e.users["officer1"].ID, from, to); err != nil {
		t.Fatal(err)
	}
	osmand := func(tm time.Time) api.IngestReply {
		t.Helper()
		return offDutyReply(t, rawRequest(t, e.srv.URL, "GET", "/osmand?id=860000000000001&lat=21.47&lon=105.85&accuracy=5&timestamp="+
			strconv.FormatInt(tm.Unix(), 10)+"&key="+key, "", ""))
	}
	// Off duty, and w1 does not keep such fixes: answered 200 so the phone stops resending,
	// counted, not stored.
	if rep := osmand(at(3, 1, 21, 0, 0)); rep.OffDuty != 1 || rep.Accepted != 0 {
		t.Fatalf("off-duty fix: %+v", rep)
	}
	if n := e.fixCount(); n != 0 {
		t.Fatalf("%d fixes stored, want 0", n)
	}
	if rep := osmand(at(3, 1, 23, 0, 0)); rep.Accepted != 1 {
		t.Fatalf("on-duty fix: %+v", rep)
	}
	// Keeping them: stored, flagged.
	if r := e.as("admin", "PUT", "/api/v1/units/w1", map[string]any{"store_off_duty": true}); r.status != http.StatusOK {
		t.Fatalf("update unit: %d %s", r.status, r.body)
	}
	if rep := osmand(at(3, 2, 6, 0, 0)); rep.Accepted != 1 || rep.OffDuty != 0 {
		t.Fatalf("kept off-duty fix: %+v", rep)
	}
	got := offDutyExport(t, e, "admin", "860000000000001")
	want := map[string]string{at(3, 1, 23, 0, 0).UTC().Format(time.RFC3339): "", at(3, 2, 6, 0, 0).UTC().Format(time.RFC3339): "off_duty"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stored %v, want %v", got, want)
	}
}

// TestOffDutyFixesCountForNothingInAnalysis: coverage, gaps and compliance are the same with and
// without off-duty fixes that the unit keeps. The clock stands still (compliance answers the
// instant it judged open nights at, as_of).
func TestOffDutyFixesCountForNothingInAnalysis(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 3, 20, 5, 0, 0, 0, time.UTC)
	e := newEnvWithStore(t, storetest.New(t), api.Config{Now: func() time.Time { return now }})
	d, _ := e.device("w1", "duty-phone", "")
	if err := e.store.AssignDevice(context.Background(), d.ID, e.users["officer1"].ID, at(3, 5, 22, 0, 0), at(3, 5, 23, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if r := e.as("admin", "PUT", "/api/v1/units/w1", map[string]any{"store_off_duty": true}); r.status != http.StatusOK {
		t.Fatalf("update unit: %d %s", r.status, r.body)
	}
	x := newSpot(t, "X", 105.8470, 21.4670)
	y := newSpot(t, "Y", 105.8530, 21.4730)
	postFixes(t, e, stay("duty-phone", x, at(3, 5, 22, 0, 0), at(3, 5, 22, 20, 0), 30*time.Second))
	queries := []string{
		"/api/v1/coverage?unit=w1&from=2024-03-05&to=2024-03-06",
		"/api/v1/coverage?unit=w1&from=2024-03-05&to=2024-03-07&window=all",
		"/api/v1/gaps?unit=w1&from=2024-03-05&to=2024-03-06",
		"/api/v1/compliance?unit=w1&from=2024-03-05&to=2024-03-06",
	}
	read := func() []string {
		var out []string
		for _, q := range queries {
			r := e.as("admin", "GET", q, nil)
			if r.status != http.StatusOK {
				t.Fatalf("%s: %d %s", q, r.status, r.body)
			}
			out = append(out, string(r.body))
		}
		return out
	}
	before := read()
	// Off duty, still inside the night: 23:10–23:40 at Y, and through X again.
	off := stay("duty-phone", y, at(3, 5, 23, 10, 0), at(3, 5, 23, 40, 0), 30*time.Second)
	off = append(off, stay("duty-phone", x, at(3, 5, 23, 45, 0), at(3, 5, 23, 55, 0), 30*time.Second)...)
	postFixes(t, e, off)
	if got := offDutyExport(t, e, "admin", "duty-phone"); len(got) != 41+61+21 {
		t.Fatalf("%d fixes stored, want 123", len(got))
	}
	for _, catchUp := range []bool{false, true} {
		if catchUp {
			if _, err := e.store.CatchUpRollups(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		after := read()
		for i := range queries {
			if before[i] != after[i] {
				t.Errorf("%s (rollups caught up: %v) changed with off-duty fixes (%d bytes before, %d after)", queries[i], catchUp, len(before[i]), len(after[i]))
			}
		}
	}
	if got := getCoverage(t, e, "analyst1", "unit=w1&from=2024-03-05&to=2024-03-06"); len(got) == 0 {
		t.Fatal("no coverage at all")
	} else if _, ok := got[y.cell.String()]; ok {
		t.Errorf("the off-duty stay at Y counts as coverage")
	}
}
