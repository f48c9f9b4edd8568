-- Clean-up of staged copies (domain: "staging on request to PROCESSING locations; cleaned up
-- afterwards"; docs/workflows.md, "Safe deletion", rule 7). A staged package copy at a
-- processing location may be deleted once no staging job wants it there any more: no job for
-- that package and location is unfinished, at least one completed, and every completed one's
-- retention_until has passed (NULL: kept until an operator sets one), and the package still has
-- a present, checksum-verified long-term-archive copy (never the last copy; the claim locks it,
-- as for rule 2). opsdb_copy_deletable becomes the union of the archive-backed rule (0009,
-- 0011; renamed) and this one.
-- depends: 0011_route_hold

DO $$
BEGIN
    IF to_regprocedure('opsdb_archive_backed_deletable(bigint)') IS NULL THEN
        ALTER FUNCTION opsdb_copy_deletable(bigint) RENAME TO opsdb_archive_backed_deletable;
    END IF;
END;
$$;

CREATE OR REPLACE FUNCTION opsdb_staged_copy_expired(copy_id bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
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

CREATE OR REPLACE FUNCTION opsdb_copy_deletable(copy_id bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT opsdb_archive_backed_deletable(copy_id) OR opsdb_staged_copy_expired(copy_id)
$$;

-- Copies the rule allows to delete now, at most max_rows (NULL locations = any): package and
-- bundle copies, file copies of archived packages (file copies are the bulk: they are reached
-- from archived packages, never by scanning every copy), and expired staged copies.
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
    -- staged package copies at processing locations whose retention has ended
    SELECT c.id FROM physical_copy c
    JOIN data_location l ON l.id = c.data_location_id
    WHERE c.type = 'raw_data_package' AND c.status = 'staged' AND l.location_type = 'processing'
      AND (locations IS NULL OR c.data_location_id = ANY(locations))
      AND opsdb_copy_deletable(c.id)
    LIMIT max_rows
$$;
