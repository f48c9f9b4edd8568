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
    instrument_module_id bigint NOT NULL REFERENCES instrument_module (id) ON DELETE RESTRICT,
    executed_obs_unit_id uuid NOT NULL REFERENCES executed_obs_unit (id) ON DELETE RESTRICT,
    raw_data_package_id  bigint,
    name                 text NOT NULL CONSTRAINT raw_data_file_name_nonempty CHECK (name <> ''),
    relative_path        text NOT NULL CONSTRAINT raw_data_file_relative_path_valid CHECK (opsdb_relative_path_valid(relative_path)),
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
    CONSTRAINT raw_data_file_checksum_valid CHECK (opsdb_checksum_valid(checksum_algorithm, checksum)),
    -- a file joins only a package of its own executed obs unit and module
    CONSTRAINT raw_data_file_package_fkey FOREIGN KEY (raw_data_package_id, executed_obs_unit_id, instrument_module_id)
        REFERENCES raw_data_package (id, executed_obs_unit_id, instrument_module_id) ON DELETE RESTRICT
);
-- files per (executed obs unit, module, package): finds the files waiting to be packaged
-- (raw_data_package_id IS NULL is an index condition) and serves the foreign-key check when an
-- executed obs unit is deleted (a partial index cannot: that check would scan every file).
-- One index entry per file either way (docs/performance.md).
CREATE INDEX IF NOT EXISTS raw_data_file_eou_module_package_idx
    ON raw_data_file (executed_obs_unit_id, instrument_module_id, raw_data_package_id);
CREATE INDEX IF NOT EXISTS raw_data_file_package_idx ON raw_data_file (raw_data_package_id)
    WHERE raw_data_package_id IS NOT NULL;

CREATE OR REPLACE TRIGGER executed_obs_unit_touch BEFORE UPDATE ON executed_obs_unit FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER data_transfer_package_touch BEFORE UPDATE ON data_transfer_package FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER raw_data_package_touch BEFORE UPDATE ON raw_data_package FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER raw_data_package_metadata_touch BEFORE UPDATE ON raw_data_package_metadata FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER raw_data_file_touch BEFORE UPDATE ON raw_data_file FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
