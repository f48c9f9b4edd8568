-- The current opsdb schema, whole: what a freshly migrated database holds.
-- Generated from the migrations by `python -m tests.schema_snapshot`; tests/test_schema_snapshot.py
-- fails when this file and the migrated catalogue differ. Read it to learn the schema; change the
-- schema only with a new migration in migrations/, then regenerate this file.
--

SET check_function_bodies = false;  -- functions come first and may name tables made later

-- 1. Cluster roles (NOLOGIN groups; logins are made per deployment, docs/security.md)

DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_access_admin') THEN
        CREATE ROLE opsdb_access_admin NOLOGIN;
    END IF;
END $$;
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_reader') THEN
        CREATE ROLE opsdb_reader NOLOGIN;
    END IF;
END $$;
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'opsdb_writer') THEN
        CREATE ROLE opsdb_writer NOLOGIN;
    END IF;
END $$;

-- 2. Database-level grants and per-role settings in this database

DO $$ BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO opsdb_access_admin', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO opsdb_reader', current_database());
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO opsdb_reader', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO opsdb_writer', current_database());
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO opsdb_writer', current_database());
END $$;

-- 3. Schema: functions, tables, constraints, indexes, triggers, grants

-- Name: opsdb_archive_backed_deletable(bigint); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_archive_backed_deletable(copy_id bigint) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    WITH c AS (
        SELECT pc.*
        FROM physical_copy pc
        JOIN data_location loc ON loc.id = pc.data_location_id
        WHERE pc.id = copy_id AND loc.location_type IN ('source', 'buffer')
    ),
    packages AS (
        SELECT c.raw_data_package_id AS package_id FROM c WHERE c.type = 'raw_data_package'
        UNION ALL
        SELECT f.raw_data_package_id FROM c JOIN raw_data_file f ON f.id = c.raw_data_file_id
        WHERE c.type = 'raw_data_file'
        UNION ALL
        SELECT p.id FROM c JOIN raw_data_package p ON p.data_transfer_package_id = c.data_transfer_package_id
        WHERE c.type = 'data_transfer_package'
    )
    SELECT EXISTS (SELECT 1 FROM c)
       AND EXISTS (SELECT 1 FROM packages)
       AND NOT EXISTS (SELECT 1 FROM packages WHERE package_id IS NULL)
       -- every package archived with a present, verified long-term-archive copy
       AND NOT EXISTS (
            SELECT 1 FROM packages pk JOIN raw_data_package p ON p.id = pk.package_id
            WHERE p.state <> 'archived'
               OR NOT EXISTS (
                    SELECT 1 FROM physical_copy a JOIN data_location al ON al.id = a.data_location_id
                    WHERE a.type = 'raw_data_package' AND a.raw_data_package_id = p.id
                      AND a.status = 'present' AND a.checksum_verified_at IS NOT NULL
                      AND al.location_type = 'long_term_archive'))
       -- a buffer at a site with its own active long-term archive keeps its copy until that
       -- archive holds the package (else a second archive site could miss it)
       AND NOT EXISTS (
            SELECT 1 FROM packages pk JOIN c ON true
            JOIN data_location here ON here.id = c.data_location_id
            WHERE here.location_type = 'buffer'
              AND EXISTS (SELECT 1 FROM data_location l
                          WHERE l.site_id = here.site_id AND l.location_type = 'long_term_archive' AND l.active)
              AND NOT EXISTS (
                    SELECT 1 FROM physical_copy a JOIN data_location al ON al.id = a.data_location_id
                    WHERE a.type = 'raw_data_package' AND a.raw_data_package_id = pk.package_id
                      AND a.status = 'present' AND a.checksum_verified_at IS NOT NULL
                      AND al.location_type = 'long_term_archive' AND al.site_id = here.site_id))
       -- not the source of an unfinished bundle build or archive transfer
       AND NOT EXISTS (
            SELECT 1 FROM packages pk JOIN c ON true
            JOIN raw_data_package p ON p.id = pk.package_id
            JOIN data_transfer_package d ON d.id = p.data_transfer_package_id
            WHERE d.origin_location_id = c.data_location_id AND d.status <> 'completed')
       AND NOT EXISTS (
            SELECT 1 FROM packages pk JOIN c ON true
            JOIN long_term_archive_transfer t ON t.raw_data_package_id = pk.package_id
            WHERE t.origin_location_id = c.data_location_id AND t.status <> 'completed')
       -- a bundle copy: no unfinished transfer from here, no unfinished unpack here
       AND NOT EXISTS (
            SELECT 1 FROM c JOIN data_transfer t ON t.data_transfer_package_id = c.data_transfer_package_id
            WHERE c.type = 'data_transfer_package'
              AND ((t.origin_location_id = c.data_location_id AND t.status <> 'completed')
                OR (t.destination_location_id = c.data_location_id AND t.unpack_status <> 'completed')))
       -- a bundle copy that is (or will be) the source of a leg still to deliver stays: the
       -- copy at the origin location (or a custom route's origin) and, for a relay route, any
       -- copy at the relay site, until a completed transfer has taken the bundle to the route's
       -- destination site. Legs are created later (a relay's onward leg only once the bundle is
       -- at the relay site), so until then no transfer holds the copy.
       AND NOT EXISTS (
            SELECT 1 FROM c
            JOIN data_location here ON here.id = c.data_location_id
            JOIN data_transfer_package d ON d.id = c.data_transfer_package_id
            JOIN data_location origin ON origin.id = d.origin_location_id
            JOIN data_transfer_route r ON r.active AND r.origin_site_id = origin.site_id
            WHERE c.type = 'data_transfer_package'
              AND (c.data_location_id = coalesce(r.origin_location_id, d.origin_location_id)
                   OR (r.route_type = 'relay' AND here.site_id = r.relay_site_id))
              AND NOT EXISTS (
                    SELECT 1 FROM data_transfer t JOIN data_location tl ON tl.id = t.destination_location_id
                    WHERE t.data_transfer_package_id = d.id AND tl.site_id = r.destination_site_id
                      AND t.status = 'completed'))
       -- no active staging job needs any of the packages
       AND NOT EXISTS (
            SELECT 1 FROM packages pk
            JOIN staging_job_package sp ON sp.raw_data_package_id = pk.package_id
            JOIN staging_job j ON j.id = sp.staging_job_id
            WHERE j.status IN ('pending', 'scheduled', 'in_progress'))
$$;

-- Name: opsdb_checksum_valid(text, text); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_checksum_valid(algorithm text, checksum text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
    -- false (not NULL, which a CHECK would let through) for an unknown algorithm
    SELECT coalesce(checksum ~ '^[0-9a-f]+$'
       AND length(checksum) = CASE algorithm
            WHEN 'md5' THEN 32 WHEN 'sha1' THEN 40 WHEN 'sha256' THEN 64
            WHEN 'sha512' THEN 128 WHEN 'xxh64' THEN 16 WHEN 'crc32c' THEN 8 END, false)
$_$;

-- Name: opsdb_claim_deletable(bigint); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_claim_deletable(copy_id bigint) RETURNS boolean
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM 1
    FROM physical_copy a
    JOIN data_location al ON al.id = a.data_location_id AND al.location_type = 'long_term_archive'
    WHERE a.type = 'raw_data_package'
      AND a.raw_data_package_id IN (
            SELECT pc.raw_data_package_id FROM physical_copy pc WHERE pc.id = copy_id
            UNION ALL
            SELECT f.raw_data_package_id FROM physical_copy pc JOIN raw_data_file f ON f.id = pc.raw_data_file_id
            WHERE pc.id = copy_id
            UNION ALL
            SELECT p.id FROM physical_copy pc
            JOIN raw_data_package p ON p.data_transfer_package_id = pc.data_transfer_package_id
            WHERE pc.id = copy_id)
    FOR SHARE OF a;
    -- a VOLATILE function's next statement runs on a new snapshot
    RETURN opsdb_copy_deletable(copy_id);
END;
$$;

-- Name: opsdb_copy_deletable(bigint); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_copy_deletable(copy_id bigint) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT opsdb_archive_backed_deletable(copy_id) OR opsdb_staged_copy_expired(copy_id)
$$;

-- Name: opsdb_deletion_candidates(bigint[], integer); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_deletion_candidates(locations bigint[], max_rows integer) RETURNS SETOF bigint
    LANGUAGE sql STABLE
    AS $$
    SELECT c.id FROM physical_copy c
    JOIN data_location l ON l.id = c.data_location_id
    WHERE c.type <> 'raw_data_file' AND c.status = 'present' AND l.location_type IN ('source', 'buffer')
      AND (locations IS NULL OR c.data_location_id = ANY(locations))
      AND opsdb_copy_deletable(c.id)
    UNION ALL
    SELECT c.id FROM raw_data_package p
    JOIN raw_data_file f ON f.raw_data_package_id = p.id
    JOIN physical_copy c ON c.type = 'raw_data_file' AND c.raw_data_file_id = f.id
    JOIN data_location l ON l.id = c.data_location_id
    WHERE p.state = 'archived' AND c.status IN ('present', 'deletion_possible')
      AND l.location_type IN ('source', 'buffer')
      AND (locations IS NULL OR c.data_location_id = ANY(locations))
      AND opsdb_copy_deletable(c.id)
    UNION ALL
    -- staged package copies at processing locations whose retention has ended
    SELECT c.id FROM physical_copy c
    JOIN data_location l ON l.id = c.data_location_id
    WHERE c.type = 'raw_data_package' AND c.status = 'staged' AND l.location_type = 'processing'
      AND (locations IS NULL OR c.data_location_id = ANY(locations))
      AND opsdb_copy_deletable(c.id)
    LIMIT max_rows
$$;

-- Name: opsdb_notify_work(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_notify_work() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM pg_notify('opsdb_work', TG_ARGV[0]);
    RETURN NULL;
END;
$$;

-- Name: opsdb_raise_missing_reference(text, text, text, text, text); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_raise_missing_reference(tbl text, constraint_name text, columns text, key text, referenced text) RETURNS void
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE foreign_key_violation USING
        MESSAGE = format('insert or update on table "%s" violates foreign key constraint "%s"', tbl, constraint_name),
        DETAIL = format('Key (%s)=(%s) is not present in table "%s".', columns, key, referenced),
        CONSTRAINT = constraint_name, TABLE = tbl;
END;
$$;

-- Name: opsdb_relative_path_valid(text); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_relative_path_valid(path text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
    SELECT octet_length(path) BETWEEN 1 AND 2048
       AND path !~ '(^/|//|/$|(^|/)\.\.?(/|$)|[\x01-\x1f\x7f])'
$_$;

-- Name: opsdb_restrict_referenced(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_restrict_referenced() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
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
$_$;

-- Name: opsdb_staged_copy_expired(bigint); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_staged_copy_expired(copy_id bigint) RETURNS boolean
    LANGUAGE sql STABLE
    AS $$
    SELECT EXISTS (
        SELECT 1 FROM physical_copy c JOIN data_location l ON l.id = c.data_location_id
        WHERE c.id = copy_id AND c.type = 'raw_data_package' AND l.location_type = 'processing'
          -- never the last copy: the archive it was staged from still holds it, verified
          AND EXISTS (
                SELECT 1 FROM physical_copy a JOIN data_location al ON al.id = a.data_location_id
                WHERE a.type = 'raw_data_package' AND a.raw_data_package_id = c.raw_data_package_id
                  AND a.status = 'present' AND a.checksum_verified_at IS NOT NULL
                  AND al.location_type = 'long_term_archive')
          AND EXISTS (
                SELECT 1 FROM staging_job j JOIN staging_job_package sp ON sp.staging_job_id = j.id
                WHERE sp.raw_data_package_id = c.raw_data_package_id
                  AND j.destination_location_id = c.data_location_id AND j.status = 'completed')
          AND NOT EXISTS (
                SELECT 1 FROM staging_job j JOIN staging_job_package sp ON sp.staging_job_id = j.id
                WHERE sp.raw_data_package_id = c.raw_data_package_id
                  AND j.destination_location_id = c.data_location_id
                  AND (j.status IN ('pending', 'scheduled', 'in_progress')
                       OR (j.status = 'completed' AND (j.retention_until IS NULL OR j.retention_until > now())))))
$$;

-- Name: opsdb_touch_updated_at(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.opsdb_touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

-- Name: physical_copy_check_inserted(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.physical_copy_check_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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
    -- one query (one executor start) for the four references. The files (one per copy in a
    -- registration) are counted in one index scan over their sorted keys; only when one is
    -- missing are they probed key by key to name it.
    WITH files AS (SELECT array_agg(DISTINCT raw_data_file_id) AS ids FROM new_rows WHERE raw_data_file_id IS NOT NULL)
    SELECT ARRAY[
           (SELECT (SELECT d.id FROM unnest(files.ids) d (id)
                    WHERE (SELECT true FROM raw_data_file p WHERE p.id = d.id) IS NULL LIMIT 1)
            FROM files
            WHERE (SELECT count(*) FROM raw_data_file p WHERE p.id = ANY (files.ids)) < cardinality(files.ids)),
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

-- Name: physical_copy_check_updated(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.physical_copy_check_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: raw_data_file_check_inserted(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.raw_data_file_check_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: raw_data_file_check_updated(); Type: FUNCTION; Schema: public; Owner: -

CREATE FUNCTION public.raw_data_file_check_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
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

-- Name: api_token; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.api_token (
    id bigint NOT NULL,
    user_account_id bigint NOT NULL,
    name text NOT NULL,
    token_hash text NOT NULL,
    prefix text NOT NULL,
    scopes text[] DEFAULT '{}'::text[] NOT NULL,
    active boolean DEFAULT true NOT NULL,
    expires_at timestamp with time zone,
    last_used_at timestamp with time zone,
    last_used_ip inet,
    usage_count bigint DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT api_token_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT api_token_prefix_format CHECK ((prefix ~ '^ops_api_token_[A-Za-z0-9_-]{0,8}$'::text)),
    CONSTRAINT api_token_token_hash_sha256 CHECK ((token_hash ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT api_token_usage_count_nonnegative CHECK ((usage_count >= 0))
);

-- Name: api_token_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.api_token ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.api_token_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: data_location; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.data_location (
    id bigint NOT NULL,
    type text NOT NULL,
    site_id bigint NOT NULL,
    name text NOT NULL,
    location_type text NOT NULL,
    priority integer DEFAULT 0 NOT NULL,
    active boolean DEFAULT true NOT NULL,
    host text,
    root_path text,
    endpoint_url text,
    bucket text,
    prefix text,
    region text,
    library_name text,
    media_pool text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT data_location_disk_columns CHECK (((type <> 'disk'::text) OR ((host IS NOT NULL) AND (root_path IS NOT NULL) AND (endpoint_url IS NULL) AND (bucket IS NULL) AND (prefix IS NULL) AND (region IS NULL) AND (library_name IS NULL) AND (media_pool IS NULL)))),
    CONSTRAINT data_location_location_type_valid CHECK ((location_type = ANY (ARRAY['source'::text, 'buffer'::text, 'long_term_archive'::text, 'processing'::text]))),
    CONSTRAINT data_location_name_identifier CHECK ((name ~ '^[a-z][a-z0-9_]{0,62}$'::text)),
    CONSTRAINT data_location_root_path_absolute CHECK ((root_path ~ '^/'::text)),
    CONSTRAINT data_location_s3_columns CHECK (((type <> 's3'::text) OR ((endpoint_url IS NOT NULL) AND (bucket IS NOT NULL) AND (host IS NULL) AND (root_path IS NULL) AND (library_name IS NULL) AND (media_pool IS NULL)))),
    CONSTRAINT data_location_tape_columns CHECK (((type <> 'tape'::text) OR ((library_name IS NOT NULL) AND (endpoint_url IS NULL) AND (bucket IS NULL) AND (prefix IS NULL) AND (region IS NULL)))),
    CONSTRAINT data_location_type_valid CHECK ((type = ANY (ARRAY['disk'::text, 's3'::text, 'tape'::text])))
);

-- Name: data_location_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.data_location ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.data_location_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: data_transfer; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.data_transfer (
    id bigint NOT NULL,
    data_transfer_package_id bigint NOT NULL,
    data_transfer_route_id bigint,
    origin_location_id bigint NOT NULL,
    destination_location_id bigint NOT NULL,
    method text DEFAULT 'bbcp'::text NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 4 NOT NULL,
    last_error text,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    claimed_by text,
    claim_token uuid,
    lease_until timestamp with time zone,
    started_at timestamp with time zone,
    completed_at timestamp with time zone,
    unpack_status text DEFAULT 'pending'::text NOT NULL,
    unpack_attempts integer DEFAULT 0 NOT NULL,
    unpack_max_attempts integer DEFAULT 4 NOT NULL,
    unpack_last_error text,
    unpack_next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    unpack_claimed_by text,
    unpack_claim_token uuid,
    unpack_lease_until timestamp with time zone,
    unpacked_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT data_transfer_attempts_nonnegative CHECK ((attempts >= 0)),
    CONSTRAINT data_transfer_claim_columns CHECK (((status <> 'in_progress'::text) OR ((claim_token IS NOT NULL) AND (lease_until IS NOT NULL) AND (claimed_by IS NOT NULL)))),
    CONSTRAINT data_transfer_distinct_locations CHECK ((origin_location_id <> destination_location_id)),
    CONSTRAINT data_transfer_max_attempts_positive CHECK ((max_attempts > 0)),
    CONSTRAINT data_transfer_method_nonempty CHECK ((method <> ''::text)),
    CONSTRAINT data_transfer_status_valid CHECK ((status = ANY (ARRAY['pending'::text, 'scheduled'::text, 'in_progress'::text, 'completed'::text, 'failed'::text]))),
    CONSTRAINT data_transfer_unpack_after_transfer CHECK (((unpack_status = 'pending'::text) OR (status = 'completed'::text))),
    CONSTRAINT data_transfer_unpack_attempts_nonnegative CHECK ((unpack_attempts >= 0)),
    CONSTRAINT data_transfer_unpack_claim_columns CHECK (((unpack_status <> 'in_progress'::text) OR ((unpack_claim_token IS NOT NULL) AND (unpack_lease_until IS NOT NULL) AND (unpack_claimed_by IS NOT NULL)))),
    CONSTRAINT data_transfer_unpack_max_attempts_positive CHECK ((unpack_max_attempts > 0)),
    CONSTRAINT data_transfer_unpack_status_valid CHECK ((unpack_status = ANY (ARRAY['pending'::text, 'scheduled'::text, 'in_progress'::text, 'completed'::text, 'failed'::text])))
);

-- Name: data_transfer_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.data_transfer ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.data_transfer_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: data_transfer_log; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.data_transfer_log (
    id bigint NOT NULL,
    data_transfer_id bigint NOT NULL,
    level text DEFAULT 'info'::text NOT NULL,
    message text NOT NULL,
    log_path text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT data_transfer_log_level_valid CHECK ((level = ANY (ARRAY['debug'::text, 'info'::text, 'warning'::text, 'error'::text]))),
    CONSTRAINT data_transfer_log_message_length CHECK ((length(message) <= 1000))
);

-- Name: data_transfer_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.data_transfer_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.data_transfer_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: data_transfer_package; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.data_transfer_package (
    id bigint NOT NULL,
    name text NOT NULL,
    relative_path text NOT NULL,
    origin_location_id bigint NOT NULL,
    size_bytes bigint,
    checksum text,
    checksum_algorithm text,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 4 NOT NULL,
    last_error text,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    claimed_by text,
    claim_token uuid,
    lease_until timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT data_transfer_package_attempts_nonnegative CHECK ((attempts >= 0)),
    CONSTRAINT data_transfer_package_checksum_valid CHECK ((((checksum IS NULL) = (checksum_algorithm IS NULL)) AND ((checksum IS NULL) OR public.opsdb_checksum_valid(checksum_algorithm, checksum)))),
    CONSTRAINT data_transfer_package_claim_columns CHECK (((status <> 'in_progress'::text) OR ((claim_token IS NOT NULL) AND (lease_until IS NOT NULL) AND (claimed_by IS NOT NULL)))),
    CONSTRAINT data_transfer_package_completed_has_checksum CHECK (((status <> 'completed'::text) OR ((size_bytes IS NOT NULL) AND (checksum IS NOT NULL)))),
    CONSTRAINT data_transfer_package_max_attempts_positive CHECK ((max_attempts > 0)),
    CONSTRAINT data_transfer_package_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT data_transfer_package_relative_path_valid CHECK (public.opsdb_relative_path_valid(relative_path)),
    CONSTRAINT data_transfer_package_size_nonnegative CHECK ((size_bytes >= 0)),
    CONSTRAINT data_transfer_package_status_valid CHECK ((status = ANY (ARRAY['pending'::text, 'scheduled'::text, 'in_progress'::text, 'completed'::text, 'failed'::text])))
);

-- Name: data_transfer_package_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.data_transfer_package ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.data_transfer_package_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: data_transfer_route; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.data_transfer_route (
    id bigint NOT NULL,
    name text NOT NULL,
    origin_site_id bigint NOT NULL,
    destination_site_id bigint NOT NULL,
    route_type text NOT NULL,
    method text DEFAULT 'bbcp'::text NOT NULL,
    relay_site_id bigint,
    origin_location_id bigint,
    destination_location_id bigint,
    priority integer DEFAULT 0 NOT NULL,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT data_transfer_route_custom_columns CHECK (
CASE
    WHEN (route_type = 'custom'::text) THEN ((origin_location_id IS NOT NULL) OR (destination_location_id IS NOT NULL))
    ELSE ((origin_location_id IS NULL) AND (destination_location_id IS NULL))
END),
    CONSTRAINT data_transfer_route_distinct_sites CHECK ((origin_site_id <> destination_site_id)),
    CONSTRAINT data_transfer_route_method_nonempty CHECK ((method <> ''::text)),
    CONSTRAINT data_transfer_route_name_identifier CHECK ((name ~ '^[a-z][a-z0-9_]{0,62}$'::text)),
    CONSTRAINT data_transfer_route_relay_columns CHECK ((((route_type = 'relay'::text) = (relay_site_id IS NOT NULL)) AND ((relay_site_id IS NULL) OR ((relay_site_id <> origin_site_id) AND (relay_site_id <> destination_site_id))))),
    CONSTRAINT data_transfer_route_route_type_valid CHECK ((route_type = ANY (ARRAY['direct'::text, 'relay'::text, 'custom'::text])))
);

-- Name: data_transfer_route_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.data_transfer_route ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.data_transfer_route_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: executed_obs_unit; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.executed_obs_unit (
    id uuid NOT NULL,
    obs_unit_id bigint NOT NULL,
    status text DEFAULT 'running'::text NOT NULL,
    start_time timestamp with time zone NOT NULL,
    end_time timestamp with time zone,
    conditions jsonb DEFAULT '{}'::jsonb NOT NULL,
    notes text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT executed_obs_unit_conditions_object CHECK ((jsonb_typeof(conditions) = 'object'::text)),
    CONSTRAINT executed_obs_unit_end_time_iff_finished CHECK (((status = 'running'::text) = (end_time IS NULL))),
    CONSTRAINT executed_obs_unit_status_valid CHECK ((status = ANY (ARRAY['running'::text, 'completed'::text, 'failed'::text, 'aborted'::text]))),
    CONSTRAINT executed_obs_unit_time_order CHECK ((end_time >= start_time))
);

-- Name: instrument; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.instrument (
    id bigint NOT NULL,
    telescope_id bigint NOT NULL,
    name text NOT NULL,
    description text,
    available boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT instrument_name_nonempty CHECK ((name <> ''::text))
);

-- Name: instrument_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.instrument ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.instrument_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: instrument_module; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.instrument_module (
    id bigint NOT NULL,
    instrument_id bigint NOT NULL,
    name text NOT NULL,
    description text,
    pixel_count integer,
    frequency_min_ghz double precision,
    frequency_max_ghz double precision,
    available boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT instrument_module_frequency_min_positive CHECK ((frequency_min_ghz > (0)::double precision)),
    CONSTRAINT instrument_module_frequency_order CHECK ((frequency_max_ghz >= frequency_min_ghz)),
    CONSTRAINT instrument_module_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT instrument_module_pixel_count_positive CHECK ((pixel_count > 0))
);

-- Name: instrument_module_configuration; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.instrument_module_configuration (
    id bigint NOT NULL,
    instrument_module_id bigint NOT NULL,
    name text NOT NULL,
    parameters jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT instrument_module_configuration_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT instrument_module_configuration_parameters_object CHECK ((jsonb_typeof(parameters) = 'object'::text))
);

-- Name: instrument_module_configuration_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.instrument_module_configuration ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.instrument_module_configuration_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: instrument_module_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.instrument_module ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.instrument_module_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: long_term_archive_transfer; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.long_term_archive_transfer (
    id bigint NOT NULL,
    raw_data_package_id bigint NOT NULL,
    origin_location_id bigint NOT NULL,
    destination_location_id bigint NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 4 NOT NULL,
    last_error text,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    claimed_by text,
    claim_token uuid,
    lease_until timestamp with time zone,
    completed_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT long_term_archive_transfer_attempts_nonnegative CHECK ((attempts >= 0)),
    CONSTRAINT long_term_archive_transfer_claim_columns CHECK (((status <> 'in_progress'::text) OR ((claim_token IS NOT NULL) AND (lease_until IS NOT NULL) AND (claimed_by IS NOT NULL)))),
    CONSTRAINT long_term_archive_transfer_distinct_locations CHECK ((origin_location_id <> destination_location_id)),
    CONSTRAINT long_term_archive_transfer_max_attempts_positive CHECK ((max_attempts > 0)),
    CONSTRAINT long_term_archive_transfer_status_valid CHECK ((status = ANY (ARRAY['pending'::text, 'scheduled'::text, 'in_progress'::text, 'completed'::text, 'failed'::text])))
);

-- Name: long_term_archive_transfer_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.long_term_archive_transfer ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.long_term_archive_transfer_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: obs_mode; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.obs_mode (
    id bigint NOT NULL,
    name text NOT NULL,
    description text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT obs_mode_name_nonempty CHECK ((name <> ''::text))
);

-- Name: obs_mode_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.obs_mode ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.obs_mode_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: obs_unit; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.obs_unit (
    id bigint NOT NULL,
    name text NOT NULL,
    observing_program_id bigint NOT NULL,
    sub_observing_program_id bigint,
    source_id bigint NOT NULL,
    obs_mode_id bigint NOT NULL,
    observation_configuration_id bigint,
    priority integer DEFAULT 0 NOT NULL,
    requested_duration_s double precision,
    min_elevation_deg double precision,
    max_elevation_deg double precision,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT obs_unit_elevation_order CHECK ((max_elevation_deg >= min_elevation_deg)),
    CONSTRAINT obs_unit_max_elevation_range CHECK (((max_elevation_deg >= (0)::double precision) AND (max_elevation_deg <= (90)::double precision))),
    CONSTRAINT obs_unit_min_elevation_range CHECK (((min_elevation_deg >= (0)::double precision) AND (min_elevation_deg <= (90)::double precision))),
    CONSTRAINT obs_unit_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT obs_unit_requested_duration_positive CHECK ((requested_duration_s > (0)::double precision))
);

-- Name: obs_unit_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.obs_unit ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.obs_unit_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: obs_unit_instrument_module_configuration; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.obs_unit_instrument_module_configuration (
    obs_unit_id bigint NOT NULL,
    instrument_module_configuration_id bigint CONSTRAINT obs_unit_instrument_module__instrument_module_configur_not_null NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

-- Name: observation_configuration; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.observation_configuration (
    id bigint NOT NULL,
    name text NOT NULL,
    parameters jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT observation_configuration_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT observation_configuration_parameters_object CHECK ((jsonb_typeof(parameters) = 'object'::text))
);

-- Name: observation_configuration_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.observation_configuration ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.observation_configuration_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: observatory; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.observatory (
    id bigint NOT NULL,
    name text NOT NULL,
    description text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT observatory_name_nonempty CHECK ((name <> ''::text))
);

-- Name: observatory_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.observatory ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.observatory_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: observing_program; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.observing_program (
    id bigint NOT NULL,
    name text NOT NULL,
    short_name text NOT NULL,
    description text,
    pi_name text,
    contact_email text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT observing_program_contact_email_format CHECK ((contact_email ~ '^[^@\s]+@[^@\s]+$'::text)),
    CONSTRAINT observing_program_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT observing_program_short_name_identifier CHECK ((short_name ~ '^[A-Za-z][A-Za-z0-9_-]{0,31}$'::text))
);

-- Name: observing_program_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.observing_program ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.observing_program_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: permission; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.permission (
    id bigint NOT NULL,
    name text NOT NULL,
    description text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT permission_name_format CHECK ((name ~ '^[a-z][a-z_]*:([a-z][a-z_]*|\*)$'::text))
);

-- Name: permission_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.permission ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.permission_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: physical_copy; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.physical_copy (
    id bigint NOT NULL,
    type text NOT NULL,
    raw_data_file_id uuid,
    raw_data_package_id bigint,
    data_transfer_package_id bigint,
    data_location_id bigint NOT NULL,
    status text DEFAULT 'present'::text NOT NULL,
    checksum_verified_at timestamp with time zone,
    deleted_at timestamp with time zone,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 4 NOT NULL,
    last_error text,
    next_attempt_at timestamp with time zone,
    claimed_by text,
    claim_token uuid,
    lease_until timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT physical_copy_attempts_nonnegative CHECK ((attempts >= 0)),
    CONSTRAINT physical_copy_claim_columns CHECK (((status <> 'deletion_in_progress'::text) OR ((claim_token IS NOT NULL) AND (lease_until IS NOT NULL) AND (claimed_by IS NOT NULL)))),
    CONSTRAINT physical_copy_deleted_at_iff_deleted CHECK (((status = 'deleted'::text) = (deleted_at IS NOT NULL))),
    CONSTRAINT physical_copy_max_attempts_positive CHECK ((max_attempts > 0)),
    CONSTRAINT physical_copy_status_valid CHECK ((status = ANY (ARRAY['present'::text, 'staged'::text, 'deletion_scheduled'::text, 'deletion_in_progress'::text, 'deletion_possible'::text, 'deleted'::text, 'deletion_failed'::text]))),
    CONSTRAINT physical_copy_type_columns CHECK ((((type = 'raw_data_file'::text) = (raw_data_file_id IS NOT NULL)) AND ((type = 'raw_data_package'::text) = (raw_data_package_id IS NOT NULL)) AND ((type = 'data_transfer_package'::text) = (data_transfer_package_id IS NOT NULL)))),
    CONSTRAINT physical_copy_type_valid CHECK ((type = ANY (ARRAY['raw_data_file'::text, 'raw_data_package'::text, 'data_transfer_package'::text])))
);

-- Name: physical_copy_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.physical_copy ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.physical_copy_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: raw_data_file; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.raw_data_file (
    id uuid NOT NULL,
    instrument_module_id bigint NOT NULL,
    executed_obs_unit_id uuid NOT NULL,
    raw_data_package_id bigint,
    name text NOT NULL,
    relative_path text NOT NULL COLLATE pg_catalog."C",
    size_bytes bigint NOT NULL,
    checksum text NOT NULL,
    checksum_algorithm text NOT NULL,
    file_type text,
    file_created_at timestamp with time zone,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT raw_data_file_checksum_valid CHECK (public.opsdb_checksum_valid(checksum_algorithm, checksum)),
    CONSTRAINT raw_data_file_metadata_object CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT raw_data_file_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT raw_data_file_relative_path_valid CHECK (public.opsdb_relative_path_valid(relative_path)),
    CONSTRAINT raw_data_file_size_nonnegative CHECK ((size_bytes >= 0))
);

-- Name: raw_data_package; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.raw_data_package (
    id bigint NOT NULL,
    name text NOT NULL,
    relative_path text NOT NULL,
    executed_obs_unit_id uuid NOT NULL,
    instrument_module_id bigint NOT NULL,
    origin_location_id bigint NOT NULL,
    size_bytes bigint,
    checksum text,
    checksum_algorithm text,
    state text DEFAULT 'waiting'::text NOT NULL,
    data_transfer_package_id bigint,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 4 NOT NULL,
    last_error text,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    claimed_by text,
    claim_token uuid,
    lease_until timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT raw_data_package_attempts_nonnegative CHECK ((attempts >= 0)),
    CONSTRAINT raw_data_package_checksum_valid CHECK ((((checksum IS NULL) = (checksum_algorithm IS NULL)) AND ((checksum IS NULL) OR public.opsdb_checksum_valid(checksum_algorithm, checksum)))),
    CONSTRAINT raw_data_package_claim_columns CHECK (((status <> 'in_progress'::text) OR ((claim_token IS NOT NULL) AND (lease_until IS NOT NULL) AND (claimed_by IS NOT NULL)))),
    CONSTRAINT raw_data_package_completed_has_checksum CHECK (((status <> 'completed'::text) OR ((size_bytes IS NOT NULL) AND (checksum IS NOT NULL)))),
    CONSTRAINT raw_data_package_max_attempts_positive CHECK ((max_attempts > 0)),
    CONSTRAINT raw_data_package_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT raw_data_package_relative_path_valid CHECK (public.opsdb_relative_path_valid(relative_path)),
    CONSTRAINT raw_data_package_size_nonnegative CHECK ((size_bytes >= 0)),
    CONSTRAINT raw_data_package_state_valid CHECK ((state = ANY (ARRAY['waiting'::text, 'transferring'::text, 'archived'::text, 'failed'::text]))),
    CONSTRAINT raw_data_package_status_valid CHECK ((status = ANY (ARRAY['pending'::text, 'scheduled'::text, 'in_progress'::text, 'completed'::text, 'failed'::text])))
);

-- Name: raw_data_package_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.raw_data_package ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.raw_data_package_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: raw_data_package_metadata; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.raw_data_package_metadata (
    raw_data_package_id bigint NOT NULL,
    obs_id text,
    obs_collection text,
    obs_publisher_did text,
    dataproduct_type text,
    calib_level integer,
    target_name text,
    s_ra double precision,
    s_dec double precision,
    s_fov double precision,
    t_min double precision,
    t_max double precision,
    t_exptime double precision,
    em_min double precision,
    em_max double precision,
    em_res_power double precision,
    pol_states text,
    o_ucd text,
    facility_name text,
    instrument_name text,
    extra jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT raw_data_package_metadata_calib_level_range CHECK (((calib_level >= 0) AND (calib_level <= 4))),
    CONSTRAINT raw_data_package_metadata_em_min_positive CHECK ((em_min > (0)::double precision)),
    CONSTRAINT raw_data_package_metadata_em_order CHECK ((em_max >= em_min)),
    CONSTRAINT raw_data_package_metadata_extra_object CHECK ((jsonb_typeof(extra) = 'object'::text)),
    CONSTRAINT raw_data_package_metadata_s_dec_range CHECK (((s_dec >= ('-90'::integer)::double precision) AND (s_dec <= (90)::double precision))),
    CONSTRAINT raw_data_package_metadata_s_fov_nonnegative CHECK ((s_fov >= (0)::double precision)),
    CONSTRAINT raw_data_package_metadata_s_ra_range CHECK (((s_ra >= (0)::double precision) AND (s_ra < (360)::double precision))),
    CONSTRAINT raw_data_package_metadata_t_exptime_nonnegative CHECK ((t_exptime >= (0)::double precision)),
    CONSTRAINT raw_data_package_metadata_t_order CHECK ((t_max >= t_min))
);

-- Name: role; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.role (
    id bigint NOT NULL,
    name text NOT NULL,
    description text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT role_name_format CHECK ((name ~ '^[a-z][a-z0-9_]{0,62}$'::text))
);

-- Name: role_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.role ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.role_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: role_permission; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.role_permission (
    role_id bigint NOT NULL,
    permission_id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

-- Name: site; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.site (
    id bigint NOT NULL,
    name text NOT NULL,
    short_name text NOT NULL,
    location text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT site_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT site_short_name_identifier CHECK ((short_name ~ '^[a-z][a-z0-9_]{0,62}$'::text))
);

-- Name: site_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.site ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.site_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: source; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.source (
    id bigint NOT NULL,
    type text NOT NULL,
    name text NOT NULL,
    description text,
    ra_deg double precision,
    dec_deg double precision,
    frame text,
    ephemeris_body text,
    ra_min_deg double precision,
    ra_max_deg double precision,
    dec_min_deg double precision,
    dec_max_deg double precision,
    elevation_deg double precision,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT source_constant_elevation_columns CHECK (
CASE
    WHEN (type = 'constant_elevation'::text) THEN ((ra_min_deg IS NOT NULL) AND (ra_max_deg IS NOT NULL) AND (dec_min_deg IS NOT NULL) AND (dec_max_deg IS NOT NULL) AND (elevation_deg IS NOT NULL) AND (dec_min_deg <= dec_max_deg))
    ELSE ((ra_min_deg IS NULL) AND (ra_max_deg IS NULL) AND (dec_min_deg IS NULL) AND (dec_max_deg IS NULL) AND (elevation_deg IS NULL))
END),
    CONSTRAINT source_dec_max_range CHECK (((dec_max_deg >= ('-90'::integer)::double precision) AND (dec_max_deg <= (90)::double precision))),
    CONSTRAINT source_dec_min_range CHECK (((dec_min_deg >= ('-90'::integer)::double precision) AND (dec_min_deg <= (90)::double precision))),
    CONSTRAINT source_dec_range CHECK (((dec_deg >= ('-90'::integer)::double precision) AND (dec_deg <= (90)::double precision))),
    CONSTRAINT source_elevation_range CHECK (((elevation_deg > (0)::double precision) AND (elevation_deg <= (90)::double precision))),
    CONSTRAINT source_ephemeris_body_nonempty CHECK ((ephemeris_body <> ''::text)),
    CONSTRAINT source_fixed_columns CHECK (
CASE
    WHEN (type = 'fixed'::text) THEN ((ra_deg IS NOT NULL) AND (dec_deg IS NOT NULL) AND (frame IS NOT NULL))
    ELSE ((ra_deg IS NULL) AND (dec_deg IS NULL) AND (frame IS NULL))
END),
    CONSTRAINT source_frame_valid CHECK ((frame = ANY (ARRAY['icrs'::text, 'fk5'::text, 'galactic'::text]))),
    CONSTRAINT source_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT source_ra_max_range CHECK (((ra_max_deg >= (0)::double precision) AND (ra_max_deg <= (360)::double precision))),
    CONSTRAINT source_ra_min_range CHECK (((ra_min_deg >= (0)::double precision) AND (ra_min_deg < (360)::double precision))),
    CONSTRAINT source_ra_range CHECK (((ra_deg >= (0)::double precision) AND (ra_deg < (360)::double precision))),
    CONSTRAINT source_solar_system_columns CHECK (((type = 'solar_system'::text) = (ephemeris_body IS NOT NULL))),
    CONSTRAINT source_type_valid CHECK ((type = ANY (ARRAY['fixed'::text, 'solar_system'::text, 'constant_elevation'::text])))
);

-- Name: source_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.source ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.source_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: staging_job; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.staging_job (
    id bigint NOT NULL,
    user_account_id bigint NOT NULL,
    destination_location_id bigint NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 4 NOT NULL,
    last_error text,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    claimed_by text,
    claim_token uuid,
    lease_until timestamp with time zone,
    retention_until timestamp with time zone,
    completed_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT staging_job_attempts_nonnegative CHECK ((attempts >= 0)),
    CONSTRAINT staging_job_claim_columns CHECK (((status <> 'in_progress'::text) OR ((claim_token IS NOT NULL) AND (lease_until IS NOT NULL) AND (claimed_by IS NOT NULL)))),
    CONSTRAINT staging_job_max_attempts_positive CHECK ((max_attempts > 0)),
    CONSTRAINT staging_job_status_valid CHECK ((status = ANY (ARRAY['pending'::text, 'scheduled'::text, 'in_progress'::text, 'completed'::text, 'failed'::text])))
);

-- Name: staging_job_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.staging_job ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.staging_job_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: staging_job_package; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.staging_job_package (
    staging_job_id bigint NOT NULL,
    raw_data_package_id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

-- Name: sub_observing_program; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.sub_observing_program (
    id bigint NOT NULL,
    observing_program_id bigint NOT NULL,
    name text NOT NULL,
    short_name text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT sub_observing_program_name_nonempty CHECK ((name <> ''::text)),
    CONSTRAINT sub_observing_program_short_name_identifier CHECK ((short_name ~ '^[A-Za-z][A-Za-z0-9_-]{0,31}$'::text))
);

-- Name: sub_observing_program_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.sub_observing_program ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.sub_observing_program_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: telescope; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.telescope (
    id bigint NOT NULL,
    observatory_id bigint NOT NULL,
    name text NOT NULL,
    description text,
    latitude_deg double precision,
    longitude_deg double precision,
    elevation_m double precision,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT telescope_elevation_range CHECK (((elevation_m >= ('-500'::integer)::double precision) AND (elevation_m <= (9000)::double precision))),
    CONSTRAINT telescope_latitude_range CHECK (((latitude_deg >= ('-90'::integer)::double precision) AND (latitude_deg <= (90)::double precision))),
    CONSTRAINT telescope_longitude_range CHECK (((longitude_deg >= ('-180'::integer)::double precision) AND (longitude_deg <= (180)::double precision))),
    CONSTRAINT telescope_name_nonempty CHECK ((name <> ''::text))
);

-- Name: telescope_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.telescope ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.telescope_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: user_account; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.user_account (
    id bigint NOT NULL,
    username text NOT NULL,
    email text,
    display_name text,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT user_account_email_format CHECK ((email ~ '^[^@\s]+@[^@\s]+$'::text)),
    CONSTRAINT user_account_username_format CHECK ((username ~ '^[a-z0-9][a-z0-9._-]{0,62}$'::text))
);

-- Name: user_account_id_seq; Type: SEQUENCE; Schema: public; Owner: -

ALTER TABLE public.user_account ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.user_account_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

-- Name: user_role; Type: TABLE; Schema: public; Owner: -

CREATE TABLE public.user_role (
    user_account_id bigint NOT NULL,
    role_id bigint NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

-- Name: api_token api_token_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.api_token
    ADD CONSTRAINT api_token_pkey PRIMARY KEY (id);

-- Name: api_token api_token_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.api_token
    ADD CONSTRAINT api_token_token_hash_key UNIQUE (token_hash);

-- Name: api_token api_token_user_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.api_token
    ADD CONSTRAINT api_token_user_name_key UNIQUE (user_account_id, name);

-- Name: data_location data_location_id_site_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_location
    ADD CONSTRAINT data_location_id_site_key UNIQUE (id, site_id);

-- Name: data_location data_location_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_location
    ADD CONSTRAINT data_location_pkey PRIMARY KEY (id);

-- Name: data_location data_location_site_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_location
    ADD CONSTRAINT data_location_site_name_key UNIQUE (site_id, name);

-- Name: data_transfer_log data_transfer_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_log
    ADD CONSTRAINT data_transfer_log_pkey PRIMARY KEY (id);

-- Name: data_transfer data_transfer_package_destination_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer
    ADD CONSTRAINT data_transfer_package_destination_key UNIQUE (data_transfer_package_id, destination_location_id);

-- Name: data_transfer_package data_transfer_package_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_package
    ADD CONSTRAINT data_transfer_package_name_key UNIQUE (name);

-- Name: data_transfer_package data_transfer_package_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_package
    ADD CONSTRAINT data_transfer_package_pkey PRIMARY KEY (id);

-- Name: data_transfer data_transfer_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer
    ADD CONSTRAINT data_transfer_pkey PRIMARY KEY (id);

-- Name: data_transfer_route data_transfer_route_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_route
    ADD CONSTRAINT data_transfer_route_name_key UNIQUE (name);

-- Name: data_transfer_route data_transfer_route_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_route
    ADD CONSTRAINT data_transfer_route_pkey PRIMARY KEY (id);

-- Name: executed_obs_unit executed_obs_unit_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.executed_obs_unit
    ADD CONSTRAINT executed_obs_unit_pkey PRIMARY KEY (id);

-- Name: instrument_module_configuration instrument_module_configuration_module_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.instrument_module_configuration
    ADD CONSTRAINT instrument_module_configuration_module_name_key UNIQUE (instrument_module_id, name);

-- Name: instrument_module_configuration instrument_module_configuration_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.instrument_module_configuration
    ADD CONSTRAINT instrument_module_configuration_pkey PRIMARY KEY (id);

-- Name: instrument_module instrument_module_instrument_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.instrument_module
    ADD CONSTRAINT instrument_module_instrument_name_key UNIQUE (instrument_id, name);

-- Name: instrument_module instrument_module_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.instrument_module
    ADD CONSTRAINT instrument_module_pkey PRIMARY KEY (id);

-- Name: instrument instrument_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.instrument
    ADD CONSTRAINT instrument_pkey PRIMARY KEY (id);

-- Name: instrument instrument_telescope_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.instrument
    ADD CONSTRAINT instrument_telescope_name_key UNIQUE (telescope_id, name);

-- Name: long_term_archive_transfer long_term_archive_transfer_package_destination_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.long_term_archive_transfer
    ADD CONSTRAINT long_term_archive_transfer_package_destination_key UNIQUE (raw_data_package_id, destination_location_id);

-- Name: long_term_archive_transfer long_term_archive_transfer_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.long_term_archive_transfer
    ADD CONSTRAINT long_term_archive_transfer_pkey PRIMARY KEY (id);

-- Name: obs_mode obs_mode_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_mode
    ADD CONSTRAINT obs_mode_name_key UNIQUE (name);

-- Name: obs_mode obs_mode_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_mode
    ADD CONSTRAINT obs_mode_pkey PRIMARY KEY (id);

-- Name: obs_unit_instrument_module_configuration obs_unit_instrument_module_configuration_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit_instrument_module_configuration
    ADD CONSTRAINT obs_unit_instrument_module_configuration_pkey PRIMARY KEY (obs_unit_id, instrument_module_configuration_id);

-- Name: obs_unit obs_unit_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit
    ADD CONSTRAINT obs_unit_name_key UNIQUE (name);

-- Name: obs_unit obs_unit_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit
    ADD CONSTRAINT obs_unit_pkey PRIMARY KEY (id);

-- Name: observation_configuration observation_configuration_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.observation_configuration
    ADD CONSTRAINT observation_configuration_name_key UNIQUE (name);

-- Name: observation_configuration observation_configuration_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.observation_configuration
    ADD CONSTRAINT observation_configuration_pkey PRIMARY KEY (id);

-- Name: observatory observatory_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.observatory
    ADD CONSTRAINT observatory_name_key UNIQUE (name);

-- Name: observatory observatory_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.observatory
    ADD CONSTRAINT observatory_pkey PRIMARY KEY (id);

-- Name: observing_program observing_program_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.observing_program
    ADD CONSTRAINT observing_program_pkey PRIMARY KEY (id);

-- Name: observing_program observing_program_short_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.observing_program
    ADD CONSTRAINT observing_program_short_name_key UNIQUE (short_name);

-- Name: permission permission_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.permission
    ADD CONSTRAINT permission_name_key UNIQUE (name);

-- Name: permission permission_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.permission
    ADD CONSTRAINT permission_pkey PRIMARY KEY (id);

-- Name: physical_copy physical_copy_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.physical_copy
    ADD CONSTRAINT physical_copy_pkey PRIMARY KEY (id);

-- Name: raw_data_file raw_data_file_module_path_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_file
    ADD CONSTRAINT raw_data_file_module_path_key UNIQUE (instrument_module_id, relative_path);

-- Name: raw_data_file raw_data_file_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_file
    ADD CONSTRAINT raw_data_file_pkey PRIMARY KEY (id);

-- Name: raw_data_package raw_data_package_id_eou_module_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_package
    ADD CONSTRAINT raw_data_package_id_eou_module_key UNIQUE (id, executed_obs_unit_id, instrument_module_id);

-- Name: raw_data_package_metadata raw_data_package_metadata_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_package_metadata
    ADD CONSTRAINT raw_data_package_metadata_pkey PRIMARY KEY (raw_data_package_id);

-- Name: raw_data_package raw_data_package_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_package
    ADD CONSTRAINT raw_data_package_name_key UNIQUE (name);

-- Name: raw_data_package raw_data_package_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_package
    ADD CONSTRAINT raw_data_package_pkey PRIMARY KEY (id);

-- Name: role role_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.role
    ADD CONSTRAINT role_name_key UNIQUE (name);

-- Name: role_permission role_permission_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.role_permission
    ADD CONSTRAINT role_permission_pkey PRIMARY KEY (role_id, permission_id);

-- Name: role role_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.role
    ADD CONSTRAINT role_pkey PRIMARY KEY (id);

-- Name: site site_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.site
    ADD CONSTRAINT site_name_key UNIQUE (name);

-- Name: site site_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.site
    ADD CONSTRAINT site_pkey PRIMARY KEY (id);

-- Name: site site_short_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.site
    ADD CONSTRAINT site_short_name_key UNIQUE (short_name);

-- Name: source source_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.source
    ADD CONSTRAINT source_name_key UNIQUE (name);

-- Name: source source_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.source
    ADD CONSTRAINT source_pkey PRIMARY KEY (id);

-- Name: staging_job_package staging_job_package_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.staging_job_package
    ADD CONSTRAINT staging_job_package_pkey PRIMARY KEY (staging_job_id, raw_data_package_id);

-- Name: staging_job staging_job_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.staging_job
    ADD CONSTRAINT staging_job_pkey PRIMARY KEY (id);

-- Name: sub_observing_program sub_observing_program_id_program_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.sub_observing_program
    ADD CONSTRAINT sub_observing_program_id_program_key UNIQUE (id, observing_program_id);

-- Name: sub_observing_program sub_observing_program_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.sub_observing_program
    ADD CONSTRAINT sub_observing_program_pkey PRIMARY KEY (id);

-- Name: sub_observing_program sub_observing_program_program_short_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.sub_observing_program
    ADD CONSTRAINT sub_observing_program_program_short_name_key UNIQUE (observing_program_id, short_name);

-- Name: telescope telescope_name_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.telescope
    ADD CONSTRAINT telescope_name_key UNIQUE (name);

-- Name: telescope telescope_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.telescope
    ADD CONSTRAINT telescope_pkey PRIMARY KEY (id);

-- Name: user_account user_account_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.user_account
    ADD CONSTRAINT user_account_pkey PRIMARY KEY (id);

-- Name: user_account user_account_username_key; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.user_account
    ADD CONSTRAINT user_account_username_key UNIQUE (username);

-- Name: user_role user_role_pkey; Type: CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.user_role
    ADD CONSTRAINT user_role_pkey PRIMARY KEY (user_account_id, role_id);

-- Name: data_location_location_type_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_location_location_type_idx ON public.data_location USING btree (location_type, priority) WHERE active;

-- Name: data_transfer_log_transfer_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_log_transfer_idx ON public.data_transfer_log USING btree (data_transfer_id, created_at);

-- Name: data_transfer_package_work_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_package_work_idx ON public.data_transfer_package USING btree (next_attempt_at) WHERE (status = ANY (ARRAY['pending'::text, 'in_progress'::text]));

-- Name: data_transfer_route_origin_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_route_origin_idx ON public.data_transfer_route USING btree (origin_site_id, priority) WHERE active;

-- Name: data_transfer_unpack_work_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_unpack_work_idx ON public.data_transfer USING btree (unpack_next_attempt_at) WHERE ((status = 'completed'::text) AND (unpack_status = ANY (ARRAY['pending'::text, 'in_progress'::text])));

-- Name: data_transfer_work_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX data_transfer_work_idx ON public.data_transfer USING btree (next_attempt_at) WHERE (status = ANY (ARRAY['pending'::text, 'in_progress'::text]));

-- Name: executed_obs_unit_obs_unit_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX executed_obs_unit_obs_unit_idx ON public.executed_obs_unit USING btree (obs_unit_id);

-- Name: executed_obs_unit_start_time_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX executed_obs_unit_start_time_idx ON public.executed_obs_unit USING btree (start_time);

-- Name: long_term_archive_transfer_origin_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX long_term_archive_transfer_origin_idx ON public.long_term_archive_transfer USING btree (raw_data_package_id, origin_location_id) WHERE (status <> 'completed'::text);

-- Name: long_term_archive_transfer_work_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX long_term_archive_transfer_work_idx ON public.long_term_archive_transfer USING btree (next_attempt_at) WHERE (status = ANY (ARRAY['pending'::text, 'in_progress'::text]));

-- Name: obs_unit_imc_configuration_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX obs_unit_imc_configuration_idx ON public.obs_unit_instrument_module_configuration USING btree (instrument_module_configuration_id);

-- Name: obs_unit_observing_program_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX obs_unit_observing_program_idx ON public.obs_unit USING btree (observing_program_id);

-- Name: obs_unit_source_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX obs_unit_source_idx ON public.obs_unit USING btree (source_id);

-- Name: physical_copy_deletion_work_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX physical_copy_deletion_work_idx ON public.physical_copy USING btree (next_attempt_at) WHERE (status = ANY (ARRAY['deletion_scheduled'::text, 'deletion_in_progress'::text]));

-- Name: physical_copy_dtp_location_key; Type: INDEX; Schema: public; Owner: -

CREATE UNIQUE INDEX physical_copy_dtp_location_key ON public.physical_copy USING btree (data_transfer_package_id, data_location_id) WHERE (type = 'data_transfer_package'::text);

-- Name: physical_copy_file_location_key; Type: INDEX; Schema: public; Owner: -

CREATE UNIQUE INDEX physical_copy_file_location_key ON public.physical_copy USING btree (raw_data_file_id, data_location_id);

-- Name: physical_copy_location_status_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX physical_copy_location_status_idx ON public.physical_copy USING btree (data_location_id, status) WHERE (type <> 'raw_data_file'::text);

-- Name: physical_copy_package_location_key; Type: INDEX; Schema: public; Owner: -

CREATE UNIQUE INDEX physical_copy_package_location_key ON public.physical_copy USING btree (raw_data_package_id, data_location_id) WHERE (type = 'raw_data_package'::text);

-- Name: raw_data_file_package_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX raw_data_file_package_idx ON public.raw_data_file USING btree (raw_data_package_id) WHERE (raw_data_package_id IS NOT NULL);

-- Name: raw_data_file_unpackaged_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX raw_data_file_unpackaged_idx ON public.raw_data_file USING btree (executed_obs_unit_id, instrument_module_id) WHERE (raw_data_package_id IS NULL);

-- Name: raw_data_package_archived_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX raw_data_package_archived_idx ON public.raw_data_package USING btree (id) WHERE (state = 'archived'::text);

-- Name: raw_data_package_dtp_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX raw_data_package_dtp_idx ON public.raw_data_package USING btree (data_transfer_package_id) WHERE (data_transfer_package_id IS NOT NULL);

-- Name: raw_data_package_eou_module_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX raw_data_package_eou_module_idx ON public.raw_data_package USING btree (executed_obs_unit_id, instrument_module_id);

-- Name: raw_data_package_state_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX raw_data_package_state_idx ON public.raw_data_package USING btree (state) WHERE (state <> 'archived'::text);

-- Name: raw_data_package_work_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX raw_data_package_work_idx ON public.raw_data_package USING btree (next_attempt_at) WHERE (status = ANY (ARRAY['pending'::text, 'in_progress'::text]));

-- Name: role_permission_permission_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX role_permission_permission_idx ON public.role_permission USING btree (permission_id);

-- Name: source_fixed_dec_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX source_fixed_dec_idx ON public.source USING btree (dec_deg) WHERE (type = 'fixed'::text);

-- Name: staging_job_package_package_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX staging_job_package_package_idx ON public.staging_job_package USING btree (raw_data_package_id);

-- Name: staging_job_user_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX staging_job_user_idx ON public.staging_job USING btree (user_account_id);

-- Name: staging_job_work_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX staging_job_work_idx ON public.staging_job USING btree (next_attempt_at) WHERE (status = ANY (ARRAY['pending'::text, 'in_progress'::text]));

-- Name: telescope_observatory_id_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX telescope_observatory_id_idx ON public.telescope USING btree (observatory_id);

-- Name: user_role_role_idx; Type: INDEX; Schema: public; Owner: -

CREATE INDEX user_role_role_idx ON public.user_role USING btree (role_id);

-- Name: api_token api_token_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER api_token_touch BEFORE UPDATE ON public.api_token FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: data_location data_location_physical_copy_restrict; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_location_physical_copy_restrict AFTER DELETE ON public.data_location FOR EACH ROW EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'data_location_id', 'physical_copy_data_location_id_fkey', 'true');

-- Name: data_location data_location_physical_copy_restrict_truncate; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_location_physical_copy_restrict_truncate AFTER TRUNCATE ON public.data_location FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'data_location_id', 'physical_copy_data_location_id_fkey', 'true');

-- Name: data_location data_location_physical_copy_restrict_update; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_location_physical_copy_restrict_update AFTER UPDATE OF id ON public.data_location FOR EACH ROW WHEN ((old.id IS DISTINCT FROM new.id)) EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'data_location_id', 'physical_copy_data_location_id_fkey', 'true');

-- Name: data_location data_location_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_location_touch BEFORE UPDATE ON public.data_location FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: data_transfer_package data_transfer_package_physical_copy_restrict; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_package_physical_copy_restrict AFTER DELETE ON public.data_transfer_package FOR EACH ROW EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'data_transfer_package_id', 'physical_copy_data_transfer_package_id_fkey', 'type = ''data_transfer_package''');

-- Name: data_transfer_package data_transfer_package_physical_copy_restrict_truncate; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_package_physical_copy_restrict_truncate AFTER TRUNCATE ON public.data_transfer_package FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'data_transfer_package_id', 'physical_copy_data_transfer_package_id_fkey', 'type = ''data_transfer_package''');

-- Name: data_transfer_package data_transfer_package_physical_copy_restrict_update; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_package_physical_copy_restrict_update AFTER UPDATE OF id ON public.data_transfer_package FOR EACH ROW WHEN ((old.id IS DISTINCT FROM new.id)) EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'data_transfer_package_id', 'physical_copy_data_transfer_package_id_fkey', 'type = ''data_transfer_package''');

-- Name: data_transfer_package data_transfer_package_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_package_touch BEFORE UPDATE ON public.data_transfer_package FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: data_transfer_package data_transfer_package_work_insert_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_package_work_insert_notify AFTER INSERT ON public.data_transfer_package FOR EACH ROW WHEN ((new.status = 'pending'::text)) EXECUTE FUNCTION public.opsdb_notify_work('data_transfer_package_build');

-- Name: data_transfer_package data_transfer_package_work_update_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_package_work_update_notify AFTER UPDATE OF status ON public.data_transfer_package FOR EACH ROW WHEN (((new.status = 'pending'::text) AND (old.status <> 'pending'::text) AND (new.next_attempt_at <= now()))) EXECUTE FUNCTION public.opsdb_notify_work('data_transfer_package_build');

-- Name: data_transfer_route data_transfer_route_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_route_touch BEFORE UPDATE ON public.data_transfer_route FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: data_transfer data_transfer_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_touch BEFORE UPDATE ON public.data_transfer FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: data_transfer data_transfer_unpack_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_unpack_notify AFTER UPDATE OF status, unpack_status ON public.data_transfer FOR EACH ROW WHEN (((new.status = 'completed'::text) AND (new.unpack_status = 'pending'::text) AND ((old.status <> 'completed'::text) OR (old.unpack_status <> 'pending'::text)) AND (new.unpack_next_attempt_at <= now()))) EXECUTE FUNCTION public.opsdb_notify_work('data_transfer_unpack');

-- Name: data_transfer data_transfer_work_insert_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_work_insert_notify AFTER INSERT ON public.data_transfer FOR EACH ROW WHEN ((new.status = 'pending'::text)) EXECUTE FUNCTION public.opsdb_notify_work('data_transfer');

-- Name: data_transfer data_transfer_work_update_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER data_transfer_work_update_notify AFTER UPDATE OF status ON public.data_transfer FOR EACH ROW WHEN (((new.status = 'pending'::text) AND (old.status <> 'pending'::text) AND (new.next_attempt_at <= now()))) EXECUTE FUNCTION public.opsdb_notify_work('data_transfer');

-- Name: executed_obs_unit executed_obs_unit_raw_data_file_restrict; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER executed_obs_unit_raw_data_file_restrict AFTER DELETE ON public.executed_obs_unit FOR EACH ROW EXECUTE FUNCTION public.opsdb_restrict_referenced('raw_data_file', 'executed_obs_unit_id', 'raw_data_file_executed_obs_unit_id_fkey', 'true');

-- Name: executed_obs_unit executed_obs_unit_raw_data_file_restrict_truncate; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER executed_obs_unit_raw_data_file_restrict_truncate AFTER TRUNCATE ON public.executed_obs_unit FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_restrict_referenced('raw_data_file', 'executed_obs_unit_id', 'raw_data_file_executed_obs_unit_id_fkey', 'true');

-- Name: executed_obs_unit executed_obs_unit_raw_data_file_restrict_update; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER executed_obs_unit_raw_data_file_restrict_update AFTER UPDATE OF id ON public.executed_obs_unit FOR EACH ROW WHEN ((old.id IS DISTINCT FROM new.id)) EXECUTE FUNCTION public.opsdb_restrict_referenced('raw_data_file', 'executed_obs_unit_id', 'raw_data_file_executed_obs_unit_id_fkey', 'true');

-- Name: executed_obs_unit executed_obs_unit_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER executed_obs_unit_touch BEFORE UPDATE ON public.executed_obs_unit FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: instrument_module_configuration instrument_module_configuration_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER instrument_module_configuration_touch BEFORE UPDATE ON public.instrument_module_configuration FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: instrument_module instrument_module_raw_data_file_restrict; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER instrument_module_raw_data_file_restrict AFTER DELETE ON public.instrument_module FOR EACH ROW EXECUTE FUNCTION public.opsdb_restrict_referenced('raw_data_file', 'instrument_module_id', 'raw_data_file_instrument_module_id_fkey', 'true');

-- Name: instrument_module instrument_module_raw_data_file_restrict_truncate; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER instrument_module_raw_data_file_restrict_truncate AFTER TRUNCATE ON public.instrument_module FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_restrict_referenced('raw_data_file', 'instrument_module_id', 'raw_data_file_instrument_module_id_fkey', 'true');

-- Name: instrument_module instrument_module_raw_data_file_restrict_update; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER instrument_module_raw_data_file_restrict_update AFTER UPDATE OF id ON public.instrument_module FOR EACH ROW WHEN ((old.id IS DISTINCT FROM new.id)) EXECUTE FUNCTION public.opsdb_restrict_referenced('raw_data_file', 'instrument_module_id', 'raw_data_file_instrument_module_id_fkey', 'true');

-- Name: instrument_module instrument_module_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER instrument_module_touch BEFORE UPDATE ON public.instrument_module FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: instrument instrument_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER instrument_touch BEFORE UPDATE ON public.instrument FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: long_term_archive_transfer long_term_archive_transfer_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER long_term_archive_transfer_touch BEFORE UPDATE ON public.long_term_archive_transfer FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: long_term_archive_transfer long_term_archive_transfer_work_insert_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER long_term_archive_transfer_work_insert_notify AFTER INSERT ON public.long_term_archive_transfer FOR EACH ROW WHEN ((new.status = 'pending'::text)) EXECUTE FUNCTION public.opsdb_notify_work('long_term_archive_transfer');

-- Name: long_term_archive_transfer long_term_archive_transfer_work_update_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER long_term_archive_transfer_work_update_notify AFTER UPDATE OF status ON public.long_term_archive_transfer FOR EACH ROW WHEN (((new.status = 'pending'::text) AND (old.status <> 'pending'::text) AND (new.next_attempt_at <= now()))) EXECUTE FUNCTION public.opsdb_notify_work('long_term_archive_transfer');

-- Name: obs_mode obs_mode_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER obs_mode_touch BEFORE UPDATE ON public.obs_mode FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: obs_unit obs_unit_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER obs_unit_touch BEFORE UPDATE ON public.obs_unit FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: observation_configuration observation_configuration_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER observation_configuration_touch BEFORE UPDATE ON public.observation_configuration FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: observatory observatory_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER observatory_touch BEFORE UPDATE ON public.observatory FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: observing_program observing_program_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER observing_program_touch BEFORE UPDATE ON public.observing_program FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: physical_copy physical_copy_deletion_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER physical_copy_deletion_notify AFTER UPDATE OF status ON public.physical_copy FOR EACH ROW WHEN (((new.status = 'deletion_scheduled'::text) AND (old.status <> 'deletion_scheduled'::text) AND (new.next_attempt_at <= now()))) EXECUTE FUNCTION public.opsdb_notify_work('physical_copy_deletion');

-- Name: physical_copy physical_copy_references_inserted; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER physical_copy_references_inserted AFTER INSERT ON public.physical_copy REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.physical_copy_check_inserted();

-- Name: physical_copy physical_copy_references_updated; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER physical_copy_references_updated AFTER UPDATE OF raw_data_file_id, raw_data_package_id, data_transfer_package_id, data_location_id ON public.physical_copy FOR EACH ROW WHEN (((((old.raw_data_file_id IS DISTINCT FROM new.raw_data_file_id) OR (old.raw_data_package_id IS DISTINCT FROM new.raw_data_package_id)) OR (old.data_transfer_package_id IS DISTINCT FROM new.data_transfer_package_id)) OR (old.data_location_id IS DISTINCT FROM new.data_location_id))) EXECUTE FUNCTION public.physical_copy_check_updated();

-- Name: physical_copy physical_copy_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER physical_copy_touch BEFORE UPDATE ON public.physical_copy FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: raw_data_file raw_data_file_physical_copy_restrict; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_file_physical_copy_restrict AFTER DELETE ON public.raw_data_file FOR EACH ROW EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'raw_data_file_id', 'physical_copy_raw_data_file_id_fkey', 'true');

-- Name: raw_data_file raw_data_file_physical_copy_restrict_truncate; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_file_physical_copy_restrict_truncate AFTER TRUNCATE ON public.raw_data_file FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'raw_data_file_id', 'physical_copy_raw_data_file_id_fkey', 'true');

-- Name: raw_data_file raw_data_file_physical_copy_restrict_update; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_file_physical_copy_restrict_update AFTER UPDATE OF id ON public.raw_data_file FOR EACH ROW WHEN ((old.id IS DISTINCT FROM new.id)) EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'raw_data_file_id', 'physical_copy_raw_data_file_id_fkey', 'true');

-- Name: raw_data_file raw_data_file_references_inserted; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_file_references_inserted AFTER INSERT ON public.raw_data_file REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.raw_data_file_check_inserted();

-- Name: raw_data_file raw_data_file_references_updated; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_file_references_updated AFTER UPDATE OF instrument_module_id, executed_obs_unit_id, raw_data_package_id ON public.raw_data_file FOR EACH ROW WHEN ((((old.instrument_module_id IS DISTINCT FROM new.instrument_module_id) OR (old.executed_obs_unit_id IS DISTINCT FROM new.executed_obs_unit_id)) OR (old.raw_data_package_id IS DISTINCT FROM new.raw_data_package_id))) EXECUTE FUNCTION public.raw_data_file_check_updated();

-- Name: raw_data_file raw_data_file_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_file_touch BEFORE UPDATE ON public.raw_data_file FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: raw_data_package_metadata raw_data_package_metadata_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_metadata_touch BEFORE UPDATE ON public.raw_data_package_metadata FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: raw_data_package raw_data_package_physical_copy_restrict; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_physical_copy_restrict AFTER DELETE ON public.raw_data_package FOR EACH ROW EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'raw_data_package_id', 'physical_copy_raw_data_package_id_fkey', 'type = ''raw_data_package''');

-- Name: raw_data_package raw_data_package_physical_copy_restrict_truncate; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_physical_copy_restrict_truncate AFTER TRUNCATE ON public.raw_data_package FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'raw_data_package_id', 'physical_copy_raw_data_package_id_fkey', 'type = ''raw_data_package''');

-- Name: raw_data_package raw_data_package_physical_copy_restrict_update; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_physical_copy_restrict_update AFTER UPDATE OF id ON public.raw_data_package FOR EACH ROW WHEN ((old.id IS DISTINCT FROM new.id)) EXECUTE FUNCTION public.opsdb_restrict_referenced('physical_copy', 'raw_data_package_id', 'physical_copy_raw_data_package_id_fkey', 'type = ''raw_data_package''');

-- Name: raw_data_package raw_data_package_raw_data_file_restrict; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_raw_data_file_restrict AFTER DELETE ON public.raw_data_package FOR EACH ROW EXECUTE FUNCTION public.opsdb_restrict_referenced('raw_data_file', 'raw_data_package_id', 'raw_data_file_package_fkey', 'true');

-- Name: raw_data_package raw_data_package_raw_data_file_restrict_truncate; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_raw_data_file_restrict_truncate AFTER TRUNCATE ON public.raw_data_package FOR EACH STATEMENT EXECUTE FUNCTION public.opsdb_restrict_referenced('raw_data_file', 'raw_data_package_id', 'raw_data_file_package_fkey', 'true');

-- Name: raw_data_package raw_data_package_raw_data_file_restrict_update; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_raw_data_file_restrict_update AFTER UPDATE OF id, executed_obs_unit_id, instrument_module_id ON public.raw_data_package FOR EACH ROW WHEN ((((old.id IS DISTINCT FROM new.id) OR (old.executed_obs_unit_id IS DISTINCT FROM new.executed_obs_unit_id)) OR (old.instrument_module_id IS DISTINCT FROM new.instrument_module_id))) EXECUTE FUNCTION public.opsdb_restrict_referenced('raw_data_file', 'raw_data_package_id', 'raw_data_file_package_fkey', 'true');

-- Name: raw_data_package raw_data_package_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_touch BEFORE UPDATE ON public.raw_data_package FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: raw_data_package raw_data_package_work_insert_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_work_insert_notify AFTER INSERT ON public.raw_data_package FOR EACH ROW WHEN ((new.status = 'pending'::text)) EXECUTE FUNCTION public.opsdb_notify_work('raw_data_package_build');

-- Name: raw_data_package raw_data_package_work_update_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER raw_data_package_work_update_notify AFTER UPDATE OF status ON public.raw_data_package FOR EACH ROW WHEN (((new.status = 'pending'::text) AND (old.status <> 'pending'::text) AND (new.next_attempt_at <= now()))) EXECUTE FUNCTION public.opsdb_notify_work('raw_data_package_build');

-- Name: role role_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER role_touch BEFORE UPDATE ON public.role FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: site site_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER site_touch BEFORE UPDATE ON public.site FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: source source_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER source_touch BEFORE UPDATE ON public.source FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: staging_job staging_job_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER staging_job_touch BEFORE UPDATE ON public.staging_job FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: staging_job staging_job_work_insert_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER staging_job_work_insert_notify AFTER INSERT ON public.staging_job FOR EACH ROW WHEN ((new.status = 'pending'::text)) EXECUTE FUNCTION public.opsdb_notify_work('staging_job');

-- Name: staging_job staging_job_work_update_notify; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER staging_job_work_update_notify AFTER UPDATE OF status ON public.staging_job FOR EACH ROW WHEN (((new.status = 'pending'::text) AND (old.status <> 'pending'::text) AND (new.next_attempt_at <= now()))) EXECUTE FUNCTION public.opsdb_notify_work('staging_job');

-- Name: sub_observing_program sub_observing_program_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER sub_observing_program_touch BEFORE UPDATE ON public.sub_observing_program FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: telescope telescope_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER telescope_touch BEFORE UPDATE ON public.telescope FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: user_account user_account_touch; Type: TRIGGER; Schema: public; Owner: -

CREATE TRIGGER user_account_touch BEFORE UPDATE ON public.user_account FOR EACH ROW EXECUTE FUNCTION public.opsdb_touch_updated_at();

-- Name: api_token api_token_user_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.api_token
    ADD CONSTRAINT api_token_user_account_id_fkey FOREIGN KEY (user_account_id) REFERENCES public.user_account(id) ON DELETE CASCADE;

-- Name: data_location data_location_site_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_location
    ADD CONSTRAINT data_location_site_id_fkey FOREIGN KEY (site_id) REFERENCES public.site(id) ON DELETE RESTRICT;

-- Name: data_transfer data_transfer_data_transfer_package_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer
    ADD CONSTRAINT data_transfer_data_transfer_package_id_fkey FOREIGN KEY (data_transfer_package_id) REFERENCES public.data_transfer_package(id) ON DELETE RESTRICT;

-- Name: data_transfer data_transfer_data_transfer_route_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer
    ADD CONSTRAINT data_transfer_data_transfer_route_id_fkey FOREIGN KEY (data_transfer_route_id) REFERENCES public.data_transfer_route(id) ON DELETE SET NULL;

-- Name: data_transfer data_transfer_destination_location_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer
    ADD CONSTRAINT data_transfer_destination_location_id_fkey FOREIGN KEY (destination_location_id) REFERENCES public.data_location(id) ON DELETE RESTRICT;

-- Name: data_transfer_log data_transfer_log_data_transfer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_log
    ADD CONSTRAINT data_transfer_log_data_transfer_id_fkey FOREIGN KEY (data_transfer_id) REFERENCES public.data_transfer(id) ON DELETE CASCADE;

-- Name: data_transfer data_transfer_origin_location_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer
    ADD CONSTRAINT data_transfer_origin_location_id_fkey FOREIGN KEY (origin_location_id) REFERENCES public.data_location(id) ON DELETE RESTRICT;

-- Name: data_transfer_package data_transfer_package_origin_location_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_package
    ADD CONSTRAINT data_transfer_package_origin_location_id_fkey FOREIGN KEY (origin_location_id) REFERENCES public.data_location(id) ON DELETE RESTRICT;

-- Name: data_transfer_route data_transfer_route_destination_location_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_route
    ADD CONSTRAINT data_transfer_route_destination_location_fkey FOREIGN KEY (destination_location_id, destination_site_id) REFERENCES public.data_location(id, site_id) ON DELETE RESTRICT;

-- Name: data_transfer_route data_transfer_route_destination_site_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_route
    ADD CONSTRAINT data_transfer_route_destination_site_id_fkey FOREIGN KEY (destination_site_id) REFERENCES public.site(id) ON DELETE RESTRICT;

-- Name: data_transfer_route data_transfer_route_origin_location_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_route
    ADD CONSTRAINT data_transfer_route_origin_location_fkey FOREIGN KEY (origin_location_id, origin_site_id) REFERENCES public.data_location(id, site_id) ON DELETE RESTRICT;

-- Name: data_transfer_route data_transfer_route_origin_site_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_route
    ADD CONSTRAINT data_transfer_route_origin_site_id_fkey FOREIGN KEY (origin_site_id) REFERENCES public.site(id) ON DELETE RESTRICT;

-- Name: data_transfer_route data_transfer_route_relay_site_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.data_transfer_route
    ADD CONSTRAINT data_transfer_route_relay_site_id_fkey FOREIGN KEY (relay_site_id) REFERENCES public.site(id) ON DELETE RESTRICT;

-- Name: executed_obs_unit executed_obs_unit_obs_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.executed_obs_unit
    ADD CONSTRAINT executed_obs_unit_obs_unit_id_fkey FOREIGN KEY (obs_unit_id) REFERENCES public.obs_unit(id) ON DELETE RESTRICT;

-- Name: instrument_module_configuration instrument_module_configuration_instrument_module_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.instrument_module_configuration
    ADD CONSTRAINT instrument_module_configuration_instrument_module_id_fkey FOREIGN KEY (instrument_module_id) REFERENCES public.instrument_module(id) ON DELETE CASCADE;

-- Name: instrument_module instrument_module_instrument_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.instrument_module
    ADD CONSTRAINT instrument_module_instrument_id_fkey FOREIGN KEY (instrument_id) REFERENCES public.instrument(id) ON DELETE RESTRICT;

-- Name: instrument instrument_telescope_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.instrument
    ADD CONSTRAINT instrument_telescope_id_fkey FOREIGN KEY (telescope_id) REFERENCES public.telescope(id) ON DELETE RESTRICT;

-- Name: long_term_archive_transfer long_term_archive_transfer_destination_location_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.long_term_archive_transfer
    ADD CONSTRAINT long_term_archive_transfer_destination_location_id_fkey FOREIGN KEY (destination_location_id) REFERENCES public.data_location(id) ON DELETE RESTRICT;

-- Name: long_term_archive_transfer long_term_archive_transfer_origin_location_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.long_term_archive_transfer
    ADD CONSTRAINT long_term_archive_transfer_origin_location_id_fkey FOREIGN KEY (origin_location_id) REFERENCES public.data_location(id) ON DELETE RESTRICT;

-- Name: long_term_archive_transfer long_term_archive_transfer_raw_data_package_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.long_term_archive_transfer
    ADD CONSTRAINT long_term_archive_transfer_raw_data_package_id_fkey FOREIGN KEY (raw_data_package_id) REFERENCES public.raw_data_package(id) ON DELETE RESTRICT;

-- Name: obs_unit_instrument_module_configuration obs_unit_instrument_module_co_instrument_module_configurat_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit_instrument_module_configuration
    ADD CONSTRAINT obs_unit_instrument_module_co_instrument_module_configurat_fkey FOREIGN KEY (instrument_module_configuration_id) REFERENCES public.instrument_module_configuration(id) ON DELETE CASCADE;

-- Name: obs_unit_instrument_module_configuration obs_unit_instrument_module_configuration_obs_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit_instrument_module_configuration
    ADD CONSTRAINT obs_unit_instrument_module_configuration_obs_unit_id_fkey FOREIGN KEY (obs_unit_id) REFERENCES public.obs_unit(id) ON DELETE CASCADE;

-- Name: obs_unit obs_unit_obs_mode_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit
    ADD CONSTRAINT obs_unit_obs_mode_id_fkey FOREIGN KEY (obs_mode_id) REFERENCES public.obs_mode(id) ON DELETE RESTRICT;

-- Name: obs_unit obs_unit_observation_configuration_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit
    ADD CONSTRAINT obs_unit_observation_configuration_id_fkey FOREIGN KEY (observation_configuration_id) REFERENCES public.observation_configuration(id) ON DELETE RESTRICT;

-- Name: obs_unit obs_unit_observing_program_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit
    ADD CONSTRAINT obs_unit_observing_program_id_fkey FOREIGN KEY (observing_program_id) REFERENCES public.observing_program(id) ON DELETE RESTRICT;

-- Name: obs_unit obs_unit_source_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit
    ADD CONSTRAINT obs_unit_source_id_fkey FOREIGN KEY (source_id) REFERENCES public.source(id) ON DELETE RESTRICT;

-- Name: obs_unit obs_unit_sub_observing_program_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.obs_unit
    ADD CONSTRAINT obs_unit_sub_observing_program_fkey FOREIGN KEY (sub_observing_program_id, observing_program_id) REFERENCES public.sub_observing_program(id, observing_program_id) ON DELETE RESTRICT;

-- Name: raw_data_package raw_data_package_data_transfer_package_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_package
    ADD CONSTRAINT raw_data_package_data_transfer_package_id_fkey FOREIGN KEY (data_transfer_package_id) REFERENCES public.data_transfer_package(id) ON DELETE SET NULL;

-- Name: raw_data_package raw_data_package_executed_obs_unit_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_package
    ADD CONSTRAINT raw_data_package_executed_obs_unit_id_fkey FOREIGN KEY (executed_obs_unit_id) REFERENCES public.executed_obs_unit(id) ON DELETE RESTRICT;

-- Name: raw_data_package raw_data_package_instrument_module_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_package
    ADD CONSTRAINT raw_data_package_instrument_module_id_fkey FOREIGN KEY (instrument_module_id) REFERENCES public.instrument_module(id) ON DELETE RESTRICT;

-- Name: raw_data_package_metadata raw_data_package_metadata_raw_data_package_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_package_metadata
    ADD CONSTRAINT raw_data_package_metadata_raw_data_package_id_fkey FOREIGN KEY (raw_data_package_id) REFERENCES public.raw_data_package(id) ON DELETE CASCADE;

-- Name: raw_data_package raw_data_package_origin_location_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.raw_data_package
    ADD CONSTRAINT raw_data_package_origin_location_id_fkey FOREIGN KEY (origin_location_id) REFERENCES public.data_location(id) ON DELETE RESTRICT;

-- Name: role_permission role_permission_permission_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.role_permission
    ADD CONSTRAINT role_permission_permission_id_fkey FOREIGN KEY (permission_id) REFERENCES public.permission(id) ON DELETE CASCADE;

-- Name: role_permission role_permission_role_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.role_permission
    ADD CONSTRAINT role_permission_role_id_fkey FOREIGN KEY (role_id) REFERENCES public.role(id) ON DELETE CASCADE;

-- Name: staging_job staging_job_destination_location_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.staging_job
    ADD CONSTRAINT staging_job_destination_location_id_fkey FOREIGN KEY (destination_location_id) REFERENCES public.data_location(id) ON DELETE RESTRICT;

-- Name: staging_job_package staging_job_package_raw_data_package_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.staging_job_package
    ADD CONSTRAINT staging_job_package_raw_data_package_id_fkey FOREIGN KEY (raw_data_package_id) REFERENCES public.raw_data_package(id) ON DELETE RESTRICT;

-- Name: staging_job_package staging_job_package_staging_job_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.staging_job_package
    ADD CONSTRAINT staging_job_package_staging_job_id_fkey FOREIGN KEY (staging_job_id) REFERENCES public.staging_job(id) ON DELETE CASCADE;

-- Name: staging_job staging_job_user_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.staging_job
    ADD CONSTRAINT staging_job_user_account_id_fkey FOREIGN KEY (user_account_id) REFERENCES public.user_account(id) ON DELETE RESTRICT;

-- Name: sub_observing_program sub_observing_program_observing_program_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.sub_observing_program
    ADD CONSTRAINT sub_observing_program_observing_program_id_fkey FOREIGN KEY (observing_program_id) REFERENCES public.observing_program(id) ON DELETE CASCADE;

-- Name: telescope telescope_observatory_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.telescope
    ADD CONSTRAINT telescope_observatory_id_fkey FOREIGN KEY (observatory_id) REFERENCES public.observatory(id) ON DELETE RESTRICT;

-- Name: user_role user_role_role_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.user_role
    ADD CONSTRAINT user_role_role_id_fkey FOREIGN KEY (role_id) REFERENCES public.role(id) ON DELETE CASCADE;

-- Name: user_role user_role_user_account_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -

ALTER TABLE ONLY public.user_role
    ADD CONSTRAINT user_role_user_account_id_fkey FOREIGN KEY (user_account_id) REFERENCES public.user_account(id) ON DELETE CASCADE;

-- Name: SCHEMA public; Type: ACL; Schema: -; Owner: -

GRANT USAGE ON SCHEMA public TO opsdb_reader;
GRANT USAGE ON SCHEMA public TO opsdb_writer;
GRANT USAGE ON SCHEMA public TO opsdb_access_admin;

-- Name: FUNCTION opsdb_archive_backed_deletable(copy_id bigint); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_archive_backed_deletable(copy_id bigint) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_archive_backed_deletable(copy_id bigint) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_archive_backed_deletable(copy_id bigint) TO opsdb_access_admin;

-- Name: FUNCTION opsdb_checksum_valid(algorithm text, checksum text); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_checksum_valid(algorithm text, checksum text) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_checksum_valid(algorithm text, checksum text) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_checksum_valid(algorithm text, checksum text) TO opsdb_access_admin;

-- Name: FUNCTION opsdb_claim_deletable(copy_id bigint); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_claim_deletable(copy_id bigint) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_claim_deletable(copy_id bigint) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_claim_deletable(copy_id bigint) TO opsdb_access_admin;

-- Name: FUNCTION opsdb_copy_deletable(copy_id bigint); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_copy_deletable(copy_id bigint) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_copy_deletable(copy_id bigint) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_copy_deletable(copy_id bigint) TO opsdb_access_admin;

-- Name: FUNCTION opsdb_deletion_candidates(locations bigint[], max_rows integer); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_deletion_candidates(locations bigint[], max_rows integer) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_deletion_candidates(locations bigint[], max_rows integer) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_deletion_candidates(locations bigint[], max_rows integer) TO opsdb_access_admin;

-- Name: FUNCTION opsdb_notify_work(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_notify_work() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_notify_work() TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_notify_work() TO opsdb_access_admin;

-- Name: FUNCTION opsdb_raise_missing_reference(tbl text, constraint_name text, columns text, key text, referenced text); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_raise_missing_reference(tbl text, constraint_name text, columns text, key text, referenced text) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_raise_missing_reference(tbl text, constraint_name text, columns text, key text, referenced text) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_raise_missing_reference(tbl text, constraint_name text, columns text, key text, referenced text) TO opsdb_access_admin;

-- Name: FUNCTION opsdb_relative_path_valid(path text); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_relative_path_valid(path text) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_relative_path_valid(path text) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_relative_path_valid(path text) TO opsdb_access_admin;

-- Name: FUNCTION opsdb_restrict_referenced(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_restrict_referenced() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_restrict_referenced() TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_restrict_referenced() TO opsdb_access_admin;

-- Name: FUNCTION opsdb_staged_copy_expired(copy_id bigint); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_staged_copy_expired(copy_id bigint) TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_staged_copy_expired(copy_id bigint) TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_staged_copy_expired(copy_id bigint) TO opsdb_access_admin;

-- Name: FUNCTION opsdb_touch_updated_at(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.opsdb_touch_updated_at() TO opsdb_reader;
GRANT ALL ON FUNCTION public.opsdb_touch_updated_at() TO opsdb_writer;
GRANT ALL ON FUNCTION public.opsdb_touch_updated_at() TO opsdb_access_admin;

-- Name: FUNCTION physical_copy_check_inserted(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.physical_copy_check_inserted() TO opsdb_reader;
GRANT ALL ON FUNCTION public.physical_copy_check_inserted() TO opsdb_writer;
GRANT ALL ON FUNCTION public.physical_copy_check_inserted() TO opsdb_access_admin;

-- Name: FUNCTION physical_copy_check_updated(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.physical_copy_check_updated() TO opsdb_reader;
GRANT ALL ON FUNCTION public.physical_copy_check_updated() TO opsdb_writer;
GRANT ALL ON FUNCTION public.physical_copy_check_updated() TO opsdb_access_admin;

-- Name: FUNCTION raw_data_file_check_inserted(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.raw_data_file_check_inserted() TO opsdb_reader;
GRANT ALL ON FUNCTION public.raw_data_file_check_inserted() TO opsdb_writer;
GRANT ALL ON FUNCTION public.raw_data_file_check_inserted() TO opsdb_access_admin;

-- Name: FUNCTION raw_data_file_check_updated(); Type: ACL; Schema: public; Owner: -

GRANT ALL ON FUNCTION public.raw_data_file_check_updated() TO opsdb_reader;
GRANT ALL ON FUNCTION public.raw_data_file_check_updated() TO opsdb_writer;
GRANT ALL ON FUNCTION public.raw_data_file_check_updated() TO opsdb_access_admin;

-- Name: TABLE api_token; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.api_token TO opsdb_writer;
GRANT SELECT,INSERT,UPDATE ON TABLE public.api_token TO opsdb_access_admin;

-- Name: COLUMN api_token.id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(id) ON TABLE public.api_token TO opsdb_reader;

-- Name: COLUMN api_token.user_account_id; Type: ACL; Schema: public; Owner: -

GRANT SELECT(user_account_id) ON TABLE public.api_token TO opsdb_reader;

-- Name: COLUMN api_token.name; Type: ACL; Schema: public; Owner: -

GRANT SELECT(name) ON TABLE public.api_token TO opsdb_reader;

-- Name: COLUMN api_token.prefix; Type: ACL; Schema: public; Owner: -

GRANT SELECT(prefix) ON TABLE public.api_token TO opsdb_reader;

-- Name: COLUMN api_token.scopes; Type: ACL; Schema: public; Owner: -

GRANT SELECT(scopes) ON TABLE public.api_token TO opsdb_reader;

-- Name: COLUMN api_token.active; Type: ACL; Schema: public; Owner: -

GRANT SELECT(active) ON TABLE public.api_token TO opsdb_reader;

-- Name: COLUMN api_token.expires_at; Type: ACL; Schema: public; Owner: -

GRANT SELECT(expires_at) ON TABLE public.api_token TO opsdb_reader;

-- Name: COLUMN api_token.last_used_at; Type: ACL; Schema: public; Owner: -

GRANT SELECT(last_used_at) ON TABLE public.api_token TO opsdb_reader;
GRANT UPDATE(last_used_at) ON TABLE public.api_token TO opsdb_writer;

-- Name: COLUMN api_token.last_used_ip; Type: ACL; Schema: public; Owner: -

GRANT SELECT(last_used_ip) ON TABLE public.api_token TO opsdb_reader;
GRANT UPDATE(last_used_ip) ON TABLE public.api_token TO opsdb_writer;

-- Name: COLUMN api_token.usage_count; Type: ACL; Schema: public; Owner: -

GRANT SELECT(usage_count) ON TABLE public.api_token TO opsdb_reader;
GRANT UPDATE(usage_count) ON TABLE public.api_token TO opsdb_writer;

-- Name: COLUMN api_token.created_at; Type: ACL; Schema: public; Owner: -

GRANT SELECT(created_at) ON TABLE public.api_token TO opsdb_reader;

-- Name: COLUMN api_token.updated_at; Type: ACL; Schema: public; Owner: -

GRANT SELECT(updated_at) ON TABLE public.api_token TO opsdb_reader;

-- Name: SEQUENCE api_token_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.api_token_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.api_token_id_seq TO opsdb_access_admin;

-- Name: TABLE data_location; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.data_location TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.data_location TO opsdb_writer;
GRANT SELECT ON TABLE public.data_location TO opsdb_access_admin;

-- Name: SEQUENCE data_location_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.data_location_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.data_location_id_seq TO opsdb_access_admin;

-- Name: TABLE data_transfer; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.data_transfer TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.data_transfer TO opsdb_writer;
GRANT SELECT ON TABLE public.data_transfer TO opsdb_access_admin;

-- Name: SEQUENCE data_transfer_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_id_seq TO opsdb_access_admin;

-- Name: TABLE data_transfer_log; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.data_transfer_log TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.data_transfer_log TO opsdb_writer;
GRANT SELECT ON TABLE public.data_transfer_log TO opsdb_access_admin;

-- Name: SEQUENCE data_transfer_log_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_log_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_log_id_seq TO opsdb_access_admin;

-- Name: TABLE data_transfer_package; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.data_transfer_package TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.data_transfer_package TO opsdb_writer;
GRANT SELECT ON TABLE public.data_transfer_package TO opsdb_access_admin;

-- Name: SEQUENCE data_transfer_package_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_package_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_package_id_seq TO opsdb_access_admin;

-- Name: TABLE data_transfer_route; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.data_transfer_route TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.data_transfer_route TO opsdb_writer;
GRANT SELECT ON TABLE public.data_transfer_route TO opsdb_access_admin;

-- Name: SEQUENCE data_transfer_route_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_route_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.data_transfer_route_id_seq TO opsdb_access_admin;

-- Name: TABLE executed_obs_unit; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.executed_obs_unit TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.executed_obs_unit TO opsdb_writer;
GRANT SELECT ON TABLE public.executed_obs_unit TO opsdb_access_admin;

-- Name: TABLE instrument; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.instrument TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.instrument TO opsdb_writer;
GRANT SELECT ON TABLE public.instrument TO opsdb_access_admin;

-- Name: SEQUENCE instrument_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.instrument_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_id_seq TO opsdb_access_admin;

-- Name: TABLE instrument_module; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.instrument_module TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.instrument_module TO opsdb_writer;
GRANT SELECT ON TABLE public.instrument_module TO opsdb_access_admin;

-- Name: TABLE instrument_module_configuration; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.instrument_module_configuration TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.instrument_module_configuration TO opsdb_writer;
GRANT SELECT ON TABLE public.instrument_module_configuration TO opsdb_access_admin;

-- Name: SEQUENCE instrument_module_configuration_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_configuration_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_configuration_id_seq TO opsdb_access_admin;

-- Name: SEQUENCE instrument_module_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.instrument_module_id_seq TO opsdb_access_admin;

-- Name: TABLE long_term_archive_transfer; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.long_term_archive_transfer TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.long_term_archive_transfer TO opsdb_writer;
GRANT SELECT ON TABLE public.long_term_archive_transfer TO opsdb_access_admin;

-- Name: SEQUENCE long_term_archive_transfer_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.long_term_archive_transfer_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.long_term_archive_transfer_id_seq TO opsdb_access_admin;

-- Name: TABLE obs_mode; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.obs_mode TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.obs_mode TO opsdb_writer;
GRANT SELECT ON TABLE public.obs_mode TO opsdb_access_admin;

-- Name: SEQUENCE obs_mode_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.obs_mode_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.obs_mode_id_seq TO opsdb_access_admin;

-- Name: TABLE obs_unit; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.obs_unit TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.obs_unit TO opsdb_writer;
GRANT SELECT ON TABLE public.obs_unit TO opsdb_access_admin;

-- Name: SEQUENCE obs_unit_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.obs_unit_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.obs_unit_id_seq TO opsdb_access_admin;

-- Name: TABLE obs_unit_instrument_module_configuration; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.obs_unit_instrument_module_configuration TO opsdb_reader;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.obs_unit_instrument_module_configuration TO opsdb_writer;
GRANT SELECT ON TABLE public.obs_unit_instrument_module_configuration TO opsdb_access_admin;

-- Name: TABLE observation_configuration; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.observation_configuration TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.observation_configuration TO opsdb_writer;
GRANT SELECT ON TABLE public.observation_configuration TO opsdb_access_admin;

-- Name: SEQUENCE observation_configuration_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.observation_configuration_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.observation_configuration_id_seq TO opsdb_access_admin;

-- Name: TABLE observatory; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.observatory TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.observatory TO opsdb_writer;
GRANT SELECT ON TABLE public.observatory TO opsdb_access_admin;

-- Name: SEQUENCE observatory_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.observatory_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.observatory_id_seq TO opsdb_access_admin;

-- Name: TABLE observing_program; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.observing_program TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.observing_program TO opsdb_writer;
GRANT SELECT ON TABLE public.observing_program TO opsdb_access_admin;

-- Name: SEQUENCE observing_program_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.observing_program_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.observing_program_id_seq TO opsdb_access_admin;

-- Name: TABLE permission; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.permission TO opsdb_reader;
GRANT SELECT ON TABLE public.permission TO opsdb_writer;
GRANT SELECT,INSERT,UPDATE ON TABLE public.permission TO opsdb_access_admin;

-- Name: SEQUENCE permission_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.permission_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.permission_id_seq TO opsdb_access_admin;

-- Name: TABLE physical_copy; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.physical_copy TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.physical_copy TO opsdb_writer;
GRANT SELECT ON TABLE public.physical_copy TO opsdb_access_admin;

-- Name: SEQUENCE physical_copy_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.physical_copy_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.physical_copy_id_seq TO opsdb_access_admin;

-- Name: TABLE raw_data_file; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.raw_data_file TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.raw_data_file TO opsdb_writer;
GRANT SELECT ON TABLE public.raw_data_file TO opsdb_access_admin;

-- Name: TABLE raw_data_package; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.raw_data_package TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.raw_data_package TO opsdb_writer;
GRANT SELECT ON TABLE public.raw_data_package TO opsdb_access_admin;

-- Name: SEQUENCE raw_data_package_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.raw_data_package_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.raw_data_package_id_seq TO opsdb_access_admin;

-- Name: TABLE raw_data_package_metadata; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.raw_data_package_metadata TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.raw_data_package_metadata TO opsdb_writer;
GRANT SELECT ON TABLE public.raw_data_package_metadata TO opsdb_access_admin;

-- Name: TABLE role; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.role TO opsdb_reader;
GRANT SELECT ON TABLE public.role TO opsdb_writer;
GRANT SELECT,INSERT,UPDATE ON TABLE public.role TO opsdb_access_admin;

-- Name: SEQUENCE role_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.role_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.role_id_seq TO opsdb_access_admin;

-- Name: TABLE role_permission; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.role_permission TO opsdb_reader;
GRANT SELECT ON TABLE public.role_permission TO opsdb_writer;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.role_permission TO opsdb_access_admin;

-- Name: TABLE site; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.site TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.site TO opsdb_writer;
GRANT SELECT ON TABLE public.site TO opsdb_access_admin;

-- Name: SEQUENCE site_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.site_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.site_id_seq TO opsdb_access_admin;

-- Name: TABLE source; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.source TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.source TO opsdb_writer;
GRANT SELECT ON TABLE public.source TO opsdb_access_admin;

-- Name: SEQUENCE source_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.source_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.source_id_seq TO opsdb_access_admin;

-- Name: TABLE staging_job; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.staging_job TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.staging_job TO opsdb_writer;
GRANT SELECT ON TABLE public.staging_job TO opsdb_access_admin;

-- Name: SEQUENCE staging_job_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.staging_job_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.staging_job_id_seq TO opsdb_access_admin;

-- Name: TABLE staging_job_package; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.staging_job_package TO opsdb_reader;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.staging_job_package TO opsdb_writer;
GRANT SELECT ON TABLE public.staging_job_package TO opsdb_access_admin;

-- Name: TABLE sub_observing_program; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.sub_observing_program TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.sub_observing_program TO opsdb_writer;
GRANT SELECT ON TABLE public.sub_observing_program TO opsdb_access_admin;

-- Name: SEQUENCE sub_observing_program_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.sub_observing_program_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.sub_observing_program_id_seq TO opsdb_access_admin;

-- Name: TABLE telescope; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.telescope TO opsdb_reader;
GRANT SELECT,INSERT,UPDATE ON TABLE public.telescope TO opsdb_writer;
GRANT SELECT ON TABLE public.telescope TO opsdb_access_admin;

-- Name: SEQUENCE telescope_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.telescope_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.telescope_id_seq TO opsdb_access_admin;

-- Name: TABLE user_account; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.user_account TO opsdb_reader;
GRANT SELECT ON TABLE public.user_account TO opsdb_writer;
GRANT SELECT,INSERT,UPDATE ON TABLE public.user_account TO opsdb_access_admin;

-- Name: SEQUENCE user_account_id_seq; Type: ACL; Schema: public; Owner: -

GRANT SELECT,USAGE ON SEQUENCE public.user_account_id_seq TO opsdb_writer;
GRANT SELECT,USAGE ON SEQUENCE public.user_account_id_seq TO opsdb_access_admin;

-- Name: TABLE user_role; Type: ACL; Schema: public; Owner: -

GRANT SELECT ON TABLE public.user_role TO opsdb_reader;
GRANT SELECT ON TABLE public.user_role TO opsdb_writer;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.user_role TO opsdb_access_admin;

-- Name: DEFAULT PRIVILEGES FOR SEQUENCES; Type: DEFAULT ACL; Schema: public; Owner: -

ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT SELECT,USAGE ON SEQUENCES TO opsdb_writer;

-- Name: DEFAULT PRIVILEGES FOR FUNCTIONS; Type: DEFAULT ACL; Schema: public; Owner: -

ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON FUNCTIONS TO opsdb_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON FUNCTIONS TO opsdb_writer;

-- Name: DEFAULT PRIVILEGES FOR TABLES; Type: DEFAULT ACL; Schema: public; Owner: -

ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT SELECT ON TABLES TO opsdb_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT SELECT,INSERT,UPDATE ON TABLES TO opsdb_writer;


-- 4. Rows the migrations seed

-- Data for Name: permission; Type: TABLE DATA; Schema: public; Owner: -

INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (1, 'read:*', 'read anything', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (2, 'read:observations', 'read planning, executions and observation metadata', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (3, 'read:files', 'read raw data files, packages and their copies', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (4, 'read:transfers', 'read transfers, archive transfers and staging jobs', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (5, 'read:locations', 'read sites, storage locations and routes', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (6, 'read:users', 'read user accounts and roles', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (7, 'write:*', 'create and change any data (not users or tokens)', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (8, 'write:observations', 'record executions and observation metadata', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (9, 'write:planning', 'edit programs, sources and obs units', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (10, 'write:files', 'register raw data files, packages and copies', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (11, 'write:transfers', 'create and progress transfers and staging jobs', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (12, 'write:locations', 'edit sites, storage locations and routes', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (13, 'claim:*', 'claim any kind of work item', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (14, 'claim:work', 'claim work items (packaging, transfers, deletion, staging)', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (15, 'delete:*', 'schedule the deletion of any data', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (16, 'delete:copies', 'schedule and carry out the deletion of physical copies', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (17, 'manage:*', 'administer users, roles and tokens', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (18, 'manage:users', 'create, change and deactivate user accounts and their roles', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (19, 'manage:roles', 'create roles and change their permissions', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.permission (id, name, description, created_at) OVERRIDING SYSTEM VALUE VALUES (20, 'manage:tokens', 'issue and revoke API tokens of any user', '2026-11-29 00:40:15.131958+00');

-- Data for Name: role; Type: TABLE DATA; Schema: public; Owner: -

INSERT INTO public.role (id, name, description, created_at, updated_at) OVERRIDING SYSTEM VALUE VALUES (1, 'admin', 'operators who administer opsdb: everything', '2026-11-29 00:40:15.131958+00', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.role (id, name, description, created_at, updated_at) OVERRIDING SYSTEM VALUE VALUES (2, 'observer', 'astronomers at the telescope: read all, record observations and plans', '2026-11-29 00:40:15.131958+00', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.role (id, name, description, created_at, updated_at) OVERRIDING SYSTEM VALUE VALUES (3, 'viewer', 'read-only access (web UI, reports)', '2026-11-29 00:40:15.131958+00', '2026-11-29 00:40:15.131958+00');
INSERT INTO public.role (id, name, description, created_at, updated_at) OVERRIDING SYSTEM VALUE VALUES (4, 'service', 'daemons and instruments: register data, move it, claim work', '2026-11-29 00:40:15.131958+00', '2026-11-29 00:40:15.131958+00');

-- Data for Name: role_permission; Type: TABLE DATA; Schema: public; Owner: -

INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (4, 1, '2026-11-29 00:40:15.131958+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (3, 1, '2026-11-29 00:40:15.131958+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (2, 1, '2026-11-29 00:40:15.131958+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (1, 1, '2026-11-29 00:40:15.131958+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (1, 7, '2026-11-29 00:40:15.131958+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (4, 8, '2026-11-29 00:40:15.131958+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (2, 8, '2026-11-29 00:40:15.131958+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (2, 9, '2026-11-29 00:40:15.131958+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (4, 10, '2026-11-29 00:40:15.131958+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (4, 11, '2026-11-29 00:40:15.131958+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (1, 13, '2026-11-29 00:40:15.131958+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (4, 14, '2026-11-29 00:40:15.131958+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (1, 15, '2026-11-29 00:40:15.131958+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (4, 16, '2026-11-29 00:40:15.131958+00');
INSERT INTO public.role_permission (role_id, permission_id, created_at) VALUES (1, 17, '2026-11-29 00:40:15.131958+00');

-- Name: permission_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -

SELECT pg_catalog.setval('public.permission_id_seq', 20, true);

-- Name: role_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -

SELECT pg_catalog.setval('public.role_id_seq', 4, true);
