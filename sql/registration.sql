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
    relative_path        text COLLATE "C" NOT NULL,
    size_bytes           bigint NOT NULL,
    checksum_algorithm   text NOT NULL,
    checksum             text NOT NULL,
    file_type            text,
    file_created_at      timestamptz,
    metadata             text NOT NULL DEFAULT '{}' -- json text: binary COPY has no jsonb encoder here
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
-- Lock the batch's modules, executed obs units and location against deletion until commit; return those that exist, and whether file $4 is already stored (a re-send).
WITH modules AS (
    SELECT id FROM instrument_module WHERE id = ANY($1::bigint[]) ORDER BY id FOR KEY SHARE
), units AS (
    SELECT id FROM executed_obs_unit WHERE id = ANY($2::uuid[]) ORDER BY id FOR KEY SHARE
), location AS (
    SELECT id FROM data_location WHERE id = $3 FOR KEY SHARE
)
SELECT (SELECT coalesce(array_agg(id), '{}') FROM modules) AS modules,
       (SELECT coalesce(array_agg(id), '{}') FROM units) AS units,
       EXISTS (SELECT FROM location) AS location,
       EXISTS (SELECT FROM raw_data_file WHERE id = $4) AS resent

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

-- registration_insert_missing --
-- Like registration_insert_new, for the staged files at positions $2 only (those a lookup found unregistered).
WITH inserted AS (
    INSERT INTO raw_data_file (id, instrument_module_id, executed_obs_unit_id, name, relative_path, size_bytes,
                               checksum_algorithm, checksum, file_type, file_created_at, metadata)
    SELECT s.id, s.instrument_module_id, s.executed_obs_unit_id, s.name, s.relative_path, s.size_bytes,
           s.checksum_algorithm, s.checksum, s.file_type, s.file_created_at, s.metadata::jsonb
    FROM opsdb_registration_stage s
    JOIN unnest($2::bigint[]) AS missing (position) ON missing.position = s.position
    ORDER BY s.id
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
-- The stored row is looked up in correlated subqueries so that each lookup is one index probe
-- whatever the planner's statistics say (a hash join would read the whole table).
WITH matched AS MATERIALIZED (
    SELECT s.position, s.id, s.instrument_module_id, s.relative_path, s.executed_obs_unit_id, s.size_bytes,
           s.checksum_algorithm, s.checksum,
           coalesce((SELECT f FROM raw_data_file f WHERE f.id = s.id),
                    (SELECT f FROM raw_data_file f
                     WHERE f.instrument_module_id = s.instrument_module_id AND f.relative_path = s.relative_path)
           ) AS stored
    FROM opsdb_registration_stage s
    WHERE NOT EXISTS (SELECT FROM opsdb_registration_new n WHERE n.id = s.id)
), compared AS (
    SELECT m.*,
           coalesce((m.stored).id = m.id
                    AND ((m.stored).instrument_module_id, (m.stored).relative_path, (m.stored).executed_obs_unit_id,
                         (m.stored).size_bytes, (m.stored).checksum_algorithm, (m.stored).checksum)
                      = (m.instrument_module_id, m.relative_path, m.executed_obs_unit_id,
                         m.size_bytes, m.checksum_algorithm, m.checksum), false) AS identical
    FROM matched m
), copies AS (
    INSERT INTO physical_copy (type, raw_data_file_id, data_location_id, status)
    SELECT 'raw_data_file', c.id, $1, 'present' FROM compared c
    WHERE c.identical
      -- a scalar subquery, not NOT EXISTS: stays one index probe per file (see above)
      AND (SELECT true FROM physical_copy p
           WHERE p.raw_data_file_id = c.id AND p.data_location_id = $1 AND p.type = 'raw_data_file') IS NULL
    ORDER BY c.id
    ON CONFLICT (raw_data_file_id, data_location_id) WHERE type = 'raw_data_file' DO NOTHING
)
SELECT position, (stored).id AS stored_id, (stored).instrument_module_id AS stored_instrument_module_id,
       (stored).relative_path AS stored_relative_path, (stored).executed_obs_unit_id AS stored_executed_obs_unit_id,
       (stored).size_bytes AS stored_size_bytes, (stored).checksum_algorithm AS stored_checksum_algorithm,
       (stored).checksum AS stored_checksum
FROM compared
WHERE NOT identical
ORDER BY position
