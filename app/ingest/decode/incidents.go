package decode

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/patrolmap/patrolmap/patrol"
)

// MaxIncidentsPerRequest bounds one incident upload.
const MaxIncidentsPerRequest = 50000

// IncidentInput is one incident as clients send it, in a JSON list or as Feature properties.
type IncidentInput struct {
	ExternalID  json.RawMessage `json:"external_id"`
	Time        string          `json:"time"`
	Lat         *float64        `json:"lat"`
	Lon         *float64        `json:"lon"`
	Category    string          `json:"category"`
	Severity    *int            `json:"severity"`
	Status      string          `json:"status"`
	Description string          `json:"description"`
}

// ToIncident validates one incident; now bounds how far in the future its time may be.
func (in IncidentInput) ToIncident(now time.Time) (patrol.Incident, *FieldError) {
	out := patrol.Incident{Category: in.Category, Status: in.Status, Description: in.Description, Severity: 3}
	if len(in.ExternalID) > 0 && string(in.ExternalID) != "null" {
		var s string
		if err := json.Unmarshal(in.ExternalID, &s); err != nil {
			var n json.Number
			if err := json.Unmarshal(in.ExternalID, &n); err != nil {
				return out, &FieldError{"external_id", "must be a string or number"}
			}
			s = n.String()
		}
		s = strings.TrimSpace(s)
		if len(s) > 200 || strings.HasPrefix(s, "auto:") || strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
			return out, &FieldError{"external_id", "at most 200 characters, not starting with auto:"}
		}
		out.ExternalID = s
	}
	t, fe := parseTime("time", in.Time)
	if fe != nil {
		return out, fe
	}
	if t.After(now.Add(5*time.Minute)) || t.Year() < 1990 {
		return out, &FieldError{"time", "must not be in the future or before 1990"}
	}
	out.Time = t.UTC()
	if in.Lat == nil || math.IsNaN(*in.Lat) || *in.Lat < -90 || *in.Lat > 90 {
		return out, &FieldError{"lat", "required, −90 to 90"}
	}
	if in.Lon == nil || math.IsNaN(*in.Lon) || *in.Lon < -180 || *in.Lon > 180 {
		return out, &FieldError{"lon", "required, −180 to 180"}
	}
	out.Lat, out.Lon = *in.Lat, *in.Lon
	if !patrol.ValidCategory(out.Category) {
		return out, &FieldError{"category", "must be one of " + strings.Join(patrol.Categories, ", ")}
	}
	if in.Severity != nil {
		if *in.Severity < 1 || *in.Severity > 5 {
			return out, &FieldError{"severity", "must be 1–5"}
		}
		out.Severity = *in.Severity
	}
	if out.Status == "" {
		out.Status = patrol.StatusOpen
	}
	if !patrol.ValidStatus(out.Status) {
		return out, &FieldError{"status", "must be open, closed or void"}
	}
	if len(out.Description) > 4000 || !utf8.ValidString(out.Description) || strings.ContainsRune(out.Description, 0) {
		return out, &FieldError{"description", "at most 4000 bytes of UTF-8 without NUL characters"}
	}
	return out, nil
}

// Incidents reads {"incidents":[...]}, a bare list, or a GeoJSON FeatureCollection.
func Incidents(body []byte) ([]IncidentInput, error) {
	var probe struct {
		Type      string            `json:"type"`
		Incidents []IncidentInput   `json:"incidents"`
		Features  []json.RawMessage `json:"features"`
	}
	trimmed := strings.TrimSpace(string(body))
	if strings.HasPrefix(trimmed, "[") {
		var list []IncidentInput
		if err := JSON(body, &list); err != nil {
			return nil, err
		}
		return list, nil
	}
	if err := JSON(body, &probe); err != nil {
		return nil, err
	}
	if probe.Type == "FeatureCollection" {
		list := make([]IncidentInput, len(probe.Features))
		for i, raw := range probe.Features {
			var f struct {
				Geometry *struct {
					Type        string    `json:"type"`
					Coordinates []float64 `json:"coordinates"`
				} `json:"geometry"`
				Properties IncidentInput `json:"properties"`
			}
			if err := json.Unmarshal(raw, &f); err != nil {
				list[i] = IncidentInput{Time: "\x00bad feature"}
				continue
			}
			in := f.Properties
			if f.Geometry != nil && f.Geometry.Type == "Point" && len(f.Geometry.Coordinates) >= 2 {
				lon, lat := f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]
				in.Lon, in.Lat = &lon, &lat
			}
			list[i] = in
		}
		return list, nil
	}
	if probe.Incidents == nil {
		return nil, badField("incidents", `required: {"incidents":[...]} or a GeoJSON FeatureCollection`)
	}
	return probe.Incidents, nil
}

