package demo

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
)

// Patrol modes.
const (
	ModeWalk      = "walk"
	ModeMotorbike = "motorbike"
)

// Settings of the simulated patrols.
const (
	skipNightP      = 0.07 // a night nobody patrols
	threeOfficersP  = 0.7  // a night three officers patrol, else two
	neglectedVisitP = 0.1  // a night someone is sent to the neglected key area
	skipTaskP       = 0.06 // an officer does not get to a key area they were sent to
	shortDwellP     = 0.15 // a stop that ends before the area's minimum dwell
	motorbikeP      = 0.45 // a shift on a motorbike, else on foot
	gapP            = 0.3  // a shift with a signal gap of 6 to 15 minutes
	lateP           = 0.2  // a shift with a stretch of fixes the phone sends hours later
	badFixP         = 1.0 / 1500
)

// simulation holds what Fixes needs to re-derive every shift.
type simulation struct {
	seed   int64
	dayNum int64
	day    time.Time
	net    *network
	groups [][]vec // the residential groups in the plane
}

// schedule draws who patrols on which night, when, how and where to.
func (w *Ward) schedule() []Patrol {
	s := w.sim
	var regular []int
	neglected := -1
	for i, a := range areaPlans {
		if a.neglected {
			neglected = i
		} else {
			regular = append(regular, i)
		}
	}
	var out []Patrol
	for n := range Nights {
		r := newRand(s.seed, s.dayNum, streamSchedule, uint64(n), 0)
		date := s.day.AddDate(0, 0, n-Nights)
		if r.Float64() < skipNightP {
			continue
		}
		k := 2
		if r.Float64() < threeOfficersP {
			k = 3
		}
		officers := r.Perm(len(officerPlans))[:k]
		slices.Sort(officers)
		lists := make([][]int, k)
		for _, a := range regular {
			first := r.IntN(k)
			lists[first] = append(lists[first], a)
			if areaPlans[a].visits > 1 {
				second := (first + 1 + r.IntN(k-1)) % k
				lists[second] = append(lists[second], a)
			}
		}
		if neglected >= 0 && r.Float64() < neglectedVisitP {
			j := r.IntN(k)
			lists[j] = append(lists[j], neglected)
		}
		nightStart := time.Date(date.Year(), date.Month(), date.Day(), 22, 0, 0, 0, zone)
		for j, o := range officers {
			r.Shuffle(len(lists[j]), func(a, b int) { lists[j][a], lists[j][b] = lists[j][b], lists[j][a] })
			dur := time.Duration((1.5 + 1.5*math.Sqrt(r.Float64())) * float64(time.Hour)).Round(time.Minute)
			slack := 7*time.Hour - dur
			start := nightStart.Add(time.Duration(r.Int64N(int64(slack/time.Minute)+1)) * time.Minute)
			mode := ModeWalk
			if r.Float64() < motorbikeP {
				mode = ModeMotorbike
			}
			p := Patrol{
				DeviceID: officerPlans[o].DeviceID, Night: date.Format(time.DateOnly),
				Start: start.UTC(), End: start.Add(dur).UTC(), Mode: mode,
				officer: o, night: n, targets: lists[j],
			}
			for _, a := range lists[j] {
				p.Targets = append(p.Targets, areaPlans[a].name)
			}
			out = append(out, p)
		}
	}
	return out
}

