package report

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Languages a report is written in.
const (
	LangVI = "vi" // Vietnamese, the default
	LangEN = "en" // English, on request
)

// ValidLang reports whether s is a report language.
func ValidLang(s string) bool { return s == LangVI || s == LangEN }

// Words is a table of texts by key, each in Vietnamese and English ([vi, en]): how the use cases
// that word their answers (gap reasons, plan stops) keep one source per concept.
type Words map[string][2]string

// In returns the text of key in lang: English for LangEN, Vietnamese otherwise; "" for a key the
// table lacks.
func (w Words) In(lang, key string) string {
	if lang == LangEN {
		return w[key][1]
	}
	return w[key][0]
}

// messages holds every text of the report that is not data, by key and language. The words
// follow GLOSSARY.md.
var messages = map[string][2]string{ // [vi, en]
	"subject":              {"Kết quả tuần tra ban đêm và tiêu chí không có tụ điểm phức tạp về hình sự, ma túy, tệ nạn xã hội", "Night patrols and the criterion of no complex hotspots of crime, drugs and social evils"},
	"params":               {"Thông số", "Parameters"},
	"draft":                {"Bản nháp: chưa vào sổ lưu trữ, chưa có số; chỉ báo cáo đã lưu trữ mới kiểm tra được.", "Draft: not archived and not numbered; only an archived report can be verified."},
	"recipients":           {"Nơi nhận:", "Recipients:"},
	"recipients.file":      {"Lưu: VT.", "Filed with the records office."},
	"preparer":             {"NGƯỜI LẬP BÁO CÁO", "PREPARED BY"},
	"chief":                {"TRƯỞNG CÔNG AN PHƯỜNG", "WARD POLICE CHIEF"},
	"verify.archived":      {"Báo cáo đã được lưu trữ; mã SHA-256 dưới đây là của nội dung báo cáo (số liệu, thông số, thời điểm chốt số liệu, số báo cáo).", "This report is archived; the SHA-256 below is that of its content (figures, parameters, data cut-off, number)."},
	"verify.draft":         {"Bản nháp: mã SHA-256 của nội dung dưới đây chưa được lưu trữ nên không kiểm tra được.", "Draft: the content SHA-256 below is not archived, so it cannot be verified."},
	"verify.at":            {"Kiểm tra tại", "Verify at"},
	"period.text":          {"Từ ngày %s đến hết ngày %s", "From %s through %s"},
	"criterion":            {"không có tụ điểm phức tạp về hình sự, ma túy và tệ nạn xã hội", "no complex hotspots of crime, drugs and social evils"},
	"verdict.pass":         {"ĐẠT TIÊU CHÍ", "MEETS THE CRITERION"},
	"verdict.fail":         {"CHƯA ĐẠT TIÊU CHÍ", "DOES NOT MEET THE CRITERION"},
	"verdict.insufficient": {"CHƯA ĐỦ DỮ LIỆU ĐỂ ĐÁNH GIÁ", "NOT ENOUGH DATA TO JUDGE"},
	"pass.why":             {"Không nhóm nào (hình sự, ma túy, tệ nạn xã hội) có tụ điểm phức tạp trong kỳ, và có dữ liệu tuần tra ban đêm ở ít nhất một nửa số đêm.", "No group (crime, drugs, social evils) has a problem hotspot in the period, and at least half of the nights have night patrol data."},
	"fail.why":             {"Có tụ điểm phức tạp trong kỳ báo cáo, tại các vị trí sau:", "There are problem hotspots in the period, at these places:"},
	"insufficient.why":     {"Không có tụ điểm phức tạp, nhưng chỉ %d trên %d đêm có điểm định vị ban đêm của thiết bị đơn vị (cần ít nhất một nửa), nên chưa thể kết luận là đạt.", "No problem hotspot, but only %d of %d nights have night fixes from the unit's devices (at least half are needed), so the period cannot be judged a pass."},
	"group.crime":          {"Hình sự", "Crime"},
	"group.drugs":          {"Ma túy", "Drugs"},
	"group.social_evils":   {"Tệ nạn xã hội", "Social evils"},
	"method.gi_star":       {"Gi* (FDR 95%) và quy tắc đếm", "Gi* (FDR 95%) and the count rules"},
	"method.count":         {"dưới ngưỡng chạy Gi*, chỉ xét quy tắc đếm", "below the Gi* threshold, count rules only"},
	"problem.count":        {"%d tụ điểm phức tạp", "%d problem hotspot(s)"},
	"in.weeks":             {"trong %d tuần", "on %d weeks"},
	"count.rule":           {"theo quy tắc đếm (không chạy Gi*)", "by the count rules (Gi* not run)"},
	"truth.what":           {"Nội dung", "Item"},
	"truth.result":         {"Kết quả", "Result"},
	"truth.grounds":        {"Căn cứ", "Grounds"},
	"truth.hotspots":       {"Tụ điểm phức tạp về hình sự, ma túy, tệ nạn xã hội", "Problem hotspots of crime, drugs, social evils"},
	"truth.data":           {"Dữ liệu tuần tra ban đêm", "Night patrol data"},
	"truth.data.text":      {"%d/%d đêm có điểm định vị ban đêm (cần ít nhất một nửa)", "%d/%d nights with night fixes (at least half needed)"},
	"truth.keyareas":       {"Tuần tra ban đêm khu vực trọng điểm", "Night patrols of key areas"},
	"truth.keyareas.text":  {"%d/%d khu vực đạt yêu cầu ở ít nhất %d %% số đêm trong kỳ (chi tiết ở mục 2)", "%d/%d key areas met their requirement on at least %d %% of the nights (details in section 2)"},
	"truth.coverage":       {"Độ phủ tuần tra ban đêm", "Night patrol coverage"},
	"truth.coverage.text":  {"%d trên %d ô chưa được tuần tra ban đêm lần nào; đạt khi không quá %d %% số ô (chi tiết ở mục 3)", "%d of %d cells never patrolled at night; passes with at most %d %% of the cells (details in section 3)"},
	"truth.compare":        {"So với kỳ trước cùng độ dài", "Against the previous period of the same length"},
	"compare.text":         {"tụ điểm mới: %d; còn tồn tại: %d; đã được giải quyết: %d", "new: %d; persisting: %d; resolved: %d"},
	"compare.resolved":     {"Đã giải quyết", "Resolved"},
	"compare.persisting":   {"Còn tồn tại", "Persisting"},
	"line.pass":            {"Đạt", "Pass"},
	"line.fail":            {"Chưa đạt", "Fail"},
	"line.insufficient":    {"Không có tụ điểm", "None found"},
	"line.enough":          {"Đủ", "Enough"},
	"line.notenough":       {"Chưa đủ", "Not enough"},
	"definition":           {"Định nghĩa: tụ điểm phức tạp của một nhóm là tập ô H3 liền kề là điểm nóng Gi* ở độ tin cậy 95%% sau hiệu chỉnh FDR trên vụ việc của nhóm đó, có ít nhất %d vụ việc của nhóm trong ít nhất %d tuần khác nhau; nhóm có dưới %d vụ việc trong kỳ thì không chạy Gi*, chỉ xét quy tắc đếm (một vị trí — ô và các ô kề — có đủ số vụ và số tuần). Kết luận: chưa đạt khi có tụ điểm; nếu không, chưa đủ dữ liệu khi dưới một nửa số đêm có điểm định vị ban đêm; còn lại là đạt. Ngưỡng là thiết lập của đơn vị.", "Definition: a problem hotspot of a group is a connected set of H3 cells that are Gi* hot spots at 95%% after FDR on that group's incidents and hold at least %d of them on at least %d distinct weeks; a group with fewer than %d incidents in the period is judged by the count rules alone (a place — a cell and its neighbours — with enough incidents on enough weeks). Verdict: fail when any problem hotspot exists; otherwise insufficient when fewer than half the nights have night fixes; otherwise pass. The thresholds are unit settings."},
	"title":                {"Báo cáo kết quả tuần tra và tiêu chí an ninh, trật tự", "Patrol and security-and-order criterion report"},
	"criterion.label":      {"Tiêu chí", "Criterion"},
	"unit":                 {"Đơn vị", "Unit"},
	"period":               {"Kỳ báo cáo", "Period"},
	"period.to":            {"đến hết ngày", "through"},
	"period.from":          {"từ ngày", "from"},
	"generated":            {"Lập lúc", "Generated"},
	"cutoff":               {"Số liệu tính đến", "Data received up to"},
	"timezone":             {"Múi giờ", "Time zone"},
	"night.window":         {"Khung giờ ban đêm", "Night window"},
	"summary":              {"1. Tổng hợp số liệu", "1. Data summary"},
	"nights.period":        {"Số đêm trong kỳ", "Nights in the period"},
	"nights.patrolled":     {"Số đêm có tuần tra", "Nights patrolled"},
	"devices":              {"Số thiết bị có dữ liệu", "Devices with data"},
	"hours":                {"Tổng số giờ tuần tra ban đêm", "Night patrol hours"},
	"distance":             {"Tổng quãng đường tuần tra (km)", "Patrol distance (km)"},
	"fixes":                {"Số điểm định vị hợp lệ ban đêm", "Valid night GPS fixes"},
	"fixes.mock":           {"Điểm định vị giả (mock) theo thiết bị, không tính", "Mock (fake) GPS fixes per device, not counted"},
	"incidents":            {"Vụ việc", "Incidents"},
	"incidents.lc":         {"vụ việc", "incidents"},
	"confidence":           {"độ tin cậy", "confidence"},
	"incidents.total":      {"Tổng số vụ việc", "Total incidents"},
	"category":             {"Loại vụ việc", "Category"},
	"count":                {"Số vụ", "Count"},
	"severity.sum":         {"Tổng mức độ nghiêm trọng", "Severity sum"},
	"summary.note": {"Giờ và quãng đường tính trên các đoạn giữa hai điểm định vị liên tiếp của một thiết bị cách nhau dưới 5 phút, tốc độ dưới 150 km/h, trong khung giờ ban đêm; điểm có độ chính xác kém hơn 100 m hoặc nhảy bất thường không được tính. Vụ việc đã hủy không được tính.",
		"Hours and distance sum the segments between consecutive fixes of a device less than 5 minutes apart with an implied speed under 150 km/h, inside the night window; fixes less accurate than 100 m or impossible jumps count for nothing. Void incidents are not counted."},
	"compliance": {"2. Mức độ đáp ứng yêu cầu tại khu vực trọng điểm", "2. Key-area compliance"},
	"area":       {"Khu vực", "Area"},
	"kind":       {"Loại", "Kind"},
	"required":   {"Yêu cầu (lượt/đêm)", "Required (visits/night)"},
	"min.dwell":  {"Lưu lại tối thiểu (phút)", "Minimum dwell (min)"},
	"nights.met": {"Số đêm đạt", "Nights met"},
	"percent":    {"Tỷ lệ đạt", "Compliance"},
	"no.areas":   {"Đơn vị chưa khai báo khu vực trọng điểm.", "The unit has no key areas."},
	"night.open": {"Đêm chưa kết thúc tại thời điểm chốt số liệu và chưa đạt yêu cầu thì chưa được tính vào số đêm phải đạt.",
		"A night not over at the data cut-off and not yet met is not counted among the nights required."},
	"area.left.out":     {"Khu vực “%s” không được tính: hình học đã lưu không hợp lệ, cần sửa lại.", "Area “%s” was left out: its stored geometry is not valid and must be corrected."},
	"coverage":          {"3. Độ phủ tuần tra và vùng chưa được tuần tra", "3. Patrol coverage and coverage gaps"},
	"coverage.lead":     {"Ô lục giác H3 độ phân giải %d trong ranh giới đơn vị, tô màu theo số đêm có tuần tra trong kỳ.", "H3 hexagons at resolution %d inside the unit boundary, coloured by the nights patrolled in the period."},
	"study.cells":       {"Số ô trong ranh giới", "Cells inside the boundary"},
	"visited.cells":     {"Số ô có tuần tra ban đêm", "Cells patrolled at night"},
	"gap.cells":         {"Số ô chưa được tuần tra", "Cells never patrolled at night"},
	"gaps.largest":      {"Các vùng chưa được tuần tra lớn nhất (xếp theo rủi ro)", "The largest coverage gaps (ranked by risk)"},
	"rank":              {"Thứ tự", "Rank"},
	"cell":              {"Ô H3", "H3 cell"},
	"place":             {"Vị trí", "Place"},
	"risk":              {"Rủi ro", "Risk"},
	"reason":            {"Lý do", "Reason"},
	"no.gaps":           {"Mọi ô trong ranh giới đều đã được tuần tra ban đêm trong kỳ.", "Every cell inside the boundary was patrolled at night in the period."},
	"legend.nights0":    {"chưa tuần tra", "never"},
	"legend.nights1":    {"dưới 25% số đêm", "under 25% of nights"},
	"legend.nights2":    {"25–50% số đêm", "25–50% of nights"},
	"legend.nights3":    {"trên 50% số đêm", "over 50% of nights"},
	"legend.boundary":   {"ranh giới", "boundary"},
	"legend.road":       {"đường", "road"},
	"legend.keyarea":    {"khu vực trọng điểm", "key area"},
	"hotspots":          {"4. Điểm nóng (Getis-Ord Gi*)", "4. Hot spots (Getis-Ord Gi*)"},
	"method":            {"Phương pháp", "Method"},
	"method.text":       {"Getis-Ord Gi* (Ord & Getis 1995), tính cả chính ô; láng giềng là H3 GridDisk(k), trọng số nhị phân; trung bình và độ lệch chuẩn trên toàn bộ ô nghiên cứu (kể cả ô không có vụ việc); giá trị p hai phía theo phân phối chuẩn; hiệu chỉnh so sánh bội Benjamini–Hochberg (FDR).", "Getis-Ord Gi* (Ord & Getis 1995) with the cell itself included; neighbourhood H3 GridDisk(k), binary weights; mean and standard deviation over all study cells (zero counts included); two-sided normal p-values; Benjamini–Hochberg false discovery rate (FDR) correction."},
	"param.res":         {"Độ phân giải H3", "H3 resolution"},
	"param.k":           {"k (bán kính láng giềng)", "k (neighbourhood radius)"},
	"param.alpha":       {"Mức ý nghĩa α (FDR)", "Significance level α (FDR)"},
	"param.cells":       {"Số ô nghiên cứu", "Study cells"},
	"param.incidents":   {"Số vụ việc được tính", "Incidents counted"},
	"param.mean":        {"Trung bình mỗi ô", "Mean per cell"},
	"param.sd":          {"Độ lệch chuẩn", "Standard deviation"},
	"param.significant": {"Số ô điểm nóng có ý nghĩa", "Significant hot cells"},
	"param.cold":        {"Số ô điểm lạnh có ý nghĩa", "Significant cold cells"},
	"param.filter":      {"Vụ việc được tính", "Incidents counted"},
	"param.filter.text": {"mọi loại, mọi mức độ nghiêm trọng, trừ vụ việc đã hủy", "every category and severity, void incidents excluded"},
	"param.period":      {"Khoảng thời gian (UTC)", "Interval (UTC)"},
	"legend.hot99":      {"điểm nóng, độ tin cậy 99%", "hot spot, 99% confidence"},
	"legend.hot95":      {"điểm nóng, độ tin cậy 95%", "hot spot, 95% confidence"},
	"legend.hot90":      {"điểm nóng, độ tin cậy 90%", "hot spot, 90% confidence"},
	"legend.cold":       {"điểm lạnh", "cold spot"},
	"hot.cluster":       {"Điểm nóng", "Hot spot"},
	"hot.cells":         {"Các ô", "Cells"},
	"hot.z":             {"z lớn nhất", "Largest z"},
	"hot.p":             {"p nhỏ nhất", "Smallest p"},
	"hot.near":          {"Gần", "Near"},
	"hot.group":         {"Tổ dân phố", "Residential group"},
	"hot.areas":         {"Khu vực trọng điểm", "Key areas"},
	"hot.centre":        {"Tâm (vĩ độ, kinh độ)", "Centre (lat, lon)"},
	"hot.none":          {"Không có điểm nóng nào có ý nghĩa thống kê ở mức α đã chọn.", "No statistically significant hot spot at the chosen α."},
	"emerging":          {"5. Điểm nóng mới hình thành (phân tích không gian – thời gian)", "5. Emerging hot spots (space-time analysis)"},
	"emerging.method":   {"Gi* không gian – thời gian theo từng bước; một ô-bước là điểm nóng/lạnh khi đạt FDR Benjamini–Hochberg %s trong bước đó (độ tin cậy 90%%); xu hướng Mann–Kendall trên chuỗi z, có ý nghĩa khi p < %s; 17 nhóm của ArcGIS Pro Emerging Hot Spot Analysis. Phần này chỉ để tham khảo; kết luận theo tiêu chí dựa trên mục 4.", "Space-time Gi* per step; a bin is a hot or cold spot when it passes Benjamini–Hochberg FDR %s within its step (90%% confidence); Mann–Kendall trend on each cell's z series, significant at p < %s; the 17 categories of ArcGIS Pro Emerging Hot Spot Analysis. This part is for information; the verdict rests on section 4."},
	"emerging.window":   {"Khoảng phân tích", "Analysis interval"},
	"emerging.extended": {"Kỳ báo cáo có ít hơn %d bước; phân tích dùng %d bước %s kết thúc cùng kỳ báo cáo.", "The period holds fewer than %d steps; the analysis uses the %d %s steps ending with it."},
	"emerging.skipped":  {"Không đủ dữ liệu để phân tích: %s", "The analysis could not run: %s"},
	"param.step":        {"Bước thời gian", "Time step"},
	"param.steps":       {"Số bước", "Steps"},
	"param.timelag":     {"Độ trễ thời gian", "Time lag"},
	"step.week":         {"tuần (7 ngày)", "week (7 days)"},
	"step.month":        {"tháng", "month"},
	"em.category":       {"Nhóm", "Category"},
	"em.cells":          {"Số ô", "Cells"},
	"em.trend":          {"Xu hướng (z; p)", "Trend (z; p)"},
	"em.none":           {"Không có ô nào thuộc nhóm điểm nóng hoặc điểm lạnh.", "No cell falls in a hot or cold spot category."},
	"reproduce":         {"6. Thông số để kiểm tra lại", "6. Parameters to reproduce"},
	"reproduce.lead":    {"Mọi con số trong báo cáo được tính lại được từ dữ liệu của đơn vị với các truy vấn sau (API của patrolmap):", "Every number in this report can be recomputed from the unit's data with these queries (patrolmap's API):"},
	"software":          {"Phần mềm", "Software"},
	"map.note":          {"Bản đồ vẽ theo phép chiếu phẳng đẳng vuông (tỉ lệ xấp xỉ), không cần kết nối mạng.", "Maps use an equirectangular projection (approximate scale) and need no network."},
	"page":              {"Trang", "Page"},
	"yes":               {"có", "yes"},
	"no":                {"không", "no"},
}

