-- The generic work protocol (opsdb/work.py). Blocks whose text holds {placeholders} are
-- templates: opsdb/work.py fills them with the kind's STATIC table, column and state names
-- (never with values); every value is a bind parameter. Columns: {status} {attempts}
-- {max_attempts} {last_error} {next_attempt_at} {claimed_by} {claim_token} {lease_until}
-- carry the kind's prefix ("unpack_" for the unpack step). next_attempt_at of an item in
-- progress is its lease end, so "due" is one index range for new, retried and abandoned items.

-- work_claim --
-- Claim up to $2 due items for worker $1 ($3 location ids, $4 site short names, NULL = any) with a lease of $5 s, highest priority (aged by waiting time) first and within the kind's caps; an abandoned item with no attempts left fails instead.
WITH full_caps AS (
    -- caps of this kind with no room left, on this statement's snapshot: a cheap pre-filter so
    -- a full location's backlog does not fill the window (the exact check is `rooms` below);
    -- the function is not called at all when the kind has no caps
    SELECT r.location_id, r.route_id
    FROM opsdb_work_cap_room('{kind}', NULL, NULL, false) r
    WHERE EXISTS (SELECT 1 FROM work_cap w WHERE w.kind = '{kind}') AND (r.items <= 0 OR r.bytes <= 0)
),
due AS (
    -- due: pending items whose retry time has come, and in-progress items whose lease ran out;
    -- the first $2 * {window} of them in claim order (due time moved earlier by the priority:
    -- opsdb_work_order, migrations/0020), as one scan of the kind's work index
    SELECT t.id, opsdb_work_order(t.{next_attempt_at}, t.{priority}) AS rank_key,
           t.{status} = '{running}' AS takeover, t.{location} AS location_id, {route} AS route_id
    FROM {table} t
    WHERE t.{status} IN ('{pending}', '{running}')
      AND t.{next_attempt_at} <= statement_timestamp()
      {extra}
      AND ($3::bigint[] IS NULL OR t.{location} = ANY($3::bigint[]))
      AND ($4::text[] IS NULL OR t.{location} IN (
            SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id
            WHERE s.short_name = ANY($4::text[])))
      AND (t.{status} = '{running}' OR NOT EXISTS (
            SELECT 1 FROM full_caps f WHERE f.location_id = t.{location} OR f.route_id = {route}))
    ORDER BY opsdb_work_order(t.{next_attempt_at}, t.{priority}), t.{next_attempt_at}
    LIMIT $2 * {window}
    -- rows another worker is claiming right now are skipped, not waited for
    FOR UPDATE OF t SKIP LOCKED
),
judged AS (
    -- a costly per-item rule ({judge}) runs only on this short window, never on the backlog
    SELECT id, rank_key, takeover, location_id, route_id, {judge} AS ok FROM due
),
deferred AS (
    -- items the rule refuses now step aside for a minute instead of blocking the queue's head
    UPDATE {table} t SET {next_attempt_at} = clock_timestamp() + interval '60 seconds'
    FROM judged j
    WHERE t.id = j.id AND NOT j.ok
),
rooms AS (
    -- the exact room under each cap the window's new items fall under: waits for the caps'
    -- other claimers to commit, then counts on a fresh snapshot (migrations/0020)
    SELECT r.* FROM opsdb_work_cap_room(
        '{kind}',
        (SELECT coalesce(array_agg(DISTINCT j.location_id), '{}') FROM judged j WHERE j.ok AND NOT j.takeover),
        (SELECT coalesce(array_agg(DISTINCT j.route_id), '{}') FROM judged j WHERE j.ok AND NOT j.takeover),
        true) r
    WHERE EXISTS (SELECT 1 FROM work_cap w WHERE w.kind = '{kind}')
),
ranked AS (
    -- new items numbered per location and per route in claim order, with their bytes so far;
    -- a takeover is already counted under its caps and takes no room
    SELECT j.id, j.rank_key, j.takeover, j.location_id, j.route_id,
           count(*) FILTER (WHERE NOT j.takeover)
               OVER (PARTITION BY j.location_id ORDER BY j.rank_key, j.id) AS nth_here,
           count(*) FILTER (WHERE NOT j.takeover)
               OVER (PARTITION BY j.route_id ORDER BY j.rank_key, j.id) AS nth_on_route,
           sum(CASE WHEN j.takeover THEN 0 ELSE j.size_bytes END)
               OVER (PARTITION BY j.location_id ORDER BY j.rank_key, j.id) AS bytes_here,
           sum(CASE WHEN j.takeover THEN 0 ELSE j.size_bytes END)
               OVER (PARTITION BY j.route_id ORDER BY j.rank_key, j.id) AS bytes_on_route
    FROM (SELECT j.*, CASE WHEN EXISTS (SELECT 1 FROM rooms)
                           THEN COALESCE((SELECT {size} FROM {table} t WHERE t.id = j.id), 0) ELSE 0 END
               AS size_bytes
          FROM judged j WHERE j.ok) j
),
candidate AS (
    SELECT r.id FROM ranked r
    LEFT JOIN rooms here ON here.location_id = r.location_id
    LEFT JOIN rooms way ON way.route_id = r.route_id
    WHERE r.takeover
       OR ((here.cap_id IS NULL OR (r.nth_here <= here.items AND r.bytes_here <= here.bytes))
           AND (way.cap_id IS NULL OR (r.nth_on_route <= way.items AND r.bytes_on_route <= way.bytes)))
    ORDER BY r.rank_key, r.id
    LIMIT $2
),
claimed AS (
    UPDATE {table} t
    SET {status} = CASE WHEN t.{attempts} >= t.{max_attempts} THEN '{failed}' ELSE '{running}' END,
        {attempts} = LEAST(t.{attempts} + 1, t.{max_attempts}),
        {last_error} = CASE
            WHEN t.{status} = '{running}' AND t.{attempts} >= t.{max_attempts}
                THEN 'lease of ' || t.{claimed_by} || ' expired; no attempts left'
            WHEN t.{status} = '{running}' THEN 'lease of ' || t.{claimed_by} || ' expired'
            ELSE t.{last_error} END,
        {claimed_by} = CASE WHEN t.{attempts} >= t.{max_attempts} THEN t.{claimed_by} ELSE $1 END,
        {claim_token} = CASE WHEN t.{attempts} >= t.{max_attempts} THEN NULL ELSE gen_random_uuid() END,
        -- leases run from the moment of the claim, not from the start of the transaction
        {lease_until} = CASE WHEN t.{attempts} >= t.{max_attempts} THEN NULL
                             ELSE clock_timestamp() + make_interval(secs => $5::float8) END,
        {next_attempt_at} = CASE WHEN t.{attempts} >= t.{max_attempts} THEN t.{next_attempt_at}
                                 ELSE clock_timestamp() + make_interval(secs => $5::float8) END
    FROM candidate c
    WHERE t.id = c.id
    RETURNING t.*
)
SELECT * FROM claimed WHERE {status} = '{running}' ORDER BY id

