package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/patrolmap/patrolmap/patrol"
)

// DropFixPartitionsBefore drops every monthly fix partition whose whole month ends on or before
// cutoff, and returns the names it dropped. Dropping a partition is instant and returns its
// space at once, unlike deleting rows.
func (s *Store) DropFixPartitionsBefore(ctx context.Context, cutoff time.Time) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'fix'::regclass ORDER BY c.relname`)
	if err != nil {
		return nil, classify(fmt.Errorf("list fix partitions: %w", err))
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, classify(fmt.Errorf("list fix partitions: %w", err))
	}
	var dropped []string
	for _, name := range names {
		month, err := time.Parse("fix_2006_01", name)
		if err != nil {
			continue // not one of ours
		}
		end := month.AddDate(0, 1, 0)
		if end.After(cutoff) {
			continue
		}
		if _, err := s.pool.Exec(ctx, `DROP TABLE IF EXISTS `+pgx.Identifier{name}.Sanitize()); err != nil {
			return dropped, classify(fmt.Errorf("drop partition %s: %w", name, err))
		}
		forgetPartition(s, month)
		dropped = append(dropped, name)
	}
	return dropped, nil
}

// forgetPartition removes a month from the cache of known partitions, so a late fix of that
// month recreates it instead of failing.
func forgetPartition(s *Store, month time.Time) {
	suffix := "/" + month.Format("2006-01")
	fixPartitions.mu.Lock()
	defer fixPartitions.mu.Unlock()
	for k := range fixPartitions.known {
		if strings.HasSuffix(k, suffix) {
			delete(fixPartitions.known, k)
		}
	}
}

// DeleteExpiredOffDutyFixes deletes the fixes flagged off duty (patrol.FlagOffDuty) that are older
// than their unit's off_duty_retention, and returns how many it deleted. Off-duty fixes are
// stored only when a unit chooses to keep them, and then only for a short time.
func (s *Store) DeleteExpiredOffDutyFixes(ctx context.Context) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM fix f USING unit u
		WHERE f.unit_id = u.id AND f.flags & $1 <> 0 AND f.ts < now() - u.off_duty_retention`,
		int16(patrol.FlagOffDuty))
	if err != nil {
		return 0, classify(fmt.Errorf("delete expired off-duty fixes: %w", err))
	}
	return tag.RowsAffected(), nil
}
