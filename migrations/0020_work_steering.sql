-- Steering long work (issue 16, docs/workflows.md "Priorities, caps and the lease keeper"):
--  * a priority on every work item, filled at creation from the route, location or program
--    (trigger opsdb_work_priority_default), changeable by an operator (opsdb.work.set_priority);
--    claims order by opsdb_work_order(next_attempt_at, priority): a priority point is worth
--    five minutes of waiting, so an item never waits more than (100 - its priority) * 5 min
--    behind work that became due after it (aging);
--  * caps on work in progress per (kind, location) and (kind, route), in items and bytes
--    (table work_cap), enforced inside the claim statement by opsdb_work_cap_room;
--  * an external job reference per work item (host/pid, transfer id, S3 upload id, tape
--    request), written only under the claim token and handed to whoever takes over.
-- New columns only: no new states, no change to the status columns.
-- depends: 0019_operations

-- The claim order: the due time moved earlier by five minutes per priority point. Declared
-- IMMUTABLE (so it can be indexed): subtracting a pure seconds interval does not depend on
-- the time zone.
CREATE OR REPLACE FUNCTION opsdb_work_order(due timestamptz, priority integer) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT due - make_interval(secs => priority * 300)
$$;

-- priority: NOT NULL, no default: rows inserted without one get it from the trigger below
ALTER TABLE raw_data_package ADD COLUMN IF NOT EXISTS priority integer NOT NULL DEFAULT 0;
ALTER TABLE raw_data_package ALTER COLUMN priority DROP DEFAULT;
ALTER TABLE data_transfer_package ADD COLUMN IF NOT EXISTS priority integer NOT NULL DEFAULT 0;
ALTER TABLE data_transfer_package ALTER COLUMN priority DROP DEFAULT;
ALTER TABLE data_transfer ADD COLUMN IF NOT EXISTS priority integer NOT NULL DEFAULT 0;
ALTER TABLE data_transfer ALTER COLUMN priority DROP DEFAULT;
ALTER TABLE data_transfer ADD COLUMN IF NOT EXISTS unpack_priority integer NOT NULL DEFAULT 0;
ALTER TABLE data_transfer ALTER COLUMN unpack_priority DROP DEFAULT;
ALTER TABLE long_term_archive_transfer ADD COLUMN IF NOT EXISTS priority integer NOT NULL DEFAULT 0;
ALTER TABLE long_term_archive_transfer ALTER COLUMN priority DROP DEFAULT;
ALTER TABLE staging_job ADD COLUMN IF NOT EXISTS priority integer NOT NULL DEFAULT 0;
ALTER TABLE staging_job ALTER COLUMN priority DROP DEFAULT;
-- copies keep a default (file registration inserts millions, with no trigger); a deletion gets
-- its location's priority when it is scheduled
ALTER TABLE physical_copy ADD COLUMN IF NOT EXISTS priority integer NOT NULL DEFAULT 0;

ALTER TABLE raw_data_package ADD COLUMN IF NOT EXISTS external_job jsonb;
ALTER TABLE data_transfer_package ADD COLUMN IF NOT EXISTS external_job jsonb;
ALTER TABLE data_transfer ADD COLUMN IF NOT EXISTS external_job jsonb;
ALTER TABLE data_transfer ADD COLUMN IF NOT EXISTS unpack_external_job jsonb;
ALTER TABLE long_term_archive_transfer ADD COLUMN IF NOT EXISTS external_job jsonb;
ALTER TABLE staging_job ADD COLUMN IF NOT EXISTS external_job jsonb;
ALTER TABLE physical_copy ADD COLUMN IF NOT EXISTS external_job jsonb;

DO $$
DECLARE
    col record;
