package ingest

import (
	"errors"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// ValidateFix checks a decoded fix before it is stored, as of now: the position, time, accuracy
// and speed through geo.ValidateFix, then the heading (0–360°), altitude (−1000 to 10000 m) and
// battery (0–100 %) when known (NaN is unknown). It returns a *patrol.FieldError naming the
// first bad field by its neutral name (lat, lon, time, accuracy, speed, heading, altitude,
// battery; each protocol's decoder renames it to its own parameter), or nil. An invalid fix is
// not a fix: it goes to the rejection log.
func ValidateFix(f patrol.Fix, now time.Time) *patrol.FieldError {
	acc := f.Accuracy
	if math.IsNaN(acc) {
		acc = 0
	}
	gf := patrol.Fix{Time: f.Time, Lat: f.Lat, Lon: f.Lon, Accuracy: acc, Speed: f.Speed}
	if err := geo.ValidateFix(gf, now); err != nil {
		var fe *geo.FieldError
		if errors.As(err, &fe) {
			return patrol.Invalid(fe.Field, fe.Reason)
		}
		return patrol.Invalid("fix", err.Error())
	}
	if !math.IsNaN(f.Heading) && (math.IsInf(f.Heading, 0) || f.Heading < 0 || f.Heading > 360) {
		return patrol.Invalid("heading", "must be 0–360 degrees")
	}
	if !math.IsNaN(f.Altitude) && (math.IsInf(f.Altitude, 0) || f.Altitude < -1000 || f.Altitude > 10000) {
		return patrol.Invalid("altitude", "must be −1000 to 10000 m")
	}
	if !math.IsNaN(f.Battery) && (math.IsInf(f.Battery, 0) || f.Battery < 0 || f.Battery > 100) {
		return patrol.Invalid("battery", "must be 0–100 percent")
	}
	return nil
}

// IdentProblem is why a text is not a device id (ValidIdent).
const IdentProblem = "must be UTF-8 text without NUL, at most 128 bytes"

// ValidIdent reports whether s can be a device id: at most MaxIdentBytes of UTF-8 text without
// NUL (which PostgreSQL text cannot hold). Only such ids are ever looked up.
func ValidIdent(s string) bool {
	return len(s) <= MaxIdentBytes && utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
