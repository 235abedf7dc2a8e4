package geo_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// localAt parses "YYYY-MM-DD hh:mm:ss" in loc.
func localAt(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation(time.DateTime, s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// stand returns fixes at p from from to to (inclusive) every every.
func stand(p orb.Point, from, to time.Time, every time.Duration) []patrol.Fix {
	var out []patrol.Fix
	for ts := from; !ts.After(to); ts = ts.Add(every) {
		out = append(out, fixAt(patrol.Fix{Time: ts, Speed: math.NaN()}, p))
	}
	return out
}

// walk returns fixes moving at constant speed from a (at from, not
// included) to b (at to, included) every every.
func walk(a, b orb.Point, from, to time.Time, every time.Duration) []patrol.Fix {
	var out []patrol.Fix
	total := to.Sub(from)
	for ts := from.Add(every); !ts.After(to); ts = ts.Add(every) {
		f := float64(ts.Sub(from)) / float64(total)
		out = append(out, patrol.Fix{Time: ts, Lon: a[0] + (b[0]-a[0])*f, Lat: a[1] + (b[1]-a[1])*f, Speed: math.NaN()})
	}
	return out
}

func nightOptions(loc *time.Location) geo.CoverageOptions {
	return geo.CoverageOptions{Res: 10, Loc: loc, Night: geo.DefaultNightWindow(), Window: geo.WindowNight}
}

func coverageOf(t testing.TB, fixes []patrol.Fix, opt geo.CoverageOptions) []geo.CellCoverage {
	t.Helper()
	cov, err := geo.Coverage(map[string][]patrol.Fix{"phone-1": fixes}, opt)
	if err != nil {
		t.Fatal(err)
	}
	return cov
}

func cellsOf(cov []geo.CellCoverage) []h3.Cell {
	var out []h3.Cell
	for _, c := range cov {
		out = append(out, c.Cell)
	}
	return out
}

func coverageFor(cov []geo.CellCoverage, c h3.Cell) geo.CellCoverage {
	for _, x := range cov {
		if x.Cell == c {
			return x
		}
	}
	return geo.CellCoverage{}
}

// lineOfThree returns three cells A, B, C in a straight row, B between.
func lineOfThree(t testing.TB) (a, b, c h3.Cell) {
	t.Helper()
	a = mustCell(t, songCong(), 10)
	ring, err := h3.GridRing(a, 1)
	if err != nil {
		t.Fatal(err)
	}
	b = ring[0]
	pa, pb := mustCentre(t, a), mustCentre(t, b)
	c = mustCell(t, orb.Point{2*pb[0] - pa[0], 2*pb[1] - pa[1]}, 10)
	if d, err := h3.GridDistance(a, c); err != nil || d != 2 {
		t.Fatalf("cells not in a row: distance %d, %v", d, err)
	}
	return a, b, c
}

func TestCoverageStandingStill(t *testing.T) {
	loc := mustZone(t, "Asia/Ho_Chi_Minh")
	a := mustCell(t, songCong(), 10)
	from := localAt(t, loc, "2024-03-01 23:00:00")
	to := from.Add(20 * time.Minute)
	fixes := stand(mustCentre(t, a), from, to, 10*time.Second)
	for i := range fixes { // GPS wobble of a few metres stays in the cell
		fixes[i].SetPoint(orbgeo.PointAtBearingAndDistance(fixes[i].Point(), float64(i*37%360), float64(i%5)))
	}
	cov := coverageOf(t, fixes, nightOptions(loc))
	want := []geo.CellCoverage{{
		Cell: a, Passes: 1, DwellS: 1200, Nights: 1,
		NightDates: []geo.Date{mustDate(t, "2024-03-01")}, LastVisit: to.UTC(),
	}}
	if !reflect.DeepEqual(cov, want) {
		t.Fatalf("coverage %+v, want %+v", cov, want)
	}
}

func TestCoverageWalkingAcrossThreeCells(t *testing.T) {
	loc := mustZone(t, "Asia/Ho_Chi_Minh")
	a, b, c := lineOfThree(t)
	pa, pc := mustCentre(t, a), mustCentre(t, c)
	from := localAt(t, loc, "2024-03-01 23:00:00")
	const secs = 260 // about 1 m/s from centre to centre, 262 m
	fixes := append(stand(pa, from, from, time.Second), walk(pa, pc, from, from.Add(secs*time.Second), 10*time.Second)...)
	cov := coverageOf(t, fixes, nightOptions(loc))

	want := []h3.Cell{a, b, c}
	slices.Sort(want)
	if got := cellsOf(cov); !slices.Equal(got, want) {
		t.Fatalf("cells %v, want %v", got, want)
	}
	// The row crosses A|B a quarter of the way and B|C three quarters of
	// the way. Each crossing segment is 10 s and shorter than a sampling
	// step, so its time is split in half: the error is at most 5 s.
	var total float64
	for _, x := range []struct {
		cell h3.Cell
		want float64
	}{{a, secs / 4}, {b, secs / 2}, {c, secs / 4}} {
		got := coverageFor(cov, x.cell)
		if got.Passes != 1 || math.Abs(got.DwellS-x.want) > 5 {
			t.Errorf("cell %s: %d passes, %.1f s; want 1 pass, %.0f±5 s", x.cell, got.Passes, got.DwellS, x.want)
		}
		total += got.DwellS
	}
	if total != secs {
		t.Fatalf("dwell adds to %v s, want %v", total, secs)
	}
	if got := coverageFor(cov, c).LastVisit; !got.Equal(from.Add(secs * time.Second)) {
		t.Fatalf("C last visit %s", got)
	}
}

func TestCoverageLongSegmentIsSampled(t *testing.T) {
	// One 60 s segment from centre A to centre C (262 m, 14 samples): the
	// middle cell B is found though no fix is in it.
	loc := mustZone(t, "Asia/Ho_Chi_Minh")
	a, b, c := lineOfThree(t)
	from := localAt(t, loc, "2024-03-01 23:00:00")
	fixes := []patrol.Fix{
		fixAt(patrol.Fix{Time: from}, mustCentre(t, a)),
		fixAt(patrol.Fix{Time: from.Add(time.Minute)}, mustCentre(t, c)),
	}
	cov := coverageOf(t, fixes, nightOptions(loc))
	for _, x := range []struct {
		cell h3.Cell
		want float64
	}{{a, 15}, {b, 30}, {c, 15}} {
		// Boundaries are placed within half a step (1/28 of the segment,
		// 2.2 s) of where they are.
		if got := coverageFor(cov, x.cell); got.Passes != 1 || math.Abs(got.DwellS-x.want) > 2.2 {
			t.Errorf("cell %s: %d passes, %.2f s; want 1, %.0f±2.2 s", x.cell, got.Passes, got.DwellS, x.want)
		}
	}
}

// awayAndBack stands in A for 5 min, steps to neighbour B (10 s), stays
// there for away, steps back and stays 5 min more.
func awayAndBack(t testing.TB, loc *time.Location, away time.Duration) (fixes []patrol.Fix, a, b h3.Cell, total time.Duration) {
	a, b, _ = lineOfThree(t)
	pa, pb := mustCentre(t, a), mustCentre(t, b)
	step := 10 * time.Second
	t1 := localAt(t, loc, "2024-03-01 23:00:00")
	t2 := t1.Add(5 * time.Minute)
	t3 := t2.Add(step)
	t4 := t3.Add(away)
	t5 := t4.Add(step)
	t6 := t5.Add(5 * time.Minute)
	fixes = stand(pa, t1, t2, step)
	fixes = append(fixes, walk(pa, pb, t2, t3, step)...)
	fixes = append(fixes, stand(pb, t3.Add(step), t4, step)...)
	fixes = append(fixes, walk(pb, pa, t4, t5, step)...)
	fixes = append(fixes, stand(pa, t5.Add(step), t6, step)...)
	return fixes, a, b, t6.Sub(t1)
}

func TestCoveragePassRule(t *testing.T) {
	loc := mustZone(t, "Asia/Ho_Chi_Minh")
	for _, tc := range []struct {
		name    string
		away    time.Duration
		passesA int
	}{
		{"away 3 min is one pass", 3 * time.Minute, 1},
		{"away 9 min 40 s is one pass", 9*time.Minute + 40*time.Second, 1},
		{"away 12 min is two passes", 12 * time.Minute, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fixes, a, b, total := awayAndBack(t, loc, tc.away)
			cov := coverageOf(t, fixes, nightOptions(loc))
			ca, cb := coverageFor(cov, a), coverageFor(cov, b)
			if len(cov) != 2 || ca.Passes != tc.passesA || cb.Passes != 1 {
				t.Fatalf("%d cells, A %d passes, B %d passes; want 2 cells, %d, 1", len(cov), ca.Passes, cb.Passes, tc.passesA)
			}
			// A holds 5 min on each side and half of each 10 s, 131 m trip,
			// less or more the half sampling step (9.5 m, 0.72 s) by which
			// the A|B boundary may be misplaced.
			if math.Abs(ca.DwellS-610) > 1.5 || ca.DwellS+cb.DwellS != total.Seconds() {
				t.Fatalf("dwell A %.3f B %.3f, want 610±1.5 and a total of %v", ca.DwellS, cb.DwellS, total.Seconds())
			}
		})
	}
}

func TestCoverageSignalGaps(t *testing.T) {
	loc := mustZone(t, "Asia/Ho_Chi_Minh")
	a := mustCell(t, songCong(), 10)
	p := mustCentre(t, a)
	start := localAt(t, loc, "2024-03-01 23:00:00")
	for _, tc := range []struct {
		name   string
		gap    time.Duration
		dwell  float64
		passes int
	}{
		{"4 min gap is a segment", 4 * time.Minute, 120 + 240 + 120, 1},
		{"5 min gap is not", 5 * time.Minute, 240, 1},
		{"6 min gap is not", 6 * time.Minute, 240, 1},
		{"9 min 50 s gap is the same pass", 9*time.Minute + 50*time.Second, 240, 1},
		{"10 min gap starts a new pass", 10 * time.Minute, 240, 2},
		{"12 min gap starts a new pass", 12 * time.Minute, 240, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fixes := stand(p, start, start.Add(2*time.Minute), 10*time.Second)
			resume := start.Add(2*time.Minute + tc.gap)
			fixes = append(fixes, stand(p, resume, resume.Add(2*time.Minute), 10*time.Second)...)
			got := coverageFor(coverageOf(t, fixes, nightOptions(loc)), a)
			if got.DwellS != tc.dwell || got.Passes != tc.passes {
				t.Fatalf("dwell %v s, %d passes; want %v s, %d", got.DwellS, got.Passes, tc.dwell, tc.passes)
			}
		})
	}

	// A lone fix covers nothing.
	if cov := coverageOf(t, stand(p, start, start, time.Second), nightOptions(loc)); len(cov) != 0 {
		t.Fatalf("a lone fix gave %+v", cov)
	}
}

