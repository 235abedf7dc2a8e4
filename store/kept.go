package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/patrolmap/patrolmap/patrol"
)

// Kept refusals: tracker requests refused because their device is not registered or their key
// is missing or wrong are kept whole in fix_rejection (request, request_sha), so that their
// fixes can be replayed once the device is registered (migrations/00010_phones.sql). Identical
// copies of one request (a phone resending the same position) are folded into one entry.

// KeepRequest writes a refused request to the rejection log and keeps it whole for replay, as
// received at k.ReceivedAt (now when zero); a copy of a request already kept for the device only
// counts one more repeat (the first copy's time stays; the reason and address are the latest). Then the device's
// kept requests beyond the newest perDevice are deleted. Both happen in one round trip.
func (s *Store) KeepRequest(ctx context.Context, k patrol.KeptRequest, perDevice int) error {
	request, err := json.Marshal(k)
	if err != nil {
		return fmt.Errorf("keep request: %w", err)
	}
	sum := sha256.Sum256(append([]byte(k.DeviceIdent+"\x00"), request...))
	var unitID *int32
	if k.UnitID != 0 {
		u := int32(k.UnitID)
		unitID = &u
	}
	ident := logText(k.DeviceIdent, 200)
	b := &pgx.Batch{}
	received := k.ReceivedAt
	if received.IsZero() {
		received = time.Now()
	}
	b.Queue(`INSERT INTO fix_rejection (unit_id, device_ident, source, reason, raw, addr, request, request_sha, received_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (device_ident, request_sha) WHERE request_sha IS NOT NULL
		DO UPDATE SET repeats = fix_rejection.repeats + 1, reason = EXCLUDED.reason, addr = EXCLUDED.addr`,
		unitID, ident, logText(k.Source, 50), logText(k.Reason, 1000), logText(k.Raw, 4096), logText(k.Addr, 100), request, sum[:], received)
	b.Queue(`DELETE FROM fix_rejection WHERE request_sha IS NOT NULL AND device_ident = $1 AND id < (
			SELECT id FROM fix_rejection WHERE request_sha IS NOT NULL AND device_ident = $1
			ORDER BY id DESC OFFSET $2 - 1 LIMIT 1)`, ident, max(perDevice, 1))
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return classify(fmt.Errorf("keep request of %q: %w", k.DeviceIdent, err))
	}
	return nil
}

// TrimKeptRequests deletes the kept requests received before `before` and those beyond the
// newest total, and returns how many it deleted.
func (s *Store) TrimKeptRequests(ctx context.Context, total int, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM fix_rejection WHERE request_sha IS NOT NULL AND (received_at < $2 OR id < (
			SELECT id FROM fix_rejection WHERE request_sha IS NOT NULL ORDER BY id DESC OFFSET $1 - 1 LIMIT 1))`,
		max(total, 1), before)
	if err != nil {
		return 0, classify(fmt.Errorf("trim kept requests: %w", err))
	}
	return tag.RowsAffected(), nil
}

// ClaimKeptRequests marks the kept requests of a device id received at or after since and not
// replayed yet as replayed at `at`, and returns them in the order they arrived. A request is
// claimed by one replay only; UnclaimKeptRequests gives them back when the replay fails.
func (s *Store) ClaimKeptRequests(ctx context.Context, ident string, since, at time.Time) ([]patrol.KeptRequest, error) {
	rows, err := s.pool.Query(ctx, `UPDATE fix_rejection SET replayed_at = $3
		WHERE request_sha IS NOT NULL AND device_ident = $1 AND received_at >= $2 AND replayed_at IS NULL
		RETURNING id, received_at, coalesce(unit_id, 0), device_ident, reason, addr, raw, request`, ident, since, at)
	if err != nil {
		return nil, classify(fmt.Errorf("claim kept requests of %q: %w", ident, err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (patrol.KeptRequest, error) {
		var k patrol.KeptRequest
		var request []byte
		if err := r.Scan(&k.ID, &k.ReceivedAt, &k.UnitID, &k.DeviceIdent, &k.Reason, &k.Addr, &k.Raw, &request); err != nil {
			return k, err
		}
		// Only the request's own fields are in the JSON; the columns above stay.
		if err := json.Unmarshal(request, &k); err != nil {
			return k, fmt.Errorf("kept request %d: %w", k.ID, err)
		}
		return k, nil
	})
	if err != nil {
		return nil, classify(fmt.Errorf("claim kept requests of %q: %w", ident, err))
	}
	slices.SortFunc(out, func(a, b patrol.KeptRequest) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// UnclaimKeptRequests undoes ClaimKeptRequests for these entries.
func (s *Store) UnclaimKeptRequests(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.pool.Exec(ctx, `UPDATE fix_rejection SET replayed_at = NULL WHERE id = ANY($1::bigint[])`, ids); err != nil {
		return classify(fmt.Errorf("unclaim kept requests: %w", err))
	}
	return nil
}