// categoryNames are the incident categories in Vietnamese and English (GLOSSARY.md).
var categoryNames = map[string][2]string{
	"theft":            {"Trộm cắp tài sản", "Theft"},
	"robbery":          {"Cướp, cướp giật tài sản", "Robbery"},
	"drugs":            {"Ma túy", "Drugs"},
	"gambling":         {"Cờ bạc", "Gambling"},
	"prostitution":     {"Mại dâm", "Prostitution"},
	"disorder":         {"Gây rối trật tự công cộng, đánh nhau", "Fighting, public disorder"},
	"traffic_accident": {"Tai nạn giao thông", "Traffic accident"},
	"fire":             {"Cháy, nổ", "Fire"},
	"fraud":            {"Lừa đảo", "Fraud"},
	"other":            {"Khác", "Other"},
}

// emergingNames are the 17 emerging hot spot categories.
var emergingNames = map[string][2]string{
	"new_hot_spot":           {"Điểm nóng mới", "New hot spot"},
	"consecutive_hot_spot":   {"Điểm nóng liên tiếp", "Consecutive hot spot"},
	"intensifying_hot_spot":  {"Điểm nóng đang gia tăng", "Intensifying hot spot"},
	"persistent_hot_spot":    {"Điểm nóng kéo dài", "Persistent hot spot"},
	"diminishing_hot_spot":   {"Điểm nóng đang giảm", "Diminishing hot spot"},
	"sporadic_hot_spot":      {"Điểm nóng rải rác", "Sporadic hot spot"},
	"oscillating_hot_spot":   {"Điểm nóng dao động", "Oscillating hot spot"},
	"historical_hot_spot":    {"Điểm nóng trước đây", "Historical hot spot"},
	"new_cold_spot":          {"Điểm lạnh mới", "New cold spot"},
	"consecutive_cold_spot":  {"Điểm lạnh liên tiếp", "Consecutive cold spot"},
	"intensifying_cold_spot": {"Điểm lạnh đang gia tăng", "Intensifying cold spot"},
	"persistent_cold_spot":   {"Điểm lạnh kéo dài", "Persistent cold spot"},
	"diminishing_cold_spot":  {"Điểm lạnh đang giảm", "Diminishing cold spot"},
	"sporadic_cold_spot":     {"Điểm lạnh rải rác", "Sporadic cold spot"},
	"oscillating_cold_spot":  {"Điểm lạnh dao động", "Oscillating cold spot"},
	"historical_cold_spot":   {"Điểm lạnh trước đây", "Historical cold spot"},
	"no_pattern":             {"Không có xu hướng", "No pattern"},
}