func TestCoverageIgnoresBadFixes(t *testing.T) {
	loc := mustZone(t, "Asia/Ho_Chi_Minh")
	a := mustCell(t, songCong(), 10)
	p := mustCentre(t, a)
	start := localAt(t, loc, "2024-03-01 23:00:00")
	for _, tc := range []struct {
		name      string
		outlier   orb.Point
		accuracy  float64
		wantCells int
	}{
		{"control: a good fix 100 m away is a second cell", east(p, 100), 5, 2},
		{"200 km/h jump is ignored", east(p, 560), 5, 1},
		{"accuracy 150 m is ignored", east(p, 100), 150, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fixes := stand(p, start, start.Add(10*time.Minute), 10*time.Second)
			fixes[30].SetPoint(tc.outlier)
			fixes[30].Accuracy = tc.accuracy
			cov := coverageOf(t, fixes, nightOptions(loc))
			if len(cov) != tc.wantCells {
				t.Fatalf("%d cells, want %d: %+v", len(cov), tc.wantCells, cov)
			}
			if got := coverageFor(cov, a); tc.wantCells == 1 && (got.DwellS != 600 || got.Passes != 1) {
				t.Fatalf("A: %v s, %d passes; want 600 s, 1 pass", got.DwellS, got.Passes)
			}
		})
	}

	// Off-duty fixes count for nothing either.
	fixes := stand(p, start, start.Add(10*time.Minute), 10*time.Second)
	for i := range fixes[:30] { // 23:00:00 to 23:04:50
		fixes[i].Flags = patrol.FlagOffDuty
	}
	if got := coverageFor(coverageOf(t, fixes, nightOptions(loc)), a); got.DwellS != 300 {
		t.Fatalf("off-duty: %v s, want 300", got.DwellS)
	}
}

