-- The current opsdb schema, whole: what a freshly migrated database holds.
-- Generated from the migrations by `python -m tests.schema_snapshot`; tests/test_schema_snapshot.py
-- fails when this file and the migrated catalogue differ. Read it to learn the schema; change the
-- schema only with a new migration in migrations/, then regenerate this file.
--

SET check_function_bodies = false;  -- functions come first and may name tables made later

-- 1. Cluster roles (NOLOGIN groups; logins are made per deployment, docs/security.md)

DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_access_admin') THEN
        CREATE ROLE opsdb_access_admin NOLOGIN;
    END IF;
END $$;
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_archive_daemon') THEN
        CREATE ROLE opsdb_archive_daemon NOLOGIN;
    END IF;
END $$;
GRANT opsdb_reader TO opsdb_archive_daemon;
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_deletion_daemon') THEN
        CREATE ROLE opsdb_deletion_daemon NOLOGIN;
    END IF;
END $$;
GRANT opsdb_reader TO opsdb_deletion_daemon;
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_instrument') THEN
        CREATE ROLE opsdb_instrument NOLOGIN;
    END IF;
END $$;
GRANT opsdb_reader TO opsdb_instrument;
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_operator') THEN
        CREATE ROLE opsdb_operator NOLOGIN;
    END IF;
END $$;
GRANT opsdb_reader TO opsdb_operator;
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_packager') THEN
        CREATE ROLE opsdb_packager NOLOGIN;
    END IF;
END $$;
GRANT opsdb_reader TO opsdb_packager;
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_reader') THEN
        CREATE ROLE opsdb_reader NOLOGIN;
    END IF;
END $$;
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_staging_daemon') THEN
        CREATE ROLE opsdb_staging_daemon NOLOGIN;
    END IF;
END $$;
GRANT opsdb_reader TO opsdb_staging_daemon;
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_transfer_daemon') THEN
        CREATE ROLE opsdb_transfer_daemon NOLOGIN;
    END IF;
END $$;
GRANT opsdb_reader TO opsdb_transfer_daemon;
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_writer') THEN
        CREATE ROLE opsdb_writer NOLOGIN;
    END IF;
END $$;
GRANT opsdb_archive_daemon TO opsdb_writer;
GRANT opsdb_deletion_daemon TO opsdb_writer;
GRANT opsdb_instrument TO opsdb_writer;
GRANT opsdb_operator TO opsdb_writer;
GRANT opsdb_packager TO opsdb_writer;
GRANT opsdb_staging_daemon TO opsdb_writer;
GRANT opsdb_transfer_daemon TO opsdb_writer;

-- 2. Database-level grants and per-role settings in this database

DO $$ BEGIN
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO opsdb_access_admin', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO opsdb_archive_daemon', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO opsdb_deletion_daemon', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO opsdb_instrument', current_database());
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO opsdb_instrument', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO opsdb_operator', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO opsdb_packager', current_database());
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO opsdb_packager', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO opsdb_reader', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO opsdb_staging_daemon', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO opsdb_transfer_daemon', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO opsdb_writer', current_database());
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO opsdb_writer', current_database());
END $$;

-- 3. Schema: functions, tables, constraints, indexes, triggers, grants

