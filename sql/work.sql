-- The generic work protocol (opsdb/work.py). Blocks whose text holds {placeholders} are
-- templates: opsdb/work.py fills them with the kind's STATIC table, column and state names
-- (never with values); every value is a bind parameter, written `$name`: opsdb/work.py numbers
-- them when it fills the template, in the order of the block's `-- params:` line and then the
-- order of the arrays it adds, and binds its values in that same order. Columns: {status} {attempts}
-- {max_attempts} {last_error} {next_attempt_at} {claimed_by} {claim_token} {lease_until}
-- carry the kind's prefix ("unpack_" for the unpack step). next_attempt_at of an item in
-- progress is its lease end, so "due" is one index range for new, retried and abandoned items.

-- work_claim --
-- Claim up to $limit due items for worker $worker ($locations ids, $sites short names, NULL = any) with a lease of $lease_seconds s, highest priority (aged by waiting time) first and within the kind's caps; an abandoned item with no attempts left fails instead.
-- params: worker, limit, locations, sites, lease_seconds
WITH
{claim_steps}
SELECT * FROM claimed WHERE {status} = '{running}' ORDER BY id

-- work_claim_steps --
-- The claim's steps (the CTEs of work_claim and work_complete_claim): `claimed` holds the rows taken.
full_caps AS (
    -- caps of this kind with no room left, on this statement's snapshot: a cheap pre-filter so
    -- a full location's backlog does not fill the window (the exact check is `rooms` below);
    -- the function is not called at all when the kind has no caps
    SELECT r.location_id, r.route_id
    FROM opsdb_work_cap_room('{kind}', NULL, NULL, false) r
    WHERE EXISTS (SELECT 1 FROM work_cap w WHERE w.kind = '{kind}') AND (r.items <= 0 OR r.bytes <= 0)
),
due AS (
    -- due: pending items whose retry time has come, and in-progress items whose lease ran out;
    -- the first $limit * {window} of them in claim order (due time moved earlier by the priority:
    -- opsdb_work_order, migrations/0020), as one scan of the kind's work index
    SELECT t.id, opsdb_work_order(t.{next_attempt_at}, t.{priority}) AS rank_key,
           t.{status} = '{running}' AS takeover, t.{location} AS location_id, {route} AS route_id
    FROM {table} t
    WHERE t.{status} IN ('{pending}', '{running}')
      AND t.{next_attempt_at} <= statement_timestamp()
      {extra}
      AND ($locations::bigint[] IS NULL OR t.{location} = ANY($locations::bigint[]))
      AND ($sites::text[] IS NULL OR t.{location} IN (
            SELECT l.id FROM data_location l JOIN site s ON s.id = l.site_id
            WHERE s.short_name = ANY($sites::text[])))
      AND (t.{status} = '{running}' OR NOT EXISTS (
            SELECT 1 FROM full_caps f WHERE f.location_id = t.{location} OR f.route_id = {route})){after_done}
    ORDER BY opsdb_work_order(t.{next_attempt_at}, t.{priority}), t.{next_attempt_at}
    LIMIT $limit * {window}
    -- rows another worker is claiming right now are skipped, not waited for
    FOR UPDATE OF t SKIP LOCKED
),
judged AS (
    -- a costly per-item rule ({judge}) runs only on this short window, never on the backlog
    SELECT id, rank_key, takeover, location_id, route_id, {judge} AS ok FROM due
),{deferred}
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
    FROM (SELECT j.*, {item_size} AS size_bytes FROM judged j WHERE j.ok) j
),
candidate AS (
    SELECT r.id FROM ranked r
    LEFT JOIN rooms here ON here.location_id = r.location_id
    LEFT JOIN rooms way ON way.route_id = r.route_id
    WHERE r.takeover
       OR ((here.cap_id IS NULL OR (r.nth_here <= here.items AND r.bytes_here <= here.bytes))
           AND (way.cap_id IS NULL OR (r.nth_on_route <= way.items AND r.bytes_on_route <= way.bytes)))
    ORDER BY r.rank_key, r.id
    LIMIT $limit
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
        {claimed_by} = CASE WHEN t.{attempts} >= t.{max_attempts} THEN t.{claimed_by} ELSE $worker END,
        {claim_token} = CASE WHEN t.{attempts} >= t.{max_attempts} THEN NULL ELSE gen_random_uuid() END,
        -- leases run from the moment of the claim, not from the start of the transaction
        {lease_until} = CASE WHEN t.{attempts} >= t.{max_attempts} THEN NULL
                             ELSE clock_timestamp() + make_interval(secs => $lease_seconds::float8) END,
        {next_attempt_at} = CASE WHEN t.{attempts} >= t.{max_attempts} THEN t.{next_attempt_at}
                                 ELSE clock_timestamp() + make_interval(secs => $lease_seconds::float8) END
    FROM candidate c
    -- the candidates' rows by primary key (`= ANY`, estimated at the window's size), never a
    -- sequential scan of the whole table hashed against them (the plan for a large claim on a
    -- table the planner thinks small: linear in the table's size)
    WHERE t.id = ANY(ARRAY(SELECT k.id FROM candidate k)) AND t.id = c.id
    RETURNING t.*
)

