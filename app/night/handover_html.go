package night

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"
)

//go:embed handover.html.tmpl
var handoverHTML string

var handoverTemplate = template.Must(template.New("handover").Funcs(template.FuncMap{
	"deref": func(t *time.Time) time.Time { return *t },
}).Parse(handoverHTML))

// handoverWords are the words of the handover page in one language.
type handoverWords struct {
	Title, Night, Generated, Met, Missed, Alerts, Km, Hours, Incidents, Areas, Area, Status, Visits, Dwell,
	Deadline, Officers, NoAreas, Raised, Nearest, AckBy, NotAcked, NoAlerts, Dosage, DosageRule, Cell,
	LongestGap, DosageMet, Min, Yes, No, NoHotspots, Time, Category, Severity, Description, NoIncidents,
	Patrol string
	statuses   map[Status]string
	categories map[string]string
	patrol     string // devices, km, hours
	rule       string // min dwell, max gap
}

var handoverLangs = map[string]handoverWords{
	"vi": {Title: "Báo cáo giao ca sáng", Night: "Đêm", Generated: "lập lúc", Met: "khu vực đạt yêu cầu",
		Missed: "khu vực bỏ sót", Alerts: "Cảnh báo quá hạn", Km: "quãng đường tuần tra", Hours: "giờ tuần tra",
		Incidents: "Vụ việc trong đêm", Areas: "Khu vực trọng điểm", Area: "Khu vực", Status: "Tình trạng", Visits: "Lượt",
		Dwell: "Thời gian lưu lại", Deadline: "Hạn", Officers: "Thiết bị", NoAreas: "Đơn vị chưa có khu vực trọng điểm.",
		Raised: "Phát lúc", Nearest: "Cán bộ gần nhất", AckBy: "Xác nhận", NotAcked: "chưa xác nhận",
		NoAlerts: "Không có cảnh báo quá hạn.", Dosage: "Liều tuần tra tại điểm nóng", Cell: "Ô", LongestGap: "Khoảng trống dài nhất",
		DosageMet: "Đạt", Min: "phút", Yes: "đạt", No: "chưa đạt", NoHotspots: "Không có điểm nóng trong các tuần trước.",
		Time: "Giờ", Category: "Loại", Severity: "Mức độ", Description: "Mô tả", NoIncidents: "Không có vụ việc.",
		Patrol:   "Tuần tra",
		statuses: map[Status]string{StatusMet: "đạt", StatusPending: "đang chờ", StatusOverdue: "quá hạn", StatusMissed: "bỏ sót"},
		categories: map[string]string{"theft": "trộm cắp tài sản", "robbery": "cướp, cướp giật tài sản", "drugs": "ma túy",
			"gambling": "cờ bạc", "prostitution": "mại dâm", "disorder": "gây rối trật tự công cộng, đánh nhau",
			"traffic_accident": "tai nạn giao thông", "fire": "cháy, nổ", "fraud": "lừa đảo", "other": "khác"},
		patrol: "%d thiết bị tuần tra %s km trong %s giờ.",
		rule:   "Mỗi lượt dừng ít nhất %s phút, cách nhau không quá %s phút.",
	},
	"en": {Title: "Morning handover", Night: "Night of", Generated: "written", Met: "key areas met",
		Missed: "key areas missed", Alerts: "Deadline alerts", Km: "patrolled", Hours: "hours on patrol",
		Incidents: "Incidents in the night", Areas: "Key areas", Area: "Area", Status: "Status", Visits: "Visits",
		Dwell: "Dwell", Deadline: "Deadline", Officers: "Devices", NoAreas: "The unit has no key areas.",
		Raised: "Raised", Nearest: "Nearest officer", AckBy: "Acknowledged", NotAcked: "not acknowledged",
		NoAlerts: "No deadline alerts.", Dosage: "Hot spot dosage", Cell: "Cell", LongestGap: "Longest gap",
		DosageMet: "Met", Min: "min", Yes: "yes", No: "no", NoHotspots: "No hot spots in the weeks before.",
		Time: "Time", Category: "Category", Severity: "Severity", Description: "Description", NoIncidents: "No incidents.",
		Patrol:   "Patrol",
		statuses: map[Status]string{StatusMet: "met", StatusPending: "pending", StatusOverdue: "overdue", StatusMissed: "missed"},
		patrol:   "%d devices patrolled %s km in %s hours.",
		rule:     "Stays of at least %s min, at most %s min apart.",
	},
}

// handoverPage is what the template reads.
type handoverPage struct {
	H    Handover
	T    handoverWords
	Lang string
	loc  *time.Location
}

func (p handoverPage) NightText() string {
	d, err := time.Parse(time.DateOnly, p.H.Night)
	if err != nil {
		return p.H.Night
	}
	if p.Lang == "vi" {
		return d.Format("02/01/2006")
	}
	return d.Format("2 January 2006")
}

func (p handoverPage) Clock(t time.Time) string { return t.In(p.loc).Format("15:04") }

func (p handoverPage) DateTime(t time.Time) string {
	if p.Lang == "vi" {
		return t.In(p.loc).Format("15:04 02/01/2006")
	}
	return t.In(p.loc).Format("15:04, 2 Jan 2006")
}

// Num writes a number with one decimal at most, the Vietnamese way (1.234,5) in Vietnamese.
func (p handoverPage) Num(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 && len(s) > i+2 {
		s = strconv.FormatFloat(v, 'f', 1, 64)
	}
	if p.Lang != "vi" {
		return s
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 && whole[i-1] != '-' {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("," + frac)
	}
	return b.String()
}

func (p handoverPage) Minutes(v []float64) string {
	parts := make([]string, len(v))
	for i, m := range v {
		parts[i] = p.Num(m) + " " + p.T.Min
	}
	return strings.Join(parts, ", ")
}

func (p handoverPage) Join(s []string) string { return strings.Join(s, ", ") }

func (p handoverPage) StatusText(s Status) string { return p.T.statuses[s] }

func (p handoverPage) Category(c string) string {
	if v, ok := p.T.categories[c]; ok {
		return v
	}
	return c
}

func (p handoverPage) PatrolText() string {
	return fmt.Sprintf(p.T.patrol, p.H.Patrol.Devices, p.Num(p.H.Patrol.Km), p.Num(p.H.Patrol.Hours))
}

func (p handoverPage) DosageRuleText() string {
	return fmt.Sprintf(p.T.rule, p.Num(p.H.Dosage["min_dwell_min"]), p.Num(p.H.Dosage["max_gap_min"]))
}

// RenderHandoverHTML writes the handover as one self-contained HTML page in lang ("vi", the
// default, or "en"), times on the clock of loc.
func RenderHandoverHTML(w io.Writer, h Handover, lang string, loc *time.Location) error {
	words, ok := handoverLangs[lang]
	if !ok {
		lang, words = "vi", handoverLangs["vi"]
	}
	if loc == nil {
		loc = time.UTC
	}
	return handoverTemplate.Execute(w, handoverPage{H: h, T: words, Lang: lang, loc: loc})
}

// Count is the number of key areas of a status.
func (p handoverPage) Count(s string) int { return p.H.Summary[Status(s)] }
