package api

// Fuzz targets for every ingest decoder, and unit tests of the ingest machinery that need the
// package's internals (group commit, secret cache, rejection throttle, time parsing). The seed
// corpora (f.Add and the testdata/ingest_* files) run in every plain `go test`; fuzz by hand
// with, for example:
//
//	go test ./api/ -run '^$' -fuzz '^FuzzGPX$' -fuzztime 60s

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
)

// fuzzNow is the server's clock in the fuzz targets, after every seed's time.
var fuzzNow = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)

// checkProblem fails unless err is nil or a 400/413 *Problem that names a field.
func checkProblem(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var p *Problem
	if !errors.As(err, &p) {
		t.Fatalf("error %T %v is not a problem", err, err)
	}
	if p.Status != http.StatusBadRequest && p.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("problem status %d: %v", p.Status, p)
	}
	if len(p.Errors) == 0 || p.Errors[0].Field == "" || p.Errors[0].Message == "" {
		t.Fatalf("problem names no field: %+v", p)
	}
}

// checkCandidate fails unless c is either a valid fix or names the field that is wrong.
func checkCandidate(t *testing.T, c fixCandidate) {
	t.Helper()
	if c.Invalid != nil {
		if c.Invalid.Field == "" || c.Invalid.Message == "" {
			t.Fatalf("invalid fix names no field: %+v", c.Invalid)
		}
		return
	}
	if fe := validateFix(c.Fix, fuzzNow); fe != nil {
		t.Fatalf("accepted fix %+v is invalid: %v", c.Fix, fe)
	}
	if !validIdent(c.Ident) {
		t.Fatalf("accepted fix of device %q", c.Ident)
	}
	if c.Fix.Time.Nanosecond()%1000 != 0 {
		t.Fatalf("fix time %v is finer than a microsecond", c.Fix.Time)
	}
}

func addTestdata(f *testing.F, pattern string) {
	names, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzOsmAndQuery(f *testing.F) {
	for _, q := range []string{
		"id=860123456789012&timestamp=1709305200&lat=21.4701&lon=105.8501&speed=0.0&bearing=0.0&altitude=30.0&accuracy=0.0&batt=87.0&key=abc",
		"id=1&lat=21.4702&lon=105.85014&timestamp=1709305210000&hdop=7.5&altitude=31.0&speed=1.9",
		"deviceid=1&lat=21.47&lon=105.85&timestamp=2024-03-01T15:00:15.250Z&bearing=270",
		"id=1&location=21.47%2C105.85&timestamp=2024-03-01+15:00:00&valid=false",
		"id=1&lat=NaN&lon=Inf&timestamp=-1", "id=%zz&lat=1", "lat=0x1p-2&lon=1_0&timestamp=1e300", "",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		req, err := decodeOsmAnd("", q, nil, fuzzNow)
		checkProblem(t, err)
		if err == nil {
			checkCandidate(t, req.Fix)
		}
	})
}

func FuzzOsmAndForm(f *testing.F) {
	for _, b := range []string{
		"id=860123456789012&timestamp=1709305205&lat=21.47015&lon=105.85012&speed=2.5&bearing=87.5&altitude=31.2&accuracy=6.4&batt=86&charge=false&key=abc",
		"id=1&lat=21.47&lon=105.85&timestamp=1709305205&speed=-1&accuracy=-1",
		"id=1&lat=%ZZ", "=&&=&", "id=1&lat=91&lon=181&timestamp=99999999999999999",
	} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeOsmAnd("application/x-www-form-urlencoded", "", body, fuzzNow)
		checkProblem(t, err)
		if err == nil {
			checkCandidate(t, req.Fix)
		}
	})
}