BEGIN
    FOR col IN
        SELECT * FROM (VALUES ('raw_data_package', 'priority'), ('data_transfer_package', 'priority'),
                              ('data_transfer', 'priority'), ('data_transfer', 'unpack_priority'),
                              ('long_term_archive_transfer', 'priority'), ('staging_job', 'priority'),
                              ('physical_copy', 'priority')) AS v(tbl, name)
    LOOP
        IF NOT EXISTS (SELECT FROM pg_constraint WHERE conname = col.tbl || '_' || col.name || '_range') THEN
            EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (%I BETWEEN -100 AND 100)',
                           col.tbl, col.tbl || '_' || col.name || '_range', col.name);
        END IF;
    END LOOP;
    FOR col IN
        SELECT * FROM (VALUES ('raw_data_package', 'external_job'), ('data_transfer_package', 'external_job'),
                              ('data_transfer', 'external_job'), ('data_transfer', 'unpack_external_job'),
                              ('long_term_archive_transfer', 'external_job'), ('staging_job', 'external_job'),
                              ('physical_copy', 'external_job')) AS v(tbl, name)
    LOOP
        IF NOT EXISTS (SELECT FROM pg_constraint WHERE conname = col.tbl || '_' || col.name || '_object') THEN
            EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (jsonb_typeof(%I) = ''object'' AND octet_length(%I::text) <= 8192)',
                           col.tbl, col.tbl || '_' || col.name || '_object', col.name, col.name);
        END IF;
    END LOOP;
END
$$;

-- The creation rules (docs/workflows.md): a value given at insert wins; otherwise
--   package build        <- the obs unit's priority (the program's planning) of its execution
--   bundle build         <- its origin location's priority
--   transfer and unpack  <- the route's priority (no route: the origin location's)
--   archive transfer     <- its package's priority
--   staging job          <- its processing location's priority
-- clamped to -100..100.
CREATE OR REPLACE FUNCTION opsdb_work_priority_default() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'raw_data_package' THEN
        IF NEW.priority IS NULL THEN
            NEW.priority := (SELECT ou.priority FROM executed_obs_unit e JOIN obs_unit ou ON ou.id = e.obs_unit_id
                             WHERE e.id = NEW.executed_obs_unit_id);
        END IF;
    ELSIF TG_TABLE_NAME = 'data_transfer_package' THEN
        IF NEW.priority IS NULL THEN
            NEW.priority := (SELECT l.priority FROM data_location l WHERE l.id = NEW.origin_location_id);
        END IF;
    ELSIF TG_TABLE_NAME = 'data_transfer' THEN
        IF NEW.priority IS NULL THEN
            NEW.priority := COALESCE(
                (SELECT r.priority FROM data_transfer_route r WHERE r.id = NEW.data_transfer_route_id),
                (SELECT l.priority FROM data_location l WHERE l.id = NEW.origin_location_id));
            NEW.priority := LEAST(100, GREATEST(-100, COALESCE(NEW.priority, 0)));
        END IF;
        IF NEW.unpack_priority IS NULL THEN
            NEW.unpack_priority := NEW.priority;
        END IF;
    ELSIF TG_TABLE_NAME = 'long_term_archive_transfer' THEN
        IF NEW.priority IS NULL THEN
            NEW.priority := (SELECT p.priority FROM raw_data_package p WHERE p.id = NEW.raw_data_package_id);
        END IF;
    ELSIF TG_TABLE_NAME = 'staging_job' THEN
        IF NEW.priority IS NULL THEN
            NEW.priority := (SELECT l.priority FROM data_location l WHERE l.id = NEW.destination_location_id);
        END IF;
    END IF;
    NEW.priority := LEAST(100, GREATEST(-100, COALESCE(NEW.priority, 0)));
    RETURN NEW;
END;
$$;

CREATE OR REPLACE TRIGGER raw_data_package_work_priority BEFORE INSERT ON raw_data_package
    FOR EACH ROW WHEN (NEW.priority IS NULL) EXECUTE FUNCTION opsdb_work_priority_default();
CREATE OR REPLACE TRIGGER data_transfer_package_work_priority BEFORE INSERT ON data_transfer_package
    FOR EACH ROW WHEN (NEW.priority IS NULL) EXECUTE FUNCTION opsdb_work_priority_default();
CREATE OR REPLACE TRIGGER data_transfer_work_priority BEFORE INSERT ON data_transfer
    FOR EACH ROW WHEN (NEW.priority IS NULL OR NEW.unpack_priority IS NULL)
    EXECUTE FUNCTION opsdb_work_priority_default();
