-- Rules by hand (session 8, helper h3): holes an adversarial review found by logging in as each
-- actor role and sending SQL by hand (tests/test_rules_by_hand.py; docs/security.md, "Rules by hand").
--
-- 1. A file joins only a package that is not built yet. Any role with INSERT on raw_data_file (the
--    instrument) could register a file straight into an ARCHIVED package, and the packager (or the
--    writer) could file unpackaged files into one: the file's copies then counted as archive-backed
--    (rule 2 judges a file copy by its package), and an honest deletion daemon scheduled and
--    claimed the only copies of files the archive never held. Now a file may be put into a package
--    (at INSERT or by its one packaging UPDATE) only while that package waits to be built: state
--    'waiting', build status 'pending' or 'scheduled' (not yet claimed, so the builder reads the
--    file list after the file joined), no checksum recorded. The packages are locked FOR SHARE and
--    judged on their latest version, so a build claim or completion racing the filing is either
--    waited for and seen, or waits for the filing. The table owner (restores, fixtures, repairs)
--    passes, as in 0017's actor triggers.
-- 2. opsdb_rebuild_copy_counters() runs as the owner and takes a SHARE lock on physical_copy: any
--    login (PUBLIC held EXECUTE) could stop every copy write for as long as it kept its transaction
--    open (a reader may SET its own idle timeout off). EXECUTE is now the owner's only, as 0023 did
--    for opsdb_rebuild_state_counters(); folding the deltas stays open.
-- 3. What a work item is, and where it lies, is fixed once made: the columns 0017's
--    opsdb_apply_actor_grants keeps from every daemon (a package's name, relative path, execution,
--    module and origin; a bundle's name, path and origin; a transfer's bundle, route, method, origin
--    and destination; an archive transfer's package, origin and destination; a staging job's user and
--    destination). No actor role has UPDATE on them, but opsdb_writer had (0008's table-wide UPDATE):
--    it could re-point an archived package, and so its archive copies, at other bytes, or move an
--    unfinished archive transfer's origin so that the buffer copy it reads from no longer held
--    (rule 3).
-- 4. A location that holds copies (any status but deleted and lost) keeps where it is: its storage
--    type, host, root path, endpoint, bucket, prefix, region, tape library and media pool. 0017 fixed
--    only its kind and site; the operator could move an archive's root and every copy's evidence
--    with it. Name, priority and active stay the operator's. Empty (or emptied) locations may be
--    reconfigured; moving live storage is the owner's deliberate repair.
-- 5. Every change of a copy's verification that comes without a status change is in state_history
--    (checksum_verified_at: unverified -> verified, verified -> unverified), whoever sends it. Only
--    opsdb_withdraw_verification wrote such a row; the archive daemon's (or writer's) direct
--    UPDATE of checksum_verified_at withdrew or forged a verification without any trace. The trigger
--    now writes the row (the same columns the function wrote), and the function no longer writes
--    its own. Status changes (lost, corrupt, deleted, present again) keep their 0015 rows. The
--    function (run as the owner) now also checks that the role in effect may change that copy's
--    verification: the archive daemon withdrew buffer copies' verifications through it.
-- 6. What a staging job stages is fixed once the job left 'pending': the operator (DELETE) and the
--    writer (DELETE, UPDATE) could take a package out of a running or completed job, and with it
--    the hold of rules 4 and 7 (an active job holds its packages' source and buffer copies; a
--    completed job's retention holds the staged copy). Adding packages stays open (it only holds
--    more); the owner passes.
-- 7. operator_action is an audit trail: its rows are no longer rewritable (opsdb_writer held UPDATE
--    through 0008's default privileges) and each new row records who really sent it: db_role (the
--    role in effect, as state_history has it) and session_role (the login), whatever `actor` the
--    client names; `at` is the transaction's time for every role but the owner (a client could
--    back-date its row). Rows from before 0031 keep NULL there. data_transfer_log, appended to only,
--    is no longer rewritable by the writer either.

-- depends: 0030_deletion_completion

-- 1 -------------------------------------------------------------------------------------------

