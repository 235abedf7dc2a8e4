package api_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"github.com/patrolmap/patrolmap/geo"
)

// hsAnswer is an answer of GET /api/v1/hotspots or /emerging.
type hsAnswer struct {
	Type     string         `json:"type"`
	Features []hsFeature    `json:"features"`
	Analysis map[string]any `json:"analysis"`
}

type hsFeature struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Geometry struct {
		Type        string         `json:"type"`
		Coordinates [][][2]float64 `json:"coordinates"`
	} `json:"geometry"`
	Properties hsProps `json:"properties"`
}

type hsProps struct {
	Cell        string    `json:"cell"`
	Count       float64   `json:"count"`
	Z           float64   `json:"z"`
	P           float64   `json:"p"`
	PPerm       *float64  `json:"p_perm"`
	Significant bool      `json:"significant"`
	Confidence  int       `json:"confidence"`
	Class       string    `json:"class"`
	Category    string    `json:"category"`
	CountSeries []float64 `json:"count_series"`
	ZSeries     []float64 `json:"z_series"`
	PSeries     []float64 `json:"p_series"`
	HotSeries   []int     `json:"hot_series"`
	TrendZ      float64   `json:"trend_z"`
	TrendP      float64   `json:"trend_p"`
}

// byCell indexes an answer's features by cell.
func (a hsAnswer) byCell() map[string]hsProps {
	out := make(map[string]hsProps, len(a.Features))
	for _, f := range a.Features {
		out[f.Properties.Cell] = f.Properties
	}
	return out
}

// hsGet asks for an analysis as a user and decodes a 200 answer.
func hsGet(t *testing.T, e *testEnv, user, path string) (hsAnswer, response) {
	t.Helper()
	r := e.as(user, "GET", path, nil)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/geo+json" {
		t.Fatalf("GET %s: content type %q", path, ct)
	}
	var a hsAnswer
	r.json(t, &a)
	return a, r
}

// hsIncident is an incident to post.
type hsIncident struct {
	Time     string  `json:"time"`
	Lat      float64 `json:"lat"`
	Lon      float64 `json:"lon"`
	Category string  `json:"category"`
	Severity int     `json:"severity,omitempty"`
	Status   string  `json:"status,omitempty"`
}

// hsPost stores incidents in a unit through the API and returns their ids.
func hsPost(t *testing.T, e *testEnv, unit string, list []hsIncident) []int64 {
	t.Helper()
	r := e.as("analyst1", "POST", "/api/v1/incidents?unit="+unit, map[string]any{"incidents": list})
	var res struct {
		Accepted int `json:"accepted"`
		Created  []struct {
			Index int   `json:"index"`
			ID    int64 `json:"id"`
		} `json:"created"`
	}
	if r.status != http.StatusOK {
		t.Fatalf("post incidents: %d %s", r.status, r.body)
	}
	r.json(t, &res)
	if res.Accepted != len(list) {
		t.Fatalf("accepted %d of %d incidents: %s", res.Accepted, len(list), r.body)
	}
	ids := make([]int64, len(list))
	for _, c := range res.Created {
		ids[c.Index] = c.ID
	}
	return ids
}

// hsCell is the H3 cell of a [lon, lat] point, computed with h3 directly.
func hsCell(t *testing.T, lon, lat float64, res int) string {
	t.Helper()
	c, err := h3.LatLngToCell(h3.NewLatLng(lat, lon), res)
	if err != nil {
		t.Fatal(err)
	}
	return c.String()
}

// hsWardCells is the study area of the test units' square at a resolution.
func hsWardCells(t *testing.T, res int) []h3.Cell {
	t.Helper()
	square := orb.Polygon{{{105.845, 21.465}, {105.855, 21.465}, {105.855, 21.475}, {105.845, 21.475}, {105.845, 21.465}}}
	cells, err := geo.StudyCells(square, res)
	if err != nil {
		t.Fatal(err)
	}
	return cells
}

