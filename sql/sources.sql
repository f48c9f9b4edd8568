-- Sources of every type and the cone search on fixed sources (opsdb/repositories/sources.py).

-- insert_source --
-- Create a source of any type; the table's CHECKs enforce each type's columns.
INSERT INTO source (type, name, description, ra_deg, dec_deg, frame, ephemeris_body,
                    ra_min_deg, ra_max_deg, dec_min_deg, dec_max_deg, elevation_deg)
VALUES (:type, :name, :description, :ra_deg, :dec_deg, :frame, :ephemeris_body, :ra_min_deg, :ra_max_deg,
        :dec_min_deg, :dec_max_deg, :elevation_deg)
RETURNING *

-- get_source --
-- A source by id.
SELECT * FROM source WHERE id = $1

-- get_source_by_name --
-- A source by name (natural key).
SELECT * FROM source WHERE name = $1

-- list_sources --
-- Sources filtered by type (NULL = any), in id order, keyset-paged.
SELECT * FROM source
WHERE ($1::text IS NULL OR type = $1)
  AND id > $2
ORDER BY id
LIMIT $3

-- cone_search_fixed_sources --
-- Fixed sources in frames $4 within $3 degrees of (ra $1, dec $2), nearest first, with their distance.
-- The declination band [dec - r, dec + r] uses source_fixed_dec_idx; the exact great-circle
-- distance (haversine) then decides. It needs no RA window: sin^2(dRA/2) is periodic, so the
-- wrap at RA 0/360 costs nothing, and a band reaching past +-90 simply takes the polar cap.
SELECT s.*, d.distance_deg
FROM source s
CROSS JOIN LATERAL (
    SELECT degrees(2 * asin(least(1.0, sqrt(
               power(sin(radians(s.dec_deg - $2::float8) / 2), 2)
               + cos(radians(s.dec_deg)) * cos(radians($2::float8))
                 * power(sin(radians(s.ra_deg - $1::float8) / 2), 2))))) AS distance_deg
) d
WHERE s.type = 'fixed'
  AND s.dec_deg BETWEEN $2::float8 - $3::float8 AND $2::float8 + $3::float8
  AND s.frame = ANY($4::text[])
  AND d.distance_deg <= $3::float8
ORDER BY d.distance_deg, s.id
LIMIT $5
