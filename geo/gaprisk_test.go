package geo

import "testing"

func TestGapRisk(t *testing.T) {
	for _, tc := range []struct {
		name               string
		shortfall          float64
		in, near, keyAreas int
		want               float64
	}{
		{"quiet cell never visited", 1, 0, 0, 0, 1},
		{"incidents inside and around", 1, 9, 4, 0, 1 + 9 + 2},
		{"inside a key area", 1, 0, 0, 1, 6},
		{"half the nights missed", 0.5, 3, 2, 1, 0.5 * (1 + 3 + 1 + 5)},
		{"requirement met", 0, 20, 20, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := GapRisk(tc.shortfall, tc.in, tc.near, tc.keyAreas); got != tc.want {
				t.Errorf("GapRisk = %v, want %v", got, tc.want)
			}
		})
	}
}
