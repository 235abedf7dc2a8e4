package patrol

import (
	"fmt"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// Fix is one GPS position of a device: what a protocol decoder makes, what geo cleans and bins,
// what the store writes and reads back, what the demo generates. Unknown numbers are NaN
// (Unknown), except where a function says otherwise. UnitID and DeviceID are the store's ids;
// they are 0 until the fix's device is known.
type Fix struct {
	UnitID   int
	DeviceID int
	Time     time.Time
	Lat, Lon float64
	Accuracy float64 // metres
	Speed    float64 // m/s
	Heading  float64 // degrees clockwise from north
	Altitude float64 // metres
	Battery  float64 // percent 0..100
	Source   string
	Flags    FixFlag
}

// Point returns the fix's position as an orb point, [lon, lat].
func (f Fix) Point() orb.Point { return orb.Point{f.Lon, f.Lat} }

// Ignored reports whether f carries a flag that makes it count for nothing.
func (f Fix) Ignored() bool { return f.Flags&FlagsIgnored != 0 }

// FixFlag marks a fix: how it was judged against its track, or what its device said about it.
type FixFlag uint16

// Fix quality flags. The bits are stored as they are (the fix table's flags column).
const (
	// FlagLowAccuracy: the reported accuracy is worse than geo.MaxAccuracyM.
	FlagLowAccuracy FixFlag = 1 << iota
	// FlagJump: the implied speed from the previous accepted fix is at or above
	// geo.MaxSpeedKmh.
	FlagJump
	// FlagDuplicate: another fix of the device has the same time.
	FlagDuplicate
	// FlagOffDuty: the fix lies outside duty (set by the store, from the device's
	// assignments); geo.FlagTrack leaves it alone.
	FlagOffDuty
	// FlagMock: the phone reported the position as coming from a mock (fake) location
	// provider; set by the decoder, left alone by geo.FlagTrack.
	FlagMock
	// FlagServerTime: the device sent no time, so the fix carries the time it was received;
	// it counts, but its time is less certain. Set by the decoder, left alone by
	// geo.FlagTrack.
	FlagServerTime
)

// FlagsIgnored are the flags that make a fix count for nothing.
const FlagsIgnored = FlagLowAccuracy | FlagJump | FlagDuplicate | FlagOffDuty | FlagMock

// FlagsReported are the flags that come with a fix from its device rather than from judging
// it against its track: decoders set them, geo.FlagTrack and the store keep them.
const FlagsReported = FlagMock | FlagServerTime

// Names returns the names of the flags set in f, in bit order:
// low_accuracy, jump, duplicate, off_duty, mock, server_time.
func (f FixFlag) Names() []string {
	var out []string
	for _, x := range [...]FixFlag{FlagLowAccuracy, FlagJump, FlagDuplicate, FlagOffDuty, FlagMock, FlagServerTime} {
		if f&x != 0 {
			out = append(out, x.name())
		}
	}
	return out
}

// name returns the wire name of a single flag.
func (f FixFlag) name() string {
	switch f {
	case FlagLowAccuracy:
		return "low_accuracy"
	case FlagJump:
		return "jump"
	case FlagDuplicate:
		return "duplicate"
	case FlagOffDuty:
		return "off_duty"
	case FlagMock:
		return "mock"
	case FlagServerTime:
		return "server_time"
	}
	return fmt.Sprintf("flag_%d", uint16(f))
}

// Has reports whether all flags in x are set in f.
func (f FixFlag) Has(x FixFlag) bool { return f&x == x }

// String returns the flag names joined by "|", or "none".
func (f FixFlag) String() string {
	if f == 0 {
		return "none"
	}
	return strings.Join(f.Names(), "|")
}

// SetPoint sets the fix's position from an orb point, [lon, lat].
func (f *Fix) SetPoint(p orb.Point) { f.Lon, f.Lat = p[0], p[1] }
