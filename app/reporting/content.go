package reporting

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/report"
)

// ContentSchema names the layout of Content; it changes when a field changes meaning.
const ContentSchema = "patrolmap.report/1"

// Content is the report's content as canonical JSON: the figures, parameters, cut-off and
// number that the archive's SHA-256 covers and that GET /api/v1/report?format=json answers.
// It is a struct (fixed field order) with no maps except sorted-key ones, so encoding/json
// writes the same bytes for the same content.
type Content struct {
	Schema   string         `json:"schema"`
	Number   *string        `json:"number"` // "3/BC-DEMO" once archived, null in a draft
	Unit     ContentUnit    `json:"unit"`
	Period   ContentPeriod  `json:"period"`
	Lang     string         `json:"lang"`
	Cutoff   string         `json:"cutoff"`
	Software string         `json:"software"`
	Settings ContentSetting `json:"settings"`

	Verdict          string           `json:"verdict"`
	Nights           int              `json:"nights"`
	NightsWithFixes  int              `json:"nights_with_fixes"`
	Groups           []ContentGroup   `json:"groups"`
	ProblemHotspots  []ContentHotspot `json:"problem_hotspots"`
	StudyCells       int              `json:"study_cells"`
	UnpatrolledCells int              `json:"unpatrolled_cells"`
	CoveragePass     bool             `json:"coverage_pass"`
	KeyAreas         []ContentKeyArea `json:"key_areas"`
	KeyAreasPass     bool             `json:"key_areas_pass"`
	Comparison       ContentCompare   `json:"comparison"`
	Incidents        map[string]int   `json:"incidents"` // per category
	Patrol           ContentPatrol    `json:"patrol"`
}

// ContentUnit is the unit of a report.
type ContentUnit struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	TimeZone string `json:"timezone"`
	H3Res    int    `json:"h3_res"`
}

// ContentPeriod is the report's period: from and to as asked, the instants [from, to), and the
// last day included ("đến hết ngày") when from and to are dates.
type ContentPeriod struct {
	From        string `json:"from"`
	To          string `json:"to"`
	LastDay     string `json:"last_day,omitempty"`
	FromInstant string `json:"from_instant"`
	ToInstant   string `json:"to_instant"`
}

// ContentSetting are the verdict's thresholds.
type ContentSetting struct {
	MinIncidents   int     `json:"min_incidents"`
	MinWeeks       int     `json:"min_weeks"`
	GiMinIncidents int     `json:"gi_min_incidents"`
	K              int     `json:"k"`
	Alpha          float64 `json:"alpha"`
	// The thresholds of the key-area and coverage lines.
	KeyAreaPct     int `json:"key_area_nights_pct"`
	UnpatrolledPct int `json:"max_unpatrolled_pct"`
}

// ContentGroup is how one group was judged.
type ContentGroup struct {
	Group      string   `json:"group"`
	Categories []string `json:"categories"`
	Incidents  int      `json:"incidents"`
	Method     string   `json:"method"`
	Hotspots   int      `json:"problem_hotspots"`
}

// ContentHotspot is one problem hotspot.
type ContentHotspot struct {
	Group     string   `json:"group"`
	Method    string   `json:"method"`
	Cells     []string `json:"cells"`
	Incidents int      `json:"incidents"`
	Weeks     int      `json:"weeks"`
	Z         *float64 `json:"z"` // null under the count rule
	Place     string   `json:"place"`
}

// ContentKeyArea is one key area's night compliance.
type ContentKeyArea struct {
	Name           string `json:"name"`
	Kind           string `json:"kind"`
	NightsMet      int    `json:"nights_met"`
	NightsRequired int    `json:"nights_required"`
}

// ContentCompare compares the problem hotspots with the previous period of the same length.
type ContentCompare struct {
	PreviousFrom string           `json:"previous_from"`
	PreviousTo   string           `json:"previous_to"`
	New          []ContentHotspot `json:"new"`
	Persisting   []ContentHotspot `json:"persisting"`
	Resolved     []ContentHotspot `json:"resolved"`
}

// ContentPatrol sums the period's night patrols.
type ContentPatrol struct {
	NightsPatrolled int            `json:"nights_patrolled"`
	Devices         int            `json:"devices"`
	Fixes           int            `json:"fixes"`
	Hours           float64        `json:"hours"`
	DistanceKm      float64        `json:"distance_km"`
	MockFixes       map[string]int `json:"mock_fixes"` // per device: fixes its phone marked mock, counted for nothing
}

