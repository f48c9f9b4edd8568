-- Back to 0026: the work tables' state trigger functions of 0023 (inner join of the transition tables).

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

