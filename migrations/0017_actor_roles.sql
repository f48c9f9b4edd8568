-- Evidence only from the actor entitled to it, and hardening (issue 10, items 3 and 6;
-- docs/security.md, "Database roles").
-- 1. Per-actor NOLOGIN group roles: opsdb_instrument, opsdb_packager, opsdb_transfer_daemon,
--    opsdb_archive_daemon, opsdb_staging_daemon, opsdb_deletion_daemon, opsdb_operator. Each
--    reads through opsdb_reader and writes only the columns its work needs (column grants);
--    opsdb_actor_* triggers check what a grant cannot express (which role may make a copy
--    present or verified at which kind of location, mark a package archived, move a copy
--    through the deletion states) by role membership of current_user, so a guarded SECURITY
--    DEFINER path of the owner passes. opsdb_writer stays, as a member of every actor role:
--    the union, for simple deployments (no separation between actors).
-- 2. Claim tokens are readable only by the roles that claim that work.
-- 3. A token's usage fields change only through record_token_use / record_token_uses.
-- 4. The NOTIFY hint is skipped when the notification queue is half full: creating work never
--    fails because a wake-up hint could not be queued.
-- 5. Per-role session defaults (timeouts, connection limit) in opsdb_role_default, applied to
--    a login by CALL opsdb_apply_login_defaults('login').
-- 6. PUBLIC loses CONNECT and TEMPORARY on this database, USAGE on schema public and, when
--    the migrating user may, the large-object functions.
-- The roles may be created beforehand by a DBA (docs/security.md lists them): then the
-- migrating user needs no CREATEROLE.
-- depends: 0016_safe_deletion

-- 1. roles ------------------------------------------------------------------------------
DO $$
DECLARE
    actor text;
    membership text[];
BEGIN
    FOREACH actor IN ARRAY ARRAY['opsdb_instrument', 'opsdb_packager', 'opsdb_transfer_daemon',
                                 'opsdb_archive_daemon', 'opsdb_staging_daemon', 'opsdb_deletion_daemon',
                                 'opsdb_operator'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = actor) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', actor);
            EXCEPTION
                WHEN duplicate_object OR unique_violation THEN
                    NULL;  -- another database's migration created it at the same moment
                WHEN insufficient_privilege THEN
                    RAISE EXCEPTION 'role % does not exist and % may not create roles', actor, current_user
                        USING HINT = 'Have a DBA create the opsdb roles first (docs/security.md, "Creating the roles").';
            END;
        END IF;
    END LOOP;
    -- every actor reads through opsdb_reader; opsdb_writer is the union of the actors
    FOREACH membership SLICE 1 IN ARRAY ARRAY[
        ['opsdb_reader', 'opsdb_instrument'], ['opsdb_reader', 'opsdb_packager'],
        ['opsdb_reader', 'opsdb_transfer_daemon'], ['opsdb_reader', 'opsdb_archive_daemon'],
        ['opsdb_reader', 'opsdb_staging_daemon'], ['opsdb_reader', 'opsdb_deletion_daemon'],
        ['opsdb_reader', 'opsdb_operator'],
        ['opsdb_instrument', 'opsdb_writer'], ['opsdb_packager', 'opsdb_writer'],
        ['opsdb_transfer_daemon', 'opsdb_writer'], ['opsdb_archive_daemon', 'opsdb_writer'],
        ['opsdb_staging_daemon', 'opsdb_writer'], ['opsdb_deletion_daemon', 'opsdb_writer'],
        ['opsdb_operator', 'opsdb_writer']] LOOP
        CONTINUE WHEN EXISTS (
            SELECT FROM pg_auth_members m
            WHERE m.roleid = membership[1]::regrole AND m.member = membership[2]::regrole);
        BEGIN
            EXECUTE format('GRANT %I TO %I', membership[1], membership[2]);
        EXCEPTION
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION '% must be a member of % and % may not grant that', membership[2], membership[1], current_user
                    USING HINT = format('As a superuser: GRANT %I TO %I (docs/security.md, "Creating the roles").',
                                        membership[1], membership[2]);
            WHEN OTHERS THEN
                -- another database's migration granting it at the same moment ("tuple concurrently
                -- updated", a duplicate): fine once the membership is there
                IF NOT EXISTS (SELECT FROM pg_auth_members m
                               WHERE m.roleid = membership[1]::regrole AND m.member = membership[2]::regrole) THEN
                    RAISE;
                END IF;
        END;
    END LOOP;
