-- State counts maintained by the writes (issue 13): `opsdb status` reads counters whose size is
-- the number of (table, column, state) triples, not a GROUP BY over every row ever written
-- (docs/schema.md "State counters", opsdb/status.py).
-- 1. state_count (table_name, column_name, value) -> n, and state_count_delta: the state
--    trigger functions of 0015 append one delta row per (column, state) a statement moved, as
--    one more step (a data-modifying CTE) of the statement they already run: no extra trigger
--    fires on INSERT or UPDATE, and concurrent writers only append rows, never update a hot
--    counter row. New AFTER DELETE statement triggers count deletes (the owner's: repairs,
--    fixtures); AFTER TRUNCATE triggers reset the table's counters.
--    `opsdb_fold_state_deltas()` folds the deltas into state_count (one folder at a time, like
--    0019's opsdb_fold_copy_deltas); readers add the unfolded deltas of their snapshot, so a
--    count is exact in the reader's snapshot whether or not a fold ran.
--    The delta table is a regular (logged) table, unlike copy_space_delta: a crash then loses
--    no delta (no silent drift until someone runs a rebuild, which locks the work tables
--    against writes for a full scan), and standbys can read it. It costs one index-less heap
--    row per state and statement, next to the logged state_history row (with two indexes) the
--    same statement writes per changed item.
-- 2. Every state trigger function (physical_copy's too) returns at once when its transition
--    table is empty: PostgreSQL fires AFTER statement triggers for statements that touched no
--    row (UPDATE ... WHERE nothing matched, INSERT ... ON CONFLICT DO NOTHING/UPDATE that
--    inserted or updated nothing), and the work protocol sends such statements all the time.
-- 3. `opsdb_rebuild_state_counters()` recounts from the tables (repair; run once below).
-- Every function body below keeps 0015's guards, history rows and error codes unchanged.
-- depends: 0022_trigger_costs

CREATE TABLE IF NOT EXISTS state_count (
    table_name  text NOT NULL,
    column_name text NOT NULL,
    value       text NOT NULL,
    n           bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (table_name, column_name, value)
);
COMMENT ON TABLE state_count IS
    'Rows per (table, state column, state) of the guarded work tables; add state_count_delta for the exact count';
CREATE TABLE IF NOT EXISTS state_count_delta (
    table_name  text NOT NULL,
    column_name text NOT NULL,
    value       text NOT NULL,
    n           bigint NOT NULL
);
COMMENT ON TABLE state_count_delta IS
    'Changes of state_count appended by the state trigger functions, not yet folded (opsdb_fold_state_deltas)';

-- Fold every committed delta into the counters; one folder at a time. Returns the deltas folded.
CREATE OR REPLACE FUNCTION opsdb_fold_state_deltas() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    folded bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('opsdb_fold_state_deltas'));
    WITH d AS (DELETE FROM state_count_delta RETURNING *),
         s AS (SELECT table_name, column_name, value, sum(n) AS n, count(*) AS k FROM d GROUP BY 1, 2, 3),
         up AS (INSERT INTO state_count AS c (table_name, column_name, value, n)
                SELECT table_name, column_name, value, n FROM s
                ON CONFLICT (table_name, column_name, value) DO UPDATE SET n = c.n + EXCLUDED.n)
    SELECT coalesce(sum(k), 0) INTO folded FROM s;
    RETURN folded;
END
$$;

-- Recount every state counter from the tables themselves (a full scan: for repairs only). The
-- SHARE locks wait for running writers and hold new ones off until the recount commits.
CREATE OR REPLACE FUNCTION opsdb_rebuild_state_counters() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('opsdb_fold_state_deltas'));
    LOCK TABLE executed_obs_unit IN SHARE MODE;
    LOCK TABLE raw_data_package IN SHARE MODE;
    LOCK TABLE data_transfer_package IN SHARE MODE;
    LOCK TABLE data_transfer IN SHARE MODE;
    LOCK TABLE long_term_archive_transfer IN SHARE MODE;
    LOCK TABLE staging_job IN SHARE MODE;
    DELETE FROM state_count_delta;
    DELETE FROM state_count;
    INSERT INTO state_count (table_name, column_name, value, n)
    SELECT 'executed_obs_unit', 'status', status, count(*) FROM executed_obs_unit GROUP BY status
    UNION ALL SELECT 'raw_data_package', 'status', status, count(*) FROM raw_data_package GROUP BY status
    UNION ALL SELECT 'raw_data_package', 'state', state, count(*) FROM raw_data_package GROUP BY state
    UNION ALL SELECT 'data_transfer_package', 'status', status, count(*) FROM data_transfer_package GROUP BY status
    UNION ALL SELECT 'data_transfer', 'status', status, count(*) FROM data_transfer GROUP BY status
    UNION ALL SELECT 'data_transfer', 'unpack_status', unpack_status, count(*) FROM data_transfer GROUP BY unpack_status
    UNION ALL SELECT 'long_term_archive_transfer', 'status', status, count(*) FROM long_term_archive_transfer GROUP BY status
    UNION ALL SELECT 'staging_job', 'status', status, count(*) FROM staging_job GROUP BY status;
