-- Operator operations on work items (opsdb/operations.py): templates filled per kind by
-- opsdb.work.kind_sql ({table}, {status}, ... are static names of the kind, never values).
-- Every change is guarded by the item's current state and returns the row as it was before
-- (old_*) and after, so the caller records the transition.

-- ops_list_work --
-- Work items of a kind in the listed states, optionally only expired leases, of a site or location, unchanged for some seconds; keyset-paged.
SELECT t.id, t.{status} AS status, t.{attempts} AS attempts, t.{max_attempts} AS max_attempts,
       t.{last_error} AS last_error, t.{next_attempt_at} AS next_attempt_at, t.{claimed_by} AS claimed_by,
       t.{lease_until} AS lease_until, t.updated_at, s.short_name AS site, l.name AS location
FROM {table} t
JOIN data_location l ON l.id = t.{location}
JOIN site s ON s.id = l.site_id
WHERE t.{status} = ANY(:states::text[]) {extra}
  AND (NOT :expired_only::boolean OR (t.{status} = '{running}' AND t.{lease_until} < now()))
  AND (:site::text IS NULL OR s.short_name = :site)
  AND (:location_id::bigint IS NULL OR t.{location} = :location_id)
  AND (:older_than_seconds::float8 IS NULL OR t.updated_at < now() - make_interval(secs => :older_than_seconds))
  AND t.id > :after_id
ORDER BY t.id
LIMIT :limit

-- ops_retry --
-- Retry ($1): a failed item back to pending with fresh attempts, or a pending one in backoff due now.
UPDATE {table} t
SET {status} = '{pending}', {attempts} = CASE WHEN t.{status} = '{failed}' THEN 0 ELSE t.{attempts} END,
    {next_attempt_at} = now(), {claimed_by} = NULL, {claim_token} = NULL, {lease_until} = NULL
FROM (SELECT id, {status} AS old_status FROM {table} WHERE id = $1 FOR UPDATE) old
WHERE t.id = old.id AND (t.{status} = '{failed}' OR (t.{status} = '{pending}' AND t.{next_attempt_at} > now())) {extra}
RETURNING old.old_status, t.{status} AS status

-- ops_reset --
-- Reset ($1): an item whose worker's lease ran out back to pending, due now (its late completion is refused).
UPDATE {table} t
SET {status} = '{pending}', {next_attempt_at} = now(), {claimed_by} = NULL, {claim_token} = NULL, {lease_until} = NULL
FROM (SELECT id, {status} AS old_status FROM {table} WHERE id = $1 FOR UPDATE) old
WHERE t.id = old.id AND t.{status} = '{running}' AND t.{lease_until} < now() {extra}
RETURNING old.old_status, t.{status} AS status

-- ops_cancel_job --
-- Cancel ($1, reason $2): a job not running (or whose lease ran out) fails for good, with the reason as its last error.
UPDATE {table} t
SET {status} = '{failed}', {last_error} = $2, {claimed_by} = NULL, {claim_token} = NULL, {lease_until} = NULL
FROM (SELECT id, {status} AS old_status FROM {table} WHERE id = $1 FOR UPDATE) old
WHERE t.id = old.id
  AND (t.{status} IN ('{pending}', 'scheduled') OR (t.{status} = '{running}' AND t.{lease_until} < now())) {extra}
RETURNING old.old_status, t.{status} AS status

-- ops_cancel_deletion --
-- Cancel a copy's deletion ($1): scheduled or failed -> present again (a running deletion is not touched).
UPDATE physical_copy t
SET status = 'present', attempts = 0, last_error = NULL, next_attempt_at = NULL,
    claimed_by = NULL, claim_token = NULL, lease_until = NULL
FROM (SELECT id, status AS old_status FROM physical_copy WHERE id = $1 FOR UPDATE) old
WHERE t.id = old.id AND t.status IN ('deletion_scheduled', 'deletion_failed')
RETURNING old.old_status, t.status

-- ops_record_action --
-- Record an operator's action on an item: who, which action, the transition it made and why.
INSERT INTO operator_action (actor, action, kind, item_id, from_status, to_status, reason)
VALUES (:actor, :action, :kind, :item_id, :from_status, :to_status, :reason)
RETURNING id, at

-- ops_actions_of_item --
-- Operator actions on one item ($1 kind, $2 id), oldest first.
SELECT at, actor, action, from_status, to_status, reason FROM operator_action
WHERE kind = $1 AND item_id = $2 ORDER BY at, id