END
$$;

GRANT USAGE ON SCHEMA public TO opsdb_instrument, opsdb_packager, opsdb_transfer_daemon, opsdb_archive_daemon,
    opsdb_staging_daemon, opsdb_deletion_daemon, opsdb_operator;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO opsdb_instrument, opsdb_packager, opsdb_transfer_daemon,
    opsdb_archive_daemon, opsdb_staging_daemon, opsdb_deletion_daemon, opsdb_operator;

-- 2. column grants that depend on a table's columns ---------------------------------------
-- * claim tokens: every role that reads all tables (reader, access admin) gets every column of
--   a table holding claim tokens (the six work tables, and any other table with such a column)
--   except the tokens; each daemon role gets the tokens of its own work (below).
-- * each daemon may update every column of its work table except what the item is (its keys,
--   what it moves, from and to where).
-- Column grants do not cover columns added later: a migration that adds columns to these tables
-- ends with CALL opsdb_apply_actor_grants() (docs/security.md).
CREATE OR REPLACE PROCEDURE opsdb_apply_actor_grants()
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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
REVOKE ALL ON PROCEDURE opsdb_apply_actor_grants() FROM PUBLIC, opsdb_reader, opsdb_writer;
CALL opsdb_apply_actor_grants();
GRANT SELECT (claim_token) ON raw_data_package, data_transfer_package TO opsdb_packager;
GRANT SELECT (claim_token, unpack_claim_token) ON data_transfer TO opsdb_transfer_daemon;
GRANT SELECT (claim_token) ON long_term_archive_transfer TO opsdb_archive_daemon;
GRANT SELECT (claim_token) ON staging_job TO opsdb_staging_daemon;
GRANT SELECT (claim_token) ON physical_copy TO opsdb_deletion_daemon;

-- 3. what each actor may write (column grants; the triggers below narrow them by row; the
-- work columns of each daemon's own table come from opsdb_apply_actor_grants above) --------
-- instrument: register files (a file and its copy at a SOURCE location), start and finish executions
GRANT INSERT ON raw_data_file, physical_copy, executed_obs_unit TO opsdb_instrument;
-- (registration locks modules and its location FOR KEY SHARE, which needs UPDATE on a column)
GRANT UPDATE (updated_at) ON instrument_module, data_location TO opsdb_instrument;
GRANT UPDATE (status, end_time, conditions, notes) ON executed_obs_unit TO opsdb_instrument;

-- packager: package files, build packages and bundles, put packages into bundles
GRANT INSERT ON raw_data_package, raw_data_package_metadata, data_transfer_package, physical_copy TO opsdb_packager;
GRANT UPDATE (raw_data_package_id) ON raw_data_file TO opsdb_packager;
GRANT UPDATE ON raw_data_package_metadata TO opsdb_packager;
GRANT UPDATE (status, checksum_verified_at, deleted_at) ON physical_copy TO opsdb_packager;

-- transfer daemon: create, run and unpack data transfers, log them; bundle and package copies at destinations
GRANT INSERT ON data_transfer, data_transfer_log, physical_copy TO opsdb_transfer_daemon;
GRANT UPDATE (status, checksum_verified_at, deleted_at) ON physical_copy TO opsdb_transfer_daemon;

-- archive daemon: create and run archive transfers; archive copies; packages archived
GRANT INSERT ON long_term_archive_transfer, physical_copy TO opsdb_archive_daemon;
GRANT UPDATE (status, checksum_verified_at, deleted_at) ON physical_copy TO opsdb_archive_daemon;
GRANT UPDATE (state) ON raw_data_package TO opsdb_archive_daemon;

-- staging daemon: run staging jobs; staged copies at processing locations
GRANT INSERT ON physical_copy TO opsdb_staging_daemon;
GRANT UPDATE (status, deleted_at) ON physical_copy TO opsdb_staging_daemon;

-- deletion daemon: schedule, claim, complete and fail deletions of copies
GRANT UPDATE (status, deleted_at, attempts, last_error, next_attempt_at, claimed_by, claim_token, lease_until)
    ON physical_copy TO opsdb_deletion_daemon;

-- operator: infrastructure, locations, routes, planning, staging requests
GRANT INSERT, UPDATE ON observatory, telescope, instrument, instrument_module, instrument_module_configuration,
    observation_configuration, site, data_location, data_transfer_route, observing_program,
    sub_observing_program, source, obs_mode, obs_unit, obs_unit_instrument_module_configuration
    TO opsdb_operator;
GRANT INSERT ON staging_job, staging_job_package TO opsdb_operator;
-- (a staging request may lock the copies it needs FOR SHARE, which needs UPDATE on a column)
GRANT UPDATE (updated_at) ON physical_copy TO opsdb_operator;
GRANT DELETE ON obs_unit_instrument_module_configuration, staging_job_package TO opsdb_operator;

-- the guarded deletion and evidence functions of migration 0016 (when present; it grants them
-- to opsdb_writer only): each to the actor whose job it is
DO $$
DECLARE
    grant_to text[];
BEGIN
    FOREACH grant_to SLICE 1 IN ARRAY ARRAY[
        ['opsdb_lock_deletion_backing(bigint[])', 'opsdb_deletion_daemon'],
        ['opsdb_deletable_locked(bigint[])', 'opsdb_deletion_daemon'],
        ['opsdb_claim_deletable(bigint)', 'opsdb_deletion_daemon'],
        ['opsdb_queue_file_deletions(bigint[])', 'opsdb_deletion_daemon'],
        ['opsdb_schedule_deletions(bigint[], integer)', 'opsdb_deletion_daemon'],
        ['opsdb_confirm_deletion(bigint, uuid)', 'opsdb_deletion_daemon'],
        ['opsdb_withdraw_verification(bigint)', 'opsdb_archive_daemon']] LOOP
        IF to_regprocedure(grant_to[1]) IS NOT NULL THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', to_regprocedure(grant_to[1]), grant_to[2]);
        END IF;
    END LOOP;
END
$$;

-- 4. opsdb_actor_* triggers -------------------------------------------------------------
CREATE OR REPLACE FUNCTION opsdb_actor_is_owner(tbl regclass) RETURNS boolean
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT pg_has_role(current_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = tbl), 'USAGE')
$$;