END
$$;

-- TRUNCATE (the owner's, of test fixtures and restores) empties the table: its counts go too.
CREATE OR REPLACE FUNCTION opsdb_state_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('opsdb_fold_state_deltas'));
    DELETE FROM state_count_delta WHERE table_name = TG_TABLE_NAME;
    DELETE FROM state_count WHERE table_name = TG_TABLE_NAME;
    RETURN NULL;
END
$$;

-- physical_copy
CREATE OR REPLACE FUNCTION physical_copy_state_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    acting text;
    -- the owner may load rows in any state (restores, fixtures); everyone else starts new
    -- rows in an initial state
    owner boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- INSERT ... ON CONFLICT DO NOTHING that inserted nothing
    END IF;
    acting := opsdb_acting_role();
    owner := pg_has_role(acting, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER');
    -- one statement: record every new row, and find the first one in a state no new row
    -- may start in (raising then undoes the history rows with the statement)
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'physical_copy_status' AS machine, NULL::text AS from_state,
               n.status AS to_state, n.claimed_by AS claimed_by, md5(n.claim_token::text)::uuid AS claim_ref
        FROM new_rows n
    ), recorded AS (
        INSERT INTO state_history (table_name, item_id, column_name, from_state, to_state, db_role, session_role,
                                   application_name, claimed_by, claim_ref)
        SELECT 'physical_copy', c.item_id, c.column_name, NULL, c.to_state, acting, session_user,
               current_setting('application_name'), c.claimed_by, c.claim_ref
        FROM c
    )
    SELECT c.item_id, c.column_name, c.to_state, count(*) OVER () AS n INTO bad
    FROM c
    WHERE NOT owner
      AND NOT EXISTS (SELECT FROM state_transition t
                      WHERE t.machine = c.machine AND t.from_state IS NULL AND t.to_state = c.to_state)
    ORDER BY c.item_id LIMIT 1;
    IF FOUND THEN
        PERFORM opsdb_refuse_transition('physical_copy', bad.item_id, bad.column_name, NULL, bad.to_state, bad.n);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION physical_copy_state_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    repair boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- an UPDATE (or ON CONFLICT DO UPDATE) that changed no row
    END IF;
    repair := opsdb_repairing(TG_RELID);
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'physical_copy_status' AS machine, o.status AS from_state,
               n.status AS to_state, coalesce(n.claimed_by, o.claimed_by) AS claimed_by, md5(coalesce(n.claim_token, o.claim_token)::text)::uuid AS claim_ref
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.status IS DISTINCT FROM o.status OR (n.claim_token IS DISTINCT FROM o.claim_token AND n.claim_token IS NOT NULL)
    ), recorded AS (
        INSERT INTO state_history (table_name, item_id, column_name, from_state, to_state, db_role, session_role,
                                   application_name, claimed_by, claim_ref, repair)
        SELECT 'physical_copy', c.item_id, c.column_name, c.from_state, c.to_state, opsdb_acting_role(), session_user,
               current_setting('application_name'), c.claimed_by, c.claim_ref, repair
        FROM c
    )
    SELECT c.item_id, c.column_name, c.from_state, c.to_state, count(*) OVER () AS n INTO bad
    FROM c
    WHERE NOT repair
      AND NOT EXISTS (SELECT FROM state_transition t
                      WHERE t.machine = c.machine AND t.from_state = c.from_state AND t.to_state = c.to_state)
    ORDER BY c.item_id LIMIT 1;
    IF FOUND THEN
        PERFORM opsdb_refuse_transition('physical_copy', bad.item_id, bad.column_name, bad.from_state, bad.to_state, bad.n);
    END IF;
    RETURN NULL;
END;
$$;

