-- simulate_package_sizes --
-- Total size of the files of each package $1 (what its simulated tar holds), one row per package id.
SELECT p.id, coalesce((SELECT sum(f.size_bytes) FROM raw_data_file f WHERE f.raw_data_package_id = p.id), 0)::bigint
       AS size_bytes
FROM unnest($1::bigint[]) AS p(id)

-- simulate_unfinished --
-- What still keeps the pipeline busy: unpackaged files, unarchived packages, unfinished jobs and deletions, failed items.
SELECT
  (SELECT count(*) FROM raw_data_file WHERE raw_data_package_id IS NULL) AS unpackaged_files,
  (SELECT count(*) FROM raw_data_package WHERE state <> 'archived') AS unarchived_packages,
  (SELECT count(*) FROM raw_data_package WHERE status IN ('pending', 'scheduled', 'in_progress'))
  + (SELECT count(*) FROM data_transfer_package WHERE status IN ('pending', 'scheduled', 'in_progress'))
  + (SELECT count(*) FROM data_transfer WHERE status IN ('pending', 'scheduled', 'in_progress')
        OR (status = 'completed' AND unpack_status IN ('pending', 'scheduled', 'in_progress')))
  + (SELECT count(*) FROM long_term_archive_transfer WHERE status IN ('pending', 'scheduled', 'in_progress'))
  + (SELECT count(*) FROM physical_copy
     WHERE status IN ('deletion_scheduled', 'deletion_in_progress', 'deletion_possible')) AS open_work,
  (SELECT count(*) FROM raw_data_package WHERE status = 'failed')
  + (SELECT count(*) FROM data_transfer_package WHERE status = 'failed')
  + (SELECT count(*) FROM data_transfer WHERE status = 'failed' OR unpack_status = 'failed')
  + (SELECT count(*) FROM long_term_archive_transfer WHERE status = 'failed')
  + (SELECT count(*) FROM physical_copy WHERE status = 'deletion_failed') AS failed_items

-- simulate_busy --
-- Whether the pipeline is still busy (what simulate_unfinished counts, as booleans): open deletions first, the usual last work of a night; stops at the first row found.
SELECT EXISTS (SELECT 1 FROM physical_copy
               WHERE status IN ('deletion_scheduled', 'deletion_in_progress', 'deletion_possible'))
    OR EXISTS (SELECT 1 FROM long_term_archive_transfer WHERE status IN ('pending', 'scheduled', 'in_progress'))
    OR EXISTS (SELECT 1 FROM data_transfer WHERE status IN ('pending', 'scheduled', 'in_progress')
                  OR (status = 'completed' AND unpack_status IN ('pending', 'scheduled', 'in_progress')))
    OR EXISTS (SELECT 1 FROM data_transfer_package WHERE status IN ('pending', 'scheduled', 'in_progress'))
    OR EXISTS (SELECT 1 FROM raw_data_package WHERE status IN ('pending', 'scheduled', 'in_progress'))
    OR EXISTS (SELECT 1 FROM raw_data_package WHERE state <> 'archived')
    OR EXISTS (SELECT 1 FROM raw_data_file WHERE raw_data_package_id IS NULL) AS busy

-- simulate_deleted_without_archive --
-- Deleted copies not backed, when deleted, by a present, verified archive copy of every package they held (or deleted outside source/buffer).
WITH deleted AS (
    SELECT c.id, c.deleted_at, l.location_type, pk.package_id
    FROM physical_copy c
    JOIN data_location l ON l.id = c.data_location_id
    LEFT JOIN LATERAL (
        SELECT c.raw_data_package_id WHERE c.type = 'raw_data_package'
        UNION ALL
        SELECT f.raw_data_package_id FROM raw_data_file f WHERE c.type = 'raw_data_file' AND f.id = c.raw_data_file_id
        UNION ALL
        SELECT p.id FROM raw_data_package p
        WHERE c.type = 'data_transfer_package' AND p.data_transfer_package_id = c.data_transfer_package_id
    ) pk (package_id) ON true
    WHERE c.status = 'deleted'
)
SELECT count(DISTINCT d.id) AS violations, (SELECT count(*) FROM physical_copy WHERE status = 'deleted') AS deleted
FROM deleted d
WHERE d.location_type NOT IN ('source', 'buffer')
   OR d.package_id IS NULL
   OR NOT EXISTS (
        SELECT 1 FROM physical_copy a JOIN data_location al ON al.id = a.data_location_id
        WHERE al.location_type = 'long_term_archive' AND a.type = 'raw_data_package'
          AND a.raw_data_package_id = d.package_id AND a.status = 'present'
          AND a.checksum_verified_at IS NOT NULL
          AND a.created_at <= d.deleted_at AND a.checksum_verified_at <= d.deleted_at)

-- simulate_done_items --
-- Every finished work item of every kind with its attempts and the token of the claim that finished it.
SELECT 'raw_data_package_build' AS kind, id, attempts, claim_token FROM raw_data_package WHERE status = 'completed'
UNION ALL
SELECT 'data_transfer_package_build', id, attempts, claim_token FROM data_transfer_package WHERE status = 'completed'
UNION ALL
SELECT 'data_transfer', id, attempts, claim_token FROM data_transfer WHERE status = 'completed'
UNION ALL
SELECT 'data_transfer_unpack', id, unpack_attempts, unpack_claim_token FROM data_transfer WHERE unpack_status = 'completed'
UNION ALL
SELECT 'long_term_archive_transfer', id, attempts, claim_token FROM long_term_archive_transfer WHERE status = 'completed'
UNION ALL
SELECT 'physical_copy_deletion', id, attempts, claim_token FROM physical_copy WHERE status = 'deleted'