CREATE OR REPLACE TRIGGER long_term_archive_transfer_work_priority BEFORE INSERT ON long_term_archive_transfer
    FOR EACH ROW WHEN (NEW.priority IS NULL) EXECUTE FUNCTION opsdb_work_priority_default();
CREATE OR REPLACE TRIGGER staging_job_work_priority BEFORE INSERT ON staging_job
    FOR EACH ROW WHEN (NEW.priority IS NULL) EXECUTE FUNCTION opsdb_work_priority_default();

-- a deletion takes its location's priority when it is scheduled (not when a failed attempt
-- puts it back: an operator's change stays)
CREATE OR REPLACE FUNCTION opsdb_deletion_priority_default() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.priority := LEAST(100, GREATEST(-100, COALESCE(
        (SELECT l.priority FROM data_location l WHERE l.id = NEW.data_location_id), 0)));
    RETURN NEW;
END;
$$;
CREATE OR REPLACE TRIGGER physical_copy_deletion_priority BEFORE UPDATE OF status ON physical_copy
    FOR EACH ROW WHEN (NEW.status = 'deletion_scheduled'
                       AND OLD.status NOT IN ('deletion_scheduled', 'deletion_in_progress'))
    EXECUTE FUNCTION opsdb_deletion_priority_default();

-- The claim indexes, same names and predicates as before, now in claim order; the due time
-- as second column lets the scan skip items not yet due inside the index.
DROP INDEX IF EXISTS raw_data_package_work_idx;
CREATE INDEX raw_data_package_work_idx ON raw_data_package
    (opsdb_work_order(next_attempt_at, priority), next_attempt_at) WHERE status IN ('pending', 'in_progress');
DROP INDEX IF EXISTS data_transfer_package_work_idx;
CREATE INDEX data_transfer_package_work_idx ON data_transfer_package
    (opsdb_work_order(next_attempt_at, priority), next_attempt_at) WHERE status IN ('pending', 'in_progress');
DROP INDEX IF EXISTS data_transfer_work_idx;
CREATE INDEX data_transfer_work_idx ON data_transfer
    (opsdb_work_order(next_attempt_at, priority), next_attempt_at) WHERE status IN ('pending', 'in_progress');
DROP INDEX IF EXISTS data_transfer_unpack_work_idx;
CREATE INDEX data_transfer_unpack_work_idx ON data_transfer
    (opsdb_work_order(unpack_next_attempt_at, unpack_priority), unpack_next_attempt_at)
    WHERE status = 'completed' AND unpack_status IN ('pending', 'in_progress');
DROP INDEX IF EXISTS long_term_archive_transfer_work_idx;
CREATE INDEX long_term_archive_transfer_work_idx ON long_term_archive_transfer
    (opsdb_work_order(next_attempt_at, priority), next_attempt_at) WHERE status IN ('pending', 'in_progress');
DROP INDEX IF EXISTS staging_job_work_idx;
CREATE INDEX staging_job_work_idx ON staging_job
    (opsdb_work_order(next_attempt_at, priority), next_attempt_at) WHERE status IN ('pending', 'in_progress');
DROP INDEX IF EXISTS physical_copy_deletion_work_idx;
CREATE INDEX physical_copy_deletion_work_idx ON physical_copy
    (opsdb_work_order(next_attempt_at, priority), next_attempt_at)
    WHERE status IN ('deletion_scheduled', 'deletion_in_progress');

