-- Shared trigger function and the observatory hierarchy:
-- observatory -> telescope -> instrument -> instrument_module (+ configurations).

CREATE OR REPLACE FUNCTION opsdb_touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TABLE IF NOT EXISTS observatory (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CONSTRAINT observatory_name_nonempty CHECK (name <> ''),
    description text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT observatory_name_key UNIQUE (name)
);

CREATE TABLE IF NOT EXISTS telescope (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    observatory_id bigint NOT NULL REFERENCES observatory (id) ON DELETE RESTRICT,
    name           text NOT NULL CONSTRAINT telescope_name_nonempty CHECK (name <> ''),
    description    text,
    latitude_deg   double precision CONSTRAINT telescope_latitude_range CHECK (latitude_deg BETWEEN -90 AND 90),
    longitude_deg  double precision CONSTRAINT telescope_longitude_range CHECK (longitude_deg BETWEEN -180 AND 180),
    elevation_m    double precision CONSTRAINT telescope_elevation_range CHECK (elevation_m BETWEEN -500 AND 9000),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT telescope_name_key UNIQUE (name)
);
CREATE INDEX IF NOT EXISTS telescope_observatory_id_idx ON telescope (observatory_id);

CREATE TABLE IF NOT EXISTS instrument (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    telescope_id bigint NOT NULL REFERENCES telescope (id) ON DELETE RESTRICT,
    name         text NOT NULL CONSTRAINT instrument_name_nonempty CHECK (name <> ''),
    description  text,
    available    boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT instrument_telescope_name_key UNIQUE (telescope_id, name)
);

CREATE TABLE IF NOT EXISTS instrument_module (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instrument_id      bigint NOT NULL REFERENCES instrument (id) ON DELETE RESTRICT,
    name               text NOT NULL CONSTRAINT instrument_module_name_nonempty CHECK (name <> ''),
    description        text,
    pixel_count        integer CONSTRAINT instrument_module_pixel_count_positive CHECK (pixel_count > 0),
    frequency_min_ghz  double precision CONSTRAINT instrument_module_frequency_min_positive CHECK (frequency_min_ghz > 0),
    frequency_max_ghz  double precision,
    available          boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT instrument_module_instrument_name_key UNIQUE (instrument_id, name),
    CONSTRAINT instrument_module_frequency_order CHECK (frequency_max_ghz >= frequency_min_ghz)
);

CREATE TABLE IF NOT EXISTS instrument_module_configuration (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    instrument_module_id bigint NOT NULL REFERENCES instrument_module (id) ON DELETE CASCADE,
    name                 text NOT NULL CONSTRAINT instrument_module_configuration_name_nonempty CHECK (name <> ''),
    parameters           jsonb NOT NULL DEFAULT '{}'::jsonb
        CONSTRAINT instrument_module_configuration_parameters_object CHECK (jsonb_typeof(parameters) = 'object'),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT instrument_module_configuration_module_name_key UNIQUE (instrument_module_id, name)
);

CREATE TABLE IF NOT EXISTS observation_configuration (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CONSTRAINT observation_configuration_name_nonempty CHECK (name <> ''),
    parameters  jsonb NOT NULL DEFAULT '{}'::jsonb
        CONSTRAINT observation_configuration_parameters_object CHECK (jsonb_typeof(parameters) = 'object'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT observation_configuration_name_key UNIQUE (name)
);

CREATE OR REPLACE TRIGGER observatory_touch BEFORE UPDATE ON observatory FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER telescope_touch BEFORE UPDATE ON telescope FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER instrument_touch BEFORE UPDATE ON instrument FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER instrument_module_touch BEFORE UPDATE ON instrument_module FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER instrument_module_configuration_touch BEFORE UPDATE ON instrument_module_configuration FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER observation_configuration_touch BEFORE UPDATE ON observation_configuration FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
