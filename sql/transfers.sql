-- Data transfers (+ logs) and long-term-archive transfers (opsdb/repositories/transfers.py).

-- insert_data_transfer --
-- Create the transfer of a data transfer package to one destination.
INSERT INTO data_transfer (data_transfer_package_id, data_transfer_route_id, origin_location_id,
                           destination_location_id, method, max_attempts, unpack_max_attempts)
VALUES (:data_transfer_package_id, :data_transfer_route_id, :origin_location_id, :destination_location_id,
        :method, :max_attempts, :unpack_max_attempts)
RETURNING *

-- get_data_transfer --
-- A data transfer by id.
SELECT * FROM data_transfer WHERE id = $1

-- get_data_transfer_by_package_destination --
-- The transfer of a data transfer package to a destination location (natural key).
SELECT * FROM data_transfer WHERE data_transfer_package_id = $1 AND destination_location_id = $2

-- list_data_transfers --
-- Transfers filtered by package, status and unpack status (NULL = any), keyset-paged by id. Each status test is also written as a range (BETWEEN $n AND $n, the same rows): a cached generic plan, which cannot see the value, then reads the (status, id) index instead of walking the primary key past every transfer of other statuses (docs/performance.md, "Generic plans of the page queries").
SELECT * FROM data_transfer
WHERE ($1::bigint IS NULL OR data_transfer_package_id = $1)
  AND ($2::text IS NULL OR (status = $2 AND status BETWEEN $2 AND $2))
  AND ($3::text IS NULL OR (unpack_status = $3 AND unpack_status BETWEEN $3 AND $3))
  AND id > $4
ORDER BY id
LIMIT $5

-- insert_data_transfer_log --
-- Append a short log entry to a transfer.
INSERT INTO data_transfer_log (data_transfer_id, level, message, log_path)
VALUES ($1, $2, $3, $4)
RETURNING *

-- list_data_transfer_logs --
-- A transfer's log entries, oldest first, keyset-paged by id.
SELECT * FROM data_transfer_log
WHERE data_transfer_id = $1 AND id > $2
ORDER BY id
LIMIT $3

-- insert_long_term_archive_transfer --
-- Create the transfer of a raw data package into a long-term archive location.
INSERT INTO long_term_archive_transfer (raw_data_package_id, origin_location_id, destination_location_id,
                                        max_attempts)
VALUES ($1, $2, $3, $4)
RETURNING *

-- get_long_term_archive_transfer --
-- A long-term-archive transfer by id.
SELECT * FROM long_term_archive_transfer WHERE id = $1

-- get_long_term_archive_transfer_by_package_destination --
-- The archive transfer of a package to a destination location (natural key).
SELECT * FROM long_term_archive_transfer WHERE raw_data_package_id = $1 AND destination_location_id = $2

-- list_long_term_archive_transfers --
-- Archive transfers filtered by status and package (NULL = any), keyset-paged by id; the status test also as a range for the generic plan (see list_data_transfers).
SELECT * FROM long_term_archive_transfer
WHERE ($1::text IS NULL OR (status = $1 AND status BETWEEN $1 AND $1))
  AND ($2::bigint IS NULL OR raw_data_package_id = $2)
  AND id > $3
ORDER BY id
LIMIT $4
