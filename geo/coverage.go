package geo

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/patrol"
)

// CoverageOptions say how to turn fixes into coverage.
type CoverageOptions struct {
	Res    int            // H3 resolution, MinRes to MaxRes
	Loc    *time.Location // the unit's time zone; nil means UTC
	Night  NightWindow    // the unit's night; the zero value means 22:00–05:00
	Window Window         // night, day or all
	Period Period         // only time inside it counts; an unset end is open
}

// normalized fills defaults and checks the options.
func (o CoverageOptions) normalized() (CoverageOptions, error) {
	if !ValidRes(o.Res) {
		return o, &FieldError{Field: "res", Reason: fmt.Sprintf("%d is not in %d–%d", o.Res, MinRes, MaxRes)}
	}
	o.Loc = zone(o.Loc)
	if o.Night == (NightWindow{}) {
		o.Night = DefaultNightWindow()
	}
	if err := o.Night.Validate(); err != nil {
		return o, err
	}
	if !o.Window.Valid() {
		return o, &FieldError{Field: "window", Reason: fmt.Sprintf("%q is not one of night, day, all", string(o.Window))}
	}
	if o.Period.Bounded() && !o.Period.From.Before(o.Period.To) {
		return o, &FieldError{Field: "to", Reason: "is not after from"}
	}
	return o, nil
}

// CellStep returns the distance in metres between samples taken along a
// segment at resolution res: a quarter of H3's average edge length (about
// 19 m at resolution 10).
func CellStep(res int) (float64, error) {
	e, err := h3.HexagonEdgeLengthAvgM(res)
	if err != nil {
		return 0, fmt.Errorf("geo: edge length at resolution %d: %w", res, err)
	}
	return e / 4, nil
}

// CellVisit is one pass of one device through one cell, counting only time
// inside the window and period it was computed for. It is what a store keeps
// as a rollup: MergeCoverage turns any set of them into per-cell coverage.
type CellVisit struct {
	Device string
	Cell   h3.Cell
	Enter  time.Time // first instant in the cell (UTC)
	Leave  time.Time // last instant in the cell (UTC)
	DwellS float64   // seconds in the cell; absences inside the pass excluded
	Nights []Date    // nights with time in the cell during this pass, in order
}

// CellCoverage is the coverage of one cell.
type CellCoverage struct {
	Cell       h3.Cell
	Passes     int       // passes of all devices
	DwellS     float64   // seconds, summed over devices
	Nights     int       // len(NightDates)
	NightDates []Date    // distinct nights with time in the cell, in order
	LastVisit  time.Time // the latest instant any device was in the cell
}

// cellStretch is a stretch of a segment inside one cell.
type cellStretch struct {
	cell     h3.Cell
	from, to time.Time
}

