-- What the pipeline managers ask and their atomic creation steps (opsdb/pipeline.py).
-- Priorities: higher first (routes and locations alike), ties broken by id.

-- pipeline_unpackaged_file_groups --
-- Files not yet packaged, per (executed obs unit, module), once the execution finished, oldest execution first ($1 groups at most); with the source location of one of them.
WITH RECURSIVE groups AS (
    -- the distinct groups of unpackaged files: a skip scan of raw_data_file_unpackaged_idx, one
    -- probe per group, never every unpackaged file (a backlog of thousands was aggregated
    -- whole on every call, the running execution's files included)
    (SELECT f.executed_obs_unit_id, f.instrument_module_id FROM raw_data_file f
     WHERE f.raw_data_package_id IS NULL
     ORDER BY f.executed_obs_unit_id, f.instrument_module_id
     LIMIT 1)
    UNION ALL
    SELECT n.executed_obs_unit_id, n.instrument_module_id
    FROM groups g
    CROSS JOIN LATERAL (
        SELECT f.executed_obs_unit_id, f.instrument_module_id FROM raw_data_file f
        WHERE f.raw_data_package_id IS NULL
          AND (f.executed_obs_unit_id, f.instrument_module_id) > (g.executed_obs_unit_id, g.instrument_module_id)
        ORDER BY f.executed_obs_unit_id, f.instrument_module_id
        LIMIT 1
    ) n
),
ready AS (
    -- the finished executions' groups, each execution looked up by its key; the $1 oldest
    SELECT g.executed_obs_unit_id, g.instrument_module_id, e.end_time
    FROM groups g
    CROSS JOIN LATERAL (
        SELECT e.end_time FROM executed_obs_unit e
        WHERE e.id = g.executed_obs_unit_id AND e.status <> 'running'
        OFFSET 0  -- keeps the lookup per group (an optimisation fence; no rows are skipped)
    ) e
    ORDER BY e.end_time, g.executed_obs_unit_id, g.instrument_module_id
    LIMIT $1
)
-- counts, sizes and a source copy of the groups answered only
SELECT r.executed_obs_unit_id, r.instrument_module_id, a.file_count, a.total_bytes,
       src.data_location_id AS source_location_id
FROM ready r
CROSS JOIN LATERAL (
    SELECT count(*) AS file_count, sum(f.size_bytes) AS total_bytes
    FROM raw_data_file f
    WHERE f.executed_obs_unit_id = r.executed_obs_unit_id AND f.instrument_module_id = r.instrument_module_id
      AND f.raw_data_package_id IS NULL
) a
LEFT JOIN LATERAL (
    -- the group's files (its index), each file's copies by key (physical_copy_file_location_key),
    -- until a present one at a source: never a scan of the copies for the group's files
    SELECT c.data_location_id
    FROM raw_data_file f2
    CROSS JOIN LATERAL (
        SELECT c.data_location_id
        FROM physical_copy c JOIN data_location l ON l.id = c.data_location_id AND l.location_type = 'source'
        WHERE c.raw_data_file_id = f2.id AND c.type = 'raw_data_file' AND c.status = 'present'
        LIMIT 1
    ) c
    WHERE f2.executed_obs_unit_id = r.executed_obs_unit_id AND f2.instrument_module_id = r.instrument_module_id
      AND f2.raw_data_package_id IS NULL
    LIMIT 1
) src ON true
WHERE a.file_count > 0
ORDER BY r.end_time, r.executed_obs_unit_id, r.instrument_module_id

-- pipeline_lock_file_group --
-- Take the packaging lock of group ($1 executed obs unit, $2 module) until the transaction ends ($3: wait for it, else only try); whether it is held. Advisory lock class 20270, object a hash of the group (a collision only serialises two groups).
SELECT CASE WHEN $3::boolean
            THEN pg_advisory_xact_lock(20270, hashtext($1::uuid::text || '/' || $2::bigint::text)) IS NOT NULL
            ELSE pg_try_advisory_xact_lock(20270, hashtext($1::uuid::text || '/' || $2::bigint::text)) END

-- pipeline_lock_unpackaged_files --
-- Lock the unpackaged files of ($1 executed obs unit, $2 module) of a finished execution, path order, up to the first whose predecessors reach $3 bytes (NULL = all): a concurrent packager waits, then sees them taken.
WITH chosen AS MATERIALIZED (
    -- the first package's worth (a superset of the caller's cut: every file with at most $3
    -- bytes before it), not every unpackaged file of the group once per package; computed once
    -- (MATERIALIZED: never re-run per file by a nested loop)
    SELECT s.id FROM (
        SELECT g.id, sum(g.size_bytes) OVER (ORDER BY g.relative_path ROWS UNBOUNDED PRECEDING) - g.size_bytes
                   AS bytes_before
        FROM raw_data_file g
        JOIN executed_obs_unit e ON e.id = g.executed_obs_unit_id
        WHERE g.executed_obs_unit_id = $1 AND g.instrument_module_id = $2 AND g.raw_data_package_id IS NULL
          AND e.status <> 'running'
    ) s
    WHERE $3::bigint IS NULL OR s.bytes_before <= $3::bigint
)
SELECT f.id, f.size_bytes
FROM chosen c
JOIN raw_data_file f ON f.id = c.id
WHERE f.executed_obs_unit_id = $1 AND f.instrument_module_id = $2 AND f.raw_data_package_id IS NULL
ORDER BY f.relative_path
FOR UPDATE OF f