-- Whether current_user acts as `actor`: has its privileges, or the table owner's (the
-- owner's SECURITY DEFINER functions and migrations pass; so do superusers).
CREATE OR REPLACE FUNCTION opsdb_actor_is(actor text, tbl regclass) RETURNS boolean
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT pg_has_role(current_user, actor, 'USAGE') OR opsdb_actor_is_owner(tbl)
$$;

-- The actors that may put (insert, make present, verify, lose) a copy of `copy_type` at a
-- location of `location_type`: files at a SOURCE come from instruments, a long-term-archive
-- copy only from the archive daemon, a processing copy only from staging.
CREATE OR REPLACE FUNCTION opsdb_actor_may_place(location_type text, copy_type text, tbl regclass) RETURNS boolean
LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT CASE location_type
        WHEN 'source' THEN (copy_type = 'raw_data_file' AND opsdb_actor_is('opsdb_instrument', tbl))
                           OR opsdb_actor_is('opsdb_packager', tbl)
        WHEN 'buffer' THEN opsdb_actor_is('opsdb_packager', tbl) OR opsdb_actor_is('opsdb_transfer_daemon', tbl)
        WHEN 'long_term_archive' THEN opsdb_actor_is('opsdb_archive_daemon', tbl)
        WHEN 'processing' THEN opsdb_actor_is('opsdb_staging_daemon', tbl)
        ELSE opsdb_actor_is_owner(tbl)
    END
$$;

CREATE OR REPLACE FUNCTION opsdb_actor_refuse(what text, entitled text) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    RAISE insufficient_privilege USING
        MESSAGE = format('opsdb_actor: role %s may not %s (only %s may)', current_user, what, entitled),
        HINT = 'Each kind of evidence comes from the actor entitled to it (docs/security.md, "Database roles").';
END;
$$;

CREATE OR REPLACE FUNCTION opsdb_actor_check_copy_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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

CREATE OR REPLACE FUNCTION opsdb_actor_check_copy_update() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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

CREATE OR REPLACE FUNCTION opsdb_actor_check_package() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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

