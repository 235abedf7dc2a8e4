package store

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
)

// TestEncodeCopyBinarySizesItsBuffer: the COPY stream is written into a buffer of exactly its
// size, so a batch is encoded without growing and copying it (the row layout and the size
// estimate must change together).
func TestEncodeCopyBinarySizesItsBuffer(t *testing.T) {
	base := time.Date(2024, 3, 1, 15, 0, 0, 0, time.UTC)
	rows := []patrol.Fix{
		{UnitID: 1, DeviceID: 2, Time: base, Lat: 21.47, Lon: 105.85, Accuracy: 5, Speed: 1, Heading: 90, Altitude: 30, Battery: 80, Source: "api"},
		{UnitID: 1, DeviceID: 2, Time: base.Add(time.Second), Lat: 21.47, Lon: 105.85, Accuracy: math.NaN(), Speed: math.NaN(), Heading: math.NaN(), Altitude: math.NaN(), Battery: math.NaN(), Source: "osmand"},
		{UnitID: 1, DeviceID: 3, Time: base, Lat: 21.47, Lon: 105.85, Source: "gpx"},
	}
	for _, which := range [][]bool{{true, true, true}, {true, false, true}, {false, false, false}} {
		b := encodeCopyBinary(rows, which)
		if len(b) != cap(b) {
			t.Errorf("rows %v: %d bytes in a buffer of %d", which, len(b), cap(b))
		}
	}
}

// TestSortByKeyKeepsTheIndex: rows end in (device, time) order and index still points at the
// row each input became, for shuffled, sorted and reversed input.
func TestSortByKeyKeepsTheIndex(t *testing.T) {
	base := time.Date(2024, 3, 1, 15, 0, 0, 0, time.UTC)
	var in []patrol.Fix
	for d := 3; d >= 1; d-- {
		for s := 0; s < 20; s++ {
			in = append(in, patrol.Fix{DeviceID: d, Time: base.Add(time.Duration(s) * time.Second), Lat: float64(d), Lon: float64(s)})
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	shuffled := slices.Clone(in)
	r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	sorted := slices.Clone(in)
	slices.SortFunc(sorted, func(a, b patrol.Fix) int { return keyCompare(keyOf(a), keyOf(b)) })
	reversed := slices.Clone(sorted)
	slices.Reverse(reversed)
	for name, input := range map[string][]patrol.Fix{"shuffled": shuffled, "sorted": sorted, "reversed": reversed, "as built": in} {
		rows, index := uniqueFixes(input)
		sortByKey(rows, index)
		for i := 1; i < len(rows); i++ {
			if keyCompare(keyOf(rows[i-1]), keyOf(rows[i])) >= 0 {
				t.Fatalf("%s: rows %d and %d out of order", name, i-1, i)
			}
		}
		for i, r := range index {
			if rows[r].DeviceID != input[i].DeviceID || !rows[r].Time.Equal(input[i].Time) || rows[r].Lon != input[i].Lon {
				t.Fatalf("%s: input %d points at row %d, another fix", name, i, r)
			}
		}
	}
}

func keyCompare(a, b fixKey) int {
	switch {
	case keyLess(a, b):
		return -1
	case keyLess(b, a):
		return 1
	}
	return 0
}