-- pipeline_unpackaged_files --
-- The unpackaged files of ($1 executed obs unit, $2 module) of a finished execution, path order: read under the group's packaging lock, not row-locked (filing them locks and checks each).
SELECT f.id, f.size_bytes
FROM raw_data_file f
JOIN executed_obs_unit e ON e.id = f.executed_obs_unit_id
WHERE f.executed_obs_unit_id = $1 AND f.instrument_module_id = $2 AND f.raw_data_package_id IS NULL
  AND e.status <> 'running'
ORDER BY f.relative_path

-- pipeline_insert_raw_data_packages --
-- New raw data packages ($1 names, $2 paths, zipped; max attempts $6) of group ($3 executed obs unit, $4 module) from origin $5, builds pending; their ids by name.
INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id, origin_location_id,
                              max_attempts)
SELECT u.name, u.relative_path, $3, $4, $5, $6
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(name, relative_path, n)
ORDER BY u.n
RETURNING id, name

-- pipeline_file_into_packages --
-- Put files $1 into packages $2 (zipped) of group ($3 executed obs unit, $4 module), one statement for the group: only its unpackaged files are taken (each locked by the update, its package re-checked if it waited). Returns the ids taken.
UPDATE raw_data_file f SET raw_data_package_id = u.package_id
FROM unnest($1::uuid[], $2::bigint[]) AS u(id, package_id)
WHERE f.id = u.id AND f.raw_data_package_id IS NULL
  AND f.executed_obs_unit_id = $3 AND f.instrument_module_id = $4
RETURNING f.id

-- pipeline_packages_ready_to_bundle --
-- Built, waiting, unbundled packages with a present copy at an active buffer ($1 location ids, NULL = any), per buffer.
-- Driven from the waiting packages (raw_data_package_state_id_idx), each copy looked up by its package: never from
-- every package copy ever made.
SELECT p.id AS raw_data_package_id, c.data_location_id AS location_id, c.site_id, p.size_bytes
FROM raw_data_package p
CROSS JOIN LATERAL (
    SELECT c.data_location_id, l.site_id
    FROM physical_copy c JOIN data_location l ON l.id = c.data_location_id
    WHERE c.type = 'raw_data_package' AND c.raw_data_package_id = p.id AND c.status = 'present'
      AND l.location_type = 'buffer' AND l.active
      AND ($1::bigint[] IS NULL OR c.data_location_id = ANY($1::bigint[]))
    OFFSET 0  -- keeps the lookup per package (an optimisation fence; no rows are skipped)
) c
WHERE p.state = 'waiting' AND p.status = 'completed' AND p.data_transfer_package_id IS NULL
ORDER BY c.data_location_id, p.id
LIMIT $2

