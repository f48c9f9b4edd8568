-- Raw data packages, their IVOA metadata and data transfer packages (opsdb/repositories/packages.py).

-- insert_raw_data_package --
-- Create a raw data package of one (executed obs unit, module); its build is pending.
INSERT INTO raw_data_package (name, relative_path, executed_obs_unit_id, instrument_module_id, origin_location_id,
                              size_bytes, checksum_algorithm, checksum, max_attempts)
VALUES (:name, :relative_path, :executed_obs_unit_id, :instrument_module_id, :origin_location_id,
        :size_bytes, :checksum_algorithm, :checksum, :max_attempts)
RETURNING *

-- file_raw_data_files_into_package --
-- Put the listed files into package $1, locking them in id order; only files of the package's own
-- (executed obs unit, module) that are not packaged yet are taken. Returns the ids taken.
WITH package AS (
    SELECT id, executed_obs_unit_id, instrument_module_id FROM raw_data_package WHERE id = $1
), candidate AS (
    SELECT f.id FROM raw_data_file f, package p
    WHERE f.id = ANY($2::uuid[])
      AND f.raw_data_package_id IS NULL
      AND f.executed_obs_unit_id = p.executed_obs_unit_id
      AND f.instrument_module_id = p.instrument_module_id
    ORDER BY f.id
    FOR UPDATE OF f
)
UPDATE raw_data_file f SET raw_data_package_id = $1
FROM candidate c
WHERE f.id = c.id AND f.raw_data_package_id IS NULL
RETURNING f.id

-- describe_files_for_package --
-- Where each listed file stands relative to package $1 (to explain a refused filing).
SELECT f.id, f.raw_data_package_id,
       (f.executed_obs_unit_id = p.executed_obs_unit_id AND f.instrument_module_id = p.instrument_module_id)
           AS same_unit_and_module
FROM raw_data_file f, raw_data_package p
WHERE p.id = $1 AND f.id = ANY($2::uuid[])

-- finalize_raw_data_package --
-- Mark a package's build completed with its size and checksum, only from an unfinished build status.
UPDATE raw_data_package
SET status = 'completed', size_bytes = $2, checksum_algorithm = $3, checksum = $4,
    claimed_by = NULL, claim_token = NULL, lease_until = NULL, last_error = NULL
WHERE id = $1 AND status IN ('pending', 'scheduled', 'in_progress')
RETURNING *

-- get_raw_data_package --
-- A raw data package by id.
SELECT * FROM raw_data_package WHERE id = $1

-- get_raw_data_package_by_name --
-- A raw data package by name (natural key).
SELECT * FROM raw_data_package WHERE name = $1

-- list_raw_data_packages --
-- Packages filtered by executed obs unit, module, state, build status and bundle (NULL = any), keyset-paged; the state and status tests also as ranges for the generic plan (see list_data_transfers in transfers.sql).
SELECT * FROM raw_data_package
WHERE (:executed_obs_unit_id::uuid IS NULL OR executed_obs_unit_id = :executed_obs_unit_id)
  AND (:instrument_module_id::bigint IS NULL OR instrument_module_id = :instrument_module_id)
  AND (:state::text IS NULL OR (state = :state AND state BETWEEN :state AND :state))
  AND (:status::text IS NULL OR (status = :status AND status BETWEEN :status AND :status))
  AND (:data_transfer_package_id::bigint IS NULL OR data_transfer_package_id = :data_transfer_package_id)
  AND id > :after_id
ORDER BY id
LIMIT :limit

-- upsert_raw_data_package_metadata --
-- Create or replace the ObsCore metadata row of a package.
INSERT INTO raw_data_package_metadata (raw_data_package_id, obs_id, obs_collection, obs_publisher_did,
    dataproduct_type, calib_level, target_name, s_ra, s_dec, s_fov, t_min, t_max, t_exptime, em_min, em_max,
    em_res_power, pol_states, o_ucd, facility_name, instrument_name, extra)
VALUES (:raw_data_package_id, :obs_id, :obs_collection, :obs_publisher_did, :dataproduct_type, :calib_level,
        :target_name, :s_ra, :s_dec, :s_fov, :t_min, :t_max, :t_exptime, :em_min, :em_max, :em_res_power,
        :pol_states, :o_ucd, :facility_name, :instrument_name, :extra)
ON CONFLICT (raw_data_package_id) DO UPDATE SET
    obs_id = EXCLUDED.obs_id, obs_collection = EXCLUDED.obs_collection,
    obs_publisher_did = EXCLUDED.obs_publisher_did, dataproduct_type = EXCLUDED.dataproduct_type,
    calib_level = EXCLUDED.calib_level, target_name = EXCLUDED.target_name, s_ra = EXCLUDED.s_ra,
    s_dec = EXCLUDED.s_dec, s_fov = EXCLUDED.s_fov, t_min = EXCLUDED.t_min, t_max = EXCLUDED.t_max,
    t_exptime = EXCLUDED.t_exptime, em_min = EXCLUDED.em_min, em_max = EXCLUDED.em_max,
    em_res_power = EXCLUDED.em_res_power, pol_states = EXCLUDED.pol_states, o_ucd = EXCLUDED.o_ucd,
    facility_name = EXCLUDED.facility_name, instrument_name = EXCLUDED.instrument_name, extra = EXCLUDED.extra
RETURNING *

-- get_raw_data_package_metadata --
-- The ObsCore metadata of a package.
SELECT * FROM raw_data_package_metadata WHERE raw_data_package_id = $1

-- insert_data_transfer_package --
-- Create a data transfer package (bundle); its build is pending.
INSERT INTO data_transfer_package (name, relative_path, origin_location_id, size_bytes, checksum_algorithm,
                                   checksum, max_attempts)
VALUES (:name, :relative_path, :origin_location_id, :size_bytes, :checksum_algorithm, :checksum,
        :max_attempts)
RETURNING *

-- get_data_transfer_package --
-- A data transfer package by id.
SELECT * FROM data_transfer_package WHERE id = $1

-- get_data_transfer_package_by_name --
-- A data transfer package by name (natural key).
SELECT * FROM data_transfer_package WHERE name = $1

-- list_data_transfer_packages --
-- Data transfer packages filtered by build status and origin location (NULL = any), keyset-paged; the status test also as a range for the generic plan (see list_data_transfers in transfers.sql).
SELECT * FROM data_transfer_package
WHERE ($1::text IS NULL OR (status = $1 AND status BETWEEN $1 AND $1))
  AND ($2::bigint IS NULL OR origin_location_id = $2)
  AND id > $3
ORDER BY id
LIMIT $4
