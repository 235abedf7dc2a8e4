package planning

import (
	"fmt"
	"strings"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/report"
)

// words holds every text a plan carries to people (its stops' names on the map and in the GPX
// file, the route's name, the GPX descriptions), by key, in Vietnamese and English. The words
// follow GLOSSARY.md and the web map's own ("Vùng chưa tuần tra" / "Unpatrolled cell" for a gap
// stop, "Tuyến tuần tra gợi ý đêm …" / "Suggested route, night of …").
var words = map[string][2]string{ // [vi, en]
	"start":        {"Điểm xuất phát", "Start"},
	"gap.road":     {"Vùng chưa tuần tra, %s", "Unpatrolled cell, %s"},
	"gap.cell":     {"Vùng chưa tuần tra %s", "Unpatrolled cell %s"},
	"route":        {"Tuyến tuần tra gợi ý đêm %s", "Suggested route, night of %s"},
	"route.unit":   {"Tuyến tuần tra gợi ý %s đêm %s", "Suggested route, %s, night of %s"},
	"route.length": {"%s km; %d điểm dừng", "%s km; %d stops"},
	"note.area":    {"Khu vực trọng điểm; lưu lại %d phút", "Key area; stay %d min"},
	"note.gap":     {"Vùng chưa được tuần tra (ô H3 %s); lưu lại %d phút", "Coverage gap (H3 cell %s); stay %d min"},
	// The GPX file's name (ASCII: a unit code is [a-z0-9_-]), from the unit's code and the night.
	"file.gpx": {"tuyen-tuan-tra-%s-%s.gpx", "patrol-route-%s-%s.gpx"},
}

// word returns the text of key in lang (report.LangEN for English; Vietnamese otherwise).
func word(lang, key string) string {
	w := words[key]
	if lang == report.LangEN {
		return w[1]
	}
	return w[0]
}

// nightText writes a night's date as people read it: dd/MM/yyyy in both languages.
func nightText(d geo.Date) string {
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, int(d.Month), d.Year)
}

// Name returns what the stop is called on the map and in the GPX file, in lang (report.LangVI
// or report.LangEN): a key area by its name, a gap by the road it lies on (or its H3 cell).
func (st Stop) Name(lang string) string {
	switch st.Kind {
	case StopStart:
		if st.Area != nil {
			return st.Area.Area.Name
		}
		return word(lang, "start")
	case StopKeyArea:
		return st.Area.Area.Name
	}
	if st.Road != "" {
		return fmt.Sprintf(word(lang, "gap.road"), st.Road)
	}
	return fmt.Sprintf(word(lang, "gap.cell"), st.Cell.String())
}

// Note returns the stop's description in the GPX file, in lang: what it is and the stay it is
// planned with ("" for the start).
func (st Stop) Note(lang string) string {
	switch st.Kind {
	case StopStart:
		return ""
	case StopKeyArea:
		return fmt.Sprintf(word(lang, "note.area"), st.Dwell)
	}
	return fmt.Sprintf(word(lang, "note.gap"), st.Cell.String(), st.Dwell)
}

// RouteName returns the suggested route's name on the map, in lang: "Tuyến tuần tra gợi ý đêm
// 07/12/2026" / "Suggested route, night of 07/12/2026".
func (p *Plan) RouteName(lang string) string {
	return fmt.Sprintf(word(lang, "route"), nightText(p.Night))
}

// Title returns the route's name with its unit's, for the GPX file, in lang.
func (p *Plan) Title(lang string) string {
	return fmt.Sprintf(word(lang, "route.unit"), p.Gaps.Unit.Name, nightText(p.Night))
}

// LengthText returns the route's length and number of stops, in lang ("8,1 km; 12 điểm dừng" /
// "8.1 km; 12 stops").
func (p *Plan) LengthText(lang string) string {
	km := fmt.Sprintf("%.1f", p.LengthM/1000)
	if lang != report.LangEN {
		km = strings.Replace(km, ".", ",", 1)
	}
	return fmt.Sprintf(word(lang, "route.length"), km, len(p.Stops)-2)
}

// FileName returns the name the plan's GPX file is saved under, in lang:
// "tuyen-tuan-tra-demo-2026-12-07.gpx" / "patrol-route-demo-2026-12-07.gpx".
func (p *Plan) FileName(lang string) string {
	return fmt.Sprintf(word(lang, "file.gpx"), p.Gaps.Unit.Code, p.Night)
}
