-- Take every privilege of opsdb_reader and opsdb_writer in this database. The roles
-- themselves are dropped only when nothing else needs them: no member (login) roles and no
-- privileges in another database (DROP ROLE then fails and is skipped).
DO $$
DECLARE
    group_role text;
BEGIN
    FOREACH group_role IN ARRAY ARRAY['opsdb_reader', 'opsdb_writer'] LOOP
        CONTINUE WHEN NOT EXISTS (SELECT FROM pg_roles WHERE rolname = group_role);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM %I', group_role);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM %I', group_role);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON FUNCTIONS FROM %I', group_role);
        EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', group_role);
        EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I', group_role);
        EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM %I', group_role);
        EXECUTE format('REVOKE ALL ON SCHEMA public FROM %I', group_role);
        EXECUTE format('REVOKE ALL ON DATABASE %I FROM %I', current_database(), group_role);
        CONTINUE WHEN EXISTS (
            SELECT FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = group_role
        );
        BEGIN
            EXECUTE format('DROP ROLE %I', group_role);
        EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege THEN
            NULL;  -- still granted in another database (or not ours to drop): keep it
        END;
    END LOOP;
END
$$;