// hsSpdepIncidents is a reproducible pattern in and around the 1 km square: a tight cluster in
// the north-west, a second weaker one in the south-east, a random background and a few incidents
// outside the boundary (one group next to it, one far away), January–February 2025.
func hsSpdepIncidents() []hsIncident {
	rng := rand.New(rand.NewPCG(5, 7))
	base := time.Date(2025, 1, 3, 20, 0, 0, 0, time.FixedZone("ICT", 7*3600))
	cats := []string{"theft", "drugs", "disorder", "robbery"}
	var out []hsIncident
	add := func(lon, lat float64) {
		i := len(out)
		out = append(out, hsIncident{
			Time: base.Add(time.Duration(i)*7*time.Hour + time.Duration(rng.IntN(3600))*time.Second).Format(time.RFC3339),
			Lon:  lon, Lat: lat, Category: cats[i%len(cats)], Severity: 1 + i%5,
		})
	}
	for range 24 {
		add(105.8480+rng.NormFloat64()*0.0004, 21.4720+rng.NormFloat64()*0.0004)
	}
	for range 10 {
		add(105.8530+rng.NormFloat64()*0.0006, 21.4670+rng.NormFloat64()*0.0006)
	}
	for range 60 {
		add(105.8452+rng.Float64()*0.0096, 21.4652+rng.Float64()*0.0096)
	}
	for range 3 {
		add(105.8562, 21.4700) // just east of the boundary
	}
	for range 2 {
		add(105.8600, 21.4600) // far south-east, no neighbour in the study area
	}
	return out
}

// hotspotsRequireSpdep returns the path of Rscript when R and its spdep and sf packages are
// installed; otherwise the test fails when CI=true and is skipped elsewhere.
func hotspotsRequireSpdep(t *testing.T) string {
	t.Helper()
	missing := func(why string) {
		msg := "the spdep cross-check needs R with spdep (apt-get install r-cran-spdep): " + why
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	rscript, err := exec.LookPath("Rscript")
	if err != nil {
		missing("Rscript not found")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, rscript, "-e",
		`for (p in c("spdep", "sf")) if (!requireNamespace(p, quietly = TRUE)) quit(status = 3)`).CombinedOutput()
	if err != nil {
		missing("spdep or sf not loadable: " + err.Error() + ": " + string(out))
	}
	return rscript
}

// hsClose reports whether a and b agree to tol, relative to their size when it exceeds 1.
func hsClose(a, b, tol float64) bool {
	return math.Abs(a-b) <= tol*max(1, math.Abs(a), math.Abs(b))
}

// TestHotspotsSpdep compares GET /api/v1/hotspots with R's spdep::localG on the service's own
// answer: the cells, counts and hexagons it returns go to R, which builds the neighbours from
// the hexagons (not from H3) and computes Gi*, its two-sided p-value and Benjamini-Hochberg.
// Every z must agree to 1e-6, and significance and confidence exactly.
func TestHotspotsSpdep(t *testing.T) {
	rscript := hotspotsRequireSpdep(t)
	e := newEnv(t)
	hsPost(t, e, "w1", hsSpdepIncidents())

	dir := t.TempDir()
	problems := []struct {
		name, query string
	}{
		{"res10_k1", "res=10&k=1"},
		{"res10_k2", "res=10&k=2"},
		{"res11_k1", "res=11&k=1"},
		{"res11_k2", "res=11&k=2"},
		{"theft_drugs_res11_k1", "res=11&k=1&category=theft,drugs"},
	}
	answers := map[string]hsAnswer{}
	for _, pr := range problems {
		a, r := hsGet(t, e, "analyst1", "/api/v1/hotspots?unit=w1&from=2025-01-01&to=2025-03-01&"+pr.query)
		// The R script reads k from the file name.
		if err := os.WriteFile(filepath.Join(dir, pr.name+".geojson"), r.body, 0o644); err != nil {
			t.Fatal(err)
		}
		answers[pr.name] = a
	}

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, rscript, filepath.Join("testdata", "hotspots_spdep.R"), dir).CombinedOutput()
	if err != nil {
		t.Fatalf("Rscript: %v\n%s", err, out)
	}
	significantAll := 0
	for name, a := range answers {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join(dir, name+".csv"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := csv.NewReader(f).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows)-1 != len(a.Features) {
				t.Fatalf("spdep wrote %d rows for %d cells", len(rows)-1, len(a.Features))
			}
			ours := a.byCell()
			maxDiff, significant, outside := 0.0, 0, 0
			for _, row := range rows[1:] {
				cell := row[0]
				z, err1 := strconv.ParseFloat(row[1], 64)
				p, err2 := strconv.ParseFloat(row[2], 64)
				conf, err3 := strconv.Atoi(row[4])
				if err1 != nil || err2 != nil || err3 != nil {
					t.Fatalf("bad row %v", row)
				}
				got, ok := ours[cell]
				if !ok {
					t.Fatalf("spdep row for unknown cell %s", cell)
				}
				if !hsClose(got.Z, z, 1e-6) {
					t.Errorf("cell %s: service z %.12g, spdep %.12g", cell, got.Z, z)
				}
				if !hsClose(got.P, p, 1e-6) {
					t.Errorf("cell %s: service p %.12g, spdep %.12g", cell, got.P, p)
				}
				if sig := row[3] == "true"; got.Significant != sig || got.Confidence != conf {
					t.Errorf("cell %s (z %.4f): service significant %v confidence %d, spdep+p.adjust %v %d",
						cell, got.Z, got.Significant, got.Confidence, sig, conf)
				}
				maxDiff = max(maxDiff, math.Abs(got.Z-z))
				if got.Significant {
					significant++
				}
			}
			inside := map[string]bool{}
			res := 10
			if strings.Contains(name, "res11") {
				res = 11
			}
			for _, c := range hsWardCells(t, res) {
				inside[c.String()] = true
			}
			for cell := range ours {
				if !inside[cell] {
					outside++
				}
			}
			if outside == 0 {
				t.Errorf("no cell outside the boundary: the check needs some")
			}
			significantAll += significant
			t.Logf("%d cells (%d outside the boundary), %d significant: largest |service z − spdep z| = %.3g",
				len(a.Features), outside, significant, maxDiff)
		})
	}
	if significantAll < 20 {
		t.Errorf("%d significant cells in all: the check of significance and confidence needs more", significantAll)
	}
}