// areaKindNames are the area kinds.
var areaKindNames = map[string][2]string{
	"key_area":          {"Khu vực trọng điểm", "Key area"},
	"key_road":          {"Tuyến đường trọng điểm", "Key road"},
	"residential_group": {"Tổ dân phố", "Residential group"},
	"other":             {"Khác", "Other"},
}

// printer formats words, numbers and times in one language.
type printer struct {
	lang int // 0 vi, 1 en
	loc  *time.Location
}

func newPrinter(lang string, loc *time.Location) printer {
	p := printer{loc: loc}
	if lang == LangEN {
		p.lang = 1
	}
	if p.loc == nil {
		p.loc = time.UTC
	}
	return p
}

// t returns the text of a message key; the key itself when unknown, so a gap shows.
func (p printer) t(key string) string {
	if m, ok := messages[key]; ok {
		return m[p.lang]
	}
	return key
}

func (p printer) from(table map[string][2]string, key string) string {
	if m, ok := table[key]; ok {
		return m[p.lang]
	}
	return key
}

// num writes v with the given decimals: 1.234,5 in Vietnamese, 1,234.5 in English. NaN is "–".
func (p printer) num(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', decimals, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	thousands, point := ".", ","
	if p.lang == 1 {
		thousands, point = ",", "."
	}
	var b strings.Builder
	if v < 0 && strings.Trim(s, "0.") != "" {
		b.WriteByte('-')
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(thousands)
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString(point)
		b.WriteString(frac)
	}
	return b.String()
}

