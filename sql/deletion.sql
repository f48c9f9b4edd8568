-- Deletion and evidence (opsdb/deletion.py, opsdb/evidence.py). The rule and its locks live in
-- migrations/0016 (opsdb_deletable_locked): every statement here that starts or finishes a
-- deletion is re-judged there by the physical_copy guard trigger as well.

-- deletion_claim --
-- Claim up to $2 due deletions for worker $1 ($3 location ids, $4 site short names, NULL = any) with a lease of $5 s: the due window is locked SKIP LOCKED (archive copies are never in it), judged set-based under the backing's FOR SHARE locks; refused items step aside a minute, and an expired claim the rule no longer allows fails (its bytes may be partly gone).
WITH due AS (
    SELECT t.id, t.next_attempt_at AS due_at
    FROM physical_copy t
    WHERE t.status IN ('deletion_scheduled', 'deletion_in_progress')
      AND t.next_attempt_at <= now()
      AND t.data_location_id IN (
            SELECT l.id FROM data_location l
            WHERE l.location_type <> 'long_term_archive'
              AND ($3::bigint[] IS NULL OR l.id = ANY($3::bigint[]))
              AND ($4::text[] IS NULL OR l.site_id IN (SELECT s.id FROM site s WHERE s.short_name = ANY($4::text[]))))
    ORDER BY t.next_attempt_at
    LIMIT $2 + 16
    FOR UPDATE OF t SKIP LOCKED
),
allowed AS (
    SELECT d AS id FROM opsdb_deletable_locked(ARRAY(SELECT id FROM due ORDER BY id)) AS d
),
judged AS (
    SELECT due.id, due.due_at, allowed.id IS NOT NULL AS ok
    FROM due LEFT JOIN allowed ON allowed.id = due.id
),
refused AS (
    UPDATE physical_copy t
    SET next_attempt_at = now() + interval '60 seconds',
        status = CASE WHEN t.status = 'deletion_in_progress' THEN 'deletion_failed' ELSE t.status END,
        last_error = CASE WHEN t.status = 'deletion_in_progress'
            THEN 'lease of ' || t.claimed_by || ' expired mid-deletion and the safe-deletion rule no longer holds: '
                 || 'its bytes may be partly removed; check the copy, then reset it or mark it lost or corrupt'
            ELSE t.last_error END,
        claim_token = CASE WHEN t.status = 'deletion_in_progress' THEN NULL ELSE t.claim_token END,
        lease_until = CASE WHEN t.status = 'deletion_in_progress' THEN NULL ELSE t.lease_until END
    FROM judged j
    WHERE t.id = j.id AND NOT j.ok
),
candidate AS (
    SELECT id FROM judged WHERE ok ORDER BY due_at LIMIT $2
),
claimed AS (
    UPDATE physical_copy t
    SET status = CASE WHEN t.attempts >= t.max_attempts THEN 'deletion_failed' ELSE 'deletion_in_progress' END,
        attempts = LEAST(t.attempts + 1, t.max_attempts),
        last_error = CASE
            WHEN t.status = 'deletion_in_progress' AND t.attempts >= t.max_attempts
                THEN 'lease of ' || t.claimed_by || ' expired; no attempts left'
            WHEN t.status = 'deletion_in_progress' THEN 'lease of ' || t.claimed_by || ' expired'
            ELSE t.last_error END,
        claimed_by = CASE WHEN t.attempts >= t.max_attempts THEN t.claimed_by ELSE $1 END,
        claim_token = CASE WHEN t.attempts >= t.max_attempts THEN NULL ELSE gen_random_uuid() END,
        lease_until = CASE WHEN t.attempts >= t.max_attempts THEN NULL
                           ELSE now() + make_interval(secs => $5::float8) END,
        next_attempt_at = CASE WHEN t.attempts >= t.max_attempts THEN t.next_attempt_at
                               ELSE now() + make_interval(secs => $5::float8) END
    FROM candidate c
    WHERE t.id = c.id
    RETURNING t.*
)
SELECT * FROM claimed WHERE status = 'deletion_in_progress' ORDER BY id

-- deletion_confirm --
-- The last go/no-go for claim ($1 copy, $2 token): 'go', 'lost' (not the caller's claim) or 'refused' (back in the queue).
SELECT opsdb_confirm_deletion($1, $2)

-- deletion_candidates --
-- Copies the safe-deletion rule allows to delete now ($1 location ids, NULL = any), at most $2.
SELECT id FROM opsdb_deletion_candidates($1::bigint[], $2::integer) AS id

-- deletion_schedule --
-- Schedule up to $2 copies the safe-deletion rule allows ($1 location ids, NULL = any): -> deletion_scheduled, due now.
SELECT id FROM opsdb_schedule_deletions($1::bigint[], $2::integer) AS id

-- evidence_mark_copy --
-- Copy $1 is lost or corrupt ($2), from any state that held bytes ($3 states); its verification no longer counts. Returns the previous status and when the change took its lock.
WITH old AS (
    SELECT id, status FROM physical_copy WHERE id = $1 FOR UPDATE
)
UPDATE physical_copy c
SET status = $2, checksum_verified_at = NULL, claim_token = NULL, lease_until = NULL
FROM old
WHERE c.id = old.id AND old.status = ANY($3::text[])
RETURNING old.status AS previous, clock_timestamp() AS at

-- evidence_withdraw_verification --
-- The checksum verification of copy $1 no longer holds (recorded in state_history); no row when it was not verified.
SELECT previous, locked_at AS at FROM opsdb_withdraw_verification($1)

-- evidence_copy_state --
-- Status and verification time of copy $1 (explains a refused evidence change).
SELECT status, checksum_verified_at FROM physical_copy WHERE id = $1
