// Package report renders patrolmap's proof report: one self-contained HTML page that shows a
// unit's patrols, key-area compliance, coverage gaps, hot spots and emerging hot spots for a
// period, with inline SVG maps and inline CSS, printable on A4, and the verdict on the criterion
// "no complex hotspots of security and order".
//
// The package only lays out what the caller computed: it does no I/O, no statistics and no
// database work. The page references nothing outside itself — no scripts, no images, no web
// fonts, no links — so it opens offline and its bytes are the whole evidence (see Render).
// Package report/pdf prints such a page to PDF through headless Chromium.
package report

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// Report is everything one proof report shows.
type Report struct {
	Lang      string // LangVI (default) or LangEN
	Unit      Unit
	Period    Period
	Generated time.Time // when the report was made
	Cutoff    time.Time // the data it reflects was received up to this instant
	Software  string    // program name and version, for reproduction

	Criterion  Criterion // the verdict and its three lines
	Official   Official  // the official form: header, number, signatures, hash
	Summary    Summary
	Compliance []ComplianceRow
	LeftOut    []string // names of key areas left out because their stored geometry cannot be used
	Coverage   Coverage
	Hotspots   Hotspots
	Emerging   Emerging
	Base       BaseMap
	Queries    []string // API queries that reproduce the numbers, shown as text
}

// Unit is the unit the report is about.
type Unit struct {
	Code, Name string
	TimeZone   string
	Location   *time.Location
	H3Res      int
	NightStart string // "22:00"
	NightEnd   string // "05:00"
}

// Period is the report's period [From, To).
type Period struct {
	From, To time.Time
	// Dates is true when from and to were given as local dates; the page then shows the first
	// and the last day (To minus one day).
	Dates bool
}

// Summary is the data summary of section 1.
type Summary struct {
	Nights          int // nights in the period
	NightsPatrolled int
	NightsWithFixes int // nights with at least one night fix
	Devices         int
	Fixes           int
	Hours           float64
	DistanceKm      float64
	Incidents       []CategoryCount // every category, in display order
	// MockFixes counts, per device, the fixes of the period its phone marked as coming from a
	// mock (fake) location provider; they count for nothing, and the report says so.
	MockFixes []DeviceCount
}

// DeviceCount is a number of fixes of one device.
type DeviceCount struct {
	Device string
	Fixes  int
}

// IncidentTotal returns the sum of the incident counts.
func (s Summary) IncidentTotal() int {
	n := 0
	for _, c := range s.Incidents {
		n += c.Count
	}
	return n
}

// CategoryCount is a count of one category (of incidents, or of emerging cells).
type CategoryCount struct {
	Category    string
	Count       int
	SeveritySum int
}

// ComplianceRow is one key area or key road in the compliance table.
type ComplianceRow struct {
	Name        string
	Kind        string // key_area or key_road
	Required    int    // visits per night
	MinDwellMin int
	NightsMet   int
	Nights      int
	Percent     float64 // NaN when the period holds no night
}

// Coverage is section 3.
type Coverage struct {
	Cells     []CoverageCell // every study cell
	Nights    int            // nights in the period
	MinNights int            // a cell visited on fewer nights is a gap
	Gaps      []Gap          // the largest gaps, ranked
	GapCells  int            // all gap cells
}

// CoverageCell is a study cell and the nights it was patrolled.
type CoverageCell struct {
	Cell   h3.Cell
	Nights int
}

// Gap is one ranked coverage gap.
type Gap struct {
	Rank      int
	Cell      h3.Cell
	Centre    orb.Point
	Place     string
	Risk      float64
	Reason    string
	Incidents int
}

// Hotspots is section 4 and the basis of the verdict.
type Hotspots struct {
	From, To    time.Time
	Res, K      int
	Alpha       float64
	Cells       []HotCell // every study cell
	Incidents   float64
	Mean, SD    float64
	Clusters    []HotCluster // connected groups of significant hot cells, largest z first
	Permutation string       // "" (normal p-values)
}

// HotCell is the Gi* result of one cell.
type HotCell struct {
	Cell        h3.Cell
	Count, Z, P float64
	Significant bool
	Confidence  int    // 99, 95, 90 or 0
	Class       string // hot, cold, none
}

// HotCluster is a group of neighbouring significant hot cells and where they are.
type HotCluster struct {
	Cells      []HotCell
	Centre     orb.Point
	Near       string   // the nearest road and how far
	Groups     []string // residential groups it lies in
	KeyAreas   []string // key areas it touches
	Incidents  int      // incidents in its cells during the period
	ByCategory []CategoryCount
	MaxZ, MinP float64
}

// Emerging is section 5.
type Emerging struct {
	Ran        bool   // false when the analysis could not run
	Skipped    string // why not
	From, To   time.Time
	Step       string // week or month
	Steps      int
	Extended   bool // the period was too short, so the analysis reaches back further
	MinSteps   int
	K, TimeLag int
	BinFDR     float64
	TrendAlpha float64
	Cells      []EmergingCell // the cells with a category other than no_pattern
	Summary    []CategoryCount
	Incidents  float64
	StudyCells int
}