-- work_claim_deferred --
-- The claim's step for a kind with a claim rule (the deferred step of work_claim_steps; a kind without one refuses nothing and has no such step): items the rule refuses now step aside for a minute instead of blocking the queue's head.
deferred AS (
    UPDATE {table} t SET {next_attempt_at} = clock_timestamp() + interval '60 seconds'
    FROM judged j
    WHERE t.id = j.id AND NOT j.ok
),

-- work_claim_item_size --
-- An item's bytes in the claim's window, for a kind whose items have a size (the item_size of work_claim_steps; a kind without one counts 0): read only when a cap of the kind exists.
CASE WHEN EXISTS (SELECT 1 FROM rooms) THEN COALESCE((SELECT {size} FROM {table} t WHERE t.id = j.id), 0) ELSE 0 END

-- work_renew --
-- Extend the leases of claims ($ids, $tokens) by $lease_seconds s from now (the clock, not the transaction's start); returns the ids still held by their token.
-- params: ids, tokens, lease_seconds
UPDATE {table} t
SET {lease_until} = clock_timestamp() + make_interval(secs => $lease_seconds::float8),
    {next_attempt_at} = clock_timestamp() + make_interval(secs => $lease_seconds::float8)
FROM unnest($ids::bigint[], $tokens::uuid[]) AS c(id, token)
WHERE t.id = ANY($ids::bigint[]) AND t.id = c.id
  AND (t.{claim_token} = c.token AND t.{status} = '{running}') IS TRUE  -- by id: see work_complete_steps
RETURNING t.id, t.{lease_until} AS lease_until

-- work_complete_many --
-- Complete the claims ($ids, $tokens) and apply the kind's completion effect, in one statement (one round trip, one commit); per-item result columns and effect parameters come as further arrays; returns the completed rows, or only their ids (the others' tokens no longer hold them).
-- params: ids, tokens
WITH
{complete_steps}
SELECT {selected} FROM done d

-- work_complete_claim --
-- Complete the claims ($ids, $tokens) with their effect and claim up to $limit next items for $worker, in one statement: work_complete_many's steps, then work_claim's; the first row carries the completed ids, every row a claimed item (none: one row of NULLs).
-- params: ids, tokens, worker, limit, locations, sites, lease_seconds
WITH
{complete_steps},
{claim_steps}
SELECT f.completed_ids, n.*
FROM (SELECT 1::bigint AS first, array_agg(d.id) AS completed_ids FROM done d) f
FULL JOIN (SELECT c.*, row_number() OVER (ORDER BY c.id) AS claim_row
           FROM claimed c WHERE c.{status} = '{running}') n ON n.claim_row = f.first
ORDER BY n.id

