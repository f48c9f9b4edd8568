-- Least-privilege PostgreSQL roles (docs/security.md): opsdb_reader may only read (web UI,
-- reports); opsdb_writer may read and change data (daemons, instruments, the API service)
-- but runs no DDL, no TRUNCATE and deletes only from link tables. The migrating user stays
-- the owner of every object and is used for migrations only.
-- Both are NOLOGIN group roles, cluster-wide and shared by every opsdb database on the
-- server; privileges are granted per database. Give a login role one of them:
--     CREATE ROLE opsdb_ui LOGIN PASSWORD '...' IN ROLE opsdb_reader;
-- depends: 0006_copies_and_transfers

DO $$
DECLARE
    group_role text;
BEGIN
    FOREACH group_role IN ARRAY ARRAY['opsdb_reader', 'opsdb_writer'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = group_role) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', group_role);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- another database's migration created it at the same moment
            END;
        END IF;
    END LOOP;
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO opsdb_reader, opsdb_writer', current_database());
END
$$;

-- only the owner creates objects (already the default since PostgreSQL 15)
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO opsdb_reader, opsdb_writer;

-- reader: SELECT everywhere, except that token hashes stay hidden (column privileges)
GRANT SELECT ON ALL TABLES IN SCHEMA public TO opsdb_reader;
REVOKE SELECT ON api_token FROM opsdb_reader;
GRANT SELECT (id, user_account_id, name, prefix, scopes, active, expires_at, last_used_at, last_used_ip,
              usage_count, created_at, updated_at) ON api_token TO opsdb_reader;

-- writer: SELECT, INSERT, UPDATE on data; DELETE only where removing a link is the operation
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO opsdb_writer;
GRANT DELETE ON user_role, role_permission, obs_unit_instrument_module_configuration, staging_job_package
    TO opsdb_writer;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO opsdb_writer;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO opsdb_reader, opsdb_writer;

-- migration bookkeeping (yoyo's tables) belongs to the owner alone
DO $$
DECLARE
    bookkeeping regclass;
BEGIN
    FOR bookkeeping IN
        SELECT c.oid::regclass FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname ~ '^_?yoyo'
    LOOP
        EXECUTE format('REVOKE ALL ON %s FROM opsdb_writer', bookkeeping);
    END LOOP;
END
$$;

-- tables, sequences and functions that later migrations create get the same grants
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO opsdb_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE ON TABLES TO opsdb_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO opsdb_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO opsdb_reader, opsdb_writer;
