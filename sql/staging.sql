-- Staging jobs and the packages they stage (opsdb/repositories/staging.py).

-- insert_staging_job --
-- Create a user's staging job (its packages are added in the same transaction).
INSERT INTO staging_job (user_account_id, destination_location_id, retention_until, max_attempts)
VALUES ($1, $2, $3, $4)
RETURNING *

-- insert_staging_job_packages --
-- Attach the listed packages to staging job $1; returns the package ids in id order.
INSERT INTO staging_job_package (staging_job_id, raw_data_package_id)
SELECT $1, package_id FROM unnest($2::bigint[]) AS package_id ORDER BY package_id
RETURNING raw_data_package_id

-- get_staging_job --
-- A staging job by id.
SELECT * FROM staging_job WHERE id = $1

-- list_staging_job_package_ids --
-- The ids of the packages a staging job stages, in id order.
SELECT raw_data_package_id FROM staging_job_package WHERE staging_job_id = $1 ORDER BY raw_data_package_id

-- list_staging_jobs --
-- Staging jobs filtered by user and status (NULL = any), keyset-paged by id; the status test also as a range for the generic plan (see list_data_transfers in transfers.sql).
SELECT * FROM staging_job
WHERE ($1::bigint IS NULL OR user_account_id = $1)
  AND ($2::text IS NULL OR (status = $2 AND status BETWEEN $2 AND $2))
  AND id > $3
ORDER BY id
LIMIT $4