-- pipeline_insert_data_transfer_package --
-- A new bundle ($1 name, $2 path, $3 origin location) with its build job pending.
INSERT INTO data_transfer_package (name, relative_path, origin_location_id) VALUES ($1, $2, $3) RETURNING *

-- pipeline_bundle_packages --
-- Put packages ($2 ids) into bundle $1: only built, waiting, unbundled packages, which become transferring.
UPDATE raw_data_package SET data_transfer_package_id = $1, state = 'transferring'
WHERE id = ANY($2::bigint[]) AND state = 'waiting' AND status = 'completed' AND data_transfer_package_id IS NULL
RETURNING id

-- pipeline_package_states --
-- Build status, state and bundle of packages ($1 ids): explains a refused bundling.
SELECT id, status, state, data_transfer_package_id FROM raw_data_package WHERE id = ANY($1::bigint[]) ORDER BY id

-- pipeline_transfer_legs --
-- Transfers still to create, resolved from the routes: per built bundle and destination, the best active route (direct, relay in two legs, custom overrides), from a location holding a present bundle copy to the destination's best active buffer.
WITH routes AS (
    -- the best active route per (origin site, destination site)
    SELECT DISTINCT ON (origin_site_id, destination_site_id) *
    FROM data_transfer_route
    WHERE active
    ORDER BY origin_site_id, destination_site_id, priority DESC, id
),
buffers AS (
    -- the best active buffer per site
    SELECT DISTINCT ON (site_id) id, site_id
    FROM data_location
    WHERE active AND location_type = 'buffer'
    ORDER BY site_id, priority DESC, id
),
bundles AS (
    -- built bundles with a present copy somewhere (every leg starts from one): found from the
    -- present bundle copies (physical_copy_present_bundle_idx), not from every bundle ever built
    SELECT d.id AS bundle_id, d.origin_location_id, ol.site_id AS origin_site_id
    FROM (SELECT DISTINCT pc.data_transfer_package_id AS id FROM physical_copy pc
          WHERE pc.type = 'data_transfer_package' AND pc.status = 'present') present
    CROSS JOIN LATERAL (
        SELECT d.id, d.origin_location_id FROM data_transfer_package d
        WHERE d.id = present.id AND d.status = 'completed'
        OFFSET 0  -- keeps the lookup per present bundle (an optimisation fence; no rows are skipped)
    ) d
    JOIN data_location ol ON ol.id = d.origin_location_id
),
legs AS (
    -- direct and custom routes; the first leg of a relay route ends at the relay site
    SELECT b.bundle_id, r.id AS route_id, r.method, r.priority,
           COALESCE(r.origin_location_id, b.origin_location_id) AS from_location_id,
           CASE WHEN r.route_type = 'relay' THEN rb.id ELSE COALESCE(r.destination_location_id, db.id) END
               AS to_location_id
    FROM bundles b
    JOIN routes r ON r.origin_site_id = b.origin_site_id
    LEFT JOIN buffers db ON db.site_id = r.destination_site_id
    LEFT JOIN buffers rb ON rb.site_id = r.relay_site_id
    UNION ALL
    -- the second leg of a relay route: from wherever the bundle landed at the relay site
    SELECT b.bundle_id, r.id, r.method, r.priority, rc.data_location_id,
           COALESCE(r.destination_location_id, db.id)
    FROM bundles b
    JOIN routes r ON r.origin_site_id = b.origin_site_id AND r.route_type = 'relay'
    JOIN data_location rl ON rl.site_id = r.relay_site_id
    JOIN physical_copy rc ON rc.type = 'data_transfer_package' AND rc.data_transfer_package_id = b.bundle_id
                         AND rc.data_location_id = rl.id AND rc.status = 'present'
    LEFT JOIN buffers db ON db.site_id = r.destination_site_id
)
SELECT DISTINCT ON (l.bundle_id, l.to_location_id)
       l.bundle_id AS data_transfer_package_id, l.route_id AS data_transfer_route_id, l.method,
       l.from_location_id AS origin_location_id, l.to_location_id AS destination_location_id