// TestHotspotsFiltersAndAccess checks the study area, the count filters, void incidents, the
// answer's shape, permutations, bad parameters and who may ask.
func TestHotspotsFiltersAndAccess(t *testing.T) {
	e := newEnv(t)
	a := [2]float64{105.8475, 21.4725} // inside the square
	b := [2]float64{105.8525, 21.4675} // inside
	out := [2]float64{105.8600, 21.4600}
	var list []hsIncident
	for i := range 5 {
		list = append(list, hsIncident{Time: fmt.Sprintf("2025-02-0%dT21:00:00+07:00", i+1), Lon: a[0], Lat: a[1], Category: "theft", Severity: 2})
	}
	for i := range 3 {
		list = append(list, hsIncident{Time: fmt.Sprintf("2025-02-1%dT23:00:00+07:00", i+1), Lon: b[0], Lat: b[1], Category: "drugs", Severity: 5})
	}
	// Void from the start, outside the boundary: counts for nothing and adds no cell.
	list = append(list, hsIncident{Time: "2025-02-20T22:00:00+07:00", Lon: out[0], Lat: out[1], Category: "theft", Status: "void"})
	// Voided afterwards, at a.
	list = append(list, hsIncident{Time: "2025-02-21T22:00:00+07:00", Lon: a[0], Lat: a[1], Category: "theft"})
	// Outside the period.
	list = append(list, hsIncident{Time: "2025-03-05T22:00:00+07:00", Lon: a[0], Lat: a[1], Category: "theft"})
	ids := hsPost(t, e, "w1", list)
	if r := e.as("analyst1", "DELETE", fmt.Sprintf("/api/v1/incidents/%d", ids[9]), nil); r.status != http.StatusNoContent {
		t.Fatalf("void: %d %s", r.status, r.body)
	}
	cellA, cellB, cellOut := hsCell(t, a[0], a[1], 10), hsCell(t, b[0], b[1], 10), hsCell(t, out[0], out[1], 10)
	study := hsWardCells(t, 10)
	const period = "/api/v1/hotspots?unit=w1&from=2025-02-01&to=2025-03-01"

	t.Run("shape", func(t *testing.T) {
		ans, r := hsGet(t, e, "analyst1", period)
		if ans.Type != "FeatureCollection" || len(ans.Features) != len(study) {
			t.Fatalf("%s with %d features, want every one of the %d study-area cells", ans.Type, len(ans.Features), len(study))
		}
		var raw struct {
			Features []struct {
				Properties map[string]any `json:"properties"`
			} `json:"features"`
		}
		r.json(t, &raw)
		keys := make([]string, 0, 7)
		for k := range raw.Features[0].Properties {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if want := []string{"cell", "class", "confidence", "count", "p", "significant", "z"}; !slices.Equal(keys, want) {
			t.Errorf("properties %v, want %v", keys, want)
		}
		for _, f := range ans.Features {
			c := h3.CellFromString(f.Properties.Cell)
			if !c.IsValid() || c.Resolution() != 10 || f.ID != f.Properties.Cell {
				t.Fatalf("bad cell %q (id %q)", f.Properties.Cell, f.ID)
			}
			ring := f.Geometry.Coordinates
			if f.Geometry.Type != "Polygon" || len(ring) != 1 || len(ring[0]) != 7 || ring[0][0] != ring[0][6] {
				t.Fatalf("cell %s: geometry %+v is not a closed hexagon", f.Properties.Cell, f.Geometry)
			}
			// [lon, lat]: the hexagon's centre is the cell's centre.
			var lon, lat float64
			for _, p := range ring[0][:6] {
				lon, lat = lon+p[0]/6, lat+p[1]/6
			}
			if hsCell(t, lon, lat, 10) != f.Properties.Cell {
				t.Fatalf("cell %s: hexagon centre [%v, %v] lies in another cell", f.Properties.Cell, lon, lat)
			}
			switch f.Properties.Class {
			case "hot", "cold", "none":
			default:
				t.Fatalf("class %q", f.Properties.Class)
			}
		}
		if ans.Analysis["res"] != 10.0 || ans.Analysis["k"] != 1.0 || ans.Analysis["alpha"] != 0.05 || ans.Analysis["incidents"] != 8.0 {
			t.Errorf("analysis %v", ans.Analysis)
		}
	})

	counts := func(t *testing.T, query string) map[string]float64 {
		t.Helper()
		ans, _ := hsGet(t, e, "analyst1", period+query)
		m := map[string]float64{}
		for _, f := range ans.Features {
			m[f.Properties.Cell] = f.Properties.Count
		}
		return m
	}
	for _, tc := range []struct {
		name, query string
		a, b        float64
	}{
		{"all", "", 5, 3},
		{"category", "&category=drugs", 0, 3},
		{"categories listed", "&category=theft,drugs", 5, 3},
		{"categories repeated", "&category=theft&category=fraud", 5, 0},
		{"min severity", "&min_severity=4", 0, 3},
		{"category and severity", "&category=theft&min_severity=3", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := counts(t, tc.query)
			if m[cellA] != tc.a || m[cellB] != tc.b {
				t.Errorf("counts a %v b %v, want %v %v", m[cellA], m[cellB], tc.a, tc.b)
			}
			if _, ok := m[cellOut]; ok {
				t.Errorf("the void incident's cell %s outside the boundary is in the study area", cellOut)
			}
			if len(m) != len(study) {
				t.Errorf("%d cells, want %d", len(m), len(study))
			}
		})
	}

	t.Run("cell outside the boundary", func(t *testing.T) {
		hsPost(t, e, "w1", []hsIncident{{Time: "2025-02-25T22:00:00+07:00", Lon: out[0], Lat: out[1], Category: "fraud"}})
		m := counts(t, "")
		if m[cellOut] != 1 || len(m) != len(study)+1 {
			t.Errorf("outside cell count %v, %d cells; want 1 and %d", m[cellOut], len(m), len(study)+1)
		}
		if m := counts(t, "&category=theft"); len(m) != len(study) {
			t.Errorf("with a filter that excludes it, %d cells, want %d", len(m), len(study))
		}
	})

	t.Run("permutations", func(t *testing.T) {
		q := period + "&permutations=199&seed=7"
		one, _ := hsGet(t, e, "analyst1", q)
		two, _ := hsGet(t, e, "analyst1", q)
		other, _ := hsGet(t, e, "analyst1", period+"&permutations=199&seed=8")
		same, differs := true, false
		for i, f := range one.Features {
			p := f.Properties.PPerm
			if p == nil || *p < 1.0/200-1e-12 || *p > 1 {
				t.Fatalf("cell %s: p_perm %v", f.Properties.Cell, p)
			}
			same = same && *p == *two.Features[i].Properties.PPerm
			differs = differs || *p != *other.Features[i].Properties.PPerm
		}
		if !same || !differs {
			t.Errorf("p_perm reproducible for a seed %v, changes with the seed %v", same, differs)
		}
		if one.Analysis["p_value"] != "permutation" || one.Analysis["seed"] != 7.0 {
			t.Errorf("analysis %v", one.Analysis)
		}
		plain, _ := hsGet(t, e, "analyst1", period)
		if plain.Features[0].Properties.PPerm != nil || plain.Analysis["p_value"] != "normal" {
			t.Errorf("p_perm without permutations")
		}
	})

	t.Run("bad parameters", func(t *testing.T) {
		for _, tc := range []struct{ path, field string }{
			{"/api/v1/hotspots", "unit"},
			{period + "&res=7", "res"},
			{period + "&res=12", "res"},
			{period + "&res=ten", "res"},
			{period + "&k=6", "k"},
			{period + "&k=-1", "k"},
			{period + "&alpha=0", "alpha"},
			{period + "&alpha=1", "alpha"},
			{period + "&alpha=x", "alpha"},
			{period + "&category=burglary", "category"},
			{period + "&category=theft,,Theft", "category"},
			{period + "&min_severity=0", "min_severity"},
			{period + "&min_severity=6", "min_severity"},
			{period + "&permutations=-1", "permutations"},
			{period + "&permutations=99&seed=x", "seed"},
			{"/api/v1/hotspots?unit=w1&from=2025-13-01&to=2025-03-01", "from"},
			{"/api/v1/hotspots?unit=w1&from=2025-03-01&to=2025-02-01", "to"},
			{"/api/v1/emerging?unit=w1&from=2025-01-01&to=2025-04-02&step=day", "step"},
			{"/api/v1/emerging?unit=w1&from=2025-01-01&to=2025-04-03", "to"},
			{"/api/v1/emerging?unit=w1&from=2025-01-01&to=2025-04-02&step=month", "to"},
			{"/api/v1/emerging?unit=w1&from=2025-01-01&to=2025-04-02&k=9", "k"},
			{"/api/v1/emerging?unit=w1&from=2024-12-04&to=2025-03-05&time_lag=13", "time_lag"},
			{"/api/v1/forecast?unit=w1&from=2024-12-04&to=2025-03-05&holdout=0", "holdout"},
		} {
			wantProblem(t, e.as("analyst1", "GET", tc.path, nil), http.StatusBadRequest, tc.field)
		}
		wantProblem(t, e.as("analyst1", "GET", "/api/v1/hotspots?unit=nope", nil), http.StatusNotFound, "unit")
		// 13 weeks is enough for emerging; 9 weeks is not, nor 13 less a holdout of 4.
		wantProblem(t, e.as("analyst1", "GET", "/api/v1/emerging?unit=w1&from=2024-12-04&to=2025-02-05", nil), http.StatusUnprocessableEntity, "from")
		wantProblem(t, e.as("analyst1", "GET", "/api/v1/forecast?unit=w1&from=2024-12-04&to=2025-03-05&holdout=4", nil), http.StatusUnprocessableEntity, "from")
	})

	t.Run("too few cells", func(t *testing.T) {
		// w2 has the same square; a unit without a boundary and no incidents has no study area.
		ctx := context.Background()
		u := e.units["w2"]
		if _, err := e.store.Pool().Exec(ctx, `UPDATE unit SET boundary = NULL WHERE id = $1`, u.ID); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, e.as("analyst2", "GET", "/api/v1/hotspots?unit=w2&from=2025-02-01&to=2025-03-01", nil), http.StatusUnprocessableEntity, "res")
	})

	t.Run("access", func(t *testing.T) {
		if r := e.do("GET", period, "", nil); r.status != http.StatusUnauthorized {
			t.Errorf("anonymous: %d", r.status)
		}
		for _, path := range []string{period, "/api/v1/emerging?unit=w1", "/api/v1/forecast?unit=w1"} {
			wantProblem(t, e.as("analyst2", "GET", path, nil), http.StatusForbidden, "")
			if r := e.do("GET", path, "", nil); r.status != http.StatusUnauthorized {
				t.Errorf("anonymous %s: %d", path, r.status)
			}
		}
		for _, user := range []string{"officer1", "analyst1", "admin", "analystall"} {
			if r := e.as(user, "GET", period, nil); r.status != http.StatusOK {
				t.Errorf("%s: %d %s", user, r.status, r.body)
			}
		}
	})

	t.Run("emerging", func(t *testing.T) {
		// 13 weeks from 4 December 2024: the incidents of February fall in weeks 9–12.
		ans, r := hsGet(t, e, "officer1", "/api/v1/emerging?unit=w1&from=2024-12-04&to=2025-03-05&step=week&category=theft,drugs")
		var raw struct {
			Features []struct {
				Properties map[string]any `json:"properties"`
			} `json:"features"`
		}
		r.json(t, &raw)
		keys := make([]string, 0, 9)
		for k := range raw.Features[0].Properties {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		want := []string{"category", "cell", "count", "count_series", "hot_series", "p_series", "trend_p", "trend_z", "z_series"}
		if !slices.Equal(keys, want) {
			t.Errorf("properties %v, want %v", keys, want)
		}
		if bounds, _ := ans.Analysis["step_bounds"].([]any); len(bounds) != 14 || bounds[0] != "2024-12-03T17:00:00Z" {
			t.Errorf("step bounds %v", ans.Analysis["step_bounds"])
		}
		if len(ans.Features) != len(study) { // the fraud outside the boundary is filtered out
			t.Errorf("%d cells, want %d", len(ans.Features), len(study))
		}
		m := ans.byCell()
		for _, f := range ans.Features {
			p := f.Properties
			if len(p.CountSeries) != 13 || len(p.ZSeries) != 13 || len(p.PSeries) != 13 || len(p.HotSeries) != 13 {
				t.Fatalf("cell %s: series of %d %d %d %d, want 13", p.Cell, len(p.CountSeries), len(p.ZSeries), len(p.PSeries), len(p.HotSeries))
			}
			var sum float64
			for _, v := range p.CountSeries {
				sum += v
			}
			if sum != p.Count {
				t.Errorf("cell %s: count %v, series sum %v", p.Cell, p.Count, sum)
			}
		}
		// Week t starts on 4 December + 7t days, a Wednesday: the thefts of 1–4 February fall in
		// week 8 (from 29 January) and that of 5 February in week 9; the drugs of 11 February in
		// week 9 and those of 12–13 February in week 10.
		if s := m[cellA].CountSeries; s[8] != 4 || s[9] != 1 || m[cellA].Count != 5 {
			t.Errorf("cell a series %v", s)
		}
		if s := m[cellB].CountSeries; s[9] != 1 || s[10] != 2 || m[cellB].Count != 3 {
			t.Errorf("cell b series %v", s)
		}
		month, _ := hsGet(t, e, "analyst1", "/api/v1/emerging?unit=w1&from=2024-05-01&to=2025-03-01&step=month&time_lag=0")
		if s := month.byCell()[cellA].CountSeries; len(s) != 10 || s[9] != 5 {
			t.Errorf("monthly series of cell a %v", s)
		}
	})
}