-- the first of `packages` a file may not join, judged after locking them all (FOR SHARE in id
-- order: a build claim or completion in flight is waited for and seen). Runs as the owner because
-- FOR SHARE needs UPDATE on the package, which an instrument does not hold; only the roles that
-- write raw_data_file may call it (a reader could otherwise hold package locks).
CREATE OR REPLACE FUNCTION opsdb_rules_unopen_package(packages bigint[])
RETURNS TABLE (package_id bigint, state text, status text, built boolean)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
REVOKE ALL ON FUNCTION opsdb_rules_unopen_package(bigint[]) FROM PUBLIC, opsdb_reader;  -- default privileges gave it
GRANT EXECUTE ON FUNCTION opsdb_rules_unopen_package(bigint[]) TO opsdb_instrument, opsdb_packager, opsdb_writer;

CREATE OR REPLACE FUNCTION opsdb_rules_refuse_unopen_packages(files uuid[], packages bigint[]) RETURNS void
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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

CREATE OR REPLACE FUNCTION opsdb_rules_file_inserted() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT opsdb_actor_is_owner(TG_RELID) THEN
        PERFORM opsdb_rules_refuse_unopen_packages(ARRAY[NEW.id], ARRAY[NEW.raw_data_package_id]);
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION opsdb_rules_files_packaged() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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

-- registration sends no package: the WHEN clause keeps the hot path free of any call
CREATE OR REPLACE TRIGGER opsdb_rules_raw_data_file_insert BEFORE INSERT ON raw_data_file
    FOR EACH ROW WHEN (NEW.raw_data_package_id IS NOT NULL) EXECUTE FUNCTION opsdb_rules_file_inserted();
-- the UPDATE's transition tables exist already (raw_data_file_packaged_queue): one join per statement
CREATE OR REPLACE TRIGGER opsdb_rules_raw_data_file_packaged AFTER UPDATE ON raw_data_file
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_rules_files_packaged();

-- 2 -------------------------------------------------------------------------------------------

REVOKE ALL ON FUNCTION opsdb_rebuild_copy_counters() FROM PUBLIC, opsdb_reader, opsdb_writer;

-- 3 -------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION opsdb_rules_check_identity() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT opsdb_actor_is_owner(TG_RELID) THEN
        PERFORM opsdb_actor_refuse(
            format('change what %s %s is (its name, path, keys, origin or destination)', TG_TABLE_NAME, OLD.id),
            'the owner');
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE TRIGGER opsdb_rules_raw_data_package_identity BEFORE UPDATE ON raw_data_package
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.relative_path IS DISTINCT FROM NEW.relative_path
                       OR OLD.executed_obs_unit_id IS DISTINCT FROM NEW.executed_obs_unit_id
                       OR OLD.instrument_module_id IS DISTINCT FROM NEW.instrument_module_id
                       OR OLD.origin_location_id IS DISTINCT FROM NEW.origin_location_id)
    EXECUTE FUNCTION opsdb_rules_check_identity();
CREATE OR REPLACE TRIGGER opsdb_rules_data_transfer_package_identity BEFORE UPDATE ON data_transfer_package
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.relative_path IS DISTINCT FROM NEW.relative_path
                       OR OLD.origin_location_id IS DISTINCT FROM NEW.origin_location_id)
    EXECUTE FUNCTION opsdb_rules_check_identity();
CREATE OR REPLACE TRIGGER opsdb_rules_data_transfer_identity BEFORE UPDATE ON data_transfer
    FOR EACH ROW WHEN (OLD.data_transfer_package_id IS DISTINCT FROM NEW.data_transfer_package_id
                       OR OLD.data_transfer_route_id IS DISTINCT FROM NEW.data_transfer_route_id
                       OR OLD.method IS DISTINCT FROM NEW.method
                       OR OLD.origin_location_id IS DISTINCT FROM NEW.origin_location_id
                       OR OLD.destination_location_id IS DISTINCT FROM NEW.destination_location_id)
    EXECUTE FUNCTION opsdb_rules_check_identity();
CREATE OR REPLACE TRIGGER opsdb_rules_long_term_archive_transfer_identity BEFORE UPDATE ON long_term_archive_transfer
    FOR EACH ROW WHEN (OLD.raw_data_package_id IS DISTINCT FROM NEW.raw_data_package_id
                       OR OLD.origin_location_id IS DISTINCT FROM NEW.origin_location_id
                       OR OLD.destination_location_id IS DISTINCT FROM NEW.destination_location_id)
    EXECUTE FUNCTION opsdb_rules_check_identity();
