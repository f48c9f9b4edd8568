-- Where data physically exists (physical_copy: one table, discriminated by "type"), and
-- the work that moves it: data transfers (+ logs), long-term-archive transfers, staging.
-- depends: 0004_execution_and_data 0005_access

CREATE TABLE IF NOT EXISTS physical_copy (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type                     text NOT NULL CONSTRAINT physical_copy_type_valid
        CHECK (type IN ('raw_data_file', 'raw_data_package', 'data_transfer_package')),
    -- references: raw_data_file, raw_data_package, data_transfer_package, data_location
    -- (enforced by triggers below, see opsdb_restrict_referenced in 0004)
    raw_data_file_id         uuid,
    raw_data_package_id      bigint,
    data_transfer_package_id bigint,
    data_location_id         bigint NOT NULL,
    status                   text NOT NULL DEFAULT 'present' CONSTRAINT physical_copy_status_valid
        CHECK (status IN ('present', 'staged', 'deletion_scheduled', 'deletion_in_progress',
                          'deletion_possible', 'deleted', 'deletion_failed')),
    checksum_verified_at     timestamptz,
    deleted_at               timestamptz,
    -- deletion is claimable work
    attempts                 integer NOT NULL DEFAULT 0 CONSTRAINT physical_copy_attempts_nonnegative CHECK (attempts >= 0),
    max_attempts             integer NOT NULL DEFAULT 4 CONSTRAINT physical_copy_max_attempts_positive CHECK (max_attempts > 0),
    last_error               text,
    next_attempt_at          timestamptz,
    claimed_by               text,
    claim_token              uuid,
    lease_until              timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT physical_copy_type_columns CHECK (
        (type = 'raw_data_file') = (raw_data_file_id IS NOT NULL)
        AND (type = 'raw_data_package') = (raw_data_package_id IS NOT NULL)
        AND (type = 'data_transfer_package') = (data_transfer_package_id IS NOT NULL)),
    CONSTRAINT physical_copy_deleted_at_iff_deleted CHECK ((status = 'deleted') = (deleted_at IS NOT NULL)),
    CONSTRAINT physical_copy_claim_columns CHECK (
        status <> 'deletion_in_progress' OR (claim_token IS NOT NULL AND lease_until IS NOT NULL AND claimed_by IS NOT NULL))
);
-- one copy per (item, location). The file index is not partial: rows of other types have a NULL
-- raw_data_file_id (never equal), so it is just as unique, and the foreign-key check run when a
-- raw_data_file row is deleted (raw_data_file_id = $1, no type) can use it instead of scanning
-- every copy. ON CONFLICT (raw_data_file_id, data_location_id) WHERE type = 'raw_data_file'
-- still infers it (docs/performance.md).
CREATE UNIQUE INDEX IF NOT EXISTS physical_copy_file_location_key
    ON physical_copy (raw_data_file_id, data_location_id);
CREATE UNIQUE INDEX IF NOT EXISTS physical_copy_package_location_key
    ON physical_copy (raw_data_package_id, data_location_id) WHERE type = 'raw_data_package';
CREATE UNIQUE INDEX IF NOT EXISTS physical_copy_dtp_location_key
    ON physical_copy (data_transfer_package_id, data_location_id) WHERE type = 'data_transfer_package';
-- deletion work and package/bundle copies per location (file copies stay out: they are the bulk)
CREATE INDEX IF NOT EXISTS physical_copy_deletion_work_idx ON physical_copy (next_attempt_at)
    WHERE status IN ('deletion_scheduled', 'deletion_in_progress');
CREATE INDEX IF NOT EXISTS physical_copy_location_status_idx ON physical_copy (data_location_id, status)
    WHERE type <> 'raw_data_file';