-- executed_obs_unit
CREATE OR REPLACE FUNCTION executed_obs_unit_state_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    acting text;
    -- the owner may load rows in any state (restores, fixtures); everyone else starts new
    -- rows in an initial state
    owner boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- INSERT ... ON CONFLICT DO NOTHING that inserted nothing
    END IF;
    acting := opsdb_acting_role();
    owner := pg_has_role(acting, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER');
    -- one statement: record every new row, and find the first one in a state no new row
    -- may start in (raising then undoes the history rows with the statement)
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'execution_status' AS machine, NULL::text AS from_state,
               n.status AS to_state, NULL::text AS claimed_by, NULL::uuid AS claim_ref
        FROM new_rows n
    ), recorded AS (
        INSERT INTO state_history (table_name, item_id, column_name, from_state, to_state, db_role, session_role,
                                   application_name, claimed_by, claim_ref)
        SELECT 'executed_obs_unit', c.item_id, c.column_name, NULL, c.to_state, acting, session_user,
               current_setting('application_name'), c.claimed_by, c.claim_ref
        FROM c
    ), counted AS (
        -- the state counters (0023): one delta row per column and state of this statement
        INSERT INTO state_count_delta (table_name, column_name, value, n)
        SELECT 'executed_obs_unit', c.column_name, c.to_state, count(*) FROM c GROUP BY 1, 2, 3
    )
    SELECT c.item_id, c.column_name, c.to_state, count(*) OVER () AS n INTO bad
    FROM c
    WHERE NOT owner
      AND NOT EXISTS (SELECT FROM state_transition t
                      WHERE t.machine = c.machine AND t.from_state IS NULL AND t.to_state = c.to_state)
    ORDER BY c.item_id LIMIT 1;
    IF FOUND THEN
        PERFORM opsdb_refuse_transition('executed_obs_unit', bad.item_id, bad.column_name, NULL, bad.to_state, bad.n);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION executed_obs_unit_state_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    repair boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- an UPDATE (or ON CONFLICT DO UPDATE) that changed no row
    END IF;
    repair := opsdb_repairing(TG_RELID);
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'execution_status' AS machine, o.status AS from_state,
               n.status AS to_state, NULL::text AS claimed_by, NULL::uuid AS claim_ref
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.status IS DISTINCT FROM o.status
    ), recorded AS (
        INSERT INTO state_history (table_name, item_id, column_name, from_state, to_state, db_role, session_role,
                                   application_name, claimed_by, claim_ref, repair)
        SELECT 'executed_obs_unit', c.item_id, c.column_name, c.from_state, c.to_state, opsdb_acting_role(), session_user,
               current_setting('application_name'), c.claimed_by, c.claim_ref, repair
        FROM c
    ), counted AS (
        -- the state counters (0023): -1 for the state left, +1 for the state entered
        INSERT INTO state_count_delta (table_name, column_name, value, n)
        SELECT 'executed_obs_unit', c.column_name, m.value, sum(m.n)
        FROM c CROSS JOIN LATERAL (VALUES (c.from_state, -1), (c.to_state, 1)) AS m (value, n)
        WHERE c.from_state IS DISTINCT FROM c.to_state
        GROUP BY 1, 2, 3 HAVING sum(m.n) <> 0
    )
    SELECT c.item_id, c.column_name, c.from_state, c.to_state, count(*) OVER () AS n INTO bad
    FROM c
    WHERE NOT repair
      AND NOT EXISTS (SELECT FROM state_transition t
                      WHERE t.machine = c.machine AND t.from_state = c.from_state AND t.to_state = c.to_state)
    ORDER BY c.item_id LIMIT 1;
    IF FOUND THEN
        PERFORM opsdb_refuse_transition('executed_obs_unit', bad.item_id, bad.column_name, bad.from_state, bad.to_state, bad.n);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION executed_obs_unit_state_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- the state counters (0023): deleted rows leave their states (deletes are the owner's:
    -- repairs, fixtures, reference-integrity tests; the library never deletes these rows)
    INSERT INTO state_count_delta (table_name, column_name, value, n)
    SELECT 'executed_obs_unit', m.column_name, m.value, -count(*)
    FROM old_rows o CROSS JOIN LATERAL (VALUES ('status', o.status)) AS m (column_name, value)
    GROUP BY 1, 2, 3;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER executed_obs_unit_state_deleted AFTER DELETE ON executed_obs_unit
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION executed_obs_unit_state_deleted();
CREATE OR REPLACE TRIGGER executed_obs_unit_state_truncated AFTER TRUNCATE ON executed_obs_unit
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_state_count_truncated();