CREATE OR REPLACE TRIGGER opsdb_rules_staging_job_identity BEFORE UPDATE ON staging_job
    FOR EACH ROW WHEN (OLD.user_account_id IS DISTINCT FROM NEW.user_account_id
                       OR OLD.destination_location_id IS DISTINCT FROM NEW.destination_location_id)
    EXECUTE FUNCTION opsdb_rules_check_identity();

-- 4 -------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION opsdb_rules_check_location_place() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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

CREATE OR REPLACE TRIGGER opsdb_rules_data_location_place BEFORE UPDATE ON data_location
    FOR EACH ROW WHEN (OLD.type IS DISTINCT FROM NEW.type OR OLD.host IS DISTINCT FROM NEW.host
                       OR OLD.root_path IS DISTINCT FROM NEW.root_path
                       OR OLD.endpoint_url IS DISTINCT FROM NEW.endpoint_url
                       OR OLD.bucket IS DISTINCT FROM NEW.bucket OR OLD.prefix IS DISTINCT FROM NEW.prefix
                       OR OLD.region IS DISTINCT FROM NEW.region
                       OR OLD.library_name IS DISTINCT FROM NEW.library_name
                       OR OLD.media_pool IS DISTINCT FROM NEW.media_pool)
    EXECUTE FUNCTION opsdb_rules_check_location_place();

-- 5 -------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION opsdb_rules_record_verification() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
REVOKE ALL ON FUNCTION opsdb_rules_record_verification() FROM PUBLIC, opsdb_reader, opsdb_writer;

-- only statements that set checksum_verified_at call it, and only for a row whose verification
-- appeared or went while its status stayed (the claim, schedule and completion never do)
CREATE OR REPLACE TRIGGER opsdb_rules_physical_copy_verification AFTER UPDATE OF checksum_verified_at ON physical_copy
    FOR EACH ROW WHEN (OLD.status = NEW.status
                       AND (OLD.checksum_verified_at IS NULL) <> (NEW.checksum_verified_at IS NULL))
    EXECUTE FUNCTION opsdb_rules_record_verification();

-- the withdrawal's row now comes from the trigger (same columns, same values); and the function,
-- which runs as the owner (0017's actor triggers then see the owner), checks itself that the role
-- in effect may change that copy's verification: the archive daemon could withdraw a buffer copy's
-- verification through it, which 0017 refuses it by direct UPDATE
CREATE OR REPLACE FUNCTION opsdb_withdraw_verification(copy_id bigint)
RETURNS TABLE (previous timestamptz, locked_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

-- 6 -------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION opsdb_rules_check_staging_link() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
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

CREATE OR REPLACE TRIGGER opsdb_rules_staging_job_package_fixed BEFORE DELETE OR UPDATE ON staging_job_package
    FOR EACH ROW EXECUTE FUNCTION opsdb_rules_check_staging_link();

-- 7 -------------------------------------------------------------------------------------------

ALTER TABLE operator_action ADD COLUMN IF NOT EXISTS db_role text, ADD COLUMN IF NOT EXISTS session_role text;
COMMENT ON COLUMN operator_action.db_role IS 'the role the INSERT ran as (SET ROLE, else the login); NULL before 0031';
COMMENT ON COLUMN operator_action.session_role IS 'the login that sent the INSERT; NULL before 0031';

CREATE OR REPLACE FUNCTION opsdb_rules_operator_action_inserted() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    NEW.db_role := opsdb_acting_role();
    NEW.session_role := session_user;
    IF NOT opsdb_actor_is_owner(TG_RELID) THEN
        NEW.at := now();
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE TRIGGER opsdb_rules_operator_action_insert BEFORE INSERT ON operator_action
    FOR EACH ROW EXECUTE FUNCTION opsdb_rules_operator_action_inserted();

REVOKE UPDATE, DELETE, TRUNCATE ON operator_action FROM PUBLIC, opsdb_writer, opsdb_operator;
-- the transfer log is appended to only (sql/transfers.sql, sql/work.sql); the writer rewrote it too
REVOKE UPDATE, DELETE, TRUNCATE ON data_transfer_log FROM PUBLIC, opsdb_writer;
