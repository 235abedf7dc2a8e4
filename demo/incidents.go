package demo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// Settings of the incidents.
const (
	backgroundMin  = 250 // background incidents a year, at least
	backgroundSpan = 21  // and up to this many more
	clusterMin     = 33  // incidents of the emerging cluster, at least
	clusterSpan    = 6   // and up to this many more
	candidates     = 10  // cells tried for each background incident
	clusterSD      = 20  // metres, spread of the cluster around its café
	spreadDays     = 43  // no H3 disk gets a third background incident within this many days
)

// category is an incident category with its share, severity range and descriptions.
type category struct {
	code         string
	share        float64 // of the background
	clusterShare float64 // of the cluster
	sevLo, sevHi int
	what         []string
}

var categories = []category{
	{code: "theft", share: 30, clusterShare: 40, sevLo: 1, sevHi: 3, what: []string{
		"Mất trộm xe máy dựng trước cửa nhà", "Trộm cắp điện thoại di động",
		"Mất trộm tài sản trong nhà dân", "Trộm cắp dây điện, vật liệu xây dựng"}},
	{code: "robbery", share: 5, sevLo: 3, sevHi: 5, what: []string{
		"Cướp giật túi xách của người đi đường", "Cướp giật điện thoại di động"}},
	{code: "drugs", share: 7, clusterShare: 35, sevLo: 3, sevHi: 4, what: []string{
		"Phát hiện đối tượng tàng trữ trái phép chất ma túy", "Nhóm thanh niên tụ tập sử dụng trái phép chất ma túy"}},
	{code: "gambling", share: 8, sevLo: 2, sevHi: 3, what: []string{
		"Phát hiện nhóm đối tượng đánh bạc ăn tiền", "Phát hiện đối tượng ghi lô đề"}},
	{code: "disorder", share: 12, clusterShare: 25, sevLo: 2, sevHi: 4, what: []string{
		"Đánh nhau gây rối trật tự công cộng", "Nhóm thanh niên tụ tập gây mất trật tự", "Say rượu gây rối"}},
	{code: "traffic_accident", share: 15, sevLo: 1, sevHi: 4, what: []string{
		"Va chạm giao thông giữa hai xe máy", "Tai nạn giao thông, một người bị thương nhẹ"}},
	{code: "fire", share: 4, sevLo: 2, sevHi: 5, what: []string{
		"Cháy nhà dân, không có thiệt hại về người", "Chập điện gây cháy cửa hàng"}},
	{code: "fraud", share: 10, sevLo: 2, sevHi: 4, what: []string{
		"Lừa đảo chiếm đoạt tài sản qua điện thoại", "Lừa đảo qua mạng xã hội"}},
	{code: "other", share: 9, sevLo: 1, sevHi: 2, what: []string{
		"Nhặt được tài sản thất lạc", "Mâu thuẫn giữa các hộ gia đình", "Gây tiếng ồn kéo dài về đêm"}},
}

// hourShare is the share of background incidents by local hour of the day.
var hourShare = []float64{
	3, 2, 2, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5, 6, 7, 7, 7, 6, 5, 4,
}

// clusterHourShare is the same for the cluster: evenings and nights around the café.
var clusterHourShare = []float64{
	6, 4, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 6, 8, 9, 8,
}

// studyArea is the H3 cells whose centres lie in the boundary, sorted, with their centres.
type studyArea struct {
	cells   []h3.Cell
	centres []vec
}

func newStudyArea(boundary orb.Polygon, res int) (*studyArea, error) {
	var loop h3.GeoLoop
	ring := boundary[0]
	for _, p := range ring[:len(ring)-1] {
		loop = append(loop, h3.NewLatLng(p[1], p[0]))
	}
	cells, err := h3.PolygonToCells(h3.GeoPolygon{GeoLoop: loop}, res)
	if err != nil {
		return nil, fmt.Errorf("study cells: %w", err)
	}
	slices.Sort(cells)
	sa := &studyArea{cells: cells}
	for _, c := range cells {
		ll, err := c.LatLng()
		if err != nil {
			return nil, fmt.Errorf("study cells: %w", err)
		}
		sa.centres = append(sa.centres, fromPoint(orb.Point{ll.Lng, ll.Lat}))
	}
	return sa, nil
}

// disks lists, for every study cell, the study cells of its GridDisk(1), itself included.
func (sa *studyArea) disks() ([][]int, error) {
	index := make(map[h3.Cell]int, len(sa.cells))
	for i, c := range sa.cells {
		index[c] = i
	}
	out := make([][]int, len(sa.cells))
	for i, c := range sa.cells {
		disk, err := c.GridDisk(1)
		if err != nil {
			return nil, err
		}
		for _, d := range disk {
			if j, ok := index[d]; ok {
				out[i] = append(out[i], j)
			}
		}
		slices.Sort(out[i])
	}
	return out, nil
}

// spreadOK reports whether one more incident in cell ci leaves every disk around it with at
// most two of the recent incidents.
func spreadOK(ci int, nb [][]int, recent []int) bool {
	for _, d := range nb[ci] {
		n := 0
		for _, e := range nb[d] {
			n += recent[e]
		}
		if n >= 2 {
			return false
		}
	}
	return true
}