func FuzzOsmAndJSON(f *testing.F) {
	for _, b := range []string{
		`{"location":{"event":"motionchange","is_moving":true,"timestamp":"2024-03-01T15:00:20.500Z","odometer":1523.4,"coords":{"latitude":21.47025,"longitude":105.85016,"accuracy":4.9,"speed":1.42,"heading":92.3,"altitude":31.7},"activity":{"type":"walking","confidence":100},"battery":{"is_charging":false,"level":0.84},"extras":{}},"device_id":"860123456789012"}`,
		`{"location":{"timestamp":1709305200000,"coords":{"latitude":21.47,"longitude":105.85,"speed":-1,"heading":-1,"accuracy":-1}},"device_id":12345}`,
		`{"location":{"timestamp":"x","coords":{"latitude":"21.47"}},"device_id":{}}`,
		`{"location":[]}`, `[1,2]`, `{"device_id":"1","location":`, `null`, `{}`, `{"a":1}]`,
		`{"device_id":"1","location":{"timestamp":"2024-03-01T15:00:00Z","coords":{"latitude":21.47,"longitude":105.85},"battery":{"level":7}}}`,
	} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeOsmAnd("application/json", "key=abc", body, fuzzNow)
		checkProblem(t, err)
		if err == nil {
			checkCandidate(t, req.Fix)
		}
	})
}

func FuzzOwnTracks(f *testing.F) {
	for _, b := range []string{
		`{"_type":"location","acc":9,"alt":31,"batt":87,"bs":1,"cog":270,"conn":"w","created_at":1709305262,"lat":21.4701234,"lon":105.8504321,"m":1,"t":"u","tid":"c1","tst":1709305260,"vac":3,"vel":18}`,
		`[{"_type":"location","lat":21.47,"lon":105.85,"tst":"1709305260"},{"_type":"lwt","tst":1}]`,
		`{"_type":"transition","event":"enter","lat":21.47,"lon":105.85,"tst":1709305300}`,
		`{"_type":"location","lat":"x","lon":105.85,"tst":1}`, `{"_type":7}`, `[1]`, `[]`, `"location"`, ``,
		`{"_type":"location","lat":21.47,"lon":105.85,"tst":1709305260,"vel":-1,"cog":-1,"acc":-1,"batt":-1}`,
	} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		msgs, err := decodeOwnTracks(body, fuzzNow)
		checkProblem(t, err)
		for _, m := range msgs {
			if m.Type == "location" {
				checkCandidate(t, m.Fix)
			}
		}
	})
}

func FuzzGPX(f *testing.F) {
	addTestdata(f, "ingest_*.gpx")
	for _, b := range []string{
		`<gpx version="1.1"><trk><trkseg><trkpt lat="21.47" lon="105.85"><time>2024-03-01T15:00:00Z</time></trkpt></trkseg></trk></gpx>`,
		`<?xml version="1.0" encoding="ISO-8859-1"?><gpx version="1.0"><trk><name>caf` + "\xe9" + `</name><trkseg><trkpt lat="21.47" lon="105.85"><time>2024-03-01T15:00:00</time><speed>-3</speed></trkpt></trkseg></trk></gpx>`,
		`<gpx><trk><trkseg><trkpt lat="a" lon="b"/><trkpt/></trkseg></trk></gpx>`,
		`<?xml version="1.0" encoding="UTF-16"?><gpx/>`, `<gpx version="1.1"><trk><trkseg><trkpt lat="21.47" lon="105.85"><time>&amp;</time></trkpt>`,
		``, `<`, `<kml/>`,
	} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := decodeGPX(data, fuzzNow)
		checkProblem(t, err)
		for _, c := range list {
			checkCandidate(t, c)
		}
	})
}

func FuzzFixesJSON(f *testing.F) {
	for _, b := range []string{
		`{"fixes":[{"device":"phone-1","time":"2024-03-01T15:00:00Z","lat":21.4701,"lon":105.8501,"accuracy":5,"speed":1.2,"heading":90,"altitude":30,"battery":80},{"device":7,"time":1709305200,"lat":"x"}]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[105.85,21.47,30]},"properties":{"time":"2024-03-01T15:00:00Z"}},{"geometry":{"type":"Point","coordinates":[1]}},5]}`,
		`{"fixes":[1,"a",null,{}]}`, `{"fixes":null}`, `{"type":"FeatureCollection"}`, `[]`, `{`, ``,
	} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		list, err := decodeFixes(body, fuzzNow)
		checkProblem(t, err)
		for _, c := range list {
			checkCandidate(t, c)
		}
	})
}