-- raw_data_package
CREATE OR REPLACE FUNCTION raw_data_package_state_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    acting text;
    -- the owner may load rows in any state (restores, fixtures); everyone else starts new
    -- rows in an initial state
    owner boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- INSERT ... ON CONFLICT DO NOTHING that inserted nothing
    END IF;
    acting := opsdb_acting_role();
    owner := pg_has_role(acting, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER');
    -- one statement: record every new row, and find the first one in a state no new row
    -- may start in (raising then undoes the history rows with the statement)
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'package_build' AS machine, NULL::text AS from_state,
               n.status AS to_state, n.claimed_by AS claimed_by, md5(n.claim_token::text)::uuid AS claim_ref
        FROM new_rows n
        UNION ALL
        SELECT n.id::text AS item_id, 'state' AS column_name, 'package_state' AS machine, NULL::text AS from_state,
               n.state AS to_state, NULL::text AS claimed_by, NULL::uuid AS claim_ref
        FROM new_rows n
    ), recorded AS (
        INSERT INTO state_history (table_name, item_id, column_name, from_state, to_state, db_role, session_role,
                                   application_name, claimed_by, claim_ref)
        SELECT 'raw_data_package', c.item_id, c.column_name, NULL, c.to_state, acting, session_user,
               current_setting('application_name'), c.claimed_by, c.claim_ref
        FROM c
    ), counted AS (
        -- the state counters (0023): one delta row per column and state of this statement
        INSERT INTO state_count_delta (table_name, column_name, value, n)
        SELECT 'raw_data_package', c.column_name, c.to_state, count(*) FROM c GROUP BY 1, 2, 3
    )
    SELECT c.item_id, c.column_name, c.to_state, count(*) OVER () AS n INTO bad
    FROM c
    WHERE NOT owner
      AND NOT EXISTS (SELECT FROM state_transition t
                      WHERE t.machine = c.machine AND t.from_state IS NULL AND t.to_state = c.to_state)
    ORDER BY c.item_id LIMIT 1;
    IF FOUND THEN
        PERFORM opsdb_refuse_transition('raw_data_package', bad.item_id, bad.column_name, NULL, bad.to_state, bad.n);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION raw_data_package_state_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    repair boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- an UPDATE (or ON CONFLICT DO UPDATE) that changed no row
    END IF;
    repair := opsdb_repairing(TG_RELID);
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'package_build' AS machine, o.status AS from_state,
               n.status AS to_state, coalesce(n.claimed_by, o.claimed_by) AS claimed_by, md5(coalesce(n.claim_token, o.claim_token)::text)::uuid AS claim_ref
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.status IS DISTINCT FROM o.status OR (n.claim_token IS DISTINCT FROM o.claim_token AND n.claim_token IS NOT NULL)
        UNION ALL
        SELECT n.id::text AS item_id, 'state' AS column_name, 'package_state' AS machine, o.state AS from_state,
               n.state AS to_state, NULL::text AS claimed_by, NULL::uuid AS claim_ref
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.state IS DISTINCT FROM o.state
    ), recorded AS (
        INSERT INTO state_history (table_name, item_id, column_name, from_state, to_state, db_role, session_role,
                                   application_name, claimed_by, claim_ref, repair)
        SELECT 'raw_data_package', c.item_id, c.column_name, c.from_state, c.to_state, opsdb_acting_role(), session_user,
               current_setting('application_name'), c.claimed_by, c.claim_ref, repair
        FROM c
    ), counted AS (
        -- the state counters (0023): -1 for the state left, +1 for the state entered
        INSERT INTO state_count_delta (table_name, column_name, value, n)
        SELECT 'raw_data_package', c.column_name, m.value, sum(m.n)
        FROM c CROSS JOIN LATERAL (VALUES (c.from_state, -1), (c.to_state, 1)) AS m (value, n)
        WHERE c.from_state IS DISTINCT FROM c.to_state
        GROUP BY 1, 2, 3 HAVING sum(m.n) <> 0
    )
    SELECT c.item_id, c.column_name, c.from_state, c.to_state, count(*) OVER () AS n INTO bad
    FROM c
    WHERE NOT repair
      AND NOT EXISTS (SELECT FROM state_transition t
                      WHERE t.machine = c.machine AND t.from_state = c.from_state AND t.to_state = c.to_state)
    ORDER BY c.item_id LIMIT 1;
    IF FOUND THEN
        PERFORM opsdb_refuse_transition('raw_data_package', bad.item_id, bad.column_name, bad.from_state, bad.to_state, bad.n);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION raw_data_package_state_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- the state counters (0023): deleted rows leave their states (deletes are the owner's:
    -- repairs, fixtures, reference-integrity tests; the library never deletes these rows)
    INSERT INTO state_count_delta (table_name, column_name, value, n)
    SELECT 'raw_data_package', m.column_name, m.value, -count(*)
    FROM old_rows o CROSS JOIN LATERAL (VALUES ('status', o.status), ('state', o.state)) AS m (column_name, value)
    GROUP BY 1, 2, 3;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER raw_data_package_state_deleted AFTER DELETE ON raw_data_package
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION raw_data_package_state_deleted();
CREATE OR REPLACE TRIGGER raw_data_package_state_truncated AFTER TRUNCATE ON raw_data_package
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_state_count_truncated();