// date writes the local date of t: dd/MM/yyyy in Vietnamese, yyyy-MM-dd in English.
func (p printer) date(t time.Time) string {
	if p.lang == 1 {
		return t.In(p.loc).Format("2006-01-02")
	}
	return t.In(p.loc).Format("02/01/2006")
}

// dateTime writes the local date and time of t (24-hour HH:mm).
func (p printer) dateTime(t time.Time) string {
	if p.lang == 1 {
		return t.In(p.loc).Format("2006-01-02 15:04")
	}
	return t.In(p.loc).Format("15:04 02/01/2006")
}

// Printer formats dates and numbers in a report's language, for callers outside the page (the
// PDF footer).
type Printer struct{ p printer }

// NewPrinter returns a printer for lang (vi or en) in loc.
func NewPrinter(lang string, loc *time.Location) Printer { return Printer{newPrinter(lang, loc)} }

// DateTime writes the local date and time of t ("15:04 02/01/2006" in Vietnamese).
func (p Printer) DateTime(t time.Time) string { return p.p.dateTime(t) }

// Num writes x with decimals in the language's number format.
func (p Printer) Num(x float64, decimals int) string { return p.p.num(x, decimals) }

// DateTimeText writes t as the report's own pages do.
func (r *Report) DateTimeText(t time.Time) string {
	return newPrinter(r.Lang, r.Unit.Location).dateTime(t)
}

// pValue writes a p-value: three decimals, or "< 0,001" below 0.001.
func (p printer) pValue(x float64) string {
	switch {
	case math.IsNaN(x):
		return "–"
	case x < 0.001:
		return "< " + p.num(0.001, 3)
	}
	return p.num(x, 3)
}