CREATE OR REPLACE FUNCTION opsdb_actor_check_file() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT opsdb_actor_is_owner(TG_RELID) THEN
        PERFORM opsdb_actor_refuse(
            format('change raw_data_file %s other than by packaging it once', OLD.id), 'the owner');
    END IF;
    RETURN NEW;
END;
$$;

-- A location's kind decides which copies there count as evidence (a long-term-archive copy
-- backs deletions): once created it changes only by the owner.
CREATE OR REPLACE FUNCTION opsdb_actor_check_location() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT opsdb_actor_is_owner(TG_RELID) THEN
        PERFORM opsdb_actor_refuse(format('change the kind or site of data_location %s (%s -> %s)', OLD.id,
                                          OLD.location_type, NEW.location_type), 'the owner');
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE TRIGGER opsdb_actor_data_location_update BEFORE UPDATE ON data_location
    FOR EACH ROW WHEN ((OLD.location_type, OLD.site_id) IS DISTINCT FROM (NEW.location_type, NEW.site_id))
    EXECUTE FUNCTION opsdb_actor_check_location();
CREATE OR REPLACE TRIGGER opsdb_actor_physical_copy_insert AFTER INSERT ON physical_copy
    REFERENCING NEW TABLE AS opsdb_actor_new_rows FOR EACH STATEMENT EXECUTE FUNCTION opsdb_actor_check_copy_insert();
CREATE OR REPLACE TRIGGER opsdb_actor_physical_copy_update BEFORE UPDATE ON physical_copy
    FOR EACH ROW WHEN (
        OLD.status IS DISTINCT FROM NEW.status
        OR OLD.checksum_verified_at IS DISTINCT FROM NEW.checksum_verified_at
        OR (OLD.type, OLD.raw_data_file_id, OLD.raw_data_package_id, OLD.data_transfer_package_id, OLD.data_location_id)
           IS DISTINCT FROM
           (NEW.type, NEW.raw_data_file_id, NEW.raw_data_package_id, NEW.data_transfer_package_id, NEW.data_location_id))
    EXECUTE FUNCTION opsdb_actor_check_copy_update();
CREATE OR REPLACE TRIGGER opsdb_actor_raw_data_package_insert BEFORE INSERT ON raw_data_package
    FOR EACH ROW EXECUTE FUNCTION opsdb_actor_check_package();
CREATE OR REPLACE TRIGGER opsdb_actor_raw_data_package_update BEFORE UPDATE ON raw_data_package
    FOR EACH ROW WHEN (
        OLD.state IS DISTINCT FROM NEW.state
        OR (OLD.checksum IS NOT NULL AND (OLD.checksum, OLD.checksum_algorithm, OLD.size_bytes)
                                         IS DISTINCT FROM (NEW.checksum, NEW.checksum_algorithm, NEW.size_bytes)))
    EXECUTE FUNCTION opsdb_actor_check_package();
-- a registered file never changes, except that packaging assigns it to a package once
CREATE OR REPLACE TRIGGER opsdb_actor_raw_data_file_update BEFORE UPDATE ON raw_data_file
    FOR EACH ROW WHEN (
        (OLD.id, OLD.instrument_module_id, OLD.executed_obs_unit_id, OLD.name, OLD.relative_path, OLD.size_bytes,
         OLD.checksum, OLD.checksum_algorithm, OLD.file_type, OLD.file_created_at, OLD.metadata, OLD.created_at)
        IS DISTINCT FROM
        (NEW.id, NEW.instrument_module_id, NEW.executed_obs_unit_id, NEW.name, NEW.relative_path, NEW.size_bytes,
         NEW.checksum, NEW.checksum_algorithm, NEW.file_type, NEW.file_created_at, NEW.metadata, NEW.created_at)
        OR (OLD.raw_data_package_id IS NOT NULL AND OLD.raw_data_package_id IS DISTINCT FROM NEW.raw_data_package_id))
    EXECUTE FUNCTION opsdb_actor_check_file();