// Incident CSV (POST /api/v1/incidents/csv and `patrolmap import incidents FILE.csv`): one
// header row whose names are mapped to the incident fields, English or Vietnamese, with or
// without diacritics ("Thời gian", "thoi_gian", "time", …; see csvColumns); UTF-8 with or
// without a byte order mark; comma, semicolon or tab separated (Excel's "sep=;" first line is
// honoured). Times without a zone are local times of the unit (dd/mm/yyyy as Vietnamese write
// them, or yyyy-mm-dd); numbers may use a decimal comma; categories and statuses may be written
// in Vietnamese. Descriptions are kept exactly as written.

const (
	// maxCSVColumns bounds the header row.
	maxCSVColumns = 64
	// maxCSVField bounds one field; a longer one is cut there and then fails its own check.
	maxCSVField = 8192
)

// csvColumns maps folded header names (see foldName) to incident fields.
var csvColumns = map[string]string{}

// csvCategories and csvStatuses map folded values to the interface's codes.
var csvCategories = map[string]string{}
var csvStatuses = map[string]string{}

func init() {
	for field, names := range map[string][]string{
		"external_id": {"external_id", "externalid", "ext_id", "id", "ref", "reference", "case_id", "case", "so", "so_hieu", "ma", "ma_vu_viec", "ma_so", "so_vu_viec"},
		"time":        {"time", "datetime", "date_time", "timestamp", "ts", "date", "occurred_at", "when", "thoi_gian", "ngay_gio", "thoi_diem", "ngay", "ngay_xay_ra", "thoi_gian_xay_ra"},
		"lat":         {"lat", "latitude", "vi_do", "y"},
		"lon":         {"lon", "lng", "long", "longitude", "kinh_do", "x"},
		"location":    {"location", "coordinates", "coords", "latlon", "lat_lon", "toa_do", "vi_tri"},
		"category":    {"category", "type", "kind", "loai", "loai_vu_viec", "phan_loai", "tinh_chat"},
		"severity":    {"severity", "level", "priority", "muc_do", "muc_do_nghiem_trong"},
		"status":      {"status", "state", "trang_thai", "tinh_trang"},
		"description": {"description", "desc", "details", "detail", "note", "notes", "summary", "mo_ta", "noi_dung", "ghi_chu", "tom_tat"},
	} {
		for _, n := range names {
			csvColumns[n] = field
		}
	}
	for code, names := range map[string][]string{
		"theft":            {"theft", "trom", "trom_cap", "trom_cap_tai_san"},
		"robbery":          {"robbery", "cuop", "cuop_giat", "cuop_tai_san", "cuop_giat_tai_san"},
		"drugs":            {"drugs", "drug", "ma_tuy"},
		"gambling":         {"gambling", "co_bac", "danh_bac"},
		"prostitution":     {"prostitution", "mai_dam", "ban_dam", "mua_ban_dam"},
		"disorder":         {"disorder", "fighting", "public_disorder", "gay_roi", "gay_roi_trat_tu", "gay_roi_trat_tu_cong_cong", "danh_nhau"},
		"traffic_accident": {"traffic_accident", "traffic", "accident", "tai_nan", "tai_nan_giao_thong"},
		"fire":             {"fire", "chay", "chay_no"},
		"fraud":            {"fraud", "lua_dao"},
		"other":            {"other", "khac"},
	} {
		for _, n := range names {
			csvCategories[n] = code
		}
	}
	for code, names := range map[string][]string{
		patrol.StatusOpen:   {"open", "mo", "dang_xu_ly", "chua_xu_ly"},
		patrol.StatusClosed: {"closed", "close", "dong", "da_xu_ly", "ket_thuc"},
		patrol.StatusVoid:   {"void", "huy", "da_huy"},
	} {
		for _, n := range names {
			csvStatuses[n] = code
		}
	}
}

// vietnameseBase maps the precomposed Vietnamese letters to their base letter.
var vietnameseBase = func() map[rune]rune {
	m := map[rune]rune{'đ': 'd', 'Đ': 'd'}
	for base, letters := range map[rune]string{
		'a': "àáảãạăằắẳẵặâầấẩẫậ", 'e': "èéẻẽẹêềếểễệ", 'i': "ìíỉĩị",
		'o': "òóỏõọôồốổỗộơờớởỡợ", 'u': "ùúủũụưừứửữự", 'y': "ỳýỷỹỵ",
	} {
		for _, r := range letters {
			m[r] = base
			m[unicode.ToUpper(r)] = base
		}
	}
	return m
}()

