package patrol_test

import (
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/patrolmap/patrolmap/patrol"
)

func TestFixFlagString(t *testing.T) {
	if s := (patrol.FlagLowAccuracy | patrol.FlagJump).String(); s != "low_accuracy|jump" {
		t.Fatal(s)
	}
	if s := patrol.FixFlag(0).String(); s != "none" {
		t.Fatal(s)
	}
	if n := (patrol.FlagOffDuty | patrol.FlagDuplicate).Names(); !slices.Equal(n, []string{"duplicate", "off_duty"}) {
		t.Fatal(n)
	}
	if !(patrol.FlagJump | patrol.FlagDuplicate).Has(patrol.FlagJump) || patrol.FlagJump.Has(patrol.FlagJump|patrol.FlagDuplicate) {
		t.Fatal("Has")
	}
	if (patrol.Fix{Flags: patrol.FlagOffDuty}).Ignored() != true || (patrol.Fix{}).Ignored() {
		t.Fatal("Ignored")
	}
}

// TestFixPoint checks the one place a fix's lat and lon become an orb point and back: [lon, lat].
func TestFixPoint(t *testing.T) {
	f := patrol.Fix{Lat: 21.47, Lon: 105.85}
	if p := f.Point(); p != (orb.Point{105.85, 21.47}) {
		t.Fatalf("Point() = %v, want [105.85 21.47]", p)
	}
	var g patrol.Fix
	g.SetPoint(orb.Point{105.86, 21.48})
	if g.Lon != 105.86 || g.Lat != 21.48 {
		t.Fatalf("SetPoint: lon %v lat %v, want 105.86 21.48", g.Lon, g.Lat)
	}
}
