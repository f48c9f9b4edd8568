-- Scientific planning: programs, sources (fixed / solar_system / constant_elevation in one
-- table, discriminated by "type"), observing modes and the schedulable obs units.
-- depends: 0001_functions_and_infrastructure

CREATE TABLE IF NOT EXISTS observing_program (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text NOT NULL CONSTRAINT observing_program_name_nonempty CHECK (name <> ''),
    short_name     text NOT NULL CONSTRAINT observing_program_short_name_identifier
        CHECK (short_name ~ '^[A-Za-z][A-Za-z0-9_-]{0,31}$'),
    description    text,
    pi_name        text,
    contact_email  text CONSTRAINT observing_program_contact_email_format CHECK (contact_email ~ '^[^@\s]+@[^@\s]+$'),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT observing_program_short_name_key UNIQUE (short_name)
);

CREATE TABLE IF NOT EXISTS sub_observing_program (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    observing_program_id bigint NOT NULL REFERENCES observing_program (id) ON DELETE CASCADE,
    name                 text NOT NULL CONSTRAINT sub_observing_program_name_nonempty CHECK (name <> ''),
    short_name           text NOT NULL CONSTRAINT sub_observing_program_short_name_identifier
        CHECK (short_name ~ '^[A-Za-z][A-Za-z0-9_-]{0,31}$'),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sub_observing_program_program_short_name_key UNIQUE (observing_program_id, short_name),
    CONSTRAINT sub_observing_program_id_program_key UNIQUE (id, observing_program_id)
);

CREATE TABLE IF NOT EXISTS source (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type           text NOT NULL CONSTRAINT source_type_valid CHECK (type IN ('fixed', 'solar_system', 'constant_elevation')),
    name           text NOT NULL CONSTRAINT source_name_nonempty CHECK (name <> ''),
    description    text,
    -- fixed
    ra_deg         double precision CONSTRAINT source_ra_range CHECK (ra_deg >= 0 AND ra_deg < 360),
    dec_deg        double precision CONSTRAINT source_dec_range CHECK (dec_deg BETWEEN -90 AND 90),
    frame          text CONSTRAINT source_frame_valid CHECK (frame IN ('icrs', 'fk5', 'galactic')),
    -- solar_system
    ephemeris_body text CONSTRAINT source_ephemeris_body_nonempty CHECK (ephemeris_body <> ''),
    -- constant_elevation (a survey region)
    ra_min_deg     double precision CONSTRAINT source_ra_min_range CHECK (ra_min_deg >= 0 AND ra_min_deg < 360),
    ra_max_deg     double precision CONSTRAINT source_ra_max_range CHECK (ra_max_deg >= 0 AND ra_max_deg <= 360),
    dec_min_deg    double precision CONSTRAINT source_dec_min_range CHECK (dec_min_deg BETWEEN -90 AND 90),
    dec_max_deg    double precision CONSTRAINT source_dec_max_range CHECK (dec_max_deg BETWEEN -90 AND 90),
    elevation_deg  double precision CONSTRAINT source_elevation_range CHECK (elevation_deg > 0 AND elevation_deg <= 90),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT source_name_key UNIQUE (name),
    CONSTRAINT source_fixed_columns CHECK (
        CASE WHEN type = 'fixed' THEN ra_deg IS NOT NULL AND dec_deg IS NOT NULL AND frame IS NOT NULL
             ELSE ra_deg IS NULL AND dec_deg IS NULL AND frame IS NULL END),
    CONSTRAINT source_solar_system_columns CHECK ((type = 'solar_system') = (ephemeris_body IS NOT NULL)),
    CONSTRAINT source_constant_elevation_columns CHECK (
        CASE WHEN type = 'constant_elevation'
             THEN ra_min_deg IS NOT NULL AND ra_max_deg IS NOT NULL AND dec_min_deg IS NOT NULL
                  AND dec_max_deg IS NOT NULL AND elevation_deg IS NOT NULL AND dec_min_deg <= dec_max_deg
             ELSE ra_min_deg IS NULL AND ra_max_deg IS NULL AND dec_min_deg IS NULL
                  AND dec_max_deg IS NULL AND elevation_deg IS NULL END)
);
-- cone search on fixed sources narrows by declination band first
CREATE INDEX IF NOT EXISTS source_fixed_dec_idx ON source (dec_deg) WHERE type = 'fixed';

CREATE TABLE IF NOT EXISTS obs_mode (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CONSTRAINT obs_mode_name_nonempty CHECK (name <> ''),
    description text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT obs_mode_name_key UNIQUE (name)
);

CREATE TABLE IF NOT EXISTS obs_unit (
    id                           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                         text NOT NULL CONSTRAINT obs_unit_name_nonempty CHECK (name <> ''),
    observing_program_id         bigint NOT NULL REFERENCES observing_program (id) ON DELETE RESTRICT,
    sub_observing_program_id     bigint,
    source_id                    bigint NOT NULL REFERENCES source (id) ON DELETE RESTRICT,
    obs_mode_id                  bigint NOT NULL REFERENCES obs_mode (id) ON DELETE RESTRICT,
    observation_configuration_id bigint REFERENCES observation_configuration (id) ON DELETE RESTRICT,
    priority                     integer NOT NULL DEFAULT 0,
    requested_duration_s         double precision CONSTRAINT obs_unit_requested_duration_positive CHECK (requested_duration_s > 0),
    min_elevation_deg            double precision CONSTRAINT obs_unit_min_elevation_range CHECK (min_elevation_deg BETWEEN 0 AND 90),
    max_elevation_deg            double precision CONSTRAINT obs_unit_max_elevation_range CHECK (max_elevation_deg BETWEEN 0 AND 90),
    active                       boolean NOT NULL DEFAULT true,
    created_at                   timestamptz NOT NULL DEFAULT now(),
    updated_at                   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT obs_unit_name_key UNIQUE (name),
    CONSTRAINT obs_unit_elevation_order CHECK (max_elevation_deg >= min_elevation_deg),
    -- a sub-program must belong to the obs unit's own program
    CONSTRAINT obs_unit_sub_observing_program_fkey FOREIGN KEY (sub_observing_program_id, observing_program_id)
        REFERENCES sub_observing_program (id, observing_program_id) ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS obs_unit_observing_program_idx ON obs_unit (observing_program_id);
CREATE INDEX IF NOT EXISTS obs_unit_source_idx ON obs_unit (source_id);

CREATE TABLE IF NOT EXISTS obs_unit_instrument_module_configuration (
    obs_unit_id                        bigint NOT NULL REFERENCES obs_unit (id) ON DELETE CASCADE,
    instrument_module_configuration_id bigint NOT NULL REFERENCES instrument_module_configuration (id) ON DELETE CASCADE,
    created_at                         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (obs_unit_id, instrument_module_configuration_id)
);
CREATE INDEX IF NOT EXISTS obs_unit_imc_configuration_idx
    ON obs_unit_instrument_module_configuration (instrument_module_configuration_id);

CREATE OR REPLACE TRIGGER observing_program_touch BEFORE UPDATE ON observing_program FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER sub_observing_program_touch BEFORE UPDATE ON sub_observing_program FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER source_touch BEFORE UPDATE ON source FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER obs_mode_touch BEFORE UPDATE ON obs_mode FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER obs_unit_touch BEFORE UPDATE ON obs_unit FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