func TestCoverageWindowClipping(t *testing.T) {
	loc := mustZone(t, "Asia/Ho_Chi_Minh")
	a := mustCell(t, songCong(), 10)
	p := mustCentre(t, a)
	// Every 7 s from 21:50:00 to 22:09:57: 22:00:00 falls inside a segment.
	evening := stand(p, localAt(t, loc, "2024-03-01 21:50:00"), localAt(t, loc, "2024-03-01 22:10:00"), 7*time.Second)
	morning := stand(p, localAt(t, loc, "2024-03-02 04:55:00"), localAt(t, loc, "2024-03-02 05:05:00"), 7*time.Second)
	march1 := []geo.Date{mustDate(t, "2024-03-01")}
	for _, tc := range []struct {
		name   string
		fixes  []patrol.Fix
		window geo.Window
		period [2]string
		dwell  float64
		enter  string
		nights []geo.Date
	}{
		{"evening, night", evening, geo.WindowNight, [2]string{}, 597, "2024-03-01 22:00:00", march1},
		{"evening, day", evening, geo.WindowDay, [2]string{}, 600, "2024-03-01 21:50:00", nil},
		{"evening, all", evening, geo.WindowAll, [2]string{}, 1197, "2024-03-01 21:50:00", march1},
		{"evening, all, period 22:05–22:08", evening, geo.WindowAll, [2]string{"2024-03-01 22:05:00", "2024-03-01 22:08:00"}, 180, "2024-03-01 22:05:00", march1},
		{"evening, night, period to 22:01", evening, geo.WindowNight, [2]string{"2024-03-01 00:00:00", "2024-03-01 22:01:00"}, 60, "2024-03-01 22:00:00", march1},
		{"evening, night, period before night", evening, geo.WindowNight, [2]string{"2024-03-01 00:00:00", "2024-03-01 21:59:00"}, 0, "", nil},
		{"morning, night", morning, geo.WindowNight, [2]string{}, 300, "2024-03-02 04:55:00", march1},
		{"morning, day", morning, geo.WindowDay, [2]string{}, 295, "2024-03-02 05:00:00", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := nightOptions(loc)
			opt.Window = tc.window
			if tc.period[0] != "" {
				opt.Period = geo.Period{From: localAt(t, loc, tc.period[0]), To: localAt(t, loc, tc.period[1])}
			}
			visits, err := geo.DeviceVisits("phone-1", tc.fixes, opt)
			if err != nil {
				t.Fatal(err)
			}
			if tc.dwell == 0 {
				if len(visits) != 0 {
					t.Fatalf("visits %+v, want none", visits)
				}
				return
			}
			if len(visits) != 1 {
				t.Fatalf("visits %+v, want one", visits)
			}
			v := visits[0]
			if v.DwellS != tc.dwell || !v.Enter.Equal(localAt(t, loc, tc.enter)) || !slices.Equal(v.Nights, tc.nights) || v.Cell != a || v.Device != "phone-1" {
				t.Fatalf("visit %+v (enter %s), want %v s from %s, nights %v", v, v.Enter.In(loc), tc.dwell, tc.enter, tc.nights)
			}
			if v.Leave.Sub(v.Enter).Seconds() != v.DwellS {
				t.Fatalf("a continuous stay has Leave-Enter = dwell: %+v", v)
			}
		})
	}
}

