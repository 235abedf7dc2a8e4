package store

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/patrolmap/patrolmap/patrol"
)

// partitions remembers the monthly fix partitions known to exist, per database.
type partitionCache struct {
	mu    sync.Mutex
	known map[string]bool
}

var fixPartitions = partitionCache{known: map[string]bool{}}

// ensurePartitions creates the monthly partitions of fix that the times need. A batch's times
// mostly fall in one month, so a time in the month of the time before costs two comparisons.
func (s *Store) ensurePartitions(ctx context.Context, times []time.Time) error {
	var months []time.Time // the first instant of each month, in UTC
	var lo, hi time.Time   // the month of the time before
	for i, t := range times {
		if i > 0 && !t.Before(lo) && t.Before(hi) {
			continue
		}
		u := t.UTC()
		lo = time.Date(u.Year(), u.Month(), 1, 0, 0, 0, 0, time.UTC)
		hi = lo.AddDate(0, 1, 0)
		if !slices.ContainsFunc(months, lo.Equal) {
			months = append(months, lo)
		}
	}
	for _, m := range months {
		key := s.database + "/" + m.Format("2006-01")
		fixPartitions.mu.Lock()
		ok := fixPartitions.known[key]
		fixPartitions.mu.Unlock()
		if ok {
			continue
		}
		if _, err := s.pool.Exec(ctx, `SELECT ensure_fix_partition($1)`, m); err != nil {
			return classify(fmt.Errorf("ensure fix partition %s: %w", m.Format("2006-01"), err))
		}
		fixPartitions.mu.Lock()
		fixPartitions.known[key] = true
		fixPartitions.mu.Unlock()
	}
	return nil
}

// isNull reports whether a measured value of a fix is unknown (NaN, or infinite): stored as NULL.
func isNull(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }

func nullable(f float64) *float32 {
	if isNull(f) {
		return nil
	}
	v := float32(f)
	return &v
}

// InsertFixes stores fixes in one transaction; a fix whose (device, time) is already stored,
// or repeated within the batch, counts as a duplicate. It returns only after commit. It is
// StoreFixes with the answer counted (off-duty fixes not stored count in OffDuty).
func (s *Store) InsertFixes(ctx context.Context, fixes []patrol.Fix) (patrol.IngestResult, error) {
	var res patrol.IngestResult
	stored, err := s.StoreFixes(ctx, fixes)
	if err != nil {
		return res, err
	}
	for _, o := range stored {
		switch o {
		case patrol.FixStored:
			res.Accepted++
		case patrol.FixOffDuty:
			res.OffDuty++
		default:
			res.Duplicates++
		}
	}
	return res, nil
}

// EachFix streams the fixes that match f in (device, time) order to fn without holding them all
// in memory.
func (s *Store) EachFix(ctx context.Context, f patrol.FixFilter, fn func(patrol.StoredFix) error) error {
	rows, err := s.pool.Query(ctx, `SELECT f.unit_id, f.device_id, d.ident, f.ts, ST_Y(f.geom), ST_X(f.geom),
		f.accuracy, f.speed, f.heading, f.altitude, f.battery, f.source, f.flags, f.received_at
		FROM fix f JOIN device d ON d.id = f.device_id
		WHERE f.unit_id = $1 AND ($2 = 0 OR f.device_id = $2) AND f.ts >= $3 AND f.ts < $4
		  AND ($5 OR f.flags & $6 = 0)
		ORDER BY d.ident, f.ts`, f.UnitID, f.DeviceID, f.From, f.To, f.OffDuty, int16(patrol.FlagOffDuty))
	if err != nil {
		return classify(fmt.Errorf("read fixes: %w", err))
	}
	defer rows.Close()
	for rows.Next() {
		sf, err := scanStoredFix(rows)
		if err != nil {
			return classify(fmt.Errorf("read fixes: %w", err))
		}
		if err := fn(sf); err != nil {
			return err
		}
	}
	return classify(rows.Err())
}

// scanStoredFix reads a row of unit_id, device_id, ident, ts, lat, lon, accuracy, speed, heading,
// altitude, battery, source, flags and received_at: the time in UTC, a missing measure as NaN.
func scanStoredFix(row pgx.Row) (patrol.StoredFix, error) {
	var sf patrol.StoredFix
	var acc, speed, heading, alt, batt *float32
	var flags int16
	if err := row.Scan(&sf.UnitID, &sf.DeviceID, &sf.DeviceIdent, &sf.Time, &sf.Lat, &sf.Lon,
		&acc, &speed, &heading, &alt, &batt, &sf.Source, &flags, &sf.ReceivedAt); err != nil {
		return sf, err
	}
	sf.Time = sf.Time.UTC()
	sf.Flags = patrol.FixFlag(flags)
	sf.Accuracy, sf.Speed, sf.Heading, sf.Altitude, sf.Battery = orNaN(acc), orNaN(speed), orNaN(heading), orNaN(alt), orNaN(batt)
	return sf, nil
}

func orNaN(p *float32) float64 {
	if p == nil {
		return math.NaN()
	}
	return float64(*p)
}