-- physical_copy's references, enforced by triggers (see 0004: opsdb_restrict_referenced and
-- raw_data_file_check_inserted) under the names the foreign keys had
CREATE OR REPLACE FUNCTION physical_copy_check_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    missing text[];
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
    -- one query (one executor start) for the four references
    SELECT ARRAY[
           (SELECT d.id FROM (SELECT DISTINCT raw_data_file_id AS id FROM new_rows WHERE raw_data_file_id IS NOT NULL) d
            WHERE (SELECT true FROM raw_data_file p WHERE p.id = d.id) IS NULL LIMIT 1),
           (SELECT d.id FROM (SELECT DISTINCT raw_data_package_id AS id FROM new_rows WHERE raw_data_package_id IS NOT NULL) d
            WHERE (SELECT true FROM raw_data_package p WHERE p.id = d.id) IS NULL LIMIT 1),
           (SELECT d.id FROM (SELECT DISTINCT data_transfer_package_id AS id FROM new_rows WHERE data_transfer_package_id IS NOT NULL) d
            WHERE (SELECT true FROM data_transfer_package p WHERE p.id = d.id) IS NULL LIMIT 1),
           (SELECT d.id FROM (SELECT DISTINCT data_location_id AS id FROM new_rows WHERE data_location_id IS NOT NULL) d
            WHERE (SELECT true FROM data_location p WHERE p.id = d.id) IS NULL LIMIT 1)]::text[]
      INTO missing;
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
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION physical_copy_check_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
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

CREATE OR REPLACE TRIGGER physical_copy_references_inserted AFTER INSERT ON physical_copy
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION physical_copy_check_inserted();
CREATE OR REPLACE TRIGGER physical_copy_references_updated AFTER UPDATE OF raw_data_file_id, raw_data_package_id, data_transfer_package_id, data_location_id ON physical_copy
    FOR EACH ROW WHEN ((OLD.raw_data_file_id, OLD.raw_data_package_id, OLD.data_transfer_package_id, OLD.data_location_id) IS DISTINCT FROM (NEW.raw_data_file_id, NEW.raw_data_package_id, NEW.data_transfer_package_id, NEW.data_location_id))
    EXECUTE FUNCTION physical_copy_check_updated();
-- ... and the referenced side (the type condition lets the per-type unique index serve the lookup)
CREATE OR REPLACE TRIGGER raw_data_file_physical_copy_restrict AFTER DELETE ON raw_data_file
    FOR EACH ROW EXECUTE FUNCTION opsdb_restrict_referenced(
        'physical_copy', 'raw_data_file_id', 'physical_copy_raw_data_file_id_fkey', 'true');
CREATE OR REPLACE TRIGGER raw_data_file_physical_copy_restrict_update AFTER UPDATE OF id ON raw_data_file
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION opsdb_restrict_referenced(
        'physical_copy', 'raw_data_file_id', 'physical_copy_raw_data_file_id_fkey', 'true');
CREATE OR REPLACE TRIGGER raw_data_file_physical_copy_restrict_truncate AFTER TRUNCATE ON raw_data_file
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_restrict_referenced(
        'physical_copy', 'raw_data_file_id', 'physical_copy_raw_data_file_id_fkey', 'true');
CREATE OR REPLACE TRIGGER raw_data_package_physical_copy_restrict AFTER DELETE ON raw_data_package
    FOR EACH ROW EXECUTE FUNCTION opsdb_restrict_referenced(
        'physical_copy', 'raw_data_package_id', 'physical_copy_raw_data_package_id_fkey', 'type = ''raw_data_package''');
CREATE OR REPLACE TRIGGER raw_data_package_physical_copy_restrict_update AFTER UPDATE OF id ON raw_data_package
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION opsdb_restrict_referenced(
        'physical_copy', 'raw_data_package_id', 'physical_copy_raw_data_package_id_fkey', 'type = ''raw_data_package''');
CREATE OR REPLACE TRIGGER raw_data_package_physical_copy_restrict_truncate AFTER TRUNCATE ON raw_data_package
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_restrict_referenced(
        'physical_copy', 'raw_data_package_id', 'physical_copy_raw_data_package_id_fkey', 'type = ''raw_data_package''');
CREATE OR REPLACE TRIGGER data_transfer_package_physical_copy_restrict AFTER DELETE ON data_transfer_package
    FOR EACH ROW EXECUTE FUNCTION opsdb_restrict_referenced(
        'physical_copy', 'data_transfer_package_id', 'physical_copy_data_transfer_package_id_fkey', 'type = ''data_transfer_package''');
CREATE OR REPLACE TRIGGER data_transfer_package_physical_copy_restrict_update AFTER UPDATE OF id ON data_transfer_package
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION opsdb_restrict_referenced(
        'physical_copy', 'data_transfer_package_id', 'physical_copy_data_transfer_package_id_fkey', 'type = ''data_transfer_package''');
CREATE OR REPLACE TRIGGER data_transfer_package_physical_copy_restrict_truncate AFTER TRUNCATE ON data_transfer_package
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_restrict_referenced(
        'physical_copy', 'data_transfer_package_id', 'physical_copy_data_transfer_package_id_fkey', 'type = ''data_transfer_package''');