// hsZone is the demo's zone, Asia/Ho_Chi_Minh, UTC+7 without daylight saving.
var hsZone = time.FixedZone("ICT", 7*3600)

// TestHotspotsEmergingForecastDemo runs the three analyses on the demo ward, for a fixed day and
// for today: over the last six weeks the seeded cluster (its cells and their ring) is the only
// significant hot spot, no earlier period has one, the emerging analysis of the last twelve
// weeks calls the cluster new, consecutive or intensifying and every cell far from it no
// pattern, and the emerging forecast beats the long-run baseline.
func TestHotspotsEmergingForecastDemo(t *testing.T) {
	e := newEnv(t)
	days := []time.Time{time.Date(2025, 6, 15, 12, 0, 0, 0, hsZone), time.Now()}
	for _, day := range days {
		t.Run(day.In(hsZone).Format(time.DateOnly), func(t *testing.T) {
			w := e.loadDemo(1, day)
			date := func(back int) string { return w.Day.AddDate(0, 0, -back).Format(time.DateOnly) }
			ring := map[string]bool{}
			for _, s := range w.ClusterCells {
				c := h3.CellFromString(s)
				disk, err := c.GridDisk(1)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range disk {
					ring[d.String()] = true
				}
			}

			t.Run("hotspots last 6 weeks", func(t *testing.T) {
				ans, _ := hsGet(t, e, "analystall", "/api/v1/hotspots?unit=demo&from="+date(42)+"&to="+date(0))
				m := ans.byCell()
				for _, c := range w.ClusterCells {
					if p := m[c]; !p.Significant || p.Class != "hot" {
						t.Errorf("cluster cell %s: significant %v class %s (z %.2f)", c, p.Significant, p.Class, p.Z)
					}
				}
				sig := 0
				for cell, p := range m {
					if p.Significant {
						sig++
						if !ring[cell] || p.Class != "hot" || p.Z <= 0 {
							t.Errorf("significant cell %s (class %s, z %.2f, count %v) is not a hot cell of the cluster", cell, p.Class, p.Z, p.Count)
						}
					}
					if p.Class != "none" && !ring[cell] {
						t.Errorf("cell %s away from the cluster has class %s (confidence %d)", cell, p.Class, p.Confidence)
					}
				}
				t.Logf("%d cells, %d significant", len(m), sig)
			})

			t.Run("hotspots earlier periods", func(t *testing.T) {
				type window struct{ from, to int } // days before the day
				windows := []window{{365, 42}}
				for to := 42; to+42 <= 365; to += 14 {
					windows = append(windows, window{to + 42, to})
				}
				for to := 42; to+91 <= 365; to += 30 {
					windows = append(windows, window{to + 91, to})
				}
				for _, win := range windows {
					ans, _ := hsGet(t, e, "analystall", "/api/v1/hotspots?unit=demo&from="+date(win.from)+"&to="+date(win.to))
					for _, f := range ans.Features {
						if f.Properties.Significant {
							t.Errorf("%s–%s: cell %s significant (count %v, z %.2f)", date(win.from), date(win.to),
								f.Properties.Cell, f.Properties.Count, f.Properties.Z)
						}
					}
				}
			})

			t.Run("emerging last 12 weeks", func(t *testing.T) {
				ans, _ := hsGet(t, e, "analystall", "/api/v1/emerging?unit=demo&step=week&from="+date(84)+"&to="+date(0))
				m := ans.byCell()
				allowed := []string{"new_hot_spot", "consecutive_hot_spot", "intensifying_hot_spot"}
				for _, c := range w.ClusterCells {
					if p := m[c]; !slices.Contains(allowed, p.Category) {
						t.Errorf("cluster cell %s: %s (hot %v, trend z %.2f p %.3f)", c, p.Category, p.HotSeries, p.TrendZ, p.TrendP)
					}
				}
				// Every cell beyond the cluster's ring (grid distance 2 and more) has no pattern;
				// the ring shares the cluster's counts through the neighbourhood and may emerge too.
				away := 0
				for cell, p := range m {
					switch {
					case !ring[cell]:
						away++
						if p.Category != "no_pattern" {
							t.Errorf("cell %s away from the cluster: %s (counts %v, hot %v)", cell, p.Category, p.CountSeries, p.HotSeries)
						}
					case p.Category != "no_pattern" && !slices.Contains(allowed, p.Category):
						t.Errorf("cell %s next to the cluster: %s (hot %v)", cell, p.Category, p.HotSeries)
					}
				}
				if away < 200 {
					t.Errorf("only %d cells away from the cluster", away)
				}
				t.Logf("summary %v", ans.Analysis["summary"])
			})

			t.Run("forecast", func(t *testing.T) {
				r := e.as("analystall", "GET", "/api/v1/forecast?unit=demo&step=week&holdout=4&from="+date(112)+"&to="+date(0), nil)
				if r.status != http.StatusOK {
					t.Fatalf("%d %s", r.status, r.body)
				}
				var f struct {
					TrainSteps   int     `json:"train_steps"`
					HoldoutSteps int     `json:"holdout_steps"`
					Cells        int     `json:"cells"`
					HeldOut      float64 `json:"held_out"`
					Rows         []struct {
						Method  string  `json:"method"`
						Share   float64 `json:"share"`
						Cells   int     `json:"cells"`
						HitRate float64 `json:"hit_rate"`
						PAI     float64 `json:"pai"`
					} `json:"rows"`
				}
				r.json(t, &f)
				if f.TrainSteps != 12 || f.HoldoutSteps != 4 || len(f.Rows) != 6 || f.HeldOut < 20 {
					t.Fatalf("report %s", r.body)
				}
				score := map[string]float64{}
				for _, row := range f.Rows {
					score[fmt.Sprintf("%s %.2f", row.Method, row.Share)] = row.PAI
				}
				// The cluster goes on in the held-out weeks, so every ranking that has seen it does
				// far better than chance (PAI 1); the test asks no more of the emerging one.
				for _, share := range []string{"0.05", "0.10"} {
					if pai := score["emerging "+share]; pai < 4 {
						t.Errorf("PAI of the emerging ranking at area share %s is %.2f, want at least 4 (scores %v)", share, pai, score)
					}
				}
				t.Logf("%s", r.body)
			})
		})
	}
}
