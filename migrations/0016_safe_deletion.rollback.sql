-- Back to the per-copy rule of 0009-0012: the guard, the queue and the set-based functions go.

DROP TRIGGER IF EXISTS physical_copy_transition_deletion_rule ON physical_copy;
DROP TRIGGER IF EXISTS raw_data_file_packaged_queue ON raw_data_file;
DROP TRIGGER IF EXISTS raw_data_package_archived_queue ON raw_data_package;
DROP TRIGGER IF EXISTS raw_data_package_archived_insert_queue ON raw_data_package;
DROP FUNCTION IF EXISTS opsdb_guard_deletion();
DROP FUNCTION IF EXISTS opsdb_queue_packaged_files();
DROP FUNCTION IF EXISTS opsdb_queue_archived_package();
DROP FUNCTION IF EXISTS opsdb_queue_file_deletions(bigint[]);
DROP FUNCTION IF EXISTS opsdb_confirm_deletion(bigint, uuid);
DROP FUNCTION IF EXISTS opsdb_withdraw_verification(bigint);
DROP FUNCTION IF EXISTS opsdb_schedule_deletions(bigint[], integer);
DROP FUNCTION IF EXISTS opsdb_deletion_candidates(bigint[], integer);
DROP FUNCTION IF EXISTS opsdb_deletion_scan(bigint[], integer);
DROP TABLE IF EXISTS deletion_file_queue;

-- the per-copy judge of 0009 (locks, then judges on a fresh snapshot)
CREATE OR REPLACE FUNCTION opsdb_claim_deletable(copy_id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
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
    RETURN opsdb_copy_deletable(copy_id);
END;
$$;
DROP FUNCTION IF EXISTS opsdb_deletable_locked(bigint[]);
DROP FUNCTION IF EXISTS opsdb_lock_deletion_backing(bigint[]);
DROP FUNCTION IF EXISTS opsdb_deletable(bigint[]);
DROP FUNCTION IF EXISTS opsdb_deletion_pairs_blocked(bigint[], bigint[]);

-- the candidates of 0012
CREATE OR REPLACE FUNCTION opsdb_deletion_candidates(locations bigint[], max_rows integer) RETURNS SETOF bigint
LANGUAGE sql STABLE AS $$
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
    SELECT c.id FROM physical_copy c
    JOIN data_location l ON l.id = c.data_location_id
    WHERE c.type = 'raw_data_package' AND c.status = 'staged' AND l.location_type = 'processing'
      AND (locations IS NULL OR c.data_location_id = ANY(locations))
      AND opsdb_copy_deletable(c.id)
    LIMIT max_rows
$$;