-- data_transfer_package
CREATE OR REPLACE FUNCTION data_transfer_package_state_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    acting text;
    -- the owner may load rows in any state (restores, fixtures); everyone else starts new
    -- rows in an initial state
    owner boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- INSERT ... ON CONFLICT DO NOTHING that inserted nothing
    END IF;
    acting := opsdb_acting_role();
    owner := pg_has_role(acting, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER');
    -- one statement: record every new row, and find the first one in a state no new row
    -- may start in (raising then undoes the history rows with the statement)
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'status' AS machine, NULL::text AS from_state,
               n.status AS to_state, n.claimed_by AS claimed_by, md5(n.claim_token::text)::uuid AS claim_ref
        FROM new_rows n
    ), recorded AS (
        INSERT INTO state_history (table_name, item_id, column_name, from_state, to_state, db_role, session_role,
                                   application_name, claimed_by, claim_ref)
        SELECT 'data_transfer_package', c.item_id, c.column_name, NULL, c.to_state, acting, session_user,
               current_setting('application_name'), c.claimed_by, c.claim_ref
        FROM c
    ), counted AS (
        -- the state counters (0023): one delta row per column and state of this statement
        INSERT INTO state_count_delta (table_name, column_name, value, n)
        SELECT 'data_transfer_package', c.column_name, c.to_state, count(*) FROM c GROUP BY 1, 2, 3
    )
    SELECT c.item_id, c.column_name, c.to_state, count(*) OVER () AS n INTO bad
    FROM c
    WHERE NOT owner
      AND NOT EXISTS (SELECT FROM state_transition t
                      WHERE t.machine = c.machine AND t.from_state IS NULL AND t.to_state = c.to_state)
    ORDER BY c.item_id LIMIT 1;
    IF FOUND THEN
        PERFORM opsdb_refuse_transition('data_transfer_package', bad.item_id, bad.column_name, NULL, bad.to_state, bad.n);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION data_transfer_package_state_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    repair boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- an UPDATE (or ON CONFLICT DO UPDATE) that changed no row
    END IF;
    repair := opsdb_repairing(TG_RELID);
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'status' AS machine, o.status AS from_state,
               n.status AS to_state, coalesce(n.claimed_by, o.claimed_by) AS claimed_by, md5(coalesce(n.claim_token, o.claim_token)::text)::uuid AS claim_ref
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.status IS DISTINCT FROM o.status OR (n.claim_token IS DISTINCT FROM o.claim_token AND n.claim_token IS NOT NULL)
    ), recorded AS (
        INSERT INTO state_history (table_name, item_id, column_name, from_state, to_state, db_role, session_role,
                                   application_name, claimed_by, claim_ref, repair)
        SELECT 'data_transfer_package', c.item_id, c.column_name, c.from_state, c.to_state, opsdb_acting_role(), session_user,
               current_setting('application_name'), c.claimed_by, c.claim_ref, repair
        FROM c
    ), counted AS (
        -- the state counters (0023): -1 for the state left, +1 for the state entered
        INSERT INTO state_count_delta (table_name, column_name, value, n)
        SELECT 'data_transfer_package', c.column_name, m.value, sum(m.n)
        FROM c CROSS JOIN LATERAL (VALUES (c.from_state, -1), (c.to_state, 1)) AS m (value, n)
        WHERE c.from_state IS DISTINCT FROM c.to_state
        GROUP BY 1, 2, 3 HAVING sum(m.n) <> 0
    )
    SELECT c.item_id, c.column_name, c.from_state, c.to_state, count(*) OVER () AS n INTO bad
    FROM c
    WHERE NOT repair
      AND NOT EXISTS (SELECT FROM state_transition t
                      WHERE t.machine = c.machine AND t.from_state = c.from_state AND t.to_state = c.to_state)
    ORDER BY c.item_id LIMIT 1;
    IF FOUND THEN
        PERFORM opsdb_refuse_transition('data_transfer_package', bad.item_id, bad.column_name, bad.from_state, bad.to_state, bad.n);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION data_transfer_package_state_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- the state counters (0023): deleted rows leave their states (deletes are the owner's:
    -- repairs, fixtures, reference-integrity tests; the library never deletes these rows)
    INSERT INTO state_count_delta (table_name, column_name, value, n)
    SELECT 'data_transfer_package', m.column_name, m.value, -count(*)
    FROM old_rows o CROSS JOIN LATERAL (VALUES ('status', o.status)) AS m (column_name, value)
    GROUP BY 1, 2, 3;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER data_transfer_package_state_deleted AFTER DELETE ON data_transfer_package
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION data_transfer_package_state_deleted();
CREATE OR REPLACE TRIGGER data_transfer_package_state_truncated AFTER TRUNCATE ON data_transfer_package
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_state_count_truncated();