// DeviceVisits returns the passes of one device through H3 cells, sorted by
// Enter and then cell. It returns an error for a fix whose point is not a
// valid [lon, lat] (ValidateFix should have rejected it) or bad options. Results depend only on the set of fixes, not their
// order or on flags set before: the fixes are copied, put in UTC, sorted
// (equal times ordered by their other fields), flagged afresh by FlagTrack
// (FlagOffDuty set by the caller is kept) and the ignored ones dropped.
//
//   - Segment: two consecutive remaining fixes less than MaxSegmentGap apart
//     whose implied speed is below MaxSpeedKmh. A lone fix covers nothing.
//   - Cells and dwell: a segment whose ends are in one cell gives that cell
//     all its time. Otherwise it is sampled at n+1 evenly spaced points,
//     n = ceil(length / CellStep(res)), interpolated linearly in lon/lat;
//     each sample stands for the stretch of the segment nearest to it, so
//     where consecutive samples fall in different cells the boundary is put
//     halfway between them, and each cell gets the segment's time in
//     proportion to the length of its stretches (the device is assumed to
//     move at constant speed along the segment). A cell that the segment
//     clips by less than a step may be missed.
//   - Window and period: only the parts of stretches inside opt.Period and
//     inside opt.Window (by the unit's night window in opt.Loc) count;
//     a stretch crossing a boundary is cut at it by time.
//   - Pass: a run of time in a cell. Coming back to the cell less than
//     PassGap after leaving it continues the same pass; Enter and Leave
//     span the whole pass and DwellS counts only the time inside.
//
// To keep rollups incremental, a store can call DeviceVisits per chunk of
// time (an hour or a night) with opt.Period set to the chunk and the fixes
// from MaxSegmentGap before to MaxSegmentGap after it; MergeCoverage then
// joins passes that continue across chunks, giving the same answer as one
// call over the whole period, except where a jump judgement depends on a
// fix outside the margin.
func DeviceVisits(device string, fixes []patrol.Fix, opt CoverageOptions) ([]CellVisit, error) {
	opt, err := opt.normalized()
	if err != nil {
		return nil, err
	}
	for _, f := range fixes {
		if err := checkPoint(f.Point()); err != nil {
			return nil, fmt.Errorf("geo: device %q fix at %s: %w", device, f.Time.Format(time.RFC3339Nano), err)
		}
	}
	track := cleanTrack(fixes)
	if len(track) < 2 {
		return nil, nil
	}
	span := Period{From: track[0].Time, To: track[len(track)-1].Time}
	if !opt.Period.From.IsZero() && opt.Period.From.After(span.From) {
		span.From = opt.Period.From
	}
	if !opt.Period.To.IsZero() && opt.Period.To.Before(span.To) {
		span.To = opt.Period.To
	}
	windows := opt.Night.Periods(span, opt.Loc, opt.Window)
	if len(windows) == 0 {
		return nil, nil
	}
	step, err := CellStep(opt.Res)
	if err != nil {
		return nil, err
	}
	cells := make([]h3.Cell, len(track))
	for i, f := range track {
		if cells[i], err = CellOf(f.Point(), opt.Res); err != nil {
			return nil, fmt.Errorf("geo: device %q: %w", device, err)
		}
	}

	passes := newPassBuilder(device, opt.Night.nightsIn(span, opt.Loc))
	var stretches []cellStretch
	w := 0 // first window that may still overlap what comes next
	for i := 1; i < len(track); i++ {
		a, b := track[i-1], track[i]
		if b.Time.Sub(a.Time) >= MaxSegmentGap || !plausible(a, b) {
			continue
		}
		for w < len(windows) && !windows[w].To.After(a.Time) {
			w++
		}
		if w == len(windows) {
			break
		}
		if !windows[w].From.Before(b.Time) {
			continue // the segment lies wholly between windows
		}
		if stretches, err = splitSegment(a, b, cells[i-1], cells[i], opt.Res, step, stretches[:0]); err != nil {
			return nil, fmt.Errorf("geo: device %q: %w", device, err)
		}
		for _, p := range stretches {
			for w < len(windows) && !windows[w].To.After(p.from) {
				w++
			}
			for j := w; j < len(windows) && windows[j].From.Before(p.to); j++ {
				in := Period{From: p.from, To: p.to}.Intersect(windows[j])
				if in.From.Before(in.To) {
					passes.add(p.cell, in.From.UTC(), in.To.UTC())
				}
			}
		}
	}
	return passes.finish(), nil
}

// cleanTrack returns a sorted, flagged copy of fixes without the ignored
// ones. Equal times are ordered by flags, accuracy, lon, lat and speed so
// that the copy FlagTrack keeps does not depend on the input order.
func cleanTrack(fixes []patrol.Fix) []patrol.Fix {
	t := make([]patrol.Fix, len(fixes))
	for i, f := range fixes {
		f.Time = f.Time.UTC() // also drops any monotonic clock reading
		t[i] = f
	}
	slices.SortFunc(t, func(a, b patrol.Fix) int {
		return cmp.Or(
			a.Time.Compare(b.Time),
			cmp.Compare(a.Flags, b.Flags),
			cmp.Compare(a.Accuracy, b.Accuracy),
			cmp.Compare(a.Lon, b.Lon),
			cmp.Compare(a.Lat, b.Lat),
			cmp.Compare(a.Speed, b.Speed),
		)
	})
	FlagTrack(t)
	return slices.DeleteFunc(t, patrol.Fix.Ignored)
}

// splitSegment appends to buf the stretches of the segment a→b in each
// cell, in order; ca and cb are the cells of a and b.
func splitSegment(a, b patrol.Fix, ca, cb h3.Cell, res int, step float64, buf []cellStretch) ([]cellStretch, error) {
	if ca == cb {
		return append(buf, cellStretch{cell: ca, from: a.Time, to: b.Time}), nil
	}
	n := max(int(math.Ceil(distanceM(a.Point(), b.Point())/step)), 1)
	dt := float64(b.Time.Sub(a.Time))
	cur, start := ca, a.Time
	for k := 1; k <= n; k++ {
		c := cb
		if k < n {
			var err error
			if c, err = CellOf(lerpPoint(a.Point(), b.Point(), float64(k)/float64(n)), res); err != nil {
				return buf, err
			}
		}
		if c == cur {
			continue
		}
		t := a.Time.Add(time.Duration(math.Round(dt * (float64(k) - 0.5) / float64(n))))
		if t.After(start) {
			buf = append(buf, cellStretch{cell: cur, from: start, to: t})
			start = t
		}
		cur = c
	}
	return append(buf, cellStretch{cell: cur, from: start, to: b.Time}), nil
}

