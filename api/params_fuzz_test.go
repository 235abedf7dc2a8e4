package api

// Fuzz targets for every query parameter parser (issue 8: "fuzz every decoder and every query
// parameter parser"). The handlers' parsers run on a bare gin context — no database, no server —
// so the fuzzer runs them hundreds of thousands of times a second. Each must not panic, must
// either accept a value inside its documented range or answer a 400 problem naming its field,
// and must never write an answer when it accepts. The seed corpora (f.Add and
// testdata/fuzz/<FuzzName>/) run in every plain `go test`; fuzz by hand with, for example:
//
//	go test ./api/ -run '^$' -fuzz '^FuzzQueryParams$' -fuzztime 60s

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/app/coverage"
	"github.com/patrolmap/patrolmap/app/hotspots"
	"github.com/patrolmap/patrolmap/app/planning"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// fuzzUnit is the unit the period parsers read their zone and night from.
var fuzzUnit = patrol.Unit{ID: 1, Code: "w1", TimeZone: "Asia/Ho_Chi_Minh", NightStart: "22:00", NightEnd: "05:00", H3Res: 10}

// paramCtx is a GET request with a raw query string (and path parameters) on a bare gin context.
func paramCtx(rawQuery string, params ...gin.Param) (*gin.Context, *httptest.ResponseRecorder) {
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	c.Request = &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/", RawQuery: rawQuery}, Header: http.Header{}}
	c.Params = params
	return c, w
}