-- Name: data_transfer_package_state_deleted(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.data_transfer_package_state_deleted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: data_transfer_package_state_inserted(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.data_transfer_package_state_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: data_transfer_package_state_updated(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.data_transfer_package_state_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    bad record;
    repair boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- an UPDATE (or ON CONFLICT DO UPDATE) that changed no row
    END IF;
    repair := opsdb_repairing(TG_RELID);
    -- FULL JOIN: a hash or merge join whatever the plan was made for (see the header)
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'status' AS machine, o.status AS from_state,
               n.status AS to_state, coalesce(n.claimed_by, o.claimed_by) AS claimed_by, md5(coalesce(n.claim_token, o.claim_token)::text)::uuid AS claim_ref
        FROM old_rows o FULL JOIN new_rows n ON n.id = o.id
        WHERE num_nulls(o.id, n.id) = 0 AND (n.status IS DISTINCT FROM o.status OR (n.claim_token IS DISTINCT FROM o.claim_token AND n.claim_token IS NOT NULL))
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

-- Name: data_transfer_state_deleted(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.data_transfer_state_deleted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: data_transfer_state_inserted(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.data_transfer_state_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: data_transfer_state_updated(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.data_transfer_state_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    bad record;
    repair boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- an UPDATE (or ON CONFLICT DO UPDATE) that changed no row
    END IF;
    repair := opsdb_repairing(TG_RELID);
    -- FULL JOIN: a hash or merge join whatever the plan was made for (see the header)
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'status' AS machine, o.status AS from_state,
               n.status AS to_state, coalesce(n.claimed_by, o.claimed_by) AS claimed_by, md5(coalesce(n.claim_token, o.claim_token)::text)::uuid AS claim_ref
        FROM old_rows o FULL JOIN new_rows n ON n.id = o.id
        WHERE num_nulls(o.id, n.id) = 0 AND (n.status IS DISTINCT FROM o.status OR (n.claim_token IS DISTINCT FROM o.claim_token AND n.claim_token IS NOT NULL))
        UNION ALL
        SELECT n.id::text AS item_id, 'unpack_status' AS column_name, 'unpack' AS machine, o.unpack_status AS from_state,
               n.unpack_status AS to_state, coalesce(n.unpack_claimed_by, o.unpack_claimed_by) AS claimed_by, md5(coalesce(n.unpack_claim_token, o.unpack_claim_token)::text)::uuid AS claim_ref
        FROM old_rows o FULL JOIN new_rows n ON n.id = o.id
        WHERE num_nulls(o.id, n.id) = 0 AND (n.unpack_status IS DISTINCT FROM o.unpack_status OR (n.unpack_claim_token IS DISTINCT FROM o.unpack_claim_token AND n.unpack_claim_token IS NOT NULL))
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

-- Name: executed_obs_unit_state_deleted(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.executed_obs_unit_state_deleted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: executed_obs_unit_state_inserted(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.executed_obs_unit_state_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: executed_obs_unit_state_updated(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.executed_obs_unit_state_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: long_term_archive_transfer_state_deleted(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.long_term_archive_transfer_state_deleted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: long_term_archive_transfer_state_inserted(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.long_term_archive_transfer_state_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: long_term_archive_transfer_state_updated(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.long_term_archive_transfer_state_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    bad record;
    repair boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- an UPDATE (or ON CONFLICT DO UPDATE) that changed no row
    END IF;
    repair := opsdb_repairing(TG_RELID);
    -- FULL JOIN: a hash or merge join whatever the plan was made for (see the header)
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'status' AS machine, o.status AS from_state,
               n.status AS to_state, coalesce(n.claimed_by, o.claimed_by) AS claimed_by, md5(coalesce(n.claim_token, o.claim_token)::text)::uuid AS claim_ref
        FROM old_rows o FULL JOIN new_rows n ON n.id = o.id
        WHERE num_nulls(o.id, n.id) = 0 AND (n.status IS DISTINCT FROM o.status OR (n.claim_token IS DISTINCT FROM o.claim_token AND n.claim_token IS NOT NULL))
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

-- Name: opsdb_acting_role(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_acting_role() RETURNS text
    LANGUAGE sql STABLE
    AS $$
    SELECT CASE WHEN current_setting('role') = 'none' THEN session_user::text ELSE current_setting('role') END
$$;

-- Name: opsdb_actor_check_copy_insert(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_actor_check_copy_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    r record;
BEGIN
    IF opsdb_actor_is_owner(TG_RELID) THEN
        RETURN NULL;
    END IF;
    FOR r IN
        SELECT DISTINCT l.location_type, l.id AS location_id, n.type, n.status
        FROM opsdb_actor_new_rows n JOIN data_location l ON l.id = n.data_location_id
    LOOP
        IF r.status NOT IN ('present', 'staged') THEN
            PERFORM opsdb_actor_refuse(format('create a %s copy at location %s', r.status, r.location_id),
                                       'the owner');
        ELSIF r.status = 'staged' AND NOT opsdb_actor_is('opsdb_staging_daemon', TG_RELID) THEN
            PERFORM opsdb_actor_refuse(format('create a staged copy at location %s', r.location_id),
                                       'opsdb_staging_daemon');
        ELSIF NOT opsdb_actor_may_place(r.location_type, r.type, TG_RELID) THEN
            PERFORM opsdb_actor_refuse(
                format('create a %s copy at %s location %s', r.type, r.location_type, r.location_id),
                CASE r.location_type WHEN 'long_term_archive' THEN 'opsdb_archive_daemon'
                     WHEN 'processing' THEN 'opsdb_staging_daemon'
                     WHEN 'source' THEN 'opsdb_instrument (file copies) and opsdb_packager'
                     ELSE 'opsdb_packager and opsdb_transfer_daemon' END);
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;

-- Name: opsdb_actor_check_copy_update(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_actor_check_copy_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    deletion_states constant text[] := ARRAY['deletion_scheduled', 'deletion_in_progress', 'deletion_possible',
                                             'deleted', 'deletion_failed'];
    place text;
    item text := format('physical_copy %s', OLD.id);
BEGIN
    IF opsdb_actor_is_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF (NEW.type, NEW.raw_data_file_id, NEW.raw_data_package_id, NEW.data_transfer_package_id, NEW.data_location_id)
       IS DISTINCT FROM
       (OLD.type, OLD.raw_data_file_id, OLD.raw_data_package_id, OLD.data_transfer_package_id, OLD.data_location_id) THEN
        PERFORM opsdb_actor_refuse(format('change what %s holds or where', item), 'the owner');
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF NEW.status = ANY (deletion_states) THEN
            IF NOT opsdb_actor_is('opsdb_deletion_daemon', TG_RELID) THEN
                PERFORM opsdb_actor_refuse(format('move %s to %s', item, NEW.status), 'opsdb_deletion_daemon');
            END IF;
        ELSIF OLD.status IN ('deletion_scheduled', 'deletion_possible', 'deletion_failed')
              AND opsdb_actor_is('opsdb_deletion_daemon', TG_RELID)
              AND NEW.checksum_verified_at IS NOT DISTINCT FROM OLD.checksum_verified_at THEN
            NULL;  -- the deletion daemon cancels a deletion that removed nothing yet: the copy stays
        ELSIF NEW.status = 'staged' THEN
            IF NOT opsdb_actor_is('opsdb_staging_daemon', TG_RELID) THEN
                PERFORM opsdb_actor_refuse(format('move %s to staged', item), 'opsdb_staging_daemon');
            END IF;
        ELSE
            place := 'status';
        END IF;
    END IF;
    IF place IS NOT NULL OR NEW.checksum_verified_at IS DISTINCT FROM OLD.checksum_verified_at THEN
        SELECT l.location_type INTO place FROM data_location l WHERE l.id = NEW.data_location_id;
        IF NOT opsdb_actor_may_place(place, NEW.type, TG_RELID) THEN
            PERFORM opsdb_actor_refuse(
                format('change the status or verification of %s at %s location %s', item, place, NEW.data_location_id),
                CASE place WHEN 'long_term_archive' THEN 'opsdb_archive_daemon'
                     WHEN 'processing' THEN 'opsdb_staging_daemon'
                     WHEN 'source' THEN 'opsdb_instrument (file copies) and opsdb_packager'
                     ELSE 'opsdb_packager and opsdb_transfer_daemon' END);
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

-- Name: opsdb_actor_check_copy_updates(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_actor_check_copy_updates() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $_$
DECLARE
    refused record;
BEGIN
    -- (an INSERT ... ON CONFLICT DO UPDATE that only inserted fires this with no rows)
    IF NOT EXISTS (SELECT 1 FROM opsdb_actor_new_rows) OR opsdb_actor_is_owner(TG_RELID) THEN
        RETURN NULL;
    END IF;
    EXECUTE $q$
        WITH changed AS (
            SELECT n.id, n.type, n.status AS new_status, n.data_location_id,
                   (n.type, n.raw_data_file_id, n.raw_data_package_id, n.data_transfer_package_id, n.data_location_id)
                       IS DISTINCT FROM
                   (o.type, o.raw_data_file_id, o.raw_data_package_id, o.data_transfer_package_id, o.data_location_id)
                       AS moved,
                   n.status IS DISTINCT FROM o.status AS status_changed,
                   n.checksum_verified_at IS DISTINCT FROM o.checksum_verified_at AS verified_changed,
                   o.status AS old_status
            FROM opsdb_actor_new_rows n JOIN opsdb_actor_old_rows o ON o.id = n.id
        ),
        sorted AS (
            SELECT c.*,
                   CASE WHEN NOT c.status_changed THEN NULL
                        WHEN c.new_status IN ('deletion_scheduled', 'deletion_in_progress', 'deletion_possible',
                                              'deleted', 'deletion_failed')
                            THEN CASE WHEN NOT $1 THEN 'deletion' END
                        WHEN c.old_status IN ('deletion_scheduled', 'deletion_possible', 'deletion_failed') AND $1
                             AND NOT c.verified_changed THEN NULL
                        WHEN c.new_status = 'staged' THEN CASE WHEN NOT $2 THEN 'staged' END
                        ELSE 'place'
                   END AS status_rule
            FROM changed c
            WHERE c.moved OR c.status_changed OR c.verified_changed
        ),
        placements AS (
            SELECT DISTINCT l.location_type, s.type, s.data_location_id
            FROM sorted s LEFT JOIN data_location l ON l.id = s.data_location_id
            WHERE NOT s.moved AND s.status_rule IS DISTINCT FROM 'deletion' AND s.status_rule IS DISTINCT FROM 'staged'
              AND (s.status_rule = 'place' OR s.verified_changed)
        ),
        placed AS (
            SELECT p.*, opsdb_actor_may_place(p.location_type, p.type, $3) AS allowed FROM placements p
        )
        SELECT s.id, s.new_status,
               CASE WHEN s.moved THEN 'moved' WHEN s.status_rule IN ('deletion', 'staged') THEN s.status_rule
                    ELSE 'place' END AS rule,
               p.location_type
        FROM sorted s LEFT JOIN placed p ON p.data_location_id = s.data_location_id AND p.type = s.type
        WHERE s.moved OR s.status_rule IN ('deletion', 'staged') OR p.allowed IS FALSE
        ORDER BY s.id
        LIMIT 1
    $q$ INTO refused
    USING opsdb_actor_is('opsdb_deletion_daemon', TG_RELID), opsdb_actor_is('opsdb_staging_daemon', TG_RELID),
          TG_RELID;
    IF refused.id IS NULL THEN
        RETURN NULL;
    END IF;
    IF refused.rule = 'moved' THEN
        PERFORM opsdb_actor_refuse(format('change what physical_copy %s holds or where', refused.id), 'the owner');
    ELSIF refused.rule = 'deletion' THEN
        PERFORM opsdb_actor_refuse(format('move physical_copy %s to %s', refused.id, refused.new_status),
                                   'opsdb_deletion_daemon');
    ELSIF refused.rule = 'staged' THEN
        PERFORM opsdb_actor_refuse(format('move physical_copy %s to staged', refused.id), 'opsdb_staging_daemon');
    ELSE
        PERFORM opsdb_actor_refuse(
            format('change the status or verification of physical_copy %s at %s location %s', refused.id,
                   refused.location_type, (SELECT n.data_location_id FROM opsdb_actor_new_rows n WHERE n.id = refused.id)),
            CASE refused.location_type WHEN 'long_term_archive' THEN 'opsdb_archive_daemon'
                 WHEN 'processing' THEN 'opsdb_staging_daemon'
                 WHEN 'source' THEN 'opsdb_instrument (file copies) and opsdb_packager'
                 ELSE 'opsdb_packager and opsdb_transfer_daemon' END);
    END IF;
    RETURN NULL;
END;
$_$;

-- Name: opsdb_actor_check_file(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_actor_check_file() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF NOT opsdb_actor_is_owner(TG_RELID) THEN
        PERFORM opsdb_actor_refuse(
            format('change raw_data_file %s other than by packaging it once', OLD.id), 'the owner');
    END IF;
    RETURN NEW;
END;
$$;

-- Name: opsdb_actor_check_location(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_actor_check_location() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF NOT opsdb_actor_is_owner(TG_RELID) THEN
        PERFORM opsdb_actor_refuse(format('change the kind or site of data_location %s (%s -> %s)', OLD.id,
                                          OLD.location_type, NEW.location_type), 'the owner');
    END IF;
    RETURN NEW;
END;
$$;

-- Name: opsdb_actor_check_package(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_actor_check_package() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    item text := format('raw_data_package %s', NEW.id);
BEGIN
    IF opsdb_actor_is_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.state <> 'waiting' THEN
            PERFORM opsdb_actor_refuse(format('create %s already %s', item, NEW.state), 'the owner');
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.state IS DISTINCT FROM OLD.state THEN
        IF NEW.state = 'archived' THEN
            IF NOT opsdb_actor_is('opsdb_archive_daemon', TG_RELID) THEN
                PERFORM opsdb_actor_refuse(format('mark %s archived', item), 'opsdb_archive_daemon');
            END IF;
        ELSIF NOT (opsdb_actor_is('opsdb_packager', TG_RELID) OR opsdb_actor_is('opsdb_archive_daemon', TG_RELID)) THEN
            PERFORM opsdb_actor_refuse(format('move %s to %s', item, NEW.state), 'opsdb_packager');
        END IF;
    END IF;
    IF OLD.checksum IS NOT NULL AND (NEW.checksum, NEW.checksum_algorithm, NEW.size_bytes)
                                    IS DISTINCT FROM (OLD.checksum, OLD.checksum_algorithm, OLD.size_bytes) THEN
        PERFORM opsdb_actor_refuse(format('rewrite the checksum or size of %s', item), 'the owner');
    END IF;
    RETURN NEW;
END;
$$;

-- Name: opsdb_actor_is(text, regclass); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_actor_is(actor text, tbl regclass) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'public', 'pg_temp'
    AS $$
    SELECT pg_has_role(current_user, actor, 'USAGE') OR opsdb_actor_is_owner(tbl)
$$;

-- Name: opsdb_actor_is_owner(regclass); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_actor_is_owner(tbl regclass) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'public', 'pg_temp'
    AS $$
    SELECT pg_has_role(current_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = tbl), 'USAGE')
$$;

-- Name: opsdb_actor_may_place(text, text, regclass); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_actor_may_place(location_type text, copy_type text, tbl regclass) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'public', 'pg_temp'
    AS $$
    SELECT CASE location_type
        WHEN 'source' THEN (copy_type = 'raw_data_file' AND opsdb_actor_is('opsdb_instrument', tbl))
                           OR opsdb_actor_is('opsdb_packager', tbl)
        WHEN 'buffer' THEN opsdb_actor_is('opsdb_packager', tbl) OR opsdb_actor_is('opsdb_transfer_daemon', tbl)
        WHEN 'long_term_archive' THEN opsdb_actor_is('opsdb_archive_daemon', tbl)
        WHEN 'processing' THEN opsdb_actor_is('opsdb_staging_daemon', tbl)
        ELSE opsdb_actor_is_owner(tbl)
    END
$$;

-- Name: opsdb_actor_refuse(text, text); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_actor_refuse(what text, entitled text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    RAISE insufficient_privilege USING
        MESSAGE = format('opsdb_actor: role %s may not %s (only %s may)', current_user, what, entitled),
        HINT = 'Each kind of evidence comes from the actor entitled to it (docs/security.md, "Database roles").';
END;
$$;

-- Name: opsdb_apply_actor_grants(); Type: PROCEDURE; Schema: public; Owner: -

CREATE PROCEDURE public.opsdb_apply_actor_grants()
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    holder regclass;
    grantee text;
    columns text;
    work record;
BEGIN
    FOR holder IN
        SELECT DISTINCT a.attrelid::regclass FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
          AND a.attname IN ('claim_token', 'unpack_claim_token') AND NOT a.attisdropped
    LOOP
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO columns
        FROM pg_attribute a
        WHERE a.attrelid = holder AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attname NOT IN ('claim_token', 'unpack_claim_token');
        FOREACH grantee IN ARRAY ARRAY['opsdb_reader', 'opsdb_access_admin'] LOOP
            -- revoking the table privilege revokes its column privileges too
            EXECUTE format('REVOKE SELECT ON %s FROM %I', holder, grantee);
            EXECUTE format('GRANT SELECT (%s) ON %s TO %I', columns, holder, grantee);
        END LOOP;
    END LOOP;
    FOR work IN
        SELECT * FROM (VALUES
            ('raw_data_package', 'opsdb_packager',
             ARRAY['name', 'relative_path', 'executed_obs_unit_id', 'instrument_module_id', 'origin_location_id']),
            ('data_transfer_package', 'opsdb_packager', ARRAY['name', 'relative_path', 'origin_location_id']),
            ('data_transfer', 'opsdb_transfer_daemon',
             ARRAY['data_transfer_package_id', 'data_transfer_route_id', 'method', 'origin_location_id',
                   'destination_location_id']),
            ('long_term_archive_transfer', 'opsdb_archive_daemon',
             ARRAY['raw_data_package_id', 'origin_location_id', 'destination_location_id']),
            ('staging_job', 'opsdb_staging_daemon', ARRAY['user_account_id', 'destination_location_id'])
        ) AS w (tbl, daemon, fixed)
    LOOP
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO columns
        FROM pg_attribute a
        WHERE a.attrelid = work.tbl::regclass AND a.attnum > 0 AND NOT a.attisdropped
          AND a.attname <> ALL (work.fixed || ARRAY['id', 'created_at', 'updated_at']);
        EXECUTE format('GRANT UPDATE (%s) ON %I TO %I', columns, work.tbl, work.daemon);
    END LOOP;
END;
$$;

-- Name: opsdb_apply_database_privileges(); Type: PROCEDURE; Schema: public; Owner: -

CREATE PROCEDURE public.opsdb_apply_database_privileges()
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO opsdb_reader, opsdb_writer, opsdb_access_admin, opsdb_instrument,'
                   ' opsdb_packager, opsdb_transfer_daemon, opsdb_archive_daemon, opsdb_staging_daemon,'
                   ' opsdb_deletion_daemon, opsdb_operator', current_database());
    -- temporary tables only where COPY staging needs them (registration)
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO opsdb_instrument, opsdb_packager, opsdb_writer',
                   current_database());
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM opsdb_reader, opsdb_access_admin', current_database());
    -- other roles of the cluster may not connect; nobody else makes temporary tables
    EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
END;
$$;

-- Name: opsdb_apply_login_defaults(text); Type: PROCEDURE; Schema: public; Owner: -

CREATE PROCEDURE public.opsdb_apply_login_defaults(IN login text)
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    d record;
BEGIN
    FOR d IN
        SELECT rd.setting,
               coalesce(
                   (max(rd.value::integer) FILTER (WHERE rd.setting = 'connection_limit'))::text,
                   -- the most lenient timeout (0: none)
                   (array_agg(rd.value ORDER BY extract(epoch FROM rd.value::interval) = 0 DESC,
                                                extract(epoch FROM rd.value::interval) DESC)
                        FILTER (WHERE rd.setting <> 'connection_limit'))[1]) AS value
        FROM opsdb_role_default rd
        WHERE EXISTS (SELECT FROM pg_roles g WHERE g.rolname = rd.group_role)
          AND pg_has_role(login, rd.group_role, 'MEMBER')
        GROUP BY rd.setting
    LOOP
        IF d.setting = 'connection_limit' THEN
            EXECUTE format('ALTER ROLE %I CONNECTION LIMIT %s', login, d.value::integer);
        ELSE
            EXECUTE format('ALTER ROLE %I IN DATABASE %I SET %I = %L', login, current_database(), d.setting, d.value);
        END IF;
    END LOOP;
END;
$$;

-- Name: opsdb_archive_backed_deletable(bigint); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_archive_backed_deletable(copy_id bigint) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    WITH c AS (
        SELECT pc.*
        FROM physical_copy pc
        JOIN data_location loc ON loc.id = pc.data_location_id
        WHERE pc.id = copy_id AND loc.location_type IN ('source', 'buffer')
    ),
    packages AS (
        SELECT c.raw_data_package_id AS package_id FROM c WHERE c.type = 'raw_data_package'
        UNION ALL
        SELECT f.raw_data_package_id FROM c JOIN raw_data_file f ON f.id = c.raw_data_file_id
        WHERE c.type = 'raw_data_file'
        UNION ALL
        SELECT p.id FROM c JOIN raw_data_package p ON p.data_transfer_package_id = c.data_transfer_package_id
        WHERE c.type = 'data_transfer_package'
    )
    SELECT EXISTS (SELECT 1 FROM c)
       AND EXISTS (SELECT 1 FROM packages)
       AND NOT EXISTS (SELECT 1 FROM packages WHERE package_id IS NULL)
       -- every package archived with a present, verified long-term-archive copy
       AND NOT EXISTS (
            SELECT 1 FROM packages pk JOIN raw_data_package p ON p.id = pk.package_id
            WHERE p.state <> 'archived'
               OR NOT EXISTS (
                    SELECT 1 FROM physical_copy a JOIN data_location al ON al.id = a.data_location_id
                    WHERE a.type = 'raw_data_package' AND a.raw_data_package_id = p.id
                      AND a.status = 'present' AND a.checksum_verified_at IS NOT NULL
                      AND al.location_type = 'long_term_archive'))
       -- a buffer at a site with its own active long-term archive keeps its copy until that
       -- archive holds the package (else a second archive site could miss it)
       AND NOT EXISTS (
            SELECT 1 FROM packages pk JOIN c ON true
            JOIN data_location here ON here.id = c.data_location_id
            WHERE here.location_type = 'buffer'
              AND EXISTS (SELECT 1 FROM data_location l
                          WHERE l.site_id = here.site_id AND l.location_type = 'long_term_archive' AND l.active)
              AND NOT EXISTS (
                    SELECT 1 FROM physical_copy a JOIN data_location al ON al.id = a.data_location_id
                    WHERE a.type = 'raw_data_package' AND a.raw_data_package_id = pk.package_id
                      AND a.status = 'present' AND a.checksum_verified_at IS NOT NULL
                      AND al.location_type = 'long_term_archive' AND al.site_id = here.site_id))
       -- not the source of an unfinished bundle build or archive transfer
       AND NOT EXISTS (
            SELECT 1 FROM packages pk JOIN c ON true
            JOIN raw_data_package p ON p.id = pk.package_id
            JOIN data_transfer_package d ON d.id = p.data_transfer_package_id
            WHERE d.origin_location_id = c.data_location_id AND d.status <> 'completed')
       AND NOT EXISTS (
            SELECT 1 FROM packages pk JOIN c ON true
            JOIN long_term_archive_transfer t ON t.raw_data_package_id = pk.package_id
            WHERE t.origin_location_id = c.data_location_id AND t.status <> 'completed')
       -- a bundle copy: no unfinished transfer from here, no unfinished unpack here
       AND NOT EXISTS (
            SELECT 1 FROM c JOIN data_transfer t ON t.data_transfer_package_id = c.data_transfer_package_id
            WHERE c.type = 'data_transfer_package'
              AND ((t.origin_location_id = c.data_location_id AND t.status <> 'completed')
                OR (t.destination_location_id = c.data_location_id AND t.unpack_status <> 'completed')))
       -- a bundle copy that is (or will be) the source of a leg still to deliver stays: the
       -- copy at the origin location (or a custom route's origin) and, for a relay route, any
       -- copy at the relay site, until a completed transfer has taken the bundle to the route's
       -- destination site. Legs are created later (a relay's onward leg only once the bundle is
       -- at the relay site), so until then no transfer holds the copy.
       AND NOT EXISTS (
            SELECT 1 FROM c
            JOIN data_location here ON here.id = c.data_location_id
            JOIN data_transfer_package d ON d.id = c.data_transfer_package_id
            JOIN data_location origin ON origin.id = d.origin_location_id
            JOIN data_transfer_route r ON r.active AND r.origin_site_id = origin.site_id
            WHERE c.type = 'data_transfer_package'
              AND (c.data_location_id = coalesce(r.origin_location_id, d.origin_location_id)
                   OR (r.route_type = 'relay' AND here.site_id = r.relay_site_id))
              AND NOT EXISTS (
                    SELECT 1 FROM data_transfer t JOIN data_location tl ON tl.id = t.destination_location_id
                    WHERE t.data_transfer_package_id = d.id AND tl.site_id = r.destination_site_id
                      AND t.status = 'completed'))
       -- no active staging job needs any of the packages
       AND NOT EXISTS (
            SELECT 1 FROM packages pk
            JOIN staging_job_package sp ON sp.raw_data_package_id = pk.package_id
            JOIN staging_job j ON j.id = sp.staging_job_id
            WHERE j.status IN ('pending', 'scheduled', 'in_progress'))
$$;

-- Name: opsdb_checksum_valid(text, text); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_checksum_valid(algorithm text, checksum text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
    -- false (not NULL, which a CHECK would let through) for an unknown algorithm
    SELECT coalesce(checksum ~ '^[0-9a-f]+$'
       AND length(checksum) = CASE algorithm
            WHEN 'md5' THEN 32 WHEN 'sha1' THEN 40 WHEN 'sha256' THEN 64
            WHEN 'sha512' THEN 128 WHEN 'xxh64' THEN 16 WHEN 'crc32c' THEN 8 END, false)
$_$;

-- Name: opsdb_claim_deletable(bigint); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_claim_deletable(copy_id bigint) RETURNS boolean
    LANGUAGE plpgsql
    AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM opsdb_deletable_locked(ARRAY[copy_id]));
END;
$$;

-- Name: physical_copy; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.physical_copy (
    id bigint NOT NULL,
    type text NOT NULL,
    raw_data_file_id uuid,
    raw_data_package_id bigint,
    data_transfer_package_id bigint,
    data_location_id bigint NOT NULL,
    status text DEFAULT 'present'::text NOT NULL,
    checksum_verified_at timestamp with time zone,
    deleted_at timestamp with time zone,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 4 NOT NULL,
    last_error text,
    next_attempt_at timestamp with time zone,
    claimed_by text,
    claim_token uuid,
    lease_until timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    priority integer DEFAULT 0 NOT NULL,
    external_job jsonb,
    CONSTRAINT physical_copy_attempts_nonnegative CHECK ((attempts >= 0)),
    CONSTRAINT physical_copy_claim_columns CHECK (((status <> 'deletion_in_progress'::text) OR ((claim_token IS NOT NULL) AND (lease_until IS NOT NULL) AND (claimed_by IS NOT NULL)))),
    CONSTRAINT physical_copy_deleted_at_iff_deleted CHECK (((status = 'deleted'::text) = (deleted_at IS NOT NULL))),
    CONSTRAINT physical_copy_external_job_object CHECK (((jsonb_typeof(external_job) = 'object'::text) AND (octet_length((external_job)::text) <= 8192))),
    CONSTRAINT physical_copy_max_attempts_positive CHECK ((max_attempts > 0)),
    CONSTRAINT physical_copy_priority_range CHECK (((priority >= '-100'::integer) AND (priority <= 100))),
    CONSTRAINT physical_copy_status_valid CHECK ((status = ANY (ARRAY['present'::text, 'staged'::text, 'deletion_scheduled'::text, 'deletion_in_progress'::text, 'deletion_possible'::text, 'deleted'::text, 'deletion_failed'::text, 'lost'::text, 'corrupt'::text]))),
    CONSTRAINT physical_copy_type_columns CHECK ((((type = 'raw_data_file'::text) = (raw_data_file_id IS NOT NULL)) AND ((type = 'raw_data_package'::text) = (raw_data_package_id IS NOT NULL)) AND ((type = 'data_transfer_package'::text) = (data_transfer_package_id IS NOT NULL)))),
    CONSTRAINT physical_copy_type_valid CHECK ((type = ANY (ARRAY['raw_data_file'::text, 'raw_data_package'::text, 'data_transfer_package'::text])))
)
WITH (autovacuum_vacuum_scale_factor='0.02', autovacuum_vacuum_insert_scale_factor='0.02', autovacuum_analyze_scale_factor='0.005', autovacuum_analyze_threshold='10000');

-- Name: opsdb_claim_deletions(text, integer, bigint[], text[], double precision); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_claim_deletions(worker text, max_rows integer, locations bigint[], sites text[], lease_seconds double precision) RETURNS SETOF public.physical_copy
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    capped boolean := EXISTS (SELECT 1 FROM work_cap w WHERE w.kind = 'physical_copy_deletion');
    full_locations bigint[] := '{}';
    window_ids bigint[];
    window_locations bigint[];
    window_takeovers boolean[];
    window_ranks timestamptz[];
    window_types text[];
    window_packages bigint[];
    window_bundles bigint[];
    window_sizes bigint[];
    allowed bigint[];
    chosen bigint[];
    chosen_sizes bigint[];
    hint tid;
BEGIN
    IF coalesce(worker, '') = '' OR coalesce(max_rows, 0) <= 0 OR coalesce(lease_seconds, 0) <= 0 THEN
        RAISE EXCEPTION 'a claim needs a worker, a positive limit and a positive lease' USING ERRCODE = '22023';
    END IF;
    -- this function runs as the owner (0017's actor triggers see the owner): the caller must be
    -- the deletion daemon (EXECUTE is granted to it alone; opsdb_writer is a member)
    IF NOT (pg_has_role(opsdb_acting_role(), 'opsdb_deletion_daemon', 'USAGE')
            OR pg_has_role(opsdb_acting_role(), (SELECT c.relowner FROM pg_class c WHERE c.oid = 'physical_copy'::regclass),
                           'USAGE')) THEN
        RAISE EXCEPTION 'only the deletion daemon may claim deletions, not %', opsdb_acting_role()
            USING ERRCODE = '42501';
    END IF;

    IF capped THEN
        -- locations whose cap has no room left on this snapshot: their backlog does not fill
        -- the window (a cheap pre-filter; the exact count comes below)
        full_locations := ARRAY(SELECT r.location_id FROM opsdb_work_cap_room('physical_copy_deletion', NULL, NULL, false) r
                                WHERE r.items <= 0);
    END IF;
    -- the window, locked, with what the ranking and the rule below need: read once, under the
    -- row locks (the copies cannot change until this transaction ends; the refusal below moves
    -- only copies that are not judged again), each file copy's file probed once for its package
    -- and its size
    SELECT array_agg(w.id ORDER BY w.id), array_agg(w.data_location_id ORDER BY w.id),
           array_agg(w.status = 'deletion_in_progress' ORDER BY w.id), array_agg(w.rank_key ORDER BY w.id),
           array_agg(w.type ORDER BY w.id),
           array_agg(CASE WHEN w.type = 'raw_data_file' THEN f.raw_data_package_id ELSE w.raw_data_package_id END
                     ORDER BY w.id),
           array_agg(w.data_transfer_package_id ORDER BY w.id), array_agg(f.size_bytes ORDER BY w.id)
      INTO window_ids, window_locations, window_takeovers, window_ranks, window_types, window_packages, window_bundles,
           window_sizes
    FROM (
        SELECT t.id, t.data_location_id, t.status, opsdb_work_order(t.next_attempt_at, t.priority) AS rank_key,
               t.type, t.raw_data_file_id, t.raw_data_package_id, t.data_transfer_package_id
        FROM physical_copy t
        WHERE t.status IN ('deletion_scheduled', 'deletion_in_progress')
          AND t.next_attempt_at <= statement_timestamp()
          AND t.data_location_id IN (
                SELECT l.id FROM data_location l
                WHERE l.location_type <> 'long_term_archive'
                  AND (locations IS NULL OR l.id = ANY(locations))
                  AND (sites IS NULL OR l.site_id IN (SELECT s.id FROM site s WHERE s.short_name = ANY(sites))))
          AND (t.status = 'deletion_in_progress' OR NOT t.data_location_id = ANY(full_locations))
        ORDER BY opsdb_work_order(t.next_attempt_at, t.priority), t.next_attempt_at
        LIMIT max_rows + 16
        FOR UPDATE OF t SKIP LOCKED) w
    -- after the locks, one probe per file copy (OFFSET 0: never a join planned over the file table)
    LEFT JOIN LATERAL (
        SELECT rf.raw_data_package_id, rf.size_bytes FROM raw_data_file rf
        WHERE w.type = 'raw_data_file' AND rf.id = w.raw_data_file_id
        OFFSET 0) f ON true;
    IF coalesce(cardinality(window_ids), 0) = 0 THEN
        RETURN;
    END IF;

    -- the rule under the backing's locks (FOR SHARE, id order), judged in the next statement (a
    -- fresh snapshot: whatever the locks waited for is seen), as opsdb_deletable_locked does
    PERFORM opsdb_lock_package_backing(ARRAY(
        SELECT p FROM unnest(window_packages) AS p WHERE p IS NOT NULL
        UNION
        SELECT p.id FROM raw_data_package p
        WHERE p.data_transfer_package_id = ANY(window_bundles) AND p.data_transfer_package_id IS NOT NULL));
    -- (the rule's statement planned once per session: opsdb_deletable_judged, as the guard and the
    -- confirmation judge since 0030; it reads on this statement's snapshot)
    allowed := opsdb_deletable_judged(window_ids, window_types, window_packages, window_bundles, window_locations);

    -- the rule's answer is a subset of the window: the same size means nothing was refused
    IF cardinality(allowed) < cardinality(window_ids) THEN
        UPDATE physical_copy t
        SET next_attempt_at = clock_timestamp() + interval '60 seconds',
            status = CASE WHEN t.status = 'deletion_in_progress' THEN 'deletion_failed' ELSE t.status END,
            last_error = CASE WHEN t.status = 'deletion_in_progress'
                THEN 'lease of ' || t.claimed_by || ' expired mid-deletion and the safe-deletion rule no longer holds: '
                     || 'its bytes may be partly removed; check the copy, then reset it or mark it lost or corrupt'
                ELSE t.last_error END,
            claim_token = CASE WHEN t.status = 'deletion_in_progress' THEN NULL ELSE t.claim_token END,
            lease_until = CASE WHEN t.status = 'deletion_in_progress' THEN NULL ELSE t.lease_until END,
            updated_at = now()
        WHERE t.id = ANY(window_ids) AND NOT t.id = ANY(allowed);
    END IF;

    SELECT array_agg(x.id ORDER BY x.rank_key, x.id), array_agg(x.size_bytes ORDER BY x.rank_key, x.id)
      INTO chosen, chosen_sizes
    FROM (
        WITH judged AS (
            SELECT w.id, w.location_id, w.takeover, w.rank_key, w.size_bytes
            FROM unnest(window_ids, window_locations, window_takeovers, window_ranks, window_sizes)
                 AS w(id, location_id, takeover, rank_key, size_bytes)
            WHERE w.id IN (SELECT unnest(allowed))
        ),
        rooms AS (
            -- waits for the caps' other claimers to commit, then counts on a fresh snapshot
            SELECT r.location_id, r.items FROM opsdb_work_cap_room(
                'physical_copy_deletion',
                (SELECT coalesce(array_agg(DISTINCT j.location_id), '{}') FROM judged j WHERE NOT j.takeover),
                '{}', true) r
            WHERE capped
        ),
        ranked AS (
            SELECT j.*, count(*) FILTER (WHERE NOT j.takeover)
                            OVER (PARTITION BY j.location_id ORDER BY j.rank_key, j.id) AS nth_here
            FROM judged j
        )
        SELECT r.id, r.rank_key, r.size_bytes FROM ranked r LEFT JOIN rooms here ON here.location_id = r.location_id
        WHERE r.takeover OR here.location_id IS NULL OR r.nth_here <= here.items
        ORDER BY r.rank_key, r.id
        LIMIT max_rows) x;
    IF coalesce(cardinality(chosen), 0) = 0 THEN
        RETURN;
    END IF;

    INSERT INTO deletion_claim_verdict (copy_id) SELECT unnest(chosen);
    -- the sizes read above for the copy counters, one row (0029's batch form; was a row per copy)
    INSERT INTO copy_size_hint (copy_id, size_bytes, copy_ids, sizes)
    SELECT 0, 0, array_agg(h.id), array_agg(h.size_bytes)
    FROM unnest(chosen, chosen_sizes) AS h(id, size_bytes) WHERE h.size_bytes IS NOT NULL
    HAVING count(*) > 0
    RETURNING ctid INTO hint;
    RETURN QUERY
        WITH claimed AS (
            UPDATE physical_copy t
            SET status = CASE WHEN t.attempts >= t.max_attempts THEN 'deletion_failed' ELSE 'deletion_in_progress' END,
                attempts = LEAST(t.attempts + 1, t.max_attempts),
                last_error = CASE
                    WHEN t.status = 'deletion_in_progress' AND t.attempts >= t.max_attempts
                        THEN 'lease of ' || t.claimed_by || ' expired; no attempts left'
                    WHEN t.status = 'deletion_in_progress' THEN 'lease of ' || t.claimed_by || ' expired'
                    ELSE t.last_error END,
                claimed_by = CASE WHEN t.attempts >= t.max_attempts THEN t.claimed_by ELSE worker END,
                claim_token = CASE WHEN t.attempts >= t.max_attempts THEN NULL ELSE gen_random_uuid() END,
                -- leases run from the moment of the claim, not from the start of the transaction
                lease_until = CASE WHEN t.attempts >= t.max_attempts THEN NULL
                                   ELSE clock_timestamp() + make_interval(secs => lease_seconds) END,
                next_attempt_at = CASE WHEN t.attempts >= t.max_attempts THEN t.next_attempt_at
                                       ELSE clock_timestamp() + make_interval(secs => lease_seconds) END,
                updated_at = now()
            WHERE t.id = ANY(chosen)
            RETURNING t.*
        )
        SELECT * FROM claimed c WHERE c.status = 'deletion_in_progress' ORDER BY c.id;
    DELETE FROM deletion_claim_verdict v WHERE v.copy_id = ANY(chosen);
    IF hint IS NOT NULL THEN
        DELETE FROM copy_size_hint h WHERE h.ctid = hint;
    END IF;
END;
$$;

-- Name: opsdb_confirm_deletion(bigint, uuid); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_confirm_deletion(copy_id bigint, token uuid) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    PERFORM 1 FROM physical_copy c
    WHERE c.id = copy_id AND c.claim_token = token AND c.status = 'deletion_in_progress'
    FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'lost';
    END IF;
    IF EXISTS (SELECT 1 FROM opsdb_deletable_locked(ARRAY[copy_id])) THEN
        RETURN 'go';
    END IF;
    UPDATE physical_copy c
    SET status = 'deletion_scheduled', next_attempt_at = now() + interval '60 seconds',
        claim_token = NULL, lease_until = NULL,
        last_error = 'refused at confirmation: the safe-deletion rule no longer held'
    WHERE c.id = copy_id;
    RETURN 'refused';
END;
$$;

-- Name: opsdb_confirm_deletions(bigint[], uuid[]); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_confirm_deletions(ids bigint[], tokens uuid[]) RETURNS TABLE(copy_id bigint, verdict text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    SET plan_cache_mode TO 'force_custom_plan'
    AS $$
DECLARE
    held bigint[];
    h_types text[];
    h_packages bigint[];
    h_bundles bigint[];
    h_locations bigint[];
    ok bigint[];
BEGIN
    -- the claimed copies, locked (id order), with what the rule needs: read once (each file copy's
    -- file probed once, after the locks)
    SELECT array_agg(h.id ORDER BY h.id), array_agg(h.type ORDER BY h.id),
           array_agg(CASE WHEN h.type = 'raw_data_file' THEN f.raw_data_package_id ELSE h.raw_data_package_id END
                     ORDER BY h.id),
           array_agg(h.data_transfer_package_id ORDER BY h.id), array_agg(h.data_location_id ORDER BY h.id)
      INTO held, h_types, h_packages, h_bundles, h_locations
    FROM (
        SELECT c.id, c.type, c.raw_data_file_id, c.raw_data_package_id, c.data_transfer_package_id, c.data_location_id
        FROM physical_copy c JOIN unnest(ids, tokens) AS u(id, token) ON c.id = u.id AND c.claim_token = u.token
        WHERE c.status = 'deletion_in_progress'
        ORDER BY c.id
        FOR UPDATE OF c) h
    LEFT JOIN LATERAL (
        SELECT rf.raw_data_package_id FROM raw_data_file rf
        WHERE h.type = 'raw_data_file' AND rf.id = h.raw_data_file_id
        OFFSET 0) f ON true;
    held := coalesce(held, '{}');
    -- the backing's locks, then the rule on a fresh snapshot (as opsdb_deletable_locked does)
    PERFORM opsdb_lock_package_backing(ARRAY(
        SELECT p FROM unnest(h_packages) AS p WHERE p IS NOT NULL
        UNION
        SELECT p.id FROM raw_data_package p
        WHERE p.data_transfer_package_id = ANY(h_bundles) AND p.data_transfer_package_id IS NOT NULL));
    ok := opsdb_deletable_judged(held, h_types, h_packages, h_bundles, h_locations);
    -- the rule's answer is a subset of the held copies: the same size means none was refused
    IF cardinality(ok) < cardinality(ARRAY(SELECT DISTINCT h FROM unnest(held) AS h)) THEN
        UPDATE physical_copy c
        SET status = 'deletion_scheduled', next_attempt_at = clock_timestamp() + interval '60 seconds',
            claim_token = NULL, lease_until = NULL,
            last_error = 'refused at confirmation: the safe-deletion rule no longer held'
        WHERE c.id = ANY(held) AND c.id NOT IN (SELECT unnest(ok));
    END IF;
    RETURN QUERY
        SELECT u.id, CASE WHEN g.id IS NOT NULL THEN 'go' WHEN h.id IS NOT NULL THEN 'refused' ELSE 'lost' END
        FROM unnest(ids) WITH ORDINALITY AS u(id, n)
        LEFT JOIN (SELECT DISTINCT x AS id FROM unnest(ok) AS x) g ON g.id = u.id
        LEFT JOIN (SELECT DISTINCT x AS id FROM unnest(held) AS x) h ON h.id = u.id
        ORDER BY u.n;
END;
$$;

-- Name: opsdb_copy_deletable(bigint); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_copy_deletable(copy_id bigint) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT opsdb_archive_backed_deletable(copy_id) OR opsdb_staged_copy_expired(copy_id)
$$;

-- Name: opsdb_copy_deltas_insert(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_copy_deltas_insert() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    -- one statement per batch (a registration batch); each new copy's size by one index probe in
    -- CASE type, whatever the sizes of the tables (joins let the planner hash the whole file
    -- table for a large batch: 1,000,000 files for 100,000 new copies, spilled to disk)
    INSERT INTO copy_space_delta (data_location_id, type, status, copies, bytes)
    SELECT n.data_location_id, n.type, n.status, count(*),
           coalesce(sum(CASE n.type
               WHEN 'raw_data_file' THEN (SELECT f.size_bytes FROM raw_data_file f WHERE f.id = n.raw_data_file_id)
               WHEN 'raw_data_package' THEN (SELECT p.size_bytes FROM raw_data_package p WHERE p.id = n.raw_data_package_id)
               ELSE (SELECT b.size_bytes FROM data_transfer_package b WHERE b.id = n.data_transfer_package_id)
           END), 0)
    FROM new_copies n
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

-- Name: opsdb_copy_deltas_update(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_copy_deltas_update() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_copies) THEN
        RETURN NULL;  -- e.g. a completion's INSERT ... ON CONFLICT DO UPDATE that inserted only
    END IF;
    EXECUTE $q$
        WITH batch AS (
            SELECT u.id, max(u.size_bytes) AS size_bytes
            FROM copy_size_hint h CROSS JOIN LATERAL unnest(h.copy_ids, h.sizes) AS u(id, size_bytes)
            WHERE h.copy_id = 0 AND h.copy_ids IS NOT NULL  -- by its index (the claim's rows are many)
            GROUP BY u.id
        ),
        -- the per-copy hints (the claim's) of this statement's file copies, in one scan of their
        -- index over the sorted ids (was a probe per row)
        single AS (
            SELECT h.copy_id AS id, max(h.size_bytes) AS size_bytes
            FROM copy_size_hint h
            WHERE h.copy_id = ANY(ARRAY(SELECT n.id FROM new_copies n WHERE n.type = 'raw_data_file' ORDER BY n.id))
              AND h.copy_ids IS NULL
            GROUP BY h.copy_id
        ),
        m AS (
            SELECT o.data_location_id, o.type, o.status, o.raw_data_file_id, o.raw_data_package_id,
                   o.data_transfer_package_id, n.data_location_id AS nloc, n.type AS ntype, n.status AS nstatus,
                   (o.type = n.type AND o.raw_data_file_id IS NOT DISTINCT FROM n.raw_data_file_id
                    AND o.raw_data_package_id IS NOT DISTINCT FROM n.raw_data_package_id
                    AND o.data_transfer_package_id IS NOT DISTINCT FROM n.data_transfer_package_id) AS same,
                   coalesce(b.size_bytes, s.size_bytes, CASE n.type
                       WHEN 'raw_data_file' THEN (SELECT f.size_bytes FROM raw_data_file f WHERE f.id = n.raw_data_file_id)
                       WHEN 'raw_data_package' THEN
                           (SELECT p.size_bytes FROM raw_data_package p WHERE p.id = n.raw_data_package_id)
                       ELSE (SELECT d.size_bytes FROM data_transfer_package d WHERE d.id = n.data_transfer_package_id)
                   END, 0) AS nsize
            FROM old_copies o JOIN new_copies n ON n.id = o.id
            LEFT JOIN batch b ON b.id = n.id
            LEFT JOIN single s ON s.id = n.id
            WHERE o.status IS DISTINCT FROM n.status OR o.data_location_id <> n.data_location_id
            OFFSET 0  -- each size probed once
        ),
        g AS (
            SELECT m.data_location_id, m.type, m.status, m.nloc, m.ntype, m.nstatus, count(*) AS k,
                   sum(m.nsize) AS nbytes,
                   sum(CASE WHEN m.same THEN m.nsize
                       ELSE coalesce(CASE m.type
                           WHEN 'raw_data_file' THEN (SELECT f.size_bytes FROM raw_data_file f WHERE f.id = m.raw_data_file_id)
                           WHEN 'raw_data_package' THEN
                               (SELECT p.size_bytes FROM raw_data_package p WHERE p.id = m.raw_data_package_id)
                           ELSE (SELECT d.size_bytes FROM data_transfer_package d WHERE d.id = m.data_transfer_package_id)
                       END, 0) END) AS obytes
            FROM m
            GROUP BY 1, 2, 3, 4, 5, 6
        )
        INSERT INTO copy_space_delta (data_location_id, type, status, copies, bytes)
        SELECT v.loc, v.t, v.s, sum(v.c), sum(v.b)
        FROM g CROSS JOIN LATERAL (VALUES
            (g.data_location_id, g.type, g.status, -g.k, -g.obytes),
            (g.nloc, g.ntype, g.nstatus, g.k, g.nbytes)) AS v (loc, t, s, c, b)
        GROUP BY 1, 2, 3
        HAVING sum(v.c) <> 0 OR sum(v.b) <> 0
    $q$;
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
$_$;

-- Name: opsdb_copy_size(text, uuid, bigint, bigint); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_copy_size(p_type text, p_file uuid, p_package bigint, p_bundle bigint) RETURNS bigint
    LANGUAGE sql STABLE
    AS $$
    SELECT coalesce(CASE p_type
        WHEN 'raw_data_file' THEN (SELECT size_bytes FROM raw_data_file WHERE id = p_file)
        WHEN 'raw_data_package' THEN (SELECT size_bytes FROM raw_data_package WHERE id = p_package)
        ELSE (SELECT size_bytes FROM data_transfer_package WHERE id = p_bundle) END, 0)
$$;

-- Name: opsdb_deletable(bigint[]); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_deletable(ids bigint[]) RETURNS SETOF bigint
    LANGUAGE sql STABLE
    AS $$
    SELECT d
    FROM (
        SELECT array_agg(pc.id) AS ids, array_agg(pc.type) AS types,
               array_agg(CASE WHEN pc.type = 'raw_data_file'
                              THEN (SELECT f.raw_data_package_id FROM raw_data_file f WHERE f.id = pc.raw_data_file_id)
                              ELSE pc.raw_data_package_id END) AS packages,
               array_agg(pc.data_transfer_package_id) AS bundles, array_agg(pc.data_location_id) AS locations
        FROM physical_copy pc
        WHERE pc.id = ANY(ids)
    ) r
    CROSS JOIN LATERAL opsdb_deletable_rows(r.ids, r.types, r.packages, r.bundles, r.locations) AS d
$$;

-- Name: opsdb_deletable_judged(bigint[], text[], bigint[], bigint[], bigint[]); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_deletable_judged(ids bigint[], types text[], packages bigint[], bundles bigint[], locations bigint[]) RETURNS bigint[]
    LANGUAGE plpgsql STABLE
    SET search_path TO 'public', 'pg_temp'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
BEGIN
    RETURN ARRAY(SELECT d FROM opsdb_deletable_rows(ids, types, packages, bundles, locations) AS d);
END;
$$;

-- Name: opsdb_deletable_locked(bigint[]); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_deletable_locked(ids bigint[]) RETURNS SETOF bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    PERFORM opsdb_lock_deletion_backing(ids);
    RETURN QUERY SELECT d FROM opsdb_deletable(ids) AS d;
END;
$$;

-- Name: opsdb_deletable_rows(bigint[], text[], bigint[], bigint[], bigint[]); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_deletable_rows(ids bigint[], types text[], packages bigint[], bundles bigint[], locations bigint[]) RETURNS SETOF bigint
    LANGUAGE sql STABLE
    AS $$
    WITH c AS (
        SELECT u.id, u.type, u.package_id, u.bundle_id, u.data_location_id, l.location_type, l.site_id
        FROM unnest(ids, types, packages, bundles, locations) AS u(id, type, package_id, bundle_id, data_location_id)
        JOIN data_location l ON l.id = u.data_location_id
    ),
    -- every (copy, package it holds) of the source and buffer copies (rule 1)
    held AS (
        SELECT c.id, c.package_id, c.data_location_id, c.type, c.bundle_id, c.site_id
        FROM c
        WHERE c.type IN ('raw_data_package', 'raw_data_file') AND c.location_type IN ('source', 'buffer')
        UNION ALL
        SELECT c.id, p.id, c.data_location_id, c.type, c.bundle_id, c.site_id
        FROM c JOIN raw_data_package p ON p.data_transfer_package_id = c.bundle_id
        WHERE c.type = 'data_transfer_package' AND c.location_type IN ('source', 'buffer')
    ),
    pairs AS (
        SELECT array_agg(package_id) AS packages, array_agg(data_location_id) AS locations
        FROM (SELECT DISTINCT package_id, data_location_id FROM held WHERE package_id IS NOT NULL) d
    ),
    blocked AS (
        SELECT b.* FROM pairs, opsdb_deletion_pairs_blocked(pairs.packages, pairs.locations) b
    ),
    archive_backed AS (
        -- at least one package, none unpackaged, none blocked at this copy's location (the copy's
        -- own columns ride along: one row per copy, no join back to c)
        SELECT h.id, h.type, h.bundle_id, h.data_location_id, h.site_id FROM held h
        LEFT JOIN blocked b ON b.raw_data_package_id = h.package_id AND b.data_location_id = h.data_location_id
        GROUP BY h.id, h.type, h.bundle_id, h.data_location_id, h.site_id
        HAVING bool_and(h.package_id IS NOT NULL AND b.raw_data_package_id IS NULL)
    )
    SELECT c.id FROM archive_backed c
    WHERE c.type <> 'data_transfer_package'
       OR (
            -- a bundle copy: no unfinished transfer from here, no unfinished unpack here (rule 3)
            NOT EXISTS (
                SELECT 1 FROM data_transfer t
                WHERE t.data_transfer_package_id = c.bundle_id
                  AND ((t.origin_location_id = c.data_location_id AND t.status <> 'completed')
                    OR (t.destination_location_id = c.data_location_id AND t.unpack_status <> 'completed')))
            -- nor a copy a route's leg starts from, until the route's destination has it (rule 6)
            AND NOT EXISTS (
                SELECT 1 FROM data_transfer_package d
                JOIN data_location origin ON origin.id = d.origin_location_id
                JOIN data_transfer_route r ON r.active AND r.origin_site_id = origin.site_id
                WHERE d.id = c.bundle_id
                  AND (c.data_location_id = coalesce(r.origin_location_id, d.origin_location_id)
                       OR (r.route_type = 'relay' AND c.site_id = r.relay_site_id))
                  AND NOT EXISTS (
                        SELECT 1 FROM data_transfer t JOIN data_location tl ON tl.id = t.destination_location_id
                        WHERE t.data_transfer_package_id = d.id AND tl.site_id = r.destination_site_id
                          AND t.status = 'completed')))
    UNION
    -- a staged package copy at a processing location whose staging jobs are over (rule 7)
    SELECT c.id FROM c
    WHERE c.type = 'raw_data_package' AND c.location_type = 'processing'
      AND EXISTS (
            SELECT 1 FROM physical_copy a JOIN data_location al ON al.id = a.data_location_id
            WHERE a.type = 'raw_data_package' AND a.raw_data_package_id = c.package_id
              AND a.status = 'present' AND a.checksum_verified_at IS NOT NULL
              AND al.location_type = 'long_term_archive')
      AND EXISTS (
            SELECT 1 FROM staging_job j JOIN staging_job_package sp ON sp.staging_job_id = j.id
            WHERE sp.raw_data_package_id = c.package_id
              AND j.destination_location_id = c.data_location_id AND j.status = 'completed')
      AND NOT EXISTS (
            SELECT 1 FROM staging_job j JOIN staging_job_package sp ON sp.staging_job_id = j.id
            WHERE sp.raw_data_package_id = c.package_id
              AND j.destination_location_id = c.data_location_id
              AND (j.status IN ('pending', 'scheduled', 'in_progress')
                   OR (j.status = 'completed' AND (j.retention_until IS NULL OR j.retention_until > now()))))
$$;

-- Name: opsdb_deletion_candidates(bigint[], integer); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_deletion_candidates(locations bigint[], max_rows integer) RETURNS SETOF bigint
    LANGUAGE sql STABLE
    AS $$
    SELECT s.id FROM opsdb_deletion_scan(locations, max_rows) s WHERE s.id IS NOT NULL
$$;

-- Name: opsdb_deletion_pair_copies(bigint[], bigint[], integer); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_deletion_pair_copies(packages bigint[], locations bigint[], max_rows integer) RETURNS TABLE(id bigint, size_bytes bigint, pair integer)
    LANGUAGE sql STABLE
    AS $$
    WITH pairs AS MATERIALIZED (
        SELECT u.package_id, u.location_id, u.n
        FROM unnest(packages, locations) WITH ORDINALITY AS u(package_id, location_id, n)
        ORDER BY u.n
    )
    SELECT fc.id, fc.size_bytes, a.n::integer
    FROM pairs a
    -- OFFSET 0: a nested loop over the pairs in their order (never a join planned over the file
    -- table), so the limit stops within the last pair reached
    CROSS JOIN LATERAL (
        SELECT c.id, f.size_bytes FROM raw_data_file f
        JOIN physical_copy c ON c.raw_data_file_id = f.id AND c.data_location_id = a.location_id
        WHERE f.raw_data_package_id = a.package_id AND c.status IN ('present', 'deletion_possible')
        OFFSET 0) fc
    LIMIT max_rows
$$;

-- Name: opsdb_deletion_pairs_blocked(bigint[], bigint[]); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_deletion_pairs_blocked(package_ids bigint[], location_ids bigint[]) RETURNS TABLE(raw_data_package_id bigint, data_location_id bigint)
    LANGUAGE sql STABLE
    AS $$
    -- every look-up is a LATERAL ... LIMIT 1 on an index, per pair: the cost follows the pairs
    -- asked about, never the archived packages or copies ever recorded
    SELECT pl.package_id, pl.location_id
    FROM (SELECT DISTINCT u.package_id, u.location_id FROM unnest(package_ids, location_ids) AS u(package_id, location_id)) pl
    JOIN data_location here ON here.id = pl.location_id
    LEFT JOIN raw_data_package p ON p.id = pl.package_id
    LEFT JOIN LATERAL (
        SELECT true AS found FROM physical_copy a JOIN data_location al ON al.id = a.data_location_id
        WHERE a.type = 'raw_data_package' AND a.raw_data_package_id = p.id
          AND a.status = 'present' AND a.checksum_verified_at IS NOT NULL
          AND al.location_type = 'long_term_archive'
        LIMIT 1) archived ON true
    LEFT JOIN LATERAL (
        SELECT true AS found FROM data_location l
        WHERE here.location_type = 'buffer' AND l.site_id = here.site_id
          AND l.location_type = 'long_term_archive' AND l.active
        LIMIT 1) site_archive ON true
    LEFT JOIN LATERAL (
        SELECT true AS found FROM physical_copy a JOIN data_location al ON al.id = a.data_location_id
        WHERE site_archive.found AND a.type = 'raw_data_package' AND a.raw_data_package_id = p.id
          AND a.status = 'present' AND a.checksum_verified_at IS NOT NULL
          AND al.location_type = 'long_term_archive' AND al.site_id = here.site_id
        LIMIT 1) at_site ON true
    LEFT JOIN LATERAL (
        SELECT true AS found FROM data_transfer_package d
        WHERE d.id = p.data_transfer_package_id AND d.origin_location_id = pl.location_id AND d.status <> 'completed'
        LIMIT 1) building ON true
    LEFT JOIN LATERAL (
        SELECT true AS found FROM long_term_archive_transfer t
        WHERE t.raw_data_package_id = p.id AND t.origin_location_id = pl.location_id AND t.status <> 'completed'
        LIMIT 1) archiving ON true
    LEFT JOIN LATERAL (
        SELECT true AS found FROM staging_job_package sp JOIN staging_job j ON j.id = sp.staging_job_id
        WHERE sp.raw_data_package_id = p.id AND j.status IN ('pending', 'scheduled', 'in_progress')
        LIMIT 1) staging ON true
    WHERE p.id IS NULL OR p.state <> 'archived'                  -- rule 2
       OR archived.found IS NULL
       OR (site_archive.found AND at_site.found IS NULL)         -- rule 5
       OR building.found OR archiving.found                      -- rule 3
       OR staging.found                                          -- rule 4
$$;

-- Name: opsdb_deletion_priority_default(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_deletion_priority_default() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.priority := LEAST(100, GREATEST(-100, COALESCE(
        (SELECT l.priority FROM data_location l WHERE l.id = NEW.data_location_id), 0)));
    RETURN NEW;
END;
$$;

-- Name: opsdb_deletion_priority_fixup(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_deletion_priority_fixup() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
DECLARE
    wrong bigint[];
    wanted integer[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.status = 'deletion_scheduled') THEN
        RETURN NULL;
    END IF;
    EXECUTE $q$
        SELECT array_agg(n.id ORDER BY n.id), array_agg(LEAST(100, GREATEST(-100, coalesce(l.priority, 0))) ORDER BY n.id)
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        JOIN data_location l ON l.id = n.data_location_id
        WHERE n.status = 'deletion_scheduled' AND o.status NOT IN ('deletion_scheduled', 'deletion_in_progress')
          AND n.priority <> LEAST(100, GREATEST(-100, coalesce(l.priority, 0)))
    $q$ INTO wrong, wanted;
    -- only when there is something to correct: the correction fires this trigger again, and
    -- finds nothing
    IF wrong IS NOT NULL THEN
        UPDATE physical_copy c SET priority = u.priority
        FROM unnest(wrong, wanted) AS u(id, priority)
        WHERE c.id = u.id;
    END IF;
    RETURN NULL;
END;
$_$;

-- Name: opsdb_deletion_scan(bigint[], integer); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_deletion_scan(locations bigint[], max_rows integer) RETURNS TABLE(id bigint, settled_package_id bigint, settled_location_id bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    wanted integer := max_rows;
    found_rows integer;
    pkgs bigint[];
    locs bigint[];
    last_package bigint := -1;
    last_location bigint := -1;
    chunk integer := 16;  -- doubles per round, up to 1024: few pairs judged for a small answer
BEGIN
    IF wanted IS NULL OR wanted <= 0 THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT d, NULL::bigint, NULL::bigint FROM opsdb_deletion_scan_items(locations, wanted) AS d;
    GET DIAGNOSTICS found_rows = ROW_COUNT;
    wanted := wanted - found_rows;
    -- file copies of the queued pairs the rule allows
    WHILE wanted > 0 LOOP
        SELECT array_agg(x.p ORDER BY x.p, x.l), array_agg(x.l ORDER BY x.p, x.l) INTO pkgs, locs
        FROM (SELECT q.raw_data_package_id AS p, q.data_location_id AS l
              FROM deletion_file_queue q
              WHERE (q.raw_data_package_id, q.data_location_id) > (last_package, last_location)
                AND (locations IS NULL OR q.data_location_id = ANY(locations))
              ORDER BY q.raw_data_package_id, q.data_location_id
              LIMIT chunk) x;
        EXIT WHEN pkgs IS NULL;
        last_package := pkgs[array_upper(pkgs, 1)];
        last_location := locs[array_upper(locs, 1)];
        RETURN QUERY
            WITH blocked AS MATERIALIZED (
                SELECT * FROM opsdb_deletion_pairs_blocked(pkgs, locs)
            ),
            allowed AS MATERIALIZED (
                SELECT array_agg(u.package_id ORDER BY u.n) AS packages, array_agg(u.location_id ORDER BY u.n) AS locations
                FROM unnest(pkgs, locs) WITH ORDINALITY AS u(package_id, location_id, n)
                LEFT JOIN blocked b ON b.raw_data_package_id = u.package_id AND b.data_location_id = u.location_id
                WHERE b.raw_data_package_id IS NULL
            )
            SELECT w.id, NULL::bigint, NULL::bigint
            FROM allowed a CROSS JOIN LATERAL opsdb_deletion_pair_copies(a.packages, a.locations, wanted) AS w;
        GET DIAGNOSTICS found_rows = ROW_COUNT;
        wanted := wanted - found_rows;
        chunk := least(chunk * 2, 1024);
    END LOOP;
END;
$$;

-- Name: opsdb_deletion_scan_items(bigint[], integer); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_deletion_scan_items(locations bigint[], max_rows integer) RETURNS SETOF bigint
    LANGUAGE plpgsql STABLE
    AS $$
DECLARE
    ids bigint[];
BEGIN
    ids := ARRAY(
        SELECT c.id FROM data_location l
        -- OFFSET 0: per location, one range of the (location, status) index (never a join planned
        -- over every non-file copy, deleted ones included)
        CROSS JOIN LATERAL (
            SELECT pc.id, pc.type, pc.raw_data_package_id, pc.data_transfer_package_id FROM physical_copy pc
            WHERE pc.data_location_id = l.id AND pc.type <> 'raw_data_file'
              AND pc.status = CASE WHEN l.location_type = 'processing' THEN 'staged' ELSE 'present' END
              AND (l.location_type <> 'processing' OR pc.type = 'raw_data_package')
            OFFSET 0) c
        WHERE l.location_type IN ('source', 'buffer', 'processing')
          AND (locations IS NULL OR l.id = ANY(locations))
          -- the necessary condition, by a probe per copy
          AND (l.location_type = 'processing'
               OR (c.type = 'raw_data_package'
                   AND (SELECT p.state FROM raw_data_package p WHERE p.id = c.raw_data_package_id) = 'archived')
               OR (c.type = 'data_transfer_package'
                   AND (SELECT bool_and(p.state = 'archived') FROM raw_data_package p
                        WHERE p.data_transfer_package_id = c.data_transfer_package_id) IS NOT FALSE)));
    -- nothing to judge: the rule is not even planned
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT d FROM opsdb_deletable(ids) AS d ORDER BY d LIMIT max_rows;
END;
$$;

-- Name: opsdb_fold_copy_deltas(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_fold_copy_deltas() RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: opsdb_fold_state_deltas(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_fold_state_deltas() RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: opsdb_guard_deletion(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_guard_deletion() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
DECLARE
    bad bigint[];
    bad_states text[];
    requeue boolean;
    j_ids bigint[];
    j_types text[];
    j_files uuid[];
    j_packages bigint[];
    j_bundles bigint[];
    j_locations bigint[];
    j_old text[];
    j_new text[];
    ok bigint[];
    refused bigint;
    at integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_rows n
                   WHERE n.status IN ('deletion_in_progress', 'deleted')
                      OR (n.type = 'raw_data_file' AND n.status IN ('present', 'deletion_possible')))
       AND NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.status = 'deletion_in_progress') THEN
        RETURN NULL;
    END IF;
    -- one pass over the statement's rows sorts them out and reads what the rule needs of the judged
    -- ones: entering deletion_in_progress (new, or under another token) unless the claim function
    -- of this statement judged it a moment ago under the same locks (deletion_claim_verdict), or
    -- becoming deleted (EXECUTE: planned for this statement's row count, a hash join for a batch)
    EXECUTE $q$
        -- (MATERIALIZED: each row's expressions evaluated once; inlined, the verdict probe in
        -- "judged" ran once per aggregate that filters on it: eight probes per claimed copy)
        WITH s AS MATERIALIZED (
            SELECT n.id, n.type, n.raw_data_file_id, n.raw_data_package_id, n.data_transfer_package_id,
                   n.data_location_id, n.status, o.status AS old_status,
                   o.status = 'deletion_in_progress'
                       AND n.status NOT IN ('deletion_in_progress', 'deleted', 'deletion_scheduled', 'deletion_failed',
                                            'lost') AS bad,
                   (n.status = 'deletion_in_progress'
                       AND (o.status <> 'deletion_in_progress' OR o.claim_token IS DISTINCT FROM n.claim_token)
                       AND NOT EXISTS (SELECT 1 FROM deletion_claim_verdict v WHERE v.copy_id = n.id))
                   OR (n.status = 'deleted' AND o.status <> 'deleted') AS judged,
                   n.type = 'raw_data_file' AND n.status IN ('present', 'deletion_possible')
                       AND o.status NOT IN ('present', 'deletion_possible') AS requeue
            FROM new_rows n JOIN old_rows o ON o.id = n.id
        )
        SELECT array_agg(s.id ORDER BY s.id) FILTER (WHERE s.bad),
               array_agg(s.status ORDER BY s.id) FILTER (WHERE s.bad),
               coalesce(bool_or(s.requeue), false),
               array_agg(s.id ORDER BY s.id) FILTER (WHERE s.judged),
               array_agg(s.type ORDER BY s.id) FILTER (WHERE s.judged),
               array_agg(s.raw_data_file_id ORDER BY s.id) FILTER (WHERE s.judged),
               array_agg(s.raw_data_package_id ORDER BY s.id) FILTER (WHERE s.judged),
               array_agg(s.data_transfer_package_id ORDER BY s.id) FILTER (WHERE s.judged),
               array_agg(s.data_location_id ORDER BY s.id) FILTER (WHERE s.judged),
               array_agg(s.old_status ORDER BY s.id) FILTER (WHERE s.judged),
               array_agg(s.status ORDER BY s.id) FILTER (WHERE s.judged)
        FROM s
    $q$ INTO bad, bad_states, requeue, j_ids, j_types, j_files, j_packages, j_bundles, j_locations, j_old, j_new;

    -- an owner's explicit repair (0015: opsdb.repair) moves copies outside the rules, recorded
    IF (bad IS NOT NULL OR j_ids IS NOT NULL) AND NOT opsdb_repairing(TG_RELID) THEN
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION 'physical_copy %: being deleted, it cannot become % (retry once the deletion has finished)',
                bad[1], bad_states[1]
                USING ERRCODE = 'OP001', TABLE = 'physical_copy', COLUMN = 'status';
        END IF;
        IF j_ids IS NOT NULL THEN
            -- each file copy's file probed once for its package (ids in order: the judged rows'
            -- order), then the backing's locks and the rule on a fresh snapshot (the next
            -- statement's), as opsdb_deletable_locked does
            j_packages := ARRAY(
                SELECT CASE WHEN u.type = 'raw_data_file'
                            THEN (SELECT f.raw_data_package_id FROM raw_data_file f WHERE f.id = u.file_id)
                            ELSE u.package_id END
                FROM unnest(j_types, j_files, j_packages) WITH ORDINALITY AS u(type, file_id, package_id, n)
                ORDER BY u.n);
            PERFORM opsdb_lock_package_backing(ARRAY(
                SELECT p FROM unnest(j_packages) AS p WHERE p IS NOT NULL
                UNION
                SELECT p.id FROM raw_data_package p
                WHERE p.data_transfer_package_id = ANY(j_bundles) AND p.data_transfer_package_id IS NOT NULL));
            ok := opsdb_deletable_judged(j_ids, j_types, j_packages, j_bundles, j_locations);
            -- the rule's answer is a subset of the judged copies (distinct ids): the same size
            -- means none was refused
            IF cardinality(ok) < cardinality(j_ids) THEN
                SELECT min(j.id) INTO refused FROM unnest(j_ids) AS j(id)
                WHERE j.id NOT IN (SELECT x FROM unnest(ok) AS x);
                at := array_position(j_ids, refused);
                RAISE EXCEPTION 'physical_copy %: deletion refused (% -> %): the safe-deletion rule does not hold',
                    refused, j_old[at], j_new[at]
                    USING ERRCODE = 'OP001', TABLE = 'physical_copy', COLUMN = 'status',
                          HINT = 'do not remove its bytes; if they are gone already, mark the copy lost';
            END IF;
        END IF;
    END IF;

    IF requeue THEN
        EXECUTE $q$
            INSERT INTO deletion_file_queue (raw_data_package_id, data_location_id)
            SELECT DISTINCT f.raw_data_package_id, n.data_location_id
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            JOIN raw_data_file f ON f.id = n.raw_data_file_id
            JOIN raw_data_package p ON p.id = f.raw_data_package_id AND p.state = 'archived'
            JOIN data_location l ON l.id = n.data_location_id AND l.location_type IN ('source', 'buffer')
            WHERE n.type = 'raw_data_file' AND n.status IN ('present', 'deletion_possible')
              AND o.status NOT IN ('present', 'deletion_possible')
            ORDER BY 1, 2
            ON CONFLICT (raw_data_package_id, data_location_id) DO UPDATE SET created_at = excluded.created_at
        $q$;
    END IF;
    RETURN NULL;
END;
$_$;

-- Name: opsdb_lock_deletion_backing(bigint[]); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_lock_deletion_backing(ids bigint[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    PERFORM opsdb_lock_package_backing(ARRAY(
        SELECT pc.raw_data_package_id FROM physical_copy pc
        WHERE pc.id = ANY(ids) AND pc.type = 'raw_data_package'
        UNION
        SELECT f.raw_data_package_id FROM physical_copy pc JOIN raw_data_file f ON f.id = pc.raw_data_file_id
        WHERE pc.id = ANY(ids) AND pc.type = 'raw_data_file'
        UNION
        SELECT p.id FROM physical_copy pc
        JOIN raw_data_package p ON p.data_transfer_package_id = pc.data_transfer_package_id
        WHERE pc.id = ANY(ids) AND pc.type = 'data_transfer_package'));
END;
$$;

-- Name: opsdb_lock_package_backing(bigint[]); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_lock_package_backing(packages bigint[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    PERFORM 1
    FROM physical_copy a
    JOIN data_location al ON al.id = a.data_location_id AND al.location_type = 'long_term_archive'
    WHERE a.type = 'raw_data_package'
      AND a.raw_data_package_id = ANY(packages)
    ORDER BY a.id
    FOR SHARE OF a;
END;
$$;

-- Name: opsdb_lock_requeue_sources(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_lock_requeue_sources() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    -- a file seen packaged keeps its package (only a repair changes it): no packaging can be in flight
    PERFORM 1 FROM raw_data_file f WHERE f.id = NEW.raw_data_file_id AND f.raw_data_package_id IS NULL FOR SHARE;
    PERFORM 1 FROM raw_data_package p
    WHERE p.id = (SELECT f.raw_data_package_id FROM raw_data_file f WHERE f.id = NEW.raw_data_file_id)
      AND p.state <> 'archived'
    FOR SHARE;
    RETURN NULL;
END;
$$;

-- Name: opsdb_notify_deletions(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_notify_deletions() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM new_rows n WHERE n.status = 'deletion_scheduled' AND n.next_attempt_at <= now())
       AND pg_notification_queue_usage()
           < coalesce(nullif(current_setting('opsdb.notify_queue_max_usage', true), '')::double precision, 0.5) THEN
        PERFORM pg_notify('opsdb_work', 'physical_copy_deletion');
    END IF;
    RETURN NULL;
END;
$$;

-- Name: opsdb_notify_work(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_notify_work() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF pg_notification_queue_usage()
       < coalesce(nullif(current_setting('opsdb.notify_queue_max_usage', true), '')::double precision, 0.5) THEN
        PERFORM pg_notify('opsdb_work', TG_ARGV[0]);
    END IF;
    RETURN NULL;
END;
$$;

-- Name: opsdb_package_delta_insert(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_package_delta_insert() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    -- a new package has no verified copy yet: at risk until it has two
    INSERT INTO package_copy_delta (raw_data_package_id, verified) SELECT n.id, 0 FROM new_packages n;
    RETURN NULL;
END
$$;

-- Name: opsdb_queue_archived_package(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_queue_archived_package() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    PERFORM opsdb_queue_file_deletions(ARRAY[NEW.id]);
    RETURN NULL;
END;
$$;

-- Name: opsdb_queue_file_deletions(bigint[]); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_queue_file_deletions(package_ids bigint[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
    INSERT INTO deletion_file_queue (raw_data_package_id, data_location_id)
    SELECT DISTINCT p.id, c.data_location_id
    FROM raw_data_package p
    JOIN raw_data_file f ON f.raw_data_package_id = p.id
    JOIN physical_copy c ON c.raw_data_file_id = f.id
    JOIN data_location l ON l.id = c.data_location_id AND l.location_type IN ('source', 'buffer')
    WHERE p.id = ANY(package_ids) AND p.state = 'archived' AND c.status IN ('present', 'deletion_possible')
    ORDER BY 1, 2
    ON CONFLICT (raw_data_package_id, data_location_id) DO UPDATE SET created_at = excluded.created_at
$$;

-- Name: opsdb_queue_packaged_files(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_queue_packaged_files() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
DECLARE
    pkgs bigint[];
BEGIN
    -- EXECUTE: planned for this statement's rows (a hash join of old and new rows for a batch)
    EXECUTE $q$
        SELECT coalesce(array_agg(DISTINCT n.raw_data_package_id ORDER BY n.raw_data_package_id), '{}')
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.raw_data_package_id IS DISTINCT FROM o.raw_data_package_id AND n.raw_data_package_id IS NOT NULL
    $q$ INTO pkgs;
    IF cardinality(pkgs) = 0 THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM raw_data_package p WHERE p.id = ANY(pkgs) AND p.state <> 'archived' ORDER BY p.id FOR SHARE;
    EXECUTE $q$
        INSERT INTO deletion_file_queue (raw_data_package_id, data_location_id)
        SELECT DISTINCT n.raw_data_package_id, c.data_location_id
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        JOIN raw_data_package p ON p.id = n.raw_data_package_id AND p.state = 'archived'
        JOIN physical_copy c ON c.raw_data_file_id = n.id AND c.type = 'raw_data_file'
        JOIN data_location l ON l.id = c.data_location_id AND l.location_type IN ('source', 'buffer')
        WHERE n.raw_data_package_id IS DISTINCT FROM o.raw_data_package_id
          AND c.status IN ('present', 'deletion_possible')
        ORDER BY 1, 2
        ON CONFLICT (raw_data_package_id, data_location_id) DO UPDATE SET created_at = excluded.created_at
    $q$;
    RETURN NULL;
END;
$_$;

-- Name: opsdb_raise_missing_reference(text, text, text, text, text); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_raise_missing_reference(tbl text, constraint_name text, columns text, key text, referenced text) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE foreign_key_violation USING
        MESSAGE = format('insert or update on table "%s" violates foreign key constraint "%s"', tbl, constraint_name),
        DETAIL = format('Key (%s)=(%s) is not present in table "%s".', columns, key, referenced),
        CONSTRAINT = constraint_name, TABLE = tbl;
END;
$$;

-- Name: opsdb_rebuild_copy_counters(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_rebuild_copy_counters() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: opsdb_rebuild_state_counters(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_rebuild_state_counters() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: opsdb_refuse_transition(text, text, text, text, text, bigint); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_refuse_transition(tbl text, item text, col text, from_state text, to_state text, n bigint) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION '%', format('%s %s: %s %s -> %s is not an allowed transition%s', tbl, item, col,
            coalesce(from_state, '(new)'), to_state,
            CASE WHEN n > 1 THEN format(' (and %s more rows of this statement)', n - 1) ELSE '' END)
        USING ERRCODE = 'OPS01', TABLE = tbl, COLUMN = col,
              DETAIL = json_build_object('item', tbl || ' ' || item, 'table', tbl, 'id', item, 'column', col,
                                         'from', from_state, 'to', to_state)::text,
              HINT = 'allowed transitions: SELECT * FROM state_transition (docs/workflows.md)';
END;
$$;

-- Name: opsdb_relative_path_valid(text); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_relative_path_valid(path text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
    SELECT octet_length(path) BETWEEN 1 AND 2048
       AND path !~ '(^/|//|/$|(^|/)\.\.?(/|$)|[\x01-\x1f\x7f])'
$_$;

-- Name: opsdb_repairing(oid); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_repairing(tbl oid) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT coalesce(current_setting('opsdb.repair', true), '') = 'on'
       AND pg_has_role(opsdb_acting_role(), (SELECT relowner FROM pg_class WHERE oid = tbl), 'MEMBER')
$$;

-- Name: opsdb_restrict_referenced(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_restrict_referenced() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
DECLARE
    referenced boolean;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'removing rows of % needs READ COMMITTED isolation (% is checked with a fresh snapshot)',
            TG_TABLE_NAME, TG_ARGV[2] USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    EXECUTE format('LOCK TABLE %I IN SHARE MODE', TG_ARGV[0]);
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('SELECT EXISTS (SELECT FROM %I WHERE %I IS NOT NULL AND %s)', TG_ARGV[0], TG_ARGV[1], TG_ARGV[3])
            INTO referenced;
    ELSE
        EXECUTE format('SELECT EXISTS (SELECT FROM %I WHERE %I = $1 AND %s)', TG_ARGV[0], TG_ARGV[1], TG_ARGV[3])
            INTO referenced USING OLD.id;
    END IF;
    IF referenced THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('update or delete on table "%s" violates foreign key constraint "%s" on table "%s"',
                             TG_TABLE_NAME, TG_ARGV[2], TG_ARGV[0]),
            DETAIL = CASE WHEN TG_OP = 'TRUNCATE' THEN format('Table "%s" references "%s".', TG_ARGV[0], TG_TABLE_NAME)
                          ELSE format('Key (id)=(%s) is still referenced from table "%s".', OLD.id, TG_ARGV[0]) END,
            CONSTRAINT = TG_ARGV[2], TABLE = TG_ARGV[0], SCHEMA = TG_TABLE_SCHEMA;
    END IF;
    RETURN NULL;
END;
$_$;

-- Name: opsdb_rules_check_identity(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_rules_check_identity() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF NOT opsdb_actor_is_owner(TG_RELID) THEN
        PERFORM opsdb_actor_refuse(
            format('change what %s %s is (its name, path, keys, origin or destination)', TG_TABLE_NAME, OLD.id),
            'the owner');
    END IF;
    RETURN NEW;
END;
$$;

-- Name: opsdb_rules_check_location_place(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_rules_check_location_place() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    held bigint;
BEGIN
    IF opsdb_actor_is_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    -- physical_copy_live_idx (data_location_id, status, id) WHERE status <> 'deleted'
    SELECT c.id INTO held FROM physical_copy c
    WHERE c.data_location_id = OLD.id AND c.status <> 'deleted' AND c.status <> 'lost'
    LIMIT 1;
    IF FOUND THEN
        PERFORM opsdb_actor_refuse(
            format('move data_location %s (its storage, host, path, bucket, prefix, region, library or pool) while it '
                   'holds copies (copy %s)', OLD.id, held),
            'the owner');
    END IF;
    RETURN NEW;
END;
$$;

-- Name: opsdb_rules_check_staging_link(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_rules_check_staging_link() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    job_status text;
BEGIN
    IF opsdb_actor_is_owner(TG_RELID) THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    SELECT j.status INTO job_status FROM staging_job j WHERE j.id = OLD.staging_job_id;
    IF job_status IS DISTINCT FROM 'pending' THEN
        PERFORM opsdb_actor_refuse(
            format('take raw_data_package %s out of staging_job %s (status %s): a job''s packages are fixed once '
                   'it left pending', OLD.raw_data_package_id, OLD.staging_job_id, job_status),
            'the owner');
    END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT j.status INTO job_status FROM staging_job j WHERE j.id = NEW.staging_job_id;
        IF job_status IS DISTINCT FROM 'pending' THEN
            PERFORM opsdb_actor_refuse(
                format('move raw_data_package %s into staging_job %s (status %s)', NEW.raw_data_package_id,
                       NEW.staging_job_id, job_status),
                'the owner');
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END;
$$;

-- Name: opsdb_rules_file_inserted(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_rules_file_inserted() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF NOT opsdb_actor_is_owner(TG_RELID) THEN
        PERFORM opsdb_rules_refuse_unopen_packages(ARRAY[NEW.id], ARRAY[NEW.raw_data_package_id]);
    END IF;
    RETURN NEW;
END;
$$;

-- Name: opsdb_rules_files_packaged(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_rules_files_packaged() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    files uuid[];
    packages bigint[];
BEGIN
    IF opsdb_actor_is_owner(TG_RELID) THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(n.id ORDER BY n.id), array_agg(n.raw_data_package_id ORDER BY n.id) INTO files, packages
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE n.raw_data_package_id IS DISTINCT FROM o.raw_data_package_id AND n.raw_data_package_id IS NOT NULL;
    IF files IS NOT NULL THEN
        PERFORM opsdb_rules_refuse_unopen_packages(files, packages);
    END IF;
    RETURN NULL;
END;
$$;

-- Name: opsdb_rules_operator_action_inserted(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_rules_operator_action_inserted() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    NEW.db_role := opsdb_acting_role();
    NEW.session_role := session_user;
    IF NOT opsdb_actor_is_owner(TG_RELID) THEN
        NEW.at := now();
    END IF;
    RETURN NEW;
END;
$$;

-- Name: opsdb_rules_record_verification(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_rules_record_verification() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    INSERT INTO state_history (table_name, item_id, column_name, from_state, to_state, db_role, session_role,
                               application_name)
    VALUES ('physical_copy', NEW.id::text, 'checksum_verified_at',
            CASE WHEN OLD.checksum_verified_at IS NULL THEN 'unverified' ELSE 'verified' END,
            CASE WHEN NEW.checksum_verified_at IS NULL THEN 'unverified' ELSE 'verified' END,
            opsdb_acting_role(), session_user, current_setting('application_name'));
    RETURN NULL;
END;
$$;

-- Name: opsdb_rules_refuse_unopen_packages(uuid[], bigint[]); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_rules_refuse_unopen_packages(files uuid[], packages bigint[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    bad record;
BEGIN
    SELECT * INTO bad FROM opsdb_rules_unopen_package(packages);
    IF FOUND THEN
        PERFORM opsdb_actor_refuse(
            format('put raw_data_file %s into raw_data_package %s (state %s, build %s%s): a file joins only a '
                   'package waiting to be built',
                   (SELECT min(u.f::text) FROM unnest(files, packages) AS u(f, pk) WHERE u.pk = bad.package_id),
                   bad.package_id, bad.state, bad.status, CASE WHEN bad.built THEN ', checksum recorded' ELSE '' END),
            'the owner');
    END IF;
END;
$$;

-- Name: opsdb_rules_unopen_package(bigint[]); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_rules_unopen_package(packages bigint[]) RETURNS TABLE(package_id bigint, state text, status text, built boolean)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    -- lock every package first (a filter in the locking statement would skip, unlocked, a package
    -- whose snapshot version looks open while a build claim is in flight) ...
    PERFORM 1 FROM raw_data_package p WHERE p.id = ANY(packages) ORDER BY p.id FOR SHARE;
    -- ... then judge on a fresh snapshot (the next statement of a VOLATILE function gets one)
    RETURN QUERY
        SELECT p.id, p.state, p.status, p.checksum IS NOT NULL
        FROM raw_data_package p
        WHERE p.id = ANY(packages)
          AND NOT (p.state = 'waiting' AND p.status IN ('pending', 'scheduled') AND p.checksum IS NULL)
        ORDER BY p.id
        LIMIT 1;
END;
$$;

-- Name: opsdb_schedule_deletions(bigint[], integer); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_schedule_deletions(locations bigint[], max_rows integer) RETURNS SETOF bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    wanted integer := max_rows;
    candidate bigint[];
    sizes bigint[];
    found bigint[];
    found_sizes bigint[];
    found_pairs integer[];
    pkgs bigint[];
    locs bigint[];
    ok_pkgs bigint[];
    ok_locs bigint[];
    no_pkgs bigint[];
    no_locs bigint[];
    -- pairs walked to their end, the copies found there (and their pair's place), blocked pairs
    walked_pkgs bigint[] := '{}';
    walked_locs bigint[] := '{}';
    walked_copies bigint[] := '{}';
    walked_of integer[] := '{}';
    blocked_pkgs bigint[] := '{}';
    blocked_locs bigint[] := '{}';
    cutoff integer;
    last_package bigint := -1;
    last_location bigint := -1;
    chunk integer := 16;  -- doubles per round, up to 1024: few pairs judged for a small answer
    scheduled bigint[];
    hint tid;
BEGIN
    IF wanted IS NULL OR wanted <= 0 THEN
        RETURN;
    END IF;
    candidate := ARRAY(SELECT d FROM opsdb_deletion_scan_items(locations, wanted) AS d);
    sizes := array_fill(NULL::bigint, ARRAY[cardinality(candidate)]);
    wanted := wanted - cardinality(candidate);
    WHILE wanted > 0 LOOP
        -- the next chunk of the queue, locked (pairs another scheduler holds are skipped)
        SELECT array_agg(x.p ORDER BY x.p, x.l), array_agg(x.l ORDER BY x.p, x.l) INTO pkgs, locs
        FROM (SELECT q.raw_data_package_id AS p, q.data_location_id AS l
              FROM deletion_file_queue q
              WHERE (q.raw_data_package_id, q.data_location_id) > (last_package, last_location)
                AND (locations IS NULL OR q.data_location_id = ANY(locations))
              ORDER BY q.raw_data_package_id, q.data_location_id
              LIMIT chunk
              FOR UPDATE OF q SKIP LOCKED) x;
        EXIT WHEN pkgs IS NULL;
        last_package := pkgs[array_upper(pkgs, 1)];
        last_location := locs[array_upper(locs, 1)];
        chunk := least(chunk * 2, 1024);
        -- judged on this statement's snapshot, taken after the locks
        SELECT array_agg(u.package_id ORDER BY u.n) FILTER (WHERE b.raw_data_package_id IS NULL),
               array_agg(u.location_id ORDER BY u.n) FILTER (WHERE b.raw_data_package_id IS NULL),
               coalesce(array_agg(u.package_id) FILTER (WHERE b.raw_data_package_id IS NOT NULL), '{}'),
               coalesce(array_agg(u.location_id) FILTER (WHERE b.raw_data_package_id IS NOT NULL), '{}')
          INTO ok_pkgs, ok_locs, no_pkgs, no_locs
        FROM unnest(pkgs, locs) WITH ORDINALITY AS u(package_id, location_id, n)
        LEFT JOIN (SELECT DISTINCT x.raw_data_package_id, x.data_location_id
                   FROM opsdb_deletion_pairs_blocked(pkgs, locs) x) b
               ON b.raw_data_package_id = u.package_id AND b.data_location_id = u.location_id;
        blocked_pkgs := blocked_pkgs || no_pkgs;
        blocked_locs := blocked_locs || no_locs;
        CONTINUE WHEN ok_pkgs IS NULL;
        SELECT coalesce(array_agg(w.id), '{}'), coalesce(array_agg(w.size_bytes), '{}'),
               coalesce(array_agg(w.pair), '{}')
          INTO found, found_sizes, found_pairs
        FROM opsdb_deletion_pair_copies(ok_pkgs, ok_locs, wanted) AS w;
        -- walked to the end: every pair when fewer than wanted were found, else those before the
        -- last one reached (which the limit may have cut)
        cutoff := CASE WHEN cardinality(found) < wanted THEN cardinality(ok_pkgs) + 1
                       ELSE (SELECT max(p) FROM unnest(found_pairs) AS p) END;
        SELECT walked_copies || coalesce(array_agg(f.id), '{}'),
               walked_of || coalesce(array_agg(cardinality(walked_pkgs) + f.n), '{}')
          INTO walked_copies, walked_of
        FROM unnest(found, found_pairs) AS f(id, n) WHERE f.n < cutoff;
        walked_pkgs := walked_pkgs || ok_pkgs[1:cutoff - 1];
        walked_locs := walked_locs || ok_locs[1:cutoff - 1];
        candidate := candidate || found;
        sizes := sizes || found_sizes;
        wanted := wanted - cardinality(found);
    END LOOP;

    IF cardinality(candidate) > 0 THEN
        -- the walk's sizes for the copy counters, one row (see copy_size_hint)
        INSERT INTO copy_size_hint (copy_id, size_bytes, copy_ids, sizes) VALUES (0, 0, candidate, sizes)
        RETURNING ctid INTO hint;
        WITH locked AS (
            SELECT c.id FROM physical_copy c
            WHERE c.id = ANY(candidate) AND c.status IN ('present', 'deletion_possible', 'staged')
            ORDER BY c.id
            FOR UPDATE OF c SKIP LOCKED
        ), done AS (
            UPDATE physical_copy c
            SET status = 'deletion_scheduled', next_attempt_at = now(), attempts = 0, last_error = NULL,
                claimed_by = NULL, claim_token = NULL, lease_until = NULL, updated_at = now(),
                -- the location's priority, set here for the whole batch (the trigger then finds
                -- nothing to correct)
                priority = LEAST(100, GREATEST(-100, coalesce(l.priority, 0)))
            FROM locked, data_location l
            WHERE c.id = locked.id AND l.id = c.data_location_id
            RETURNING c.id
        )
        SELECT coalesce(array_agg(done.id ORDER BY done.id), '{}') INTO scheduled FROM done;
        DELETE FROM copy_size_hint h WHERE h.ctid = hint;
    END IF;

    -- settled pairs leave the queue: walked to their end with every copy found scheduled here (no
    -- second walk: the lock held since before the walk keeps what it did not see in the queue),
    -- or blocked with nothing left to delete (checked now, under the same lock)
    IF cardinality(walked_pkgs) > 0 OR cardinality(blocked_pkgs) > 0 THEN
        DELETE FROM deletion_file_queue q
        USING (
            SELECT w.p, w.l
            FROM unnest(walked_pkgs, walked_locs) WITH ORDINALITY AS w(p, l, n)
            LEFT JOIN (
                SELECT f.n FROM unnest(walked_copies, walked_of) AS f(id, n)
                LEFT JOIN unnest(coalesce(scheduled, '{}')) AS s(id) ON s.id = f.id
                WHERE s.id IS NULL) unscheduled ON unscheduled.n = w.n
            WHERE unscheduled.n IS NULL
            UNION
            SELECT b.p, b.l FROM unnest(blocked_pkgs, blocked_locs) AS b(p, l)
            WHERE NOT EXISTS (
                SELECT 1 FROM raw_data_file f
                JOIN physical_copy c ON c.raw_data_file_id = f.id AND c.data_location_id = b.l
                WHERE f.raw_data_package_id = b.p AND c.status IN ('present', 'deletion_possible'))
        ) s
        WHERE q.raw_data_package_id = s.p AND q.data_location_id = s.l;
    END IF;
    RETURN QUERY SELECT unnest(coalesce(scheduled, '{}'));
END;
$$;

-- Name: opsdb_staged_copy_expired(bigint); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_staged_copy_expired(copy_id bigint) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT EXISTS (
        SELECT 1 FROM physical_copy c JOIN data_location l ON l.id = c.data_location_id
        WHERE c.id = copy_id AND c.type = 'raw_data_package' AND l.location_type = 'processing'
          -- never the last copy: the archive it was staged from still holds it, verified
          AND EXISTS (
                SELECT 1 FROM physical_copy a JOIN data_location al ON al.id = a.data_location_id
                WHERE a.type = 'raw_data_package' AND a.raw_data_package_id = c.raw_data_package_id
                  AND a.status = 'present' AND a.checksum_verified_at IS NOT NULL
                  AND al.location_type = 'long_term_archive')
          AND EXISTS (
                SELECT 1 FROM staging_job j JOIN staging_job_package sp ON sp.staging_job_id = j.id
                WHERE sp.raw_data_package_id = c.raw_data_package_id
                  AND j.destination_location_id = c.data_location_id AND j.status = 'completed')
          AND NOT EXISTS (
                SELECT 1 FROM staging_job j JOIN staging_job_package sp ON sp.staging_job_id = j.id
                WHERE sp.raw_data_package_id = c.raw_data_package_id
                  AND j.destination_location_id = c.data_location_id
                  AND (j.status IN ('pending', 'scheduled', 'in_progress')
                       OR (j.status = 'completed' AND (j.retention_until IS NULL OR j.retention_until > now())))))
$$;

-- Name: opsdb_state_count_truncated(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_state_count_truncated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('opsdb_fold_state_deltas'));
    DELETE FROM state_count_delta WHERE table_name = TG_TABLE_NAME;
    DELETE FROM state_count WHERE table_name = TG_TABLE_NAME;
    RETURN NULL;
END
$$;

-- Name: opsdb_touch_updated_at(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

-- Name: opsdb_withdraw_verification(bigint); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_withdraw_verification(copy_id bigint) RETURNS TABLE(previous timestamp with time zone, locked_at timestamp with time zone)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    was timestamptz;
    kind text;
    acting text := opsdb_acting_role();
BEGIN
    SELECT c.checksum_verified_at, l.location_type INTO was, kind
    FROM physical_copy c JOIN data_location l ON l.id = c.data_location_id
    WHERE c.id = copy_id
    FOR UPDATE OF c;
    IF was IS NULL THEN
        RETURN;
    END IF;
    IF NOT (pg_has_role(acting, (SELECT t.relowner FROM pg_class t WHERE t.oid = 'physical_copy'::regclass), 'USAGE')
            OR pg_has_role(acting, CASE kind WHEN 'long_term_archive' THEN 'opsdb_archive_daemon'
                                             WHEN 'processing' THEN 'opsdb_staging_daemon'
                                             ELSE 'opsdb_packager' END, 'USAGE')
            OR (kind = 'buffer' AND pg_has_role(acting, 'opsdb_transfer_daemon', 'USAGE'))
            OR (kind = 'source' AND pg_has_role(acting, 'opsdb_instrument', 'USAGE'))) THEN
        RAISE insufficient_privilege USING
            MESSAGE = format('opsdb_actor: role %s may not withdraw the verification of physical_copy %s at a %s location',
                             acting, copy_id, kind),
            HINT = 'Each kind of evidence comes from the actor entitled to it (docs/security.md, "Database roles").';
    END IF;
    UPDATE physical_copy c SET checksum_verified_at = NULL WHERE c.id = copy_id;
    previous := was;
    locked_at := clock_timestamp();
    RETURN NEXT;
END;
$$;

-- Name: opsdb_work_cap_room(text, bigint[], bigint[], boolean); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_work_cap_room(work_kind text, locations bigint[], routes bigint[], exact boolean) RETURNS TABLE(cap_id bigint, location_id bigint, route_id bigint, items bigint, bytes numeric)
    LANGUAGE plpgsql
    AS $_$
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
$_$;

-- Name: opsdb_work_order(timestamp with time zone, integer); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_work_order(due timestamp with time zone, priority integer) RETURNS timestamp with time zone
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT timezone('UTC', timezone('UTC', due) - make_interval(secs => priority * 300))
$$;

-- Name: opsdb_work_priority_default(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_work_priority_default() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

-- Name: physical_copy_check_inserted(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.physical_copy_check_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    missing text[];
    -- files of new copies that need a look (packaged, or not inserted by this (sub)transaction)
    attention bigint;
    files uuid[];
    mine xid;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        PERFORM FROM (SELECT DISTINCT raw_data_file_id AS id FROM new_rows WHERE raw_data_file_id IS NOT NULL ORDER BY 1) d,
            LATERAL (SELECT FROM raw_data_file p WHERE p.id = d.id FOR KEY SHARE) l;
        PERFORM FROM (SELECT DISTINCT raw_data_package_id AS id FROM new_rows WHERE raw_data_package_id IS NOT NULL ORDER BY 1) d,
            LATERAL (SELECT FROM raw_data_package p WHERE p.id = d.id FOR KEY SHARE) l;
        PERFORM FROM (SELECT DISTINCT data_transfer_package_id AS id FROM new_rows WHERE data_transfer_package_id IS NOT NULL ORDER BY 1) d,
            LATERAL (SELECT FROM data_transfer_package p WHERE p.id = d.id FOR KEY SHARE) l;
        PERFORM FROM (SELECT DISTINCT data_location_id AS id FROM new_rows WHERE data_location_id IS NOT NULL ORDER BY 1) d,
            LATERAL (SELECT FROM data_location p WHERE p.id = d.id FOR KEY SHARE) l;
    END IF;
    -- one query (one executor start) for the four references. The files (one per copy in a
    -- registration) are counted in one index scan over their sorted keys, which also counts those
    -- that need a look for the deletion queue (the new copies' xmin: one probe per statement);
    -- only when one is missing are they probed key by key to name it.
    WITH files AS (SELECT array_agg(DISTINCT raw_data_file_id) AS ids FROM new_rows WHERE raw_data_file_id IS NOT NULL),
    counted AS MATERIALIZED (
        SELECT files.ids,
               (SELECT ARRAY[count(*), count(*) FILTER (
                           WHERE p.raw_data_package_id IS NOT NULL
                              OR p.xmin IS DISTINCT FROM (SELECT c.xmin FROM physical_copy c
                                            WHERE c.id = (SELECT n.id FROM new_rows n LIMIT 1)))]
                FROM raw_data_file p WHERE p.id = ANY (files.ids)) AS k
        FROM files
    )
    SELECT ARRAY[
           (SELECT (SELECT d.id FROM unnest(counted.ids) d (id)
                    WHERE (SELECT true FROM raw_data_file p WHERE p.id = d.id) IS NULL LIMIT 1)
            FROM counted
            WHERE counted.k[1] < cardinality(counted.ids)),
           (SELECT d.id FROM (SELECT DISTINCT raw_data_package_id AS id FROM new_rows WHERE raw_data_package_id IS NOT NULL) d
            WHERE (SELECT true FROM raw_data_package p WHERE p.id = d.id) IS NULL LIMIT 1),
           (SELECT d.id FROM (SELECT DISTINCT data_transfer_package_id AS id FROM new_rows WHERE data_transfer_package_id IS NOT NULL) d
            WHERE (SELECT true FROM data_transfer_package p WHERE p.id = d.id) IS NULL LIMIT 1),
           (SELECT d.id FROM (SELECT DISTINCT data_location_id AS id FROM new_rows WHERE data_location_id IS NOT NULL) d
            WHERE (SELECT true FROM data_location p WHERE p.id = d.id) IS NULL LIMIT 1)]::text[],
           (SELECT counted.k[2] FROM counted)
      INTO missing, attention;
    IF missing[1] IS NOT NULL THEN
        PERFORM opsdb_raise_missing_reference('physical_copy', 'physical_copy_raw_data_file_id_fkey', 'raw_data_file_id', missing[1], 'raw_data_file');
    END IF;
    IF missing[2] IS NOT NULL THEN
        PERFORM opsdb_raise_missing_reference('physical_copy', 'physical_copy_raw_data_package_id_fkey', 'raw_data_package_id', missing[2], 'raw_data_package');
    END IF;
    IF missing[3] IS NOT NULL THEN
        PERFORM opsdb_raise_missing_reference('physical_copy', 'physical_copy_data_transfer_package_id_fkey', 'data_transfer_package_id', missing[3], 'data_transfer_package');
    END IF;
    IF missing[4] IS NOT NULL THEN
        PERFORM opsdb_raise_missing_reference('physical_copy', 'physical_copy_data_location_id_fkey', 'data_location_id', missing[4], 'data_location');
    END IF;
    IF coalesce(attention, 0) = 0 THEN
        RETURN NULL;  -- new files with their copies (a registration): nothing to queue
    END IF;

    -- the deletion queue: the files of the new copies the rule may ever allow (present or
    -- deletion_possible, at a source or buffer location)
    SELECT array_agg(DISTINCT n.raw_data_file_id ORDER BY n.raw_data_file_id) INTO files
    FROM new_rows n JOIN data_location l ON l.id = n.data_location_id AND l.location_type IN ('source', 'buffer')
    WHERE n.type = 'raw_data_file' AND n.status IN ('present', 'deletion_possible');
    IF files IS NULL THEN
        RETURN NULL;
    END IF;
    mine := (SELECT c.xmin FROM physical_copy c WHERE c.id = (SELECT n.id FROM new_rows n LIMIT 1));
    -- 1. unpackaged files not inserted here: a packaging in flight is waited for, a later one waits
    PERFORM 1 FROM raw_data_file f
    WHERE f.id = ANY (files) AND f.raw_data_package_id IS NULL AND f.xmin IS DISTINCT FROM mine
    ORDER BY f.id FOR SHARE;
    -- 2. (a fresh snapshot) their packages not archived: likewise an archiving
    PERFORM 1 FROM raw_data_package p
    WHERE p.id IN (SELECT f.raw_data_package_id FROM raw_data_file f WHERE f.id = ANY (files))
      AND p.state <> 'archived'
    ORDER BY p.id FOR SHARE;
    -- 3. (a fresh snapshot) the pairs of the archived ones, waiting for a schedule that holds one
    INSERT INTO deletion_file_queue (raw_data_package_id, data_location_id)
    SELECT DISTINCT f.raw_data_package_id, n.data_location_id
    FROM new_rows n
    JOIN data_location l ON l.id = n.data_location_id AND l.location_type IN ('source', 'buffer')
    JOIN raw_data_file f ON f.id = n.raw_data_file_id
    JOIN raw_data_package p ON p.id = f.raw_data_package_id AND p.state = 'archived'
    WHERE n.type = 'raw_data_file' AND n.status IN ('present', 'deletion_possible')
    ORDER BY 1, 2
    ON CONFLICT (raw_data_package_id, data_location_id) DO UPDATE SET created_at = excluded.created_at;
    RETURN NULL;
END;
$$;

-- Name: physical_copy_check_updated(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.physical_copy_check_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF NEW.raw_data_file_id IS NOT NULL AND NEW.raw_data_file_id IS DISTINCT FROM OLD.raw_data_file_id THEN
        PERFORM FROM raw_data_file WHERE id = NEW.raw_data_file_id FOR KEY SHARE;
        IF NOT FOUND THEN
            PERFORM opsdb_raise_missing_reference('physical_copy', 'physical_copy_raw_data_file_id_fkey', 'raw_data_file_id', NEW.raw_data_file_id::text, 'raw_data_file');
        END IF;
    END IF;
    IF NEW.raw_data_package_id IS NOT NULL AND NEW.raw_data_package_id IS DISTINCT FROM OLD.raw_data_package_id THEN
        PERFORM FROM raw_data_package WHERE id = NEW.raw_data_package_id FOR KEY SHARE;
        IF NOT FOUND THEN
            PERFORM opsdb_raise_missing_reference('physical_copy', 'physical_copy_raw_data_package_id_fkey', 'raw_data_package_id', NEW.raw_data_package_id::text, 'raw_data_package');
        END IF;
    END IF;
    IF NEW.data_transfer_package_id IS NOT NULL AND NEW.data_transfer_package_id IS DISTINCT FROM OLD.data_transfer_package_id THEN
        PERFORM FROM data_transfer_package WHERE id = NEW.data_transfer_package_id FOR KEY SHARE;
        IF NOT FOUND THEN
            PERFORM opsdb_raise_missing_reference('physical_copy', 'physical_copy_data_transfer_package_id_fkey', 'data_transfer_package_id', NEW.data_transfer_package_id::text, 'data_transfer_package');
        END IF;
    END IF;
    IF NEW.data_location_id IS NOT NULL AND NEW.data_location_id IS DISTINCT FROM OLD.data_location_id THEN
        PERFORM FROM data_location WHERE id = NEW.data_location_id FOR KEY SHARE;
        IF NOT FOUND THEN
            PERFORM opsdb_raise_missing_reference('physical_copy', 'physical_copy_data_location_id_fkey', 'data_location_id', NEW.data_location_id::text, 'data_location');
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

-- Name: physical_copy_state_inserted(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.physical_copy_state_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: physical_copy_state_updated(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.physical_copy_state_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
DECLARE
    bad record;
    repair boolean;
    refused integer;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- an UPDATE (or ON CONFLICT DO UPDATE) that changed no row
    END IF;
    repair := opsdb_repairing(TG_RELID);
    -- EXECUTE: planned for this statement's rows (a hash join of old and new rows for a batch;
    -- a static statement keeps the plan of the session's first, often one-row, statement: a
    -- nested loop over both transition tables, quadratic in the batch)
    EXECUTE $q$
        WITH c AS MATERIALIZED (
            SELECT n.id::text AS item_id, 'status' AS column_name, 'physical_copy_status' AS machine, o.status AS from_state,
                   n.status AS to_state, coalesce(n.claimed_by, o.claimed_by) AS claimed_by, md5(coalesce(n.claim_token, o.claim_token)::text)::uuid AS claim_ref
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE n.status IS DISTINCT FROM o.status OR (n.claim_token IS DISTINCT FROM o.claim_token AND n.claim_token IS NOT NULL)
        ), recorded AS (
            INSERT INTO state_history (table_name, item_id, column_name, from_state, to_state, db_role, session_role,
                                       application_name, claimed_by, claim_ref, repair)
            SELECT 'physical_copy', c.item_id, c.column_name, c.from_state, c.to_state, opsdb_acting_role(), session_user,
                   current_setting('application_name'), c.claimed_by, c.claim_ref, $1
            FROM c
        )
        SELECT c.item_id, c.column_name, c.from_state, c.to_state, count(*) OVER () AS n
        FROM c
        WHERE NOT $1
          AND NOT EXISTS (SELECT FROM state_transition t
                          WHERE t.machine = c.machine AND t.from_state = c.from_state AND t.to_state = c.to_state)
        ORDER BY c.item_id LIMIT 1
    $q$ INTO bad USING repair;
    GET DIAGNOSTICS refused = ROW_COUNT;  -- (EXECUTE does not set FOUND)
    IF refused > 0 THEN
        PERFORM opsdb_refuse_transition('physical_copy', bad.item_id, bad.column_name, bad.from_state, bad.to_state, bad.n);
    END IF;
    RETURN NULL;
END;
$_$;

-- Name: raw_data_file_check_inserted(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.raw_data_file_check_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    missing_module text;
    missing_unit text;
    missing_package text;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        PERFORM FROM (SELECT DISTINCT instrument_module_id AS id FROM new_rows ORDER BY 1) d,
            LATERAL (SELECT FROM instrument_module p WHERE p.id = d.id FOR KEY SHARE) l;
        PERFORM FROM (SELECT DISTINCT executed_obs_unit_id AS id FROM new_rows ORDER BY 1) d,
            LATERAL (SELECT FROM executed_obs_unit p WHERE p.id = d.id FOR KEY SHARE) l;
        PERFORM FROM (SELECT DISTINCT raw_data_package_id AS id FROM new_rows WHERE raw_data_package_id IS NOT NULL ORDER BY 1) d,
            LATERAL (SELECT FROM raw_data_package p WHERE p.id = d.id FOR KEY SHARE) l;
    END IF;
    -- one query (one executor start) for the three references
    SELECT (SELECT d.id FROM (SELECT DISTINCT instrument_module_id AS id FROM new_rows) d
            WHERE (SELECT true FROM instrument_module p WHERE p.id = d.id) IS NULL LIMIT 1),
           (SELECT d.id FROM (SELECT DISTINCT executed_obs_unit_id AS id FROM new_rows) d
            WHERE (SELECT true FROM executed_obs_unit p WHERE p.id = d.id) IS NULL LIMIT 1),
           (SELECT concat_ws(', ', d.package, d.unit, d.module)
            FROM (SELECT DISTINCT raw_data_package_id AS package, executed_obs_unit_id AS unit,
                         instrument_module_id AS module
                  FROM new_rows WHERE raw_data_package_id IS NOT NULL) d
            WHERE (SELECT true FROM raw_data_package p
                   WHERE p.id = d.package AND p.executed_obs_unit_id = d.unit AND p.instrument_module_id = d.module) IS NULL
            LIMIT 1)
      INTO missing_module, missing_unit, missing_package;
    IF missing_module IS NOT NULL THEN
        PERFORM opsdb_raise_missing_reference('raw_data_file', 'raw_data_file_instrument_module_id_fkey',
                                              'instrument_module_id', missing_module, 'instrument_module');
    END IF;
    IF missing_unit IS NOT NULL THEN
        PERFORM opsdb_raise_missing_reference('raw_data_file', 'raw_data_file_executed_obs_unit_id_fkey',
                                              'executed_obs_unit_id', missing_unit, 'executed_obs_unit');
    END IF;
    IF missing_package IS NOT NULL THEN
        PERFORM opsdb_raise_missing_reference('raw_data_file', 'raw_data_file_package_fkey',
            'raw_data_package_id, executed_obs_unit_id, instrument_module_id', missing_package, 'raw_data_package');
    END IF;
    RETURN NULL;
END;
$$;

-- Name: raw_data_file_check_updated(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.raw_data_file_check_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    IF NEW.instrument_module_id IS DISTINCT FROM OLD.instrument_module_id THEN
        PERFORM FROM instrument_module WHERE id = NEW.instrument_module_id FOR KEY SHARE;
        IF NOT FOUND THEN
            PERFORM opsdb_raise_missing_reference('raw_data_file', 'raw_data_file_instrument_module_id_fkey',
                                                  'instrument_module_id', NEW.instrument_module_id::text, 'instrument_module');
        END IF;
    END IF;
    IF NEW.executed_obs_unit_id IS DISTINCT FROM OLD.executed_obs_unit_id THEN
        PERFORM FROM executed_obs_unit WHERE id = NEW.executed_obs_unit_id FOR KEY SHARE;
        IF NOT FOUND THEN
            PERFORM opsdb_raise_missing_reference('raw_data_file', 'raw_data_file_executed_obs_unit_id_fkey',
                                                  'executed_obs_unit_id', NEW.executed_obs_unit_id::text, 'executed_obs_unit');
        END IF;
    END IF;
    IF NEW.raw_data_package_id IS NOT NULL THEN
        PERFORM FROM raw_data_package
        WHERE id = NEW.raw_data_package_id AND executed_obs_unit_id = NEW.executed_obs_unit_id
          AND instrument_module_id = NEW.instrument_module_id
        FOR KEY SHARE;
        IF NOT FOUND THEN
            PERFORM opsdb_raise_missing_reference('raw_data_file', 'raw_data_file_package_fkey',
                'raw_data_package_id, executed_obs_unit_id, instrument_module_id',
                concat_ws(', ', NEW.raw_data_package_id, NEW.executed_obs_unit_id, NEW.instrument_module_id), 'raw_data_package');
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

-- Name: raw_data_package_state_deleted(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.raw_data_package_state_deleted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: raw_data_package_state_inserted(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.raw_data_package_state_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: raw_data_package_state_updated(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.raw_data_package_state_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    bad record;
    repair boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- an UPDATE (or ON CONFLICT DO UPDATE) that changed no row
    END IF;
    repair := opsdb_repairing(TG_RELID);
    -- FULL JOIN: a hash or merge join whatever the plan was made for (see the header)
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'package_build' AS machine, o.status AS from_state,
               n.status AS to_state, coalesce(n.claimed_by, o.claimed_by) AS claimed_by, md5(coalesce(n.claim_token, o.claim_token)::text)::uuid AS claim_ref
        FROM old_rows o FULL JOIN new_rows n ON n.id = o.id
        WHERE num_nulls(o.id, n.id) = 0 AND (n.status IS DISTINCT FROM o.status OR (n.claim_token IS DISTINCT FROM o.claim_token AND n.claim_token IS NOT NULL))
        UNION ALL
        SELECT n.id::text AS item_id, 'state' AS column_name, 'package_state' AS machine, o.state AS from_state,
               n.state AS to_state, NULL::text AS claimed_by, NULL::uuid AS claim_ref
        FROM old_rows o FULL JOIN new_rows n ON n.id = o.id
        WHERE num_nulls(o.id, n.id) = 0 AND (n.state IS DISTINCT FROM o.state)
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

-- Name: record_token_use(text, inet, double precision); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.record_token_use(token_hash text, client_ip inet, min_interval_seconds double precision DEFAULT 0) RETURNS bigint
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
    UPDATE api_token
    SET last_used_at = now(), last_used_ip = client_ip, usage_count = usage_count + 1
    WHERE id = (SELECT t.id FROM api_token t
                WHERE t.token_hash = record_token_use.token_hash
                  AND (t.last_used_at IS NULL OR t.last_used_at < now() - make_interval(secs => min_interval_seconds))
                FOR NO KEY UPDATE SKIP LOCKED)
    RETURNING id
$$;

-- Name: record_token_uses(bigint[], bigint[], timestamp with time zone[], inet[]); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.record_token_uses(ids bigint[], uses bigint[], used_at timestamp with time zone[], ips inet[]) RETURNS SETOF bigint
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
    WITH usage AS (
        SELECT u.id, u.uses, LEAST(u.used_at, now()) AS used_at, u.ip
        FROM unnest(ids, uses, used_at, ips) AS u (id, uses, used_at, ip)
        WHERE u.uses > 0 AND u.used_at IS NOT NULL
    ), locked AS (
        SELECT t.id FROM api_token t JOIN usage ON usage.id = t.id ORDER BY t.id FOR NO KEY UPDATE OF t
    )
    UPDATE api_token t
    SET usage_count = t.usage_count + usage.uses,
        last_used_ip = CASE WHEN t.last_used_at IS NULL OR usage.used_at >= t.last_used_at
                            THEN usage.ip ELSE t.last_used_ip END,
        last_used_at = GREATEST(t.last_used_at, usage.used_at)
    FROM usage JOIN locked ON locked.id = usage.id
    WHERE t.id = usage.id
    RETURNING t.id
$$;

-- Name: staging_job_state_deleted(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.staging_job_state_deleted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: staging_job_state_inserted(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.staging_job_state_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: staging_job_state_updated(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.staging_job_state_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    bad record;
    repair boolean;
BEGIN
    IF NOT EXISTS (SELECT FROM new_rows) THEN
        RETURN NULL;  -- an UPDATE (or ON CONFLICT DO UPDATE) that changed no row
    END IF;
    repair := opsdb_repairing(TG_RELID);
    -- FULL JOIN: a hash or merge join whatever the plan was made for (see the header)
    WITH c AS MATERIALIZED (
        SELECT n.id::text AS item_id, 'status' AS column_name, 'status' AS machine, o.status AS from_state,
               n.status AS to_state, coalesce(n.claimed_by, o.claimed_by) AS claimed_by, md5(coalesce(n.claim_token, o.claim_token)::text)::uuid AS claim_ref
        FROM old_rows o FULL JOIN new_rows n ON n.id = o.id
        WHERE num_nulls(o.id, n.id) = 0 AND (n.status IS DISTINCT FROM o.status OR (n.claim_token IS DISTINCT FROM o.claim_token AND n.claim_token IS NOT NULL))
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

-- Name: state_history_append_only(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.state_history_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION 'state_history is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege', TABLE = 'state_history';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END;
$$;

-- Name: api_token; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.api_token (
    id bigint NOT NULL,
    user_account_id bigint NOT NULL,
    name text NOT NULL,
    token_hash text NOT NULL,
    prefix text NOT NULL,
    scopes text[] DEFAULT '{}'::text[] NOT NULL,
    active boolean DEFAULT true NOT NULL,
    expires_at timestamp with time zone,
    last_used_at timestamp with time zone,
    last_used_ip inet,
    usage_count bigint DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT api_token_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT api_token_prefix_format CHECK ((prefix ~ '^ops_api_token_[A-Za-z0-9_-]{0,8}$'::text)),
    CONSTRAINT api_token_token_hash_sha256 CHECK ((token_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT api_token_usage_count_nonnegative CHECK ((usage_count >= 0))
);

-- Name: api_token_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.api_token ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.api_token_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: copy_size_hint; Type: TABLE; Schema: public; Owner: -

CREATE UNLOGGED TABLE public.copy_size_hint (
    copy_id bigint NOT NULL,
    size_bytes bigint NOT NULL,
    copy_ids bigint[],
    sizes bigint[]
);
ALTER TABLE ONLY public.copy_size_hint ALTER COLUMN copy_ids SET STORAGE EXTERNAL;
ALTER TABLE ONLY public.copy_size_hint ALTER COLUMN sizes SET STORAGE EXTERNAL;

-- Name: copy_space; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.copy_space (
    data_location_id bigint NOT NULL,
    type text NOT NULL,
    status text NOT NULL,
    copies bigint DEFAULT 0 NOT NULL,
    bytes bigint DEFAULT 0 NOT NULL
);

-- Name: copy_space_delta; Type: TABLE; Schema: public; Owner: -

CREATE UNLOGGED TABLE public.copy_space_delta (
    data_location_id bigint NOT NULL,
    type text NOT NULL,
    status text NOT NULL,
    copies bigint NOT NULL,
    bytes bigint NOT NULL
);

-- Name: data_location; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.data_location (
    id bigint NOT NULL,
    type text NOT NULL,
    site_id bigint NOT NULL,
    name text NOT NULL,
    location_type text NOT NULL,
    priority integer DEFAULT 0 NOT NULL,
    active boolean DEFAULT true NOT NULL,
    host text,
    root_path text,
    endpoint_url text,
    bucket text,
    prefix text,
    region text,
    library_name text,
    media_pool text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT data_location_disk_columns CHECK (((type <> 'disk'::text) OR ((host IS NOT NULL) AND (root_path IS NOT NULL) AND (endpoint_url IS NULL) AND (bucket IS NULL) AND (prefix IS NULL) AND (region IS NULL) AND (library_name IS NULL) AND (media_pool IS NULL)))),
    CONSTRAINT data_location_location_type_valid CHECK ((location_type = ANY (ARRAY['source'::text, 'buffer'::text, 'long_term_archive'::text, 'processing'::text]))),
    CONSTRAINT data_location_name_identifier CHECK ((name ~ '^[a-z][a-z0-9_]{0,62}$'::text)),
    CONSTRAINT data_location_root_path_absolute CHECK ((root_path ~ '^/'::text)),
    CONSTRAINT data_location_s3_columns CHECK (((type <> 's3'::text) OR ((endpoint_url IS NOT NULL) AND (bucket IS NOT NULL) AND (host IS NULL) AND (root_path IS NULL) AND (library_name IS NULL) AND (media_pool IS NULL)))),
    CONSTRAINT data_location_tape_columns CHECK (((type <> 'tape'::text) OR ((library_name IS NOT NULL) AND (endpoint_url IS NULL) AND (bucket IS NULL) AND (prefix IS NULL) AND (region IS NULL)))),
    CONSTRAINT data_location_type_valid CHECK ((type = ANY (ARRAY['disk'::text, 's3'::text, 'tape'::text])))
);

-- Name: data_location_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.data_location ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.data_location_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: data_transfer; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.data_transfer (
    id bigint NOT NULL,
    data_transfer_package_id bigint NOT NULL,
    data_transfer_route_id bigint,
    origin_location_id bigint NOT NULL,
    destination_location_id bigint NOT NULL,
    method text DEFAULT 'bbcp'::text NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 4 NOT NULL,
    last_error text,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    claimed_by text,
    claim_token uuid,
    lease_until timestamp with time zone,
    started_at timestamp with time zone,
    completed_at timestamp with time zone,
    unpack_status text DEFAULT 'pending'::text NOT NULL,
    unpack_attempts integer DEFAULT 0 NOT NULL,
    unpack_max_attempts integer DEFAULT 4 NOT NULL,
    unpack_last_error text,
    unpack_next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    unpack_claimed_by text,
    unpack_claim_token uuid,
    unpack_lease_until timestamp with time zone,
    unpacked_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    priority integer NOT NULL,
    unpack_priority integer NOT NULL,
    external_job jsonb,
    unpack_external_job jsonb,
    CONSTRAINT data_transfer_attempts_nonnegative CHECK ((attempts >= 0)),
    CONSTRAINT data_transfer_claim_columns CHECK (((status <> 'in_progress'::text) OR ((claim_token IS NOT NULL) AND (lease_until IS NOT NULL) AND (claimed_by IS NOT NULL)))),
    CONSTRAINT data_transfer_distinct_locations CHECK ((origin_location_id <> destination_location_id)),
    CONSTRAINT data_transfer_external_job_object CHECK (((jsonb_typeof(external_job) = 'object'::text) AND (octet_length((external_job)::text) <= 8192))),
    CONSTRAINT data_transfer_max_attempts_positive CHECK ((max_attempts > 0)),
    CONSTRAINT data_transfer_method_nonempty CHECK ((method <> ''::text)),
    CONSTRAINT data_transfer_priority_range CHECK (((priority >= '-100'::integer) AND (priority <= 100))),
    CONSTRAINT data_transfer_status_valid CHECK ((status = ANY (ARRAY['pending'::text, 'scheduled'::text, 'in_progress'::text, 'completed'::text, 'failed'::text]))),
    CONSTRAINT data_transfer_unpack_after_transfer CHECK (((unpack_status = 'pending'::text) OR (status = 'completed'::text))),
    CONSTRAINT data_transfer_unpack_attempts_nonnegative CHECK ((unpack_attempts >= 0)),
    CONSTRAINT data_transfer_unpack_claim_columns CHECK (((unpack_status <> 'in_progress'::text) OR ((unpack_claim_token IS NOT NULL) AND (unpack_lease_until IS NOT NULL) AND (unpack_claimed_by IS NOT NULL)))),
    CONSTRAINT data_transfer_unpack_external_job_object CHECK (((jsonb_typeof(unpack_external_job) = 'object'::text) AND (octet_length((unpack_external_job)::text) <= 8192))),
    CONSTRAINT data_transfer_unpack_max_attempts_positive CHECK ((unpack_max_attempts > 0)),
    CONSTRAINT data_transfer_unpack_priority_range CHECK (((unpack_priority >= '-100'::integer) AND (unpack_priority <= 100))),
    CONSTRAINT data_transfer_unpack_status_valid CHECK ((unpack_status = ANY (ARRAY['pending'::text, 'scheduled'::text, 'in_progress'::text, 'completed'::text, 'failed'::text])))
);

-- Name: data_transfer_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.data_transfer ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.data_transfer_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: data_transfer_log; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.data_transfer_log (
    id bigint NOT NULL,
    data_transfer_id bigint NOT NULL,
    level text DEFAULT 'info'::text NOT NULL,
    message text NOT NULL,
    log_path text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT data_transfer_log_level_valid CHECK ((level = ANY (ARRAY['debug'::text, 'info'::text, 'warning'::text, 'error'::text]))),
    CONSTRAINT data_transfer_log_message_length CHECK ((length(message) <= 1000))
);

-- Name: data_transfer_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.data_transfer_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.data_transfer_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: data_transfer_package; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.data_transfer_package (
    id bigint NOT NULL,
    name text NOT NULL,
    relative_path text NOT NULL,
    origin_location_id bigint NOT NULL,
    size_bytes bigint,
    checksum text,
    checksum_algorithm text,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 4 NOT NULL,
    last_error text,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    claimed_by text,
    claim_token uuid,
    lease_until timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    priority integer NOT NULL,
    external_job jsonb,
    CONSTRAINT data_transfer_package_attempts_nonnegative CHECK ((attempts >= 0)),
    CONSTRAINT data_transfer_package_checksum_valid CHECK ((((checksum IS NULL) = (checksum_algorithm IS NULL)) AND ((checksum IS NULL) OR public.opsdb_checksum_valid(checksum_algorithm, checksum)))),
    CONSTRAINT data_transfer_package_claim_columns CHECK (((status <> 'in_progress'::text) OR ((claim_token IS NOT NULL) AND (lease_until IS NOT NULL) AND (claimed_by IS NOT NULL)))),
    CONSTRAINT data_transfer_package_completed_has_checksum CHECK (((status <> 'completed'::text) OR ((size_bytes IS NOT NULL) AND (checksum IS NOT NULL)))),
    CONSTRAINT data_transfer_package_external_job_object CHECK (((jsonb_typeof(external_job) = 'object'::text) AND (octet_length((external_job)::text) <= 8192))),
    CONSTRAINT data_transfer_package_max_attempts_positive CHECK ((max_attempts > 0)),
    CONSTRAINT data_transfer_package_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT data_transfer_package_priority_range CHECK (((priority >= '-100'::integer) AND (priority <= 100))),
    CONSTRAINT data_transfer_package_relative_path_valid CHECK (public.opsdb_relative_path_valid(relative_path)),
    CONSTRAINT data_transfer_package_size_nonnegative CHECK ((size_bytes >= 0)),
    CONSTRAINT data_transfer_package_status_valid CHECK ((status = ANY (ARRAY['pending'::text, 'scheduled'::text, 'in_progress'::text, 'completed'::text, 'failed'::text])))
);

-- Name: data_transfer_package_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.data_transfer_package ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.data_transfer_package_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: data_transfer_route; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.data_transfer_route (
    id bigint NOT NULL,
    name text NOT NULL,
    origin_site_id bigint NOT NULL,
    destination_site_id bigint NOT NULL,
    route_type text NOT NULL,
    method text DEFAULT 'bbcp'::text NOT NULL,
    relay_site_id bigint,
    origin_location_id bigint,
    destination_location_id bigint,
    priority integer DEFAULT 0 NOT NULL,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT data_transfer_route_custom_columns CHECK (
CASE
    WHEN (route_type = 'custom'::text) THEN ((origin_location_id IS NOT NULL) OR (destination_location_id IS NOT NULL))
    ELSE ((origin_location_id IS NULL) AND (destination_location_id IS NULL))
END),
    CONSTRAINT data_transfer_route_distinct_sites CHECK ((origin_site_id <> destination_site_id)),
    CONSTRAINT data_transfer_route_method_nonempty CHECK ((method <> ''::text)),
    CONSTRAINT data_transfer_route_name_identifier CHECK ((name ~ '^[a-z][a-z0-9_]{0,62}$'::text)),
    CONSTRAINT data_transfer_route_relay_columns CHECK ((((route_type = 'relay'::text) = (relay_site_id IS NOT NULL)) AND ((relay_site_id IS NULL) OR ((relay_site_id <> origin_site_id) AND (relay_site_id <> destination_site_id))))),
    CONSTRAINT data_transfer_route_route_type_valid CHECK ((route_type = ANY (ARRAY['direct'::text, 'relay'::text, 'custom'::text])))
);

-- Name: data_transfer_route_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.data_transfer_route ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.data_transfer_route_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: deletion_claim_verdict; Type: TABLE; Schema: public; Owner: -

CREATE UNLOGGED TABLE public.deletion_claim_verdict (
    copy_id bigint NOT NULL
);

-- Name: deletion_file_queue; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.deletion_file_queue (
    raw_data_package_id bigint NOT NULL,
    data_location_id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

-- Name: executed_obs_unit; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.executed_obs_unit (
    id uuid NOT NULL,
    obs_unit_id bigint NOT NULL,
    status text DEFAULT 'running'::text NOT NULL,
    start_time timestamp with time zone NOT NULL,
    end_time timestamp with time zone,
    conditions jsonb DEFAULT '{}'::jsonb NOT NULL,
    notes text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT executed_obs_unit_conditions_object CHECK ((jsonb_typeof(conditions) = 'object'::text)),
    CONSTRAINT executed_obs_unit_end_time_iff_finished CHECK (((status = 'running'::text) = (end_time IS NULL))),
    CONSTRAINT executed_obs_unit_status_valid CHECK ((status = ANY (ARRAY['running'::text, 'completed'::text, 'failed'::text, 'aborted'::text]))),
    CONSTRAINT executed_obs_unit_time_order CHECK ((end_time >= start_time))
);

-- Name: instrument; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.instrument (
    id bigint NOT NULL,
    telescope_id bigint NOT NULL,
    name text NOT NULL,
    description text,
    available boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT instrument_name_nonempty CHECK ((name <> ''::text))
);

-- Name: instrument_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.instrument ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.instrument_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: instrument_module; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.instrument_module (
    id bigint NOT NULL,
    instrument_id bigint NOT NULL,
    name text NOT NULL,
    description text,
    pixel_count integer,
    frequency_min_ghz double precision,
    frequency_max_ghz double precision,
    available boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT instrument_module_frequency_min_positive CHECK ((frequency_min_ghz > (0)::double precision)),
    CONSTRAINT instrument_module_frequency_order CHECK ((frequency_max_ghz >= frequency_min_ghz)),
    CONSTRAINT instrument_module_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT instrument_module_pixel_count_positive CHECK ((pixel_count > 0))
);

-- Name: instrument_module_configuration; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.instrument_module_configuration (
    id bigint NOT NULL,
    instrument_module_id bigint NOT NULL,
    name text NOT NULL,
    parameters jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT instrument_module_configuration_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT instrument_module_configuration_parameters_object CHECK ((jsonb_typeof(parameters) = 'object'::text))
);

-- Name: instrument_module_configuration_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.instrument_module_configuration ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.instrument_module_configuration_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: instrument_module_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.instrument_module ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.instrument_module_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: long_term_archive_transfer; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.long_term_archive_transfer (
    id bigint NOT NULL,
    raw_data_package_id bigint NOT NULL,
    origin_location_id bigint NOT NULL,
    destination_location_id bigint NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 4 NOT NULL,
    last_error text,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    claimed_by text,
    claim_token uuid,
    lease_until timestamp with time zone,
    completed_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    priority integer NOT NULL,
    external_job jsonb,
    CONSTRAINT long_term_archive_transfer_attempts_nonnegative CHECK ((attempts >= 0)),
    CONSTRAINT long_term_archive_transfer_claim_columns CHECK (((status <> 'in_progress'::text) OR ((claim_token IS NOT NULL) AND (lease_until IS NOT NULL) AND (claimed_by IS NOT NULL)))),
    CONSTRAINT long_term_archive_transfer_distinct_locations CHECK ((origin_location_id <> destination_location_id)),
    CONSTRAINT long_term_archive_transfer_external_job_object CHECK (((jsonb_typeof(external_job) = 'object'::text) AND (octet_length((external_job)::text) <= 8192))),
    CONSTRAINT long_term_archive_transfer_max_attempts_positive CHECK ((max_attempts > 0)),
    CONSTRAINT long_term_archive_transfer_priority_range CHECK (((priority >= '-100'::integer) AND (priority <= 100))),
    CONSTRAINT long_term_archive_transfer_status_valid CHECK ((status = ANY (ARRAY['pending'::text, 'scheduled'::text, 'in_progress'::text, 'completed'::text, 'failed'::text])))
);

-- Name: long_term_archive_transfer_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.long_term_archive_transfer ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.long_term_archive_transfer_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: obs_mode; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.obs_mode (
    id bigint NOT NULL,
    name text NOT NULL,
    description text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT obs_mode_name_nonempty CHECK ((name <> ''::text))
);

-- Name: obs_mode_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.obs_mode ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.obs_mode_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: obs_unit; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.obs_unit (
    id bigint NOT NULL,
    name text NOT NULL,
    observing_program_id bigint NOT NULL,
    sub_observing_program_id bigint,
    source_id bigint NOT NULL,
    obs_mode_id bigint NOT NULL,
    observation_configuration_id bigint,
    priority integer DEFAULT 0 NOT NULL,
    requested_duration_s double precision,
    min_elevation_deg double precision,
    max_elevation_deg double precision,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT obs_unit_elevation_order CHECK ((max_elevation_deg >= min_elevation_deg)),
    CONSTRAINT obs_unit_max_elevation_range CHECK (((max_elevation_deg >= (0)::double precision) AND (max_elevation_deg <= (90)::double precision))),
    CONSTRAINT obs_unit_min_elevation_range CHECK (((min_elevation_deg >= (0)::double precision) AND (min_elevation_deg <= (90)::double precision))),
    CONSTRAINT obs_unit_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT obs_unit_requested_duration_positive CHECK ((requested_duration_s > (0)::double precision))
);

-- Name: obs_unit_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.obs_unit ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.obs_unit_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: obs_unit_instrument_module_configuration; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.obs_unit_instrument_module_configuration (
    obs_unit_id bigint NOT NULL,
    instrument_module_configuration_id bigint CONSTRAINT obs_unit_instrument_module__instrument_module_configur_not_null NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

-- Name: observation_configuration; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.observation_configuration (
    id bigint NOT NULL,
    name text NOT NULL,
    parameters jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT observation_configuration_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT observation_configuration_parameters_object CHECK ((jsonb_typeof(parameters) = 'object'::text))
);

-- Name: observation_configuration_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.observation_configuration ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.observation_configuration_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: observatory; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.observatory (
    id bigint NOT NULL,
    name text NOT NULL,
    description text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT observatory_name_nonempty CHECK ((name <> ''::text))
);

-- Name: observatory_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.observatory ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.observatory_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: observing_program; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.observing_program (
    id bigint NOT NULL,
    name text NOT NULL,
    short_name text NOT NULL,
    description text,
    pi_name text,
    contact_email text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT observing_program_contact_email_format CHECK ((contact_email ~ '^[^@\s]+@[^@\s]+$'::text)),
    CONSTRAINT observing_program_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT observing_program_short_name_identifier CHECK ((short_name ~ '^[A-Za-z][A-Za-z0-9_-]{0,31}$'::text))
);

-- Name: observing_program_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.observing_program ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.observing_program_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: operator_action; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.operator_action (
    id bigint NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    kind text NOT NULL,
    item_id bigint NOT NULL,
    from_status text NOT NULL,
    to_status text NOT NULL,
    reason text NOT NULL,
    db_role text,
    session_role text,
    CONSTRAINT operator_action_action_check CHECK ((action = ANY (ARRAY['retry'::text, 'reset'::text, 'cancel'::text]))),
    CONSTRAINT operator_action_actor_check CHECK (((length(actor) >= 1) AND (length(actor) <= 200))),
    CONSTRAINT operator_action_kind_check CHECK (((length(kind) >= 1) AND (length(kind) <= 64))),
    CONSTRAINT operator_action_reason_check CHECK (((length(reason) >= 1) AND (length(reason) <= 2000)))
);

-- Name: operator_action_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.operator_action ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.operator_action_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: opsdb_role_default; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.opsdb_role_default (
    group_role text NOT NULL,
    setting text NOT NULL,
    value text NOT NULL,
    CONSTRAINT opsdb_role_default_setting_valid CHECK ((setting = ANY (ARRAY['statement_timeout'::text, 'idle_in_transaction_session_timeout'::text, 'lock_timeout'::text, 'connection_limit'::text])))
);

-- Name: package_copy_count; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.package_copy_count (
    raw_data_package_id bigint NOT NULL,
    verified integer DEFAULT 0 NOT NULL
);

-- Name: package_copy_delta; Type: TABLE; Schema: public; Owner: -

CREATE UNLOGGED TABLE public.package_copy_delta (
    raw_data_package_id bigint NOT NULL,
    verified integer NOT NULL
);

-- Name: permission; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.permission (
    id bigint NOT NULL,
    name text NOT NULL,
    description text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT permission_name_format CHECK ((name ~ '^[a-z][a-z_]*:([a-z][a-z_]*|\*)$'::text))
);

-- Name: permission_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.permission ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.permission_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: physical_copy_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.physical_copy ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.physical_copy_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: raw_data_file; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.raw_data_file (
    id uuid NOT NULL,
    instrument_module_id bigint NOT NULL,
    executed_obs_unit_id uuid NOT NULL,
    raw_data_package_id bigint,
    name text NOT NULL,
    relative_path text NOT NULL COLLATE pg_catalog."C",
    size_bytes bigint NOT NULL,
    checksum text NOT NULL,
    checksum_algorithm text NOT NULL,
    file_type text,
    file_created_at timestamp with time zone,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT raw_data_file_checksum_valid CHECK (public.opsdb_checksum_valid(checksum_algorithm, checksum)),
    CONSTRAINT raw_data_file_metadata_object CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT raw_data_file_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT raw_data_file_relative_path_valid CHECK (public.opsdb_relative_path_valid(relative_path)),
    CONSTRAINT raw_data_file_size_nonnegative CHECK ((size_bytes >= 0))
)
WITH (autovacuum_vacuum_scale_factor='0.02', autovacuum_vacuum_insert_scale_factor='0.02', autovacuum_analyze_scale_factor='0.005', autovacuum_analyze_threshold='10000');

-- Name: raw_data_package; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.raw_data_package (
    id bigint NOT NULL,
    name text NOT NULL,
    relative_path text NOT NULL,
    executed_obs_unit_id uuid NOT NULL,
    instrument_module_id bigint NOT NULL,
    origin_location_id bigint NOT NULL,
    size_bytes bigint,
    checksum text,
    checksum_algorithm text,
    state text DEFAULT 'waiting'::text NOT NULL,
    data_transfer_package_id bigint,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 4 NOT NULL,
    last_error text,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    claimed_by text,
    claim_token uuid,
    lease_until timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    priority integer NOT NULL,
    external_job jsonb,
    CONSTRAINT raw_data_package_attempts_nonnegative CHECK ((attempts >= 0)),
    CONSTRAINT raw_data_package_checksum_valid CHECK ((((checksum IS NULL) = (checksum_algorithm IS NULL)) AND ((checksum IS NULL) OR public.opsdb_checksum_valid(checksum_algorithm, checksum)))),
    CONSTRAINT raw_data_package_claim_columns CHECK (((status <> 'in_progress'::text) OR ((claim_token IS NOT NULL) AND (lease_until IS NOT NULL) AND (claimed_by IS NOT NULL)))),
    CONSTRAINT raw_data_package_completed_has_checksum CHECK (((status <> 'completed'::text) OR ((size_bytes IS NOT NULL) AND (checksum IS NOT NULL)))),
    CONSTRAINT raw_data_package_external_job_object CHECK (((jsonb_typeof(external_job) = 'object'::text) AND (octet_length((external_job)::text) <= 8192))),
    CONSTRAINT raw_data_package_max_attempts_positive CHECK ((max_attempts > 0)),
    CONSTRAINT raw_data_package_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT raw_data_package_priority_range CHECK (((priority >= '-100'::integer) AND (priority <= 100))),
    CONSTRAINT raw_data_package_relative_path_valid CHECK (public.opsdb_relative_path_valid(relative_path)),
    CONSTRAINT raw_data_package_size_nonnegative CHECK ((size_bytes >= 0)),
    CONSTRAINT raw_data_package_state_valid CHECK ((state = ANY (ARRAY['waiting'::text, 'transferring'::text, 'archived'::text, 'failed'::text]))),
    CONSTRAINT raw_data_package_status_valid CHECK ((status = ANY (ARRAY['pending'::text, 'scheduled'::text, 'in_progress'::text, 'completed'::text, 'failed'::text])))
);

-- Name: raw_data_package_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.raw_data_package ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.raw_data_package_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: raw_data_package_metadata; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.raw_data_package_metadata (
    raw_data_package_id bigint NOT NULL,
    obs_id text,
    obs_collection text,
    obs_publisher_did text,
    dataproduct_type text,
    calib_level integer,
    target_name text,
    s_ra double precision,
    s_dec double precision,
    s_fov double precision,
    t_min double precision,
    t_max double precision,
    t_exptime double precision,
    em_min double precision,
    em_max double precision,
    em_res_power double precision,
    pol_states text,
    o_ucd text,
    facility_name text,
    instrument_name text,
    extra jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT raw_data_package_metadata_calib_level_range CHECK (((calib_level >= 0) AND (calib_level <= 4))),
    CONSTRAINT raw_data_package_metadata_em_min_positive CHECK ((em_min > (0)::double precision)),
    CONSTRAINT raw_data_package_metadata_em_order CHECK ((em_max >= em_min)),
    CONSTRAINT raw_data_package_metadata_extra_object CHECK ((jsonb_typeof(extra) = 'object'::text)),
    CONSTRAINT raw_data_package_metadata_s_dec_range CHECK (((s_dec >= ('-90'::integer)::double precision) AND (s_dec <= (90)::double precision))),
    CONSTRAINT raw_data_package_metadata_s_fov_nonnegative CHECK ((s_fov >= (0)::double precision)),
    CONSTRAINT raw_data_package_metadata_s_ra_range CHECK (((s_ra >= (0)::double precision) AND (s_ra < (360)::double precision))),
    CONSTRAINT raw_data_package_metadata_t_exptime_nonnegative CHECK ((t_exptime >= (0)::double precision)),
    CONSTRAINT raw_data_package_metadata_t_order CHECK ((t_max >= t_min))
);

-- Name: role; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.role (
    id bigint NOT NULL,
    name text NOT NULL,
    description text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT role_name_format CHECK ((name ~ '^[a-z][a-z0-9_]{0,62}$'::text))
);

-- Name: role_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.role ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.role_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: role_permission; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.role_permission (
    role_id bigint NOT NULL,
    permission_id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

-- Name: site; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.site (
    id bigint NOT NULL,
    name text NOT NULL,
    short_name text NOT NULL,
    location text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT site_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT site_short_name_identifier CHECK ((short_name ~ '^[a-z][a-z0-9_]{0,62}$'::text))
);

-- Name: site_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.site ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.site_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: source; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.source (
    id bigint NOT NULL,
    type text NOT NULL,
    name text NOT NULL,
    description text,
    ra_deg double precision,
    dec_deg double precision,
    frame text,
    ephemeris_body text,
    ra_min_deg double precision,
    ra_max_deg double precision,
    dec_min_deg double precision,
    dec_max_deg double precision,
    elevation_deg double precision,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT source_constant_elevation_columns CHECK (
CASE
    WHEN (type = 'constant_elevation'::text) THEN ((ra_min_deg IS NOT NULL) AND (ra_max_deg IS NOT NULL) AND (dec_min_deg IS NOT NULL) AND (dec_max_deg IS NOT NULL) AND (elevation_deg IS NOT NULL) AND (dec_min_deg <= dec_max_deg))
    ELSE ((ra_min_deg IS NULL) AND (ra_max_deg IS NULL) AND (dec_min_deg IS NULL) AND (dec_max_deg IS NULL) AND (elevation_deg IS NULL))
END),
    CONSTRAINT source_dec_max_range CHECK (((dec_max_deg >= ('-90'::integer)::double precision) AND (dec_max_deg <= (90)::double precision))),
    CONSTRAINT source_dec_min_range CHECK (((dec_min_deg >= ('-90'::integer)::double precision) AND (dec_min_deg <= (90)::double precision))),
    CONSTRAINT source_dec_range CHECK (((dec_deg >= ('-90'::integer)::double precision) AND (dec_deg <= (90)::double precision))),
    CONSTRAINT source_elevation_range CHECK (((elevation_deg > (0)::double precision) AND (elevation_deg <= (90)::double precision))),
    CONSTRAINT source_ephemeris_body_nonempty CHECK ((ephemeris_body <> ''::text)),
    CONSTRAINT source_fixed_columns CHECK (
CASE
    WHEN (type = 'fixed'::text) THEN ((ra_deg IS NOT NULL) AND (dec_deg IS NOT NULL) AND (frame IS NOT NULL))
    ELSE ((ra_deg IS NULL) AND (dec_deg IS NULL) AND (frame IS NULL))
END),
    CONSTRAINT source_frame_valid CHECK ((frame = ANY (ARRAY['icrs'::text, 'fk5'::text, 'galactic'::text]))),
    CONSTRAINT source_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT source_ra_max_range CHECK (((ra_max_deg >= (0)::double precision) AND (ra_max_deg <= (360)::double precision))),
    CONSTRAINT source_ra_min_range CHECK (((ra_min_deg >= (0)::double precision) AND (ra_min_deg < (360)::double precision))),
    CONSTRAINT source_ra_range CHECK (((ra_deg >= (0)::double precision) AND (ra_deg < (360)::double precision))),
    CONSTRAINT source_solar_system_columns CHECK (((type = 'solar_system'::text) = (ephemeris_body IS NOT NULL))),
    CONSTRAINT source_type_valid CHECK ((type = ANY (ARRAY['fixed'::text, 'solar_system'::text, 'constant_elevation'::text])))
);

-- Name: source_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.source ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.source_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: staging_job; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.staging_job (
    id bigint NOT NULL,
    user_account_id bigint NOT NULL,
    destination_location_id bigint NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 4 NOT NULL,
    last_error text,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    claimed_by text,
    claim_token uuid,
    lease_until timestamp with time zone,
    retention_until timestamp with time zone,
    completed_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    priority integer NOT NULL,
    external_job jsonb,
    CONSTRAINT staging_job_attempts_nonnegative CHECK ((attempts >= 0)),
    CONSTRAINT staging_job_claim_columns CHECK (((status <> 'in_progress'::text) OR ((claim_token IS NOT NULL) AND (lease_until IS NOT NULL) AND (claimed_by IS NOT NULL)))),
    CONSTRAINT staging_job_external_job_object CHECK (((jsonb_typeof(external_job) = 'object'::text) AND (octet_length((external_job)::text) <= 8192))),
    CONSTRAINT staging_job_max_attempts_positive CHECK ((max_attempts > 0)),
    CONSTRAINT staging_job_priority_range CHECK (((priority >= '-100'::integer) AND (priority <= 100))),
    CONSTRAINT staging_job_status_valid CHECK ((status = ANY (ARRAY['pending'::text, 'scheduled'::text, 'in_progress'::text, 'completed'::text, 'failed'::text])))
);

-- Name: staging_job_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.staging_job ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.staging_job_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: staging_job_package; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.staging_job_package (
    staging_job_id bigint NOT NULL,
    raw_data_package_id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

-- Name: state_column; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.state_column (
    table_name text NOT NULL,
    column_name text NOT NULL,
    machine text NOT NULL
);

-- Name: state_count; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.state_count (
    table_name text NOT NULL,
    column_name text NOT NULL,
    value text NOT NULL,
    n bigint DEFAULT 0 NOT NULL
);

-- Name: state_count_delta; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.state_count_delta (
    table_name text NOT NULL,
    column_name text NOT NULL,
    value text NOT NULL,
    n bigint NOT NULL
);

-- Name: state_history; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.state_history (
    id bigint NOT NULL,
    changed_at timestamp with time zone DEFAULT statement_timestamp() NOT NULL,
    table_name text NOT NULL COLLATE pg_catalog."C",
    item_id text NOT NULL COLLATE pg_catalog."C",
    column_name text NOT NULL COLLATE pg_catalog."C",
    from_state text,
    to_state text NOT NULL,
    db_role text NOT NULL,
    session_role text NOT NULL,
    application_name text,
    claimed_by text,
    claim_ref uuid,
    repair boolean DEFAULT false NOT NULL
);

-- Name: state_history_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.state_history ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.state_history_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: state_transition; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.state_transition (
    machine text NOT NULL,
    from_state text,
    to_state text NOT NULL
);

-- Name: sub_observing_program; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.sub_observing_program (
    id bigint NOT NULL,
    observing_program_id bigint NOT NULL,
    name text NOT NULL,
    short_name text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT sub_observing_program_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT sub_observing_program_short_name_identifier CHECK ((short_name ~ '^[A-Za-z][A-Za-z0-9_-]{0,31}$'::text))
);

-- Name: sub_observing_program_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.sub_observing_program ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.sub_observing_program_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: telescope; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.telescope (
    id bigint NOT NULL,
    observatory_id bigint NOT NULL,
    name text NOT NULL,
    description text,
    latitude_deg double precision,
    longitude_deg double precision,
    elevation_m double precision,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT telescope_elevation_range CHECK (((elevation_m >= ('-500'::integer)::double precision) AND (elevation_m <= (9000)::double precision))),
    CONSTRAINT telescope_latitude_range CHECK (((latitude_deg >= ('-90'::integer)::double precision) AND (latitude_deg <= (90)::double precision))),
    CONSTRAINT telescope_longitude_range CHECK (((longitude_deg >= ('-180'::integer)::double precision) AND (longitude_deg <= (180)::double precision))),
    CONSTRAINT telescope_name_nonempty CHECK ((name <> ''::text))
);

-- Name: telescope_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.telescope ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.telescope_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: user_account; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.user_account (
    id bigint NOT NULL,
    username text NOT NULL,
    email text,
    display_name text,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT user_account_email_format CHECK ((email ~ '^[^@\s]+@[^@\s]+$'::text)),
    CONSTRAINT user_account_username_format CHECK ((username ~ '^[a-z0-9][a-z0-9._-]{0,62}$'::text))
);

-- Name: user_account_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.user_account ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.user_account_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: user_role; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.user_role (
    user_account_id bigint NOT NULL,
    role_id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

-- Name: work_cap; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.work_cap (
    id bigint NOT NULL,
    kind text NOT NULL,
    data_location_id bigint,
    data_transfer_route_id bigint,
    max_items integer,
    max_bytes bigint,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT work_cap_bytes_kinds CHECK (((max_bytes IS NULL) OR (kind = ANY (ARRAY['data_transfer'::text, 'data_transfer_unpack'::text, 'long_term_archive_transfer'::text])))),
    CONSTRAINT work_cap_kind_check CHECK ((kind = ANY (ARRAY['raw_data_package_build'::text, 'data_transfer_package_build'::text, 'data_transfer'::text, 'data_transfer_unpack'::text, 'long_term_archive_transfer'::text, 'staging_job'::text, 'physical_copy_deletion'::text]))),
    CONSTRAINT work_cap_max_bytes_nonnegative CHECK ((max_bytes >= 0)),
    CONSTRAINT work_cap_max_items_nonnegative CHECK ((max_items >= 0)),
    CONSTRAINT work_cap_one_target CHECK ((num_nonnulls(data_location_id, data_transfer_route_id) = 1)),
    CONSTRAINT work_cap_route_kinds CHECK (((data_transfer_route_id IS NULL) OR (kind = ANY (ARRAY['data_transfer'::text, 'data_transfer_unpack'::text])))),
    CONSTRAINT work_cap_some_limit CHECK (((max_items IS NOT NULL) OR (max_bytes IS NOT NULL)))
);

-- Name: work_cap_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.work_cap ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.work_cap_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: api_token api_token_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.api_token
    ADD CONSTRAINT api_token_pkey PRIMARY KEY (id);

-- Name: api_token api_token_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.api_token
    ADD CONSTRAINT api_token_token_hash_key UNIQUE (token_hash);

-- Name: api_token api_token_user_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.api_token
    ADD CONSTRAINT api_token_user_name_key UNIQUE (user_account_id, name);

-- Name: copy_space copy_space_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.copy_space
    ADD CONSTRAINT copy_space_pkey PRIMARY KEY (data_location_id, type, status);

-- Name: data_location data_location_id_site_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_location
    ADD CONSTRAINT data_location_id_site_key UNIQUE (id, site_id);

-- Name: data_location data_location_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_location
    ADD CONSTRAINT data_location_pkey PRIMARY KEY (id);

-- Name: data_location data_location_site_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_location
    ADD CONSTRAINT data_location_site_name_key UNIQUE (site_id, name);

-- Name: data_transfer_log data_transfer_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_log
    ADD CONSTRAINT data_transfer_log_pkey PRIMARY KEY (id);

-- Name: data_transfer data_transfer_package_destination_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer
    ADD CONSTRAINT data_transfer_package_destination_key UNIQUE (data_transfer_package_id, destination_location_id);

-- Name: data_transfer_package data_transfer_package_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_package
    ADD CONSTRAINT data_transfer_package_name_key UNIQUE (name);

-- Name: data_transfer_package data_transfer_package_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_package
    ADD CONSTRAINT data_transfer_package_pkey PRIMARY KEY (id);

-- Name: data_transfer data_transfer_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer
    ADD CONSTRAINT data_transfer_pkey PRIMARY KEY (id);

-- Name: data_transfer_route data_transfer_route_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_route
    ADD CONSTRAINT data_transfer_route_name_key UNIQUE (name);

-- Name: data_transfer_route data_transfer_route_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_route
    ADD CONSTRAINT data_transfer_route_pkey PRIMARY KEY (id);

-- Name: deletion_claim_verdict deletion_claim_verdict_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.deletion_claim_verdict
    ADD CONSTRAINT deletion_claim_verdict_pkey PRIMARY KEY (copy_id);

-- Name: deletion_file_queue deletion_file_queue_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.deletion_file_queue
    ADD CONSTRAINT deletion_file_queue_pkey PRIMARY KEY (raw_data_package_id, data_location_id);

-- Name: executed_obs_unit executed_obs_unit_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.executed_obs_unit
    ADD CONSTRAINT executed_obs_unit_pkey PRIMARY KEY (id);

-- Name: instrument_module_configuration instrument_module_configuration_module_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.instrument_module_configuration
    ADD CONSTRAINT instrument_module_configuration_module_name_key UNIQUE (instrument_module_id, name);

-- Name: instrument_module_configuration instrument_module_configuration_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.instrument_module_configuration
    ADD CONSTRAINT instrument_module_configuration_pkey PRIMARY KEY (id);

-- Name: instrument_module instrument_module_instrument_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.instrument_module
    ADD CONSTRAINT instrument_module_instrument_name_key UNIQUE (instrument_id, name);

-- Name: instrument_module instrument_module_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.instrument_module
    ADD CONSTRAINT instrument_module_pkey PRIMARY KEY (id);

-- Name: instrument instrument_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.instrument
    ADD CONSTRAINT instrument_pkey PRIMARY KEY (id);

-- Name: instrument instrument_telescope_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.instrument
    ADD CONSTRAINT instrument_telescope_name_key UNIQUE (telescope_id, name);

-- Name: long_term_archive_transfer long_term_archive_transfer_package_destination_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.long_term_archive_transfer
    ADD CONSTRAINT long_term_archive_transfer_package_destination_key UNIQUE (raw_data_package_id, destination_location_id);

-- Name: long_term_archive_transfer long_term_archive_transfer_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.long_term_archive_transfer
    ADD CONSTRAINT long_term_archive_transfer_pkey PRIMARY KEY (id);

-- Name: obs_mode obs_mode_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_mode
    ADD CONSTRAINT obs_mode_name_key UNIQUE (name);

-- Name: obs_mode obs_mode_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_mode
    ADD CONSTRAINT obs_mode_pkey PRIMARY KEY (id);

-- Name: obs_unit_instrument_module_configuration obs_unit_instrument_module_configuration_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit_instrument_module_configuration
    ADD CONSTRAINT obs_unit_instrument_module_configuration_pkey PRIMARY KEY (obs_unit_id, instrument_module_configuration_id);

-- Name: obs_unit obs_unit_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit
    ADD CONSTRAINT obs_unit_name_key UNIQUE (name);

-- Name: obs_unit obs_unit_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit
    ADD CONSTRAINT obs_unit_pkey PRIMARY KEY (id);

-- Name: observation_configuration observation_configuration_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.observation_configuration
    ADD CONSTRAINT observation_configuration_name_key UNIQUE (name);

-- Name: observation_configuration observation_configuration_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.observation_configuration
    ADD CONSTRAINT observation_configuration_pkey PRIMARY KEY (id);

-- Name: observatory observatory_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.observatory
    ADD CONSTRAINT observatory_name_key UNIQUE (name);

-- Name: observatory observatory_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.observatory
    ADD CONSTRAINT observatory_pkey PRIMARY KEY (id);

-- Name: observing_program observing_program_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.observing_program
    ADD CONSTRAINT observing_program_pkey PRIMARY KEY (id);

-- Name: observing_program observing_program_short_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.observing_program
    ADD CONSTRAINT observing_program_short_name_key UNIQUE (short_name);

-- Name: operator_action operator_action_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.operator_action
    ADD CONSTRAINT operator_action_pkey PRIMARY KEY (id);

-- Name: opsdb_role_default opsdb_role_default_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.opsdb_role_default
    ADD CONSTRAINT opsdb_role_default_pkey PRIMARY KEY (group_role, setting);

-- Name: package_copy_count package_copy_count_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.package_copy_count
    ADD CONSTRAINT package_copy_count_pkey PRIMARY KEY (raw_data_package_id);

-- Name: permission permission_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.permission
    ADD CONSTRAINT permission_name_key UNIQUE (name);

-- Name: permission permission_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.permission
    ADD CONSTRAINT permission_pkey PRIMARY KEY (id);

-- Name: physical_copy physical_copy_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.physical_copy
    ADD CONSTRAINT physical_copy_pkey PRIMARY KEY (id);

-- Name: raw_data_file raw_data_file_module_path_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_file
    ADD CONSTRAINT raw_data_file_module_path_key UNIQUE (instrument_module_id, relative_path);

-- Name: raw_data_file raw_data_file_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_file
    ADD CONSTRAINT raw_data_file_pkey PRIMARY KEY (id);

-- Name: raw_data_package raw_data_package_id_eou_module_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_package
    ADD CONSTRAINT raw_data_package_id_eou_module_key UNIQUE (id, executed_obs_unit_id, instrument_module_id);

-- Name: raw_data_package_metadata raw_data_package_metadata_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_package_metadata
    ADD CONSTRAINT raw_data_package_metadata_pkey PRIMARY KEY (raw_data_package_id);

-- Name: raw_data_package raw_data_package_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_package
    ADD CONSTRAINT raw_data_package_name_key UNIQUE (name);

-- Name: raw_data_package raw_data_package_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_package
    ADD CONSTRAINT raw_data_package_pkey PRIMARY KEY (id);

-- Name: role role_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.role
    ADD CONSTRAINT role_name_key UNIQUE (name);

-- Name: role_permission role_permission_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.role_permission
    ADD CONSTRAINT role_permission_pkey PRIMARY KEY (role_id, permission_id);

-- Name: role role_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.role
    ADD CONSTRAINT role_pkey PRIMARY KEY (id);

-- Name: site site_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.site
    ADD CONSTRAINT site_name_key UNIQUE (name);

-- Name: site site_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.site
    ADD CONSTRAINT site_pkey PRIMARY KEY (id);

-- Name: site site_short_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.site
    ADD CONSTRAINT site_short_name_key UNIQUE (short_name);

-- Name: source source_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.source
    ADD CONSTRAINT source_name_key UNIQUE (name);

-- Name: source source_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.source
    ADD CONSTRAINT source_pkey PRIMARY KEY (id);

-- Name: staging_job_package staging_job_package_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.staging_job_package
    ADD CONSTRAINT staging_job_package_pkey PRIMARY KEY (staging_job_id, raw_data_package_id);

-- Name: staging_job staging_job_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.staging_job
    ADD CONSTRAINT staging_job_pkey PRIMARY KEY (id);

-- Name: state_column state_column_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.state_column
    ADD CONSTRAINT state_column_key PRIMARY KEY (table_name, column_name);

-- Name: state_count state_count_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.state_count
    ADD CONSTRAINT state_count_pkey PRIMARY KEY (table_name, column_name, value);

-- Name: state_history state_history_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.state_history
    ADD CONSTRAINT state_history_pkey PRIMARY KEY (id);

-- Name: state_transition state_transition_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.state_transition
    ADD CONSTRAINT state_transition_key UNIQUE NULLS NOT DISTINCT (machine, from_state, to_state);

-- Name: sub_observing_program sub_observing_program_id_program_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.sub_observing_program
    ADD CONSTRAINT sub_observing_program_id_program_key UNIQUE (id, observing_program_id);

-- Name: sub_observing_program sub_observing_program_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.sub_observing_program
    ADD CONSTRAINT sub_observing_program_pkey PRIMARY KEY (id);

-- Name: sub_observing_program sub_observing_program_program_short_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.sub_observing_program
    ADD CONSTRAINT sub_observing_program_program_short_name_key UNIQUE (observing_program_id, short_name);

-- Name: telescope telescope_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.telescope
    ADD CONSTRAINT telescope_name_key UNIQUE (name);

-- Name: telescope telescope_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.telescope
    ADD CONSTRAINT telescope_pkey PRIMARY KEY (id);

-- Name: user_account user_account_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.user_account
    ADD CONSTRAINT user_account_pkey PRIMARY KEY (id);

-- Name: user_account user_account_username_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.user_account
    ADD CONSTRAINT user_account_username_key UNIQUE (username);

-- Name: user_role user_role_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.user_role
    ADD CONSTRAINT user_role_pkey PRIMARY KEY (user_account_id, role_id);

-- Name: work_cap work_cap_location_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.work_cap
    ADD CONSTRAINT work_cap_location_key UNIQUE (kind, data_location_id);

-- Name: work_cap work_cap_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.work_cap
    ADD CONSTRAINT work_cap_pkey PRIMARY KEY (id);

-- Name: work_cap work_cap_route_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.work_cap
    ADD CONSTRAINT work_cap_route_key UNIQUE (kind, data_transfer_route_id);

-- Name: copy_size_hint_copy_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX copy_size_hint_copy_idx ON public.copy_size_hint USING btree (copy_id);

-- Name: data_location_location_type_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_location_location_type_idx ON public.data_location USING btree (location_type, priority) WHERE active;

-- Name: data_transfer_failed_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_failed_idx ON public.data_transfer USING btree (origin_location_id) WHERE (status = 'failed'::text);

-- Name: data_transfer_log_transfer_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_log_transfer_idx ON public.data_transfer_log USING btree (data_transfer_id, created_at);

-- Name: data_transfer_package_failed_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_package_failed_idx ON public.data_transfer_package USING btree (origin_location_id) WHERE (status = 'failed'::text);

-- Name: data_transfer_package_queue_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_package_queue_idx ON public.data_transfer_package USING btree (origin_location_id, created_at) WHERE (status = ANY (ARRAY['pending'::text, 'scheduled'::text, 'in_progress'::text]));

-- Name: data_transfer_package_running_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_package_running_idx ON public.data_transfer_package USING btree (origin_location_id) WHERE (status = 'in_progress'::text);

-- Name: data_transfer_package_status_id_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_package_status_id_idx ON public.data_transfer_package USING btree (status, id);

-- Name: data_transfer_package_work_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_package_work_idx ON public.data_transfer_package USING btree (public.opsdb_work_order(next_attempt_at, priority), next_attempt_at) WHERE (status = ANY (ARRAY['pending'::text, 'in_progress'::text]));

-- Name: data_transfer_queue_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_queue_idx ON public.data_transfer USING btree (origin_location_id, created_at) WHERE (status = ANY (ARRAY['pending'::text, 'scheduled'::text, 'in_progress'::text]));

-- Name: data_transfer_route_origin_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_route_origin_idx ON public.data_transfer_route USING btree (origin_site_id, priority) WHERE active;

-- Name: data_transfer_running_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_running_idx ON public.data_transfer USING btree (origin_location_id) WHERE (status = 'in_progress'::text);

-- Name: data_transfer_running_route_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_running_route_idx ON public.data_transfer USING btree (data_transfer_route_id) WHERE (status = 'in_progress'::text);

-- Name: data_transfer_status_id_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_status_id_idx ON public.data_transfer USING btree (status, id);

-- Name: data_transfer_unpack_failed_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_unpack_failed_idx ON public.data_transfer USING btree (destination_location_id) WHERE (unpack_status = 'failed'::text);

-- Name: data_transfer_unpack_queue_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_unpack_queue_idx ON public.data_transfer USING btree (destination_location_id, completed_at) WHERE ((status = 'completed'::text) AND (unpack_status = ANY (ARRAY['pending'::text, 'scheduled'::text, 'in_progress'::text])));

-- Name: data_transfer_unpack_status_id_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_unpack_status_id_idx ON public.data_transfer USING btree (unpack_status, id);

-- Name: data_transfer_unpack_work_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_unpack_work_idx ON public.data_transfer USING btree (public.opsdb_work_order(unpack_next_attempt_at, unpack_priority), unpack_next_attempt_at) WHERE ((status = 'completed'::text) AND (unpack_status = ANY (ARRAY['pending'::text, 'in_progress'::text])));

-- Name: data_transfer_unpacking_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_unpacking_idx ON public.data_transfer USING btree (destination_location_id) WHERE (unpack_status = 'in_progress'::text);

-- Name: data_transfer_unpacking_route_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_unpacking_route_idx ON public.data_transfer USING btree (data_transfer_route_id) WHERE (unpack_status = 'in_progress'::text);

-- Name: data_transfer_work_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_work_idx ON public.data_transfer USING btree (public.opsdb_work_order(next_attempt_at, priority), next_attempt_at) WHERE (status = ANY (ARRAY['pending'::text, 'in_progress'::text]));

-- Name: executed_obs_unit_obs_unit_id_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX executed_obs_unit_obs_unit_id_idx ON public.executed_obs_unit USING btree (obs_unit_id, id);

-- Name: executed_obs_unit_start_time_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX executed_obs_unit_start_time_idx ON public.executed_obs_unit USING btree (start_time);

-- Name: executed_obs_unit_status_id_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX executed_obs_unit_status_id_idx ON public.executed_obs_unit USING btree (status, id);

-- Name: long_term_archive_transfer_failed_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX long_term_archive_transfer_failed_idx ON public.long_term_archive_transfer USING btree (destination_location_id) WHERE (status = 'failed'::text);

-- Name: long_term_archive_transfer_origin_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX long_term_archive_transfer_origin_idx ON public.long_term_archive_transfer USING btree (raw_data_package_id, origin_location_id) WHERE (status <> 'completed'::text);

-- Name: long_term_archive_transfer_queue_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX long_term_archive_transfer_queue_idx ON public.long_term_archive_transfer USING btree (destination_location_id, created_at) WHERE (status = ANY (ARRAY['pending'::text, 'scheduled'::text, 'in_progress'::text]));

-- Name: long_term_archive_transfer_running_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX long_term_archive_transfer_running_idx ON public.long_term_archive_transfer USING btree (destination_location_id) WHERE (status = 'in_progress'::text);

-- Name: long_term_archive_transfer_status_id_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX long_term_archive_transfer_status_id_idx ON public.long_term_archive_transfer USING btree (status, id);

-- Name: long_term_archive_transfer_work_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX long_term_archive_transfer_work_idx ON public.long_term_archive_transfer USING btree (public.opsdb_work_order(next_attempt_at, priority), next_attempt_at) WHERE (status = ANY (ARRAY['pending'::text, 'in_progress'::text]));

-- Name: obs_unit_imc_configuration_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX obs_unit_imc_configuration_idx ON public.obs_unit_instrument_module_configuration USING btree (instrument_module_configuration_id);

-- Name: obs_unit_observing_program_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX obs_unit_observing_program_idx ON public.obs_unit USING btree (observing_program_id);

-- Name: obs_unit_source_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX obs_unit_source_idx ON public.obs_unit USING btree (source_id);

-- Name: operator_action_item_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX operator_action_item_idx ON public.operator_action USING btree (kind, item_id, at);

-- Name: package_copy_count_at_risk_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX package_copy_count_at_risk_idx ON public.package_copy_count USING btree (raw_data_package_id) WHERE (verified <= 1);

-- Name: physical_copy_deletion_failed_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX physical_copy_deletion_failed_idx ON public.physical_copy USING btree (data_location_id) WHERE (status = 'deletion_failed'::text);

-- Name: physical_copy_deletion_work_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX physical_copy_deletion_work_idx ON public.physical_copy USING btree (public.opsdb_work_order(next_attempt_at, priority), next_attempt_at) WHERE (status = ANY (ARRAY['deletion_scheduled'::text, 'deletion_in_progress'::text]));

-- Name: physical_copy_dtp_location_key; Type: INDEX; Schema: public; Owner: -

CREATE UNIQUE INDEX physical_copy_dtp_location_key ON public.physical_copy USING btree (data_transfer_package_id, data_location_id) WHERE (type = 'data_transfer_package'::text);

-- Name: physical_copy_file_location_key; Type: INDEX; Schema: public; Owner: -

CREATE UNIQUE INDEX physical_copy_file_location_key ON public.physical_copy USING btree (raw_data_file_id, data_location_id);

-- Name: physical_copy_live_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX physical_copy_live_idx ON public.physical_copy USING btree (data_location_id, status, id) WHERE (status <> 'deleted'::text);

-- Name: physical_copy_location_status_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX physical_copy_location_status_idx ON public.physical_copy USING btree (data_location_id, status) WHERE (type <> 'raw_data_file'::text);

-- Name: physical_copy_package_location_key; Type: INDEX; Schema: public; Owner: -

CREATE UNIQUE INDEX physical_copy_package_location_key ON public.physical_copy USING btree (raw_data_package_id, data_location_id) WHERE (type = 'raw_data_package'::text);

-- Name: physical_copy_present_bundle_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX physical_copy_present_bundle_idx ON public.physical_copy USING btree (data_transfer_package_id) WHERE ((type = 'data_transfer_package'::text) AND (status = 'present'::text));

-- Name: raw_data_file_eou_id_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX raw_data_file_eou_id_idx ON public.raw_data_file USING btree (executed_obs_unit_id, id);

-- Name: raw_data_file_package_id_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX raw_data_file_package_id_idx ON public.raw_data_file USING btree (raw_data_package_id, id) WHERE (raw_data_package_id IS NOT NULL);

-- Name: raw_data_file_unpackaged_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX raw_data_file_unpackaged_idx ON public.raw_data_file USING btree (executed_obs_unit_id, instrument_module_id) WHERE (raw_data_package_id IS NULL);

-- Name: raw_data_package_archived_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX raw_data_package_archived_idx ON public.raw_data_package USING btree (id) WHERE (state = 'archived'::text);

-- Name: raw_data_package_dtp_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX raw_data_package_dtp_idx ON public.raw_data_package USING btree (data_transfer_package_id) WHERE (data_transfer_package_id IS NOT NULL);

-- Name: raw_data_package_eou_module_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX raw_data_package_eou_module_idx ON public.raw_data_package USING btree (executed_obs_unit_id, instrument_module_id);

-- Name: raw_data_package_failed_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX raw_data_package_failed_idx ON public.raw_data_package USING btree (origin_location_id) WHERE (status = 'failed'::text);

-- Name: raw_data_package_queue_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX raw_data_package_queue_idx ON public.raw_data_package USING btree (origin_location_id, created_at) WHERE (status = ANY (ARRAY['pending'::text, 'scheduled'::text, 'in_progress'::text]));

-- Name: raw_data_package_running_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX raw_data_package_running_idx ON public.raw_data_package USING btree (origin_location_id) WHERE (status = 'in_progress'::text);

-- Name: raw_data_package_state_id_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX raw_data_package_state_id_idx ON public.raw_data_package USING btree (state, id);

-- Name: raw_data_package_status_id_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX raw_data_package_status_id_idx ON public.raw_data_package USING btree (status, id);

-- Name: raw_data_package_work_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX raw_data_package_work_idx ON public.raw_data_package USING btree (public.opsdb_work_order(next_attempt_at, priority), next_attempt_at) WHERE (status = ANY (ARRAY['pending'::text, 'in_progress'::text]));

-- Name: role_permission_permission_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX role_permission_permission_idx ON public.role_permission USING btree (permission_id);

-- Name: source_fixed_dec_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX source_fixed_dec_idx ON public.source USING btree (dec_deg) WHERE (type = 'fixed'::text);

-- Name: staging_job_failed_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX staging_job_failed_idx ON public.staging_job USING btree (destination_location_id) WHERE (status = 'failed'::text);

-- Name: staging_job_package_package_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX staging_job_package_package_idx ON public.staging_job_package USING btree (raw_data_package_id);

-- Name: staging_job_queue_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX staging_job_queue_idx ON public.staging_job USING btree (destination_location_id, created_at) WHERE (status = ANY (ARRAY['pending'::text, 'scheduled'::text, 'in_progress'::text]));

-- Name: staging_job_running_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX staging_job_running_idx ON public.staging_job USING btree (destination_location_id) WHERE (status = 'in_progress'::text);

-- Name: staging_job_status_id_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX staging_job_status_id_idx ON public.staging_job USING btree (status, id);

-- Name: staging_job_user_id_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX staging_job_user_id_idx ON public.staging_job USING btree (user_account_id, id);

-- Name: staging_job_work_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX staging_job_work_idx ON public.staging_job USING btree (public.opsdb_work_order(next_attempt_at, priority), next_attempt_at) WHERE (status = ANY (ARRAY['pending'::text, 'in_progress'::text]));

-- Name: state_history_changed_at_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX state_history_changed_at_idx ON public.state_history USING brin (changed_at);

-- Name: state_history_item_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX state_history_item_idx ON public.state_history USING btree (table_name, item_id, id);

-- Name: telescope_observatory_id_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX telescope_observatory_id_idx ON public.telescope USING btree (observatory_id);

-- Name: user_role_role_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX user_role_role_idx ON public.user_role USING btree (role_id);

-- Name: api_token api_token_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER api_token_touch BEFORE UPDATE ON public.api_token FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: data_location data_location_physical_copy_restrict; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_location_physical_copy_restrict AFTER DELETE ON public.data_location FOR EACH ROW EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'data_location_id', 'physical_copy_data_location_id_fkey', 'true');

-- Name: data_location data_location_physical_copy_restrict_truncate; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_location_physical_copy_restrict_truncate AFTER TRUNCATE ON public.data_location FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'data_location_id', 'physical_copy_data_location_id_fkey', 'true');

-- Name: data_location data_location_physical_copy_restrict_update; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_location_physical_copy_restrict_update AFTER UPDATE OF id ON public.data_location FOR EACH ROW WHEN ((old.id IS DISTINCT FROM new.id)) EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'data_location_id', 'physical_copy_data_location_id_fkey', 'true');

-- Name: data_location data_location_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_location_touch BEFORE UPDATE ON public.data_location FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: data_transfer_package data_transfer_package_physical_copy_restrict; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_package_physical_copy_restrict AFTER DELETE ON public.data_transfer_package FOR EACH ROW EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'data_transfer_package_id', 'physical_copy_data_transfer_package_id_fkey', 'type = ''data_transfer_package''');

-- Name: data_transfer_package data_transfer_package_physical_copy_restrict_truncate; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_package_physical_copy_restrict_truncate AFTER TRUNCATE ON public.data_transfer_package FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'data_transfer_package_id', 'physical_copy_data_transfer_package_id_fkey', 'type = ''data_transfer_package''');

-- Name: data_transfer_package data_transfer_package_physical_copy_restrict_update; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_package_physical_copy_restrict_update AFTER UPDATE OF id ON public.data_transfer_package FOR EACH ROW WHEN ((old.id IS DISTINCT FROM new.id)) EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'data_transfer_package_id', 'physical_copy_data_transfer_package_id_fkey', 'type = ''data_transfer_package''');

-- Name: data_transfer_package data_transfer_package_state_deleted; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_package_state_deleted AFTER DELETE ON public.data_transfer_package REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.data_transfer_package_state_deleted();

-- Name: data_transfer_package data_transfer_package_state_inserted; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_package_state_inserted AFTER INSERT ON public.data_transfer_package REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.data_transfer_package_state_inserted();

-- Name: data_transfer_package data_transfer_package_state_truncated; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_package_state_truncated AFTER TRUNCATE ON public.data_transfer_package FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_state_count_truncated();

-- Name: data_transfer_package data_transfer_package_state_updated; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_package_state_updated AFTER UPDATE ON public.data_transfer_package REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.data_transfer_package_state_updated();

-- Name: data_transfer_package data_transfer_package_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_package_touch BEFORE UPDATE ON public.data_transfer_package FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: data_transfer_package data_transfer_package_work_insert_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_package_work_insert_notify AFTER INSERT ON public.data_transfer_package FOR EACH ROW WHEN ((new.status = 'pending'::text)) EXECUTE FUNCTION public.opsdb_notify_work('data_transfer_package_build');

-- Name: data_transfer_package data_transfer_package_work_priority; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_package_work_priority BEFORE INSERT ON public.data_transfer_package FOR EACH ROW WHEN ((new.priority IS NULL)) EXECUTE FUNCTION public.opsdb_work_priority_default();

-- Name: data_transfer_package data_transfer_package_work_update_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_package_work_update_notify AFTER UPDATE OF status ON public.data_transfer_package FOR EACH ROW WHEN (((new.status = 'pending'::text) AND (old.status <> 'pending'::text) AND (new.next_attempt_at <= now()))) EXECUTE FUNCTION public.opsdb_notify_work('data_transfer_package_build');

-- Name: data_transfer_route data_transfer_route_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_route_touch BEFORE UPDATE ON public.data_transfer_route FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: data_transfer data_transfer_state_deleted; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_state_deleted AFTER DELETE ON public.data_transfer REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.data_transfer_state_deleted();

-- Name: data_transfer data_transfer_state_inserted; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_state_inserted AFTER INSERT ON public.data_transfer REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.data_transfer_state_inserted();

-- Name: data_transfer data_transfer_state_truncated; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_state_truncated AFTER TRUNCATE ON public.data_transfer FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_state_count_truncated();

-- Name: data_transfer data_transfer_state_updated; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_state_updated AFTER UPDATE ON public.data_transfer REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.data_transfer_state_updated();

-- Name: data_transfer data_transfer_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_touch BEFORE UPDATE ON public.data_transfer FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: data_transfer data_transfer_unpack_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_unpack_notify AFTER UPDATE OF status, unpack_status ON public.data_transfer FOR EACH ROW WHEN (((new.status = 'completed'::text) AND (new.unpack_status = 'pending'::text) AND ((old.status <> 'completed'::text) OR (old.unpack_status <> 'pending'::text)) AND (new.unpack_next_attempt_at <= now()))) EXECUTE FUNCTION public.opsdb_notify_work('data_transfer_unpack');

-- Name: data_transfer data_transfer_work_insert_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_work_insert_notify AFTER INSERT ON public.data_transfer FOR EACH ROW WHEN ((new.status = 'pending'::text)) EXECUTE FUNCTION public.opsdb_notify_work('data_transfer');

-- Name: data_transfer data_transfer_work_priority; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_work_priority BEFORE INSERT ON public.data_transfer FOR EACH ROW WHEN (((new.priority IS NULL) OR (new.unpack_priority IS NULL))) EXECUTE FUNCTION public.opsdb_work_priority_default();

-- Name: data_transfer data_transfer_work_update_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_work_update_notify AFTER UPDATE OF status ON public.data_transfer FOR EACH ROW WHEN (((new.status = 'pending'::text) AND (old.status <> 'pending'::text) AND (new.next_attempt_at <= now()))) EXECUTE FUNCTION public.opsdb_notify_work('data_transfer');

-- Name: executed_obs_unit executed_obs_unit_raw_data_file_restrict; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER executed_obs_unit_raw_data_file_restrict AFTER DELETE ON public.executed_obs_unit FOR EACH ROW EXECUTE FUNCTION public.opsdb_restrict_referenced('raw_data_file', 'executed_obs_unit_id', 'raw_data_file_executed_obs_unit_id_fkey', 'true');

-- Name: executed_obs_unit executed_obs_unit_raw_data_file_restrict_truncate; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER executed_obs_unit_raw_data_file_restrict_truncate AFTER TRUNCATE ON public.executed_obs_unit FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_restrict_referenced('raw_data_file', 'executed_obs_unit_id', 'raw_data_file_executed_obs_unit_id_fkey', 'true');

-- Name: executed_obs_unit executed_obs_unit_raw_data_file_restrict_update; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER executed_obs_unit_raw_data_file_restrict_update AFTER UPDATE OF id ON public.executed_obs_unit FOR EACH ROW WHEN ((old.id IS DISTINCT FROM new.id)) EXECUTE FUNCTION public.opsdb_restrict_referenced('raw_data_file', 'executed_obs_unit_id', 'raw_data_file_executed_obs_unit_id_fkey', 'true');

-- Name: executed_obs_unit executed_obs_unit_state_deleted; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER executed_obs_unit_state_deleted AFTER DELETE ON public.executed_obs_unit REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.executed_obs_unit_state_deleted();

-- Name: executed_obs_unit executed_obs_unit_state_inserted; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER executed_obs_unit_state_inserted AFTER INSERT ON public.executed_obs_unit REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.executed_obs_unit_state_inserted();

-- Name: executed_obs_unit executed_obs_unit_state_truncated; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER executed_obs_unit_state_truncated AFTER TRUNCATE ON public.executed_obs_unit FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_state_count_truncated();

-- Name: executed_obs_unit executed_obs_unit_state_updated; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER executed_obs_unit_state_updated AFTER UPDATE ON public.executed_obs_unit REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.executed_obs_unit_state_updated();

-- Name: executed_obs_unit executed_obs_unit_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER executed_obs_unit_touch BEFORE UPDATE ON public.executed_obs_unit FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: instrument_module_configuration instrument_module_configuration_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER instrument_module_configuration_touch BEFORE UPDATE ON public.instrument_module_configuration FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: instrument_module instrument_module_raw_data_file_restrict; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER instrument_module_raw_data_file_restrict AFTER DELETE ON public.instrument_module FOR EACH ROW EXECUTE FUNCTION public.opsdb_restrict_referenced('raw_data_file', 'instrument_module_id', 'raw_data_file_instrument_module_id_fkey', 'true');

-- Name: instrument_module instrument_module_raw_data_file_restrict_truncate; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER instrument_module_raw_data_file_restrict_truncate AFTER TRUNCATE ON public.instrument_module FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_restrict_referenced('raw_data_file', 'instrument_module_id', 'raw_data_file_instrument_module_id_fkey', 'true');

-- Name: instrument_module instrument_module_raw_data_file_restrict_update; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER instrument_module_raw_data_file_restrict_update AFTER UPDATE OF id ON public.instrument_module FOR EACH ROW WHEN ((old.id IS DISTINCT FROM new.id)) EXECUTE FUNCTION public.opsdb_restrict_referenced('raw_data_file', 'instrument_module_id', 'raw_data_file_instrument_module_id_fkey', 'true');

-- Name: instrument_module instrument_module_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER instrument_module_touch BEFORE UPDATE ON public.instrument_module FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: instrument instrument_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER instrument_touch BEFORE UPDATE ON public.instrument FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: long_term_archive_transfer long_term_archive_transfer_state_deleted; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER long_term_archive_transfer_state_deleted AFTER DELETE ON public.long_term_archive_transfer REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.long_term_archive_transfer_state_deleted();

-- Name: long_term_archive_transfer long_term_archive_transfer_state_inserted; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER long_term_archive_transfer_state_inserted AFTER INSERT ON public.long_term_archive_transfer REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.long_term_archive_transfer_state_inserted();

-- Name: long_term_archive_transfer long_term_archive_transfer_state_truncated; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER long_term_archive_transfer_state_truncated AFTER TRUNCATE ON public.long_term_archive_transfer FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_state_count_truncated();

-- Name: long_term_archive_transfer long_term_archive_transfer_state_updated; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER long_term_archive_transfer_state_updated AFTER UPDATE ON public.long_term_archive_transfer REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.long_term_archive_transfer_state_updated();

-- Name: long_term_archive_transfer long_term_archive_transfer_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER long_term_archive_transfer_touch BEFORE UPDATE ON public.long_term_archive_transfer FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: long_term_archive_transfer long_term_archive_transfer_work_insert_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER long_term_archive_transfer_work_insert_notify AFTER INSERT ON public.long_term_archive_transfer FOR EACH ROW WHEN ((new.status = 'pending'::text)) EXECUTE FUNCTION public.opsdb_notify_work('long_term_archive_transfer');

-- Name: long_term_archive_transfer long_term_archive_transfer_work_priority; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER long_term_archive_transfer_work_priority BEFORE INSERT ON public.long_term_archive_transfer FOR EACH ROW WHEN ((new.priority IS NULL)) EXECUTE FUNCTION public.opsdb_work_priority_default();

-- Name: long_term_archive_transfer long_term_archive_transfer_work_update_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER long_term_archive_transfer_work_update_notify AFTER UPDATE OF status ON public.long_term_archive_transfer FOR EACH ROW WHEN (((new.status = 'pending'::text) AND (old.status <> 'pending'::text) AND (new.next_attempt_at <= now()))) EXECUTE FUNCTION public.opsdb_notify_work('long_term_archive_transfer');

-- Name: obs_mode obs_mode_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER obs_mode_touch BEFORE UPDATE ON public.obs_mode FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: obs_unit obs_unit_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER obs_unit_touch BEFORE UPDATE ON public.obs_unit FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: observation_configuration observation_configuration_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER observation_configuration_touch BEFORE UPDATE ON public.observation_configuration FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: observatory observatory_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER observatory_touch BEFORE UPDATE ON public.observatory FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: observing_program observing_program_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER observing_program_touch BEFORE UPDATE ON public.observing_program FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: data_location opsdb_actor_data_location_update; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER opsdb_actor_data_location_update BEFORE UPDATE ON public.data_location FOR EACH ROW WHEN (((old.location_type IS DISTINCT FROM new.location_type) OR (old.site_id IS DISTINCT FROM new.site_id))) EXECUTE FUNCTION public.opsdb_actor_check_location();

-- Name: physical_copy opsdb_actor_physical_copy_insert; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER opsdb_actor_physical_copy_insert AFTER INSERT ON public.physical_copy REFERENCING NEW TABLE AS opsdb_actor_new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_actor_check_copy_insert();

-- Name: physical_copy opsdb_actor_physical_copy_update; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER opsdb_actor_physical_copy_update AFTER UPDATE ON public.physical_copy REFERENCING OLD TABLE AS opsdb_actor_old_rows NEW TABLE AS opsdb_actor_new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_actor_check_copy_updates();

-- Name: raw_data_file opsdb_actor_raw_data_file_update; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER opsdb_actor_raw_data_file_update BEFORE UPDATE ON public.raw_data_file FOR EACH ROW WHEN ((((((((((((((old.id IS DISTINCT FROM new.id) OR (old.instrument_module_id IS DISTINCT FROM new.instrument_module_id)) OR (old.executed_obs_unit_id IS DISTINCT FROM new.executed_obs_unit_id)) OR (old.name IS DISTINCT FROM new.name)) OR (old.relative_path IS DISTINCT FROM new.relative_path)) OR (old.size_bytes IS DISTINCT FROM new.size_bytes)) OR (old.checksum IS DISTINCT FROM new.checksum)) OR (old.checksum_algorithm IS DISTINCT FROM new.checksum_algorithm)) OR (old.file_type IS DISTINCT FROM new.file_type)) OR (old.file_created_at IS DISTINCT FROM new.file_created_at)) OR (old.metadata IS DISTINCT FROM new.metadata)) OR (old.created_at IS DISTINCT FROM new.created_at)) OR ((old.raw_data_package_id IS NOT NULL) AND (old.raw_data_package_id IS DISTINCT FROM new.raw_data_package_id)))) EXECUTE FUNCTION public.opsdb_actor_check_file();

-- Name: raw_data_package opsdb_actor_raw_data_package_insert; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER opsdb_actor_raw_data_package_insert BEFORE INSERT ON public.raw_data_package FOR EACH ROW EXECUTE FUNCTION public.opsdb_actor_check_package();

-- Name: raw_data_package opsdb_actor_raw_data_package_update; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER opsdb_actor_raw_data_package_update BEFORE UPDATE ON public.raw_data_package FOR EACH ROW WHEN (((old.state IS DISTINCT FROM new.state) OR ((old.checksum IS NOT NULL) AND (((old.checksum IS DISTINCT FROM new.checksum) OR (old.checksum_algorithm IS DISTINCT FROM new.checksum_algorithm)) OR (old.size_bytes IS DISTINCT FROM new.size_bytes))))) EXECUTE FUNCTION public.opsdb_actor_check_package();

-- Name: data_location opsdb_rules_data_location_place; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER opsdb_rules_data_location_place BEFORE UPDATE ON public.data_location FOR EACH ROW WHEN (((old.type IS DISTINCT FROM new.type) OR (old.host IS DISTINCT FROM new.host) OR (old.root_path IS DISTINCT FROM new.root_path) OR (old.endpoint_url IS DISTINCT FROM new.endpoint_url) OR (old.bucket IS DISTINCT FROM new.bucket) OR (old.prefix IS DISTINCT FROM new.prefix) OR (old.region IS DISTINCT FROM new.region) OR (old.library_name IS DISTINCT FROM new.library_name) OR (old.media_pool IS DISTINCT FROM new.media_pool))) EXECUTE FUNCTION public.opsdb_rules_check_location_place();

-- Name: data_transfer opsdb_rules_data_transfer_identity; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER opsdb_rules_data_transfer_identity BEFORE UPDATE ON public.data_transfer FOR EACH ROW WHEN (((old.data_transfer_package_id IS DISTINCT FROM new.data_transfer_package_id) OR (old.data_transfer_route_id IS DISTINCT FROM new.data_transfer_route_id) OR (old.method IS DISTINCT FROM new.method) OR (old.origin_location_id IS DISTINCT FROM new.origin_location_id) OR (old.destination_location_id IS DISTINCT FROM new.destination_location_id))) EXECUTE FUNCTION public.opsdb_rules_check_identity();

-- Name: data_transfer_package opsdb_rules_data_transfer_package_identity; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER opsdb_rules_data_transfer_package_identity BEFORE UPDATE ON public.data_transfer_package FOR EACH ROW WHEN (((old.name IS DISTINCT FROM new.name) OR (old.relative_path IS DISTINCT FROM new.relative_path) OR (old.origin_location_id IS DISTINCT FROM new.origin_location_id))) EXECUTE FUNCTION public.opsdb_rules_check_identity();

-- Name: long_term_archive_transfer opsdb_rules_long_term_archive_transfer_identity; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER opsdb_rules_long_term_archive_transfer_identity BEFORE UPDATE ON public.long_term_archive_transfer FOR EACH ROW WHEN (((old.raw_data_package_id IS DISTINCT FROM new.raw_data_package_id) OR (old.origin_location_id IS DISTINCT FROM new.origin_location_id) OR (old.destination_location_id IS DISTINCT FROM new.destination_location_id))) EXECUTE FUNCTION public.opsdb_rules_check_identity();

-- Name: operator_action opsdb_rules_operator_action_insert; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER opsdb_rules_operator_action_insert BEFORE INSERT ON public.operator_action FOR EACH ROW EXECUTE FUNCTION public.opsdb_rules_operator_action_inserted();

-- Name: physical_copy opsdb_rules_physical_copy_verification; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER opsdb_rules_physical_copy_verification AFTER UPDATE OF checksum_verified_at ON public.physical_copy FOR EACH ROW WHEN (((old.status = new.status) AND ((old.checksum_verified_at IS NULL) <> (new.checksum_verified_at IS NULL)))) EXECUTE FUNCTION public.opsdb_rules_record_verification();

-- Name: raw_data_file opsdb_rules_raw_data_file_insert; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER opsdb_rules_raw_data_file_insert BEFORE INSERT ON public.raw_data_file FOR EACH ROW WHEN ((new.raw_data_package_id IS NOT NULL)) EXECUTE FUNCTION public.opsdb_rules_file_inserted();

-- Name: raw_data_file opsdb_rules_raw_data_file_packaged; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER opsdb_rules_raw_data_file_packaged AFTER UPDATE ON public.raw_data_file REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_rules_files_packaged();

-- Name: raw_data_package opsdb_rules_raw_data_package_identity; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER opsdb_rules_raw_data_package_identity BEFORE UPDATE ON public.raw_data_package FOR EACH ROW WHEN (((old.name IS DISTINCT FROM new.name) OR (old.relative_path IS DISTINCT FROM new.relative_path) OR (old.executed_obs_unit_id IS DISTINCT FROM new.executed_obs_unit_id) OR (old.instrument_module_id IS DISTINCT FROM new.instrument_module_id) OR (old.origin_location_id IS DISTINCT FROM new.origin_location_id))) EXECUTE FUNCTION public.opsdb_rules_check_identity();

-- Name: staging_job opsdb_rules_staging_job_identity; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER opsdb_rules_staging_job_identity BEFORE UPDATE ON public.staging_job FOR EACH ROW WHEN (((old.user_account_id IS DISTINCT FROM new.user_account_id) OR (old.destination_location_id IS DISTINCT FROM new.destination_location_id))) EXECUTE FUNCTION public.opsdb_rules_check_identity();

-- Name: staging_job_package opsdb_rules_staging_job_package_fixed; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER opsdb_rules_staging_job_package_fixed BEFORE DELETE OR UPDATE ON public.staging_job_package FOR EACH ROW EXECUTE FUNCTION public.opsdb_rules_check_staging_link();

-- Name: physical_copy physical_copy_deletion_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER physical_copy_deletion_notify AFTER UPDATE ON public.physical_copy REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_notify_deletions();

-- Name: physical_copy physical_copy_deletion_priority; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER physical_copy_deletion_priority AFTER UPDATE ON public.physical_copy REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_deletion_priority_fixup();

-- Name: physical_copy physical_copy_deltas_insert; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER physical_copy_deltas_insert AFTER INSERT ON public.physical_copy REFERENCING NEW TABLE AS new_copies FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_copy_deltas_insert();

-- Name: physical_copy physical_copy_deltas_update; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER physical_copy_deltas_update AFTER UPDATE ON public.physical_copy REFERENCING OLD TABLE AS old_copies NEW TABLE AS new_copies FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_copy_deltas_update();

-- Name: physical_copy physical_copy_references_inserted; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER physical_copy_references_inserted AFTER INSERT ON public.physical_copy REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.physical_copy_check_inserted();

-- Name: physical_copy physical_copy_references_updated; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER physical_copy_references_updated AFTER UPDATE OF raw_data_file_id, raw_data_package_id, data_transfer_package_id, data_location_id ON public.physical_copy FOR EACH ROW WHEN (((((old.raw_data_file_id IS DISTINCT FROM new.raw_data_file_id) OR (old.raw_data_package_id IS DISTINCT FROM new.raw_data_package_id)) OR (old.data_transfer_package_id IS DISTINCT FROM new.data_transfer_package_id)) OR (old.data_location_id IS DISTINCT FROM new.data_location_id))) EXECUTE FUNCTION public.physical_copy_check_updated();

-- Name: physical_copy physical_copy_requeue_locks; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER physical_copy_requeue_locks AFTER UPDATE OF status ON public.physical_copy FOR EACH ROW WHEN (((new.type = 'raw_data_file'::text) AND (new.status = ANY (ARRAY['present'::text, 'deletion_possible'::text])) AND (old.status <> ALL (ARRAY['present'::text, 'deletion_possible'::text])))) EXECUTE FUNCTION public.opsdb_lock_requeue_sources();

-- Name: physical_copy physical_copy_state_inserted; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER physical_copy_state_inserted AFTER INSERT ON public.physical_copy REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.physical_copy_state_inserted();

-- Name: physical_copy physical_copy_state_updated; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER physical_copy_state_updated AFTER UPDATE ON public.physical_copy REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.physical_copy_state_updated();

-- Name: physical_copy physical_copy_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER physical_copy_touch BEFORE UPDATE ON public.physical_copy FOR EACH ROW WHEN ((new.updated_at IS DISTINCT FROM now())) EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: physical_copy physical_copy_transition_deletion_rule; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER physical_copy_transition_deletion_rule AFTER UPDATE ON public.physical_copy REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_guard_deletion();

-- Name: raw_data_file raw_data_file_packaged_queue; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_file_packaged_queue AFTER UPDATE ON public.raw_data_file REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_queue_packaged_files();

-- Name: raw_data_file raw_data_file_physical_copy_restrict; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_file_physical_copy_restrict AFTER DELETE ON public.raw_data_file FOR EACH ROW EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'raw_data_file_id', 'physical_copy_raw_data_file_id_fkey', 'true');

-- Name: raw_data_file raw_data_file_physical_copy_restrict_truncate; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_file_physical_copy_restrict_truncate AFTER TRUNCATE ON public.raw_data_file FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'raw_data_file_id', 'physical_copy_raw_data_file_id_fkey', 'true');

-- Name: raw_data_file raw_data_file_physical_copy_restrict_update; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_file_physical_copy_restrict_update AFTER UPDATE OF id ON public.raw_data_file FOR EACH ROW WHEN ((old.id IS DISTINCT FROM new.id)) EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'raw_data_file_id', 'physical_copy_raw_data_file_id_fkey', 'true');

-- Name: raw_data_file raw_data_file_references_inserted; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_file_references_inserted AFTER INSERT ON public.raw_data_file REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.raw_data_file_check_inserted();

-- Name: raw_data_file raw_data_file_references_updated; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_file_references_updated AFTER UPDATE OF instrument_module_id, executed_obs_unit_id, raw_data_package_id ON public.raw_data_file FOR EACH ROW WHEN ((((old.instrument_module_id IS DISTINCT FROM new.instrument_module_id) OR (old.executed_obs_unit_id IS DISTINCT FROM new.executed_obs_unit_id)) OR (old.raw_data_package_id IS DISTINCT FROM new.raw_data_package_id))) EXECUTE FUNCTION public.raw_data_file_check_updated();

-- Name: raw_data_file raw_data_file_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_file_touch BEFORE UPDATE ON public.raw_data_file FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: raw_data_package raw_data_package_archived_insert_queue; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_archived_insert_queue AFTER INSERT ON public.raw_data_package FOR EACH ROW WHEN ((new.state = 'archived'::text)) EXECUTE FUNCTION public.opsdb_queue_archived_package();

-- Name: raw_data_package raw_data_package_archived_queue; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_archived_queue AFTER UPDATE OF state ON public.raw_data_package FOR EACH ROW WHEN (((new.state = 'archived'::text) AND (old.state <> 'archived'::text))) EXECUTE FUNCTION public.opsdb_queue_archived_package();

-- Name: raw_data_package raw_data_package_delta_insert; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_delta_insert AFTER INSERT ON public.raw_data_package REFERENCING NEW TABLE AS new_packages FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_package_delta_insert();

-- Name: raw_data_package_metadata raw_data_package_metadata_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_metadata_touch BEFORE UPDATE ON public.raw_data_package_metadata FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: raw_data_package raw_data_package_physical_copy_restrict; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_physical_copy_restrict AFTER DELETE ON public.raw_data_package FOR EACH ROW EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'raw_data_package_id', 'physical_copy_raw_data_package_id_fkey', 'type = ''raw_data_package''');

-- Name: raw_data_package raw_data_package_physical_copy_restrict_truncate; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_physical_copy_restrict_truncate AFTER TRUNCATE ON public.raw_data_package FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'raw_data_package_id', 'physical_copy_raw_data_package_id_fkey', 'type = ''raw_data_package''');

-- Name: raw_data_package raw_data_package_physical_copy_restrict_update; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_physical_copy_restrict_update AFTER UPDATE OF id ON public.raw_data_package FOR EACH ROW WHEN ((old.id IS DISTINCT FROM new.id)) EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'raw_data_package_id', 'physical_copy_raw_data_package_id_fkey', 'type = ''raw_data_package''');

-- Name: raw_data_package raw_data_package_raw_data_file_restrict; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_raw_data_file_restrict AFTER DELETE ON public.raw_data_package FOR EACH ROW EXECUTE FUNCTION public.opsdb_restrict_referenced('raw_data_file', 'raw_data_package_id', 'raw_data_file_package_fkey', 'true');

-- Name: raw_data_package raw_data_package_raw_data_file_restrict_truncate; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_raw_data_file_restrict_truncate AFTER TRUNCATE ON public.raw_data_package FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_restrict_referenced('raw_data_file', 'raw_data_package_id', 'raw_data_file_package_fkey', 'true');

-- Name: raw_data_package raw_data_package_raw_data_file_restrict_update; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_raw_data_file_restrict_update AFTER UPDATE OF id, executed_obs_unit_id, instrument_module_id ON public.raw_data_package FOR EACH ROW WHEN ((((old.id IS DISTINCT FROM new.id) OR (old.executed_obs_unit_id IS DISTINCT FROM new.executed_obs_unit_id)) OR (old.instrument_module_id IS DISTINCT FROM new.instrument_module_id))) EXECUTE FUNCTION public.opsdb_restrict_referenced('raw_data_file', 'raw_data_package_id', 'raw_data_file_package_fkey', 'true');

-- Name: raw_data_package raw_data_package_state_deleted; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_state_deleted AFTER DELETE ON public.raw_data_package REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.raw_data_package_state_deleted();

-- Name: raw_data_package raw_data_package_state_inserted; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_state_inserted AFTER INSERT ON public.raw_data_package REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.raw_data_package_state_inserted();

-- Name: raw_data_package raw_data_package_state_truncated; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_state_truncated AFTER TRUNCATE ON public.raw_data_package FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_state_count_truncated();

-- Name: raw_data_package raw_data_package_state_updated; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_state_updated AFTER UPDATE ON public.raw_data_package REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.raw_data_package_state_updated();

-- Name: raw_data_package raw_data_package_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_touch BEFORE UPDATE ON public.raw_data_package FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: raw_data_package raw_data_package_work_insert_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_work_insert_notify AFTER INSERT ON public.raw_data_package FOR EACH ROW WHEN ((new.status = 'pending'::text)) EXECUTE FUNCTION public.opsdb_notify_work('raw_data_package_build');

-- Name: raw_data_package raw_data_package_work_priority; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_work_priority BEFORE INSERT ON public.raw_data_package FOR EACH ROW WHEN ((new.priority IS NULL)) EXECUTE FUNCTION public.opsdb_work_priority_default();

-- Name: raw_data_package raw_data_package_work_update_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_work_update_notify AFTER UPDATE OF status ON public.raw_data_package FOR EACH ROW WHEN (((new.status = 'pending'::text) AND (old.status <> 'pending'::text) AND (new.next_attempt_at <= now()))) EXECUTE FUNCTION public.opsdb_notify_work('raw_data_package_build');

-- Name: role role_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER role_touch BEFORE UPDATE ON public.role FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: site site_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER site_touch BEFORE UPDATE ON public.site FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: source source_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER source_touch BEFORE UPDATE ON public.source FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: staging_job staging_job_state_deleted; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER staging_job_state_deleted AFTER DELETE ON public.staging_job REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.staging_job_state_deleted();

-- Name: staging_job staging_job_state_inserted; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER staging_job_state_inserted AFTER INSERT ON public.staging_job REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.staging_job_state_inserted();

-- Name: staging_job staging_job_state_truncated; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER staging_job_state_truncated AFTER TRUNCATE ON public.staging_job FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_state_count_truncated();

-- Name: staging_job staging_job_state_updated; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER staging_job_state_updated AFTER UPDATE ON public.staging_job REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.staging_job_state_updated();

-- Name: staging_job staging_job_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER staging_job_touch BEFORE UPDATE ON public.staging_job FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: staging_job staging_job_work_insert_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER staging_job_work_insert_notify AFTER INSERT ON public.staging_job FOR EACH ROW WHEN ((new.status = 'pending'::text)) EXECUTE FUNCTION public.opsdb_notify_work('staging_job');

-- Name: staging_job staging_job_work_priority; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER staging_job_work_priority BEFORE INSERT ON public.staging_job FOR EACH ROW WHEN ((new.priority IS NULL)) EXECUTE FUNCTION public.opsdb_work_priority_default();

-- Name: staging_job staging_job_work_update_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER staging_job_work_update_notify AFTER UPDATE OF status ON public.staging_job FOR EACH ROW WHEN (((new.status = 'pending'::text) AND (old.status <> 'pending'::text) AND (new.next_attempt_at <= now()))) EXECUTE FUNCTION public.opsdb_notify_work('staging_job');

-- Name: state_history state_history_append_only; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER state_history_append_only BEFORE DELETE OR UPDATE ON public.state_history FOR EACH ROW EXECUTE FUNCTION public.state_history_append_only();

-- Name: state_history state_history_append_only_truncate; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER state_history_append_only_truncate BEFORE TRUNCATE ON public.state_history FOR EACH STATEMENT EXECUTE FUNCTION public.state_history_append_only();

-- Name: sub_observing_program sub_observing_program_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER sub_observing_program_touch BEFORE UPDATE ON public.sub_observing_program FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: telescope telescope_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER telescope_touch BEFORE UPDATE ON public.telescope FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: user_account user_account_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER user_account_touch BEFORE UPDATE ON public.user_account FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: work_cap work_cap_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER work_cap_touch BEFORE UPDATE ON public.work_cap FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: api_token api_token_user_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.api_token
    ADD CONSTRAINT api_token_user_account_id_fkey FOREIGN KEY (user_account_id) REFERENCES public.user_account(id) ON DELETE CASCADE;

-- Name: data_location data_location_site_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_location
    ADD CONSTRAINT data_location_site_id_fkey FOREIGN KEY (site_id) REFERENCES public.site(id) ON DELETE RESTRICT;

-- Name: data_transfer data_transfer_data_transfer_package_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer
    ADD CONSTRAINT data_transfer_data_transfer_package_id_fkey FOREIGN KEY (data_transfer_package_id) REFERENCES public.data_transfer_package(id) ON DELETE RESTRICT;

-- Name: data_transfer data_transfer_data_transfer_route_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer
    ADD CONSTRAINT data_transfer_data_transfer_route_id_fkey FOREIGN KEY (data_transfer_route_id) REFERENCES public.data_transfer_route(id) ON DELETE SET NULL;

-- Name: data_transfer data_transfer_destination_location_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer
    ADD CONSTRAINT data_transfer_destination_location_id_fkey FOREIGN KEY (destination_location_id) REFERENCES public.data_location(id) ON DELETE RESTRICT;

-- Name: data_transfer_log data_transfer_log_data_transfer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_log
    ADD CONSTRAINT data_transfer_log_data_transfer_id_fkey FOREIGN KEY (data_transfer_id) REFERENCES public.data_transfer(id) ON DELETE CASCADE;

-- Name: data_transfer data_transfer_origin_location_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer
    ADD CONSTRAINT data_transfer_origin_location_id_fkey FOREIGN KEY (origin_location_id) REFERENCES public.data_location(id) ON DELETE RESTRICT;

-- Name: data_transfer_package data_transfer_package_origin_location_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_package
    ADD CONSTRAINT data_transfer_package_origin_location_id_fkey FOREIGN KEY (origin_location_id) REFERENCES public.data_location(id) ON DELETE RESTRICT;

-- Name: data_transfer_route data_transfer_route_destination_location_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_route
    ADD CONSTRAINT data_transfer_route_destination_location_fkey FOREIGN KEY (destination_location_id, destination_site_id) REFERENCES public.data_location(id, site_id) ON DELETE RESTRICT;

-- Name: data_transfer_route data_transfer_route_destination_site_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_route
    ADD CONSTRAINT data_transfer_route_destination_site_id_fkey FOREIGN KEY (destination_site_id) REFERENCES public.site(id) ON DELETE RESTRICT;

-- Name: data_transfer_route data_transfer_route_origin_location_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_route
    ADD CONSTRAINT data_transfer_route_origin_location_fkey FOREIGN KEY (origin_location_id, origin_site_id) REFERENCES public.data_location(id, site_id) ON DELETE RESTRICT;

-- Name: data_transfer_route data_transfer_route_origin_site_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_route
    ADD CONSTRAINT data_transfer_route_origin_site_id_fkey FOREIGN KEY (origin_site_id) REFERENCES public.site(id) ON DELETE RESTRICT;

-- Name: data_transfer_route data_transfer_route_relay_site_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_route
    ADD CONSTRAINT data_transfer_route_relay_site_id_fkey FOREIGN KEY (relay_site_id) REFERENCES public.site(id) ON DELETE RESTRICT;

-- Name: executed_obs_unit executed_obs_unit_obs_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.executed_obs_unit
    ADD CONSTRAINT executed_obs_unit_obs_unit_id_fkey FOREIGN KEY (obs_unit_id) REFERENCES public.obs_unit(id) ON DELETE RESTRICT;

-- Name: instrument_module_configuration instrument_module_configuration_instrument_module_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.instrument_module_configuration
    ADD CONSTRAINT instrument_module_configuration_instrument_module_id_fkey FOREIGN KEY (instrument_module_id) REFERENCES public.instrument_module(id) ON DELETE CASCADE;

-- Name: instrument_module instrument_module_instrument_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.instrument_module
    ADD CONSTRAINT instrument_module_instrument_id_fkey FOREIGN KEY (instrument_id) REFERENCES public.instrument(id) ON DELETE RESTRICT;

-- Name: instrument instrument_telescope_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.instrument
    ADD CONSTRAINT instrument_telescope_id_fkey FOREIGN KEY (telescope_id) REFERENCES public.telescope(id) ON DELETE RESTRICT;

-- Name: long_term_archive_transfer long_term_archive_transfer_destination_location_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.long_term_archive_transfer
    ADD CONSTRAINT long_term_archive_transfer_destination_location_id_fkey FOREIGN KEY (destination_location_id) REFERENCES public.data_location(id) ON DELETE RESTRICT;

-- Name: long_term_archive_transfer long_term_archive_transfer_origin_location_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.long_term_archive_transfer
    ADD CONSTRAINT long_term_archive_transfer_origin_location_id_fkey FOREIGN KEY (origin_location_id) REFERENCES public.data_location(id) ON DELETE RESTRICT;

-- Name: long_term_archive_transfer long_term_archive_transfer_raw_data_package_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.long_term_archive_transfer
    ADD CONSTRAINT long_term_archive_transfer_raw_data_package_id_fkey FOREIGN KEY (raw_data_package_id) REFERENCES public.raw_data_package(id) ON DELETE RESTRICT;

-- Name: obs_unit_instrument_module_configuration obs_unit_instrument_module_co_instrument_module_configurat_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit_instrument_module_configuration
    ADD CONSTRAINT obs_unit_instrument_module_co_instrument_module_configurat_fkey FOREIGN KEY (instrument_module_configuration_id) REFERENCES public.instrument_module_configuration(id) ON DELETE CASCADE;

-- Name: obs_unit_instrument_module_configuration obs_unit_instrument_module_configuration_obs_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit_instrument_module_configuration
    ADD CONSTRAINT obs_unit_instrument_module_configuration_obs_unit_id_fkey FOREIGN KEY (obs_unit_id) REFERENCES public.obs_unit(id) ON DELETE CASCADE;

-- Name: obs_unit obs_unit_obs_mode_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit
    ADD CONSTRAINT obs_unit_obs_mode_id_fkey FOREIGN KEY (obs_mode_id) REFERENCES public.obs_mode(id) ON DELETE RESTRICT;

-- Name: obs_unit obs_unit_observation_configuration_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit
    ADD CONSTRAINT obs_unit_observation_configuration_id_fkey FOREIGN KEY (observation_configuration_id) REFERENCES public.observation_configuration(id) ON DELETE RESTRICT;

-- Name: obs_unit obs_unit_observing_program_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit
    ADD CONSTRAINT obs_unit_observing_program_id_fkey FOREIGN KEY (observing_program_id) REFERENCES public.observing_program(id) ON DELETE RESTRICT;

-- Name: obs_unit obs_unit_source_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit
    ADD CONSTRAINT obs_unit_source_id_fkey FOREIGN KEY (source_id) REFERENCES public.source(id) ON DELETE RESTRICT;

-- Name: obs_unit obs_unit_sub_observing_program_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit
    ADD CONSTRAINT obs_unit_sub_observing_program_fkey FOREIGN KEY (sub_observing_program_id, observing_program_id) REFERENCES public.sub_observing_program(id, observing_program_id) ON DELETE RESTRICT;

-- Name: raw_data_package raw_data_package_data_transfer_package_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_package
    ADD CONSTRAINT raw_data_package_data_transfer_package_id_fkey FOREIGN KEY (data_transfer_package_id) REFERENCES public.data_transfer_package(id) ON DELETE SET NULL;

-- Name: raw_data_package raw_data_package_executed_obs_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_package
    ADD CONSTRAINT raw_data_package_executed_obs_unit_id_fkey FOREIGN KEY (executed_obs_unit_id) REFERENCES public.executed_obs_unit(id) ON DELETE RESTRICT;

-- Name: raw_data_package raw_data_package_instrument_module_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_package
    ADD CONSTRAINT raw_data_package_instrument_module_id_fkey FOREIGN KEY (instrument_module_id) REFERENCES public.instrument_module(id) ON DELETE RESTRICT;

-- Name: raw_data_package_metadata raw_data_package_metadata_raw_data_package_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_package_metadata
    ADD CONSTRAINT raw_data_package_metadata_raw_data_package_id_fkey FOREIGN KEY (raw_data_package_id) REFERENCES public.raw_data_package(id) ON DELETE CASCADE;

-- Name: raw_data_package raw_data_package_origin_location_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_package
    ADD CONSTRAINT raw_data_package_origin_location_id_fkey FOREIGN KEY (origin_location_id) REFERENCES public.data_location(id) ON DELETE RESTRICT;

-- Name: role_permission role_permission_permission_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.role_permission
    ADD CONSTRAINT role_permission_permission_id_fkey FOREIGN KEY (permission_id) REFERENCES public.permission(id) ON DELETE CASCADE;

-- Name: role_permission role_permission_role_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.role_permission
    ADD CONSTRAINT role_permission_role_id_fkey FOREIGN KEY (role_id) REFERENCES public.role(id) ON DELETE CASCADE;

-- Name: staging_job staging_job_destination_location_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.staging_job
    ADD CONSTRAINT staging_job_destination_location_id_fkey FOREIGN KEY (destination_location_id) REFERENCES public.data_location(id) ON DELETE RESTRICT;

-- Name: staging_job_package staging_job_package_raw_data_package_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.staging_job_package
    ADD CONSTRAINT staging_job_package_raw_data_package_id_fkey FOREIGN KEY (raw_data_package_id) REFERENCES public.raw_data_package(id) ON DELETE RESTRICT;

-- Name: staging_job_package staging_job_package_staging_job_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.staging_job_package
    ADD CONSTRAINT staging_job_package_staging_job_id_fkey FOREIGN KEY (staging_job_id) REFERENCES public.staging_job(id) ON DELETE CASCADE;

-- Name: staging_job staging_job_user_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.staging_job
    ADD CONSTRAINT staging_job_user_account_id_fkey FOREIGN KEY (user_account_id) REFERENCES public.user_account(id) ON DELETE RESTRICT;

-- Name: sub_observing_program sub_observing_program_observing_program_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.sub_observing_program
    ADD CONSTRAINT sub_observing_program_observing_program_id_fkey FOREIGN KEY (observing_program_id) REFERENCES public.observing_program(id) ON DELETE CASCADE;

-- Name: telescope telescope_observatory_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.telescope
    ADD CONSTRAINT telescope_observatory_id_fkey FOREIGN KEY (observatory_id) REFERENCES public.observatory(id) ON DELETE RESTRICT;

-- Name: user_role user_role_role_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.user_role
    ADD CONSTRAINT user_role_role_id_fkey FOREIGN KEY (role_id) REFERENCES public.role(id) ON DELETE CASCADE;

-- Name: user_role user_role_user_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.user_role
    ADD CONSTRAINT user_role_user_account_id_fkey FOREIGN KEY (user_account_id) REFERENCES public.user_account(id) ON DELETE CASCADE;

-- Name: work_cap work_cap_data_location_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.work_cap
    ADD CONSTRAINT work_cap_data_location_id_fkey FOREIGN KEY (data_location_id) REFERENCES public.data_location(id) ON DELETE CASCADE;

-- Name: work_cap work_cap_data_transfer_route_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.work_cap
    ADD CONSTRAINT work_cap_data_transfer_route_id_fkey FOREIGN KEY (data_transfer_route_id) REFERENCES public.data_transfer_route(id) ON DELETE CASCADE;

-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: -

REVOKE USAGE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO opsdb_reader;
GRANT USAGE ON SCHEMA public TO opsdb_writer;
GRANT USAGE ON SCHEMA public TO opsdb_access_admin;
GRANT USAGE ON SCHEMA public TO opsdb_instrument;
GRANT USAGE ON SCHEMA public TO opsdb_packager;
GRANT USAGE ON SCHEMA public TO opsdb_transfer_daemon;
GRANT USAGE ON SCHEMA public TO opsdb_archive_daemon;
GRANT USAGE ON SCHEMA public TO opsdb_staging_daemon;
GRANT USAGE ON SCHEMA public TO opsdb_deletion_daemon;
GRANT USAGE ON SCHEMA public TO opsdb_operator;

-- Name: FUNCTION lo_creat(integer); Type: ACL; Schema: pg_catalog; Owner: -

REVOKE ALL ON FUNCTION pg_catalog.lo_creat(integer) FROM PUBLIC;

-- Name: FUNCTION lo_create(oid); Type: ACL; Schema: pg_catalog; Owner: -

REVOKE ALL ON FUNCTION pg_catalog.lo_create(oid) FROM PUBLIC;

-- Name: FUNCTION lo_from_bytea(oid, bytea); Type: ACL; Schema: pg_catalog; Owner: -

REVOKE ALL ON FUNCTION pg_catalog.lo_from_bytea(oid, bytea) FROM PUBLIC;

-- Name: FUNCTION lo_get(oid); Type: ACL; Schema: pg_catalog; Owner: -

REVOKE ALL ON FUNCTION pg_catalog.lo_get(oid) FROM PUBLIC;

-- Name: FUNCTION lo_get(oid, bigint, integer); Type: ACL; Schema: pg_catalog; Owner: -

REVOKE ALL ON FUNCTION pg_catalog.lo_get(oid, bigint, integer) FROM PUBLIC;

-- Name: FUNCTION lo_open(oid, integer); Type: ACL; Schema: pg_catalog; Owner: -

REVOKE ALL ON FUNCTION pg_catalog.lo_open(oid, integer) FROM PUBLIC;

-- Name: FUNCTION lo_put(oid, bigint, bytea); Type: ACL; Schema: pg_catalog; Owner: -

REVOKE ALL ON FUNCTION pg_catalog.lo_put(oid, bigint, bytea) FROM PUBLIC;

-- Name: FUNCTION lo_truncate(integer, integer); Type: ACL; Schema: pg_catalog; Owner: -

REVOKE ALL ON FUNCTION pg_catalog.lo_truncate(integer, integer) FROM PUBLIC;

-- Name: FUNCTION lo_truncate64(integer, bigint); Type: ACL; Schema: pg_catalog; Owner: -

REVOKE ALL ON FUNCTION pg_catalog.lo_truncate64(integer, bigint) FROM PUBLIC;

-- Name: FUNCTION lo_unlink(oid); Type: ACL; Schema: pg_catalog; Owner: -

REVOKE ALL ON FUNCTION pg_catalog.lo_unlink(oid) FROM PUBLIC;

-- Name: FUNCTION loread(integer, integer); Type: ACL; Schema: pg_catalog; Owner: -

REVOKE ALL ON FUNCTION pg_catalog.loread(integer, integer) FROM PUBLIC;

-- Name: FUNCTION lowrite(integer, bytea); Type: ACL; Schema: pg_catalog; Owner: -

REVOKE ALL ON FUNCTION pg_catalog.lowrite(integer, bytea) FROM PUBLIC;

-- Name: FUNCTION data_transfer_package_state_deleted(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.data_transfer_package_state_deleted() TO opsdb_reader;
GRANT ALL ON FUNCTION public.data_transfer_package_state_deleted() TO opsdb_writer;

-- Name: FUNCTION data_transfer_package_state_inserted(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.data_transfer_package_state_inserted() TO opsdb_reader;
GRANT ALL ON FUNCTION public.data_transfer_package_state_inserted() TO opsdb_writer;

-- Name: FUNCTION data_transfer_package_state_updated(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.data_transfer_package_state_updated() TO opsdb_reader;
GRANT ALL ON FUNCTION public.data_transfer_package_state_updated() TO opsdb_writer;

-- Name: FUNCTION data_transfer_state_deleted(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.data_transfer_state_deleted() TO opsdb_reader;
GRANT ALL ON FUNCTION public.data_transfer_state_deleted() TO opsdb_writer;

-- Name: FUNCTION data_transfer_state_inserted(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.data_transfer_state_inserted() TO opsdb_reader;
GRANT ALL ON FUNCTION public.data_transfer_state_inserted() TO opsdb_writer;

-- Name: FUNCTION data_transfer_state_updated(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.data_transfer_state_updated() TO opsdb_reader;
GRANT ALL ON FUNCTION public.data_transfer_state_updated() TO opsdb_writer;

-- Name: FUNCTION executed_obs_unit_state_deleted(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.executed_obs_unit_state_deleted() TO opsdb_reader;
GRANT ALL ON FUNCTION public.executed_obs_unit_state_deleted() TO opsdb_writer;

-- Name: FUNCTION executed_obs_unit_state_inserted(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.executed_obs_unit_state_inserted() TO opsdb_reader;
GRANT ALL ON FUNCTION public.executed_obs_unit_state_inserted() TO opsdb_writer;

-- Name: FUNCTION executed_obs_unit_state_updated(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.executed_obs_unit_state_updated() TO opsdb_reader;
GRANT ALL ON FUNCTION public.executed_obs_unit_state_updated() TO opsdb_writer;

-- Name: FUNCTION long_term_archive_transfer_state_deleted(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.long_term_archive_transfer_state_deleted() TO opsdb_reader;
GRANT ALL ON FUNCTION public.long_term_archive_transfer_state_deleted() TO opsdb_writer;

-- Name: FUNCTION long_term_archive_transfer_state_inserted(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.long_term_archive_transfer_state_inserted() TO opsdb_reader;
GRANT ALL ON FUNCTION public.long_term_archive_transfer_state_inserted() TO opsdb_writer;

-- Name: FUNCTION long_term_archive_transfer_state_updated(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.long_term_archive_transfer_state_updated() TO opsdb_reader;
GRANT ALL ON FUNCTION public.long_term_archive_transfer_state_updated() TO opsdb_writer;

-- Name: FUNCTION opsdb_acting_role(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_acting_role() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_acting_role() TO opsdb_writer;

-- Name: FUNCTION opsdb_actor_check_copy_insert(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_actor_check_copy_insert() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_actor_check_copy_insert() TO opsdb_writer;

-- Name: FUNCTION opsdb_actor_check_copy_update(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_actor_check_copy_update() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_actor_check_copy_update() TO opsdb_writer;

-- Name: FUNCTION opsdb_actor_check_copy_updates(); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_actor_check_copy_updates() FROM PUBLIC;
GRANT ALL ON FUNCTION public.opsdb_actor_check_copy_updates() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_actor_check_copy_updates() TO opsdb_writer;

-- Name: FUNCTION opsdb_actor_check_file(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_actor_check_file() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_actor_check_file() TO opsdb_writer;

-- Name: FUNCTION opsdb_actor_check_location(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_actor_check_location() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_actor_check_location() TO opsdb_writer;

-- Name: FUNCTION opsdb_actor_check_package(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_actor_check_package() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_actor_check_package() TO opsdb_writer;

-- Name: FUNCTION opsdb_actor_is(actor text, tbl regclass); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_actor_is(actor text, tbl regclass) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_actor_is(actor text, tbl regclass) TO opsdb_writer;

-- Name: FUNCTION opsdb_actor_is_owner(tbl regclass); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_actor_is_owner(tbl regclass) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_actor_is_owner(tbl regclass) TO opsdb_writer;

-- Name: FUNCTION opsdb_actor_may_place(location_type text, copy_type text, tbl regclass); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_actor_may_place(location_type text, copy_type text, tbl regclass) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_actor_may_place(location_type text, copy_type text, tbl regclass) TO opsdb_writer;

-- Name: FUNCTION opsdb_actor_refuse(what text, entitled text); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_actor_refuse(what text, entitled text) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_actor_refuse(what text, entitled text) TO opsdb_writer;

-- Name: PROCEDURE opsdb_apply_actor_grants(); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON PROCEDURE public.opsdb_apply_actor_grants() FROM PUBLIC;

-- Name: PROCEDURE opsdb_apply_database_privileges(); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON PROCEDURE public.opsdb_apply_database_privileges() FROM PUBLIC;

-- Name: PROCEDURE opsdb_apply_login_defaults(IN login text); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON PROCEDURE public.opsdb_apply_login_defaults(IN login text) FROM PUBLIC;

-- Name: FUNCTION opsdb_archive_backed_deletable(copy_id bigint); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_archive_backed_deletable(copy_id bigint) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_archive_backed_deletable(copy_id bigint) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_archive_backed_deletable(copy_id bigint) TO opsdb_access_admin;

-- Name: FUNCTION opsdb_checksum_valid(algorithm text, checksum text); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_checksum_valid(algorithm text, checksum text) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_checksum_valid(algorithm text, checksum text) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_checksum_valid(algorithm text, checksum text) TO opsdb_access_admin;

-- Name: FUNCTION opsdb_claim_deletable(copy_id bigint); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_claim_deletable(copy_id bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION public.opsdb_claim_deletable(copy_id bigint) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_claim_deletable(copy_id bigint) TO opsdb_access_admin;
GRANT ALL ON FUNCTION public.opsdb_claim_deletable(copy_id bigint) TO opsdb_deletion_daemon;

-- Name: TABLE physical_copy; Type: ACL; Schema: public; Owner: -

GRANT SELECT,INSERT,UPDATE ON TABLE public.physical_copy TO opsdb_writer;
GRANT INSERT ON TABLE public.physical_copy TO opsdb_instrument;
GRANT INSERT ON TABLE public.physical_copy TO opsdb_packager;
GRANT INSERT ON TABLE public.physical_copy TO opsdb_transfer_daemon;
GRANT INSERT ON TABLE public.physical_copy TO opsdb_archive_daemon;
GRANT INSERT ON TABLE public.physical_copy TO opsdb_staging_daemon;

-- Name: COLUMN physical_copy.id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(id) ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT(id) ON TABLE public.physical_copy TO opsdb_access_admin;

-- Name: COLUMN physical_copy.type; Type: ACL; Schema: public; Owner: -

GRANT SELECT(type) ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT(type) ON TABLE public.physical_copy TO opsdb_access_admin;

-- Name: COLUMN physical_copy.raw_data_file_id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(raw_data_file_id) ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT(raw_data_file_id) ON TABLE public.physical_copy TO opsdb_access_admin;

-- Name: COLUMN physical_copy.raw_data_package_id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(raw_data_package_id) ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT(raw_data_package_id) ON TABLE public.physical_copy TO opsdb_access_admin;

-- Name: COLUMN physical_copy.data_transfer_package_id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(data_transfer_package_id) ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT(data_transfer_package_id) ON TABLE public.physical_copy TO opsdb_access_admin;

-- Name: COLUMN physical_copy.data_location_id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(data_location_id) ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT(data_location_id) ON TABLE public.physical_copy TO opsdb_access_admin;

-- Name: COLUMN physical_copy.status; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(status) ON TABLE public.physical_copy TO opsdb_packager;
GRANT UPDATE(status) ON TABLE public.physical_copy TO opsdb_transfer_daemon;
GRANT UPDATE(status) ON TABLE public.physical_copy TO opsdb_archive_daemon;
GRANT UPDATE(status) ON TABLE public.physical_copy TO opsdb_staging_daemon;
GRANT UPDATE(status) ON TABLE public.physical_copy TO opsdb_deletion_daemon;
GRANT SELECT(status) ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT(status) ON TABLE public.physical_copy TO opsdb_access_admin;

-- Name: COLUMN physical_copy.checksum_verified_at; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(checksum_verified_at) ON TABLE public.physical_copy TO opsdb_packager;
GRANT UPDATE(checksum_verified_at) ON TABLE public.physical_copy TO opsdb_transfer_daemon;
GRANT UPDATE(checksum_verified_at) ON TABLE public.physical_copy TO opsdb_archive_daemon;
GRANT SELECT(checksum_verified_at) ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT(checksum_verified_at) ON TABLE public.physical_copy TO opsdb_access_admin;

-- Name: COLUMN physical_copy.deleted_at; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(deleted_at) ON TABLE public.physical_copy TO opsdb_packager;
GRANT UPDATE(deleted_at) ON TABLE public.physical_copy TO opsdb_transfer_daemon;
GRANT UPDATE(deleted_at) ON TABLE public.physical_copy TO opsdb_archive_daemon;
GRANT UPDATE(deleted_at) ON TABLE public.physical_copy TO opsdb_staging_daemon;
GRANT UPDATE(deleted_at) ON TABLE public.physical_copy TO opsdb_deletion_daemon;
GRANT SELECT(deleted_at) ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT(deleted_at) ON TABLE public.physical_copy TO opsdb_access_admin;

-- Name: COLUMN physical_copy.attempts; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(attempts) ON TABLE public.physical_copy TO opsdb_deletion_daemon;
GRANT SELECT(attempts) ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT(attempts) ON TABLE public.physical_copy TO opsdb_access_admin;

-- Name: COLUMN physical_copy.max_attempts; Type: ACL; Schema: public; Owner: -

GRANT SELECT(max_attempts) ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT(max_attempts) ON TABLE public.physical_copy TO opsdb_access_admin;

-- Name: COLUMN physical_copy.last_error; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(last_error) ON TABLE public.physical_copy TO opsdb_deletion_daemon;
GRANT SELECT(last_error) ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT(last_error) ON TABLE public.physical_copy TO opsdb_access_admin;

-- Name: COLUMN physical_copy.next_attempt_at; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(next_attempt_at) ON TABLE public.physical_copy TO opsdb_deletion_daemon;
GRANT SELECT(next_attempt_at) ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT(next_attempt_at) ON TABLE public.physical_copy TO opsdb_access_admin;

-- Name: COLUMN physical_copy.claimed_by; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(claimed_by) ON TABLE public.physical_copy TO opsdb_deletion_daemon;
GRANT SELECT(claimed_by) ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT(claimed_by) ON TABLE public.physical_copy TO opsdb_access_admin;

-- Name: COLUMN physical_copy.claim_token; Type: ACL; Schema: public; Owner: -

GRANT SELECT(claim_token),UPDATE(claim_token) ON TABLE public.physical_copy TO opsdb_deletion_daemon;

-- Name: COLUMN physical_copy.lease_until; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(lease_until) ON TABLE public.physical_copy TO opsdb_deletion_daemon;
GRANT SELECT(lease_until) ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT(lease_until) ON TABLE public.physical_copy TO opsdb_access_admin;

-- Name: COLUMN physical_copy.created_at; Type: ACL; Schema: public; Owner: -

GRANT SELECT(created_at) ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT(created_at) ON TABLE public.physical_copy TO opsdb_access_admin;

-- Name: COLUMN physical_copy.updated_at; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(updated_at) ON TABLE public.physical_copy TO opsdb_operator;
GRANT SELECT(updated_at) ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT(updated_at) ON TABLE public.physical_copy TO opsdb_access_admin;

-- Name: COLUMN physical_copy.priority; Type: ACL; Schema: public; Owner: -

GRANT SELECT(priority) ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT(priority) ON TABLE public.physical_copy TO opsdb_access_admin;
GRANT UPDATE(priority) ON TABLE public.physical_copy TO opsdb_operator;

-- Name: COLUMN physical_copy.external_job; Type: ACL; Schema: public; Owner: -

GRANT SELECT(external_job) ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT(external_job) ON TABLE public.physical_copy TO opsdb_access_admin;
GRANT UPDATE(external_job) ON TABLE public.physical_copy TO opsdb_deletion_daemon;

-- Name: FUNCTION opsdb_claim_deletions(worker text, max_rows integer, locations bigint[], sites text[], lease_seconds double precision); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_claim_deletions(worker text, max_rows integer, locations bigint[], sites text[], lease_seconds double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION public.opsdb_claim_deletions(worker text, max_rows integer, locations bigint[], sites text[], lease_seconds double precision) TO opsdb_deletion_daemon;

-- Name: FUNCTION opsdb_confirm_deletion(copy_id bigint, token uuid); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_confirm_deletion(copy_id bigint, token uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION public.opsdb_confirm_deletion(copy_id bigint, token uuid) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_confirm_deletion(copy_id bigint, token uuid) TO opsdb_deletion_daemon;

-- Name: FUNCTION opsdb_confirm_deletions(ids bigint[], tokens uuid[]); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_confirm_deletions(ids bigint[], tokens uuid[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.opsdb_confirm_deletions(ids bigint[], tokens uuid[]) TO opsdb_deletion_daemon;

-- Name: FUNCTION opsdb_copy_deletable(copy_id bigint); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_copy_deletable(copy_id bigint) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_copy_deletable(copy_id bigint) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_copy_deletable(copy_id bigint) TO opsdb_access_admin;

-- Name: FUNCTION opsdb_copy_deltas_insert(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_copy_deltas_insert() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_copy_deltas_insert() TO opsdb_writer;

-- Name: FUNCTION opsdb_copy_deltas_update(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_copy_deltas_update() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_copy_deltas_update() TO opsdb_writer;

-- Name: FUNCTION opsdb_copy_size(p_type text, p_file uuid, p_package bigint, p_bundle bigint); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_copy_size(p_type text, p_file uuid, p_package bigint, p_bundle bigint) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_copy_size(p_type text, p_file uuid, p_package bigint, p_bundle bigint) TO opsdb_writer;

-- Name: FUNCTION opsdb_deletable(ids bigint[]); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_deletable(ids bigint[]) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_deletable(ids bigint[]) TO opsdb_writer;

-- Name: FUNCTION opsdb_deletable_judged(ids bigint[], types text[], packages bigint[], bundles bigint[], locations bigint[]); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_deletable_judged(ids bigint[], types text[], packages bigint[], bundles bigint[], locations bigint[]) FROM PUBLIC;

-- Name: FUNCTION opsdb_deletable_locked(ids bigint[]); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_deletable_locked(ids bigint[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.opsdb_deletable_locked(ids bigint[]) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_deletable_locked(ids bigint[]) TO opsdb_deletion_daemon;

-- Name: FUNCTION opsdb_deletable_rows(ids bigint[], types text[], packages bigint[], bundles bigint[], locations bigint[]); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_deletable_rows(ids bigint[], types text[], packages bigint[], bundles bigint[], locations bigint[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.opsdb_deletable_rows(ids bigint[], types text[], packages bigint[], bundles bigint[], locations bigint[]) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_deletable_rows(ids bigint[], types text[], packages bigint[], bundles bigint[], locations bigint[]) TO opsdb_writer;

-- Name: FUNCTION opsdb_deletion_candidates(locations bigint[], max_rows integer); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_deletion_candidates(locations bigint[], max_rows integer) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_deletion_candidates(locations bigint[], max_rows integer) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_deletion_candidates(locations bigint[], max_rows integer) TO opsdb_access_admin;

-- Name: FUNCTION opsdb_deletion_pair_copies(packages bigint[], locations bigint[], max_rows integer); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_deletion_pair_copies(packages bigint[], locations bigint[], max_rows integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.opsdb_deletion_pair_copies(packages bigint[], locations bigint[], max_rows integer) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_deletion_pair_copies(packages bigint[], locations bigint[], max_rows integer) TO opsdb_writer;

-- Name: FUNCTION opsdb_deletion_pairs_blocked(package_ids bigint[], location_ids bigint[]); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_deletion_pairs_blocked(package_ids bigint[], location_ids bigint[]) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_deletion_pairs_blocked(package_ids bigint[], location_ids bigint[]) TO opsdb_writer;

-- Name: FUNCTION opsdb_deletion_priority_default(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_deletion_priority_default() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_deletion_priority_default() TO opsdb_writer;

-- Name: FUNCTION opsdb_deletion_priority_fixup(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_deletion_priority_fixup() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_deletion_priority_fixup() TO opsdb_writer;

-- Name: FUNCTION opsdb_deletion_scan(locations bigint[], max_rows integer); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_deletion_scan(locations bigint[], max_rows integer) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_deletion_scan(locations bigint[], max_rows integer) TO opsdb_writer;

-- Name: FUNCTION opsdb_deletion_scan_items(locations bigint[], max_rows integer); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_deletion_scan_items(locations bigint[], max_rows integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.opsdb_deletion_scan_items(locations bigint[], max_rows integer) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_deletion_scan_items(locations bigint[], max_rows integer) TO opsdb_writer;

-- Name: FUNCTION opsdb_fold_copy_deltas(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_fold_copy_deltas() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_fold_copy_deltas() TO opsdb_writer;

-- Name: FUNCTION opsdb_fold_state_deltas(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_fold_state_deltas() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_fold_state_deltas() TO opsdb_writer;

-- Name: FUNCTION opsdb_guard_deletion(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_guard_deletion() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_guard_deletion() TO opsdb_writer;

-- Name: FUNCTION opsdb_lock_deletion_backing(ids bigint[]); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_lock_deletion_backing(ids bigint[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.opsdb_lock_deletion_backing(ids bigint[]) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_lock_deletion_backing(ids bigint[]) TO opsdb_deletion_daemon;

-- Name: FUNCTION opsdb_lock_package_backing(packages bigint[]); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_lock_package_backing(packages bigint[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.opsdb_lock_package_backing(packages bigint[]) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_lock_package_backing(packages bigint[]) TO opsdb_deletion_daemon;

-- Name: FUNCTION opsdb_lock_requeue_sources(); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_lock_requeue_sources() FROM PUBLIC;
GRANT ALL ON FUNCTION public.opsdb_lock_requeue_sources() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_lock_requeue_sources() TO opsdb_writer;

-- Name: FUNCTION opsdb_notify_deletions(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_notify_deletions() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_notify_deletions() TO opsdb_writer;

-- Name: FUNCTION opsdb_notify_work(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_notify_work() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_notify_work() TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_notify_work() TO opsdb_access_admin;

-- Name: FUNCTION opsdb_package_delta_insert(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_package_delta_insert() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_package_delta_insert() TO opsdb_writer;

-- Name: FUNCTION opsdb_queue_archived_package(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_queue_archived_package() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_queue_archived_package() TO opsdb_writer;

-- Name: FUNCTION opsdb_queue_file_deletions(package_ids bigint[]); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_queue_file_deletions(package_ids bigint[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.opsdb_queue_file_deletions(package_ids bigint[]) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_queue_file_deletions(package_ids bigint[]) TO opsdb_deletion_daemon;

-- Name: FUNCTION opsdb_queue_packaged_files(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_queue_packaged_files() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_queue_packaged_files() TO opsdb_writer;

-- Name: FUNCTION opsdb_raise_missing_reference(tbl text, constraint_name text, columns text, key text, referenced text); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_raise_missing_reference(tbl text, constraint_name text, columns text, key text, referenced text) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_raise_missing_reference(tbl text, constraint_name text, columns text, key text, referenced text) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_raise_missing_reference(tbl text, constraint_name text, columns text, key text, referenced text) TO opsdb_access_admin;

-- Name: FUNCTION opsdb_rebuild_copy_counters(); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_rebuild_copy_counters() FROM PUBLIC;

-- Name: FUNCTION opsdb_rebuild_state_counters(); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_rebuild_state_counters() FROM PUBLIC;

-- Name: FUNCTION opsdb_refuse_transition(tbl text, item text, col text, from_state text, to_state text, n bigint); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_refuse_transition(tbl text, item text, col text, from_state text, to_state text, n bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION public.opsdb_refuse_transition(tbl text, item text, col text, from_state text, to_state text, n bigint) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_refuse_transition(tbl text, item text, col text, from_state text, to_state text, n bigint) TO opsdb_writer;

-- Name: FUNCTION opsdb_relative_path_valid(path text); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_relative_path_valid(path text) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_relative_path_valid(path text) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_relative_path_valid(path text) TO opsdb_access_admin;

-- Name: FUNCTION opsdb_repairing(tbl oid); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_repairing(tbl oid) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_repairing(tbl oid) TO opsdb_writer;

-- Name: FUNCTION opsdb_restrict_referenced(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_restrict_referenced() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_restrict_referenced() TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_restrict_referenced() TO opsdb_access_admin;

-- Name: FUNCTION opsdb_rules_check_identity(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_rules_check_identity() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_rules_check_identity() TO opsdb_writer;

-- Name: FUNCTION opsdb_rules_check_location_place(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_rules_check_location_place() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_rules_check_location_place() TO opsdb_writer;

-- Name: FUNCTION opsdb_rules_check_staging_link(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_rules_check_staging_link() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_rules_check_staging_link() TO opsdb_writer;

-- Name: FUNCTION opsdb_rules_file_inserted(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_rules_file_inserted() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_rules_file_inserted() TO opsdb_writer;

-- Name: FUNCTION opsdb_rules_files_packaged(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_rules_files_packaged() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_rules_files_packaged() TO opsdb_writer;

-- Name: FUNCTION opsdb_rules_operator_action_inserted(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_rules_operator_action_inserted() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_rules_operator_action_inserted() TO opsdb_writer;

-- Name: FUNCTION opsdb_rules_record_verification(); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_rules_record_verification() FROM PUBLIC;

-- Name: FUNCTION opsdb_rules_refuse_unopen_packages(files uuid[], packages bigint[]); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_rules_refuse_unopen_packages(files uuid[], packages bigint[]) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_rules_refuse_unopen_packages(files uuid[], packages bigint[]) TO opsdb_writer;

-- Name: FUNCTION opsdb_rules_unopen_package(packages bigint[]); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_rules_unopen_package(packages bigint[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.opsdb_rules_unopen_package(packages bigint[]) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_rules_unopen_package(packages bigint[]) TO opsdb_instrument;
GRANT ALL ON FUNCTION public.opsdb_rules_unopen_package(packages bigint[]) TO opsdb_packager;

-- Name: FUNCTION opsdb_schedule_deletions(locations bigint[], max_rows integer); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_schedule_deletions(locations bigint[], max_rows integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.opsdb_schedule_deletions(locations bigint[], max_rows integer) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_schedule_deletions(locations bigint[], max_rows integer) TO opsdb_deletion_daemon;

-- Name: FUNCTION opsdb_staged_copy_expired(copy_id bigint); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_staged_copy_expired(copy_id bigint) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_staged_copy_expired(copy_id bigint) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_staged_copy_expired(copy_id bigint) TO opsdb_access_admin;

-- Name: FUNCTION opsdb_state_count_truncated(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_state_count_truncated() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_state_count_truncated() TO opsdb_writer;

-- Name: FUNCTION opsdb_touch_updated_at(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_touch_updated_at() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_touch_updated_at() TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_touch_updated_at() TO opsdb_access_admin;

-- Name: FUNCTION opsdb_withdraw_verification(copy_id bigint); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.opsdb_withdraw_verification(copy_id bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION public.opsdb_withdraw_verification(copy_id bigint) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_withdraw_verification(copy_id bigint) TO opsdb_archive_daemon;

-- Name: FUNCTION opsdb_work_cap_room(work_kind text, locations bigint[], routes bigint[], exact boolean); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_work_cap_room(work_kind text, locations bigint[], routes bigint[], exact boolean) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_work_cap_room(work_kind text, locations bigint[], routes bigint[], exact boolean) TO opsdb_writer;

-- Name: FUNCTION opsdb_work_order(due timestamp with time zone, priority integer); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_work_order(due timestamp with time zone, priority integer) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_work_order(due timestamp with time zone, priority integer) TO opsdb_writer;

-- Name: FUNCTION opsdb_work_priority_default(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_work_priority_default() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_work_priority_default() TO opsdb_writer;

-- Name: FUNCTION physical_copy_check_inserted(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.physical_copy_check_inserted() TO opsdb_reader;
GRANT ALL ON FUNCTION public.physical_copy_check_inserted() TO opsdb_writer;
GRANT ALL ON FUNCTION public.physical_copy_check_inserted() TO opsdb_access_admin;

-- Name: FUNCTION physical_copy_check_updated(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.physical_copy_check_updated() TO opsdb_reader;
GRANT ALL ON FUNCTION public.physical_copy_check_updated() TO opsdb_writer;
GRANT ALL ON FUNCTION public.physical_copy_check_updated() TO opsdb_access_admin;

-- Name: FUNCTION physical_copy_state_inserted(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.physical_copy_state_inserted() TO opsdb_reader;
GRANT ALL ON FUNCTION public.physical_copy_state_inserted() TO opsdb_writer;

-- Name: FUNCTION physical_copy_state_updated(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.physical_copy_state_updated() TO opsdb_reader;
GRANT ALL ON FUNCTION public.physical_copy_state_updated() TO opsdb_writer;

-- Name: FUNCTION raw_data_file_check_inserted(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.raw_data_file_check_inserted() TO opsdb_reader;
GRANT ALL ON FUNCTION public.raw_data_file_check_inserted() TO opsdb_writer;
GRANT ALL ON FUNCTION public.raw_data_file_check_inserted() TO opsdb_access_admin;

-- Name: FUNCTION raw_data_file_check_updated(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.raw_data_file_check_updated() TO opsdb_reader;
GRANT ALL ON FUNCTION public.raw_data_file_check_updated() TO opsdb_writer;
GRANT ALL ON FUNCTION public.raw_data_file_check_updated() TO opsdb_access_admin;

-- Name: FUNCTION raw_data_package_state_deleted(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.raw_data_package_state_deleted() TO opsdb_reader;
GRANT ALL ON FUNCTION public.raw_data_package_state_deleted() TO opsdb_writer;

-- Name: FUNCTION raw_data_package_state_inserted(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.raw_data_package_state_inserted() TO opsdb_reader;
GRANT ALL ON FUNCTION public.raw_data_package_state_inserted() TO opsdb_writer;

-- Name: FUNCTION raw_data_package_state_updated(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.raw_data_package_state_updated() TO opsdb_reader;
GRANT ALL ON FUNCTION public.raw_data_package_state_updated() TO opsdb_writer;

-- Name: FUNCTION record_token_use(token_hash text, client_ip inet, min_interval_seconds double precision); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.record_token_use(token_hash text, client_ip inet, min_interval_seconds double precision) FROM PUBLIC;
GRANT ALL ON FUNCTION public.record_token_use(token_hash text, client_ip inet, min_interval_seconds double precision) TO opsdb_writer;
GRANT ALL ON FUNCTION public.record_token_use(token_hash text, client_ip inet, min_interval_seconds double precision) TO opsdb_access_admin;
GRANT ALL ON FUNCTION public.record_token_use(token_hash text, client_ip inet, min_interval_seconds double precision) TO opsdb_instrument;
GRANT ALL ON FUNCTION public.record_token_use(token_hash text, client_ip inet, min_interval_seconds double precision) TO opsdb_packager;
GRANT ALL ON FUNCTION public.record_token_use(token_hash text, client_ip inet, min_interval_seconds double precision) TO opsdb_transfer_daemon;
GRANT ALL ON FUNCTION public.record_token_use(token_hash text, client_ip inet, min_interval_seconds double precision) TO opsdb_archive_daemon;
GRANT ALL ON FUNCTION public.record_token_use(token_hash text, client_ip inet, min_interval_seconds double precision) TO opsdb_staging_daemon;
GRANT ALL ON FUNCTION public.record_token_use(token_hash text, client_ip inet, min_interval_seconds double precision) TO opsdb_deletion_daemon;
GRANT ALL ON FUNCTION public.record_token_use(token_hash text, client_ip inet, min_interval_seconds double precision) TO opsdb_operator;

-- Name: FUNCTION record_token_uses(ids bigint[], uses bigint[], used_at timestamp with time zone[], ips inet[]); Type: ACL; Schema: public; Owner: -

REVOKE ALL ON FUNCTION public.record_token_uses(ids bigint[], uses bigint[], used_at timestamp with time zone[], ips inet[]) FROM PUBLIC;
GRANT ALL ON FUNCTION public.record_token_uses(ids bigint[], uses bigint[], used_at timestamp with time zone[], ips inet[]) TO opsdb_writer;
GRANT ALL ON FUNCTION public.record_token_uses(ids bigint[], uses bigint[], used_at timestamp with time zone[], ips inet[]) TO opsdb_access_admin;
GRANT ALL ON FUNCTION public.record_token_uses(ids bigint[], uses bigint[], used_at timestamp with time zone[], ips inet[]) TO opsdb_instrument;
GRANT ALL ON FUNCTION public.record_token_uses(ids bigint[], uses bigint[], used_at timestamp with time zone[], ips inet[]) TO opsdb_packager;
GRANT ALL ON FUNCTION public.record_token_uses(ids bigint[], uses bigint[], used_at timestamp with time zone[], ips inet[]) TO opsdb_transfer_daemon;
GRANT ALL ON FUNCTION public.record_token_uses(ids bigint[], uses bigint[], used_at timestamp with time zone[], ips inet[]) TO opsdb_archive_daemon;
GRANT ALL ON FUNCTION public.record_token_uses(ids bigint[], uses bigint[], used_at timestamp with time zone[], ips inet[]) TO opsdb_staging_daemon;
GRANT ALL ON FUNCTION public.record_token_uses(ids bigint[], uses bigint[], used_at timestamp with time zone[], ips inet[]) TO opsdb_deletion_daemon;
GRANT ALL ON FUNCTION public.record_token_uses(ids bigint[], uses bigint[], used_at timestamp with time zone[], ips inet[]) TO opsdb_operator;

-- Name: FUNCTION staging_job_state_deleted(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.staging_job_state_deleted() TO opsdb_reader;
GRANT ALL ON FUNCTION public.staging_job_state_deleted() TO opsdb_writer;

-- Name: FUNCTION staging_job_state_inserted(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.staging_job_state_inserted() TO opsdb_reader;
GRANT ALL ON FUNCTION public.staging_job_state_inserted() TO opsdb_writer;

-- Name: FUNCTION staging_job_state_updated(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.staging_job_state_updated() TO opsdb_reader;
GRANT ALL ON FUNCTION public.staging_job_state_updated() TO opsdb_writer;

-- Name: FUNCTION state_history_append_only(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.state_history_append_only() TO opsdb_reader;
GRANT ALL ON FUNCTION public.state_history_append_only() TO opsdb_writer;

-- Name: TABLE api_token; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.api_token TO opsdb_writer;
GRANT SELECT,INSERT ON TABLE public.api_token TO opsdb_access_admin;

-- Name: COLUMN api_token.id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(id) ON TABLE public.api_token TO opsdb_reader;

-- Name: COLUMN api_token.user_account_id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(user_account_id) ON TABLE public.api_token TO opsdb_reader;

-- Name: COLUMN api_token.name; Type: ACL; Schema: public; Owner: -

GRANT SELECT(name) ON TABLE public.api_token TO opsdb_reader;
GRANT UPDATE(name) ON TABLE public.api_token TO opsdb_access_admin;

-- Name: COLUMN api_token.prefix; Type: ACL; Schema: public; Owner: -

GRANT SELECT(prefix) ON TABLE public.api_token TO opsdb_reader;

-- Name: COLUMN api_token.scopes; Type: ACL; Schema: public; Owner: -

GRANT SELECT(scopes) ON TABLE public.api_token TO opsdb_reader;
GRANT UPDATE(scopes) ON TABLE public.api_token TO opsdb_access_admin;

-- Name: COLUMN api_token.active; Type: ACL; Schema: public; Owner: -

GRANT SELECT(active) ON TABLE public.api_token TO opsdb_reader;
GRANT UPDATE(active) ON TABLE public.api_token TO opsdb_access_admin;

-- Name: COLUMN api_token.expires_at; Type: ACL; Schema: public; Owner: -

GRANT SELECT(expires_at) ON TABLE public.api_token TO opsdb_reader;
GRANT UPDATE(expires_at) ON TABLE public.api_token TO opsdb_access_admin;

-- Name: COLUMN api_token.last_used_at; Type: ACL; Schema: public; Owner: -

GRANT SELECT(last_used_at) ON TABLE public.api_token TO opsdb_reader;

-- Name: COLUMN api_token.last_used_ip; Type: ACL; Schema: public; Owner: -

GRANT SELECT(last_used_ip) ON TABLE public.api_token TO opsdb_reader;

-- Name: COLUMN api_token.usage_count; Type: ACL; Schema: public; Owner: -

GRANT SELECT(usage_count) ON TABLE public.api_token TO opsdb_reader;

-- Name: COLUMN api_token.created_at; Type: ACL; Schema: public; Owner: -

GRANT SELECT(created_at) ON TABLE public.api_token TO opsdb_reader;

-- Name: COLUMN api_token.updated_at; Type: ACL; Schema: public; Owner: -

GRANT SELECT(updated_at) ON TABLE public.api_token TO opsdb_reader;

-- Name: SEQUENCE api_token_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.api_token_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.api_token_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.api_token_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.api_token_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.api_token_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.api_token_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.api_token_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.api_token_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.api_token_id_seq TO opsdb_operator;

-- Name: TABLE copy_size_hint; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.copy_size_hint TO opsdb_reader;

-- Name: TABLE copy_space; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.copy_space TO opsdb_reader;
GRANT SELECT ON TABLE public.copy_space TO opsdb_writer;

-- Name: TABLE copy_space_delta; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.copy_space_delta TO opsdb_reader;
GRANT SELECT ON TABLE public.copy_space_delta TO opsdb_writer;

-- Name: TABLE data_location; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.data_location TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.data_location TO opsdb_writer;
GRANT SELECT ON TABLE public.data_location TO opsdb_access_admin;
GRANT INSERT,UPDATE ON TABLE public.data_location TO opsdb_operator;

-- Name: COLUMN data_location.updated_at; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(updated_at) ON TABLE public.data_location TO opsdb_instrument;

-- Name: SEQUENCE data_location_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.data_location_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.data_location_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.data_location_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.data_location_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.data_location_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_location_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_location_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_location_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_location_id_seq TO opsdb_operator;

-- Name: TABLE data_transfer; Type: ACL; Schema: public; Owner: -

GRANT SELECT,INSERT,UPDATE ON TABLE public.data_transfer TO opsdb_writer;
GRANT INSERT ON TABLE public.data_transfer TO opsdb_transfer_daemon;

-- Name: COLUMN data_transfer.id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(id) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(id) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.data_transfer_package_id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(data_transfer_package_id) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(data_transfer_package_id) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.data_transfer_route_id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(data_transfer_route_id) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(data_transfer_route_id) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.origin_location_id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(origin_location_id) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(origin_location_id) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.destination_location_id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(destination_location_id) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(destination_location_id) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.method; Type: ACL; Schema: public; Owner: -

GRANT SELECT(method) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(method) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.status; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(status) ON TABLE public.data_transfer TO opsdb_transfer_daemon;
GRANT SELECT(status) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(status) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.attempts; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(attempts) ON TABLE public.data_transfer TO opsdb_transfer_daemon;
GRANT SELECT(attempts) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(attempts) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.max_attempts; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(max_attempts) ON TABLE public.data_transfer TO opsdb_transfer_daemon;
GRANT SELECT(max_attempts) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(max_attempts) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.last_error; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(last_error) ON TABLE public.data_transfer TO opsdb_transfer_daemon;
GRANT SELECT(last_error) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(last_error) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.next_attempt_at; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(next_attempt_at) ON TABLE public.data_transfer TO opsdb_transfer_daemon;
GRANT SELECT(next_attempt_at) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(next_attempt_at) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.claimed_by; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(claimed_by) ON TABLE public.data_transfer TO opsdb_transfer_daemon;
GRANT SELECT(claimed_by) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(claimed_by) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.claim_token; Type: ACL; Schema: public; Owner: -

GRANT SELECT(claim_token),UPDATE(claim_token) ON TABLE public.data_transfer TO opsdb_transfer_daemon;

-- Name: COLUMN data_transfer.lease_until; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(lease_until) ON TABLE public.data_transfer TO opsdb_transfer_daemon;
GRANT SELECT(lease_until) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(lease_until) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.started_at; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(started_at) ON TABLE public.data_transfer TO opsdb_transfer_daemon;
GRANT SELECT(started_at) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(started_at) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.completed_at; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(completed_at) ON TABLE public.data_transfer TO opsdb_transfer_daemon;
GRANT SELECT(completed_at) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(completed_at) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.unpack_status; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(unpack_status) ON TABLE public.data_transfer TO opsdb_transfer_daemon;
GRANT SELECT(unpack_status) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(unpack_status) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.unpack_attempts; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(unpack_attempts) ON TABLE public.data_transfer TO opsdb_transfer_daemon;
GRANT SELECT(unpack_attempts) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(unpack_attempts) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.unpack_max_attempts; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(unpack_max_attempts) ON TABLE public.data_transfer TO opsdb_transfer_daemon;
GRANT SELECT(unpack_max_attempts) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(unpack_max_attempts) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.unpack_last_error; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(unpack_last_error) ON TABLE public.data_transfer TO opsdb_transfer_daemon;
GRANT SELECT(unpack_last_error) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(unpack_last_error) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.unpack_next_attempt_at; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(unpack_next_attempt_at) ON TABLE public.data_transfer TO opsdb_transfer_daemon;
GRANT SELECT(unpack_next_attempt_at) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(unpack_next_attempt_at) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.unpack_claimed_by; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(unpack_claimed_by) ON TABLE public.data_transfer TO opsdb_transfer_daemon;
GRANT SELECT(unpack_claimed_by) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(unpack_claimed_by) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.unpack_claim_token; Type: ACL; Schema: public; Owner: -

GRANT SELECT(unpack_claim_token),UPDATE(unpack_claim_token) ON TABLE public.data_transfer TO opsdb_transfer_daemon;

-- Name: COLUMN data_transfer.unpack_lease_until; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(unpack_lease_until) ON TABLE public.data_transfer TO opsdb_transfer_daemon;
GRANT SELECT(unpack_lease_until) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(unpack_lease_until) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.unpacked_at; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(unpacked_at) ON TABLE public.data_transfer TO opsdb_transfer_daemon;
GRANT SELECT(unpacked_at) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(unpacked_at) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.created_at; Type: ACL; Schema: public; Owner: -

GRANT SELECT(created_at) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(created_at) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.updated_at; Type: ACL; Schema: public; Owner: -

GRANT SELECT(updated_at) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(updated_at) ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: COLUMN data_transfer.priority; Type: ACL; Schema: public; Owner: -

GRANT SELECT(priority) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(priority) ON TABLE public.data_transfer TO opsdb_access_admin;
GRANT UPDATE(priority) ON TABLE public.data_transfer TO opsdb_transfer_daemon;
GRANT UPDATE(priority) ON TABLE public.data_transfer TO opsdb_operator;

-- Name: COLUMN data_transfer.unpack_priority; Type: ACL; Schema: public; Owner: -

GRANT SELECT(unpack_priority) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(unpack_priority) ON TABLE public.data_transfer TO opsdb_access_admin;
GRANT UPDATE(unpack_priority) ON TABLE public.data_transfer TO opsdb_transfer_daemon;
GRANT UPDATE(unpack_priority) ON TABLE public.data_transfer TO opsdb_operator;

-- Name: COLUMN data_transfer.external_job; Type: ACL; Schema: public; Owner: -

GRANT SELECT(external_job) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(external_job) ON TABLE public.data_transfer TO opsdb_access_admin;
GRANT UPDATE(external_job) ON TABLE public.data_transfer TO opsdb_transfer_daemon;

-- Name: COLUMN data_transfer.unpack_external_job; Type: ACL; Schema: public; Owner: -

GRANT SELECT(unpack_external_job) ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT(unpack_external_job) ON TABLE public.data_transfer TO opsdb_access_admin;
GRANT UPDATE(unpack_external_job) ON TABLE public.data_transfer TO opsdb_transfer_daemon;

-- Name: SEQUENCE data_transfer_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_id_seq TO opsdb_operator;

-- Name: TABLE data_transfer_log; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.data_transfer_log TO opsdb_reader;
GRANT SELECT,INSERT ON TABLE public.data_transfer_log TO opsdb_writer;
GRANT SELECT ON TABLE public.data_transfer_log TO opsdb_access_admin;
GRANT INSERT ON TABLE public.data_transfer_log TO opsdb_transfer_daemon;

-- Name: SEQUENCE data_transfer_log_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_log_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_log_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_log_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_log_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_log_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_log_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_log_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_log_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_log_id_seq TO opsdb_operator;

-- Name: TABLE data_transfer_package; Type: ACL; Schema: public; Owner: -

GRANT SELECT,INSERT,UPDATE ON TABLE public.data_transfer_package TO opsdb_writer;
GRANT INSERT ON TABLE public.data_transfer_package TO opsdb_packager;

-- Name: COLUMN data_transfer_package.id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(id) ON TABLE public.data_transfer_package TO opsdb_reader;
GRANT SELECT(id) ON TABLE public.data_transfer_package TO opsdb_access_admin;

-- Name: COLUMN data_transfer_package.name; Type: ACL; Schema: public; Owner: -

GRANT SELECT(name) ON TABLE public.data_transfer_package TO opsdb_reader;
GRANT SELECT(name) ON TABLE public.data_transfer_package TO opsdb_access_admin;

-- Name: COLUMN data_transfer_package.relative_path; Type: ACL; Schema: public; Owner: -

GRANT SELECT(relative_path) ON TABLE public.data_transfer_package TO opsdb_reader;
GRANT SELECT(relative_path) ON TABLE public.data_transfer_package TO opsdb_access_admin;

-- Name: COLUMN data_transfer_package.origin_location_id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(origin_location_id) ON TABLE public.data_transfer_package TO opsdb_reader;
GRANT SELECT(origin_location_id) ON TABLE public.data_transfer_package TO opsdb_access_admin;

-- Name: COLUMN data_transfer_package.size_bytes; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(size_bytes) ON TABLE public.data_transfer_package TO opsdb_packager;
GRANT SELECT(size_bytes) ON TABLE public.data_transfer_package TO opsdb_reader;
GRANT SELECT(size_bytes) ON TABLE public.data_transfer_package TO opsdb_access_admin;

-- Name: COLUMN data_transfer_package.checksum; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(checksum) ON TABLE public.data_transfer_package TO opsdb_packager;
GRANT SELECT(checksum) ON TABLE public.data_transfer_package TO opsdb_reader;
GRANT SELECT(checksum) ON TABLE public.data_transfer_package TO opsdb_access_admin;

-- Name: COLUMN data_transfer_package.checksum_algorithm; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(checksum_algorithm) ON TABLE public.data_transfer_package TO opsdb_packager;
GRANT SELECT(checksum_algorithm) ON TABLE public.data_transfer_package TO opsdb_reader;
GRANT SELECT(checksum_algorithm) ON TABLE public.data_transfer_package TO opsdb_access_admin;

-- Name: COLUMN data_transfer_package.status; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(status) ON TABLE public.data_transfer_package TO opsdb_packager;
GRANT SELECT(status) ON TABLE public.data_transfer_package TO opsdb_reader;
GRANT SELECT(status) ON TABLE public.data_transfer_package TO opsdb_access_admin;

-- Name: COLUMN data_transfer_package.attempts; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(attempts) ON TABLE public.data_transfer_package TO opsdb_packager;
GRANT SELECT(attempts) ON TABLE public.data_transfer_package TO opsdb_reader;
GRANT SELECT(attempts) ON TABLE public.data_transfer_package TO opsdb_access_admin;

-- Name: COLUMN data_transfer_package.max_attempts; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(max_attempts) ON TABLE public.data_transfer_package TO opsdb_packager;
GRANT SELECT(max_attempts) ON TABLE public.data_transfer_package TO opsdb_reader;
GRANT SELECT(max_attempts) ON TABLE public.data_transfer_package TO opsdb_access_admin;

-- Name: COLUMN data_transfer_package.last_error; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(last_error) ON TABLE public.data_transfer_package TO opsdb_packager;
GRANT SELECT(last_error) ON TABLE public.data_transfer_package TO opsdb_reader;
GRANT SELECT(last_error) ON TABLE public.data_transfer_package TO opsdb_access_admin;

-- Name: COLUMN data_transfer_package.next_attempt_at; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(next_attempt_at) ON TABLE public.data_transfer_package TO opsdb_packager;
GRANT SELECT(next_attempt_at) ON TABLE public.data_transfer_package TO opsdb_reader;
GRANT SELECT(next_attempt_at) ON TABLE public.data_transfer_package TO opsdb_access_admin;

-- Name: COLUMN data_transfer_package.claimed_by; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(claimed_by) ON TABLE public.data_transfer_package TO opsdb_packager;
GRANT SELECT(claimed_by) ON TABLE public.data_transfer_package TO opsdb_reader;
GRANT SELECT(claimed_by) ON TABLE public.data_transfer_package TO opsdb_access_admin;

-- Name: COLUMN data_transfer_package.claim_token; Type: ACL; Schema: public; Owner: -

GRANT SELECT(claim_token),UPDATE(claim_token) ON TABLE public.data_transfer_package TO opsdb_packager;

-- Name: COLUMN data_transfer_package.lease_until; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(lease_until) ON TABLE public.data_transfer_package TO opsdb_packager;
GRANT SELECT(lease_until) ON TABLE public.data_transfer_package TO opsdb_reader;
GRANT SELECT(lease_until) ON TABLE public.data_transfer_package TO opsdb_access_admin;

-- Name: COLUMN data_transfer_package.created_at; Type: ACL; Schema: public; Owner: -

GRANT SELECT(created_at) ON TABLE public.data_transfer_package TO opsdb_reader;
GRANT SELECT(created_at) ON TABLE public.data_transfer_package TO opsdb_access_admin;

-- Name: COLUMN data_transfer_package.updated_at; Type: ACL; Schema: public; Owner: -

GRANT SELECT(updated_at) ON TABLE public.data_transfer_package TO opsdb_reader;
GRANT SELECT(updated_at) ON TABLE public.data_transfer_package TO opsdb_access_admin;

-- Name: COLUMN data_transfer_package.priority; Type: ACL; Schema: public; Owner: -

GRANT SELECT(priority) ON TABLE public.data_transfer_package TO opsdb_reader;
GRANT SELECT(priority) ON TABLE public.data_transfer_package TO opsdb_access_admin;
GRANT UPDATE(priority) ON TABLE public.data_transfer_package TO opsdb_packager;
GRANT UPDATE(priority) ON TABLE public.data_transfer_package TO opsdb_operator;

-- Name: COLUMN data_transfer_package.external_job; Type: ACL; Schema: public; Owner: -

GRANT SELECT(external_job) ON TABLE public.data_transfer_package TO opsdb_reader;
GRANT SELECT(external_job) ON TABLE public.data_transfer_package TO opsdb_access_admin;
GRANT UPDATE(external_job) ON TABLE public.data_transfer_package TO opsdb_packager;

-- Name: SEQUENCE data_transfer_package_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_package_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_package_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_package_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_package_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_package_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_package_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_package_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_package_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_package_id_seq TO opsdb_operator;

-- Name: TABLE data_transfer_route; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.data_transfer_route TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.data_transfer_route TO opsdb_writer;
GRANT SELECT ON TABLE public.data_transfer_route TO opsdb_access_admin;
GRANT INSERT,UPDATE ON TABLE public.data_transfer_route TO opsdb_operator;

-- Name: SEQUENCE data_transfer_route_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_route_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_route_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_route_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_route_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_route_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_route_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_route_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_route_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_route_id_seq TO opsdb_operator;

-- Name: TABLE deletion_claim_verdict; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.deletion_claim_verdict TO opsdb_reader;

-- Name: TABLE deletion_file_queue; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.deletion_file_queue TO opsdb_writer;
GRANT SELECT ON TABLE public.deletion_file_queue TO opsdb_access_admin;
GRANT SELECT ON TABLE public.deletion_file_queue TO opsdb_reader;

-- Name: TABLE executed_obs_unit; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.executed_obs_unit TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.executed_obs_unit TO opsdb_writer;
GRANT SELECT ON TABLE public.executed_obs_unit TO opsdb_access_admin;
GRANT INSERT ON TABLE public.executed_obs_unit TO opsdb_instrument;

-- Name: COLUMN executed_obs_unit.status; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(status) ON TABLE public.executed_obs_unit TO opsdb_instrument;

-- Name: COLUMN executed_obs_unit.end_time; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(end_time) ON TABLE public.executed_obs_unit TO opsdb_instrument;

-- Name: COLUMN executed_obs_unit.conditions; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(conditions) ON TABLE public.executed_obs_unit TO opsdb_instrument;

-- Name: COLUMN executed_obs_unit.notes; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(notes) ON TABLE public.executed_obs_unit TO opsdb_instrument;

-- Name: TABLE instrument; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.instrument TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.instrument TO opsdb_writer;
GRANT SELECT ON TABLE public.instrument TO opsdb_access_admin;
GRANT INSERT,UPDATE ON TABLE public.instrument TO opsdb_operator;

-- Name: SEQUENCE instrument_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.instrument_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_id_seq TO opsdb_operator;

-- Name: TABLE instrument_module; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.instrument_module TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.instrument_module TO opsdb_writer;
GRANT SELECT ON TABLE public.instrument_module TO opsdb_access_admin;
GRANT INSERT,UPDATE ON TABLE public.instrument_module TO opsdb_operator;

-- Name: COLUMN instrument_module.updated_at; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(updated_at) ON TABLE public.instrument_module TO opsdb_instrument;

-- Name: TABLE instrument_module_configuration; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.instrument_module_configuration TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.instrument_module_configuration TO opsdb_writer;
GRANT SELECT ON TABLE public.instrument_module_configuration TO opsdb_access_admin;
GRANT INSERT,UPDATE ON TABLE public.instrument_module_configuration TO opsdb_operator;

-- Name: SEQUENCE instrument_module_configuration_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_configuration_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_configuration_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_configuration_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_configuration_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_configuration_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_configuration_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_configuration_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_configuration_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_configuration_id_seq TO opsdb_operator;

-- Name: SEQUENCE instrument_module_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_id_seq TO opsdb_operator;

-- Name: TABLE long_term_archive_transfer; Type: ACL; Schema: public; Owner: -

GRANT SELECT,INSERT,UPDATE ON TABLE public.long_term_archive_transfer TO opsdb_writer;
GRANT INSERT ON TABLE public.long_term_archive_transfer TO opsdb_archive_daemon;

-- Name: COLUMN long_term_archive_transfer.id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(id) ON TABLE public.long_term_archive_transfer TO opsdb_reader;
GRANT SELECT(id) ON TABLE public.long_term_archive_transfer TO opsdb_access_admin;

-- Name: COLUMN long_term_archive_transfer.raw_data_package_id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(raw_data_package_id) ON TABLE public.long_term_archive_transfer TO opsdb_reader;
GRANT SELECT(raw_data_package_id) ON TABLE public.long_term_archive_transfer TO opsdb_access_admin;

-- Name: COLUMN long_term_archive_transfer.origin_location_id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(origin_location_id) ON TABLE public.long_term_archive_transfer TO opsdb_reader;
GRANT SELECT(origin_location_id) ON TABLE public.long_term_archive_transfer TO opsdb_access_admin;

-- Name: COLUMN long_term_archive_transfer.destination_location_id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(destination_location_id) ON TABLE public.long_term_archive_transfer TO opsdb_reader;
GRANT SELECT(destination_location_id) ON TABLE public.long_term_archive_transfer TO opsdb_access_admin;

-- Name: COLUMN long_term_archive_transfer.status; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(status) ON TABLE public.long_term_archive_transfer TO opsdb_archive_daemon;
GRANT SELECT(status) ON TABLE public.long_term_archive_transfer TO opsdb_reader;
GRANT SELECT(status) ON TABLE public.long_term_archive_transfer TO opsdb_access_admin;

-- Name: COLUMN long_term_archive_transfer.attempts; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(attempts) ON TABLE public.long_term_archive_transfer TO opsdb_archive_daemon;
GRANT SELECT(attempts) ON TABLE public.long_term_archive_transfer TO opsdb_reader;
GRANT SELECT(attempts) ON TABLE public.long_term_archive_transfer TO opsdb_access_admin;

-- Name: COLUMN long_term_archive_transfer.max_attempts; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(max_attempts) ON TABLE public.long_term_archive_transfer TO opsdb_archive_daemon;
GRANT SELECT(max_attempts) ON TABLE public.long_term_archive_transfer TO opsdb_reader;
GRANT SELECT(max_attempts) ON TABLE public.long_term_archive_transfer TO opsdb_access_admin;

-- Name: COLUMN long_term_archive_transfer.last_error; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(last_error) ON TABLE public.long_term_archive_transfer TO opsdb_archive_daemon;
GRANT SELECT(last_error) ON TABLE public.long_term_archive_transfer TO opsdb_reader;
GRANT SELECT(last_error) ON TABLE public.long_term_archive_transfer TO opsdb_access_admin;

-- Name: COLUMN long_term_archive_transfer.next_attempt_at; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(next_attempt_at) ON TABLE public.long_term_archive_transfer TO opsdb_archive_daemon;
GRANT SELECT(next_attempt_at) ON TABLE public.long_term_archive_transfer TO opsdb_reader;
GRANT SELECT(next_attempt_at) ON TABLE public.long_term_archive_transfer TO opsdb_access_admin;

-- Name: COLUMN long_term_archive_transfer.claimed_by; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(claimed_by) ON TABLE public.long_term_archive_transfer TO opsdb_archive_daemon;
GRANT SELECT(claimed_by) ON TABLE public.long_term_archive_transfer TO opsdb_reader;
GRANT SELECT(claimed_by) ON TABLE public.long_term_archive_transfer TO opsdb_access_admin;

-- Name: COLUMN long_term_archive_transfer.claim_token; Type: ACL; Schema: public; Owner: -

GRANT SELECT(claim_token),UPDATE(claim_token) ON TABLE public.long_term_archive_transfer TO opsdb_archive_daemon;

-- Name: COLUMN long_term_archive_transfer.lease_until; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(lease_until) ON TABLE public.long_term_archive_transfer TO opsdb_archive_daemon;
GRANT SELECT(lease_until) ON TABLE public.long_term_archive_transfer TO opsdb_reader;
GRANT SELECT(lease_until) ON TABLE public.long_term_archive_transfer TO opsdb_access_admin;

-- Name: COLUMN long_term_archive_transfer.completed_at; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(completed_at) ON TABLE public.long_term_archive_transfer TO opsdb_archive_daemon;
GRANT SELECT(completed_at) ON TABLE public.long_term_archive_transfer TO opsdb_reader;
GRANT SELECT(completed_at) ON TABLE public.long_term_archive_transfer TO opsdb_access_admin;

-- Name: COLUMN long_term_archive_transfer.created_at; Type: ACL; Schema: public; Owner: -

GRANT SELECT(created_at) ON TABLE public.long_term_archive_transfer TO opsdb_reader;
GRANT SELECT(created_at) ON TABLE public.long_term_archive_transfer TO opsdb_access_admin;

-- Name: COLUMN long_term_archive_transfer.updated_at; Type: ACL; Schema: public; Owner: -

GRANT SELECT(updated_at) ON TABLE public.long_term_archive_transfer TO opsdb_reader;
GRANT SELECT(updated_at) ON TABLE public.long_term_archive_transfer TO opsdb_access_admin;

-- Name: COLUMN long_term_archive_transfer.priority; Type: ACL; Schema: public; Owner: -

GRANT SELECT(priority) ON TABLE public.long_term_archive_transfer TO opsdb_reader;
GRANT SELECT(priority) ON TABLE public.long_term_archive_transfer TO opsdb_access_admin;
GRANT UPDATE(priority) ON TABLE public.long_term_archive_transfer TO opsdb_archive_daemon;
GRANT UPDATE(priority) ON TABLE public.long_term_archive_transfer TO opsdb_operator;

-- Name: COLUMN long_term_archive_transfer.external_job; Type: ACL; Schema: public; Owner: -

GRANT SELECT(external_job) ON TABLE public.long_term_archive_transfer TO opsdb_reader;
GRANT SELECT(external_job) ON TABLE public.long_term_archive_transfer TO opsdb_access_admin;
GRANT UPDATE(external_job) ON TABLE public.long_term_archive_transfer TO opsdb_archive_daemon;

-- Name: SEQUENCE long_term_archive_transfer_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.long_term_archive_transfer_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.long_term_archive_transfer_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.long_term_archive_transfer_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.long_term_archive_transfer_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.long_term_archive_transfer_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.long_term_archive_transfer_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.long_term_archive_transfer_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.long_term_archive_transfer_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.long_term_archive_transfer_id_seq TO opsdb_operator;

-- Name: TABLE obs_mode; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.obs_mode TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.obs_mode TO opsdb_writer;
GRANT SELECT ON TABLE public.obs_mode TO opsdb_access_admin;
GRANT INSERT,UPDATE ON TABLE public.obs_mode TO opsdb_operator;

-- Name: SEQUENCE obs_mode_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.obs_mode_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.obs_mode_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.obs_mode_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.obs_mode_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.obs_mode_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.obs_mode_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.obs_mode_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.obs_mode_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.obs_mode_id_seq TO opsdb_operator;

-- Name: TABLE obs_unit; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.obs_unit TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.obs_unit TO opsdb_writer;
GRANT SELECT ON TABLE public.obs_unit TO opsdb_access_admin;
GRANT INSERT,UPDATE ON TABLE public.obs_unit TO opsdb_operator;

-- Name: SEQUENCE obs_unit_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.obs_unit_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.obs_unit_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.obs_unit_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.obs_unit_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.obs_unit_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.obs_unit_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.obs_unit_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.obs_unit_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.obs_unit_id_seq TO opsdb_operator;

-- Name: TABLE obs_unit_instrument_module_configuration; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.obs_unit_instrument_module_configuration TO opsdb_reader;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.obs_unit_instrument_module_configuration TO opsdb_writer;
GRANT SELECT ON TABLE public.obs_unit_instrument_module_configuration TO opsdb_access_admin;
GRANT INSERT,DELETE,UPDATE ON TABLE public.obs_unit_instrument_module_configuration TO opsdb_operator;

-- Name: TABLE observation_configuration; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.observation_configuration TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.observation_configuration TO opsdb_writer;
GRANT SELECT ON TABLE public.observation_configuration TO opsdb_access_admin;
GRANT INSERT,UPDATE ON TABLE public.observation_configuration TO opsdb_operator;

-- Name: SEQUENCE observation_configuration_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.observation_configuration_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.observation_configuration_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.observation_configuration_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.observation_configuration_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.observation_configuration_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.observation_configuration_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.observation_configuration_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.observation_configuration_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.observation_configuration_id_seq TO opsdb_operator;

-- Name: TABLE observatory; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.observatory TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.observatory TO opsdb_writer;
GRANT SELECT ON TABLE public.observatory TO opsdb_access_admin;
GRANT INSERT,UPDATE ON TABLE public.observatory TO opsdb_operator;

-- Name: SEQUENCE observatory_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.observatory_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.observatory_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.observatory_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.observatory_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.observatory_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.observatory_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.observatory_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.observatory_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.observatory_id_seq TO opsdb_operator;

-- Name: TABLE observing_program; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.observing_program TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.observing_program TO opsdb_writer;
GRANT SELECT ON TABLE public.observing_program TO opsdb_access_admin;
GRANT INSERT,UPDATE ON TABLE public.observing_program TO opsdb_operator;

-- Name: SEQUENCE observing_program_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.observing_program_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.observing_program_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.observing_program_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.observing_program_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.observing_program_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.observing_program_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.observing_program_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.observing_program_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.observing_program_id_seq TO opsdb_operator;

-- Name: TABLE operator_action; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.operator_action TO opsdb_reader;
GRANT SELECT,INSERT ON TABLE public.operator_action TO opsdb_writer;
GRANT SELECT,INSERT ON TABLE public.operator_action TO opsdb_operator;

-- Name: SEQUENCE operator_action_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.operator_action_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.operator_action_id_seq TO opsdb_operator;

-- Name: TABLE opsdb_role_default; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.opsdb_role_default TO opsdb_reader;

-- Name: TABLE package_copy_count; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.package_copy_count TO opsdb_reader;
GRANT SELECT ON TABLE public.package_copy_count TO opsdb_writer;

-- Name: TABLE package_copy_delta; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.package_copy_delta TO opsdb_reader;
GRANT SELECT ON TABLE public.package_copy_delta TO opsdb_writer;

-- Name: TABLE permission; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.permission TO opsdb_reader;
GRANT SELECT ON TABLE public.permission TO opsdb_writer;
GRANT SELECT,INSERT,UPDATE ON TABLE public.permission TO opsdb_access_admin;

-- Name: SEQUENCE permission_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.permission_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.permission_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.permission_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.permission_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.permission_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.permission_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.permission_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.permission_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.permission_id_seq TO opsdb_operator;

-- Name: SEQUENCE physical_copy_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.physical_copy_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.physical_copy_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.physical_copy_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.physical_copy_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.physical_copy_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.physical_copy_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.physical_copy_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.physical_copy_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.physical_copy_id_seq TO opsdb_operator;

-- Name: TABLE raw_data_file; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.raw_data_file TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.raw_data_file TO opsdb_writer;
GRANT SELECT ON TABLE public.raw_data_file TO opsdb_access_admin;
GRANT INSERT ON TABLE public.raw_data_file TO opsdb_instrument;

-- Name: COLUMN raw_data_file.raw_data_package_id; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(raw_data_package_id) ON TABLE public.raw_data_file TO opsdb_packager;

-- Name: TABLE raw_data_package; Type: ACL; Schema: public; Owner: -

GRANT SELECT,INSERT,UPDATE ON TABLE public.raw_data_package TO opsdb_writer;
GRANT INSERT ON TABLE public.raw_data_package TO opsdb_packager;

-- Name: COLUMN raw_data_package.id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(id) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(id) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.name; Type: ACL; Schema: public; Owner: -

GRANT SELECT(name) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(name) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.relative_path; Type: ACL; Schema: public; Owner: -

GRANT SELECT(relative_path) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(relative_path) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.executed_obs_unit_id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(executed_obs_unit_id) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(executed_obs_unit_id) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.instrument_module_id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(instrument_module_id) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(instrument_module_id) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.origin_location_id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(origin_location_id) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(origin_location_id) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.size_bytes; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(size_bytes) ON TABLE public.raw_data_package TO opsdb_packager;
GRANT SELECT(size_bytes) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(size_bytes) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.checksum; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(checksum) ON TABLE public.raw_data_package TO opsdb_packager;
GRANT SELECT(checksum) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(checksum) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.checksum_algorithm; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(checksum_algorithm) ON TABLE public.raw_data_package TO opsdb_packager;
GRANT SELECT(checksum_algorithm) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(checksum_algorithm) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.state; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(state) ON TABLE public.raw_data_package TO opsdb_packager;
GRANT UPDATE(state) ON TABLE public.raw_data_package TO opsdb_archive_daemon;
GRANT SELECT(state) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(state) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.data_transfer_package_id; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(data_transfer_package_id) ON TABLE public.raw_data_package TO opsdb_packager;
GRANT SELECT(data_transfer_package_id) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(data_transfer_package_id) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.status; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(status) ON TABLE public.raw_data_package TO opsdb_packager;
GRANT SELECT(status) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(status) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.attempts; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(attempts) ON TABLE public.raw_data_package TO opsdb_packager;
GRANT SELECT(attempts) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(attempts) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.max_attempts; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(max_attempts) ON TABLE public.raw_data_package TO opsdb_packager;
GRANT SELECT(max_attempts) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(max_attempts) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.last_error; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(last_error) ON TABLE public.raw_data_package TO opsdb_packager;
GRANT SELECT(last_error) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(last_error) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.next_attempt_at; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(next_attempt_at) ON TABLE public.raw_data_package TO opsdb_packager;
GRANT SELECT(next_attempt_at) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(next_attempt_at) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.claimed_by; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(claimed_by) ON TABLE public.raw_data_package TO opsdb_packager;
GRANT SELECT(claimed_by) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(claimed_by) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.claim_token; Type: ACL; Schema: public; Owner: -

GRANT SELECT(claim_token),UPDATE(claim_token) ON TABLE public.raw_data_package TO opsdb_packager;

-- Name: COLUMN raw_data_package.lease_until; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(lease_until) ON TABLE public.raw_data_package TO opsdb_packager;
GRANT SELECT(lease_until) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(lease_until) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.created_at; Type: ACL; Schema: public; Owner: -

GRANT SELECT(created_at) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(created_at) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.updated_at; Type: ACL; Schema: public; Owner: -

GRANT SELECT(updated_at) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(updated_at) ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: COLUMN raw_data_package.priority; Type: ACL; Schema: public; Owner: -

GRANT SELECT(priority) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(priority) ON TABLE public.raw_data_package TO opsdb_access_admin;
GRANT UPDATE(priority) ON TABLE public.raw_data_package TO opsdb_packager;
GRANT UPDATE(priority) ON TABLE public.raw_data_package TO opsdb_operator;

-- Name: COLUMN raw_data_package.external_job; Type: ACL; Schema: public; Owner: -

GRANT SELECT(external_job) ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT(external_job) ON TABLE public.raw_data_package TO opsdb_access_admin;
GRANT UPDATE(external_job) ON TABLE public.raw_data_package TO opsdb_packager;

-- Name: SEQUENCE raw_data_package_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.raw_data_package_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.raw_data_package_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.raw_data_package_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.raw_data_package_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.raw_data_package_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.raw_data_package_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.raw_data_package_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.raw_data_package_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.raw_data_package_id_seq TO opsdb_operator;

-- Name: TABLE raw_data_package_metadata; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.raw_data_package_metadata TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.raw_data_package_metadata TO opsdb_writer;
GRANT SELECT ON TABLE public.raw_data_package_metadata TO opsdb_access_admin;
GRANT INSERT,UPDATE ON TABLE public.raw_data_package_metadata TO opsdb_packager;

-- Name: TABLE role; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.role TO opsdb_reader;
GRANT SELECT ON TABLE public.role TO opsdb_writer;
GRANT SELECT,INSERT,UPDATE ON TABLE public.role TO opsdb_access_admin;

-- Name: SEQUENCE role_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.role_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.role_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.role_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.role_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.role_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.role_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.role_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.role_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.role_id_seq TO opsdb_operator;

-- Name: TABLE role_permission; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.role_permission TO opsdb_reader;
GRANT SELECT ON TABLE public.role_permission TO opsdb_writer;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.role_permission TO opsdb_access_admin;

-- Name: TABLE site; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.site TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.site TO opsdb_writer;
GRANT SELECT ON TABLE public.site TO opsdb_access_admin;
GRANT INSERT,UPDATE ON TABLE public.site TO opsdb_operator;

-- Name: SEQUENCE site_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.site_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.site_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.site_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.site_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.site_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.site_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.site_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.site_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.site_id_seq TO opsdb_operator;

-- Name: TABLE source; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.source TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.source TO opsdb_writer;
GRANT SELECT ON TABLE public.source TO opsdb_access_admin;
GRANT INSERT,UPDATE ON TABLE public.source TO opsdb_operator;

-- Name: SEQUENCE source_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.source_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.source_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.source_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.source_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.source_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.source_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.source_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.source_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.source_id_seq TO opsdb_operator;

-- Name: TABLE staging_job; Type: ACL; Schema: public; Owner: -

GRANT SELECT,INSERT,UPDATE ON TABLE public.staging_job TO opsdb_writer;
GRANT INSERT ON TABLE public.staging_job TO opsdb_operator;

-- Name: COLUMN staging_job.id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(id) ON TABLE public.staging_job TO opsdb_reader;
GRANT SELECT(id) ON TABLE public.staging_job TO opsdb_access_admin;

-- Name: COLUMN staging_job.user_account_id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(user_account_id) ON TABLE public.staging_job TO opsdb_reader;
GRANT SELECT(user_account_id) ON TABLE public.staging_job TO opsdb_access_admin;

-- Name: COLUMN staging_job.destination_location_id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(destination_location_id) ON TABLE public.staging_job TO opsdb_reader;
GRANT SELECT(destination_location_id) ON TABLE public.staging_job TO opsdb_access_admin;

-- Name: COLUMN staging_job.status; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(status) ON TABLE public.staging_job TO opsdb_staging_daemon;
GRANT SELECT(status) ON TABLE public.staging_job TO opsdb_reader;
GRANT SELECT(status) ON TABLE public.staging_job TO opsdb_access_admin;

-- Name: COLUMN staging_job.attempts; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(attempts) ON TABLE public.staging_job TO opsdb_staging_daemon;
GRANT SELECT(attempts) ON TABLE public.staging_job TO opsdb_reader;
GRANT SELECT(attempts) ON TABLE public.staging_job TO opsdb_access_admin;

-- Name: COLUMN staging_job.max_attempts; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(max_attempts) ON TABLE public.staging_job TO opsdb_staging_daemon;
GRANT SELECT(max_attempts) ON TABLE public.staging_job TO opsdb_reader;
GRANT SELECT(max_attempts) ON TABLE public.staging_job TO opsdb_access_admin;

-- Name: COLUMN staging_job.last_error; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(last_error) ON TABLE public.staging_job TO opsdb_staging_daemon;
GRANT SELECT(last_error) ON TABLE public.staging_job TO opsdb_reader;
GRANT SELECT(last_error) ON TABLE public.staging_job TO opsdb_access_admin;

-- Name: COLUMN staging_job.next_attempt_at; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(next_attempt_at) ON TABLE public.staging_job TO opsdb_staging_daemon;
GRANT SELECT(next_attempt_at) ON TABLE public.staging_job TO opsdb_reader;
GRANT SELECT(next_attempt_at) ON TABLE public.staging_job TO opsdb_access_admin;

-- Name: COLUMN staging_job.claimed_by; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(claimed_by) ON TABLE public.staging_job TO opsdb_staging_daemon;
GRANT SELECT(claimed_by) ON TABLE public.staging_job TO opsdb_reader;
GRANT SELECT(claimed_by) ON TABLE public.staging_job TO opsdb_access_admin;

-- Name: COLUMN staging_job.claim_token; Type: ACL; Schema: public; Owner: -

GRANT SELECT(claim_token),UPDATE(claim_token) ON TABLE public.staging_job TO opsdb_staging_daemon;

-- Name: COLUMN staging_job.lease_until; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(lease_until) ON TABLE public.staging_job TO opsdb_staging_daemon;
GRANT SELECT(lease_until) ON TABLE public.staging_job TO opsdb_reader;
GRANT SELECT(lease_until) ON TABLE public.staging_job TO opsdb_access_admin;

-- Name: COLUMN staging_job.retention_until; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(retention_until) ON TABLE public.staging_job TO opsdb_staging_daemon;
GRANT SELECT(retention_until) ON TABLE public.staging_job TO opsdb_reader;
GRANT SELECT(retention_until) ON TABLE public.staging_job TO opsdb_access_admin;

-- Name: COLUMN staging_job.completed_at; Type: ACL; Schema: public; Owner: -

GRANT UPDATE(completed_at) ON TABLE public.staging_job TO opsdb_staging_daemon;
GRANT SELECT(completed_at) ON TABLE public.staging_job TO opsdb_reader;
GRANT SELECT(completed_at) ON TABLE public.staging_job TO opsdb_access_admin;

-- Name: COLUMN staging_job.created_at; Type: ACL; Schema: public; Owner: -

GRANT SELECT(created_at) ON TABLE public.staging_job TO opsdb_reader;
GRANT SELECT(created_at) ON TABLE public.staging_job TO opsdb_access_admin;

-- Name: COLUMN staging_job.updated_at; Type: ACL; Schema: public; Owner: -

GRANT SELECT(updated_at) ON TABLE public.staging_job TO opsdb_reader;
GRANT SELECT(updated_at) ON TABLE public.staging_job TO opsdb_access_admin;

-- Name: COLUMN staging_job.priority; Type: ACL; Schema: public; Owner: -

GRANT SELECT(priority) ON TABLE public.staging_job TO opsdb_reader;
GRANT SELECT(priority) ON TABLE public.staging_job TO opsdb_access_admin;
GRANT UPDATE(priority) ON TABLE public.staging_job TO opsdb_staging_daemon;
GRANT UPDATE(priority) ON TABLE public.staging_job TO opsdb_operator;

-- Name: COLUMN staging_job.external_job; Type: ACL; Schema: public; Owner: -

GRANT SELECT(external_job) ON TABLE public.staging_job TO opsdb_reader;
GRANT SELECT(external_job) ON TABLE public.staging_job TO opsdb_access_admin;
GRANT UPDATE(external_job) ON TABLE public.staging_job TO opsdb_staging_daemon;

-- Name: SEQUENCE staging_job_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.staging_job_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.staging_job_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.staging_job_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.staging_job_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.staging_job_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.staging_job_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.staging_job_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.staging_job_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.staging_job_id_seq TO opsdb_operator;

-- Name: TABLE staging_job_package; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.staging_job_package TO opsdb_reader;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.staging_job_package TO opsdb_writer;
GRANT SELECT ON TABLE public.staging_job_package TO opsdb_access_admin;
GRANT INSERT,DELETE ON TABLE public.staging_job_package TO opsdb_operator;

-- Name: TABLE state_column; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.state_column TO opsdb_reader;
GRANT SELECT ON TABLE public.state_column TO opsdb_writer;
GRANT SELECT ON TABLE public.state_column TO opsdb_access_admin;

-- Name: TABLE state_count; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.state_count TO opsdb_reader;
GRANT SELECT ON TABLE public.state_count TO opsdb_writer;

-- Name: TABLE state_count_delta; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.state_count_delta TO opsdb_reader;
GRANT SELECT ON TABLE public.state_count_delta TO opsdb_writer;

-- Name: TABLE state_history; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.state_history TO opsdb_reader;
GRANT SELECT ON TABLE public.state_history TO opsdb_writer;
GRANT SELECT ON TABLE public.state_history TO opsdb_access_admin;

-- Name: SEQUENCE state_history_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.state_history_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.state_history_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.state_history_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.state_history_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.state_history_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.state_history_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.state_history_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.state_history_id_seq TO opsdb_operator;

-- Name: TABLE state_transition; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.state_transition TO opsdb_reader;
GRANT SELECT ON TABLE public.state_transition TO opsdb_writer;
GRANT SELECT ON TABLE public.state_transition TO opsdb_access_admin;

-- Name: TABLE sub_observing_program; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.sub_observing_program TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.sub_observing_program TO opsdb_writer;
GRANT SELECT ON TABLE public.sub_observing_program TO opsdb_access_admin;
GRANT INSERT,UPDATE ON TABLE public.sub_observing_program TO opsdb_operator;

-- Name: SEQUENCE sub_observing_program_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.sub_observing_program_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.sub_observing_program_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.sub_observing_program_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.sub_observing_program_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.sub_observing_program_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.sub_observing_program_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.sub_observing_program_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.sub_observing_program_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.sub_observing_program_id_seq TO opsdb_operator;

-- Name: TABLE telescope; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.telescope TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.telescope TO opsdb_writer;
GRANT SELECT ON TABLE public.telescope TO opsdb_access_admin;
GRANT INSERT,UPDATE ON TABLE public.telescope TO opsdb_operator;

-- Name: SEQUENCE telescope_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.telescope_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.telescope_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.telescope_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.telescope_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.telescope_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.telescope_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.telescope_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.telescope_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.telescope_id_seq TO opsdb_operator;

-- Name: TABLE user_account; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.user_account TO opsdb_reader;
GRANT SELECT ON TABLE public.user_account TO opsdb_writer;
GRANT SELECT,INSERT,UPDATE ON TABLE public.user_account TO opsdb_access_admin;

-- Name: SEQUENCE user_account_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.user_account_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.user_account_id_seq TO opsdb_access_admin;
GRANT SELECT,USAGE ON SEQUENCE public.user_account_id_seq TO opsdb_instrument;
GRANT SELECT,USAGE ON SEQUENCE public.user_account_id_seq TO opsdb_packager;
GRANT SELECT,USAGE ON SEQUENCE public.user_account_id_seq TO opsdb_transfer_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.user_account_id_seq TO opsdb_archive_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.user_account_id_seq TO opsdb_staging_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.user_account_id_seq TO opsdb_deletion_daemon;
GRANT SELECT,USAGE ON SEQUENCE public.user_account_id_seq TO opsdb_operator;

-- Name: TABLE user_role; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.user_role TO opsdb_reader;
GRANT SELECT ON TABLE public.user_role TO opsdb_writer;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.user_role TO opsdb_access_admin;

-- Name: TABLE work_cap; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.work_cap TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.work_cap TO opsdb_writer;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.work_cap TO opsdb_operator;

-- Name: SEQUENCE work_cap_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.work_cap_id_seq TO opsdb_writer;

-- Name: DEFAULT PRIVILEGES FOR SEQUENCES; Type: DEFAULT ACL; Schema: public; Owner: -

ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT SELECT,USAGE ON SEQUENCES TO opsdb_writer;

-- Name: DEFAULT PRIVILEGES FOR FUNCTIONS; Type: DEFAULT ACL; Schema: public; Owner: -

ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON FUNCTIONS TO opsdb_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON FUNCTIONS TO opsdb_writer;

-- Name: DEFAULT PRIVILEGES FOR TABLES; Type: DEFAULT ACL; Schema: public; Owner: -

ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT SELECT ON TABLES TO opsdb_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT SELECT,INSERT,UPDATE ON TABLES TO opsdb_writer;


-- 4. Rows the migrations seed

-- Data for Name: opsdb_role_default; Type: TABLE DATA; Schema: public; Owner: -

INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_reader', 'statement_timeout', '60s');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_reader', 'idle_in_transaction_session_timeout', '30s');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_reader', 'lock_timeout', '5s');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_reader', 'connection_limit', '20');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_access_admin', 'statement_timeout', '30s');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_access_admin', 'idle_in_transaction_session_timeout', '30s');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_access_admin', 'lock_timeout', '5s');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_access_admin', 'connection_limit', '10');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_operator', 'statement_timeout', '5min');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_operator', 'idle_in_transaction_session_timeout', '5min');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_operator', 'lock_timeout', '30s');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_operator', 'connection_limit', '10');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_instrument', 'statement_timeout', '5min');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_instrument', 'idle_in_transaction_session_timeout', '60s');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_instrument', 'lock_timeout', '30s');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_instrument', 'connection_limit', '10');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_packager', 'statement_timeout', '10min');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_packager', 'idle_in_transaction_session_timeout', '5min');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_packager', 'lock_timeout', '60s');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_packager', 'connection_limit', '20');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_transfer_daemon', 'statement_timeout', '10min');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_transfer_daemon', 'idle_in_transaction_session_timeout', '5min');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_transfer_daemon', 'lock_timeout', '60s');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_transfer_daemon', 'connection_limit', '20');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_archive_daemon', 'statement_timeout', '10min');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_archive_daemon', 'idle_in_transaction_session_timeout', '5min');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_archive_daemon', 'lock_timeout', '60s');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_archive_daemon', 'connection_limit', '20');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_staging_daemon', 'statement_timeout', '10min');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_staging_daemon', 'idle_in_transaction_session_timeout', '5min');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_staging_daemon', 'lock_timeout', '60s');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_staging_daemon', 'connection_limit', '20');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_deletion_daemon', 'statement_timeout', '10min');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_deletion_daemon', 'idle_in_transaction_session_timeout', '5min');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_deletion_daemon', 'lock_timeout', '60s');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_deletion_daemon', 'connection_limit', '20');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_writer', 'statement_timeout', '10min');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_writer', 'idle_in_transaction_session_timeout', '5min');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_writer', 'lock_timeout', '60s');
INSERT INTO public.opsdb_role_default (group_role, setting, value) VALUES ('opsdb_writer', 'connection_limit', '50');

-- Data for Name: permission; Type: TABLE DATA; Schema: public; Owner: -

INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (1, 'read:*', 'read anything', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (2, 'read:observations', 'read planning, executions and observation metadata', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (3, 'read:files', 'read raw data files, packages and their copies', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (4, 'read:transfers', 'read transfers, archive transfers and staging jobs', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (5, 'read:locations', 'read sites, storage locations and routes', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (6, 'read:users', 'read user accounts and roles', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (7, 'write:*', 'create and change any data (not users or tokens)', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (8, 'write:observations', 'record executions and observation metadata', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (9, 'write:planning', 'edit programs, sources and obs units', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (10, 'write:files', 'register raw data files, packages and copies', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (11, 'write:transfers', 'create and progress transfers and staging jobs', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (12, 'write:locations', 'edit sites, storage locations and routes', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (13, 'claim:*', 'claim any kind of work item', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (14, 'claim:work', 'claim work items (packaging, transfers, deletion, staging)', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (15, 'delete:*', 'schedule the deletion of any data', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (16, 'delete:copies', 'schedule and carry out the deletion of physical copies', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (17, 'manage:*', 'administer users, roles and tokens', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (18, 'manage:users', 'create, change and deactivate user accounts and their roles', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (19, 'manage:roles', 'create roles and change their permissions', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (20, 'manage:tokens', 'issue and revoke API tokens of any user', '2026-11-29 18:05:50.268665+00');

-- Data for Name: role; Type: TABLE DATA; Schema: public; Owner: -

INSERT INTO public.role (id, name, description, created_at, updated_at) OVERRIDING SYSTEM VALUE VALUES (1, 'admin', 'operators who administer opsdb: everything', '2026-11-29 18:05:50.268665+00', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.role (id, name, description, created_at, updated_at) OVERRIDING SYSTEM VALUE VALUES (2, 'observer', 'astronomers at the telescope: read all, record observations and plans', '2026-11-29 18:05:50.268665+00', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.role (id, name, description, created_at, updated_at) OVERRIDING SYSTEM VALUE VALUES (3, 'viewer', 'read-only access (web UI, reports)', '2026-11-29 18:05:50.268665+00', '2026-11-29 18:05:50.268665+00');
INSERT INTO public.role (id, name, description, created_at, updated_at) OVERRIDING SYSTEM VALUE VALUES (4, 'service', 'daemons and instruments: register data, move it, claim work', '2026-11-29 18:05:50.268665+00', '2026-11-29 18:05:50.268665+00');

-- Data for Name: role_permission; Type: TABLE DATA; Schema: public; Owner: -

INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (4, 1, '2026-11-29 18:05:50.268665+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (3, 1, '2026-11-29 18:05:50.268665+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (2, 1, '2026-11-29 18:05:50.268665+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (1, 1, '2026-11-29 18:05:50.268665+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (1, 7, '2026-11-29 18:05:50.268665+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (4, 8, '2026-11-29 18:05:50.268665+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (2, 8, '2026-11-29 18:05:50.268665+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (2, 9, '2026-11-29 18:05:50.268665+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (4, 10, '2026-11-29 18:05:50.268665+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (4, 11, '2026-11-29 18:05:50.268665+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (1, 13, '2026-11-29 18:05:50.268665+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (4, 14, '2026-11-29 18:05:50.268665+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (1, 15, '2026-11-29 18:05:50.268665+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (4, 16, '2026-11-29 18:05:50.268665+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (1, 17, '2026-11-29 18:05:50.268665+00');

-- Data for Name: state_column; Type: TABLE DATA; Schema: public; Owner: -

INSERT INTO public.state_column (table_name, column_name, machine) VALUES ('physical_copy', 'status', 'physical_copy_status');
INSERT INTO public.state_column (table_name, column_name, machine) VALUES ('raw_data_package', 'status', 'package_build');
INSERT INTO public.state_column (table_name, column_name, machine) VALUES ('raw_data_package', 'state', 'package_state');
INSERT INTO public.state_column (table_name, column_name, machine) VALUES ('data_transfer_package', 'status', 'status');
INSERT INTO public.state_column (table_name, column_name, machine) VALUES ('data_transfer', 'status', 'status');
INSERT INTO public.state_column (table_name, column_name, machine) VALUES ('data_transfer', 'unpack_status', 'unpack');
INSERT INTO public.state_column (table_name, column_name, machine) VALUES ('long_term_archive_transfer', 'status', 'status');
INSERT INTO public.state_column (table_name, column_name, machine) VALUES ('staging_job', 'status', 'status');
INSERT INTO public.state_column (table_name, column_name, machine) VALUES ('executed_obs_unit', 'status', 'execution_status');

-- Data for Name: state_transition; Type: TABLE DATA; Schema: public; Owner: -

INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('status', NULL, 'pending');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('status', 'failed', 'pending');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('status', 'in_progress', 'completed');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('status', 'in_progress', 'failed');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('status', 'in_progress', 'in_progress');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('status', 'in_progress', 'pending');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('status', 'pending', 'failed');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('status', 'pending', 'in_progress');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('status', 'pending', 'scheduled');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('status', 'scheduled', 'failed');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('status', 'scheduled', 'in_progress');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('status', 'scheduled', 'pending');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('unpack', NULL, 'pending');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('unpack', 'failed', 'pending');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('unpack', 'in_progress', 'completed');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('unpack', 'in_progress', 'failed');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('unpack', 'in_progress', 'in_progress');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('unpack', 'in_progress', 'pending');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('unpack', 'pending', 'failed');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('unpack', 'pending', 'in_progress');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('unpack', 'pending', 'scheduled');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('unpack', 'scheduled', 'failed');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('unpack', 'scheduled', 'in_progress');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('unpack', 'scheduled', 'pending');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_build', NULL, 'pending');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_build', 'failed', 'pending');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_build', 'in_progress', 'completed');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_build', 'in_progress', 'failed');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_build', 'in_progress', 'in_progress');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_build', 'in_progress', 'pending');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_build', 'pending', 'completed');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_build', 'pending', 'failed');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_build', 'pending', 'in_progress');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_build', 'pending', 'scheduled');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_build', 'scheduled', 'completed');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_build', 'scheduled', 'failed');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_build', 'scheduled', 'in_progress');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_build', 'scheduled', 'pending');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_state', NULL, 'waiting');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_state', 'archived', 'archived');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_state', 'failed', 'waiting');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_state', 'transferring', 'archived');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_state', 'transferring', 'failed');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_state', 'transferring', 'waiting');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_state', 'waiting', 'archived');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_state', 'waiting', 'failed');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('package_state', 'waiting', 'transferring');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', NULL, 'present');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', NULL, 'staged');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'corrupt', 'deletion_scheduled');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'corrupt', 'lost');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deleted', 'staged');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_failed', 'corrupt');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_failed', 'deletion_scheduled');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_failed', 'lost');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_failed', 'present');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_failed', 'staged');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_in_progress', 'deleted');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_in_progress', 'deletion_failed');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_in_progress', 'deletion_in_progress');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_in_progress', 'deletion_scheduled');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_in_progress', 'lost');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_possible', 'corrupt');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_possible', 'deletion_scheduled');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_possible', 'lost');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_possible', 'present');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_possible', 'staged');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_scheduled', 'corrupt');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_scheduled', 'deletion_failed');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_scheduled', 'deletion_in_progress');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_scheduled', 'lost');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'deletion_scheduled', 'present');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'present', 'corrupt');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'present', 'deletion_possible');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'present', 'deletion_scheduled');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'present', 'lost');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'present', 'staged');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'staged', 'corrupt');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'staged', 'deletion_possible');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'staged', 'deletion_scheduled');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'staged', 'lost');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('physical_copy_status', 'staged', 'present');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('execution_status', NULL, 'running');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('execution_status', 'running', 'aborted');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('execution_status', 'running', 'completed');
INSERT INTO public.state_transition (machine, from_state, to_state) VALUES ('execution_status', 'running', 'failed');

-- Name: permission_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -

SELECT pg_catalog.setval('public.permission_id_seq', 20, true);

-- Name: role_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -

SELECT pg_catalog.setval('public.role_id_seq', 4, true);
