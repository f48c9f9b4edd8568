-- State machines enforced by PostgreSQL, and the audit trail of every state change
-- (docs/workflows.md "State machines", docs/schema.md "History").
-- * state_transition (machine, from_state, to_state) lists every allowed transition; rows with
--   from_state NULL list the states a new row may start in. It is the same table as
--   opsdb/states.py (tests/test_state_machines_db.py compares them). Adding a transition:
--   one INSERT in a migration plus the same entry in opsdb/states.py.
-- * Each guarded table has two AFTER ... FOR EACH STATEMENT triggers over transition tables
--   (one function call per statement, not per row): an UPDATE changing a state column to a
--   value not in state_transition fails with SQLSTATE OPS01 ("... is not an allowed
--   transition"), whichever role sends it; an INSERT by anyone but the table's owner must
--   start in an initial state. Each allowed change (and each new row) appends one row to
--   state_history.
-- * state_history is written only by these SECURITY DEFINER trigger functions: no other role
--   may INSERT, UPDATE, DELETE or TRUNCATE it, and a trigger refuses UPDATE, DELETE and
--   TRUNCATE to every role but a superuser, the owner included.
-- The transition rows and the per-table trigger functions below were generated from
-- opsdb/states.py (MACHINE_COLUMNS, TRANSITIONS, INITIAL); later migrations add rows by hand.
-- depends: 0014_hardening

-- copies: evidence going away (lost, corrupt)
ALTER TABLE physical_copy DROP CONSTRAINT IF EXISTS physical_copy_status_valid;
ALTER TABLE physical_copy ADD CONSTRAINT physical_copy_status_valid
    CHECK (status IN ('present', 'staged', 'deletion_scheduled', 'deletion_in_progress',
                      'deletion_possible', 'deleted', 'deletion_failed', 'lost', 'corrupt'));

CREATE TABLE IF NOT EXISTS state_transition (
    machine    text NOT NULL,
    from_state text,
    to_state   text NOT NULL,
    CONSTRAINT state_transition_key UNIQUE NULLS NOT DISTINCT (machine, from_state, to_state)
);
COMMENT ON TABLE state_transition IS
    'Allowed state transitions per machine (from_state NULL: a state a new row may start in); opsdb/states.py holds the same';

INSERT INTO state_transition (machine, from_state, to_state) VALUES
    ('status', NULL, 'pending'),
    ('status', 'failed', 'pending'),
    ('status', 'in_progress', 'completed'),
    ('status', 'in_progress', 'failed'),
    ('status', 'in_progress', 'in_progress'),
    ('status', 'in_progress', 'pending'),
    ('status', 'pending', 'failed'),
    ('status', 'pending', 'in_progress'),
    ('status', 'pending', 'scheduled'),
    ('status', 'scheduled', 'failed'),
    ('status', 'scheduled', 'in_progress'),
    ('status', 'scheduled', 'pending'),
    ('unpack', NULL, 'pending'),
    ('unpack', 'failed', 'pending'),
    ('unpack', 'in_progress', 'completed'),
    ('unpack', 'in_progress', 'failed'),
    ('unpack', 'in_progress', 'in_progress'),
    ('unpack', 'in_progress', 'pending'),
    ('unpack', 'pending', 'failed'),
    ('unpack', 'pending', 'in_progress'),
    ('unpack', 'pending', 'scheduled'),
    ('unpack', 'scheduled', 'failed'),
    ('unpack', 'scheduled', 'in_progress'),
    ('unpack', 'scheduled', 'pending'),
    ('package_build', NULL, 'pending'),
    ('package_build', 'failed', 'pending'),
    ('package_build', 'in_progress', 'completed'),
    ('package_build', 'in_progress', 'failed'),
    ('package_build', 'in_progress', 'in_progress'),
    ('package_build', 'in_progress', 'pending'),
    ('package_build', 'pending', 'completed'),
    ('package_build', 'pending', 'failed'),
    ('package_build', 'pending', 'in_progress'),
    ('package_build', 'pending', 'scheduled'),
    ('package_build', 'scheduled', 'completed'),
    ('package_build', 'scheduled', 'failed'),
    ('package_build', 'scheduled', 'in_progress'),
    ('package_build', 'scheduled', 'pending'),
    ('package_state', NULL, 'waiting'),
    ('package_state', 'archived', 'archived'),
    ('package_state', 'failed', 'waiting'),
    ('package_state', 'transferring', 'archived'),
    ('package_state', 'transferring', 'failed'),
    ('package_state', 'transferring', 'waiting'),
    ('package_state', 'waiting', 'archived'),
    ('package_state', 'waiting', 'failed'),
    ('package_state', 'waiting', 'transferring'),
    ('physical_copy_status', NULL, 'present'),
    ('physical_copy_status', NULL, 'staged'),
    ('physical_copy_status', 'corrupt', 'deletion_scheduled'),
    ('physical_copy_status', 'corrupt', 'lost'),
    ('physical_copy_status', 'deleted', 'staged'),
    ('physical_copy_status', 'deletion_failed', 'corrupt'),
    ('physical_copy_status', 'deletion_failed', 'deletion_scheduled'),
    ('physical_copy_status', 'deletion_failed', 'lost'),
    ('physical_copy_status', 'deletion_failed', 'present'),
    ('physical_copy_status', 'deletion_failed', 'staged'),
    ('physical_copy_status', 'deletion_in_progress', 'deleted'),
    ('physical_copy_status', 'deletion_in_progress', 'deletion_failed'),
    ('physical_copy_status', 'deletion_in_progress', 'deletion_in_progress'),
    ('physical_copy_status', 'deletion_in_progress', 'deletion_scheduled'),
    ('physical_copy_status', 'deletion_in_progress', 'lost'),
    ('physical_copy_status', 'deletion_possible', 'corrupt'),
    ('physical_copy_status', 'deletion_possible', 'deletion_scheduled'),
    ('physical_copy_status', 'deletion_possible', 'lost'),
    ('physical_copy_status', 'deletion_possible', 'present'),
    ('physical_copy_status', 'deletion_possible', 'staged'),
    ('physical_copy_status', 'deletion_scheduled', 'corrupt'),
    ('physical_copy_status', 'deletion_scheduled', 'deletion_failed'),
    ('physical_copy_status', 'deletion_scheduled', 'deletion_in_progress'),
    ('physical_copy_status', 'deletion_scheduled', 'lost'),
    ('physical_copy_status', 'deletion_scheduled', 'present'),
    ('physical_copy_status', 'present', 'corrupt'),
    ('physical_copy_status', 'present', 'deletion_possible'),
    ('physical_copy_status', 'present', 'deletion_scheduled'),
    ('physical_copy_status', 'present', 'lost'),
    ('physical_copy_status', 'present', 'staged'),
    ('physical_copy_status', 'staged', 'corrupt'),
    ('physical_copy_status', 'staged', 'deletion_possible'),
    ('physical_copy_status', 'staged', 'deletion_scheduled'),
    ('physical_copy_status', 'staged', 'lost'),
    ('physical_copy_status', 'staged', 'present'),
    ('execution_status', NULL, 'running'),
    ('execution_status', 'running', 'aborted'),
    ('execution_status', 'running', 'completed'),
    ('execution_status', 'running', 'failed')
ON CONFLICT DO NOTHING;

-- which machine each guarded column follows
CREATE TABLE IF NOT EXISTS state_column (
    table_name  text NOT NULL,
    column_name text NOT NULL,
    machine     text NOT NULL,
    CONSTRAINT state_column_key PRIMARY KEY (table_name, column_name)
);
INSERT INTO state_column (table_name, column_name, machine) VALUES
    ('physical_copy', 'status', 'physical_copy_status'),
    ('raw_data_package', 'status', 'package_build'),
    ('raw_data_package', 'state', 'package_state'),
    ('data_transfer_package', 'status', 'status'),
    ('data_transfer', 'status', 'status'),
    ('data_transfer', 'unpack_status', 'unpack'),
    ('long_term_archive_transfer', 'status', 'status'),
    ('staging_job', 'status', 'status'),
    ('executed_obs_unit', 'status', 'execution_status')
ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS state_history (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    changed_at       timestamptz NOT NULL DEFAULT statement_timestamp(),
    table_name       text COLLATE "C" NOT NULL,  -- "C": the item index compares bytes, not locale rules
    item_id          text COLLATE "C" NOT NULL,
    column_name      text COLLATE "C" NOT NULL,
    from_state       text,          -- NULL: the row was created in to_state
    to_state         text NOT NULL,
    db_role          text NOT NULL, -- the role the statement ran as (SET ROLE, else the login)
    session_role     text NOT NULL, -- the login (session_user)
    application_name text,
    claimed_by       text,          -- the worker holding (or last holding) the claim
    claim_ref        uuid,          -- md5 of the claim token: matches a token, never reveals it
    repair           boolean NOT NULL DEFAULT false  -- an owner's repair outside the machine (opsdb.repair)
);
COMMENT ON TABLE state_history IS 'Append-only audit trail of every state change of the guarded tables (state_column)';
-- one item's history, keyset-paged by id; time ranges over the whole trail
CREATE INDEX IF NOT EXISTS state_history_item_idx ON state_history (table_name, item_id, id);
CREATE INDEX IF NOT EXISTS state_history_changed_at_idx ON state_history USING brin (changed_at);

-- the role a statement runs as, also from inside a SECURITY DEFINER function (where
-- current_user is the function's owner): SET ROLE's role, else the login
CREATE OR REPLACE FUNCTION opsdb_acting_role() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN current_setting('role') = 'none' THEN session_user::text ELSE current_setting('role') END
$$;

-- an explicit repair: the table's owner set opsdb.repair = 'on' (SET LOCAL) to move items
-- outside their machine; still recorded in history, flagged. Nobody else can.
CREATE OR REPLACE FUNCTION opsdb_repairing(tbl oid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('opsdb.repair', true), '') = 'on'
       AND pg_has_role(opsdb_acting_role(), (SELECT relowner FROM pg_class WHERE oid = tbl), 'MEMBER')
$$;

-- the refusal every guard raises; DETAIL carries the item as JSON for opsdb.errors.translate
CREATE OR REPLACE FUNCTION opsdb_refuse_transition(tbl text, item text, col text, from_state text, to_state text, n bigint)
RETURNS void LANGUAGE plpgsql AS $$
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

-- history is append-only: no UPDATE, DELETE or TRUNCATE but by a superuser
CREATE OR REPLACE FUNCTION state_history_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE EXCEPTION 'state_history is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege', TABLE = 'state_history';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
CREATE OR REPLACE TRIGGER state_history_append_only BEFORE UPDATE OR DELETE ON state_history
    FOR EACH ROW EXECUTE FUNCTION state_history_append_only();
CREATE OR REPLACE TRIGGER state_history_append_only_truncate BEFORE TRUNCATE ON state_history
    FOR EACH STATEMENT EXECUTE FUNCTION state_history_append_only();

-- physical_copy: status
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

CREATE OR REPLACE TRIGGER physical_copy_state_inserted AFTER INSERT ON physical_copy
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION physical_copy_state_inserted();
CREATE OR REPLACE TRIGGER physical_copy_state_updated AFTER UPDATE ON physical_copy
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION physical_copy_state_updated();

-- raw_data_package: status, state
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

CREATE OR REPLACE TRIGGER raw_data_package_state_inserted AFTER INSERT ON raw_data_package
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION raw_data_package_state_inserted();
CREATE OR REPLACE TRIGGER raw_data_package_state_updated AFTER UPDATE ON raw_data_package
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION raw_data_package_state_updated();

-- data_transfer_package: status
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

CREATE OR REPLACE TRIGGER data_transfer_package_state_inserted AFTER INSERT ON data_transfer_package
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION data_transfer_package_state_inserted();
CREATE OR REPLACE TRIGGER data_transfer_package_state_updated AFTER UPDATE ON data_transfer_package
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION data_transfer_package_state_updated();

-- data_transfer: status, unpack_status
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

CREATE OR REPLACE TRIGGER data_transfer_state_inserted AFTER INSERT ON data_transfer
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION data_transfer_state_inserted();
CREATE OR REPLACE TRIGGER data_transfer_state_updated AFTER UPDATE ON data_transfer
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION data_transfer_state_updated();

-- long_term_archive_transfer: status
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

CREATE OR REPLACE TRIGGER long_term_archive_transfer_state_inserted AFTER INSERT ON long_term_archive_transfer
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION long_term_archive_transfer_state_inserted();
CREATE OR REPLACE TRIGGER long_term_archive_transfer_state_updated AFTER UPDATE ON long_term_archive_transfer
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION long_term_archive_transfer_state_updated();

-- staging_job: status
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

CREATE OR REPLACE TRIGGER staging_job_state_inserted AFTER INSERT ON staging_job
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION staging_job_state_inserted();
CREATE OR REPLACE TRIGGER staging_job_state_updated AFTER UPDATE ON staging_job
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION staging_job_state_updated();

-- executed_obs_unit: status
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

CREATE OR REPLACE TRIGGER executed_obs_unit_state_inserted AFTER INSERT ON executed_obs_unit
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION executed_obs_unit_state_inserted();
CREATE OR REPLACE TRIGGER executed_obs_unit_state_updated AFTER UPDATE ON executed_obs_unit
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION executed_obs_unit_state_updated();

-- history is written by the trigger functions above (SECURITY DEFINER) alone; the rule tables
-- are the migration's
REVOKE ALL ON state_history, state_transition, state_column FROM PUBLIC;
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['opsdb_reader', 'opsdb_writer', 'opsdb_access_admin'] LOOP
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('REVOKE ALL ON state_history, state_transition, state_column FROM %I', r);
            EXECUTE format('GRANT SELECT ON state_history, state_transition, state_column TO %I', r);
        END IF;
    END LOOP;
END
$$;
-- the trigger functions run for whoever changes a state; nobody calls them directly
REVOKE ALL ON FUNCTION opsdb_refuse_transition(text, text, text, text, text, bigint) FROM PUBLIC;

