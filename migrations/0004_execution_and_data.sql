-- Execution and data: executed obs units, raw data files, raw data packages (+ IVOA
-- metadata) and data transfer packages. Work-table columns (status .. lease_until) are the
-- claim protocol's bookkeeping; see docs/workflows.md.
-- depends: 0002_locations 0003_planning

CREATE OR REPLACE FUNCTION opsdb_checksum_valid(algorithm text, checksum text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    -- false (not NULL, which a CHECK would let through) for an unknown algorithm
    SELECT coalesce(checksum ~ '^[0-9a-f]+$'
       AND length(checksum) = CASE algorithm
            WHEN 'md5' THEN 32 WHEN 'sha1' THEN 40 WHEN 'sha256' THEN 64
            WHEN 'sha512' THEN 128 WHEN 'xxh64' THEN 16 WHEN 'crc32c' THEN 8 END, false)
$$;

-- relative paths stay inside their location's root: no absolute path, no '.' or '..'
-- segment, no empty segment (also no trailing '/'), no control characters
CREATE OR REPLACE FUNCTION opsdb_relative_path_valid(path text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT length(path) BETWEEN 1 AND 4096
       AND path !~ '(^/|//|/$|(^|/)\.\.?(/|$)|[\x01-\x1f\x7f])'
$$;

-- Referential integrity of the bulk tables (raw_data_file, physical_copy) is enforced by
-- triggers instead of declared foreign keys: a declared key runs one trigger, one query and one
-- row lock per inserted row, which was over half of the server's time when registering files
-- (docs/performance.md, "Integrity triggers"). The protocol:
-- * referencing side (<table>_check_inserted / <table>_check_updated, static SQL so that plans
--   are cached): one statement-level check per insert statement over its transition table
--   (distinct keys, one index probe each), and a row-level check (and FOR KEY SHARE lock) when
--   an update changes a reference. Under READ COMMITTED the insert check sees a fresh
--   snapshot; under REPEATABLE READ / SERIALIZABLE it first locks the referenced rows FOR KEY
--   SHARE, as a foreign key does (a concurrent removal then fails one side).
-- * referenced side (opsdb_restrict_referenced): deleting a row, changing its key or
--   truncating the table first takes a SHARE lock on the referencing table (waits for every
--   transaction writing it, keeps new writers out until commit), then looks for referencing
--   rows with a fresh snapshot; this needs READ COMMITTED and is refused otherwise.
-- Both raise foreign_key_violation naming the constraint (opsdb.errors: InvalidReferenceError).

-- raise the error a foreign key raises for a missing referenced row
CREATE OR REPLACE FUNCTION opsdb_raise_missing_reference(tbl text, constraint_name text, columns text, key text, referenced text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE foreign_key_violation USING
        MESSAGE = format('insert or update on table "%s" violates foreign key constraint "%s"', tbl, constraint_name),
        DETAIL = format('Key (%s)=(%s) is not present in table "%s".', columns, key, referenced),
        CONSTRAINT = constraint_name, TABLE = tbl;
END;
$$;

-- TG_ARGV: referencing table, referencing column (holding the referenced row's id), constraint
-- name, extra condition on referencing rows that lets an index serve the lookup ('true' if none)
CREATE OR REPLACE FUNCTION opsdb_restrict_referenced() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    referenced boolean;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'removing rows of % needs READ COMMITTED isolation (% is checked with a fresh snapshot)',
            TG_TABLE_NAME, TG_ARGV[2] USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    EXECUTE format('LOCK TABLE %I IN SHARE MODE', TG_ARGV[0]);
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('SELECT EXISTS (SELECT FROM %I WHERE %I IS NOT NULL AND %s)', TG_ARGV[0], TG_ARGV[1], TG_ARGV[3])
            INTO referenced;
    ELSE
        EXECUTE format('SELECT EXISTS (SELECT FROM %I WHERE %I = $1 AND %s)', TG_ARGV[0], TG_ARGV[1], TG_ARGV[3])
            INTO referenced USING OLD.id;
    END IF;
    IF referenced THEN
        RAISE foreign_key_violation USING
            MESSAGE = format('update or delete on table "%s" violates foreign key constraint "%s" on table "%s"',
                             TG_TABLE_NAME, TG_ARGV[2], TG_ARGV[0]),
            DETAIL = CASE WHEN TG_OP = 'TRUNCATE' THEN format('Table "%s" references "%s".', TG_ARGV[0], TG_TABLE_NAME)
                          ELSE format('Key (id)=(%s) is still referenced from table "%s".', OLD.id, TG_ARGV[0]) END,
            CONSTRAINT = TG_ARGV[2], TABLE = TG_ARGV[0], SCHEMA = TG_TABLE_SCHEMA;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TABLE IF NOT EXISTS executed_obs_unit (
    id          uuid PRIMARY KEY,
    obs_unit_id bigint NOT NULL REFERENCES obs_unit (id) ON DELETE RESTRICT,
    status      text NOT NULL DEFAULT 'running' CONSTRAINT executed_obs_unit_status_valid
        CHECK (status IN ('running', 'completed', 'failed', 'aborted')),
    start_time  timestamptz NOT NULL,
    end_time    timestamptz,
    conditions  jsonb NOT NULL DEFAULT '{}'::jsonb
        CONSTRAINT executed_obs_unit_conditions_object CHECK (jsonb_typeof(conditions) = 'object'),
    notes       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT executed_obs_unit_end_time_iff_finished CHECK ((status = 'running') = (end_time IS NULL)),
    CONSTRAINT executed_obs_unit_time_order CHECK (end_time >= start_time)
);
CREATE INDEX IF NOT EXISTS executed_obs_unit_obs_unit_idx ON executed_obs_unit (obs_unit_id);
CREATE INDEX IF NOT EXISTS executed_obs_unit_start_time_idx ON executed_obs_unit (start_time);

CREATE TABLE IF NOT EXISTS data_transfer_package (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name               text NOT NULL CONSTRAINT data_transfer_package_name_nonempty CHECK (name <> ''),
    relative_path      text NOT NULL CONSTRAINT data_transfer_package_relative_path_valid CHECK (opsdb_relative_path_valid(relative_path)),
    origin_location_id bigint NOT NULL REFERENCES data_location (id) ON DELETE RESTRICT,
    size_bytes         bigint CONSTRAINT data_transfer_package_size_nonnegative CHECK (size_bytes >= 0),
    checksum           text,
    checksum_algorithm text,
    status             text NOT NULL DEFAULT 'pending' CONSTRAINT data_transfer_package_status_valid
        CHECK (status IN ('pending', 'scheduled', 'in_progress', 'completed', 'failed')),
    attempts           integer NOT NULL DEFAULT 0 CONSTRAINT data_transfer_package_attempts_nonnegative CHECK (attempts >= 0),
    max_attempts       integer NOT NULL DEFAULT 4 CONSTRAINT data_transfer_package_max_attempts_positive CHECK (max_attempts > 0),
    last_error         text,
    next_attempt_at    timestamptz NOT NULL DEFAULT now(),
    claimed_by         text,
    claim_token        uuid,
    lease_until        timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT data_transfer_package_name_key UNIQUE (name),
    CONSTRAINT data_transfer_package_checksum_valid CHECK (
        (checksum IS NULL) = (checksum_algorithm IS NULL)
        AND (checksum IS NULL OR opsdb_checksum_valid(checksum_algorithm, checksum))),
    CONSTRAINT data_transfer_package_completed_has_checksum CHECK (
        status <> 'completed' OR (size_bytes IS NOT NULL AND checksum IS NOT NULL)),
    CONSTRAINT data_transfer_package_claim_columns CHECK (
        status <> 'in_progress' OR (claim_token IS NOT NULL AND lease_until IS NOT NULL AND claimed_by IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS data_transfer_package_work_idx ON data_transfer_package (next_attempt_at)
    WHERE status IN ('pending', 'in_progress');

CREATE TABLE IF NOT EXISTS raw_data_package (
    id                       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                     text NOT NULL CONSTRAINT raw_data_package_name_nonempty CHECK (name <> ''),
    relative_path            text NOT NULL CONSTRAINT raw_data_package_relative_path_valid CHECK (opsdb_relative_path_valid(relative_path)),
    executed_obs_unit_id     uuid NOT NULL REFERENCES executed_obs_unit (id) ON DELETE RESTRICT,
    instrument_module_id     bigint NOT NULL REFERENCES instrument_module (id) ON DELETE RESTRICT,
    origin_location_id       bigint NOT NULL REFERENCES data_location (id) ON DELETE RESTRICT,
    size_bytes               bigint CONSTRAINT raw_data_package_size_nonnegative CHECK (size_bytes >= 0),
    checksum                 text,
    checksum_algorithm       text,
    state                    text NOT NULL DEFAULT 'waiting' CONSTRAINT raw_data_package_state_valid
        CHECK (state IN ('waiting', 'transferring', 'archived', 'failed')),
    data_transfer_package_id bigint REFERENCES data_transfer_package (id) ON DELETE SET NULL,
    status                   text NOT NULL DEFAULT 'pending' CONSTRAINT raw_data_package_status_valid
        CHECK (status IN ('pending', 'scheduled', 'in_progress', 'completed', 'failed')),
    attempts                 integer NOT NULL DEFAULT 0 CONSTRAINT raw_data_package_attempts_nonnegative CHECK (attempts >= 0),
    max_attempts             integer NOT NULL DEFAULT 4 CONSTRAINT raw_data_package_max_attempts_positive CHECK (max_attempts > 0),
    last_error               text,
    next_attempt_at          timestamptz NOT NULL DEFAULT now(),
    claimed_by               text,
    claim_token              uuid,
    lease_until              timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT raw_data_package_name_key UNIQUE (name),
    CONSTRAINT raw_data_package_id_eou_module_key UNIQUE (id, executed_obs_unit_id, instrument_module_id),
    CONSTRAINT raw_data_package_checksum_valid CHECK (
        (checksum IS NULL) = (checksum_algorithm IS NULL)
        AND (checksum IS NULL OR opsdb_checksum_valid(checksum_algorithm, checksum))),
    CONSTRAINT raw_data_package_completed_has_checksum CHECK (
        status <> 'completed' OR (size_bytes IS NOT NULL AND checksum IS NOT NULL)),
    CONSTRAINT raw_data_package_claim_columns CHECK (
        status <> 'in_progress' OR (claim_token IS NOT NULL AND lease_until IS NOT NULL AND claimed_by IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS raw_data_package_eou_module_idx ON raw_data_package (executed_obs_unit_id, instrument_module_id);
CREATE INDEX IF NOT EXISTS raw_data_package_dtp_idx ON raw_data_package (data_transfer_package_id)
    WHERE data_transfer_package_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS raw_data_package_work_idx ON raw_data_package (next_attempt_at)
    WHERE status IN ('pending', 'in_progress');
CREATE INDEX IF NOT EXISTS raw_data_package_state_idx ON raw_data_package (state) WHERE state <> 'archived';

-- IVOA ObsCore-named fields for publication; one row per package
CREATE TABLE IF NOT EXISTS raw_data_package_metadata (
    raw_data_package_id bigint PRIMARY KEY REFERENCES raw_data_package (id) ON DELETE CASCADE,
    obs_id              text,
    obs_collection      text,
    obs_publisher_did   text,
    dataproduct_type    text,
    calib_level         integer CONSTRAINT raw_data_package_metadata_calib_level_range CHECK (calib_level BETWEEN 0 AND 4),
    target_name         text,
    s_ra                double precision CONSTRAINT raw_data_package_metadata_s_ra_range CHECK (s_ra >= 0 AND s_ra < 360),
    s_dec               double precision CONSTRAINT raw_data_package_metadata_s_dec_range CHECK (s_dec BETWEEN -90 AND 90),
    s_fov               double precision CONSTRAINT raw_data_package_metadata_s_fov_nonnegative CHECK (s_fov >= 0),
    t_min               double precision,
    t_max               double precision,
    t_exptime           double precision CONSTRAINT raw_data_package_metadata_t_exptime_nonnegative CHECK (t_exptime >= 0),
    em_min              double precision CONSTRAINT raw_data_package_metadata_em_min_positive CHECK (em_min > 0),
    em_max              double precision,
    em_res_power        double precision,
    pol_states          text,
    o_ucd               text,
    facility_name       text,
    instrument_name     text,
    extra               jsonb NOT NULL DEFAULT '{}'::jsonb
        CONSTRAINT raw_data_package_metadata_extra_object CHECK (jsonb_typeof(extra) = 'object'),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT raw_data_package_metadata_t_order CHECK (t_max >= t_min),
    CONSTRAINT raw_data_package_metadata_em_order CHECK (em_max >= em_min)
);

CREATE TABLE IF NOT EXISTS raw_data_file (
    id                   uuid PRIMARY KEY,
    -- references: instrument_module, executed_obs_unit, raw_data_package (triggers below)
    instrument_module_id bigint NOT NULL,
    executed_obs_unit_id uuid NOT NULL,
    raw_data_package_id  bigint,
    name                 text NOT NULL CONSTRAINT raw_data_file_name_nonempty CHECK (name <> ''),
    relative_path        text COLLATE "C" NOT NULL CONSTRAINT raw_data_file_relative_path_valid CHECK (opsdb_relative_path_valid(relative_path)),
    size_bytes           bigint NOT NULL CONSTRAINT raw_data_file_size_nonnegative CHECK (size_bytes >= 0),
    checksum             text NOT NULL,
    checksum_algorithm   text NOT NULL,
    file_type            text,
    file_created_at      timestamptz,
    metadata             jsonb NOT NULL DEFAULT '{}'::jsonb
        CONSTRAINT raw_data_file_metadata_object CHECK (jsonb_typeof(metadata) = 'object'),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT raw_data_file_module_path_key UNIQUE (instrument_module_id, relative_path),
    CONSTRAINT raw_data_file_checksum_valid CHECK (opsdb_checksum_valid(checksum_algorithm, checksum))
);
-- files waiting to be packaged, per (executed obs unit, module)
CREATE INDEX IF NOT EXISTS raw_data_file_unpackaged_idx ON raw_data_file (executed_obs_unit_id, instrument_module_id)
    WHERE raw_data_package_id IS NULL;
CREATE INDEX IF NOT EXISTS raw_data_file_package_idx ON raw_data_file (raw_data_package_id)
    WHERE raw_data_package_id IS NOT NULL;

CREATE OR REPLACE TRIGGER executed_obs_unit_touch BEFORE UPDATE ON executed_obs_unit FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER data_transfer_package_touch BEFORE UPDATE ON data_transfer_package FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER raw_data_package_touch BEFORE UPDATE ON raw_data_package FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER raw_data_package_metadata_touch BEFORE UPDATE ON raw_data_package_metadata FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER raw_data_file_touch BEFORE UPDATE ON raw_data_file FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();

-- raw_data_file's references, enforced by triggers (see above) under the names the foreign keys
-- had. A file joins only a package of its own executed obs unit and module (raw_data_file_package_fkey).
-- Keys are probed with scalar subqueries: one index probe each, whatever the statistics say.
CREATE OR REPLACE FUNCTION raw_data_file_check_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    missing_module text;
    missing_unit text;
    missing_package text;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        PERFORM FROM (SELECT DISTINCT instrument_module_id AS id FROM new_rows ORDER BY 1) d,
            LATERAL (SELECT FROM instrument_module p WHERE p.id = d.id FOR KEY SHARE) l;
        PERFORM FROM (SELECT DISTINCT executed_obs_unit_id AS id FROM new_rows ORDER BY 1) d,
            LATERAL (SELECT FROM executed_obs_unit p WHERE p.id = d.id FOR KEY SHARE) l;
        PERFORM FROM (SELECT DISTINCT raw_data_package_id AS id FROM new_rows WHERE raw_data_package_id IS NOT NULL ORDER BY 1) d,
            LATERAL (SELECT FROM raw_data_package p WHERE p.id = d.id FOR KEY SHARE) l;
    END IF;
    -- one query (one executor start) for the three references
    SELECT (SELECT d.id FROM (SELECT DISTINCT instrument_module_id AS id FROM new_rows) d
            WHERE (SELECT true FROM instrument_module p WHERE p.id = d.id) IS NULL LIMIT 1),
           (SELECT d.id FROM (SELECT DISTINCT executed_obs_unit_id AS id FROM new_rows) d
            WHERE (SELECT true FROM executed_obs_unit p WHERE p.id = d.id) IS NULL LIMIT 1),
           (SELECT concat_ws(', ', d.package, d.unit, d.module)
            FROM (SELECT DISTINCT raw_data_package_id AS package, executed_obs_unit_id AS unit,
                         instrument_module_id AS module
                  FROM new_rows WHERE raw_data_package_id IS NOT NULL) d
            WHERE (SELECT true FROM raw_data_package p
                   WHERE p.id = d.package AND p.executed_obs_unit_id = d.unit AND p.instrument_module_id = d.module) IS NULL
            LIMIT 1)
      INTO missing_module, missing_unit, missing_package;
    IF missing_module IS NOT NULL THEN
        PERFORM opsdb_raise_missing_reference('raw_data_file', 'raw_data_file_instrument_module_id_fkey',
                                              'instrument_module_id', missing_module, 'instrument_module');
    END IF;
    IF missing_unit IS NOT NULL THEN
        PERFORM opsdb_raise_missing_reference('raw_data_file', 'raw_data_file_executed_obs_unit_id_fkey',
                                              'executed_obs_unit_id', missing_unit, 'executed_obs_unit');
    END IF;
    IF missing_package IS NOT NULL THEN
        PERFORM opsdb_raise_missing_reference('raw_data_file', 'raw_data_file_package_fkey',
            'raw_data_package_id, executed_obs_unit_id, instrument_module_id', missing_package, 'raw_data_package');
    END IF;
    RETURN NULL;
END;
$$;

-- an update that changes a reference: checked and locked per row, as a foreign key does
CREATE OR REPLACE FUNCTION raw_data_file_check_updated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF NEW.instrument_module_id IS DISTINCT FROM OLD.instrument_module_id THEN
        PERFORM FROM instrument_module WHERE id = NEW.instrument_module_id FOR KEY SHARE;
        IF NOT FOUND THEN
            PERFORM opsdb_raise_missing_reference('raw_data_file', 'raw_data_file_instrument_module_id_fkey',
                                                  'instrument_module_id', NEW.instrument_module_id::text, 'instrument_module');
        END IF;
    END IF;
    IF NEW.executed_obs_unit_id IS DISTINCT FROM OLD.executed_obs_unit_id THEN
        PERFORM FROM executed_obs_unit WHERE id = NEW.executed_obs_unit_id FOR KEY SHARE;
        IF NOT FOUND THEN
            PERFORM opsdb_raise_missing_reference('raw_data_file', 'raw_data_file_executed_obs_unit_id_fkey',
                                                  'executed_obs_unit_id', NEW.executed_obs_unit_id::text, 'executed_obs_unit');
        END IF;
    END IF;
    IF NEW.raw_data_package_id IS NOT NULL THEN
        PERFORM FROM raw_data_package
        WHERE id = NEW.raw_data_package_id AND executed_obs_unit_id = NEW.executed_obs_unit_id
          AND instrument_module_id = NEW.instrument_module_id
        FOR KEY SHARE;
        IF NOT FOUND THEN
            PERFORM opsdb_raise_missing_reference('raw_data_file', 'raw_data_file_package_fkey',
                'raw_data_package_id, executed_obs_unit_id, instrument_module_id',
                concat_ws(', ', NEW.raw_data_package_id, NEW.executed_obs_unit_id, NEW.instrument_module_id), 'raw_data_package');
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE OR REPLACE TRIGGER raw_data_file_references_inserted AFTER INSERT ON raw_data_file
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION raw_data_file_check_inserted();
CREATE OR REPLACE TRIGGER raw_data_file_references_updated
    AFTER UPDATE OF instrument_module_id, executed_obs_unit_id, raw_data_package_id ON raw_data_file
    FOR EACH ROW WHEN ((OLD.instrument_module_id, OLD.executed_obs_unit_id, OLD.raw_data_package_id)
                       IS DISTINCT FROM (NEW.instrument_module_id, NEW.executed_obs_unit_id, NEW.raw_data_package_id))
    EXECUTE FUNCTION raw_data_file_check_updated();
-- ... and the referenced side: no removing a module, executed obs unit or package that files hold
CREATE OR REPLACE TRIGGER instrument_module_raw_data_file_restrict AFTER DELETE ON instrument_module
    FOR EACH ROW EXECUTE FUNCTION opsdb_restrict_referenced(
        'raw_data_file', 'instrument_module_id', 'raw_data_file_instrument_module_id_fkey', 'true');
CREATE OR REPLACE TRIGGER instrument_module_raw_data_file_restrict_update AFTER UPDATE OF id ON instrument_module
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION opsdb_restrict_referenced(
        'raw_data_file', 'instrument_module_id', 'raw_data_file_instrument_module_id_fkey', 'true');
CREATE OR REPLACE TRIGGER instrument_module_raw_data_file_restrict_truncate AFTER TRUNCATE ON instrument_module
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_restrict_referenced(
        'raw_data_file', 'instrument_module_id', 'raw_data_file_instrument_module_id_fkey', 'true');
CREATE OR REPLACE TRIGGER executed_obs_unit_raw_data_file_restrict AFTER DELETE ON executed_obs_unit
    FOR EACH ROW EXECUTE FUNCTION opsdb_restrict_referenced(
        'raw_data_file', 'executed_obs_unit_id', 'raw_data_file_executed_obs_unit_id_fkey', 'true');
CREATE OR REPLACE TRIGGER executed_obs_unit_raw_data_file_restrict_update AFTER UPDATE OF id ON executed_obs_unit
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION opsdb_restrict_referenced(
        'raw_data_file', 'executed_obs_unit_id', 'raw_data_file_executed_obs_unit_id_fkey', 'true');
CREATE OR REPLACE TRIGGER executed_obs_unit_raw_data_file_restrict_truncate AFTER TRUNCATE ON executed_obs_unit
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_restrict_referenced(
        'raw_data_file', 'executed_obs_unit_id', 'raw_data_file_executed_obs_unit_id_fkey', 'true');
CREATE OR REPLACE TRIGGER raw_data_package_raw_data_file_restrict AFTER DELETE ON raw_data_package
    FOR EACH ROW EXECUTE FUNCTION opsdb_restrict_referenced(
        'raw_data_file', 'raw_data_package_id', 'raw_data_file_package_fkey', 'true');
CREATE OR REPLACE TRIGGER raw_data_package_raw_data_file_restrict_update AFTER UPDATE OF id, executed_obs_unit_id, instrument_module_id ON raw_data_package
    FOR EACH ROW WHEN ((OLD.id, OLD.executed_obs_unit_id, OLD.instrument_module_id) IS DISTINCT FROM (NEW.id, NEW.executed_obs_unit_id, NEW.instrument_module_id)) EXECUTE FUNCTION opsdb_restrict_referenced(
        'raw_data_file', 'raw_data_package_id', 'raw_data_file_package_fkey', 'true');
CREATE OR REPLACE TRIGGER raw_data_package_raw_data_file_restrict_truncate AFTER TRUNCATE ON raw_data_package
    FOR EACH STATEMENT EXECUTE FUNCTION opsdb_restrict_referenced(
        'raw_data_file', 'raw_data_package_id', 'raw_data_file_package_fkey', 'true');
