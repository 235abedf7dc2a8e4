package api_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"
)

// listedIncident is one feature of GET /api/v1/incidents.
type listedIncident struct {
	ExternalID  string `json:"external_id"`
	Time        string `json:"time"`
	Category    string `json:"category"`
	Severity    int    `json:"severity"`
	Status      string `json:"status"`
	Description string `json:"description"`
	Source      string `json:"source"`
	Lon, Lat    float64
}

func (e *testEnv) listIncidents() []listedIncident {
	e.t.Helper()
	r := e.as("admin", "GET", "/api/v1/incidents?unit=w1&from=2024-02-01&to=2024-04-01", nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("list incidents: %d %s", r.status, r.body)
	}
	var fc struct {
		Features []struct {
			Geometry struct {
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties listedIncident `json:"properties"`
		} `json:"features"`
	}
	r.json(e.t, &fc)
	out := make([]listedIncident, len(fc.Features))
	for i, f := range fc.Features {
		out[i] = f.Properties
		out[i].Lon, out[i].Lat = f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time < out[j].Time })
	return out
}

type csvReply struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	Rejected   []struct {
		Index int    `json:"index"`
		Field string `json:"field"`
	} `json:"rejected"`
}

func TestIncidentsCSVExcelVietnamese(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Excel's "CSV UTF-8" on a Vietnamese Windows: a byte order mark, semicolons, CRLF,
	// Vietnamese headers and categories, dd/mm/yyyy local times, decimal commas, a quoted
	// separator and quotes inside a description, a blank row, and one impossible date.
	data := readTestdata(t, "ingest_incidents_excel_vn.csv")
	r := e.as("officer1", "POST", "/api/v1/incidents/csv?unit=w1", data, "Content-Type", "text/csv; charset=utf-8")
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var rep csvReply
	r.json(t, &rep)
	if rep.Accepted != 4 || rep.Duplicates != 0 || len(rep.Rejected) != 1 || rep.Rejected[0].Index != 3 || rep.Rejected[0].Field != "time" {
		t.Fatalf("reply %s, want 4 accepted and row 3 rejected for its time", r.body)
	}
	got := e.listIncidents()
	want := []listedIncident{
		{"VV-2024-001", "2024-03-01T15:15:00Z", "theft", 3, "open", "Mất trộm xe máy Honda Wave trước nhà số 12, tổ dân phố 5", "csv", 105.8503, 21.4705},
		{"VV-2024-002", "2024-03-02T16:40:00Z", "disorder", 4, "closed", "Đánh nhau tại quán karaoke; 3 người bị thương", "csv", 105.8498, 21.4712},
		{"VV-2024-003", "2024-03-02T18:05:00Z", "drugs", 5, "closed", "Thu giữ 2 gói heroin", "csv", 105.8521, 21.469},
		{"VV-2024-005", "2024-03-04T13:30:00Z", "fire", 2, "open", `Chập điện tại ki-ốt số 3, chợ phường — "đã dập tắt"`, "csv", 105.8477, 21.4699},
	}
	if len(got) != len(want) {
		t.Fatalf("%d incidents stored, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("incident %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	// Importing the same file again changes nothing.
	r = e.as("admin", "POST", "/api/v1/incidents/csv?unit=w1", data)
	r.json(t, &rep)
	if rep.Accepted != 0 || rep.Duplicates != 4 {
		t.Fatalf("resend: %s, want 4 duplicates", r.body)
	}
}

func TestIncidentsCSVCommaMultipart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctype, body := multipartFile(t, "file", "vu_viec.csv", readTestdata(t, "ingest_incidents_comma.csv"))
	r := e.as("analyst1", "POST", "/api/v1/incidents/csv?unit=w1", body, "Content-Type", ctype)
	var rep csvReply
	r.json(t, &rep)
	if r.status != http.StatusOK || rep.Accepted != 2 || len(rep.Rejected) != 1 || rep.Rejected[0].Index != 2 || rep.Rejected[0].Field != "category" {
		t.Fatalf("%d %s", r.status, r.body)
	}
	got := e.listIncidents()
	if len(got) != 2 || got[0].Description != "Cướp giật túi xách, đường Cách Mạng Tháng Tám" || got[0].Time != "2024-03-01T16:10:00Z" ||
		got[1].Severity != 3 || got[1].Status != "closed" || got[1].Category != "traffic_accident" {
		t.Fatalf("stored %+v", got)
	}
}

func TestIncidentsCSVRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	post := func(body string) response {
		return e.as("admin", "POST", "/api/v1/incidents/csv?unit=w1", body, "Content-Type", "text/csv")
	}
	wantProblem(t, post(""), http.StatusBadRequest, "body")
	wantProblem(t, post("time,lat,lon\n2024-03-01T15:00:00Z,21.47,105.85\n"), http.StatusBadRequest, "category")
	wantProblem(t, post("time;category\n2024-03-01T15:00:00Z;theft\n"), http.StatusBadRequest, "lat")
	wantProblem(t, post("time,lat,lon,category\n"), http.StatusBadRequest, "csv")
	wantProblem(t, post("time,lat,lon,category\n2024-03-01T15:00:00Z,21.47,105.85,\"theft\n"), http.StatusBadRequest, "csv")
	wantProblem(t, post("time,date,lat,lon,category\n"), http.StatusBadRequest, "time")
	wantProblem(t, post("\xff\xfet\x00i\x00m\x00e\x00"), http.StatusBadRequest, "csv")
	wantProblem(t, post("time,lat,lon,category\n2024-03-01T15:00:00Z,21.47,105.85,th\xe9ft\n"), http.StatusBadRequest, "csv")
	wantProblem(t, post("sep=:\ntime:lat\n"), http.StatusBadRequest, "csv")
	wantProblem(t, post("time,lat,lon,category"+strings.Repeat(",x", 64)+"\n"), http.StatusBadRequest, "csv")
	var big strings.Builder
	big.WriteString("time,lat,lon,category\n")
	for i := 0; i <= 50000; i++ {
		big.WriteString("2024-03-01T15:00:00Z,21.47,105.85,theft\n")
	}
	wantProblem(t, post(big.String()), http.StatusRequestEntityTooLarge, "csv")
	wantProblem(t, e.as("analyst2", "POST", "/api/v1/incidents/csv?unit=w1", "time,lat,lon,category\n"), http.StatusForbidden, "")
	wantProblem(t, e.as("admin", "POST", "/api/v1/incidents/csv", "time,lat,lon,category\n"), http.StatusBadRequest, "unit")
	if n := len(e.listIncidents()); n != 0 {
		t.Fatalf("%d incidents stored", n)
	}
}

