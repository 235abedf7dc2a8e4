package reporting

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// The three values of the verdict on the criterion.
const (
	VerdictPass         = "pass"
	VerdictFail         = "fail"
	VerdictInsufficient = "insufficient"
)

// The three groups of the criterion "no complex hotspots of crime, drugs and social evils".
const (
	GroupCrime       = "crime"
	GroupDrugs       = "drugs"
	GroupSocialEvils = "social_evils"
)

// Groups lists the groups in the order the report shows them.
var Groups = []string{GroupCrime, GroupDrugs, GroupSocialEvils}

// groupOf maps an incident category to its group; traffic_accident, fire and other belong to no
// group: they are shown but judged by none.
var groupOf = map[string]string{
	"theft": GroupCrime, "robbery": GroupCrime, "fraud": GroupCrime, "disorder": GroupCrime,
	"drugs":    GroupDrugs,
	"gambling": GroupSocialEvils, "prostitution": GroupSocialEvils,
}

// GroupOf returns the group an incident category is judged in, or "" for none.
func GroupOf(category string) string { return groupOf[category] }

// GroupCategories returns the categories of a group, sorted.
func GroupCategories(group string) []string {
	var out []string
	for c, g := range groupOf {
		if g == group {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}

// Methods by which a group was judged.
const (
	MethodGiStar = "gi_star" // Gi* hot spots at 95 % after FDR, then the count rules
	MethodCount  = "count"   // under Settings.GiMinIncidents: the count rules alone
)

// Settings are a unit's report settings: the verdict's thresholds and the official form.
type Settings = patrol.ReportSettings

// DefaultSettings are the settings of a unit that set none.
func DefaultSettings() Settings {
	return Settings{MinIncidents: 5, MinWeeks: 3, GiMinIncidents: 30, KeyAreaNightsPct: 100}
}

// Fixed parameters of the verdict's Gi*.
const (
	VerdictK     = 1    // GridDisk(1) neighbourhood, and the "place" of the count rule
	VerdictAlpha = 0.05 // Benjamini-Hochberg FDR at 95 %
)

// Incident is one counted (not void) incident, binned into its cell.
type Incident struct {
	ID       int64
	Time     time.Time
	Cell     h3.Cell
	Category string
}

// VerdictInput is what the verdict is computed from.
type VerdictInput struct {
	Study     []h3.Cell  // the unit's study cells (centres inside the boundary)
	Incidents []Incident // the counted incidents of the period, every category
	From      time.Time  // the period's start: weeks are 7-day steps counted from its local date
	Location  *time.Location
	// Nights is the number of nights in the period; NightsWithFixes those with at least one
	// night fix from the unit's devices.
	Nights, NightsWithFixes int
	Settings                Settings
}

// ProblemHotspot is one problem hotspot of a group: a connected set of cells that holds at least
// MinIncidents of the group's incidents on at least MinWeeks distinct weeks and, when Gi* was
// run, whose cells are all Gi* hot spots at 95 % after FDR.
type ProblemHotspot struct {
	Group      string
	Method     string
	Cells      []h3.Cell // sorted
	Incidents  int       // the group's incidents in Cells
	Weeks      int       // distinct weeks holding them
	Z          *float64  // the largest Gi* z of its cells; nil under the count rule
	ByCategory map[string]int
}

// GroupVerdict is how one group was judged.
type GroupVerdict struct {
	Group     string
	Incidents int
	Method    string
	Hotspots  []ProblemHotspot
}

// Verdict is the verdict on the criterion and its grounds.
type Verdict struct {
	Value                   string // pass, fail or insufficient
	Groups                  []GroupVerdict
	Nights, NightsWithFixes int
}

// Hotspots returns every problem hotspot, group by group.
func (v Verdict) Hotspots() []ProblemHotspot {
	var out []ProblemHotspot
	for _, g := range v.Groups {
		out = append(out, g.Hotspots...)
	}
	return out
}

// EnoughPatrolData reports whether at least half of the period's nights have night fixes; a
// period without nights has none.
func EnoughPatrolData(nights, withFixes int) bool {
	return nights > 0 && 2*withFixes >= nights
}

// Judge returns the verdict: fail when any group has a problem hotspot; otherwise insufficient
// when fewer than half of the nights have night fixes (a period without patrol data is never a
// pass); otherwise pass. A problem hotspot is evidence whatever the patrols were, so it wins
// over missing patrol data.
func Judge(in VerdictInput) (Verdict, error) {
	s := in.Settings
	if s.MinIncidents < 1 || s.MinWeeks < 1 || s.GiMinIncidents < 2 {
		return Verdict{}, fmt.Errorf("reporting: verdict thresholds %d incidents, %d weeks, Gi* from %d are out of range",
			s.MinIncidents, s.MinWeeks, s.GiMinIncidents)
	}
	v := Verdict{Nights: in.Nights, NightsWithFixes: in.NightsWithFixes}
	byGroup := map[string][]Incident{}
	for _, x := range in.Incidents {
		if g := groupOf[x.Category]; g != "" {
			byGroup[g] = append(byGroup[g], x)
		}
	}
	for _, g := range Groups {
		gv, err := judgeGroup(g, byGroup[g], in)
		if err != nil {
			return Verdict{}, err
		}
		v.Groups = append(v.Groups, gv)
	}
	switch {
	case len(v.Hotspots()) > 0:
		v.Value = VerdictFail
	case !EnoughPatrolData(in.Nights, in.NightsWithFixes):
		v.Value = VerdictInsufficient
	default:
		v.Value = VerdictPass
	}
	return v, nil
}

// judgeGroup finds the problem hotspots of one group.
func judgeGroup(group string, list []Incident, in VerdictInput) (GroupVerdict, error) {
	gv := GroupVerdict{Group: group, Incidents: len(list), Method: MethodCount}
	if len(list) == 0 {
		return gv, nil
	}
	byCell := map[h3.Cell][]Incident{}
	for _, x := range list {
		byCell[x.Cell] = append(byCell[x.Cell], x)
	}
	var candidates [][]h3.Cell // connected sets of cells to test against the count rules
	z := map[h3.Cell]float64{}
	if len(list) >= in.Settings.GiMinIncidents {
		gv.Method = MethodGiStar
		hot, err := giHotCells(in.Study, byCell)
		if err != nil {
			return gv, fmt.Errorf("reporting: Gi* of %s: %w", group, err)
		}
		for c, zc := range hot {
			z[c] = zc
		}
		candidates, err = components(keysOf(hot))
		if err != nil {
			return gv, err
		}
	} else {
		var err error
		if candidates, err = countPlaces(byCell, in); err != nil {
			return gv, err
		}
	}
	for _, cells := range candidates {
		h := hotspotOf(group, gv.Method, cells, byCell, in)
		if h.Incidents < in.Settings.MinIncidents || h.Weeks < in.Settings.MinWeeks {
			continue
		}
		if gv.Method == MethodGiStar {
			best := z[cells[0]]
			for _, c := range cells {
				best = max(best, z[c])
			}
			h.Z = &best
		}
		gv.Hotspots = append(gv.Hotspots, h)
	}
	slices.SortStableFunc(gv.Hotspots, func(a, b ProblemHotspot) int {
		return cmp.Or(cmp.Compare(b.Incidents, a.Incidents), cmp.Compare(a.Cells[0], b.Cells[0]))
	})
	return gv, nil
}

// giHotCells runs Gi* (k = 1, FDR at 0.05) over the study cells and the cells holding the
// group's incidents, and returns the hot spots at 95 % confidence or more with their z.
func giHotCells(study []h3.Cell, byCell map[h3.Cell][]Incident) (map[h3.Cell]float64, error) {
	seen := make(map[h3.Cell]bool, len(study)+len(byCell))
	var cells []h3.Cell
	for _, c := range study {
		if !seen[c] {
			seen[c] = true
			cells = append(cells, c)
		}
	}
	for c := range byCell {
		if !seen[c] {
			seen[c] = true
			cells = append(cells, c)
		}
	}
	slices.Sort(cells)
	out := map[h3.Cell]float64{}
	if len(cells) < 2 {
		return out, nil
	}
	counts := make([]float64, len(cells))
	for i, c := range cells {
		counts[i] = float64(len(byCell[c]))
	}
	res, err := geo.Hotspots(cells, counts, VerdictK, VerdictAlpha)
	if err != nil {
		return nil, err
	}
	for _, r := range res {
		if r.Z > 0 && r.Confidence >= 95 {
			out[r.Cell] = r.Z
		}
	}
	return out, nil
}

// countPlaces returns the places the count rules test when Gi* is not run: a cell holding an
// incident is a candidate centre when its neighbourhood GridDisk(1) holds at least MinIncidents
// on at least MinWeeks weeks; neighbouring candidates form one place, made of the cells of
// their neighbourhoods that hold incidents.
func countPlaces(byCell map[h3.Cell][]Incident, in VerdictInput) ([][]h3.Cell, error) {
	centres := map[h3.Cell][]h3.Cell{} // candidate centre → the incident cells of its disk
	for c := range byCell {
		disk, err := h3.GridDisk(c, VerdictK)
		if err != nil {
			return nil, fmt.Errorf("reporting: neighbours of %s: %w", c, err)
		}
		var held []h3.Cell
		var n int
		weeks := map[int]bool{}
		for _, d := range disk {
			if l := byCell[d]; len(l) > 0 {
				held = append(held, d)
				n += len(l)
				for _, x := range l {
					weeks[weekOf(x.Time, in.From, in.Location)] = true
				}
			}
		}
		if n >= in.Settings.MinIncidents && len(weeks) >= in.Settings.MinWeeks {
			centres[c] = held
		}
	}
	groups, err := components(keysOf(centres))
	if err != nil {
		return nil, err
	}
	out := make([][]h3.Cell, 0, len(groups))
	for _, g := range groups {
		set := map[h3.Cell]bool{}
		for _, c := range g {
			for _, h := range centres[c] {
				set[h] = true
			}
		}
		out = append(out, sortedKeys(set))
	}
	return mergeOverlapping(out), nil
}

// mergeOverlapping joins places that share a cell, so no incident is counted in two places.
func mergeOverlapping(places [][]h3.Cell) [][]h3.Cell {
	for merged := true; merged; {
		merged = false
		for i := 0; i < len(places) && !merged; i++ {
			for j := i + 1; j < len(places) && !merged; j++ {
				if overlaps(places[i], places[j]) {
					set := map[h3.Cell]bool{}
					for _, c := range append(places[i], places[j]...) {
						set[c] = true
					}
					places[i] = sortedKeys(set)
					places = slices.Delete(places, j, j+1)
					merged = true
				}
			}
		}
	}
	return places
}

func overlaps(a, b []h3.Cell) bool {
	for _, c := range a {
		if slices.Contains(b, c) {
			return true
		}
	}
	return false
}

// hotspotOf counts a group's incidents and their weeks in cells.
func hotspotOf(group, method string, cells []h3.Cell, byCell map[h3.Cell][]Incident, in VerdictInput) ProblemHotspot {
	h := ProblemHotspot{Group: group, Method: method, Cells: cells, ByCategory: map[string]int{}}
	weeks := map[int]bool{}
	for _, c := range cells {
		for _, x := range byCell[c] {
			h.Incidents++
			h.ByCategory[x.Category]++
			weeks[weekOf(x.Time, in.From, in.Location)] = true
		}
	}
	h.Weeks = len(weeks)
	return h
}

// weekOf returns the week of t: 0 for the first seven local days from the period's start date,
// 1 for the next seven, and so on (calendar days, so a daylight-saving change moves nothing).
func weekOf(t, from time.Time, loc *time.Location) int {
	if loc == nil {
		loc = time.UTC
	}
	a, b := geo.DateOf(from, loc), geo.DateOf(t, loc)
	da := time.Date(a.Year, a.Month, a.Day, 12, 0, 0, 0, time.UTC)
	db := time.Date(b.Year, b.Month, b.Day, 12, 0, 0, 0, time.UTC)
	days := int(db.Sub(da).Hours() / 24)
	if days < 0 {
		return -1 - (-days-1)/7
	}
	return days / 7
}

// components groups cells into connected sets (neighbours in GridDisk(1)), each sorted, in the
// order of their smallest cell.
func components(cells []h3.Cell) ([][]h3.Cell, error) {
	slices.Sort(cells)
	in := make(map[h3.Cell]bool, len(cells))
	for _, c := range cells {
		in[c] = true
	}
	seen := map[h3.Cell]bool{}
	var out [][]h3.Cell
	for _, first := range cells {
		if seen[first] {
			continue
		}
		seen[first] = true
		group, queue := []h3.Cell{}, []h3.Cell{first}
		for len(queue) > 0 {
			c := queue[0]
			queue = queue[1:]
			group = append(group, c)
			ring, err := h3.GridDisk(c, 1)
			if err != nil {
				return nil, fmt.Errorf("reporting: neighbours of %s: %w", c, err)
			}
			for _, n := range ring {
				if in[n] && !seen[n] {
					seen[n] = true
					queue = append(queue, n)
				}
			}
		}
		slices.Sort(group)
		out = append(out, group)
	}
	return out, nil
}

func keysOf[V any](m map[h3.Cell]V) []h3.Cell {
	out := make([]h3.Cell, 0, len(m))
	for c := range m {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

func sortedKeys(m map[h3.Cell]bool) []h3.Cell { return keysOf(m) }