func TestCoverageNightsAndWindows(t *testing.T) {
	loc := mustZone(t, "Asia/Ho_Chi_Minh")
	a := mustCell(t, songCong(), 10)
	p := mustCentre(t, a)
	var fixes []patrol.Fix
	for _, s := range []string{"2024-03-01 23:00:00", "2024-03-02 12:00:00", "2024-03-03 01:00:00"} {
		from := localAt(t, loc, s)
		fixes = append(fixes, stand(p, from, from.Add(5*time.Minute), 10*time.Second)...)
	}
	for _, tc := range []struct {
		window geo.Window
		passes int
		dwell  float64
		nights []string
		last   string
	}{
		{geo.WindowNight, 2, 600, []string{"2024-03-01", "2024-03-02"}, "2024-03-03 01:05:00"},
		{geo.WindowDay, 1, 300, nil, "2024-03-02 12:05:00"},
		{geo.WindowAll, 3, 900, []string{"2024-03-01", "2024-03-02"}, "2024-03-03 01:05:00"},
	} {
		t.Run(string(tc.window), func(t *testing.T) {
			opt := nightOptions(loc)
			opt.Window = tc.window
			got := coverageFor(coverageOf(t, fixes, opt), a)
			var nights []string
			for _, d := range got.NightDates {
				nights = append(nights, d.String())
			}
			if got.Passes != tc.passes || got.DwellS != tc.dwell || got.Nights != len(tc.nights) || !slices.Equal(nights, tc.nights) || !got.LastVisit.Equal(localAt(t, loc, tc.last)) {
				t.Fatalf("%+v, want %d passes, %v s, nights %v, last %s", got, tc.passes, tc.dwell, tc.nights, tc.last)
			}
		})
	}
}

