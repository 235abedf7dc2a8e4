package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/patrolmap/patrolmap/geo"
	"github.com/patrolmap/patrolmap/patrol"
)

// PatrolSummary sums a unit's patrols inside the given night periods (geo.NightWindow.Periods
// of a report's period): the fixes that no quality flag excludes, and the segments between
// consecutive ones of a device in the same night that coverage would count — less than
// geo.MaxSegmentGap apart with an implied speed under geo.MaxSpeedKmh. Hours and distance sum
// those segments over devices; nights patrolled are the periods holding at least one.
func (s *Store) PatrolSummary(ctx context.Context, unitID int, nights []geo.Period) (patrol.PatrolSummary, error) {
	var sum patrol.PatrolSummary
	if len(nights) == 0 {
		return sum, nil
	}
	from, to := make([]time.Time, len(nights)), make([]time.Time, len(nights))
	for i, n := range nights {
		from[i], to[i] = n.From, n.To
	}
	var seconds, metres float64
	err := s.pool.QueryRow(ctx, `WITH n AS (
			SELECT u.i, u.a, u.b FROM unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS u(a, b, i)
		), f AS (
			SELECT n.i, x.device_id, x.ts, x.geom
			FROM n JOIN fix x ON x.unit_id = $1 AND x.ts >= n.a AND x.ts < n.b
			WHERE x.flags & $4 = 0
		), s AS (
			SELECT i, device_id, extract(epoch FROM ts - lag(ts) OVER w)::float8 AS dt,
			       ST_DistanceSphere(lag(geom) OVER w, geom) AS m
			FROM f WINDOW w AS (PARTITION BY i, device_id ORDER BY ts)
		), seg AS (
			SELECT i, device_id, dt, m FROM s WHERE dt > 0 AND dt < $5 AND m < $6 * dt
		)
		SELECT (SELECT count(*) FROM f), (SELECT count(DISTINCT i) FROM seg), (SELECT count(DISTINCT device_id) FROM seg),
		       coalesce((SELECT sum(dt) FROM seg), 0), coalesce((SELECT sum(m) FROM seg), 0), (SELECT count(DISTINCT i) FROM f)`,
		unitID, from, to, int16(patrol.FlagsIgnored), geo.MaxSegmentGap.Seconds(), geo.MaxSpeedKmh/3.6).
		Scan(&sum.Fixes, &sum.NightsPatrolled, &sum.Devices, &seconds, &metres, &sum.NightsWithFixes)
	if err != nil {
		return sum, classify(fmt.Errorf("patrol summary of unit %d: %w", unitID, err))
	}
	sum.Hours = seconds / 3600
	sum.DistanceKm = metres / 1000
	return sum, nil
}

// IncidentCounts returns the counted (not void) incidents of a unit in [from, to) per category,
// one entry for every category in patrol.Categories order, zeros included.
func (s *Store) IncidentCounts(ctx context.Context, unitID int, from, to time.Time) ([]patrol.IncidentCount, error) {
	rows, err := s.pool.Query(ctx, `SELECT category, count(*), coalesce(sum(severity), 0) FROM incident
		WHERE unit_id = $1 AND ts >= $2 AND ts < $3 AND status <> 'void' GROUP BY category`, unitID, from, to)
	if err != nil {
		return nil, classify(fmt.Errorf("incident counts of unit %d: %w", unitID, err))
	}
	defer rows.Close()
	got := map[string]patrol.IncidentCount{}
	for rows.Next() {
		var c patrol.IncidentCount
		if err := rows.Scan(&c.Category, &c.Count, &c.SeveritySum); err != nil {
			return nil, classify(fmt.Errorf("incident counts of unit %d: %w", unitID, err))
		}
		got[c.Category] = c
	}
	if err := rows.Err(); err != nil {
		return nil, classify(fmt.Errorf("incident counts of unit %d: %w", unitID, err))
	}
	out := make([]patrol.IncidentCount, 0, len(patrol.Categories))
	for _, cat := range patrol.Categories {
		c := got[cat]
		c.Category = cat
		out = append(out, c)
	}
	return out, nil
}

const snapshotColumns = `r.id, r.unit_id, u.code, r.period_from, r.period_to, r.from_text, r.to_text, r.lang, r.verdict, r.cutoff,
	r.sha256, octet_length(r.html), coalesce(r.created_by, 0), r.created_by_name, r.created_at,
	coalesce(r.year, 0), coalesce(r.number, 0), coalesce(r.number_text, '')`

func scanSnapshot(row pgx.Row, withHTML bool) (patrol.ReportSnapshot, error) {
	var r patrol.ReportSnapshot
	dest := []any{&r.ID, &r.UnitID, &r.UnitCode, &r.From, &r.To, &r.FromText, &r.ToText, &r.Lang, &r.Verdict, &r.Cutoff,
		&r.SHA256, &r.Size, &r.CreatedBy, &r.CreatedByName, &r.CreatedAt, &r.Year, &r.Number, &r.NumberText}
	if withHTML {
		dest = append(dest, &r.HTML, &r.Content)
	}
	err := row.Scan(dest...)
	r.From, r.To, r.Cutoff, r.CreatedAt = r.From.UTC(), r.To.UTC(), r.Cutoff.UTC(), r.CreatedAt.UTC()
	return r, err
}