// lerp returns the point a fraction f of the way from a to b, linearly in
// lon/lat (segments are at most a few kilometres long).
func lerpPoint(a, b orb.Point, f float64) orb.Point {
	return orb.Point{a[0] + (b[0]-a[0])*f, a[1] + (b[1]-a[1])*f}
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// openPass is a pass still being built.
type openPass struct {
	enter, leave time.Time
	dwell        time.Duration
	nights       []Date
}

// passBuilder turns time-ordered stretches of one device into passes.
type passBuilder struct {
	device string
	open   map[h3.Cell]*openPass
	nights []datedNight
	next   int // first night that may overlap what comes next
	out    []CellVisit
}

func newPassBuilder(device string, nights []datedNight) *passBuilder {
	return &passBuilder{device: device, open: make(map[h3.Cell]*openPass), nights: nights}
}

// add records that the device was in cell during [from, to); calls come in
// order of from.
func (b *passBuilder) add(cell h3.Cell, from, to time.Time) {
	p := b.open[cell]
	if p != nil && from.Sub(p.leave) >= PassGap {
		b.close(cell, p)
		p = nil
	}
	if p == nil {
		p = &openPass{enter: from}
		b.open[cell] = p
	}
	p.leave = laterOf(p.leave, to)
	p.dwell += to.Sub(from)
	for b.next < len(b.nights) && !b.nights[b.next].To.After(from) {
		b.next++
	}
	for j := b.next; j < len(b.nights) && b.nights[j].From.Before(to); j++ {
		if d := b.nights[j].Date; !slices.Contains(p.nights, d) {
			p.nights = append(p.nights, d)
		}
	}
}

func (b *passBuilder) close(cell h3.Cell, p *openPass) {
	b.out = append(b.out, CellVisit{
		Device: b.device,
		Cell:   cell,
		Enter:  p.enter,
		Leave:  p.leave,
		DwellS: p.dwell.Seconds(),
		Nights: p.nights,
	})
}

// finish closes the open passes and returns all passes sorted by Enter,
// then cell.
func (b *passBuilder) finish() []CellVisit {
	for cell, p := range b.open {
		b.close(cell, p)
	}
	clear(b.open)
	slices.SortFunc(b.out, func(x, y CellVisit) int {
		return cmp.Or(x.Enter.Compare(y.Enter), cmp.Compare(x.Cell, y.Cell))
	})
	return b.out
}

// MergeCoverage sums passes into per-cell coverage, sorted by cell. Passes
// of the same device and cell less than PassGap apart (as when a store
// computed them chunk by chunk) are joined into one first, so chunks must
// not overlap in time. Passes and dwell of different devices add up: two
// officers in a cell for ten minutes make two passes and 1200 s.
func MergeCoverage(visits []CellVisit) []CellCoverage {
	vs := slices.Clone(visits)
	slices.SortFunc(vs, func(x, y CellVisit) int {
		return cmp.Or(
			cmp.Compare(x.Cell, y.Cell),
			cmp.Compare(x.Device, y.Device),
			x.Enter.Compare(y.Enter),
			x.Leave.Compare(y.Leave),
		)
	})
	var out []CellCoverage
	var runLeave time.Time // latest Leave of the current device's current pass
	for i, v := range vs {
		newCell := i == 0 || v.Cell != vs[i-1].Cell
		if newCell {
			out = append(out, CellCoverage{Cell: v.Cell})
		}
		c := &out[len(out)-1]
		if newCell || v.Device != vs[i-1].Device || v.Enter.Sub(runLeave) >= PassGap {
			c.Passes++
			runLeave = v.Leave
		}
		runLeave = laterOf(runLeave, v.Leave)
		c.DwellS += v.DwellS
		c.LastVisit = laterOf(c.LastVisit, v.Leave)
		c.NightDates = append(c.NightDates, v.Nights...)
	}
	for i := range out {
		c := &out[i]
		slices.SortFunc(c.NightDates, Date.Compare)
		c.NightDates = slices.Compact(c.NightDates)
		c.Nights = len(c.NightDates)
	}
	return out
}

// Coverage returns the coverage of all devices' tracks (device id → fixes),
// sorted by cell; see DeviceVisits for the rules.
func Coverage(tracks map[string][]patrol.Fix, opt CoverageOptions) ([]CellCoverage, error) {
	if _, err := opt.normalized(); err != nil {
		return nil, err
	}
	devices := make([]string, 0, len(tracks))
	for d := range tracks {
		devices = append(devices, d)
	}
	slices.Sort(devices)
	var all []CellVisit
	var errs []error
	for _, d := range devices {
		vs, err := DeviceVisits(d, tracks[d], opt)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		all = append(all, vs...)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return MergeCoverage(all), nil
}
