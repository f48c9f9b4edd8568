-- Sites, storage locations (disk / s3 / tape in one table, discriminated by "type")
-- and the transfer routes between sites.
-- depends: 0001_functions_and_infrastructure

CREATE TABLE IF NOT EXISTS site (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CONSTRAINT site_name_nonempty CHECK (name <> ''),
    short_name  text NOT NULL CONSTRAINT site_short_name_identifier CHECK (short_name ~ '^[a-z][a-z0-9_]{0,62}$'),
    location    text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT site_name_key UNIQUE (name),
    CONSTRAINT site_short_name_key UNIQUE (short_name)
);

CREATE TABLE IF NOT EXISTS data_location (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type          text NOT NULL CONSTRAINT data_location_type_valid CHECK (type IN ('disk', 's3', 'tape')),
    site_id       bigint NOT NULL REFERENCES site (id) ON DELETE RESTRICT,
    name          text NOT NULL CONSTRAINT data_location_name_identifier CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    location_type text NOT NULL CONSTRAINT data_location_location_type_valid
        CHECK (location_type IN ('source', 'buffer', 'long_term_archive', 'processing')),
    priority      integer NOT NULL DEFAULT 0,
    active        boolean NOT NULL DEFAULT true,
    -- disk
    host          text,
    root_path     text CONSTRAINT data_location_root_path_absolute CHECK (root_path ~ '^/'),
    -- s3 (credentials are never stored: they come from the daemon's environment)
    endpoint_url  text,
    bucket        text,
    prefix        text,
    region        text,
    -- tape
    library_name  text,
    media_pool    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT data_location_site_name_key UNIQUE (site_id, name),
    CONSTRAINT data_location_id_site_key UNIQUE (id, site_id),
    CONSTRAINT data_location_disk_columns CHECK (
        type <> 'disk' OR (host IS NOT NULL AND root_path IS NOT NULL
            AND endpoint_url IS NULL AND bucket IS NULL AND prefix IS NULL AND region IS NULL
            AND library_name IS NULL AND media_pool IS NULL)),
    CONSTRAINT data_location_s3_columns CHECK (
        type <> 's3' OR (endpoint_url IS NOT NULL AND bucket IS NOT NULL
            AND host IS NULL AND root_path IS NULL AND library_name IS NULL AND media_pool IS NULL)),
    CONSTRAINT data_location_tape_columns CHECK (
        type <> 'tape' OR (library_name IS NOT NULL
            AND endpoint_url IS NULL AND bucket IS NULL AND prefix IS NULL AND region IS NULL))
);
CREATE INDEX IF NOT EXISTS data_location_location_type_idx ON data_location (location_type, priority) WHERE active;

CREATE TABLE IF NOT EXISTS data_transfer_route (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                    text NOT NULL CONSTRAINT data_transfer_route_name_identifier CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    origin_site_id          bigint NOT NULL REFERENCES site (id) ON DELETE RESTRICT,
    destination_site_id     bigint NOT NULL REFERENCES site (id) ON DELETE RESTRICT,
    route_type              text NOT NULL CONSTRAINT data_transfer_route_route_type_valid
        CHECK (route_type IN ('direct', 'relay', 'custom')),
    method                  text NOT NULL DEFAULT 'bbcp' CONSTRAINT data_transfer_route_method_nonempty CHECK (method <> ''),
    relay_site_id           bigint REFERENCES site (id) ON DELETE RESTRICT,
    origin_location_id      bigint,
    destination_location_id bigint,
    priority                integer NOT NULL DEFAULT 0,
    active                  boolean NOT NULL DEFAULT true,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT data_transfer_route_name_key UNIQUE (name),
    CONSTRAINT data_transfer_route_distinct_sites CHECK (origin_site_id <> destination_site_id),
    CONSTRAINT data_transfer_route_relay_columns CHECK (
        (route_type = 'relay') = (relay_site_id IS NOT NULL)
        AND (relay_site_id IS NULL OR relay_site_id NOT IN (origin_site_id, destination_site_id))),
    CONSTRAINT data_transfer_route_custom_columns CHECK (
        CASE WHEN route_type = 'custom'
             THEN origin_location_id IS NOT NULL OR destination_location_id IS NOT NULL
             ELSE origin_location_id IS NULL AND destination_location_id IS NULL END),
    -- an override location must lie at the route's own origin / destination site
    CONSTRAINT data_transfer_route_origin_location_fkey FOREIGN KEY (origin_location_id, origin_site_id)
        REFERENCES data_location (id, site_id) ON DELETE RESTRICT,
    CONSTRAINT data_transfer_route_destination_location_fkey FOREIGN KEY (destination_location_id, destination_site_id)
        REFERENCES data_location (id, site_id) ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS data_transfer_route_origin_idx ON data_transfer_route (origin_site_id, priority) WHERE active;

CREATE OR REPLACE TRIGGER site_touch BEFORE UPDATE ON site FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER data_location_touch BEFORE UPDATE ON data_location FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
CREATE OR REPLACE TRIGGER data_transfer_route_touch BEFORE UPDATE ON data_transfer_route FOR EACH ROW EXECUTE FUNCTION opsdb_touch_updated_at();
