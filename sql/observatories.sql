-- Observatories, telescopes, instruments, instrument modules, module configurations and
-- observation configurations (opsdb/repositories/observatories.py).

-- insert_observatory --
-- Create an observatory.
INSERT INTO observatory (name, description) VALUES ($1, $2) RETURNING *

-- get_observatory --
-- An observatory by id.
SELECT * FROM observatory WHERE id = $1

-- get_observatory_by_name --
-- An observatory by name (natural key).
SELECT * FROM observatory WHERE name = $1

-- list_observatories --
-- Observatories in id order, keyset-paged.
SELECT * FROM observatory WHERE id > $1 ORDER BY id LIMIT $2

-- insert_telescope --
-- Create a telescope of an observatory.
INSERT INTO telescope (observatory_id, name, description, latitude_deg, longitude_deg, elevation_m)
VALUES (:observatory_id, :name, :description, :latitude_deg, :longitude_deg, :elevation_m)
RETURNING *

-- get_telescope --
-- A telescope by id.
SELECT * FROM telescope WHERE id = $1

-- get_telescope_by_name --
-- A telescope by name (natural key).
SELECT * FROM telescope WHERE name = $1

-- list_telescopes --
-- Telescopes filtered by observatory (NULL = any), in id order, keyset-paged.
SELECT * FROM telescope
WHERE ($1::bigint IS NULL OR observatory_id = $1)
  AND id > $2
ORDER BY id
LIMIT $3

-- insert_instrument --
-- Create an instrument on a telescope.
INSERT INTO instrument (telescope_id, name, description, available) VALUES ($1, $2, $3, $4) RETURNING *

-- get_instrument --
-- An instrument by id.
SELECT * FROM instrument WHERE id = $1

-- get_instrument_by_name --
-- An instrument by (telescope id, instrument name) (natural key).
SELECT * FROM instrument WHERE telescope_id = $1 AND name = $2

-- list_instruments --
-- Instruments filtered by telescope and available flag (NULL = any), in id order, keyset-paged.
SELECT * FROM instrument
WHERE ($1::bigint IS NULL OR telescope_id = $1)
  AND ($2::boolean IS NULL OR available = $2)
  AND id > $3
ORDER BY id
LIMIT $4

-- insert_instrument_module --
-- Create a module of an instrument.
INSERT INTO instrument_module (instrument_id, name, description, pixel_count, frequency_min_ghz, frequency_max_ghz,
                               available)
VALUES (:instrument_id, :name, :description, :pixel_count, :frequency_min_ghz, :frequency_max_ghz, :available)
RETURNING *

-- get_instrument_module --
-- A module by id.
SELECT * FROM instrument_module WHERE id = $1

-- get_instrument_module_by_name --
-- A module by (instrument id, module name) (natural key).
SELECT * FROM instrument_module WHERE instrument_id = $1 AND name = $2

-- find_instrument_modules_by_names --
-- Modules by (instrument name, module name), optionally within one telescope; several rows mean the instrument name is ambiguous.
SELECT m.*
FROM instrument_module m
JOIN instrument i ON i.id = m.instrument_id
JOIN telescope t ON t.id = i.telescope_id
WHERE i.name = $1 AND m.name = $2
  AND ($3::text IS NULL OR t.name = $3)
ORDER BY m.id
LIMIT 2

-- list_instrument_modules --
-- Modules filtered by instrument and available flag (NULL = any), in id order, keyset-paged.
SELECT * FROM instrument_module
WHERE ($1::bigint IS NULL OR instrument_id = $1)
  AND ($2::boolean IS NULL OR available = $2)
  AND id > $3
ORDER BY id
LIMIT $4

-- insert_instrument_module_configuration --
-- Create a named configuration of a module.
INSERT INTO instrument_module_configuration (instrument_module_id, name, parameters) VALUES ($1, $2, $3) RETURNING *

-- get_instrument_module_configuration --
-- A module configuration by id.
SELECT * FROM instrument_module_configuration WHERE id = $1

-- get_instrument_module_configuration_by_name --
-- A module configuration by (module id, configuration name) (natural key).
SELECT * FROM instrument_module_configuration WHERE instrument_module_id = $1 AND name = $2

-- list_instrument_module_configurations --
-- Module configurations filtered by module (NULL = any), in id order, keyset-paged.
SELECT * FROM instrument_module_configuration
WHERE ($1::bigint IS NULL OR instrument_module_id = $1)
  AND id > $2
ORDER BY id
LIMIT $3

-- insert_observation_configuration --
-- Create an observation configuration.
INSERT INTO observation_configuration (name, parameters) VALUES ($1, $2) RETURNING *

-- get_observation_configuration --
-- An observation configuration by id.
SELECT * FROM observation_configuration WHERE id = $1

-- get_observation_configuration_by_name --
-- An observation configuration by name (natural key).
SELECT * FROM observation_configuration WHERE name = $1

-- list_observation_configurations --
-- Observation configurations in id order, keyset-paged.
SELECT * FROM observation_configuration WHERE id > $1 ORDER BY id LIMIT $2

-- module_ids_by_instrument_and_name --
-- Every module's id keyed by 'INSTRUMENT/MODULE' (manifests name modules that way).
SELECT i.name || '/' || m.name AS path, m.id
FROM instrument_module m JOIN instrument i ON i.id = m.instrument_id