// foldName folds a header or code for matching: lower case, Vietnamese diacritics removed
// (precomposed or combining), anything in parentheses dropped, runs of other characters turned
// into one underscore. "Thời gian (giờ VN)" and "thoi-gian" both become "thoi_gian".
func foldName(s string) string {
	if i := strings.IndexByte(s, '('); i > 0 {
		s = s[:i]
	}
	var b strings.Builder
	sep := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if base, ok := vietnameseBase[r]; ok {
			r = base
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if sep && b.Len() > 0 {
				b.WriteByte('_')
			}
			sep = false
			b.WriteRune(r)
			continue
		}
		sep = true
	}
	return b.String()
}

// IncidentsCSV reads incident rows; times without a zone are in loc. A file that cannot
// be read as such a table is a *Error naming the field "csv" (or the missing column).
func IncidentsCSV(data []byte, loc *time.Location) ([]IncidentInput, error) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return nil, badField("csv", "the file is UTF-16; save it as \"CSV UTF-8\"")
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(data) {
		return nil, badField("csv", "the file is not UTF-8 text; save it as \"CSV UTF-8\"")
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, badField("csv", "the file holds NUL bytes, so it is not CSV text")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, badField("csv", "empty: a header row and one row per incident are required")
	}
	var delim rune
	if first, rest, _ := bytes.Cut(data, []byte("\n")); bytes.HasPrefix(bytes.ToLower(first), []byte("sep=")) {
		sep := []rune(strings.TrimSpace(string(first[4:])))
		if len(sep) != 1 || !validDelimiter(sep[0]) {
			return nil, badField("csv", "the sep= line must name one separator: comma, semicolon or tab")
		}
		delim, data = sep[0], rest
	} else {
		delim = guessDelimiter(first)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = delim
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, csvProblem(err)
	}
	if len(header) > maxCSVColumns {
		return nil, badField("csv", fmt.Sprintf("%d columns; at most %d", len(header), maxCSVColumns))
	}
	col := map[string]int{}
	for i, h := range header {
		field, ok := csvColumns[foldName(h)]
		if !ok {
			continue
		}
		if j, dup := col[field]; dup {
			return nil, badField(field, fmt.Sprintf("columns %q and %q both mean %s", header[j], h, field))
		}
		col[field] = i
	}
	_, hasLoc := col["location"]
	for _, need := range []string{"time", "lat", "lon", "category"} {
		if _, ok := col[need]; !ok && !(hasLoc && (need == "lat" || need == "lon")) {
			return nil, badField(need, "no column for "+need+" in the header row "+strconv.Quote(strings.Join(header, string(delim))))
		}
	}
	var out []IncidentInput
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvProblem(err)
		}
		if blankRecord(rec) {
			continue
		}
		if len(out) >= MaxIncidentsPerRequest {
			return nil, tooLarge(fmt.Sprintf("at most %d incidents per request", MaxIncidentsPerRequest),
				FieldError{"csv", fmt.Sprintf("more than %d rows; the limit is %d", MaxIncidentsPerRequest, MaxIncidentsPerRequest)})
		}
		get := func(field string) string {
			i, ok := col[field]
			if !ok || i >= len(rec) {
				return ""
			}
			v := strings.TrimSpace(rec[i])
			if len(v) > maxCSVField {
				v = v[:maxCSVField]
			}
			return v
		}
		out = append(out, csvIncident(get, loc))
	}
	if len(out) == 0 {
		return nil, badField("csv", "no incident rows after the header row")
	}
	return out, nil
}

func validDelimiter(r rune) bool { return r == ',' || r == ';' || r == '\t' || r == '|' }

// guessDelimiter picks the separator that occurs most often, outside quotes, in the header row.
func guessDelimiter(line []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, r := range string(line) {
		if r == '"' {
			quoted = !quoted
			continue
		}
		if !quoted && validDelimiter(r) {
			counts[r]++
		}
	}
	best, n := ',', 0
	for _, r := range []rune{',', ';', '\t', '|'} {
		if counts[r] > n {
			best, n = r, counts[r]
		}
	}
	return best
}

func blankRecord(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// csvProblem names the line of a CSV syntax error.
func csvProblem(err error) *Error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return badField("csv", fmt.Sprintf("line %d, column %d: %v", pe.StartLine, pe.Column, pe.Err))
	}
	return badField("csv", err.Error())
}

