package coverage

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// Reason spells out why gp is a gap, with its incident history, in English.
func (g *Gaps) Reason(gp Gap) string {
	if gp.Area != nil {
		return areaReason(gp.Area)
	}
	return cellReason(gp.Cell, g.MinNights, len(g.Nights))
}

// incidentPhrase spells out an incident history: "3 incidents (severity 9) in the cell and
// 1 (severity 2) around it in the last 12 months".
func incidentPhrase(in, near Incidents, what string) string {
	plural := func(n int) string {
		if n == 1 {
			return "1 incident"
		}
		return strconv.Itoa(n) + " incidents"
	}
	switch {
	case in.Count == 0 && near.Count == 0:
		return "no incidents in or around " + what + " in the last 12 months"
	case near.Count == 0:
		return fmt.Sprintf("%s (severity %d) in %s in the last 12 months", plural(in.Count), in.Severity, what)
	case in.Count == 0:
		return fmt.Sprintf("no incidents in %s but %s (severity %d) around it in the last 12 months", what, plural(near.Count), near.Severity)
	}
	return fmt.Sprintf("%s (severity %d) in %s and %d (severity %d) around it in the last 12 months",
		plural(in.Count), in.Severity, what, near.Count, near.Severity)
}

// cellReason spells out why a cell is a gap.
func cellReason(c *CellGap, minNights, nights int) string {
	var b strings.Builder
	if c.Nights == 0 {
		fmt.Fprintf(&b, "never visited at night in %d %s", nights, plural(nights, "night", "nights"))
	} else {
		fmt.Fprintf(&b, "visited on %d of %d nights, fewer than %d", c.Nights, nights, minNights)
	}
	b.WriteString("; ")
	b.WriteString(incidentPhrase(c.In, c.Near, "the cell"))
	for i, name := range c.KeyAreas {
		if i == 0 {
			b.WriteString("; inside key area ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(name)
	}
	return b.String()
}

// areaReason spells out why a key area is a gap: the judged nights it missed, and the nights
// still open (not over, not met yet), which are not counted.
func areaReason(a *KeyArea) string {
	req := fmt.Sprintf("%d %s", a.Area.RequiredNightVisits, plural(a.Area.RequiredNightVisits, "visit", "visits"))
	if a.Area.MinDwellMin > 0 {
		req += fmt.Sprintf(" of at least %d min", a.Area.MinDwellMin)
	}
	kind := "key area"
	if a.Area.Kind == patrol.KindKeyRoad {
		kind = "key road"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s below its requirement of %s a night on %d of %d judged %s (met on %d)",
		kind, a.Area.Name, req, a.Missed(), a.Judged(), plural(a.Judged(), "night", "nights"), a.Met)
	b.WriteString(openPhrase(a.OpenNights()))
	b.WriteString("; ")
	b.WriteString(incidentPhrase(a.In, a.Near, "its cells"))
	return b.String()
}

// openPhrase says which nights are not counted because they are still open: "; the night of
// 2024-03-02 is not over and not met yet, not counted" ("" when none is).
func openPhrase(open []geo.Date) string {
	switch len(open) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("; the night of %s is not over and not met yet, not counted", open[0])
	}
	return fmt.Sprintf("; %d nights (%s to %s) are not over and not met yet, not counted", len(open), open[0], open[len(open)-1])
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