-- Caps on work in progress. One row caps one kind at one location (the kind's location
-- column, docs/workflows.md) or on one route (transfers and unpacks), in items and/or bytes.
CREATE TABLE IF NOT EXISTS work_cap (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind                   text NOT NULL CONSTRAINT work_cap_kind_check CHECK (kind IN (
                               'raw_data_package_build', 'data_transfer_package_build', 'data_transfer',
                               'data_transfer_unpack', 'long_term_archive_transfer', 'staging_job',
                               'physical_copy_deletion')),
    data_location_id       bigint REFERENCES data_location (id) ON DELETE CASCADE,
    data_transfer_route_id bigint REFERENCES data_transfer_route (id) ON DELETE CASCADE,
    max_items              integer CONSTRAINT work_cap_max_items_nonnegative CHECK (max_items >= 0),
    max_bytes              bigint CONSTRAINT work_cap_max_bytes_nonnegative CHECK (max_bytes >= 0),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT work_cap_one_target CHECK (num_nonnulls(data_location_id, data_transfer_route_id) = 1),
    CONSTRAINT work_cap_some_limit CHECK (max_items IS NOT NULL OR max_bytes IS NOT NULL),
    CONSTRAINT work_cap_route_kinds CHECK (data_transfer_route_id IS NULL
                                           OR kind IN ('data_transfer', 'data_transfer_unpack')),
    CONSTRAINT work_cap_bytes_kinds CHECK (max_bytes IS NULL
                                           OR kind IN ('data_transfer', 'data_transfer_unpack', 'long_term_archive_transfer')),
    CONSTRAINT work_cap_location_key UNIQUE (kind, data_location_id),
    CONSTRAINT work_cap_route_key UNIQUE (kind, data_transfer_route_id)
);
CREATE OR REPLACE TRIGGER work_cap_touch BEFORE UPDATE ON work_cap FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();

-- items in progress per location and route: what the caps count (small: in-progress rows only)
CREATE INDEX IF NOT EXISTS raw_data_package_running_idx ON raw_data_package (origin_location_id)
    WHERE status = 'in_progress';
CREATE INDEX IF NOT EXISTS data_transfer_package_running_idx ON data_transfer_package (origin_location_id)
    WHERE status = 'in_progress';
CREATE INDEX IF NOT EXISTS data_transfer_running_idx ON data_transfer (origin_location_id)
    WHERE status = 'in_progress';
CREATE INDEX IF NOT EXISTS data_transfer_running_route_idx ON data_transfer (data_transfer_route_id)
    WHERE status = 'in_progress';
CREATE INDEX IF NOT EXISTS data_transfer_unpacking_idx ON data_transfer (destination_location_id)
    WHERE unpack_status = 'in_progress';
CREATE INDEX IF NOT EXISTS data_transfer_unpacking_route_idx ON data_transfer (data_transfer_route_id)
    WHERE unpack_status = 'in_progress';
CREATE INDEX IF NOT EXISTS long_term_archive_transfer_running_idx ON long_term_archive_transfer (destination_location_id)
    WHERE status = 'in_progress';
CREATE INDEX IF NOT EXISTS staging_job_running_idx ON staging_job (destination_location_id)
    WHERE status = 'in_progress';