-- simulate_duplicate_effects --
-- Effects that would betray double processing: repeated transfers per (bundle, destination), archive transfers per (package, destination), copies per (item, location).
SELECT
  (SELECT count(*) FROM (SELECT 1 FROM data_transfer
                         GROUP BY data_transfer_package_id, destination_location_id HAVING count(*) > 1) x)
  + (SELECT count(*) FROM (SELECT 1 FROM long_term_archive_transfer
                           GROUP BY raw_data_package_id, destination_location_id HAVING count(*) > 1) x)
  + (SELECT count(*) FROM (SELECT 1 FROM physical_copy
                           GROUP BY type, raw_data_file_id, raw_data_package_id, data_transfer_package_id,
                                    data_location_id HAVING count(*) > 1) x) AS duplicates

-- simulate_lost --
-- What would be lost: files in no package, packages not archived, packages with no present verified archive copy, failed items.
SELECT
  (SELECT count(*) FROM raw_data_file) AS files,
  (SELECT count(*) FROM raw_data_file WHERE raw_data_package_id IS NULL) AS unpackaged_files,
  (SELECT count(*) FROM raw_data_file f JOIN raw_data_package p ON p.id = f.raw_data_package_id
   WHERE p.state <> 'archived') AS files_in_unarchived_packages,
  (SELECT count(*) FROM raw_data_package) AS packages,
  (SELECT count(*) FROM raw_data_package WHERE state <> 'archived') AS unarchived_packages,
  (SELECT count(*) FROM raw_data_package p WHERE NOT EXISTS (
      SELECT 1 FROM physical_copy a JOIN data_location al ON al.id = a.data_location_id
      WHERE al.location_type = 'long_term_archive' AND a.type = 'raw_data_package'
        AND a.raw_data_package_id = p.id AND a.status = 'present' AND a.checksum_verified_at IS NOT NULL))
    AS packages_without_archive_copy

-- simulate_missing_replicas --
-- Packages lacking a present, verified copy in the archive of a site their bundle was transferred to.
SELECT count(*) FROM (
    SELECT DISTINCT p.id, dl.site_id
    FROM raw_data_package p
    JOIN data_transfer t ON t.data_transfer_package_id = p.data_transfer_package_id AND t.status = 'completed'
    JOIN data_location dl ON dl.id = t.destination_location_id
    WHERE EXISTS (SELECT 1 FROM data_location a
                  WHERE a.site_id = dl.site_id AND a.location_type = 'long_term_archive' AND a.active)
      AND NOT EXISTS (
        SELECT 1 FROM physical_copy ac JOIN data_location al ON al.id = ac.data_location_id
        WHERE ac.type = 'raw_data_package' AND ac.raw_data_package_id = p.id AND al.site_id = dl.site_id
          AND al.location_type = 'long_term_archive' AND ac.status = 'present'
          AND ac.checksum_verified_at IS NOT NULL)
) missing

-- simulate_counts --
-- Totals for the summary: executions, files and bytes, packages, bundles, transfers, archive transfers, copies deleted.
SELECT
  (SELECT count(*) FROM executed_obs_unit) AS executions,
  (SELECT count(*) FROM raw_data_file) AS files,
  (SELECT coalesce(sum(size_bytes), 0)::bigint FROM raw_data_file) AS bytes,
  (SELECT count(*) FROM raw_data_package) AS packages,
  (SELECT count(*) FROM data_transfer_package) AS bundles,
  (SELECT count(*) FROM data_transfer) AS transfers,
  (SELECT count(*) FROM long_term_archive_transfer) AS archive_transfers,
  (SELECT count(*) FROM physical_copy WHERE status = 'deleted') AS deleted_copies

-- simulate_analyze --
-- Refresh the planner's statistics after a bulk registration (what autovacuum would do a little later).
ANALYZE raw_data_file, physical_copy, raw_data_package

-- simulate_pipeline_files --
-- How far the files got through the pipeline: registered, in a built package, in a package whose bundle reached a destination, in an archived package, with their source copy deleted.
SELECT
  (SELECT count(*) FROM raw_data_file) AS registered,
  (SELECT count(*) FROM raw_data_file f JOIN raw_data_package p ON p.id = f.raw_data_package_id
   WHERE p.status = 'completed') AS packaged,
  (SELECT count(*) FROM raw_data_file f JOIN raw_data_package p ON p.id = f.raw_data_package_id
   WHERE EXISTS (SELECT 1 FROM data_transfer t
                 WHERE t.data_transfer_package_id = p.data_transfer_package_id AND t.status = 'completed'))
      AS transferred,
  (SELECT count(*) FROM raw_data_file f JOIN raw_data_package p ON p.id = f.raw_data_package_id
   WHERE p.state = 'archived') AS archived,
  (SELECT count(*) FROM physical_copy c JOIN data_location l ON l.id = c.data_location_id
   WHERE c.type = 'raw_data_file' AND c.status = 'deleted' AND l.location_type = 'source') AS deleted
