package coverage

import (
	"fmt"
	"strconv"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/report"
)

// words holds every text a gap's reason says to people (GET /api/v1/gaps' reason), by key, in
// Vietnamese and English. The words follow GLOSSARY.md. Incident severities are sums over the
// incidents counted ("tổng mức độ nghiêm trọng").
var words = report.Words{ // [vi, en]
	"cell.never":       {"chưa được tuần tra ban đêm lần nào trong %s", "never visited at night in %s"},
	"cell.few":         {"được tuần tra %d trên %d đêm, ít hơn %d", "visited on %d of %d nights, fewer than %d"},
	"cell.in_key_area": {"; thuộc khu vực trọng điểm ", "; inside key area "},
	"what.cell":        {"ô này", "the cell"},
	"what.area":        {"các ô của khu vực", "its cells"},
	"incidents.none":   {"không có vụ việc nào trong và quanh %s trong 12 tháng qua", "no incidents in or around %s in the last 12 months"},
	"incidents.in":     {"%s (tổng mức độ nghiêm trọng %d) trong %s trong 12 tháng qua", "%s (total severity %d) in %s in the last 12 months"},
	"incidents.near":   {"không có vụ việc trong %s nhưng có %s (tổng mức độ nghiêm trọng %d) xung quanh trong 12 tháng qua", "no incidents in %s but %s (total severity %d) around it in the last 12 months"},
	"incidents.both":   {"%s (tổng mức độ nghiêm trọng %d) trong %s và %d vụ (tổng mức độ nghiêm trọng %d) xung quanh trong 12 tháng qua", "%s (total severity %d) in %s and %d (total severity %d) around it in the last 12 months"},
	"kind.key_area":    {"khu vực trọng điểm", "key area"},
	"kind.key_road":    {"tuyến đường trọng điểm", "key road"},
	"area.below":       {"%s %s chưa đạt yêu cầu %s mỗi đêm ở %d trên %d %s được xét (đạt %d đêm)", "%s %s below its requirement of %s a night on %d of %d judged %s (met on %d)"},
	"area.dwell":       {" (mỗi lượt lưu lại ít nhất %d phút)", " of at least %d min"},
	"open.one":         {"; đêm %s chưa kết thúc và chưa đạt, chưa tính", "; the night of %s is not over and not met yet, not counted"},
	"open.many":        {"; %d đêm (từ %s đến %s) chưa kết thúc và chưa đạt, chưa tính", "; %d nights (%s to %s) are not over and not met yet, not counted"},
	// Nouns, the English singular and plural ("1 night", "3 nights"; Vietnamese has one form).
	"night":     {"đêm", "night"},
	"nights":    {"đêm", "nights"},
	"incident":  {"vụ việc", "incident"},
	"incidents": {"vụ việc", "incidents"},
	"visit":     {"lượt", "visit"},
	"visits":    {"lượt", "visits"},
}

// word returns the text of key in lang (report.LangEN for English; Vietnamese otherwise).
func word(lang, key string) string { return words.In(lang, key) }

// noun returns the noun one ("night", "incident", "visit") in lang for n of them.
func noun(lang string, n int, one string) string {
	if n == 1 {
		return word(lang, one)
	}
	return word(lang, one+"s")
}

// count writes n and its noun: "3 nights", "1 incident", "3 đêm".
func count(lang string, n int, one string) string {
	return strconv.Itoa(n) + " " + noun(lang, n, one)
}

// dateText writes a night's date as people read it in lang: dd/MM/yyyy in Vietnamese, as the
// ISO date in English.
func dateText(lang string, d geo.Date) string {
	if lang == report.LangEN {
		return d.String()
	}
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, int(d.Month), d.Year)
}
