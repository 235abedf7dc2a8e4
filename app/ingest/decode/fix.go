package decode

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/patrolmap/patrolmap/app/ingest"
	"github.com/patrolmap/patrolmap/patrol"
)

// MaxFixesPerRequest bounds one batch of fixes (JSON, GeoJSON or GPX); larger requests get 413.
const MaxFixesPerRequest = 50000

// Candidate is one fix as a protocol decoded it, before the device is resolved and the caller
// authorized. Every decoder (JSON, GeoJSON, GPX, OsmAnd, OwnTracks) produces these.
type Candidate struct {
	Ident   string      // the device id the input names; "" means the caller's own device
	Fix     patrol.Fix  // the validated fix, when Invalid is nil (UnitID and DeviceID unset)
	Invalid *FieldError // why the input is not a fix
	Raw     []byte      // the input as received, for the rejection log
}

// TooManyFixes is the Error for a batch over MaxFixesPerRequest, naming the field that holds it.
func TooManyFixes(field string, n int) *Error {
	return tooLarge(fmt.Sprintf("at most %d fixes per request", MaxFixesPerRequest),
		FieldError{field, fmt.Sprintf("%d items; the limit is %d", n, MaxFixesPerRequest)})
}

// fixTimeLayouts are the text times trackers send besides RFC 3339: ISO 8601 with a zone
// without colon (Java's default), and zone-less times, which are taken as UTC (GPX and Traccar's
// "yyyy-MM-dd HH:mm:ss" are UTC).
var fixTimeLayouts = []string{
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
}

// ParseFixTime reads a fix time: RFC 3339 / ISO 8601 text, or epoch seconds, or epoch
// milliseconds when the number is above 2^31 (as Traccar reads OsmAnd timestamps).
func ParseFixTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("required: an ISO 8601 time or epoch seconds")
	}
	if len(s) > 64 {
		return time.Time{}, errors.New("must be an ISO 8601 time or epoch seconds/milliseconds")
	}
	// Epoch numbers first: most trackers send them, and no RFC 3339 time reads as a number, so the
	// order changes no answer but spares a failed time.Parse (three allocations) per fix.
	if t, ok := EpochTime(s); ok {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range fixTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("must be an ISO 8601 time or epoch seconds/milliseconds")
}

// EpochTime reads epoch seconds, or milliseconds when the value is above 2^31.
func EpochTime(s string) (time.Time, bool) {
	f, ok := ParseNumber(s)
	if !ok || f < 0 || f > 1e14 {
		return time.Time{}, false
	}
	if f > math.MaxInt32 {
		ms := int64(math.Round(f))
		return time.UnixMilli(ms).UTC(), true
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e6))*1000).UTC(), true
}

// ParseNumber reads a plain decimal number ("21.47", "-3", "1e3"); it refuses what
// strconv.ParseFloat also takes but no tracker means: NaN, infinities, hex floats, underscores.
func ParseNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if f, ok := ShortDecimal(s); ok {
		return f, true
	}
	if s == "" || len(s) > 40 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// CheckedCandidate validates f and wraps it as a candidate of device ident.
func CheckedCandidate(ident string, f patrol.Fix, now time.Time) Candidate {
	f.Time = f.Time.UTC().Truncate(time.Microsecond)
	if fe := ValidateFix(f, now); fe != nil {
		return Candidate{Ident: ident, Fix: f, Invalid: fe}
	}
	return Candidate{Ident: ident, Fix: f}
}

// Fields names the fields of a fix (app/ingest's neutral names: lat, lon, time,
// accuracy, speed, heading, altitude, battery) as one protocol spells them; a name it does not
// list gets the prefix.
type Fields struct {
	Names  map[string]string
	Prefix string
}

// CheckedAs is CheckedCandidate with the invalid field named as the protocol p spells it.
func CheckedAs(p Fields, ident string, f patrol.Fix, now time.Time) Candidate {
	c := CheckedCandidate(ident, f, now)
	if fe := c.Invalid; fe != nil {
		if name, ok := p.Names[fe.Field]; ok {
			fe.Field = name
		} else {
			fe.Field = p.Prefix + fe.Field
		}
	}
	return c
}

// ValidateFix checks a fix through app/ingest's ValidateFix, as this package's FieldError.
func ValidateFix(f patrol.Fix, now time.Time) *FieldError {
	if fe := ingest.ValidateFix(f, now); fe != nil {
		return &FieldError{fe.Field, fe.Reason}
	}
	return nil
}

// Rejected is the refusal of item i of a batch for fe.
func Rejected(i int, fe *FieldError) RejectedItem {
	return RejectedItem{Index: i, Field: fe.Field, Error: fe.Field + ": " + fe.Message}
}

// RejectedItem is one refused item of a batch with its index and reason.
type RejectedItem struct {
	Index int    `json:"index"`
	Field string `json:"field,omitempty"`
	Error string `json:"error"`
}