// CreateReportSnapshot archives a generated report. The SHA-256 of the HTML is computed here and
// checked again by the database; the stored row can never be changed or deleted.
func (s *Store) CreateReportSnapshot(ctx context.Context, r patrol.ReportSnapshot) (patrol.ReportSnapshot, error) {
	sum := sha256.Sum256(r.HTML)
	var createdBy *int64
	if r.CreatedBy > 0 {
		createdBy = &r.CreatedBy
	}
	var id int64
	err := s.pool.QueryRow(ctx, `INSERT INTO report_snapshot (unit_id, period_from, period_to, from_text, to_text, lang, verdict,
			cutoff, html, sha256, created_by, created_by_name)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		r.UnitID, r.From, r.To, r.FromText, r.ToText, r.Lang, r.Verdict, r.Cutoff, r.HTML, sum[:], createdBy, r.CreatedByName).Scan(&id)
	if err != nil {
		return patrol.ReportSnapshot{}, classify(fmt.Errorf("archive report: %w", err))
	}
	return scanSnapshot(s.pool.QueryRow(ctx, `SELECT `+snapshotColumns+` FROM report_snapshot r JOIN unit u ON u.id = r.unit_id WHERE r.id = $1`, id), false)
}

// ListReportSnapshots returns a unit's archived reports, newest first, without their HTML.
func (s *Store) ListReportSnapshots(ctx context.Context, unitID int) ([]patrol.ReportSnapshot, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+snapshotColumns+` FROM report_snapshot r JOIN unit u ON u.id = r.unit_id
		WHERE r.unit_id = $1 ORDER BY r.created_at DESC, r.id DESC`, unitID)
	if err != nil {
		return nil, classify(fmt.Errorf("list reports: %w", err))
	}
	defer rows.Close()
	var out []patrol.ReportSnapshot
	for rows.Next() {
		r, err := scanSnapshot(rows, false)
		if err != nil {
			return nil, classify(fmt.Errorf("list reports: %w", err))
		}
		out = append(out, r)
	}
	return out, classify(rows.Err())
}

// ReportSnapshotByID returns one archived report with its HTML, byte for byte as stored.
func (s *Store) ReportSnapshotByID(ctx context.Context, id int64) (patrol.ReportSnapshot, error) {
	r, err := scanSnapshot(s.pool.QueryRow(ctx, `SELECT `+snapshotColumns+`, r.html, r.content FROM report_snapshot r JOIN unit u ON u.id = r.unit_id WHERE r.id = $1`, id), true)
	if err != nil {
		return r, classify(fmt.Errorf("report %d: %w", id, err))
	}
	return r, nil
}

// MockFixCounts returns, for each device of a unit with at least one fix flagged mock
// (patrol.FlagMock: the phone said the position came from a mock location provider) in [from, to),
// how many there were, by device id. Mock fixes count for nothing in coverage; the report
// discloses them.
func (s *Store) MockFixCounts(ctx context.Context, unitID int, from, to time.Time) ([]patrol.DeviceFixCount, error) {
	rows, err := s.pool.Query(ctx, `SELECT d.ident, count(*) FROM fix f JOIN device d ON d.id = f.device_id
		WHERE f.unit_id = $1 AND f.ts >= $2 AND f.ts < $3 AND f.flags & $4 <> 0
		GROUP BY d.ident ORDER BY d.ident`, unitID, from, to, int16(patrol.FlagMock))
	if err != nil {
		return nil, classify(fmt.Errorf("mock fix counts of unit %d: %w", unitID, err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (patrol.DeviceFixCount, error) {
		var c patrol.DeviceFixCount
		err := r.Scan(&c.Device, &c.Fixes)
		return c, err
	})
	if err != nil {
		return nil, classify(fmt.Errorf("mock fix counts of unit %d: %w", unitID, err))
	}
	return out, nil
}

// ArchiveReport numbers and archives a report in one transaction: the unit's reports of year are
// locked, the next number (1 for the year's first) is passed to build, which renders the report
// with it, and the result is stored with the SHA-256 of its content. Numbers per unit per year
// have no gaps and no repeats.
func (s *Store) ArchiveReport(ctx context.Context, unitID, year int, build func(number int) (patrol.ReportSnapshot, error)) (patrol.ReportSnapshot, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return patrol.ReportSnapshot{}, classify(fmt.Errorf("archive report: %w", err))
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('report_number'), $1)`, unitID); err != nil {
		return patrol.ReportSnapshot{}, classify(fmt.Errorf("archive report: %w", err))
	}
	var number int
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(number), 0) + 1 FROM report_snapshot WHERE unit_id = $1 AND year = $2`,
		unitID, year).Scan(&number); err != nil {
		return patrol.ReportSnapshot{}, classify(fmt.Errorf("archive report: %w", err))
	}
	r, err := build(number)
	if err != nil {
		return patrol.ReportSnapshot{}, err
	}
	sum := sha256.Sum256(r.Content)
	var createdBy *int64
	if r.CreatedBy > 0 {
		createdBy = &r.CreatedBy
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO report_snapshot (unit_id, period_from, period_to, from_text, to_text, lang, verdict,
			cutoff, html, sha256, created_by, created_by_name, year, number, number_text, content)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
		unitID, r.From, r.To, r.FromText, r.ToText, r.Lang, r.Verdict, r.Cutoff, r.HTML, sum[:], createdBy, r.CreatedByName,
		year, number, r.NumberText, r.Content).Scan(&id)
	if err != nil {
		return patrol.ReportSnapshot{}, classify(fmt.Errorf("archive report: %w", err))
	}
	if err := tx.Commit(ctx); err != nil {
		return patrol.ReportSnapshot{}, classify(fmt.Errorf("archive report: %w", err))
	}
	return s.ReportSnapshotByID(ctx, id)
}

// ReportBySHA256 returns the numbered report whose content has this SHA-256, without its HTML.
func (s *Store) ReportBySHA256(ctx context.Context, sum []byte) (patrol.ReportSnapshot, error) {
	r, err := scanSnapshot(s.pool.QueryRow(ctx, `SELECT `+snapshotColumns+` FROM report_snapshot r JOIN unit u ON u.id = r.unit_id
		WHERE r.sha256 = $1 AND r.content IS NOT NULL`, sum), false)
	if err != nil {
		return r, classify(fmt.Errorf("report by hash: %w", err))
	}
	return r, nil
}

// ReportSettings returns a unit's report settings; a unit that set none gets the defaults
// (5 incidents, 3 weeks, Gi* from 30 incidents, key areas met every night, no cell unpatrolled,
// no form fields).
func (s *Store) ReportSettings(ctx context.Context, unitID int) (patrol.ReportSettings, error) {
	st := patrol.ReportSettings{MinIncidents: 5, MinWeeks: 3, GiMinIncidents: 30, KeyAreaNightsPct: 100}
	err := s.pool.QueryRow(ctx, `SELECT min_incidents, min_weeks, gi_min_incidents, key_area_nights_pct, max_unpatrolled_pct,
			parent_agency, agency, number_suffix, place, chief_title, chief_name, preparer_name, recipients
		FROM unit_report_settings WHERE unit_id = $1`, unitID).
		Scan(&st.MinIncidents, &st.MinWeeks, &st.GiMinIncidents, &st.KeyAreaNightsPct, &st.MaxUnpatrolledPct,
			&st.ParentAgency, &st.Agency, &st.NumberSuffix, &st.Place, &st.ChiefTitle, &st.ChiefName, &st.Preparer, &st.Recipients)
	if errors.Is(err, pgx.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, classify(fmt.Errorf("report settings of unit %d: %w", unitID, err))
	}
	return st, nil
}

// SetReportSettings stores a unit's report settings, replacing the previous ones.
func (s *Store) SetReportSettings(ctx context.Context, unitID int, st patrol.ReportSettings) error {
	if st.Recipients == nil {
		st.Recipients = []string{}
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO unit_report_settings (unit_id, min_incidents, min_weeks, gi_min_incidents, parent_agency,
			agency, number_suffix, place, chief_title, chief_name, preparer_name, recipients, key_area_nights_pct, max_unpatrolled_pct)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (unit_id) DO UPDATE SET min_incidents = EXCLUDED.min_incidents, min_weeks = EXCLUDED.min_weeks,
			gi_min_incidents = EXCLUDED.gi_min_incidents, key_area_nights_pct = EXCLUDED.key_area_nights_pct,
			max_unpatrolled_pct = EXCLUDED.max_unpatrolled_pct, parent_agency = EXCLUDED.parent_agency, agency = EXCLUDED.agency,
			number_suffix = EXCLUDED.number_suffix, place = EXCLUDED.place, chief_title = EXCLUDED.chief_title,
			chief_name = EXCLUDED.chief_name, preparer_name = EXCLUDED.preparer_name, recipients = EXCLUDED.recipients,
			updated_at = now()`,
		unitID, st.MinIncidents, st.MinWeeks, st.GiMinIncidents, st.ParentAgency, st.Agency, st.NumberSuffix, st.Place,
		st.ChiefTitle, st.ChiefName, st.Preparer, st.Recipients, st.KeyAreaNightsPct, st.MaxUnpatrolledPct)
	if err != nil {
		return classify(fmt.Errorf("report settings of unit %d: %w", unitID, err))
	}
	return nil
}
