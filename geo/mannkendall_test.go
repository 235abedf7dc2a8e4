package geo_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/patrolmap/patrolmap/geo"
)

func TestMannKendall(t *testing.T) {
	tests := []struct {
		name  string
		x     []float64
		s     int
		v, z  float64
		p     float64 // checked when ≥ 0
		z0p1  bool    // no trend: Z must be 0 and P 1
		delta float64
	}{
		{name: "ties example", x: []float64{1, 2, 2, 3, 5, 4, 6}, s: 18, v: 43.3333333333, z: 2.5820, p: 0.009823, delta: 5e-4},
		{name: "no variance", x: []float64{3, 3, 3, 3, 3}, s: 0, v: 0, z0p1: true, delta: 1e-12},
		{name: "two tie groups", x: []float64{1, 1, 2, 2}, s: 4, v: 20.0 / 3, z: 3 / math.Sqrt(20.0/3), p: -1, delta: 1e-12},
		{name: "decreasing", x: []float64{5, 4, 3, 2, 1}, s: -10, v: 50.0 / 3, z: -9 / math.Sqrt(50.0/3), p: 0.02749, delta: 1e-4},
		{name: "s zero", x: []float64{1, 3, 2}, s: 1, v: 11.0 / 3, z: 0, p: 1, delta: 1e-12},
		{name: "balanced", x: []float64{2, 1, 1, 2}, s: 0, v: 20.0 / 3, z0p1: true, delta: 1e-12},
		{name: "nan left out", x: []float64{1, math.NaN(), 2, 2, 3, 5, 4, 6}, s: 18, v: 43.3333333333, z: 2.5820, p: -1, delta: 5e-4},
		{name: "one value", x: []float64{7}, s: 0, v: 0, z0p1: true, delta: 1e-12},
		{name: "empty", x: nil, s: 0, v: 0, z0p1: true, delta: 1e-12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := geo.MannKendall(tc.x)
			if r.S != tc.s {
				t.Errorf("S = %d, want %d", r.S, tc.s)
			}
			if !statsClose(r.Var, tc.v, 1e-9) {
				t.Errorf("Var = %v, want %v", r.Var, tc.v)
			}
			if tc.z0p1 {
				if r.Z != 0 || r.P != 1 {
					t.Errorf("Z, P = %v, %v; want 0, 1", r.Z, r.P)
				}
				return
			}
			if !statsClose(r.Z, tc.z, tc.delta) {
				t.Errorf("Z = %v, want %v", r.Z, tc.z)
			}
			if tc.p >= 0 && !statsClose(r.P, tc.p, tc.delta) {
				t.Errorf("P = %v, want %v", r.P, tc.p)
			}
			if !statsClose(r.P, geo.TwoSidedP(r.Z), 1e-15) {
				t.Errorf("P = %v, want TwoSidedP(Z) = %v", r.P, geo.TwoSidedP(r.Z))
			}
		})
	}
}

func ExampleMannKendall() {
	r := geo.MannKendall([]float64{1, 2, 2, 3, 5, 4, 6})
	fmt.Printf("S=%d Var=%.2f Z=%.3f P=%.4f\n", r.S, r.Var, r.Z, r.P)
	// Output: S=18 Var=43.33 Z=2.582 P=0.0098
}
