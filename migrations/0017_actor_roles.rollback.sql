-- Back to 0014: no per-actor roles or opsdb_actor_* triggers, claim tokens and token usage
-- writable as before, the NOTIFY hint unguarded, PUBLIC's database privileges back. The actor
-- roles lose every privilege here and are dropped when no other database needs them; session
-- defaults already written onto logins stay (ALTER ROLE ... IN DATABASE ... RESET ALL clears them).
DROP TRIGGER IF EXISTS opsdb_actor_physical_copy_insert ON physical_copy;
DROP TRIGGER IF EXISTS opsdb_actor_physical_copy_update ON physical_copy;
DROP TRIGGER IF EXISTS opsdb_actor_raw_data_package_insert ON raw_data_package;
DROP TRIGGER IF EXISTS opsdb_actor_raw_data_package_update ON raw_data_package;
DROP TRIGGER IF EXISTS opsdb_actor_raw_data_file_update ON raw_data_file;
DROP TRIGGER IF EXISTS opsdb_actor_data_location_update ON data_location;
DROP FUNCTION IF EXISTS opsdb_actor_check_location();
DROP FUNCTION IF EXISTS opsdb_actor_check_copy_insert();
DROP FUNCTION IF EXISTS opsdb_actor_check_copy_update();
DROP FUNCTION IF EXISTS opsdb_actor_check_package();
DROP FUNCTION IF EXISTS opsdb_actor_check_file();
DROP FUNCTION IF EXISTS opsdb_actor_refuse(text, text);
DROP FUNCTION IF EXISTS opsdb_actor_may_place(text, text, regclass);
DROP FUNCTION IF EXISTS opsdb_actor_is(text, regclass);
DROP FUNCTION IF EXISTS opsdb_actor_is_owner(regclass);

DROP FUNCTION IF EXISTS record_token_use(text, inet, double precision);
DROP FUNCTION IF EXISTS record_token_uses(bigint[], bigint[], timestamptz[], inet[]);
GRANT UPDATE (last_used_at, last_used_ip, usage_count) ON api_token TO opsdb_writer;
REVOKE UPDATE (name, scopes, active, expires_at) ON api_token FROM opsdb_access_admin;
GRANT UPDATE ON api_token TO opsdb_access_admin;

CREATE OR REPLACE FUNCTION opsdb_notify_work() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('opsdb_work', TG_ARGV[0]);
    RETURN NULL;
END;
$$;
ALTER FUNCTION opsdb_notify_work() RESET search_path;

DROP PROCEDURE IF EXISTS opsdb_apply_login_defaults(text);
DROP PROCEDURE IF EXISTS opsdb_apply_database_privileges();
DROP PROCEDURE IF EXISTS opsdb_apply_actor_grants();
DROP TABLE IF EXISTS opsdb_role_default;

GRANT SELECT ON raw_data_package, data_transfer_package, data_transfer, long_term_archive_transfer, staging_job,
    physical_copy TO opsdb_reader, opsdb_access_admin;
DO $$
DECLARE
    holder regclass;
BEGIN
    FOR holder IN
        SELECT DISTINCT a.attrelid::regclass FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
          AND a.attname IN ('claim_token', 'unpack_claim_token') AND NOT a.attisdropped
    LOOP
        EXECUTE format('GRANT SELECT ON %s TO opsdb_reader', holder);
    END LOOP;
END
$$;

GRANT USAGE ON SCHEMA public TO PUBLIC;
DO $$
DECLARE
    fn text;
    actor text;
BEGIN
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO PUBLIC', current_database());
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO opsdb_reader', current_database());
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        FOREACH fn IN ARRAY ARRAY['lo_creat(integer)', 'lo_create(oid)', 'lo_from_bytea(oid, bytea)',
                                  'lo_put(oid, bigint, bytea)', 'lowrite(integer, bytea)', 'lo_open(oid, integer)',
                                  'lo_unlink(oid)', 'lo_truncate(integer, integer)', 'lo_truncate64(integer, bigint)',
                                  'lo_get(oid)', 'lo_get(oid, bigint, integer)', 'loread(integer, integer)'] LOOP
            EXECUTE format('GRANT EXECUTE ON FUNCTION pg_catalog.%s TO PUBLIC', fn);
        END LOOP;
    END IF;
    FOREACH actor IN ARRAY ARRAY['opsdb_instrument', 'opsdb_packager', 'opsdb_transfer_daemon',
                                 'opsdb_archive_daemon', 'opsdb_staging_daemon', 'opsdb_deletion_daemon',
                                 'opsdb_operator'] LOOP
        CONTINUE WHEN NOT EXISTS (SELECT FROM pg_roles WHERE rolname = actor);
        EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', actor);
        EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I', actor);
        EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA public FROM %I', actor);
        EXECUTE format('REVOKE ALL ON SCHEMA public FROM %I', actor);
        EXECUTE format('REVOKE ALL ON DATABASE %I FROM %I', current_database(), actor);
        -- still a member of something other than the reader, or has members other than the writer: keep it
        CONTINUE WHEN EXISTS (
            SELECT FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member
            WHERE g.rolname = actor AND r.rolname <> 'opsdb_writer');
        BEGIN
            EXECUTE format('DROP ROLE %I', actor);
        EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege THEN
            NULL;  -- still granted in another database (or not ours to drop): keep it
        END;
    END LOOP;
END
$$;
