-- Executed obs units: the telescope starts and finishes them (opsdb/repositories/executions.py).

-- insert_executed_obs_unit --
-- Start an execution under the client's id; no row when the id already exists (the caller compares).
INSERT INTO executed_obs_unit (id, obs_unit_id, start_time, conditions, notes)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (id) DO NOTHING
RETURNING *

-- insert_executed_obs_units --
-- Start many executions in one statement; ids that already exist return no row (the caller compares).
INSERT INTO executed_obs_unit (id, obs_unit_id, start_time, conditions, notes)
SELECT s.id, s.obs_unit_id, s.start_time, s.conditions::jsonb, s.notes
FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[], $4::text[], $5::text[])
    AS s(id, obs_unit_id, start_time, conditions, notes)
ON CONFLICT (id) DO NOTHING
RETURNING *

-- get_executed_obs_unit --
-- An execution by id.
SELECT * FROM executed_obs_unit WHERE id = $1

-- get_executed_obs_units --
-- Executions by a list of ids (any order).
SELECT * FROM executed_obs_unit WHERE id = ANY($1::uuid[])

-- finish_executed_obs_unit --
-- Finish a running execution: guarded on status 'running' and end_time >= start_time; merges conditions, appends notes.
UPDATE executed_obs_unit
SET status = $2,
    end_time = $3,
    conditions = conditions || $4::jsonb,
    notes = CASE WHEN $5::text IS NULL THEN notes
                 WHEN notes IS NULL THEN $5::text
                 ELSE notes || E'\n' || $5::text END
WHERE id = $1 AND status = 'running' AND start_time <= $3
RETURNING *

-- finish_executed_obs_units --
-- Finish many running executions in one statement, with the same guard and merge as finish_executed_obs_unit.
UPDATE executed_obs_unit e
SET status = f.status,
    end_time = f.end_time,
    conditions = e.conditions || f.conditions::jsonb,
    notes = CASE WHEN f.notes IS NULL THEN e.notes
                 WHEN e.notes IS NULL THEN f.notes
                 ELSE e.notes || E'\n' || f.notes END
FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::text[])
    AS f(id, status, end_time, conditions, notes)
WHERE e.id = f.id AND e.status = 'running' AND e.start_time <= f.end_time
RETURNING e.*

-- list_executed_obs_units --
-- Executions filtered by obs unit, status and start-time window [started_from, started_before) (NULL = any), in id order, keyset-paged; the status test also as a range for the generic plan (see list_data_transfers in transfers.sql).
SELECT * FROM executed_obs_unit
WHERE (:obs_unit_id::bigint IS NULL OR obs_unit_id = :obs_unit_id)
  AND (:status::text IS NULL OR (status = :status AND status BETWEEN :status AND :status))
  AND (:started_from::timestamptz IS NULL OR start_time >= :started_from)
  AND (:started_before::timestamptz IS NULL OR start_time < :started_before)
  AND (:after_id::uuid IS NULL OR id > :after_id)
ORDER BY id
LIMIT :limit