// csvTimeLayouts are the local date-time forms read besides RFC 3339, day first as Vietnamese
// write dates.
var csvTimeLayouts = []string{
	"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04",
	"02/01/2006 15:04:05", "02/01/2006 15:04", "2/1/2006 15:04:05", "2/1/2006 15:04",
	"02-01-2006 15:04:05", "02-01-2006 15:04", "15:04 02/01/2006", "15:04:05 02/01/2006",
	"02/01/2006", "2/1/2006", "2006-01-02",
}

// csvIncident converts one row. Values that cannot be read are passed on in a form the common
// validation (IncidentInput.ToIncident) refuses, naming their field.
func csvIncident(get func(string) string, loc *time.Location) IncidentInput {
	in := IncidentInput{Description: get("description")}
	if id := get("external_id"); id != "" {
		in.ExternalID, _ = json.Marshal(id)
	}
	in.Time = get("time")
	if _, err := time.Parse(time.RFC3339Nano, in.Time); err != nil {
		for _, layout := range csvTimeLayouts {
			if t, err := time.ParseInLocation(layout, in.Time, loc); err == nil {
				in.Time = t.Format(time.RFC3339)
				break
			}
		}
	}
	latText, lonText := get("lat"), get("lon")
	if latText == "" && lonText == "" {
		latText, lonText = splitLocation(get("location"))
	}
	in.Lat, in.Lon = csvNumber(latText), csvNumber(lonText)
	in.Category = get("category")
	if code, ok := csvCategories[foldName(in.Category)]; ok {
		in.Category = code
	}
	in.Status = get("status")
	if code, ok := csvStatuses[foldName(in.Status)]; ok {
		in.Status = code
	}
	if s := get("severity"); s != "" {
		v, ok := csvNumberValue(s)
		sev := 0 // refused by the 1–5 check
		if ok && v == math.Trunc(v) && v >= 1 && v <= 5 {
			sev = int(v)
		}
		in.Severity = &sev
	}
	return in
}

// splitLocation splits "lat, lon" or "lat lon" (or with a semicolon).
func splitLocation(s string) (string, string) {
	for _, sep := range []string{";", ", ", " ", ","} {
		if a, b, ok := strings.Cut(s, sep); ok {
			return strings.TrimSpace(a), strings.TrimSpace(b)
		}
	}
	return s, ""
}

// csvNumber reads a coordinate, with a decimal point or a decimal comma; nil when empty, NaN
// (refused as out of range) when not a number.
func csvNumber(s string) *float64 {
	if s == "" {
		return nil
	}
	v, ok := csvNumberValue(s)
	if !ok {
		v = math.NaN()
	}
	return &v
}

func csvNumberValue(s string) (float64, bool) {
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	return ParseNumber(s)
}

// ImportIncidents reads incidents from a file as the HTTP API does — CSV when the name ends in
// .csv, else a JSON list, {"incidents":[...]} or a GeoJSON FeatureCollection — with local times
// in loc, and returns the valid ones (Source "import") and the others with index and reason.
func ImportIncidents(name string, data []byte, loc *time.Location, now time.Time) ([]patrol.Incident, []RejectedItem, error) {
	var inputs []IncidentInput
	var err error
	if strings.EqualFold(filepath.Ext(name), ".csv") {
		inputs, err = IncidentsCSV(data, loc)
	} else {
		inputs, err = Incidents(data)
	}
	if err != nil {
		return nil, nil, err
	}
	if len(inputs) > MaxIncidentsPerRequest {
		return nil, nil, tooLarge(fmt.Sprintf("at most %d incidents per file", MaxIncidentsPerRequest))
	}
	var out []patrol.Incident
	var rejected []RejectedItem
	for i, in := range inputs {
		inc, fe := in.ToIncident(now)
		if fe == nil {
			fe = textWithoutNUL(inc)
		}
		if fe != nil {
			rejected = append(rejected, Rejected(i, fe))
			continue
		}
		inc.Source = "import"
		out = append(out, inc)
	}
	return out, rejected, nil
}

// textWithoutNUL refuses an incident whose text PostgreSQL cannot store.
func textWithoutNUL(in patrol.Incident) *FieldError {
	for _, f := range []struct{ name, v string }{{"external_id", in.ExternalID}, {"description", in.Description}} {
		if strings.ContainsRune(f.v, 0) {
			return &FieldError{f.name, "must not contain NUL characters"}
		}
	}
	return nil
}
