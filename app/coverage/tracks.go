package coverage

import (
	"context"
	"math"
	"slices"
	"time"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"github.com/patrolmap/patrolmap/app/unit"
	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// FixReader streams stored fixes, ordered by device then time; store.Store implements it.
type FixReader interface {
	EachFix(ctx context.Context, f patrol.FixFilter, fn func(patrol.StoredFix) error) error
}

// Track is the cleaned patrol line of one device over a period.
type Track struct {
	Device      string
	Lines       orb.MultiLineString
	Fixes       int     // fixes kept
	KM          float64 // length of the lines
	First, Last time.Time
}

// Tracks returns, per device of unit u (one device when deviceID > 0), its fixes of p inside
// window cleaned as coverage cleans them (flagged fixes dropped) and joined into lines that break
// where two fixes are geo.MaxSegmentGap or more apart or imply geo.MaxSpeedKmh or more. Devices
// left without a line are left out.
func Tracks(ctx context.Context, db FixReader, u patrol.Unit, deviceID int, window geo.Window, p geo.Period) ([]Track, error) {
	var idents []string
	var fixes [][]patrol.Fix
	err := db.EachFix(ctx, patrol.FixFilter{UnitID: u.ID, DeviceID: deviceID, From: p.From, To: p.To}, func(f patrol.StoredFix) error {
		if len(idents) == 0 || idents[len(idents)-1] != f.DeviceIdent {
			idents, fixes = append(idents, f.DeviceIdent), append(fixes, nil)
		}
		acc := f.Accuracy
		if math.IsNaN(acc) {
			acc = 0
		}
		// Only the flags FlagTrack cannot recompute are kept.
		flags := f.Flags & (patrol.FlagOffDuty | patrol.FlagDuplicate)
		fixes[len(fixes)-1] = append(fixes[len(fixes)-1], patrol.Fix{Time: f.Time, Lat: f.Lat, Lon: f.Lon, Accuracy: acc, Speed: math.NaN(), Flags: flags})
		return nil
	})
	if err != nil {
		return nil, err
	}
	loc, nw := unit.Location(u), unit.NightWindow(u)
	var out []Track
	for i, fs := range fixes {
		slices.SortStableFunc(fs, func(a, b patrol.Fix) int { return a.Time.Compare(b.Time) })
		geo.FlagTrack(fs)
		kept := slices.DeleteFunc(fs, func(f patrol.Fix) bool { return f.Ignored() || !nw.InWindow(f.Time, loc, window) })
		lines, km := trackLines(kept)
		if len(lines) == 0 {
			continue
		}
		out = append(out, Track{Device: idents[i], Lines: lines, Fixes: len(kept), KM: km, First: kept[0].Time, Last: kept[len(kept)-1].Time})
	}
	return out, nil
}

// trackLines joins time-ordered fixes into lines, breaking where two fixes are too far apart in
// time or imply an impossible speed, and returns them with their length in km.
func trackLines(kept []patrol.Fix) (orb.MultiLineString, float64) {
	var lines orb.MultiLineString
	var line orb.LineString
	km := 0.0
	for i, f := range kept {
		if i > 0 {
			prev := kept[i-1]
			dt := f.Time.Sub(prev.Time)
			d := orbgeo.DistanceHaversine(prev.Point(), f.Point())
			if dt < geo.MaxSegmentGap && dt > 0 && d < geo.MaxSpeedKmh/3.6*dt.Seconds() {
				if len(line) == 0 {
					line = append(line, prev.Point())
				}
				line = append(line, f.Point())
				km += d / 1000
				continue
			}
		}
		if len(line) >= 2 {
			lines = append(lines, line)
		}
		line = nil
	}
	if len(line) >= 2 {
		lines = append(lines, line)
	}
	return lines, km
}
