-- Back to 0021: the state trigger functions of 0015 (no counters, no early exit), no state counters.
DROP TRIGGER IF EXISTS executed_obs_unit_state_deleted ON executed_obs_unit;
DROP TRIGGER IF EXISTS executed_obs_unit_state_truncated ON executed_obs_unit;
DROP FUNCTION IF EXISTS executed_obs_unit_state_deleted();
DROP TRIGGER IF EXISTS raw_data_package_state_deleted ON raw_data_package;
DROP TRIGGER IF EXISTS raw_data_package_state_truncated ON raw_data_package;
DROP FUNCTION IF EXISTS raw_data_package_state_deleted();
DROP TRIGGER IF EXISTS data_transfer_package_state_deleted ON data_transfer_package;
DROP TRIGGER IF EXISTS data_transfer_package_state_truncated ON data_transfer_package;
DROP FUNCTION IF EXISTS data_transfer_package_state_deleted();
DROP TRIGGER IF EXISTS data_transfer_state_deleted ON data_transfer;
DROP TRIGGER IF EXISTS data_transfer_state_truncated ON data_transfer;
DROP FUNCTION IF EXISTS data_transfer_state_deleted();
DROP TRIGGER IF EXISTS long_term_archive_transfer_state_deleted ON long_term_archive_transfer;
DROP TRIGGER IF EXISTS long_term_archive_transfer_state_truncated ON long_term_archive_transfer;
DROP FUNCTION IF EXISTS long_term_archive_transfer_state_deleted();
DROP TRIGGER IF EXISTS staging_job_state_deleted ON staging_job;
DROP TRIGGER IF EXISTS staging_job_state_truncated ON staging_job;
DROP FUNCTION IF EXISTS staging_job_state_deleted();

CREATE OR REPLACE FUNCTION physical_copy_state_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    acting text := opsdb_acting_role();
    -- the owner may load rows in any state (restores, fixtures); everyone else starts new
    -- rows in an initial state
    owner boolean := pg_has_role(acting, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER');
BEGIN
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
    repair boolean := opsdb_repairing(TG_RELID);
BEGIN
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

CREATE OR REPLACE FUNCTION executed_obs_unit_state_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    acting text := opsdb_acting_role();
    -- the owner may load rows in any state (restores, fixtures); everyone else starts new
    -- rows in an initial state
    owner boolean := pg_has_role(acting, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER');
BEGIN
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
    repair boolean := opsdb_repairing(TG_RELID);
BEGIN
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

CREATE OR REPLACE FUNCTION raw_data_package_state_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    acting text := opsdb_acting_role();
    -- the owner may load rows in any state (restores, fixtures); everyone else starts new
    -- rows in an initial state
    owner boolean := pg_has_role(acting, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER');
BEGIN
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
    repair boolean := opsdb_repairing(TG_RELID);
BEGIN
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

CREATE OR REPLACE FUNCTION data_transfer_package_state_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    acting text := opsdb_acting_role();
    -- the owner may load rows in any state (restores, fixtures); everyone else starts new
    -- rows in an initial state
    owner boolean := pg_has_role(acting, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER');
BEGIN
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
    repair boolean := opsdb_repairing(TG_RELID);
BEGIN
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

CREATE OR REPLACE FUNCTION data_transfer_state_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    acting text := opsdb_acting_role();
    -- the owner may load rows in any state (restores, fixtures); everyone else starts new
    -- rows in an initial state
    owner boolean := pg_has_role(acting, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER');
BEGIN
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
    repair boolean := opsdb_repairing(TG_RELID);
BEGIN
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

CREATE OR REPLACE FUNCTION long_term_archive_transfer_state_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    acting text := opsdb_acting_role();
    -- the owner may load rows in any state (restores, fixtures); everyone else starts new
    -- rows in an initial state
    owner boolean := pg_has_role(acting, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER');
BEGIN
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
    repair boolean := opsdb_repairing(TG_RELID);
BEGIN
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

CREATE OR REPLACE FUNCTION staging_job_state_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad record;
    acting text := opsdb_acting_role();
    -- the owner may load rows in any state (restores, fixtures); everyone else starts new
    -- rows in an initial state
    owner boolean := pg_has_role(acting, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER');
BEGIN
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
    repair boolean := opsdb_repairing(TG_RELID);
BEGIN
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

DROP FUNCTION IF EXISTS opsdb_state_count_truncated();
DROP FUNCTION IF EXISTS opsdb_fold_state_deltas();
DROP FUNCTION IF EXISTS opsdb_rebuild_state_counters();
DROP TABLE IF EXISTS state_count_delta;
DROP TABLE IF EXISTS state_count;