-- 5. token usage only through functions that set now() and count up ----------------------
-- One use of the token with this SHA-256 hash from client_ip, recorded unless the last
-- recorded use is younger than min_interval_seconds (throttling) or another transaction is
-- recording it right now; returns the token id when recorded.
CREATE OR REPLACE FUNCTION record_token_use(token_hash text, client_ip inet, min_interval_seconds double precision DEFAULT 0)
RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE api_token
    SET last_used_at = now(), last_used_ip = client_ip, usage_count = usage_count + 1
    WHERE id = (SELECT t.id FROM api_token t
                WHERE t.token_hash = record_token_use.token_hash
                  AND (t.last_used_at IS NULL OR t.last_used_at < now() - make_interval(secs => min_interval_seconds))
                FOR NO KEY UPDATE SKIP LOCKED)
    RETURNING id
$$;

-- Uses counted in memory by a service (TokenUsage), added in one statement: counts only grow
-- (non-positive counts are ignored), a last use is never later than now() and only moves
-- forward. Rows are locked in id order (no deadlock between two flushing processes).
CREATE OR REPLACE FUNCTION record_token_uses(ids bigint[], uses bigint[], used_at timestamptz[], ips inet[])
RETURNS SETOF bigint
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

-- (0008's default privileges granted every new function to the reader and the writer)
REVOKE ALL ON FUNCTION record_token_use(text, inet, double precision) FROM PUBLIC, opsdb_reader, opsdb_writer;
REVOKE ALL ON FUNCTION record_token_uses(bigint[], bigint[], timestamptz[], inet[]) FROM PUBLIC, opsdb_reader, opsdb_writer;
GRANT EXECUTE ON FUNCTION record_token_use(text, inet, double precision) TO opsdb_writer, opsdb_access_admin,
    opsdb_instrument, opsdb_packager, opsdb_transfer_daemon, opsdb_archive_daemon, opsdb_staging_daemon,
    opsdb_deletion_daemon, opsdb_operator;
GRANT EXECUTE ON FUNCTION record_token_uses(bigint[], bigint[], timestamptz[], inet[]) TO opsdb_writer,
    opsdb_access_admin, opsdb_instrument, opsdb_packager, opsdb_transfer_daemon, opsdb_archive_daemon,
    opsdb_staging_daemon, opsdb_deletion_daemon, opsdb_operator;
REVOKE UPDATE (last_used_at, last_used_ip, usage_count) ON api_token FROM opsdb_writer;
REVOKE UPDATE ON api_token FROM opsdb_access_admin;
GRANT UPDATE (name, scopes, active, expires_at) ON api_token TO opsdb_access_admin;

-- 6. the NOTIFY hint never makes creating work fail ------------------------------------
-- PostgreSQL queues a transaction's notifications at commit and fails the COMMIT ("too many
-- notifications in the NOTIFY queue") when the queue is full: a listener stuck in a long
-- transaction, or anyone spamming NOTIFY, fills it. An exception handler here cannot catch
-- that (it happens after the trigger), so the hint is skipped while the queue is more than
-- opsdb.notify_queue_max_usage (default 0.5) full; daemons then find the work by polling.
CREATE OR REPLACE FUNCTION opsdb_notify_work() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF pg_notification_queue_usage()
       < coalesce(nullif(current_setting('opsdb.notify_queue_max_usage', true), '')::double precision, 0.5) THEN
        PERFORM pg_notify('opsdb_work', TG_ARGV[0]);
    END IF;
    RETURN NULL;
END;
$$;

-- 7. per-role session defaults (overridable) -------------------------------------------
-- Settings on a NOLOGIN group role do not reach its members' sessions, so the defaults live
-- here and opsdb_apply_login_defaults writes them onto a login (ALTER ROLE login IN DATABASE
-- ... SET, and its CONNECTION LIMIT). A login in several groups gets the most lenient value of
-- each. Change a row to change a default; ALTER ROLE on the login overrides it for that login.
CREATE TABLE IF NOT EXISTS opsdb_role_default (
    group_role text NOT NULL,
    setting    text NOT NULL CONSTRAINT opsdb_role_default_setting_valid
        CHECK (setting IN ('statement_timeout', 'idle_in_transaction_session_timeout', 'lock_timeout',
                           'connection_limit')),
    value      text NOT NULL,
    PRIMARY KEY (group_role, setting)
);
REVOKE ALL ON opsdb_role_default FROM opsdb_writer, opsdb_access_admin;
INSERT INTO opsdb_role_default (group_role, setting, value)
SELECT g, s, v FROM (VALUES
    ('opsdb_reader',          '60s',   '30s',  '5s',  '20'),
    ('opsdb_access_admin',    '30s',   '30s',  '5s',  '10'),
    ('opsdb_operator',        '5min',  '5min', '30s', '10'),
    ('opsdb_instrument',      '5min',  '60s',  '30s', '10'),
    ('opsdb_packager',        '10min', '5min', '60s', '20'),
    ('opsdb_transfer_daemon', '10min', '5min', '60s', '20'),
    ('opsdb_archive_daemon',  '10min', '5min', '60s', '20'),
    ('opsdb_staging_daemon',  '10min', '5min', '60s', '20'),
    ('opsdb_deletion_daemon', '10min', '5min', '60s', '20'),
    ('opsdb_writer',          '10min', '5min', '60s', '50')
) AS d (g, st, it, lt, cl)
CROSS JOIN LATERAL (VALUES ('statement_timeout', st), ('idle_in_transaction_session_timeout', it),
                           ('lock_timeout', lt), ('connection_limit', cl)) AS x (s, v)
ON CONFLICT DO NOTHING;

-- Write the defaults of the login's opsdb groups onto it; needs CREATEROLE (with ADMIN on the
-- login from PostgreSQL 16) or superuser: run it as the DBA who creates the login.
CREATE OR REPLACE PROCEDURE opsdb_apply_login_defaults(login text)
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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
REVOKE ALL ON PROCEDURE opsdb_apply_login_defaults(text) FROM PUBLIC, opsdb_reader, opsdb_writer;

