package api

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/app/ingest/decode"
	"github.com/patrolmap/patrolmap/patrol"
)

// OwnTracks in HTTP mode POSTs one JSON message per request, authenticated with Basic auth (the
// device id as user, its secret as password), and expects a JSON list of messages back: `[]`.
// A location message:
//
//	{"_type":"location","lat":21.4701,"lon":105.8502,"tst":1709305200,"acc":8,"alt":30,
//	 "vel":12,"cog":270,"batt":87,"tid":"c1","bs":1,"conn":"m","t":"u"}
//
// with vel in km/h, cog in degrees, batt in percent and tst in epoch seconds. Messages of other
// _types (transition, waypoint, lwt, card, status, …) are acknowledged and ignored. A list of
// messages is accepted too.

// ownTracksLocation holds the fields of a location message that become a fix.
type ownTracksLocation struct {
	Type string          `json:"_type"`
	Lat  *float64        `json:"lat"`
	Lon  *float64        `json:"lon"`
	Tst  json.RawMessage `json:"tst"`
	Acc  *float64        `json:"acc"`
	Alt  *float64        `json:"alt"`
	Vel  *float64        `json:"vel"`
	Cog  *float64        `json:"cog"`
	Batt *float64        `json:"batt"`
	Tid  string          `json:"tid"`
	// Mock is a mock-provider mark where a client sends one; M is OwnTracks' monitoring mode
	// (a number) in the stock apps, and is read as a mock mark only when it is a JSON boolean.
	Mock json.RawMessage `json:"mock"`
	M    json.RawMessage `json:"m"`
}

// ownTracksMessage is one decoded message: its type, and for a location the fix.
type ownTracksMessage struct {
	Type string
	Fix  decode.Candidate
}

// decodeOwnTracks reads one message or a list of them. A body that is not JSON objects is a
// *Problem or *decode.Error naming the field; a location that is not a fix has Fix.Invalid set.
func decodeOwnTracks(body []byte, now time.Time) ([]ownTracksMessage, error) {
	trimmed := bytes.TrimSpace(body)
	var raws []json.RawMessage
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if err := decode.JSON(trimmed, &raws); err != nil {
			return nil, err
		}
		if len(raws) > 1000 {
			return nil, problem(http.StatusRequestEntityTooLarge, "at most 1000 OwnTracks messages per request", FieldError{"body", "too many messages"})
		}
	} else {
		var one json.RawMessage
		if err := decode.JSON(trimmed, &one); err != nil {
			return nil, err
		}
		raws = []json.RawMessage{one}
	}
	out := make([]ownTracksMessage, 0, len(raws))
	for _, raw := range raws {
		var m ownTracksLocation
		if fe := unmarshalItem(raw, &m); fe != nil {
			switch {
			case fe.Field == "item":
				return nil, badField("body", "each OwnTracks message must be a JSON object")
			case fe.Field == "_type":
				return nil, badField("_type", "must be a string")
			case m.Type == "location":
				out = append(out, ownTracksMessage{Type: m.Type, Fix: decode.Candidate{Invalid: fe, Raw: raw}})
			default:
				out = append(out, ownTracksMessage{Type: m.Type})
			}
			continue
		}
		msg := ownTracksMessage{Type: m.Type}
		if m.Type == "location" {
			msg.Fix = ownTracksFix(m, now)
			msg.Fix.Raw = raw
		}
		out = append(out, msg)
	}
	return out, nil
}

// ownTracksFix validates a location message.
func ownTracksFix(m ownTracksLocation, now time.Time) decode.Candidate {
	bad := func(field, msg string) decode.Candidate {
		return decode.Candidate{Invalid: &decode.FieldError{Field: field, Message: msg}}
	}
	if m.Lat == nil {
		return bad("lat", "required")
	}
	if m.Lon == nil {
		return bad("lon", "required")
	}
	tst, ok := jsonString(m.Tst)
	if !ok || tst == "" {
		return bad("tst", "required: epoch seconds")
	}
	t, ok := decode.EpochTime(tst)
	if !ok {
		return bad("tst", "must be epoch seconds")
	}
	f := patrol.Fix{Time: t, Lat: *m.Lat, Lon: *m.Lon, Accuracy: unknownIfNegative(orUnknown(m.Acc)),
		Speed: unknownIfNegative(orUnknown(m.Vel)) / 3.6, Heading: unknownIfNegative(orUnknown(m.Cog)),
		Altitude: orUnknown(m.Alt), Battery: orUnknown(m.Batt)}
	if !math.IsNaN(f.Battery) && f.Battery < 0 {
		f.Battery = math.NaN()
	}
	if truthyJSON(m.Mock) || strings.TrimSpace(string(m.M)) == "true" {
		f.Flags |= patrol.FlagMock
	}
	return decode.CheckedAs(ownTracksFields, "", f, now)
}