-- work_renew --
-- Extend the leases of claims ($1 ids, $2 tokens) by $3 s from now (the clock, not the transaction's start); returns the ids still held by their token.
UPDATE {table} t
SET {lease_until} = clock_timestamp() + make_interval(secs => $3::float8),
    {next_attempt_at} = clock_timestamp() + make_interval(secs => $3::float8)
FROM unnest($1::bigint[], $2::uuid[]) AS c(id, token)
WHERE t.id = c.id AND t.{claim_token} = c.token AND t.{status} = '{running}'
RETURNING t.id, t.{lease_until} AS lease_until

-- work_complete --
-- Mark claim ($1 id, $2 token) done, writing the kind's result columns; nothing when the token no longer holds it.
UPDATE {table} t
SET {status} = '{done}', {lease_until} = NULL{done_sets}{result_sets}
WHERE t.id = $1 AND t.{claim_token} = $2 AND t.{status} = '{running}'
RETURNING t.*

-- work_fail --
-- Record failure $3 of claim ($1 id, $2 token): retry after backoff ($4 base s doubling, $5 cap s), or fail when no attempts are left or $6 (permanent).
UPDATE {table} t
SET {status} = CASE WHEN $6::boolean OR t.{attempts} >= t.{max_attempts} THEN '{failed}' ELSE '{pending}' END,
    {last_error} = $3,
    {next_attempt_at} = CASE WHEN $6::boolean OR t.{attempts} >= t.{max_attempts} THEN clock_timestamp()
        ELSE clock_timestamp() + make_interval(secs => LEAST($5::float8, $4::float8 * power(2, GREATEST(t.{attempts} - 1, 0))))
        END,
    {claim_token} = NULL,
    {lease_until} = NULL
WHERE t.id = $1 AND t.{claim_token} = $2 AND t.{status} = '{running}'
RETURNING t.*

-- work_reset --
-- Operator reset: a failed item ($1) back to pending with fresh attempts, due now.
UPDATE {table} t
SET {status} = '{pending}', {attempts} = 0, {next_attempt_at} = now(),
    {claimed_by} = NULL, {claim_token} = NULL, {lease_until} = NULL
WHERE t.id = $1 AND t.{status} = '{failed}'
RETURNING t.*

-- work_get --
-- One work item ($1) of a kind.
SELECT * FROM {table} t WHERE t.id = $1

-- work_list_failed --
-- Failed items of a kind, keyset-paged by id ($1 after id, $2 limit): what operators look at.
SELECT * FROM {table} t WHERE t.{status} = '{failed}' AND t.id > $1 ORDER BY t.id LIMIT $2

-- work_log_transfer --
-- A progress note on a data transfer ($1 transfer, $2 level, $3 message).
INSERT INTO data_transfer_log (data_transfer_id, level, message) VALUES ($1, $2, $3)

-- Completion effects: what finishing a kind's items means for copies and packages. Set-based:
-- $1 holds the completed item ids, further arrays their effect parameters, one per item.

-- work_effect_raw_data_package_build --
-- Built packages ($1) now lie at locations $2 (the buffer; NULL = not recorded): a present copy there ($3 checksum verified).
INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, status, checksum_verified_at)
SELECT 'raw_data_package', u.id, u.location_id, 'present', CASE WHEN u.verified THEN now() END
FROM unnest($1::bigint[], $2::bigint[], $3::boolean[]) AS u(id, location_id, verified)
WHERE u.location_id IS NOT NULL
ON CONFLICT (raw_data_package_id, data_location_id) WHERE type = 'raw_data_package'
DO UPDATE SET status = 'present', deleted_at = NULL, checksum_verified_at = EXCLUDED.checksum_verified_at