-- data_transfer
CREATE OR REPLACE FUNCTION data_transfer_state_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    acting text;
    -- the owner may load rows in any state (restores, fixtures); everyone else starts new
    -- rows in an initial state
    owner boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- INSERT ... ON CONFLICT DO NOTHING that inserted nothing
    END IF;
    acting := opsdb_acting_role();
    owner := pg_has_role(acting, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER');
    -- one statement: record every new row, and find the first one in a state no new row
    -- may start in (raising then undoes the history rows with the statement)
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'status' AS machine, NULL::text AS from_state,
               n.status AS to_state, n.claimed_by AS claimed_by, md5(n.claim_token::text)::uuid AS claim_ref
        FROM new_rows n
        UNION ALL
        SELECT n.id::text AS item_id, 'unpack_status' AS column_name, 'unpack' AS machine, NULL::text AS from_state,
               n.unpack_status AS to_state, n.unpack_claimed_by AS claimed_by, md5(n.unpack_claim_token::text)::uuid AS claim_ref
        FROM new_rows n
    ), recorded AS (
        INSERT INTO state_history (table_name, item_id, column_name, from_state, to_state, db_role, session_role,
                                   application_name, claimed_by, claim_ref)
        SELECT 'data_transfer', c.item_id, c.column_name, NULL, c.to_state, acting, session_user,
               current_setting('application_name'), c.claimed_by, c.claim_ref
        FROM c
    ), counted AS (
        -- the state counters (0023): one delta row per column and state of this statement
        INSERT INTO state_count_delta (table_name, column_name, value, n)
        SELECT 'data_transfer', c.column_name, c.to_state, count(*) FROM c GROUP BY 1, 2, 3
    )
    SELECT c.item_id, c.column_name, c.to_state, count(*) OVER () AS n INTO bad
    FROM c
    WHERE NOT owner
      AND NOT EXISTS (SELECT FROM state_transition t
                      WHERE t.machine = c.machine AND t.from_state IS NULL AND t.to_state = c.to_state)
    ORDER BY c.item_id LIMIT 1;
    IF FOUND THEN
        PERFORM opsdb_refuse_transition('data_transfer', bad.item_id, bad.column_name, NULL, bad.to_state, bad.n);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION data_transfer_state_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    repair boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- an UPDATE (or ON CONFLICT DO UPDATE) that changed no row
    END IF;
    repair := opsdb_repairing(TG_RELID);
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'status' AS machine, o.status AS from_state,
               n.status AS to_state, coalesce(n.claimed_by, o.claimed_by) AS claimed_by, md5(coalesce(n.claim_token, o.claim_token)::text)::uuid AS claim_ref
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.status IS DISTINCT FROM o.status OR (n.claim_token IS DISTINCT FROM o.claim_token AND n.claim_token IS NOT NULL)
        UNION ALL
        SELECT n.id::text AS item_id, 'unpack_status' AS column_name, 'unpack' AS machine, o.unpack_status AS from_state,
               n.unpack_status AS to_state, coalesce(n.unpack_claimed_by, o.unpack_claimed_by) AS claimed_by, md5(coalesce(n.unpack_claim_token, o.unpack_claim_token)::text)::uuid AS claim_ref
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.unpack_status IS DISTINCT FROM o.unpack_status OR (n.unpack_claim_token IS DISTINCT FROM o.unpack_claim_token AND n.unpack_claim_token IS NOT NULL)
    ), recorded AS (
        INSERT INTO state_history (table_name, item_id, column_name, from_state, to_state, db_role, session_role,
                                   application_name, claimed_by, claim_ref, repair)
        SELECT 'data_transfer', c.item_id, c.column_name, c.from_state, c.to_state, opsdb_acting_role(), session_user,
               current_setting('application_name'), c.claimed_by, c.claim_ref, repair
        FROM c
    ), counted AS (
        -- the state counters (0023): -1 for the state left, +1 for the state entered
        INSERT INTO state_count_delta (table_name, column_name, value, n)
        SELECT 'data_transfer', c.column_name, m.value, sum(m.n)
        FROM c CROSS JOIN LATERAL (VALUES (c.from_state, -1), (c.to_state, 1)) AS m (value, n)
        WHERE c.from_state IS DISTINCT FROM c.to_state
        GROUP BY 1, 2, 3 HAVING sum(m.n) <> 0
    )
    SELECT c.item_id, c.column_name, c.from_state, c.to_state, count(*) OVER () AS n INTO bad
    FROM c
    WHERE NOT repair
      AND NOT EXISTS (SELECT FROM state_transition t
                      WHERE t.machine = c.machine AND t.from_state = c.from_state AND t.to_state = c.to_state)
    ORDER BY c.item_id LIMIT 1;
    IF FOUND THEN
        PERFORM opsdb_refuse_transition('data_transfer', bad.item_id, bad.column_name, bad.from_state, bad.to_state, bad.n);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION data_transfer_state_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- the state counters (0023): deleted rows leave their states (deletes are the owner's:
    -- repairs, fixtures, reference-integrity tests; the library never deletes these rows)
    INSERT INTO state_count_delta (table_name, column_name, value, n)
    SELECT 'data_transfer', m.column_name, m.value, -count(*)
    FROM old_rows o CROSS JOIN LATERAL (VALUES ('status', o.status), ('unpack_status', o.unpack_status)) AS m (column_name, value)
    GROUP BY 1, 2, 3;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER data_transfer_state_deleted AFTER DELETE ON data_transfer
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION data_transfer_state_deleted();
CREATE OR REPLACE TRIGGER data_transfer_state_truncated AFTER TRUNCATE ON data_transfer
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_state_count_truncated();

