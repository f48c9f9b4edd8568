-- Raw data files one at a time (opsdb/repositories/files.py); bulk registration has its own SQL.

-- insert_raw_data_file --
-- Register one raw file (the id is client-made or derived from module, path and creation time).
INSERT INTO raw_data_file (id, instrument_module_id, executed_obs_unit_id, name, relative_path, size_bytes,
                           checksum_algorithm, checksum, file_type, file_created_at, metadata)
VALUES (:id, :instrument_module_id, :executed_obs_unit_id, :name, :relative_path, :size_bytes,
        :checksum_algorithm, :checksum, :file_type, :file_created_at, :metadata)
RETURNING *

-- get_raw_data_file --
-- A raw file by id.
SELECT * FROM raw_data_file WHERE id = $1

-- get_raw_data_file_by_path --
-- A raw file by its natural key (instrument module, relative path).
SELECT * FROM raw_data_file WHERE instrument_module_id = $1 AND relative_path = $2

-- list_raw_data_files --
-- Raw files filtered by executed obs unit, module and package (NULL = any), keyset-paged by id.
SELECT * FROM raw_data_file
WHERE ($1::uuid IS NULL OR executed_obs_unit_id = $1)
  AND ($2::bigint IS NULL OR instrument_module_id = $2)
  AND ($3::bigint IS NULL OR raw_data_package_id = $3)
  AND ($4::uuid IS NULL OR id > $4)
ORDER BY id
LIMIT $5

-- list_unpackaged_raw_data_files --
-- Files of one (executed obs unit, module) not yet in a package (partial index), keyset-paged by id.
SELECT * FROM raw_data_file
WHERE executed_obs_unit_id = $1
  AND instrument_module_id = $2
  AND raw_data_package_id IS NULL
  AND ($3::uuid IS NULL OR id > $3)
ORDER BY id
LIMIT $4
