package demo

import (
	"fmt"
	"math"
)

// network is the road graph the patrols walk: nodes are junctions, bends and ends; an edge is a
// straight piece of one road between two nodes.
type network struct {
	pts   []vec
	names []string
	adj   [][]int // edge indexes at each node, in the order the roads were laid out
	edges []netEdge
}

type netEdge struct {
	a, b   int
	road   int // index in roadPlans
	length float64
	patrol bool // taken by night patrols
	spur   bool // the dead end to the neglected key area
}

func newNetwork() (*network, error) {
	n := &network{}
	index := map[string]int{}
	for _, rn := range roadNodes {
		if _, dup := index[rn.id]; dup {
			return nil, fmt.Errorf("road node %s twice", rn.id)
		}
		index[rn.id] = len(n.pts)
		n.pts = append(n.pts, vec{rn.x, rn.y})
		n.names = append(n.names, rn.id)
	}
	n.adj = make([][]int, len(n.pts))
	for ri, rp := range roadPlans {
		for k := 1; k < len(rp.nodes); k++ {
			a, okA := index[rp.nodes[k-1]]
			b, okB := index[rp.nodes[k]]
			if !okA || !okB {
				return nil, fmt.Errorf("road %s: unknown node", rp.name)
			}
			e := netEdge{a: a, b: b, road: ri, length: n.pts[a].dist(n.pts[b]), patrol: rp.patrol, spur: rp.spur}
			n.adj[a] = append(n.adj[a], len(n.edges))
			n.adj[b] = append(n.adj[b], len(n.edges))
			n.edges = append(n.edges, e)
		}
	}
	for i, ap := range areaPlans {
		if ap.kind == kindKeyRoad {
			if roadIndex(ap.road) < 0 {
				return nil, fmt.Errorf("key road %d: unknown road %s", i, ap.road)
			}
			continue
		}
		if _, ok := index[ap.access]; !ok {
			return nil, fmt.Errorf("key area %d: unknown access node %s", i, ap.access)
		}
	}
	return n, nil
}

// roadIndex is the index of the first road plan with a name, or -1.
func roadIndex(name string) int {
	for i, rp := range roadPlans {
		if rp.name == name {
			return i
		}
	}
	return -1
}

// node returns the index of a road node by id, or -1.
func (n *network) node(id string) int {
	for i, s := range n.names {
		if s == id {
			return i
		}
	}
	return -1
}

// other is the far end of edge e from node v.
func (n *network) other(e, v int) int {
	if n.edges[e].a == v {
		return n.edges[e].b
	}
	return n.edges[e].a
}

// roadLine is the polyline of one road plan.
func (n *network) roadLine(ri int) []vec {
	var pts []vec
	for _, id := range roadPlans[ri].nodes {
		pts = append(pts, n.pts[n.node(id)])
	}
	return pts
}

// roads is the network as named lines; consecutive plans of one road that meet end to end
// become one line.
func (n *network) roads() []Road {
	var out []Road
	var lastName string
	var last []vec
	flush := func() {
		if len(last) > 1 {
			out = append(out, Road{Name: lastName, Line: toLine(last)})
		}
	}
	for ri, rp := range roadPlans {
		line := n.roadLine(ri)
		if rp.name == lastName && len(last) > 0 && last[len(last)-1] == line[0] {
			last = append(last, line[1:]...)
			continue
		}
		flush()
		lastName, last = rp.name, line
	}
	flush()
	return out
}

// allowed reports whether a patrol may take edge e; spur opens the way to the neglected area.
func (n *network) allowed(e int, spur bool) bool {
	return n.edges[e].patrol || (spur && n.edges[e].spur)
}

// path is the shortest route from node s to node t over allowed edges, as the nodes after s,
// t last; nil when s == t or t cannot be reached.
func (n *network) path(s, t int, spur bool) []int {
	if s == t {
		return nil
	}
	dist := make([]float64, len(n.pts))
	prev := make([]int, len(n.pts))
	done := make([]bool, len(n.pts))
	for i := range dist {
		dist[i] = math.Inf(1)
		prev[i] = -1
	}
	dist[s] = 0
	for {
		u := -1
		for i := range dist {
			if !done[i] && !math.IsInf(dist[i], 1) && (u < 0 || dist[i] < dist[u]) {
				u = i
			}
		}
		if u < 0 || u == t {
			break
		}
		done[u] = true
		for _, e := range n.adj[u] {
			if !n.allowed(e, spur) {
				continue
			}
			v := n.other(e, u)
			if d := dist[u] + n.edges[e].length; d < dist[v] {
				dist[v], prev[v] = d, u
			}
		}
	}
	if prev[t] < 0 {
		return nil
	}
	var rev []int
	for v := t; v != s; v = prev[v] {
		rev = append(rev, v)
	}
	out := make([]int, len(rev))
	for i, v := range rev {
		out[len(rev)-1-i] = v
	}
	return out
}

// length is the total length of all roads in metres.
func (n *network) length() float64 {
	s := 0.0
	for _, e := range n.edges {
		s += e.length
	}
	return s
}