// cellOf is the H3 cell of an orb point.
func cellOf(p orb.Point, res int) (h3.Cell, error) {
	return h3.LatLngToCell(h3.NewLatLng(p[1], p[0]), res)
}

// placed is an incident before it gets its id.
type placed struct {
	t       time.Time
	at      vec
	point   orb.Point
	cat     int
	cluster bool
}

// incidents makes a year of background incidents, spread evenly in space and time, and the
// cluster that emerges in the last six weeks.
func (w *Ward) incidents() error {
	s := w.sim
	sa, err := newStudyArea(w.Boundary, w.H3Res)
	if err != nil {
		return err
	}
	if len(sa.cells) < 100 {
		return fmt.Errorf("only %d study cells", len(sa.cells))
	}

	// The cluster's cells: the café's, and the neighbour nearest to the café.
	cafe := clusterPlan.at
	main, err := cellOf(toPoint(cafe), w.H3Res)
	if err != nil {
		return err
	}
	ring, err := main.GridDisk(1)
	if err != nil {
		return err
	}
	second, bestD := h3.Cell(0), math.Inf(1)
	for _, c := range ring {
		if c == main {
			continue
		}
		ll, err := c.LatLng()
		if err != nil {
			return err
		}
		if d := fromPoint(orb.Point{ll.Lng, ll.Lat}).dist(cafe); d < bestD {
			second, bestD = c, d
		}
	}
	clusterCells := []h3.Cell{main, second}
	w.ClusterPlace = clusterPlan.name
	w.ClusterCentre = toPoint(cafe)
	w.ClusterCells = []string{main.String(), second.String()}

	var all []placed
	bg, err := s.background(sa, clusterCells, w.H3Res)
	if err != nil {
		return err
	}
	all = append(all, bg...)
	cl, err := s.cluster(clusterCells, w.H3Res)
	if err != nil {
		return err
	}
	all = append(all, cl...)
	slices.SortStableFunc(all, func(a, b placed) int { return a.t.Compare(b.t) })

	r := newRand(s.seed, s.dayNum, streamIncidents, 1, 0)
	for i, p := range all {
		c := categories[p.cat]
		age := s.day.Sub(p.t).Hours() / 24
		status := "closed"
		switch {
		case age < 14 && r.Float64() < 0.8, age < 45 && r.Float64() < 0.35:
			status = "open"
		}
		w.Incidents = append(w.Incidents, Incident{
			ExternalID:  fmt.Sprintf("DEMO-%06d", i+1),
			Time:        p.t.UTC(),
			Point:       p.point,
			Category:    c.code,
			Severity:    c.sevLo + r.IntN(c.sevHi-c.sevLo+1),
			Status:      status,
			Description: s.describe(r, p),
		})
	}
	return nil
}

// background draws the background incidents. Their times are stratified over the year (one
// per equal slot), and each goes to the best of a few random study cells: the one with the
// least incidents nearby, counting recent ones more. Incidents close in time so land far apart,
// and over the year every part of the ward gets its share, so no cell stands out.
func (s *simulation) background(sa *studyArea, avoid []h3.Cell, res int) ([]placed, error) {
	r := newRand(s.seed, s.dayNum, streamIncidents, 0, 0)
	n := backgroundMin + r.IntN(backgroundSpan+1)
	from := s.day.AddDate(0, 0, -IncidentDays)
	slot := s.day.Sub(from) / time.Duration(n)
	times := make([]time.Time, n)
	for i := range times {
		t := from.Add(slot*time.Duration(i) + time.Duration(r.Float64()*float64(slot)))
		times[i] = atHour(r, t, hourShare, from, s.day)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })

	var eligible []int
	for i, c := range sa.cells {
		if !slices.Contains(avoid, c) {
			eligible = append(eligible, i)
		}
	}
	shares := make([]float64, len(categories))
	for i, c := range categories {
		shares[i] = c.share
	}
	nb, err := sa.disks()
	if err != nil {
		return nil, err
	}
	var out []placed
	var usedCell []int
	var usedT []time.Time
	recent := make([]int, len(sa.cells))
	for _, t := range times {
		// recent counts the incidents of the last spreadDays per cell.
		clear(recent)
		for j, u := range usedT {
			if t.Sub(u) < spreadDays*24*time.Hour {
				recent[usedCell[j]]++
			}
		}
		best, bestCost, bestOK := -1, math.Inf(1), false
		for tries, found := 0, 0; found < candidates && tries < 8*candidates; tries++ {
			ci := eligible[r.IntN(len(eligible))]
			ok := spreadOK(ci, nb, recent)
			if ok {
				found++
			}
			c := sa.centres[ci]
			cost := 0.0
			for j, uc := range usedCell {
				d := c.sub(sa.centres[uc])
				d2 := d.dot(d)
				days := t.Sub(usedT[j]).Hours() / 24
				cost += math.Exp(-d2/(2*220*220))*math.Exp(-days/45) + 0.6*math.Exp(-d2/(2*110*110))
			}
			if (ok && !bestOK) || (ok == bestOK && cost < bestCost) {
				best, bestCost, bestOK = ci, cost, ok
			}
		}
		at, pt, err := pointInCell(r, sa.cells[best], sa.centres[best], 45, res)
		if err != nil {
			return nil, err
		}
		usedCell = append(usedCell, best)
		usedT = append(usedT, t)
		out = append(out, placed{t: t, at: at, point: pt, cat: pickWeighted(r, shares)})
	}
	return out, nil
}