// checkParsed fails unless a parser that accepted wrote nothing, and one that refused wrote a
// 400 problem+json naming one of fields.
func checkParsed(t *testing.T, what string, ok bool, w *httptest.ResponseRecorder, fields ...string) {
	t.Helper()
	if ok {
		if w.Body.Len() != 0 {
			t.Fatalf("%s accepted but answered %d %s", what, w.Code, w.Body)
		}
		return
	}
	if w.Code != http.StatusBadRequest {
		t.Fatalf("%s refused with status %d, want 400: %s", what, w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s: content type %q", what, ct)
	}
	var p Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Status != http.StatusBadRequest {
		t.Fatalf("%s: not a problem (%v): %s", what, err, w.Body)
	}
	for _, fe := range p.Errors {
		if slices.Contains(fields, fe.Field) && fe.Message != "" {
			return
		}
	}
	t.Fatalf("%s: the problem names none of %v: %s", what, fields, w.Body)
}

// runParamParsers runs every query parameter parser of the handlers on one raw query string.
func runParamParsers(t *testing.T, raw string) {
	s := &Server{cfg: Config{Now: func() time.Time { return fuzzNow }}}
	ints := []struct {
		name           string
		def, lo, hi    int
		parse          func(c *gin.Context, name string, def, lo, hi int) (int, bool)
		parserFunction string
	}{
		{"res", 10, geo.MinRes, geo.MaxRes, intParam, "intParam"},
		{"k", 1, 0, geo.MaxNeighbourK, intParam, "intParam"},
		{"min_severity", 1, 1, 5, intParam, "intParam"},
		{"permutations", 0, 0, 99_999, intParam, "intParam"},
		{"holdout", hotspots.DefaultHoldout, 1, hotspots.MaxSteps, intParam, "intParam"},
		{"nights", planning.DefaultNights, 1, planning.MaxNights, planInt, "planInt"},
		{"targets", planning.DefaultTargets, 1, planning.MaxTargets, planInt, "planInt"},
	}
	for _, p := range ints {
		c, w := paramCtx(raw)
		v, ok := p.parse(c, p.name, p.def, p.lo, p.hi)
		checkParsed(t, p.parserFunction+" "+p.name, ok, w, p.name)
		if ok && (v < p.lo || v > p.hi) {
			t.Fatalf("%s = %d outside [%d, %d]", p.name, v, p.lo, p.hi)
		}
	}
	{
		c, w := paramCtx(raw)
		v, ok := timeLagParam(c, 12)
		checkParsed(t, "time_lag", ok, w, "time_lag")
		if ok && (v < 0 || v > 11) {
			t.Fatalf("time_lag = %d", v)
		}
	}
	{
		c, w := paramCtx(raw)
		v, ok := coverageRes(c, fuzzUnit)
		checkParsed(t, "coverage res", ok, w, "res")
		if ok && !geo.ValidRes(v) {
			t.Fatalf("res = %d", v)
		}
	}
	{
		c, w := paramCtx(raw)
		v, ok := categoriesParam(c)
		checkParsed(t, "category", ok, w, "category")
		for _, cat := range v {
			if !patrol.ValidCategory(cat) {
				t.Fatalf("category %q accepted", cat)
			}
		}
	}
	{
		c, w := paramCtx(raw)
		v, ok := alphaParam(c)
		checkParsed(t, "alpha", ok, w, "alpha")
		if ok && !(v > 0 && v < 1) {
			t.Fatalf("alpha = %v", v)
		}
	}
	{
		c, w := paramCtx(raw)
		_, ok := seedParam(c)
		checkParsed(t, "seed", ok, w, "seed")
	}
	{
		c, w := paramCtx(raw)
		v, ok := minNightsParam(c)
		checkParsed(t, "min_nights", ok, w, "min_nights")
		if ok && (v < 1 || v > coverage.MaxMinNights) {
			t.Fatalf("min_nights = %d", v)
		}
	}
	{
		c, w := paramCtx(raw)
		v, ok := maxKmParam(c)
		checkParsed(t, "max_km", ok, w, "max_km")
		if ok && !(v >= 0.2 && v <= planning.MaxKm) {
			t.Fatalf("max_km = %v", v)
		}
	}
	{
		c, w := paramCtx(raw)
		pt, ok := startParam(c)
		checkParsed(t, "start", ok, w, "start")
		if ok && pt != nil && !(math.Abs(pt.Lat()) <= 90 && math.Abs(pt.Lon()) <= 180) {
			t.Fatalf("start = %v", pt)
		}
	}
	{
		c, w := paramCtx(raw)
		v, ok := daysParam(c)
		checkParsed(t, "days", ok, w, "days")
		if ok && (v < 1 || v > 366) {
			t.Fatalf("days = %d", v)
		}
	}
	{
		c, _ := paramCtx(raw)
		if v := limitParam(c, 500); v < 1 || v > 5000 {
			t.Fatalf("limit = %d", v)
		}
	}
	for _, name := range []string{"dry_run", "set_boundary", "replace"} {
		c, w := paramCtx(raw)
		_, ok := boolParam(c, name, false)
		checkParsed(t, name, ok, w, name)
	}
	{
		c, w := paramCtx(raw)
		v, ok := reportFormat(c, true)
		checkParsed(t, "report format", ok, w, "format")
		if ok && v != "html" && v != "pdf" && v != "json" {
			t.Fatalf("format = %q", v)
		}
	}
	{
		c, _ := paramCtx(raw)
		if w, err := geo.ParseWindow(c.Query("window")); err == nil && !w.Valid() {
			t.Fatalf("window %q", w)
		}
	}
	for _, window := range []geo.Window{geo.WindowNight, geo.WindowDay, geo.WindowAll} {
		c, w := paramCtx(raw)
		p, ok := s.period(c, fuzzUnit, window)
		checkParsed(t, "period", ok, w, "from", "to")
		if ok && (!p.From.Before(p.To) || p.To.Sub(p.From) > 5*366*24*time.Hour) {
			t.Fatalf("period %v – %v", p.From, p.To)
		}
	}
	{
		c, w := paramCtx(raw)
		st, ok := s.spaceTime(c, hotspots.Query{Unit: fuzzUnit}, 12)
		checkParsed(t, "step period", ok, w, "from", "to", "step")
		if p, bounds := st.Period, st.Bounds; ok {
			if len(bounds) < 2 || !bounds[0].Equal(p.From) || !bounds[len(bounds)-1].Equal(p.To) {
				t.Fatalf("bounds %v of period %v – %v", bounds, p.From, p.To)
			}
			for i := 1; i < len(bounds); i++ {
				if !bounds[i-1].Before(bounds[i]) {
					t.Fatalf("bounds not increasing: %v", bounds)
				}
			}
		}
	}
	{
		c, w := paramCtx(raw)
		l, ok := s.planLookBack(c, fuzzUnit)
		checkParsed(t, "plan night", ok, w, "night", "nights")
		if ok && (l.Nights < 1 || l.Nights > planning.MaxNights || !l.Period.From.Before(l.Period.To)) {
			t.Fatalf("plan night: %d nights, %v – %v", l.Nights, l.Period.From, l.Period.To)
		}
	}
}

// queryParamNames are the parameters FuzzQueryParams sets, one at a time.
var queryParamNames = []string{"res", "k", "min_severity", "permutations", "holdout", "nights", "targets", "time_lag", "category",
	"alpha", "seed", "min_nights", "max_km", "start", "days", "limit", "dry_run", "format", "window", "from", "to", "step", "night"}

// FuzzQueryParams gives one fuzzed value to each query parameter in turn, and to from and to
// together.
func FuzzQueryParams(f *testing.F) {
	for _, v := range []string{"", "0", "1", "-1", "5", "11", "99999", "100000", "0.05", "1e-300", "1e308", "NaN", "Inf", "-Inf",
		"0x10", "1_0", " 3 ", "+3", "9223372036854775808", "21.47,105.85", "NaN,NaN", "91,0", "0,-180", ",", "theft,robbery", "theft,,x",
		"true", "no", "pdf", "night", "week", "month", "2024-03-01", "2024-02-29", "2023-02-29", "2024-03-01T22:00:00+07:00",
		"2024-03-01T22:00:00.123456789Z", "0000-01-01", "9999-12-31", "' OR 1=1--", "\x00", "\xff", "\u202e1"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, name := range queryParamNames {
			runParamParsers(t, url.Values{name: {v}}.Encode())
		}
		runParamParsers(t, url.Values{"from": {v}, "to": {v}}.Encode())
		runParamParsers(t, url.Values{"from": {v}, "to": {"2024-06-01"}, "step": {"month"}}.Encode())
	})
}

