-- +goose Up
-- Administration (issue 9): when users last signed in, when devices were deactivated, and an
-- index to gather the rejection log by device id (the devices that keep knocking).

ALTER TABLE app_user ADD COLUMN last_login timestamptz;
ALTER TABLE device ADD COLUMN deactivated_at timestamptz;

CREATE INDEX fix_rejection_device_idx ON fix_rejection (device_ident, received_at);

-- A session starts only at a login: its insertion records the time on the user.
-- +goose StatementBegin
CREATE FUNCTION session_note_login() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE app_user SET last_login = NEW.created_at WHERE id = NEW.user_id;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER session_note_login AFTER INSERT ON session
    FOR EACH ROW EXECUTE FUNCTION session_note_login();

-- +goose Down
-- Forward-only: migrations are never rolled back.
SELECT 1;