-- work_complete_steps --
-- The completion's steps: `done` marks the claims' items done (token-fenced, state-guarded) and returns them with their effect parameters (effect_*); the kind's effect CTEs follow.
done AS (
    UPDATE {table} t
    SET {status} = '{done}', {lease_until} = NULL{done_sets}{result_sets}
    FROM unnest($ids::bigint[], $tokens::uuid[]{result_arrays}) AS c(id, token{result_names})
    -- the claims' rows are found by their ids (primary key: `t.id = ANY($ids)`, estimated at the
    -- batch's size), never by reading the table or every item in progress: the token and state
    -- guard is one test of the joined row, `(...) IS TRUE` (the same test), which the planner can
    -- neither answer from the partial index of running items nor use to estimate the table's side
    -- (statistics taken with few items in progress made it 1 row: a seq scan, nested-looped
    -- against the whole batch, quadratic in the batch)
    WHERE t.id = ANY($ids::bigint[]) AND t.id = c.id
      AND (t.{claim_token} = c.token AND t.{status} = '{running}') IS TRUE
    RETURNING t.*{effect_returning}
){effect}

-- work_fail_many --
-- Record failures $errors of claims ($ids, $tokens) in one statement (work.fail: a batch of one), each on its own: retry after backoff ($backoff_seconds base doubling, $max_backoff_seconds cap), or fail when no attempts are left or $permanent; returns the rows recorded (the others' tokens no longer hold them).
-- params: ids, tokens, errors, backoff_seconds, max_backoff_seconds, permanent
UPDATE {table} t
SET {status} = CASE WHEN $permanent::boolean OR t.{attempts} >= t.{max_attempts} THEN '{failed}' ELSE '{pending}' END,
    {last_error} = c.error,
    {next_attempt_at} = CASE WHEN $permanent::boolean OR t.{attempts} >= t.{max_attempts} THEN clock_timestamp()
        ELSE clock_timestamp() + make_interval(secs => LEAST($max_backoff_seconds::float8,
                                                             $backoff_seconds::float8 * power(2, GREATEST(t.{attempts} - 1, 0))))
        END,
    {claim_token} = NULL,
    {lease_until} = NULL
FROM unnest($ids::bigint[], $tokens::uuid[], $errors::text[]) AS c(id, token, error)
WHERE t.id = ANY($ids::bigint[]) AND t.id = c.id
  AND (t.{claim_token} = c.token AND t.{status} = '{running}') IS TRUE  -- by id: see work_complete_steps
RETURNING t.*

-- work_reset --
-- Operator reset: a failed item ($id) back to pending with fresh attempts, due now.
-- params: id
UPDATE {table} t
SET {status} = '{pending}', {attempts} = 0, {next_attempt_at} = now(),
    {claimed_by} = NULL, {claim_token} = NULL, {lease_until} = NULL
WHERE t.id = $id AND t.{status} = '{failed}'
RETURNING t.*

-- work_get --
-- One work item ($id) of a kind.
-- params: id
SELECT * FROM {table} t WHERE t.id = $id

-- work_list_failed --
-- Failed items of a kind, keyset-paged by id ($after_id, $limit): what operators look at.
-- params: after_id, limit
SELECT * FROM {table} t WHERE t.{status} = '{failed}' AND t.id > $after_id ORDER BY t.id LIMIT $limit

-- work_log_transfer --
-- A progress note on a data transfer ($transfer, $level, $message).
-- params: transfer, level, message
INSERT INTO data_transfer_log (data_transfer_id, level, message) VALUES ($transfer, $level, $message)

-- Completion effects: what finishing a kind's items means for copies and packages, as CTEs
-- after `done` (work_complete_steps) in the completion's own statement. `done d` holds the
-- completed rows (t.*) and their effect parameters (d.effect_verified, d.effect_location_id).

-- work_effect_raw_data_package_build --
-- Built packages now lie at their effect_location_id (the buffer; NULL = not recorded): a present copy there (effect_verified: checksum checked).
effect AS (
    INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, status, checksum_verified_at)
    SELECT 'raw_data_package', d.id, d.effect_location_id, 'present', CASE WHEN d.effect_verified THEN now() END
    FROM done d
    WHERE d.effect_location_id IS NOT NULL
    ON CONFLICT (raw_data_package_id, data_location_id) WHERE type = 'raw_data_package'
    DO UPDATE SET status = 'present', deleted_at = NULL, checksum_verified_at = EXCLUDED.checksum_verified_at
)