// sameFloat reports whether a and b are equal, or both NaN.
func sameFloat(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

func FuzzFixesFastMatchesGeneral(f *testing.F) {
	for _, b := range []string{
		`{"fixes":[{"device":"phone-1","time":"2024-03-01T15:00:00Z","lat":21.4701,"lon":105.8501,"accuracy":5,"speed":1.2,"heading":90,"altitude":30,"battery":80}]}`,
		` { "fixes" : [ { "device" : 7 , "time" : 1709305200.5 , "lat" : -0 , "lon" : 1E2 , "speed" : null } , {} ] } `,
		`{"fixes":[{"device":null,"time":null,"lat":1,"lat":null}]}`,
		`{"fixes":[{"device":"a","time":"2024-03-01T15:00:00Z","lat":21.47,"lon":105.85,"battery":-0.0e-0}]}`,
		`{"fixes":[]}`, `{"fixes":[{"lat":1e400}]}`, `{"fixes":[{"device":"\u0041"}]}`, `{"fixes":[{"Lat":1}]}`,
	} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, ok := decodeFixesFast(body)
		if !ok || len(fast) > MaxFixesPerRequest {
			return
		}
		general, err := decodeFixesGeneral(body, fuzzNow)
		if err != nil {
			t.Fatalf("the fast path read what the general decoder refuses (%v)", err)
		}
		if len(general) != len(fast) {
			t.Fatalf("%d items, the general decoder %d", len(fast), len(general))
		}
		for i := range fast {
			a, b := candidateFromFields(fast[i], fuzzNow), general[i]
			a.Raw = fast[i].raw
			if a.Ident != b.Ident || (a.Invalid == nil) != (b.Invalid == nil) || string(a.Raw) != string(b.Raw) {
				t.Fatalf("item %d: fast %+v, general %+v", i, a, b)
			}
			if a.Invalid != nil {
				if *a.Invalid != *b.Invalid {
					t.Fatalf("item %d: fast %+v, general %+v", i, *a.Invalid, *b.Invalid)
				}
				continue
			}
			x, y := a.Fix, b.Fix
			if !x.Time.Equal(y.Time) || !sameFloat(x.Lat, y.Lat) || !sameFloat(x.Lon, y.Lon) || !sameFloat(x.Accuracy, y.Accuracy) ||
				!sameFloat(x.Speed, y.Speed) || !sameFloat(x.Heading, y.Heading) || !sameFloat(x.Altitude, y.Altitude) || !sameFloat(x.Battery, y.Battery) {
				t.Fatalf("item %d: fast %+v, general %+v", i, x, y)
			}
		}
	})
}

// checkIncidents validates decoded incidents as storeIncidents does: each is an incident or
// names its bad field.
func checkIncidents(t *testing.T, inputs []incidentInput) {
	t.Helper()
	for _, in := range inputs {
		inc, fe := in.toIncident(fuzzNow)
		if fe != nil {
			if fe.Field == "" || fe.Message == "" {
				t.Fatalf("invalid incident names no field: %+v", fe)
			}
			continue
		}
		if !patrol.ValidCategory(inc.Category) || math.IsNaN(inc.Lat) || inc.Time.IsZero() {
			t.Fatalf("accepted incident %+v", inc)
		}
	}
}

