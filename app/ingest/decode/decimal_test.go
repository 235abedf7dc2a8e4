package decode

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// checkShortDecimal fails when ShortDecimal reads s differently from strconv.ParseFloat, or
// refuses a decimal it should read.
func checkShortDecimal(t *testing.T, s string) {
	t.Helper()
	got, ok := ShortDecimal(s)
	gotBytes, okBytes := ShortDecimal([]byte(s))
	if ok != okBytes || math.Float64bits(got) != math.Float64bits(gotBytes) {
		t.Fatalf("%q: string %v %v, bytes %v %v", s, got, ok, gotBytes, okBytes)
	}
	if !ok {
		return
	}
	want, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%q: read %v, strconv refuses it (%v)", s, got, err)
	}
	if math.Float64bits(got) != math.Float64bits(want) {
		t.Fatalf("%q: %v (%x), strconv %v (%x)", s, got, math.Float64bits(got), want, math.Float64bits(want))
	}
}

func TestShortDecimal(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"21.465123", true}, {"-105.8450001", true}, {"0", true}, {"-0", true}, {"-0.0", true}, {"1709305200", true},
		{"1709305200123", true}, {"0.1", true}, {"0.3", true}, {"123456789012345", true}, {"99999999.9999999", true},
		{"1234567890123456", false}, {"0.0000000000000001", false}, {"1e3", false}, {"+3", false}, {".5", false},
		{"5.", false}, {"-", false}, {"", false}, {"1_0", false}, {"NaN", false}, {"0x10", false}, {" 1", false}, {"1.2.3", false},
	} {
		got, ok := ShortDecimal(tc.in)
		if ok != tc.ok {
			t.Fatalf("%q: read %v %v, want ok %v", tc.in, got, ok, tc.ok)
		}
		checkShortDecimal(t, tc.in)
	}
	if f, _ := ShortDecimal("-0"); !math.Signbit(f) {
		t.Fatal("-0 lost its sign")
	}
	// Coordinates, times and readings as phones write them, with up to 15 digits.
	r := rand.New(rand.NewPCG(7, 17))
	for range 200000 {
		v := (r.Float64()*2 - 1) * math.Pow(10, float64(r.IntN(10)))
		checkShortDecimal(t, strconv.FormatFloat(v, 'f', r.IntN(9), 64))
	}
}

func FuzzShortDecimal(f *testing.F) {
	for _, s := range []string{"21.465123", "-0", "1e3", "123456789.123456", "0.000000000000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkShortDecimal(t, s) })
}
