package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// multipartFile builds a multipart/form-data body with one file part.
func multipartFile(t *testing.T, field, name string, data []byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("note", "tải lên từ trình duyệt")
	part, err := w.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(data)
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

func TestGPXThreeProducers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.device("w1", "garmin-1", "officer1")
	_, osmandKey := e.device("w1", "osmand-1", "")
	e.device("w1", "logger-1", "")

	// A Garmin Connect export: GPX 1.1, two tracks, three segments, TrackPointExtension v2
	// speed and course; no accuracy. Sent by the officer the device is assigned to.
	garmin := readTestdata(t, "ingest_garmin.gpx")
	wantReply(t, e.as("officer1", "POST", "/api/v1/gpx?device=garmin-1", garmin, "Content-Type", "application/gpx+xml"), 7, 0, 0)
	checkFixes(t, e.exportFixes("garmin-1"), []wantFix{
		{"2024-03-01T15:00:00Z", 21.4701, 105.8501, unknown, 1.25, 90, 31.2, unknown, "", "gpx"},
		{"2024-03-01T15:00:05Z", 21.4701, 105.85015, unknown, 1.3, 91.5, 31.4, unknown, "", "gpx"},
		{"2024-03-01T15:00:10Z", 21.47011, 105.8502, unknown, 1.1, 88, 31, unknown, "", "gpx"},
		{"2024-03-01T15:05:00Z", 21.4703, 105.8504, unknown, 0.9, 0, 30.8, unknown, "", "gpx"},
		{"2024-03-01T15:05:05Z", 21.47035, 105.8504, unknown, 1, 1, 30.9, unknown, "", "gpx"},
		{"2024-03-01T15:30:00Z", 21.471, 105.851, unknown, 1.5, 45, 29, unknown, "", "gpx"},
		{"2024-03-01T15:30:04Z", 21.47105, 105.85105, unknown, unknown, unknown, 29.1, unknown, "", "gpx"},
	})

	// An OsmAnd recording, uploaded with the device's own secret as a multipart form: OsmAnd's
	// hdop is its accuracy in metres; one point is worse than 100 m and flagged.
	ctype, body := multipartFile(t, "file", "2024-03-01_23-00_Fri.gpx", readTestdata(t, "ingest_osmand.gpx"))
	wantReply(t, e.do("POST", "/api/v1/gpx", osmandKey, body, "Content-Type", ctype), 5, 0, 0)
	checkFixes(t, e.exportFixes("osmand-1"), []wantFix{
		{"2024-03-01T16:00:00Z", 21.4702131, 105.8502254, 4.8, 1.3, 182, 30.5, unknown, "", "gpx"},
		{"2024-03-01T16:00:05Z", 21.470195, 105.850226, 5.1, 1.2, 180, 30.7, unknown, "", "gpx"},
		{"2024-03-01T16:00:10Z", 21.470177, 105.850227, 150, 1.2, 179, 30.6, unknown, "low_accuracy", "gpx"},
		{"2024-03-01T16:00:15Z", 21.470159, 105.850228, 6, 1.25, 181, 30.6, unknown, "", "gpx"},
		{"2024-03-01T16:00:20Z", 21.470141, 105.85023, 4.2, unknown, 181, 30.4, unknown, "", "gpx"},
	})

	// A GPSBabel GPX 1.0 log with <speed> and <course>; real HDOP, so accuracy is 5 m × HDOP.
	// The point without <time> is rejected with its index; the waypoint is not a fix.
	rep := wantReply(t, e.as("analyst1", "POST", "/api/v1/gpx?device=logger-1", readTestdata(t, "ingest_gpx10.gpx")), 3, 0, 1)
	if r := rep.Rejected[0]; r.Index != 2 || r.Field != "time" || !strings.Contains(r.Error, "no <time>") {
		t.Errorf("rejected %+v, want point 2 for its missing time", r)
	}
	checkFixes(t, e.exportFixes("logger-1"), []wantFix{
		{"2024-03-01T17:00:00Z", 21.468, 105.848, 6, 2.5, 45, 28, unknown, "", "gpx"},
		{"2024-03-01T17:00:05Z", 21.4681, 105.8481, 5, 2.6, 44, 28.5, unknown, "", "gpx"},
		{"2024-03-01T17:00:15Z", 21.4683, 105.8483, 4.5, 2.4, 46, 29, unknown, "", "gpx"},
	})

	// Uploading a file again changes nothing.
	wantReply(t, e.as("admin", "POST", "/api/v1/gpx?device=garmin-1", garmin), 0, 7, 0)
	if n := e.fixCount(); n != 15 {
		t.Fatalf("%d fixes stored, want 15", n)
	}
	// The export as GPX reads back the same points.
	r := e.as("analyst1", "GET", "/api/v1/fixes?unit=w1&device=garmin-1&from=2024-03-01T00:00:00Z&to=2024-03-02T00:00:00Z&format=gpx", nil)
	if r.status != http.StatusOK || strings.Count(string(r.body), "<trkpt") != 7 {
		t.Errorf("GPX export: %d, %d points", r.status, strings.Count(string(r.body), "<trkpt"))
	}
}

func TestGPXRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.device("w1", "phone-1", "")
	e.device("w2", "phone-w2", "")
	gpx := readTestdata(t, "ingest_garmin.gpx")
	wantProblem(t, e.as("admin", "POST", "/api/v1/gpx", gpx), http.StatusBadRequest, "device")
	wantProblem(t, e.as("admin", "POST", "/api/v1/gpx?device=ghost", gpx), http.StatusNotFound, "device")
	wantProblem(t, e.as("analyst1", "POST", "/api/v1/gpx?device=phone-w2", gpx), http.StatusForbidden, "device")
	wantProblem(t, e.as("officer1", "POST", "/api/v1/gpx?device=phone-1", gpx), http.StatusForbidden, "device")
	for _, tc := range []struct{ name, body, field string }{
		{"empty", "", "body"},
		{"not XML", "hello", "gpx"},
		{"not GPX", `<?xml version="1.0"?><kml><Document/></kml>`, "gpx"},
		{"truncated", string(gpx[:len(gpx)/2]), "gpx"},
		{"no track points", `<gpx version="1.1"><wpt lat="21.47" lon="105.85"><time>2024-03-01T15:00:00Z</time></wpt></gpx>`, "gpx"},
		{"too deep", `<gpx version="1.1"><trk><trkseg><trkpt lat="21.47" lon="105.85">` + strings.Repeat("<x>", 40) + strings.Repeat("</x>", 40) + `</trkpt></trkseg></trk></gpx>`, "gpx"},
		{"entity", `<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaa">]><gpx version="1.1"><trk><trkseg><trkpt lat="21.47" lon="105.85"><time>&a;</time></trkpt></trkseg></trk></gpx>`, "gpx"},
		{"GPX 2.0", `<gpx version="2.0"></gpx>`, "gpx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantProblem(t, e.as("admin", "POST", "/api/v1/gpx?device=phone-1", tc.body, "Content-Type", "application/gpx+xml"), http.StatusBadRequest, tc.field)
		})
	}
	ctype, body := multipartFile(t, "upload", "track.gpx", gpx)
	wantProblem(t, e.as("admin", "POST", "/api/v1/gpx?device=phone-1", body, "Content-Type", ctype), http.StatusBadRequest, "file")
	// More than 50,000 points: 413 naming the limit.
	var big bytes.Buffer
	big.WriteString(`<gpx version="1.1"><trk><trkseg>`)
	for i := 0; i <= 50000; i++ {
		big.WriteString(`<trkpt lat="21.47" lon="105.85"/>`)
	}
	big.WriteString(`</trkseg></trk></gpx>`)
	r := e.as("admin", "POST", "/api/v1/gpx?device=phone-1", big.Bytes())
	wantProblem(t, r, http.StatusRequestEntityTooLarge, "gpx")
	if !strings.Contains(string(r.body), "50000") {
		t.Errorf("413 does not name the limit: %s", r.body)
	}
	if n := e.fixCount(); n != 0 {
		t.Fatalf("%d fixes stored", n)
	}
}