func utc(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// round3 keeps three decimals, so the content does not depend on the last bits of a sum.
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func hotspotContent(list []report.ProblemHotspot) []ContentHotspot {
	out := []ContentHotspot{}
	for _, h := range list {
		ch := ContentHotspot{Group: h.Group, Method: h.Method, Incidents: h.Incidents, Weeks: h.Weeks, Place: h.Near, Cells: []string{}}
		for _, c := range h.Cells {
			ch.Cells = append(ch.Cells, h3.Cell(c).String())
		}
		if h.HasZ {
			z := round3(h.Z)
			ch.Z = &z
		}
		out = append(out, ch)
	}
	return out
}

// contentOf writes a draft's content (without a number).
func contentOf(d *Draft) Content {
	r, c := d.Report, d.Report.Criterion
	out := Content{Schema: ContentSchema, Lang: r.Lang, Cutoff: utc(d.Cutoff), Software: r.Software,
		Unit:   ContentUnit{Code: d.Unit.Code, Name: d.Unit.Name, TimeZone: d.Unit.TimeZone, H3Res: r.Unit.H3Res},
		Period: ContentPeriod{From: d.Request.From, To: d.Request.To, FromInstant: utc(d.Period.From), ToInstant: utc(d.Period.To)},
		Settings: ContentSetting{MinIncidents: c.MinIncidents, MinWeeks: c.MinWeeks, GiMinIncidents: c.GiMinIncidents,
			K: c.K, Alpha: c.Alpha, KeyAreaPct: c.KeyAreaNightsPct, UnpatrolledPct: c.MaxUnpatrolledPct},
		Verdict: c.Verdict, Nights: c.Nights, NightsWithFixes: c.NightsWithFixes,
		ProblemHotspots: hotspotContent(c.Hotspots), StudyCells: c.StudyCells, UnpatrolledCells: c.UnpatrolledCells,
		CoveragePass: c.CoveragePass, KeyAreasPass: c.KeyAreasPass, KeyAreas: []ContentKeyArea{}, Groups: []ContentGroup{},
		Comparison: ContentCompare{PreviousFrom: utc(c.PrevFrom), PreviousTo: utc(c.PrevTo),
			New: hotspotContent(c.New), Persisting: hotspotContent(c.Persisting), Resolved: hotspotContent(c.Resolved)},
		Incidents: map[string]int{},
		Patrol: ContentPatrol{NightsPatrolled: r.Summary.NightsPatrolled, Devices: r.Summary.Devices, Fixes: r.Summary.Fixes,
			Hours: round3(r.Summary.Hours), DistanceKm: round3(r.Summary.DistanceKm), MockFixes: map[string]int{}},
	}
	if r.Period.Dates {
		out.Period.LastDay = geo.DateOf(r.Period.To.Add(-time.Nanosecond), r.Unit.Location).String()
	}
	for _, g := range c.Groups {
		out.Groups = append(out.Groups, ContentGroup{Group: g.Group, Categories: g.Categories, Incidents: g.Incidents, Method: g.Method, Hotspots: g.Hotspots})
	}
	for _, k := range r.Compliance {
		out.KeyAreas = append(out.KeyAreas, ContentKeyArea{Name: k.Name, Kind: k.Kind, NightsMet: k.NightsMet, NightsRequired: k.Nights})
	}
	for _, m := range r.Summary.MockFixes {
		out.Patrol.MockFixes[m.Device] = m.Fixes
	}
	for _, ic := range r.Summary.Incidents {
		out.Incidents[ic.Category] = ic.Count
	}
	return out
}

// Canonical returns the content's canonical JSON: encoding/json of the struct (fixed field
// order, sorted map keys, shortest round-trip floats), HTML characters not escaped, no trailing
// newline.
func (c Content) Canonical() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("reporting: content: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// Hash returns the canonical JSON and its SHA-256 in hex.
func (c Content) Hash() ([]byte, string, error) {
	b, err := c.Canonical()
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:]), nil
}

// Render writes the draft as HTML. A draft that is not archived carries no number; its printed
// hash is that of its content, which no archive knows.
func (d *Draft) Render(number string) ([]byte, string, error) {
	if number != "" {
		n := number
		d.Content.Number = &n
	} else {
		d.Content.Number = nil
	}
	_, sum, err := d.Content.Hash()
	if err != nil {
		return nil, "", err
	}
	d.Report.Official = d.official(number, sum)
	if number != "" && d.VerifyBase != "" {
		d.Report.Official.VerifyURL = d.VerifyBase + "/verify/" + sum
	}
	var buf bytes.Buffer
	if err := report.Render(&buf, d.Report); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), sum, nil
}

// official fills the official form's header, numbers and signatures from the unit's settings.
func (d *Draft) official(number, sum string) report.Official {
	s := d.Settings
	o := report.Official{ParentAgency: s.ParentAgency, Agency: s.Agency, Number: number, Place: s.Place,
		ChiefTitle: s.ChiefTitle, ChiefName: s.ChiefName, Preparer: s.Preparer, Recipients: s.Recipients,
		SHA256: sum, Issued: d.Cutoff}
	return o
}

// PDFFooter is the footer of every page of the draft's PDF, numbered number ("" for a draft)
// and carrying sum, the SHA-256 of its content.
func (d *Draft) PDFFooter(number, sum string) string {
	return report.PDFFooter(d.Request.Lang, number, d.Report.DateTimeText(d.Cutoff), sum)
}
