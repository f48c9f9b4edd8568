-- Bulk raw-file registration (opsdb/registration.py). Per batch, in one transaction:
-- lock the referenced rows, COPY the batch into a per-session staging table, insert the new
-- files and their source copies in one statement, then classify whatever was not new.

-- registration_create_staging --
-- Per-session staging tables (emptied at every commit); created once per connection.
CREATE TEMP TABLE IF NOT EXISTS opsdb_registration_stage (
    position             bigint NOT NULL,
    id                   uuid NOT NULL,
    instrument_module_id bigint NOT NULL,
    executed_obs_unit_id uuid NOT NULL,
    name                 text NOT NULL,
    relative_path        text NOT NULL,
    size_bytes           bigint NOT NULL,
    checksum_algorithm   text NOT NULL,
    checksum             text NOT NULL,
    file_type            text,
    file_created_at      timestamptz,
    metadata             text NOT NULL -- json text: binary COPY has no jsonb encoder here
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS opsdb_registration_new (id uuid NOT NULL) ON COMMIT DELETE ROWS;

-- registration_has_staging --
-- Whether this session already has its staging tables.
SELECT to_regclass('pg_temp.opsdb_registration_stage') IS NOT NULL
   AND to_regclass('pg_temp.opsdb_registration_new') IS NOT NULL

-- registration_clear_staging --
-- Empty the staging tables (only needed inside a caller's enclosing transaction).
TRUNCATE opsdb_registration_stage, opsdb_registration_new

-- registration_lock_references --
-- Lock the batch's modules, executed obs units and location against deletion until commit; return those that exist.
WITH modules AS (
    SELECT id FROM instrument_module WHERE id = ANY($1::bigint[]) ORDER BY id FOR KEY SHARE
), units AS (
    SELECT id FROM executed_obs_unit WHERE id = ANY($2::uuid[]) ORDER BY id FOR KEY SHARE
), location AS (
    SELECT id FROM data_location WHERE id = $3 FOR KEY SHARE
)
SELECT (SELECT coalesce(array_agg(id), '{}') FROM modules) AS modules,
       (SELECT coalesce(array_agg(id), '{}') FROM units) AS units,
       EXISTS (SELECT FROM location) AS location

-- registration_insert_new --
-- Insert the staged files whose id and module+path are both free, each with a present copy at location $1; returns how many.
WITH inserted AS (
    INSERT INTO raw_data_file (id, instrument_module_id, executed_obs_unit_id, name, relative_path, size_bytes,
                               checksum_algorithm, checksum, file_type, file_created_at, metadata)
    SELECT id, instrument_module_id, executed_obs_unit_id, name, relative_path, size_bytes,
           checksum_algorithm, checksum, file_type, file_created_at, metadata::jsonb
    FROM opsdb_registration_stage
    ORDER BY id
    ON CONFLICT DO NOTHING
    RETURNING id
), copies AS (
    INSERT INTO physical_copy (type, raw_data_file_id, data_location_id, status)
    SELECT 'raw_data_file', id, $1, 'present' FROM inserted ORDER BY id
), noted AS (
    INSERT INTO opsdb_registration_new (id) SELECT id FROM inserted
)
SELECT count(*) FROM inserted

-- registration_classify_existing --
-- For staged files that were not new: give identical ones a present copy at location $1 if they lack one; return the stored row behind every other one (NULL columns: nothing stored any more).
WITH staged AS (
    SELECT s.*
    FROM opsdb_registration_stage s
    WHERE NOT EXISTS (SELECT FROM opsdb_registration_new n WHERE n.id = s.id)
), matched AS (
    SELECT s.position, s.id,
           coalesce(by_id.id, by_path.id) AS stored_id,
           coalesce(by_id.instrument_module_id, by_path.instrument_module_id) AS stored_instrument_module_id,
           coalesce(by_id.relative_path, by_path.relative_path) AS stored_relative_path,
           coalesce(by_id.executed_obs_unit_id, by_path.executed_obs_unit_id) AS stored_executed_obs_unit_id,
           coalesce(by_id.size_bytes, by_path.size_bytes) AS stored_size_bytes,
           coalesce(by_id.checksum_algorithm, by_path.checksum_algorithm) AS stored_checksum_algorithm,
           coalesce(by_id.checksum, by_path.checksum) AS stored_checksum,
           (by_id.id IS NOT NULL
            AND (by_id.instrument_module_id, by_id.relative_path, by_id.executed_obs_unit_id, by_id.size_bytes,
                 by_id.checksum_algorithm, by_id.checksum)
              = (s.instrument_module_id, s.relative_path, s.executed_obs_unit_id, s.size_bytes,
                 s.checksum_algorithm, s.checksum)) AS identical
    FROM staged s
    LEFT JOIN raw_data_file by_id ON by_id.id = s.id
    LEFT JOIN LATERAL (
        SELECT f.* FROM raw_data_file f
        WHERE by_id.id IS NULL AND f.instrument_module_id = s.instrument_module_id AND f.relative_path = s.relative_path
    ) by_path ON true
), copies AS (
    INSERT INTO physical_copy (type, raw_data_file_id, data_location_id, status)
    SELECT 'raw_data_file', id, $1, 'present' FROM matched WHERE identical ORDER BY id
    ON CONFLICT (raw_data_file_id, data_location_id) WHERE type = 'raw_data_file' DO NOTHING
)
SELECT position, stored_id, stored_instrument_module_id, stored_relative_path, stored_executed_obs_unit_id,
       stored_size_bytes, stored_checksum_algorithm, stored_checksum
FROM matched
WHERE NOT identical
ORDER BY position
