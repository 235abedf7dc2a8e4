package geo_test

import (
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/uber/h3-go/v4"
)

// statsRequireSpdep returns the path of Rscript when R and its spdep package are installed.
// Otherwise the test fails when CI=true and is skipped elsewhere.
func statsRequireSpdep(t *testing.T) string {
	t.Helper()
	missing := func(why string) {
		msg := "spdep cross-check needs R with spdep (apt-get install r-base-core r-cran-spdep): " + why
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
	out, err := exec.CommandContext(ctx, rscript, "-e", `if (!requireNamespace("spdep", quietly = TRUE)) quit(status = 3)`).CombinedOutput()
	if err != nil {
		missing("spdep not loadable: " + err.Error() + ": " + string(out))
	}
	return rscript
}

// TestSpdepLocalG compares GiStar on an H3 patch with spdep's localG (Gi*, binary weights,
// self included) on every z-score.
func TestSpdepLocalG(t *testing.T) {
	rscript := statsRequireSpdep(t)
	cells := statsPatch(t, 6, 10) // 127 cells
	centre := statsCentreCell(t, 10)
	// One cell far outside the patch: no neighbours but itself.
	far, err := h3.LatLngToCell(h3.NewLatLng(21.60, 105.70), 10)
	if err != nil {
		t.Fatal(err)
	}
	cells = append(cells, far)
	counts := statsClusterCounts(t, cells, centre, 14)
	for i := range counts {
		counts[i] += float64((i * i) % 5) // more spread in the background
	}
	for _, k := range []int{1, 2} {
		t.Run("k="+strconv.Itoa(k), func(t *testing.T) {
			nb, err := geo.H3Neighbours(cells, k)
			if err != nil {
				t.Fatal(err)
			}
			if len(nb[len(nb)-1]) != 1 {
				t.Fatalf("the far cell has neighbours %v, want only itself", nb[len(nb)-1])
			}
			want, err := geo.GiStar(counts, nb)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			var cellsTxt, xTxt, nbTxt strings.Builder
			for i, c := range cells {
				cellsTxt.WriteString(c.String() + "\n")
				xTxt.WriteString(strconv.FormatFloat(counts[i], 'g', -1, 64) + "\n")
				var others []string
				for _, j := range nb[i] {
					if j != i {
						others = append(others, strconv.Itoa(j+1))
					}
				}
				nbTxt.WriteString(strings.Join(others, " ") + "\n")
			}
			for name, body := range map[string]string{"cells.txt": cellsTxt.String(), "x.txt": xTxt.String(), "nb.txt": nbTxt.String()} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, rscript, filepath.Join("testdata", "stats_spdep_localg.R"), dir).CombinedOutput()
			if err != nil {
				t.Fatalf("Rscript: %v\n%s", err, out)
			}
			raw, err := os.ReadFile(filepath.Join(dir, "z.txt"))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Fields(string(raw))
			if len(lines) != len(cells) {
				t.Fatalf("spdep wrote %d z-scores for %d cells", len(lines), len(cells))
			}
			maxDiff := 0.0
			for i, l := range lines {
				got, err := strconv.ParseFloat(l, 64)
				if err != nil {
					t.Fatalf("line %d: %v", i+1, err)
				}
				if !statsClose(got, want[i], 1e-6) {
					t.Errorf("cell %d (%s): spdep z %.9f, GiStar %.9f", i, cells[i], got, want[i])
				}
				maxDiff = max(maxDiff, math.Abs(got-want[i]))
			}
			t.Logf("%d cells, k=%d: largest |spdep − GiStar| = %.3g", len(cells), k, maxDiff)
		})
	}
}
