package geofile

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead checks that no file, however broken, panics a reader or the planner.
func FuzzRead(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, n := range names {
		if b, err := os.ReadFile(n); err == nil {
			f.Add(filepath.Base(n), b)
		}
	}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		c, err := Read(name, data)
		if err != nil {
			return
		}
		crs, err := ParseCRS(c.CRS)
		if err != nil {
			return
		}
		Plan(c, crs, Options{Target: TargetAreas})
		Plan(c, crs, Options{Target: TargetRoads})
	})
}
