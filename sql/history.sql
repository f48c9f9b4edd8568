-- The audit trail written by the database's state-machine triggers (opsdb/history.py).

-- history_of_item --
-- One item's history ($1 table, $2 item id as text) after history id $3, oldest first, at most $4 rows (index state_history_item_idx).
SELECT id, changed_at, table_name, item_id, column_name, from_state, to_state, db_role, session_role,
       application_name, claimed_by, claim_ref, repair
FROM state_history
WHERE table_name = $1 AND item_id = $2 AND id > $3
ORDER BY id
LIMIT $4

-- history_gaps --
-- History rows whose from-state is not the previous row's to-state for the same item and column (an unrecorded change), and one example.
SELECT count(*) AS gaps,
       min(table_name || ' ' || item_id || ' (' || column_name || '): ' || coalesce(previous, '(none)')
           || ' then ' || coalesce(from_state, '(new)') || ' -> ' || to_state) AS example
FROM (
    SELECT table_name, item_id, column_name, from_state, to_state,
           lag(to_state) OVER (PARTITION BY table_name, item_id, column_name ORDER BY id) AS previous
    FROM state_history
) h
WHERE from_state IS DISTINCT FROM previous
