-- Back to 0028: the queueing functions as 0028 left them (their definitions as sql/schema.sql had them at
-- 0028), then what 0029 added.

CREATE OR REPLACE FUNCTION public.opsdb_queue_file_deletions(package_ids bigint[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
    INSERT INTO deletion_file_queue (raw_data_package_id, data_location_id)
    SELECT DISTINCT p.id, c.data_location_id
    FROM raw_data_package p
    JOIN raw_data_file f ON f.raw_data_package_id = p.id
    JOIN physical_copy c ON c.raw_data_file_id = f.id
    JOIN data_location l ON l.id = c.data_location_id AND l.location_type IN ('source', 'buffer')
    WHERE p.id = ANY(package_ids) AND p.state = 'archived' AND c.status IN ('present', 'deletion_possible')
    ORDER BY 1, 2
    ON CONFLICT DO NOTHING
$$;

CREATE OR REPLACE FUNCTION public.opsdb_queue_packaged_files() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    PERFORM opsdb_queue_file_deletions(ARRAY(
        SELECT DISTINCT n.raw_data_package_id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.raw_data_package_id IS DISTINCT FROM o.raw_data_package_id AND n.raw_data_package_id IS NOT NULL));
    RETURN NULL;
END;
$$;

DROP TRIGGER IF EXISTS physical_copy_requeue_locks ON physical_copy;
DROP FUNCTION IF EXISTS opsdb_lock_requeue_sources();
