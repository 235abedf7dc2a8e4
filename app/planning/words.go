package planning

import (
	"fmt"
	"strings"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/report"
)

// words holds every text a plan carries to people (its stops' names on the map and in the GPX
// file, the route's name, the GPX descriptions), by key, in Vietnamese and English. The words
// follow GLOSSARY.md and the web map's own ("Tuyến tuần tra gợi ý đêm …" / "Suggested route,
// night of …").
var words = report.Words{ // [vi, en]
	"start": {"Điểm xuất phát", "Start"},
	// A gap stop is named by its road and what sets it apart: the nights it went unpatrolled and
	// its incidents of the last 12 months, in it or else around it.
	"gap.road":       {"%s — %s", "%s — %s"},
	"gap.cell":       {"Vùng %s (ô H3 %s)", "Cell %s (H3 %s)"},
	"gap.nights":     {"chưa tuần tra %d đêm", "unpatrolled for %d nights"},
	"gap.night":      {"chưa tuần tra %d đêm", "unpatrolled for %d night"},
	"gap.in":         {"%d vụ việc tại đây", "%d incidents here"},
	"gap.in.one":     {"%d vụ việc tại đây", "%d incident here"},
	"gap.near":       {"%d vụ việc quanh đây", "%d incidents nearby"},
	"gap.near.one":   {"%d vụ việc quanh đây", "%d incident nearby"},
	"gap.kind.empty": {"chưa tuần tra", "unpatrolled"},
	"route":          {"Tuyến tuần tra gợi ý đêm %s", "Suggested route, night of %s"},
	"route.unit":     {"Tuyến tuần tra gợi ý %s đêm %s", "Suggested route, %s, night of %s"},
	"route.length":   {"%s km; %d điểm dừng", "%s km; %d stops"},
	"note.area":      {"Khu vực trọng điểm; lưu lại %d phút", "Key area; stay %d min"},
	"note.gap":       {"Vùng chưa được tuần tra (ô H3 %s); lưu lại %d phút", "Coverage gap (H3 cell %s); stay %d min"},
	"note.gap.why": {"Vùng chưa được tuần tra (ô H3 %s); số đêm chưa tuần tra: %d; vụ việc trong 12 tháng qua: %d trong ô, %d xung quanh; lưu lại %d phút",
		"Coverage gap (H3 cell %s); nights unpatrolled: %d; incidents in the last 12 months: %d in the cell, %d around it; stay %d min"},
	// The GPX file's name (ASCII: a unit code is [a-z0-9_-]), from the unit's code and the night.
	"file.gpx": {"tuyen-tuan-tra-%s-%s.gpx", "patrol-route-%s-%s.gpx"},
}

// word returns the text of key in lang (report.LangEN for English; Vietnamese otherwise).
func word(lang, key string) string { return words.In(lang, key) }

// nightText writes a night's date as people read it: dd/MM/yyyy in both languages.
func nightText(d geo.Date) string {
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, int(d.Month), d.Year)
}

// Name returns what the stop is called on the map and in the GPX file, in lang (report.LangVI
// or report.LangEN): a key area by its name, a gap by the road it lies on (or its H3 cell) and
// its GapKind: "Ngõ 11 Lê Hồng Phong — chưa tuần tra 14 đêm, 2 vụ việc tại đây".
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
		return fmt.Sprintf(word(lang, "gap.road"), st.Road, st.GapKind(lang))
	}
	return fmt.Sprintf(word(lang, "gap.cell"), st.GapKind(lang), st.Cell.String())
}

// GapKind says what sets a gap stop apart from the others, in lang: the nights it went
// unpatrolled and its incidents of the last 12 months, in the cell or else around it
// ("chưa tuần tra 14 đêm, 2 vụ việc tại đây" / "unpatrolled for 14 nights, 2 incidents here").
func (st Stop) GapKind(lang string) string {
	var parts []string
	switch {
	case st.Unpatrolled == 1:
		parts = append(parts, fmt.Sprintf(word(lang, "gap.night"), st.Unpatrolled))
	case st.Unpatrolled > 1:
		parts = append(parts, fmt.Sprintf(word(lang, "gap.nights"), st.Unpatrolled))
	}
	if g := st.Gap; g != nil {
		switch {
		case g.In.Count == 1:
			parts = append(parts, fmt.Sprintf(word(lang, "gap.in.one"), g.In.Count))
		case g.In.Count > 1:
			parts = append(parts, fmt.Sprintf(word(lang, "gap.in"), g.In.Count))
		case g.Near.Count == 1:
			parts = append(parts, fmt.Sprintf(word(lang, "gap.near.one"), g.Near.Count))
		case g.Near.Count > 1:
			parts = append(parts, fmt.Sprintf(word(lang, "gap.near"), g.Near.Count))
		}
	}
	if len(parts) == 0 {
		return word(lang, "gap.kind.empty")
	}
	return strings.Join(parts, ", ")
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
	if st.Gap != nil && st.Unpatrolled > 0 {
		return fmt.Sprintf(word(lang, "note.gap.why"), st.Cell.String(), st.Unpatrolled, st.Gap.In.Count, st.Gap.Near.Count, st.Dwell)
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