-- long_term_archive_transfer
CREATE OR REPLACE FUNCTION long_term_archive_transfer_state_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    acting text;
    -- the owner may load rows in any state (restores, fixtures); everyone else starts new
    -- rows in an initial state
    owner boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- INSERT ... ON CONFLICT DO NOTHING that inserted nothing
    END IF;
    acting := opsdb_acting_role();
    owner := pg_has_role(acting, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER');
    -- one statement: record every new row, and find the first one in a state no new row
    -- may start in (raising then undoes the history rows with the statement)
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'status' AS machine, NULL::text AS from_state,
               n.status AS to_state, n.claimed_by AS claimed_by, md5(n.claim_token::text)::uuid AS claim_ref
        FROM new_rows n
    ), recorded AS (
        INSERT INTO state_history (table_name, item_id, column_name, from_state, to_state, db_role, session_role,
                                   application_name, claimed_by, claim_ref)
        SELECT 'long_term_archive_transfer', c.item_id, c.column_name, NULL, c.to_state, acting, session_user,
               current_setting('application_name'), c.claimed_by, c.claim_ref
        FROM c
    ), counted AS (
        -- the state counters (0023): one delta row per column and state of this statement
        INSERT INTO state_count_delta (table_name, column_name, value, n)
        SELECT 'long_term_archive_transfer', c.column_name, c.to_state, count(*) FROM c GROUP BY 1, 2, 3
    )
    SELECT c.item_id, c.column_name, c.to_state, count(*) OVER () AS n INTO bad
    FROM c
    WHERE NOT owner
      AND NOT EXISTS (SELECT FROM state_transition t
                      WHERE t.machine = c.machine AND t.from_state IS NULL AND t.to_state = c.to_state)
    ORDER BY c.item_id LIMIT 1;
    IF FOUND THEN
        PERFORM opsdb_refuse_transition('long_term_archive_transfer', bad.item_id, bad.column_name, NULL, bad.to_state, bad.n);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION long_term_archive_transfer_state_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    repair boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- an UPDATE (or ON CONFLICT DO UPDATE) that changed no row
    END IF;
    repair := opsdb_repairing(TG_RELID);
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'status' AS machine, o.status AS from_state,
               n.status AS to_state, coalesce(n.claimed_by, o.claimed_by) AS claimed_by, md5(coalesce(n.claim_token, o.claim_token)::text)::uuid AS claim_ref
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.status IS DISTINCT FROM o.status OR (n.claim_token IS DISTINCT FROM o.claim_token AND n.claim_token IS NOT NULL)
    ), recorded AS (
        INSERT INTO state_history (table_name, item_id, column_name, from_state, to_state, db_role, session_role,
                                   application_name, claimed_by, claim_ref, repair)
        SELECT 'long_term_archive_transfer', c.item_id, c.column_name, c.from_state, c.to_state, opsdb_acting_role(), session_user,
               current_setting('application_name'), c.claimed_by, c.claim_ref, repair
        FROM c
    ), counted AS (
        -- the state counters (0023): -1 for the state left, +1 for the state entered
        INSERT INTO state_count_delta (table_name, column_name, value, n)
        SELECT 'long_term_archive_transfer', c.column_name, m.value, sum(m.n)
        FROM c CROSS JOIN LATERAL (VALUES (c.from_state, -1), (c.to_state, 1)) AS m (value, n)
        WHERE c.from_state IS DISTINCT FROM c.to_state
        GROUP BY 1, 2, 3 HAVING sum(m.n) <> 0
    )
    SELECT c.item_id, c.column_name, c.from_state, c.to_state, count(*) OVER () AS n INTO bad
    FROM c
    WHERE NOT repair
      AND NOT EXISTS (SELECT FROM state_transition t
                      WHERE t.machine = c.machine AND t.from_state = c.from_state AND t.to_state = c.to_state)
    ORDER BY c.item_id LIMIT 1;
    IF FOUND THEN
        PERFORM opsdb_refuse_transition('long_term_archive_transfer', bad.item_id, bad.column_name, bad.from_state, bad.to_state, bad.n);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION long_term_archive_transfer_state_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- the state counters (0023): deleted rows leave their states (deletes are the owner's:
    -- repairs, fixtures, reference-integrity tests; the library never deletes these rows)
    INSERT INTO state_count_delta (table_name, column_name, value, n)
    SELECT 'long_term_archive_transfer', m.column_name, m.value, -count(*)
    FROM old_rows o CROSS JOIN LATERAL (VALUES ('status', o.status)) AS m (column_name, value)
    GROUP BY 1, 2, 3;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER long_term_archive_transfer_state_deleted AFTER DELETE ON long_term_archive_transfer
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION long_term_archive_transfer_state_deleted();
CREATE OR REPLACE TRIGGER long_term_archive_transfer_state_truncated AFTER TRUNCATE ON long_term_archive_transfer
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_state_count_truncated();

