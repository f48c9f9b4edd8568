-- Back to 0028: the queueing functions as 0028 left them (their definitions as sql/schema.sql had them at
-- 0028), then what 0029 added.

CREATE OR REPLACE FUNCTION public.opsdb_queue_file_deletions(package_ids bigint[]) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
    INSERT INTO deletion_file_queue (raw_data_package_id, data_location_id)
    SELECT DISTINCT p.id, c.data_location_id
    FROM raw_data_package p
    JOIN raw_data_file f ON f.raw_data_package_id = p.id
    JOIN physical_copy c ON c.raw_data_file_id = f.id
    JOIN data_location l ON l.id = c.data_location_id AND l.location_type IN ('source', 'buffer')
    WHERE p.id = ANY(package_ids) AND p.state = 'archived' AND c.status IN ('present', 'deletion_possible')
    ORDER BY 1, 2
    ON CONFLICT DO NOTHING
$$;

CREATE OR REPLACE FUNCTION public.opsdb_queue_packaged_files() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
BEGIN
    PERFORM opsdb_queue_file_deletions(ARRAY(
        SELECT DISTINCT n.raw_data_package_id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.raw_data_package_id IS DISTINCT FROM o.raw_data_package_id AND n.raw_data_package_id IS NOT NULL));
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION public.opsdb_copy_deltas_update() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $_$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_copies) THEN
        RETURN NULL;  -- e.g. a completion's INSERT ... ON CONFLICT DO UPDATE that inserted only
    END IF;
    -- only rows whose status or location moved (claims and lease renewals change neither); a file
    -- copy's size from copy_size_hint when the deletion function that sent this UPDATE read it
    -- already (only the owner writes that table), else by a probe of its file
    EXECUTE $q$
        INSERT INTO copy_space_delta (data_location_id, type, status, copies, bytes)
        SELECT v.loc, v.t, v.s, sum(v.c), sum(v.c * v.size)
        FROM (
            SELECT o.data_location_id, o.type, o.status, o.raw_data_file_id, o.raw_data_package_id,
                   o.data_transfer_package_id, n.data_location_id AS nloc, n.type AS ntype, n.status AS nstatus,
                   n.raw_data_file_id AS nfile, n.raw_data_package_id AS npkg, n.data_transfer_package_id AS nbundle,
                   coalesce(CASE n.type
                       WHEN 'raw_data_file' THEN
                           coalesce((SELECT h.size_bytes FROM copy_size_hint h WHERE h.copy_id = n.id LIMIT 1),
                                    (SELECT f.size_bytes FROM raw_data_file f WHERE f.id = n.raw_data_file_id))
                       WHEN 'raw_data_package' THEN
                           (SELECT p.size_bytes FROM raw_data_package p WHERE p.id = n.raw_data_package_id)
                       ELSE (SELECT b.size_bytes FROM data_transfer_package b WHERE b.id = n.data_transfer_package_id)
                   END, 0) AS nsize
            FROM old_copies o JOIN new_copies n ON n.id = o.id
            WHERE o.status IS DISTINCT FROM n.status OR o.data_location_id <> n.data_location_id
            OFFSET 0  -- each size probed once (flattened, both VALUES rows below repeat the probe)
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
$_$;

CREATE OR REPLACE FUNCTION public.opsdb_schedule_deletions(locations bigint[], max_rows integer) RETURNS SETOF bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'public', 'pg_temp'
    AS $$
DECLARE
    wanted integer := max_rows;
    candidate bigint[];
    sizes bigint[];
    found bigint[];
    found_sizes bigint[];
    found_pairs integer[];
    pkgs bigint[];
    locs bigint[];
    ok_pkgs bigint[];
    ok_locs bigint[];
    no_pkgs bigint[];
    no_locs bigint[];
    -- pairs walked to their end, the copies found there (and their pair's place), blocked pairs
    walked_pkgs bigint[] := '{}';
    walked_locs bigint[] := '{}';
    walked_copies bigint[] := '{}';
    walked_of integer[] := '{}';
    blocked_pkgs bigint[] := '{}';
    blocked_locs bigint[] := '{}';
    cutoff integer;
    last_package bigint := -1;
    last_location bigint := -1;
    chunk integer := 16;  -- doubles per round, up to 1024: few pairs judged for a small answer
    scheduled bigint[];
BEGIN
    IF wanted IS NULL OR wanted <= 0 THEN
        RETURN;
    END IF;
    candidate := ARRAY(SELECT d FROM opsdb_deletion_scan_items(locations, wanted) AS d);
    sizes := array_fill(NULL::bigint, ARRAY[cardinality(candidate)]);
    wanted := wanted - cardinality(candidate);
    WHILE wanted > 0 LOOP
        -- the next chunk of the queue, locked (pairs another scheduler holds are skipped)
        SELECT array_agg(x.p ORDER BY x.p, x.l), array_agg(x.l ORDER BY x.p, x.l) INTO pkgs, locs
        FROM (SELECT q.raw_data_package_id AS p, q.data_location_id AS l
              FROM deletion_file_queue q
              WHERE (q.raw_data_package_id, q.data_location_id) > (last_package, last_location)
                AND (locations IS NULL OR q.data_location_id = ANY(locations))
              ORDER BY q.raw_data_package_id, q.data_location_id
              LIMIT chunk
              FOR UPDATE OF q SKIP LOCKED) x;
        EXIT WHEN pkgs IS NULL;
        last_package := pkgs[array_upper(pkgs, 1)];
        last_location := locs[array_upper(locs, 1)];
        chunk := least(chunk * 2, 1024);
        -- judged on this statement's snapshot, taken after the locks
        SELECT array_agg(u.package_id ORDER BY u.n) FILTER (WHERE b.raw_data_package_id IS NULL),
               array_agg(u.location_id ORDER BY u.n) FILTER (WHERE b.raw_data_package_id IS NULL),
               coalesce(array_agg(u.package_id) FILTER (WHERE b.raw_data_package_id IS NOT NULL), '{}'),
               coalesce(array_agg(u.location_id) FILTER (WHERE b.raw_data_package_id IS NOT NULL), '{}')
          INTO ok_pkgs, ok_locs, no_pkgs, no_locs
        FROM unnest(pkgs, locs) WITH ORDINALITY AS u(package_id, location_id, n)
        LEFT JOIN (SELECT DISTINCT x.raw_data_package_id, x.data_location_id
                   FROM opsdb_deletion_pairs_blocked(pkgs, locs) x) b
               ON b.raw_data_package_id = u.package_id AND b.data_location_id = u.location_id;
        blocked_pkgs := blocked_pkgs || no_pkgs;
        blocked_locs := blocked_locs || no_locs;
        CONTINUE WHEN ok_pkgs IS NULL;
        SELECT coalesce(array_agg(w.id), '{}'), coalesce(array_agg(w.size_bytes), '{}'),
               coalesce(array_agg(w.pair), '{}')
          INTO found, found_sizes, found_pairs
        FROM opsdb_deletion_pair_copies(ok_pkgs, ok_locs, wanted) AS w;
        -- walked to the end: every pair when fewer than wanted were found, else those before the
        -- last one reached (which the limit may have cut)
        cutoff := CASE WHEN cardinality(found) < wanted THEN cardinality(ok_pkgs) + 1
                       ELSE (SELECT max(p) FROM unnest(found_pairs) AS p) END;
        SELECT walked_copies || coalesce(array_agg(f.id), '{}'),
               walked_of || coalesce(array_agg(cardinality(walked_pkgs) + f.n), '{}')
          INTO walked_copies, walked_of
        FROM unnest(found, found_pairs) AS f(id, n) WHERE f.n < cutoff;
        walked_pkgs := walked_pkgs || ok_pkgs[1:cutoff - 1];
        walked_locs := walked_locs || ok_locs[1:cutoff - 1];
        candidate := candidate || found;
        sizes := sizes || found_sizes;
        wanted := wanted - cardinality(found);
    END LOOP;

    IF cardinality(candidate) > 0 THEN
        INSERT INTO copy_size_hint (copy_id, size_bytes)
        SELECT h.id, h.size_bytes FROM unnest(candidate, sizes) AS h(id, size_bytes) WHERE h.size_bytes IS NOT NULL;
        WITH locked AS (
            SELECT c.id FROM physical_copy c
            WHERE c.id = ANY(candidate) AND c.status IN ('present', 'deletion_possible', 'staged')
            ORDER BY c.id
            FOR UPDATE OF c SKIP LOCKED
        ), done AS (
            UPDATE physical_copy c
            SET status = 'deletion_scheduled', next_attempt_at = now(), attempts = 0, last_error = NULL,
                claimed_by = NULL, claim_token = NULL, lease_until = NULL, updated_at = now(),
                -- the location's priority, set here for the whole batch (the trigger then finds
                -- nothing to correct)
                priority = LEAST(100, GREATEST(-100, coalesce(l.priority, 0)))
            FROM locked, data_location l
            WHERE c.id = locked.id AND l.id = c.data_location_id
            RETURNING c.id
        )
        SELECT coalesce(array_agg(done.id ORDER BY done.id), '{}') INTO scheduled FROM done;
        DELETE FROM copy_size_hint h WHERE h.copy_id = ANY(candidate);
    END IF;

    -- settled pairs leave the queue: walked to their end with every copy found scheduled here (no
    -- second walk: the lock held since before the walk keeps what it did not see in the queue),
    -- or blocked with nothing left to delete (checked now, under the same lock)
    IF cardinality(walked_pkgs) > 0 OR cardinality(blocked_pkgs) > 0 THEN
        DELETE FROM deletion_file_queue q
        USING (
            SELECT w.p, w.l
            FROM unnest(walked_pkgs, walked_locs) WITH ORDINALITY AS w(p, l, n)
            LEFT JOIN (
                SELECT f.n FROM unnest(walked_copies, walked_of) AS f(id, n)
                LEFT JOIN unnest(coalesce(scheduled, '{}')) AS s(id) ON s.id = f.id
                WHERE s.id IS NULL) unscheduled ON unscheduled.n = w.n
            WHERE unscheduled.n IS NULL
            UNION
            SELECT b.p, b.l FROM unnest(blocked_pkgs, blocked_locs) AS b(p, l)
            WHERE NOT EXISTS (
                SELECT 1 FROM raw_data_file f
                JOIN physical_copy c ON c.raw_data_file_id = f.id AND c.data_location_id = b.l
                WHERE f.raw_data_package_id = b.p AND c.status IN ('present', 'deletion_possible'))
        ) s
        WHERE q.raw_data_package_id = s.p AND q.data_location_id = s.l;
    END IF;
    RETURN QUERY SELECT unnest(coalesce(scheduled, '{}'));
END;
$$;

CREATE OR REPLACE FUNCTION public.opsdb_deletion_scan_items(locations bigint[], max_rows integer) RETURNS SETOF bigint
    LANGUAGE sql STABLE
    AS $$
    SELECT d
    FROM opsdb_deletable(ARRAY(
        SELECT c.id FROM data_location l
        CROSS JOIN LATERAL (
            SELECT pc.id FROM physical_copy pc
            WHERE pc.data_location_id = l.id AND pc.type <> 'raw_data_file'
              AND pc.status = CASE WHEN l.location_type = 'processing' THEN 'staged' ELSE 'present' END
              AND (l.location_type <> 'processing' OR pc.type = 'raw_data_package')) c
        WHERE l.location_type IN ('source', 'buffer', 'processing')
          AND (locations IS NULL OR l.id = ANY(locations)))) AS d
    ORDER BY d
    LIMIT max_rows
$$;

DROP TRIGGER IF EXISTS physical_copy_requeue_locks ON physical_copy;
DROP FUNCTION IF EXISTS opsdb_lock_requeue_sources();
ALTER TABLE copy_size_hint DROP COLUMN IF EXISTS copy_ids;
ALTER TABLE copy_size_hint DROP COLUMN IF EXISTS sizes;