// EmergingCell is one cell of a hot or cold spot category.
type EmergingCell struct {
	Cell           h3.Cell
	Category       string
	Count          float64
	TrendZ, TrendP float64
	Place          string
}

// BaseMap is what every map draws under its data.
type BaseMap struct {
	Boundary  orb.MultiPolygon
	Roads     []orb.LineString
	RoadNames []string // one per road, "" when unnamed
	KeyAreas  []orb.Geometry
	Groups    []NamedGeometry // residential groups
}

// NamedGeometry is a named polygon drawn and labelled on the maps.
type NamedGeometry struct {
	Name     string
	Geometry orb.Geometry
}

// Criterion is the verdict on "no complex hotspots of crime, drugs and social evils" and the two
// lines stated beside it (key-area compliance, night coverage), computed by app/reporting.
type Criterion struct {
	Verdict                 string // pass, fail or insufficient
	Nights, NightsWithFixes int
	Groups                  []CriterionGroup
	Hotspots                []ProblemHotspot
	MinIncidents, MinWeeks  int
	GiMinIncidents, K       int
	Alpha                   float64

	KeyAreas, KeyAreasBelow int
	KeyAreasPass            bool
	KeyAreaNightsPct        int // a key area passes on at least this percent of the nights
	MaxUnpatrolledPct       int // the coverage line passes with at most this percent of cells never patrolled
	StudyCells              int
	UnpatrolledCells        int
	CoveragePass            bool

	PrevFrom, PrevTo          time.Time // the previous period of the same length
	New, Persisting, Resolved []ProblemHotspot
}

// CriterionGroup is how one group (crime, drugs, social evils) was judged.
type CriterionGroup struct {
	Group      string
	Categories []string
	Incidents  int
	Method     string // gi_star or count
	Hotspots   int
}

// ProblemHotspot is one problem hotspot of a group and where it is.
type ProblemHotspot struct {
	Group, Method string
	Cells         []h3.Cell
	Incidents     int
	Weeks         int
	Z             float64
	HasZ          bool // false under the count rule
	Centre        orb.Point
	Near          string
	Groups        []string
	KeyAreas      []string
	ByCategory    []CategoryCount
}

// Official is the official form of the document (Decree 30/2020/NĐ-CP, Appendix I).
type Official struct {
	ParentAgency string // CÔNG AN TP. SÔNG CÔNG
	Agency       string // the unit, in capitals; the unit's name when empty
	Number       string // "3/BC-DEMO"; empty for a draft that is not archived
	Place        string
	Issued       time.Time
	ChiefTitle   string
	ChiefName    string
	Preparer     string
	Recipients   []string
	SHA256       string // of the archived content
	VerifyURL    string // the verification address, drawn as a QR code on the last page
}

// Verdict returns the verdict: pass, fail or insufficient.
func (r *Report) Verdict() string {
	if r.Criterion.Verdict == "" {
		return "insufficient"
	}
	return r.Criterion.Verdict
}

//go:embed report.html.tmpl
var templates embed.FS

var page = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
	"add": func(a, b int) int { return a + b },
}).ParseFS(templates, "report.html.tmpl"))

// view is what the template sees: the report, its printer and the prepared maps.
type view struct {
	*Report
	p            printer
	CoverageMap  template.HTML
	HotspotMap   template.HTML
	EmergingMap  template.HTML
	VerdictValue string
	LangValue    string
}

// T returns a message in the report's language.
func (v view) T(key string) string { return v.p.t(key) }

// Tf formats a message with arguments.
func (v view) Tf(key string, args ...any) string { return fmt.Sprintf(v.p.t(key), args...) }

// Num formats a number with decimals.
func (v view) Num(x float64, decimals int) string { return v.p.num(x, decimals) }

// Int formats an integer.
func (v view) Int(n int) string { return v.p.num(float64(n), 0) }

// Pct formats a percentage with one decimal.
func (v view) Pct(x float64) string {
	if math.IsNaN(x) {
		return "–"
	}
	return v.p.num(x, 1) + " %"
}

// Date formats the local date of t.
func (v view) Date(t time.Time) string { return v.p.date(t) }

// DateTime formats the local date and time of t.
func (v view) DateTime(t time.Time) string { return v.p.dateTime(t) }