// Fixes streams every GPS fix of the demo to fn: device by device, night by night; within a
// shift the fixes come in time order, except those marked Late, which follow the shift's
// others (as a phone that buffered them would send them). The stream is the same on every
// call, and stops at the first error fn returns. When Until is set, fixes recorded after it
// are left out.
func (w *Ward) Fixes(fn func(PhoneFix) error) error {
	if w.sim == nil {
		return errors.New("demo: fixes: the ward was not made by Generate")
	}
	if !w.Until.IsZero() {
		all, until := fn, w.Until
		fn = func(f PhoneFix) error {
			if f.Time.After(until) {
				return nil
			}
			return all(f)
		}
	}
	var late []PhoneFix
	for oi := range w.Officers {
		for _, p := range w.Patrols {
			if p.officer != oi {
				continue
			}
			late = late[:0]
			err := w.sim.shift(p, func(f PhoneFix) error {
				if f.Late {
					late = append(late, f)
					return nil
				}
				return fn(f)
			})
			if err != nil {
				return err
			}
			for _, f := range late {
				if err := fn(f); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// walker is an officer moving through the ward during one shift.
type walker struct {
	net  *network
	r    *rand.Rand
	walk bool

	pos      vec
	node     int // the last road node reached
	prevEdge int // the edge it came along, -1 at the start
	queue    []vec
	qnode    []int // the road node of each queued point, -1 off the road

	dwell  float64 // seconds left at the current stop
	stopAt vec     // centre of the current stop
	roam   vec     // where it strolls to during a stop

	tasks []int // key areas still to visit
	stage int   // progress in tasks[0]
}

// next queues the walker's next leg when its queue is empty.
func (k *walker) next() {
	for len(k.tasks) > 0 {
		a := areaPlans[k.tasks[0]]
		switch k.stage {
		case 0: // go to the area's road node
			k.stage = 1
			acc := k.accessNode(a)
			if acc != k.node {
				if p := k.net.path(k.node, acc, a.neglected); p != nil {
					for _, v := range p {
						k.push(k.net.pts[v], v)
					}
					return
				}
				k.finishTask() // unreachable: skip it
				continue
			}
		case 1: // at the road node: drive along the key road, or walk into the area
			if a.kind == kindKeyRoad {
				k.finishTask()
				k.alongRoad(roadIndex(a.road), 2+k.r.IntN(3))
				return
			}
			k.stage = 2
			c := polyCentroid(a.rectPoly())
			half := vec{(a.rect[2] - a.rect[0]) * 0.2, (a.rect[3] - a.rect[1]) * 0.2}
			k.push(c.add(vec{uniform(k.r, -half.x, half.x), uniform(k.r, -half.y, half.y)}), -1)
			return
		case 2: // stay
			k.stage = 3
			minutes := uniform(k.r, 1, 3)
			if a.dwell > 0 {
				minutes = float64(a.dwell) + uniform(k.r, 1, 6)
				if k.r.Float64() < shortDwellP {
					minutes = uniform(k.r, 3, float64(a.dwell)-1)
				}
			}
			k.dwell = minutes * 60
			k.stopAt, k.roam = k.pos, k.pos
			return
		case 3: // back to the road
			acc := k.accessNode(a)
			k.finishTask()
			k.push(k.net.pts[acc], acc)
			return
		}
	}
	k.randomEdge()
}

func (k *walker) finishTask() {
	k.tasks = k.tasks[1:]
	k.stage = 0
}

func (k *walker) push(p vec, node int) {
	k.queue = append(k.queue, p)
	k.qnode = append(k.qnode, node)
}

// accessNode is the road node a key area is entered from; for a key road, the nearest node
// on it.
func (k *walker) accessNode(a areaPlan) int {
	if a.kind != kindKeyRoad {
		return k.net.node(a.access)
	}
	best, bestD := -1, math.Inf(1)
	for _, id := range roadPlans[roadIndex(a.road)].nodes {
		v := k.net.node(id)
		if d := k.net.pts[v].dist(k.pos); d < bestD {
			best, bestD = v, d
		}
	}
	return best
}

// alongRoad queues up to n edges of road plan ri from the current node, without turning back.
func (k *walker) alongRoad(ri, n int) {
	at, prev := k.node, -1
	for range n {
		var opts []int
		for _, e := range k.net.adj[at] {
			if k.net.edges[e].road == ri && e != prev {
				opts = append(opts, e)
			}
		}
		if len(opts) == 0 {
			break
		}
		e := opts[k.r.IntN(len(opts))]
		at, prev = k.net.other(e, at), e
		k.push(k.net.pts[at], at)
	}
	if len(k.queue) == 0 {
		k.randomEdge()
	}
}

// randomEdge queues a random patrol road from the current node, not turning back unless it is
// a dead end.
func (k *walker) randomEdge() {
	var opts []int
	for _, e := range k.net.adj[k.node] {
		if k.net.allowed(e, false) && e != k.prevEdge {
			opts = append(opts, e)
		}
	}
	if len(opts) == 0 {
		for _, e := range k.net.adj[k.node] {
			if k.net.allowed(e, true) {
				opts = append(opts, e)
			}
		}
	}
	if len(opts) == 0 { // off the patrol network: head for the office
		k.push(k.net.pts[k.net.node(areaPlans[officeArea].access)], k.net.node(areaPlans[officeArea].access))
		return
	}
	e := opts[k.r.IntN(len(opts))]
	v := k.net.other(e, k.node)
	k.push(k.net.pts[v], v)
}

// advance moves the walker on for dt seconds at speed v and returns the distance covered.
func (k *walker) advance(dt, v float64) float64 {
	moved := 0.0
	for guard := 0; dt > 1e-9 && guard < 100; guard++ {
		if k.dwell > 0 {
			use := math.Min(k.dwell, dt)
			k.dwell -= use
			dt -= use
			if k.walk {
				moved += k.stroll(use)
			}
			continue
		}
		if len(k.queue) == 0 {
			k.next()
			continue
		}
		target := k.queue[0]
		d := k.pos.dist(target)
		if step := v * dt; step < d {
			k.pos = k.pos.lerp(target, step/d)
			return moved + step
		}
		moved += d
		dt -= d / v
		k.pos = target
		if n := k.qnode[0]; n >= 0 {
			for _, e := range k.net.adj[k.node] {
				if k.net.other(e, k.node) == n {
					k.prevEdge = e
					break
				}
			}
			k.node = n
		}
		k.queue, k.qnode = k.queue[1:], k.qnode[1:]
	}
	return moved
}

// stroll moves a walker slowly around its stop for dt seconds.
func (k *walker) stroll(dt float64) float64 {
	const v = 0.5
	moved := 0.0
	for dt > 1e-9 {
		d := k.pos.dist(k.roam)
		if d < 0.5 {
			k.roam = k.stopAt.add(gaussianVec(k.r, 8))
			continue
		}
		step := math.Min(d, v*dt)
		k.pos = k.pos.lerp(k.roam, step/d)
		moved += step
		dt -= step / v
	}
	return moved
}

// shift simulates one patrol and passes its fixes to fn in time order.
func (s *simulation) shift(p Patrol, fn func(PhoneFix) error) error {
	r := newRand(s.seed, s.dayNum, streamFixes, uint64(p.officer), uint64(p.night))
	office := areaPlans[officeArea]
	k := &walker{
		net: s.net, r: r, walk: p.Mode == ModeWalk,
		pos:  polyCentroid(office.rectPoly()).add(gaussianVec(r, 5)),
		node: s.net.node(office.access), prevEdge: -1,
	}
	for _, a := range p.targets {
		if r.Float64() >= skipTaskP {
			k.tasks = append(k.tasks, a)
		}
	}
	k.push(s.net.pts[k.node], k.node)

	speed := math.Max(1.1, math.Min(1.7, 1.4+0.1*r.NormFloat64()))
	if !k.walk {
		speed = math.Max(6, math.Min(10, 8+r.NormFloat64()))
	}
	interval := uniform(r, 5, 6.5) // mean seconds between fixes
	accBase := uniform(r, 3.5, 7)
	noiseSD := accBase / 1.5
	battery := uniform(r, 55, 100)
	drain := uniform(r, 5, 12) / 3600 // percent per second
	altBase := uniform(r, 26, 32)

	start, end := p.Start, p.End
	span := end.Sub(start)
	var gapFrom, gapTo, lateFrom, lateTo time.Time
	if r.Float64() < gapP {
		gapFrom = start.Add(time.Duration(r.Float64() * float64(span)))
		gapTo = gapFrom.Add(time.Duration(uniform(r, 6, 15) * float64(time.Minute)))
	}
	if r.Float64() < lateP {
		lateFrom = start.Add(time.Duration(r.Float64() * float64(span)))
		lateTo = lateFrom.Add(time.Duration(uniform(r, 10, 40) * float64(time.Minute)))
	}

	var noise vec
	const rho = 0.85
	heading := uniform(r, 0, 360)
	t := start.Add(time.Duration(uniform(r, 0, 5) * float64(time.Second))).Truncate(time.Microsecond)
	elapsed := t.Sub(start).Seconds()
	speedNow := 0.0
	for t.Before(end) {
		// The phone reports where the officer is, off by a correlated error.
		noise = noise.scale(rho).add(gaussianVec(r, noiseSD*math.Sqrt(1-rho*rho)))
		acc := math.Max(3, math.Min(20, accBase*math.Exp(0.35*r.NormFloat64())))
		at := k.pos.add(noise)
		if r.Float64() < badFixP {
			acc = uniform(r, 120, 400)
			at = k.pos.add(vec{1, 0}.scale(uniform(r, 100, 300)).rotate(uniform(r, 0, 2*math.Pi)))
		}
		inGap := !gapFrom.IsZero() && !t.Before(gapFrom) && t.Before(gapTo)
		if !inGap {
			f := PhoneFix{Fix: patrol.Fix{
				Time:     t,
				Accuracy: roundTo(acc, 0.1),
				Speed:    roundTo(math.Max(0, speedNow+0.15*r.NormFloat64()), 0.01),
				Heading:  math.Mod(roundTo(heading, 0.1), 360),
				Altitude: roundTo(altBase+altitude(k.pos)+1.5*r.NormFloat64(), 0.1),
				Battery:  math.Max(5, math.Round(battery-drain*elapsed)),
				Source:   "demo",
			}, Device: p.DeviceID, Late: !lateFrom.IsZero() && !t.Before(lateFrom) && t.Before(lateTo)}
			f.SetPoint(toPoint(at))
			if err := fn(f); err != nil {
				return err
			}
		}
		dt := math.Max(5, math.Min(10, interval+uniform(r, -1, 1)+0.6*math.Abs(r.NormFloat64())-0.5))
		v := speed * uniform(r, 0.85, 1.15)
		if !k.walk {
			v = speed * uniform(r, 0.7, 1.2)
		}
		from := k.pos
		moved := k.advance(dt, v)
		speedNow = moved / dt
		if d := k.pos.sub(from); d.norm() > 0.5 {
			heading = bearing(d)
		}
		step := time.Duration(dt * float64(time.Second)).Truncate(time.Microsecond)
		t = t.Add(step)
		elapsed += step.Seconds()
	}
	return nil
}

// altitude is a gentle terrain over the ward, in metres above its lowest point.
func altitude(p vec) float64 {
	return 4*math.Sin(p.x/650) + 3*math.Cos(p.y/480) + 3
}

func (a vec) rotate(th float64) vec {
	s, c := math.Sincos(th)
	return vec{a.x*c - a.y*s, a.x*s + a.y*c}
}