-- Room left under the caps of `work_kind`: per cap, items and bytes that may still start.
-- exact = false: every cap of the kind, on the caller's snapshot (the claim's cheap pre-filter).
-- exact = true: the caps on `locations` / `routes` only; first waits for every other claimer
-- of those caps to commit (transaction advisory locks, in cap id order: no deadlock), then
-- counts on a fresh snapshot (a VOLATILE function's statements each take one), so two
-- claimers can never both fill the last slot. Items in progress count whether or not their
-- lease still runs (their worker may still be working); taking one over adds nothing.
CREATE OR REPLACE FUNCTION opsdb_work_cap_room(work_kind text, locations bigint[], routes bigint[], exact boolean)
RETURNS TABLE (cap_id bigint, location_id bigint, route_id bigint, items bigint, bytes numeric)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    spec record;
    counted text;
    size_expr text;
BEGIN
    SELECT v.* INTO spec FROM (VALUES
        ('raw_data_package_build', 'raw_data_package', 'status', 'in_progress', 'origin_location_id', NULL, NULL),
        ('data_transfer_package_build', 'data_transfer_package', 'status', 'in_progress', 'origin_location_id', NULL, NULL),
        ('data_transfer', 'data_transfer', 'status', 'in_progress', 'origin_location_id', 'data_transfer_route_id', 'bundle'),
        ('data_transfer_unpack', 'data_transfer', 'unpack_status', 'in_progress', 'destination_location_id',
         'data_transfer_route_id', 'bundle'),
        ('long_term_archive_transfer', 'long_term_archive_transfer', 'status', 'in_progress', 'destination_location_id',
         NULL, 'package'),
        ('staging_job', 'staging_job', 'status', 'in_progress', 'destination_location_id', NULL, NULL),
        ('physical_copy_deletion', 'physical_copy', 'status', 'deletion_in_progress', 'data_location_id', NULL, NULL)
    ) AS v(kind, tbl, status_col, running, location_col, route_col, size_src)
    WHERE v.kind = work_kind;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown work kind %', work_kind USING ERRCODE = '22023';
    END IF;
    IF exact THEN
        IF current_setting('transaction_isolation') <> 'read committed' THEN
            RAISE EXCEPTION 'capped claims need READ COMMITTED (the cap is counted on a fresh snapshot), not %',
                current_setting('transaction_isolation') USING ERRCODE = '22023';
        END IF;
        -- 20200: this migration's advisory lock class; the object is the cap's id
        PERFORM pg_advisory_xact_lock(20200, c.id::integer)
        FROM (SELECT w.id FROM work_cap w
              WHERE w.kind = work_kind
                AND (w.data_location_id = ANY(locations) OR w.data_transfer_route_id = ANY(routes))
              ORDER BY w.id) c;
    END IF;
    size_expr := CASE spec.size_src
        WHEN 'bundle' THEN '(SELECT d.size_bytes FROM data_transfer_package d WHERE d.id = t.data_transfer_package_id)'
        WHEN 'package' THEN '(SELECT p.size_bytes FROM raw_data_package p WHERE p.id = t.raw_data_package_id)'
        ELSE '0' END;
    -- one branch per target column, each an equality the in-progress indexes answer
    counted := format($q$
        SELECT c.id, c.data_location_id, c.data_transfer_route_id, c.max_items, c.max_bytes, u.items, u.bytes
        FROM work_cap c
        CROSS JOIN LATERAL (
            SELECT count(*) AS items, COALESCE(sum(COALESCE(%4$s, 0)), 0)::numeric AS bytes
            FROM %1$I t WHERE t.%2$I = %3$L AND t.%5$I = c.data_location_id) u
        WHERE c.kind = $1 AND c.data_location_id IS NOT NULL AND (NOT $4 OR c.data_location_id = ANY($2))
        $q$, spec.tbl, spec.status_col, spec.running, size_expr, spec.location_col);
    IF spec.route_col IS NOT NULL THEN
        counted := counted || format($q$
        UNION ALL
        SELECT c.id, c.data_location_id, c.data_transfer_route_id, c.max_items, c.max_bytes, u.items, u.bytes
        FROM work_cap c
        CROSS JOIN LATERAL (
            SELECT count(*) AS items, COALESCE(sum(COALESCE(%4$s, 0)), 0)::numeric AS bytes
            FROM %1$I t WHERE t.%2$I = %3$L AND t.%5$I = c.data_transfer_route_id) u
        WHERE c.kind = $1 AND c.data_transfer_route_id IS NOT NULL AND (NOT $4 OR c.data_transfer_route_id = ANY($3))
        $q$, spec.tbl, spec.status_col, spec.running, size_expr, spec.route_col);
    END IF;
    RETURN QUERY EXECUTE format($q$
        SELECT k.id, k.data_location_id, k.data_transfer_route_id,
               COALESCE(k.max_items, 2147483647)::bigint - k.items,
               COALESCE(k.max_bytes, 9223372036854775807)::numeric - k.bytes
        FROM (%s) k ORDER BY k.id
        $q$, counted)
    USING work_kind, locations, routes, exact;
END;
$$;

-- the per-actor roles (0017): daemons write their new work columns (external job, priority of
-- their own items), the deletion daemon its copies' external job, operators priorities and caps
CALL opsdb_apply_actor_grants();
GRANT UPDATE (external_job) ON physical_copy TO opsdb_deletion_daemon;
GRANT UPDATE (priority) ON raw_data_package, data_transfer_package, long_term_archive_transfer, staging_job,
    physical_copy TO opsdb_operator;
GRANT UPDATE (priority, unpack_priority) ON data_transfer TO opsdb_operator;
GRANT SELECT, INSERT, UPDATE, DELETE ON work_cap TO opsdb_operator;
