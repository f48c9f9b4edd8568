-- Back to 0023: the copy counters' update trigger of 0022 (sizes by joins to the whole tables).

CREATE OR REPLACE FUNCTION opsdb_copy_deltas_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_copies) THEN
        RETURN NULL;  -- e.g. a completion's INSERT ... ON CONFLICT DO UPDATE that inserted only
    END IF;
    -- only rows whose status or location moved (claims and lease renewals change neither)
    EXECUTE $q$
        INSERT INTO copy_space_delta (data_location_id, type, status, copies, bytes)
        SELECT m.loc, m.t, m.s, sum(m.c),
               sum(m.c * coalesce(CASE m.t WHEN 'raw_data_file' THEN f.size_bytes
                                           WHEN 'raw_data_package' THEN p.size_bytes
                                           ELSE b.size_bytes END, 0))
        FROM (
            SELECT v.* FROM old_copies o JOIN new_copies n ON n.id = o.id
            CROSS JOIN LATERAL (VALUES
                (o.data_location_id, o.type, o.status, -1, o.raw_data_file_id, o.raw_data_package_id,
                 o.data_transfer_package_id),
                (n.data_location_id, n.type, n.status, 1, n.raw_data_file_id, n.raw_data_package_id,
                 n.data_transfer_package_id)) AS v (loc, t, s, c, file_id, package_id, bundle_id)
            WHERE o.status IS DISTINCT FROM n.status OR o.data_location_id <> n.data_location_id
        ) m
        LEFT JOIN raw_data_file f ON m.t = 'raw_data_file' AND f.id = m.file_id
        LEFT JOIN raw_data_package p ON m.t = 'raw_data_package' AND p.id = m.package_id
        LEFT JOIN data_transfer_package b ON m.t NOT IN ('raw_data_file', 'raw_data_package') AND b.id = m.bundle_id
        GROUP BY 1, 2, 3
        HAVING sum(m.c) <> 0
            OR sum(m.c * coalesce(CASE m.t WHEN 'raw_data_file' THEN f.size_bytes
                                           WHEN 'raw_data_package' THEN p.size_bytes
                                           ELSE b.size_bytes END, 0)) <> 0
    $q$;
    INSERT INTO package_copy_delta (raw_data_package_id, verified)
    SELECT pkg, sum(v) FROM (
        SELECT o.raw_data_package_id AS pkg,
               -(o.status IN ('present', 'staged') AND o.checksum_verified_at IS NOT NULL)::int AS v
        FROM old_copies o WHERE o.type = 'raw_data_package'
        UNION ALL
        SELECT n.raw_data_package_id, (n.status IN ('present', 'staged') AND n.checksum_verified_at IS NOT NULL)::int
        FROM new_copies n WHERE n.type = 'raw_data_package'
    ) moved GROUP BY 1 HAVING sum(v) <> 0;
    RETURN NULL;
END
$$;
