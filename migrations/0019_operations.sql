-- Operator actions and history-independent reports (docs: README "Command line", opsdb/reports.py).
-- 1. operator_action: who retried, reset or cancelled which work item, from which state, and why.
-- 2. Copy counters maintained by the writes, Rucio-style: statement-level triggers on
--    physical_copy append delta rows (one per location/type/status group and per package whose
--    verified-copy count moved); `opsdb_fold_copy_deltas()` folds them into copy_space and
--    package_copy_count. Reports fold first, then read the counters: their cost follows the
--    deltas since the last fold and the size of the answer, never the size of history.
-- 3. Partial indexes for queue health: each work table's live queue and failed items per location.
-- depends: 0018_query_indexes

CREATE TABLE IF NOT EXISTS operator_action (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    action      text NOT NULL CHECK (action IN ('retry', 'reset', 'cancel')),
    kind        text NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),
    item_id     bigint NOT NULL,
    from_status text NOT NULL,
    to_status   text NOT NULL,
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000)
);
CREATE INDEX IF NOT EXISTS operator_action_item_idx ON operator_action (kind, item_id, at);

-- Bytes and copies per (location, copy type, status).
CREATE TABLE IF NOT EXISTS copy_space (
    data_location_id bigint NOT NULL,
    type             text NOT NULL,
    status           text NOT NULL,
    copies           bigint NOT NULL DEFAULT 0,
    bytes            bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (data_location_id, type, status)
);
CREATE UNLOGGED TABLE IF NOT EXISTS copy_space_delta (
    data_location_id bigint NOT NULL,
    type             text NOT NULL,
    status           text NOT NULL,
    copies           bigint NOT NULL,
    bytes            bigint NOT NULL
);
-- Verified copies per raw data package (present or staged, checksum verified).
CREATE TABLE IF NOT EXISTS package_copy_count (
    raw_data_package_id bigint PRIMARY KEY,
    verified            integer NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS package_copy_count_at_risk_idx ON package_copy_count (raw_data_package_id)
    WHERE verified <= 1;
CREATE UNLOGGED TABLE IF NOT EXISTS package_copy_delta (
    raw_data_package_id bigint NOT NULL,
    verified            integer NOT NULL
);
-- (UNLOGGED deltas: a crash loses unfolded deltas; `opsdb report rebuild` recounts from scratch.)

CREATE OR REPLACE FUNCTION opsdb_copy_size(p_type text, p_file uuid, p_package bigint, p_bundle bigint)
RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT coalesce(CASE p_type
        WHEN 'raw_data_file' THEN (SELECT size_bytes FROM raw_data_file WHERE id = p_file)
        WHEN 'raw_data_package' THEN (SELECT size_bytes FROM raw_data_package WHERE id = p_package)
        ELSE (SELECT size_bytes FROM data_transfer_package WHERE id = p_bundle) END, 0)
$$;

CREATE OR REPLACE FUNCTION opsdb_copy_deltas_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- one set-based join per statement (a registration batch), not a lookup per row
    INSERT INTO copy_space_delta (data_location_id, type, status, copies, bytes)
    SELECT n.data_location_id, n.type, n.status, count(*),
           coalesce(sum(coalesce(f.size_bytes, p.size_bytes, b.size_bytes)), 0)
    FROM new_copies n
    LEFT JOIN raw_data_file f ON n.type = 'raw_data_file' AND f.id = n.raw_data_file_id
    LEFT JOIN raw_data_package p ON n.type = 'raw_data_package' AND p.id = n.raw_data_package_id
    LEFT JOIN data_transfer_package b ON n.type = 'data_transfer_package' AND b.id = n.data_transfer_package_id
    GROUP BY 1, 2, 3;
    IF EXISTS (SELECT FROM new_copies WHERE type = 'raw_data_package') THEN
        INSERT INTO package_copy_delta (raw_data_package_id, verified)
        SELECT n.raw_data_package_id, count(*) FROM new_copies n
        WHERE n.type = 'raw_data_package' AND n.status IN ('present', 'staged') AND n.checksum_verified_at IS NOT NULL
        GROUP BY 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION opsdb_copy_deltas_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- only rows whose status or location moved (claims and lease renewals change neither)
    INSERT INTO copy_space_delta (data_location_id, type, status, copies, bytes)
    SELECT loc, t, s, sum(c), sum(b) FROM (
        SELECT o.data_location_id AS loc, o.type AS t, o.status AS s, -1 AS c,
               -opsdb_copy_size(o.type, o.raw_data_file_id, o.raw_data_package_id, o.data_transfer_package_id) AS b
        FROM old_copies o JOIN new_copies n ON n.id = o.id
        WHERE o.status IS DISTINCT FROM n.status OR o.data_location_id <> n.data_location_id
        UNION ALL
        SELECT n.data_location_id, n.type, n.status, 1,
               opsdb_copy_size(n.type, n.raw_data_file_id, n.raw_data_package_id, n.data_transfer_package_id)
        FROM old_copies o JOIN new_copies n ON n.id = o.id
        WHERE o.status IS DISTINCT FROM n.status OR o.data_location_id <> n.data_location_id
    ) moved GROUP BY 1, 2, 3 HAVING sum(c) <> 0 OR sum(b) <> 0;
    INSERT INTO package_copy_delta (raw_data_package_id, verified)
    SELECT pkg, sum(v) FROM (
        SELECT o.raw_data_package_id AS pkg,
               -(o.status IN ('present', 'staged') AND o.checksum_verified_at IS NOT NULL)::int AS v
        FROM old_copies o WHERE o.type = 'raw_data_package'
        UNION ALL
        SELECT n.raw_data_package_id, (n.status IN ('present', 'staged') AND n.checksum_verified_at IS NOT NULL)::int
        FROM new_copies n WHERE n.type = 'raw_data_package'
    ) moved GROUP BY 1 HAVING sum(v) <> 0;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION opsdb_package_delta_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- a new package has no verified copy yet: at risk until it has two
    INSERT INTO package_copy_delta (raw_data_package_id, verified) SELECT n.id, 0 FROM new_packages n;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS physical_copy_deltas_insert ON physical_copy;
CREATE TRIGGER physical_copy_deltas_insert AFTER INSERT ON physical_copy
    REFERENCING NEW TABLE AS new_copies FOR EACH STATEMENT EXECUTE FUNCTION opsdb_copy_deltas_insert();
DROP TRIGGER IF EXISTS physical_copy_deltas_update ON physical_copy;
CREATE TRIGGER physical_copy_deltas_update AFTER UPDATE ON physical_copy
    REFERENCING OLD TABLE AS old_copies NEW TABLE AS new_copies
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_copy_deltas_update();
DROP TRIGGER IF EXISTS raw_data_package_delta_insert ON raw_data_package;
CREATE TRIGGER raw_data_package_delta_insert AFTER INSERT ON raw_data_package
    REFERENCING NEW TABLE AS new_packages FOR EACH STATEMENT EXECUTE FUNCTION opsdb_package_delta_insert();

-- Fold every pending delta into the counters; one folder at a time. Returns the deltas folded.
CREATE OR REPLACE FUNCTION opsdb_fold_copy_deltas() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    space_rows bigint;
    package_rows bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('opsdb_fold_copy_deltas'));
    WITH d AS (DELETE FROM copy_space_delta RETURNING *),
         s AS (SELECT data_location_id, type, status, sum(copies) AS copies, sum(bytes) AS bytes, count(*) AS n
               FROM d GROUP BY 1, 2, 3),
         up AS (INSERT INTO copy_space AS c (data_location_id, type, status, copies, bytes)
                SELECT data_location_id, type, status, copies, bytes FROM s
                ON CONFLICT (data_location_id, type, status)
                DO UPDATE SET copies = c.copies + EXCLUDED.copies, bytes = c.bytes + EXCLUDED.bytes)
    SELECT coalesce(sum(n), 0) INTO space_rows FROM s;
    WITH d AS (DELETE FROM package_copy_delta RETURNING *),
         s AS (SELECT raw_data_package_id, sum(verified) AS verified, count(*) AS n FROM d GROUP BY 1),
         up AS (INSERT INTO package_copy_count AS c (raw_data_package_id, verified)
                SELECT s.raw_data_package_id, s.verified FROM s
                JOIN raw_data_package p ON p.id = s.raw_data_package_id
                ON CONFLICT (raw_data_package_id) DO UPDATE SET verified = c.verified + EXCLUDED.verified)
    SELECT coalesce(sum(n), 0) INTO package_rows FROM s;
    IF space_rows > 0 THEN
        DELETE FROM copy_space WHERE copies = 0 AND bytes = 0;  -- a few hundred rows at most
    END IF;
    RETURN space_rows + package_rows;
