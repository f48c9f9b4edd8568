-- Sites, data locations and transfer routes (opsdb/repositories/sites.py).

-- insert_site --
-- Create a site.
INSERT INTO site (name, short_name, location) VALUES ($1, $2, $3) RETURNING *

-- get_site --
-- A site by id.
SELECT * FROM site WHERE id = $1

-- get_site_by_short_name --
-- A site by its short name (natural key).
SELECT * FROM site WHERE short_name = $1

-- list_sites --
-- Sites in id order, keyset-paged.
SELECT * FROM site WHERE id > $1 ORDER BY id LIMIT $2

-- insert_data_location --
-- Create a storage location of any type; the table's CHECKs enforce each type's columns.
INSERT INTO data_location (type, site_id, name, location_type, priority, active, host, root_path,
                           endpoint_url, bucket, prefix, region, library_name, media_pool)
VALUES (:type, :site_id, :name, :location_type, :priority, :active, :host, :root_path, :endpoint_url,
        :bucket, :prefix, :region, :library_name, :media_pool)
RETURNING *

-- get_data_location --
-- A location by id.
SELECT * FROM data_location WHERE id = $1

-- get_data_location_by_name --
-- A location by (site short name, location name).
SELECT l.* FROM data_location l JOIN site s ON s.id = l.site_id WHERE s.short_name = $1 AND l.name = $2

-- list_data_locations --
-- Locations filtered by site, location type and active flag (NULL = any), best priority first.
SELECT * FROM data_location
WHERE ($1::bigint IS NULL OR site_id = $1)
  AND ($2::text IS NULL OR location_type = $2)
  AND ($3::boolean IS NULL OR active = $3)
  AND id > $4
ORDER BY id
LIMIT $5

-- insert_route --
-- Create a transfer route.
INSERT INTO data_transfer_route (name, origin_site_id, destination_site_id, route_type, method, relay_site_id,
                                 origin_location_id, destination_location_id, priority, active)
VALUES (:name, :origin_site_id, :destination_site_id, :route_type, :method, :relay_site_id,
        :origin_location_id, :destination_location_id, :priority, :active)
RETURNING *

-- get_route --
-- A route by id.
SELECT * FROM data_transfer_route WHERE id = $1

-- get_route_by_name --
-- A route by name (natural key).
SELECT * FROM data_transfer_route WHERE name = $1

-- list_routes --
-- Routes filtered by origin site and active flag (NULL = any), best priority first.
SELECT * FROM data_transfer_route
WHERE ($1::bigint IS NULL OR origin_site_id = $1)
  AND ($2::boolean IS NULL OR active = $2)
ORDER BY priority DESC, id
LIMIT $3