-- work_effect_data_transfer_package_build --
-- Built bundles lie at their origin location: a present copy there (effect_verified: checksum checked).
effect AS (
    INSERT INTO physical_copy (type, data_transfer_package_id, data_location_id, status, checksum_verified_at)
    SELECT 'data_transfer_package', d.id, d.origin_location_id, 'present', CASE WHEN d.effect_verified THEN now() END
    FROM done d
    ON CONFLICT (data_transfer_package_id, data_location_id) WHERE type = 'data_transfer_package'
    DO UPDATE SET status = 'present', deleted_at = NULL, checksum_verified_at = EXCLUDED.checksum_verified_at
)

-- work_effect_data_transfer --
-- Finished transfers: a present bundle copy at each destination (effect_verified: checksum checked).
effect AS (
    INSERT INTO physical_copy (type, data_transfer_package_id, data_location_id, status, checksum_verified_at)
    SELECT 'data_transfer_package', d.data_transfer_package_id, d.destination_location_id, 'present',
           CASE WHEN d.effect_verified THEN now() END
    FROM done d
    ON CONFLICT (data_transfer_package_id, data_location_id) WHERE type = 'data_transfer_package'
    DO UPDATE SET status = 'present', deleted_at = NULL, checksum_verified_at = EXCLUDED.checksum_verified_at
)

-- work_effect_data_transfer_unpack --
-- Finished unpacks: a present copy of each package of the bundle at the destination (effect_verified: checksum checked).
effect AS (
    INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, status, checksum_verified_at)
    SELECT DISTINCT ON (p.id, d.destination_location_id)
           'raw_data_package', p.id, d.destination_location_id, 'present', CASE WHEN d.effect_verified THEN now() END
    FROM done d
    JOIN raw_data_package p ON p.data_transfer_package_id = d.data_transfer_package_id
    ORDER BY p.id, d.destination_location_id
    ON CONFLICT (raw_data_package_id, data_location_id) WHERE type = 'raw_data_package'
    DO UPDATE SET status = 'present', deleted_at = NULL, checksum_verified_at = EXCLUDED.checksum_verified_at
)

-- work_effect_long_term_archive_transfer --
-- Finished archive transfers: a present package copy in the archive (effect_verified), the package archived; the package's state machine refuses a package that may not be archived (a failed one), and with it the whole statement: nothing is written.
archive_done AS (
    SELECT DISTINCT ON (d.raw_data_package_id, d.destination_location_id)
           d.raw_data_package_id, d.destination_location_id, d.effect_verified
    FROM done d
    ORDER BY d.raw_data_package_id, d.destination_location_id
),
effect AS (
    INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, status, checksum_verified_at)
    SELECT 'raw_data_package', a.raw_data_package_id, a.destination_location_id, 'present',
           CASE WHEN a.effect_verified THEN now() END
    FROM archive_done a
    ON CONFLICT (raw_data_package_id, data_location_id) WHERE type = 'raw_data_package'
    DO UPDATE SET status = 'present', deleted_at = NULL, checksum_verified_at = EXCLUDED.checksum_verified_at
),
archived AS (
    -- every package of the batch not yet archived is set archived: the trigger
    -- raw_data_package_state_updated refuses failed -> archived (InvalidTransitionError)
    UPDATE raw_data_package p SET state = 'archived'
    WHERE p.id IN (SELECT a.raw_data_package_id FROM archive_done a) AND p.state <> 'archived'
)