-- work_effect_data_transfer_package_build --
-- Built bundles ($1) lie at their origin location: a present copy there ($2 checksum verified).
INSERT INTO physical_copy (type, data_transfer_package_id, data_location_id, status, checksum_verified_at)
SELECT 'data_transfer_package', d.id, d.origin_location_id, 'present', CASE WHEN u.verified THEN now() END
FROM unnest($1::bigint[], $2::boolean[]) AS u(id, verified)
JOIN data_transfer_package d ON d.id = u.id
ON CONFLICT (data_transfer_package_id, data_location_id) WHERE type = 'data_transfer_package'
DO UPDATE SET status = 'present', deleted_at = NULL, checksum_verified_at = EXCLUDED.checksum_verified_at

-- work_effect_data_transfer --
-- Finished transfers ($1): a present bundle copy at each destination ($2 checksum verified).
INSERT INTO physical_copy (type, data_transfer_package_id, data_location_id, status, checksum_verified_at)
SELECT 'data_transfer_package', t.data_transfer_package_id, t.destination_location_id, 'present',
       CASE WHEN u.verified THEN now() END
FROM unnest($1::bigint[], $2::boolean[]) AS u(id, verified)
JOIN data_transfer t ON t.id = u.id
ON CONFLICT (data_transfer_package_id, data_location_id) WHERE type = 'data_transfer_package'
DO UPDATE SET status = 'present', deleted_at = NULL, checksum_verified_at = EXCLUDED.checksum_verified_at

-- work_effect_data_transfer_unpack --
-- Finished unpacks ($1): a present copy of each package of the bundle at the destination ($2 checksum verified).
INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, status, checksum_verified_at)
SELECT DISTINCT ON (p.id, t.destination_location_id)
       'raw_data_package', p.id, t.destination_location_id, 'present', CASE WHEN u.verified THEN now() END
FROM unnest($1::bigint[], $2::boolean[]) AS u(id, verified)
JOIN data_transfer t ON t.id = u.id
JOIN raw_data_package p ON p.data_transfer_package_id = t.data_transfer_package_id
ORDER BY p.id, t.destination_location_id
ON CONFLICT (raw_data_package_id, data_location_id) WHERE type = 'raw_data_package'
DO UPDATE SET status = 'present', deleted_at = NULL, checksum_verified_at = EXCLUDED.checksum_verified_at

-- work_effect_long_term_archive_transfer --
-- Finished archive transfers ($1): a present package copy in the archive ($2 verified), the package archived; returns the packages that could not be archived, with their state.
WITH done AS (
    SELECT DISTINCT ON (t.raw_data_package_id, t.destination_location_id)
           t.raw_data_package_id, t.destination_location_id, u.verified
    FROM unnest($1::bigint[], $2::boolean[]) AS u(id, verified)
    JOIN long_term_archive_transfer t ON t.id = u.id
    ORDER BY t.raw_data_package_id, t.destination_location_id
),
copy AS (
    INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, status, checksum_verified_at)
    SELECT 'raw_data_package', d.raw_data_package_id, d.destination_location_id, 'present',
           CASE WHEN d.verified THEN now() END
    FROM done d
    ON CONFLICT (raw_data_package_id, data_location_id) WHERE type = 'raw_data_package'
    DO UPDATE SET status = 'present', deleted_at = NULL, checksum_verified_at = EXCLUDED.checksum_verified_at
    RETURNING id
),
archived AS (
    -- guarded: a failed package is not archived (the caller refuses the whole completion)
    UPDATE raw_data_package p SET state = 'archived'
    WHERE p.id IN (SELECT raw_data_package_id FROM done) AND p.state IN ('waiting', 'transferring', 'archived')
    RETURNING p.id
)
SELECT p.id, p.state
FROM raw_data_package p
WHERE p.id IN (SELECT raw_data_package_id FROM done) AND p.id NOT IN (SELECT id FROM archived)
ORDER BY p.id

