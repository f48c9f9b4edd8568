-- sql/status.sql before migration 0023 (state counters): the baseline of bench/state_counts.py.
-- Read-only summaries for `opsdb status` and the simulation's report (opsdb/status.py).

-- status_counts_by_table_state --
-- Rows per (table, state column, value) for every stateful table.
SELECT 'executed_obs_unit' AS item, 'status' AS field, status AS value, count(*) AS n FROM executed_obs_unit GROUP BY status
UNION ALL SELECT 'raw_data_package', 'status', status, count(*) FROM raw_data_package GROUP BY status
UNION ALL SELECT 'raw_data_package', 'state', state, count(*) FROM raw_data_package GROUP BY state
UNION ALL SELECT 'data_transfer_package', 'status', status, count(*) FROM data_transfer_package GROUP BY status
UNION ALL SELECT 'data_transfer', 'status', status, count(*) FROM data_transfer GROUP BY status
UNION ALL SELECT 'data_transfer', 'unpack_status', unpack_status, count(*) FROM data_transfer GROUP BY unpack_status
UNION ALL SELECT 'long_term_archive_transfer', 'status', status, count(*) FROM long_term_archive_transfer GROUP BY status
UNION ALL SELECT 'staging_job', 'status', status, count(*) FROM staging_job GROUP BY status
ORDER BY 1, 2, 3

-- status_copies_by_location --
-- Physical copies per (site, location, copy type, status), from the counters (copy_space; fold first).
SELECT s.short_name AS site, l.name AS location, l.location_type, c.type, c.status, c.copies AS n
FROM copy_space c
JOIN data_location l ON l.id = c.data_location_id
JOIN site s ON s.id = l.site_id
WHERE c.copies <> 0
ORDER BY 1, 2, 4, 5

-- status_backlog --
-- What each pipeline stage still has to do.
SELECT 'files not yet packaged' AS stage, count(*) AS n FROM raw_data_file WHERE raw_data_package_id IS NULL
UNION ALL SELECT 'package builds pending', count(*) FROM raw_data_package WHERE status IN ('pending', 'scheduled', 'in_progress')
UNION ALL SELECT 'packages waiting for a bundle', count(*) FROM raw_data_package
    WHERE status = 'completed' AND data_transfer_package_id IS NULL AND state = 'waiting'
UNION ALL SELECT 'bundle builds pending', count(*) FROM data_transfer_package WHERE status IN ('pending', 'scheduled', 'in_progress')
UNION ALL SELECT 'transfers pending', count(*) FROM data_transfer WHERE status IN ('pending', 'scheduled', 'in_progress')
UNION ALL SELECT 'unpacks pending', count(*) FROM data_transfer
    WHERE status = 'completed' AND unpack_status IN ('pending', 'scheduled', 'in_progress')
UNION ALL SELECT 'archive transfers pending', count(*) FROM long_term_archive_transfer
    WHERE status IN ('pending', 'scheduled', 'in_progress')
UNION ALL SELECT 'staging jobs pending', count(*) FROM staging_job WHERE status IN ('pending', 'scheduled', 'in_progress')
UNION ALL SELECT 'deletions pending', count(*) FROM physical_copy WHERE status IN ('deletion_scheduled', 'deletion_in_progress')

-- status_failed_items --
-- Work items that failed for good, newest first.
SELECT * FROM (
    SELECT 'raw_data_package' AS item, id::text AS id, attempts, last_error, updated_at FROM raw_data_package WHERE status = 'failed'
    UNION ALL SELECT 'data_transfer_package', id::text, attempts, last_error, updated_at FROM data_transfer_package WHERE status = 'failed'
    UNION ALL SELECT 'data_transfer', id::text, attempts, last_error, updated_at FROM data_transfer WHERE status = 'failed'
    UNION ALL SELECT 'unpack', id::text, unpack_attempts, unpack_last_error, updated_at FROM data_transfer WHERE unpack_status = 'failed'
    UNION ALL SELECT 'long_term_archive_transfer', id::text, attempts, last_error, updated_at FROM long_term_archive_transfer WHERE status = 'failed'
    UNION ALL SELECT 'staging_job', id::text, attempts, last_error, updated_at FROM staging_job WHERE status = 'failed'
    UNION ALL SELECT 'physical_copy', id::text, attempts, last_error, updated_at FROM physical_copy WHERE status = 'deletion_failed'
) failed
ORDER BY updated_at DESC
LIMIT $1
