-- Observing modes, obs units and their instrument module configuration links
-- (opsdb/repositories/obs_units.py).

-- insert_obs_mode --
-- Create an observing mode.
INSERT INTO obs_mode (name, description) VALUES ($1, $2) RETURNING *

-- get_obs_mode --
-- An observing mode by id.
SELECT * FROM obs_mode WHERE id = $1

-- get_obs_mode_by_name --
-- An observing mode by name (natural key).
SELECT * FROM obs_mode WHERE name = $1

-- list_obs_modes --
-- Observing modes in id order, keyset-paged.
SELECT * FROM obs_mode WHERE id > $1 ORDER BY id LIMIT $2

-- insert_obs_unit --
-- Create an obs unit and link its instrument module configurations, all in one statement.
WITH unit AS (
    INSERT INTO obs_unit (name, observing_program_id, sub_observing_program_id, source_id, obs_mode_id,
                          observation_configuration_id, priority, requested_duration_s, min_elevation_deg,
                          max_elevation_deg, active)
    VALUES (:name, :observing_program_id, :sub_observing_program_id, :source_id, :obs_mode_id,
            :observation_configuration_id, :priority, :requested_duration_s, :min_elevation_deg,
            :max_elevation_deg, :active)
    RETURNING *
), links AS (
    INSERT INTO obs_unit_instrument_module_configuration (obs_unit_id, instrument_module_configuration_id)
    SELECT unit.id, configuration_id FROM unit CROSS JOIN unnest(:instrument_module_configuration_ids::bigint[]) AS configuration_id
)
SELECT * FROM unit

-- get_obs_unit --
-- An obs unit by id.
SELECT * FROM obs_unit WHERE id = $1

-- get_obs_unit_by_name --
-- An obs unit by name (natural key).
SELECT * FROM obs_unit WHERE name = $1

-- list_obs_units --
-- Obs units filtered by program, sub-program, source and active flag (NULL = any), in id order, keyset-paged.
SELECT * FROM obs_unit
WHERE (:program_id::bigint IS NULL OR observing_program_id = :program_id)
  AND (:sub_program_id::bigint IS NULL OR sub_observing_program_id = :sub_program_id)
  AND (:source_id::bigint IS NULL OR source_id = :source_id)
  AND (:active::boolean IS NULL OR active = :active)
  AND id > :after_id
ORDER BY id
LIMIT :limit

-- link_obs_unit_configuration --
-- Link an instrument module configuration to an obs unit; no row when already linked.
INSERT INTO obs_unit_instrument_module_configuration (obs_unit_id, instrument_module_configuration_id)
VALUES ($1, $2)
ON CONFLICT (obs_unit_id, instrument_module_configuration_id) DO NOTHING
RETURNING *

-- unlink_obs_unit_configuration --
-- Remove one link; no row when it did not exist.
DELETE FROM obs_unit_instrument_module_configuration
WHERE obs_unit_id = $1 AND instrument_module_configuration_id = $2
RETURNING *

-- list_obs_unit_configurations --
-- The instrument module configurations linked to an obs unit, in id order.
SELECT c.*
FROM obs_unit_instrument_module_configuration l
JOIN instrument_module_configuration c ON c.id = l.instrument_module_configuration_id
WHERE l.obs_unit_id = $1
ORDER BY c.id