FROM legs l
JOIN data_location dest ON dest.id = l.to_location_id AND dest.active
WHERE l.from_location_id IS NOT NULL AND l.from_location_id <> l.to_location_id
  AND EXISTS (
        SELECT 1 FROM physical_copy c
        WHERE c.type = 'data_transfer_package' AND c.data_transfer_package_id = l.bundle_id
          AND c.data_location_id = l.from_location_id AND c.status = 'present')
  AND NOT EXISTS (
        SELECT 1 FROM data_transfer t
        WHERE t.data_transfer_package_id = l.bundle_id AND t.destination_location_id = l.to_location_id)
ORDER BY l.bundle_id, l.to_location_id, l.priority DESC, l.route_id
LIMIT $1

-- pipeline_insert_transfer --
-- Create a data transfer ($1 bundle, $2 route, $3 method, $4 origin, $5 destination) unless that bundle already goes there.
INSERT INTO data_transfer (data_transfer_package_id, data_transfer_route_id, method, origin_location_id,
                           destination_location_id)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[])
ON CONFLICT (data_transfer_package_id, destination_location_id) DO NOTHING
RETURNING *

-- pipeline_transfers_to_unpack --
-- Finished transfers whose unpack is pending, at destinations $1 (NULL = any).
SELECT * FROM data_transfer
WHERE status = 'completed' AND unpack_status IN ('pending', 'in_progress')
  AND ($1::bigint[] IS NULL OR destination_location_id = ANY($1::bigint[]))
ORDER BY unpack_next_attempt_at, id
LIMIT $2

-- pipeline_archive_legs --
-- Packages ready for the long-term archive: a present copy at an active buffer of a site with an active archive location, no archive transfer there yet.
-- Driven from the present package copies at each such buffer (physical_copy_location_status_idx), not from every
-- present package copy (the archived ones stay present in the archive forever).
WITH archives AS (
    SELECT DISTINCT ON (site_id) id, site_id
    FROM data_location
    WHERE active AND location_type = 'long_term_archive'
    ORDER BY site_id, priority DESC, id
),
buffers AS (
    SELECT b.id, b.priority, a.id AS archive_id
    FROM data_location b JOIN archives a ON a.site_id = b.site_id
    WHERE b.location_type = 'buffer' AND b.active
)
SELECT DISTINCT ON (p.id, b.archive_id)
       p.id AS raw_data_package_id, b.id AS origin_location_id, b.archive_id AS destination_location_id
FROM buffers b
CROSS JOIN LATERAL (
    SELECT c.raw_data_package_id FROM physical_copy c
    WHERE c.data_location_id = b.id AND c.status = 'present' AND c.type = 'raw_data_package'
    OFFSET 0  -- keeps the lookup per buffer (an optimisation fence; no rows are skipped)
) c
JOIN raw_data_package p ON p.id = c.raw_data_package_id
WHERE p.status = 'completed' AND p.state IN ('waiting', 'transferring', 'archived')
  AND NOT EXISTS (
        SELECT 1 FROM long_term_archive_transfer t
        WHERE t.raw_data_package_id = p.id AND t.destination_location_id = b.archive_id)
ORDER BY p.id, b.archive_id, b.priority DESC, b.id
LIMIT $1

-- pipeline_insert_archive_transfer --
-- Create archive transfers ($1 packages, $2 origins, $3 destinations) unless the package already goes there.
INSERT INTO long_term_archive_transfer (raw_data_package_id, origin_location_id, destination_location_id)
SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[])
ON CONFLICT (raw_data_package_id, destination_location_id) DO NOTHING
RETURNING *