func TestCoverageAcrossDST(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	p := orb.Point{13.405, 52.52}
	a := mustCell(t, p, 10)
	for _, tc := range []struct {
		name, from, to string
		dwell          float64
	}{
		// A whole night standing still: 22:00 to 05:00 local is 6 h when
		// the clocks spring forward and 8 h when they fall back.
		{"spring", "2024-03-30 21:00:00", "2024-03-31 06:00:00", 6 * 3600},
		{"autumn", "2024-10-26 21:00:00", "2024-10-27 06:00:00", 8 * 3600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := nightOptions(berlin)
			fixes := stand(p, localAt(t, berlin, tc.from), localAt(t, berlin, tc.to), time.Minute)
			cov := coverageOf(t, fixes, opt)
			if len(cov) != 1 || cov[0].Cell != a || cov[0].DwellS != tc.dwell || cov[0].Passes != 1 || cov[0].Nights != 1 {
				t.Fatalf("%+v, want one pass of %v s on one night", cov, tc.dwell)
			}
		})
	}
}

// messyTrack is two hours of a patrol around Sông Công at about 3 m/s,
// 7 s apart, across the 22:00 start of the night, with resent copies,
// conflicting fixes at the same time, low-accuracy fixes, a 200 km/h spike, a 6-minute and a 12-minute gap.
func messyTrack(t testing.TB, loc *time.Location, seed uint64) []patrol.Fix {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	start := localAt(t, loc, "2024-03-01 21:00:00")
	p := songCong()
	heading := 0.0
	var out []patrol.Fix
	for i := 0; i < 1000; i++ {
		ts := start.Add(time.Duration(i) * 7 * time.Second)
		switch {
		case i >= 300 && i < 351: // 6 min without signal
			continue
		case i >= 600 && i < 703: // 12 min without signal
			continue
		}
		if rng.IntN(20) == 0 {
			heading += rng.Float64()*180 - 90
		}
		p = orbgeo.PointAtBearingAndDistance(p, heading, 21*rng.Float64())
		f := fixAt(patrol.Fix{Time: ts, Accuracy: 3 + 10*rng.Float64(), Speed: math.NaN()}, p)
		switch {
		case i == 450:
			f.SetPoint(east(p, 600)) // 200+ km/h spike
		case i%97 == 0:
			f.Accuracy = 180
		}
		out = append(out, f)
		if i%53 == 0 {
			out = append(out, f) // resent
		}
		if i%71 == 0 {
			g := f
			g.SetPoint(east(f.Point(), 3)) // a second fix at the same time
			out = append(out, g)
		}
	}
	return out
}

func TestCoverageIndependentOfOrder(t *testing.T) {
	loc := mustZone(t, "Asia/Ho_Chi_Minh")
	fixes := messyTrack(t, loc, 7)
	for _, window := range []geo.Window{geo.WindowNight, geo.WindowDay, geo.WindowAll} {
		t.Run(string(window), func(t *testing.T) {
			opt := nightOptions(loc)
			opt.Window = window
			want := coverageOf(t, fixes, opt)
			if len(want) < 20 {
				t.Fatalf("only %d cells; the track is too small to test much", len(want))
			}
			rng := rand.New(rand.NewPCG(1, 2))
			for round := 0; round < 5; round++ {
				shuffled := slices.Clone(fixes)
				rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
				shuffled = append(shuffled, shuffled[:40]...) // late resends
				for i := range shuffled {
					if i%5 == 0 {
						shuffled[i].Time = shuffled[i].Time.In(loc) // another zone, same instant
					}
					if i%7 == 0 {
						shuffled[i].Flags = patrol.FlagJump // stale flags from ingest
					}
				}
				if got := coverageOf(t, shuffled, opt); !reflect.DeepEqual(got, want) {
					t.Fatalf("round %d: shuffled input changed the coverage", round)
				}
			}
		})
	}
}