// TestProstitutionCategory: the social-evils category "mại dâm" is accepted as JSON and in a
// CSV written in Vietnamese, and both come back as the code prostitution.
func TestProstitutionCategory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := map[string]any{"incidents": []map[string]any{{"time": "2024-03-01T15:00:00Z", "lat": 21.47, "lon": 105.85, "category": "prostitution", "description": "Môi giới mại dâm tại nhà nghỉ"}}}
	if r := e.as("officer1", "POST", "/api/v1/incidents?unit=w1", body); r.status != http.StatusOK {
		t.Fatalf("JSON incident: %d %s", r.status, r.body)
	}
	csv := "external_id,time,lat,lon,category,description\r\nMD-1,2024-03-02T23:30:00+07:00,21.4701,105.8502,Mại dâm,Bán dâm tại quán karaoke\r\n"
	r := e.as("officer1", "POST", "/api/v1/incidents/csv?unit=w1", []byte(csv), "Content-Type", "text/csv; charset=utf-8")
	var rep csvReply
	r.json(t, &rep)
	if r.status != http.StatusOK || rep.Accepted != 1 || len(rep.Rejected) != 0 {
		t.Fatalf("CSV incident: %d %s", r.status, r.body)
	}
	got := e.listIncidents()
	if len(got) != 2 {
		t.Fatalf("stored %+v, want 2 incidents", got)
	}
	for _, inc := range got {
		if inc.Category != "prostitution" {
			t.Errorf("incident %q stored as %q, want prostitution", inc.Description, inc.Category)
		}
	}
}