-- work_effect_staging_job --
-- Finished staging jobs: a 'staged' copy of each of their packages at the job's destination.
effect AS (
    INSERT INTO physical_copy (type, raw_data_package_id, data_location_id, status)
    SELECT DISTINCT ON (sp.raw_data_package_id, d.destination_location_id)
           'raw_data_package', sp.raw_data_package_id, d.destination_location_id, 'staged'
    FROM done d JOIN staging_job_package sp ON sp.staging_job_id = d.id
    ORDER BY sp.raw_data_package_id, d.destination_location_id
    ON CONFLICT (raw_data_package_id, data_location_id) WHERE type = 'raw_data_package'
    DO UPDATE SET status = 'staged', deleted_at = NULL
    WHERE physical_copy.status IN ('deleted', 'deletion_failed', 'deletion_possible')
)

-- work_effect_physical_copy_deletion --
-- Deleted package copies: their files' copies at the same location become deletion_possible.
effect AS (
    UPDATE physical_copy fc
    SET status = 'deletion_possible'
    FROM done pc
    JOIN raw_data_file f ON f.raw_data_package_id = pc.raw_data_package_id
    WHERE pc.type = 'raw_data_package'
      AND fc.type = 'raw_data_file' AND fc.raw_data_file_id = f.id
      AND fc.data_location_id = pc.data_location_id
      AND fc.status IN ('present', 'staged')
)

-- work_completed_by --
-- Of claims ($ids, $tokens), the items those very tokens already completed (a retried completion whose first commit went through).
-- params: ids, tokens
SELECT t.* FROM unnest($ids::bigint[], $tokens::uuid[]) AS c(id, token)
JOIN {table} t ON t.id = c.id AND t.{claim_token} = c.token AND t.{status} = '{done}'

-- work_set_priority --
-- Operator: priority $priority for item $id while it waits or runs; nothing when it is finished or failed.
-- params: id, priority
UPDATE {table} t SET {priority} = $priority
WHERE t.id = $id AND t.{status} IN ('{pending}', '{running}')
RETURNING t.*

-- work_record_external_job --
-- Record external job reference $ref (jsonb object; NULL clears it) under claim ($id, $token), with the worker and attempt that started it; nothing when the token no longer holds the item.
-- params: id, token, ref
UPDATE {table} t
SET {external_job} = CASE WHEN $ref::jsonb IS NULL THEN NULL
    ELSE jsonb_build_object('ref', $ref::jsonb, 'worker', t.{claimed_by}, 'attempt', t.{attempts},
                            'recorded_at', clock_timestamp()) END
WHERE t.id = $id AND t.{claim_token} = $token AND t.{status} = '{running}'
RETURNING t.*

-- work_cap_set_location --
-- Cap kind $kind at location $location: at most $max_items items (NULL = no item cap) and $max_bytes bytes (NULL = no byte cap) in progress.
-- params: kind, location, max_items, max_bytes
INSERT INTO work_cap (kind, data_location_id, max_items, max_bytes) VALUES ($kind, $location, $max_items, $max_bytes)
ON CONFLICT (kind, data_location_id) DO UPDATE SET max_items = EXCLUDED.max_items, max_bytes = EXCLUDED.max_bytes
RETURNING *

-- work_cap_set_route --
-- Cap kind $kind on route $route: at most $max_items items (NULL = no item cap) and $max_bytes bytes (NULL = no byte cap) in progress.
-- params: kind, route, max_items, max_bytes
INSERT INTO work_cap (kind, data_transfer_route_id, max_items, max_bytes) VALUES ($kind, $route, $max_items, $max_bytes)
ON CONFLICT (kind, data_transfer_route_id) DO UPDATE SET max_items = EXCLUDED.max_items, max_bytes = EXCLUDED.max_bytes
RETURNING *

-- work_cap_remove --
-- Remove cap $id.
-- params: id
DELETE FROM work_cap WHERE id = $id RETURNING id

-- work_cap_list --
-- Every cap with its room now (items and bytes that may still start), by kind and id.
-- params:
SELECT w.*, r.items AS room_items, r.bytes AS room_bytes
FROM work_cap w
CROSS JOIN LATERAL opsdb_work_cap_room(w.kind, NULL, NULL, false) r
WHERE r.cap_id = w.id
ORDER BY w.kind, w.id