func TestCoverageByChunksEqualsWhole(t *testing.T) {
	// A store rolls up one hour at a time, each with 5 minutes of fixes on
	// either side; merging the hours gives the answer for the whole period.
	loc := mustZone(t, "Asia/Ho_Chi_Minh")
	fixes := messyTrack(t, loc, 11)
	opt := nightOptions(loc)
	opt.Window = geo.WindowAll
	want := coverageOf(t, fixes, opt)

	var visits []geo.CellVisit
	start := localAt(t, loc, "2024-03-01 21:00:00")
	for h := 0; h < 3; h++ {
		chunk := geo.Period{From: start.Add(time.Duration(h) * time.Hour), To: start.Add(time.Duration(h+1) * time.Hour)}
		var in []patrol.Fix
		for _, f := range fixes {
			if !f.Time.Before(chunk.From.Add(-geo.MaxSegmentGap)) && f.Time.Before(chunk.To.Add(geo.MaxSegmentGap)) {
				in = append(in, f)
			}
		}
		o := opt
		o.Period = chunk
		vs, err := geo.DeviceVisits("phone-1", in, o)
		if err != nil {
			t.Fatal(err)
		}
		visits = append(visits, vs...)
	}
	got := geo.MergeCoverage(visits)
	if len(got) != len(want) {
		t.Fatalf("%d cells by chunks, %d whole", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if math.Abs(g.DwellS-w.DwellS) > 1e-6 {
			t.Fatalf("cell %s: dwell %v by chunks, %v whole", w.Cell, g.DwellS, w.DwellS)
		}
		g.DwellS = w.DwellS
		if !reflect.DeepEqual(g, w) {
			t.Fatalf("cell %s: %+v by chunks, %+v whole", w.Cell, g, w)
		}
	}
}

func TestCoverageDwellAddsUp(t *testing.T) {
	// All time of all segments is given to some cell: the total dwell is
	// the time between consecutive good fixes less than 5 min apart.
	loc := mustZone(t, "Asia/Ho_Chi_Minh")
	fixes := messyTrack(t, loc, 3)
	opt := nightOptions(loc)
	opt.Window = geo.WindowAll
	var total float64
	for _, c := range coverageOf(t, fixes, opt) {
		total += c.DwellS
	}
	clean := slices.Clone(fixes)
	slices.SortFunc(clean, func(a, b patrol.Fix) int { return a.Time.Compare(b.Time) })
	geo.FlagTrack(clean)
	clean = slices.DeleteFunc(clean, patrol.Fix.Ignored)
	var want float64
	for i := 1; i < len(clean); i++ {
		if dt := clean[i].Time.Sub(clean[i-1].Time); dt < geo.MaxSegmentGap {
			want += dt.Seconds()
		}
	}
	if math.Abs(total-want) > 1e-6 {
		t.Fatalf("dwell adds to %v s, want %v", total, want)
	}
}

func TestMergeCoverage(t *testing.T) {
	loc := mustZone(t, "Asia/Ho_Chi_Minh")
	a := mustCell(t, songCong(), 10)
	b := mustCell(t, east(songCong(), 500), 10)
	at := func(s string) time.Time { return localAt(t, loc, "2024-03-01 "+s).UTC() }
	n1, n2 := mustDate(t, "2024-03-01"), mustDate(t, "2024-02-29")
	visits := []geo.CellVisit{
		{Device: "d1", Cell: a, Enter: at("22:00:00"), Leave: at("22:30:00"), DwellS: 1800, Nights: []geo.Date{n1}},
		{Device: "d1", Cell: a, Enter: at("22:30:00"), Leave: at("22:40:00"), DwellS: 600, Nights: []geo.Date{n1}}, // next chunk, same pass
		{Device: "d1", Cell: a, Enter: at("22:49:59"), Leave: at("22:50:00"), DwellS: 1, Nights: []geo.Date{n1}},   // 9:59 away, same pass
		{Device: "d1", Cell: a, Enter: at("23:00:00"), Leave: at("23:01:00"), DwellS: 60, Nights: []geo.Date{n1}},  // 10 min away, new pass
		{Device: "d2", Cell: a, Enter: at("22:00:00"), Leave: at("22:10:00"), DwellS: 600, Nights: []geo.Date{n1}},
		{Device: "d2", Cell: b, Enter: at("03:00:00"), Leave: at("03:10:00"), DwellS: 600, Nights: []geo.Date{n2}},
	}
	got := geo.MergeCoverage(visits)
	want := []geo.CellCoverage{
		{Cell: a, Passes: 3, DwellS: 3061, Nights: 1, NightDates: []geo.Date{n1}, LastVisit: at("23:01:00")},
		{Cell: b, Passes: 1, DwellS: 600, Nights: 1, NightDates: []geo.Date{n2}, LastVisit: at("03:10:00")},
	}
	slices.SortFunc(want, func(x, y geo.CellCoverage) int { return int(x.Cell>>1) - int(y.Cell>>1) })
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("MergeCoverage = %+v\nwant %+v", got, want)
	}
	// Order of the input does not matter.
	slices.Reverse(visits)
	if again := geo.MergeCoverage(visits); !reflect.DeepEqual(again, want) {
		t.Fatalf("reversed input: %+v", again)
	}
}