// FuzzRawQuery runs every parser on a whole raw query string: repeated parameters, bad
// escapes, several parameters at once.
func FuzzRawQuery(f *testing.F) {
	for _, q := range []string{
		"unit=w1&from=2024-03-01&to=2024-03-15&res=10&k=1&alpha=0.05&category=theft&category=drugs,fire&min_severity=2",
		"from=2024-01-01&to=2024-03-25&step=week&time_lag=2&holdout=4",
		"from=2024-01-01&to=2024-06-01&step=month",
		"night=2024-03-01&nights=14&start=21.47,105.85&max_km=12.5&targets=20",
		"window=day&from=2024-03-01T00:00:00Z&to=2024-03-02T00:00:00Z",
		"res=8&res=99", "alpha=%zz", "from=%ff&to=%00", "k=1;k=2", "from=2019-01-01&to=2024-06-01", "limit=-5&days=0",
		"format=gpx&dry_run=maybe", "start=1e400,0", "",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		runParamParsers(t, q)
	})
}

// FuzzPathID fuzzes the positive integer path parameters (areas, incidents, routes, reports,
// tokens, assignments).
func FuzzPathID(f *testing.F) {
	for _, v := range []string{"1", "0", "-1", "9223372036854775807", "9223372036854775808", "1 OR 1=1", "01", "+1", "0x1", "1e3", "", "../1", "\x00"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		c, w := paramCtx("", gin.Param{Key: "id", Value: v})
		id, ok := pathID(c, "id")
		checkParsed(t, "path id", ok, w, "id")
		if ok && id <= 0 {
			t.Fatalf("id %d accepted", id)
		}
	})
}

// FuzzParsePeriod fuzzes geo.ParsePeriod: errors are *geo.FieldError naming from, to or window;
// a period is never empty or reversed.
func FuzzParsePeriod(f *testing.F) {
	f.Add("2024-03-01", "2024-03-02", "night", uint8(0))
	f.Add("2024-03-01T22:00:00+07:00", "2024-03-02T05:00:00+07:00", "all", uint8(1))
	f.Add("2024-03-10", "2024-03-10", "day", uint8(2))
	f.Add("2024-03-31", "2024-04-01", "night", uint8(2))
	f.Add("", "2024-03-01", "", uint8(0))
	f.Add("0001-01-01", "9999-12-31", "all", uint8(3))
	f.Add("2024-13-01", "2024-02-30", "night", uint8(0))
	locs := []*time.Location{nil, time.UTC, mustLoc("Asia/Ho_Chi_Minh"), mustLoc("America/New_York")}
	f.Fuzz(func(t *testing.T, from, to, window string, zone uint8) {
		loc := locs[int(zone)%len(locs)]
		p, err := geo.ParsePeriod(from, to, loc, geo.Window(window), geo.NightWindow{})
		if err != nil {
			fe, ok := err.(*geo.FieldError)
			if !ok || !slices.Contains([]string{"from", "to", "window"}, fe.Field) || fe.Reason == "" {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if !p.From.Before(p.To) {
			t.Fatalf("period %v – %v", p.From, p.To)
		}
		if w, err := geo.ParseWindow(window); err != nil || w != geo.Window(window) {
			t.Fatalf("window %q accepted by ParsePeriod but not ParseWindow", window)
		}
	})
}

// FuzzParseDate fuzzes geo.ParseDate: a date it accepts writes back to a string it reads as the
// same date.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024-03-01", "2024-02-29", "2023-02-29", "0000-01-01", "9999-12-31", "2024-3-1", "2024-03-01T00:00:00Z", "+2024-03-01", "２０２４-03-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := geo.ParseDate(s)
		if err != nil {
			return
		}
		if d.String() != s {
			t.Fatalf("%q read as %v", s, d)
		}
		if back, err := geo.ParseDate(d.String()); err != nil || back != d {
			t.Fatalf("%v does not read back: %v %v", d, back, err)
		}
		if d.AddDays(1).Compare(d) != 1 || d.AddDays(-1).Compare(d) != -1 {
			t.Fatalf("AddDays around %v", d)
		}
	})
}

// FuzzParseClock fuzzes geo.ParseClock and geo.ParseNightWindow.
func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"22:00", "5:00", "05:00", "23:59", "24:00", "00:60", "-1:00", "+1:00", "1:5", "١٢:00", ":", "", "22:00:00"} {
		f.Add(s, "05:00")
	}
	f.Fuzz(func(t *testing.T, s, end string) {
		c, err := geo.ParseClock(s)
		if err == nil {
			if !c.Valid() {
				t.Fatalf("%q read as an invalid clock %d", s, c)
			}
			if back, err := geo.ParseClock(c.String()); err != nil || back != c {
				t.Fatalf("%v does not read back: %v %v", c, back, err)
			}
		}
		nw, err := geo.ParseNightWindow(s, end)
		if err != nil {
			if fe, ok := err.(*geo.FieldError); ok && fe.Field != "night_start" && fe.Field != "night_end" {
				t.Fatalf("night window error names %q", fe.Field)
			}
			return
		}
		if !nw.Start.Valid() || !nw.End.Valid() {
			t.Fatalf("night window %v", nw)
		}
	})
}

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}
