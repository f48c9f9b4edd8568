-- Back to 0011: only the archive-backed rule; staged copies are never candidates.
-- Copies the rule allows to delete now, at most max_rows (NULL locations = any): package and
-- bundle copies, and file copies of archived packages (file copies are the bulk: they are
-- reached from archived packages, never by scanning every copy).
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
    LIMIT max_rows
$$;

DROP FUNCTION IF EXISTS opsdb_copy_deletable(bigint);
DROP FUNCTION IF EXISTS opsdb_staged_copy_expired(bigint);
ALTER FUNCTION opsdb_archive_backed_deletable(bigint) RENAME TO opsdb_copy_deletable;