func TestCoverageTwoDevices(t *testing.T) {
	loc := mustZone(t, "Asia/Ho_Chi_Minh")
	a := mustCell(t, songCong(), 10)
	from := localAt(t, loc, "2024-03-01 23:00:00")
	fixes := stand(mustCentre(t, a), from, from.Add(10*time.Minute), 10*time.Second)
	cov, err := geo.Coverage(map[string][]patrol.Fix{"d1": fixes, "d2": fixes}, nightOptions(loc))
	if err != nil {
		t.Fatal(err)
	}
	if len(cov) != 1 || cov[0].Passes != 2 || cov[0].DwellS != 1200 || cov[0].Nights != 1 {
		t.Fatalf("two officers together: %+v, want 2 passes, 1200 s, 1 night", cov)
	}
}

func TestCoverageOptionErrors(t *testing.T) {
	loc := mustZone(t, "Asia/Ho_Chi_Minh")
	from := localAt(t, loc, "2024-03-01 23:00:00")
	fixes := stand(songCong(), from, from.Add(time.Minute), 10*time.Second)
	for _, tc := range []struct {
		name  string
		edit  func(*geo.CoverageOptions)
		field string
	}{
		{"res 7", func(o *geo.CoverageOptions) { o.Res = 7 }, "res"},
		{"res 12", func(o *geo.CoverageOptions) { o.Res = 12 }, "res"},
		{"no window", func(o *geo.CoverageOptions) { o.Window = "" }, "window"},
		{"empty night", func(o *geo.CoverageOptions) { o.Night = geo.NightWindow{Start: 60, End: 60} }, "night_end"},
		{"reversed period", func(o *geo.CoverageOptions) { o.Period = geo.Period{From: from, To: from.Add(-time.Hour)} }, "to"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := nightOptions(loc)
			tc.edit(&opt)
			_, err := geo.Coverage(map[string][]patrol.Fix{"d": fixes}, opt)
			var fe *geo.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("error %v, want a FieldError on %q", err, tc.field)
			}
		})
	}

	// Zero night window means the default; nil zone means UTC.
	opt := geo.CoverageOptions{Res: 10, Window: geo.WindowNight}
	utcNight := time.Date(2024, 3, 1, 23, 0, 0, 0, time.UTC)
	cov := coverageOf(t, stand(songCong(), utcNight, utcNight.Add(time.Minute), 10*time.Second), opt)
	if len(cov) != 1 || cov[0].DwellS != 60 {
		t.Fatalf("defaults: %+v", cov)
	}

	// A usable fix with an impossible position is an error, not a skip.
	bad := slices.Clone(fixes)
	bad[2].SetPoint(orb.Point{21.47, 105.85})
	if _, err := geo.DeviceVisits("d", bad, nightOptions(loc)); err == nil {
		t.Fatal("a swapped point was accepted")
	}
}