-- pipeline_lock_staged_copies --
-- Lock (FOR SHARE, id order) the copies of packages $2 at location $1 before a staging job for them is created: a deleter holding one (confirm_deletion) finishes first, and one that confirms later sees the job.
SELECT c.id FROM physical_copy c
WHERE c.type = 'raw_data_package' AND c.raw_data_package_id = ANY($2::bigint[]) AND c.data_location_id = $1
ORDER BY c.id
FOR SHARE OF c

-- pipeline_insert_staging_job --
-- A staging request ($1 user, $2 processing location, $3 retention end).
INSERT INTO staging_job (user_account_id, destination_location_id, retention_until) VALUES ($1, $2, $3) RETURNING id

-- pipeline_insert_staging_packages --
-- The packages ($2 ids) of staging job $1.
INSERT INTO staging_job_package (staging_job_id, raw_data_package_id)
SELECT $1, unnest($2::bigint[])

-- pipeline_staging_requests --
-- Staging jobs not yet finished, oldest first, with their package ids.
SELECT j.*, array(SELECT sp.raw_data_package_id FROM staging_job_package sp
                  WHERE sp.staging_job_id = j.id ORDER BY 1) AS package_ids
FROM staging_job j
WHERE j.status IN ('pending', 'scheduled', 'in_progress')
ORDER BY j.created_at, j.id
LIMIT $1

-- pipeline_staging_sources --
-- Where to stage each package of job $1 from: its best present, checksum-verified long-term-archive copy.
SELECT DISTINCT ON (sp.raw_data_package_id) sp.raw_data_package_id, c.data_location_id
FROM staging_job_package sp
JOIN physical_copy c ON c.type = 'raw_data_package' AND c.raw_data_package_id = sp.raw_data_package_id
                    AND c.status = 'present' AND c.checksum_verified_at IS NOT NULL
JOIN data_location l ON l.id = c.data_location_id AND l.location_type = 'long_term_archive'
WHERE sp.staging_job_id = $1
ORDER BY sp.raw_data_package_id, l.active DESC, l.priority DESC, l.id

-- pipeline_set_package_state --
-- Guarded state change of package $1 from $2 to $3; nothing when its state is not $2. Back to waiting, the package leaves its bundle (it can be bundled again).
UPDATE raw_data_package
SET state = $3, data_transfer_package_id = CASE WHEN $3 = 'waiting' THEN NULL ELSE data_transfer_package_id END
WHERE id = $1 AND state = $2
RETURNING id

-- pipeline_get_package_state --
-- A package's state ($1).
SELECT state FROM raw_data_package WHERE id = $1

-- pipeline_set_copy_status --
-- Guarded status change of copy $1 from $2 to $3 (deleted_at follows 'deleted'); nothing when its status is not $2. (Re-)scheduling a deletion starts it afresh: due now, no attempts, no error, no claim.
UPDATE physical_copy
SET status = $3, deleted_at = CASE WHEN $3 = 'deleted' THEN now() END,
    next_attempt_at = CASE WHEN $3 = 'deletion_scheduled' THEN now() ELSE next_attempt_at END,
    attempts = CASE WHEN $3 = 'deletion_scheduled' THEN 0 ELSE attempts END,
    last_error = CASE WHEN $3 = 'deletion_scheduled' THEN NULL ELSE last_error END,
    claimed_by = CASE WHEN $3 = 'deletion_scheduled' THEN NULL ELSE claimed_by END,
    claim_token = CASE WHEN $3 = 'deletion_scheduled' THEN NULL ELSE claim_token END,
    lease_until = CASE WHEN $3 = 'deletion_scheduled' THEN NULL ELSE lease_until END
WHERE id = $1 AND status = $2
RETURNING id

-- pipeline_get_copy_status --
-- A copy's status ($1).
SELECT status FROM physical_copy WHERE id = $1
