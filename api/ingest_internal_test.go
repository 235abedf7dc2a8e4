package api

// Fuzz targets for every ingest decoder, and unit tests of the ingest machinery that need the
// package's internals (group commit, secret cache, rejection throttle, time parsing). The seed
// corpora (f.Add and the testdata/ingest_* files) run in every plain `go test`; fuzz by hand
// with, for example:
//
//	go test ./api/ -run '^$' -fuzz '^FuzzGPX$' -fuzztime 60s

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/app/ingest/decode"
	"github.com/patrolmap/patrolmap/patrol"
)

// fuzzNow is the server's clock in the fuzz targets, after every seed's time.
var fuzzNow = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)

// checkProblem fails unless err is nil or a 400/413 *Problem (or a decoder's *decode.Error
// answered as one) that names a field.
func checkProblem(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var p *Problem
	var de *decode.Error
	if errors.As(err, &de) {
		p = decodeProblem(de)
	} else if !errors.As(err, &p) {
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
func checkCandidate(t *testing.T, c decode.Candidate) {
	t.Helper()
	if c.Invalid != nil {
		if c.Invalid.Field == "" || c.Invalid.Message == "" {
			t.Fatalf("invalid fix names no field: %+v", c.Invalid)
		}
		return
	}
	if fe := decode.ValidateFix(c.Fix, fuzzNow); fe != nil {
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
		list, err := decode.GPX(data, fuzzNow)
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
		// Places that look like a boundary between items but are not one.
		`{"fixes":[{"device":"a","time":"},{"},{"device":"b","time":"x} , {y"},{"device":"c"}]}`,
		`{"fixes":[{"device":"a"} , {"device":"b"} ,{"device":"c","lat":1.5}]}`,
		`{"fixes":[{"device":"a"},{"device":"b"},{"device":"c"},]}`, `{"fixes":[{"device":"a"},{"device":"b"}]} x`,
		`{"fixes":[{"device":"a"},{"device":"b"},{"device":"c"}],"x":1}`, `{"fixes":[{"device":"a"},{"device":"b"}}]}`,
	} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		whole, ok := decodeFixesFast(body, fuzzNow, math.MaxInt)
		if halves, halvesOK := decodeFixesFast(body, fuzzNow, 1); halvesOK != ok {
			t.Fatalf("read in two halves: %v, in one pass: %v", halvesOK, ok)
		} else if ok {
			sameCandidates(t, halves, whole)
		}
		if !ok || len(whole) > decode.MaxFixesPerRequest {
			return
		}
		general, err := decodeFixesGeneral(body, fuzzNow)
		if err != nil {
			t.Fatalf("the fast path read what the general decoder refuses (%v)", err)
		}
		sameCandidates(t, whole, general)
	})
}

// TestDecodeFixesInTwoHalves reads a batch as phones and gateways send it, large enough to be cut
// in two, with the first place that looks like a boundary near the middle inside a string: the
// two halves give what one pass and encoding/json give.
func TestDecodeFixesInTwoHalves(t *testing.T) {
	body := gatewayBatch(1000, ", ", func(i int) string {
		if i == 500 {
			return `"2024-03-01T15:00:00Z},{"`
		}
		return fmt.Sprint(1709305200 + i)
	})
	from := len(`{"fixes":[`)
	end, next, ok := splitFixes(body, from, splitDecodeBytes)
	if !ok {
		t.Fatalf("no boundary found in a batch of %d bytes", len(body))
	}
	if body[end-1] != '}' || body[next] != '{' || strings.TrimSpace(string(body[end:next])) != "," {
		t.Fatalf("cut at %q|%q", body[end-20:end], body[next:next+20])
	}
	halves, ok := decodeFixesFast(body, fuzzNow, splitDecodeBytes)
	if !ok {
		t.Fatal("the fast path refused the batch")
	}
	whole, _ := decodeFixesFast(body, fuzzNow, math.MaxInt)
	sameCandidates(t, halves, whole)
	general, err := decodeFixesGeneral(body, fuzzNow)
	if err != nil {
		t.Fatal(err)
	}
	sameCandidates(t, halves, general)
	if len(halves) != 1000 || halves[500].Invalid == nil || halves[500].Invalid.Field != "time" || halves[999].Fix.Accuracy != 14 {
		t.Fatalf("read %d items, item 500 %+v, item 999 %+v", len(halves), halves[500], halves[999])
	}
	// An error in either half sends the whole body to the general decoder.
	for _, bad := range []string{strings.Replace(string(body), `"lat":21.465000`, `"lat":x`, 1), strings.Replace(string(body), "]}", ",]}", 1)} {
		if _, ok := decodeFixesFast([]byte(bad), fuzzNow, splitDecodeBytes); ok {
			t.Fatalf("the fast path read a body that is not JSON")
		}
	}
	if _, _, ok := splitFixes(body, from, len(body)); ok {
		t.Fatal("cut an array shorter than the split size")
	}
}

