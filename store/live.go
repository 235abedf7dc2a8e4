package store

import (
	"context"
	"fmt"
	"time"

	"github.com/patrolmap/patrolmap/patrol"
)

// LatestPositions returns the newest fix of each device of a unit whose time lies within since
// before now, the caller's clock (and no more than five minutes after it, so a phone with a
// clock running ahead shows, but not one years off). Devices with no such fix are left out; the
// list is ordered by device id text. It serves GET /api/v1/live.
func (s *Store) LatestPositions(ctx context.Context, unitID int, now time.Time, since time.Duration) ([]patrol.StoredFix, error) {
	if since <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT unit_id, device_id, ident, ts, lat, lon, accuracy, speed, heading, altitude,
		battery, source, flags, received_at
		FROM (SELECT DISTINCT ON (f.device_id) f.unit_id, f.device_id, d.ident, f.ts, ST_Y(f.geom) AS lat,
			ST_X(f.geom) AS lon, f.accuracy, f.speed, f.heading, f.altitude, f.battery, f.source, f.flags, f.received_at
			FROM fix f JOIN device d ON d.id = f.device_id
			WHERE f.unit_id = $1 AND f.ts >= $3::timestamptz - make_interval(secs => $2) AND f.ts <= $3::timestamptz + interval '5 minutes'
			ORDER BY f.device_id, f.ts DESC) latest
		ORDER BY ident`, unitID, since.Seconds(), now)
	if err != nil {
		return nil, classify(fmt.Errorf("latest positions: %w", err))
	}
	defer rows.Close()
	var out []patrol.StoredFix
	for rows.Next() {
		sf, err := scanStoredFix(rows)
		if err != nil {
			return nil, classify(fmt.Errorf("latest positions: %w", err))
		}
		sf.ReceivedAt = sf.ReceivedAt.UTC()
		out = append(out, sf)
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("latest positions: %w", err))
	}
	return out, nil
}