END
$$;

-- Recount every counter from the copies themselves (after a crash lost unfolded deltas).
CREATE OR REPLACE FUNCTION opsdb_rebuild_copy_counters() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('opsdb_fold_copy_deltas'));
    LOCK TABLE physical_copy IN SHARE MODE;
    DELETE FROM copy_space_delta;
    DELETE FROM package_copy_delta;
    DELETE FROM copy_space;
    INSERT INTO copy_space (data_location_id, type, status, copies, bytes)
    SELECT c.data_location_id, c.type, c.status, count(*),
           sum(opsdb_copy_size(c.type, c.raw_data_file_id, c.raw_data_package_id, c.data_transfer_package_id))
    FROM physical_copy c GROUP BY 1, 2, 3;
    DELETE FROM package_copy_count;
    INSERT INTO package_copy_count (raw_data_package_id, verified)
    SELECT p.id, count(c.id) FILTER (WHERE c.status IN ('present', 'staged') AND c.checksum_verified_at IS NOT NULL)
    FROM raw_data_package p
    LEFT JOIN physical_copy c ON c.raw_data_package_id = p.id AND c.type = 'raw_data_package'
    GROUP BY p.id;
END
$$;

-- Folding and rebuilding delete deltas: they run as the owner, so readers (reports) may call them.
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION opsdb_fold_copy_deltas() SECURITY DEFINER SET search_path = %I, pg_temp',
                   current_schema());
    EXECUTE format('ALTER FUNCTION opsdb_rebuild_copy_counters() SECURITY DEFINER SET search_path = %I, pg_temp',
                   current_schema());
    -- the delta triggers too: every actor role (migration 0017) writes copies, none may write
    -- the counters or their deltas directly
    EXECUTE format('ALTER FUNCTION opsdb_copy_deltas_insert() SECURITY DEFINER SET search_path = %I, pg_temp',
                   current_schema());
    EXECUTE format('ALTER FUNCTION opsdb_copy_deltas_update() SECURITY DEFINER SET search_path = %I, pg_temp',
                   current_schema());
    EXECUTE format('ALTER FUNCTION opsdb_package_delta_insert() SECURITY DEFINER SET search_path = %I, pg_temp',
                   current_schema());