func FuzzIncidentsJSON(f *testing.F) {
	for _, b := range []string{
		`{"incidents":[{"external_id":"A-1","time":"2024-03-01T22:15:00+07:00","lat":21.47,"lon":105.85,"category":"theft","severity":3,"status":"open","description":"Mất trộm xe máy"}]}`,
		`[{"external_id":17,"time":"2024-03-01T15:00:00Z","lat":21.47,"lon":105.85,"category":"fire"},{"time":"x"}]`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[105.85,21.47]},"properties":{"time":"2024-03-01T15:00:00Z","category":"drugs","severity":9}},7]}`,
		`{"incidents":{}}`, `[`, `{"incidents":[{"lat":"north"}]}`,
	} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		inputs, err := decodeIncidents(body)
		checkProblem(t, err)
		checkIncidents(t, inputs)
	})
}

func FuzzIncidentsCSV(f *testing.F) {
	addTestdata(f, "ingest_incidents_*.csv")
	for _, b := range []string{
		"time,lat,lon,category\n2024-03-01T15:00:00Z,21.47,105.85,theft\n",
		"sep=;\nThời gian;Tọa độ;Loại\n01/03/2024 22:15;21,47 105,85;trộm cắp\n",
		"time,lat,lon,category,severity\n2024-03-01,21.47,105.85,khác,2.5\n\"unterminated\n",
		"\xef\xbb\xbf", "a,b\n", "time,time\n", "\xff\xfe",
	} {
		f.Add([]byte(b))
	}
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		inputs, err := decodeIncidentsCSV(data, loc)
		checkProblem(t, err)
		checkIncidents(t, inputs)
	})
}

func TestParseFixTime(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"1709305200", "2024-03-01T15:00:00Z"},
		{"1709305200123", "2024-03-01T15:00:00.123Z"},
		{"1709305200.25", "2024-03-01T15:00:00.25Z"},
		{"2024-03-01T22:00:00+07:00", "2024-03-01T15:00:00Z"},
		{"2024-03-01T22:00:00.5+0700", "2024-03-01T15:00:00.5Z"},
		{"2024-03-01T15:00:00", "2024-03-01T15:00:00Z"},
		{"2024-03-01 15:00:00", "2024-03-01T15:00:00Z"},
		{" 2024-03-01T15:00:00.000Z ", "2024-03-01T15:00:00Z"},
		{"2024-03-01", ""}, {"yesterday", ""}, {"-5", ""}, {"NaN", ""}, {"0x10", ""}, {"", ""},
	} {
		got, err := parseFixTime(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("parseFixTime(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || rfc3339(got) != tc.want {
			t.Errorf("parseFixTime(%q) = %v, %v; want %s", tc.in, rfc3339(got), err, tc.want)
		}
	}
}

func TestFoldName(t *testing.T) {
	for in, want := range map[string]string{
		"Thời gian (giờ VN)": "thoi_gian", "\ufeffMã vụ việc": "ma_vu_viec", "Thoi-Gian": "thoi_gian",
		"Tho\u0300i gian": "thoi_gian", "ĐỊA CHỈ": "dia_chi", "  lat  ": "lat", "Loại vụ việc": "loai_vu_viec",
	} {
		if got := foldName(in); got != want {
			t.Errorf("foldName(%q) = %q, want %q", in, got, want)
		}
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testGroupCommit returns a group commit around write with small bounds.
func testGroupCommit(write func(context.Context, []patrol.Fix) ([]patrol.StoreOutcome, error), queue int) *groupCommit {
	return &groupCommit{write: write, queue: make(chan *pendingFix, queue), gather: make(chan struct{}, 1),
		window: time.Millisecond, max: 100, writers: 1, idle: time.Second, timeout: 5 * time.Second, log: discardLogger()}
}

func TestGroupCommitGroupsAndRefusesWhenFull(t *testing.T) {
	started, release := make(chan int, 10), make(chan struct{})
	var mu sync.Mutex
	var sizes []int
	g := testGroupCommit(func(_ context.Context, fixes []patrol.Fix) ([]patrol.StoreOutcome, error) {
		mu.Lock()
		sizes = append(sizes, len(fixes))
		mu.Unlock()
		started <- len(fixes)
		<-release
		out := make([]patrol.StoreOutcome, len(fixes))
		for i, f := range fixes {
			if f.DeviceID != 99 { // device 99's fix counts as a duplicate
				out[i] = patrol.FixStored
			}
		}
		return out, nil
	}, 2)
	type res struct {
		stored patrol.StoreOutcome
		err    error
	}
	results := make(chan res, 4)
	submit := func(device int) {
		stored, err := g.submit(context.Background(), patrol.Fix{DeviceID: device})
		results <- res{stored, err}
	}
	go submit(1)
	<-started // the only writer is busy with the first fix
	go submit(2)
	go submit(99)
	for len(g.queue) < 2 {
		time.Sleep(time.Millisecond)
	}
	if _, err := g.submit(context.Background(), patrol.Fix{DeviceID: 3}); !errors.Is(err, errIngestBusy) {
		t.Fatalf("a fix on a full queue: %v, want errIngestBusy", err)
	}
	close(release)
	var stored, dup int
	for i := 0; i < 3; i++ {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.stored == patrol.FixStored {
			stored++
		} else {
			dup++
		}
	}
	if stored != 2 || dup != 1 {
		t.Errorf("%d stored, %d duplicates; want 2 and 1", stored, dup)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(sizes) != 2 || sizes[0] != 1 || sizes[1] != 2 {
		t.Errorf("groups of %v, want [1 2]: the two queued fixes share one transaction", sizes)
	}
}

func TestGroupCommitIsolatesAFailingFix(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	g := testGroupCommit(func(_ context.Context, fixes []patrol.Fix) ([]patrol.StoreOutcome, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		for _, f := range fixes {
			if f.DeviceID == 13 {
				return nil, errors.New("poison")
			}
		}
		return make([]patrol.StoreOutcome, len(fixes)), nil
	}, 10)
	g.writers = 1
	// Queue all three before a writer runs, so they form one group.
	ps := make([]*pendingFix, 3)
	for i, d := range []int{1, 13, 2} {
		ps[i] = &pendingFix{fix: patrol.Fix{DeviceID: d}, queued: time.Now(), done: make(chan fixOutcome, 1)}
		g.queue <- ps[i]
	}
	idle := time.NewTimer(time.Second)
	group := g.next(idle)
	if len(group) != 3 {
		t.Fatalf("gathered %d fixes, want 3", len(group))
	}
	g.flush(group)
	for i, p := range ps {
		r := <-p.done
		if (r.err != nil) != (i == 1) {
			t.Errorf("fix %d: %v", i, r.err)
		}
	}
	if calls != 4 {
		t.Errorf("%d writes, want 1 group and 3 single ones", calls)
	}
}

func TestGroupCommitUnavailableFailsTheGroup(t *testing.T) {
	g := testGroupCommit(func(context.Context, []patrol.Fix) ([]patrol.StoreOutcome, error) {
		return nil, fmt.Errorf("%w: down", patrol.ErrUnavailable)
	}, 10)
	if _, err := g.submit(context.Background(), patrol.Fix{}); !errors.Is(err, patrol.ErrUnavailable) {
		t.Fatalf("%v, want ErrUnavailable", err)
	}
}

func TestSecretCache(t *testing.T) {
	c := newSecretCache(time.Hour, 3)
	key := func(s string) [32]byte { var k [32]byte; copy(k[:], s); return k }
	dev := func(id int) patrol.Caller {
		return patrol.Caller{Kind: patrol.CallerDevice, Device: patrol.Device{ID: id}}
	}
	c.put(key("a"), dev(1))
	c.put(key("b"), dev(2))
	if got, ok := c.get(key("a")); !ok || got.Device.ID != 1 {
		t.Fatalf("get a: %v %v", got, ok)
	}
	c.forget(1)
	if _, ok := c.get(key("a")); ok {
		t.Fatal("a forgotten device is still cached")
	}
	if _, ok := c.get(key("b")); !ok {
		t.Fatal("forgetting device 1 dropped device 2")
	}
	c.put(key("c"), dev(3))
	c.put(key("d"), dev(4))
	c.put(key("e"), dev(5)) // over the bound: the cache starts over
	if len(c.m) > 3 {
		t.Fatalf("%d entries, bound 3", len(c.m))
	}
	expired := newSecretCache(0, 10)
	expired.put(key("a"), dev(1))
	if _, ok := expired.get(key("a")); ok {
		t.Fatal("an expired entry was returned")
	}
}

func TestRejectThrottle(t *testing.T) {
	r := newRejectThrottle(time.Minute, 2)
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	if !r.allow("a", t0) || r.allow("a", t0.Add(time.Second)) || !r.allow("a", t0.Add(time.Minute)) {
		t.Fatal("the same key must be allowed once a minute")
	}
	if !r.allow("b", t0) || !r.allow("c", t0) || len(r.last) > 2 {
		t.Fatalf("other keys: %v", r.last)
	}
}

// nilBackend stands in for a database that is never called.
type nilBackend struct{ Backend }

func TestIngestStateIsSet(t *testing.T) {
	s := New(Config{}, nilBackend{}, nil, discardLogger())
	if s.ingestState() == nil {
		t.Fatal("no ingest state for a new server")
	}
}

func BenchmarkSecretCacheHit(b *testing.B) {
	c := newSecretCache(time.Minute, 100)
	secret := "Qm9uZyBkYSBsYW4gbWF1IG1hdCBiYW8gbmhpZXUgbGFu"
	c.put(sha256.Sum256([]byte(secret)), patrol.Caller{Kind: patrol.CallerDevice})
	for b.Loop() {
		if _, ok := c.get(sha256.Sum256([]byte(secret))); !ok {
			b.Fatal("miss")
		}
	}
}
