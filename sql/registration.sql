-- Bulk raw-file registration (opsdb/registration/writer.py). Per batch, in one transaction:
-- lock the referenced rows, then either COPY the batch straight into the file tables or
-- COPY it into a staging table (the same binary payload: the staging table has the file
-- columns), insert the new files and their source copies in one statement, and classify
-- whatever was not new.

-- registration_create_staging --
-- Per-transaction staging tables, dropped at commit (nothing outlives the transaction, so a
-- transaction pooler may hand the session to anyone next): created when a pooled batch first
-- stages. Costs ~15-40 ms of catalog work per staged batch, so direct connections use the
-- session variant below.
CREATE TEMP TABLE IF NOT EXISTS opsdb_registration_stage (
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
    metadata             jsonb NOT NULL DEFAULT '{}'
) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS opsdb_registration_new (id uuid NOT NULL) ON COMMIT DROP;

-- registration_create_session_staging --
-- Per-session staging tables (emptied at every commit), created once per connection: the
-- direct-connection variant (no catalog churn per batch).
CREATE TEMP TABLE IF NOT EXISTS opsdb_registration_stage (
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
    metadata             jsonb NOT NULL DEFAULT '{}'
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS opsdb_registration_new (id uuid NOT NULL) ON COMMIT DELETE ROWS;

-- registration_has_staging --
-- Whether this session already has its (session) staging tables.
SELECT to_regclass('pg_temp.opsdb_registration_stage') IS NOT NULL
   AND to_regclass('pg_temp.opsdb_registration_new') IS NOT NULL

-- registration_clear_staging --
-- Empty the staging tables (only needed inside a caller's enclosing transaction).
TRUNCATE opsdb_registration_stage, opsdb_registration_new

-- registration_lock_references --
-- Lock the batch's modules, executed obs units and location against deletion until commit; return those that exist, whether file $4 is already stored (a re-send), and the transaction id (to learn after a lost connection whether the batch committed).
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
       EXISTS (SELECT FROM raw_data_file WHERE id = $4) AS resent,
       pg_current_xact_id()::text AS xid

-- registration_insert_new --
-- Insert the staged files (only those with ids in $2, unless NULL) whose id and module+path are both free, each with a present copy at location $1; returns how many.
WITH inserted AS (
    INSERT INTO raw_data_file (id, instrument_module_id, executed_obs_unit_id, name, relative_path, size_bytes,
                               checksum_algorithm, checksum, file_type, file_created_at, metadata)
    SELECT id, instrument_module_id, executed_obs_unit_id, name, relative_path, size_bytes,
           checksum_algorithm, checksum, file_type, file_created_at, metadata
    FROM opsdb_registration_stage
    WHERE $2::uuid[] IS NULL OR id = ANY ($2::uuid[])
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

-- registration_keep_staged --
-- Keep only the staged files with ids in $1 (a re-send's missing files, after a concurrent registrant stored some of them).
DELETE FROM opsdb_registration_stage WHERE id <> ALL ($1::uuid[])

-- registration_classify_existing --
-- For staged files that were not new: give identical ones a present copy at location $1 if they lack one; return the staged id and the stored row behind every other one (NULL columns: nothing stored).
-- Stored files are found by id in one index scan over the staged keys (an array: no plan can
-- turn it into a scan of the whole table), else by module + path in a correlated subquery
-- (one index probe each, whatever the statistics say; a join was planned as a hash join over
-- the whole file table). Whether any identical file lacks its copy is counted the same way
-- before any is probed.
WITH staged AS MATERIALIZED (
    SELECT s.id, s.instrument_module_id, s.relative_path, s.executed_obs_unit_id, s.size_bytes,
           s.checksum_algorithm, s.checksum
    FROM opsdb_registration_stage s
    WHERE NOT EXISTS (SELECT FROM opsdb_registration_new n WHERE n.id = s.id)
), by_id AS MATERIALIZED (
    SELECT f.id, f.instrument_module_id, f.relative_path, f.executed_obs_unit_id, f.size_bytes,
           f.checksum_algorithm, f.checksum
    FROM raw_data_file f
    WHERE f.id = ANY (ARRAY(SELECT id FROM staged))
), matched AS MATERIALIZED (
    SELECT s.*, f.id AS found_id, f.instrument_module_id AS found_module, f.relative_path AS found_path,
           f.executed_obs_unit_id AS found_unit, f.size_bytes AS found_size, f.checksum_algorithm AS found_algorithm,
           f.checksum AS found_checksum,
           -- not stored under its id: look for its module and path (a scalar subquery: an index probe)
           CASE WHEN f.id IS NULL THEN
               (SELECT g FROM raw_data_file g
                WHERE g.instrument_module_id = s.instrument_module_id AND g.relative_path = s.relative_path)
           END AS by_path
    FROM staged s LEFT JOIN by_id f ON f.id = s.id
), resolved AS (
    SELECT m.id, m.instrument_module_id, m.relative_path, m.executed_obs_unit_id, m.size_bytes,
           m.checksum_algorithm, m.checksum,
           coalesce(m.found_id, (m.by_path).id) AS stored_id,
           coalesce(m.found_module, (m.by_path).instrument_module_id) AS stored_instrument_module_id,
           coalesce(m.found_path, (m.by_path).relative_path) AS stored_relative_path,
           coalesce(m.found_unit, (m.by_path).executed_obs_unit_id) AS stored_executed_obs_unit_id,
           coalesce(m.found_size, (m.by_path).size_bytes) AS stored_size_bytes,
           coalesce(m.found_algorithm, (m.by_path).checksum_algorithm) AS stored_checksum_algorithm,
           coalesce(m.found_checksum, (m.by_path).checksum) AS stored_checksum
    FROM matched m
), compared AS MATERIALIZED (
    SELECT m.*,
           coalesce(m.stored_id = m.id
                    AND (m.stored_instrument_module_id, m.stored_relative_path, m.stored_executed_obs_unit_id,
                         m.stored_size_bytes, m.stored_checksum_algorithm, m.stored_checksum)
                      = (m.instrument_module_id, m.relative_path, m.executed_obs_unit_id,
                         m.size_bytes, m.checksum_algorithm, m.checksum), false) AS identical
    FROM resolved m
), copies AS (
    INSERT INTO physical_copy (type, raw_data_file_id, data_location_id, status)
    SELECT 'raw_data_file', c.id, $1, 'present' FROM compared c
    WHERE c.identical
      AND (SELECT count(*) FROM physical_copy p
           WHERE p.raw_data_file_id = ANY (ARRAY(SELECT id FROM compared WHERE identical)) AND p.data_location_id = $1)
          < (SELECT count(*) FROM compared WHERE identical)
      AND (SELECT true FROM physical_copy p WHERE p.raw_data_file_id = c.id AND p.data_location_id = $1) IS NULL
    ORDER BY c.id
    ON CONFLICT (raw_data_file_id, data_location_id) WHERE type = 'raw_data_file' DO NOTHING
)
SELECT id, stored_id, stored_instrument_module_id, stored_relative_path, stored_executed_obs_unit_id,
       stored_size_bytes, stored_checksum_algorithm, stored_checksum
FROM compared
WHERE NOT identical
ORDER BY id
