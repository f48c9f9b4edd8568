-- Physical copies of files, packages and bundles at data locations (opsdb/repositories/copies.py).

-- insert_physical_copy --
-- Record a copy of any type; the table's CHECK forces exactly the type's own item column.
INSERT INTO physical_copy (type, raw_data_file_id, raw_data_package_id, data_transfer_package_id,
                           data_location_id, status, checksum_verified_at)
VALUES (:type, :raw_data_file_id, :raw_data_package_id, :data_transfer_package_id, :data_location_id,
        :status, :checksum_verified_at)
RETURNING *

-- get_physical_copy --
-- A copy by id.
SELECT * FROM physical_copy WHERE id = $1

-- get_raw_data_file_copy_at_location --
-- The copy of a raw file at a location (unique index physical_copy_file_location_key).
SELECT * FROM physical_copy WHERE type = 'raw_data_file' AND raw_data_file_id = $1 AND data_location_id = $2

-- get_raw_data_package_copy_at_location --
-- The copy of a raw data package at a location.
SELECT * FROM physical_copy WHERE type = 'raw_data_package' AND raw_data_package_id = $1 AND data_location_id = $2

-- get_data_transfer_package_copy_at_location --
-- The copy of a data transfer package at a location.
SELECT * FROM physical_copy
WHERE type = 'data_transfer_package' AND data_transfer_package_id = $1 AND data_location_id = $2

-- list_raw_data_file_copies --
-- Every copy of a raw file, in location order (physical_copy_file_location_key).
SELECT * FROM physical_copy WHERE raw_data_file_id = $1 ORDER BY data_location_id

-- list_raw_data_package_copies --
-- Every copy of a raw data package, in location order (physical_copy_package_location_key).
SELECT * FROM physical_copy WHERE type = 'raw_data_package' AND raw_data_package_id = $1 ORDER BY data_location_id

-- list_data_transfer_package_copies --
-- Every copy of a data transfer package, in location order (physical_copy_dtp_location_key).
SELECT * FROM physical_copy
WHERE type = 'data_transfer_package' AND data_transfer_package_id = $1
ORDER BY data_location_id

-- list_physical_copies --
-- Copies filtered by location, status and type (NULL = any), keyset-paged by id.
SELECT * FROM physical_copy
WHERE ($1::bigint IS NULL OR data_location_id = $1)
  AND ($2::text IS NULL OR status = $2)
  AND ($3::text IS NULL OR type = $3)
  AND id > $4
ORDER BY id
LIMIT $5

-- list_live_physical_copies --
-- Copies in status $2, which is not 'deleted', filtered by location and type (NULL = any), keyset-paged by id (physical_copy_live_idx: deleted copies, the history, stay out of it). The status test is also written as a range (the same rows) so that a cached generic plan, which cannot see $2, reads that index instead of walking the primary key (docs/performance.md, "Generic plans of the page queries").
SELECT * FROM physical_copy
WHERE ($1::bigint IS NULL OR data_location_id = $1)
  AND status = $2 AND status BETWEEN $2 AND $2 AND status <> 'deleted'
  AND ($3::text IS NULL OR type = $3)
  AND id > $4
ORDER BY id
LIMIT $5