-- staging_job
CREATE OR REPLACE FUNCTION staging_job_state_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    acting text;
    -- the owner may load rows in any state (restores, fixtures); everyone else starts new
    -- rows in an initial state
    owner boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- INSERT ... ON CONFLICT DO NOTHING that inserted nothing
    END IF;
    acting := opsdb_acting_role();
    owner := pg_has_role(acting, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER');
    -- one statement: record every new row, and find the first one in a state no new row
    -- may start in (raising then undoes the history rows with the statement)
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'status' AS machine, NULL::text AS from_state,
               n.status AS to_state, n.claimed_by AS claimed_by, md5(n.claim_token::text)::uuid AS claim_ref
        FROM new_rows n
    ), recorded AS (
        INSERT INTO state_history (table_name, item_id, column_name, from_state, to_state, db_role, session_role,
                                   application_name, claimed_by, claim_ref)
        SELECT 'staging_job', c.item_id, c.column_name, NULL, c.to_state, acting, session_user,
               current_setting('application_name'), c.claimed_by, c.claim_ref
        FROM c
    ), counted AS (
        -- the state counters (0023): one delta row per column and state of this statement
        INSERT INTO state_count_delta (table_name, column_name, value, n)
        SELECT 'staging_job', c.column_name, c.to_state, count(*) FROM c GROUP BY 1, 2, 3
    )
    SELECT c.item_id, c.column_name, c.to_state, count(*) OVER () AS n INTO bad
    FROM c
    WHERE NOT owner
      AND NOT EXISTS (SELECT FROM state_transition t
                      WHERE t.machine = c.machine AND t.from_state IS NULL AND t.to_state = c.to_state)
    ORDER BY c.item_id LIMIT 1;
    IF FOUND THEN
        PERFORM opsdb_refuse_transition('staging_job', bad.item_id, bad.column_name, NULL, bad.to_state, bad.n);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION staging_job_state_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    repair boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- an UPDATE (or ON CONFLICT DO UPDATE) that changed no row
    END IF;
    repair := opsdb_repairing(TG_RELID);
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'status' AS machine, o.status AS from_state,
               n.status AS to_state, coalesce(n.claimed_by, o.claimed_by) AS claimed_by, md5(coalesce(n.claim_token, o.claim_token)::text)::uuid AS claim_ref
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE n.status IS DISTINCT FROM o.status OR (n.claim_token IS DISTINCT FROM o.claim_token AND n.claim_token IS NOT NULL)
    ), recorded AS (
        INSERT INTO state_history (table_name, item_id, column_name, from_state, to_state, db_role, session_role,
                                   application_name, claimed_by, claim_ref, repair)
        SELECT 'staging_job', c.item_id, c.column_name, c.from_state, c.to_state, opsdb_acting_role(), session_user,
               current_setting('application_name'), c.claimed_by, c.claim_ref, repair
        FROM c
    ), counted AS (
        -- the state counters (0023): -1 for the state left, +1 for the state entered
        INSERT INTO state_count_delta (table_name, column_name, value, n)
        SELECT 'staging_job', c.column_name, m.value, sum(m.n)
        FROM c CROSS JOIN LATERAL (VALUES (c.from_state, -1), (c.to_state, 1)) AS m (value, n)
        WHERE c.from_state IS DISTINCT FROM c.to_state
        GROUP BY 1, 2, 3 HAVING sum(m.n) <> 0
    )
    SELECT c.item_id, c.column_name, c.from_state, c.to_state, count(*) OVER () AS n INTO bad
    FROM c
    WHERE NOT repair
      AND NOT EXISTS (SELECT FROM state_transition t
                      WHERE t.machine = c.machine AND t.from_state = c.from_state AND t.to_state = c.to_state)
    ORDER BY c.item_id LIMIT 1;
    IF FOUND THEN
        PERFORM opsdb_refuse_transition('staging_job', bad.item_id, bad.column_name, bad.from_state, bad.to_state, bad.n);
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION staging_job_state_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- the state counters (0023): deleted rows leave their states (deletes are the owner's:
    -- repairs, fixtures, reference-integrity tests; the library never deletes these rows)
    INSERT INTO state_count_delta (table_name, column_name, value, n)
    SELECT 'staging_job', m.column_name, m.value, -count(*)
    FROM old_rows o CROSS JOIN LATERAL (VALUES ('status', o.status)) AS m (column_name, value)
    GROUP BY 1, 2, 3;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER staging_job_state_deleted AFTER DELETE ON staging_job
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION staging_job_state_deleted();
CREATE OR REPLACE TRIGGER staging_job_state_truncated AFTER TRUNCATE ON staging_job
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_state_count_truncated();

-- Folding, rebuilding and the truncate reset write the counters: they run as the owner, so
-- readers (`opsdb status`) may fold; nobody else writes the counters or their deltas.
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION opsdb_fold_state_deltas() SECURITY DEFINER SET search_path = %I, pg_temp',
                   current_schema());
    EXECUTE format('ALTER FUNCTION opsdb_rebuild_state_counters() SECURITY DEFINER SET search_path = %I, pg_temp',
                   current_schema());
    EXECUTE format('ALTER FUNCTION opsdb_state_count_truncated() SECURITY DEFINER SET search_path = %I, pg_temp',
                   current_schema());
END
$$;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON state_count, state_count_delta FROM PUBLIC, opsdb_writer;
-- rebuilding locks the work tables: the owner's (and a superuser's) alone
REVOKE ALL ON FUNCTION opsdb_rebuild_state_counters() FROM PUBLIC, opsdb_reader, opsdb_writer;

DO $$ BEGIN PERFORM opsdb_rebuild_state_counters(); END $$;
