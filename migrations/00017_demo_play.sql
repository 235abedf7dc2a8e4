-- +goose Up
-- The demo keeps playing (serve --demo-live): played_until is the moment through which a loaded
-- ward's fixes and incidents are stored, set by the load (the moment it was loaded) and moved
-- forward by the player as it writes what came after. NULL: the ward is not played.
ALTER TABLE demo_seed ADD COLUMN played_until timestamptz;