// cluster draws the emerging cluster: more incidents each week of the last six, at night,
// around the café, all in the cluster's cells.
func (s *simulation) cluster(cells []h3.Cell, res int) ([]placed, error) {
	r := newRand(s.seed, s.dayNum, streamCluster, 0, 0)
	n := clusterMin + r.IntN(clusterSpan+1)
	const weeks = ClusterDays / 7
	// Week k gets a share k+1 of the incidents, by largest remainder.
	counts := make([]int, weeks)
	rems := make([]float64, weeks)
	total := weeks * (weeks + 1) / 2
	given := 0
	for k := range weeks {
		exact := float64(n*(k+1)) / float64(total)
		counts[k] = int(exact)
		rems[k] = exact - float64(counts[k])
		given += counts[k]
	}
	for ; given < n; given++ {
		best := 0
		for k := range weeks {
			if rems[k] > rems[best] || (rems[k] == rems[best] && k > best) {
				best = k
			}
		}
		counts[best]++
		rems[best] = -1
	}
	shares := make([]float64, len(categories))
	for i, c := range categories {
		shares[i] = c.clusterShare
	}
	start := s.day.AddDate(0, 0, -ClusterDays)
	var out []placed
	for k, c := range counts {
		weekFrom := start.AddDate(0, 0, 7*k)
		weekTo := weekFrom.AddDate(0, 0, 7)
		for range c {
			t := weekFrom.Add(time.Duration(r.Float64() * float64(weekTo.Sub(weekFrom))))
			t = atHour(r, t, clusterHourShare, weekFrom, weekTo)
			var at vec
			var pt orb.Point
			ok := false
			for range 1000 {
				at = clusterPlan.at.add(gaussianVec(r, clusterSD))
				pt = toPoint(at)
				cell, err := cellOf(pt, res)
				if err != nil {
					return nil, err
				}
				if slices.Contains(cells, cell) && inPoly(boundaryPlan, at) {
					ok = true
					break
				}
			}
			if !ok {
				return nil, errors.New("cluster: no point in its cells")
			}
			out = append(out, placed{t: t, at: at, point: pt, cat: pickWeighted(r, shares), cluster: true})
		}
	}
	return out, nil
}

// atHour moves t to a random minute of an hour drawn from share on t's local date, kept in
// [from, to) by moving a day.
func atHour(r *rand.Rand, t time.Time, share []float64, from, to time.Time) time.Time {
	l := t.In(zone)
	h := pickWeighted(r, share)
	out := time.Date(l.Year(), l.Month(), l.Day(), h, r.IntN(60), 0, 0, zone)
	for !out.Before(to) {
		out = out.AddDate(0, 0, -1)
	}
	for out.Before(from) {
		out = out.AddDate(0, 0, 1)
	}
	return out
}

// pointInCell draws a point within radius metres of a study cell's centre that lies in the
// cell and in the boundary.
func pointInCell(r *rand.Rand, cell h3.Cell, centre vec, radius float64, res int) (vec, orb.Point, error) {
	for range 200 {
		d := vec{radius * math.Sqrt(r.Float64()), 0}.rotate(uniform(r, 0, 2*math.Pi))
		at := centre.add(d)
		pt := toPoint(at)
		c, err := cellOf(pt, res)
		if err != nil {
			return vec{}, orb.Point{}, err
		}
		if c == cell && inPoly(boundaryPlan, at) {
			return at, pt, nil
		}
	}
	return centre, toPoint(centre), nil
}

// describe writes an incident's Vietnamese description: what happened and where.
func (s *simulation) describe(r *rand.Rand, p placed) string {
	c := categories[p.cat]
	what := c.what[r.IntN(len(c.what))]
	group := 0
	for i, g := range s.groups {
		if inPoly(g, p.at) {
			group = i + 1
			break
		}
	}
	if p.cluster {
		return fmt.Sprintf("%s tại khu vực %s (tổ dân phố %d).", what, clusterPlan.name, group)
	}
	road, bestD := "", 40.0
	for ri := range roadPlans {
		if d := lineDist(s.net.roadLine(ri), p.at); d < bestD {
			road, bestD = roadPlans[ri].name, d
		}
	}
	if road != "" {
		return fmt.Sprintf("%s trên %s (tổ dân phố %d).", what, lowerFirst(road), group)
	}
	return fmt.Sprintf("%s tại tổ dân phố %d.", what, group)
}

// lowerFirst lower-cases the first letter: "Đường Chợ" becomes "đường Chợ".
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	var b strings.Builder
	b.WriteRune(unicode.ToLower(r))
	b.WriteString(s[n:])
	return b.String()
}
