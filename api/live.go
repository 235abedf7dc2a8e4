package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/patrolmap/patrolmap/patrol"
)

// LiveBackend is the storage GET /api/v1/live needs.
type LiveBackend interface {
	// LatestPositions returns the newest fix of each device of a unit whose time lies within
	// since before now, ordered by device id text.
	LatestPositions(ctx context.Context, unitID int, now time.Time, since time.Duration) ([]patrol.StoredFix, error)
}

// Settings of the live position stream (variables so tests can run it faster).
var (
	// livePoll is how often the stream asks the store for positions.
	livePoll = 3 * time.Second
	// liveKeepAlive is the longest silence before a comment line keeps proxies from closing it.
	liveKeepAlive = 15 * time.Second
)

const (
	// liveWindow is how old a device's newest fix may be to count as a live position.
	liveWindow = 30 * time.Minute
	// liveMaxStream ends a stream after a while; EventSource reconnects by itself, so a long
	// session never pins one request (or the server's write timeout) forever.
	liveMaxStream = 10 * time.Minute
	// liveWriteWindow is the write deadline set before each write, past the server's own.
	liveWriteWindow = 30 * time.Second
	// liveRetryMs is the reconnection delay the stream asks EventSource to use.
	liveRetryMs = 3000
)

// liveRoutes registers the live position stream.
func (s *Server) liveRoutes(v1 *gin.RouterGroup) {
	v1.GET("/live", s.requireUser, s.live)
}

// livePositions is the data of a "positions" event: a GeoJSON FeatureCollection of Points, one
// per device, with the server's clock so clients can tell how old each position is.
type livePositions struct {
	Type     string    `json:"type"`
	Features []Feature `json:"features"`
	Unit     string    `json:"unit"`
	Now      string    `json:"now"`
	WindowS  int       `json:"window_s"`
}

// liveFeature writes one device's newest fix as a GeoJSON Point feature.
func liveFeature(f patrol.StoredFix) Feature {
	return Feature{Type: "Feature", ID: f.DeviceIdent, Geometry: pointGeometry(f.Lat, f.Lon), Properties: map[string]any{
		"device": f.DeviceIdent, "time": rfc3339(f.Time), "accuracy": liveNumber(f.Accuracy), "speed": liveNumber(f.Speed),
		"heading": liveNumber(f.Heading), "battery": liveNumber(f.Battery), "flags": f.Flags,
	}}
}

// liveNumber turns an unknown (NaN) fix number into null.
func liveNumber(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

// live answers GET /api/v1/live?unit=CODE with server-sent events: a "positions" event with
// every device's latest position (see livePositions) when the stream opens and whenever a
// position changes, an "unavailable" event when the store fails (the stream carries on), and
// comment lines to keep the connection open.
func (s *Server) live(c *gin.Context) {
	u, ok := s.unitInScope(c, "unit", c.Query("unit"))
	if !ok {
		return
	}
	// A device whose newest fix is off duty is shown to admins only.
	offDuty := callerOf(c).User.Role == patrol.RoleAdmin
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	c.Status(http.StatusOK)

	stream := &liveStream{w: c.Writer, rc: http.NewResponseController(c.Writer)}
	ctx, cancel := context.WithTimeout(c.Request.Context(), liveMaxStream)
	defer cancel()
	if err := stream.send("", "", "retry: "+strconv.Itoa(liveRetryMs)); err != nil {
		return
	}
	tick := time.NewTicker(livePoll)
	defer tick.Stop()
	var last []byte       // positions of the last event, without the clock
	var lastAlerts []byte // the alerts of the last "alerts" event (night.go)
	failing := false
	for {
		var err error
		if last, failing, err = s.sendLivePositions(ctx, stream, u, offDuty, last, failing); err != nil || ctx.Err() != nil {
			return
		}
		if lastAlerts, err = s.sendLiveAlerts(ctx, stream, u, lastAlerts); err != nil {
			return
		}
		if time.Since(stream.lastWrite) >= liveKeepAlive {
			if stream.send("", "", ": keep-alive") != nil {
				return
			}
		}
		if s.draining.Load() {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// sendLivePositions sends a "positions" event when the unit's latest positions differ from
// last (the previous event's, without the clock; off-duty ones only with offDuty), or once an
// "unavailable" event when they cannot be read (failing says it was sent). It returns the
// positions sent last and whether reading fails; an error ends the stream.
func (s *Server) sendLivePositions(ctx context.Context, stream *liveStream, u patrol.Unit, offDuty bool, last []byte, failing bool) ([]byte, bool, error) {
	positions, err := s.db.LatestPositions(ctx, u.ID, s.cfg.Now(), liveWindow)
	switch {
	case ctx.Err() != nil:
		return last, failing, ctx.Err()
	case err != nil:
		if !failing {
			s.log.Warn("live positions", "unit", u.Code, "err", err)
			if err := stream.send("unavailable", `{"detail":"the positions could not be read; retrying"}`, ""); err != nil {
				return last, true, err
			}
		}
		return last, true, nil
	}
	features := make([]Feature, 0, len(positions))
	for _, f := range positions {
		if !offDuty && patrol.FixFlag(f.Flags)&patrol.FlagOffDuty != 0 {
			continue
		}
		features = append(features, liveFeature(f))
	}
	key, err := json.Marshal(features)
	if err != nil {
		s.log.Error("live positions", "err", err)
		return last, false, err
	}
	if last != nil && bytes.Equal(key, last) {
		return last, false, nil
	}
	body, err := json.Marshal(livePositions{Type: "FeatureCollection", Features: features, Unit: u.Code,
		Now: rfc3339(s.cfg.Now()), WindowS: int(liveWindow / time.Second)})
	if err != nil {
		s.log.Error("live positions", "err", err)
		return last, false, err
	}
	if err := stream.send("positions", string(body), ""); err != nil {
		return last, false, err
	}
	return key, false, nil
}

// liveStream writes server-sent events and flushes each one.
type liveStream struct {
	w         http.ResponseWriter
	rc        *http.ResponseController
	lastWrite time.Time
}

// send writes an event (a name and one line of data) or, with raw set, that line alone.
func (l *liveStream) send(event, data, raw string) error {
	if err := l.rc.SetWriteDeadline(time.Now().Add(liveWriteWindow)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	var b bytes.Buffer
	if raw != "" {
		b.WriteString(raw)
		b.WriteByte('\n')
	}
	if event != "" {
		fmt.Fprintf(&b, "event: %s\n", event)
	}
	if data != "" {
		fmt.Fprintf(&b, "data: %s\n", data)
	}
	b.WriteByte('\n')
	if _, err := l.w.Write(b.Bytes()); err != nil {
		return err
	}
	l.lastWrite = time.Now()
	if err := l.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}