// gatewayBatch writes a batch of n fixes of 50 devices, interleaved, as a gateway sends it: the
// items joined by sep, item i's time as timeOf writes it.
func gatewayBatch(n int, sep string, timeOf func(i int) string) []byte {
	var b strings.Builder
	b.WriteString(`{"fixes":[`)
	for i := range n {
		if i > 0 {
			b.WriteString(sep)
		}
		fmt.Fprintf(&b, `{"device":"bench-%d","time":%s,"lat":%.6f,"lon":%.6f,"accuracy":%d,"speed":null,"heading":%d,"altitude":-0.5,"battery":80}`,
			i%50, timeOf(i), 21.465+float64(i/50)*4e-6, 105.845+float64(i%50)*1e-4, 5+i%10, (i*7)%360)
	}
	b.WriteString("]}\n")
	return []byte(b.String())
}

// sameCandidates fails unless a and b hold the same candidates: ids, raw items, validity and
// reasons, and every value of the valid fixes.
func sameCandidates(t *testing.T, a, b []decode.Candidate) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d items, against %d", len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.Ident != y.Ident || (x.Invalid == nil) != (y.Invalid == nil) || string(x.Raw) != string(y.Raw) {
			t.Fatalf("item %d: %+v, against %+v", i, x, y)
		}
		if x.Invalid != nil {
			if *x.Invalid != *y.Invalid {
				t.Fatalf("item %d: %+v, against %+v", i, *x.Invalid, *y.Invalid)
			}
			continue
		}
		f, g := x.Fix, y.Fix
		if !f.Time.Equal(g.Time) || !sameFloat(f.Lat, g.Lat) || !sameFloat(f.Lon, g.Lon) || !sameFloat(f.Accuracy, g.Accuracy) ||
			!sameFloat(f.Speed, g.Speed) || !sameFloat(f.Heading, g.Heading) || !sameFloat(f.Altitude, g.Altitude) || !sameFloat(f.Battery, g.Battery) ||
			math.Signbit(f.Lat) != math.Signbit(g.Lat) || math.Signbit(f.Battery) != math.Signbit(g.Battery) {
			t.Fatalf("item %d: %+v, against %+v", i, f, g)
		}
	}
}

// checkIncidents validates decoded incidents as storeIncidents does: each is an incident or
// names its bad field.
func checkIncidents(t *testing.T, inputs []decode.IncidentInput) {
	t.Helper()
	for _, in := range inputs {
		inc, fe := in.ToIncident(fuzzNow)
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
		inputs, err := decode.Incidents(body)
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
		inputs, err := decode.IncidentsCSV(data, loc)
		checkProblem(t, err)
		checkIncidents(t, inputs)
	})
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// nilBackend stands in for a database that is never called.
type nilBackend struct{ Backend }

func TestIngestStateIsSet(t *testing.T) {
	s := New(Config{}, nilBackend{}, nil, discardLogger())
	if s.ingestState() == nil {
		t.Fatal("no ingest state for a new server")
	}
}

// BenchmarkDecodeFixes reads a batch of 1,000 fixes as gateways send them, in two halves at once
// (the server's way) and in one pass.
func BenchmarkDecodeFixes(b *testing.B) {
	data := gatewayBatch(1000, ",", func(i int) string { return fmt.Sprint(1709305200 + i/50*5) })
	for _, split := range []int{splitDecodeBytes, math.MaxInt} {
		name := "halves"
		if split == math.MaxInt {
			name = "one-pass"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if list, ok := decodeFixesFast(data, fuzzNow, split); !ok || len(list) != 1000 {
					b.Fatal("not read")
				}
			}
		})
	}
}