-- logins that exist already get their defaults now, where the migrating user may alter them
DO $$
DECLARE
    login text;
BEGIN
    FOR login IN
        SELECT DISTINCT r.rolname FROM pg_roles r
        WHERE r.rolcanlogin AND NOT r.rolsuper
          AND EXISTS (SELECT FROM opsdb_role_default d JOIN pg_roles g ON g.rolname = d.group_role
                      WHERE pg_has_role(r.oid, g.oid, 'MEMBER'))
    LOOP
        BEGIN
            CALL opsdb_apply_login_defaults(login);
        EXCEPTION WHEN OTHERS THEN  -- e.g. no privilege on that login, or it was just dropped
            RAISE NOTICE 'opsdb: no session defaults written for login % (%); a DBA may CALL opsdb_apply_login_defaults(%)',
                login, SQLERRM, quote_literal(login);
        END;
    END LOOP;
END
$$;

-- 8. what PUBLIC loses on this database ------------------------------------------------
-- Database privileges are not copied by CREATE DATABASE ... TEMPLATE: call this procedure (as
-- the database's owner) in a database made from an opsdb template.
CREATE OR REPLACE PROCEDURE opsdb_apply_database_privileges()
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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
REVOKE ALL ON PROCEDURE opsdb_apply_database_privileges() FROM PUBLIC, opsdb_reader, opsdb_writer;
CALL opsdb_apply_database_privileges();

DO $$
DECLARE
    fn text;
BEGIN
    -- large objects: no opsdb role stores any; only a superuser may revoke these (per database)
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        FOREACH fn IN ARRAY ARRAY['lo_creat(integer)', 'lo_create(oid)', 'lo_from_bytea(oid, bytea)',
                                  'lo_put(oid, bigint, bytea)', 'lowrite(integer, bytea)', 'lo_open(oid, integer)',
                                  'lo_unlink(oid)', 'lo_truncate(integer, integer)', 'lo_truncate64(integer, bigint)',
                                  'lo_get(oid)', 'lo_get(oid, bigint, integer)', 'loread(integer, integer)',
                                  'lo_import(text)', 'lo_import(text, oid)', 'lo_export(oid, text)'] LOOP
            EXECUTE format('REVOKE EXECUTE ON FUNCTION pg_catalog.%s FROM PUBLIC', fn);
        END LOOP;
    ELSE
        RAISE NOTICE 'opsdb: large-object functions stay executable by PUBLIC (only a superuser may revoke them;'
            ' docs/security.md, "Creating the roles")';
    END IF;
END
$$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO opsdb_reader, opsdb_writer, opsdb_access_admin;
REVOKE USAGE ON SCHEMA public FROM PUBLIC;