-- work_effect_staging_job --
-- Finished staging jobs ($1): a 'staged' copy of each of their packages at the job's destination.
INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, status)
SELECT DISTINCT ON (sp.raw_data_package_id, j.destination_location_id)
       'raw_data_package', sp.raw_data_package_id, j.destination_location_id, 'staged'
FROM staging_job j JOIN staging_job_package sp ON sp.staging_job_id = j.id
WHERE j.id = ANY($1::bigint[])
ORDER BY sp.raw_data_package_id, j.destination_location_id
ON CONFLICT (raw_data_package_id, data_location_id) WHERE type = 'raw_data_package'
DO UPDATE SET status = 'staged', deleted_at = NULL
WHERE physical_copy.status IN ('deleted', 'deletion_failed', 'deletion_possible')

-- work_effect_physical_copy_deletion --
-- Deleted package copies ($1): their files' copies at the same location become deletion_possible.
UPDATE physical_copy fc
SET status = 'deletion_possible'
FROM physical_copy pc
JOIN raw_data_file f ON f.raw_data_package_id = pc.raw_data_package_id
WHERE pc.id = ANY($1::bigint[]) AND pc.type = 'raw_data_package'
  AND fc.type = 'raw_data_file' AND fc.raw_data_file_id = f.id
  AND fc.data_location_id = pc.data_location_id
  AND fc.status IN ('present', 'staged')

-- work_complete_many --
-- Mark many claims ($1 ids, $2 tokens) done in one statement, with per-item result columns as further arrays; returns the rows completed (the others' tokens no longer hold them).
UPDATE {table} t
SET {status} = '{done}', {lease_until} = NULL{done_sets}{result_sets}
FROM unnest($1::bigint[], $2::uuid[]{result_arrays}) AS c(id, token{result_names})
WHERE t.id = c.id AND t.{claim_token} = c.token AND t.{status} = '{running}'
RETURNING t.*

-- work_completed_by --
-- Of claims ($1 ids, $2 tokens), the items those very tokens already completed (a retried completion whose first commit went through).
SELECT t.* FROM unnest($1::bigint[], $2::uuid[]) AS c(id, token)
JOIN {table} t ON t.id = c.id AND t.{claim_token} = c.token AND t.{status} = '{done}'

-- work_set_priority --
-- Operator: priority $2 for item $1 while it waits or runs; nothing when it is finished or failed.
UPDATE {table} t SET {priority} = $2
WHERE t.id = $1 AND t.{status} IN ('{pending}', '{running}')
RETURNING t.*

-- work_record_external_job --
-- Record external job reference $3 (jsonb object; NULL clears it) under claim ($1 id, $2 token), with the worker and attempt that started it; nothing when the token no longer holds the item.
UPDATE {table} t
SET {external_job} = CASE WHEN $3::jsonb IS NULL THEN NULL
    ELSE jsonb_build_object('ref', $3::jsonb, 'worker', t.{claimed_by}, 'attempt', t.{attempts},
                            'recorded_at', clock_timestamp()) END
WHERE t.id = $1 AND t.{claim_token} = $2 AND t.{status} = '{running}'
RETURNING t.*

-- work_cap_set_location --
-- Cap kind $1 at location $2: at most $3 items (NULL = no item cap) and $4 bytes (NULL = no byte cap) in progress.
INSERT INTO work_cap (kind, data_location_id, max_items, max_bytes) VALUES ($1, $2, $3, $4)
ON CONFLICT (kind, data_location_id) DO UPDATE SET max_items = EXCLUDED.max_items, max_bytes = EXCLUDED.max_bytes
RETURNING *

-- work_cap_set_route --
-- Cap kind $1 on route $2: at most $3 items (NULL = no item cap) and $4 bytes (NULL = no byte cap) in progress.
INSERT INTO work_cap (kind, data_transfer_route_id, max_items, max_bytes) VALUES ($1, $2, $3, $4)
ON CONFLICT (kind, data_transfer_route_id) DO UPDATE SET max_items = EXCLUDED.max_items, max_bytes = EXCLUDED.max_bytes
RETURNING *

-- work_cap_remove --
-- Remove cap $1.
DELETE FROM work_cap WHERE id = $1 RETURNING id

-- work_cap_list --
-- Every cap with its room now (items and bytes that may still start), by kind and id.
SELECT w.*, r.items AS room_items, r.bytes AS room_bytes
FROM work_cap w
CROSS JOIN LATERAL opsdb_work_cap_room(w.kind, NULL, NULL, false) r
WHERE r.cap_id = w.id
ORDER BY w.kind, w.id
