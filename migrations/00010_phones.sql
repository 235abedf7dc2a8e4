-- +goose Up
-- Phones with their stock settings (issue 17).
--
-- fix.flags gains two bits that the device reports rather than the track implies:
--   16 mock        the phone said the position came from a mock (fake) location provider;
--                  it counts for nothing in coverage and the report discloses it per device;
--   32 server_time the device sent no time, so the fix carries the time it was received.
-- (1 low_accuracy, 2 jump, 4 duplicate and 8 off_duty are unchanged; geo.FixFlag names them.)
COMMENT ON COLUMN fix.flags IS
    'quality flags (geo.FixFlag): 1 low_accuracy, 2 jump, 4 duplicate, 8 off_duty, 16 mock, 32 server_time';

-- The report counts mock fixes per device over a period: few rows, found without a scan.
CREATE INDEX fix_mock_idx ON fix (unit_id, ts) WHERE flags & 16 <> 0;

-- Kept refusals. A request refused because its device is not registered, or its key is missing
-- or wrong, is kept whole in the rejection log (request, as JSON: protocol, method, query without
-- the key, content type, body), so that an administrator can replay it once the device is
-- registered. Identical retries of one request (a phone resending the same position) are folded
-- into one entry (request_sha, repeats). Kept entries are bounded per device and in total, and
-- deleted after 14 days; a replayed entry is marked and never replayed again.
ALTER TABLE fix_rejection
    ADD COLUMN request     bytea,
    ADD COLUMN request_sha bytea,
    ADD COLUMN repeats     integer NOT NULL DEFAULT 1,
    ADD COLUMN replayed_at timestamptz,
    ADD CONSTRAINT fix_rejection_kept_check CHECK ((request IS NULL) = (request_sha IS NULL));

CREATE UNIQUE INDEX fix_rejection_kept_key ON fix_rejection (device_ident, request_sha)
    WHERE request_sha IS NOT NULL;
CREATE INDEX fix_rejection_kept_device_idx ON fix_rejection (device_ident, id)
    WHERE request_sha IS NOT NULL;
CREATE INDEX fix_rejection_kept_idx ON fix_rejection (id)
    WHERE request_sha IS NOT NULL;

-- +goose Down
-- Forward-only: migrations are never rolled back.
SELECT 1;
