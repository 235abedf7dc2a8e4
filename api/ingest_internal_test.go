package api

// Fuzz targets for every ingest decoder, and unit tests of the ingest machinery that need the
// package's internals (group commit, secret cache, rejection throttle, time parsing). The seed
// corpora (f.Add and the testdata/ingest_* files) run in every plain `go test`; fuzz by hand
// with, for example:
//
//	go test ./api/ -run '^$' -fuzz '^FuzzGPX$' -fuzztime 60s

import (
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
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
	} {
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, ok := decodeFixesFast(body)
		if !ok || len(fast) > decode.MaxFixesPerRequest {
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
