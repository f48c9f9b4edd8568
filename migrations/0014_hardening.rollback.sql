-- Back to 0013: the writer manages access again, opsdb_access_admin loses every privilege here
-- (and is dropped when no other database needs it), the integrity functions search
-- "$user", public again.
GRANT INSERT, UPDATE ON user_account, role, permission, user_role, role_permission, api_token TO opsdb_writer;
GRANT DELETE ON user_role, role_permission TO opsdb_writer;

DO $$
DECLARE
    fn regprocedure;
BEGIN
    FOR fn IN
        SELECT p.oid::regprocedure FROM pg_proc p
        WHERE p.prosecdef AND p.pronamespace = current_schema()::regnamespace
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = "$user", public', fn);
    END LOOP;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_access_admin') THEN
        REVOKE ALL ON ALL TABLES IN SCHEMA public FROM opsdb_access_admin;
        REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM opsdb_access_admin;
        REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM opsdb_access_admin;
        REVOKE ALL ON SCHEMA public FROM opsdb_access_admin;
        EXECUTE format('REVOKE ALL ON DATABASE %I FROM opsdb_access_admin', current_database());
        IF NOT EXISTS (SELECT FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                       WHERE g.rolname = 'opsdb_access_admin') THEN
            BEGIN
                DROP ROLE opsdb_access_admin;
            EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege THEN
                NULL;  -- still granted in another database (or not ours to drop): keep it
            END;
        END IF;
    END IF;
END
$$;
