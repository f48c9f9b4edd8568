-- Back to 0031: physical_copy_check_inserted as 0010 left it (its definition as sql/schema.sql had it at 0031).

CREATE OR REPLACE FUNCTION public.physical_copy_check_inserted() RETURNS trigger
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
