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

// TestBatchRowsKeepsTheIndex: rows end in (device, time) order and index points at the row each
// input became, for shuffled, sorted and reversed input.
func TestBatchRowsKeepsTheIndex(t *testing.T) {
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
		rows, index := batchRows(input)
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

// TestBatchRowsKeepsTheFirstOfAKey: of the fixes that share a (device, time) key the first one
// sent is kept, whatever the order; it is flagged a duplicate when another of its key lies
// elsewhere, and the repeats point nowhere.
func TestBatchRowsKeepsTheFirstOfAKey(t *testing.T) {
	base := time.Date(2024, 3, 1, 15, 0, 0, 0, time.FixedZone("ICT", 7*3600))
	in := []patrol.Fix{
		{DeviceID: 2, Time: base.Add(time.Second + 700*time.Nanosecond), Lat: 21, Lon: 105, Source: "osmand"},
		{DeviceID: 1, Time: base, Lat: 21, Lon: 105, Flags: patrol.FlagJump},
		{DeviceID: 2, Time: base.Add(time.Second + 300*time.Nanosecond), Lat: 21, Lon: 105}, // same microsecond, same place
		{DeviceID: 1, Time: base, Lat: 21.001, Lon: 105},                                    // same key, elsewhere
		{DeviceID: 1, Time: base, Lat: 21, Lon: 105},
	}
	rows, index := batchRows(in)
	if want := []int{1, 0, -1, -1, -1}; !slices.Equal(index, want) {
		t.Fatalf("index %v, want %v", index, want)
	}
	if len(rows) != 2 || rows[0].DeviceID != 1 || rows[1].DeviceID != 2 || rows[1].Source != "osmand" || rows[0].Source != "api" {
		t.Fatalf("rows %+v", rows)
	}
	if rows[0].Flags != patrol.FlagDuplicate || rows[1].Flags != 0 {
		t.Fatalf("flags %v %v: want only the duplicate flag on device 1's fix (a computed flag sent in is dropped)", rows[0].Flags, rows[1].Flags)
	}
	if rows[0].Time.Location() != time.UTC || !rows[0].Time.Equal(base) || !rows[1].Time.Equal(base.Add(time.Second)) {
		t.Fatalf("times %v %v, want %v and a second later, in UTC and whole microseconds", rows[0].Time, rows[1].Time, base)
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

// benchFixes is a batch as a gateway sends it: n fixes of 50 devices, interleaved, each
// device's in time order.
func benchFixes(n int) []patrol.Fix {
	base := time.Date(2024, 3, 1, 15, 0, 0, 0, time.UTC)
	fixes := make([]patrol.Fix, n)
	for i := range fixes {
		d, step := i%50, i/50
		fixes[i] = patrol.Fix{UnitID: 1, DeviceID: 100 + d, Time: base.Add(time.Duration(step) * 5 * time.Second),
			Lat: 21.465 + float64(step)*4e-6, Lon: 105.845 + float64(d)*1e-4, Accuracy: 5, Speed: 1.2, Heading: 90, Altitude: 30, Battery: 80}
	}
	return fixes
}

// BenchmarkStoreFixesPrep is the Go work StoreFixes does on a batch of 1,000 fixes besides the
// database: order and deduplicate, flag, encode for COPY.
func BenchmarkStoreFixesPrep(b *testing.B) {
	fixes := benchFixes(1000)
	b.ReportAllocs()
	for b.Loop() {
		rows, _ := batchRows(fixes)
		write, _, _ := applyDuty(rows, nil)
		flagFixes(write, nil)
		which := make([]bool, len(write))
		for i := range which {
			which[i] = true
		}
		encodeCopyBinary(write, which)
	}
}

// BenchmarkBatchRows orders and deduplicates a batch of 1,000 fixes.
func BenchmarkBatchRows(b *testing.B) {
	fixes := benchFixes(1000)
	b.ReportAllocs()
	for b.Loop() {
		batchRows(fixes)
	}
}
