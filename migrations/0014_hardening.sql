-- Hardening found by review (docs/security.md):
-- 1. The SECURITY DEFINER integrity functions (0004, 0006, 0010) kept `SET search_path FROM
--    CURRENT`, i.e. "$user", public, which searches pg_temp first: a writer (who may create
--    temporary tables, for COPY staging) could shadow instrument_module & co. with a temporary
--    table and have a dangling reference accepted. They now search this schema, then pg_temp.
-- 2. opsdb_writer (daemons, instruments) could INSERT and UPDATE the access tables, i.e. mint a
--    token with every scope for an admin user. It keeps SELECT there (token verification) and
--    may only record a token's use; managing users, roles and tokens needs the new group role
--    opsdb_access_admin (the API service's login, together with opsdb_writer).
-- depends: 0013_path_bytes

DO $$
DECLARE
    fn regprocedure;
BEGIN
    FOR fn IN
        SELECT p.oid::regprocedure FROM pg_proc p
        WHERE p.prosecdef AND p.pronamespace = current_schema()::regnamespace
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', fn, current_schema());
    END LOOP;
END
$$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_access_admin') THEN
        BEGIN
            CREATE ROLE opsdb_access_admin NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- another database's migration created it at the same moment
        END;
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO opsdb_access_admin', current_database());
END
$$;
GRANT USAGE ON SCHEMA public TO opsdb_access_admin;

REVOKE INSERT, UPDATE, DELETE ON user_account, role, permission, user_role, role_permission, api_token
    FROM opsdb_writer;
GRANT UPDATE (last_used_at, last_used_ip, usage_count) ON api_token TO opsdb_writer;

GRANT SELECT ON ALL TABLES IN SCHEMA public TO opsdb_access_admin;
GRANT INSERT, UPDATE ON user_account, role, permission, user_role, role_permission, api_token TO opsdb_access_admin;
GRANT DELETE ON user_role, role_permission TO opsdb_access_admin;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO opsdb_access_admin;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO opsdb_access_admin;
DO $$
DECLARE
    bookkeeping regclass;
BEGIN
    FOR bookkeeping IN
        SELECT c.oid::regclass FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname ~ '^_?yoyo'
    LOOP
        EXECUTE format('REVOKE ALL ON %s FROM opsdb_access_admin', bookkeeping);
    END LOOP;
END
$$;
