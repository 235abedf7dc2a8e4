package coverage

import (
	"fmt"
	"strings"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// Reason spells out why gp is a gap, with its incident history, in lang (report.LangVI or
// report.LangEN; words.go holds the words).
func (g *Gaps) Reason(gp Gap, lang string) string {
	if gp.Area != nil {
		return areaReason(gp.Area, lang)
	}
	return cellReason(gp.Cell, g.MinNights, len(g.Nights), lang)
}

// incidentPhrase spells out an incident history: "3 incidents (total severity 9) in the cell and
// 1 (total severity 2) around it in the last 12 months".
func incidentPhrase(in, near Incidents, what, lang string) string {
	switch {
	case in.Count == 0 && near.Count == 0:
		return fmt.Sprintf(word(lang, "incidents.none"), what)
	case near.Count == 0:
		return fmt.Sprintf(word(lang, "incidents.in"), count(lang, in.Count, "incident"), in.Severity, what)
	case in.Count == 0:
		return fmt.Sprintf(word(lang, "incidents.near"), what, count(lang, near.Count, "incident"), near.Severity)
	}
	return fmt.Sprintf(word(lang, "incidents.both"), count(lang, in.Count, "incident"), in.Severity, what, near.Count, near.Severity)
}

// cellReason spells out why a cell is a gap.
func cellReason(c *CellGap, minNights, nights int, lang string) string {
	var b strings.Builder
	if c.Nights == 0 {
		fmt.Fprintf(&b, word(lang, "cell.never"), count(lang, nights, "night"))
	} else {
		fmt.Fprintf(&b, word(lang, "cell.few"), c.Nights, nights, minNights)
	}
	b.WriteString("; ")
	b.WriteString(incidentPhrase(c.In, c.Near, word(lang, "what.cell"), lang))
	for i, name := range c.KeyAreas {
		if i == 0 {
			b.WriteString(word(lang, "cell.in_key_area"))
		} else {
			b.WriteString(", ")
		}
		b.WriteString(name)
	}
	return b.String()
}

// areaReason spells out why a key area is a gap: the judged nights it missed, and the nights
// still open (not over, not met yet), which are not counted.
func areaReason(a *KeyArea, lang string) string {
	req := count(lang, a.Area.RequiredNightVisits, "visit")
	if a.Area.MinDwellMin > 0 {
		req += fmt.Sprintf(word(lang, "area.dwell"), a.Area.MinDwellMin)
	}
	kind := word(lang, "kind.key_area")
	if a.Area.Kind == patrol.KindKeyRoad {
		kind = word(lang, "kind.key_road")
	}
	var b strings.Builder
	fmt.Fprintf(&b, word(lang, "area.below"), kind, a.Area.Name, req, a.Missed(), a.Judged(), noun(lang, a.Judged(), "night"), a.Met)
	b.WriteString(openPhrase(a.OpenNights(), lang))
	b.WriteString("; ")
	b.WriteString(incidentPhrase(a.In, a.Near, word(lang, "what.area"), lang))
	return b.String()
}

// openPhrase says which nights are not counted because they are still open: "; the night of
// 2024-03-02 is not over and not met yet, not counted" ("" when none is).
func openPhrase(open []geo.Date, lang string) string {
	switch len(open) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf(word(lang, "open.one"), dateText(lang, open[0]))
	}
	return fmt.Sprintf(word(lang, "open.many"), len(open), dateText(lang, open[0]), dateText(lang, open[len(open)-1]))
}
