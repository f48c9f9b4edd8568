-- Deletion and evidence (opsdb/deletion.py, opsdb/evidence.py). The rule and its locks live in
-- migrations/0016 (opsdb_deletable_locked), the claim in 0021 (opsdb_claim_deletions), each copy's
-- rows read once per claim, confirmation, completion and schedule since 0028 (opsdb_deletable_rows,
-- opsdb_lock_package_backing): every statement here that starts or finishes a deletion is judged
-- under lock by the database.

-- deletion_claim --
-- Claim up to $2 due deletions for worker $1 ($3 location ids, $4 site short names, NULL = any) with a lease of $5 s: highest priority first, within the caps of work_cap, judged set-based under the backing's locks (opsdb_claim_deletions, migrations/0021).
SELECT * FROM opsdb_claim_deletions($1, $2, $3::bigint[], $4::text[], $5::float8)

-- deletion_confirm --
-- The last go/no-go for claim ($1 copy, $2 token): 'go', 'lost' (not the caller's claim) or 'refused' (back in the queue).
SELECT opsdb_confirm_deletion($1, $2)

-- deletion_confirm_many --
-- The last go/no-go for many claims ($1 copy ids, $2 tokens) in one statement: per copy 'go', 'lost' or 'refused'.
SELECT copy_id, verdict FROM opsdb_confirm_deletions($1::bigint[], $2::uuid[])

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