// ownTracksFields are the OwnTracks keys of the fix fields.
var ownTracksFields = decode.Fields{Names: map[string]string{"time": "tst", "accuracy": "acc", "speed": "vel", "heading": "cog", "altitude": "alt", "battery": "batt"}}

// owntracks handles one OwnTracks HTTP request: `[]` once its locations are committed (or
// found to be duplicates, or logged as invalid), 401 without the device's credentials, 503
// with Retry-After when they cannot be written now.
func (g *ingester) owntracks(c *gin.Context) {
	s := g.s
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, trackerBodyLimit)
	body, err := readBody(c)
	if err != nil {
		fail(c, err)
		return
	}
	raw := func() []byte { return body }
	caller := callerOf(c)
	if caller.Kind == patrol.CallerUser {
		writeProblem(c, problem(http.StatusForbidden, "OwnTracks posts need the device's own credentials (Basic auth with its id and secret)",
			FieldError{"authorization", "not a device"}))
		return
	}
	// Basic auth identifies the device. OwnTracks always sends X-Limit-U and X-Limit-D (its
	// Device ID, by default the phone's build name such as "pixel7"); they are labels and never
	// a reason to refuse. Only without credentials does X-Limit-D name the device, for the
	// rejection log.
	ident := ""
	if caller.Kind != patrol.CallerDevice {
		ident = c.GetHeader("X-Limit-D")
	}
	now := s.cfg.Now()
	msgs, decodeErr := decodeOwnTracks(body, now)
	var locations []decode.Candidate
	for _, m := range msgs {
		if m.Type == "location" {
			locations = append(locations, m.Fix)
		}
	}
	keep := func() *patrol.KeptRequest {
		for _, l := range locations {
			if l.Invalid == nil {
				k := keptRequest(c, "owntracks", body, now)
				return &k
			}
		}
		return nil // nothing a replay could store
	}
	d, ok := g.trackerDevice(c, "owntracks", ident, "", "user", raw, keep)
	if !ok {
		return
	}
	if decodeErr != nil {
		g.rejectAttempt(c, patrol.Rejection{UnitID: d.UnitID, DeviceIdent: d.Ident, Source: "owntracks", Reason: "malformed request", Raw: string(body)})
		fail(c, decodeErr)
		return
	}
	if g.storeLocations(c, d, locations) {
		c.Data(http.StatusOK, "application/json", []byte("[]"))
	}
}

// storeLocations writes the locations of one OwnTracks request of device d: one through the
// group commit, a list (rare: a client flushing its queue) as one ordinary batch. On failure it
// has answered the request itself.
func (g *ingester) storeLocations(c *gin.Context, d *patrol.Device, locations []decode.Candidate) bool {
	switch len(locations) {
	case 0:
		return true
	case 1:
		_, ok := g.storeOne(c, d, locations[0], "owntracks")
		return ok
	}
	return g.storeMany(c, d, locations, "owntracks")
}

// storeMany writes several fixes of the calling device d in one transaction through app/ingest
// and logs the invalid ones; on failure it has answered the request itself.
func (g *ingester) storeMany(c *gin.Context, d *patrol.Device, list []decode.Candidate, source string) bool {
	res, err := g.svc.StoreBatch(c.Request.Context(), patrol.Caller{Kind: patrol.CallerDevice, Device: *d}, batchItems(list), source, c.ClientIP())
	if err != nil {
		fail(c, err)
		return false
	}
	// Off-duty fixes the unit does not keep are answered like stored ones (so the phone does
	// not send them again) and counted.
	g.s.countIngest(res)
	return true
}
