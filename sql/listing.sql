-- Read-only listings for the command line (opsdb/cli/listing_cmd.py): names instead of ids,
-- filters as nullable parameters, keyset order and a LIMIT, so each costs the size of its page.

-- cli_list_executions --
-- Executions, newest start first, filtered by status, obs unit name and start time range.
SELECT e.id, u.name AS obs_unit, e.status, e.start_time, e.end_time, e.notes
FROM executed_obs_unit e
JOIN obs_unit u ON u.id = e.obs_unit_id
WHERE ($1::text IS NULL OR e.status = $1)
  AND ($2::text IS NULL OR u.name = $2)
  AND ($3::timestamptz IS NULL OR e.start_time >= $3)
  AND ($4::timestamptz IS NULL OR e.start_time < $4)
ORDER BY e.start_time DESC, e.id
LIMIT $5

-- cli_list_files --
-- Files of an execution, module or package (instrument/module names), in id order after a cursor.
SELECT f.id, i.name || '/' || m.name AS module, f.executed_obs_unit_id AS execution, f.relative_path,
       f.size_bytes, f.checksum_algorithm || ':' || f.checksum AS checksum, f.raw_data_package_id AS package,
       f.file_created_at
FROM raw_data_file f
JOIN instrument_module m ON m.id = f.instrument_module_id
JOIN instrument i ON i.id = m.instrument_id
WHERE ($1::uuid IS NULL OR f.executed_obs_unit_id = $1)
  AND ($2::bigint IS NULL OR f.instrument_module_id = $2)
  AND ($3::bigint IS NULL OR f.raw_data_package_id = $3)
  AND ($4::uuid IS NULL OR f.id > $4)
ORDER BY f.id
LIMIT $5

-- cli_get_file --
-- One file with its module name.
SELECT f.id, i.name || '/' || m.name AS module, f.executed_obs_unit_id AS execution, f.name, f.relative_path,
       f.size_bytes, f.checksum_algorithm, f.checksum, f.file_type, f.file_created_at, f.raw_data_package_id AS package,
       f.metadata, f.created_at
FROM raw_data_file f
JOIN instrument_module m ON m.id = f.instrument_module_id
JOIN instrument i ON i.id = m.instrument_id
WHERE f.id = $1

-- cli_list_packages --
-- Raw data packages filtered by execution, status and state, in id order after a cursor.
SELECT p.id, p.name, i.name || '/' || m.name AS module, p.executed_obs_unit_id AS execution, p.status, p.state,
       p.size_bytes, p.data_transfer_package_id AS bundle, p.attempts, p.updated_at
FROM raw_data_package p
JOIN instrument_module m ON m.id = p.instrument_module_id
JOIN instrument i ON i.id = m.instrument_id
WHERE ($1::uuid IS NULL OR p.executed_obs_unit_id = $1)
  AND ($2::text IS NULL OR p.status = $2)
  AND ($3::text IS NULL OR p.state = $3)
  AND p.id > $4
ORDER BY p.id
LIMIT $5

-- cli_copies_of_item --
-- Every physical copy of one file, package or bundle, with its site and location.
SELECT c.id, c.type, s.short_name AS site, l.name AS location, l.location_type, c.status,
       c.checksum_verified_at AS verified_at, c.deleted_at, c.attempts, c.last_error, c.updated_at
FROM physical_copy c
JOIN data_location l ON l.id = c.data_location_id
JOIN site s ON s.id = l.site_id
WHERE (c.type = 'raw_data_file' AND c.raw_data_file_id = $1::uuid)
   OR (c.type = 'raw_data_package' AND c.raw_data_package_id = $2::bigint)
   OR (c.type = 'data_transfer_package' AND c.data_transfer_package_id = $3::bigint)
ORDER BY s.short_name, l.name

-- cli_list_locations --
-- Storage locations with their site and storage details, filtered by site and location type.
SELECT l.id, s.short_name AS site, l.name, l.location_type, l.type, l.active, l.priority,
       coalesce(l.host || ':' || l.root_path, l.endpoint_url || '/' || l.bucket, l.library_name) AS storage
FROM data_location l
JOIN site s ON s.id = l.site_id
WHERE ($1::text IS NULL OR s.short_name = $1)
  AND ($2::text IS NULL OR l.location_type = $2)
ORDER BY s.short_name, l.name

-- cli_list_users --
-- Users with their roles, filtered by activity.
SELECT u.id, u.username, u.display_name, u.email, u.active,
       coalesce(array_agg(r.name ORDER BY r.name) FILTER (WHERE r.name IS NOT NULL), '{}') AS roles, u.created_at
FROM user_account u
LEFT JOIN user_role ur ON ur.user_account_id = u.id
LEFT JOIN role r ON r.id = ur.role_id
WHERE ($1::boolean IS NULL OR u.active = $1)
GROUP BY u.id
ORDER BY u.username
LIMIT $2

-- cli_list_roles --
-- Roles with their permissions and how many users hold each.
SELECT r.id, r.name, r.description,
       coalesce((SELECT array_agg(p.name ORDER BY p.name) FROM role_permission rp JOIN permission p ON p.id = rp.permission_id
                 WHERE rp.role_id = r.id), '{}') AS permissions,
       (SELECT count(*) FROM user_role ur WHERE ur.role_id = r.id) AS users
FROM role r
ORDER BY r.name
