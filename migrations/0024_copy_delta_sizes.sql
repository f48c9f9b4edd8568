-- The copy counters' update trigger at the cost of its batch, not of the tables (issue 13).
--
-- opsdb_copy_deltas_update (0019, planned per statement since 0021, early exit since 0022)
-- looked each moved copy's size up by LEFT JOINs of the moved rows to raw_data_file,
-- raw_data_package and data_transfer_package. The planner estimates the moved rows at five
-- times their number (the two-row VALUES per copy), so on a table small enough for it
-- (raw_data_file at 1M files) a hash of the whole table looked cheaper than the probes: a
-- schedule of 1,000 deletions spent 157 of its 187 ms hashing a million files, spilling to
-- disk, where the same statement on 20M files probed the key (19 ms) but still hashed every
-- package (80,000 rows) for a batch of file copies. Now each moved copy's size is a scalar
-- subquery in `CASE type`: one index probe per copy, whatever the sizes of the tables, and
-- the old row reuses the new row's size unless its reference moved. The statement is still
-- EXECUTEd (planned for the statement at hand: the old-new join must not keep a first small
-- statement's nested loop). Same delta rows as before (tests/test_copy_delta_sizes.py).
-- depends: 0023_state_counts

CREATE OR REPLACE FUNCTION opsdb_copy_deltas_update() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_copies) THEN
        RETURN NULL;  -- e.g. a completion's INSERT ... ON CONFLICT DO UPDATE that inserted only
    END IF;
    -- only rows whose status or location moved (claims and lease renewals change neither)
    EXECUTE $q$
        INSERT INTO copy_space_delta (data_location_id, type, status, copies, bytes)
        SELECT v.loc, v.t, v.s, sum(v.c), sum(v.c * v.size)
        FROM (
            SELECT o.data_location_id, o.type, o.status, o.raw_data_file_id, o.raw_data_package_id,
                   o.data_transfer_package_id, n.data_location_id AS nloc, n.type AS ntype, n.status AS nstatus,
                   n.raw_data_file_id AS nfile, n.raw_data_package_id AS npkg, n.data_transfer_package_id AS nbundle,
                   coalesce(CASE n.type
                       WHEN 'raw_data_file' THEN (SELECT f.size_bytes FROM raw_data_file f WHERE f.id = n.raw_data_file_id)
                       WHEN 'raw_data_package' THEN
                           (SELECT p.size_bytes FROM raw_data_package p WHERE p.id = n.raw_data_package_id)
                       ELSE (SELECT b.size_bytes FROM data_transfer_package b WHERE b.id = n.data_transfer_package_id)
                   END, 0) AS nsize
            FROM old_copies o JOIN new_copies n ON n.id = o.id
            WHERE o.status IS DISTINCT FROM n.status OR o.data_location_id <> n.data_location_id
        ) m
        CROSS JOIN LATERAL (VALUES
            (m.data_location_id, m.type, m.status, -1,
             CASE WHEN m.type = m.ntype AND m.raw_data_file_id IS NOT DISTINCT FROM m.nfile
                       AND m.raw_data_package_id IS NOT DISTINCT FROM m.npkg
                       AND m.data_transfer_package_id IS NOT DISTINCT FROM m.nbundle THEN m.nsize
                  ELSE coalesce(CASE m.type
                       WHEN 'raw_data_file' THEN (SELECT f.size_bytes FROM raw_data_file f WHERE f.id = m.raw_data_file_id)
                       WHEN 'raw_data_package' THEN
                           (SELECT p.size_bytes FROM raw_data_package p WHERE p.id = m.raw_data_package_id)
                       ELSE (SELECT b.size_bytes FROM data_transfer_package b WHERE b.id = m.data_transfer_package_id)
                  END, 0) END),
            (m.nloc, m.ntype, m.nstatus, 1, m.nsize)) AS v (loc, t, s, c, size)
        GROUP BY 1, 2, 3
        HAVING sum(v.c) <> 0 OR sum(v.c * v.size) <> 0
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