// UTC writes t in RFC 3339 UTC.
func (v view) UTC(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// OpenNight reports whether some key area has a night of the period not judged yet: one still
// under way (or to come) at the cut-off and not met by then.
func (v view) OpenNight() bool {
	for _, c := range v.Compliance {
		if c.Nights < v.Summary.Nights {
			return true
		}
	}
	return false
}

// LastDay is the last local day of a date-based period.
func (v view) LastDay() time.Time { return v.Period.To.Add(-time.Nanosecond) }

// Cat names an incident category.
func (v view) Cat(c string) string { return v.p.from(categoryNames, c) }

// EmCat names an emerging hot spot category.
func (v view) EmCat(c string) string { return v.p.from(emergingNames, c) }

// Kind names an area kind.
func (v view) Kind(k string) string { return v.p.from(areaKindNames, k) }

// Swatch is the fill of an emerging category, for the legend.
func (v view) Swatch(c string) string { return emergingColour(c) }

// LatLon writes a point as "lat, lon" with 6 decimals (about 0.1 m), the order people read.
func (v view) LatLon(p orb.Point) string {
	return v.p.num(p[1], 6) + "; " + v.p.num(p[0], 6)
}

// Render writes the report as one self-contained HTML page. The <html> element carries
// lang="vi" or lang="en" and data-verdict="pass" or "fail" (Verdict). Rendering the same report
// twice gives the same bytes.
func Render(w io.Writer, r *Report) error {
	if r.Lang == "" {
		r.Lang = LangVI
	}
	if !ValidLang(r.Lang) {
		return fmt.Errorf("report: language %q is not vi or en", r.Lang)
	}
	loc := r.Unit.Location
	if loc == nil {
		loc = time.UTC
	}
	v := view{Report: r, p: newPrinter(r.Lang, loc), VerdictValue: r.Verdict(), LangValue: r.Lang}
	var err error
	if v.CoverageMap, err = coverageMap(r, v.p); err != nil {
		return fmt.Errorf("report: coverage map: %w", err)
	}
	if v.HotspotMap, err = hotspotMap(r); err != nil {
		return fmt.Errorf("report: hot spot map: %w", err)
	}
	if v.EmergingMap, err = emergingMap(r); err != nil {
		return fmt.Errorf("report: emerging map: %w", err)
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, v); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// SignificantHot returns the cells that are significant hot spots.
func (v view) SignificantHot() []HotCell {
	var out []HotCell
	for _, c := range v.Hotspots.Cells {
		if c.Significant && c.Z > 0 {
			out = append(out, c)
		}
	}
	return out
}

// SignificantCold returns the cells that are significant cold spots.
func (v view) SignificantCold() []HotCell {
	var out []HotCell
	for _, c := range v.Hotspots.Cells {
		if c.Significant && c.Z < 0 {
			out = append(out, c)
		}
	}
	return out
}

// CatLC names an incident category in lower case, inside a sentence.
func (v view) CatLC(c string) string {
	name := v.p.from(categoryNames, c)
	if v.p.lang == 0 {
		r, n := utf8.DecodeRuneInString(name)
		return string(unicode.ToLower(r)) + name[n:]
	}
	return strings.ToLower(name)
}

// Sub returns a − b.
func (v view) Sub(a, b int) int { return a - b }

// EnoughData reports whether at least half of the nights have night fixes.
func (v view) EnoughData() bool {
	return v.Criterion.Nights > 0 && 2*v.Criterion.NightsWithFixes >= v.Criterion.Nights
}

// DayBefore returns the instant just before t, whose local date is the last day of a period
// that ends at t ("đến hết ngày").
func (v view) DayBefore(t time.Time) time.Time { return t.Add(-time.Nanosecond) }

// AgencyName is the issuing unit as printed under its parent agency.
func (v view) AgencyName() string {
	if v.Official.Agency != "" {
		return v.Official.Agency
	}
	return strings.ToUpper(v.Unit.Name)
}

// UnitCodeUpper is the unit's code in capitals, the default suffix of a number.
func (v view) UnitCodeUpper() string { return strings.ToUpper(v.Unit.Code) }

// ChiefTitle is the title over the chief's signature.
func (v view) ChiefTitle() string {
	if v.Official.ChiefTitle != "" {
		return v.Official.ChiefTitle
	}
	return v.p.t("chief")
}

// DateLine is "PLACE, ngày DD tháng MM năm YYYY" of the day of issue (Decree 30/2020: days
// under 10 and months 1 and 2 written with a leading zero).
func (v view) DateLine() string {
	t := v.Official.Issued
	if t.IsZero() {
		t = v.Generated
	}
	t = t.In(v.p.loc)
	place := v.Official.Place
	if place == "" {
		place = v.Unit.Name
	}
	month := strconv.Itoa(int(t.Month()))
	if t.Month() <= 2 {
		month = fmt.Sprintf("%02d", int(t.Month()))
	}
	if v.p.lang == 1 {
		return fmt.Sprintf("%s, %s", place, t.Format("2 January 2006"))
	}
	return fmt.Sprintf("%s, ngày %02d tháng %s năm %d", place, t.Day(), month, t.Year())
}

// PeriodText is the period in words: "Từ ngày 01/11/2026 đến hết ngày 30/11/2026" — the last
// day included — or two instants.
func (v view) PeriodText() string {
	if v.Period.Dates {
		return fmt.Sprintf(v.p.t("period.text"), v.Date(v.Period.From), v.Date(v.LastDay()))
	}
	return v.DateTime(v.Period.From) + " – " + v.DateTime(v.Period.To)
}

// VerifyQR draws the verification address as a QR code (inline SVG), or nothing.
func (v view) VerifyQR() template.HTML { return qrSVG(v.Official.VerifyURL) }

// PValue writes a p-value in the language's number format: three decimals, or "< 0,001"
// ("< 0.001") below that, never in exponent notation.
func (v view) PValue(p float64) string { return v.p.pValue(p) }