CREATE OR REPLACE TRIGGER data_location_physical_copy_restrict AFTER DELETE ON data_location
    FOR EACH ROW EXECUTE FUNCTION opsdb_restrict_referenced(
        'physical_copy', 'data_location_id', 'physical_copy_data_location_id_fkey', 'true');
CREATE OR REPLACE TRIGGER data_location_physical_copy_restrict_update AFTER UPDATE OF id ON data_location
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION opsdb_restrict_referenced(
        'physical_copy', 'data_location_id', 'physical_copy_data_location_id_fkey', 'true');
CREATE OR REPLACE TRIGGER data_location_physical_copy_restrict_truncate AFTER TRUNCATE ON data_location
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_restrict_referenced(
        'physical_copy', 'data_location_id', 'physical_copy_data_location_id_fkey', 'true');

CREATE TABLE IF NOT EXISTS data_transfer (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    data_transfer_package_id bigint NOT NULL REFERENCES data_transfer_package (id) ON DELETE RESTRICT,
    data_transfer_route_id   bigint REFERENCES data_transfer_route (id) ON DELETE SET NULL,
    origin_location_id       bigint NOT NULL REFERENCES data_location (id) ON DELETE RESTRICT,
    destination_location_id  bigint NOT NULL REFERENCES data_location (id) ON DELETE RESTRICT,
    method                   text NOT NULL DEFAULT 'bbcp' CONSTRAINT data_transfer_method_nonempty CHECK (method <> ''),
    status                   text NOT NULL DEFAULT 'pending' CONSTRAINT data_transfer_status_valid
        CHECK (status IN ('pending', 'scheduled', 'in_progress', 'completed', 'failed')),
    attempts                 integer NOT NULL DEFAULT 0 CONSTRAINT data_transfer_attempts_nonnegative CHECK (attempts >= 0),
    max_attempts             integer NOT NULL DEFAULT 4 CONSTRAINT data_transfer_max_attempts_positive CHECK (max_attempts > 0),
    last_error               text,
    next_attempt_at          timestamptz NOT NULL DEFAULT now(),
    claimed_by               text,
    claim_token              uuid,
    lease_until              timestamptz,
    started_at               timestamptz,
    completed_at             timestamptz,
    -- unpacking at the destination is its own claimable step, retried without re-transferring
    unpack_status            text NOT NULL DEFAULT 'pending' CONSTRAINT data_transfer_unpack_status_valid
        CHECK (unpack_status IN ('pending', 'scheduled', 'in_progress', 'completed', 'failed')),
    unpack_attempts          integer NOT NULL DEFAULT 0 CONSTRAINT data_transfer_unpack_attempts_nonnegative CHECK (unpack_attempts >= 0),
    unpack_max_attempts      integer NOT NULL DEFAULT 4 CONSTRAINT data_transfer_unpack_max_attempts_positive CHECK (unpack_max_attempts > 0),
    unpack_last_error        text,
    unpack_next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    unpack_claimed_by        text,
    unpack_claim_token       uuid,
    unpack_lease_until       timestamptz,
    unpacked_at              timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT data_transfer_package_destination_key UNIQUE (data_transfer_package_id, destination_location_id),
    CONSTRAINT data_transfer_distinct_locations CHECK (origin_location_id <> destination_location_id),
    CONSTRAINT data_transfer_unpack_after_transfer CHECK (unpack_status = 'pending' OR status = 'completed'),
    CONSTRAINT data_transfer_claim_columns CHECK (
        status <> 'in_progress' OR (claim_token IS NOT NULL AND lease_until IS NOT NULL AND claimed_by IS NOT NULL)),
    CONSTRAINT data_transfer_unpack_claim_columns CHECK (
        unpack_status <> 'in_progress'
        OR (unpack_claim_token IS NOT NULL AND unpack_lease_until IS NOT NULL AND unpack_claimed_by IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS data_transfer_work_idx ON data_transfer (next_attempt_at)
    WHERE status IN ('pending', 'in_progress');
CREATE INDEX IF NOT EXISTS data_transfer_unpack_work_idx ON data_transfer (unpack_next_attempt_at)
    WHERE status = 'completed' AND unpack_status IN ('pending', 'in_progress');

CREATE TABLE IF NOT EXISTS data_transfer_log (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    data_transfer_id bigint NOT NULL REFERENCES data_transfer (id) ON DELETE CASCADE,
    level            text NOT NULL DEFAULT 'info' CONSTRAINT data_transfer_log_level_valid
        CHECK (level IN ('debug', 'info', 'warning', 'error')),
    message          text NOT NULL CONSTRAINT data_transfer_log_message_length CHECK (length(message) <= 1000),
    log_path         text,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS data_transfer_log_transfer_idx ON data_transfer_log (data_transfer_id, created_at);

CREATE TABLE IF NOT EXISTS long_term_archive_transfer (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    raw_data_package_id     bigint NOT NULL REFERENCES raw_data_package (id) ON DELETE RESTRICT,
    origin_location_id      bigint NOT NULL REFERENCES data_location (id) ON DELETE RESTRICT,
    destination_location_id bigint NOT NULL REFERENCES data_location (id) ON DELETE RESTRICT,
    status                  text NOT NULL DEFAULT 'pending' CONSTRAINT long_term_archive_transfer_status_valid
        CHECK (status IN ('pending', 'scheduled', 'in_progress', 'completed', 'failed')),
    attempts                integer NOT NULL DEFAULT 0 CONSTRAINT long_term_archive_transfer_attempts_nonnegative CHECK (attempts >= 0),
    max_attempts            integer NOT NULL DEFAULT 4 CONSTRAINT long_term_archive_transfer_max_attempts_positive CHECK (max_attempts > 0),
    last_error              text,
    next_attempt_at         timestamptz NOT NULL DEFAULT now(),
    claimed_by              text,
    claim_token             uuid,
    lease_until             timestamptz,
    completed_at            timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT long_term_archive_transfer_package_destination_key UNIQUE (raw_data_package_id, destination_location_id),
    CONSTRAINT long_term_archive_transfer_distinct_locations CHECK (origin_location_id <> destination_location_id),
    CONSTRAINT long_term_archive_transfer_claim_columns CHECK (
        status <> 'in_progress' OR (claim_token IS NOT NULL AND lease_until IS NOT NULL AND claimed_by IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS long_term_archive_transfer_work_idx ON long_term_archive_transfer (next_attempt_at)
    WHERE status IN ('pending', 'in_progress');

CREATE TABLE IF NOT EXISTS staging_job (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_account_id         bigint NOT NULL REFERENCES user_account (id) ON DELETE RESTRICT,
    destination_location_id bigint NOT NULL REFERENCES data_location (id) ON DELETE RESTRICT,
    status                  text NOT NULL DEFAULT 'pending' CONSTRAINT staging_job_status_valid
        CHECK (status IN ('pending', 'scheduled', 'in_progress', 'completed', 'failed')),
    attempts                integer NOT NULL DEFAULT 0 CONSTRAINT staging_job_attempts_nonnegative CHECK (attempts >= 0),
    max_attempts            integer NOT NULL DEFAULT 4 CONSTRAINT staging_job_max_attempts_positive CHECK (max_attempts > 0),
    last_error              text,
    next_attempt_at         timestamptz NOT NULL DEFAULT now(),
    claimed_by              text,
    claim_token             uuid,
    lease_until             timestamptz,
    retention_until         timestamptz,
    completed_at            timestamptz,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT staging_job_claim_columns CHECK (
        status <> 'in_progress' OR (claim_token IS NOT NULL AND lease_until IS NOT NULL AND claimed_by IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS staging_job_work_idx ON staging_job (next_attempt_at)
    WHERE status IN ('pending', 'in_progress');
CREATE INDEX IF NOT EXISTS staging_job_user_idx ON staging_job (user_account_id);

CREATE TABLE IF NOT EXISTS staging_job_package (
    staging_job_id      bigint NOT NULL REFERENCES staging_job (id) ON DELETE CASCADE,
    raw_data_package_id bigint NOT NULL REFERENCES raw_data_package (id) ON DELETE RESTRICT,
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (staging_job_id, raw_data_package_id)
);
CREATE INDEX IF NOT EXISTS staging_job_package_package_idx ON staging_job_package (raw_data_package_id);

CREATE OR REPLACE TRIGGER physical_copy_touch BEFORE UPDATE ON physical_copy FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER data_transfer_touch BEFORE UPDATE ON data_transfer FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER long_term_archive_transfer_touch BEFORE UPDATE ON long_term_archive_transfer FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER staging_job_touch BEFORE UPDATE ON staging_job FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