END
$$;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON copy_space, copy_space_delta, package_copy_count, package_copy_delta
    FROM PUBLIC, opsdb_writer;

DO $$ BEGIN PERFORM opsdb_rebuild_copy_counters(); END $$;

-- Queue health: each work table's live queue and its failed items, per location.
CREATE INDEX IF NOT EXISTS raw_data_package_queue_idx ON raw_data_package (origin_location_id, created_at)
    WHERE status IN ('pending', 'scheduled', 'in_progress');
CREATE INDEX IF NOT EXISTS raw_data_package_failed_idx ON raw_data_package (origin_location_id) WHERE status = 'failed';
CREATE INDEX IF NOT EXISTS data_transfer_package_queue_idx ON data_transfer_package (origin_location_id, created_at)
    WHERE status IN ('pending', 'scheduled', 'in_progress');
CREATE INDEX IF NOT EXISTS data_transfer_package_failed_idx ON data_transfer_package (origin_location_id)
    WHERE status = 'failed';
CREATE INDEX IF NOT EXISTS data_transfer_queue_idx ON data_transfer (origin_location_id, created_at)
    WHERE status IN ('pending', 'scheduled', 'in_progress');
CREATE INDEX IF NOT EXISTS data_transfer_failed_idx ON data_transfer (origin_location_id) WHERE status = 'failed';
CREATE INDEX IF NOT EXISTS data_transfer_unpack_queue_idx ON data_transfer (destination_location_id, completed_at)
    WHERE status = 'completed' AND unpack_status IN ('pending', 'scheduled', 'in_progress');
CREATE INDEX IF NOT EXISTS data_transfer_unpack_failed_idx ON data_transfer (destination_location_id)
    WHERE unpack_status = 'failed';
CREATE INDEX IF NOT EXISTS long_term_archive_transfer_queue_idx
    ON long_term_archive_transfer (destination_location_id, created_at)
    WHERE status IN ('pending', 'scheduled', 'in_progress');
CREATE INDEX IF NOT EXISTS long_term_archive_transfer_failed_idx ON long_term_archive_transfer (destination_location_id)
    WHERE status = 'failed';
CREATE INDEX IF NOT EXISTS staging_job_queue_idx ON staging_job (destination_location_id, created_at)
    WHERE status IN ('pending', 'scheduled', 'in_progress');
CREATE INDEX IF NOT EXISTS staging_job_failed_idx ON staging_job (destination_location_id) WHERE status = 'failed';
CREATE INDEX IF NOT EXISTS physical_copy_deletion_queue_idx ON physical_copy (data_location_id, updated_at)
    WHERE status IN ('deletion_scheduled', 'deletion_in_progress');
CREATE INDEX IF NOT EXISTS physical_copy_deletion_failed_idx ON physical_copy (data_location_id)
    WHERE status = 'deletion_failed';

-- operators (migration 0017's opsdb_operator) record their actions
GRANT SELECT, INSERT ON operator_action TO opsdb_operator;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO opsdb_operator;
